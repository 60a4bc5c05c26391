"""An articulated client made of a swept trunk, ellipsoids, capsules and boxes, posed by a few angles.

Bodies differ on purpose (`Body`): stature, build from slim to broad, a belly, the size of the glutes, a long
torso or long legs, a loose shirt hanging over the hips, a ponytail, a little natural rounding of the upper back.
The trunk is a surface swept along a spine that can flex (lumbar and thoracic) while the pelvis tilts or tucks,
so a rounded back really is curved. Everything the measurement is scored against — hip offset, hip height,
trunk angle, knee flexion, spine flexion — is read off the very mesh (and joints) that get rendered.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import open3d as o3d

# Segment proportions (fraction of stature) for the average build.
ANKLE_Y, KNEE_SHARE, HIP_Y, SHOULDER_Y = 0.039, 0.538, 0.530, 0.818   # knee height as a share of hip height
NECK_Y = 0.830                   # base of the neck (C7) standing: the top end of the trunk line
HEAD_Y, HEAD_R = 0.935, 0.062
FOOT_LEN, FOOT_W, FOOT_H, ANKLE_FROM_HEEL = 0.152, 0.055, 0.040, 0.040
HIP_HALF_W = 0.048               # hip joint to body midline
SHOULDER_HALF_W = 0.105
THIGH_R, SHANK_R, UPPER_ARM_R, FOREARM_R = 0.036, 0.025, 0.021, 0.017
UPPER_ARM, FOREARM = 0.186, 0.254   # forearm includes the hand
PELVIS = ((0.0, 0.030, 0.0), (0.095, 0.070, 0.062))          # centre from hip joints, semi-axes (x, y, z)
BUTTOCK = ((0.045, -0.015, -0.028), (0.052, 0.066, 0.042))   # per side: centre from hip joint, semi-axes
# Trunk cross-sections along the spine (share of its length): half width, depth behind and in front of the
# spine line (fractions of stature). The back is nearly flat from the waist to the shoulder blades.
TRUNK_SECTIONS = np.array([
    # s     half-w  back   front
    [0.00, 0.092, 0.058, 0.060],
    [0.30, 0.084, 0.056, 0.058],
    [0.65, 0.100, 0.058, 0.064],
    [0.90, 0.098, 0.054, 0.052],
    [1.00, 0.070, 0.040, 0.036],
])
BELLY_AT = (0.12, 0.45)          # share of the spine where a belly bulges forward
LUMBAR = (0.15, 0.50)            # share of the spine that bends in the lower back...
THORACIC = (0.50, 0.95)          # ...and in the upper back
SHIRT_SLACK = 0.012              # a loose shirt stands this far off the body (fraction of stature)...
SHIRT_HEM = -0.12                # ...and hangs this far below the hip joints (share of the spine)
REAR_BAND_M = 0.002              # a hanging hem's rear is as high as its points this close to its rearmost
RING = 20                        # vertices around a swept section
SPINE_SAMPLES = 18

SPHERE_RES = 14
CYLINDER_RES = 14


@dataclass(frozen=True)
class Body:
    """One client: how tall and how built. 1.0 everywhere is the average build the proportions describe."""

    stature_m: float = 1.75
    width: float = 1.0            # girth of trunk, pelvis and limbs: 0.85 slim .. 1.25 broad
    belly: float = 0.0            # 0 none .. 1 a big belly (the front of the abdomen only)
    glutes: float = 1.0           # buttock size: 0.8 flat .. 1.4 big
    legs: float = 1.0             # hip height share: 0.95 long torso .. 1.05 long legs
    kyphosis_deg: float = 0.0     # natural rounding of the upper back when "flat" (a few degrees)
    loose_shirt: bool = False
    ponytail: bool = False

    @property
    def hip_y(self) -> float:
        """Hip joint height standing, as a fraction of stature."""
        return HIP_Y * self.legs

    @property
    def spine_m(self) -> float:
        """Length of the trunk line, hip joints to the base of the neck."""
        return (NECK_Y - self.hip_y) * self.stature_m


@dataclass(frozen=True)
class Pose:
    """Where the body stands and how it bends (radians; sagittal angles measured from vertical)."""

    x: float = 0.0                # studio position of the midpoint of the heel backs
    z: float = 0.0
    heading: float = 0.0          # 0 = facing +z (the screen); + turns toward +x
    shank: float = 0.0            # knees forward of the ankles
    thigh: float = 0.0            # hips behind the knees
    trunk: float = 0.0            # forward lean of the pelvis (and of the whole trunk when the spine is flat)
    lumbar: float = 0.0           # flexion of the lower back: rounding
    thoracic: float = 0.0         # flexion of the upper back: rounding
    arm: float = 0.08             # arms forward of hanging straight down (world vertical)
    sway_x: float = 0.0           # pelvis sideways
    stride: float = 0.0           # walking: left leg forward (+) / back (-), right leg opposite
    lift: float = 0.0             # walking: swing foot lifted (m)
    foot_gap: float = 0.0         # extra distance between the feet (m), for a foot shift


@dataclass(frozen=True)
class Mesh:
    vertices: np.ndarray          # N x 3 float32, studio frame
    triangles: np.ndarray         # M x 3 int32
    hips: np.ndarray              # vertex indices of what a wall behind the client touches: pelvis, buttocks,
    #                               and a loose shirt's hem over them
    joints: dict[str, np.ndarray] = field(default_factory=dict, repr=False)   # studio frame
    hip_shapes: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...] = field(default=(), repr=False)
    # ^ (centre, semi-axes, rotation) of the ellipsoids among the hips: their true rear, not the tessellation's
    hem: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    # ^ vertex indices of a loose shirt's hem, hanging over the hips (also among `hips`)


@lru_cache(maxsize=None)
def unit_sphere() -> tuple[np.ndarray, np.ndarray]:
    m = o3d.geometry.TriangleMesh.create_sphere(radius=1.0, resolution=SPHERE_RES)
    return np.asarray(m.vertices), np.asarray(m.triangles)


@lru_cache(maxsize=None)
def unit_cylinder() -> tuple[np.ndarray, np.ndarray]:
    """Radius 1 along +z from 0 to 1 (open3d centres it; we shift)."""
    m = o3d.geometry.TriangleMesh.create_cylinder(radius=1.0, height=1.0, resolution=CYLINDER_RES, split=1)
    v = np.asarray(m.vertices).copy()
    v[:, 2] += 0.5
    return v, np.asarray(m.triangles)


@lru_cache(maxsize=None)
def unit_box() -> tuple[np.ndarray, np.ndarray]:
    m = o3d.geometry.TriangleMesh.create_box(1.0, 1.0, 1.0)
    return np.asarray(m.vertices), np.asarray(m.triangles)


@lru_cache(maxsize=None)
def _tube_triangles(rings: int, around: int) -> np.ndarray:
    """Triangles joining `rings` rings of `around` vertices each into a tube (open at both ends)."""
    r, a = np.meshgrid(np.arange(rings - 1), np.arange(around), indexing="ij")
    v00 = r * around + a
    v01 = r * around + (a + 1) % around
    v10 = v00 + around
    v11 = v01 + around
    return np.concatenate([np.stack([v00, v10, v11], -1).reshape(-1, 3),
                           np.stack([v00, v11, v01], -1).reshape(-1, 3)]).astype(np.int32)


def _rot_x(a: float) -> np.ndarray:
    """Rotation about x that takes up (+y) toward forward (+z) by angle a."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_y(a: float) -> np.ndarray:
    """Rotation about y that takes forward (+z) toward +x by angle a."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _frame_to(direction: np.ndarray) -> np.ndarray:
    """A rotation taking +z to `direction`."""
    d = direction / np.linalg.norm(direction)
    helper = np.array([1.0, 0, 0]) if abs(d[0]) < 0.9 else np.array([0, 1.0, 0])
    a = np.cross(helper, d)
    a /= np.linalg.norm(a)
    b = np.cross(d, a)
    return np.stack([a, b, d], axis=1)


class _Builder:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []
        self.hips: list[int] = []
        self.hip_shapes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.hem: list[int] = []
        self.count = 0

    def add(self, v: np.ndarray, t: np.ndarray, hips: bool = False, hem: np.ndarray | None = None) -> None:
        idx = np.arange(self.count, self.count + len(v))
        if hips:
            self.hips.extend(idx)
        if hem is not None:
            self.hem.extend(idx[hem])
            self.hips.extend(idx[hem])
        self.parts.append((v, t + self.count))
        self.count += len(v)

    def ellipsoid(self, centre: np.ndarray, semi: np.ndarray, rot: np.ndarray, hips: bool = False) -> None:
        v, t = unit_sphere()
        if hips:
            self.hip_shapes.append((centre, semi, rot))
        self.add((v * semi) @ rot.T + centre, t, hips)

    def capsule(self, p0: np.ndarray, p1: np.ndarray, r: float) -> None:
        v, t = unit_cylinder()
        axis = p1 - p0
        rot = _frame_to(axis)
        self.add((v * [r, r, np.linalg.norm(axis)]) @ rot.T + p0, t)
        for p in (p0, p1):
            self.ellipsoid(p, np.array([r, r, r]), np.eye(3))

    def box(self, corner: np.ndarray, size: np.ndarray, rot: np.ndarray) -> None:
        v, t = unit_box()
        self.add((v * size) @ rot.T + corner, t)

    def mesh(self, joints: dict[str, np.ndarray]) -> Mesh:
        v = np.concatenate([p[0] for p in self.parts]).astype(np.float32)
        t = np.concatenate([p[1] for p in self.parts]).astype(np.int32)
        return Mesh(v, t, np.array(self.hips, dtype=np.int64), joints, tuple(self.hip_shapes),
                    np.array(self.hem, dtype=np.int64))


def spine_curve(body: Body, pose: Pose, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points (z, y) relative to the hip joints and lean angles along the spine, at shares `s` of its length.

    The lean grows evenly through the lumbar and the thoracic span by their flexion; below and above them
    the spine is straight (a flat back is a straight line).
    """
    fine = np.linspace(0.0, 1.0, 401)
    lean = _lean(body, pose, fine)
    step = body.spine_m / (len(fine) - 1)
    dz = np.concatenate([[0.0], np.cumsum(0.5 * (np.sin(lean[1:]) + np.sin(lean[:-1])) * step)])
    dy = np.concatenate([[0.0], np.cumsum(0.5 * (np.cos(lean[1:]) + np.cos(lean[:-1])) * step)])
    return np.stack([np.interp(s, fine, dz), np.interp(s, fine, dy)], axis=1), _lean(body, pose, s)


