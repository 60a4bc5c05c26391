"""Floor plane by RANSAC (calibration/floor.py) on synthetic camera-frame points with a known answer.

The scene is built in a floor frame (x lateral, y up, z forward along the floor, metres) and moved into the
RealSense camera frame (x right, y down, z forward) of a camera `height` above the floor, pitched down and
optionally rolled. The truth is then exact: the floor normal in camera coordinates is R · (0, 1, 0) and the
plane offset (normal·p + offset = 0) is the camera height.
"""
import numpy as np
import pytest

from calibration.floor import fit_floor
from calibration.geometry import invert, transform

HEIGHT_M = 1.2
TILT_DEG = 25.0
TABLE_Y_M = 0.75          # a table top: horizontal like the floor, but 0.45 m nearer the camera
NOISE_M = 0.01            # 1 cm per-point noise, about a D435 at 2.3 m (docs/depth.md: z² · 0.08 / (fx · B))
OUTLIER_SHARE = 0.02


def camera_from_floor(height: float, tilt_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """Camera at (0, height, 0) of the floor frame, looking along +z, pitched down by tilt, rolled about its axis."""
    t = np.radians(tilt_deg)
    z = np.array([0.0, -np.sin(t), np.cos(t)])       # optical axis, pitched down
    y = np.array([0.0, -np.cos(t), -np.sin(t)])      # image down, perpendicular to the axis
    x = np.cross(y, z)                               # image right
    r = np.radians(roll_deg)                         # roll: turn the image axes about the optical axis
    x, y = np.cos(r) * x + np.sin(r) * y, -np.sin(r) * x + np.cos(r) * y
    floor_from_cam = np.eye(4)
    floor_from_cam[:3, :3] = np.stack([x, y, z], axis=1)
    floor_from_cam[:3, 3] = [0.0, height, 0.0]
    assert np.isclose(np.linalg.det(floor_from_cam[:3, :3]), 1.0)
    return invert(floor_from_cam)


def scene(rng: np.random.Generator, n_floor: int, n_wall: int, n_table: int, outliers: float = OUTLIER_SHARE,
          noise: float = NOISE_M) -> np.ndarray:
    """Floor-frame points: floor ahead of the camera, a wall 4 m ahead, a table top between them, outliers."""
    floor = np.column_stack([rng.uniform(-2.0, 2.0, n_floor), np.zeros(n_floor), rng.uniform(0.8, 4.0, n_floor)])
    wall = np.column_stack([rng.uniform(-2.5, 2.5, n_wall), rng.uniform(0.0, 2.5, n_wall), np.full(n_wall, 4.0)])
    table = np.column_stack([rng.uniform(-0.6, 0.6, n_table), np.full(n_table, TABLE_Y_M),
                             rng.uniform(1.6, 2.4, n_table)])
    pts = np.concatenate([floor, wall, table])
    pts += rng.normal(0.0, noise, pts.shape)
    n_out = int(round(outliers * len(pts) / (1.0 - outliers)))
    junk = np.column_stack([rng.uniform(-2.5, 2.5, n_out), rng.uniform(0.0, 2.5, n_out), rng.uniform(0.5, 4.0, n_out)])
    return np.concatenate([pts, junk])


def in_camera(points_floor: np.ndarray, cam_from_floor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pts = transform(cam_from_floor, points_floor)
    return pts[rng.permutation(len(pts))]      # no help from the order the points were made in


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))))


def true_up(cam_from_floor: np.ndarray) -> np.ndarray:
    return cam_from_floor[:3, :3] @ np.array([0.0, 1.0, 0.0])


@pytest.mark.parametrize("sizes", [(12000, 8000, 4000), (5000, 6000, 9000)],
                         ids=["floor-largest", "table-top-larger-than-the-visible-floor"])
