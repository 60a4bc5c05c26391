"""Trainer mode's logic: the way in (a key combination, then the PIN), a menu, check mode, the settings editor and
the history screen. Pure: keys and times in, a new state and actions out; the App does the I/O the actions ask
for (saving the settings, reading the history) and draws the state (kiosk/game/trainer_views.py).

Everything works from a numeric keypad: digits (a menu item's number, a PIN), Enter, Backspace (or keypad `.`)
to go back; in the settings `8`/`2` move and `4`/`6` or `-`/`+` change a value. A full keyboard works the same
way, arrows included.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from enum import StrEnum
from typing import Callable

from calibration.review import NUDGE_M, clamp_nudge
from calibration.wizard import Step
from kiosk.history import Day, StoredSession
from kiosk.game.settings import (RECORDINGS_LIMITS_GB, REPS_LIMITS, SESSION_LIMITS_MIN, STEP_LIMITS_IN,
                                 WALL_LIMITS_IN, Settings, SettingsError)
from kiosk.pin import PinError, PinGate, check_pin_text, hash_pin, pin_matches, try_pin

ENTRY_TAPS = 3              # keypad `*` pressed this many times...
ENTRY_WITHIN_S = 2.0        # ...within this long opens trainer mode (or Ctrl+Shift+T on a keyboard)
IDLE_S = 120.0              # trainer mode left untouched this long goes back to the kiosk (settings unsaved)


class Screen(StrEnum):
    PIN = "pin"
    MENU = "menu"
    CHECK = "check"
    SETTINGS = "settings"
    HISTORY = "history"
    NEW_PIN = "new_pin"
    RESTORE = "restore"
    CALIBRATE = "calibrate"
    RECORDINGS = "recordings"


MENU = ((Screen.CHECK, "Check mode: hinge and read the numbers"), (Screen.SETTINGS, "Settings"),
        (Screen.HISTORY, "Session history"), (Screen.RESTORE, "Restore the previous calibration"),
        (Screen.CALIBRATE, "Calibrate the camera"), (Screen.RECORDINGS, "Session recordings: replay one"))


@dataclass(frozen=True)
class Row:
    """One line of the settings editor."""

    key: str
    label: str
    change: Callable[[Settings, int], Settings]     # the settings with this one moved a step up (+1) or down (-1)
    shown: Callable[[Settings], str]


def _int_row(key: str, label: str, lo: int, hi: int, unit: str) -> Row:
    def change(s: Settings, by: int) -> Settings:
        return replace(s, **{key: min(hi, max(lo, getattr(s, key) + by))})
    return Row(key, label, change, lambda s: f"{getattr(s, key)} {unit}".strip())


def _flag_row(key: str, label: str) -> Row:
    return Row(key, label, lambda s, by: replace(s, **{key: not getattr(s, key)}),
               lambda s: "on" if getattr(s, key) else "off")


ROWS = (
    _int_row("first_wall_in", "First wall", *WALL_LIMITS_IN, "in"),
    _int_row("step_in", "Wall moves back by", *STEP_LIMITS_IN, "in a level"),
    _int_row("max_wall_in", "Furthest wall", *WALL_LIMITS_IN, "in"),
    _int_row("reps_per_level", "Good reps per level", *REPS_LIMITS, ""),
    _int_row("session_minutes", "Session length", *SESSION_LIMITS_MIN, "min (0: no limit)"),
    Row("units", "Units", lambda s, by: replace(s, units="cm" if s.units == "in" else "in"),
        lambda s: "inches" if s.units == "in" else "centimetres"),
    Row("volume", "Volume", lambda s, by: replace(s, volume=round(min(1.0, max(0.0, s.volume + 0.1 * by)), 1)),
        lambda s: f"{round(s.volume * 100)} %"),
    _flag_row("mute", "Mute"),
    _flag_row("speech", "Spoken cues"),
    _flag_row("record_sessions", "Record sessions for review"),
    _int_row("recordings_gb", "Recordings may use", *RECORDINGS_LIMITS_GB, "GB"),
)
SET_PIN, SAVE = "Set a new PIN", "Save and return"
ACTIONS = (SET_PIN, SAVE)


# --- what the App must do ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Save:
    settings: Settings


@dataclass(frozen=True)
class LoadHistory:
    """The history screen opened: read the recent sessions into the state (`with_history`)."""


@dataclass(frozen=True)
class LoadBackup:
    """The restore screen opened: describe the previous calibration in the state (`with_backup`)."""


@dataclass(frozen=True)
class Restore:
    """Put the previous calibration back (the one in use becomes the previous one)."""


@dataclass(frozen=True)
class Leave:
    """Back to the kiosk, with these settings (the saved ones)."""

    settings: Settings


@dataclass(frozen=True)
class StartWizard:
    """Start the calibration wizard afresh on the camera's frames (also: redo)."""


