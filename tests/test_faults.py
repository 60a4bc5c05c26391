"""Camera faults while the kiosk runs, through the watched camera child process as the kiosk runs it: a camera
that stops sending (the SDK's "Frame didn't arrive within 5000"), one unplugged mid-stream and plugged in again,
one that comes back on USB 2, an SDK error, the SDK crashing the camera process, a stop() that hangs. The screen
says so within a second, streaming resumes by itself once the camera is back, and a session in progress waits
for it."""
from __future__ import annotations

import functools
import itertools
import logging
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from calibration.camera import DepthFrame, Intrinsics
from kiosk.game import rules
from kiosk.game.provider import QUIET_S, RECONNECTING
from kiosk.game.settings import Settings
from kiosk.live import CaptureProvider, Looped
from kiosk.measurement import Measurement
from kiosk.sensing import SourceError, camera_process
from kiosk.sensing.source import SourceInfo
from tests.child_sources import EndsThenHangs, count_opening, openings, wedge
from tests.test_live import BASELINE_M, FPS, INTR, depth_image, stand_in_calibration, wait_for

USB2 = Intrinsics(160, 120, 80.0, 80.0, 80.0, 60.0)      # a smaller stream than the calibration's


class FaultySource:
    """A depth source that plays the next act of `acts` at each opening (the acts are counted in `count_file`,
    across the child processes the watchdog starts): "stall:N" sends N frames then nothing; "error:N" N frames
    then the SDK's error; "crash:N" N frames, then the process dies of a segmentation fault; "unplugged" fails to
    open; "usb2:N" N frames of a smaller stream; "hang:N" N frames, then a stop() that never returns; "wedged:N"
    N frames, then a stall inside the SDK; "ok" streams on. The SDK hangs holding the GIL."""

    def __init__(self, acts: tuple[str, ...], count_file: Path) -> None:
        self.acts, self.count_file = acts, count_file

    def __enter__(self) -> "FaultySource":
        k = count_opening(self.count_file)
        kind, _, n = self.acts[min(k, len(self.acts) - 1)].partition(":")
        self.kind, self.n = kind, int(n or 0)
        if kind == "unplugged":
            raise SourceError("No RealSense camera found: plug it into a USB 3 port (blue inside) and try again.")
        intr = USB2 if kind == "usb2" else INTR
        self.info = SourceInfo("Faulty D435", "SIM-0001", BASELINE_M, FPS, intr)
        cal = stand_in_calibration(INTR)
        self.depth = depth_image(cal, person=True) if intr == INTR else np.ones((intr.height, intr.width), np.float32)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kind == "hang":
            wedge()                               # pipeline.stop() that never returns

    def __iter__(self):
        k = 0
        while True:
            if self.kind != "ok" and k >= self.n:
                if self.kind == "error":
                    raise RuntimeError("Frame didn't arrive within 5000")
                if self.kind == "crash":
                    os.kill(os.getpid(), signal.SIGSEGV)
                if self.kind == "wedged":
                    wedge()
                time.sleep(3600)                  # stalled: the watchdog must notice
            yield DepthFrame(self.depth, self.info.intrinsics, 1000 + k, time.monotonic() * 1000.0)
            k += 1
            time.sleep(1 / FPS)


def provider(acts: tuple[str, ...], tmp_path: Path, stall_s: float = 1.5) -> CaptureProvider:
    source = functools.partial(FaultySource, acts, tmp_path / "opened")
    return CaptureProvider(functools.partial(camera_process, source, stall_s=stall_s), stand_in_calibration,
                           retry_s=0.3)


def streaming(p: CaptureProvider) -> bool:
    return p.latest()[0] is not None and p.status() is None


def test_a_camera_that_stops_sending_is_reconnecting_within_a_second_then_streams_again(tmp_path: Path) -> None:
    with provider(("stall:15", "ok"), tmp_path) as p:
        wait_for(lambda: streaming(p), timeout_s=30)
        wait_for(lambda: p.status() is not None, timeout_s=5)
        quiet_since = p._last_handed_s
        assert p.status() == RECONNECTING and time.perf_counter() - quiet_since < QUIET_S + 0.3
        wait_for(lambda: streaming(p) and p._last_handed_s > quiet_since, timeout_s=20)   # the watchdog's restart
    assert openings(tmp_path / "opened") == 2


@pytest.mark.parametrize("acts, said", [
    (("error:10", "ok"), "The camera reported an error"),                     # an SDK error mid-stream
    (("error:10", "unplugged", "unplugged", "ok"), "No RealSense camera found"),   # unplugged, then plugged in
])
def test_an_error_mid_stream_is_said_and_streaming_resumes_by_itself(tmp_path: Path, acts, said: str) -> None:
    seen: set[str] = set()
    with provider(acts, tmp_path) as p:
        wait_for(lambda: streaming(p), timeout_s=30)
        wait_for(lambda: p.status() is not None, timeout_s=5)
        fault_s = time.perf_counter()

        def back() -> bool:
            if p.status() is not None:
                seen.add(p.status().split(":")[0])
            return streaming(p) and p._last_handed_s > fault_s
        wait_for(back, timeout_s=30)
    assert said.split(":")[0] in seen


