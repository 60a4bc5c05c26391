"""The kiosk's loop: events → newest measurement → fixed-step rules → draw → flip, at a capped frame rate.

It never waits on the camera (the provider hands over its newest measurement), and nothing a scene does can
end it: a failure is logged and the kiosk goes back to attract.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pygame

from calibration.review import moved_mark
from calibration.store import CalibrationFileError, backup_path, restore_backup
from calibration.store import load as load_calibration
from calibration.store import save as save_calibration
from calibration.wizard import LEAVE_S, spoken, spoken_phrases
from kiosk.game import palette, rules, scenes, trainer, trainer_views
from kiosk.game.draw import Painter
from kiosk.game.provider import Clock, MeasurementProvider, RealClock
from kiosk.game.rules import (CameraStatus, Celebrate, Effect, Event, GameState, Reset, Say, Scene, SessionBegan,
                              SessionOver)
from kiosk.game.scenes import VIEWS, Celebration, View
from kiosk.game.settings import Settings, save
from kiosk.game.sound import SoundBoard
from kiosk.game.stack import SceneStack
from kiosk.history import History, HistoryError, SessionRecord, per_day
from kiosk.recordings import SessionRecorder, kept
from kiosk.sensing.source import SourceError
from kiosk.wizard_feed import WizardFeed
from kiosk.pin import PinGate

log = logging.getLogger(__name__)
FPS = 60
MAX_CATCH_UP_S = 0.25          # after a stall, skip ahead rather than run hundreds of rule steps
SHOT_AFTER_S = 0.6             # a scene's screenshot waits for its entrance animations
QUIT_KEYS = "Ctrl+Shift+Q"     # the one way to quit a kiosk from the keyboard (Esc does nothing)
TRAINER_KEYS = "keypad * three times, or Ctrl+Shift+T"
RECENT_SESSIONS = 12           # sessions listed on the trainer's history screen
KEY_NAMES = {pygame.K_RETURN: "enter", pygame.K_KP_ENTER: "enter", pygame.K_BACKSPACE: "back",
             pygame.K_KP_PERIOD: "back", pygame.K_ESCAPE: "back", pygame.K_UP: "up", pygame.K_DOWN: "down",
             pygame.K_LEFT: "left", pygame.K_RIGHT: "right", pygame.K_PLUS: "+", pygame.K_EQUALS: "+",
             pygame.K_KP_PLUS: "+", pygame.K_MINUS: "-", pygame.K_KP_MINUS: "-",
             **{getattr(pygame, f"K_{d}"): str(d) for d in range(10)},
             **{getattr(pygame, f"K_KP{d}"): str(d) for d in range(10)}}
DISPLAYS = ("fullscreen", "windowed", "headless")


KEEP_STATS = 36_000             # ten minutes of frames: a kiosk runs for weeks, its statistics must not grow


def _recent() -> deque:
    return deque(maxlen=KEEP_STATS)


@dataclass
class FrameStats:
    """Frame work time and motion-to-screen latency of the last ten minutes, for the benchmark and the README."""

    frame_s: deque[float] = field(default_factory=_recent)
    shown: deque[tuple[float, float]] = field(default_factory=_recent)   # (frame timestamp, end of first flip)

    @property
    def latency_s(self) -> list[float]:
        return [drawn - stamp for stamp, drawn in self.shown]

    def report(self) -> dict[str, float]:
        out = {}
        for name, values in (("frame", list(self.frame_s)), ("latency", self.latency_s)):
            if values:
                out[f"{name}_median_ms"] = float(np.median(values) * 1000)
                out[f"{name}_p95_ms"] = float(np.percentile(values, 95) * 1000)
        return out


def open_display(display: str, size: tuple[int, int] | None) -> pygame.Surface:
    """The screen: full screen with the mouse hidden (the kiosk), a window, or an offscreen surface."""
    if display not in DISPLAYS:
        raise ValueError(f"display {display!r}: use one of {', '.join(DISPLAYS)}")
    if display == "headless":
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_caption("Hip hinge wall")
    if display == "fullscreen":
        screen = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)
        return screen
    if display == "windowed":
        return pygame.display.set_mode(size or (1280, 720), pygame.RESIZABLE)
    return pygame.display.set_mode(size or (1920, 1080))


class App:
    """Construct with a provider, then `run()`; tests drive `frame()` one frame at a time."""

    def __init__(self, provider: MeasurementProvider, settings: Settings = Settings(), *,
                 display: str = "fullscreen", size: tuple[int, int] | None = None, clock: Clock | None = None,
                 sound: SoundBoard | None = None, screenshots: Path | None = None, kiosk: bool = True,
                 fps: int = FPS, keep_session: Callable[[SessionRecord], None] | None = None,
                 settings_path: Path | None = None, history_path: Path | None = None,
                 calibration_path: Path | None = None, notice: str | None = None,
                 recorder: SessionRecorder | None = None, recordings_path: Path | None = None,
                 open_replay: Callable[[Path], MeasurementProvider] | None = None) -> None:
        self.provider = provider
        self.keep_session = keep_session
        self.settings_path = settings_path
        self.history_path = history_path
        self.calibration_path = calibration_path    # the live camera's calibration (None: the demo's own)
        self.notice = notice                    # for the trainer, on opening trainer mode (a damaged settings file)
        self.trainer: trainer.TrainerState | None = None
        self.wizard: WizardFeed | None = None   # the calibration wizard, while trainer mode runs it
        self.wizard_leave_s = LEAVE_S           # its time for the trainer to walk out of view (0 on a recording)
        self.recorder = recorder                # keeps client sessions' depth, when the settings say so
        self.recordings_path = recordings_path
        self.open_replay = open_replay          # a provider replaying a kept session (the live kiosk has one)
        self.replaying: Path | None = None      # the recording being replayed, trainer mode waiting behind it
        self._live: MeasurementProvider | None = None
        self._replay_began = False
        self._gate = PinGate()                  # the PIN's tries outlive one visit to trainer mode
        self._entry = trainer.EntryWatch()
        self._keys: list[str] = []
        self.clock = clock or RealClock()
        self.kiosk = kiosk
        self.frame_period_s = 1.0 / fps
        self.screen = open_display(display, size)
        self.painter = Painter(self.screen.get_size())
        self.sound = sound
        self._use_settings(settings)
        if sound is not None:
            sound.prepare(rules.spoken_phrases(settings))
        self.screenshots = Path(screenshots) if screenshots else None
        self.shots_taken: set[str] = set()
        self.stats = FrameStats()
        self.t_s = self.clock.now()            # rules time: advances in fixed steps
        self.state: GameState = rules.new_game(settings, self.t_s)
        self.stack = SceneStack(VIEWS[Scene.ATTRACT](), self.state, self.t_s)
        self._camera: str | None = None
        self._drawn_frame_ts: float | None = None
        self._last_frame_start = self.t_s
        self._due_s = self.t_s                 # when the next frame should start: a fixed cadence
        self._owed_s = 0.0                     # clock time the rules have not stepped through yet

    # --- one frame, in the fixed phase order --------------------------------------------------------------
    def frame(self) -> bool:
        """Run one frame; False once the quit combination (or the window's close) was used."""
        start = self.clock.now()
        if not self._handle_input():
            return False
        m, frame_ts = self.provider.latest()
        if self.replaying is not None and self._replay_over(m):
            self._end_replay()
            m, frame_ts = self.provider.latest()
        if self.trainer is not None:
            self._trainer_frame(m, start)
        else:
            events: list[Event] = []
            status = self.provider.status()
            if status != self._camera:
                self._camera = status
                events.append(CameraStatus(status))
            effects = self._run_rules(m, events, start)
            self._show(effects)
            self._draw()
        pygame.display.flip()
        done = self.clock.now()
        if frame_ts is not None and frame_ts != self._drawn_frame_ts:
            self._drawn_frame_ts = frame_ts
            self.stats.shown.append((frame_ts, done))
        self.stats.frame_s.append(done - start)
        self._pace(done)
        return True

    def _pace(self, now_s: float) -> None:
        """Wait for the next frame on a fixed cadence, so late wake-ups do not add up to a lower frame rate;
        a frame that ran late starts the cadence afresh instead of rushing to catch up."""
        self._due_s += self.frame_period_s
        if self._due_s < now_s:
            self._due_s = now_s
        self.clock.sleep_until(self._due_s)

    def run(self, seconds: float | None = None, until: Callable[[], bool] | None = None) -> int:
        """Run until quit (or for `seconds` of clock time, or until `until()` says so); returns the process exit
        code."""
        end = None if seconds is None else self.clock.now() + seconds
        try:
            while self.frame():
                if end is not None and self.clock.now() >= end or until is not None and until():
                    break
        finally:
            self.close()
        return 0

    def close(self) -> None:
        if self.replaying is not None:
            self._end_replay()
        if self.recorder is not None:
            self.recorder.close()
        if self.sound is not None:
            self.sound.close()
        pygame.display.quit()

    def _handle_input(self) -> bool:
        now_s = self.clock.now()
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return False
            if event.type == pygame.KEYDOWN:
                ctrl_shift = event.mod & pygame.KMOD_CTRL and event.mod & pygame.KMOD_SHIFT
                if event.key == pygame.K_q and ctrl_shift:
                    return False
                if self.replaying is not None:
                    if KEY_NAMES.get(event.key) == "back":
                        self._end_replay()
                elif self.trainer is not None:
                    if event.key in KEY_NAMES:
                        self._keys.append(KEY_NAMES[event.key])
                elif (event.key == pygame.K_t and ctrl_shift) or (
                        event.key == pygame.K_KP_MULTIPLY and self._entry.tap(now_s)):
                    self.open_trainer()
                elif event.key == pygame.K_ESCAPE and not self.kiosk:
                    return False
            if event.type == pygame.VIDEORESIZE:
                self.painter = Painter(self.screen.get_size())
        return True

    # --- trainer mode ------------------------------------------------------------------------------------
    def open_trainer(self) -> None:
        """Trainer mode takes the screen; the game stops (a trainer hinging in check mode is not a client)."""
        self.trainer = trainer.open_trainer(self.settings, self._gate, self.clock.now(), self.notice)
        self._keys = []

    def press(self, key: str) -> None:
        """A trainer-mode key (see kiosk.game.trainer.press), as the keyboard or keypad gives it."""
        self._keys.append(key)

    def _trainer_frame(self, m, now_s: float) -> None:
        actions: list[trainer.Action] = []
        for key in self._keys:
            self.trainer, done = trainer.press(self.trainer, key, now_s)
            actions += done
        self._keys = []
        actions += trainer.idle(self.trainer, now_s)
        self._gate = self.trainer.gate
        for action in actions:
            self._trainer_action(action)
            if self.trainer is None:
                break
        wizard = self.wizard.view if self.wizard is not None else None
        if self.trainer is not None:
            step = wizard.step if wizard is not None else None
            if step is not None and step != self.trainer.wizard:
                self._play([Say(spoken(wizard, self.wizard_leave_s))])
            self.trainer = trainer.with_wizard(self.trainer, step)
            try:
                trainer_views.draw(self.screen, self.painter, self.trainer, m, self.provider.status(), wizard)
            except Exception:
                log.exception("the trainer's %s screen failed to draw", self.trainer.screen.value)
                self.trainer = None

    def _trainer_action(self, action: "trainer.Action") -> None:
        if isinstance(action, trainer.Save):
            try:
                if self.settings_path is not None:
                    save(action.settings, self.settings_path)
                self.notice = None
            except OSError as err:
                self.trainer = dataclasses.replace(self.trainer, message=(
                    f"The settings could not be saved ({err.strerror}): they apply until the kiosk restarts."))
            self._use_settings(action.settings)
        elif isinstance(action, trainer.LoadHistory):
            self.trainer = trainer.with_history(self.trainer, self._read_history())
        elif isinstance(action, trainer.LoadBackup):
            self.trainer = trainer.with_backup(self.trainer, self._describe_backup())
        elif isinstance(action, trainer.Restore):
            self._restore_calibration()
        elif isinstance(action, trainer.StartWizard):
            self.wizard = WizardFeed(self.wizard_leave_s)
            if self.sound is not None:
                self.sound.prepare(spoken_phrases(self.wizard_leave_s))
            self.provider.tap(self.wizard)
        elif isinstance(action, trainer.StopWizard):
            self._stop_wizard()
        elif isinstance(action, trainer.SaveCalibration):
            self._save_calibration(action.review)
        elif isinstance(action, trainer.LoadRecordings):
            self.trainer = trainer.with_recordings(self.trainer, self._read_recordings())
        elif isinstance(action, trainer.Replay):
            self._start_replay(action.path)
        elif isinstance(action, trainer.Leave):
            self._stop_wizard()
            self.trainer = None
            self._use_settings(action.settings)
            self._new_game()

    def _read_recordings(self) -> "trainer.RecordingsView":
        if self.recordings_path is None:
            return trainer.RecordingsView(problem="The demo and replays keep no recordings: the live kiosk does.")
        items = tuple((f"{k.started_utc.astimezone().strftime('%a %d %b %H:%M')}  ·  {k.size_bytes / 1e9:.1f} GB",
                       k.path) for k in kept(self.recordings_path))
        return trainer.RecordingsView(items)

    def _start_replay(self, path: Path) -> None:
        """The kept session through the game, on the calibration it was measured with; the camera waits."""
        try:
            if self.open_replay is None:
                raise SourceError("Replays run on the live kiosk only.")
            provider = self.open_replay(path)
        except (SourceError, CalibrationFileError, OSError) as err:
            self.trainer = dataclasses.replace(self.trainer, message=f"Not replayed: {err}")
            return
        self._live, self.provider = self.provider, provider
        self.replaying, self._replay_began = path, False
        self._trainer_behind, self.trainer = self.trainer, None
        self._new_game()

    def _replay_over(self, m) -> bool:
        """The replay has played every frame (its source then says it ended)."""
        self._replay_began = self._replay_began or m is not None
        return self._replay_began and self.provider.status() is not None

    def _end_replay(self) -> None:
        try:
            self.provider.close()
        except Exception:
            log.exception("closing the replay failed")
        self.provider, self._live = self._live, None
        self.replaying = None
        self.trainer = dataclasses.replace(self._trainer_behind, last_key_s=self.clock.now(), message="")
        self._new_game()

    def _new_game(self) -> None:
        self.state = rules.new_game(self.settings, self.t_s)
        self.stack.replace_base(VIEWS[Scene.ATTRACT](), self.state, self.t_s)

    def _stop_wizard(self) -> None:
        if self.wizard is not None:
            self.provider.tap(None)
            self.wizard = None

    def _save_calibration(self, review: "trainer.Review") -> None:
        """The wizard's calibration, nudged as reviewed, in use from now on; the one it replaces is kept."""
        view = self.wizard.view if self.wizard is not None else None
        self._stop_wizard()
        if view is None or view.calibration is None:
            return
        cal = moved_mark(view.calibration, review.forward_m, review.left_m)
        if self.calibration_path is None:
            message = "The demo runs on its own calibration: this one was checked but not saved."
        else:
            try:
                save_calibration(cal, self.calibration_path)
            except OSError as err:
                self.trainer = dataclasses.replace(self.trainer, message=(
                    f"The calibration could not be saved ({err.strerror}): the previous one stays in use."))
                return
            self.provider.reload()
            message = "Calibration saved and in use; the previous one is kept (menu 4 restores it)."
        if review.first_wall_in != self.settings.first_wall_in:
            saved = dataclasses.replace(self.settings, first_wall_in=review.first_wall_in)
            self.trainer = dataclasses.replace(self.trainer, saved=saved, edited=saved)
            self._trainer_action(trainer.Save(saved))
        self.trainer = dataclasses.replace(self.trainer, message=self.trainer.message or message)

    def _use_settings(self, settings: Settings) -> None:
        self.settings = settings
        if self.sound is not None:
            self.sound.settings = settings
        if self.recorder is not None:
            self.recorder.enabled = settings.record_sessions
            self.recorder.cap_bytes = settings.recordings_gb * 10 ** 9

    def _describe_backup(self) -> "trainer.BackupView":
        if self.calibration_path is None:
            return trainer.BackupView(problem="This kiosk runs on the demo's own calibration: nothing to restore.")
        backup = backup_path(self.calibration_path)
        if not backup.exists():
            return trainer.BackupView(problem="There is no previous calibration yet: nothing to restore.")
        try:
            cal = load_calibration(backup)
        except CalibrationFileError:
            return trainer.BackupView(problem=f"The previous calibration ({backup}) is damaged: it cannot be "
                                              "restored. Calibrate again if the one in use is wrong.")
        made = cal.created_utc[:16].replace("T", " ") or "at an unknown time"
        return trainer.BackupView(description=(
            f"camera {cal.placement.replace('-', ' ')}, {cal.camera_distance_m:.1f} m from the mark and "
            f"{cal.camera_height_m:.1f} m high; made {made} UTC"))

    def _restore_calibration(self) -> None:
        try:
            restore_backup(self.calibration_path)
        except (CalibrationFileError, OSError) as err:
            self.trainer = trainer.with_backup(self.trainer, self._describe_backup(), f"Not restored: {err}")
            return
        self.provider.reload()              # the camera is opened again with the restored calibration
        self.trainer = trainer.with_backup(self.trainer, self._describe_backup(),
                                           "The previous calibration is back in use.")

    def _read_history(self) -> "trainer.HistoryView":
        if self.history_path is None or not self.history_path.exists():
            return trainer.HistoryView()
        try:
            with History(self.history_path) as history:
                sessions = history.all()
        except HistoryError as err:
            text = str(err)
            return trainer.HistoryView(problem=text[:1].upper() + text[1:])
        return trainer.HistoryView(tuple(reversed(sessions[-RECENT_SESSIONS:])), tuple(per_day(sessions)))

    def _run_rules(self, m, events: list[Event], now_s: float) -> list[Effect]:
        """Fixed steps up to `now_s`; the newest measurement is offered to each (the rules use it once)."""
        self._owed_s = min(self._owed_s + now_s - self._last_frame_start, MAX_CATCH_UP_S)
        self._last_frame_start = now_s
        effects: list[Effect] = []
        while self._owed_s >= rules.STEP_S - 1e-9 or events:
            self._owed_s -= rules.STEP_S
            self.t_s += rules.STEP_S
            try:
                self.state, fx = rules.step(self.state, m, events, self.t_s)
            except Exception:
                log.exception("the game rules failed: starting afresh")
                self.state, fx = rules.new_game(self.settings, self.t_s), []
                self._camera = None
            effects += fx
            events = []
        return effects

    def _show(self, effects: list[Effect]) -> None:
        """Hand effects to the ears and eyes (and finished sessions to the history); switch the base view when the
        rules changed scene."""
        live = self.replaying is None              # a replayed session is neither kept nor recorded again
        for effect in effects:
            try:
                if isinstance(effect, SessionOver) and live and self.keep_session is not None:
                    self.keep_session(effect.record)
                if self.recorder is not None and live:
                    if isinstance(effect, SessionBegan):
                        self.recorder.start(self.calibration_path)
                    elif isinstance(effect, SessionOver):
                        self.recorder.stop()
            except Exception:
                log.exception("keeping the session failed; carrying on")
        self._play(effects)
        try:
            if self.stack.base.name != self.state.scene.value:
                self.stack.replace_base(VIEWS[self.state.scene](), self.state, self.t_s)
            for effect in effects:
                self.stack.on_effect(effect, self.t_s)
                if isinstance(effect, Celebrate):
                    self.stack.push(Celebration(effect), self.state, self.t_s)
        except Exception:
            self._recover("a scene failed to start")

    def _play(self, effects: list[Effect]) -> None:
        if self.sound is not None:
            try:
                self.sound.play(effects)
            except Exception:
                log.exception("sound failed; carrying on")

    def _draw(self) -> None:
        self.screen.fill(palette.BACKGROUND)
        try:
            self.stack.draw(self.screen, self.painter, self.state, self.t_s)
            if self.replaying is not None:
                trainer_views.replay_label(self.screen, self.painter, self.replaying)
            if self.state.reconnecting_since_s is not None:
                scenes.camera_wait(self.screen, self.painter, self.state.camera_message)
        except Exception:
            self.screen.fill(palette.BACKGROUND)
            self._recover(f"the {self.stack.top.name} scene failed to draw")
            return
        self._screenshot(self.stack.top)

    def _recover(self, reason: str) -> None:
        """Log, drop the session and show attract: one broken scene must not end the kiosk."""
        log.exception("%s: back to attract", reason)
        try:
            self.state, _ = rules.step(self.state, None, [Reset(reason)], self.t_s)
        except Exception:
            self.state = rules.new_game(self.settings, self.t_s)
        try:
            self.stack.replace_base(VIEWS[Scene.ATTRACT](), self.state, self.t_s)
        except Exception:
            log.exception("attract failed to start too")

    def _screenshot(self, view: View) -> None:
        if view.name not in self.shots_taken and self.t_s - view.entered_s >= SHOT_AFTER_S:
            self.save_screenshot(view.name)

    def save_screenshot(self, name: str) -> None:
        """The screen as last drawn, as DIR/name.png (with --screenshots)."""
        if self.screenshots is None:
            return
        self.screenshots.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(self.screenshots / f"{name}.png"))
        self.shots_taken.add(name)
