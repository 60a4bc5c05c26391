"""Studio clutter: each kind of clutter in each supported placement, against the same session without it.

For every placement (a different client and camera set-up in each) the trainer's calibration routine and a client's
session are simulated in an empty studio and in every studio of `kiosk/sim/studio.py` (a plyo box or bench behind
the mark, a bench beside it, kettlebells, a rolled mat, a wall or mirror behind the client, a trainer beside the
client gesturing or with a hand on the client's back, the next client waiting, someone walking between camera and
client, and all at once). The calibration is the routine's own (so it learns the background with whatever furniture
was there); both go through the SDK (software_device) and the measuring code `analyze` runs. Each session is
scored against its ground truth (hip offset in cm, reps, form calls), compared with the empty studio's result (the
same reps, the same calls), checked for more measurements made while the client was not on the mark than in the empty studio (someone
else, or an object, measured), and for the frames where someone hid the client (marked occluded, never measured).

    ./hinge py benchmarks/clutter.py [--only STUDIO ...] [--placements NAME ...] [--rotate] [--jobs N]
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.accuracy import CASES as ACCURACY_CASES  # noqa: E402
from calibration.routine import calibrate  # noqa: E402
from kiosk.analyze import analyze  # noqa: E402
from kiosk.scoring import Score, score  # noqa: E402
from kiosk.sim import Placement, named_body, simulate  # noqa: E402
from kiosk.sim.scenarios import session_wall_m  # noqa: E402
from kiosk.sim.simulate import FPS, Simulation  # noqa: E402
from kiosk.sim.studio import STUDIOS  # noqa: E402
from kiosk.sensing.software import sim_source  # noqa: E402

# One client and set-up per placement: the accuracy benchmark's first four, and its oblique-right client on a D455.
CASES = ACCURACY_CASES[:4] + [("oblique-behind-right", 2.8, 1.4, "broad", 1.88, "d455")]
SESSION_STUDIOS = [name for name, s in STUDIOS.items() if not s.takes_the_mark]


@dataclass
class Outcome:
    studio: str
    placement: str
    score: Score
    reps: list[tuple[int, str, str]]            # (peak frame, form, spine) of each rep found
    measured_off_mark: int                      # frames measured while the client was not on the mark (stepping
    #                                             on and off it; more than in the empty studio: someone else measured)
    occluded_truth: int                         # frames where others hid the client
    occluded_marked: int                        # ...of which the kiosk marked occluded or did not measure
    note: str = ""


def _through_sdk(sim: Simulation):
    p = sim.placement
    return sim_source(sim.frames(), p.intrinsics, p.baseline_m, FPS)


def run(studio: str, case: tuple, seed: int) -> Outcome:
    name, distance, height, build, stature, camera = case
    placement = Placement(name, distance, height, camera=camera)
    body = named_body(build, stature)
    wall = session_wall_m(body)
    cal_sim = simulate("calibration", placement, body, seed=seed, studio=studio)
    with _through_sdk(cal_sim) as source:
        cal = calibrate(source, placement.baseline_m)
    sim = simulate("session", placement, body, seed=seed, wall_m=wall, studio=studio)
    with _through_sdk(sim) as source:
        result = analyze(source, cal, wall)
    truth = sim.truth()
    s = score(result, truth, wall)
    by_frame = {f["frame"]: f for f in result["frames"]}
    off_mark = sum(1 for t in truth["frames"] if not t["on_mark"]
                   and by_frame.get(t["frame"], {}).get("hip_offset_m") is not None)
    hidden = [t["frame"] for t in truth["frames"] if t["occluded"]]
    marked = sum(1 for f in hidden if by_frame.get(f, {}).get("occluded") or
                 by_frame.get(f, {}).get("hip_offset_m") is None)
    reps = [(r["peak_frame"], r["form"], r["spine"]) for r in result["reps"]]
    return Outcome(studio, name, s, reps, off_mark, len(hidden), marked)


def _same_reps(a: Outcome, b: Outcome) -> bool:
    """The same reps (peaks within 5 frames) with the same form and spine calls."""
    return len(a.reps) == len(b.reps) and all(abs(x[0] - y[0]) <= 5 and x[1:] == y[1:] for x, y in zip(a.reps, b.reps))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=SESSION_STUDIOS, help="studios to run (the empty one always)")
    parser.add_argument("--placements", nargs="*", help="placements to run (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rotate", action="store_true", help="each studio in one placement only (studio k in "
                        "placement k mod 5), with the empty studio in every placement: a quicker spread")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.placements or c[0] in args.placements]
    studios = ["empty"] + [s for s in args.only if s != "empty"]
    t0 = time.perf_counter()
    jobs = [(studio, case, i) for i, case in enumerate(cases) for k, studio in enumerate(studios)
            if not args.rotate or studio == "empty" or (k - 1) % len(cases) == i]
    outcomes = []
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run, *job): job for job in jobs}
        for done in as_completed(futures):
            studio, case, _ = futures[done]
            try:
                outcomes.append(done.result())
            except ValueError as err:          # the studio has no room in this placement, said in one sentence
                print(f"{studio:15s} {case[0]:21s} not run: {err}", flush=True)
    outcomes.sort(key=lambda o: (o.studio != "empty", o.studio, o.placement))
    empty = {o.placement: o for o in outcomes if o.studio == "empty"}
    ok = True
    by_studio: dict[str, Score] = {}
    for o in outcomes:
        s, base = o.score, empty[o.placement]
        same = _same_reps(o, base)
        extra = o.measured_off_mark - base.measured_off_mark
        fine = (s.mae_m <= 0.005 and s.p95_m <= 0.015 and s.f1 == 1.0 and same and extra <= 0
                and o.occluded_marked == o.occluded_truth)
        ok &= fine
        by_studio[o.studio] = by_studio.get(o.studio, Score()).merge(s)
        print(f"{o.studio:15s} {o.placement:21s} MAE {s.mae_m * 100:.2f} cm p95 {s.p95_m * 100:.2f} cm "
              f"coverage {s.coverage * 100:5.1f} % F1 {s.f1:.2f} wrong {len(s.wrong_calls)} "
              f"same reps as empty {'yes' if same else 'NO'}; measured off the mark {extra:+d} vs empty; "
              f"occluded {o.occluded_marked}/{o.occluded_truth} {'' if fine else ' <-- target missed'}")
        for w in s.wrong_calls:
            print(f"   wrong: {w}")
        if not same:
            print(f"   reps {o.reps}\n   empty {base.reps}")
    print()
    for name, s in by_studio.items():
        print(f"{name:15s} over placements: MAE {s.mae_m * 100:.2f} cm, p95 {s.p95_m * 100:.2f} cm, "
              f"coverage {s.coverage * 100:.1f} %, F1 {s.f1:.2f}, wrong calls {len(s.wrong_calls)}")
    print(f"targets (each clutter x placement: MAE <= 0.5 cm, p95 <= 1.5 cm, F1 = 1, the same reps and calls as the "
          f"empty studio, nothing measured off the mark, every occluded frame marked): {'MET' if ok else 'NOT MET'}"
          f"  ({time.perf_counter() - t0:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
