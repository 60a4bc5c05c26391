"""The studio's anonymous session history: one row per client session, in SQLite (stdlib `sqlite3`).

No name, no image, nothing that identifies a client: when a session started and ended, how far up the levels
they got, their reps, the best wall and hip offset, the form faults seen and the cues given. The trainer's
history screen and `python -m kiosk history --csv OUT.csv` read it.

Durable by construction: WAL journaling with full syncs, so a power cut loses at most the session being written
and never what was saved before. A history that cannot be used (damaged, locked by another program, written by a
newer kiosk) is one sentence (`HistoryError`); it is never overwritten, and the kiosk carries on without it.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from calibration.store import write_atomic
from kiosk.units import m_to_inches

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 2.0        # another program writing to the history: wait this long before saying so
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,           -- ISO 8601, UTC
    ended_at TEXT NOT NULL,
    levels_reached INTEGER NOT NULL,    -- levels cleared plus the one the client was on
    good_reps INTEGER NOT NULL,
    reps INTEGER NOT NULL,
    best_wall_m REAL,                   -- furthest wall tapped with a good rep (NULL: none)
    best_offset_m REAL,                 -- the best rep's hip offset at its peak (NULL: no rep)
    faults TEXT NOT NULL,               -- JSON {fault: count}
    cues TEXT NOT NULL                  -- JSON {cue: count}
)
"""
CSV_COLUMNS = ("started_at", "ended_at", "minutes", "levels_reached", "good_reps", "reps", "best_wall_in",
               "best_wall_cm", "best_offset_in", "best_offset_cm", "faults", "cues")


class HistoryError(Exception):
    """A history that cannot be used; str() is one sentence saying what to do."""


@dataclass(frozen=True)
class SessionRecord:
    """One client session as the game rules saw it (times are the game's own seconds; the wall clock is added
    where the record is stored)."""

    duration_s: float
    levels_reached: int
    good_reps: int
    reps: int
    best_wall_m: float | None
    best_offset_m: float | None
    faults: dict[str, int] = field(default_factory=dict)
    cues: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredSession:
    started_at: datetime
    ended_at: datetime
    record: SessionRecord


@dataclass(frozen=True)
class Day:
    """A day's sessions, for the trainer's plot."""

    day: date
    sessions: int
    best_wall_m: float | None
    good_share: float | None        # good reps / reps (None: no reps that day)


class History:
    """The history file, opened for the life of the kiosk (`with History(path) as h:`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> "History":
        if self.path.is_dir():
            raise HistoryError(f"the session history {self.path} is a folder: move it aside (the kiosk then "
                               "starts a new history).")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryError(f"the session history {self.path} was written by a newer kiosk (version "
                                   f"{version}): update this kiosk to add to it.")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._check_columns()
        except HistoryError:
            self.close()
            raise
        except (sqlite3.Error, OSError) as err:
            self.close()
            raise HistoryError(_sentence(self.path, err)) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def add(self, record: SessionRecord, ended_at: datetime) -> None:
        """Store one session that ended at `ended_at` (aware, any zone)."""
        ended = ended_at.astimezone(timezone.utc)
        started = ended - timedelta(seconds=record.duration_s)
        row = (started.isoformat(timespec="seconds"), ended.isoformat(timespec="seconds"), record.levels_reached,
               record.good_reps, record.reps, record.best_wall_m, record.best_offset_m,
               json.dumps(record.faults, sort_keys=True), json.dumps(record.cues, sort_keys=True))
        self._run("INSERT INTO sessions (started_at, ended_at, levels_reached, good_reps, reps, best_wall_m, "
                  "best_offset_m, faults, cues) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def all(self) -> list[StoredSession]:
        """Every session, oldest first."""
        rows = self._run("SELECT started_at, ended_at, levels_reached, good_reps, reps, best_wall_m, best_offset_m, "
                         "faults, cues FROM sessions ORDER BY ended_at, id")
        return [_stored(r) for r in rows]

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self._db is None:
            raise HistoryError(f"the session history {self.path} is not open.")
        try:
            with self._db:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise HistoryError(_sentence(self.path, err)) from None

    def _check_columns(self) -> None:
        """A file that is SQLite but not our history (or an older shape of it) is refused, never altered."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        want = {"started_at", "ended_at", "levels_reached", "good_reps", "reps", "best_wall_m", "best_offset_m",
                "faults", "cues"}
        if not want <= have:
            raise HistoryError(f"{self.path} is not a kiosk session history: move it aside (the kiosk then starts "
                               "a new history).")


