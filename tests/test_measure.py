"""Measurement on rendered depth with known truth: hip offset in centimetres, the mark, the blank and hostile input."""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from calibration.camera import DepthFrame
from kiosk.measure import Measurer
from kiosk.sim import Placement, simulate
from kiosk.sim.body import BUILDS, Body, Pose, build, named_body, truth
from kiosk.sim.moves import HINGE, SQUAT
from kiosk.sim.render import Renderer, StereoNoise
from kiosk.sim.room import room

STATURE = 1.75
BODY = Body(STATURE)         # the average build; other builds: test_builds_are_measured_alike


@functools.cache
def scene(name: str, distance: float = 2.4, height: float = 1.2):
    """A renderer and the true calibration for one camera placement (made once: neither is changed by use)."""
    placement = Placement(name, distance, height)
    cal = simulate("smoke", placement, body=BODY).calibration()
    return Renderer(placement.intrinsics, placement.camera_from_studio(), room()), cal, placement


def frame(depth: np.ndarray, cal, number: int = 1) -> DepthFrame:
    return DepthFrame(depth, cal.intrinsics, number, number * 1000 / 30)


def measurer_after_standing(renderer: Renderer, cal, body: Body = BODY) -> Measurer:
    """A Measurer that has seen the client stand upright first, as it always has on the kiosk."""
    measurer = Measurer(cal)
    measurer(frame(renderer.depth([build(body, Pose())]), cal, 0))
    return measurer


def measured_in(renderer: Renderer, cal, body: Body, pose: Pose, measurer: Measurer | None = None,
                frames: int = 12):
    """The measurement of `pose` reached as a camera sees it: from standing upright, through `frames` frames
    (0.4 s at 30 fps, a quick rep: the measurer follows the rear of the hips from frame to frame)."""
    measurer = measurer or measurer_after_standing(renderer, cal, body)
    m = None
    for k in range(1, frames + 1):
        a = k / frames
        step = dataclasses.replace(pose, **{f: getattr(pose, f) * a for f in MOVING})
        m = measurer(frame(renderer.depth([build(body, step)]), cal, k))
    return m


MOVING = ("shank", "thigh", "trunk", "lumbar", "thoracic")


# Without noise only the method limits us. From the side, the steep depth at the silhouette costs a pixel or two
# of the outline (4-8 mm at 2.4 m); from behind, a quadric stands in for a rounded rear; seen obliquely the
# patch is one-sided and the quadric is pulled in by up to 2 cm in a deep hinge (a known weakness).
TOLERANCE_M = {"side-left": 0.010, "side-right": 0.010, "behind": 0.010, "oblique-behind-left": 0.022,
               "oblique-behind-right": 0.022}


@pytest.mark.parametrize("name", list(TOLERANCE_M))
@pytest.mark.parametrize("pose", [Pose(), HINGE.at(0.4), HINGE.at(0.9), SQUAT.at(0.8)],
                         ids=["stand", "hinge", "deep", "squat"])
def test_exact_depth_gives_the_hip_offset(name: str, pose: Pose) -> None:
    renderer, cal, _ = scene(name)
    m = measured_in(renderer, cal, BODY, pose)
    true = truth(BODY, pose)
    assert m.present and m.on_mark
    assert m.hip_offset_m == pytest.approx(true.hip_offset_m, abs=TOLERANCE_M[name])
    assert m.hip_height_m == pytest.approx(true.hip_height_m, abs=0.06)


# Every build, and the shortest and tallest clients, in the three ways the rear is read (the silhouette edge from
# the side, a surface fitted face-on from behind, and one-sided obliquely): the method is not tuned to one body.
CLIENTS = [(name, 1.75) for name in BUILDS] + [("slim", 1.50), ("glutes", 2.00)]


@pytest.mark.parametrize("name", ["side-left", "behind", "oblique-behind-left"])
@pytest.mark.parametrize("build_name,stature", CLIENTS)
def test_builds_are_measured_alike(name: str, build_name: str, stature: float) -> None:
    renderer, cal, _ = scene(name)
    body = named_body(build_name, stature)
    measurer = measurer_after_standing(renderer, cal, body)
    heights = []
    for pose in (Pose(), HINGE.at(0.7)):
        m = measured_in(renderer, cal, body, pose, measurer)
        true = truth(body, pose)
        assert m.present and m.on_mark
        assert m.hip_offset_m == pytest.approx(true.hip_offset_m, abs=TOLERANCE_M[name])
        heights.append((m.hip_height_m, true.hip_height_m))
    for measured, true_height in heights:
        assert measured == pytest.approx(true_height, abs=0.06)



