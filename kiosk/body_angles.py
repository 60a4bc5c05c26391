"""The body's angles from its depth points: trunk lean and knee bend, in the studio frame (the spine: kiosk/spine.py).

Pure numpy. Everything is read in the sagittal plane (z forward, y up), where every supported view shows the
back: from the side as the silhouette's edge, from behind and obliquely as the crest of the back's surface. So
the trunk is found from the BACK PROFILE — the rearmost body point at each distance along the trunk — never from
a cloud's principal axis, which hanging arms, a ponytail or a belly would tilt. The knee is read only where the
view shows the leg's outline (side and oblique views), from the centre lines of shank and thigh.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.measurement import Point2
from kiosk.quantile import median

# Along the trunk, measured from the rear of the hips, as fractions of stature (docs/geometry.md):
UPPER_FROM = (0.12, 0.45)    # points this far from the rear of the hips, and not below it, are trunk and head...
UPPER_RISE = 0.15            # ...once above this share of the body's rise over the hips (not a squat's thighs)
BACK_SPAN = (0.15, 0.28)     # the back profile is read here: above the buttocks (big ones too), below the neck
#                              and a ponytail
BACK_BINS = 9
BACK_SHARE = 90              # percentile of "how far back" in each bin: the silhouette's edge, seen from the side
SPINE_STRIP = 0.035          # seen face-on, points this close to the body's midline are the back's crest
TRUNK_ENDS = (0.0, 0.30)     # the back line is drawn between these: hips to neck
BACK_REACH = 0.25            # points further off the trunk's axis than this are arms or legs, not the back
MIN_BIN_POINTS = 3
MIN_FILLED_BINS = 5
EDGE_ON_BINS, EDGE_ON_FILLED = 5, 4   # a back seen nearly edge-on (from behind, at the bottom of a full hinge)
#                              shows a few dozen points: its line is read in fewer, fuller bins
# The leg, fractions of stature (anthropometric segment lengths, docs/geometry.md):
ANKLE = (0.040, 0.039)       # ankle (z ahead of the heel line, y above the floor)
SHANK_LEN, THIGH_LEN = 0.246, 0.245
SHANK_BAND = (0.085, 0.19)   # height band read for the shank: above the foot, below where hands hang in a hinge
SHANK_REACH = (-0.07, 0.17)  # z band around the ankle holding the shank in any squat (hands hang further ahead)
THIGH_SPAN = (0.25, 0.65)    # share of the knee→hips line read for the thigh: clear of knee cap and buttocks
LEG_HALF_WIDTH = 0.08        # points this close to a segment's line belong to it
MIN_LEG_POINTS = 6


@dataclass(frozen=True)
class View:
    """What the camera's place around the client lets it see (fixed by the calibration)."""

    face_on: bool             # behind or obliquely behind: the back is a surface facing the camera
    knee_visible: bool        # far enough round to see the outline of the legs


@dataclass(frozen=True)
class BodyAngles:
    trunk_deg: float
    knee_deg: float | None
    back_line: tuple[Point2, Point2]


def body_angles(points: np.ndarray, rear: Point2, heel_z_m: float, midline_x_m: float, stature_m: float,
                view: View) -> BodyAngles | None:
    """Angles of a body given as studio points (N x 3) with the rear of its hips at `rear` (z, y).

    None when too little of the back is seen to tell (the client bent out of view, or mostly occluded).
    """
    h = stature_m
    r = np.asarray(rear, dtype=np.float64)
    zy = points[:, [2, 1]].astype(np.float64)
    d = zy - r
    dist = np.hypot(d[:, 0], d[:, 1])
    rise = float(zy[:, 1].max()) - r[1]          # the trunk and head rise above the hips (a squat's thighs don't)
    upper = (d[:, 1] > UPPER_RISE * rise) & (dist > UPPER_FROM[0] * h) & (dist < UPPER_FROM[1] * h)
    if upper.sum() < 20:
        return None
    # seen face-on, the back's crest is read where the spine runs: a strip down the middle of the back
    crest = np.abs(points[:, 0] - midline_x_m) < SPINE_STRIP * h if view.face_on else None
    lean = median(np.arctan2(d[upper, 0], d[upper, 1]))
    for _ in range(3):                      # the profile is read across the trunk's own axis: refine it
        axis_lean = lean
        profile = back_profile(d, crest, axis_lean, h, BACK_SPAN, BACK_BINS)
        if profile is None:
            profile = back_profile(d, crest, axis_lean, h, BACK_SPAN, EDGE_ON_BINS, EDGE_ON_FILLED)
        if profile is None:
            return None
        slope, intercept = _line(*profile)
        lean = axis_lean - float(np.arctan(slope))       # further behind higher up: leaning less
    ends = [_to_zy(r, axis_lean, s * h, slope * s * h + intercept) for s in TRUNK_ENDS]
    knee = _knee(zy, r, heel_z_m, h) if view.knee_visible else None
    return BodyAngles(float(np.degrees(lean)), knee, (ends[0], ends[1]))


def trunk_axes(lean: float) -> tuple[np.ndarray, np.ndarray]:
    """(along the trunk, behind the trunk) unit vectors in (z, y) for a trunk leaning `lean` from vertical."""
    return np.array([np.sin(lean), np.cos(lean)]), np.array([-np.cos(lean), np.sin(lean)])


