"""The kiosk's client-facing settings, read and validated in one place (versioned JSON, atomic writes).

A trainer edits one small file; a mistake in it must be explained in one sentence, never crash the kiosk.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from calibration.store import write_atomic

KIND = "hinge-kiosk-settings"
VERSION = 1
FIRST_WALL_IN = 3          # the studio's drill starts with the wall 3 inches behind the heels
WALL_LIMITS_IN = (FIRST_WALL_IN, 12)
REPS_LIMITS = (1, 10)


class SettingsError(Exception):
    """A settings file that cannot be used; str() is one sentence saying what to fix."""


@dataclass(frozen=True)
class Settings:
    units: str = "in"            # "in" or "cm": every figure the client sees
    volume: float = 0.8          # 0..1
    mute: bool = False
    max_wall_in: int = 8         # the last level's wall distance, inches behind the heel line
    reps_per_level: int = 3      # good reps that clear a level

    def __post_init__(self) -> None:
        if self.units not in ("in", "cm"):
            raise SettingsError(f'units is "{self.units}": use "in" or "cm".')
        if isinstance(self.volume, bool) or not isinstance(self.volume, (int, float)) or not 0 <= self.volume <= 1:
            raise SettingsError(f"volume is {self.volume!r}: use a number from 0 (silent) to 1 (loudest).")
        if not isinstance(self.mute, bool):
            raise SettingsError(f"mute is {self.mute!r}: use true or false.")
        _check_int("max_wall_in", self.max_wall_in, *WALL_LIMITS_IN, "inches behind the heel line")
        _check_int("reps_per_level", self.reps_per_level, *REPS_LIMITS, "good reps")

    @property
    def wall_levels_in(self) -> tuple[int, ...]:
        """Wall distance of each level: 3 in, 4 in, 5 in (a full hinge), ... up to the maximum."""
        return tuple(range(FIRST_WALL_IN, self.max_wall_in + 1))


def _check_int(name: str, value: object, lo: int, hi: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SettingsError(f"{name} is {value!r}: use a whole number from {lo} to {hi} ({what}).")


def from_document(doc: object) -> Settings:
    """Settings from a parsed settings file; missing keys take their defaults."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise SettingsError(f'this is not a kiosk settings file: it needs "kind": "{KIND}".')
    if doc.get("version") != VERSION:
        raise SettingsError(f"settings version {doc.get('version')!r} is not supported: use version {VERSION}.")
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
    write_atomic(Path(path), json.dumps({"kind": KIND, "version": VERSION, **asdict(settings)}, indent=2) + "\n")
