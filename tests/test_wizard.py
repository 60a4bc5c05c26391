"""The calibration wizard (trainer mode's calibration): its steps on simulated routines from each supported
placement, compared with where the simulated camera really is; each way it fails, in one sentence on screen; the
review's nudges; and the whole path through the kiosk's trainer mode to a saved calibration with its backup."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from calibration.camera import DepthFrame
from calibration.geometry import transform
from calibration.review import MAX_NUDGE_M, NUDGE_M, heel_line, in_image, moved_mark
from calibration.routine import EMPTY_FRAMES
from calibration.store import backup_path, load, save
from calibration.wizard import LEAVE_S, WAIT_LIMIT_S, Step, Wizard
from kiosk.game import trainer
from kiosk.game.settings import Settings
from kiosk.game.trainer import Review, SaveCalibration, Screen, StartWizard, StopWizard, open_trainer, press
from kiosk.pin import PinGate
from kiosk.sensing import SimSource, sim_source
from kiosk.sim import Body, Placement, named_body, simulate
from kiosk.sim.simulate import FPS
from tests.test_routine_errors import EMPTY, INTR, LENS_M, TILT_DEG, floor_seen_from, in_front, person

# (placement, client): every supported placement, a spread of statures, builds and camera heights
ROUTINES = {"side-left": (Placement("side-left", 2.4, 1.2), named_body("slim", 1.50)),
            "side-right": (Placement("side-right", 2.0, 0.9), named_body("belly", 1.80)),
            "behind": (Placement("behind", 2.6, 1.4), Body(1.80)),
            "oblique-behind-left": (Placement("oblique-behind-left", 2.8, 1.5), named_body("ponytail", 1.62)),
            "oblique-behind-right": (Placement("oblique-behind-right", 2.2, 1.0), named_body("broad", 1.88))}
FRONT = (Placement("front", 2.0, 1.0), Body(1.75))   # in front of the screen (the simulated one stands at 2.2 m)
HEIGHT_CM, HEEL_CM, FACING_DEG = 3.0, 1.0, 5.0    # the camera and the heel line where they really are


def routine(name: str) -> SimSource:
    """The simulated trainer's routine through the SDK's software device, rendered as it is read. The walk onto
    the mark is left out: the wizard needs only the empty area, then someone on the mark."""
    placement, body = FRONT if name == "front" else ROUTINES[name]
    sim = simulate("calibration", placement, body, seed=4)
    script = sim.script
    kept = [*range(EMPTY_FRAMES + 3), *range(script.on_mark.index(True), len(script.poses))]
    sim = dataclasses.replace(sim, script=dataclasses.replace(
        script, poses=[script.poses[k] for k in kept], on_mark=[script.on_mark[k] for k in kept],
        others=[script.others[k] for k in kept]))
    return sim_source(sim.frames(), placement.intrinsics, placement.baseline_m, FPS, name=placement.device_name)


def run_wizard(source) -> tuple[Wizard, list[Step]]:
    """The wizard fed the routine (no countdown: nobody to walk out of view), until it is done."""
    with source:
        wizard = Wizard(source.info.baseline_m, source.info.name, source.info.serial, leave_s=0.0)
        steps: list[Step] = []
        for frame in source:
            step = wizard.feed(frame).step
            if not steps or steps[-1] != step:
                steps.append(step)
            if wizard.done:
                break
    return wizard, steps


def assert_found(placement: Placement, view, steps: list[Step]) -> None:
    """The routine ran its steps in order, every check passed, and the camera and heel line are where they are. The
    D435 behind the client stands 2.7 m from the heel line: it calibrates, and the trainer is told to come nearer
    for half-centimetre hips (calibration/validate.py)."""
    assert steps[0] is Step.EMPTY and steps[-1] is Step.REVIEW, view.prompt
    assert steps.index(Step.EMPTY) < steps.index(Step.STILL) < steps.index(Step.HINGE)
    cal = view.calibration
    assert cal.placement == placement.name
    assert abs(cal.camera_height_m - placement.height_m) * 100 < HEIGHT_CM
    # where the calibrated studio frame sits in the true one: the heel line within 1 cm, facing within 5 degrees
    found_in_truth = placement.studio_from_camera() @ np.linalg.inv(cal.studio_from_camera)
    assert abs(found_in_truth[2, 3]) * 100 < HEEL_CM
    assert abs(np.degrees(np.arctan2(found_in_truth[0, 2], found_in_truth[2, 2]))) < FACING_DEG
    assert [c.label for c in view.checks] == ["Floor", "Mark", "Depth on the hips", "Camera place"]
    *found, place = view.checks
    assert all(c.ok for c in found)
    if placement.name == "behind":
        assert not place.ok and "within 2.6 m" in place.detail
    else:
        assert place.ok
    said_height = float(re.search(r"([0-9.]+) m high", view.checks[0].detail).group(1))
    assert abs(said_height - placement.height_m) * 100 < HEIGHT_CM
    # the live view: the floor coloured in, the person outlined, on the camera's own picture
    assert view.stand_preview.person.any() and view.preview.floor.mean() > 0.05
    assert view.stand_preview.depth_m.shape == view.stand_preview.person.shape


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in ROUTINES if n != "side-left"])   # side-left: through the kiosk, below
def test_the_wizard_calibrates_each_placement_and_finds_the_camera(name: str) -> None:
    wizard, steps = run_wizard(routine(name))
    assert_found(ROUTINES[name][0], wizard.view, steps)


@pytest.mark.slow
def test_a_camera_in_front_of_the_client_is_refused_on_screen_with_the_reason() -> None:
    wizard, steps = run_wizard(routine("front"))
    assert steps[-1] is Step.FAILED
    assert wizard.view.prompt.startswith("The camera is in front of the client: it cannot see the hips")
    assert wizard.view.checks[-1].ok is False and wizard.view.calibration is None


def feed(wizard: Wizard, depths, start_s: float = 0.0, fps: float = 30.0) -> Step:
    for k, depth in enumerate(depths):
        wizard.feed(DepthFrame(depth, INTR, k + 1, (start_s + k / fps) * 1000.0))
    return wizard.view.step


def test_the_countdown_lets_the_trainer_walk_out_before_the_empty_area_is_learnt() -> None:
    wizard = Wizard(0.05)
    trainer_in_view = in_front(EMPTY, person(1.2))
    leaving = int(LEAVE_S * 30)
    assert feed(wizard, [trainer_in_view] * (leaving - 1)) is Step.LEAVE
    assert "in 1 seconds" in wizard.view.prompt or "in 1 second" in wizard.view.prompt
    assert feed(wizard, [EMPTY] * (EMPTY_FRAMES + 2), start_s=LEAVE_S) is Step.WAIT
    assert wizard.view.checks[0].label == "Floor" and wizard.view.checks[0].ok


def test_no_floor_is_refused_saying_to_tilt_the_camera_down() -> None:
    wizard = Wizard(0.05, leave_s=0.0)
    assert feed(wizard, [np.zeros_like(EMPTY)] * EMPTY_FRAMES) is Step.FAILED
    assert wizard.view.prompt.startswith("No floor found: tilt the camera down")


def test_nobody_on_the_mark_stops_the_wizard_after_a_minute_saying_what_was_missing() -> None:
    wizard = Wizard(0.05, leave_s=0.0)
    feed(wizard, [EMPTY] * EMPTY_FRAMES)
    for k in range(int(WAIT_LIMIT_S) + 2):                  # one frame a second is enough to tell the time
        wizard.feed(DepthFrame(EMPTY, INTR, 1000 + k, (EMPTY_FRAMES / 30 + k) * 1000.0))
        if k < WAIT_LIMIT_S - 1:
            assert wizard.view.step is Step.WAIT
    assert wizard.view.step is Step.FAILED and wizard.view.prompt.startswith("Nobody stood still on the mark")


@pytest.mark.parametrize("moved", ["raised 30 cm", "tilted up 12 degrees"])
def test_a_camera_moved_during_the_routine_is_refused(moved: str) -> None:
    after = floor_seen_from(LENS_M + 0.3, TILT_DEG) if moved.startswith("raised") else \
        floor_seen_from(LENS_M, TILT_DEG + 12.0)
    wizard = Wizard(0.05, leave_s=0.0)
    feed(wizard, [EMPTY] * EMPTY_FRAMES)
    assert feed(wizard, [after] * 20, start_s=2.0) is Step.WAIT           # a moment is not yet a moved camera
    assert feed(wizard, [after] * 20, start_s=2.7) is Step.FAILED
    assert wizard.view.prompt.startswith("The camera moved during the calibration")


def test_a_client_walking_onto_the_mark_is_no_moved_camera() -> None:
    wizard = Wizard(0.05, leave_s=0.0)
    feed(wizard, [EMPTY] * EMPTY_FRAMES)
    assert feed(wizard, [in_front(EMPTY, person(2.5))] * 90, start_s=2.0) in (Step.STILL, Step.HINGE)


# ---- the review: nudging the mark and the wall --------------------------------------------------------------
def review_state(settings: Settings = Settings()) -> trainer.TrainerState:
    state = open_trainer(settings, PinGate(), 0.0)
    state, actions = press(state, str(1 + [s for s, _ in trainer.MENU].index(Screen.CALIBRATE)), 0.0)
    assert state.screen is Screen.CALIBRATE and actions == [StartWizard()]
    return trainer.with_wizard(state, Step.REVIEW)


def keys(state, *names):
    actions = []
    for name in names:
        state, done = press(state, name, 0.0)
        actions += done
    return state, actions


def test_the_review_nudges_the_mark_a_centimetre_a_key_and_saves_with_enter() -> None:
    state = review_state()
    assert state.review == Review(first_wall_in=Settings().first_wall_in)
    state, _ = keys(state, "up", "8", "left", "6", "6", "+")
    assert state.review.forward_m == pytest.approx(2 * NUDGE_M) and state.review.left_m == pytest.approx(-NUDGE_M)
    assert state.review.first_wall_in == Settings().first_wall_in + 1
    state, actions = keys(state, "enter")
    assert actions == [SaveCalibration(Review(Settings().first_wall_in + 1, 2 * NUDGE_M, -NUDGE_M))]
    assert state.screen is Screen.MENU


def test_nudges_and_the_wall_stay_within_their_limits() -> None:
    state = review_state(Settings(first_wall_in=3, max_wall_in=5))
    state, _ = keys(state, *["down"] * 100, *["+"] * 10)
    assert state.review.forward_m == pytest.approx(-MAX_NUDGE_M) and state.review.first_wall_in == 5
    state, _ = keys(state, *["-"] * 20)
    assert state.review.first_wall_in == 1


def test_redo_and_leave() -> None:
    state = trainer.with_wizard(review_state(), Step.FAILED)
    assert state.review is None
    state, actions = keys(state, "enter")                     # failed: Enter starts again
    assert actions == [StartWizard()] and state.screen is Screen.CALIBRATE
    state, actions = keys(trainer.with_wizard(state, Step.HINGE), "enter", "4")    # running: no nudges, no save
    assert actions == [] and state.review is None
    state, actions = keys(state, "back")
    assert actions == [StopWizard()] and state.screen is Screen.MENU


def test_a_nudged_mark_moves_every_measurement_by_the_nudge() -> None:
    from tests.test_live import stand_in_calibration
    cal = stand_in_calibration()
    moved = moved_mark(cal, 0.05, -0.02)
    camera_point = transform(cal.camera_from_studio, np.array([[-0.02, 0.3, 0.05]]))   # 30 cm above the new mark
    assert transform(moved.studio_from_camera, camera_point)[0] == pytest.approx([0.0, 0.3, 0.0], abs=1e-9)
    assert moved.camera_height_m == pytest.approx(cal.camera_height_m) and "5 cm forward" in moved.notes[-1]
    assert moved_mark(cal, 0.0, 0.0) is cal
    # drawn into the camera's picture, the heel line lands where the camera sees the floor at the mark
    uv = in_image(cal, heel_line(cal), cal.intrinsics)
    assert np.all((uv >= 0) & (uv < [cal.intrinsics.width, cal.intrinsics.height]))


# ---- the whole path in the kiosk: trainer mode → wizard → review → saved, the previous calibration kept --------
@pytest.mark.slow
def test_trainer_mode_calibrates_and_keeps_the_previous_calibration(tmp_path: Path) -> None:
    """Side-left, through the kiosk itself: trainer mode → wizard → review → saved, the previous one kept."""
    import os
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    from kiosk.game.app import App
    from kiosk.game.provider import VirtualClock
    from kiosk.live import SteppedReplay
    from tests.test_live import stand_in_calibration

    cal_path = tmp_path / "calibration.json"
    save(stand_in_calibration(), cal_path)
    old = cal_path.read_bytes()
    clock = VirtualClock()
    steps: list[Step] = []
    with routine("side-left") as source:
        replay = SteppedReplay(source, None, clock)
        reloads = []
        replay.reload = lambda: reloads.append(True)
        app = App(replay, Settings(), display="headless", size=(1280, 720), clock=clock, calibration_path=cal_path,
                  settings_path=tmp_path / "settings.json")
        app.wizard_leave_s = 0.0
        app.open_trainer()
        app.press(str(1 + [s for s, _ in trainer.MENU].index(Screen.CALIBRATE)))
        while not replay.ended and (app.wizard is None or app.wizard.view is None or not app.wizard.wizard.done):
            app.frame()
            if app.wizard is not None and app.wizard.view is not None and app.wizard.view.step not in steps[-1:]:
                steps.append(app.wizard.view.step)
        assert_found(ROUTINES["side-left"][0], app.wizard.view, steps)
        for key in ("up", "up", "+", "enter"):
            app.press(key)
        app.frame()
        app.close()
    assert backup_path(cal_path).read_bytes() == old                 # the previous one, byte for byte
    saved = load(cal_path)
    assert saved.placement == "side-left" and reloads == [True]
    assert "2 cm forward" in saved.notes[-1]
    assert app.settings.first_wall_in == Settings().first_wall_in + 1
    assert app.trainer.screen is Screen.MENU and "saved" in app.trainer.message
