"""The studio around the mark: furniture, objects and other people, so tests can check that only the client is
measured (issue "Measure only the client").

A `Studio` is a named recipe (`STUDIOS`): props that stand in the room and people who come with the client.
`Studio.stage` lays it out for one camera placement, client and seed. Every item is drawn within its stated ranges
(so seeds vary it, and a seed always gives the same layout) and kept only when it keeps the rules a studio with a
working kiosk keeps:

- nothing hides any part of the client from the camera, in any pose the scenarios use (the person walking between
  camera and client does, on purpose, for a moment);
- nothing stands where the client stands or moves, where people walk (onto and off the mark, past behind it), or
  inside anything else;
- props stand inside the measuring zone (`kiosk/zone.py`) and in the camera's view; a wall or mirror 1 m behind
  the client stands just beyond the zone's back face (0.9 m), filling the view right behind the client.

"Behind" means behind the heel line (-z) where that leaves the camera a clear view of the client; with the camera
behind or obliquely behind, a wall there would stand in front of the lens, so it stands 1 m to the client's side,
away from the camera, instead; with the camera straight behind, where both sides are walked, it is a pillar 1 m in
front of the client: behind them as the camera sees it. Props placed after calibration (a plyo box, kettlebells, a mat, a box on the mark)
are left out of the calibration recording; furniture that was there all along (a bench, a wall, a mirror) is in
both. People come for the session only: calibration keeps its clear area.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import open3d as o3d

from calibration.camera import project
from calibration.geometry import transform, unit
from kiosk.sim.body import BUILDS, SHOULDER_HALF_W, Body, Mesh, Pose, _Builder, _rot_y, build, named_body
from kiosk.sim.moves import HINGE, KNEES_FORWARD_HINGE, SQUAT, STIFF_HINGE, rounded_hinge
from kiosk.sim.render import Mirror
from kiosk.sim.room import ROOM_HALF_M, Placement, furniture_boxes, join, room
from kiosk.sim.scenarios import walks
from kiosk.sim.script import WALK_SPEED, Script
from kiosk.zone import ZONE_BACK_M, ZONE_FRONT_M, ZONE_HALF_WIDTH_M, ZONE_TOP_M

TRIES = 100                     # draws per item (and way of placing it) before giving up on this placement
STREAM = 7                      # the studio draws from its own random stream: the client's script never changes
WALK_CLEAR_M = 0.3              # half the width of a walking person, arms swinging: things stay this far off the
#                                 lines people walk
CLIENT_CLEAR_M = 0.03           # props keep this far from the client's body in every pose
APART_M = 0.05                  # things stand at least this far apart
MARK_AREA = ((-0.25, 0.25), (-0.12, 0.30))   # x, z where a client's feet stand on the mark (docs/geometry.md):
#                                              nobody else's feet go there
HEEL_X_SHARE = 0.048            # the middle of a heel, sideways from the mark's middle, as a share of stature
BESIDE_GAP_M = (0.3, 0.8)       # a trainer beside the client: nearest points of the two bodies this far apart,
#                                 the trainer's arms hanging (their stance), whatever the client does...
STANCE_GAP_M = (0.4, 0.6)       # ...aiming for this with the client standing
GESTURE_RAD = (0.4, 1.0)        # arms raised forward of hanging, at the top of a gesture...
HAND_CLEAR_M = 0.1              # ...the hands never nearer the client than this
GAP_MARGIN_M = 0.04             # room left for shifting weight within these gaps
CONTACT_M = 0.01                # a hand this close to the client touches them
TOUCH_S = (0.6, 1.0)            # the trainer's hand on the client's back: reaching (and back), resting


@dataclass(frozen=True)
class Footprint:
    """An upright box seen from above (centre, half sizes along its own x and z, turned by `yaw` like
    Pose.heading), standing on the floor: what a thing occupies, to keep things apart."""

    centre: tuple[float, float]
    half: tuple[float, float]
    yaw: float
    height: float

    def _local(self, xz: np.ndarray) -> np.ndarray:
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        d = np.asarray(xz, float)[..., :2] - self.centre
        return np.stack([c * d[..., 0] - s * d[..., 1], s * d[..., 0] + c * d[..., 1]], axis=-1)

    def distance(self, xz: np.ndarray) -> np.ndarray:
        """Distance of floor points (x, z) from the box, seen from above (0 inside)."""
        out = np.maximum(np.abs(self._local(xz)) - self.half, 0.0)
        return np.hypot(out[..., 0], out[..., 1])

    def holds(self, points: np.ndarray, margin: float) -> np.ndarray:
        """Which studio points (x, y, z) lie inside the box grown by `margin`."""
        return (self.distance(points[:, [0, 2]]) <= margin) & (points[:, 1] <= self.height + margin)

    def outline(self, step: float = 0.02) -> np.ndarray:
        """Floor points (x, z) along its edge, `step` apart."""
        hx, hz = self.half
        k = max(2, int(np.ceil(2 * max(hx, hz) / step)) + 1)
        a, b = np.linspace(-hx, hx, k), np.linspace(-hz, hz, k)
        local = np.concatenate([np.stack([a, np.full(k, -hz)], 1), np.stack([a, np.full(k, hz)], 1),
                                np.stack([np.full(k, -hx), b], 1), np.stack([np.full(k, hx), b], 1)])
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        return np.stack([c * local[:, 0] + s * local[:, 1], -s * local[:, 0] + c * local[:, 1]], 1) + self.centre

    def gap(self, other: Footprint) -> float:
        """Distance between the two boxes seen from above (0 when they overlap)."""
        return float(min(other.distance(self.outline()).min(), self.distance(other.outline()).min()))

    def apart(self, other: Footprint, margin: float) -> bool:
        """At least `margin` between the boxes (their circumscribed circles decide at once when far apart)."""
        circles = np.hypot(*np.subtract(self.centre, other.centre)) - np.hypot(*self.half) - np.hypot(*other.half)
        return bool(circles >= margin or self.gap(other) >= margin)


@dataclass(frozen=True)
class Prop:
    """One thing standing in the studio, as placed for this recording."""

    what: str
    mesh: Mesh = field(repr=False)
    footprint: Footprint
    after_calibration: bool
    seen: np.ndarray = field(repr=False, compare=False)   # studio points the camera must see: the top of a
    #                                                         thing (a low camera close by may miss its foot), the
    #                                                         wall right behind the client
    in_zone: bool = True
    mirror: Mirror | None = field(default=None, repr=False)

    def describe(self) -> dict:
        f = self.footprint
        return {"what": self.what, "placed": "after calibration" if self.after_calibration else "before calibration",
                "centre_m": [round(c, 4) for c in f.centre], "size_m": [round(2 * h, 4) for h in f.half],
                "height_m": round(f.height, 4), "yaw_deg": round(float(np.degrees(f.yaw)), 2)}


@dataclass(frozen=True)
class Layout:
    """A studio laid out for one recording: the props in the room (the people are in the script)."""

    studio: str = "empty"
    props: tuple[Prop, ...] = ()

    def static(self) -> Mesh:
        """The room with every prop in it, for the renderer to cast once."""
        return join([room(), *(p.mesh for p in self.props)])

    @property
    def mirror(self) -> Mirror | None:
        return next((p.mirror for p in self.props if p.mirror is not None), None)


@dataclass
class _Site:
    """What every item is laid out against: the camera, the client in all their poses, the lines people walk,
    and what already stands in the room."""

    placement: Placement
    body: Body
    rng: np.random.Generator
    camera: np.ndarray
    client: np.ndarray                 # vertices of the client in every pose the scenarios use: the camera must
    #                                    see them all
    near: Solid                        # the client in every pose
    standing: Solid                    # the client standing on the mark
    walks: list[tuple[np.ndarray, np.ndarray]]
    taken: list[Footprint]
    away: int                          # the client's side (+1 left, -1 right) away from the camera; 0 behind

    @property
    def heel_x(self) -> float:
        return HEEL_X_SHARE * self.body.stature_m * self.body.width

    def side(self) -> int:
        """A side of the client for something beside them: away from the camera, or either when it is behind."""
        return self.away or int(self.rng.choice([-1, 1]))

    # ---- the rules ------------------------------------------------------------------------------------------
    def hides_client(self, mesh: Mesh) -> bool:
        """Whether the mesh stands between the camera and any vertex of the client (a sixth of them first: most
        candidates that hide the client are caught by those, at a sixth of the cost)."""
        scene = _scene(mesh)
        for points in (self.client[::6], self.client):
            rays = np.concatenate([np.broadcast_to(self.camera, points.shape), points - self.camera], axis=1)
            if scene.test_occlusions(o3d.core.Tensor(rays.astype(np.float32)), tfar=0.999).numpy().any():
                return True
        return False

    def in_view(self, points: np.ndarray) -> bool:
        p = self.placement
        cam = transform(p.camera_from_studio(), points.astype(np.float64))
        uv = project(p.intrinsics, cam)
        return bool(np.isfinite(uv).all() and (uv >= 0).all() and (uv[:, 0] <= p.intrinsics.width - 1).all()
                    and (uv[:, 1] <= p.intrinsics.height - 1).all())

    def clear_of_walks(self, vertices: np.ndarray) -> bool:
        xz = vertices[:, [0, 2]]
        return all(_segment_distance(xz, a, b).min() >= WALK_CLEAR_M for a, b in self.walks)

    def free(self, footprint: Footprint) -> bool:
        return all(footprint.apart(t, APART_M) for t in self.taken)


def _client_poses() -> list[Pose]:
    """Every position the scenarios put the client in on the mark: standing, the deepest of each movement, feet
    shifted, a step back."""
    moves = (HINGE, STIFF_HINGE, KNEES_FORWARD_HINGE, SQUAT, rounded_hinge(40.0))
    return [Pose(), *(m.at(1.0) for m in moves), Pose(foot_gap=0.14), Pose(z=-0.07)]


def _site(placement: Placement, body: Body, seed: int) -> _Site:
    meshes = [build(body, pose) for pose in _client_poses()]
    client = np.concatenate([m.vertices for m in meshes])
    cam = placement.position
    away = 0 if abs(cam[0]) < 0.3 else -int(np.sign(cam[0]))
    taken = [Footprint((float(lo[0] + hi[0]) / 2, float(lo[2] + hi[2]) / 2),
                       (float(hi[0] - lo[0]) / 2, float(hi[2] - lo[2]) / 2), 0.0, float(hi[1]))
             for lo, hi in furniture_boxes()]
    return _Site(placement, body, np.random.default_rng([seed, STREAM]), cam, client.astype(np.float64),
                 Solid(*meshes), Solid(meshes[0]),
                 [(np.array(a, float), np.array(b, float)) for a, b in walks(np.array([cam[0], cam[2]]))],
                 taken, away)


def _scene(*meshes: Mesh) -> o3d.t.geometry.RaycastingScene:
    scene = o3d.t.geometry.RaycastingScene()
    for m in meshes:
        scene.add_triangles(o3d.core.Tensor(m.vertices.astype(np.float32)),
                            o3d.core.Tensor(m.triangles.astype(np.uint32)))
    return scene


def _segment_distance(xz: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    s = np.clip(((xz - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.linalg.norm(xz - (a + s[:, None] * ab), axis=1)


class Solid:
    """Meshes to measure distances to (exactly, to their surface), asking only about points near them."""

    def __init__(self, *meshes: Mesh) -> None:
        self.scene = _scene(*meshes)
        every = np.concatenate([m.vertices for m in meshes])
        self.lo, self.hi = every.min(axis=0), every.max(axis=0)

    def nearest(self, points: np.ndarray, within: float) -> tuple[float, np.ndarray | None]:
        """Distance from the nearest of `points` to the surface, and that point; (`within`, None) when none is
        closer than `within` to the meshes' bounding box."""
        near = points[np.all((points >= self.lo - within) & (points <= self.hi + within), axis=1)]
        if len(near) == 0:
            return within, None
        d = self.scene.compute_distance(o3d.core.Tensor(near.astype(np.float32))).numpy()
        k = int(np.argmin(d))
        return float(d[k]), near[k]

    def gap(self, mesh: Mesh, within: float) -> float:
        """How far the mesh stands from these meshes (`within` when at least that far)."""
        return self.nearest(mesh.vertices, within)[0]


