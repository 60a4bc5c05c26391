"""The part of the image that can hold the client on the mark, with its pixel rays in the studio frame.

Working only on this window (and every `stride`-th pixel of it) is what keeps per-frame work to a few ms.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from calibration.camera import Intrinsics, camera_rays, project
from calibration.geometry import transform
from calibration.model import Calibration

# The space around the mark we look at (studio frame, metres): wide enough to guide someone onto the mark.
ZONE_HALF_WIDTH_M = 0.9
ZONE_BACK_M = 0.9
ZONE_FRONT_M = 0.9
ZONE_TOP_M = 2.3


@dataclass(frozen=True)
class Zone:
    rows: slice
    cols: slice
    stride: int
    rays: np.ndarray        # h x w x 3 studio-frame direction per camera-z metre (depth * ray + origin = point)
    origin: np.ndarray      # camera position in the studio frame
    intrinsics: Intrinsics
    rotation: np.ndarray    # camera → studio rotation
    baseline_m: float

    @property
    def pixel_size_per_m(self) -> float:
        """Footprint width of one sampled pixel per metre of depth."""
        return self.stride / self.intrinsics.fx

    def sample(self, depth_m: np.ndarray) -> np.ndarray:
        """The zone's sampled pixels of a full depth image (multiply by `rays`, add `origin`: studio points)."""
        return depth_m[self.rows, self.cols][:: self.stride, :: self.stride]


def make_zone(cal: Calibration, stride: int = 2) -> Zone:
    intr = cal.intrinsics
    corners = np.array(list(product((-ZONE_HALF_WIDTH_M, ZONE_HALF_WIDTH_M), (0.0, ZONE_TOP_M),
                                    (-ZONE_BACK_M, ZONE_FRONT_M))))
    pix = project(intr, transform(cal.camera_from_studio, corners))
    pix = pix[np.isfinite(pix).all(axis=1)]
    if len(pix) < 8:   # part of the zone is behind the camera: use the whole image
        u0, v0, u1, v1 = 0, 0, intr.width, intr.height
    else:
        u0, v0 = np.floor(pix.min(axis=0)).astype(int)
        u1, v1 = np.ceil(pix.max(axis=0)).astype(int) + 1
    rows = slice(int(np.clip(v0, 0, intr.height)), int(np.clip(v1, 0, intr.height)))
    cols = slice(int(np.clip(u0, 0, intr.width)), int(np.clip(u1, 0, intr.width)))
    rot = cal.studio_from_camera[:3, :3].astype(np.float32)
    rays = camera_rays(intr, rows, cols)[::stride, ::stride] @ rot.T
    return Zone(rows, cols, stride, np.ascontiguousarray(rays, dtype=np.float32),
                cal.camera_position.astype(np.float32), intr, rot, cal.baseline_m)
