"""Per-frame measurement of the client on the mark: where the feet are and how far the hips are behind the heels.

Noise-aware: stereo depth noise grows with z², and the rearmost *pixel* of noisy depth sits centimetres too far
back, so we denoise the surface first (edge-aware, in the image) and then estimate the rear of the hips from a
patch of surface, never from one pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.camera import DepthFrame, camera_rays, depth_rms_m
from calibration.geometry import azimuth_deg
from calibration.model import Calibration
from kiosk.body_angles import View, body_angles
from kiosk.measurement import Measurement
from kiosk.zone import ZONE_BACK_M, ZONE_FRONT_M, ZONE_HALF_WIDTH_M, ZONE_TOP_M, Zone, make_zone

FLOOR_CLEARANCE_M = 0.03     # points lower than this are floor
FOOT_TOP_M = 0.12            # heel and foot points lie below this
MARK_TOLERANCE_Z_M = 0.12    # heels this close to the heel line count as on the mark
MARK_TOLERANCE_X_M = 0.25
MIN_BODY_AREA_M2 = 0.05      # visible surface a standing person shows from any side
MIN_FEET_AREA_M2 = 0.003
MIN_STANDING_TOP_M = 0.9
HIP_BAND = (0.25, 0.62)      # fraction of stature holding the hips/buttocks, standing, hinging or squatting
COARSE_STRIDE = 3            # every 3rd pixel finds the body, feet and rough rear; the rear is refined at full res
SMOOTH_RADIUS = 1            # sampled pixels each side
MIN_NEIGHBOURS = 4           # of 8: fewer consistent neighbours makes a pixel a flying pixel or a speck
BODY_HALF_WIDTH_M = 0.45     # hip points lie this close to the feet sideways
REAR_RADIUS_PX = 14          # surface patch fitted around the rear of the hips: 6 cm at 2 m, 10 cm at 3 m,
#                              balancing stereo noise (grows with z²) against a quadric's fit to a rounded rear
SURFACE_SPAN_M = 0.3         # depth range of that patch around the rough apex
MIN_FIT_PIXELS = 12
APEX_SIGMA_M = 0.035         # seen from behind, the rear's depth is read from a quadric weighted this wide
EDGE_PIXELS = 3              # seen from the side, the rear is the mean of this many rearmost edge pixels
BORDER_PX = 2                # a rear this close to the patch border may lie beyond it: look again there
EDGE_NEIGHBOURS = 3          # silhouette pixels keep fewer consistent neighbours (depth is steep at the edge)
PROFILE_POINTS = 600
BEHIND = 0.85                # ...and this much (within 30° of straight behind): the rear is read from behind
FACE_ON = 0.5                # rays this much along +z see the rear of the hips face-on (camera within 60° of behind)
HEEL_PERCENTILE = 20         # of foot points along z: steady under noise; used relative to the heel line only
KNEE_VIEW_DEG = 30.0         # a camera at least this far round from behind sees the outline of the legs...
FACE_ON_DEG = 60.0           # ...and one nearer behind than this sees the back face-on (see FACE_ON)


def smooth_depth(depth: np.ndarray, tolerance: np.ndarray, radius: int) -> np.ndarray:
    """Edge-aware box mean (separable): neighbours further than `tolerance` in depth are other surfaces."""
    out = depth
    for axis in (0, 1):
        acc = np.zeros_like(out)
        cnt = np.zeros_like(out)
        for n in _neighbours(out, radius, axis):
            ok = (n > 0) & (np.abs(n - out) < tolerance)
            acc += np.where(ok, n, 0.0)
            cnt += ok
        out = np.where((out > 0) & (cnt > 0), acc / np.maximum(cnt, 1), 0.0).astype(np.float32)
    return out


def _neighbours(a: np.ndarray, radius: int, axis: int | None = None) -> list[np.ndarray]:
    """Views of `a` shifted by up to `radius` along one axis (with itself), or onto its 8 neighbours (axis
    None); outside the image is 0, which is "no depth"."""
    padded = np.pad(a, radius)
    h, w = a.shape
    if axis is None:
        shifts = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]
    else:
        shifts = [(k, 0) if axis == 0 else (0, k) for k in range(-radius, radius + 1)]
    return [padded[radius + dr: radius + dr + h, radius + dc: radius + dc + w] for dr, dc in shifts]


def despeckle(depth: np.ndarray, tolerance: np.ndarray, min_neighbours: int = MIN_NEIGHBOURS) -> np.ndarray:
    """Drop flying pixels and specks: a real surface pixel has most of its 8 neighbours at a similar depth."""
    count = np.zeros(depth.shape, dtype=np.int8)
    for n in _neighbours(depth, 1):
        count += (n > 0) & (np.abs(n - depth) < tolerance)
    return np.where(count >= min_neighbours, depth, 0.0).astype(np.float32)


@dataclass(frozen=True)
class RearPoint:
    offset_m: float
    height_m: float
    pixel: tuple[int, int] = (0, 0)     # (row, col) nearest the rear: where to look next
    at_border: bool = False             # the rear lies at the edge of the patch: it may be further on
    next_at: tuple[float, float] | None = None   # face-on: (x, y) where the next frame reads the rear


def rear_surface(depth: np.ndarray, zone: Zone, pixel: tuple[int, int], reference_m: float, feet_x_m: float,
                 band_m: tuple[float, float], at: tuple[float, float] | None = None,
                 radius_px: int = REAR_RADIUS_PX) -> RearPoint | None:
    """The rear of the hips from a smooth surface fitted to the full-resolution depth around a rough apex.

    Stereo noise is along the camera ray: seen from behind it moves the apex itself, so a quadric fitted to a
    few hundred pixels (outliers dropped) is read instead of any single pixel. Seen from the side the apex is
    the silhouette edge, where the fit barely matters and the edge column does.
    """
    intr = zone.intrinsics
    r = radius_px
    row, col = pixel
    rows = slice(max(row - r, 0), min(row + r + 1, intr.height))
    cols = slice(max(col - r, 0), min(col + r + 1, intr.width))
    d = depth[rows, cols]
    tol = np.float32(3.0 * depth_rms_m(reference_m, intr.fx, zone.baseline_m) + 0.02)
    d = despeckle(np.where(np.abs(d - reference_m) < SURFACE_SPAN_M, d, 0.0).astype(np.float32), tol, EDGE_NEIGHBOURS)
    rays = camera_rays(intr, rows, cols) @ zone.rotation.T
    pts = zone.origin + d[..., None] * rays
    ok = ((d > 0) & (pts[..., 1] > band_m[0]) & (pts[..., 1] < band_m[1])
          & (np.abs(pts[..., 0] - feet_x_m) < BODY_HALF_WIDTH_M))
    if ok.sum() < MIN_FIT_PIXELS:
        return None
    vv, uu = np.nonzero(ok)
    du, dv = (uu - (col - cols.start)) / r, (vv - (row - rows.start)) / r
    design = np.stack([np.ones_like(du), du, dv, du * du, dv * dv, du * dv], axis=1)
    target = d[ok]
    keep = np.ones(len(target), dtype=bool)
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(design[keep], target[keep], rcond=None)
        resid = target - design @ coef
        spread = 1.4826 * np.median(np.abs(resid[keep])) + 1e-4
        keep = np.abs(resid) < 3.0 * spread
        if keep.sum() < MIN_FIT_PIXELS:
            return None
    ray = rays[vv[keep], uu[keep]]
    facing = float(np.mean(ray[:, 2] / np.linalg.norm(ray, axis=1)))
    next_at = None
    if facing > FACE_ON:
        surface = zone.origin + (design[keep] @ coef)[:, None] * ray
        if facing > BEHIND:
            offset_m, height_m, next_at = _rear_from_behind(pts[ok][keep], surface, at)
        else:
            offset_m, height_m, _ = _face_on_rear(surface)
        k = int(np.argmin(np.square(surface[:, 1] - height_m) + np.square(surface[:, 2] + offset_m)))
        v, u = vv[keep][k], uu[keep][k]
    else:
        # seen from the side the rear is the silhouette edge, where the surface turns away from the camera
        # (and away from any quadric): depth noise hardly moves z there, so the rearmost pixels tell it
        edge = pts[ok]
        rear = np.argsort(edge[:, 2])[:EDGE_PIXELS]
        offset_m, height_m = float(-edge[rear, 2].mean()), float(edge[rear, 1].mean())
        v, u = vv[rear[0]], uu[rear[0]]
    at_border = bool(min(v, u, d.shape[0] - 1 - v, d.shape[1] - 1 - u) < BORDER_PX)
    return RearPoint(offset_m, height_m, (int(rows.start + v), int(cols.start + u)), at_border, next_at)


def _face_on_rear(points: np.ndarray) -> tuple[float, float, float]:
    """(offset, height, x) of the rear of a surface seen face-on (from behind or obliquely): lowest z of z = q(x, y).

    The quadric averages the noise of the whole patch (noise runs along the ray, nearly along z here); the
    lowest of several hundred noisy values would sit a centimetre or more too far back.
    """
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    cx, cy = x.mean(), y.mean()
    dx, dy = x - cx, y - cy
    design = np.stack([np.ones_like(dx), dx, dy, dx * dx, dy * dy, dx * dy], axis=1)
    c, *_ = np.linalg.lstsq(design, z, rcond=None)
    fitted = design @ c
    k = int(np.argmin(fitted))
    best = (float(-fitted[k]), float(y[k]), float(x[k]))
    hessian = np.array([[2 * c[3], c[5]], [c[5], 2 * c[4]]])
    if np.linalg.eigvalsh(hessian).min() > 0:               # a rounded rear: its vertex, if on the patch
        vx, vy = np.linalg.solve(hessian, -c[1:3])
        if dx.min() < vx < dx.max() and dy.min() < vy < dy.max():
            vz = np.array([1.0, vx, vy, vx * vx, vy * vy, vx * vy]) @ c
            best = (float(-vz), float(vy + cy), float(vx + cx))
    return best


def _rear_from_behind(points: np.ndarray, surface: np.ndarray, at: tuple[float, float] | None
                      ) -> tuple[float, float, tuple[float, float]]:
    """(offset, height, where to read next time) of the rear seen from straight behind, from the raw points.

    Seen from behind, a rounded rear falls away faster than a paraboloid towards the patch's edge, so the
    whole-patch quadric's vertex lies behind the true rear (1-1.5 cm standing): the depth is read from a quadric
    weighted around the rear instead. WHERE the rear is comes from the previous frame (the first time, from the
    whole patch): searching this frame's noisy surface for its rearmost spot and reading the depth there would
    pick the spot the noise pushed back.
    """
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    if at is None or not (x.min() < at[0] < x.max() and y.min() < at[1] < y.max()):
        _, height, across = _face_on_rear(surface)
        at = (across, height)
    ex, ey = x - at[0], y - at[1]
    root = np.exp(-0.25 * (ex * ex + ey * ey) / APEX_SIGMA_M ** 2)
    local = np.stack([np.ones_like(ex), ex, ey, ex * ex, ey * ey, ex * ey], axis=1)
    c, *_ = np.linalg.lstsq(local * root[:, None], z * root, rcond=None)
    hessian = np.array([[2 * c[3], c[5]], [c[5], 2 * c[4]]])
    step = np.zeros(2)
    if np.linalg.eigvalsh(hessian).min() > 0:
        step = np.linalg.solve(hessian, -c[1:3])
        step *= min(1.0, APEX_SIGMA_M / max(float(np.hypot(*step)), 1e-9))    # never beyond the weighted spot
    return -float(c[0]), at[1], (at[0] + float(step[0]), at[1] + float(step[1]))


class Measurer:
    """Turns depth frames into Measurements; remembers only the current visitor's stature."""

    def __init__(self, cal: Calibration, stride: int = COARSE_STRIDE) -> None:
        self.cal = cal
        self.zone: Zone = make_zone(cal, stride)
        self._stature = 0.0
        self._rear_at: tuple[float, float] | None = None     # where the last frame found the rear, face-on
        around = abs(azimuth_deg(cal.camera_position))
        self._view = View(face_on=around < FACE_ON_DEG, knee_visible=around >= KNEE_VIEW_DEG)

    def __call__(self, frame: DepthFrame) -> Measurement:
        zone = self.zone
        t_s = frame.timestamp_ms / 1000.0
        depth = zone.sample(frame.depth_m)
        tol = (3.0 * depth_rms_m(depth, zone.intrinsics.fx, zone.baseline_m) + 0.03).astype(np.float32)
        depth_s = smooth_depth(despeckle(depth, tol), tol, SMOOTH_RADIUS)
        pts = zone.origin + depth_s[..., None] * zone.rays
        x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
        body = ((depth_s > 0) & (np.abs(x) < ZONE_HALF_WIDTH_M) & (z > -ZONE_BACK_M) & (z < ZONE_FRONT_M)
                & (y > FLOOR_CLEARANCE_M) & (y < ZONE_TOP_M))
        area = np.square(depth_s * zone.pixel_size_per_m)
        if area[body].sum() < MIN_BODY_AREA_M2:
            self._stature = 0.0
            return Measurement(frame=frame.frame_number, t_s=t_s)
        bx, by, bz = x[body], y[body], z[body]
        top = float(np.percentile(by, 99.5))
        feet = by < FOOT_TOP_M
        if area[body][feet].sum() < MIN_FEET_AREA_M2:
            return Measurement(frame=frame.frame_number, t_s=t_s, present=True, top_m=top)
        feet_x = float(np.mean(bx[feet]))           # both feet: the median jumps between them
        heel_z = float(np.percentile(bz[feet], HEEL_PERCENTILE))
        on_mark = (abs(heel_z) <= MARK_TOLERANCE_Z_M and abs(feet_x) <= MARK_TOLERANCE_X_M
                   and top >= MIN_STANDING_TOP_M)
        seen = dict(frame=frame.frame_number, t_s=t_s, present=True, feet_x_m=feet_x, heel_z_m=heel_z, top_m=top)
        if not on_mark:
            return Measurement(**seen)
        self._stature = max(self._stature, top)
        band_m = (HIP_BAND[0] * self._stature, HIP_BAND[1] * self._stature)
        band = body & (y > band_m[0]) & (y < band_m[1]) & (np.abs(x - feet_x) < BODY_HALF_WIDTH_M)
        profile = _profile(bz, by)
        if band.sum() < 10:
            return Measurement(**seen, on_mark=True, profile=profile)
        rows, cols = np.nonzero(band)
        bandz = z[rows, cols]
        k = int(np.argsort(bandz)[int(0.01 * (len(bandz) - 1))])       # the rear, robust to a stray sample
        pixel = (zone.rows.start + rows[k] * zone.stride, zone.cols.start + cols[k] * zone.stride)
        reference = float(depth_s[rows[k], cols[k]])
        rear = rear_surface(frame.depth_m, zone, pixel, reference, feet_x, band_m, self._rear_at)
        if rear is not None and rear.at_border:         # the seed was off the rear: look again around it
            rear = rear_surface(frame.depth_m, zone, rear.pixel, reference, feet_x, band_m, self._rear_at) or rear
        self._rear_at = None if rear is None else rear.next_at
        if rear is None:
            return Measurement(**seen, on_mark=True, profile=profile)
        near = np.abs(bx - feet_x) < BODY_HALF_WIDTH_M
        angles = body_angles(np.stack([bx[near], by[near], bz[near]], axis=1), (-rear.offset_m, rear.height_m),
                             heel_z, feet_x, self._stature, self._view)
        if angles is None:
            return Measurement(**seen, on_mark=True, hip_offset_m=rear.offset_m, hip_height_m=rear.height_m,
                               profile=profile)
        return Measurement(**seen, on_mark=True, hip_offset_m=rear.offset_m, hip_height_m=rear.height_m,
                           trunk_deg=angles.trunk_deg, knee_deg=angles.knee_deg,
                           back_flexion_deg=angles.back_flexion_deg, back_line=angles.back_line, profile=profile)


def _profile(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Up to PROFILE_POINTS body points seen from the side (z, y): what the game draws as the silhouette."""
    step = max(1, len(z) // PROFILE_POINTS)
    return np.stack([z[::step], y[::step]], axis=1).astype(np.float32)
