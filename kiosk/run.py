"""`python -m kiosk [options]`: the kiosk game on the live camera, on the demo's simulated client, or on a
recording; `--headless` renders the demo as fast as it can and saves a picture of every scene.

Everything a person at the terminal can get wrong ends in one sentence on stderr and exit code 1. Problems the
kiosk meets while running (no camera yet, a lost camera, no calibration yet) are shown on screen instead, in
plain words, while it keeps trying.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import logging
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pygame

from calibration.model import Calibration
from calibration.store import CalibrationFileError, load, without_background
from kiosk.analyze import MismatchError
from kiosk.game import trainer
from kiosk.game.app import QUIT_KEYS, TRAINER_KEYS, App, open_display
from kiosk.game.progress import ProgressScreen
from kiosk.game.provider import MeasurementProvider, VirtualClock
from kiosk.game.settings import Settings, SettingsError
from kiosk.game.settings import load as load_settings
from kiosk.game.sound import SoundBoard
from kiosk.live import CaptureProvider, Looped, SourceFactory, SteppedReplay
from kiosk.history import Recorder
from kiosk.measurement import Measurement
from kiosk.pin import hash_pin
from kiosk.preparing import Preparation
from kiosk.paths import (default_cache, default_calibration, default_history, default_logs, default_recordings,
                         default_settings)
from kiosk.recordings import SessionRecorder, calibration_beside
from kiosk.supervisor import configure_logging, log_start, supervise
from kiosk.sensing import SourceError, camera_process, list_cameras, open_camera, open_recording

log = logging.getLogger(__name__)
PROG = "python -m kiosk"


class UsageError(Exception):
    """A command line that cannot run; str() is one sentence saying what to change."""


class _Exit(Exception):
    """--help was printed, or the kiosk was stopped or closed while starting: leave with this code."""

    def __init__(self, code: int) -> None:
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:        # argparse's own: usage text and exit 2
        raise UsageError(f"{message} (see {PROG} --help).")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Run the hip-hinge wall kiosk.", epilog=(
        f"Quit with {QUIT_KEYS}. In full screen Esc does nothing, so a client cannot leave the game by "
        "accident; in a window Esc quits too. Trainer mode (check mode, settings, session history): "
        f"{TRAINER_KEYS}, then the PIN. Without a calibration file the kiosk says on screen how to "
        "calibrate, and starts by itself once the file is there."))
    src = p.add_argument_group("what the kiosk watches (default: the live camera)")
    src.add_argument("--demo", action="store_true", help="a simulated client instead of the camera (rendered "
                     "once, then cached)")
    src.add_argument("--auto-demo", action="store_true", help="the live camera when one is attached, else the "
                     "demo")
    src.add_argument("--recording", type=Path, metavar="FILE", help="replay this .db3 recording, looping")
    src.add_argument("--serial", help="the camera to use when several are attached (default: the first)")
    src.add_argument("--calibration", type=Path, metavar="FILE",
                     help=f"the trainer's calibration (default: {default_calibration()})")
    p.add_argument("--settings", type=Path, metavar="FILE",
                   help=f"the kiosk's settings (default: {default_settings()}; defaults when it does not exist)")
    p.add_argument("--history", type=Path, metavar="FILE", help="where client sessions watched by the live camera "
                   f"are kept, anonymously (default: {default_history()}); the demo and replays are not kept")
    p.add_argument("--cache", type=Path, metavar="DIR", help=f"where the demo is kept (default: {default_cache()})")
    out = p.add_argument_group("screen")
    out.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    out.add_argument("--size", metavar="WxH", help="screen size, e.g. 1920x1080 (default: the whole screen; "
                     "1280x720 in a window; 1920x1080 headless)")
    out.add_argument("--headless", action="store_true", help="no screen: run the demo (or --recording) as fast "
                     "as it renders, for --seconds")
    out.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (of the game's clock)")
    out.add_argument("--screenshots", type=Path, metavar="DIR", help="save a PNG of every scene entered")
    p.add_argument("--trainer", action="store_true", help=f"start in trainer mode (in the kiosk: {TRAINER_KEYS}); "
                   "with --headless, visit every trainer screen after the demo and save each with --screenshots")
    return p


@dataclass(frozen=True)
class Choice:
    """What to watch, decided from the command line: a recording (with its calibration) or the live camera."""

    recording: Path | None
    calibration: Path
    calibration_given: bool       # named on the command line: a problem with it is the user's typo
    routine: Path | None = None   # the demo's: the simulated trainer's calibration routine, for the wizard


def parse(argv: list[str]) -> argparse.Namespace:
    try:
        args = parser().parse_args(argv)
    except SystemExit as done:          # --help
        raise _Exit(int(done.code or 0)) from None
    if args.recording and args.demo:
        raise UsageError("Give either --demo or --recording, not both.")
    if args.serial and (args.demo or args.recording or args.headless):
        raise UsageError("--serial picks a live camera: leave it out with --demo, --recording or --headless.")
    if args.calibration and (args.demo or args.headless) and not args.recording:
        raise UsageError("The demo brings its own calibration: use --calibration with the live camera or a "
                         "--recording.")
    if args.headless and args.seconds is None:
        raise UsageError("--headless needs --seconds S: how long to run the demo.")
    if args.seconds is not None and not 0 < args.seconds <= 24 * 3600:
        raise UsageError(f"--seconds {args.seconds:g} is not a run time: give seconds above 0 (at most a day).")
    if args.headless and args.windowed:
        raise UsageError("Give either --headless or --windowed, not both.")
    args.size = parse_size(args.size)
    return args


def parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    w, x, h = text.lower().partition("x")
    if not (x and w.isdigit() and h.isdigit() and 160 <= int(w) <= 16384 and 160 <= int(h) <= 16384):
        raise UsageError(f"--size {text} is not a screen size: give WIDTHxHEIGHT, e.g. 1920x1080.")
    return int(w), int(h)


def choose(args: argparse.Namespace) -> Choice:
    """The recording to replay (the demo's when asked for, or chosen by --auto-demo), or None for the camera."""
    cal = args.calibration or default_calibration()
    if args.recording:
        return Choice(args.recording, cal, args.calibration is not None)
    demo = args.demo or args.headless
    if args.auto_demo and not demo:
        demo = not list_cameras()
        if demo:
            print("No RealSense camera is attached: running the demo (a simulated client).", file=sys.stderr)
    if not demo:
        return Choice(None, cal, args.calibration is not None)
    from kiosk.sim.demo import demo_assets, demo_cached
    cache = args.cache or default_cache()
    if not demo_cached(cache):
        prepare_demo(args, cache, demo_assets)
    recording, demo_cal, routine = demo_assets(cache)
    return Choice(recording, demo_cal, True, routine)


PREPARING_NOTE = "Only the first start (and after an update) renders the demo; Ctrl+Shift+Q quits."


def prepare_demo(args: argparse.Namespace, cache: Path, make) -> None:
    """Render the demo in a child process with its progress on screen at once (in the terminal too, and there
    alone when no screen can be opened); a failure is one sentence."""
    prep = Preparation(make, cache)
    said = -1
    try:
        screen = _progress_screen(args, "Preparing the demo")
        while not prep.poll():
            if screen is not None and not screen.show(prep.text, prep.share):
                raise _Exit(0)
            if int(prep.share * 10) != said:
                said = int(prep.share * 10)
                print(f"demo: {prep.text}: {prep.share:.0%} (only the first start)", file=sys.stderr)
            if screen is None:
                time.sleep(0.2)
    finally:
        prep.close()
        pygame.display.quit()
    if prep.stopped:
        raise _Exit(0)
    if prep.error:
        raise SourceError(prep.error)


def _progress_screen(args: argparse.Namespace, title: str, note: str = PREPARING_NOTE) -> ProgressScreen | None:
    display = "headless" if args.headless else "windowed" if args.windowed else "fullscreen"
    try:
        surface = open_display(display, args.size)
    except pygame.error as err:
        log.warning("no screen to show %r on (%s): the terminal says it", title, err)
        return None
    return ProgressScreen(surface, title, note, screenshots=args.screenshots)


def calibration_loader(choice: Choice) -> functools.partial[Calibration]:
    """Loads the calibration; named on the command line it must load now, else the screen says what to do."""
    loader = functools.partial(_load_calibration, choice.calibration)
    if choice.calibration_given:
        loader()
    return loader


_ADVISED: set[Path] = set()


def _load_calibration(path: Path) -> Calibration:
    if not path.exists():
        raise CalibrationFileError(f"This kiosk is not calibrated yet: a trainer runs './hinge py -m calibration "
                                   f"live --out {path}' and follows its prompts.")
    cal = load(path)
    if (advice := without_background(cal, path)) and path not in _ADVISED:
        _ADVISED.add(path)                     # the camera process restarts reload it: say it once
        log.warning(advice)
    return cal


def source_factory(choice: Choice, serial: str | None) -> SourceFactory:
    """The depth source in a watched child process: the live camera, or the recording replayed in real time (a
    child for each pass)."""
    if choice.recording is None:
        return functools.partial(camera_process, functools.partial(open_camera, serial))
    return functools.partial(Looped, recording_pass(choice.recording), paced=True)


def recording_pass(recording: Path) -> SourceFactory:
    """One pass of the recording, in a watched child process."""
    return functools.partial(camera_process, functools.partial(open_recording, recording))


def read_settings(path: Path | None) -> tuple[Settings, str | None]:
    """(the settings, a notice for the trainer). Named on the command line they must load; the kiosk's own file,
    damaged, leaves the kiosk running on the defaults (the file untouched) and tells the trainer."""
    if path is not None and not path.exists():
        raise UsageError(f"Settings file {path} does not exist: check the path, or leave out --settings for "
                         "the defaults.")
    try:
        return load_settings(path or default_settings()), None
    except SettingsError as err:
        if path is not None:
            raise
        log.warning("%s: running with the default settings", err)
        return Settings(), f"Running on the default settings: {err}"


def run(args: argparse.Namespace) -> int:
    settings, notice = read_settings(args.settings)
    if args.screenshots:
        try:
            args.screenshots.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UsageError(f"Cannot save screenshots in {args.screenshots} ({err.strerror}): choose a "
                             "writable folder.") from None
    choice = choose(args)
    loader = calibration_loader(choice)
    if args.headless:
        return run_headless(args, choice, loader(), settings)
    display = "windowed" if args.windowed else "fullscreen"
    history = args.history or default_history()
    live = choice.recording is None
    keep = Recorder(history) if live else None
    recorder = SessionRecorder(default_recordings(), 0, False) if live else None    # the App applies the settings
    with CaptureProvider(source_factory(choice, args.serial), loader, keep_frames=recorder) as provider:
        app = open_app(provider, settings, display, args, sound=SoundBoard(settings), keep_session=keep,
                       settings_path=args.settings or default_settings(), history_path=history,
                       calibration_path=choice.calibration if live else None, notice=notice, recorder=recorder,
                       recordings_path=default_recordings() if live else None,
                       open_replay=replay_provider if live else None)
        if args.trainer:
            app.open_trainer()
        follow = CameraAppears(list_cameras) if args.auto_demo and not live else None
        try:
            code = app.run(args.seconds, until=follow)
        finally:
            if follow is not None:
                follow.close()
    if follow is not None and follow():
        log.info("A RealSense camera was plugged in: the kiosk changes from the demo to it.")
        return run(args)                       # chooses again: the camera, now
    return code


class CameraAppears:
    """--auto-demo while the demo runs: whether a RealSense camera has been plugged in, asked of the SDK on a thread
    every POLL_S (the game never waits for it). The kiosk then changes to the camera within about 5 s: this poll
    and the camera's start. A camera unplugged later does not bring the demo back: the kiosk says the camera is
    reconnecting and a session in progress waits for it, since in a studio an unplugged camera is a fault to fix,
    not a reason to show a simulated client."""

    POLL_S = 2.0

    def __init__(self, cameras: Callable[[], list]) -> None:
        self._cameras = cameras
        self._seen = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="camera-watch", daemon=True)
        self._thread.start()

    def __call__(self) -> bool:
        return self._seen.is_set()

    def close(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self.POLL_S):
            try:
                if self._cameras():
                    self._seen.set()
                    return
            except Exception:               # an SDK that cannot list devices now may later: keep asking
                log.debug("listing cameras failed", exc_info=True)


