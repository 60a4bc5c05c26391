"""The movements a simulated client makes at the mark: hinges of several styles and squats of any depth.

A Move is its bottom position as joint angles; `depth` 0..1 blends from standing to it. Styles are what coaches
see in a studio: the soft-kneed hinge the drill teaches, a stiff-legged one, a hinge that pushes the knees
forward, a hinge with a rounded back (the pelvis tucks while the lower and upper back flex), and squats from a
quarter squat (trunk nearly upright, hips high) to a deep one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.sim.body import Pose


ROUND_BY = 0.4                # share of the way down by which a rounding back is fully rounded


@dataclass(frozen=True)
class Move:
    kind: str                 # what a coach calls it: "hinge" | "squat"
    style: str
    shank: float              # degrees at full depth (see body.Pose)
    thigh: float
    trunk: float              # pelvis lean
    lumbar: float = 0.0
    thoracic: float = 0.0
    arm: float = 4.0          # arms at full depth: hanging (a hinge) or reaching forward (a squat)

    def at(self, depth: float) -> Pose:
        """The bend at `depth` (0 standing, 1 the bottom); only joint angles, no position. A back that rounds
        does so early in the movement, so a partial rep is as rounded as a deep one."""
        s = float(np.clip(depth, 0.0, 1.0))
        bend = min(1.0, s / ROUND_BY)
        r = np.radians
        return Pose(shank=r(self.shank) * s, thigh=r(self.thigh) * s, trunk=r(self.trunk) * s,
                    lumbar=r(self.lumbar) * bend, thoracic=r(self.thoracic) * bend,
                    arm=r(4.0 + (self.arm - 4.0) * s))


HINGE = Move("hinge", "soft knees", shank=7, thigh=24, trunk=72)
STIFF_HINGE = Move("hinge", "stiff legs", shank=-6, thigh=15, trunk=78)
KNEES_FORWARD_HINGE = Move("hinge", "knees forward", shank=20, thigh=38, trunk=56)
SQUAT = Move("squat", "squat", shank=34, thigh=78, trunk=38, arm=74)


def rounded_hinge(flexion_deg: float) -> Move:
    """A hinge whose back rounds by `flexion_deg` at the bottom: the pelvis tucks (leans less) while the lower
    and upper back flex, so the shoulders still go forward and down."""
    return Move("hinge", f"rounded {flexion_deg:.0f} deg", shank=9, thigh=24, trunk=72 - 0.45 * flexion_deg,
                lumbar=0.45 * flexion_deg, thoracic=0.55 * flexion_deg)


MOVES = {"hinge": HINGE, "stiff-hinge": STIFF_HINGE, "knees-forward-hinge": KNEES_FORWARD_HINGE, "squat": SQUAT}
