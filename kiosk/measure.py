"""Per-frame measurement of the client on the mark: where the feet are and how far the hips are behind the heels.

Noise-aware: stereo depth noise grows with z², and the rearmost *pixel* of noisy depth sits centimetres too far
back, so we denoise the surface first (edge-aware, in the image) and then estimate the rear of the hips from a
patch of surface, never from one pixel.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.camera import DepthFrame, depth_rms_m
from calibration.model import Calibration
from kiosk.zone import Zone, make_zone

FLOOR_CLEARANCE_M = 0.03     # points lower than this are floor
FOOT_TOP_M = 0.12            # heel and foot points lie below this
MARK_TOLERANCE_Z_M = 0.12    # heels this close to the heel line count as on the mark
MARK_TOLERANCE_X_M = 0.25
MIN_BODY_AREA_M2 = 0.05      # visible surface a standing person shows from any side
MIN_FEET_AREA_M2 = 0.003
MIN_STANDING_TOP_M = 0.9
HIP_BAND = (0.25, 0.62)      # fraction of stature holding the hips/buttocks, standing, hinging or squatting
SMOOTH_RADIUS = 2            # sampled pixels each side


@dataclass(frozen=True)
class Measurement:
    frame: int
    t_s: float
    present: bool                    # someone in the zone around the mark
    on_mark: bool                    # standing with their heels on the heel line
    feet_x_m: float | None = None    # lateral position of the feet (for guidance onto the mark)
    heel_z_m: float | None = None    # back of the feet relative to the heel line, + = in front
    top_m: float | None = None       # highest point of the body now
    hip_offset_m: float | None = None
    hip_height_m: float | None = None
    profile: np.ndarray | None = field(default=None, repr=False, compare=False)
    # ^ body points seen from the side: N x 2 (z, y) in the studio frame, for drawing the silhouette


def smooth_depth(depth: np.ndarray, tolerance: np.ndarray, radius: int) -> np.ndarray:
    """Edge-aware box mean (separable): neighbours further than `tolerance` in depth are other surfaces."""
    out = depth
    for axis in (0, 1):
        acc = np.zeros_like(out)
        cnt = np.zeros_like(out)
        for k in range(-radius, radius + 1):
            n = _shifted(out, k, axis)
            ok = (n > 0) & (np.abs(n - out) < tolerance)
            acc += np.where(ok, n, 0.0)
            cnt += ok
        out = np.where((out > 0) & (cnt > 0), acc / np.maximum(cnt, 1), 0.0).astype(np.float32)
    return out


def _shifted(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """a shifted by k along axis, zero-filled (zero = no depth)."""
    if k == 0:
        return a
    out = np.zeros_like(a)
    src = [slice(None)] * 2
    dst = [slice(None)] * 2
    src[axis] = slice(max(-k, 0), a.shape[axis] - max(k, 0))
    dst[axis] = slice(max(k, 0), a.shape[axis] - max(-k, 0))
    out[tuple(dst)] = a[tuple(src)]
    return out


class Measurer:
    """Turns depth frames into Measurements; remembers only the current visitor's stature."""

    def __init__(self, cal: Calibration, stride: int = 2) -> None:
        self.cal = cal
        self.zone: Zone = make_zone(cal, stride)
        self._stature = 0.0

    def __call__(self, frame: DepthFrame) -> Measurement:
        t_s = frame.timestamp_ms / 1000.0
        pts, depth = self.zone.points(frame.depth_m)
        tol = 3.0 * depth_rms_m(depth, self.cal.intrinsics.fx, self.cal.baseline_m) + 0.03
        depth_s = smooth_depth(depth, tol.astype(np.float32), SMOOTH_RADIUS)
        pts = self.zone.origin + depth_s[..., None] * self.zone.rays
        x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
        from kiosk.zone import ZONE_BACK_M, ZONE_FRONT_M, ZONE_HALF_WIDTH_M, ZONE_TOP_M
        body = ((depth_s > 0) & (np.abs(x) < ZONE_HALF_WIDTH_M) & (z > -ZONE_BACK_M) & (z < ZONE_FRONT_M)
                & (y > FLOOR_CLEARANCE_M) & (y < ZONE_TOP_M))
        area = np.square(depth_s * self.zone.pixel_size_per_m)
        if area[body].sum() < MIN_BODY_AREA_M2:
            self._stature = 0.0
            return Measurement(frame.frame_number, t_s, present=False, on_mark=False)
        bx, by, bz = x[body], y[body], z[body]
        top = float(np.percentile(by, 99.5))
        feet = by < FOOT_TOP_M
        if area[body][feet].sum() < MIN_FEET_AREA_M2:
            return Measurement(frame.frame_number, t_s, present=True, on_mark=False, top_m=top)
        feet_x = float(np.median(bx[feet]))
        heel_z = float(np.percentile(bz[feet], 3))
        on_mark = (abs(heel_z) <= MARK_TOLERANCE_Z_M and abs(feet_x) <= MARK_TOLERANCE_X_M
                   and top >= MIN_STANDING_TOP_M)
        if not on_mark:
            return Measurement(frame.frame_number, t_s, True, False, feet_x, heel_z, top)
        self._stature = max(self._stature, top)
        lo, hi = HIP_BAND
        band = (by > lo * self._stature) & (by < hi * self._stature) & (np.abs(bx - feet_x) < 0.45)
        if band.sum() < 10:
            return Measurement(frame.frame_number, t_s, True, True, feet_x, heel_z, top)
        hz, hy = bz[band], by[band]
        cut = np.percentile(hz, 2)
        rear = hz <= cut
        return Measurement(frame.frame_number, t_s, True, True, feet_x, heel_z, top,
                           hip_offset_m=float(-hz[rear].mean()), hip_height_m=float(hy[rear].mean()))