def replay_provider(recording: Path) -> CaptureProvider:
    """A kept session replayed once at its own pace, on the calibration it was measured with."""
    cal = calibration_beside(recording)
    if not cal.exists():
        raise CalibrationFileError(f"{recording.name} has no calibration beside it ({cal.name}): it cannot be "
                                   "replayed as it ran.")
    return CaptureProvider(functools.partial(Looped, recording_pass(recording), paced=True, once=True),
                           functools.partial(load, cal))


def run_headless(args: argparse.Namespace, choice: Choice, cal: Calibration, settings: Settings) -> int:
    clock = VirtualClock()
    with Looped(functools.partial(open_recording, choice.recording)) as source, \
            tempfile.TemporaryDirectory(prefix="hinge-trainer-") as scratch:
        history = Path(scratch) / "history.sqlite3"          # the demo's sessions, for the history screen only
        app = open_app(SteppedReplay(source, cal, clock), settings, "headless", args, clock=clock,
                       keep_session=Recorder(history) if args.trainer else None, history_path=history)
        if args.trainer:
            code = trainer_tour(app, clock, args.seconds, choice.routine)
        else:
            code = app.run(args.seconds)
    if args.screenshots:
        shots = ", ".join(sorted(f"{name}.png" for name in app.shots_taken)) or "none"
        print(f"Saved in {args.screenshots}: {shots}.", file=sys.stderr)
    return code


