"""A body seen from the side, posed by its hip offset, trunk angle, knee bend and back flexion: the attract
screen's demonstrator, and the client of scripted visits with every angle a measurer reads off a real one.

Proportions follow the usual fractions of stature; the rear of the buttocks sits exactly `hip_offset_m`
behind the heel line, so a posed figure and a measured client mean the same thing by "hip offset". Angles
follow kiosk.measurement: the trunk leans from vertical (hips → base of the neck), the knee bends from
straight, and a rounded back is a spine that curls forward evenly from pelvis to shoulders.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.measurement import Point2

STATURE_M = 1.72
_ANKLE = np.array([0.07, 0.08])        # (z, y): ahead of the heel line, above the floor
_SHIN, _THIGH, _TORSO, _NECK, _ARM = 0.25, 0.245, 0.29, 0.05, 0.36   # fractions of stature
_HEAD_R, _BUTT_R, _TORSO_R, _THIGH_R, _SHIN_R, _ARM_R = 0.055, 0.065, 0.062, 0.045, 0.032, 0.026
_SPINE_SEGMENTS = 6
STANDING_OFFSET_M = 0.04               # a relaxed stance: the buttocks a few cm behind the heels
FULL_LEAN_OFFSET_M = 0.26              # hips this far back: the trunk leans FULL_LEAN_DEG
FULL_LEAN_DEG = 75.0
STANDING_KNEE_DEG = 4.0                # knees not quite locked
SOFT_KNEES = 0.45                      # a hinge's soft knees bend this many degrees per degree of trunk lean


@dataclass(frozen=True)
class Figure:
    """A posed body: joints (z, y) in metres, the spine from the hips to the base of the neck, its angles."""

    joints: dict[str, np.ndarray]      # heel, toe, ankle, knee, hip, shoulder (base of the neck), head, hand
    spine: np.ndarray                  # K x 2, hip → shoulder
    trunk_deg: float
    back_flexion_deg: float
    stature_m: float

    @property
    def knee_deg(self) -> float:
        """Thigh-to-shank bend, 0 with the leg straight."""
        j = self.joints
        return _angle_deg(j["knee"] - j["ankle"], j["hip"] - j["knee"])

    @property
    def back_line(self) -> tuple[Point2, Point2]:
        """The back's surface at the hips and at the shoulders, as a measurer draws it."""
        r = _TORSO_R * self.stature_m
        ends = []
        for point, along in ((self.spine[0], self.spine[1] - self.spine[0]),
                             (self.spine[-1], self.spine[-1] - self.spine[-2])):
            dorsal = np.array([-along[1], along[0]]) / np.hypot(*along)
            z, y = point + r * dorsal
            ends.append((float(z), float(y)))
        return ends[0], ends[1]

    @property
    def hip_offset_m(self) -> float:
        """How far the rear of the buttocks is behind the heel line."""
        return float(_BUTT_R * self.stature_m - self.joints["hip"][0])

    @property
    def top_m(self) -> float:
        return float(self.joints["head"][1] + _HEAD_R * self.stature_m)

    def profile(self, spacing_m: float = 0.025) -> np.ndarray:
        """Body points (z, y) on a regular grid, as a depth camera's side view would give them (N x 2)."""
        j, s = self.joints, self.stature_m
        capsules = [(j["heel"], j["toe"], 0.03), (j["ankle"], j["knee"], _SHIN_R * s),
                    (j["knee"], j["hip"], _THIGH_R * s), (j["hip"], j["hip"], _BUTT_R * s),
                    (j["head"], j["head"], _HEAD_R * s), (j["shoulder"], j["hand"], _ARM_R * s)]
        capsules += [(a, b, _TORSO_R * s) for a, b in zip(self.spine[:-1], self.spine[1:])]
        z, y = np.meshgrid(np.arange(-0.7, 0.9, spacing_m), np.arange(0.0, 2.1, spacing_m))
        pts = np.stack([z.ravel(), y.ravel()], axis=1)
        inside = np.zeros(len(pts), bool)
        for a, b, r in capsules:
            inside |= _distance_to_segment(pts, a, b) <= r
        return pts[inside].astype(np.float32)


