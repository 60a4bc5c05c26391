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

from tests.test_angles import CLIENTS, KNEE_DEG, MOVES, PLACEMENTS, TRUNK_MAE_DEG, called, reading  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--placements", nargs="*", default=PLACEMENTS)
    args = parser.parse_args()
    totals = {"poses": 0, "no angles": 0, "form right": 0, "spine right": 0}
    trunk_err, knee_err = [], []
    for placement in args.placements:
        for build_name, stature in CLIENTS:
            for move, (_, kind, rounded) in MOVES.items():
                _, m, t, _ = reading(placement, build_name, stature, move)
                form = called(placement, build_name, stature, move)
                totals["poses"] += 1
                if form is None:
                    totals["no angles"] += 1
                    print(f"{placement:20s} {build_name:11s} {move:14s} no angles")
                    continue
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
                                         ("TRUNK", abs(m.trunk_deg - t.trunk_deg) <= TRUNK_MAE_DEG),
                                         ("KNEE", m.knee_deg is None or abs(m.knee_deg - t.knee_deg) <= KNEE_DEG))
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