TOUR_PIN = "2468"              # the tour's PIN, in memory only: nothing the tour does is saved
TOUR_WAIT_S = 90.0            # check mode waits at most this long (game time) for the client mid-hinge


def trainer_tour(app: App, clock: VirtualClock, seconds: float, routine: Path | None = None) -> int:
    """--headless --trainer: the demo plays for `seconds` (its sessions go to a scratch history), then every trainer
    screen is visited with the keys a trainer would press, and each is saved (trainer_*.png); last, the wizard
    runs on the simulated trainer's `routine` (the demo's) and each of its steps is saved
    (trainer_wizard_*.png)."""
    def frames(seconds_: float, until=lambda: False) -> None:
        end = clock.now() + seconds_
        while clock.now() < end and not until():
            app.frame()

    def keys(*names: str) -> None:
        for name in names:
            app.press(name)
        app.frame()

    try:
        frames(seconds)
        app.settings = dataclasses.replace(app.settings, pin_hash=hash_pin(TOUR_PIN))
        app.open_trainer()
        keys(*TOUR_PIN[:2])
        app.save_screenshot("trainer_pin")
        keys(*TOUR_PIN[2:], "enter")
        app.save_screenshot("trainer_menu")
        keys("1")
        frames(TOUR_WAIT_S, until=lambda: _mid_hinge(app.provider.latest()[0]))
        app.save_screenshot("trainer_check")
        keys("back", "2", "down", "down", "down", "+")
        app.save_screenshot("trainer_settings")
        keys(*["down"] * (len(trainer.ROWS) - 3), "enter", *TOUR_PIN[:3])
        app.save_screenshot("trainer_new_pin")
        keys("back", "back", "back", "back", "back", "3")
        app.save_screenshot("trainer_history")
        keys("back", "4")
        app.save_screenshot("trainer_restore")
        keys("back", "6")
        app.save_screenshot("trainer_recordings")
        keys("back")
        if routine is not None:
            wizard_tour(app, clock, routine, frames, keys)
        keys("back")
    finally:
        app.close()
    return 0


