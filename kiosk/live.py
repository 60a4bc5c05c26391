"""How depth reaches the game: a capture thread for real time (live camera or demo replay), and a stepped
replay for headless runs on a virtual clock.

Both measure every frame in order with one Measurer per source (it remembers the visitor's stature) and check
at the first frame that the calibration fits the camera. The game only ever reads the newest measurement, so
it never waits on the camera.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Callable, Iterator

from calibration.camera import DepthFrame
from calibration.model import Calibration
from calibration.store import CalibrationFileError
from kiosk.analyze import FrameMeasurer, MismatchError
from kiosk.game.provider import QUIET_S, RECONNECTING, Clock, Newest, RealClock
from kiosk.measurement import Measurement
from kiosk.smoothing import LIVE_LAG
from kiosk.sensing.source import DepthSource, SourceError, SourceInfo

log = logging.getLogger(__name__)

RETRY_S = 3.0        # after a failure, try the source again this often (a camera plugged in later is found)
STOP_S = 3.0         # close() waits this long for the capture thread

_ENDED = "The depth stream ended: the kiosk is starting it again."
_FAILED = ("Measuring the depth failed unexpectedly: the kiosk is restarting the camera; report it if this "
           "keeps happening.")

SourceFactory = Callable[[], DepthSource]
FrameTap = Callable[[DepthFrame, SourceInfo], None]     # raw frames for the calibration wizard
CalibrationLoader = Callable[[], Calibration]
Trace = Callable[[Measurement, float, float], None]    # (measurement, frame received, handed over) on the clock


class CaptureProvider:
    """A game provider fed by a daemon thread that opens the source, measures each frame and hands it over.

    A failure (no camera, a lost camera, a calibration that does not fit, the source ending) becomes the
    plain sentence `status()` shows on screen, and the source is opened again every `retry_s`. The calibration
    is loaded afresh at each attempt, so calibrating while the kiosk waits is picked up too.
    """

    def __init__(self, open_source: SourceFactory, calibration: CalibrationLoader, clock: Clock | None = None,
                 retry_s: float = RETRY_S, trace: Trace | None = None, keep_frames: FrameTap | None = None) -> None:
        self._open_source = open_source
        self._calibration = calibration
        self._clock = clock or RealClock()
        self._retry_s = retry_s
        self._trace = trace
        self._newest = Newest()
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._tap: FrameTap | None = None
        self._keep_frames = keep_frames          # every measured frame, as measured (the session recorder)
        self._last_handed_s: float | None = None  # when the last measurement was handed over (None: none yet)
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()

    def latest(self) -> tuple[Measurement | None, float | None]:
        return self._newest.latest()

    def status(self) -> str | None:
        """What is wrong with the camera, if anything: the capture's own sentence, or — within QUIET_S of a
        streaming camera falling silent, while the source restarts underneath — that it is reconnecting."""
        said = self._newest.status_text
        if said is None and self._last_handed_s is not None and self._clock.now() - self._last_handed_s > QUIET_S:
            return RECONNECTING
        return said

    def reload(self) -> None:
        """Open the source again with the calibration read afresh (a restored calibration), without a word."""
        self._reload.set()

    def tap(self, feed: FrameTap | None) -> None:
        """Also hand every frame to `feed`, on the capture thread (None: stop). Frames flow to it even when the
        kiosk has no calibration that fits the camera yet: that is what the wizard is for."""
        self._tap = feed
        if feed is not None and self._newest.status_text is not None:
            self._reload.set()                   # waiting to retry: open the source now

    def close(self) -> None:
        """Stop capturing; a source stuck in the SDK is left to its daemon thread (and watchdog process)."""
        self._stop.set()
        self._reload.set()
        self._thread.join(STOP_S)

    def __enter__(self) -> "CaptureProvider":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            status = self._capture()
            if self._stop.is_set():
                return
            if self._reload.is_set():                 # cleared as the source is opened again
                continue
            if status != self._newest.status_text:
                log.warning("%s", status)
            self._newest.status_text = status
            self._reload.wait(self._retry_s)

    def _hand_over(self, m: Measurement, received: float) -> None:
        handed = self._clock.now()
        self._newest.put(m, handed)
        self._last_handed_s = handed
        self._newest.status_text = None      # after the put: the game never sees a stale frame
        if self._trace is not None:
            self._trace(m, received, handed)

    def _capture(self) -> str:
        """Measure frames until the source fails or ends (or close(), or reload()); returns the sentence to show
        then."""
        self._reload.clear()                          # the calibration is read afresh below in any case
        try:
            with self._open_source() as source:       # first: no camera is the first thing to fix
                measure, problem = self._measurer()
                for frame in source:
                    received = self._clock.now()
                    if (tap := self._tap) is not None:
                        tap(frame, source.info)
                    elif measure is None:             # the wizard is gone and the calibration still cannot be used
                        return problem
                    try:
                        m = measure(frame) if measure is not None else None
                    except MismatchError as err:      # the wizard runs on; the kiosk cannot measure until it saves
                        measure, problem = None, str(err)
                        continue
                    if measure is not None and self._keep_frames is not None:
                        self._keep_frames(frame, source.info)
                    if m is not None:
                        self._hand_over(m, received)
                    if self._stop.is_set() or self._reload.is_set():
                        break
                for m in measure.flush() if measure is not None else ():
                    self._hand_over(m, self._clock.now())
            return _ENDED
        except (SourceError, CalibrationFileError, MismatchError) as err:
            return str(err)
        except Exception:
            log.exception("the capture thread failed")
            return _FAILED

    def _measurer(self) -> tuple[FrameMeasurer | None, str]:
        """The measurer on the calibration as it is now; with the wizard on, (None, why) when it cannot load."""
        try:
            return FrameMeasurer(self._calibration(), LIVE_LAG), ""
        except CalibrationFileError as err:
            if self._tap is None:
                raise
            return None, str(err)


class Looped:
    """A recording played again and again, numbered and timed on like a camera that never stops: the rules and
    the rep counter expect frame numbers and times to move forward, also where the recording starts over (the
    next pass, or a pass started again by its watchdog).

    The kiosk opens each pass in a camera child process of its own (`open_recording` makes a `camera_process`),
    ended when the pass ends: stopping an SDK playback at the end of its file is where the SDK can hang for good,
    and a child that has sent its last frame is killed instead. A new child starts in about 0.2 s.

    paced=True hands frames out at their own timestamps' rate. Open the recording with realtime=False then: the
    SDK's real-time playback follows the wall clock of the original pushes, which is slow motion for a
    simulator that rendered slower than real time, and it drops frames while a reader gets ready.
    """

    info: SourceInfo

    def __init__(self, open_recording: SourceFactory, paced: bool = False, once: bool = False) -> None:
        self._open = open_recording
        self._paced = paced
        self._once = once                   # one pass only (a kept session replayed), then the source ends

    def __enter__(self) -> "Looped":
        self._source = self._open().__enter__()
        self.info = self._source.info
        return self

    def __exit__(self, *exc: object) -> None:
        self._source.__exit__(None, None, None)

    def __iter__(self) -> Iterator[DepthFrame]:
        period_ms = 1000.0 / self.info.fps
        shift_frames, shift_ms = 0, 0.0
        last: DepthFrame | None = None
        pace = Pace(period_ms / 1000.0, RealClock())
        while True:
            empty = True
            for frame in self._source:
                empty = False
                if last is not None and frame.frame_number + shift_frames <= last.frame_number:
                    shift_frames = last.frame_number + 1 - frame.frame_number
                    shift_ms = last.timestamp_ms + period_ms - frame.timestamp_ms
                last = dataclasses.replace(frame, frame_number=frame.frame_number + shift_frames,
                                           timestamp_ms=frame.timestamp_ms + shift_ms)
                if self._paced:
                    pace.wait_for(last.timestamp_ms / 1000.0)
                yield last
            if empty:
                raise SourceError("The recording holds no depth frames: record it again.")
            if self._once:
                return
            self._source.__exit__(None, None, None)
            self._source = self._open().__enter__()


class Pace:
    """Waits until a frame's time comes; a frame later than one period (a slow start, a loop's reopening)
    restarts the schedule instead of rushing the frames after it out in a burst."""

    def __init__(self, period_s: float, clock: Clock) -> None:
        self._period_s = period_s
        self._clock = clock
        self._zero: float | None = None     # clock time of frame time 0

    def wait_for(self, t_s: float) -> None:
        now = self._clock.now()
        if self._zero is None or now - (self._zero + t_s) > self._period_s:
            self._zero = now - t_s
        self._clock.sleep_until(self._zero + t_s)


class SteppedReplay:
    """A provider for headless runs: frames are measured in order, each handed over once the (virtual) clock
    reaches its time from the first frame. Nothing runs ahead of the clock: a run of S seconds measures S
    seconds of frames and holds no depth beyond the one frame waiting for its turn.

    The source must be entered already (`with Looped(...) as source:`); its errors reach the caller.
    """

    def __init__(self, source: DepthSource, cal: Calibration | None, clock: Clock) -> None:
        self._source = source
        self._frames = iter(source)
        self._measure = FrameMeasurer(cal, LIVE_LAG) if cal is not None else None   # None: frames for the tap only
        self._tap: FrameTap | None = None
        self._clock = clock
        self._start_s = clock.now()
        self._first_ms: float | None = None
        self._waiting: DepthFrame | None = None
        self._latest: tuple[Measurement | None, float | None] = (None, None)
        self.ended = False                   # every frame of the source was handed over

    def latest(self) -> tuple[Measurement | None, float | None]:
        now = self._clock.now()
        while True:
            if self._waiting is None:
                self._waiting = next(self._frames, None)
                if self._waiting is None:
                    self.ended = True
                    for m in self._measure.flush() if self._measure is not None else ():
                        self._latest = (m, now)
                    return self._latest
                if self._first_ms is None:
                    self._first_ms = self._waiting.timestamp_ms
            due = self._start_s + (self._waiting.timestamp_ms - self._first_ms) / 1000.0
            if due > now:
                return self._latest
            if self._tap is not None:
                self._tap(self._waiting, self._source.info)
            m = self._measure(self._waiting) if self._measure is not None else None
            if m is not None:
                self._latest = (m, due)
            self._waiting = None

    def status(self) -> str | None:
        return None

    def reload(self) -> None:
        """A headless replay keeps the calibration it was started with."""

    def tap(self, feed: FrameTap | None) -> None:
        """Also hand each frame to `feed` as its time comes."""
        self._tap = feed
