"""The live RealSense camera as a DepthSource; deliberately thin, since it can only be exercised with hardware.

It recovers by itself from what long-running kiosks meet (a missed frame deadline after hours, an unplug,
a USB 2 port): after repeated timeouts or an unplug event it restarts the stream, then resets the device and
waits for it to come back. `pipeline.stop()` has been seen to hang, so run it under `camera_process`.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Iterator

import pyrealsense2 as rs

from calibration.camera import DepthFrame
from kiosk.sensing._sdk import camera_text, intrinsics_of, source_info, to_depth_frame
from kiosk.sensing.filters import FilterChain
from kiosk.sensing.source import SourceError, SourceInfo

log = logging.getLogger(__name__)

WAIT_MS = 1000             # one wait for a frame
MISSES_BEFORE_RECOVERY = 5  # consecutive empty waits that count as a lost camera
REENUMERATE_S = 20.0       # how long to wait for a reset camera to come back

_NO_CAMERA = "No RealSense camera found: plug it into a USB 3 port (blue inside) and try again."
_LOST = ("The RealSense camera stopped sending depth and did not come back: unplug it, plug it into a USB 3 "
         "port, and restart the kiosk.")


def list_cameras() -> list[tuple[str, str, str, str]]:
    """Connected RealSense cameras as (name, serial, USB type such as "3.2", firmware version); "" for what a
    camera cannot tell."""
    return [tuple(camera_text(d, what) for what in (rs.camera_info.name, rs.camera_info.serial_number,
                                                    rs.camera_info.usb_type_descriptor, rs.camera_info.firmware_version))
            for d in rs.context().query_devices()]


def sdk_version() -> str:
    return getattr(rs, "__version__", "unknown version")


def choose_depth_mode(offered: list[tuple[int, int, int]], width: int, height: int,
                      fps: int) -> tuple[int, int, int]:
    """The offered (width, height, fps) z16 mode closest to the wanted one: same size if possible, then the
    nearest pixel count, then the nearest frame rate (on USB 2 a D435 offers 640x480 at 30 fps, not 848x480)."""
    if not offered:
        raise SourceError("The camera offers no depth mode: update its firmware with the RealSense Viewer.")
    return min(offered, key=lambda m: ((m[0], m[1]) != (width, height), abs(m[0] * m[1] - width * height),
                                       abs(m[2] - fps)))


def open_camera(serial: str | None = None, width: int = 848, height: int = 480, fps: int = 30,
                filters: FilterChain | None = None, preset: str = "high_accuracy") -> "CameraSource":
    """Start the depth stream of the camera with this serial (or the only/first one)."""
    return CameraSource(serial, (width, height, fps), filters, preset)


class CameraSource:
    """Depth frames from a live camera; iteration never ends by itself."""

    info: SourceInfo

    def __init__(self, serial: str | None, wanted: tuple[int, int, int], filters: FilterChain | None,
                 preset: str) -> None:
        if preset not in rs.rs400_visual_preset.__members__:
            raise SourceError(f"Visual preset '{preset}' is unknown: use one of "
                              f"{', '.join(rs.rs400_visual_preset.__members__)}.")
        self._ctx = rs.context()
        self._filters = filters
        self._preset = preset
        self._lost = threading.Event()
        device = self._find(serial)
        self.serial = camera_text(device, rs.camera_info.serial_number)
        sensor = device.first_depth_sensor()
        offered = [(p.as_video_stream_profile().width(), p.as_video_stream_profile().height(), p.fps())
                   for p in sensor.get_stream_profiles()
                   if p.stream_type() == rs.stream.depth and p.format() == rs.format.z16]
        self._mode = choose_depth_mode(offered, *wanted)
        if self._mode != wanted:
            log.warning("Depth %dx%d@%d is not offered by %s on USB %s: using %dx%d@%d.", *wanted,
                        camera_text(device, rs.camera_info.name),
                        camera_text(device, rs.camera_info.usb_type_descriptor, "?"), *self._mode)
        self._device = device
        self._ctx.set_devices_changed_callback(self._on_devices_changed)
        self._pipe = rs.pipeline(self._ctx)
        self._start()

    def _find(self, serial: str | None) -> rs.device:
        devices = list(self._ctx.query_devices())
        if not devices:
            raise SourceError(_NO_CAMERA)
        if serial is None:
            return devices[0]
        for d in devices:
            if camera_text(d, rs.camera_info.serial_number) == serial:
                return d
        found = ", ".join(camera_text(d, rs.camera_info.serial_number) for d in devices)
        raise SourceError(f"No RealSense camera with serial {serial} is connected (found {found}): "
                          "correct the serial in the settings or plug that camera in.")

    def _start(self) -> None:
        config = rs.config()
        config.enable_device(self.serial)
        width, height, fps = self._mode
        config.enable_stream(rs.stream.depth, width, height, rs.format.z16, fps)
        try:
            profile = self._pipe.start(config)
        except RuntimeError as err:
            log.warning("Starting the camera failed: %s", err)
            raise SourceError("The RealSense camera is busy or not responding: close other programs that "
                              "use it (e.g. the RealSense Viewer), or unplug and replug it.") from None
        device = profile.get_device()
        sensor = device.first_depth_sensor()
        if sensor.supports(rs.option.visual_preset):
            preset = rs.rs400_visual_preset.__members__[self._preset]
            try:
                sensor.set_option(rs.option.visual_preset, float(preset.value))
            except RuntimeError as err:       # not every model has every preset: keep its default
                log.warning("Visual preset %s not applied: %s", self._preset, err)
        stream = profile.get_stream(rs.stream.depth)
        intr = intrinsics_of(stream)
        self.info = source_info(device, sensor, stream,
                                self._filters.output_intrinsics(intr) if self._filters else intr)
        self._device = device
        self._lost.clear()

    def _on_devices_changed(self, event: rs.event_information) -> None:
        # Runs on an SDK thread: only flag it; the frame loop does the recovery.
        if event.was_removed(self._device):
            self._lost.set()

    def __enter__(self) -> "CameraSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._pipe.stop()
        except RuntimeError:
            pass

    def __iter__(self) -> Iterator[DepthFrame]:
        misses = 0
        while True:
            try:
                ok, frames = self._pipe.try_wait_for_frames(WAIT_MS)
            except RuntimeError:
                ok, frames = False, None
            if ok:
                misses = 0
                frame = frames.get_depth_frame()
                del frames
                if self._filters:
                    frame = self._filters.apply(frame)
                plain = to_depth_frame(frame)
                del frame
                yield plain
                continue
            misses += 1
            if self._lost.is_set() or misses >= MISSES_BEFORE_RECOVERY:
                self._recover()
                misses = 0

    def _recover(self) -> None:
        """Restart the stream; if that is not enough, reset the camera and wait for it to come back."""
        log.warning("No depth from camera %s: restarting the stream.", self.serial)
        self.close()
        if not self._lost.is_set():
            try:
                self._start()
                ok, _ = self._pipe.try_wait_for_frames(5 * WAIT_MS)
                if ok:
                    return
            except SourceError:
                pass
            self.close()
        log.warning("Camera %s still silent: resetting it.", self.serial)
        for d in self._ctx.query_devices():
            if camera_text(d, rs.camera_info.serial_number) == self.serial:
                try:
                    d.hardware_reset()
                except RuntimeError as err:
                    log.warning("Hardware reset failed: %s", err)
        time.sleep(2.0)             # the camera drops off the bus before it re-enumerates
        deadline = time.monotonic() + REENUMERATE_S
        while time.monotonic() < deadline:
            if any(camera_text(d, rs.camera_info.serial_number) == self.serial for d in self._ctx.query_devices()):
                try:
                    self._start()
                    return
                except SourceError:
                    pass
            time.sleep(0.5)
        raise SourceError(_LOST)
