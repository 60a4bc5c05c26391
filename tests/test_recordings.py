"""Client sessions kept as depth-only recordings (off by default), within a disk cap, and replayed through the game
exactly as they ran: the recorded frames, measured again, give the very same measurements."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import pytest

from calibration.store import save
from kiosk.analyze import FrameMeasurer
from kiosk.game import trainer
from kiosk.game.provider import ScriptedProvider, VirtualClock
from kiosk.game.settings import Settings
from kiosk.game.trainer import Replay, RecordingsView, Screen, open_trainer, press
from kiosk.live import CaptureProvider
from kiosk.measurement import Measurement
from kiosk.pin import PinGate
from kiosk.recordings import PREFIX, STAMP, SessionRecorder, calibration_beside, kept, within_cap
from kiosk.sensing import open_recording
from kiosk.smoothing import LIVE_LAG
from tests.test_live import N, Frames, stand_in_calibration, stand_in_recording, wait_for

T0 = dt.datetime(2026, 12, 1, 14, 3, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def visit(tmp_path_factory) -> Path:
    return stand_in_recording(tmp_path_factory.mktemp("visit") / "visit.db3", n=N, arrive=5)


def record_session(folder: Path, visit: Path, cal_file: Path, enabled: bool = True, start: dt.datetime = T0,
                   cap_bytes: int = 10 ** 10) -> list:
    """The visit's frames through a recorder that is told a session began and ended; returns the frames."""
    recorder = SessionRecorder(folder, cap_bytes, enabled, now=lambda: start)
    with open_recording(visit) as source:
        frames = list(source)
        recorder.start(cal_file)
        for frame in frames:
            recorder(frame, source.info)
        recorder.stop()
    recorder.close()
    return frames


def same(a: Measurement, b: Measurement) -> bool:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not np.array_equal(x, y, equal_nan=True):
                return False
        elif x != y:
            return False
    return True


def test_a_recorded_session_replays_exactly_as_it_was_measured(visit: Path, tmp_path: Path) -> None:
    cal_file = tmp_path / "calibration.json"
    save(stand_in_calibration(), cal_file)
    frames = record_session(tmp_path / "rec", visit, cal_file)
    [one] = kept(tmp_path / "rec")
    assert one.path.name == f"{PREFIX}{T0.strftime(STAMP)}.db3" and one.started_utc == T0
    assert calibration_beside(one.path).read_bytes() == cal_file.read_bytes()      # measured with this one
    with open_recording(one.path) as replay:
        again = list(replay)
    assert [f.frame_number for f in again] == [f.frame_number for f in frames]
    assert all(np.array_equal(a.depth_m, b.depth_m) for a, b in zip(frames, again))        # lossless
    first, second = FrameMeasurer(stand_in_calibration(), LIVE_LAG), FrameMeasurer(stand_in_calibration(), LIVE_LAG)
    pairs = [(first(a), second(b)) for a, b in zip(frames, again)]
    assert sum(m is not None for m, _ in pairs) > N // 2
    assert all((m is None and r is None) or same(m, r) for m, r in pairs)
    assert any(m is not None and m.on_mark for m, _ in pairs)          # a session with someone on the mark in it


def test_nothing_is_kept_while_recording_is_off(visit: Path, tmp_path: Path) -> None:
    record_session(tmp_path / "rec", visit, None, enabled=False)
    assert kept(tmp_path / "rec") == [] and not (tmp_path / "rec").exists()


