"""Studio-frame geometry and the floor fit, on synthetic points with known answers (metres)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from calibration.camera import Intrinsics, pixel_rays, project
from calibration.floor import fit_floor
from calibration.geometry import azimuth_deg, floor_frame, invert, is_rigid, transform
from calibration.model import placement_of

INTR = Intrinsics(848, 480, 425.0, 425.0, 424.0, 240.0)


def camera_looking_down(height: float, tilt_deg: float) -> np.ndarray:
    """floor-frame → camera transform for a camera at `height`, pitched down by `tilt_deg`, facing floor +z."""
    t = np.radians(tilt_deg)
    # camera axes (x right, y down, z forward) expressed in the floor frame (x left, y up, z forward)
    z = np.array([0.0, -np.sin(t), np.cos(t)])
    y = np.array([0.0, -np.cos(t), -np.sin(t)])
    x = np.cross(y, z)
    floor_from_cam = np.eye(4)
    floor_from_cam[:3, :3] = np.stack([x, y, z], axis=1)
    floor_from_cam[:3, 3] = [0.0, height, 0.0]
    return invert(floor_from_cam)


def test_pixel_rays_round_trip_through_project():
    rx, ry = pixel_rays(INTR)
    v, u = 100, 700
    p = np.array([[rx[v, u] * 2.0, ry[v, u] * 2.0, 2.0]])
    np.testing.assert_allclose(project(INTR, p)[0], [u, v], atol=1e-3)


def test_project_behind_camera_is_nan():
    assert np.isnan(project(INTR, np.array([[0.0, 0.0, -1.0]]))).all()


@settings(max_examples=50, deadline=None)
@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(0.1, 3), st.floats(-np.pi, np.pi))
def test_floor_frame_is_rigid_and_puts_the_origin_on_the_floor(px, pz, h, yaw):
    normal = np.array([0.0, -1.0, 0.0])
    origin = np.array([px, h, pz])
    hint = np.array([np.cos(yaw), 0.3, np.sin(yaw)])
    pose = floor_frame(normal, origin, hint)
    assert is_rigid(pose)
    np.testing.assert_allclose(transform(pose, origin[None])[0], 0.0, atol=1e-9)
    up = transform(pose, (origin + normal)[None])[0]
    np.testing.assert_allclose(up, [0.0, 1.0, 0.0], atol=1e-9)


def test_is_rigid_rejects_scaled_and_reflected():
    assert not is_rigid(np.diag([2.0, 1, 1, 1]))
    assert not is_rigid(np.diag([-1.0, 1, 1, 1]))
    assert not is_rigid(np.full((4, 4), np.nan))


@pytest.mark.parametrize("pos,name", [
    ((0.0, 1.2, -2.5), "behind"),
    ((2.5, 1.2, 0.0), "side-left"),
    ((-2.5, 1.2, 0.0), "side-right"),
    ((1.8, 1.2, -1.8), "oblique-behind-left"),
    ((-1.8, 1.2, -1.8), "oblique-behind-right"),
    ((0.0, 1.2, 2.5), "front"),
])
def test_placement_names(pos, name):
    assert placement_of(np.array(pos)) == name


def test_azimuth_is_zero_behind_and_ninety_at_the_left():
    assert azimuth_deg(np.array([0.0, 1.0, -2.0])) == pytest.approx(0.0)
    assert azimuth_deg(np.array([2.0, 1.0, 0.0])) == pytest.approx(90.0)


def floor_and_wall_points(height, tilt, noise, rng):
    """Camera-frame points of a floor and a big wall, as a tilted camera sees them."""
    cam_from_floor = camera_looking_down(height, tilt)
    floor = np.column_stack([rng.uniform(-2, 2, 6000), np.zeros(6000), rng.uniform(0.5, 5, 6000)])
    wall = np.column_stack([rng.uniform(-2, 2, 9000), rng.uniform(0, 2.5, 9000), np.full(9000, 5.0)])
    pts = transform(cam_from_floor, np.vstack([floor, wall]))
    return pts + rng.normal(0, noise, pts.shape), cam_from_floor


@pytest.mark.parametrize("height,tilt", [(0.8, 10.0), (1.2, 25.0), (1.6, 40.0)])
def test_floor_fit_finds_the_floor_not_the_bigger_wall(height, tilt):
    rng = np.random.default_rng(1)
    pts, cam_from_floor = floor_and_wall_points(height, tilt, 0.005, rng)
    plane = fit_floor(pts)
    assert plane is not None
    true_up = cam_from_floor[:3, :3] @ np.array([0.0, 1.0, 0.0])
    assert np.degrees(np.arccos(np.clip(plane.normal @ true_up, -1, 1))) < 0.5
    assert plane.offset == pytest.approx(height, abs=0.005)     # camera height above the floor


def test_floor_fit_gives_none_without_a_floor():
    rng = np.random.default_rng(2)
    wall = np.column_stack([rng.uniform(-2, 2, 5000), rng.uniform(-1, 1, 5000), np.full(5000, 3.0)])
    assert fit_floor(wall) is None
    assert fit_floor(np.zeros((0, 3))) is None
