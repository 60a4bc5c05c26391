"""Pieces of the depth sources tests run in camera child processes. Kept apart from the heavier test modules because
a child imports the module of its source: this one starts as fast as the kiosk's own."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np

from calibration.camera import DepthFrame, Intrinsics
from kiosk.sensing.source import SourceInfo

FPS = 30.0
INTR = Intrinsics(160, 120, 80.0, 80.0, 80.0, 60.0)


def wedge() -> None:
    """Never return, holding the GIL (a regular expression that backtracks for ages), as a hung SDK call does."""
    re.match(r"(a+)+$", "a" * 60 + "b")


def count_opening(count_file: Path) -> int:
    """Add one to the openings counted in `count_file` and return the count before; the file is replaced whole,
    so the test reading it beside the child never sees it half written."""
    before = openings(count_file)
    part = count_file.with_name(f".{count_file.name}.{os.getpid()}")
    part.write_text(str(before + 1))
    os.replace(part, count_file)
    return before


def openings(count_file: Path) -> int:
    return int(count_file.read_text()) if count_file.exists() else 0


class EndsThenHangs:
    """`n` frames numbered from 1000, then the end, and a stop that never returns, holding the GIL: what the SDK's
    playback can do at the end of a recording. Each opening is counted in `count_file`."""

    def __init__(self, n: int, count_file: Path) -> None:
        self.n, self.count_file = n, count_file

    def __enter__(self) -> "EndsThenHangs":
        count_opening(self.count_file)
        self.info = SourceInfo("Ending D435", "SIM-0002", 0.05, FPS, INTR)
        return self

    def __exit__(self, *exc: object) -> None:
        wedge()

    def __iter__(self):
        depth = np.full((INTR.height, INTR.width), 2.0, np.float32)
        for k in range(self.n):
            yield DepthFrame(depth, INTR, 1000 + k, k * 1000.0 / FPS)
            time.sleep(1 / FPS)
