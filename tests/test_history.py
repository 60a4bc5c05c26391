"""The studio's session history: what the rules report when a session ends, how it is stored (SQLite, WAL), read
back per day and exported as CSV, and what a damaged, locked, foreign or newer history does — one sentence, the
file left as it was, the kiosk carrying on."""
from __future__ import annotations

import csv
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.__main__ import main as kiosk_main
from kiosk.form import Fault
from kiosk.game.provider import ScriptedProvider, VirtualClock
from kiosk.game.rules import SessionOver
from kiosk.game.visit import Visit, full_visit
from kiosk.game import words
from kiosk.history import (CSV_COLUMNS, History, HistoryError, Recorder, SessionRecord, export_csv, per_day)
from kiosk.units import inches_to_m
from tests.test_game_rules import SMALL, effects, play

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def record(good: int = 6, reps: int = 8, wall_in: float | None = 5, minutes: float = 4.0) -> SessionRecord:
    return SessionRecord(minutes * 60.0, 3, good, reps, None if wall_in is None else inches_to_m(wall_in),
                         0.14 if reps else None, {"did not reach the wall": reps - good}, {"Reach back further": 2})


def test_the_rules_report_each_session_that_ends_with_what_happened_in_it() -> None:
    visit = full_visit(SMALL, profiles=False)
    _, log = play(visit.measurements)
    [over] = effects(log, SessionOver)
    r = over.record
    assert (r.good_reps, r.reps, r.levels_reached) == (9, 14, 3)
    assert r.best_wall_m == pytest.approx(inches_to_m(5)) and r.best_offset_m >= inches_to_m(5)
    assert r.faults[str(Fault.SHORT)] == 3 and r.faults[str(Fault.SQUAT)] == 1
    assert set(r.cues) <= {c.text for c in words.CUES.values()} and words.CUES[Fault.SHORT].text in r.cues
    assert 20.0 < r.duration_s < visit.seconds


def test_a_session_without_a_rep_is_kept_too_and_nobody_passing_is_not() -> None:
    v = Visit(profiles=False).arrive(0, 0).stand(2.0).walk(0.0, 1.0, 1.0).nobody(3.0)
    [over] = effects(play(v.measurements)[1], SessionOver)
    assert over.record.reps == 0 and over.record.best_offset_m is None and over.record.levels_reached == 1
    passing = Visit(profiles=False).nobody(1.0).arrive(1.0, 0.4).walk(-1.0, 0.4, 2.0).nobody(2.0)
    assert effects(play(passing.measurements)[1], SessionOver) == []


def test_sessions_are_stored_in_wal_mode_and_read_back_in_order(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        history.add(record(good=7, reps=7, wall_in=6), NOON + timedelta(hours=1))
        history.add(record(good=2, reps=5), NOON)           # stored second, ended first
        first, latest = history.all()
    assert latest.record.good_reps == 7 and first.record.good_reps == 2
    assert first.ended_at == NOON and first.started_at == NOON - timedelta(minutes=4)
    assert first.record == record(good=2, reps=5)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_days_carry_the_best_wall_and_the_share_of_good_reps(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.add(record(good=2, reps=4, wall_in=4), NOON - timedelta(days=1))
        history.add(record(good=3, reps=4, wall_in=5), NOON)
        history.add(record(good=0, reps=0, wall_in=None), NOON + timedelta(hours=2))
        days = per_day(history.all(), timezone.utc)
    assert [d.day.isoformat() for d in days] == ["2026-11-29", "2026-11-30"]
    assert days[0].good_share == pytest.approx(0.5) and days[0].best_wall_m == pytest.approx(inches_to_m(4))
    assert days[1].sessions == 2 and days[1].good_share == pytest.approx(3 / 4)
    assert days[1].best_wall_m == pytest.approx(inches_to_m(5))


def test_the_csv_has_a_header_even_without_a_history_and_one_row_per_session(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert kiosk_main(["history", "--csv", str(out), "--history", str(tmp_path / "none.sqlite3")]) == 0
    assert out.read_text().splitlines() == [",".join(CSV_COLUMNS)]
    assert not (tmp_path / "none.sqlite3").exists()              # reading never creates a history
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        history.add(record(), NOON)
    assert export_csv(path, out) == 1
    [row] = list(csv.DictReader(out.open()))
    assert row["best_wall_in"] == "5.0" and row["best_wall_cm"] == "12.7" and row["minutes"] == "4.0"
    assert row["good_reps"] == "6" and row["faults"] == "did not reach the wall x2"


@pytest.mark.parametrize("content,fragment", [
    (b"this is not a database at all, just text" * 100, "is damaged: move it aside"),
    (b"", None),                                                   # an empty file: SQLite makes it a history
])
def test_a_damaged_history_is_one_sentence_and_left_as_it_was(tmp_path: Path, content: bytes, fragment) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    if fragment is None:
        with History(path) as history:
            history.add(record(), NOON)
        return
    with pytest.raises(HistoryError, match=fragment):
        with History(path):
            pass
    assert path.read_bytes() == content
    out = tmp_path / "out.csv"
    assert kiosk_main(["history", "--csv", str(out), "--history", str(path)]) == 1
    assert not out.exists()


def test_a_history_from_a_newer_kiosk_or_another_program_is_refused_untouched(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version=7")
    with pytest.raises(HistoryError, match="newer kiosk"):
        History(newer).__enter__()
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(HistoryError, match="not a kiosk session history"):
        History(other).__enter__()
    with pytest.raises(HistoryError, match="is a folder"):
        History(tmp_path).__enter__()


def test_a_locked_history_is_said_once_and_the_next_session_is_kept_once_it_is_free(
        tmp_path: Path, caplog, monkeypatch) -> None:
    monkeypatch.setattr("kiosk.history.BUSY_TIMEOUT_S", 0.1)
    path = tmp_path / "h.sqlite3"
    with History(path):
        pass
    keep = Recorder(path, now=lambda: NOON)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    keep(record())
    keep(record())
    assert "in use by another program" in keep.problem
    assert caplog.text.count("session not kept") == 1
    other.execute("ROLLBACK")
    other.close()
    keep(record(good=8, reps=8))
    assert keep.problem is None
    with History(path) as history:
        assert [s.record.good_reps for s in history.all()] == [8]


def test_the_kiosk_keeps_each_finished_session_and_a_failing_history_never_stops_it(tmp_path: Path) -> None:
    from kiosk.game.app import App
    visit = Visit(profiles=False).nobody(0.5).arrive(0, 0).stand(2.0).rep(0.12).walk(0.0, 1.0, 1.0).nobody(3.0)
    kept: list[SessionRecord] = []

    def run(keep) -> App:
        clock = VirtualClock()
        app = App(ScriptedProvider(visit.measurements, clock, loop=False), SMALL, display="headless",
                  size=(320, 200), clock=clock, fps=30, keep_session=keep)
        app.run(visit.seconds)
        return app

    run(kept.append)
    assert len(kept) == 1 and kept[0].reps == 1

    def broken(_: SessionRecord) -> None:
        raise OSError("disk full")

    assert run(broken).state.scene.value in ("summary", "attract")
