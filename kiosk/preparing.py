"""The demo's first start: its simulated client is rendered in a child process while the kiosk already shows a
screen with the progress, so a new machine never sits on a blank screen (or a silent terminal) for minutes."""
from __future__ import annotations

import logging
import multiprocessing
import queue as queues
import signal
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

Make = Callable[..., tuple[Path, Path, Path]]      # demo_assets(cache_dir, progress=...)
STOPPED_BY = (signal.SIGTERM, signal.SIGINT)      # a child ended by these: the kiosk itself is being stopped (the
#                                                   signal reached the whole group), not a failure


def _make(make: Make, cache_dir: Path, out: multiprocessing.Queue) -> None:
    try:
        out.put(("done", make(cache_dir, progress=lambda text, share: out.put(("progress", text, share)))))
    except Exception as err:                         # the parent says it in one sentence; details in the log
        out.put(("failed", f"{type(err).__name__}: {err}"))


class Preparation:
    """Runs `make` (kiosk.sim.demo.demo_assets) in a child process; `poll()` until it is finished, then `result`
    holds its paths, or `error` the sentence saying why there are none, or `stopped` is set: the child was
    stopped along with the kiosk (Ctrl+C, a service stop), which is no fault to report."""

    def __init__(self, make: Make, cache_dir: Path) -> None:
        context = multiprocessing.get_context("spawn")       # a fresh interpreter: no pygame or SDK state shared
        self._queue = context.Queue()
        self._process = context.Process(target=_make, args=(make, Path(cache_dir), self._queue), daemon=True,
                                        name="demo-render")
        self._process.start()
        self.text, self.share = "Starting the simulator", 0.0
        self.result: tuple[Path, Path, Path] | None = None
        self.error: str | None = None
        self.stopped = False

    def poll(self) -> bool:
        """Take in the child's news; True once it has finished, well or not."""
        while True:
            try:
                news = self._queue.get_nowait()
            except queues.Empty:
                break
            if news[0] == "progress":
                self.text, self.share = news[1], float(news[2])
            elif news[0] == "done":
                self.result = tuple(Path(p) for p in news[1])
            else:
                self.error = f"Preparing the demo failed ({news[1]}): run it again, or report it."
        if self.result is None and self.error is None and not self._process.is_alive():
            code = self._process.exitcode
            killed_by = signal.Signals(-code) if code is not None and code < 0 else None
            if killed_by in STOPPED_BY:
                self.stopped = True
            else:
                how = f"exit code {code}" if killed_by is None else f"killed by {killed_by.name}"
                self.error = f"Preparing the demo stopped ({how}): run it again, or report it."
        return self.result is not None or self.error is not None or self.stopped

    def close(self) -> None:
        """Stop the child if it still runs (the kiosk was quit): the next start renders again."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(2.0)