def lean_deg(hip_offset_m: float) -> float:
    """The trunk lean of a good hinge with the hips this far back: upright standing, FULL_LEAN_DEG deep."""
    share = (hip_offset_m - STANDING_OFFSET_M) / (FULL_LEAN_OFFSET_M - STANDING_OFFSET_M)
    return FULL_LEAN_DEG * min(1.0, max(0.0, share))


def pose(hip_offset_m: float, *, trunk_deg: float | None = None, knee_deg: float | None = None,
         back_flexion_deg: float = 0.0, stature_m: float = STATURE_M) -> Figure:
    """A hinge, a squat or anything between, by where the hips are and how the body bends: the trunk leans and
    the knees soften as a good hinge's unless told otherwise; the knee bend sets how far the hips sink; a flexed
    back curls evenly, keeping the hips-to-neck line at the trunk angle."""
    h = stature_m
    trunk = lean_deg(hip_offset_m) if trunk_deg is None else trunk_deg
    bend = STANDING_KNEE_DEG + SOFT_KNEES * trunk if knee_deg is None else knee_deg
    shin, thigh = _SHIN * h, _THIGH * h
    reach = math.sqrt(shin ** 2 + thigh ** 2 + 2 * shin * thigh * math.cos(math.radians(bend)))  # ankle to hip
    hip_z = _BUTT_R * h - hip_offset_m
    hip = np.array([hip_z, _ANKLE[1] + math.sqrt(max(reach ** 2 - (hip_z - _ANKLE[0]) ** 2, 0.0))])
    knee = _knee(_ANKLE, hip, shin, thigh)
    # the spine: an arc of constant curvature whose direction turns evenly from trunk - F/2 to trunk + F/2, so
    # its chord (hips to the base of the neck) leans exactly `trunk`
    turn = np.radians(trunk + back_flexion_deg * (np.arange(_SPINE_SEGMENTS) + 0.5 - _SPINE_SEGMENTS / 2)
                      / _SPINE_SEGMENTS)
    steps = (_TORSO * h / _SPINE_SEGMENTS) * np.stack([np.sin(turn), np.cos(turn)], axis=1)
    spine = hip + np.vstack([np.zeros(2), np.cumsum(steps, axis=0)])
    shoulder = spine[-1]
    neck = spine[-1] - spine[-2]
    head = shoulder + (_NECK + _HEAD_R) * h * neck / np.hypot(*neck)
    hand = shoulder + np.array([0.04, -_ARM * h])
    hand[1] = max(hand[1], 0.12)
    joints = {"heel": np.array([0.0, 0.03]), "toe": np.array([0.24, 0.03]) * (h / STATURE_M), "ankle": _ANKLE,
              "knee": knee, "hip": hip, "shoulder": shoulder, "head": head, "hand": hand}
    return Figure(joints, spine, float(trunk), float(back_flexion_deg), h)


def _knee(ankle: np.ndarray, hip: np.ndarray, shin: float, thigh: float) -> np.ndarray:
    """Two-link reach from ankle to hip with the knee in front (knees bend forward)."""
    d_vec = hip - ankle
    d = min(float(np.hypot(*d_vec)), shin + thigh - 1e-6)
    along = (shin ** 2 - thigh ** 2 + d ** 2) / (2 * d)
    across = math.sqrt(max(shin ** 2 - along ** 2, 0.0))
    u = d_vec / np.hypot(*d_vec)
    forward = np.array([u[1], -u[0]])          # perpendicular pointing towards +z when the leg is upright
    return ankle + along * u + across * forward


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.acos(float(np.clip(a @ b / (np.hypot(*a) * np.hypot(*b)), -1.0, 1.0))))


def _distance_to_segment(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((pts - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.hypot(*(pts - (a + t[:, None] * ab)).T)
