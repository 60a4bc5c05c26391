"""Any depth source in a child process, under a watchdog that kills and restarts it when frames stop.

Why: the SDK can hang inside `pipeline.stop()` or a wedged USB transfer while holding the GIL, and no thread
can interrupt that. A process can be killed. Frames cross as plain pickled DepthFrames over a pipe (an
848x480 frame is 1.6 MB: about 1 ms), so the parent never imports SDK state it could get stuck on.
The same machinery runs over a recording (a picklable `source_factory`): that is how the demo plays, a child for
each pass, and how it is tested. Before a silent child is killed it is asked where its threads are, for the log.
"""
from __future__ import annotations

import faulthandler
import logging
import multiprocessing as mp
import os
import signal
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable, Iterator

from calibration.camera import DepthFrame
from kiosk.sensing.source import DepthSource, SourceError, SourceInfo

log = logging.getLogger(__name__)

STALL_S = 5.0          # no frame for this long: the child is killed and started again
START_S = 30.0         # a child may take this long to start (imports, camera start, a reset camera's return)
MAX_RESTARTS = 3       # restarts in a row without a frame before giving up
STOP_GRACE_S = 2.0     # time a child gets to stop its source cleanly before it is killed
DIED_GRACE_S = 0.2     # a child whose pipe closed is given this long to be reaped, to log how it ended
DUMP_WAIT_S = 1.0      # a silent child is given this long to write where it is stuck
DUMP_SIGNAL = signal.SIGUSR1

_GAVE_UP = ("The camera stopped sending frames and restarting it did not help: unplug it, plug it into a USB 3 "
            "port, and restart the kiosk.")
_CRASHED = ("The camera reported an error: the kiosk is starting it again; report it if this keeps "
            "happening.")


def camera_process(source_factory: Callable[[], DepthSource], stall_s: float = STALL_S,
                   start_s: float = START_S, max_restarts: int = MAX_RESTARTS) -> "ProcessSource":
    """Run `source_factory()` (picklable, e.g. functools.partial(open_camera, serial)) in a child process."""
    return ProcessSource(source_factory, stall_s, start_s, max_restarts)


