"""Words that bring someone onto the mark, said from where they stand.

The client faces the screen (+z). Studio +x is the client's LEFT, so feet at +x must move to their RIGHT —
which is also the right-hand side of the screen as they look at it: the arrow and the word agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.measure import MARK_TOLERANCE_X_M, MARK_TOLERANCE_Z_M, SPLIT_STANCE_M
from kiosk.measurement import Measurement

BIG_STEP_M = 0.35      # further off than this, "step" instead of "a little"


@dataclass(frozen=True)
class Guidance:
    words: tuple[str, ...]        # most important first, e.g. ("A little back", "Move to your right")
    step_right_m: float | None    # how far to move to the client's right (negative: to their left)
    step_back_m: float | None     # how far to move back (negative: forward)


def guidance(m: Measurement) -> Guidance:
    """What to tell someone who is present but not (yet) on the mark."""
    if m.feet_x_m is None or m.heel_z_m is None:
        return Guidance(("Step onto the mark",), None, None)
    if m.feet_split_m is not None and m.feet_split_m > SPLIT_STANCE_M:
        return Guidance(("Feet side by side",), None, None)
    right, back = m.feet_x_m, m.heel_z_m
    side = _words(right, MARK_TOLERANCE_X_M, ("to your right", "to your left"), "Move a little")
    fore_aft = _words(back, MARK_TOLERANCE_Z_M, ("back", "forward"), "A little")
    words = [w for _, w in sorted((p for p in (side, fore_aft) if p), reverse=True)]
    if not words:
        words = ["Stand tall on the mark"] if not m.on_mark else ["Hold still"]
    return Guidance(tuple(words), right, back)


def _words(off_m: float, tolerance_m: float, directions: tuple[str, str], nudge: str) -> tuple[float, str] | None:
    """(how far off, the words) for one axis, or None when within the mark's tolerance."""
    if abs(off_m) <= tolerance_m:
        return None
    direction = directions[0] if off_m > 0 else directions[1]
    return abs(off_m), f"{'Step' if abs(off_m) > BIG_STEP_M else nudge} {direction}"
