"""The SDK boundary: simulator → SDK → recording → playback round trip, bad files, filters, the camera child
process and its watchdog. Recordings are made here with the SoftwareCamera; no camera is needed except for the
tests marked `hardware`, which skip when none is attached."""
from __future__ import annotations

import functools
import json
import pickle
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from calibration.camera import Intrinsics
from kiosk.sensing import (RECOMMENDED, FilterChain, SoftwareCamera, SourceError, bare_decode_rate,
                           camera_process, choose_depth_mode, list_cameras, open_camera, open_recording,
                           sim_source)

INTR = Intrinsics(212, 120, 106.0, 106.5, 105.3, 60.7)     # a D435 at 848x480, decimated by 4
FULL = Intrinsics(848, 480, 424.0, 426.0, 421.2, 242.8)
FPS = 30.0
BASELINE_M = 0.050
N_FRAMES = 40       # more than the SDK's frame pools hold (16): frames must be released as they are copied
REPO = Path(__file__).resolve().parents[1]

needs_camera = pytest.mark.skipif(not list_cameras(), reason="no RealSense camera attached")


def scene(intr: Intrinsics, k: int) -> np.ndarray:
    """A floor-ish ramp with a moving box and an invalid band on the left, in metres."""
    v, u = np.mgrid[0:intr.height, 0:intr.width]
    depth = (1.5 + 2.0 * v / intr.height + 0.0003 * k).astype(np.float32)
    depth[intr.height // 3:intr.height // 2, 20 + k:60 + k] = 1.2345
    depth[:, :8] = 0.0
    return depth


def record(path: Path, n: int = N_FRAMES, intr: Intrinsics = INTR) -> list:
    with SoftwareCamera(intr, BASELINE_M, FPS, record_to=path) as cam:
        return [cam.push(scene(intr, k), 1000 + k, 50_000.0 + k * 1000.0 / FPS) for k in range(n)]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    path = tmp_path_factory.mktemp("rec") / "take.db3"
    return path, record(path)


def intrinsics_close(a: Intrinsics, b: Intrinsics) -> bool:
    return (a.width, a.height) == (b.width, b.height) and np.allclose(
        [a.fx, a.fy, a.ppx, a.ppy], [b.fx, b.fy, b.ppx, b.ppy], atol=1e-4)


# --- simulator → SDK → recording → playback ------------------------------------------------------------

def test_push_quantises_to_millimetres_like_the_camera() -> None:
    depth = scene(INTR, 0)
    depth[0, 10:14] = [np.nan, -1.0, 70.0, 1.00049]
    with SoftwareCamera(INTR, BASELINE_M, FPS) as cam:
        out = cam.push(depth, 7, 123.5)
    assert out.depth_m.dtype == np.float32 and out.depth_m.shape == (INTR.height, INTR.width)
    assert (out.frame_number, out.timestamp_ms) == (7, 123.5)
    assert intrinsics_close(out.intrinsics, INTR)
    assert np.allclose(out.depth_m[0, 10:14], [0.0, 0.0, 65.535, 1.000], atol=1e-6)
    assert np.array_equal(np.rint(out.depth_m[1:] * 1000), np.rint(depth[1:] * 1000))


def test_recording_round_trip(recording: tuple[Path, list]) -> None:
    path, pushed = recording
    with open_recording(path) as source:
        info = source.info
        frames = list(source)                      # ends by itself at the end of the file
        assert source.progress == 1.0
    assert (info.name, info.serial, info.fps) == ("Simulated D435", "SIM-0001", FPS)
    assert info.baseline_m == pytest.approx(BASELINE_M)
    assert intrinsics_close(info.intrinsics, INTR)
    assert [f.frame_number for f in frames] == [f.frame_number for f in pushed] == list(range(1000, 1000 + N_FRAMES))
    assert [f.timestamp_ms for f in frames] == pytest.approx([f.timestamp_ms for f in pushed], abs=1e-3)
    for got, sent in zip(frames, pushed, strict=True):
        assert np.array_equal(got.depth_m, sent.depth_m)
        assert intrinsics_close(got.intrinsics, INTR)


def test_a_slow_reader_loses_no_frame(recording: tuple[Path, list]) -> None:
    """The recording was pushed within milliseconds: were it played in real time before the reader is ready,
    the SDK would drop most of it."""
    with open_recording(recording[0]) as source:
        time.sleep(0.3)
        assert len(list(source)) == N_FRAMES


def test_paced_recording_replays_at_true_speed(tmp_path: Path) -> None:
    path = tmp_path / "paced.db3"
    with SoftwareCamera(INTR, BASELINE_M, FPS, record_to=path, pace=True) as cam:
        for k in range(7):
            cam.push(scene(INTR, k), k + 1, k * 1000.0 / FPS)
    with open_recording(path, realtime=True) as source:
        arrivals = [time.monotonic() for _ in source]
    assert len(arrivals) == 7 and arrivals[-1] - arrivals[0] >= 6 / FPS - 0.05     # late under load, never early


def test_playback_reports_progress(recording: tuple[Path, list]) -> None:
    path, _ = recording
    with open_recording(path) as source:
        seen = [source.progress for _ in source]
    assert source.duration_ms > 0
    assert seen == sorted(seen) and 0.0 <= seen[0] < 1.0


def test_recording_gets_its_name_only_when_finished(tmp_path: Path) -> None:
    final = tmp_path / "take.db3"
    with SoftwareCamera(INTR, BASELINE_M, FPS, record_to=final) as cam:
        cam.push(scene(INTR, 0), 1, 0.0)
        assert not final.exists() and len(list(tmp_path.iterdir())) == 1
    assert list(tmp_path.iterdir()) == [final]
    with pytest.raises(RuntimeError):
        with SoftwareCamera(INTR, BASELINE_M, FPS, record_to=tmp_path / "crash.db3") as cam:
            cam.push(scene(INTR, 0), 1, 0.0)
            raise RuntimeError("simulated crash")
    assert list(tmp_path.iterdir()) == [final]


def test_record_to_refuses_what_the_sdk_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="ending in .db3"):
        SoftwareCamera(INTR, BASELINE_M, FPS, record_to=tmp_path / "take.bag")
    with pytest.raises(SourceError, match="folder that exists"):
        SoftwareCamera(INTR, BASELINE_M, FPS, record_to=tmp_path / "no" / "such" / "take.db3")


