"""Floor plane by RANSAC (open3d) on the empty area, in camera coordinates."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d

# A camera is mounted upright: the floor normal points up, which is camera -y, tilted by at most this much.
MAX_TILT_DEG = 70.0
MIN_FLOOR_SHARE = 0.08      # of the valid points: less than this is not the floor, it's a sliver
INLIER_DISTANCE_M = 0.02


@dataclass(frozen=True)
class Plane:
    """Points p on the plane satisfy normal·p + offset = 0; `normal` points up, away from the floor."""

    normal: np.ndarray
    offset: float
    share: float            # fraction of the points that lie on it

    def height(self, points: np.ndarray) -> np.ndarray:
        return points @ self.normal + self.offset

    def foot_of_camera(self) -> np.ndarray:
        """The floor point straight below the camera."""
        return -self.offset * self.normal


def fit_floor(points_cam: np.ndarray, max_planes: int = 4, seed: int = 0) -> Plane | None:
    """The lowest large near-horizontal plane among the first few RANSAC planes, or None.

    Walls and furniture tops are planes too; we keep peeling planes until one faces up and lies below the camera.
    """
    pts = np.asarray(points_cam, dtype=np.float32)
    pts = pts[np.isfinite(pts).all(axis=1)]
    total = len(pts)
    if total < 500:
        return None
    o3d.utility.random.seed(seed)
    best: Plane | None = None
    for _ in range(max_planes):
        if len(pts) < 300:
            break
        cloud = o3d.t.geometry.PointCloud(o3d.core.Tensor(pts))
        model, inliers = cloud.segment_plane(distance_threshold=INLIER_DISTANCE_M, ransac_n=3,
                                             num_iterations=400)
        a, b, c, d = (float(v) for v in model.numpy())
        idx = inliers.numpy()
        n = np.array([a, b, c])
        norm = np.linalg.norm(n)
        if norm < 1e-9:
            break
        n, d = n / norm, d / norm
        if n[1] > 0:                   # make it point up (camera -y)
            n, d = -n, -d
        tilt = np.degrees(np.arccos(np.clip(-n[1], -1.0, 1.0)))
        share = len(idx) / total
        camera_above = d > 0.2         # height of the camera origin over the plane
        if tilt <= MAX_TILT_DEG and camera_above and share >= MIN_FLOOR_SHARE:
            plane = Plane(n, d, share)
            if best is None or plane.offset > best.offset:   # lowest plane = largest height of the camera
                best = plane
        keep = np.ones(len(pts), dtype=bool)
        keep[idx] = False
        pts = pts[keep]
    if best is None:
        return None
    return _refine(np.asarray(points_cam, dtype=float), best)


def _refine(points: np.ndarray, plane: Plane) -> Plane:
    """Least-squares plane through the inliers: RANSAC's 3-point model is only as good as its 3 points."""
    pts = points[np.isfinite(points).all(axis=1)]
    near = pts[np.abs(plane.height(pts)) < INLIER_DISTANCE_M]
    if len(near) < 50:
        return plane
    centre = near.mean(axis=0)
    _, _, vt = np.linalg.svd(near - centre, full_matrices=False)
    n = vt[2]
    if np.dot(n, plane.normal) < 0:
        n = -n
    return Plane(n, float(-n @ centre), plane.share)
