"""Only the client is measured, in a studio around the mark (issue "Measure only the client").

Each kind of clutter of the simulator's studio catalogue (`kiosk/sim/studio.py`) is played with a short visit
(walk on, stand, one hinge to the wall, walk off), in a placement of its own so every placement is covered, and
measured against the ground truth in centimetres: the client's hip offset (within the targets, or no worse than
the same visit in an empty studio), the rep and its calls (those of the same visit in an empty studio), nothing
measured while the client is not on the mark (a trainer, a passer-by or an object never is), and the frames where
someone hides the client never measured. The background is learnt, as the routine learns it, from the empty studio as it stood at
calibration (props placed later are not in it). Then the background's following: a bench moved and left becomes
background after a few seconds of an empty zone, never while the client is there.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from calibration.background import learn, to_mm
from calibration.camera import DepthFrame
from kiosk.analyze import analyze
from kiosk.background import FOLLOW_S, MOVED_FOR_S
from kiosk.measure import Measurer
from kiosk.scoring import score
from kiosk.sim import Placement, named_body, simulate
from kiosk.sim.body import Pose, build
from kiosk.sim.render import Renderer, StereoNoise
from kiosk.sim.room import AIM, join, room
from kiosk.sim.scenarios import session_wall_m
from kiosk.sim.studio import STUDIOS, Studio
from tests.test_background import boxes

PLACEMENTS = [Placement("side-left", 2.4, 1.2), Placement("behind", 2.2, 1.4),
              Placement("oblique-behind-left", 2.2, 1.0), Placement("side-right", 2.0, 0.9),
              Placement("oblique-behind-right", 2.6, 1.4, camera="d455")]
CLIENTS = [("average", 1.75), ("slim", 1.55), ("broad", 1.88), ("ponytail", 1.62), ("glutes", 1.70)]
CLUTTER = [name for name, s in STUDIOS.items() if name != "empty" and not s.takes_the_mark]
BACKGROUND_FRAMES = 12


def case(k: int) -> tuple[Placement, str, float]:
    placement = PLACEMENTS[k % len(PLACEMENTS)]
    build_name, stature = CLIENTS[k % len(CLIENTS)]
    return placement, build_name, stature


def calibrated(sim, seed: int):
    """The true calibration with the background the routine would learn: the calibration's empty first second."""
    cal_sim = simulate("calibration", sim.placement, sim.body, seed=seed, studio=sim.layout.studio)
    empty = [to_mm(depth) for _, depth in zip(range(BACKGROUND_FRAMES), cal_sim.frames())]
    intr = sim.placement.intrinsics
    return dataclasses.replace(sim.calibration(), background=learn(np.stack(empty), intr.fx, sim.placement.baseline_m))


def frames_of(sim):
    intr = sim.placement.intrinsics
    for k, depth in enumerate(sim.frames()):
        yield DepthFrame(depth, intr, k + 1, k * 1000.0 / 30.0)


@functools.cache
def visit(studio: str, k: int) -> tuple[dict, dict, list[bool], float]:
    placement, build_name, stature = case(k)
    body = named_body(build_name, stature)
    wall = session_wall_m(body)
    sim = simulate("smoke", placement, body, seed=k, wall_m=wall, studio=studio)
    result = analyze(frames_of(sim), calibrated(sim, k), wall)
    return result, sim.truth(), [pose is None for pose in sim.script.poses], wall


@pytest.mark.slow
@pytest.mark.parametrize("k,studio", list(enumerate(CLUTTER)))
def test_the_client_alone_is_measured_in_a_cluttered_studio(k: int, studio: str) -> None:
    result, truth, away, wall = visit(studio, k)
    s = score(result, truth, wall)
    alone = score(*visit("empty", k)[:2], wall)          # the same visit in an empty studio
    assert s.mae_m <= max(0.005, alone.mae_m + 0.001) and s.p95_m <= max(0.015, alone.p95_m + 0.002), \
        f"{s.summary()}; without the clutter: {alone.summary()}"
    assert s.matched_reps == 1 and not s.invented_reps, s.summary()
    assert s.wrong_calls == alone.wrong_calls, "the clutter changed a call"   # spine calls: tests/test_angles.py
    measured = {f["frame"]: f for f in result["frames"] if f["hip_offset_m"] is not None}
    assert not [f for f in measured if away[f - 1]], "measured while the client was not in the room"
    hidden = [t["frame"] for t in truth["frames"] if t["occluded"]]
    assert not [f for f in hidden if f in measured and not measured[f]["occluded"]], "measured the client hidden"
    assert not any(f["camera_moved"] for f in result["frames"]), "clutter taken for a moved camera"
    if studio in ("trainer-touch", "passer-between"):
        assert any(t["touched"] for t in truth["frames"]) or hidden, "the case never brought anyone near the client"


@pytest.mark.slow
def test_a_client_hidden_by_someone_walking_between_is_marked_occluded() -> None:
    k = CLUTTER.index("passer-between")
    result, truth, _, _ = visit("passer-between", k)
    hidden = {t["frame"] for t in truth["frames"] if t["occluded"]}
    assert hidden, "the passer-by never hid the client"
    marked = {f["frame"] for f in result["frames"] if f["occluded"] or f["hip_offset_m"] is None}
    assert hidden <= marked