# ---- props --------------------------------------------------------------------------------------------------
def _box(out: _Builder, centre_xz: tuple[float, float], size: tuple[float, float, float], yaw: float,
         bottom: float = 0.0) -> None:
    """A box `size` = (along its x, height, along its z) standing at `bottom`, turned by yaw about its centre."""
    rot = _rot_y(yaw)
    centre = np.array([centre_xz[0], bottom + size[1] / 2, centre_xz[1]])
    out.box(centre - rot @ (np.array(size) / 2), np.array(size), rot)


def _top(mesh: Mesh) -> np.ndarray:
    """The vertices of a thing's top (within 2 cm of its highest point)."""
    v = mesh.vertices
    return v[v[:, 1] >= v[:, 1].max() - 0.02]


def _half_extent(half: tuple[float, float], yaw: float) -> tuple[float, float]:
    """Half the room a turned box takes along studio x and z."""
    c, s = abs(np.cos(yaw)), abs(np.sin(yaw))
    return half[0] * c + half[1] * s, half[0] * s + half[1] * c


def _plyo_box(rng: np.random.Generator, what: str, turn: float,
              centre: Callable[[tuple[float, float]], tuple[float | None, float | None]]) -> Prop | None:
    """A plyo box 0.5-0.6 m wide and high, 0.45-0.5 m deep, turned up to `turn` either way, where `centre` puts
    it given the half room it takes along x and z (None: it does not fit there)."""
    w, h, d, yaw = rng.uniform(0.5, 0.6), rng.uniform(0.5, 0.6), rng.uniform(0.45, 0.5), rng.uniform(-turn, turn)
    x, z = centre(_half_extent((w / 2, d / 2), yaw))
    if x is None or z is None:
        return None
    out = _Builder()
    _box(out, (x, z), (w, h, d), yaw)
    mesh = out.mesh({})
    return Prop(what, mesh, Footprint((x, z), (w / 2, d / 2), yaw, h), True, _top(mesh))


