"""Depth images of the simulated studio: exact depth by open3d raycasting, then made as imperfect as a D4xx.

The room is rendered once; each frame only the bodies are cast, over the image window they cover. Noise lives
in disparity, where stereo cameras make it (docs/depth.md): correlated sub-pixel matching error (so depth error
grows with z²), the occlusion shadow the right imager cannot see, the invalid left band, flying pixels and
dropouts at edges, dropout blobs on the body, and the minimum depth. Dark trousers (`Clothing`) are a property of
the surface: the renderer marks their pixels, and the noise takes most of them away in large patches.
"""
from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Mirror:
    """A flat mirror on the wall. Stereo matching sees the room's reflection in it (the projector's dots are reflected
    too), so its depth is that of the mirror image, beyond the glass; the bare glass itself has none."""

    glass: Mesh              # the pane: its face toward the room is the reflecting plane
    point: np.ndarray        # a point of that plane (studio frame)
    normal: np.ndarray       # unit normal of that plane, pointing into the room


class Renderer:
    """Exact depth (metres, 0 = nothing) of a static scene plus moving meshes, for one fixed camera."""

    def __init__(self, intrinsics: Intrinsics, camera_from_studio: np.ndarray, static: Mesh,
                 clothing: Clothing = Clothing.PLAIN, mirror: Mirror | None = None) -> None:
        self.intrinsics = intrinsics
        self.camera_from_studio = camera_from_studio
        self.clothing = clothing
        self._rays = camera_rays(intrinsics).astype(np.float32)
        up = invert(camera_from_studio)[1]                 # studio height of a camera point: up · (p, 1)
        self._up = up.astype(np.float32)
        self._rise = (self._rays @ up[:3]).astype(np.float32)   # height gained per metre of z-depth
        everything = slice(None), slice(None)
        if mirror is None:
            self.surface = self._cast(self._scene([static]), *everything)[0]
            self._mirror = None
        else:
            self.surface, which, _ = self._cast(self._scene([static, mirror.glass]), *everything)
            glass = (self.surface > 0) & (which == 1)
            self._mirror = _Reflection(self, mirror, glass, self._scene([static])) if glass.any() else None
            #              (a mirror the camera does not see, hidden behind something or out of view, shows nothing)
        # what the camera reports of the static scene: the nearest surface, or the mirror image beyond the glass
        self.static = self.surface if self._mirror is None else self._mirror.static(self.surface)

    def _scene(self, meshes: list[Mesh]) -> o3d.t.geometry.RaycastingScene:
        """The meshes in camera coordinates; open3d numbers them 0, 1, ... as added."""
        scene = o3d.t.geometry.RaycastingScene()
        for mesh in meshes:
            verts = transform(self.camera_from_studio, mesh.vertices.astype(np.float64)).astype(np.float32)
            scene.add_triangles(o3d.core.Tensor(verts), o3d.core.Tensor(mesh.triangles.astype(np.uint32)))
        return scene

    def _cast(self, scene: o3d.t.geometry.RaycastingScene, rows: slice, cols: slice
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """z-depth (0 = nothing), which mesh and which of its triangles each pixel of the window sees (meaningless
        where the depth is 0)."""
        rays = self._rays[rows, cols]
        return _hits(scene, np.zeros_like(rays), rays)

    def window(self, vertices: np.ndarray) -> tuple[slice, slice] | None:
        """The image window (rows, cols) that studio points cover, with a margin; None when out of sight."""
        pts = transform(self.camera_from_studio, vertices.astype(np.float64))
        pts = pts[pts[:, 2] > 0.05]
        if len(pts) == 0:
            return None
        intr = self.intrinsics
        u = pts[:, 0] / pts[:, 2] * intr.fx + intr.ppx
        v = pts[:, 1] / pts[:, 2] * intr.fy + intr.ppy
        c0, c1 = (int(np.clip(x, 0, intr.width)) for x in (u.min() - BODY_MARGIN_PX, u.max() + BODY_MARGIN_PX))
        r0, r1 = (int(np.clip(x, 0, intr.height)) for x in (v.min() - BODY_MARGIN_PX, v.max() + BODY_MARGIN_PX))
        return (slice(r0, r1), slice(c0, c1)) if c1 > c0 and r1 > r0 else None

    def depth(self, bodies: list[Mesh]) -> np.ndarray:
        """Exact depth of the room with the bodies in it."""
        return self.render(bodies)[0]

    def render(self, bodies: list[Mesh]) -> tuple[np.ndarray, np.ndarray]:
        """Exact depth, and the pixels where it lies on dark fabric (for `StereoNoise.apply`).

        Each body is cast over its own image window (with all bodies in the scene, so they hide one another), not
        over one window around them all: people standing apart cost only their own pixels."""
        out = self.static.copy()
        dark = np.zeros(out.shape, dtype=bool)
        if not bodies:
            return out, dark
        scene = self._scene(bodies)
        waist = np.array([b.vertices[b.hips, 1].max(initial=-np.inf) for b in bodies])   # top of the pelvis
        seen = np.zeros(out.shape, dtype=bool)
        for window in filter(None, (self.window(b.vertices) for b in bodies)):
            z, which, _ = self._cast(scene, *window)
            surface = self.surface[window]
            seen[window] = (z > 0) & ((surface == 0) | (z < surface))
            out[window] = np.where(seen[window], z, self.static[window])
            if self.clothing is Clothing.DARK_TROUSERS:
                height = z * self._rise[window] + self._up[3]
                dark[window] = seen[window] & (height > TROUSER_HEM_M) & (height < waist[which])
        if self._mirror is not None:
            self._mirror.show(bodies, scene, waist, ~seen, out, dark)
        return out, dark

    def hidden(self, client: Mesh, others: list[Mesh]) -> tuple[float, float]:
        """Shares of the client's pixels, and of its hips' pixels (pelvis, buttocks), that the others hide from the
        camera. Two casts over the client's window, and only when someone could be in the way."""
        window = self.window(client.vertices)
        mine_z = transform(self.camera_from_studio, client.vertices.astype(np.float64))[:, 2]
        nearer = [o for o in others if transform(self.camera_from_studio, o.vertices.astype(np.float64))[:, 2].min()
                  < mine_z.max()]
        if window is None or not any(_overlap(window, self.window(o.vertices)) for o in nearer):
            return 0.0, 0.0
        z, _, triangle = self._cast(self._scene([client]), *window)
        surface = self.surface[window]
        mine = (z > 0) & ((surface == 0) | (z < surface))
        hip_triangles = np.isin(client.triangles, client.hips).all(axis=1)
        hips = mine & hip_triangles[np.where(mine, triangle, 0)]
        other_z = self._cast(self._scene(nearer), *window)[0]
        hide = mine & (other_z > 0) & (other_z < z)
        return float(hide.sum() / max(mine.sum(), 1)), float((hide & hips).sum() / max(hips.sum(), 1))


class _Reflection:
    """What one mirror shows: the static room once, the bodies each frame where their mirror image falls on it."""

    def __init__(self, renderer: Renderer, mirror: Mirror, glass: np.ndarray,
                 static: o3d.t.geometry.RaycastingScene) -> None:
        self.renderer = renderer
        self.glass = glass
        rows, cols = np.nonzero(glass)
        self._box = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
        pose = renderer.camera_from_studio
        normal = pose[:3, :3] @ mirror.normal                         # in camera coordinates
        rays = renderer._rays[self._box]
        self._origins = (rays * renderer.surface[self._box][..., None]).astype(np.float32)
        # reflected rays keep their length, so the path beyond the glass adds its t to the glass's z-depth: the
        # depth of the mirror image
        self._dirs = (rays - 2.0 * (rays @ normal)[..., None] * normal).astype(np.float32)
        self._beyond = _hits(static, self._origins, self._dirs)[0]
        self._flip = np.eye(4)
        self._flip[:3, :3] -= 2.0 * np.outer(mirror.normal, mirror.normal)     # studio points → mirror images
        self._flip[:3, 3] = 2.0 * float(mirror.normal @ mirror.point) * mirror.normal

    def static(self, surface: np.ndarray) -> np.ndarray:
        out = surface.copy()
        glass = self.glass[self._box]
        out[self._box] = np.where(glass, np.where(self._beyond > 0, surface[self._box] + self._beyond, 0.0),
                                  surface[self._box])
        return out

    def show(self, bodies: list[Mesh], scene: o3d.t.geometry.RaycastingScene, waist: np.ndarray,
             open_view: np.ndarray, out: np.ndarray, dark: np.ndarray) -> None:
        """Bodies seen in the mirror where no one stands in front of it (`open_view`), cast only over the glass
        their mirror images cover."""
        r = self.renderer
        images = np.concatenate([transform(self._flip, b.vertices.astype(np.float64)) for b in bodies])
        window = r.window(images)
        if window is None or not _overlap(window, self._box):
            return
        rows = slice(max(window[0].start, self._box[0].start), min(window[0].stop, self._box[0].stop))
        cols = slice(max(window[1].start, self._box[1].start), min(window[1].stop, self._box[1].stop))
        inner = (slice(rows.start - self._box[0].start, rows.stop - self._box[0].start),
                 slice(cols.start - self._box[1].start, cols.stop - self._box[1].start))
        t, which, _ = _hits(scene, self._origins[inner], self._dirs[inner])
        static_t = self._beyond[inner]
        shown = self.glass[rows, cols] & open_view[rows, cols] & (t > 0) & ((static_t == 0) | (t < static_t))
        out[rows, cols] = np.where(shown, r.surface[rows, cols] + t, out[rows, cols])
        if r.clothing is Clothing.DARK_TROUSERS:
            hit = self._origins[inner] + t[..., None] * self._dirs[inner]
            height = hit @ r._up[:3] + r._up[3]
            dark[rows, cols] |= shown & (height > TROUSER_HEM_M) & (height < waist[which])


def _hits(scene: o3d.t.geometry.RaycastingScene, origins: np.ndarray, dirs: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ray parameter of the first hit (0 = nothing), the mesh and the triangle hit, for arrays of rays."""
    hit = scene.cast_rays(o3d.core.Tensor(np.concatenate([origins, dirs], axis=-1).astype(np.float32)))
    t = hit["t_hit"].numpy()
    which = hit["geometry_ids"].numpy().astype(np.int64)
    ok = np.isfinite(t)
    return (np.where(ok, t, 0.0).astype(np.float32), np.where(ok, which, 0).astype(np.intp),
            np.where(ok, hit["primitive_ids"].numpy().astype(np.int64), 0).astype(np.intp))


def _overlap(a: tuple[slice, slice] | None, b: tuple[slice, slice] | None) -> bool:
    return (a is not None and b is not None and a[0].start < b[0].stop and b[0].start < a[0].stop
            and a[1].start < b[1].stop and b[1].start < a[1].stop)


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