WIZARD_SHOT_S = 1.0        # a wizard step is pictured this long after it starts (its progress under way)


def wizard_tour(app: App, clock: VirtualClock, routine: Path, frames, keys) -> None:
    """The wizard on a recording of the routine (no one to walk out of view: no countdown), a picture of each step
    once under way, then of the review as the trainer nudges the mark and the wall; Enter saves (the demo's
    calibration stays: only a live camera's is written)."""
    app.wizard_leave_s = 0.0
    with open_recording(routine) as source:
        replay = app.provider = SteppedReplay(source, None, clock)
        keys("5")
        step, since, shot = None, clock.now(), set()
        while not replay.ended:
            frames(1.0 / 30)
            view = app.wizard.view if app.wizard is not None else None
            if view is None:
                continue
            if view.step.value != step:
                step, since = view.step.value, clock.now()
            final = step in ("review", "failed")
            if step not in shot and (final or clock.now() - since >= WIZARD_SHOT_S):
                shot.add(step)
                app.save_screenshot(f"trainer_wizard_{step}")
            if final:
                break
        if step == "review":
            keys("up", "up", "left", "+")
            app.save_screenshot("trainer_wizard_review_nudged")
            keys("enter")
            app.save_screenshot("trainer_wizard_saved")


def _mid_hinge(m: Measurement | None) -> bool:
    return m is not None and m.on_mark and m.hip_offset_m is not None and m.hip_offset_m > 0.10


def open_app(provider: MeasurementProvider, settings: Settings, display: str, args: argparse.Namespace,
             **kw: object) -> App:
    try:
        return App(provider, settings, display=display, size=args.size, screenshots=args.screenshots,
                   kiosk=display == "fullscreen", **kw)
    except pygame.error as err:        # no display, or SDL refusing the size
        log.debug("opening the display failed", exc_info=True)
        raise UsageError(f"Cannot open the screen ({err}): run the kiosk in a desktop session, or try "
                         "--headless.") from None


USER_ERRORS = (UsageError, SettingsError, CalibrationFileError, MismatchError, SourceError)


def main(argv: list[str]) -> int:
    """Run the kiosk; returns the exit code (1 with one sentence on stderr for anything the user can fix). The
    kiosk itself (not a headless or timed run) is supervised: no exception ends it."""
    try:
        args = parse(argv)
        configure_logging(None if args.headless else default_logs())
        log_start(argv)
        if args.headless or args.seconds is not None:
            return run(args)
        return supervise(functools.partial(run, args), functools.partial(_wait, args), time.monotonic,
                         (*USER_ERRORS, _Exit))
    except _Exit as done:
        return done.code
    except USER_ERRORS as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _wait(args: argparse.Namespace, sentence: str, pause_s: float) -> bool:
    """Between a crash and the next start: the sentence on screen with the time left (in the log alone when no
    screen opens); False when the quit combination was used."""
    screen = _progress_screen(args, "Starting again", "Ctrl+Shift+Q quits.")
    start = time.monotonic()
    try:
        while (waited := time.monotonic() - start) < pause_s:
            if screen is None:
                time.sleep(pause_s - waited)
                break
            if not screen.show(sentence, waited / pause_s):
                return False
    finally:
        pygame.display.quit()
    return True