def _between(rng: np.random.Generator, lo: float, hi: float) -> float | None:
    return float(rng.uniform(lo, hi)) if lo <= hi else None


def box_behind(site: _Site) -> Prop | None:
    """A plyo box 0.4-0.9 m behind the heel line."""
    rng = site.rng
    return _plyo_box(rng, "plyo box", 0.1, lambda ext: (
        _between(rng, -ZONE_HALF_WIDTH_M + ext[0], ZONE_HALF_WIDTH_M - ext[0]),
        _between(rng, -0.9 + ext[1], -0.4 - ext[1])))


def box_on_mark(site: _Site) -> Prop | None:
    """A plyo box left on the mark, over the middle of the heel line, at any angle."""
    rng = site.rng
    return _plyo_box(rng, "plyo box on the mark", 0.6,
                     lambda ext: (rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.15)))


def _bench(site: _Site, where: str) -> Prop | None:
    """A bench 0.95-1.15 m long, 0.26-0.32 m wide, seat 0.42-0.47 m high on two legs."""
    rng = site.rng
    length, width, top = rng.uniform(0.95, 1.15), rng.uniform(0.26, 0.32), rng.uniform(0.42, 0.47)
    yaw = rng.uniform(-0.1, 0.1) + (np.pi / 2 if where == "across" else 0.0)
    ext = _half_extent((width / 2, length / 2), yaw)
    if where == "across":          # lying across, 0.4-0.9 m behind the heel line
        x = _between(rng, -ZONE_HALF_WIDTH_M + ext[0], ZONE_HALF_WIDTH_M - ext[0])
        z = _between(rng, -0.9 + ext[1], -0.4 - ext[1])
    else:                          # lengthwise beside the client, or running from 0.8-0.9 m behind up beside them
        x = _between(rng, 0.35 + ext[0], ZONE_HALF_WIDTH_M - ext[0])
        z = rng.uniform(-0.9, -0.8) + ext[1] if where == "lengthwise" else rng.uniform(-0.5, 0.0)
    if x is None or z is None:
        return None
    if where != "across":
        x *= site.side()
    out = _Builder()
    _box(out, (x, z), (width, 0.06, length), yaw, bottom=top - 0.06)
    rot = _rot_y(yaw)
    for end in (-1, 1):            # the legs: boards across the bench, 10 cm in from each end
        leg = np.array([x, 0.0, z]) + rot @ np.array([0.0, 0.0, end * (length / 2 - 0.1)])
        _box(out, (float(leg[0]), float(leg[2])), (width, top - 0.06, 0.05), yaw)
    mesh = out.mesh({})
    return Prop("bench", mesh, Footprint((x, z), (width / 2, length / 2), yaw, top), False, _top(mesh))


