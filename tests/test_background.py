"""The background the calibration learns from the empty area, and the refusal of an empty step that is not empty
(issue "Measure only the client: a real studio around the mark", calibration side).

Hand-made frame stacks check the statistics; simulated studios (the simulator's room, bodies and stereo noise)
check the thresholds of calibration/validate.py against what they were chosen from: still furniture is never
refused, a person walking through or standing still always is.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from calibration.background import Area, Background, learn, moving_area_m2, standing, temporal_median, to_mm
from calibration.camera import DepthFrame, camera_rays, depth_rms_m
from calibration.geometry import floor_frame
from calibration.model import Calibration
from calibration.routine import EMPTY_FRAMES, EMPTY_REACH_M, ZONE_TOP_M, Routine
from calibration.validate import MOVING_AREA_M2, CalibrationError, looks_like_person
from kiosk.sim.body import Body, Mesh, Pose, build, named_body, unit_box
from kiosk.sim.render import Renderer, StereoNoise
from kiosk.sim.room import Placement, room
from kiosk.sim.scenarios import passer_path
from kiosk.sim.script import Script
from kiosk.zone import make_zone

FX, BASELINE = 425.0, 0.05


# ---- the statistics, on hand-made stacks (millimetres, 0 = no depth) ---------------------------------------------
def stack_of(*columns: list[int]) -> np.ndarray:
    """A stack of 1-row frames: column k holds pixel k's depth in each frame."""
    return np.array(columns, np.uint16).T[:, None, :]


def test_the_background_is_the_median_of_the_frames_with_depth() -> None:
    frames = stack_of([2000, 2010, 0, 1990, 2004, 0], [3000] * 6, [1000, 1000, 1000, 1000, 5000, 1000])
    bg = learn(frames, FX, BASELINE)
    assert bg.depth_m.dtype == np.float32 and bg.depth_m.shape == (1, 3)
    # the two frames without depth are left out; a single far outlier does not move the median
    np.testing.assert_array_equal(to_mm(bg.depth_m), [[2002, 3000, 1000]])


def test_a_pixel_with_depth_in_under_half_the_frames_is_unknown() -> None:
    frames = stack_of([2000, 2000, 2000, 0, 0, 0], [2000, 2000, 0, 0, 0, 0])
    bg = learn(frames, FX, BASELINE)
    np.testing.assert_array_equal(to_mm(bg.depth_m), [[2000, 0]])
    assert bg.spread_m[0, 1] == 0.0                     # unknown: no spread either


def test_the_spread_is_robust_and_never_below_the_stereo_noise() -> None:
    rng = np.random.default_rng(0)
    noisy = 4000 + rng.normal(0, 100, 36)              # 10 cm of noise at 4 m, more than the model's 6 cm
    flying = np.full(36, 2000.0)
    flying[::9] = 3500                                  # a flying pixel now and then
    frames = stack_of(np.rint(noisy).astype(int).tolist(), flying.astype(int).tolist(), [1500] * 36)
    bg = learn(frames, FX, BASELINE)
    model = depth_rms_m(bg.depth_m[0], FX, BASELINE)
    assert bg.spread_m[0, 0] == pytest.approx(0.1, rel=0.3)                       # the pixel's own noise
    assert bg.spread_m[0, 1] == pytest.approx(model[1], abs=0.001)               # outliers ignored: the model
    assert bg.spread_m[0, 2] == pytest.approx(model[2], abs=0.001)               # never quieter than the camera
    assert (bg.spread_m >= model - 1e-6).all()


def test_the_median_alone_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    frames = rng.integers(500, 6000, (15, 7, 9)).astype(np.uint16)
    frames[rng.random(frames.shape) < 0.3] = 0
    valid = frames > 0
    expected = np.nanmedian(np.where(valid, frames, np.nan), axis=0) / 1000.0
    expected[2 * valid.sum(axis=0) < len(frames)] = 0.0
    np.testing.assert_allclose(temporal_median(frames), expected, atol=1e-6)


def test_millimetres_round_trip_exactly() -> None:
    depth_mm = np.array([[0, 1, 2345, 65535]], np.uint16)
    spread_mm = np.array([[7, 1, 12, 900]], np.uint16)
    bg = Background.from_mm(depth_mm, spread_mm)
    back_depth, back_spread = bg.to_mm()
    np.testing.assert_array_equal(back_depth, depth_mm)
    np.testing.assert_array_equal(back_spread, [[0, 1, 12, 900]])        # no spread where the depth is unknown