def test_sim_source_numbers_and_times_frames() -> None:
    with sim_source((scene(INTR, k) for k in range(4)), INTR, BASELINE_M, FPS) as source:
        assert source.info.name == "Simulated D435" and source.info.baseline_m == BASELINE_M
        frames = list(source)
    assert [f.frame_number for f in frames] == [1, 2, 3, 4]
    assert [f.timestamp_ms for f in frames] == pytest.approx([0.0, 1000 / FPS, 2000 / FPS, 3000 / FPS])


def test_paced_pushes_follow_the_frame_clock() -> None:
    with SoftwareCamera(INTR, BASELINE_M, FPS, pace=True) as cam:
        start = time.monotonic()
        for k in range(4):
            cam.push(scene(INTR, k), k + 1, 1000.0 + k * 50.0)
        assert time.monotonic() - start >= 0.15 - 0.01     # a loaded machine may take longer, never less


def test_bare_decode_rate(recording: tuple[Path, list]) -> None:
    assert bare_decode_rate(recording[0]) > 30.0


# --- files that are not good recordings: a sentence, never a hang or a crash ------------------------------

_OPEN_ALL = """
import json, sys
from kiosk.sensing import SourceError, open_recording
out = {}
for p in sys.argv[1:]:
    try:
        with open_recording(p) as s:
            out[p] = f"ok {sum(1 for _ in s)}"
    except SourceError as e:
        out[p] = str(e)
print(json.dumps(out))
"""


def _open_in_child(paths: list[Path]) -> dict[str, str]:
    """Open each file in a child process with a timeout, so that an SDK hang fails the test instead of
    hanging it (the SDK holds the GIL while it hangs)."""
    run = subprocess.run([sys.executable, "-c", _OPEN_ALL, *map(str, paths)], capture_output=True, text=True,
                         timeout=60, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.splitlines()[-1])


def _color_only_recording(path: Path) -> None:
    """A recording with a colour stream and no depth stream (the simulator only makes depth)."""
    import pyrealsense2 as rs
    dev = rs.software_device()
    sensor = dev.add_sensor("RGB Camera")
    intr = rs.intrinsics()
    intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy = 64, 48, 40.0, 40.0, 32.0, 24.0
    stream = rs.video_stream()
    stream.type, stream.index, stream.uid, stream.width, stream.height = rs.stream.color, 0, 0, 64, 48
    stream.fps, stream.bpp, stream.fmt, stream.intrinsics = 30, 3, rs.format.rgb8, intr
    profile = sensor.add_video_stream(stream).as_video_stream_profile()
    dev.register_info(rs.camera_info.name, "Colour only")
    recorder = rs.recorder(str(path), dev)
    queue = rs.frame_queue(2)
    sensor.open(profile)
    sensor.start(queue)
    for k in range(3):
        f = rs.software_video_frame()
        f.pixels = np.zeros((48, 64, 3), np.uint8)
        f.bpp, f.stride, f.timestamp, f.frame_number, f.profile = 3, 64 * 3, k * 33.3, k + 1, profile
        f.domain = rs.timestamp_domain.hardware_clock
        sensor.on_video_frame(f)
        queue.wait_for_frame(1000)
    sensor.stop()
    sensor.close()
    del recorder