def kettlebell(site: _Site) -> Prop | None:
    """A kettlebell (8-24 kg: a ball 17-22 cm across with its handle) by the feet, its centre 25-45 cm sideways
    from the middle of the heel on either side, beside, just ahead of or behind the heels (on the camera's side
    only where it leaves the feet in view)."""
    rng = site.rng
    r = rng.uniform(0.085, 0.11)
    x = float(rng.choice([-1, 1])) * (site.heel_x + rng.uniform(0.25, 0.45))
    z = rng.uniform(-0.45, 0.10)
    rot = _rot_y(rng.uniform(0, np.pi))
    out = _Builder()
    centre = np.array([x, r, z])
    out.ellipsoid(centre, np.array([r, 0.95 * r, r]), np.eye(3))
    posts = [centre + rot @ np.array([sign * 0.55 * r, 0.75 * r, 0.0]) for sign in (-1, 1)]
    tops = [p + np.array([0.0, 0.7 * r, 0.0]) for p in posts]
    for p, q in zip(posts, tops):
        out.capsule(p, q, 0.017)
    out.capsule(tops[0], tops[1], 0.017)
    mesh = out.mesh({})
    return Prop("kettlebell", mesh, Footprint((x, z), (r, r), 0.0, 1.45 * r + 0.034), True, _top(mesh))


def mat(site: _Site) -> Prop | None:
    """A rolled mat (0.6-0.66 m long, 11-15 cm across) lying on the floor beside the feet, at any angle."""
    rng = site.rng
    r, length, yaw = rng.uniform(0.055, 0.075), rng.uniform(0.6, 0.66), rng.uniform(0, np.pi)
    x, z = site.side() * rng.uniform(0.3, 0.65), rng.uniform(-0.4, 0.0)
    axis = _rot_y(yaw) @ np.array([0.0, 0.0, length / 2 - r])
    out = _Builder()
    out.capsule(np.array([x, r, z]) - axis, np.array([x, r, z]) + axis, r)
    mesh = out.mesh({})
    return Prop("rolled mat", mesh, Footprint((x, z), (r, length / 2), yaw, 2 * r), True, _top(mesh))


def _wall(site: _Site, where: str, mirrored: bool) -> Prop | None:
    """A wall 2.4 m high and 1.8-2.4 m wide, its face 1 m from the mark: behind the heel line, or beside the
    client on the side away from the camera; or, with the camera behind, a pillar 0.9-1.0 m wide 0.95 m in front of
    the client (the mirror they face), between the lines people walk onto and off the mark. With a mirror on it
    (1.2-1.8 m wide, or the pillar's width less 20 cm; 0.3-2.0 m high, in a frame)."""
    rng = site.rng
    if where == "front":
        width, slide = rng.uniform(0.9, 1.0), rng.uniform(-0.05, 0.05)
        normal, along = np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0])
    else:
        width, slide = rng.uniform(1.8, 2.4), rng.uniform(-0.5, 0.5)
    if where == "behind":
        normal, along = np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])
    elif where == "beside":
        side = site.side()
        normal, along = np.array([-side, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])
    reach = 0.95 if where == "front" else 1.0     # the pillar leaves the passer-by's line 1.4 m out 30 cm
    face = -reach * normal + slide * along        # the middle of the face, on the floor
    yaw = float(np.arctan2(normal[0], normal[2]))
    centre = face - 0.05 * normal
    out = _Builder()
    _box(out, (float(centre[0]), float(centre[2])), (width, 2.4, 0.1), yaw)
    mirror = None
    what = "wall"
    if mirrored:
        what = "mirror"
        glass_w = rng.uniform(min(1.2, width - 0.2), min(1.8, width - 0.2))
        pane = _Builder()
        at = face + 0.003 * normal
        _box(pane, (float(at[0]), float(at[2])), (glass_w, 1.7, 0.006), yaw, bottom=0.3)
        for dx, w, bottom, h in ((0.0, glass_w + 0.06, 0.27, 0.03), (0.0, glass_w + 0.06, 2.0, 0.03),
                                 (-(glass_w + 0.03) / 2, 0.03, 0.3, 1.7), ((glass_w + 0.03) / 2, 0.03, 0.3, 1.7)):
            bar = face + 0.01 * normal + dx * along
            _box(out, (float(bar[0]), float(bar[2])), (w, h, 0.02), yaw, bottom=bottom)
        mirror = Mirror(pane.mesh({}), face + 0.006 * normal, normal)
    mesh = out.mesh({})
    # the wall right behind the client, from knee to hip height, must be in view
    near = face - (face @ along) * along
    grid = np.array([near + a * along + np.array([0.0, y, 0.0]) for a in (-0.3, 0.0, 0.3) for y in (0.3, 1.0)])
    return Prop(what, mesh, Footprint((float(centre[0]), float(centre[2])), (width / 2, 0.05), yaw, 2.4), False,
                grid, in_zone=False, mirror=mirror)