def back_profile(d: np.ndarray, crest: np.ndarray | None, lean: float, h: float, span: tuple[float, float],
                 bins: int, filled: int = MIN_FILLED_BINS, share: int = BACK_SHARE
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The back's edge as (s, b) samples over `span` (fractions of stature along the trunk from the rear of the
    hips): b is how far behind the trunk axis the back is at distance s along it.

    From the side the back is the silhouette's edge: a high percentile of b in each bin (depth noise runs across
    it, not along b). Face-on, depth noise runs along b itself, so a percentile would follow the noise: there the
    crest strip's mean is read.
    """
    along, behind = trunk_axes(lean)
    s, b = d @ along, d @ behind
    s0, s1 = span[0] * h, span[1] * h
    sel = (s >= s0) & (s < s1) & (np.abs(b) < BACK_REACH * h)
    if crest is not None:
        sel &= crest
    if sel.sum() < bins * MIN_BIN_POINTS:
        return None
    k = ((s[sel] - s0) / (s1 - s0) * bins).astype(np.int64)
    counts = np.bincount(k, minlength=bins)
    full = counts >= MIN_BIN_POINTS
    if full.sum() < filled:
        return None
    centres = s0 + (np.arange(bins)[full] + 0.5) * (s1 - s0) / bins
    if crest is not None:
        return centres, (np.bincount(k, weights=b[sel], minlength=bins) / np.maximum(counts, 1))[full]
    # one sort of bin + b scaled into [0, 0.5): within each bin, by b (a lexsort of the two is several times slower)
    bs = b[sel]
    low, scale = float(bs.min()), 0.5 / (float(bs.max() - bs.min()) + 1e-9)
    ranked = np.sort(k + (bs - low) * scale)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    picked = ranked[starts[full] + (counts[full] - 1) * share // 100]
    return centres, (picked - np.floor(picked)) / scale + low


def _to_zy(r: np.ndarray, lean: float, s: float, b: float) -> Point2:
    along, behind = trunk_axes(lean)
    p = r + s * along + b * behind
    return float(p[0]), float(p[1])


def _knee(zy: np.ndarray, rear: np.ndarray, heel_z_m: float, h: float) -> float | None:
    """Knee flexion from the centre lines of the shank (ankle up) and the thigh (knee to hips), in degrees."""
    ankle = np.array([heel_z_m + ANKLE[0] * h, ANKLE[1] * h])
    z, y = zy[:, 0], zy[:, 1]
    low = ((y > SHANK_BAND[0] * h) & (y < SHANK_BAND[1] * h) & (z > ankle[0] + SHANK_REACH[0] * h)
           & (z < ankle[0] + SHANK_REACH[1] * h))
    if low.sum() < MIN_LEG_POINTS:
        return None
    shank = _centre_line(zy[low], np.array([0.0, 1.0]), SHANK_BAND[0] * h, SHANK_BAND[1] * h, 6)
    if shank is None:
        return None
    knee = ankle + SHANK_LEN * h * shank
    axis = rear - knee
    length = float(np.hypot(*axis))
    if length < 0.1 * h:
        return None
    axis = axis / length
    rel = zy - knee
    t = rel @ axis
    across = rel @ np.array([axis[1], -axis[0]])
    thigh_pts = (t > THIGH_SPAN[0] * length) & (t < THIGH_SPAN[1] * length) & (np.abs(across) < LEG_HALF_WIDTH * h)
    if thigh_pts.sum() < MIN_LEG_POINTS:
        return None
    thigh = _centre_line(rel[thigh_pts], axis, THIGH_SPAN[0] * length, THIGH_SPAN[1] * length, 5)
    if thigh is None:
        return None
    return float(np.degrees(np.arccos(np.clip(shank @ thigh, -1.0, 1.0))))


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line y = slope * x + intercept."""
    xm, ym = float(x.mean()), float(y.mean())
    dx = x - xm
    slope = float(dx @ (y - ym) / (dx @ dx))
    return slope, ym - slope * xm


def _at_share(ordered: np.ndarray, first: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile (linear, as np.percentile) of each run ordered[first:first + count] of sorted values."""
    at = first + q * (count - 1)
    below = np.floor(at).astype(np.int64)
    above = np.minimum(below + 1, first + count - 1)
    return ordered[below] + (at - below) * (ordered[above] - ordered[below])


def _centre_line(pts: np.ndarray, axis: np.ndarray, t0: float, t1: float, bins: int) -> np.ndarray | None:
    """Unit direction of a limb's centre line: the middle of its outline across `axis`, bin by bin along it."""
    normal = np.array([axis[1], -axis[0]])
    t, c = pts @ axis, pts @ normal
    k = np.clip(((t - t0) / (t1 - t0) * bins).astype(np.int64), 0, bins - 1)
    counts = np.bincount(k, minlength=bins)
    filled = np.flatnonzero(counts >= 2)
    if len(filled) < 3:
        return None
    ordered = c[np.lexsort((c, k))]                      # by bin, then across: each bin's points in a run
    first = np.cumsum(counts) - counts
    lo, hi = (_at_share(ordered, first[filled], counts[filled], q) for q in (0.1, 0.9))
    mids, where = 0.5 * (lo + hi), t0 + (filled + 0.5) * (t1 - t0) / bins
    slope, _ = _line(where, mids)
    v = axis + slope * normal
    return v / np.linalg.norm(v)
