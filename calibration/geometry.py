"""Rigid transforms and the studio frame, in plain numpy (metres)."""
from __future__ import annotations

import numpy as np


def transform(pose: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 rigid transform to N x 3 points."""
    return points @ pose[:3, :3].T + pose[:3, 3]


def invert(pose: np.ndarray) -> np.ndarray:
    """Inverse of a 4x4 rigid transform."""
    out = np.eye(4)
    out[:3, :3] = pose[:3, :3].T
    out[:3, 3] = -pose[:3, :3].T @ pose[:3, 3]
    return out


def unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    if n < 1e-12:
        raise ValueError("cannot normalise a zero vector")
    return np.asarray(v, dtype=float) / n


def floor_frame(normal_up: np.ndarray, floor_point: np.ndarray, forward_hint: np.ndarray) -> np.ndarray:
    """Camera→frame transform with y along the floor normal, z along `forward_hint` laid flat, origin on the floor.

    The studio frame is this with the origin at the middle of the heel line and z the facing direction.
    """
    y = unit(normal_up)
    z = unit(forward_hint - np.dot(forward_hint, y) * y)
    x = np.cross(y, z)
    rot = np.stack([x, y, z])          # rows: studio axes in camera coordinates
    pose = np.eye(4)
    pose[:3, :3] = rot
    pose[:3, 3] = -rot @ floor_point
    return pose


def is_rigid(pose: np.ndarray, tol: float = 1e-4) -> bool:
    """True for a proper rotation + translation (what a studio frame must be)."""
    pose = np.asarray(pose, dtype=float)
    if pose.shape != (4, 4) or not np.all(np.isfinite(pose)):
        return False
    r = pose[:3, :3]
    return (np.allclose(r @ r.T, np.eye(3), atol=tol) and abs(np.linalg.det(r) - 1.0) < tol
            and np.allclose(pose[3], [0, 0, 0, 1], atol=tol))


def azimuth_deg(camera_in_studio: np.ndarray) -> float:
    """Angle of the camera around the client, seen from above: 0 behind, +90 at the client's left, ±180 in front."""
    return float(np.degrees(np.arctan2(camera_in_studio[0], -camera_in_studio[2])))