@dataclass(frozen=True)
class Kind:
    """How to place one kind of prop: ways to draw a candidate, tried in order, and whether it stands on the mark
    (so the client's poses do not apply to it)."""

    options: tuple[Callable[[_Site], Prop | None], ...]
    on_mark: bool = False


KINDS: dict[str, Kind] = {
    "box-behind": Kind((box_behind,)),
    "bench-behind": Kind((lambda s: _bench(s, "across"), lambda s: _bench(s, "lengthwise"))),
    "bench-beside": Kind((lambda s: _bench(s, "beside"),)),
    "kettlebell": Kind((kettlebell,)),
    "mat": Kind((mat,)),
    "wall-behind": Kind(tuple(lambda s, w=w: _wall(s, w, False) for w in ("behind", "beside", "front"))),
    "mirror-behind": Kind(tuple(lambda s, w=w: _wall(s, w, True) for w in ("behind", "beside", "front"))),
    "box-on-mark": Kind((box_on_mark,), on_mark=True),
}


def in_zone(vertices: np.ndarray) -> bool:
    """Inside the box around the mark the measurement looks at (kiosk/zone.py), to the millimetre."""
    v, tol = vertices, 1e-3
    return bool((np.abs(v[:, 0]) <= ZONE_HALF_WIDTH_M + tol).all() and (v[:, 2] >= -ZONE_BACK_M - tol).all()
                and (v[:, 2] <= ZONE_FRONT_M + tol).all() and (v[:, 1] >= -tol).all()
                and (v[:, 1] <= ZONE_TOP_M + tol).all())


def _fits(site: _Site, prop: Prop, on_mark: bool) -> bool:
    return ((not prop.in_zone or in_zone(prop.mesh.vertices)) and site.in_view(prop.seen) and site.free(prop.footprint)
            and (on_mark or (not prop.footprint.holds(site.client, CLIENT_CLEAR_M).any()
                             and site.clear_of_walks(prop.mesh.vertices) and not site.hides_client(prop.mesh))))


def _place(site: _Site, name: str) -> Prop:
    kind = KINDS[name]
    for option in kind.options:
        for _ in range(TRIES):
            prop = option(site)
            if prop is not None and _fits(site, prop, kind.on_mark):
                site.taken.append(prop.footprint)
                return prop
    p = site.placement
    raise ValueError(f"no room for the {name} with the camera {p.name} {p.distance_m:.1f} m away: it would hide the "
                     "client from the camera or stand in their way")


# ---- people -------------------------------------------------------------------------------------------------
CLIENT_TRUNK = (0.0, 0.07)           # the middle of the client standing: what people facing the client look at


def _someone(site: _Site, tall: tuple[float, float]) -> Body:
    return named_body(str(site.rng.choice(list(BUILDS))), float(site.rng.uniform(*tall)))


def _facing(x: float, z: float, face: tuple[float, float]) -> Pose:
    return Pose(x=float(x), z=float(z), heading=float(np.arctan2(face[0] - x, face[1] - z)))


def _on_mark(mesh: Mesh) -> bool:
    """Whether any of the mesh's feet stand where a client's feet stand on the mark."""
    feet = mesh.vertices[mesh.vertices[:, 1] < 0.05]
    (x0, x1), (z0, z1) = MARK_AREA
    return bool(((feet[:, 0] >= x0) & (feet[:, 0] <= x1) & (feet[:, 2] >= z0) & (feet[:, 2] <= z1)).any())


def _bumps(site: _Site, mesh: Mesh) -> bool:
    return any(t.holds(mesh.vertices, APART_M).any() for t in site.taken)


def _stands_well(site: _Site, mesh: Mesh) -> bool:
    """A person standing by: off the mark, clear of things and of the lines people walk, not hiding the client,
    and in the camera's view."""
    return (not _on_mark(mesh) and not _bumps(site, mesh) and site.clear_of_walks(mesh.vertices)
            and not site.hides_client(mesh) and site.in_view(mesh.joints["hips"][None, :]))


def _footprint(pose: Pose, body: Body) -> Footprint:
    """The room a person standing still takes, arms and feet included."""
    return Footprint((pose.x, pose.z), (0.3, 0.3), pose.heading, body.stature_m)


