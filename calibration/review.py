"""The review step of the calibration: where the kiosk now thinks the camera, the mark, the heel line and the wall
are, for the trainer to check against the tape on the floor, and the mark nudged to where the tape says it is.

Pure numpy on a Calibration. Studio frame (docs/geometry.md): origin the middle of the heel line, +z the way the
client faces, +x the client's left, +y up.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from calibration.camera import Intrinsics
from calibration.geometry import transform
from calibration.model import Calibration

NUDGE_M = 0.01             # one key press moves the mark this far
MAX_NUDGE_M = 0.30         # further than this from where the routine found it is not a nudge: calibrate again
WALL_HALF_WIDTH_M = 0.35   # the wall as drawn: a panel this wide each side of the client's midline...
WALL_TOP_M = 1.2           # ...from the floor to this high


def moved_mark(cal: Calibration, forward_m: float, left_m: float) -> Calibration:
    """The calibration with the mark moved `forward_m` the way the client faces and `left_m` to their left: every
    studio point is then measured from the new mark."""
    if forward_m == 0.0 and left_m == 0.0:
        return cal
    shift = np.eye(4)
    shift[:3, 3] = [-left_m, 0.0, -forward_m]
    note = f"mark moved {forward_m * 100:+.0f} cm forward and {left_m * 100:+.0f} cm left at the review"
    return replace(cal, studio_from_camera=shift @ cal.studio_from_camera, notes=(*cal.notes, note))


def clamp_nudge(forward_m: float, left_m: float) -> tuple[float, float]:
    limit = MAX_NUDGE_M
    return float(np.clip(forward_m, -limit, limit)), float(np.clip(left_m, -limit, limit))


def heel_line(cal: Calibration) -> np.ndarray:
    """The heel line's two ends in the studio frame (as wide as the heels seen on the mark)."""
    half = max(cal.stance_width_m, 0.2) / 2
    return np.array([[-half, 0.0, 0.0], [half, 0.0, 0.0]])


def wall_panel(wall_m: float) -> np.ndarray:
    """The virtual wall's four corners (studio frame) `wall_m` behind the heel line."""
    w, z = WALL_HALF_WIDTH_M, -wall_m
    return np.array([[-w, 0.0, z], [w, 0.0, z], [w, WALL_TOP_M, z], [-w, WALL_TOP_M, z]])


def in_image(cal: Calibration, studio_points: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Pixel (u, v) of studio points in an image with these intrinsics (NaN for points behind the lens)."""
    cam = transform(cal.camera_from_studio, np.asarray(studio_points, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        u = intrinsics.fx * cam[:, 0] / cam[:, 2] + intrinsics.ppx
        v = intrinsics.fy * cam[:, 1] / cam[:, 2] + intrinsics.ppy
    front = cam[:, 2] > 0.05
    return np.where(front[:, None], np.stack([u, v], axis=1), np.nan)
