"""Form from the body's angles, pose by pose: every build of the simulator, every movement it makes, held at its
bottom, seen with exact depth (so only the method limits the result) from the side, from behind and obliquely.

For each: the trunk angle and knee flexion against the truth in degrees, the back's flexion, and the calls
`kiosk/form.py` makes from them (hinge or squat, a neutral or rounded spine). A table of what is right and what
is not; the last line counts them.

    ./hinge py benchmarks/form.py [--placements NAME ...]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.form import judge  # noqa: E402
from kiosk.sim.body import Pose, named_body, truth  # noqa: E402
from kiosk.sim.moves import HINGE, KNEES_FORWARD_HINGE, SQUAT, STIFF_HINGE, rounded_hinge  # noqa: E402
from kiosk.sim.scenarios import QUARTER_SQUAT  # noqa: E402
from tests.test_measure import measured_in, measurer_after_standing, scene  # noqa: E402

MOVES = {"hinge": (HINGE.at(1.0), "hinge", False), "stiff-legged": (STIFF_HINGE.at(1.0), "hinge", False),
         "knees-forward": (KNEES_FORWARD_HINGE.at(1.0), "hinge", False),
         "quarter squat": (SQUAT.at(QUARTER_SQUAT), "squat", False), "deep squat": (SQUAT.at(0.9), "squat", False),
         "rounded 20": (rounded_hinge(20.0).at(1.0), "hinge", True),
         "rounded 30": (rounded_hinge(30.0).at(1.0), "hinge", True),
         "rounded 40": (rounded_hinge(40.0).at(1.0), "hinge", True)}
CLIENTS = [("average", 1.75), ("slim", 1.45), ("broad", 1.88), ("belly", 1.80), ("glutes", 1.70),
           ("long-torso", 1.95), ("long-legs", 2.00), ("loose-shirt", 1.65), ("ponytail", 1.62)]
TRUNK_OK_DEG, KNEE_OK_DEG = 5.0, 8.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--placements", nargs="*", default=["side-left", "behind", "oblique-behind-left"])
    args = parser.parse_args()
    totals = {"poses": 0, "no angles": 0, "form right": 0, "spine right": 0}
    trunk_err, knee_err = [], []
    for placement in args.placements:
        renderer, cal, _ = scene(placement)
        for build_name, stature in CLIENTS:
            body = named_body(build_name, stature)
            for move, (pose, kind, rounded) in MOVES.items():
                measurer = measurer_after_standing(renderer, cal, body)
                upright = measured_in(renderer, cal, body, Pose(), measurer, frames=3)
                m = measured_in(renderer, cal, body, pose, measurer)
                t = truth(body, pose)
                totals["poses"] += 1
                if m.trunk_deg is None or upright.trunk_deg is None:
                    totals["no angles"] += 1
                    print(f"{placement:20s} {build_name:11s} {move:14s} no angles")
                    continue
                form = judge(m.hip_offset_m - upright.hip_offset_m, measurer._stature,
                             m.trunk_deg - upright.trunk_deg, m.knee_deg, m.back_flexion_deg)
                trunk_err.append(m.trunk_deg - t.trunk_deg)
                if m.knee_deg is not None:
                    knee_err.append(m.knee_deg - t.knee_deg)
                form_ok = form.kind == kind
                spine_ok = (form.spine == "rounded") == rounded
                totals["form right"] += form_ok
                totals["spine right"] += spine_ok
                knee = "  -  " if m.knee_deg is None else f"{m.knee_deg:5.1f}"
                flex = "  -  " if m.back_flexion_deg is None else f"{m.back_flexion_deg:5.1f}"
                wrong = [w for w, ok in (("FORM", form_ok), ("SPINE", spine_ok),
                                         ("TRUNK", abs(m.trunk_deg - t.trunk_deg) <= TRUNK_OK_DEG),
                                         ("KNEE", m.knee_deg is None or abs(m.knee_deg - t.knee_deg) <= KNEE_OK_DEG))
                         if not ok]
                print(f"{placement:20s} {build_name:11s} {move:14s} trunk {m.trunk_deg:5.1f} (truth {t.trunk_deg:5.1f})"
                      f" knee {knee} ({t.knee_deg:5.1f}) back flexion {flex} ({t.spine_deg:4.1f}) {form.kind:6s} "
                      f"{form.spine:8s} {' '.join(wrong)}")
    n = totals["poses"]
    measured = n - totals["no angles"]
    print(f"\n{n} poses: angles read in {measured}; form right in {totals['form right']}, spine right in "
          f"{totals['spine right']} of those; trunk MAE {np.mean(np.abs(trunk_err)):.1f} deg; knee MAE "
          f"{np.mean(np.abs(knee_err)):.1f} deg over {len(knee_err)} poses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
