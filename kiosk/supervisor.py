"""No exception ends the kiosk: an unexpected one is logged and the kiosk starts again after a pause that grows
with repeated crashes; a crash loop shows "call a trainer" instead of flashing the screen. Mistakes the user can
fix (a bad option, a damaged file named on the command line) still end it with their one sentence.

Also the kiosk's log: rotating files a studio can send, with what is needed to diagnose a fault.
"""
from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
from collections import deque
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

PAUSES_S = (2.0, 5.0, 15.0, 30.0, 60.0)   # after the 1st, 2nd, ... crash in a row
HELP_AFTER = 3                             # this many crashes within HELP_WINDOW_S: ask for a trainer
HELP_WINDOW_S = 600.0
RESTARTING = "The kiosk hit a problem and is starting again."
CALL_TRAINER = "The kiosk keeps hitting a problem: please call a trainer. It keeps trying by itself."
LOG_BYTES, LOG_FILES = 5_000_000, 5        # 25 MB of log at most: weeks of a normal kiosk's lines

Wait = Callable[[str, float], bool]       # show this sentence for this long; False when the kiosk was quit


def supervise(once: Callable[[], int], wait: Wait, now: Callable[[], float],
              passes: tuple[type[BaseException], ...] = ()) -> int:
    """Run `once` until it returns (its exit code); `passes` exceptions are the caller's to report."""
    crashes: deque[float] = deque()
    while True:
        try:
            return once()
        except passes:
            raise
        except Exception:
            log.exception("the kiosk crashed: starting it again")
            t = now()
            crashes.append(t)
            while crashes and t - crashes[0] > HELP_WINDOW_S:
                crashes.popleft()
            pause = PAUSES_S[min(len(crashes), len(PAUSES_S)) - 1]
            if not wait(CALL_TRAINER if len(crashes) >= HELP_AFTER else RESTARTING, pause):
                return 0


def configure_logging(folder: Path | None) -> Path | None:
    """Log to stderr (unless something else already handles the log) and, when `folder` can be written, to
    rotating files there; returns the log file."""
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in [h for h in root.handlers if getattr(h, "kiosk", False)]:    # ours, from an earlier call
        root.removeHandler(handler)
        handler.close()
    if not root.handlers:                  # as logging.basicConfig: a host that already logs (tests) keeps its own
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(fmt)
        console.kiosk = True
        root.addHandler(console)
    path = None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "kiosk.log"
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_FILES,
                                                           encoding="utf-8")
            handler.setFormatter(fmt)
            handler.kiosk = True
            root.addHandler(handler)
        except OSError as err:
            log.warning("no log file in %s (%s): logging to the terminal only", folder, err.strerror)
            path = None
    return path


def log_start(argv: list[str]) -> None:
    """The first lines of a run: what a report from a studio needs to place it."""
    import numpy
    import pygame
    try:
        from kiosk.sensing import sdk_version
        sdk = sdk_version()
    except ImportError:
        sdk = "missing"
    log.info("kiosk starting: %s; Python %s on %s; pygame %s, numpy %s, RealSense SDK %s", " ".join(argv) or
             "(no options)", platform.python_version(), platform.platform(), pygame.version.ver, numpy.__version__,
             sdk)
