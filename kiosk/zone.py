"""The part of the image that can hold the client on the mark, with its pixel rays in the studio frame.

Working only on this window (and every `stride`-th pixel of it) is what keeps per-frame work to a few ms.
"""
from __future__ import annotations

import dataclasses
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
    rays: np.ndarray        # 3 x h x w: studio-frame direction per camera-z metre (depth * ray + origin = point),
    #                         one contiguous plane per axis (what every per-frame sum runs over)
    origin: np.ndarray      # camera position in the studio frame
    intrinsics: Intrinsics
    baseline_m: float
    pixel_rays: np.ndarray  # H x W x 3: the same rays for every pixel of the image, where the rear is refined

    @property
    def pixel_size_per_m(self) -> float:
        """Footprint width of one sampled pixel per metre of depth."""
        return self.stride / self.intrinsics.fx

    @property
    def shape(self) -> tuple[int, int]:
        """Sampled rows and columns."""
        return self.rays.shape[1:]

    def sample(self, depth_m: np.ndarray) -> np.ndarray:
        """The zone's sampled pixels of a full depth image (`points` turns them into studio points)."""
        return depth_m[self.rows, self.cols][:: self.stride, :: self.stride]

    def points(self, depth_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, z) in the studio frame of the sampled depth."""
        ox, oy, oz = (float(o) for o in self.origin)
        rx, ry, rz = self.rays
        return ox + depth_m * rx, oy + depth_m * ry, oz + depth_m * rz

    def window(self, box: tuple[slice, slice]) -> "Zone":
        """The part of this zone in `box` (rows and columns of its samples), as a zone of its own: per-frame work
        looks only where something stands in front of the background."""
        r, c = box
        return dataclasses.replace(
            self, rows=slice(self.rows.start + r.start * self.stride,
                             min(self.rows.start + r.stop * self.stride, self.rows.stop)),
            cols=slice(self.cols.start + c.start * self.stride,
                       min(self.cols.start + c.stop * self.stride, self.cols.stop)),
            rays=self.rays[:, r, c])


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
    every = (camera_rays(intr) @ cal.studio_from_camera[:3, :3].T).astype(np.float32)
    rays = every[rows, cols][::stride, ::stride]
    return Zone(rows, cols, stride, np.ascontiguousarray(np.moveaxis(rays, -1, 0)),
                cal.camera_position.astype(np.float32), intr, cal.baseline_m, every)