class Recorder:
    """Stores each session the game reports, stamped with the wall clock. The file is opened for each session (they
    are minutes apart), so a history moved aside or unlocked is used again at the next one. A history that cannot
    be used is logged once per problem and the session is not kept; the kiosk carries on."""

    def __init__(self, path: Path, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.path = Path(path)
        self._now = now
        self.problem: str | None = None     # the last sentence logged; None while the history works

    def __call__(self, record: SessionRecord) -> None:
        try:
            with History(self.path) as history:
                history.add(record, self._now())
        except HistoryError as err:
            if str(err) != self.problem:
                log.warning("session not kept: %s", err)
            self.problem = str(err)
            return
        self.problem = None


def per_day(sessions: list[StoredSession], zone: timezone | None = None) -> list[Day]:
    """Sessions grouped by the local day they ended on, oldest first (`zone`: the studio's; None = this machine's)."""
    days: dict[date, list[SessionRecord]] = {}
    for s in sessions:
        days.setdefault(s.ended_at.astimezone(zone).date(), []).append(s.record)
    out = []
    for day in sorted(days):
        records = days[day]
        walls = [r.best_wall_m for r in records if r.best_wall_m is not None]
        reps = sum(r.reps for r in records)
        out.append(Day(day, len(records), max(walls) if walls else None,
                       sum(r.good_reps for r in records) / reps if reps else None))
    return out


def to_csv(sessions: list[StoredSession]) -> str:
    """The sessions as CSV text, oldest first, with a header row even when there are none."""
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for s in sessions:
        r = s.record
        out.writerow([s.started_at.isoformat(timespec="seconds"), s.ended_at.isoformat(timespec="seconds"),
                      round(r.duration_s / 60.0, 1), r.levels_reached, r.good_reps, r.reps,
                      *_both_units(r.best_wall_m), *_both_units(r.best_offset_m),
                      _counts(r.faults), _counts(r.cues)])
    return text.getvalue()


def export_csv(history_path: Path, out: Path) -> int:
    """Write the history at `history_path` to `out` as CSV (atomically); the number of sessions written. A history
    that does not exist yet is an empty one: the CSV holds the header row only."""
    sessions: list[StoredSession] = []
    if Path(history_path).exists():
        with History(history_path) as history:
            sessions = history.all()
    write_atomic(out, to_csv(sessions))
    return len(sessions)


def tally(counts: Counter) -> dict[str, int]:
    """A Counter as the plain {name: count} a record holds (str keys: faults and cues are string enums)."""
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))}


def _stored(row: tuple) -> StoredSession:
    started, ended, levels, good, reps, wall, offset, faults, cues = row
    start, end = datetime.fromisoformat(started), datetime.fromisoformat(ended)
    record = SessionRecord((end - start).total_seconds(), levels, good, reps, wall, offset, json.loads(faults),
                           json.loads(cues))
    return StoredSession(start, end, record)


def _both_units(metres: float | None) -> tuple[str, str]:
    if metres is None:
        return "", ""
    return f"{m_to_inches(metres):.1f}", f"{metres * 100.0:.1f}"


def _counts(counts: dict[str, int]) -> str:
    return "; ".join(f"{name} x{n}" for name, n in counts.items())


def _sentence(path: Path, err: Exception) -> str:
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return (f"the session history {path} is in use by another program: close it (the kiosk carries on without "
                "recording sessions until then).")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (f"the session history {path} is damaged: move it aside (the kiosk then starts a new history; "
                "nothing else is affected).")
    if "readonly" in text or "permission" in text or "unable to open" in text:
        return f"cannot open the session history {path}: check that the kiosk's user may write to its folder."
    return f"the session history {path} cannot be used ({err}): move it aside to start a new one."
