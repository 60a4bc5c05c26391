"""Temporal smoothing of the hip offset with a stated, fixed lag.

A centred quadratic fit over 2·lag+1 frames (Savitzky–Golay) keeps the peak of a rep where it is — a plain
average or an exponential filter would shave it and shift it late — while cutting per-frame noise. The output
for a frame is ready `lag` frames later: offline analysis has no visible lag; the live kiosk states it.
"""
from __future__ import annotations

import dataclasses
import functools
from collections import deque

import numpy as np

from kiosk.measurement import Measurement
from kiosk.quantile import median

ANALYZE_LAG = 5          # 11-frame window: ±167 ms at 30 fps (a rep lasts 1-3 s)
LIVE_LAG = 0             # the kiosk: no smoothing lag (motion-to-screen within 50 ms); the rep machine copes
#                          with the noise, and lag 1 (33 ms) cut hip offset error only at 3 m (0.93 -> 0.81 cm)
MAX_GAP_S = 0.2          # frames further apart than this are not fitted together
SPIKE_SIGMAS = 3.0
MIN_SPIKE_M = 0.025      # a rep moves the hips up to ~2 cm per frame: only bigger jumps can be spikes


@functools.cache
def _weights(lag: int) -> np.ndarray:
    """Savitzky–Golay weights giving the value at the window's centre: quadratic where the window has room
    (5+ frames), else linear — a quadratic through 3 points would not smooth at all."""
    t = np.arange(-lag, lag + 1, dtype=float)
    design = np.stack([np.ones_like(t), t, t * t][: 3 if lag >= 2 else 2], axis=1)
    return np.linalg.pinv(design)[0]


def _despike(values: list[float]) -> np.ndarray:
    """A frame far off its neighbours (a bad fit, a hand passing) is replaced by their median, not averaged in."""
    v = np.asarray(values, dtype=float)
    med = median(v)
    mad = 1.4826 * median(np.abs(v - med))
    return np.where(np.abs(v - med) > max(SPIKE_SIGMAS * mad, MIN_SPIKE_M), med, v)


class HipSmoother:
    """Feed Measurements in order; get them back `lag` frames later with a smoothed hip offset and height."""

    def __init__(self, lag: int = ANALYZE_LAG) -> None:
        self.lag = lag
        self._window: deque[Measurement] = deque(maxlen=2 * lag + 1)
        self._held = 0          # pushed but not yet given back

    def push(self, m: Measurement) -> Measurement | None:
        """The measurement from `lag` frames ago, smoothed (None until the window fills)."""
        self._window.append(m)
        self._held = min(self._held + 1, self.lag)
        if len(self._window) <= self.lag:
            return None
        return self._smoothed(len(self._window) - 1 - self.lag)

    def flush(self) -> list[Measurement]:
        """The frames still held back at the end of a stream, smoothed with what there is."""
        n = len(self._window)
        out = [self._smoothed(i) for i in range(n - self._held, n)]
        self._window.clear()
        self._held = 0
        return out

    def _smoothed(self, i: int) -> Measurement:
        frames = list(self._window)
        m = frames[i]
        if m.hip_offset_m is None or self.lag == 0:
            return m
        lo, hi = i, i
        while lo > 0 and i - lo < self.lag and self._joins(frames[lo - 1], frames[lo]):
            lo -= 1
        while hi < len(frames) - 1 and hi - i < self.lag and self._joins(frames[hi], frames[hi + 1]):
            hi += 1
        half = min(i - lo, hi - i)            # symmetric, so the window stays centred on this frame
        if half == 0:
            return m
        w = _weights(half)
        span = frames[i - half: i + half + 1]
        return dataclasses.replace(m, hip_offset_m=float(w @ _despike([f.hip_offset_m for f in span])),
                                   hip_height_m=float(w @ _despike([f.hip_height_m for f in span])))

    @staticmethod
    def _joins(a: Measurement, b: Measurement) -> bool:
        return (a.hip_offset_m is not None and b.hip_offset_m is not None and a.on_mark and b.on_mark
                and b.t_s - a.t_s <= MAX_GAP_S)