def test_bad_files_give_a_sentence_not_a_hang(recording: tuple[Path, list], tmp_path: Path) -> None:
    good = recording[0].read_bytes()
    files = {
        "missing": tmp_path / "missing.db3",
        "folder": tmp_path,
        "garbage": tmp_path / "garbage.db3",
        "text": tmp_path / "notes.bag",
        "half": tmp_path / "half.db3",
        "1k": tmp_path / "1k.db3",
        "no_frames": tmp_path / "no_frames.db3",
        "no_depth": tmp_path / "colour.db3",
    }
    files["garbage"].write_bytes(np.random.default_rng(0).bytes(5000))
    files["text"].write_text("not a bag\n")
    files["half"].write_bytes(good[:len(good) // 2])
    files["1k"].write_bytes(good[:1024])
    SoftwareCamera(INTR, BASELINE_M, FPS, record_to=files["no_frames"]).close()
    _color_only_recording(files["no_depth"])

    said = _open_in_child(list(files.values()))
    expect = {"missing": "does not exist", "folder": "is a folder", "garbage": "is not a RealSense recording",
              "text": "is not a RealSense recording", "half": "damaged or incomplete",
              "1k": "damaged or incomplete", "no_frames": "holds no depth frames", "no_depth": "has no depth stream"}
    for key, fragment in expect.items():
        sentence = said[str(files[key])]
        assert fragment in sentence, (key, sentence)
        assert sentence.count(":") == 1 and sentence.endswith("."), sentence   # one sentence: problem: action.
        assert "SQLite" not in sentence and "Traceback" not in sentence


# --- filters ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fragment", [
    ("decimation:2 wobble", "'wobble' is unknown: use one of decimation"),
    ("decimation:lots", "needs a number for 'magnitude'"),
    ("decimation:20", "between 1 and 8"),
    ("decimation:2.5", "whole number"),
    ("spatial:gamma=1", "has no setting 'gamma': it takes magnitude, alpha, delta, holes"),
    ("disparity spatial", "no 'disparity_inverse' after it"),
    ("disparity_inverse", "no 'disparity' before it"),
    ("disparity:3", "takes no plain value"),
])
def test_filter_chain_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(SourceError, match="Depth filter") as err:
        FilterChain.parse(text)
    assert fragment in str(err.value)


def test_filter_chain_parses_settings_and_pickles() -> None:
    chain = FilterChain.parse("decimation:3, threshold:max=4.5:min=0.3 disparity spatial:alpha=0.5:delta=20 "
                              "temporal disparity_inverse hole_filling:1")
    assert len(chain.items) == 7 and not FilterChain.parse("  ")
    assert pickle.loads(pickle.dumps(chain)).items == chain.items
    assert FilterChain(RECOMMENDED).output_intrinsics(FULL).width == 424


@pytest.mark.parametrize("magnitude", [2, 3])
def test_decimation_frames_carry_their_own_intrinsics(magnitude: int) -> None:
    chain = FilterChain([f"decimation:{magnitude}"])
    with SoftwareCamera(FULL, BASELINE_M, FPS, filters=chain) as cam:
        out = cam.push(scene(FULL, 0), 1, 0.0)
        info = cam.info
    assert out.depth_m.shape == (out.intrinsics.height, out.intrinsics.width)
    assert intrinsics_close(out.intrinsics, chain.output_intrinsics(FULL))
    assert intrinsics_close(info.intrinsics, out.intrinsics)
    assert out.intrinsics.fx == pytest.approx(FULL.fx / magnitude)