def test_every_studio_names_what_it_holds() -> None:
    placement, build_name, stature = case(0)
    for studio in CLUTTER:
        sim = simulate("smoke", placement, named_body(build_name, stature), seed=0, studio=studio)
        truth = sim.truth()
        assert truth["studio"] == studio and truth["others"], studio


def test_an_object_on_the_mark_is_only_for_an_empty_visit() -> None:
    with pytest.raises(ValueError, match="unattended"):
        simulate("smoke", studio="object-on-mark")
    with pytest.raises(ValueError, match="unknown studio"):
        simulate("smoke", studio="gym")


# ---- the background follows what is moved and left -----------------------------------------------------------
BENCH = ((-0.55, 0.0, -0.75), (0.55, 0.45, -0.45))     # a bench pushed behind the mark after calibration


def _frames(placement: Placement, static, bodies_of, count: int, seed: int, start: int = 0):
    renderer = Renderer(placement.intrinsics, placement.camera_from_studio(), static)
    noise = StereoNoise(placement.intrinsics, placement.baseline_m, seed=seed)
    for k in range(start, start + count):
        yield DepthFrame(noise.apply(*renderer.render(bodies_of(k))), placement.intrinsics, k + 1, k * 1000.0 / 30.0)


def _bench_pixels(measurer: Measurer, placement: Placement) -> np.ndarray:
    """The measurer's grid pixels where the bench shows (exact depth, with and without it)."""
    with_bench = Renderer(placement.intrinsics, placement.camera_from_studio(), join([room(), boxes(BENCH)]))
    without = Renderer(placement.intrinsics, placement.camera_from_studio(), room())
    a, b = (measurer.zone.sample(r.depth([])) for r in (with_bench, without))
    return (a > 0) & (np.abs(a - b) > 0.1)


@pytest.mark.parametrize("client_there", [False, True])
def test_a_bench_moved_and_left_becomes_background_only_while_the_zone_is_empty(client_there: bool) -> None:
    placement = Placement("side-left", 2.4, 1.2)
    body = named_body("average", 1.75)
    empty = [to_mm(f.depth_m) for f in _frames(placement, room(), lambda k: [], BACKGROUND_FRAMES, 1)]
    sim_cal = simulate("smoke", placement, body).calibration()
    cal = dataclasses.replace(sim_cal, background=learn(np.stack(empty), placement.intrinsics.fx,
                                                        placement.baseline_m))
    measurer = Measurer(cal)
    bench = _bench_pixels(measurer, placement)
    assert bench.sum() > 50
    client = [build(body, Pose())] if client_there else []
    frames = int((FOLLOW_S + 1.0) * 30)
    for frame in _frames(placement, join([room(), boxes(BENCH)]), lambda k: client, frames, 2):
        m = measurer(frame)
    learnt = ~measurer.background.foreground(measurer.zone.sample(frame.depth_m))[bench]
    if client_there:
        assert m.on_mark and m.hip_offset_m is not None
        assert learnt.mean() < 0.1, "the background followed while the client stood on the mark"
    else:
        assert learnt.mean() > 0.9, "the bench left in an empty zone did not become background"


@pytest.mark.parametrize("moved", [
    {}, {"aim_y_m": AIM[1] + 0.35}, {"aim_y_m": AIM[1] - 0.15}, {"height_m": 1.45}, {"height_m": 0.95}],
    ids=["in place", "tilted up", "tilted down a little", "raised 25 cm", "lowered 25 cm"])
def test_a_camera_knocked_after_calibration_is_noticed_and_a_busy_studio_is_not_taken_for_one(moved: dict) -> None:
    placement = Placement("side-left", 2.4, 1.2)
    empty = [to_mm(f.depth_m) for f in _frames(placement, room(), lambda k: [], BACKGROUND_FRAMES, 1)]
    cal = dataclasses.replace(simulate("smoke", placement).calibration(),
                              background=learn(np.stack(empty), placement.intrinsics.fx, placement.baseline_m))
    measurer = Measurer(cal)
    now = dataclasses.replace(placement, **moved)
    body = named_body("broad", 1.88)
    near = [build(body, Pose()), build(named_body("average", 1.8), Pose(x=0.7, z=0.2))]    # client and trainer
    frames = list(_frames(now, join([room(), boxes(BENCH)]), lambda k: near, int((MOVED_FOR_S + 0.5) * 30), 2))
    seen = [measurer(frame).camera_moved for frame in frames]
    assert not any(seen[:int(MOVED_FOR_S * 30) - 2]), "said before it had lasted"
    assert seen[-1] is bool(moved)


def test_something_left_on_the_mark_is_named_and_never_becomes_background() -> None:
    """A box left on the mark is nobody (the kiosk does not greet it) and stays 'something on the mark' for good:
    the background follows furniture moved elsewhere, never what blocks the mark."""
    placement = Placement("oblique-behind-left", 2.2, 1.2)
    sim = simulate("unattended", placement, seed=3, studio="object-on-mark")
    measurer = Measurer(calibrated(sim, 3))
    seen = [measurer(frame) for frame in frames_of(sim)]
    assert sim.frame_count / 30.0 > FOLLOW_S + 2.0
    assert all(m.object_on_mark and not m.present and not m.on_mark for m in seen[5:])
