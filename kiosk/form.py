"""Form at the bottom of a rep, from the body's angles: hinge or squat, a flat or rounded back, and what to fix.

Pure: plain numbers in, plain data out. The words are the client's own (they are shown and written as they
are); `kiosk.game.words` maps each fault to what is said aloud. Why each threshold is where it is:
docs/form.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    """What went wrong in a rep or an attempt, most important first."""

    ROUNDED_BACK = "rounded back: keep your back flat"
    SQUAT = "squat: push your hips back, not down"
    KNEES_FORWARD = "knees forward: push your hips back"
    SHORT = "did not reach the wall"
    STAYED_DOWN = "stayed down: snap back up to standing"
    FEET_MOVED = "feet moved: keep your heels on the mark"
    LEFT_MARK = "stepped off the mark"


# A hinge sends the hips back by leaning the trunk, a squat by bending the knees with the trunk fairly upright.
# For the same joint angles the hips of a taller client travel further, so lean is counted per 1 % of stature
# the hips travel. Over clients 1.45-2.05 m of every build we model (a loose shirt's hem adds a little travel
# without lean in shallow reps): 6.5-8.8 degrees in a soft-kneed hinge, 5.9-7.9 stiff-legged, 5.2-7.0 with the
# knees pushed forward; 1.9-3.5 in squats from a quarter squat to a deep one. The line sits at their geometric
# middle, 4.3: every hinge style is 1.2 times above it, every squat 1.2 times below.
LEAN_PER_STATURE_PCT = 4.3
# Where the knees are seen they must agree: a squat bends them far more than the trunk leans (2.9-3 times, from a
# quarter squat to a deep one), a hinge at most about as much (1.0 with the knees pushed forward, 0.4 soft-kneed).
# Below 1.75 times the lean (the geometric middle) a rep is no squat, whatever its travel: in a shallow rep a few
# degrees of lean misread, or a centimetre of travel, would otherwise flip the call.
SQUAT_KNEE_RATIO = 1.75
# Soft knees bend about 0.45 degrees for each degree of trunk lean; knees pushed forward bend about as much as
# the trunk leans (and a squat far more). A bend counts as pushed forward from 0.75 times the lean, and only when
# it is more than a soft bend by more than the knee angle's own error (8 degrees, its accuracy target): in a
# shallow rep a soft knee read a few degrees high would otherwise pass the ratio (it did: a 20-degree lean with
# the knee read at 15 instead of 8, seen obliquely from 2.8 m).
KNEES_FORWARD_RATIO = 0.75
SOFT_KNEE_RATIO = 0.45
KNEE_ERROR_DEG = 8.0
# A back flexed from pelvis to shoulders by this much or more is rounded. A coach calls a back flat to about 6
# degrees (its natural upper-back rounding) and rounded from 20: the line sits halfway. Read against each client's
# own standing back (kiosk/spine.py), benchmarks/form.py's roundings of 20 degrees read from 13.7 up and its flat
# backs below 12.2 but for one at 13.3 (big glutes, knees pushed forward, seen from behind); the reading's error is
# 3.3 degrees on average, against 7 either side of the line.
ROUNDED_BACK_DEG = 13.0


@dataclass(frozen=True)
class Form:
    kind: str                 # "hinge" | "squat"
    spine: str                # "neutral" | "rounded"
    faults: tuple[Fault, ...]


def judge(travel_m: float, stature_m: float, lean_deg: float | None, knee_deg: float | None,
          back_flexion_deg: float | None) -> Form:
    """Form of a rep from how far the hips travelled back (for a client this tall), how much the trunk leaned for
    it (at the bottom, from standing; None when the trunk was never seen during the rep), the knee bend where the
    view shows it, and the back's flexion at the bottom. Only what was seen is blamed: a rep whose trunk was
    never read is a hinge."""
    squat = (lean_deg is not None and lean_deg < LEAN_PER_STATURE_PCT * 100.0 * travel_m / stature_m
             and (knee_deg is None or knee_deg >= SQUAT_KNEE_RATIO * lean_deg))
    rounded = back_flexion_deg is not None and back_flexion_deg >= ROUNDED_BACK_DEG
    knees = not squat and knee_deg is not None and lean_deg is not None and knees_forward(lean_deg, knee_deg)
    faults = tuple(f for f, on in ((Fault.ROUNDED_BACK, rounded), (Fault.SQUAT, squat),
                                   (Fault.KNEES_FORWARD, knees)) if on)
    return Form("squat" if squat else "hinge", "rounded" if rounded else "neutral", faults)


def knees_forward(lean_deg: float, knee_deg: float) -> bool:
    """Whether a hinge's knees bent as knees pushed forward do, for this much lean of the trunk."""
    return knee_deg >= KNEES_FORWARD_RATIO * lean_deg and knee_deg - SOFT_KNEE_RATIO * lean_deg >= KNEE_ERROR_DEG