def test_floor_of_a_cluttered_room_is_found_within_a_degree_and_a_centimetre(sizes):
    rng = np.random.default_rng(7)
    cam_from_floor = camera_from_floor(HEIGHT_M, TILT_DEG)
    pts = in_camera(scene(rng, *sizes), cam_from_floor, rng)
    plane = fit_floor(pts)
    assert plane is not None
    # Thousands of points with 1 cm noise pin a least-squares plane far tighter than these product limits
    # (1° of floor tilt is ~2 cm of height 1.2 m away; the kiosk's wall steps are 2.5 cm).
    assert angle_deg(plane.normal, true_up(cam_from_floor)) < 1.0
    assert plane.offset == pytest.approx(HEIGHT_M, abs=0.01)
    # The table top is 0.45 m higher than the floor: choosing it would put the camera 0.45 m above "the floor".
    assert abs(plane.offset - (HEIGHT_M - TABLE_Y_M)) > 0.3
    # Floor-frame consequences: the table stands TABLE_Y_M above the fitted floor, the foot of the camera is
    # on the floor straight below the lens.
    table_cam = transform(cam_from_floor, np.array([[0.0, TABLE_Y_M, 2.0]]))
    assert plane.height(table_cam)[0] == pytest.approx(TABLE_Y_M, abs=0.02)
    foot = plane.foot_of_camera()
    assert np.linalg.norm(foot) == pytest.approx(HEIGHT_M, abs=0.01)
    assert np.linalg.norm(foot - transform(cam_from_floor, np.array([[0.0, 0.0, 0.0]]))[0]) < 0.03


def test_normal_points_up_out_of_the_floor():
    rng = np.random.default_rng(3)
    cam_from_floor = camera_from_floor(HEIGHT_M, TILT_DEG)
    plane = fit_floor(in_camera(scene(rng, 8000, 4000, 2000), cam_from_floor, rng))
    assert plane is not None
    # The camera origin is above the floor: positive height; a point 1 m under the floor is negative.
    assert plane.height(np.zeros((1, 3)))[0] > 1.0
    below = transform(cam_from_floor, np.array([[0.0, -1.0, 2.0]]))
    assert plane.height(below)[0] == pytest.approx(-1.0, abs=0.02)
    # Camera y points down in the image; with a 25° pitch the up normal has a clearly negative y.
    assert plane.normal[1] < -np.cos(np.radians(TILT_DEG)) + 0.02


def test_camera_rolled_ten_degrees_still_finds_the_floor():
    rng = np.random.default_rng(11)
    cam_from_floor = camera_from_floor(HEIGHT_M, TILT_DEG, roll_deg=10.0)
    up = true_up(cam_from_floor)
    assert abs(up[0]) > 0.1          # the roll really tips the floor normal sideways in the image
    plane = fit_floor(in_camera(scene(rng, 12000, 8000, 4000), cam_from_floor, rng))
    assert plane is not None
    assert angle_deg(plane.normal, up) < 1.0        # same reasoning as the upright case
    assert plane.offset == pytest.approx(HEIGHT_M, abs=0.01)


def test_too_few_points_is_no_floor():
    rng = np.random.default_rng(5)
    cam_from_floor = camera_from_floor(HEIGHT_M, TILT_DEG)
    few = in_camera(scene(rng, 200, 100, 50, noise=0.002), cam_from_floor, rng)
    assert len(few) < 400
    assert fit_floor(few) is None
    assert fit_floor(np.zeros((0, 3))) is None
    # Points with no depth (nan from invalid pixels) do not count toward the minimum.
    padded = np.concatenate([few, np.full((5000, 3), np.nan)])
    assert fit_floor(padded) is None


def test_only_a_vertical_wall_is_no_floor():
    rng = np.random.default_rng(9)
    cam_from_floor = camera_from_floor(HEIGHT_M, TILT_DEG)
    wall = in_camera(scene(rng, 0, 20000, 0, outliers=0.0), cam_from_floor, rng)
    assert fit_floor(wall) is None


def test_a_camera_below_a_horizontal_plane_is_not_a_floor():
    """A ceiling (or table underside) faces down: the camera is under it, so it cannot be the floor."""
    rng = np.random.default_rng(13)
    cam_from_floor = camera_from_floor(HEIGHT_M, -20.0)          # pitched up at a ceiling
    n = 15000
    ceiling = np.column_stack([rng.uniform(-2, 2, n), np.full(n, 2.8), rng.uniform(1.0, 4.0, n)])
    ceiling += rng.normal(0.0, NOISE_M, ceiling.shape)
    assert fit_floor(in_camera(ceiling, cam_from_floor, rng)) is None