@pytest.mark.parametrize("name", ["side-left", "behind", "oblique-behind-right"])
def test_noisy_depth_is_not_biased_by_the_noise(name: str) -> None:
    renderer, cal, placement = scene(name)
    noise = StereoNoise(placement.intrinsics, placement.baseline_m, seed=3)
    pose = HINGE.at(0.6)
    mesh = build(BODY, pose)
    exact = renderer.depth([mesh])
    measurer = measurer_after_standing(renderer, cal)
    true = truth(BODY, pose, mesh).hip_offset_m
    errors = [measurer(frame(noise.apply(exact), cal, k)).hip_offset_m - true for k in range(1, 13)]
    # the rearmost noisy pixel would sit 2-4 cm too far back here (docs/depth.md); a surface estimate must not
    assert abs(np.mean(errors)) < 0.01
    assert np.max(np.abs(errors)) < 0.03


def test_the_profile_is_the_body_seen_from_the_side() -> None:
    renderer, cal, _ = scene("behind")
    pose = HINGE.at(0.8)
    mesh = build(BODY, pose)
    m = measurer_after_standing(renderer, cal)(frame(renderer.depth([mesh]), cal))
    assert m.profile is not None and m.profile.shape[1] == 2 and len(m.profile) > 100
    z, y = m.profile[:, 0], m.profile[:, 1]
    assert -z.max() < 0.5 and -z.min() == pytest.approx(truth(BODY, pose, mesh).hip_offset_m, abs=0.03)
    assert 0 <= y.min() < 0.15 and y.max() < STATURE


def test_someone_beside_the_mark_is_present_but_not_on_it() -> None:
    renderer, cal, _ = scene("side-left")
    m = Measurer(cal)(frame(renderer.depth([build(BODY, Pose(x=-0.5, z=0.3))]), cal))
    assert m.present and not m.on_mark and m.hip_offset_m is None
    assert m.feet_x_m == pytest.approx(-0.5, abs=0.08)


def test_a_passer_by_in_the_background_changes_nothing() -> None:
    renderer, cal, _ = scene("side-left")
    client = build(BODY, HINGE.at(0.5))
    alone = measurer_after_standing(renderer, cal)(frame(renderer.depth([client]), cal))
    passer = build(Body(1.85), Pose(x=-1.4, z=0.2, heading=np.pi / 2, stride=0.3))
    together = measurer_after_standing(renderer, cal)(frame(renderer.depth([client, passer]), cal))
    assert together.on_mark
    assert together.hip_offset_m == pytest.approx(alone.hip_offset_m, abs=0.003)


def test_an_empty_room_and_a_blank_stream_have_nobody() -> None:
    renderer, cal, _ = scene("behind")
    measurer = Measurer(cal)
    for depth in (renderer.depth([]), np.zeros_like(renderer.static)):
        m = measurer(frame(depth, cal))
        assert not m.present and not m.on_mark and m.hip_offset_m is None


def test_hostile_depth_never_raises() -> None:
    _, cal, _ = scene("side-right")
    measurer = Measurer(cal)
    rng = np.random.default_rng(0)
    shape = (cal.intrinsics.height, cal.intrinsics.width)
    garbage = [rng.uniform(0, 10, shape).astype(np.float32),                    # random depth everywhere
               np.full(shape, 0.05, np.float32),                                  # everything touching the lens
               np.where(rng.random(shape) < 0.5, 65.535, 0.0).astype(np.float32)]  # saturated z16
    for k, depth in enumerate(garbage):
        m = measurer(frame(depth, cal, k + 1))
        assert m.frame == k + 1
        assert m.hip_offset_m is None or np.isfinite(m.hip_offset_m)


def test_the_frame_number_and_time_come_from_the_frame() -> None:
    renderer, cal, _ = scene("side-left")
    f = dataclasses.replace(frame(renderer.depth([build(BODY, Pose())]), cal), frame_number=77,
                            timestamp_ms=2566.0)
    m = Measurer(cal)(f)
    assert (m.frame, m.t_s) == (77, pytest.approx(2.566))
