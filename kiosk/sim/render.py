"""Depth images of the simulated studio: exact depth by open3d raycasting, then made as imperfect as a D4xx.

The room is rendered once; each frame only the bodies are cast, over the image window they cover. Noise lives
in disparity, where stereo cameras make it (DESIGN.md): correlated sub-pixel matching error (so depth error
grows with z²), the occlusion shadow the right imager cannot see, the invalid left band, flying pixels and
dropouts at edges, dropout blobs on the body, and the minimum depth. Dark trousers (`Clothing`) are a property of
the surface: the renderer marks their pixels, and the noise takes most of them away in large patches.
"""
from __future__ import annotations

from enum import StrEnum

import numpy as np
import open3d as o3d

from calibration.camera import STEREO_SUBPIXEL, Intrinsics, camera_rays
from calibration.geometry import invert, transform
from kiosk.sim.body import Mesh

MAX_DISPARITY = 126.0           # D4xx search range (pixels): closer than fx·B/126 has no depth
EDGE_JUMP = 0.06                # relative depth step that makes an edge
FLYING_P = 0.35                 # chance an edge pixel flies between the two surfaces
EDGE_DROP_P = 0.25              # chance an edge pixel has no depth
BLOB_SHARE = 0.012              # share of the image lost to dropout blobs (dark fabric, glare)
NOISE_CORRELATION_PX = 3        # box radius of the spatial correlation of matching error
BODY_MARGIN_PX = 4
TROUSER_HEM_M = 0.10            # trousers end at the ankle: shoes, below, keep their depth
DARK_LOST = 0.8                 # share of dark fabric with no depth: it swallows the projector's IR dots, and
#                                 only creases facing the lens return enough light to match
DARK_FLICKER = 0.3              # weight of the per-frame field in where dark fabric drops out


class Clothing(StrEnum):
    """What the people in view wear, as far as stereo matching cares."""

    PLAIN = "plain"                     # matt, textured: depth wherever both imagers see it
    DARK_TROUSERS = "dark-trousers"     # black from the ankles to the top of the pelvis (hands hanging there too)


