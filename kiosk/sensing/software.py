"""A simulated camera built on the SDK's software_device, so simulated depth travels the same SDK path as real
depth: quantised to z16 millimetres, filtered by the SDK's filters, and recordable as a real .db3 recording.
"""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pyrealsense2 as rs

from calibration.camera import DepthFrame, Intrinsics
from kiosk.sensing._sdk import to_depth_frame
from kiosk.sensing.filters import FilterChain
from kiosk.sensing.source import SourceError, SourceInfo

DEPTH_UNITS_M = 0.001
READ_BACK_MS = 1000


class SoftwareCamera:
    """One depth sensor "Stereo Module" with a z16 stream; `push` a depth image, get it back as the SDK made it.

    With record_to, the pushed frames become a recording; it gets its final name only when the camera closes
    without error, so a crash never leaves a half-written file under that name. Real-time playback follows
    the wall clock of the pushes: pace=True pushes at the frame timestamps' own rate, otherwise play the
    recording back with realtime=False. compress=True has the SDK compress the depth (lossless, about 1.5x smaller
    on stereo depth, twice the time to push).
    """

    def __init__(self, intrinsics: Intrinsics, baseline_m: float, fps: float, name: str = "Simulated D435",
                 serial: str = "SIM-0001", filters: FilterChain | None = None,
                 record_to: str | Path | None = None, pace: bool = False, compress: bool = False) -> None:
        self.info = SourceInfo(name, serial, baseline_m, float(fps),
                               filters.output_intrinsics(intrinsics) if filters else intrinsics)
        self._shape = (intrinsics.height, intrinsics.width)
        self._filters = filters
        self._pace = pace
        self._clock_zero: float | None = None     # wall time minus frame time, set by the first paced push
        self._device = rs.software_device()
        self._sensor = self._device.add_sensor("Stereo Module")
        self._profile = self._sensor.add_video_stream(_z16_stream(intrinsics, fps)).as_video_stream_profile()
        self._sensor.add_read_only_option(rs.option.depth_units, DEPTH_UNITS_M)
        self._sensor.add_read_only_option(rs.option.stereo_baseline, baseline_m * 1000.0)
        self._device.register_info(rs.camera_info.name, name)
        self._device.register_info(rs.camera_info.serial_number, serial)
        self._device.register_info(rs.camera_info.product_line, "D400")
        self._final_path = self._part_path = None
        self._recorder = None
        if record_to is not None:     # after the sensor exists: the recorder only sees sensors present now
            self._final_path = Path(record_to)
            if self._final_path.suffix != ".db3":
                raise SourceError(f"Cannot record to {record_to}: the RealSense SDK writes .db3 recordings, so "
                                  "give a file name ending in .db3.")
            self._part_path = self._final_path.with_name(f".{self._final_path.stem}.{uuid.uuid4().hex[:8]}.part.db3")
            try:
                self._recorder = rs.recorder(str(self._part_path), self._device, compress)
            except RuntimeError:
                raise SourceError(f"Cannot record to {record_to}: choose a folder that exists and is "
                                  "writable.") from None
        self._queue = rs.frame_queue(2)
        self._sensor.open(self._profile)
        self._sensor.start(self._queue)
        self._open = True

    def __enter__(self) -> "SoftwareCamera":
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close(keep_recording=exc_type is None)

    def push(self, depth_m: np.ndarray, frame_number: int, timestamp_ms: float) -> DepthFrame:
        """Feed one depth image (metres, 0/nan = no depth) through the SDK and return what comes out."""
        if depth_m.shape != self._shape:
            raise ValueError(f"depth image is {depth_m.shape}, the stream is {self._shape}")
        if self._pace:
            self._wait_for(timestamp_ms)
        mm = np.rint(np.nan_to_num(depth_m, nan=0.0, posinf=0.0, neginf=0.0) / DEPTH_UNITS_M)
        pixels = np.ascontiguousarray(np.clip(mm, 0, 65535).astype(np.uint16))
        f = rs.software_video_frame()
        f.pixels = pixels
        f.bpp = 2
        f.stride = pixels.shape[1] * 2
        f.timestamp = float(timestamp_ms)
        f.domain = rs.timestamp_domain.hardware_clock
        f.frame_number = int(frame_number)
        f.profile = self._profile
        f.depth_units = DEPTH_UNITS_M
        self._sensor.on_video_frame(f)
        frame = self._queue.wait_for_frame(READ_BACK_MS)
        if self._filters:
            frame = self._filters.apply(frame)
        return to_depth_frame(frame)

    def _wait_for(self, timestamp_ms: float) -> None:
        now = time.monotonic()
        if self._clock_zero is None:
            self._clock_zero = now - timestamp_ms / 1000.0
        delay = self._clock_zero + timestamp_ms / 1000.0 - now
        if delay > 0:
            time.sleep(delay)

    def close(self, keep_recording: bool = True) -> None:
        """Stop the sensor and finish the recording (kept under its final name, or deleted if not wanted)."""
        if not self._open:
            return
        self._open = False
        self._sensor.stop()
        self._sensor.close()
        self._recorder = None            # the recorder writes the rest of the file when it is destroyed
        if self._part_path is not None:
            if keep_recording:
                os.replace(self._part_path, self._final_path)
            else:
                self._part_path.unlink(missing_ok=True)


def _z16_stream(intr: Intrinsics, fps: float) -> rs.video_stream:
    i = rs.intrinsics()
    i.width, i.height, i.fx, i.fy, i.ppx, i.ppy = intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy
    i.model = rs.distortion.brown_conrady
    i.coeffs = [0.0] * 5
    s = rs.video_stream()
    s.type, s.index, s.uid = rs.stream.depth, 0, 0
    s.width, s.height, s.fps = intr.width, intr.height, int(round(fps))
    s.bpp, s.fmt, s.intrinsics = 2, rs.format.z16, i
    return s


class SimSource:
    """A SoftwareCamera fed from an iterable of depth images (metres), usable wherever a DepthSource is."""

    def __init__(self, frames: Iterable[np.ndarray], camera: SoftwareCamera) -> None:
        self._frames = frames
        self._camera = camera
        self.info = camera.info

    def __enter__(self) -> "SimSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self._camera.close()

    def __iter__(self) -> Iterator[DepthFrame]:
        period_ms = 1000.0 / self.info.fps
        for k, depth in enumerate(self._frames):
            yield self._camera.push(depth, k + 1, k * period_ms)


def sim_source(frames: Iterable[np.ndarray], intrinsics: Intrinsics, baseline_m: float, fps: float,
               filters: FilterChain | None = None, pace: bool = False, name: str = "Simulated D435",
               serial: str = "SIM-0001") -> SimSource:
    """Depth images in metres become numbered, timestamped frames (1, 2, ... at 1/fps) through the SDK."""
    return SimSource(frames, SoftwareCamera(intrinsics, baseline_m, fps, name, serial, filters, pace=pace))
