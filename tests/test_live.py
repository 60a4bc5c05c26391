"""The capture path between the depth source and the game: measurements handed over in order with the newest
winning, failures as plain sentences with recovery, endless demo replays, and the virtual-time replay of
headless runs. Recordings are small stand-ins made here with the SoftwareCamera (a box standing on the mark)."""
from __future__ import annotations

import dataclasses
import functools
import itertools
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

from calibration.camera import DepthFrame, Intrinsics, camera_rays
from calibration.model import Calibration
from calibration.store import CalibrationFileError
from kiosk.game.provider import VirtualClock
from kiosk.game.words import NO_CAMERA, status_words
from kiosk import run
from kiosk.analyze import FrameMeasurer
from kiosk.live import CaptureProvider, Looped, Pace, SteppedReplay
from kiosk.sensing import SoftwareCamera, SourceError, SourceInfo, camera_process, open_recording
from kiosk.smoothing import LIVE_LAG

INTR = Intrinsics(212, 120, 106.0, 106.0, 106.0, 60.0)
FPS = 30.0
BASELINE_M = 0.05
N = 12


def camera_pose(height_m: float = 1.4, back_m: float = 2.6, tilt_deg: float = 25.0) -> np.ndarray:
    """Studio-from-camera pose of a camera behind the mark, looking forward and down at the client's back."""
    t = np.radians(tilt_deg)
    z = np.array([0.0, -np.sin(t), np.cos(t)])       # camera forward
    y = np.array([0.0, -np.cos(t), -np.sin(t)])      # camera down (image rows)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([np.cross(y, z), y, z], axis=1)
    pose[:3, 3] = [0.0, height_m, -back_m]
    return pose


def stand_in_calibration(intr: Intrinsics = INTR) -> Calibration:
    return Calibration(intr, camera_pose(), BASELINE_M, "Simulated D435", "SIM-0001")


def depth_image(cal: Calibration, person: bool) -> np.ndarray:
    """The floor, and (if `person`) a 1.7 m box with its back on the heel line, as camera z-depth in metres."""
    rays = camera_rays(cal.intrinsics) @ cal.studio_from_camera[:3, :3].T
    origin = cal.camera_position
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = np.where(rays[..., 1] < 0, -origin[1] / rays[..., 1], 0.0)
        if person:
            lo, hi = np.array([-0.2, 0.0, 0.0]), np.array([0.2, 1.7, 0.3])
            t1, t2 = (lo - origin) / rays, (hi - origin) / rays
            near = np.nanmax(np.minimum(t1, t2), axis=-1)
            far = np.nanmin(np.maximum(t1, t2), axis=-1)
            depth = np.where((near <= far) & (near > 0), np.minimum(depth, near), depth)
    return np.where(depth < 8.0, depth, 0.0).astype(np.float32)


def stand_in_recording(path: Path, n: int = N, arrive: int = 2) -> Path:
    """n frames numbered 101.. at 30 fps: the floor, then a box standing on the mark from frame `arrive` on."""
    cal = stand_in_calibration()
    with SoftwareCamera(cal.intrinsics, BASELINE_M, FPS, record_to=path) as cam:
        for k in range(n):
            cam.push(depth_image(cal, person=k >= arrive), 101 + k, 5000.0 + k * 1000.0 / FPS)
    return path


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stand_in_recording(tmp_path_factory.mktemp("live") / "visit.db3")


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_stand_in_is_measured_as_someone_on_the_mark(recording: Path) -> None:
    measure = FrameMeasurer(stand_in_calibration(), LIVE_LAG)
    with open_recording(recording) as source:
        ms = [measure(f) for f in source]
    ms = ms[LIVE_LAG:] + measure.flush()          # the smoothing holds LIVE_LAG frames back
    assert not ms[0].present and ms[-1].present and ms[-1].on_mark


class Frames:
    """An in-memory depth source: the capture thread's logic without the SDK (whose playback is exercised
    through `camera_process`, in a child process, as the kiosk runs it)."""

    def __init__(self, n: int = N, intr: Intrinsics = INTR) -> None:
        cal = stand_in_calibration(intr)
        self.info = SourceInfo("Simulated D435", "SIM-0001", BASELINE_M, FPS, intr)
        self.frames = [DepthFrame(depth_image(cal, person=k >= 2), intr, 101 + k, k * 1000.0 / FPS)
                       for k in range(n)]

    def __enter__(self) -> "Frames":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __iter__(self):
        return iter(self.frames)


def test_measurements_are_handed_over_in_order_and_the_newest_wins(recording: Path) -> None:
    seen: list[tuple[int, float, float]] = []
    provider = CaptureProvider(functools.partial(camera_process, functools.partial(open_recording, recording)),
                               stand_in_calibration, retry_s=60.0,
                               trace=lambda m, received, handed: seen.append((m.frame, received, handed)))
    with provider:
        wait_for(lambda: provider.status() is not None, timeout_s=20.0)    # the recording ended: it is said so
        m, handed_s = provider.latest()
    assert [f for f, _, _ in seen] == list(range(101, 101 + N))
    assert all(r <= h for _, r, h in seen) and [h for *_, h in seen] == sorted(h for *_, h in seen)
    assert (m.frame, handed_s) == (seen[-1][0], seen[-1][2])     # only the newest is kept
    assert "ended" in provider.status()


