"""Where the kiosk keeps its files on a machine (XDG folders): the trainer's calibration, settings, the session
history, client session recordings, the cache."""
from __future__ import annotations

import os
from pathlib import Path


def _home_dir(variable: str, fallback: str) -> Path:
    return Path(os.environ.get(variable) or Path.home() / fallback) / "hinge-kiosk"


def default_calibration() -> Path:
    return _home_dir("XDG_DATA_HOME", ".local/share") / "calibration.json"


def default_history() -> Path:
    return _home_dir("XDG_DATA_HOME", ".local/share") / "history.sqlite3"


def default_recordings() -> Path:
    return _home_dir("XDG_DATA_HOME", ".local/share") / "recordings"


def default_settings() -> Path:
    return _home_dir("XDG_CONFIG_HOME", ".config") / "settings.json"


def default_logs() -> Path:
    return _home_dir("XDG_STATE_HOME", ".local/state")


def default_cache() -> Path:
    return _home_dir("XDG_CACHE_HOME", ".cache")