def restarts_logged(first_act: str, tmp_path: Path, caplog) -> list[str]:
    """The watchdog's restart lines once the camera process has played `first_act` and streams again after it."""
    caplog.set_level(logging.WARNING, logger="kiosk.sensing.process")
    with provider((first_act, "ok"), tmp_path) as p:
        wait_for(lambda: streaming(p), timeout_s=30)
        wait_for(lambda: openings(tmp_path / "opened") == 2 and streaming(p), timeout_s=30)
    return [r.getMessage() for r in caplog.records if "restarting the depth source" in r.getMessage()]


def test_a_crashed_camera_process_is_restarted_and_the_log_says_how_it_ended(tmp_path: Path, caplog) -> None:
    said = restarts_logged("crash:10", tmp_path, caplog)
    assert said and said[0].startswith("The depth source process was killed by SIGSEGV"), said


def test_the_log_says_where_a_silent_camera_process_was_stuck(tmp_path: Path, caplog) -> None:
    said = restarts_logged("wedged:10", tmp_path, caplog)
    assert len(said) == 1 and said[0].startswith("No depth frame for 2 s"), said
    stuck_at = said[0].split("Its threads were at:\n", 1)[1]
    assert 'test_faults.py", line' in stuck_at and "in __iter__" in stuck_at and "in _child_main" in stuck_at


def test_a_stop_signal_to_the_whole_group_is_left_to_the_parent(tmp_path: Path) -> None:
    source = functools.partial(FaultySource, ("ok",), tmp_path / "opened")
    with camera_process(source, stall_s=1.5) as camera:
        frames = iter(camera)
        next(frames)
        os.kill(camera._proc.pid, signal.SIGTERM)       # as systemd's stop or `timeout` sends it to every process
        for _ in range(60):                             # two seconds of frames on
            next(frames)
        assert camera.restarts == 0 and camera._proc.is_alive()


def test_a_camera_back_on_usb_2_says_to_use_usb_3(tmp_path: Path) -> None:
    with provider(("stall:10", "usb2:1000"), tmp_path) as p:
        wait_for(lambda: streaming(p), timeout_s=30)
        wait_for(lambda: "USB 3" in (p.status() or ""), timeout_s=30)


def test_a_stop_that_hangs_does_not_hang_the_kiosk(tmp_path: Path) -> None:
    p = provider(("hang:1000",), tmp_path)
    wait_for(lambda: streaming(p), timeout_s=30)
    start = time.monotonic()
    p.close()
    assert time.monotonic() - start < 10


def test_a_recording_whose_stop_hangs_at_its_end_plays_on_without_a_pause(tmp_path: Path, caplog) -> None:
    """What the demo meets if the SDK's stop hangs at the end of its recording: each pass plays in a child of its
    own, killed once it has sent its last frame, so the next pass follows at once and no watchdog steps in."""
    caplog.set_level(logging.WARNING, logger="kiosk.sensing.process")
    one_pass = functools.partial(camera_process, functools.partial(EndsThenHangs, 15, tmp_path / "opened"),
                                 stall_s=1.5)
    numbers, handed = [], []
    with Looped(one_pass) as source:
        for frame in itertools.islice(source, 4 * 15):
            numbers.append(frame.frame_number)
            handed.append(time.monotonic())
    assert numbers == list(range(1000, 1000 + 4 * 15))
    assert max(np.diff(handed)) < QUIET_S, max(np.diff(handed))    # the screen never says "reconnecting"
    assert openings(tmp_path / "opened") in (4, 5)       # the fifth pass may have started
    assert not [r for r in caplog.records if "restarting" in r.getMessage()]


def test_a_session_waits_for_a_reconnecting_camera_and_goes_on() -> None:
    state = rules.new_game(Settings(), 0.0)
    t, frame = 0.0, 0

    def feed(seconds: float, m: Measurement | None, events=()) -> None:
        nonlocal state, t, frame
        for k in range(int(seconds * 60)):
            t += rules.STEP_S
            frame += 1
            state, _ = rules.step(state, None if m is None else
                                  Measurement(**{**m.__dict__, "frame": frame, "t_s": t}), list(events) if k == 0
                                  else [], t)

    standing = Measurement(frame=0, t_s=0.0, present=True, on_mark=True, feet_seen=True, feet_x_m=0.0,
                           heel_z_m=0.0, hip_offset_m=0.05, hip_height_m=0.9, top_m=1.75)
    feed(3.0, standing)
    assert state.scene is rules.Scene.DRILL
    session = state.session
    feed(10.0, None, [rules.CameraStatus(RECONNECTING)])
    assert state.scene is rules.Scene.DRILL and state.session is session       # kept, waiting
    feed(2.0, standing, [rules.CameraStatus(None)])
    assert state.session is session and state.reconnecting_since_s is None
    feed(rules.RECONNECT_KEEP_S + 1.0, None, [rules.CameraStatus("No RealSense camera found: plug it in.")])
    assert state.scene is rules.Scene.NO_CAMERA and state.session is None       # too long: the session ends
