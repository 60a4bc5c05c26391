"""The background: what the empty area showed at calibration, per pixel, with the noise to expect there.

The measurer sets aside whatever matches it. It is learnt from the routine's empty step, which must really be
empty: something moving there spoils it, and a person standing still would become "background" for good. So the
empty frames are also measured for both (`moving_area_m2`, `standing`); `calibration.validate.check_empty_area`
turns what is found into a refusal.

Depth is handled in millimetres (uint16) here, as the camera delivers it and the calibration file stores it:
exact, and half the memory of float32 for the stacks of frames the routine keeps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from calibration.camera import depth_rms_m, nearest_with_depth
from calibration.geometry import transform

IQR_SIGMAS = 1.349          # the interquartile range of normal noise, in standard deviations
ROWS_AT_ONCE = 48           # rows of a frame stack sorted together: bounds the temporary copy to ~3 MB
ABOVE_FLOOR_M = 0.10        # lower than this is floor: its noise and a mat, never a body or furniture
CHECK_SAMPLE = 4            # the empty-area checks use every 4th pixel: a person 4.5 m away is still 7 samples wide
MOVED_SIGMAS = 4.0          # a pixel moved when its depth left the background by more than this much stereo noise
MIN_MOVED_NEIGHBOURS = 4    # of 8: a moving thing is a patch; noise, flying pixels and edges are specks and lines
CELL_M = 0.1                # floor-plan cells that group what stands on the floor into things
MIN_CELL_AREA_M2 = 0.005    # seen surface a cell needs to belong to a thing (stray flying pixels do not)
HEAD_SHARE = 0.12           # the top of a thing, this share of its height, is its "head" (a person's: chin up)
BEYOND_M = 1.0              # things are gathered this far past the area, so one across its edge is seen whole
OCCLUDER_M = 0.1            # something nearer than a thing by this much (and 3 sigmas of noise) hides part of it


@dataclass(frozen=True)
class Background:
    """Full-resolution depth of the empty area (the per-pixel median over the empty frames) and the expected
    noise of each pixel (`spread_m`: their robust temporal spread, never below the stereo noise model), both
    float32 metres, to the millimetre, 0 where unknown (the pixel had depth in under half the frames)."""

    depth_m: np.ndarray
    spread_m: np.ndarray

    def __post_init__(self) -> None:
        """Own read-only float32 copies: one calibration's background is shared by everything that measures."""
        for name in ("depth_m", "spread_m"):
            image = np.array(getattr(self, name), np.float32)
            image.setflags(write=False)
            object.__setattr__(self, name, image)
        if self.depth_m.ndim != 2 or self.depth_m.shape != self.spread_m.shape:
            raise ValueError("a background is two images of the same size")

    def sample(self, rows: slice, cols: slice, stride: int) -> tuple[np.ndarray, np.ndarray]:
        """(depth, spread) at the pixels `kiosk.zone.Zone.sample` takes from a depth image."""
        return self.depth_m[rows, cols][::stride, ::stride], self.spread_m[rows, cols][::stride, ::stride]

    @classmethod
    def from_mm(cls, depth_mm: np.ndarray, spread_mm: np.ndarray) -> "Background":
        return cls(_metres(depth_mm), _metres(np.where(depth_mm > 0, spread_mm, 0)))

    def to_mm(self) -> tuple[np.ndarray, np.ndarray]:
        """(depth, spread) in whole millimetres, uint16: exact, since both are kept to the millimetre."""
        return to_mm(self.depth_m), to_mm(self.spread_m)


def to_mm(depth_m: np.ndarray) -> np.ndarray:
    """Metres to whole millimetres (uint16, what the camera's z16 depth is; 0 stays "no depth")."""
    return np.minimum(np.rint(depth_m * 1000.0), 65535).astype(np.uint16)


def _metres(mm: np.ndarray) -> np.ndarray:
    return (np.asarray(mm, np.float32) / np.float32(1000.0)).astype(np.float32)