def _at_gap(site: _Site, body: Body, pose: Pose, face: tuple[float, float], gap: float) -> Pose:
    """The pose moved toward (or away from) the client, still facing `face`, to stand `gap` from them standing."""
    for _ in range(3):
        now = site.standing.nearest(build(body, pose).vertices[::4], 1.5)[0]   # a quarter of them: near enough
        d = unit(np.array([CLIENT_TRUNK[0] - pose.x, CLIENT_TRUNK[1] - pose.z]))
        pose = _facing(pose.x + (now - gap) * d[0], pose.z + (now - gap) * d[1], face)
    return pose


def _trainer_spots(site: _Site, body: Body) -> tuple[list[Pose], tuple[float, float], float] | None:
    """Two spots (heels) beside the client the trainer steps between, the point they face (the client, or between
    the client and the screen), and how far they raise their arms to gesture, keeping BESIDE_GAP_M whatever the
    client does."""
    rng = site.rng
    lo, hi = BESIDE_GAP_M
    gap, face = rng.uniform(*STANCE_GAP_M), (0.0, rng.uniform(CLIENT_TRUNK[1], 0.8))
    spot = _facing(site.side() * rng.uniform(0.6, 1.1), rng.uniform(-0.3, 0.2), face)
    first = _at_gap(site, body, spot, face, gap)
    aside = rng.choice([-1, 1]) * rng.uniform(0.15, 0.25) * np.array([np.cos(first.heading), -np.sin(first.heading)])
    second = _at_gap(site, body, _facing(first.x + aside[0], first.z + aside[1], face), face,
                     gap + rng.uniform(-0.05, 0.05))
    arm = rng.uniform(*GESTURE_RAD)
    for pose in (first, second):
        standing = build(body, pose)
        if not (site.clear_of_walks(standing.vertices) and site.near.gap(standing, lo + GAP_MARGIN_M) >= lo + GAP_MARGIN_M
                and site.standing.gap(standing, hi) <= hi - GAP_MARGIN_M and _stands_well(site, standing)):
            return None
        clear = HAND_CLEAR_M + GAP_MARGIN_M
        while arm >= GESTURE_RAD[0] and site.near.gap(build(body, dataclasses.replace(pose, arm=arm)), clear) < clear:
            arm -= 0.1
        raised = build(body, dataclasses.replace(pose, arm=arm))
        if arm < GESTURE_RAD[0] or site.hides_client(raised) or _bumps(site, raised):
            return None
    return [first, second], face, float(arm)