class Renderer:
    """Exact depth (metres, 0 = nothing) of a static scene plus moving meshes, for one fixed camera."""

    def __init__(self, intrinsics: Intrinsics, camera_from_studio: np.ndarray, static: Mesh,
                 clothing: Clothing = Clothing.PLAIN) -> None:
        self.intrinsics = intrinsics
        self.camera_from_studio = camera_from_studio
        self.clothing = clothing
        self._rays = camera_rays(intrinsics).astype(np.float32)
        up = invert(camera_from_studio)[1]                 # studio height of a camera point: up · (p, 1)
        self._rise = (self._rays @ up[:3]).astype(np.float32)   # height gained per metre of z-depth
        self._lens_y = float(up[3])
        self.static = self._cast([static], slice(None), slice(None))[0]

    def _cast(self, meshes: list[Mesh], rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """z-depth (0 = nothing) and which mesh each pixel sees (its index in `meshes`; meaningless where 0)."""
        scene = o3d.t.geometry.RaycastingScene()
        for mesh in meshes:                                # open3d numbers the meshes 0, 1, ... as added
            verts = transform(self.camera_from_studio, mesh.vertices.astype(np.float64)).astype(np.float32)
            scene.add_triangles(o3d.core.Tensor(verts), o3d.core.Tensor(mesh.triangles.astype(np.uint32)))
        rays = self._rays[rows, cols]
        origins = np.zeros_like(rays)
        hit = scene.cast_rays(o3d.core.Tensor(np.concatenate([origins, rays], axis=-1)))
        t = hit["t_hit"].numpy()
        which = np.minimum(hit["geometry_ids"].numpy(), len(meshes) - 1).astype(np.intp)
        return np.where(np.isfinite(t), t, 0.0).astype(np.float32), which   # ray z = 1, so t is z-depth

    def depth(self, bodies: list[Mesh]) -> np.ndarray:
        """Exact depth of the room with the bodies in it."""
        return self.render(bodies)[0]

    def render(self, bodies: list[Mesh]) -> tuple[np.ndarray, np.ndarray]:
        """Exact depth, and the pixels where it lies on dark fabric (for `StereoNoise.apply`)."""
        out = self.static.copy()
        dark = np.zeros(out.shape, dtype=bool)
        if not bodies:
            return out, dark
        intr = self.intrinsics
        pts = transform(self.camera_from_studio, np.concatenate([b.vertices for b in bodies]).astype(np.float64))
        pts = pts[pts[:, 2] > 0.05]
        if len(pts) == 0:
            return out, dark
        u = pts[:, 0] / pts[:, 2] * intr.fx + intr.ppx
        v = pts[:, 1] / pts[:, 2] * intr.fy + intr.ppy
        c0, c1 = int(np.clip(u.min() - BODY_MARGIN_PX, 0, intr.width)), int(np.clip(u.max() + BODY_MARGIN_PX, 0, intr.width))
        r0, r1 = int(np.clip(v.min() - BODY_MARGIN_PX, 0, intr.height)), int(np.clip(v.max() + BODY_MARGIN_PX, 0, intr.height))
        if c1 <= c0 or r1 <= r0:
            return out, dark
        rows, cols = slice(r0, r1), slice(c0, c1)
        window = out[rows, cols]
        body, which = self._cast(bodies, rows, cols)
        seen = (body > 0) & ((window == 0) | (body < window))
        out[rows, cols] = np.where(seen, body, window)
        if self.clothing is Clothing.DARK_TROUSERS:
            waist = np.array([b.vertices[b.hips, 1].max(initial=-np.inf) for b in bodies])  # top of the pelvis
            height = body * self._rise[rows, cols] + self._lens_y
            dark[rows, cols] = seen & (height > TROUSER_HEM_M) & (height < waist[which])
        return out, dark


def _box_blur(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² box, edges clamped; separable running sums."""
    out = a
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r + 1, r)
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis, dtype=np.float64)
        n = out.shape[axis]
        hi = np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis)
        lo = np.take(c, np.arange(0, n), axis=axis)
        out = ((hi - lo) / (2 * r + 1)).astype(np.float32)
    return out


class StereoNoise:
    """Turns exact depth into what a D4xx would report; deterministic for a given seed."""

    def __init__(self, intrinsics: Intrinsics, baseline_m: float, seed: int = 0,
                 subpixel: float = STEREO_SUBPIXEL) -> None:
        self.focal_baseline = intrinsics.fx * baseline_m
        self.subpixel = subpixel
        self.rng = np.random.default_rng(seed)
        shape = (intrinsics.height, intrinsics.width)
        self._cols = np.arange(intrinsics.width, dtype=np.float32)[None, :]
        self._corr_scale = 1.0 / float(self._field(shape, NOISE_CORRELATION_PX).std())
        self._static_blobs = self._field(shape, 12)

    def _field(self, shape: tuple[int, int], radius: int) -> np.ndarray:
        """Smooth random field; drawn larger and cropped so the image border is like the middle."""
        big = self.rng.standard_normal((shape[0] + 2 * radius, shape[1] + 2 * radius)).astype(np.float32)
        return _box_blur(big, radius)[radius:radius + shape[0], radius:radius + shape[1]]

    def apply(self, z: np.ndarray, dark: np.ndarray | None = None) -> np.ndarray:
        """`dark`: pixels on dark fabric; they still hide what is behind them from the right imager."""
        valid = z > 0
        disparity = np.where(valid, self.focal_baseline / np.where(valid, z, 1.0), 0.0).astype(np.float32)
        keep = valid & (disparity < MAX_DISPARITY) & (self._cols - disparity >= 0) & ~self._occluded(disparity)
        z = z.copy()
        edges = self._edges(z)
        roll = self.rng.random(z.shape)
        far_side = edges & (roll < FLYING_P)
        near = np.minimum(np.minimum(_shift(z, 1, 0), _shift(z, -1, 0)), np.minimum(_shift(z, 1, 1), _shift(z, -1, 1)))
        mix = self.rng.random(z.shape).astype(np.float32)
        z = np.where(far_side & (near > 0), near + mix * (z - near), z)
        keep &= ~(edges & (roll > 1.0 - EDGE_DROP_P))
        moving = self._field(z.shape, 10)
        blobs = 0.6 * self._static_blobs + 0.8 * moving
        lost = blobs > np.quantile(blobs, 1.0 - BLOB_SHARE)
        if dark is not None and dark.any():
            # large patches that stay put while the fabric does (the same surface at the same angle to the
            # lens), flickering only at their borders
            fabric = self._static_blobs + DARK_FLICKER * moving
            lost |= dark & (fabric > np.quantile(fabric[dark], 1.0 - DARK_LOST))
        keep &= ~lost
        noise = self._corr_scale * self._field(z.shape, NOISE_CORRELATION_PX) * 0.8 \
            + self.rng.standard_normal(z.shape).astype(np.float32) * 0.6
        d = np.where(keep, self.focal_baseline / np.where(keep, z, 1.0), 0.0) + self.subpixel * noise
        return np.where(keep & (d > 0.5), self.focal_baseline / np.maximum(d, 0.5), 0.0).astype(np.float32)

    def _occluded(self, disparity: np.ndarray) -> np.ndarray:
        """Pixels the right imager cannot see: something nearer, to their right, covers them there."""
        right_col = np.where(disparity > 0, self._cols - disparity, np.inf)
        cover = np.minimum.accumulate(right_col[:, ::-1], axis=1)[:, ::-1]
        cover = np.concatenate([cover[:, 1:], np.full((cover.shape[0], 1), np.inf)], axis=1)
        return (disparity > 0) & (cover < right_col - 0.5)

    @staticmethod
    def _edges(z: np.ndarray) -> np.ndarray:
        """Pixels next to a depth step (including steps to no depth)."""
        edge = np.zeros(z.shape, dtype=bool)
        for axis in (0, 1):
            a = _shift(z, 1, axis)
            jump = np.abs(a - z) > EDGE_JUMP * np.maximum(a, z)
            edge |= jump | _shift(jump, -1, axis)
        return edge


def _shift(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """a moved by k (±1) along axis, repeating the border (the image does not wrap around)."""
    pad = [(0, 0), (0, 0)]
    pad[axis] = (1, 1)
    padded = np.pad(a, pad, mode="edge")
    return np.take(padded, np.arange(a.shape[axis]) + 1 - k, axis=axis)
