"""The background on the measurer's grid: what the empty area showed at calibration, kept current.

A studio moves things: a bench pushed behind the mark and left there must stop being "something in front of the
background" after a few seconds. So a pixel whose depth has stayed put, away from the background, for FOLLOW_S
while nobody is in the zone becomes background. Never while anyone is there: a client standing still is not
furniture. Invalid depth (0) is unknown: it neither confirms nor changes the background.
"""
from __future__ import annotations

import numpy as np

from calibration.camera import depth_rms_m
from calibration.model import Calibration
from kiosk.zone import Zone

MARGIN_SIGMAS = 3.0     # in front of the background by more than this many noise sigmas...
MARGIN_M = 0.04         # ...and this much (flying pixels, a mat's thickness) is foreground
FOLLOW_S = 3.0          # a change that stays this long with nobody in the zone is the new background


class LiveBackground:
    """Foreground against the background, and the background following what is moved and left."""

    def __init__(self, depth_m: np.ndarray | None, spread_m: np.ndarray | None, zone: Zone) -> None:
        self._zone = zone
        self.learned = depth_m is not None      # False: an older calibration without a background
        shape = zone.shape
        self.depth_m = np.zeros(shape, np.float32) if depth_m is None else depth_m.astype(np.float32)
        self._spread = np.zeros(shape, np.float32) if spread_m is None else spread_m.astype(np.float32)
        self._candidate = np.zeros(shape, np.float32)
        self._since = np.full(shape, np.inf, np.float32)
        self._behind = self._front_of()

    @classmethod
    def of(cls, cal: Calibration, zone: Zone) -> "LiveBackground":
        if cal.background is None:
            return cls(None, None, zone)
        depth, spread = cal.background.sample(zone.rows, zone.cols, zone.stride)
        return cls(depth, spread, zone)

    def margin(self, depth_m: np.ndarray) -> np.ndarray:
        noise = np.maximum(self._spread, depth_rms_m(depth_m, self._zone.intrinsics.fx, self._zone.baseline_m))
        return (MARGIN_SIGMAS * noise + MARGIN_M).astype(np.float32)

    def foreground(self, depth_m: np.ndarray, box: tuple[slice, slice] = (slice(None), slice(None))) -> np.ndarray:
        """Pixels with depth in front of the background (where the background is unknown: every pixel with depth);
        `depth_m` is the zone's grid, or the part of it in `box`."""
        return (depth_m > 0) & (depth_m < self._behind[box])

    def _front_of(self) -> np.ndarray:
        """Per pixel, the depth a surface must be nearer than to stand in front of the background (inf: unknown)."""
        bg = self.depth_m
        return np.where(bg > 0, bg - self.margin(bg), np.inf).astype(np.float32)

    def follow(self, depth_m: np.ndarray, t_s: float, nobody: bool, hold: np.ndarray | None = None) -> None:
        """Learn what has changed and stayed: only while `nobody` (no person anywhere in the zone), and never the
        `hold` pixels (something left on the mark stays something to move, however long it stays)."""
        if not nobody:
            self._since[:] = np.inf
            return
        seen = depth_m > 0 if hold is None else (depth_m > 0) & ~hold
        same = seen & (np.abs(depth_m - self._candidate) < self.margin(depth_m))
        restart = seen & ~same
        self._candidate[restart] = depth_m[restart]
        self._since[restart] = t_s
        self._since[same] = np.minimum(self._since[same], t_s)
        settled = same & (t_s - self._since >= FOLLOW_S)
        moved = settled & ((self.depth_m == 0) | (np.abs(self._candidate - self.depth_m) >= self.margin(depth_m)))
        if moved.any():
            self.depth_m[moved] = self._candidate[moved]
            self._behind = self._front_of()


MOVED_BEHIND_SHARE = 0.25   # this share of the calibrated background seen farther away than it was...
MOVED_FLOOR_BEHIND = 0.15   # ...or this share of the calibrated floor...
MOVED_FLOOR_FRONT = 0.8     # ...or this share of the floor nearer (a client and their things cover far less)...
MOVED_FOR_S = 2.0           # ...for this long, and the camera itself has moved since calibration
FLOOR_Y_M = 0.03            # background this close to the calibrated floor's height is floor
WATCH_STRIDE = 2            # every 2nd sample of the grid each way: shares of the view need no more


class CameraWatch:
    """Whether the camera still looks at the studio it was calibrated in, judged against the calibration's own
    background (never the one that follows moved furniture: that would learn a moved camera too).

    People and things only ever stand in front of the background, so seeing behind it — over a quarter of the
    view, or over a sixth of the floor — means the view itself changed: the camera was knocked, turned, tilted up,
    raised or lowered. Something taken away shows behind only where it stood. A camera tilted down sees the floor
    nearer nearly everywhere instead, which nobody standing there does. A camera slid along the floor without
    turning keeps the floor's look and is not noticed.
    """

    def __init__(self, background: LiveBackground, zone: Zone) -> None:
        self.known = background.learned
        _, height, _ = zone.points(background.depth_m)
        every = (slice(None, None, WATCH_STRIDE),) * 2
        self._depth = background.depth_m[every].copy()
        self._margin = background.margin(background.depth_m)[every]
        self._floor = (self._depth > 0) & (np.abs(height[every]) < FLOOR_Y_M)
        self._known_px = max(1, int((self._depth > 0).sum()))
        self._floor_px = max(1, int(self._floor.sum()))
        self._since: float | None = None

    def moved(self, depth_m: np.ndarray, t_s: float) -> bool:
        """`depth_m` on the zone's grid; True once the view has disagreed with the calibration for MOVED_FOR_S."""
        if not self.known:
            return False
        depth_m = depth_m[::WATCH_STRIDE, ::WATCH_STRIDE]
        seen = (depth_m > 0) & (self._depth > 0)
        behind = seen & (depth_m > self._depth + self._margin)
        floor_front = int((seen & self._floor & (depth_m < self._depth - self._margin)).sum())
        if (int(behind.sum()) < MOVED_BEHIND_SHARE * self._known_px
                and int((behind & self._floor).sum()) < MOVED_FLOOR_BEHIND * self._floor_px
                and floor_front < MOVED_FLOOR_FRONT * self._floor_px):
            self._since = None
            return False
        self._since = t_s if self._since is None else self._since
        return t_s - self._since >= MOVED_FOR_S
