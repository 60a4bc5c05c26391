"""Runs one step of a test in a fresh interpreter (multiprocessing's "spawn" start method).

Tests that start the whole kiosk in-process on a recording or the demo crashed the pytest worker now and then
(about one full run in five): a segfault in a native SDK thread, with native state left by earlier tests in the
same worker (playback pipelines and their threads, pygame) the likely cause. In a child of its own the kiosk
starts clean, and a crash there fails that one test with the signal's name instead of killing the worker."""
from __future__ import annotations

import faulthandler
import multiprocessing
import signal
import traceback
import warnings
from multiprocessing.connection import Connection, wait
from typing import Callable, TypeVar

T = TypeVar("T")

TIMEOUT_S = 120.0       # a kiosk run in these tests takes a few seconds, its imports included


def in_fresh_process(target: Callable[..., T], *args: object, timeout_s: float = TIMEOUT_S) -> T:
    """`target(*args)` run in a spawned child; returns what it returns (pickled back, so keep it small: exit codes,
    texts, paths). Its exception, a crash, an exit without an answer or running past `timeout_s` is an
    AssertionError that says which (with the child's traceback, exit code or signal). `target` and `args` must
    pickle: a module-level function, plain values."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, timeout_s, target, args), name=f"fresh-{target.__name__}")
    child.start()                        # not a daemon: the kiosk starts processes of its own
    sender.close()                       # the child holds its own end: EOF here once it is gone
    name = f"{target.__module__}.{target.__qualname__}"
    try:
        if not wait([receiver, child.sentinel], timeout_s + 10.0):   # the child dumps its stacks at timeout_s
            child.kill()
            raise AssertionError(f"{name} did not finish within {timeout_s:.0f} s in its fresh process (its "
                                 "threads' stacks are in the captured stderr)")
        try:
            outcome, value = receiver.recv()
        except EOFError:                 # it died before answering
            child.join(10.0)
            raise AssertionError(f"{name} ended its fresh process without an answer: {_ending(child.exitcode)} "
                                 "(a native crash prints its threads' stacks in the captured stderr)") from None
        child.join(10.0)                 # it answered: let it finish its own shutdown
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == "raised":
        raise AssertionError(f"{name} raised in its fresh process:\n{value}")
    if child.exitcode != 0:              # the answer stands; a bad shutdown is said, not failed
        warnings.warn(f"{name}'s fresh process answered, then ended with {_ending(child.exitcode)}", stacklevel=2)
    return value


def _ending(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        return f"killed by {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"


def _child(answer: Connection, timeout_s: float, target: Callable[..., object], args: tuple) -> None:
    faulthandler.enable()                          # a native crash prints every thread's Python stack
    faulthandler.dump_traceback_later(timeout_s)   # and so does a hang, before the parent stops the child
    try:
        result = ("returned", target(*args))
    except BaseException:                          # SystemExit too: the test sees what happened, not an exit code
        result = ("raised", traceback.format_exc())
    faulthandler.cancel_dump_traceback_later()
    answer.send(result)
    answer.close()
