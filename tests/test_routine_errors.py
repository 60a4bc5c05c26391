"""The calibration routine's plain-word refusals, on analytic depth images (no simulator needed)."""
import numpy as np
import pytest

from calibration.camera import DepthFrame, Intrinsics, pixel_rays
from calibration.routine import Routine, calibrate
from calibration.validate import MIN_BODY_DEPTH, MIN_HIP_DEPTH, CalibrationError, DepthQuality

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


# ---- the depth check at the end of the still step: a flat, upright "client" on the floor ------------------------
TILT_DEG, LENS_M = -20.0, 1.5      # floor_seen_from's tilt: the lens 1.5 m high, looking 20 degrees down
CLIENT_M = 2.5                       # from the lens, horizontally


def board_depth(top_m, no_depth_m=None):
    """The floor with a flat upright client 0.4 m wide and `top_m` tall facing the camera; no depth on the client
    between the heights `no_depth_m` (what dark fabric does)."""
    t = np.radians(TILT_DEG)
    up, forward = np.array([0.0, -np.cos(t), np.sin(t)]), np.array([0.0, np.sin(t), np.cos(t)])
    board = plane_depth(forward, -CLIENT_M)
    rx, ry = pixel_rays(INTR)
    height = board * (up[0] * rx + up[1] * ry + up[2]) + LENS_M
    client = (height > 0.0) & (height < top_m) & (np.abs(board * rx) < 0.2)
    depth = np.where(client, board, floor_seen_from(LENS_M, TILT_DEG))
    if no_depth_m is not None:
        depth[client & (height > no_depth_m[0]) & (height < no_depth_m[1])] = 0.0
    return depth.astype(np.float32)


def stand(routine, client):
    """Feed the routine the empty floor, then the client standing still for 2.5 s."""
    empty = floor_seen_from(LENS_M, TILT_DEG)
    for i in range(100):
        routine.feed(DepthFrame(empty if i < 20 else client, INTR, i + 1, i * 33.3))


def test_a_client_with_depth_everywhere_passes_the_depth_check():
    routine = Routine(0.05)
    stand(routine, board_depth(1.7))
    assert routine.status.step == "hinge"
    assert routine.depth_quality == DepthQuality(1.0, 1.0)


@pytest.mark.parametrize("no_depth_m", [(0.3, 0.95), (0.7, 1.0)], ids=["dark trousers", "hips only"])
def test_a_client_without_depth_on_the_legs_or_hips_is_refused(no_depth_m):
    routine = Routine(0.05)
    with pytest.raises(CalibrationError, match="^Too little of the client has depth: avoid very dark or shiny "
                                               r"clothes and direct sunlight, and keep the camera 2-3 m away\.$"):
        stand(routine, board_depth(1.7, no_depth_m))
    # Dark trousers: the client found above the floor's noise margin (shoes and ankles here) and the shirt enclose
    # the legs without depth, so they count as holes.
    assert routine.depth_quality.hips < MIN_HIP_DEPTH
    if no_depth_m == (0.7, 1.0):       # the hips alone (40-60 % of stature) are a sixth of the body
        assert routine.depth_quality.body >= MIN_BODY_DEPTH


def test_something_short_standing_still_on_the_mark_is_nobody():
    with pytest.raises(CalibrationError, match="Nobody standing was found"):
        stand(Routine(0.05), board_depth(0.8))
