"""The calibration routine's plain-word refusals, on analytic depth images (no simulator needed)."""
from types import SimpleNamespace

import numpy as np
import pytest

from calibration.camera import DepthFrame, Intrinsics, pixel_rays
from calibration.routine import EMPTY_FRAMES, Routine, calibrate
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
        calibrate(frames(wall, EMPTY_FRAMES), 0.05)


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
        calibrate(frames(np.zeros((INTR.height, INTR.width), np.float32), EMPTY_FRAMES), 0.05)


def test_changing_resolution_mid_routine_is_refused():
    small = Intrinsics(212, 120, 106.0, 106.0, 106.0, 60.0)
    seq = frames(floor_seen_from(), 20) + [DepthFrame(np.zeros((120, 212), np.float32), small, 99, 0.0)]
    with pytest.raises(CalibrationError, match="changed resolution"):
        calibrate(seq, 0.05)


# ---- flat upright boards on the floor: a "client", people and furniture ---------------------------------------
TILT_DEG, LENS_M = -20.0, 1.5      # floor_seen_from's tilt: the lens 1.5 m high, looking 20 degrees down
CLIENT_M = 2.5                       # from the lens, horizontally
EMPTY = floor_seen_from(LENS_M, TILT_DEG)


def upright_plane(distance_m):
    """Depth of the upright plane facing the camera `distance_m` from the lens (horizontally), and the height above
    the floor and the position across the view of each of its pixels."""
    t = np.radians(TILT_DEG)
    up, forward = np.array([0.0, -np.cos(t), np.sin(t)]), np.array([0.0, np.sin(t), np.cos(t)])
    plane = plane_depth(forward, -distance_m)
    rx, ry = pixel_rays(INTR)
    return plane, plane * (up[0] * rx + up[1] * ry + up[2]) + LENS_M, plane * rx


def board(distance_m, across_m, height_m):
    """Depth of a flat upright board facing the camera, spanning `across_m` (left, right) and `height_m` (bottom,
    top) above the floor; 0 off the board."""
    plane, height, across = upright_plane(distance_m)
    on = (height > height_m[0]) & (height < height_m[1]) & (across > across_m[0]) & (across < across_m[1])
    return np.where(on, plane, 0.0).astype(np.float32)


def in_front(*layers):
    """The nearest depth of each pixel over the layers (0 = nothing there)."""
    stack = np.stack([np.where(d > 0, d, np.inf) for d in layers])
    nearest = stack.min(axis=0)
    return np.where(np.isfinite(nearest), nearest, 0.0).astype(np.float32)


def board_depth(top_m, no_depth_m=None):
    """The floor with a flat upright client 0.4 m wide and `top_m` tall facing the camera; no depth on the client
    between the heights `no_depth_m` (what dark fabric does)."""
    client = board(CLIENT_M, (-0.2, 0.2), (0.0, top_m))
    depth = in_front(EMPTY, client)
    if no_depth_m is not None:
        height = upright_plane(CLIENT_M)[1]
        depth[(client > 0) & (height > no_depth_m[0]) & (height < no_depth_m[1])] = 0.0
    return depth


def stand(routine, client):
    """Feed the routine the empty floor, then the client standing still for 2.5 s."""
    for i in range(EMPTY_FRAMES + 75):
        routine.feed(DepthFrame(EMPTY if i < EMPTY_FRAMES else client, INTR, i + 1, i * 33.3))


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


# ---- the empty step must be empty (calibration/background.py measures it, calibration/validate.py judges) -------
def person(distance_m, x_m=0.0):
    """A flat person 1.7 m tall: a body 0.4 m wide, and a head 0.2 m wide above 1.45 m."""
    return in_front(board(distance_m, (x_m - 0.2, x_m + 0.2), (0.0, 1.45)),
                    board(distance_m, (x_m - 0.1, x_m + 0.1), (1.45, 1.7)))


def empty_step(depths):
    """Feed the routine one empty step; the status after it."""
    routine = Routine(0.05)
    for i, depth in enumerate(depths):
        routine.feed(DepthFrame(depth, INTR, i + 1, i * 33.3))
    return routine.status


def test_someone_walking_through_the_empty_area_is_refused():
    walk = [in_front(EMPTY, person(CLIENT_M, -1.0 + 0.033 * i)) for i in range(EMPTY_FRAMES)]   # 1 m/s across
    with pytest.raises(CalibrationError) as refused:
        empty_step(walk)
    assert str(refused.value) == ("Someone is moving in the camera's view: clear the area within 4.5 m of the "
                                  "camera and keep it still while the kiosk learns the empty floor.")


def test_someone_leaving_during_the_empty_step_is_refused():
    """Standing still for most of the step (so the median is them), then gone: the floor they uncover moved."""
    there = in_front(EMPTY, person(CLIENT_M))
    with pytest.raises(CalibrationError, match="Someone is moving"):
        empty_step([there] * (EMPTY_FRAMES - 8) + [EMPTY] * 8)


def test_someone_standing_still_in_the_empty_area_is_refused():
    with pytest.raises(CalibrationError) as refused:
        empty_step([in_front(EMPTY, person(CLIENT_M))] * EMPTY_FRAMES)
    assert str(refused.value) == ("Someone is standing in view (2.5 m from the camera): the area must be empty for "
                                  "the first seconds.")


def test_still_furniture_is_background():
    """A rack's post, a locker (person-sized, but flat on top), a bench and a wide cabinet: none of them a person."""
    furniture = in_front(EMPTY, board(2.0, (-1.0, -0.92), (0.0, 2.2)), board(3.0, (0.6, 1.1), (0.0, 1.8)),
                         board(2.2, (0.2, 1.4), (0.0, 0.45)), board(3.5, (-1.6, -0.6), (0.0, 1.8)))
    assert empty_step([furniture] * EMPTY_FRAMES).step == "wait"


def test_the_live_routine_lets_the_trainer_step_out_of_view_first(capsys):
    """`python -m calibration live`: whoever started it is in view for a few seconds; then the empty step begins."""
    from calibration.__main__ import _guided
    from calibration.wizard import LEAVE_S

    class Camera(list):
        info = SimpleNamespace(baseline_m=0.05, name="test", serial="1")

    leaving = int(LEAVE_S * 30)
    trainer = in_front(EMPTY, person(1.2))
    source = Camera(DepthFrame(trainer if i < leaving else EMPTY, INTR, i + 1, i * 33.3)
                    for i in range(leaving + EMPTY_FRAMES + 30))
    with pytest.raises(CalibrationError, match="Nobody stood still"):      # the source ends before a client came
        _guided(source)
    assert capsys.readouterr().out.splitlines()[:3] == [
        "Step out of view: the kiosk learns the empty floor in 5 seconds.", "Keep the area around the mark clear.",
        "Client: stand on the mark facing the screen."]
