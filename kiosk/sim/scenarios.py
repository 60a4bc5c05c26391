"""The scripted situations the product is tested and demonstrated with.

- calibration: the trainer's routine of docs/placements-and-calibration.md (empty area, still on the mark, one
  slow hinge).
- session: reps that tap and reps that fall short, a deep and a quarter squat, a stiff-legged, a knees-forward and
  a rounded-back hinge, a tap held too long, fidgets that are not reps (sway, hips rocking, feet shifted, a step
  back), a passer-by, walking on and off.
- visit: the demo — walk up, good reps at 3, 4 and 5 inches (level ups), a squat, walk away.
- smoke: the shortest useful clip (walk on, one hinge, walk off) for quick checks.
- unattended: nobody in the area (with the studio "object-on-mark": a box left on the mark).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from kiosk.sim.body import Body
from kiosk.sim.moves import rounded_hinge
from kiosk.sim.script import ARRIVAL, Script

INCH = 0.0254
CLEAR_M = 0.035             # scripted reps peak this far from the wall, so tapped-or-not is unambiguous
SHALLOW_M = 0.045           # a shallow attempt: hips travel this far back
ROCK_M = 0.008              # hips rocking back and forth between reps, each way: sway, never a rep
QUARTER_SQUAT = 0.35        # squat depth with the hips back 6-7 % of stature and down 4-9 cm, trunk ~13 deg
ROUNDED_DEG = (20.0, 30.0, 40.0)   # back flexion of the rounded hinge, by seed
CALIBRATION_TRAVEL_M = 0.12  # the trainer's calibration hinge sends the hips this far back from standing (or as far
#                              as a full hinge goes): big glutes stand 9-13 cm behind the heels already


def _approach(cam_xz: np.ndarray) -> tuple[float, float]:
    """Clients walk up from the screen side, away from the camera."""
    side = -np.sign(cam_xz[0]) if abs(cam_xz[0]) > 0.3 else 1.0
    return float(1.6 * side), 1.4


def _exit(cam_xz: np.ndarray) -> tuple[float, float]:
    a = _approach(cam_xz)
    return -a[0], a[1]


def passer_path(cam_xz: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """A line 1.4 m beyond the mark as the camera sees it, crossing the whole view."""
    away = -cam_xz / np.linalg.norm(cam_xz)
    across = np.array([away[1], -away[0]])
    centre = 1.4 * away
    a, b = centre - 2.5 * across, centre + 2.5 * across
    return (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))


def walks(cam_xz: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The lines people walk in these scenarios: onto the mark, off it, and past in the background. A studio keeps
    them clear."""
    return [(_approach(cam_xz), ARRIVAL), ((0.0, 0.0), _exit(cam_xz)), passer_path(cam_xz)]


EMPTY_AREA_S = 1.5          # the routine's empty area: a little longer than the 1.2 s it learns from, as a trainer
#                              leaves it (a wizard that starts a frame late must still see it empty)


def calibration(s: Script, cam_xz: np.ndarray, wall_m: float) -> Script:
    standing, deepest = s.reach("hinge")
    s.empty(EMPTY_AREA_S).arrive(_approach(cam_xz), exact=True).stand(3.0, sway_m=0.002)   # the trainer, on the tape
    s.rep("hinge", target_m=min(standing + CALIBRATION_TRAVEL_M, deepest), down_s=2.0, hold_s=0.5, up_s=1.5)
    return s.stand(1.0).leave(_exit(cam_xz))


def session(s: Script, cam_xz: np.ndarray, wall_m: float) -> Script:
    """Reps of every kind a studio sees, each with its truth (kind, trunk and knee angles, spine), and the
    fidgets that must never count."""
    _, deepest = s.reach("hinge")
    tap = min(wall_m + CLEAR_M, deepest)
    rounding = ROUNDED_DEG[s.seed % len(ROUNDED_DEG)]
    s.empty(0.6).arrive(_approach(cam_xz)).stand(1.5)
    s.rep("hinge", target_m=tap).stand(0.8)
    s.rep("hinge", target_m=min(wall_m + 2 * CLEAR_M, deepest), down_s=0.8, up_s=0.35).stand(0.8, rock_m=ROCK_M)
    s.rep("hinge", travel_m=SHALLOW_M).stand(0.8, rock_m=ROCK_M)   # travels clearly (a rep), short of the wall
    s.rep("hinge", travel_m=0.015).stand(0.8)                      # a small dip: sway, not a rep
    passing = s.frame
    s.rep("squat", depth=0.9, down_s=1.2, up_s=0.9).stand(1.0)
    s.passer_by(passing, passer_path(cam_xz))
    s.rep("squat", depth=QUARTER_SQUAT, down_s=1.0, up_s=0.7).stand(0.8)       # hips high: still a squat
    s.rep("stiff-hinge", target_m=tap).stand(0.8)
    s.rep("knees-forward-hinge", target_m=min(tap, s.reach("knees-forward-hinge")[1])).stand(0.8)
    s.rep(rounded_hinge(rounding), target_m=min(tap, s.reach(rounded_hinge(rounding))[1])).stand(0.8)
    s.rep("hinge", target_m=tap, hold_s=2.2).stand(0.8)                       # held down too long
    s.shift_feet(0.14).stand(0.8).shift_feet(0.0).stand(0.8)
    s.step(-0.07).stand(0.6).step(0.07).stand(1.0)
    s.rep("hinge", target_m=min(wall_m + 3 * CLEAR_M, deepest), down_s=1.6, hold_s=0.4, up_s=1.0).stand(0.8)
    return s.leave(_exit(cam_xz))


def session_wall_m(body: Body) -> float:
    """A wall (whole inches) this client can tap with room to spare, and clearly miss with a shallow rep."""
    upright, _ = Script(body).reach("hinge")
    return round((upright + SHALLOW_M + 0.035) / INCH) * INCH


def visit(s: Script, cam_xz: np.ndarray, wall_m: float) -> Script:
    s.empty(2.0).arrive(_approach(cam_xz)).stand(2.0)
    for level_in, reps in ((3, 3), (4, 1)):
        for _ in range(reps):
            s.rep("hinge", target_m=level_in * INCH + CLEAR_M, down_s=1.1, up_s=0.4).stand(1.0)
    s.rep("squat", depth=0.9, down_s=1.2, up_s=0.9).stand(1.2)
    for _ in range(2):
        s.rep("hinge", target_m=4 * INCH + CLEAR_M, down_s=1.1, up_s=0.4).stand(1.0)
    s.rep("hinge", target_m=5 * INCH - CLEAR_M, down_s=1.2, up_s=0.5).stand(1.0)
    s.rep("hinge", target_m=5 * INCH + CLEAR_M, down_s=1.3, up_s=0.4).stand(1.5)
    return s.leave(_exit(cam_xz)).empty(4.0)


def smoke(s: Script, cam_xz: np.ndarray, wall_m: float) -> Script:
    s.empty(0.5).arrive(_approach(cam_xz)).stand(1.0)
    s.rep("hinge", target_m=wall_m + CLEAR_M, down_s=0.9, up_s=0.5).stand(0.6)
    return s.leave(_exit(cam_xz))


def unattended(s: Script, cam_xz: np.ndarray, wall_m: float) -> Script:
    return s.empty(6.0)


SCENARIOS: dict[str, Callable[[Script, np.ndarray, float], Script]] = {
    "calibration": calibration, "session": session, "visit": visit, "smoke": smoke, "unattended": unattended}
