"""The calibration routine's plain-word refusals, on analytic depth images (no simulator needed)."""
import numpy as np
import pytest

from calibration.camera import DepthFrame, Intrinsics, pixel_rays
from calibration.routine import calibrate
from calibration.validate import CalibrationError

INTR = Intrinsics(424, 240, 212.0, 212.0, 212.0, 120.0)


def plane_depth(normal, offset):
    """z-depth of the plane normal·p + offset = 0 seen by the camera (0 where the ray misses it)."""
    rx, ry = pixel_rays(INTR)
    denom = normal[0] * rx + normal[1] * ry + normal[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = -offset / denom
    return np.where((z > 0.2) & (z < 8.0), z, 0.0).astype(np.float32)


def frames(depth, n):
    return [DepthFrame(depth, INTR, i + 1, i * 33.3) for i in range(n)]


def floor_seen_from(height=1.2, tilt_deg=20.0):
    t = np.radians(tilt_deg)
    up_in_camera = np.array([0.0, -np.cos(t), np.sin(t)])
    return plane_depth(up_in_camera, height)


def test_a_camera_that_sees_no_floor_is_told_to_tilt_down():
    wall = plane_depth(np.array([0.0, 0.0, -1.0]), 3.0)
    with pytest.raises(CalibrationError, match="No floor found"):
        calibrate(frames(wall, 30), 0.05)


def test_an_empty_floor_only_recording_says_nobody_stood_on_the_mark():
    with pytest.raises(CalibrationError, match="Nobody stood still"):
        calibrate(frames(floor_seen_from(), 60), 0.05)


def test_a_too_short_recording_says_so():
    with pytest.raises(CalibrationError, match="too short"):
        calibrate(frames(floor_seen_from(), 3), 0.05)


def test_no_frames_at_all():
    with pytest.raises(CalibrationError, match="too short"):
        calibrate([], 0.05)


def test_a_blank_depth_stream_finds_no_floor():
    with pytest.raises(CalibrationError, match="No floor found"):
        calibrate(frames(np.zeros((INTR.height, INTR.width), np.float32), 30), 0.05)


def test_changing_resolution_mid_routine_is_refused():
    small = Intrinsics(212, 120, 106.0, 106.0, 106.0, 60.0)
    seq = frames(floor_seen_from(), 20) + [DepthFrame(np.zeros((120, 212), np.float32), small, 99, 0.0)]
    with pytest.raises(CalibrationError, match="changed resolution"):
        calibrate(seq, 0.05)
