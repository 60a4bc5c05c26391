"""Where the game gets its measurements and its time: the two things the edges plug in.

A provider is anything with `latest() -> (Measurement | None, frame_timestamp_s | None)` and
`status() -> str | None`; the timestamp is on the app clock's timebase, so the app can measure
motion-to-screen latency. Live camera, recording and simulator all fit behind it; this module has the clocks
and a provider that replays a scripted list of Measurements (tests, headless checks).
"""
from __future__ import annotations

import bisect
import dataclasses
import threading
import time
from typing import Protocol, Sequence

from kiosk.measurement import Measurement


RECONNECTING = "The camera stopped sending: reconnecting. The session waits."
QUIET_S = 1.0           # a camera that was streaming and has sent nothing for this long is reconnecting


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep_until(self, t_s: float) -> None: ...


class RealClock:
    """Wall-clock time for the kiosk itself."""

    def now(self) -> float:
        return time.perf_counter()

    def sleep_until(self, t_s: float) -> None:
        delay = t_s - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """Time that only moves when the app waits: headless runs go as fast as they can render."""

    def __init__(self, t_s: float = 0.0) -> None:
        self.t_s = t_s

    def now(self) -> float:
        return self.t_s

    def sleep_until(self, t_s: float) -> None:
        self.t_s = max(self.t_s, t_s)


class MeasurementProvider(Protocol):
    def latest(self) -> tuple[Measurement | None, float | None]: ...

    def status(self) -> str | None: ...

    def reload(self) -> None:
        """Measure from now on with the calibration read afresh (a restored one)."""

    def tap(self, feed) -> None:
        """Hand every raw depth frame to `feed(frame, source_info)` too (None: stop): the calibration wizard."""


class ScriptedProvider:
    """Replays Measurements at their own times (t_s from 0) on `clock`, looping if asked.

    Looped measurements get fresh frame numbers and times, as a camera's would.
    """

    def __init__(self, measurements: Sequence[Measurement], clock: Clock, loop: bool = True,
                 status: str | None = None) -> None:
        if not measurements:
            raise ValueError("a scripted provider needs at least one measurement")
        self.measurements = measurements
        self.clock = clock
        self.loop = loop
        self.status_text = status   # set it to simulate the camera going and coming back
        self._times = [m.t_s for m in measurements]
        period_s = (self._times[-1] - self._times[0]) / (len(measurements) - 1) if len(measurements) > 1 else 1 / 30
        self._length_s = self._times[-1] + period_s        # one measurement alone lasts a camera frame
        self._start_s = clock.now()
        self._cached: tuple[int, int, Measurement] | None = None

    def latest(self) -> tuple[Measurement | None, float | None]:
        if self.status_text is not None:
            return None, None
        elapsed = self.clock.now() - self._start_s
        lap = int(elapsed // self._length_s) if self.loop else 0
        i = bisect.bisect_right(self._times, elapsed - lap * self._length_s) - 1
        if i < 0:
            return None, None
        if self._cached is None or self._cached[:2] != (lap, i):
            m = self.measurements[i]
            if lap:
                m = dataclasses.replace(m, frame=m.frame + lap * len(self.measurements),
                                        t_s=m.t_s + lap * self._length_s)
            self._cached = (lap, i, m)
        m = self._cached[2]
        return m, self._start_s + m.t_s

    def status(self) -> str | None:
        return self.status_text

    def reload(self) -> None:
        """Scripted measurements have no calibration to read again."""

    def tap(self, feed) -> None:
        """Scripted measurements have no depth frames: the wizard waits, saying the camera has none."""


class Newest:
    """The hand-over from a capture thread to the game: one slot, the newest measurement wins.

    The capture side calls `put`; the game's `latest()` never waits for it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: tuple[Measurement | None, float | None] = (None, None)
        self.status_text: str | None = None

    def put(self, m: Measurement, frame_timestamp_s: float) -> None:
        with self._lock:
            self._item = (m, frame_timestamp_s)

    def latest(self) -> tuple[Measurement | None, float | None]:
        with self._lock:
            return self._item

    def status(self) -> str | None:
        return self.status_text
