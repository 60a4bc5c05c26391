"""Killed at any moment — kill -9 in the middle of saving — the kiosk leaves its calibration, settings and session
history readable, and nothing already saved is lost: every file is written whole or not at all, the history is
SQLite with a write-ahead log and full syncs."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from calibration.store import backup_path, load
from kiosk.game.settings import load as load_settings
from kiosk.history import History

ROUNDS = 8

SAVER = """
import datetime as dt, sys
from pathlib import Path
from calibration.store import save
from kiosk.game.settings import Settings, save as save_settings
from kiosk.history import History, SessionRecord
from tests.test_live import stand_in_calibration
folder = Path(sys.argv[1])
cal = stand_in_calibration()
k = 0
print("saving", flush=True)
while True:
    k += 1
    save(cal, folder / "calibration.json")
    save_settings(Settings(reps_per_level=1 + k % 10), folder / "settings.json")
    with History(folder / "history.sqlite3") as history:
        history.add(SessionRecord(60.0, 1, k % 5, 5, None, None), dt.datetime.now(dt.timezone.utc))
"""


def test_kill_9_while_saving_leaves_every_file_readable_and_keeps_what_was_saved(tmp_path: Path) -> None:
    rng = random.Random(7)
    kept = 0
    root = Path(__file__).resolve().parent.parent
    for _ in range(ROUNDS):
        saver = subprocess.Popen([sys.executable, "-c", SAVER, str(tmp_path)], cwd=root, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert saver.stdout.readline().strip() == "saving", saver.stderr.read()
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(saver.pid, signal.SIGKILL)
        saver.wait()
        load(tmp_path / "calibration.json")                       # whole, never half written
        if backup_path(tmp_path / "calibration.json").exists():
            load(backup_path(tmp_path / "calibration.json"))
        load_settings(tmp_path / "settings.json")
        with History(tmp_path / "history.sqlite3") as history:
            sessions = len(history.all())
        assert sessions >= kept                                    # what was saved stays saved
        kept = sessions
    assert kept > ROUNDS                                           # the saves did happen, many of them
