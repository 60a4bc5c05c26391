"""A body seen from the side, posed by its hip offset: the attract screen's demonstrator and scripted visits.

Proportions follow the usual fractions of stature; the rear of the buttocks sits exactly `hip_offset_m`
behind the heel line, so a posed figure and a measured client mean the same thing by "hip offset".
"""
from __future__ import annotations

import math

import numpy as np

STATURE_M = 1.72
_ANKLE = np.array([0.07, 0.08])        # (z, y): ahead of the heel line, above the floor
_SHIN, _THIGH, _TORSO, _NECK, _ARM = 0.25, 0.245, 0.29, 0.05, 0.36   # fractions of stature
_HEAD_R, _BUTT_R, _TORSO_R, _THIGH_R, _SHIN_R, _ARM_R = 0.055, 0.065, 0.062, 0.045, 0.032, 0.026
STANDING_OFFSET_M = 0.04               # a relaxed stance: the buttocks a few cm behind the heels
FULL_LEAN_OFFSET_M = 0.26              # hips this far back: the torso leans ~75 degrees


def joints(hip_offset_m: float, hip_drop_m: float = 0.0, stature_m: float = STATURE_M) -> dict[str, np.ndarray]:
    """Joint positions (z, y) in metres for a hinge (hips back) or squat (hips down) pose."""
    h = stature_m
    hip = np.array([_BUTT_R * h - hip_offset_m, _ANKLE[1] + (_SHIN + _THIGH) * h - 0.01 - hip_drop_m])
    knee = _knee(_ANKLE, hip, _SHIN * h, _THIGH * h)
    lean = math.radians(75) * min(1.0, max(0.0, (hip_offset_m - STANDING_OFFSET_M)
                                                / (FULL_LEAN_OFFSET_M - STANDING_OFFSET_M)))
    up = np.array([math.sin(lean), math.cos(lean)])
    shoulder = hip + _TORSO * h * up
    head = shoulder + (_NECK + _HEAD_R) * h * up
    hand = shoulder + np.array([0.04, -_ARM * h])
    hand[1] = max(hand[1], 0.12)
    return {"heel": np.array([0.0, 0.03]), "toe": np.array([0.24, 0.03]) * (h / STATURE_M), "ankle": _ANKLE,
            "knee": knee, "hip": hip, "shoulder": shoulder, "head": head, "hand": hand}


def _knee(ankle: np.ndarray, hip: np.ndarray, shin: float, thigh: float) -> np.ndarray:
    """Two-link reach from ankle to hip with the knee in front (knees bend forward)."""
    d_vec = hip - ankle
    d = min(float(np.hypot(*d_vec)), shin + thigh - 1e-6)
    along = (shin ** 2 - thigh ** 2 + d ** 2) / (2 * d)
    across = math.sqrt(max(shin ** 2 - along ** 2, 0.0))
    u = d_vec / np.hypot(*d_vec)
    forward = np.array([u[1], -u[0]])          # perpendicular pointing towards +z when the leg is upright
    return ankle + along * u + across * forward


def profile(hip_offset_m: float, hip_drop_m: float = 0.0, stature_m: float = STATURE_M,
            spacing_m: float = 0.025) -> np.ndarray:
    """Body points (z, y) on a regular grid, as a depth camera's side view would give them (N x 2)."""
    j = joints(hip_offset_m, hip_drop_m, stature_m)
    s = stature_m
    capsules = [("heel", "toe", 0.03), ("ankle", "knee", _SHIN_R * s), ("knee", "hip", _THIGH_R * s),
                ("hip", "hip", _BUTT_R * s), ("hip", "shoulder", _TORSO_R * s), ("head", "head", _HEAD_R * s),
                ("shoulder", "hand", _ARM_R * s)]
    z, y = np.meshgrid(np.arange(-0.7, 0.9, spacing_m), np.arange(0.0, 2.1, spacing_m))
    pts = np.stack([z.ravel(), y.ravel()], axis=1)
    inside = np.zeros(len(pts), bool)
    for a, b, r in capsules:
        inside |= _distance_to_segment(pts, j[a], j[b]) <= r
    return pts[inside].astype(np.float32)


def _distance_to_segment(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((pts - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.hypot(*(pts - (a + t[:, None] * ab)).T)
