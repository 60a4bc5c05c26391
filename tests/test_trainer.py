"""Trainer mode: the way in (key combination, PIN and its lock), the settings editor (validated, saved atomically,
cancelled by going back), a new PIN typed twice, check mode's live numbers, the history screen (and a damaged
history), leaving by itself when left alone — the pure logic by its keys, then the App driven by real key
events, headless."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from kiosk import run  # noqa: E402
from kiosk.game import trainer  # noqa: E402
from kiosk.game.app import App  # noqa: E402
from kiosk.game.provider import ScriptedProvider, VirtualClock  # noqa: E402
from kiosk.game.settings import Settings, load  # noqa: E402
from kiosk.game.trainer import (IDLE_S, ROWS, EntryWatch, Leave, LoadHistory, Save, Screen, open_trainer,  # noqa: E402
                                press)
from kiosk.game.visit import Visit  # noqa: E402
from kiosk.history import History, SessionRecord  # noqa: E402
from kiosk.pin import LOCK_S, TRIES, PinGate, pin_matches  # noqa: E402
from tests.fresh_process import in_fresh_process  # noqa: E402
from tests.test_run import assets, kiosk  # noqa: E402,F401

PIN = "2468"
STORED = "scrypt$stored-by-the-test$8$1$00$00"     # matched by `same` below: no scrypt cost in these tests


def same(pin: str, stored: str) -> bool:
    return stored == STORED and pin == PIN


def keys(state, *names: str, t: float = 0.0):
    actions = []
    for name in names:
        state, done = press(state, name, t, matches=same, new_hash=lambda pin: f"s$0$0$0$0${pin}")
        actions += done
    return state, actions


def test_without_a_pin_trainer_mode_opens_on_the_menu_and_says_to_set_one() -> None:
    state = open_trainer(Settings(), PinGate(), 0.0)
    assert state.screen is Screen.MENU and "No PIN is set" in state.message


def test_the_right_pin_opens_the_menu_and_five_wrong_ones_lock_it_for_a_minute() -> None:
    state = open_trainer(Settings(pin_hash=STORED), PinGate(), 0.0)
    assert state.screen is Screen.PIN
    for _ in range(TRIES):
        state, _ = keys(state, *"1111", "enter")
    assert state.screen is Screen.PIN and "wait 60 s" in state.message
    state, _ = keys(state, *PIN, "enter", t=LOCK_S - 5)
    assert state.screen is Screen.PIN and "wait 5 s" in state.message
    state, _ = keys(state, *PIN, "enter", t=LOCK_S + 1)
    assert state.screen is Screen.MENU


def test_backspace_clears_a_digit_then_leaves_for_the_kiosk() -> None:
    state = open_trainer(Settings(pin_hash=STORED), PinGate(), 0.0)
    state, _ = keys(state, "2", "4", "back")
    assert state.typed == "2"
    state, actions = keys(state, "back", "back")
    assert actions == [Leave(Settings(pin_hash=STORED))]


def test_settings_are_changed_within_their_range_saved_or_cancelled() -> None:
    state = open_trainer(Settings(), PinGate(), 0.0)
    state, _ = keys(state, "2")                                 # the settings
    reps = [r.key for r in ROWS].index("reps_per_level")
    state, _ = keys(state, *["2"] * reps, "6", "6", "+")       # keypad: down to the row, three steps up
    assert state.edited.reps_per_level == 6 and state.saved.reps_per_level == 3
    state, actions = keys(state, "back")                        # cancel
    assert actions == [] and state.screen is Screen.MENU and state.edited == Settings()
    state, _ = keys(state, "2", *["2"] * reps, *["+"] * 20)
    assert state.edited.reps_per_level == 10                    # held at the top of its range
    state, actions = keys(state, *["down"] * (len(ROWS) - reps + 1), "enter")     # "Save and return"
    assert actions == [Save(Settings(reps_per_level=10))] and state.saved.reps_per_level == 10


def test_a_change_the_settings_refuse_is_said_and_not_made() -> None:
    state = open_trainer(Settings(first_wall_in=8, max_wall_in=8), PinGate(), 0.0)
    state, _ = keys(state, "2", "+")                            # the first wall beyond the furthest
    assert state.edited.first_wall_in == 8 and "max_wall_in" in state.message


def test_a_new_pin_is_typed_twice_and_kept_only_as_its_hash_once_saved() -> None:
    state = open_trainer(Settings(), PinGate(), 0.0)
    state, _ = keys(state, "2", *["down"] * len(ROWS), "enter")
    assert state.screen is Screen.NEW_PIN
    state, _ = keys(state, "1", "2", "enter")
    assert "4 to 8 digits" in state.message
    state, _ = keys(state, *"1357", "enter", *"1358", "enter")
    assert "did not match" in state.message
    state, _ = keys(state, *"1357", "enter", *"1357", "enter")
    assert state.screen is Screen.SETTINGS and state.edited.pin_hash == "s$0$0$0$0$1357"
    state, actions = keys(state, "down", "enter")
    assert actions == [Save(Settings(pin_hash="s$0$0$0$0$1357"))]


def test_the_history_screen_asks_for_the_history_and_idle_trainer_mode_leaves() -> None:
    state = open_trainer(Settings(), PinGate(), 0.0)
    state, actions = keys(state, "3")
    assert state.screen is Screen.HISTORY and actions == [LoadHistory()]
    assert trainer.idle(state, IDLE_S - 1) == [] and trainer.idle(state, IDLE_S) == [Leave(Settings())]


def test_three_keypad_stars_within_two_seconds_open_trainer_mode() -> None:
    watch = EntryWatch()
    assert not watch.tap(0.0) and not watch.tap(1.0) and watch.tap(1.5)
    assert not watch.tap(10.0) and not watch.tap(12.5) and not watch.tap(15.0)


# --- the App, driven by key events ------------------------------------------------------------------------
def _post(key: int, mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode="", scancode=0))


def _app(tmp_path: Path, visit: Visit, settings: Settings = Settings(), **kw) -> App:
    clock = VirtualClock()
    return App(ScriptedProvider(visit.measurements, clock, loop=True), settings, display="headless",
               size=(640, 360), clock=clock, fps=30, settings_path=tmp_path / "settings.json", **kw)


def test_in_the_kiosk_trainer_mode_saves_settings_and_the_game_uses_them(tmp_path: Path) -> None:
    app = _app(tmp_path, Visit(profiles=False).arrive(0, 0).stand(2.0).rep(0.12))
    _post(pygame.K_t, pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)
    app.frame()
    assert app.trainer is not None and app.trainer.screen is Screen.MENU
    reps = [r.key for r in ROWS].index("reps_per_level")
    for key in (pygame.K_KP2, *[pygame.K_KP2] * reps, pygame.K_KP_PLUS, *[pygame.K_DOWN] * (len(ROWS) - reps + 1),
                pygame.K_KP_ENTER, pygame.K_BACKSPACE):
        _post(key)
    app.frame()
    assert app.trainer is None and app.settings.reps_per_level == 4
    assert load(tmp_path / "settings.json") == Settings(reps_per_level=4)
    assert json.loads((tmp_path / "settings.json").read_text())["version"] == 3
    app.close()


def test_check_mode_shows_the_live_offset_and_the_game_does_not_run_meanwhile(tmp_path: Path) -> None:
    visit = Visit(profiles=False).arrive(0, 0).stand(2.0)
    for _ in range(5):
        visit.rep(0.14)
    app = _app(tmp_path, visit)
    app.open_trainer()
    app.press("1")
    seen = []
    for _ in range(int(visit.seconds * 30)):
        app.frame()
        m = app.provider.latest()[0]
        if m is not None and m.hip_offset_m is not None:
            seen.append(m.hip_offset_m)
    assert app.trainer.screen is Screen.CHECK and max(seen) == pytest.approx(0.14, abs=0.005)
    assert app.state.session is None                            # the trainer hinging is not a client session
    app.close()


def test_the_history_screen_reads_the_sessions_and_a_damaged_history_is_a_sentence(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    with History(history) as h:
        h.add(SessionRecord(240.0, 2, 5, 6, 0.1016, 0.11), datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    app = _app(tmp_path, Visit(profiles=False).nobody(1.0), history_path=history)
    app.open_trainer()
    app.press("3")
    app.frame()
    view = app.trainer.history
    assert len(view.sessions) == 1 and view.sessions[0].record.good_reps == 5 and view.problem is None
    history.write_bytes(b"not a database" * 100)
    app.press("back")
    app.press("3")
    app.frame()
    assert app.trainer.history.problem.startswith("The session history") and "damaged" in app.trainer.history.problem
    app.close()


def test_headless_tour_saves_every_trainer_screen(assets, tmp_path: Path) -> None:
    ran = in_fresh_process(kiosk, ["--headless", "--trainer", "--seconds", "2", "--size", "1280x720",
                                   "--screenshots", str(tmp_path)], assets)
    assert ran.code == 0, ran.err
    shots = {p.name for p in tmp_path.glob("trainer_*.png")}
    # the stand-in demo's "routine" is its visit: someone arrives while the area should be empty, so the wizard
    # stops there, saying so (tests/test_wizard.py runs it on real simulated routines)
    assert shots == {f"trainer_{n}.png" for n in ("pin", "menu", "check", "settings", "new_pin", "history",
                                                  "restore", "recordings", "wizard_empty", "wizard_failed")}
    assert pygame.image.load(str(tmp_path / "trainer_settings.png")).get_size() == (1280, 720)


def test_the_real_pin_check_is_scrypt(tmp_path: Path) -> None:
    from kiosk.pin import hash_pin
    state = open_trainer(Settings(pin_hash=hash_pin(PIN)), PinGate(), 0.0)
    for k in PIN:
        state, _ = press(state, k, 0.0)
    state, _ = press(state, "enter", 0.0)
    assert state.screen is Screen.MENU and pin_matches(PIN, state.saved.pin_hash)


def test_a_damaged_settings_file_leaves_the_kiosk_on_the_defaults_and_is_kept_when_new_ones_are_saved(
        tmp_path: Path, monkeypatch) -> None:
    damaged = b'{"kind": "hinge-kiosk-settings", "version": 2, "units": '
    path = tmp_path / "settings.json"
    path.write_bytes(damaged)
    monkeypatch.setattr(run, "default_settings", lambda: path)
    settings, notice = run.read_settings(None)
    assert settings == Settings() and "not valid JSON" in notice and path.read_bytes() == damaged
    with pytest.raises(run.SettingsError):                    # named on the command line: the user's to fix
        run.read_settings(path)
    app = _app(tmp_path, Visit(profiles=False).nobody(1.0), notice=notice)
    app.open_trainer()
    assert app.trainer.notice == notice
    app.press("2")
    app.press("+")
    for _ in range(len(ROWS) + 1):                            # down to "Save and return"
        app.press("down")
    app.press("enter")
    app.frame()
    assert load(path) == Settings(first_wall_in=4) and app.trainer.notice is None and app.notice is None
    assert (tmp_path / "settings.json.bak").read_bytes() == damaged
    app.close()


def test_check_mode_says_what_is_wrong_with_the_camera(tmp_path: Path) -> None:
    from kiosk.game import palette
    clock = VirtualClock()
    app = App(ScriptedProvider(Visit(profiles=False).nobody(1.0).measurements, clock, status="No camera found"),
              Settings(), display="headless", size=(640, 360), clock=clock, fps=30)
    app.open_trainer()
    app.press("1")
    app.frame()
    warn = pygame.surfarray.array3d(app.screen) == palette.WARN
    assert app.trainer.screen is Screen.CHECK and warn.all(axis=-1).mean() > 0.0005
    app.close()


def test_the_previous_calibration_is_restored_and_the_swap_can_be_undone(tmp_path: Path) -> None:
    import dataclasses as dc
    from calibration.store import save as save_calibration
    from calibration.store import load as load_calibration
    from tests.test_live import stand_in_calibration
    path = tmp_path / "calibration.json"
    first = dc.replace(stand_in_calibration(), created_utc="2026-11-01T10:00:00+00:00")
    second = dc.replace(stand_in_calibration(), created_utc="2026-12-01T10:00:00+00:00")
    save_calibration(first, path)
    save_calibration(second, path)                      # the first is now the .bak
    reloads = []
    app = _app(tmp_path, Visit(profiles=False).nobody(1.0), calibration_path=path)
    app.provider.reload = lambda: reloads.append(1)
    app.open_trainer()
    app.press("4")
    app.frame()
    assert app.trainer.screen is Screen.RESTORE and "2026-11-01 10:00" in app.trainer.backup.description
    app.press("enter")
    app.frame()
    assert load_calibration(path).created_utc == first.created_utc and reloads == [1]
    assert "2026-12-01 10:00" in app.trainer.backup.description and "back in use" in app.trainer.message
    app.press("enter")                                   # and back again
    app.frame()
    assert load_calibration(path).created_utc == second.created_utc
    assert sorted(p.name for p in tmp_path.iterdir() if "calibration" in p.name) == [
        "calibration.json", "calibration.json.bak"]
    app.close()


def test_a_missing_or_damaged_previous_calibration_is_said_and_nothing_changes(tmp_path: Path) -> None:
    from calibration.store import save as save_calibration
    from tests.test_live import stand_in_calibration
    path = tmp_path / "calibration.json"
    save_calibration(stand_in_calibration(), path)
    app = _app(tmp_path, Visit(profiles=False).nobody(1.0), calibration_path=path)
    app.open_trainer()
    app.press("4")
    app.frame()
    assert "no previous calibration" in app.trainer.backup.problem
    (tmp_path / "calibration.json.bak").write_text("{")
    before = path.read_bytes()
    app.press("back")
    app.press("4")
    app.press("enter")                                   # nothing to restore: Enter does nothing
    app.frame()
    assert "damaged" in app.trainer.backup.problem and path.read_bytes() == before
    app.close()