def test_the_background_is_sampled_like_the_zone_samples_a_frame() -> None:
    placement = Placement("oblique-behind-left", 2.2, 1.0)
    intr = placement.intrinsics
    cal = Calibration(intr, placement.studio_from_camera(), placement.baseline_m)
    zone = make_zone(cal)
    depth = np.random.default_rng(2).uniform(0.5, 6.0, (intr.height, intr.width)).astype(np.float32)
    bg = Background(depth, depth / 100)
    sampled, spread = bg.sample(zone.rows, zone.cols, zone.stride)
    np.testing.assert_array_equal(sampled, zone.sample(depth))
    np.testing.assert_array_equal(spread, zone.sample(depth / 100))


# ---- simulated studios -------------------------------------------------------------------------------------------
PLACEMENTS = {
    "side-left 2.4 m": Placement("side-left", 2.4, 1.2),
    "behind 3.0 m": Placement("behind", 3.0, 1.6),
    "oblique 1.8 m, D455": Placement("oblique-behind-left", 1.8, 1.6, camera="d455"),
    "behind 3.4 m": Placement("behind", 3.4, 1.6),
}
STILL = list(PLACEMENTS)[:3]


def boxes(*corners: tuple[tuple[float, float, float], tuple[float, float, float]]) -> Mesh:
    """Upright boxes (low corner, high corner; studio frame) as one mesh."""
    unit_v, unit_t = unit_box()
    verts = [unit_v * (np.array(hi) - lo) + lo for lo, hi in corners]
    tris = [unit_t + k * len(unit_v) for k in range(len(corners))]
    return Mesh(np.concatenate(verts).astype(np.float32), np.concatenate(tris).astype(np.int32), np.zeros(0, np.int64))


def studio() -> Mesh:
    """The simulator's room with a studio's furniture around the mark: a bench beside it, stacked boxes, a rack
    (two posts 2.2 m tall and a bar) behind it, a locker (0.5 m wide, as tall as a person), a kettlebell, a mat and
    a wall 1 m to the client's right."""
    base = room()
    things = boxes(((0.5, 0, -0.4), (1.7, 0.45, 0.0)), ((-1.1, 0, 0.5), (-0.6, 0.9, 0.9)),
                   ((-0.7, 0, -1.3), (-0.62, 2.2, -1.22)), ((0.62, 0, -1.3), (0.7, 2.2, -1.22)),
                   ((-0.8, 1.4, -1.28), (0.8, 1.44, -1.24)), ((0.9, 0, 0.9), (1.4, 1.8, 1.4)),
                   ((0.8, 0, 0.6), (0.95, 0.2, 0.75)), ((-0.9, 0, -0.5), (-0.3, 0.02, 0.5)),
                   ((-1.1, 0, -3.0), (-1.0, 2.5, 3.0)))
    return Mesh(np.concatenate([base.vertices, things.vertices]),
                np.concatenate([base.triangles, things.triangles + len(base.vertices)]), np.zeros(0, np.int64))


@functools.cache
def still(placement_name: str, scene: str) -> tuple[np.ndarray, np.ndarray]:
    """An empty step of a still scene (36 frames, mm) and its exact depth: the room ("room"), the furnished studio
    ("studio"), or the room with someone standing still near the mark ("slim 1.45", "broad 2.00", ...)."""
    placement = PLACEMENTS[placement_name]
    renderer = Renderer(placement.intrinsics, placement.camera_from_studio(), studio() if scene == "studio" else room())
    bodies = []
    if scene not in ("room", "studio"):
        build_name, stature = scene.split()
        bodies = [build(named_body(build_name, float(stature)), Pose(x=0.3, z=0.4, heading=2.0))]
    exact, dark = renderer.render(bodies)
    noise = StereoNoise(placement.intrinsics, placement.baseline_m, seed=5)
    return np.stack([to_mm(noise.apply(exact, dark)) for _ in range(EMPTY_FRAMES)]), exact


def walking(placement_name: str, path: tuple[tuple[float, float], tuple[float, float]]) -> np.ndarray:
    """An empty step (mm) with someone walking along `path` at 1 m/s, the middle 1.2 s of their walk."""
    placement = PLACEMENTS[placement_name]
    renderer = Renderer(placement.intrinsics, placement.camera_from_studio(), room())
    noise = StereoNoise(placement.intrinsics, placement.baseline_m, seed=6)
    poses = Script(Body(1.78)).walk(*path).poses
    start = (len(poses) - EMPTY_FRAMES) // 2
    return np.stack([to_mm(noise.apply(*renderer.render([build(Body(1.78), pose)])))
                     for pose in poses[start:start + EMPTY_FRAMES]])


def empty_step(placement_name: str, frames_mm: np.ndarray) -> Routine:
    """The routine fed one empty step (it refuses with CalibrationError, or goes on to wait for the client)."""
    placement = PLACEMENTS[placement_name]
    routine = Routine(placement.baseline_m)
    for k, frame in enumerate(frames_mm):
        routine.feed(DepthFrame(frame / np.float32(1000.0), placement.intrinsics, k + 1, k * 33.3))
    return routine