def test_recommended_chain_on_a_recording(recording: tuple[Path, list]) -> None:
    path, pushed = recording
    chain = FilterChain(RECOMMENDED)
    with open_recording(path, filters=chain) as source:
        frames = list(source)
        info = source.info
    # the SDK pads a decimated width to a multiple of 4 pixels: 212 / 2 = 106 becomes 108
    assert intrinsics_close(info.intrinsics, chain.output_intrinsics(INTR))
    assert intrinsics_close(frames[-1].intrinsics, info.intrinsics) and info.intrinsics.width == 108
    assert [f.frame_number for f in frames] == [f.frame_number for f in pushed]
    box = frames[-1].depth_m[25, (40 + N_FRAMES - 1) // 2]    # the middle of the box in the last frame
    assert frames[-1].depth_m.shape == (60, 108) and box == pytest.approx(1.2345, abs=0.01)
    assert (frames[-1].depth_m[:, 4:106] > 0).all()          # valid up to the SDK's zero padding


# --- the child process and its watchdog ------------------------------------------------------------------

def test_camera_process_over_a_recording_delivers_every_frame(recording: tuple[Path, list]) -> None:
    path, pushed = recording
    with camera_process(functools.partial(open_recording, path)) as source:
        assert source.info.serial == "SIM-0001"
        frames = list(source)
        assert source.restarts == 0
    assert [f.frame_number for f in frames] == [f.frame_number for f in pushed]
    assert all(np.array_equal(a.depth_m, b.depth_m) for a, b in zip(frames, pushed, strict=True))


class _Stalls:
    """A source that hands out `n` frames and then hangs, as a wedged camera does."""

    def __init__(self, source, n: int) -> None:
        self._source, self._n, self.info = source, n, source.info

    def __enter__(self) -> "_Stalls":
        return self

    def __exit__(self, *exc: object) -> None:
        self._source.close()

    def __iter__(self):
        for k, frame in enumerate(self._source):
            if k == self._n:
                time.sleep(3600)
            yield frame


class _StallsOnce:
    """Factory: the first child's source stalls after 3 frames; the restarted child plays normally."""

    def __init__(self, path: Path, marker: Path) -> None:
        self.path, self.marker = path, marker

    def __call__(self):
        source = open_recording(self.path)
        if self.marker.exists():
            return source
        self.marker.touch()
        return _Stalls(source, 3)


def test_watchdog_restarts_a_stalled_child(recording: tuple[Path, list], tmp_path: Path) -> None:
    path, pushed = recording
    factory = _StallsOnce(path, tmp_path / "stalled-once")
    with camera_process(factory, stall_s=1.0) as source:
        numbers = [f.frame_number for f in source]
        assert source.restarts == 1
    first = [f.frame_number for f in pushed]
    assert numbers == first[:3] + first                   # 3 frames, the stall, then the restarted source


class _AlwaysStalls:
    """Factory: every child's source stalls before its first frame."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self):
        return _Stalls(open_recording(self.path), 0)


def test_watchdog_gives_up_on_a_source_that_never_recovers(recording: tuple[Path, list]) -> None:
    with camera_process(_AlwaysStalls(recording[0]), stall_s=0.5, max_restarts=1) as source:
        with pytest.raises(SourceError, match="restarting it did not help: unplug it"):
            list(source)
        assert source.restarts == 1


def test_camera_process_passes_the_childs_sentence_on(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist: check the file name"):
        camera_process(functools.partial(open_recording, tmp_path / "missing.db3"))


# --- live camera -----------------------------------------------------------------------------------------

def test_mode_choice_falls_back_on_usb2() -> None:
    usb3 = [(848, 480, 30), (848, 480, 90), (640, 480, 30), (1280, 720, 30)]
    usb2 = [(640, 480, 30), (640, 480, 15), (480, 270, 30), (424, 240, 30)]
    assert choose_depth_mode(usb3, 848, 480, 30) == (848, 480, 30)
    assert choose_depth_mode(usb2, 848, 480, 30) == (640, 480, 30)
    assert choose_depth_mode(usb2, 848, 480, 6) == (640, 480, 15)
    with pytest.raises(SourceError):
        choose_depth_mode([], 848, 480, 30)


@pytest.mark.skipif(bool(list_cameras()), reason="a camera is attached")
def test_no_camera_says_what_to_do() -> None:
    with pytest.raises(SourceError, match="No RealSense camera found: plug it into a USB 3 port"):
        open_camera()


@pytest.mark.hardware
@needs_camera
def test_live_camera_streams_depth() -> None:
    serial = list_cameras()[0][1]
    with open_camera(serial, filters=FilterChain(["decimation:2"])) as camera:
        frames = list(islice(camera, 10))
    assert camera.info.serial == serial and camera.info.baseline_m > 0.01
    assert all(f.depth_m.shape == (f.intrinsics.height, f.intrinsics.width) for f in frames)
    assert len({f.frame_number for f in frames}) == 10
    assert any((f.depth_m > 0).mean() > 0.2 for f in frames)


@pytest.mark.hardware
@needs_camera
def test_live_camera_in_a_child_process() -> None:
    serial = list_cameras()[0][1]
    with camera_process(functools.partial(open_camera, serial)) as camera:
        frames = list(islice(camera, 10))
    assert camera.info.serial == serial and len(frames) == 10
