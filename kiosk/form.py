"""Form at the bottom of a rep, from the body's angles: hinge or squat, a flat or rounded back, and what to fix.

Pure: plain numbers in, plain data out. The words are the client's own (they are shown and written as they
are); `kiosk.game.words` maps each fault to what is said aloud.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    """What went wrong in a rep or an attempt, most important first."""

    SQUAT = "squat: push your hips back, not down"
    KNEES_FORWARD = "knees forward: push your hips back"
    ROUNDED_BACK = "rounded back: keep your back flat"
    SHORT = "did not reach the wall"
    STAYED_DOWN = "stayed down: snap back up to standing"
    FEET_MOVED = "feet moved: keep your heels on the mark"
    LEFT_MARK = "stepped off the mark"


@dataclass(frozen=True)
class Form:
    kind: str                 # "hinge" | "squat"
    spine: str                # "neutral" | "rounded"
    faults: tuple[Fault, ...]


ROUNDED_BACK_DEG = 12.0       # back flexion from pelvis to shoulders above this is a rounded back
