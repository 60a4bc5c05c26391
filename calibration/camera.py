"""Plain camera data shared by every module: no SDK types ever leave the sensing boundary.

Camera coordinates follow the RealSense convention: x right, y down, z forward (metres).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole model of a rectified depth stream (D4xx depth has no distortion)."""

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float

    def to_dict(self) -> dict:
        return {"width": self.width, "height": self.height, "fx": self.fx, "fy": self.fy,
                "ppx": self.ppx, "ppy": self.ppy}

    @classmethod
    def from_dict(cls, d: dict) -> "Intrinsics":
        return cls(int(d["width"]), int(d["height"]), float(d["fx"]), float(d["fy"]),
                   float(d["ppx"]), float(d["ppy"]))

    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.ppx], [0.0, self.fy, self.ppy], [0.0, 0.0, 1.0]])

    def scaled(self, factor: int) -> "Intrinsics":
        """Intrinsics of the image subsampled by `factor` (pixel i of the result is pixel i*factor)."""
        return Intrinsics(self.width // factor, self.height // factor, self.fx / factor, self.fy / factor,
                          self.ppx / factor, self.ppy / factor)


@dataclass(frozen=True)
class DepthFrame:
    """One depth image in metres (float32, 0 where the camera has no depth)."""

    depth_m: np.ndarray
    intrinsics: Intrinsics
    frame_number: int
    timestamp_ms: float


def pixel_rays(intr: Intrinsics, rows: slice = slice(None), cols: slice = slice(None)) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel (x/z, y/z) of the camera ray, for the given window; multiply by depth to deproject."""
    v = np.arange(intr.height, dtype=np.float32)[rows]
    u = np.arange(intr.width, dtype=np.float32)[cols]
    rx = (u - np.float32(intr.ppx)) / np.float32(intr.fx)
    ry = (v - np.float32(intr.ppy)) / np.float32(intr.fy)
    return np.broadcast_to(rx[None, :], (v.size, u.size)), np.broadcast_to(ry[:, None], (v.size, u.size))


def camera_rays(intr: Intrinsics, rows: slice = slice(None), cols: slice = slice(None)) -> np.ndarray:
    """Per-pixel camera rays (x/z, y/z, 1) for the given window, h x w x 3: depth times ray is the point."""
    rx, ry = pixel_rays(intr, rows, cols)
    return np.stack([rx, ry, np.ones_like(rx)], axis=-1)


def project(intr: Intrinsics, points_cam: np.ndarray) -> np.ndarray:
    """Pixel (u, v) of camera-frame points (N x 3); points behind the camera give nan."""
    p = np.asarray(points_cam, dtype=float).reshape(-1, 3)
    z = np.where(p[:, 2] > 1e-6, p[:, 2], np.nan)
    return np.stack([p[:, 0] / z * intr.fx + intr.ppx, p[:, 1] / z * intr.fy + intr.ppy], axis=1)


STEREO_SUBPIXEL = 0.08   # RealSense D4xx disparity noise, pixels RMS


def depth_rms_m(z_m: np.ndarray | float, fx: float, baseline_m: float) -> np.ndarray | float:
    """Expected stereo depth noise: grows with the square of distance (docs/depth.md)."""
    return np.square(z_m) * STEREO_SUBPIXEL / (fx * baseline_m)


def nearest_with_depth(valid: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, the index along `axis` of the nearest pixel with depth strictly before it (-1: none) and strictly
    after it (the axis's length: none): across a run of pixels without depth, the surfaces on either side."""
    n = valid.shape[axis]
    idx = np.arange(n, dtype=np.int32).reshape((n, 1) if axis == 0 else (1, n))
    backwards = (slice(None, None, -1), slice(None)) if axis == 0 else (slice(None), slice(None, None, -1))
    upto = np.maximum.accumulate(np.where(valid, idx, -1), axis=axis)
    onwards = np.minimum.accumulate(np.where(valid, idx, n)[backwards], axis=axis)[backwards]
    before, after = np.full_like(upto, -1), np.full_like(onwards, n)
    if axis == 0:
        before[1:], after[:-1] = upto[:-1], onwards[1:]
    else:
        before[:, 1:], after[:, :-1] = upto[:, :-1], onwards[:, 1:]
    return before, after