@dataclass(frozen=True)
class StopWizard:
    """The wizard left without saving: stop feeding it."""


@dataclass(frozen=True)
class SaveCalibration:
    """Save the wizard's calibration with the mark nudged (the one in use becomes the previous one), and the first
    wall the trainer set in the review."""

    review: "Review"


@dataclass(frozen=True)
class LoadRecordings:
    """The recordings screen opened: list the kept session recordings in the state (`with_recordings`)."""


@dataclass(frozen=True)
class Replay:
    """Replay this session recording through the game (trainer mode closes until it ends)."""

    path: Path


Action = (Save | LoadHistory | LoadBackup | Restore | Leave | StartWizard | StopWizard | SaveCalibration
          | LoadRecordings | Replay)


@dataclass(frozen=True)
class RecordingsView:
    """The kept session recordings as the App found them, newest first: (what the trainer reads, the file)."""

    items: tuple[tuple[str, Path], ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class Review:
    """The review step's nudges: the mark moved from where the routine found it, and the first wall."""

    first_wall_in: int
    forward_m: float = 0.0
    left_m: float = 0.0


@dataclass(frozen=True)
class HistoryView:
    """What the App read for the history screen: recent sessions (newest first) and days (oldest first), or the
    sentence saying why the history could not be read."""

    sessions: tuple[StoredSession, ...] = ()
    days: tuple[Day, ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class BackupView:
    """The previous calibration, as the App found it: what it is, or why it cannot be restored."""

    description: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class TrainerState:
    screen: Screen
    saved: Settings                  # what the kiosk runs with (and the file holds)
    edited: Settings                 # the settings editor's copy
    gate: PinGate = PinGate()
    typed: str = ""                  # digits typed on a PIN screen
    first_pin: str | None = None     # a new PIN typed once, waiting to be typed again
    cursor: int = 0
    message: str = ""
    last_key_s: float = 0.0
    history: HistoryView | None = None
    backup: BackupView | None = None
    notice: str | None = None        # shown on the menu until the settings are saved
    wizard: Step | None = None       # the calibration wizard's step, as the App last saw it
    review: Review | None = None     # the review step's nudges, once the wizard reached it
    recordings: RecordingsView | None = None

    @property
    def rows(self) -> int:
        if self.screen is Screen.RECORDINGS:
            return max(1, len(self.recordings.items) if self.recordings else 0)
        return len(ROWS) + len(ACTIONS) if self.screen is Screen.SETTINGS else len(MENU)


def open_trainer(settings: Settings, gate: PinGate, now_s: float, notice: str | None = None) -> TrainerState:
    """Trainer mode as the entry combination opens it: the PIN first, if one is set. `notice` is something the
    trainer must know (the settings file was damaged), shown on the menu."""
    screen = Screen.PIN if settings.pin_hash is not None else Screen.MENU
    message = "" if settings.pin_hash is not None else "No PIN is set: set one in Settings."
    return TrainerState(screen, settings, settings, gate, message=message, last_key_s=now_s, notice=notice)


def with_history(state: TrainerState, history: HistoryView) -> TrainerState:
    return replace(state, history=history)


def with_recordings(state: TrainerState, recordings: RecordingsView) -> TrainerState:
    return replace(state, recordings=recordings, cursor=0)


def with_backup(state: TrainerState, backup: BackupView, message: str = "") -> TrainerState:
    return replace(state, backup=backup, message=message)


def with_wizard(state: TrainerState, step: Step | None) -> TrainerState:
    """The wizard's step as the App sees it; reaching the review starts its nudges at the saved first wall."""
    if step == state.wizard:
        return state
    review = Review(first_wall_in=state.saved.first_wall_in) if step is Step.REVIEW else None
    return replace(state, wizard=step, review=review)


def press(state: TrainerState, key: str, now_s: float,
          matches: Callable[[str, str], bool] = pin_matches,
          new_hash: Callable[[str], str] = hash_pin) -> tuple[TrainerState, list[Action]]:
    """One key: a digit "0"-"9", "enter", "back", "up", "down", "left", "right", "+" or "-"."""
    state = replace(state, last_key_s=now_s)
    if state.screen in (Screen.PIN, Screen.NEW_PIN):
        return _pin_key(state, key, now_s, matches, new_hash)
    if key == "back":
        if state.screen is Screen.MENU:
            return state, [Leave(state.saved)]
        stop = [StopWizard()] if state.screen is Screen.CALIBRATE else []
        return replace(state, screen=Screen.MENU, cursor=0, message="", edited=state.saved, wizard=None,
                       review=None), stop
    if state.screen is Screen.CALIBRATE:
        return _wizard_key(state, key)
    if state.screen is Screen.RECORDINGS:
        return _recordings_key(state, key)
    if state.screen is Screen.MENU:
        return _menu_key(state, key)
    if state.screen is Screen.SETTINGS:
        return _settings_key(state, key)
    if state.screen is Screen.RESTORE and key == "enter" and state.backup and state.backup.description:
        return state, [Restore()]
    return state, []


def idle(state: TrainerState, now_s: float) -> list[Action]:
    """Trainer mode left alone on the kiosk goes back to the game: a client must never find it open."""
    return [Leave(state.saved)] if now_s - state.last_key_s >= IDLE_S else []


def _moved(state: TrainerState, key: str, keys: dict[str, int]) -> int | None:
    step = keys.get(key)
    return None if step is None else (state.cursor + step) % state.rows


ARROWS = {"up": -1, "down": 1}
ARROWS_AND_KEYPAD = {**ARROWS, "8": -1, "2": 1}         # where digits are not typed


def _menu_key(state: TrainerState, key: str) -> tuple[TrainerState, list[Action]]:
    if (cursor := _moved(state, key, ARROWS)) is not None:
        return replace(state, cursor=cursor), []
    pick = state.cursor if key == "enter" else int(key) - 1 if key.isdigit() and len(key) == 1 else None
    if pick is None or not 0 <= pick < len(MENU):
        return state, []
    screen = MENU[pick][0]
    state = replace(state, screen=screen, cursor=0, message="", backup=None)
    return state, {Screen.HISTORY: [LoadHistory()], Screen.RESTORE: [LoadBackup()],
                   Screen.CALIBRATE: [StartWizard()], Screen.RECORDINGS: [LoadRecordings()]}.get(screen, [])


def _recordings_key(state: TrainerState, key: str) -> tuple[TrainerState, list[Action]]:
    if (cursor := _moved(state, key, ARROWS_AND_KEYPAD)) is not None:
        return replace(state, cursor=cursor), []
    items = state.recordings.items if state.recordings else ()
    if key == "enter" and items:
        return state, [Replay(items[state.cursor][1])]
    return state, []


# the review's keys: (forward, left) steps of the mark, as the plan view shows it (the client facing up the screen)
NUDGES = {"up": (1, 0), "8": (1, 0), "down": (-1, 0), "2": (-1, 0), "left": (0, 1), "4": (0, 1),
          "right": (0, -1), "6": (0, -1)}
REDO = "0"


def _wizard_key(state: TrainerState, key: str) -> tuple[TrainerState, list[Action]]:
    """Running or failed: `0` starts again (Enter too, once failed). In the review: nudge the mark (arrows or
    8/2/4/6), the first wall (+/-), save (Enter) or redo (0)."""
    if key == REDO or (key == "enter" and state.wizard is Step.FAILED):
        return replace(state, wizard=None, review=None, message=""), [StartWizard()]
    review = state.review
    if review is None:
        return state, []
    if key == "enter":
        return replace(state, screen=Screen.MENU, cursor=0, wizard=None, review=None, message=""), [SaveCalibration(review)]
    if key in NUDGES:
        ahead, left = NUDGES[key]
        forward_m, left_m = clamp_nudge(review.forward_m + ahead * NUDGE_M, review.left_m + left * NUDGE_M)
        return replace(state, review=replace(review, forward_m=forward_m, left_m=left_m)), []
    by = {"+": 1, "-": -1}.get(key)
    if by is None:
        return state, []
    lo, hi = WALL_LIMITS_IN
    wall = min(hi, state.saved.max_wall_in, max(lo, review.first_wall_in + by))
    return replace(state, review=replace(review, first_wall_in=wall)), []


def _settings_key(state: TrainerState, key: str) -> tuple[TrainerState, list[Action]]:
    if (cursor := _moved(state, key, ARROWS_AND_KEYPAD)) is not None:
        return replace(state, cursor=cursor, message=""), []
    by = {"right": 1, "+": 1, "6": 1, "left": -1, "-": -1, "4": -1}.get(key)
    if state.cursor < len(ROWS):
        if by is None and key != "enter":
            return state, []
        try:
            edited = ROWS[state.cursor].change(state.edited, by or 1)
        except SettingsError as err:                 # e.g. a first wall beyond the furthest one
            return replace(state, message=str(err)), []
        return replace(state, edited=edited, message=""), []
    if key != "enter":
        return state, []
    if ACTIONS[state.cursor - len(ROWS)] == SET_PIN:
        return replace(state, screen=Screen.NEW_PIN, typed="", first_pin=None, message="Type the new PIN"), []
    saved = state.edited
    return replace(state, saved=saved, screen=Screen.MENU, cursor=0, message="Settings saved.", notice=None), \
        [Save(saved)]


def _pin_key(state: TrainerState, key: str, now_s: float, matches: Callable[[str, str], bool],
             new_hash: Callable[[str], str]) -> tuple[TrainerState, list[Action]]:
    if key.isdigit() and len(key) == 1:
        return replace(state, typed=(state.typed + key)[:8]), []
    if key == "back":
        if state.typed:
            return replace(state, typed=state.typed[:-1]), []
        if state.screen is Screen.PIN:
            return state, [Leave(state.saved)]
        return replace(state, screen=Screen.SETTINGS, first_pin=None, message=""), []
    if key != "enter":
        return state, []
    if state.screen is Screen.PIN:
        try:
            attempt = try_pin(state.gate, state.typed, state.saved.pin_hash, now_s, matches)
        except PinError as err:
            return replace(state, typed="", message=str(err)), []
        screen = Screen.MENU if attempt.opened else Screen.PIN
        return replace(state, gate=attempt.gate, typed="", screen=screen, message=attempt.message), []
    try:
        check_pin_text(state.typed)
    except PinError as err:
        return replace(state, typed="", message=str(err).capitalize()), []
    if state.first_pin is None:
        return replace(state, first_pin=state.typed, typed="", message="Type it again"), []
    if state.typed != state.first_pin:
        return replace(state, first_pin=None, typed="", message="The two did not match: type the new PIN"), []
    edited = dataclasses.replace(state.edited, pin_hash=new_hash(state.typed))
    return replace(state, edited=edited, screen=Screen.SETTINGS, typed="", first_pin=None,
                   message="New PIN set: save to keep it."), []


@dataclass
class EntryWatch:
    """Counts keypad `*` taps: ENTRY_TAPS within ENTRY_WITHIN_S open trainer mode."""

    taps: list[float] = field(default_factory=list)

    def tap(self, now_s: float) -> bool:
        self.taps = [t for t in self.taps if now_s - t < ENTRY_WITHIN_S] + [now_s]
        if len(self.taps) >= ENTRY_TAPS:
            self.taps = []
            return True
        return False