def _quantiles(frames_mm: np.ndarray, qs: tuple[float, ...]) -> tuple[list[np.ndarray], np.ndarray]:
    """Per pixel, quantiles (mm, float) of the frames with depth, and where at least half the frames had depth.
    Sorted a block of rows at a time (no depth, 0, sorts first), which keeps the temporary copy small."""
    count, height, width = frames_mm.shape
    out = [np.zeros((height, width), np.float32) for _ in qs]
    known = np.zeros((height, width), bool)
    for r0 in range(0, height, ROWS_AT_ONCE):
        rows = slice(r0, r0 + ROWS_AT_ONCE)
        block = np.sort(frames_mm[:, rows], axis=0)
        valid = np.count_nonzero(block, axis=0)
        known[rows] = 2 * valid >= count
        for q, into in zip(qs, out):
            at = count - valid + q * np.maximum(valid - 1, 0)
            lo = np.minimum(np.floor(at).astype(np.intp), count - 1)
            a = np.take_along_axis(block, lo[None], 0)[0].astype(np.float32)
            b = np.take_along_axis(block, np.minimum(lo + 1, count - 1)[None], 0)[0].astype(np.float32)
            into[rows] = a + (at - lo) * (b - a)
    return out, known


def temporal_median(frames_mm: np.ndarray) -> np.ndarray:
    """Per-pixel median (metres, float32) of a stack of frames (T x H x W, mm) over the frames with depth; 0 where
    a pixel had depth in under half of them."""
    (median,), known = _quantiles(frames_mm, (0.5,))
    return np.where(known, _metres(median), 0.0).astype(np.float32)


def learn(frames_mm: np.ndarray, fx: float, baseline_m: float) -> Background:
    """The background of the empty frames (T x H x W, mm, 0 = no depth): per pixel, the median of the frames with
    depth, and their spread as the interquartile range in sigmas (robust to the odd flying pixel), floored by the
    stereo noise model (a few dozen frames can look quieter than the camera is). A pixel with depth in under half
    the frames is unknown: neither body nor background."""
    (q1, median, q3), known = _quantiles(frames_mm, (0.25, 0.5, 0.75))
    depth_mm = np.where(known, np.rint(median), 0.0)
    model_mm = 1000.0 * depth_rms_m(depth_mm / 1000.0, fx, baseline_m)
    spread_mm = np.ceil(np.maximum((q3 - q1) / IQR_SIGMAS, model_mm))
    return Background.from_mm(depth_mm, spread_mm)


