"""Per-frame measurement of the client on the mark: where the feet are and how far the hips are behind the heels.

Noise-aware: stereo depth noise grows with z², and the rearmost *pixel* of noisy depth sits centimetres too far
back, so we denoise the surface first (edge-aware, in the image) and then estimate the rear of the hips from a
patch of surface, never from one pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from calibration.camera import DepthFrame, depth_rms_m
from calibration.geometry import azimuth_deg
from calibration.model import Calibration
from kiosk.background import CameraWatch, LiveBackground
from kiosk.body_angles import View, body_angles
from kiosk.cleaning import despeckle, smooth_depth, with_neighbours
from kiosk.measurement import Measurement
from kiosk.quantile import median, quantile
from kiosk.segment import find_client, surfaces
from kiosk.spine import StandingBack, StandingTall, at_back_edge, back_outline
from kiosk.zone import ZONE_BACK_M, ZONE_FRONT_M, ZONE_HALF_WIDTH_M, ZONE_TOP_M, Zone, make_zone

FLOOR_CLEARANCE_M = 0.03     # points lower than this are floor
MARK_TOLERANCE_Z_M = 0.12    # heels this close to the heel line count as on the mark
MARK_TOLERANCE_X_M = 0.25
MIN_BODY_AREA_M2 = 0.05      # visible surface a standing person shows from any side
MIN_STANDING_TOP_M = 0.9
HIP_BAND = (0.25, 0.62)      # fraction of stature holding the hips/buttocks, standing, hinging or squatting
COARSE_STRIDE = 3            # every 3rd pixel finds the body, feet and rough rear; the rear is refined at full res
REAR_RADIUS_PX = 14          # surface patch fitted around the rear of the hips: 6 cm at 2 m, 10 cm at 3 m,
#                              balancing stereo noise (grows with z²) against a quadric's fit to a rounded rear
MIN_FIT_PIXELS = 12
APEX_SIGMA_M = 0.035         # seen from behind, the rear's depth is read from a quadric weighted this wide...
RELOCATE_M = 0.10            # ...where the last frame found it, unless the whole patch puts the rear this far off
EDGE_PIXELS = 3              # seen from the side, the rear is the mean of this many rearmost edge pixels
BORDER_PX = 2                # a rear this close to the patch border may lie beyond it: look again there
EDGE_NEIGHBOURS = 3          # silhouette pixels keep fewer consistent neighbours (depth is steep at the edge)
PROFILE_POINTS = 600
BEHIND = 0.85                # ...and this much (within 30° of straight behind): the rear is read from behind
FACE_ON = 0.5                # rays this much along +z see the rear of the hips face-on (camera within 60° of behind)
SPLIT_STANCE_M = 0.12        # one heel this far in front of the other is not standing on the mark (two heels
#                              read 3 m away differ by up to 8 cm in noise)
HIDDEN_SHARE = 0.6           # a client showing less than this share of themselves...
OCCLUDER_COVER = 0.5         # ...with a nearer surface over at least half of what went missing...
OCCLUDER_GAP_M = 0.3         # ...nearer than them by this much, is hidden by someone passing in front
HIDDEN_FOR_S = 1.5           # ...as long as they were seen whole this recently
HIPS_HIDING_PX = 3           # grid samples around the hips where something nearer hides part of them...
HIPS_HIDDEN_SHARE = 0.05     # ...when it covers this share of the hips' own pixels
BOX_MARGIN_PX = 6            # grid samples around the foreground the segmentation also looks at
KNEE_VIEW_DEG = 30.0         # a camera at least this far round from behind sees the outline of the legs...
FACE_ON_DEG = 60.0           # ...and one nearer behind than this sees the back face-on (see FACE_ON)


@dataclass(frozen=True)
class RearPoint:
    offset_m: float
    height_m: float
    pixel: tuple[int, int] = (0, 0)     # (row, col) nearest the rear: where to look next
    at_border: bool = False             # the rear lies at the edge of the patch: it may be further on
    next_at: tuple[float, float] | None = None   # face-on: (x, y) where the next frame reads the rear


def rear_surface(depth: np.ndarray, zone: Zone, pixel: tuple[int, int], own: np.ndarray,
                 band_m: tuple[float, float], at: tuple[float, float] | None = None,
                 radius_px: int = REAR_RADIUS_PX) -> RearPoint | None:
    """The rear of the hips from a smooth surface fitted to the full-resolution depth around a rough apex.

    Only the client's own surface is used: `own` is the client's depth on the zone's coarse grid (`with_rim`),
    and a full-resolution pixel counts when its depth continues the client's nearest coarse sample (a bench or
    a hand right behind the hips does not). Stereo noise is along the camera ray: seen from behind it moves the
    apex itself, so a quadric fitted to a few hundred pixels (outliers dropped) is read instead of any single
    pixel. Seen from the side the apex is the silhouette edge, where the fit barely matters and the edge column
    does.
    """
    intr = zone.intrinsics
    r = radius_px
    row, col = pixel
    rows = slice(max(row - r, 0), min(row + r + 1, intr.height))
    cols = slice(max(col - r, 0), min(col + r + 1, intr.width))
    d = depth[rows, cols]
    near = _on_grid(own, zone, rows, cols)
    reference_m = float(near[min(row - rows.start, near.shape[0] - 1), min(col - cols.start, near.shape[1] - 1)]
                        or near.max())
    tol = np.float32(_continuity(reference_m, zone))
    d = despeckle(np.where((near > 0) & (np.abs(d - near) < tol), d, 0.0).astype(np.float32), tol, EDGE_NEIGHBOURS)
    rays = zone.pixel_rays[rows, cols]
    seed_ray = rays[row - rows.start, col - cols.start]
    facing = float(seed_ray[2] / np.linalg.norm(seed_ray))     # how squarely the camera looks at the rear from behind
    pts = zone.origin + d[..., None] * rays
    ok = (d > 0) & (pts[..., 1] > band_m[0]) & (pts[..., 1] < band_m[1])
    if ok.sum() < MIN_FIT_PIXELS:
        return None
    vv, uu = np.nonzero(ok)
    design = _quadric_terms((uu - (col - cols.start)) / r, (vv - (row - rows.start)) / r)
    target = d[ok].astype(np.float64)
    keep = np.ones(len(target), dtype=bool)
    for _ in range(2):
        coef = _fit(design[keep], target[keep])
        resid = target - design @ coef
        spread = 1.4826 * median(np.abs(resid[keep])) + 1e-4
        keep = np.abs(resid) < 3.0 * spread
        if keep.sum() < MIN_FIT_PIXELS:
            return None
    ray = rays[vv[keep], uu[keep]]
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


def back_points(depth: np.ndarray, zone: Zone, own: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """The client's studio points (N x 3) at full resolution in the cells of the coarse samples marked in `edge` (a
    mask on the window's grid) and of their neighbours on or just beyond the client (`own`, from `with_rim`): the
    back's outline needs every pixel there, the coarse grid steps it by a centimetre. A pixel counts when its
    depth continues its own cell's sample."""
    r, c = np.nonzero(with_neighbours(edge) & (own > 0))
    near = own[r, c]
    tol = _continuity(near, zone)
    step = np.arange(zone.stride) - zone.stride // 2
    h, w = depth.shape
    rows = (zone.rows.start + r * zone.stride)[:, None] + step          # cells x stride, then cells x stride²
    cols = (zone.cols.start + c * zone.stride)[:, None] + step
    inside = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    flat = (np.clip(rows, 0, h - 1) * w)[:, :, None] + np.clip(cols, 0, w - 1)[:, None, :]
    d = np.take(depth, flat)                       # np.take: several times faster than fancy indexing here
    ok = inside & (d > 0) & (np.abs(d - near[:, None, None]) < tol[:, None, None])
    return zone.origin + d[ok][:, None] * np.take(zone.pixel_rays.reshape(-1, 3), flat[ok], axis=0)