def test_a_failing_source_is_a_sentence_on_screen_until_the_camera_comes() -> None:
    attempts = []
    finished = threading.Event()

    def camera() -> Frames:
        attempts.append(time.monotonic())
        if len(attempts) == 3:
            return Frames()
        if len(attempts) > 3:                   # after the stream ends: hold the "ended" sentence for the test
            finished.wait()
        raise SourceError("No RealSense camera found: plug it into a USB 3 port (blue inside) and try again.")

    with CaptureProvider(camera, stand_in_calibration, retry_s=0.3) as provider:
        wait_for(lambda: provider.status() is not None)
        assert provider.status().startswith("No RealSense camera found:") and provider.latest() == (None, None)
        wait_for(lambda: "ended" in (provider.status() or ""))
        assert provider.latest()[0].frame == 100 + N
        assert min(np.diff(attempts[:3])) >= 0.3
        finished.set()


def test_a_calibration_for_another_camera_says_calibrate_again() -> None:
    other = Intrinsics(424, 240, 212.0, 212.0, 212.0, 120.0)
    with CaptureProvider(functools.partial(Frames, 3, other), stand_in_calibration, retry_s=60.0) as provider:
        wait_for(lambda: provider.status() is not None)
        assert "calibrate" in provider.status() and provider.latest() == (None, None)


def test_a_missing_calibration_is_a_sentence_too() -> None:
    def missing() -> Calibration:
        raise CalibrationFileError("This kiosk is not calibrated yet: a trainer runs 'python -m calibration'.")

    with CaptureProvider(Frames, missing, retry_s=60.0) as provider:
        wait_for(lambda: provider.status() is not None)
        assert status_words(provider.status()) == ("This kiosk is not calibrated yet",
                                                    "A trainer runs 'python -m calibration'.")


def test_no_camera_is_said_before_no_calibration() -> None:
    def no_camera() -> object:
        raise SourceError("No RealSense camera found: plug it in.")

    def no_calibration() -> Calibration:
        raise CalibrationFileError("This kiosk is not calibrated yet: calibrate it.")

    with CaptureProvider(no_camera, no_calibration, retry_s=60.0) as provider:
        wait_for(lambda: provider.status() is not None)
        assert provider.status().startswith("No RealSense camera found")


def test_close_stops_the_thread_even_while_it_waits_to_retry() -> None:
    def no_camera() -> object:
        raise SourceError("No RealSense camera found: plug it in.")

    provider = CaptureProvider(no_camera, stand_in_calibration, retry_s=600.0)
    wait_for(lambda: provider.status() is not None)
    started = time.monotonic()
    provider.close()
    assert time.monotonic() - started < 1.0 and not provider._thread.is_alive()


def test_a_looped_recording_numbers_and_times_frames_on(recording: Path) -> None:
    """Each pass in a camera child, as the kiosk plays it: a process that has played the file and opens it again
    is where the SDK once crashed a test worker natively."""
    with Looped(run.recording_pass(recording)) as source:
        frames = [f for _, f in zip(range(int(2.5 * N)), source)]
    assert [f.frame_number for f in frames] == list(range(101, 101 + len(frames)))
    assert np.allclose(np.diff([f.timestamp_ms for f in frames]), 1000.0 / FPS, atol=0.01)


def test_a_paced_loop_never_runs_ahead_of_its_frames_times_nor_bursts_after_its_restart(recording: Path) -> None:
    """Only lower bounds on the wall clock: a loaded machine may hand frames out late, never early."""
    with Looped(run.recording_pass(recording), paced=True) as source:
        it = iter(source)
        next(it)
        handed = [time.monotonic()]
        for _ in range(N + 6):
            next(it)
            handed.append(time.monotonic())
    assert handed[-1] - handed[0] >= (N + 6) / FPS - 0.01
    assert min(np.diff(handed)) >= 0.5 / FPS


def test_pacing_waits_for_each_frame_and_restarts_after_a_late_one() -> None:
    clock = VirtualClock(100.0)
    pace = Pace(1 / FPS, clock)
    handed = []
    for k in range(2 * N):
        if k == N:
            clock.t_s += 0.4                    # the recording reopens slowly
        pace.wait_for(k / FPS)
        handed.append(clock.now())
    assert np.allclose(np.diff(handed[:N]), 1 / FPS)
    assert handed[N] - handed[N - 1] == pytest.approx(0.4)
    assert np.allclose(np.diff(handed[N:]), 1 / FPS)


