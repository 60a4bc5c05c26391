"""Playback of RealSense recordings (.db3, and older ROS1 .bag where the SDK still reads it) as a DepthSource.

The file is checked before the SDK sees it: on a .db3 that holds no streams (a recorder that was never fed)
the SDK's playback hangs for ever while holding the GIL, and its own errors talk about SQLite, not about what
to do. Frames are read one at a time through the SDK's pipeline, so memory stays flat however long the file.
"""
from __future__ import annotations

import logging
import re
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pyrealsense2 as rs

from calibration.camera import DepthFrame
from kiosk.sensing._sdk import intrinsics_of, source_info, to_depth_frame
from kiosk.sensing.filters import FilterChain
from kiosk.sensing.source import SourceError, SourceInfo

log = logging.getLogger(__name__)

POLL_MS = 100        # how long one wait for a frame blocks before the playback status is checked
STALL_S = 10.0       # no frame for this long while the playback says "playing" is an error, not the end

_SQLITE_MAGIC = b"SQLite format 3\x00"
_ROSBAG_MAGIC = b"#ROSBAG V2.0"
_DEPTH_STREAM = re.compile(r"^/device_\d+/sensor_\d+/Depth_\d+/")
_DEPTH_DATA = re.compile(r"^/device_\d+/sensor_\d+/Depth_\d+/image/data")


def open_recording(path: str | Path, realtime: bool = False, filters: FilterChain | None = None) -> "RecordingSource":
    """Open a recording for `with ... as source: for frame in source`.

    realtime=False decodes as fast as the reader consumes (analysis); True follows the recorded clock (demo).
    """
    return RecordingSource(Path(path), realtime, filters)


class RecordingSource:
    """A recording played through the SDK pipeline; iteration ends at the end of the file."""

    info: SourceInfo

    def __init__(self, path: Path, realtime: bool, filters: FilterChain | None) -> None:
        _check_file(path)
        self.path = path
        self._filters = filters
        self._ended = False
        self._closed = False
        self._pipe = rs.pipeline()
        config = rs.config()
        config.enable_device_from_file(str(path), repeat_playback=False)
        config.enable_stream(rs.stream.depth)    # other streams in the file are not decoded
        try:
            # Real time is switched off before the start: frames that arrive in real-time mode before the
            # reader is ready are dropped, and analysis needs every frame.
            config.resolve(rs.pipeline_wrapper(self._pipe)).get_device().as_playback().set_real_time(realtime)
            profile = self._pipe.start(config)
        except RuntimeError as err:
            raise _start_error(path, err) from None
        try:
            device = profile.get_device()
            self._playback = device.as_playback()
            self._duration_ns = self._playback.get_duration().total_seconds() * 1e9
            stream = profile.get_stream(rs.stream.depth)
            sensor = next(s for s in device.query_sensors()
                          if any(p.stream_type() == rs.stream.depth for p in s.get_stream_profiles()))
            intr = intrinsics_of(stream)
            self.info = source_info(device, sensor, stream, filters.output_intrinsics(intr) if filters else intr)
        except (RuntimeError, StopIteration) as err:
            self.close()
            raise _start_error(path, err) from None

    def __enter__(self) -> "RecordingSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._pipe.stop()
            except RuntimeError:       # not started: nothing to stop
                pass

    @property
    def position_ms(self) -> float:
        """Playback position from the start of the recording."""
        return self._duration_ns / 1e6 if self._ended else self._playback.get_position() / 1e6

    @property
    def duration_ms(self) -> float:
        return self._duration_ns / 1e6

    @property
    def progress(self) -> float:
        """0..1, for progress display."""
        if self._ended or self._duration_ns <= 0:
            return 1.0 if self._ended else 0.0
        return min(1.0, self._playback.get_position() / self._duration_ns)

    def __iter__(self) -> Iterator[DepthFrame]:
        while (frame := self._next_sdk_frame()) is not None:
            if self._filters:
                frame = self._filters.apply(frame)
            plain = to_depth_frame(frame)
            del frame               # released before the consumer runs: the SDK's frame pool is small
            yield plain

    def _next_sdk_frame(self) -> rs.depth_frame | None:
        """The next SDK depth frame, None at the end of the file; drop it before asking for the next one."""
        waited_since = time.monotonic()
        while not self._ended:
            try:
                ok, frames = self._pipe.try_wait_for_frames(POLL_MS)
            except RuntimeError as err:
                log.debug("SDK error while reading %s: %s", self.path, err)
                raise SourceError(f"Recording {self.path} could not be read to the end (it may be damaged): "
                                  "copy or record it again.") from None
            if ok:
                return frames.get_depth_frame()
            if self._playback.current_status() == rs.playback_status.stopped:
                self._ended = True
            elif time.monotonic() - waited_since > STALL_S:
                raise SourceError(f"Playback of {self.path} stopped before its end (the file may be damaged): "
                                  "copy or record it again.")
        return None


def bare_decode_rate(path: str | Path) -> float:
    """Frames per second the SDK alone decodes this recording at: the ceiling for any analysis of it."""
    with open_recording(path) as source:
        count, start = 0, time.perf_counter()
        last = start
        while (frame := source._next_sdk_frame()) is not None:
            np.asanyarray(frame.get_data()).copy()
            del frame
            count, last = count + 1, time.perf_counter()
    if count == 0:
        raise SourceError(f"Recording {path} holds no depth frames: record again.")
    return count / (last - start)


def _check_file(path: Path) -> None:
    """Refuse what the SDK would choke or hang on, with a sentence that says what to do."""
    if not path.exists():
        raise SourceError(f"Recording {path} does not exist: check the file name and folder.")
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a recording: give the path of a .db3 or .bag file.")
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as err:
        raise SourceError(f"Recording {path} cannot be read ({err.strerror}): check its permissions.") from None
    if head.startswith(_SQLITE_MAGIC):
        _check_db3(path)
    elif not head.startswith(_ROSBAG_MAGIC):
        raise _not_a_recording(path)


def _check_db3(path: Path) -> None:
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            topics = con.execute("SELECT id, name FROM topics").fetchall()
            if not any(_DEPTH_STREAM.match(name) for _, name in topics):
                raise _no_depth(path)
            data_ids = [topic_id for topic_id, name in topics if _DEPTH_DATA.match(name)]
            marks = ",".join("?" * len(data_ids))
            if con.execute(f"SELECT 1 FROM messages WHERE topic_id IN ({marks}) LIMIT 1", data_ids).fetchone() is None:
                raise SourceError(f"Recording {path} holds no depth frames: record again for a few seconds.")
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        log.debug("SQLite on %s: %s", path, err)
        raise (_not_a_recording(path) if "no such table" in str(err) else _damaged(path)) from None


def _start_error(path: Path, err: Exception) -> SourceError:
    log.debug("SDK could not play %s: %s", path, err)
    text = str(err)
    if "resolve requests" in text or isinstance(err, StopIteration):
        return _no_depth(path)
    if "ros reader" in text or "version line" in text:
        return _not_a_recording(path)
    return _damaged(path)


def _not_a_recording(path: Path) -> SourceError:
    return SourceError(f"{path} is not a RealSense recording: give a .db3 (or older .bag) file recorded with "
                       "the RealSense SDK.")


def _damaged(path: Path) -> SourceError:
    return SourceError(f"Recording {path} is damaged or incomplete (probably cut off while it was written or "
                       "copied): copy or record it again.")


def _no_depth(path: Path) -> SourceError:
    return SourceError(f"Recording {path} has no depth stream: record again with the depth stream enabled.")