def _lean(body: Body, pose: Pose, s: np.ndarray) -> np.ndarray:
    """Forward lean of the spine from vertical at shares `s` of its length (radians)."""
    upper = pose.thoracic + np.radians(body.kyphosis_deg)
    return pose.trunk + pose.lumbar * _ramp(s, LUMBAR) + upper * _ramp(s, THORACIC)


def _ramp(s: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    return np.clip((np.asarray(s, dtype=float) - span[0]) / (span[1] - span[0]), 0.0, 1.0)


def build(body: Body, pose: Pose) -> Mesh:
    """The posed body as one triangle mesh in the studio frame, with its joints."""
    h = body.stature_m
    w = body.width
    turn = _rot_y(pose.heading)
    root = np.array([pose.x, 0.0, pose.z])
    hip_y = body.hip_y
    knee_y = KNEE_SHARE * hip_y
    out = _Builder()

    def world(p: np.ndarray) -> np.ndarray:
        return turn @ p + root

    hip_joints, knees, ankles = [], [], []
    for sign in (1.0, -1.0):
        lateral = sign * (HIP_HALF_W * h * w + pose.foot_gap / 2)
        swing = pose.stride * sign
        heel_z = swing * 0.5 * knee_y * h
        lifted = pose.lift if swing > 0 else 0.0
        ankle = np.array([lateral, ANKLE_Y * h + lifted, heel_z + ANKLE_FROM_HEEL * h])
        knee = ankle + (knee_y - ANKLE_Y) * h * np.array([0.0, np.cos(pose.shank), np.sin(pose.shank)])
        hip = knee + (hip_y - knee_y) * h * np.array([0.0, np.cos(pose.thigh), -np.sin(pose.thigh)])
        hip[0] = sign * HIP_HALF_W * h * w + pose.sway_x
        foot_corner = np.array([lateral - FOOT_W * h / 2, lifted, heel_z])
        out.box(world(foot_corner), np.array([FOOT_W, FOOT_H, FOOT_LEN]) * h, turn)
        out.capsule(world(ankle), world(knee), SHANK_R * h * w)
        out.capsule(world(knee), world(hip), THIGH_R * h * w)
        hip_joints.append(hip)
        knees.append(knee)
        ankles.append(ankle)
    centre = 0.5 * (hip_joints[0] + hip_joints[1])
    pelvis_tilt = turn @ _rot_x(pose.trunk)

    def on_pelvis(offset: tuple[float, float, float]) -> np.ndarray:
        return world(centre) + pelvis_tilt @ (np.array(offset) * h)

    out.ellipsoid(on_pelvis(PELVIS[0]), np.array(PELVIS[1]) * h * w, pelvis_tilt, hips=True)
    glute = np.array([w, body.glutes, body.glutes])
    for sign in (1.0, -1.0):
        off, semi = BUTTOCK
        # bigger glutes grow backwards from where they attach, not into the pelvis
        out.ellipsoid(on_pelvis((sign * off[0] * w, off[1], off[2] - semi[2] * (glute[2] - 1.0))),
                      np.array(semi) * h * glute, pelvis_tilt, hips=True)

    s = np.linspace(SHIRT_HEM if body.loose_shirt else 0.0, 1.0, SPINE_SAMPLES)
    line, lean = spine_curve(body, pose, np.clip(s, 0.0, 1.0))
    line[s < 0] += np.outer(s[s < 0] * body.spine_m, [np.sin(pose.trunk), np.cos(pose.trunk)])

    def sweep(keep: np.ndarray, slack: float) -> np.ndarray:
        """Vertices of the trunk's surface, standing `slack` (fraction of stature) off it, at the kept samples."""
        share, pts, ang = np.clip(s[keep], 0.0, 1.0), line[keep], lean[keep]
        sec = np.stack([np.interp(share, TRUNK_SECTIONS[:, 0], TRUNK_SECTIONS[:, c]) for c in (1, 2, 3)], axis=1)
        sec[:, 2] += 0.045 * body.belly * np.sin(np.pi * _ramp(share, BELLY_AT))
        sec = sec * w + slack
        a = np.linspace(0.0, 2 * np.pi, RING, endpoint=False)
        depth = np.where(np.cos(a) >= 0, sec[:, 2:3], sec[:, 1:2]) * np.cos(a) * h       # + in front, - behind
        lateral = sec[:, 0:1] * np.sin(a) * h
        normal = np.stack([np.cos(ang), -np.sin(ang)], 1)      # (z, y) of the spine's forward normal
        local = np.stack([centre[0] + lateral,
                          centre[1] + pts[:, 1:2] + depth * normal[:, 1:2],
                          centre[2] + pts[:, 0:1] + depth * normal[:, 0:1]], axis=-1).reshape(-1, 3)
        return local @ turn.T + root

    skin = s >= 0
    out.add(sweep(skin, 0.0), _tube_triangles(int(skin.sum()), RING))
    if body.loose_shirt:
        cloth = s <= 0.9
        hem = np.repeat(s[cloth] <= 0.08, RING)       # the part of the shirt over the hips: the wall meets it
        out.add(sweep(cloth, SHIRT_SLACK), _tube_triangles(int(cloth.sum()), RING), hem=hem)

    top = line[-1]
    up = np.array([0.0, np.cos(lean[-1]), np.sin(lean[-1])])
    fwd_n = np.array([0.0, -np.sin(lean[-1]), np.cos(lean[-1])])
    neck = world(centre) + turn @ np.array([0.0, top[1], top[0]])
    head_up = (HEAD_Y - NECK_Y) * h
    head = neck + turn @ (up * head_up + fwd_n * 0.01 * h)
    out.capsule(neck - turn @ up * 0.02 * h, neck + turn @ up * 0.04 * h, 0.03 * h * w)
    out.ellipsoid(head, np.array([0.075, HEAD_R + 0.005, 0.09]) * h * 0.85, turn @ _rot_x(lean[-1]))
    if body.ponytail:
        root_pt = head - turn @ (fwd_n * 0.07 * h) + turn @ (up * 0.02 * h)
        tail = [root_pt]
        for k in range(3):      # hangs under gravity, a little away from the head
            tail.append(tail[-1] + np.array([0.0, -0.04 * h, 0.0]) - turn @ fwd_n * (0.012 * h if k == 0 else 0.0))
        for a, b in zip(tail[:-1], tail[1:]):
            out.capsule(a, b, 0.016 * h)
    hang = turn @ np.array([0.0, -np.cos(pose.arm), np.sin(pose.arm)])
    for sign in (1.0, -1.0):
        shoulder = neck - turn @ up * 0.035 * h + turn @ np.array([sign * SHOULDER_HALF_W * h * w, 0.0, 0.0])
        elbow = shoulder + hang * UPPER_ARM * h
        hand_dir = hang + turn @ np.array([0.0, 0.0, 0.25])
        hand = elbow + hand_dir / np.linalg.norm(hand_dir) * FOREARM * h
        out.capsule(shoulder, elbow, UPPER_ARM_R * h * w)
        out.capsule(elbow, hand, FOREARM_R * h * w)
    joints = {"hips": world(centre), "neck": neck, "knee": world(0.5 * (knees[0] + knees[1])),
              "ankle": world(0.5 * (ankles[0] + ankles[1]))}
    return out.mesh(joints)


@dataclass(frozen=True)
class Truth:
    """What the measurement of one frame should say about this body."""

    hip_offset_m: float      # rearmost hip/buttock point behind the heel line (studio −z)
    hip_height_m: float      # its height above the floor
    trunk_deg: float         # hip joints → base of the neck, from vertical, in the body's own sagittal plane
    knee_deg: float          # thigh to shank (0 straight)
    spine_deg: float         # flexion of the back between pelvis and neck (0 flat)


def truth(body: Body, pose: Pose, mesh: Mesh | None = None) -> Truth:
    mesh = mesh or build(body, pose)
    # the rearmost point of each hip ellipsoid, exactly (a tessellated one hops from ring to ring as it tips)...
    points = [centre - rot @ (semi * semi * rot[2]) / np.linalg.norm(semi * rot[2]) for centre, semi, rot in
              mesh.hip_shapes]
    # ...and of a loose shirt's hem hanging over them: it hangs straight, so its rear is the middle of a strip
    if len(mesh.hem):
        cloth = mesh.vertices[mesh.hem]
        strip = cloth[cloth[:, 2] < cloth[:, 2].min() + REAR_BAND_M]
        points.append(np.array([strip[:, 0].mean(), strip[:, 1].mean(), cloth[:, 2].min()]))
    rear_point = min(points, key=lambda p: p[2])
    rear, height = float(rear_point[2]), float(rear_point[1])
    line = mesh.joints["neck"] - mesh.joints["hips"]
    forward = _rot_y(pose.heading) @ np.array([0.0, 0.0, 1.0])
    trunk = np.degrees(np.arctan2(float(line @ forward), float(line[1])))
    return Truth(-rear, height, float(trunk), float(np.degrees(pose.shank + pose.thigh)),
                 float(np.degrees(pose.lumbar + pose.thoracic) + body.kyphosis_deg))


# Named builds for the command line and the benchmarks (stature set separately).
BUILDS = {
    "average": Body(),
    "slim": Body(width=0.85, glutes=0.85),
    "broad": Body(width=1.2, glutes=1.1),
    "belly": Body(width=1.1, belly=1.0),
    "glutes": Body(glutes=1.4),
    "long-torso": Body(legs=0.95, kyphosis_deg=4.0),
    "long-legs": Body(legs=1.05, width=0.9),
    "loose-shirt": Body(width=1.05, loose_shirt=True),
    "ponytail": Body(width=0.9, ponytail=True, kyphosis_deg=3.0),
}


def named_body(build_name: str, stature_m: float) -> Body:
    """A named build at a stature; ValueError (one sentence) for an unknown name."""
    if build_name not in BUILDS:
        raise ValueError(f"unknown build {build_name!r}: choose one of {', '.join(BUILDS)}")
    return dataclasses.replace(BUILDS[build_name], stature_m=stature_m)
