"""An articulated client made of capsules, ellipsoids and boxes, scaled by stature, posed by a few angles.

Proportions follow standard anthropometric segment lengths (fractions of stature). The pelvis and buttocks
tilt with the trunk, as they do in a hinge with a neutral spine; the truth the measurement is scored against
(hip offset and hip height) is read off the very mesh that gets rendered.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import open3d as o3d

# Segment proportions (fraction of stature).
ANKLE_Y, KNEE_Y, HIP_Y, SHOULDER_Y = 0.039, 0.285, 0.530, 0.818
HEAD_Y, HEAD_R = 0.935, 0.062
FOOT_LEN, FOOT_W, FOOT_H, ANKLE_FROM_HEEL = 0.152, 0.055, 0.040, 0.040
HIP_HALF_W = 0.048               # hip joint to body midline
SHOULDER_HALF_W = 0.105
THIGH_R, SHANK_R, UPPER_ARM_R, FOREARM_R = 0.036, 0.025, 0.021, 0.017
UPPER_ARM, FOREARM = 0.186, 0.254   # forearm includes the hand
PELVIS = ((0.0, 0.030, 0.0), (0.095, 0.070, 0.062))          # centre from hip joints, semi-axes (x, y, z)
BUTTOCK = ((0.045, -0.015, -0.028), (0.052, 0.066, 0.042))   # per side: centre from hip joint, semi-axes
TRUNK = ((0.0, 0.150, 0.0), (0.100, 0.165, 0.062))           # centre above the hip joints along the trunk

SPHERE_RES = 14
CYLINDER_RES = 14


@dataclass(frozen=True)
class Pose:
    """Where the body stands and how it bends (radians; sagittal angles measured from vertical)."""

    x: float = 0.0                # studio position of the midpoint of the heel backs
    z: float = 0.0
    heading: float = 0.0          # 0 = facing +z (the screen); + turns toward +x
    shank: float = 0.0            # knees forward of the ankles
    thigh: float = 0.0            # hips behind the knees
    trunk: float = 0.0            # forward lean of trunk and pelvis
    arm: float = 0.08             # arms forward of hanging straight down (world vertical)
    sway_x: float = 0.0           # pelvis sideways
    stride: float = 0.0           # walking: left leg forward (+) / back (-), right leg opposite
    lift: float = 0.0             # walking: swing foot lifted (m)
    foot_gap: float = 0.0         # extra distance between the feet (m), for a foot shift


@dataclass(frozen=True)
class Mesh:
    vertices: np.ndarray          # N x 3 float32, studio frame
    triangles: np.ndarray         # M x 3 int32
    hips: np.ndarray              # vertex indices of pelvis and buttocks (the surface the truth is about)


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
        self.count = 0

    def add(self, v: np.ndarray, t: np.ndarray, hips: bool = False) -> None:
        if hips:
            self.hips.extend(range(self.count, self.count + len(v)))
        self.parts.append((v, t + self.count))
        self.count += len(v)

    def ellipsoid(self, centre: np.ndarray, semi: np.ndarray, rot: np.ndarray, hips: bool = False) -> None:
        v, t = unit_sphere()
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

    def mesh(self) -> Mesh:
        v = np.concatenate([p[0] for p in self.parts]).astype(np.float32)
        t = np.concatenate([p[1] for p in self.parts]).astype(np.int32)
        return Mesh(v, t, np.array(self.hips, dtype=np.int64))


def build(stature: float, pose: Pose) -> Mesh:
    """The posed body as one triangle mesh in the studio frame."""
    h = stature
    turn = _rot_y(pose.heading)
    root = np.array([pose.x, 0.0, pose.z])
    body = _Builder()

    def world(p: np.ndarray) -> np.ndarray:
        return turn @ p + root

    hips_y = []
    hip_joints = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        lateral = sign * (HIP_HALF_W * h + pose.foot_gap / 2)
        swing = pose.stride * sign
        heel_z = swing * 0.5 * KNEE_Y * h
        lifted = pose.lift if swing > 0 else 0.0
        ankle = np.array([lateral, ANKLE_Y * h + lifted, heel_z + ANKLE_FROM_HEEL * h])
        knee = ankle + (KNEE_Y - ANKLE_Y) * h * np.array([0.0, np.cos(pose.shank), np.sin(pose.shank)])
        hip = knee + (HIP_Y - KNEE_Y) * h * np.array([0.0, np.cos(pose.thigh), -np.sin(pose.thigh)])
        hip[0] = sign * HIP_HALF_W * h + pose.sway_x
        foot_corner = np.array([lateral - FOOT_W * h / 2, lifted, heel_z])
        body.box(world(foot_corner), np.array([FOOT_W, FOOT_H, FOOT_LEN]) * h, turn)
        body.capsule(world(ankle), world(knee), SHANK_R * h)
        body.capsule(world(knee), world(hip), THIGH_R * h)
        hip_joints.append(hip)
        hips_y.append(hip[1])
    centre = 0.5 * (hip_joints[0] + hip_joints[1])
    tilt = turn @ _rot_x(pose.trunk)

    def on_trunk(offset: tuple[float, float, float]) -> np.ndarray:
        return world(centre) + tilt @ (np.array(offset) * h)

    body.ellipsoid(on_trunk(PELVIS[0]), np.array(PELVIS[1]) * h, tilt, hips=True)
    for sign in (1.0, -1.0):
        off, semi = BUTTOCK
        body.ellipsoid(on_trunk((sign * off[0], off[1], off[2])), np.array(semi) * h, tilt, hips=True)
    body.ellipsoid(on_trunk(TRUNK[0]), np.array(TRUNK[1]) * h, tilt)
    trunk_len = (SHOULDER_Y - HIP_Y) * h
    neck = on_trunk((0.0, 0.0, 0.0)) + tilt @ np.array([0.0, trunk_len + 0.03 * h, 0.0])
    head = on_trunk((0.0, 0.0, 0.0)) + tilt @ np.array([0.0, (HEAD_Y - HIP_Y) * h, 0.01 * h])
    body.capsule(on_trunk((0.0, 0.0, 0.0)) + tilt @ np.array([0.0, trunk_len - 0.02 * h, 0.0]), neck, 0.03 * h)
    body.ellipsoid(head, np.array([0.075, HEAD_R + 0.005, 0.09]) * h * np.array([1, 1, 1]) * 0.85, tilt)
    hang = turn @ np.array([0.0, -np.cos(pose.arm), np.sin(pose.arm)])
    for sign in (1.0, -1.0):
        shoulder = on_trunk((0.0, 0.0, 0.0)) + tilt @ np.array([sign * SHOULDER_HALF_W * h, trunk_len - 0.03 * h,
                                                                 0.0])
        elbow = shoulder + hang * UPPER_ARM * h
        hand_dir = hang + turn @ np.array([0.0, 0.0, 0.25])
        hand = elbow + hand_dir / np.linalg.norm(hand_dir) * FOREARM * h
        body.capsule(shoulder, elbow, UPPER_ARM_R * h)
        body.capsule(elbow, hand, FOREARM_R * h)
    return body.mesh()


@dataclass(frozen=True)
class HipTruth:
    offset_m: float       # rearmost hip/buttock point behind the heel line (studio −z)
    height_m: float       # its height above the floor


def hip_truth(mesh: Mesh) -> HipTruth:
    hips = mesh.vertices[mesh.hips]
    k = int(np.argmin(hips[:, 2]))
    return HipTruth(float(-hips[k, 2]), float(hips[k, 1]))


def hinge(depth: float) -> Pose:
    """A hip hinge, 0 = standing, 1 = as deep as a flexible client goes: soft knees, shins near vertical."""
    s = float(np.clip(depth, 0.0, 1.0))
    return Pose(shank=np.radians(7) * s, thigh=np.radians(24) * s, trunk=np.radians(72) * s,
                arm=np.radians(4) * (1 - s))


def squat(depth: float) -> Pose:
    """A squat: hips drop, knees travel forward, trunk stays fairly upright."""
    s = float(np.clip(depth, 0.0, 1.0))
    return Pose(shank=np.radians(34) * s, thigh=np.radians(78) * s, trunk=np.radians(38) * s,
                arm=np.radians(4 + 70 * s))