def trainer(site: _Site, script: Script, touch: bool = False) -> None:
    """A trainer standing beside the client for the whole session, facing them, shifting their weight, stepping now
    and then between two spots and gesturing; with `touch`, resting a hand on the client's back for about a
    second."""
    body = _someone(site, (1.6, 1.9))
    for _ in range(TRIES // 4):
        found = _trainer_spots(site, body)
        if found is not None:
            break
    else:
        p = site.placement
        raise ValueError(f"no room for a trainer beside the client with the camera {p.name} {p.distance_m:.1f} m "
                         "away: they would hide the client or stand in someone's way")
    spots, face, arm = found
    site.taken.extend(_footprint(s, body) for s in spots)
    poses = script.stand_by([(s.x, s.z) for s in spots], face, site.rng, gesture_rad=arm)
    episode = _lay_hand(site, script, body, poses, float(np.sign(spots[0].x)) or 1.0) if touch else None
    script.add_other("trainer", body, poses)
    if episode is not None:
        script.people[-1]["touch_frames"] = list(episode)


def waiting(site: _Site, script: Script) -> None:
    """The next client, standing still 1-1.5 m from the mark and facing it, for the whole session."""
    body = _someone(site, (1.55, 1.95))
    for _ in range(TRIES):
        r, angle = site.rng.uniform(1.0, 1.5), site.rng.uniform(0, 2 * np.pi)
        pose = _facing(r * np.sin(angle), r * np.cos(angle), (0.0, 0.0))
        if _stands_well(site, build(body, pose)):
            break
    else:
        raise ValueError(f"no room for someone waiting near the mark with the camera {site.placement.name}")
    site.taken.append(_footprint(pose, body))
    script.add_other("waiting", body, script.stand_by([(pose.x, pose.z)], (0.0, 0.0), site.rng, shift_m=0.008))


def passer_between(site: _Site, script: Script) -> None:
    """Someone crossing between the camera and the client (a straight line up to 45 degrees off square to the
    camera's view, from 0.75 m off the mark to 60 % of the way to the camera), in front of the client exactly when
    the client is at the bottom of a rep and once while they stand; the walk starts and ends out of the camera's
    view and keeps clear of the client."""
    cam = np.array([site.camera[0], site.camera[2]])
    body = _someone(site, (1.6, 1.95))
    for _ in range(TRIES):
        centre = site.rng.uniform(0.75, max(0.75, 0.6 * np.linalg.norm(cam))) * unit(cam)
        turn = site.rng.uniform(-0.8, 0.8) + (np.pi if site.rng.random() < 0.5 else 0.0)
        across = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]]) @ unit(np.array([cam[1], -cam[0]]))
        a, b = (_out_of_sight(site, centre, -across), _out_of_sight(site, centre, across))
        path = np.linspace(a, b, int(np.ceil(np.linalg.norm(b - a) / 0.02)) + 1)
        if ((np.abs(path) <= ROOM_HALF_M - WALK_CLEAR_M).all()
                and _segment_distance(site.client[:, [0, 2]], a, b).min() >= WALK_CLEAR_M
                and all(t.distance(path).min() >= WALK_CLEAR_M for t in site.taken)):
            break
    else:
        raise ValueError(f"no clear line to walk between the camera {site.placement.name} and the client")
    moments = []
    if script.reps:
        moments.append(script.reps[int(site.rng.integers(len(script.reps)))].peak_frame)
    stretches = _standing_stretches(script)
    if stretches:
        first, last = stretches[int(site.rng.integers(len(stretches)))]
        moments.append((first + last) // 2)
    to_middle = script._frames(float(np.linalg.norm(centre - a)) / WALK_SPEED) - 1   # frames to the crossing
    for frame in sorted(moments):
        script.passer_by(frame - to_middle, ((float(a[0]), float(a[1])), (float(b[0]), float(b[1]))),
                         "passer-between", body, "someone walked between the camera and the client")


def _out_of_sight(site: _Site, start: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The first floor point from `start` along `direction` (10 cm steps) where a person standing is out of the
    camera's view (their middle, 0.9 m up, more than a body's half width outside the image, or behind the lens);
    at the room's wall if there is none (the walk is then refused for leaving the room)."""
    p = site.placement
    intr = p.intrinsics
    at = start.copy()
    while (np.abs(at) < ROOM_HALF_M).all():
        at = at + 0.1 * direction
        x, _, z = transform(p.camera_from_studio(), np.array([[at[0], 0.9, at[1]]]))[0]
        margin = 0.35 * intr.fx / max(z, 1e-6)
        u = x / max(z, 1e-6) * intr.fx + intr.ppx
        if z < 0.3 or u < -margin or u > intr.width + margin:
            return at
    return at


PEOPLE: dict[str, Callable[[_Site, Script], None]] = {
    "trainer-beside": trainer,
    "trainer-touch": lambda site, script: trainer(site, script, touch=True),
    "waiting": waiting,
    "passer-between": passer_between,
}


def _standing_stretches(script: Script) -> list[tuple[int, int]]:
    """Runs of frames (first, last) where the client stands on the mark, neither in a rep nor fidgeting."""
    busy = np.zeros(len(script.poses) + 2, dtype=bool)
    for a, b in [(r.start_frame, r.end_frame) for r in script.reps] + \
            [(n["start_frame"], n["end_frame"]) for n in script.non_reps]:
        busy[a:b + 1] = True
    free = np.array([False] + [on and not busy[f] for f, on in enumerate(script.on_mark, start=1)] + [False])
    edges = np.flatnonzero(np.diff(free.astype(int)))
    return [(int(a) + 1, int(b)) for a, b in zip(edges[::2], edges[1::2])]


def _lay_hand(site: _Site, script: Script, body: Body, poses: list[Pose], side: float) -> tuple[int, int] | None:
    """The trainer reaches for the client's back during the longest time the client stands still, rests a hand on
    it (raising the arms each frame until the hand meets the back) and steps back to where they stood. Edits
    `poses`; records the frames of contact in the script; returns the frames of the whole episode."""
    stretches = _standing_stretches(script)
    if not stretches:
        return None
    a, b = max(stretches, key=lambda r: r[1] - r[0])
    reach_n, rest_n = (script._frames(s) for s in TOUCH_S)
    rest_n = min(rest_n, b - a + 1)
    first_rest = a + (b - a + 1 - rest_n) // 2
    reach = _reach(site, body, build(script.body, script.poses[first_rest - 1]), side)
    if reach is None:
        return None
    episode = (max(1, first_rest - reach_n), min(len(poses), first_rest + rest_n - 1 + reach_n))
    before, after = poses[episode[0] - 1], poses[episode[1] - 1]
    arm = reach.arm
    for f in range(episode[0], episode[1] + 1):
        client = Solid(build(script.body, script.poses[f - 1]))
        if f < first_rest:
            poses[f - 1] = _blend(before, reach, (f - episode[0] + 1) / (first_rest - episode[0] + 1))
        elif f < first_rest + rest_n:
            arm = _arm_to_touch(body, reach, client, arm - 0.3, arm + 0.3)
            poses[f - 1] = dataclasses.replace(reach, arm=arm)
        else:
            done = first_rest + rest_n - 1
            poses[f - 1] = _blend(poses[done - 1], after, (f - done) / (episode[1] - done))
        if client.gap(build(body, poses[f - 1]), 0.05) <= CONTACT_M:
            if script.touches and script.touches[-1][1] == f - 1:
                script.touches[-1] = (script.touches[-1][0], f)
            else:
                script.touches.append((f, f))
    return episode


def _blend(a: Pose, b: Pose, s: float) -> Pose:
    """From pose a to b (s 0..1, eased), stepping if the feet move."""
    e = 0.5 - 0.5 * np.cos(np.pi * min(max(s, 0.0), 1.0))
    turn = (b.heading - a.heading + np.pi) % (2 * np.pi) - np.pi
    swing = float(np.sin(np.pi * e)) if np.hypot(b.x - a.x, b.z - a.z) > 0.03 else 0.0
    return dataclasses.replace(b, x=a.x + e * (b.x - a.x), z=a.z + e * (b.z - a.z), heading=a.heading + e * turn,
                               arm=a.arm + e * (b.arm - a.arm), sway_x=(1 - e) * a.sway_x + e * b.sway_x,
                               trunk=(1 - e) * a.trunk + e * b.trunk, lift=0.04 * swing, stride=0.3 * swing)


def _reach(site: _Site, body: Body, client: Mesh, side: float) -> Pose | None:
    """Where the trainer stands, and how far they raise their arms, to rest a hand on the middle of the client's
    back: approaching from behind on their own side, one hand toward the back and the other passing behind it,
    from as far as the hand then meets the back at mid-back height."""
    hips, neck = client.joints["hips"], client.joints["neck"]
    mid = hips + 0.4 * (neck - hips)
    v = client.vertices
    band = v[(np.abs(v[:, 1] - mid[1]) < 0.03) & (np.abs(v[:, 0] - mid[0]) < 0.05)]
    back = np.array([mid[0], band[:, 2].min()])                    # the client faces +z: the back is at -z
    solid = Solid(client)
    shoulder = SHOULDER_HALF_W * body.stature_m * body.width
    for angle in np.radians([45.0, 30.0, 60.0]):
        u = np.array([-side * np.sin(angle), np.cos(angle)])        # from the trainer toward the back
        q = np.array([u[1], -u[0]])
        q = q if q[1] < 0 else -q                                   # across the approach, toward behind the client
        for r in np.arange(0.95, 0.3, -0.05) * body.stature_m / 1.75:
            heel = back - r * u + shoulder * q
            pose = Pose(x=float(heel[0]), z=float(heel[1]), heading=float(np.arctan2(u[0], u[1])))
            arm = _arm_to_touch(body, pose, solid, 0.05, 1.5)
            touching = build(body, dataclasses.replace(pose, arm=arm))
            gap, hand = solid.nearest(touching.vertices, 0.05)
            if gap > CONTACT_M or hand[1] > mid[1] + 0.12:
                continue                                           # out of reach, or too high: a step closer
            if hand[1] < mid[1] - 0.15 or hand[2] > mid[2] or _on_mark(touching) or _bumps(site, touching):
                break                                              # too low, not the back, in the way: turn
            return dataclasses.replace(pose, arm=arm)
    return None


def _arm_to_touch(body: Body, pose: Pose, client: Solid, lo: float, hi: float) -> float:
    """The least arm raise in [lo, hi] at which a hand meets the client (hi if none does)."""
    lo, hi = max(lo, 0.0), min(hi, 1.5)
    if client.gap(build(body, dataclasses.replace(pose, arm=hi)), 0.05) > CONTACT_M:
        return hi
    for _ in range(10):
        mid = 0.5 * (lo + hi)
        if client.gap(build(body, dataclasses.replace(pose, arm=mid)), 0.05) <= CONTACT_M:
            hi = mid
        else:
            lo = mid
    return hi


# ---- the catalogue ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Studio:
    """A named set of props and people around the mark (`KINDS`, `PEOPLE`), laid out anew for every placement,
    client and seed by `stage`."""

    name: str
    props: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    @property
    def takes_the_mark(self) -> bool:
        """Something stands on the mark: no client can stand there."""
        return any(KINDS[k].on_mark for k in self.props)

    def stage(self, script: Script, placement: Placement, seed: int, session: bool = True) -> Layout:
        """Lay the studio out around the client of `script`: the props (those placed after calibration only in a
        session) and, in a session, the people, added to the script's frames. ValueError (one sentence) when
        the placement leaves no room for something."""
        if not self.props and not (session and self.people):
            return Layout(self.name)
        site = _site(placement, script.body, seed)
        props = tuple(_place(site, k) for k in self.props)   # all drawn every time: the same seed, the same room
        if session:
            for role in self.people:
                PEOPLE[role](site, script)
        return Layout(self.name, tuple(p for p in props if session or not p.after_calibration))


STUDIOS: dict[str, Studio] = {s.name: s for s in (
    Studio("empty"),
    Studio("box-behind", ("box-behind",)),
    Studio("bench-behind", ("bench-behind",)),
    Studio("bench-beside", ("bench-beside",)),
    Studio("kettlebells", ("kettlebell", "kettlebell")),
    Studio("mat", ("mat",)),
    Studio("wall-behind", ("wall-behind",)),
    Studio("mirror-behind", ("mirror-behind",)),
    Studio("trainer-beside", people=("trainer-beside",)),
    Studio("trainer-touch", people=("trainer-touch",)),
    Studio("waiting", people=("waiting",)),
    Studio("passer-between", people=("passer-between",)),
    Studio("object-on-mark", ("box-on-mark",)),
    Studio("cluttered", ("box-behind", "kettlebell", "kettlebell"), ("trainer-beside",)),
)}


def named_studio(name: str) -> Studio:
    """A studio of the catalogue; ValueError (one sentence) for an unknown name."""
    if name not in STUDIOS:
        raise ValueError(f"unknown studio {name!r}: choose one of {', '.join(STUDIOS)}")
    return STUDIOS[name]
