"""The kiosk's client-facing settings, read and validated in one place (versioned JSON, atomic writes).

A trainer edits one small file; a mistake in it must be explained in one sentence, never crash the kiosk.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from calibration.store import write_keeping_backup
from kiosk.pin import looks_stored

KIND = "hinge-kiosk-settings"
VERSION = 3                # 2 added speech, first_wall_in, step_in, session_minutes and pin_hash; 3 the session
READS = (1, 2, 3)          # recordings; older versions still load
WALL_LIMITS_IN = (1, 16)   # the studio's drill starts with the wall 3 inches behind the heels
STEP_LIMITS_IN = (1, 3)
REPS_LIMITS = (1, 10)
SESSION_LIMITS_MIN = (0, 60)
RECORDINGS_LIMITS_GB = (1, 500)   # a 10-minute session's depth is about 5 GB


class SettingsError(Exception):
    """A settings file that cannot be used; str() is one sentence saying what to fix."""


@dataclass(frozen=True)
class Settings:
    units: str = "in"            # "in" or "cm": every figure the client sees
    volume: float = 0.8          # 0..1
    mute: bool = False
    speech: bool = True          # spoken cues; without them the tones still coach
    first_wall_in: int = 3       # the first level's wall distance, inches behind the heel line
    step_in: int = 1             # how far the wall moves back at each level
    max_wall_in: int = 8         # the furthest wall: the last level is the last step not beyond it
    reps_per_level: int = 3      # good reps that clear a level
    session_minutes: int = 10    # a session ends after this long (0: only when the client walks away)
    pin_hash: str | None = None  # the trainer's PIN as kiosk.pin stores it; None: no PIN set yet
    record_sessions: bool = False   # keep each client session's depth for review (kiosk/recordings.py)
    recordings_gb: int = 20      # ...in at most this much disk, the oldest deleted first

    def __post_init__(self) -> None:
        if self.units not in ("in", "cm"):
            raise SettingsError(f'units is "{self.units}": use "in" or "cm".')
        if isinstance(self.volume, bool) or not isinstance(self.volume, (int, float)) or not 0 <= self.volume <= 1:
            raise SettingsError(f"volume is {self.volume!r}: use a number from 0 (silent) to 1 (loudest).")
        for name in ("mute", "speech", "record_sessions"):
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{name} is {getattr(self, name)!r}: use true or false.")
        _check_int("first_wall_in", self.first_wall_in, *WALL_LIMITS_IN, "inches behind the heel line")
        _check_int("step_in", self.step_in, *STEP_LIMITS_IN, "inches the wall moves back at each level")
        _check_int("max_wall_in", self.max_wall_in, self.first_wall_in, WALL_LIMITS_IN[1],
                   "inches behind the heel line, not nearer than first_wall_in")
        _check_int("reps_per_level", self.reps_per_level, *REPS_LIMITS, "good reps")
        _check_int("session_minutes", self.session_minutes, *SESSION_LIMITS_MIN, "minutes; 0 for no limit")
        _check_int("recordings_gb", self.recordings_gb, *RECORDINGS_LIMITS_GB, "GB of disk for session recordings")
        if self.pin_hash is not None and not looks_stored(self.pin_hash):
            raise SettingsError("pin_hash is not a stored PIN: set the PIN again on the trainer's settings screen, "
                                "or remove pin_hash to go without one.")

    @property
    def wall_levels_in(self) -> tuple[int, ...]:
        """Wall distance of each level: 3 in, 4 in, 5 in (a full hinge), ... up to the maximum."""
        return tuple(range(self.first_wall_in, self.max_wall_in + 1, self.step_in))


def _check_int(name: str, value: object, lo: int, hi: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SettingsError(f"{name} is {value!r}: use a whole number from {lo} to {hi} ({what}).")


def from_document(doc: object) -> Settings:
    """Settings from a parsed settings file; missing keys take their defaults."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise SettingsError(f'this is not a kiosk settings file: it needs "kind": "{KIND}".')
    version = doc.get("version")
    if version not in READS:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise SettingsError(f"settings version {version!r} is not supported: " + (
            "a newer kiosk wrote it, update this one." if newer else f"use version {VERSION}."))
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(doc) - known - {"kind", "version"})
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}: the settings are {', '.join(sorted(known))}.")
    return Settings(**{k: v for k, v in doc.items() if k in known})


def load(path: Path) -> Settings:
    """The settings in `path`, or the defaults when the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        return Settings()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SettingsError(f"{path} is not valid JSON (line {err.lineno}): fix it or delete it for defaults.")
    except OSError as err:
        raise SettingsError(f"cannot read {path} ({err.strerror}): check the file's permissions.")
    try:
        return from_document(doc)
    except SettingsError as err:
        raise SettingsError(f"{path}: {err}") from None


def save(settings: Settings, path: Path) -> None:
    """Write atomically; the file it replaces (even one that could not be read) is kept as PATH.bak."""
    write_keeping_backup(Path(path), json.dumps({"kind": KIND, "version": VERSION, **asdict(settings)}, indent=2)
                         + "\n")