def test_the_oldest_recordings_go_first_to_stay_within_the_cap(tmp_path: Path) -> None:
    for hour in range(5):
        name = f"{PREFIX}{(T0 + dt.timedelta(hours=hour)).strftime(STAMP)}"
        (tmp_path / f"{name}.db3").write_bytes(b"x" * 1000)
        (tmp_path / f"{name}.calibration.json").write_bytes(b"y" * 100)
    (tmp_path / "notes.db3").write_bytes(b"z" * 10_000)         # not the kiosk's: never counted, never deleted
    deleted = within_cap(tmp_path, 2500)
    assert [p.name[len(PREFIX):len(PREFIX) + 11] for p in deleted] == ["20261201T14", "20261201T15", "20261201T16"]
    assert [k.started_utc.hour for k in kept(tmp_path)] == [18, 17]
    assert (tmp_path / "notes.db3").exists() and len(list(tmp_path.glob("*.calibration.json"))) == 2
    older = kept(tmp_path)[1].path
    assert within_cap(tmp_path, 10) == [older] and len(kept(tmp_path)) == 1        # the newest stays, even alone


def test_a_disk_that_cannot_take_the_recording_loses_only_the_recording(visit: Path, tmp_path: Path,
                                                                         caplog) -> None:
    blocked = tmp_path / "rec"
    blocked.write_text("a file where the folder should be")
    record_session(blocked, visit, None)
    assert "this session is not kept" in caplog.text and blocked.read_text().startswith("a file")


def test_the_capture_thread_hands_every_measured_frame_to_the_recorder() -> None:
    got: list[int] = []
    with CaptureProvider(Frames, stand_in_calibration, retry_s=60.0,
                         keep_frames=lambda frame, info: got.append(frame.frame_number)) as provider:
        wait_for(lambda: provider.status() is not None)
    assert got == list(range(101, 101 + N))


# ---- trainer mode: the list, a replay, and back ------------------------------------------------------------
def test_the_recordings_screen_lists_and_replays_the_one_chosen() -> None:
    state = open_trainer(Settings(record_sessions=True), PinGate(), 0.0)
    pick = str(1 + [s for s, _ in trainer.MENU].index(Screen.RECORDINGS))
    state, actions = press(state, pick, 0.0)
    assert state.screen is Screen.RECORDINGS and actions == [trainer.LoadRecordings()]
    state = trainer.with_recordings(state, RecordingsView((("new", Path("b.db3")), ("old", Path("a.db3")))))
    state, _ = press(state, "2", 0.0)
    state, actions = press(state, "enter", 0.0)
    assert actions == [Replay(Path("a.db3"))]


def test_a_replay_plays_through_the_game_is_kept_nowhere_and_returns_to_trainer_mode(tmp_path: Path) -> None:
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    from kiosk.game.app import App
    from kiosk.game.visit import full_visit             # someone stepping onto the mark and hinging

    clock = VirtualClock()
    live = ScriptedProvider([Measurement(frame=1, t_s=0.0, present=False)], clock)
    kept_sessions: list = []
    recorder = SessionRecorder(tmp_path / "rec", 10 ** 10)
    replays: list[Path] = []

    def open_replay(path: Path) -> ScriptedProvider:
        replays.append(path)
        provider = ScriptedProvider(full_visit(Settings(), profiles=False).measurements, clock, loop=False)
        provider.close = lambda: None
        return provider

    app = App(live, Settings(record_sessions=True), display="headless", size=(640, 360), clock=clock,
              keep_session=kept_sessions.append, recorder=recorder, recordings_path=tmp_path / "rec",
              open_replay=open_replay)
    app.open_trainer()
    app.trainer = trainer.with_recordings(
        dataclasses.replace(app.trainer, screen=Screen.RECORDINGS), RecordingsView((("one", tmp_path / "x.db3"),)))
    app.press("enter")
    app.frame()
    assert app.replaying == tmp_path / "x.db3" and app.trainer is None and replays == [tmp_path / "x.db3"]
    for _ in range(60 * 20):
        app.frame()
        if app.state.scene.value == "drill":
            break
    assert app.state.scene.value == "drill"                  # the replayed client is coached as they were
    app.provider.status_text = "The depth stream ended: the kiosk is starting it again."
    app.frame()
    assert app.replaying is None and app.provider is live and app.trainer.screen is Screen.RECORDINGS
    assert kept_sessions == [] and not (tmp_path / "rec").exists()
    app.close()