def test_the_demo_path_plays_each_pass_of_the_recording_in_a_child_of_its_own(recording: Path, monkeypatch) -> None:
    """What `--demo` runs (`source_factory`): the replay in real time, never ending, numbered on across passes;
    each pass in a watched child process, gone once its pass has ended."""
    passes: list = []

    def watched_pass(factory):
        passes.append(camera_process(factory))
        return passes[-1]
    monkeypatch.setattr(run, "camera_process", watched_pass)
    demo = run.source_factory(run.Choice(recording, Path("unused.json"), False), serial=None)
    frames: list[int] = []
    with CaptureProvider(demo, stand_in_calibration, trace=lambda m, r, h: frames.append(m.frame)) as provider:
        wait_for(lambda: len(frames) > 2 * N + 2, timeout_s=20.0)
        assert provider.status() is None
        assert len(passes) >= 3 and not any(p._proc.is_alive() for p in passes[:-1])
    assert frames[:2 * N + 2] == list(range(101, 101 + 2 * N + 2))


class CountingSource:
    """In-memory frames that count how far they have been read."""

    def __init__(self, frames: list[DepthFrame]) -> None:
        self.frames = frames
        self.read = 0

    def __iter__(self):
        for frame in self.frames:
            self.read += 1
            yield frame


def test_the_stepped_replay_measures_frames_only_as_virtual_time_reaches_them() -> None:
    cal = stand_in_calibration()
    empty = depth_image(cal, person=False)
    source = CountingSource([DepthFrame(empty, INTR, 7 + k, 900.0 + 100.0 * k) for k in range(10)])
    clock = VirtualClock(50.0)
    replay = SteppedReplay(source, cal, clock)
    m, at = replay.latest()
    assert source.read == 2                                  # the second frame waits for its time
    assert (m.frame, at) == (7, 50.0) if LIVE_LAG == 0 else m is None
    clock.sleep_until(50.35)
    m, at = replay.latest()
    assert (m.frame, at, source.read) == (10 - LIVE_LAG, pytest.approx(50.3), 5)
    assert replay.latest()[0] is m
    clock.sleep_until(60.0)
    assert replay.latest()[0].frame == 16 and replay.status() is None


def test_status_sentences_split_into_headline_and_advice() -> None:
    assert status_words(None) == NO_CAMERA
    assert status_words("No RealSense camera found: plug it into a USB 3 port.") == (
        "No RealSense camera found", "Plug it into a USB 3 port.")
    assert status_words("Camera lost.") == ("Camera lost", "")


def test_the_bench_maps_frame_times_to_the_clock_across_a_loop_restart() -> None:
    from kiosk.game.bench import Trace, timestamp_to_drawn

    trace = Trace()
    shown = []
    for k in range(60):                                 # 30 fps; the replay restarts 0.1 s late at frame 30
        stamp = k / 30
        received = 100.0 + stamp + (0.1 if k >= 30 else 0.0) + (0.004 if k % 2 else 0.0)
        trace(types.SimpleNamespace(t_s=stamp), received, received + 0.005)
        shown.append((received + 0.005, received + 0.015))
    latency = timestamp_to_drawn(shown, trace)
    assert len(latency) == 60 and max(latency) == pytest.approx(0.019) and min(latency) == pytest.approx(0.015)


def test_reload_reopens_the_source_with_the_calibration_read_afresh_and_says_nothing() -> None:
    loads, opened = [], []

    def calibration() -> Calibration:
        loads.append(time.monotonic())
        return stand_in_calibration()

    class Endless(Frames):
        def __iter__(self):                         # the same frames again and again, numbered on: a camera
            for k in itertools.count():
                f = self.frames[k % len(self.frames)]
                yield dataclasses.replace(f, frame_number=101 + k, timestamp_ms=k * 1000.0 / FPS)
                time.sleep(0.005)

    def camera() -> Frames:
        opened.append(len(opened))
        return Endless()

    statuses = set()
    with CaptureProvider(camera, calibration, retry_s=60.0) as provider:
        wait_for(lambda: provider.latest()[0] is not None)
        provider.reload()
        wait_for(lambda: len(opened) == 2 and len(loads) == 2)
        for _ in range(50):
            statuses.add(provider.status())
            time.sleep(0.002)
        wait_for(lambda: provider.latest()[0] is not None)
    assert statuses == {None}                       # no "stream ended" sentence, no retry wait


def test_the_wizard_gets_the_cameras_frames_even_before_the_kiosk_is_calibrated() -> None:
    def missing() -> Calibration:
        raise CalibrationFileError("This kiosk is not calibrated yet: calibrate it.")

    got: list[tuple[int, float]] = []
    with CaptureProvider(Frames, missing, retry_s=60.0) as provider:
        wait_for(lambda: provider.status() is not None)
        assert provider.status().startswith("This kiosk is not calibrated yet")
        provider.tap(lambda frame, info: got.append((frame.frame_number, info.baseline_m)))   # wakes the retry
        wait_for(lambda: len(got) >= N)
        provider.tap(None)
    assert [f for f, _ in got[:N]] == list(range(101, 101 + N)) and got[0][1] == BASELINE_M
    assert provider.latest() == (None, None)              # nothing measured without a calibration
