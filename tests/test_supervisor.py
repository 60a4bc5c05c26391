"""No exception ends the kiosk: crashes restart it after growing pauses, a crash loop asks for a trainer, the
user's own mistakes still end it with their sentence; the log rotates."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.supervisor import CALL_TRAINER, HELP_AFTER, HELP_WINDOW_S, LOG_BYTES, PAUSES_S, RESTARTING, \
    configure_logging, supervise


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t


def test_crashes_restart_the_kiosk_with_growing_pauses_and_a_loop_calls_a_trainer() -> None:
    clock, shown, runs = Clock(), [], []

    def once() -> int:
        runs.append(clock.t)
        if len(runs) < 6:
            raise RuntimeError(f"crash {len(runs)}")
        return 0

    def wait(sentence: str, pause_s: float) -> bool:
        shown.append((sentence, pause_s))
        clock.t += pause_s
        return True

    assert supervise(once, wait, clock.now) == 0 and len(runs) == 6
    assert [p for _, p in shown] == list(PAUSES_S)
    assert [s for s, _ in shown] == [RESTARTING] * (HELP_AFTER - 1) + [CALL_TRAINER] * (6 - HELP_AFTER)


def test_a_crash_long_after_the_last_is_a_fresh_start() -> None:
    clock, shown, runs = Clock(), [], []

    def once() -> int:
        runs.append(1)
        if len(runs) < 4:
            clock.t += HELP_WINDOW_S + 1          # each run lasted longer than the window
            raise RuntimeError("rare crash")
        return 0

    supervise(once, lambda s, p: shown.append((s, p)) or True, clock.now)
    assert shown == [(RESTARTING, PAUSES_S[0])] * 3


def test_the_users_own_mistakes_and_quitting_end_it() -> None:
    with pytest.raises(ValueError):
        supervise(lambda: (_ for _ in ()).throw(ValueError("bad option")), lambda s, p: True, lambda: 0.0,
                  passes=(ValueError,))
    assert supervise(lambda: 1 / 0, lambda s, p: False, lambda: 0.0) == 0      # quit while it waits


def test_the_log_rotates_and_never_grows_past_its_files(tmp_path: Path) -> None:
    path = configure_logging(tmp_path)
    line = "x" * 1000
    for _ in range(int(LOG_BYTES * 7 / 1000)):
        logging.getLogger("kiosk.test").info(line)
    files = sorted(tmp_path.glob("kiosk.log*"))
    assert path == tmp_path / "kiosk.log" and len(files) == 6
    assert all(f.stat().st_size <= LOG_BYTES + 2000 for f in files)
    configure_logging(None)                       # back to the terminal only, for the tests after this one
