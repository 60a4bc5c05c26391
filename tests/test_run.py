"""`python -m kiosk`: headless runs over a stand-in recording save a picture per scene, the demo is wired to
`demo_assets`, and every mistake at the command line is one sentence with exit code 1."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import types
from pathlib import Path
from typing import Callable, NamedTuple

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame  # noqa: E402
import pytest  # noqa: E402

from calibration.store import CalibrationFileError, save  # noqa: E402
from kiosk import run  # noqa: E402
from kiosk.paths import default_calibration  # noqa: E402
from tests.fresh_process import in_fresh_process  # noqa: E402
from tests.test_live import stand_in_calibration, stand_in_recording, wait_for  # noqa: E402


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("run")
    cal = folder / "cal.json"
    save(stand_in_calibration(), cal)
    return stand_in_recording(folder / "visit.db3", n=90, arrive=30), cal


def one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m kiosk: ") and "Traceback" not in err, err
    return lines[0]


def stand_in_demo(assets: tuple[Path, Path], asked: list[Path],
                  cached: Callable[[Path], bool] = lambda cache_dir: True) -> types.SimpleNamespace:
    """A kiosk.sim.demo whose demo_assets answers with the stand-in and adds the cache folder asked for to
    `asked`: no simulator rendering in these tests."""
    def demo_assets(cache_dir: Path, progress=None) -> tuple[Path, Path, Path]:
        asked.append(cache_dir)
        return (*assets, assets[0])          # the visit stands in for the trainer's routine too

    return types.SimpleNamespace(demo_assets=demo_assets, demo_cached=cached)


class Ran(NamedTuple):
    code: int                 # run.main's exit code
    err: str                  # what it printed to stderr (the log goes to the test's captured output instead)
    demo_asked: list[Path]    # the cache folders the stand-in demo was asked for


def kiosk(argv: list[str], demo: tuple[Path, Path] | None = None) -> Ran:
    """`run.main(argv)` as the target of `in_fresh_process`: every test that starts the kiosk on a recording runs
    it in a fresh interpreter (SDK playback in the pytest worker once crashed it). With `demo` (the stand-in's
    recording and calibration) kiosk.sim.demo is `stand_in_demo`."""
    asked: list[Path] = []
    if demo is not None:
        sys.modules["kiosk.sim.demo"] = stand_in_demo(demo, asked)
    logging.basicConfig(stream=sys.__stderr__)     # as pytest's log capture: the kiosk adds no console log
    with contextlib.redirect_stderr(io.StringIO()) as err:
        code = run.main(argv)
    return Ran(code, err.getvalue(), asked)


def test_headless_run_of_a_recording_saves_the_scenes_and_exits_0(assets, tmp_path) -> None:
    recording, cal = assets
    ran = in_fresh_process(kiosk, ["--headless", "--seconds", "3", "--recording", str(recording), "--calibration",
                                   str(cal), "--screenshots", str(tmp_path), "--size", "640x360"])
    assert ran.code == 0, ran.err
    shots = {p.name for p in tmp_path.glob("*.png")}
    assert shots == {"attract.png", "drill.png"}      # nobody for a second, then someone standing on the mark
    assert pygame.image.load(str(tmp_path / "attract.png")).get_size() == (640, 360)
    assert "attract.png" in ran.err


@pytest.fixture
def fake_demo(assets, monkeypatch) -> list[Path]:
    """kiosk.sim.demo answering with the stand-in, in this process; the list records the cache folders asked for."""
    asked: list[Path] = []
    monkeypatch.setitem(sys.modules, "kiosk.sim.demo", stand_in_demo(assets, asked))
    return asked


def test_the_demo_comes_from_demo_assets_in_the_cache(assets, tmp_path) -> None:
    ran = in_fresh_process(kiosk, ["--headless", "--seconds", "0.5", "--cache", str(tmp_path / "cache")], assets)
    assert ran.code == 0, ran.err
    assert ran.demo_asked == [tmp_path / "cache"]


@pytest.mark.parametrize("cameras, demo", [([], True), ([("Intel RealSense D435", "123", "3.2")], False)])
def test_auto_demo_runs_the_demo_only_without_a_camera(fake_demo, assets, monkeypatch, cameras, demo) -> None:
    monkeypatch.setattr(run, "list_cameras", lambda: cameras)
    choice = run.choose(run.parse(["--auto-demo"]))
    assert (choice.recording == assets[0]) is demo and (choice.recording is None) is not demo


def test_a_missing_default_calibration_is_shown_on_screen_not_fatal(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    choice = run.Choice(None, default_calibration(), calibration_given=False)
    loader = run.calibration_loader(choice)                 # no error yet: the kiosk starts and says so
    with pytest.raises(CalibrationFileError, match="not calibrated yet.*-m calibration live"):
        loader()
    assert choice.calibration == tmp_path / "hinge-kiosk" / "calibration.json"


@pytest.mark.parametrize("argv, words", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--size", "big"], "--size big is not a screen size"),
    (["--headless"], "--headless needs --seconds"),
    (["--headless", "--seconds", "-1"], "is not a run time"),
    (["--demo", "--recording", "x.db3"], "either --demo or --recording"),
    (["--demo", "--serial", "123"], "--serial picks a live camera"),
    (["--demo", "--calibration", "cal.json"], "The demo brings its own calibration"),
    (["--settings", "/no/such/settings.json"], "does not exist"),
])
def test_command_line_mistakes_are_one_sentence_and_exit_1(argv, words, capsys) -> None:
    assert run.main(argv) == 1
    assert words in one_sentence(capsys.readouterr().err)


def test_a_named_calibration_that_is_missing_or_damaged_stops_at_once(assets, tmp_path, capsys) -> None:
    recording, _ = assets
    assert run.main(["--recording", str(recording), "--calibration", str(tmp_path / "none.json")]) == 1
    assert "not calibrated yet" in one_sentence(capsys.readouterr().err)
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{")
    assert run.main(["--headless", "--seconds", "1", "--recording", str(recording), "--calibration",
                     str(damaged)]) == 1
    assert "damaged" in one_sentence(capsys.readouterr().err)


def test_the_kiosks_own_damaged_calibration_is_a_sentence_on_screen_and_left_as_it_was(tmp_path) -> None:
    from kiosk.live import CaptureProvider
    from tests.test_live import Frames, wait_for
    damaged = tmp_path / "calibration.json"
    damaged.write_bytes(b'{"kind": "hinge-kiosk-calibration", "version"')
    with CaptureProvider(Frames, run.calibration_loader(run.Choice(None, damaged, False)), retry_s=60.0) as provider:
        wait_for(lambda: provider.status() is not None)
        assert "damaged" in provider.status() and provider.latest() == (None, None)
    assert damaged.read_bytes() == b'{"kind": "hinge-kiosk-calibration", "version"'


def test_a_bad_recording_and_bad_settings_are_one_sentence(assets, tmp_path, capsys) -> None:
    _, cal = assets
    text = tmp_path / "notes.db3"
    text.write_text("not a recording")
    assert run.main(["--headless", "--seconds", "1", "--recording", str(text), "--calibration", str(cal)]) == 1
    assert "is not a RealSense recording" in one_sentence(capsys.readouterr().err)
    settings = tmp_path / "settings.json"
    settings.write_text('{"kind": "hinge-kiosk-settings", "version": 1, "units": "feet"}')
    assert run.main(["--settings", str(settings)]) == 1
    assert 'units is "feet"' in one_sentence(capsys.readouterr().err)


def test_help_names_the_quit_keys(capsys) -> None:
    assert run.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Ctrl+Shift+Q" in out and "--auto-demo" in out and "Esc" in out


def test_auto_demo_changes_to_a_camera_plugged_in_while_the_demo_runs(assets) -> None:
    ran, sources = in_fresh_process(_demo_then_a_camera, assets)
    assert ran.code == 0, ran.err
    assert sources[0] is not None and sources[1:] == [None]       # the demo, then the live camera


def _demo_then_a_camera(assets: tuple[Path, Path]) -> tuple[Ran, list[Path | None]]:
    """--auto-demo with a camera plugged in after a few looks: how the kiosk ran, and the recording of each depth
    source it started (None: the live camera)."""
    camera = ("Intel RealSense D435", "0001", "3.2", "5.16.0")
    answers = iter([[], [], []])                  # none at the start, none at the first looks, then one
    run.list_cameras = lambda: next(answers, [camera])
    run.CameraAppears.POLL_S = 0.05
    sources: list[Path | None] = []
    real = run.source_factory
    run.source_factory = lambda choice, serial: sources.append(choice.recording) or real(choice, serial)
    return kiosk(["--auto-demo", "--windowed", "--seconds", "1", "--size", "320x180"], assets), sources


def test_the_camera_watch_says_when_a_camera_appears_and_survives_an_sdk_error() -> None:
    calls = []

    def cameras() -> list:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the SDK could not list devices")
        return [] if len(calls) < 3 else [("D435", "1", "3.2", "5.16")]

    run.CameraAppears.POLL_S, saved = 0.02, run.CameraAppears.POLL_S
    try:
        watch = run.CameraAppears(cameras)
        wait_for(watch, timeout_s=5)
        watch.close()
    finally:
        run.CameraAppears.POLL_S = saved
    assert len(calls) == 3
