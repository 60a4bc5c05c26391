"""The demo's first start: its rendering runs in a child process while a progress screen shows at once; its end, its
failure and a child that dies are each told in one sentence."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pygame
import pytest

from kiosk import run
from kiosk.preparing import Preparation
from tests.fresh_process import in_fresh_process
from tests.test_run import assets, stand_in_demo  # noqa: F401  (assets: the stand-in demo's recording, calibration)


def slow_make(cache_dir: Path, progress) -> tuple[Path, Path, Path]:
    """Stands in for kiosk.sim.demo.demo_assets in the child: reports progress, then answers with the stand-in."""
    for k in range(3):
        progress("Rendering the stand-in", k / 3)
        time.sleep(0.3)
    visit, cal = (cache_dir / "visit.db3", cache_dir / "cal.json")
    return visit, cal, visit


def failing_make(cache_dir: Path, progress) -> tuple[Path, Path, Path]:
    progress("Rendering", 0.1)
    raise OSError(28, "No space left on device")


def dying_make(cache_dir: Path, progress) -> tuple[Path, Path, Path]:
    os._exit(3)


def killed_make(cache_dir: Path, progress) -> tuple[Path, Path, Path]:
    os.kill(os.getpid(), signal.SIGKILL)         # as the out-of-memory killer would
    raise AssertionError("not reached")


def stopped_make(cache_dir: Path, progress) -> tuple[Path, Path, Path]:
    os.kill(os.getpid(), signal.SIGTERM)         # as a service stop reaches the whole group
    raise AssertionError("not reached")


def finish(prep: Preparation, limit_s: float = 60.0) -> list[float]:
    shares = []
    deadline = time.monotonic() + limit_s
    while not prep.poll():
        assert time.monotonic() < deadline, "the child never finished"
        shares.append(prep.share)
        time.sleep(0.05)
    prep.close()
    return shares


def test_the_child_reports_its_progress_then_its_paths(tmp_path: Path) -> None:
    prep = Preparation(slow_make, tmp_path)
    shares = finish(prep)
    assert prep.error is None and prep.result == (tmp_path / "visit.db3", tmp_path / "cal.json",
                                                  tmp_path / "visit.db3")
    assert shares == sorted(shares) and 0 < max(shares) < 1 and prep.text == "Rendering the stand-in"


@pytest.mark.parametrize("make, said", [(failing_make, "No space left on device"), (dying_make, "exit code 3"),
                                        (killed_make, "killed by SIGKILL")])
def test_a_failing_or_dying_render_is_one_sentence(tmp_path: Path, make, said: str) -> None:
    prep = Preparation(make, tmp_path)
    finish(prep)
    assert prep.result is None and said in prep.error and prep.error.endswith("run it again, or report it.")


def test_a_render_stopped_with_the_kiosk_is_no_error(tmp_path: Path) -> None:
    prep = Preparation(stopped_make, tmp_path)
    finish(prep)
    assert prep.stopped and prep.result is None and prep.error is None


def test_a_kiosk_stopped_while_preparing_the_demo_leaves_quietly(assets, tmp_path: Path) -> None:
    """A service stop reaches the render child too: the supervised kiosk leaves with 0 instead of taking it for a
    crash and starting again."""
    assert in_fresh_process(_stopped_start, assets, tmp_path, timeout_s=60) == 0


def _stopped_start(assets: tuple[Path, Path], tmp_path: Path) -> int:
    os.environ.update(SDL_VIDEODRIVER="dummy", XDG_STATE_HOME=str(tmp_path / "state"),
                      XDG_DATA_HOME=str(tmp_path / "data"))
    made: list[Path] = []
    sys.modules["kiosk.sim.demo"] = stand_in_demo(assets, made, cached=lambda cache_dir: False)
    run.prepare_demo = _prepare_with(stopped_make, made)
    return run.main(["--demo", "--windowed", "--cache", str(tmp_path / "cache")])


def test_the_first_start_shows_the_progress_screen_then_plays_the_demo(assets, tmp_path: Path) -> None:
    """Run in a fresh interpreter: the whole kiosk starts here, pygame and the SDK included, and native state left
    by earlier tests in the same worker once crashed it (a segfault in a native thread, 1 in 5 full runs)."""
    shots = tmp_path / "shots"
    assert in_fresh_process(_first_start, assets, tmp_path, shots) == 0
    assert pygame.image.load(str(shots / "preparing.png")).get_size() == (640, 360)
    assert (shots / "attract.png").exists()                 # then the demo itself played


def _first_start(assets: tuple[Path, Path], tmp_path: Path, shots: Path) -> int:
    """The kiosk's first start on a clean cache, the demo's rendering stood in for by `slow_make`; its exit code."""
    made: list[Path] = []
    sys.modules["kiosk.sim.demo"] = stand_in_demo(assets, made, cached=lambda cache_dir: bool(made))
    run.prepare_demo = _prepare_with(slow_make, made)
    return run.main(["--demo", "--headless", "--seconds", "2", "--cache", str(tmp_path / "cache"), "--size",
                     "640x360", "--screenshots", str(shots)])


def _prepare_with(make, made: list[Path]):
    real = run.prepare_demo

    def prepare(args, cache, _make) -> None:
        real(args, cache, make)
        made.append(cache)
    return prepare