def measures(placement_name: str, frames_mm: np.ndarray) -> tuple[np.ndarray, list]:
    """What the empty-area checks measure: the moving area per frame and the things standing in the background."""
    placement = PLACEMENTS[placement_name]
    intr = placement.intrinsics
    bg = learn(frames_mm, intr.fx, placement.baseline_m)
    to_floor = floor_frame(*_floor_of(placement), np.array([0.0, 0.0, 1.0]))
    area = Area(to_floor, camera_rays(intr), intr.fx, placement.baseline_m, EMPTY_REACH_M, ZONE_TOP_M)
    return moving_area_m2(frames_mm, bg, area), standing(bg, area)


def _floor_of(placement: Placement) -> tuple[np.ndarray, np.ndarray]:
    """The true floor in camera coordinates: its normal (up) and the point below the camera."""
    pose = placement.studio_from_camera()
    up = pose[:3, :3].T @ np.array([0.0, 1.0, 0.0])
    return up, -placement.height_m * up


@pytest.mark.slow
@pytest.mark.parametrize("placement", STILL)
def test_an_empty_room_gives_a_background_within_its_noise(placement: str) -> None:
    frames, exact = still(placement, "room")
    routine = empty_step(placement, frames)
    assert routine.status.step == "wait"
    bg = learn(frames, PLACEMENTS[placement].intrinsics.fx, PLACEMENTS[placement].baseline_m)
    known = (bg.depth_m > 0) & (exact > 0)
    assert known.mean() > 0.8                    # the left band, edges and what lies out of range are unknown
    # the median of 36 frames errs by ~1.25 sigma / 6: within 4 of that nearly everywhere (edges fly)
    error = np.abs(bg.depth_m - exact)[known]
    assert np.mean(error <= 4 * 1.25 * bg.spread_m[known] / 6 + 0.001) > 0.99
    # the spread is the camera's noise: the stereo model, which is what the simulator adds
    ratio = bg.spread_m[known] / depth_rms_m(bg.depth_m[known], PLACEMENTS[placement].intrinsics.fx,
                                              PLACEMENTS[placement].baseline_m)
    assert 1.0 <= np.median(ratio) < 1.2


@pytest.mark.slow
@pytest.mark.parametrize("placement", STILL)
def test_still_furniture_around_the_mark_is_background(placement: str) -> None:
    frames, _ = still(placement, "studio")
    moving, things = measures(placement, frames)
    assert moving.max() < MOVING_AREA_M2 / 10
    assert not any(looks_like_person(t) for t in things)
    assert empty_step(placement, frames).status.step == "wait"


@pytest.mark.slow
@pytest.mark.parametrize("placement,person", [("side-left 2.4 m", "slim 1.45"), ("behind 3.0 m", "broad 2.00"),
                                              ("oblique 1.8 m, D455", "ponytail 1.60")])
def test_someone_standing_still_near_the_mark_is_refused(placement: str, person: str) -> None:
    frames, _ = still(placement, person)
    moving, things = measures(placement, frames)
    assert moving.max() < MOVING_AREA_M2 / 10            # standing still: nothing moves...
    assert sum(looks_like_person(t) for t in things) == 1      # ...but there is a person
    with pytest.raises(CalibrationError, match=r"^Someone is standing in view \(\d\.\d m from the camera\): the "
                                               r"area must be empty for the first seconds\.$"):
        empty_step(placement, frames)


@pytest.mark.slow
def test_someone_walking_past_the_mark_is_refused() -> None:
    frames = walking("side-left 2.4 m", ((-1.2, 0.4), (1.2, 0.4)))
    moving, _ = measures("side-left 2.4 m", frames)
    assert moving.min() > 3 * MOVING_AREA_M2                   # in every frame, with room to spare
    with pytest.raises(CalibrationError, match="^Someone is moving in the camera's view: clear the area within "
                                               r"4\.5 m of the camera and keep it still"):
        empty_step("side-left 2.4 m", frames)


@pytest.mark.slow
@pytest.mark.parametrize("placement,refused", [("side-left 2.4 m", True), ("behind 3.4 m", False)],
                         ids=["3.8 m from the camera", "4.8 m from the camera"])
def test_a_passer_by_beyond_the_mark_counts_within_reach_of_the_zone(placement: str, refused: bool) -> None:
    """The heel line is not known during the empty step, so the whole view within 4.5 m of the camera (the mark may
    be 3.6 m away, the zone reaches 0.9 m beyond it) must be still; the simulator's passer-by walks 1.4 m beyond
    the mark."""
    cam = PLACEMENTS[placement].position
    frames = walking(placement, passer_path(np.array([cam[0], cam[2]])))
    if refused:
        with pytest.raises(CalibrationError, match="^Someone is moving"):
            empty_step(placement, frames)
    else:
        assert empty_step(placement, frames).status.step == "wait"