def _continuity(near_m: np.ndarray | float, zone: Zone) -> np.ndarray | float:
    """How far a full-resolution pixel's depth may be from its coarse sample's (`near_m`) and still continue the
    client's surface there: three times the stereo noise at that depth, and 2 cm of the surface's own relief."""
    return 3.0 * depth_rms_m(near_m, zone.intrinsics.fx, zone.baseline_m) + 0.02


def with_rim(client: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """The client's depth on the coarse grid, reaching one sample beyond their outline (with the depth of the
    client's sample next to it), 0 elsewhere: what `rear_surface` keeps its full-resolution pixels near."""
    own = np.where(client, depth, 0.0).astype(np.float32)
    return np.where(client, own, ndimage.grey_dilation(own, size=3))


def _on_grid(grown: np.ndarray, zone: Zone, rows: slice, cols: slice) -> np.ndarray:
    """For each full-resolution pixel of a window, the client's depth at its nearest coarse sample."""
    own = grown
    gr = np.clip(np.rint((np.arange(rows.start, rows.stop) - zone.rows.start) / zone.stride).astype(int), 0,
                 own.shape[0] - 1)
    gc = np.clip(np.rint((np.arange(cols.start, cols.stop) - zone.cols.start) / zone.stride).astype(int), 0,
                 own.shape[1] - 1)
    return own[np.ix_(gr, gc)]


def _face_on_rear(points: np.ndarray) -> tuple[float, float, float]:
    """(offset, height, x) of the rear of a surface seen face-on (from behind or obliquely): lowest z of z = q(x, y).

    The quadric averages the noise of the whole patch (noise runs along the ray, nearly along z here); the
    lowest of several hundred noisy values would sit a centimetre or more too far back.
    """
    points = points.astype(np.float64)
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    cx, cy = x.mean(), y.mean()
    dx, dy = x - cx, y - cy
    design = _quadric_terms(dx, dy)
    c = _fit(design, z)
    fitted = design @ c
    k = int(np.argmin(fitted))
    best = (float(-fitted[k]), float(y[k]), float(x[k]))
    vertex = _vertex(c)                                     # a rounded rear: its vertex, if on the patch
    if vertex is not None and dx.min() < vertex[0] < dx.max() and dy.min() < vertex[1] < dy.max():
        vx, vy = vertex
        vz = float(_quadric_terms(np.array([vx]), np.array([vy]))[0] @ c)
        best = (-vz, float(vy + cy), float(vx + cx))
    return best


def _rear_from_behind(points: np.ndarray, surface: np.ndarray, at: tuple[float, float] | None
                      ) -> tuple[float, float, tuple[float, float]]:
    """(offset, height, where to read next time) of the rear seen from straight behind, from the raw points.

    Seen from behind, a rounded rear falls away faster than a paraboloid towards the patch's edge, so the
    whole-patch quadric's vertex lies behind the true rear (1-1.5 cm standing): the depth is read from a quadric
    weighted around the rear instead. WHERE it is read comes from the previous frame (the rear moves a centimetre
    or so a frame in a rep), unless the whole patch puts it elsewhere (a new client, the other buttock):
    searching this frame's noisy surface for its rearmost spot and reading the depth at that very spot would
    pick the spot the noise pushed back.
    """
    _, height, across = _face_on_rear(surface)
    if at is None or np.hypot(at[0] - across, at[1] - height) > RELOCATE_M:
        at = (across, height)
    depth, vertex = _weighted_rear(points, np.asarray(at))
    return -depth, float(at[1]), (float(vertex[0]), float(vertex[1]))


def _weighted_rear(points: np.ndarray, at: np.ndarray) -> tuple[float, np.ndarray]:
    """(z at `at`, the vertex near it) of a quadric z = q(x, y) weighted around `at` (APEX_SIGMA_M)."""
    points = points.astype(np.float64)
    ex, ey = points[:, 0] - at[0], points[:, 1] - at[1]
    c = _fit(_quadric_terms(ex, ey), points[:, 2], np.exp(-0.5 * (ex * ex + ey * ey) / APEX_SIGMA_M ** 2))
    step = _vertex(c)
    if step is None:
        return float(c[0]), at
    step *= min(1.0, APEX_SIGMA_M / max(float(np.hypot(*step)), 1e-9))    # never beyond the weighted spot
    return float(c[0]), at + step


def _quadric_terms(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Design matrix of z = c0 + c1 u + c2 v + c3 u² + c4 v² + c5 uv."""
    return np.stack([np.ones_like(u), u, v, u * u, v * v, u * v], axis=1)


def _fit(design: np.ndarray, target: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Least-squares coefficients (weighted by `weight`), by the normal equations: six unknowns over a few hundred
    points are well posed, and solving them directly costs a tenth of a general least-squares solver."""
    dw = design if weight is None else design * weight[:, None]
    return np.linalg.solve(dw.T @ design, dw.T @ target)


def _vertex(c: np.ndarray) -> np.ndarray | None:
    """(u, v) where a quadric's (`_quadric_terms`) bowl is lowest; None when it is not a bowl."""
    a, b, h = 2.0 * c[3], 2.0 * c[4], c[5]
    det = a * b - h * h
    if a <= 0 or det <= 0:
        return None
    return np.array([(-b * c[1] + h * c[2]) / det, (h * c[1] - a * c[2]) / det])


class Measurer:
    """Turns depth frames into Measurements of the client alone. Remembers the visitor's stature, where the client
    was last seen (to tell someone passing in front from the client leaving) and the background as it follows
    what is moved and left while nobody is on the mark."""

    def __init__(self, cal: Calibration, stride: int = COARSE_STRIDE) -> None:
        self.cal = cal
        self.zone: Zone = make_zone(cal, stride)
        self.background = LiveBackground.of(cal, self.zone)
        self._camera = CameraWatch(self.background, self.zone)
        self._stature = 0.0
        self._rear_at: tuple[float, float] | None = None     # where the last frame found the rear, face-on
        self._last_seen: Sighting | None = None
        self._back = StandingBack()
        self._tall = StandingTall()
        around = abs(azimuth_deg(cal.camera_position))
        self._view = View(face_on=around < FACE_ON_DEG, knee_visible=around >= KNEE_VIEW_DEG)

    def __call__(self, frame: DepthFrame) -> Measurement:
        t_s = frame.timestamp_ms / 1000.0
        grid = np.ascontiguousarray(self.zone.sample(frame.depth_m))    # a copy: the frame stays as it came
        now = dict(frame=frame.frame_number, t_s=t_s, camera_moved=self._camera.moved(grid, t_s))
        box = _box_around(self.background.foreground(grid), BOX_MARGIN_PX, least=3)
        if box is None:                  # nothing stands in front of the background
            self.background.follow(grid, t_s, nobody=True)
            self._forget(t_s)
            return Measurement(**now, present=False)
        # from here on only the window where something stands in front of the background is looked at (grown by
        # BOX_MARGIN_PX: holes bridged at its edge, the rows under a body that may hide its feet); a few flying
        # pixels do not stretch it. The work of cleaning and segmenting grows with the pixels looked at.
        zone = self.zone.window(box)
        depth = grid[box]
        tol = (3.0 * depth_rms_m(depth, zone.intrinsics.fx, zone.baseline_m) + 0.03).astype(np.float32)
        depth_s = smooth_depth(despeckle(depth, tol), tol)
        x, y, z = zone.points(depth_s)
        inside = ((np.abs(x) < ZONE_HALF_WIDTH_M) & (z > -ZONE_BACK_M) & (z < ZONE_FRONT_M)
                  & (y > FLOOR_CLEARANCE_M) & (y < ZONE_TOP_M))
        ahead = self.background.foreground(depth_s, box)
        fg = ahead & inside
        scene = find_client(surfaces(fg, depth_s, tol), x, y, z, depth_s)
        occluded = self._occluded(scene.client, ahead, depth_s, box, t_s)
        grid[box] = depth_s
        self.background.follow(grid, t_s, nobody=not scene.anyone and not occluded,
                               hold=_on_whole_grid(scene.left_on_mark, box, grid.shape))
        if occluded:
            return Measurement(**now, present=True, occluded=True)
        if scene.client is None:
            self._forget(t_s)
            rest = fg & ~scene.left_on_mark          # something left on the mark is not someone there
            return Measurement(**now, present=bool(rest.any()) and _area(depth_s, zone, rest) >= MIN_BODY_AREA_M2,
                               object_on_mark=scene.object_on_mark)
        client = scene.client
        self._last_seen = Sighting.of(client, depth_s, box, t_s)
        bx, by, bz = x[client], y[client], z[client]
        top = quantile(by, 0.995)
        feet = scene.feet
        seen = dict(**now, present=True, feet_x_m=feet.x_m, heel_z_m=feet.heel_z_m, top_m=top,
                    feet_seen=feet.seen, feet_split_m=feet.split_m)
        on_mark = (abs(feet.heel_z_m) <= MARK_TOLERANCE_Z_M and abs(feet.x_m) <= MARK_TOLERANCE_X_M
                   and top >= MIN_STANDING_TOP_M and feet.split_m <= SPLIT_STANCE_M)
        if not on_mark:
            return Measurement(**seen)
        if scene.touched:
            return Measurement(**seen, on_mark=True, touched=True)
        self._stature = max(self._stature, top)
        band_m = (HIP_BAND[0] * self._stature, HIP_BAND[1] * self._stature)
        band = client & (y > band_m[0]) & (y < band_m[1])
        profile = _profile(bz, by)
        if band.sum() < 10:
            return Measurement(**seen, on_mark=True, profile=profile)
        rows, cols = np.nonzero(band)
        if _hidden_in_front(client, ahead, depth_s, rows, cols):
            return Measurement(**seen, on_mark=True, occluded=True)
        bandz = z[rows, cols]
        k = int(np.argsort(bandz)[int(0.01 * (len(bandz) - 1))])       # the rear, robust to a stray sample
        pixel = (zone.rows.start + rows[k] * zone.stride, zone.cols.start + cols[k] * zone.stride)
        own = with_rim(client, depth_s)
        rear = rear_surface(frame.depth_m, zone, pixel, own, band_m, self._rear_at)
        if rear is not None and rear.at_border:         # the seed was off the rear: look again around it
            rear = rear_surface(frame.depth_m, zone, rear.pixel, own, band_m, self._rear_at) or rear
        self._rear_at = None if rear is None else rear.next_at
        if rear is None:
            return Measurement(**seen, on_mark=True, profile=profile)
        rear_zy = (-rear.offset_m, rear.height_m)
        body = np.stack([bx, by, bz], axis=1)
        angles = body_angles(body, rear_zy, feet.heel_z_m, feet.x_m, self._stature, self._view)
        if angles is None:
            return Measurement(**seen, on_mark=True, hip_offset_m=rear.offset_m, hip_height_m=rear.height_m,
                               profile=profile)
        return Measurement(**seen, on_mark=True, hip_offset_m=rear.offset_m, hip_height_m=rear.height_m,
                           trunk_deg=angles.trunk_deg, knee_deg=angles.knee_deg,
                           back_flexion_deg=self._back.flexion_deg(
                               self._outline(frame.depth_m, zone, own, client, body, rear_zy, angles.trunk_deg),
                               standing=self._tall(t_s, top, angles.trunk_deg)),
                           back_line=angles.back_line, profile=profile)

    def _outline(self, depth: np.ndarray, zone: Zone, own: np.ndarray, client: np.ndarray, body: np.ndarray,
                 rear: tuple[float, float], trunk_deg: float) -> np.ndarray:
        """The back's outline (kiosk/spine.py) at full resolution, around the coarse samples `body` (of `client`)
        at the back's edge."""
        edge = np.zeros_like(client)
        edge[client] = at_back_edge(body, rear, self._stature, trunk_deg)
        return back_outline(back_points(depth, zone, own, edge), rear, self._stature, trunk_deg)

    def _forget(self, t_s: float) -> None:
        """Nobody on the mark: once gone for good the next client is measured afresh (a frame or two lost mid-rep
        keeps the stature the hip band is cut from)."""
        if self._last_seen is None or t_s - self._last_seen.t_s > HIDDEN_FOR_S:
            self._stature = 0.0
            self._back.forget()
            self._tall.forget()

    def _occluded(self, client: np.ndarray | None, ahead: np.ndarray, depth: np.ndarray, box: tuple[slice, slice],
                  t_s: float) -> bool:
        """Someone in front hides the client: a nearer surface covers where the client just was, and the client
        is gone or much smaller. Such frames are measured as nothing; a client who walks away is not hidden.
        `ahead` is everything in front of the background, inside the zone or not: someone walking past close to
        the camera is outside the zone around the mark."""
        last = self._last_seen
        if last is None or t_s - last.t_s > HIDDEN_FOR_S:
            return False
        shown = 0 if client is None else int(client.sum())
        if shown >= HIDDEN_SHARE * last.size:
            return False
        nearer = ahead & (depth < last.depth_m - OCCLUDER_GAP_M)
        covered = _on_whole_grid(nearer, box, self.zone.shape)[last.rows, last.cols]
        return int(covered.sum()) >= (1.0 - HIDDEN_SHARE) * last.size * OCCLUDER_COVER


@dataclass(frozen=True)
class Sighting:
    """Where on the grid the client was last seen whole."""

    rows: slice
    cols: slice
    size: int
    depth_m: float
    t_s: float

    @classmethod
    def of(cls, client: np.ndarray, depth: np.ndarray, box: tuple[slice, slice], t_s: float) -> "Sighting":
        """From the client's mask and depth in `box`, a window of the zone's grid."""
        r, c = np.nonzero(client)
        r0, c0 = box[0].start, box[1].start
        return cls(slice(r0 + int(r.min()), r0 + int(r.max()) + 1), slice(c0 + int(c.min()), c0 + int(c.max()) + 1),
                   len(r), median(depth[client]), t_s)


def _hidden_in_front(client: np.ndarray, ahead: np.ndarray, depth: np.ndarray, rows: np.ndarray,
                     cols: np.ndarray) -> bool:
    """Part of the hips (the client's pixels at `rows`, `cols`) is hidden by something nearer the camera right
    beside them (someone walking past, an arm reaching across): what is seen of the hips is not where their rear
    is, so the frame is measured as nothing. Something low in front, hiding only the feet, is not beside the hips."""
    h, w = client.shape
    m = HIPS_HIDING_PX
    near = (slice(max(int(rows.min()) - m, 0), min(int(rows.max()) + m + 1, h)),
            slice(max(int(cols.min()) - m, 0), min(int(cols.max()) + m + 1, w)))
    nearest_hips = float(depth[rows, cols].min())
    hiding = ahead[near] & ~client[near] & (depth[near] < nearest_hips - OCCLUDER_GAP_M)
    return int(hiding.sum()) >= HIPS_HIDDEN_SHARE * len(rows)


def _on_whole_grid(mask: np.ndarray, box: tuple[slice, slice], shape: tuple[int, int]) -> np.ndarray:
    """A mask of a window put back on the zone's whole grid."""
    out = np.zeros(shape, dtype=bool)
    out[box] = mask
    return out


def _box_around(mask: np.ndarray, margin: int, least: int = 1) -> tuple[slice, slice] | None:
    """The bounding box of the rows and columns holding at least `least` mask pixels (a few flying pixels do
    not stretch it over the grid), grown by `margin` within the grid; None when there are none."""
    rows = np.flatnonzero(np.count_nonzero(mask, axis=1) >= least)
    cols = np.flatnonzero(np.count_nonzero(mask, axis=0) >= least)
    if len(rows) == 0 or len(cols) == 0:
        return None
    h, w = mask.shape
    return (slice(max(rows[0] - margin, 0), min(rows[-1] + margin + 1, h)),
            slice(max(cols[0] - margin, 0), min(cols[-1] + margin + 1, w)))


def _area(depth: np.ndarray, zone: Zone, mask: np.ndarray) -> float:
    """Surface (m²) the masked pixels cover."""
    return float(np.square(depth[mask] * zone.pixel_size_per_m).sum())


def _profile(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Up to PROFILE_POINTS body points seen from the side (z, y): what the game draws as the silhouette."""
    step = max(1, len(z) // PROFILE_POINTS)
    return np.stack([z[::step], y[::step]], axis=1).astype(np.float32)