# ---- is the empty area empty? ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Area:
    """Where the empty-area checks look: what the camera sees within `reach_m` of it (on the floor plan), from
    ABOVE_FLOOR_M up to `top_m`. `to_floor` maps camera points to the floor frame (y up, the camera above the
    origin); `rays` are the camera rays of the full image (camera_rays)."""

    to_floor: np.ndarray
    rays: np.ndarray
    fx: float
    baseline_m: float
    reach_m: float
    top_m: float

    def points(self, depth_m: np.ndarray, sample: int, beyond_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Floor-frame points (h x w x 3) of a depth image subsampled by `sample`, and which of them lie in the
        area (grown by `beyond_m` on the floor plan)."""
        pts = transform(self.to_floor, (depth_m[..., None] * self.rays[::sample, ::sample]).reshape(-1, 3))
        pts = pts.reshape(depth_m.shape + (3,))
        inside = ((depth_m > 0) & (pts[..., 1] > ABOVE_FLOOR_M) & (pts[..., 1] < self.top_m)
                  & (np.hypot(pts[..., 0], pts[..., 2]) < self.reach_m + beyond_m))
        return pts, inside


def moving_area_m2(frames_mm: np.ndarray, background: Background, area: Area) -> np.ndarray:
    """Per frame, the surface (m², as seen by the camera) of whatever moved in the area: pixels whose depth left
    the background by more than MOVED_SIGMAS of stereo noise — nearer (something came) or farther (something
    left) — or that have depth where the background has none, in patches (MIN_MOVED_NEIGHBOURS).

    The noise model sets the threshold, not the pixels' own measured spread: where something moved, that spread
    is inflated by the very motion it should reveal."""
    s = CHECK_SAMPLE
    bg = background.depth_m[::s, ::s]
    limit = MOVED_SIGMAS * depth_rms_m(bg, area.fx, area.baseline_m)
    out = np.zeros(len(frames_mm))
    for k, frame_mm in enumerate(frames_mm):
        d = _metres(frame_mm[::s, ::s])
        at = np.where(bg > 0, np.minimum(d, bg), d)        # where the moving thing is: the nearer surface
        _, inside = area.points(at, s)
        moved = inside & (d > 0) & ((bg == 0) | (np.abs(d - bg) > limit))
        moved &= _neighbour_count(moved) >= MIN_MOVED_NEIGHBOURS
        out[k] = float(np.sum(np.square(at[moved] * s / area.fx)))
    return out


def _neighbour_count(mask: np.ndarray) -> np.ndarray:
    """How many of each pixel's 8 neighbours are set."""
    p = np.pad(mask, 1).astype(np.int8)
    h, w = mask.shape
    return sum(p[1 + dr:1 + dr + h, 1 + dc:1 + dc + w] for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc)


@dataclass(frozen=True)
class Standing:
    """Something standing in the background, as the camera sees it (floor frame, metres). Heights and widths are
    taken over the middle 98 % of its points, so a stray flying pixel does not make a box tall. Widths are the
    widest horizontal extent of the points: of the whole thing (its footprint) and of its head."""

    distance_m: float           # of its middle from the camera, on the floor plan
    top_m: float
    bottom_m: float
    footprint_m: float
    head_m: float               # the top HEAD_SHARE of it
    whole: bool                 # not cut by the side of the image, nor partly hidden behind something nearer:
    #                             its width can be judged
    top_seen: bool              # not cut by the top of the image: it has the head measured


def standing(background: Background, area: Area, sample: int = 2) -> list[Standing]:
    """The things standing in the background's area: its points above the floor, grouped on the floor plan into
    connected cells (CELL_M) that hold enough surface (MIN_CELL_AREA_M2). Gathered BEYOND_M past the area, so
    that its edge does not cut a thing into a narrow slice; a thing counts when its middle is in the area."""
    d = background.depth_m[::sample, ::sample]
    pts, inside = area.points(d, sample, BEYOND_M)
    rows, cols = np.nonzero(inside)
    reach = area.reach_m + BEYOND_M
    n = int(np.ceil(2 * reach / CELL_M))
    cell = np.clip(np.floor((pts[inside][:, [0, 2]] + reach) / CELL_M).astype(int), 0, n - 1)
    flat = cell[:, 0] * n + cell[:, 1]
    seen = np.bincount(flat, np.square(d[inside] * sample / area.fx), n * n).reshape(n, n)
    labels = np.zeros(d.shape, np.intp)
    labels[inside] = ndimage.label(seen >= MIN_CELL_AREA_M2, structure=np.ones((3, 3)))[0].reshape(-1)[flat]
    band = area.fx * area.baseline_m / d[inside] / sample      # the left band the camera cannot match (depth.md)
    cut = (cols <= band + 1) | (cols >= d.shape[1] - 2) | _hidden(d, labels, area)[inside]
    things = []
    for label in np.unique(labels[inside][labels[inside] > 0]):
        mine = labels[inside] == label
        p = pts[inside][mine]
        middle = float(np.hypot(*p[:, [0, 2]].mean(axis=0)))
        if middle > area.reach_m:
            continue
        bottom, top = (float(h) for h in np.percentile(p[:, 1], [1, 99]))
        things.append(Standing(middle, top, bottom, _width(p), _width(p[p[:, 1] > (1.0 - HEAD_SHARE) * top]),
                               not cut[mine].any(), not (rows[mine] <= 1).any()))
    return things


def _hidden(depth: np.ndarray, labels: np.ndarray, area: Area) -> np.ndarray:
    """Pixels beside another thing that is nearer: the nearest pixel with depth along the row or column (past any
    pixels without depth, such as the occlusion shadow) belongs to another thing and is nearer by more than
    OCCLUDER_M and 3 sigmas of noise. (Not to no thing: the floor and a foot on it lie below the things.)"""
    margin = OCCLUDER_M + 3.0 * depth_rms_m(depth, area.fx, area.baseline_m)
    hidden = np.zeros(depth.shape, bool)
    valid = depth > 0
    for axis in (0, 1):
        n = depth.shape[axis]
        for near in nearest_with_depth(valid, axis):
            ok = (near >= 0) & (near < n)
            at = np.clip(near, 0, n - 1)
            other, whose = np.take_along_axis(depth, at, axis), np.take_along_axis(labels, at, axis)
            hidden |= valid & ok & (whose > 0) & (whose != labels) & (other < depth - margin)
    return hidden


def _width(pts: np.ndarray) -> float:
    """Widest horizontal extent of points (between their 1st and 99th percentiles), over 8 directions on the
    floor plan; 0 for no points."""
    if len(pts) == 0:
        return 0.0
    angles = np.linspace(0.0, np.pi, 8, endpoint=False)
    along = pts[:, [0, 2]] @ np.stack([np.cos(angles), np.sin(angles)])
    lo, hi = np.percentile(along, [1, 99], axis=0)
    return float((hi - lo).max())