class ProcessSource:
    """A DepthSource whose frames come from a child process; `restarts` counts watchdog restarts."""

    info: SourceInfo

    def __init__(self, source_factory: Callable[[], DepthSource], stall_s: float, start_s: float,
                 max_restarts: int) -> None:
        self._factory = source_factory
        self._stall_s, self._start_s, self._max_restarts = stall_s, start_s, max_restarts
        self._mp = mp.get_context("spawn")    # no fork: a forked child would inherit the parent's SDK threads
        self.restarts = 0
        self._silent_restarts = 0
        self._start_child()
        msg = self._receive()
        if msg is None or msg[0] != "info":
            self.close()
            raise SourceError(msg[1] if msg and msg[0] == "error" else
                              f"The depth source did not start within {start_s:.0f} s: unplug the camera, plug "
                              "it in again, and restart the kiosk.")
        self.info = msg[1]
        self._starting = False

    def _start_child(self) -> None:
        receiver, sender = self._mp.Pipe(duplex=False)
        self._stop = self._mp.Event()
        handle, name = tempfile.mkstemp(prefix="hinge-depth-source-", suffix=".stacks")
        os.close(handle)
        self._stacks = Path(name)
        self._ended = False
        self._proc = self._mp.Process(target=_child_main, args=(self._factory, sender, self._stop, self._stacks),
                                      name="depth-source", daemon=True)
        self._proc.start()
        sender.close()               # only the child writes: a dead child now reads as end-of-pipe
        self._conn = receiver
        self._starting = True
        self._started_at, self._frames = time.monotonic(), 0

    def _receive(self) -> tuple[str, Any] | None:
        """The child's next message, or None if it stayed silent too long or died."""
        try:
            if self._conn.poll(self._start_s if self._starting else self._stall_s):
                return self._conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def __enter__(self) -> "ProcessSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask the child to stop its source; kill it if it does not within STOP_GRACE_S (stop can hang)."""
        self._stop.set()
        self._conn.close()           # unblocks a child waiting to send
        # a child whose source ended has nothing left to do but the SDK's stop at the end of a recording, a known hang
        self._proc.join(0 if self._ended else STOP_GRACE_S)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._stacks.unlink(missing_ok=True)

    def __iter__(self) -> Iterator[DepthFrame]:
        while True:
            msg = self._receive()
            if msg is None:
                self._restart()
                continue
            kind, payload = msg
            if kind == "frame":
                self._silent_restarts = 0
                self._frames += 1
                yield payload
            elif kind == "info":
                self.info, self._starting = payload, False
            elif kind == "end":
                self._ended = True
                return
            else:
                raise SourceError(payload)

    def _restart(self) -> None:
        self._proc.join(DIED_GRACE_S)     # a child that died (the SDK crashed it) is told apart from a silent one
        ended = None if self._proc.is_alive() else self._proc.exitcode
        stuck_at = self._stuck_at() if ended is None else ""
        self._proc.kill()
        self._proc.join()
        self._conn.close()
        self._stacks.unlink(missing_ok=True)
        if self._silent_restarts >= self._max_restarts:
            raise SourceError(_GAVE_UP)
        self._silent_restarts += 1
        self.restarts += 1
        log.warning("%s: restarting the depth source (restart %d; that source started %.1f s ago and gave %d "
                    "frames).%s", _why_restarted(ended, self._stall_s), self.restarts,
                    time.monotonic() - self._started_at, self._frames, stuck_at)
        self._start_child()

    def _stuck_at(self) -> str:
        """Where a silent child's threads are, for the log: a stack written by the child's faulthandler, which
        answers even while a thread holds the GIL inside the SDK."""
        try:
            os.kill(self._proc.pid, DUMP_SIGNAL)
        except ProcessLookupError:
            return ""
        size, deadline = -1, time.monotonic() + DUMP_WAIT_S
        while time.monotonic() < deadline:       # the dump is written at once; wait until it stops growing
            time.sleep(0.1)
            before, size = size, self._stacks.stat().st_size
            if size and size == before:
                return " Its threads were at:\n" + self._stacks.read_text(errors="replace").rstrip()
        return " It did not say where it was stuck."


def _why_restarted(exitcode: int | None, stall_s: float) -> str:
    """The log's reason: a silent child, or how the child process ended by itself."""
    if exitcode is None:
        return f"No depth frame for {stall_s:.0f} s"
    if exitcode < 0:
        return f"The depth source process was killed by {signal.Signals(-exitcode).name}"
    return f"The depth source process exited with code {exitcode}"


def _child_main(factory: Callable[[], DepthSource], conn: Connection, stop: Any, stacks: Path) -> None:
    # Ctrl-C and a stop (systemd or `timeout` signal the whole group) are the parent's to handle: it stops us, and
    # a child dying first would only be restarted while the kiosk quits
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.SIG_IGN)
    stacks_file = stacks.open("w")
    faulthandler.register(DUMP_SIGNAL, file=stacks_file, all_threads=True)
    try:
        with factory() as source:
            conn.send(("info", source.info))
            for frame in source:
                conn.send(("frame", frame))
                if stop.is_set():
                    return
            conn.send(("end", None))     # before the source is stopped: the parent need not wait for that
    except (BrokenPipeError, EOFError):              # the parent went away: nothing left to do
        pass
    except SourceError as err:
        _send_quietly(conn, ("error", str(err)))
    except Exception:
        log.exception("depth source failed")
        _send_quietly(conn, ("error", _CRASHED))


def _send_quietly(conn: Connection, msg: tuple[str, Any]) -> None:
    try:
        conn.send(msg)
    except (BrokenPipeError, EOFError):
        pass
