"""Client sessions kept as depth-only recordings for the trainer to review (a setting, off by default).

Each session is one `.db3` the SDK reads, holding exactly the depth frames the measurer saw, with a copy of the
calibration they were measured with beside it: replayed through the game (trainer mode, or `python -m kiosk
--recording FILE --calibration FILE.calibration.json`) it plays as it ran. Only depth: the kiosk never opens a
colour stream. The frames are written on a thread of their own, so a slow disk costs dropped recording frames
(logged), never the game's. Within the cap, the oldest recordings are deleted first.
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from calibration.camera import DepthFrame
from kiosk.sensing import SoftwareCamera, SourceError
from kiosk.sensing.source import SourceInfo

log = logging.getLogger(__name__)

PREFIX = "session-"
STAMP = "%Y%m%dT%H%M%SZ"
BACKLOG = 60                 # frames waiting for the disk (2 s): more are dropped from the recording, not the game


def calibration_beside(recording: Path) -> Path:
    """session-….db3 → session-….calibration.json: the calibration it was measured with."""
    return recording.with_name(recording.stem + ".calibration.json")


@dataclass(frozen=True)
class Kept:
    """One kept session recording."""

    path: Path
    started_utc: dt.datetime
    size_bytes: int


def kept(folder: Path) -> list[Kept]:
    """The kept session recordings, newest first (files that do not follow the naming are not the kiosk's)."""
    out = []
    for path in Path(folder).glob(f"{PREFIX}*.db3") if Path(folder).is_dir() else ():
        try:
            started = dt.datetime.strptime(path.stem[len(PREFIX):], STAMP).replace(tzinfo=dt.timezone.utc)
            size = path.stat().st_size + _size(calibration_beside(path))
        except (ValueError, OSError):
            continue
        out.append(Kept(path, started, size))
    return sorted(out, key=lambda k: k.started_utc, reverse=True)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def within_cap(folder: Path, cap_bytes: int) -> list[Path]:
    """Delete the oldest recordings (and their calibrations) until the rest fit in `cap_bytes`; the newest is kept
    even alone over the cap (it is the one a trainer asked for). Returns what was deleted."""
    recordings = kept(folder)
    total = sum(k.size_bytes for k in recordings)
    deleted = []
    for old in reversed(recordings[1:]):
        if total <= cap_bytes:
            break
        old.path.unlink(missing_ok=True)
        calibration_beside(old.path).unlink(missing_ok=True)
        total -= old.size_bytes
        deleted.append(old.path)
    return deleted


class SessionRecorder:
    """Frames in from the capture thread (call it with each frame); `start(calibration_file)` and `stop()` from the
    game as a client's session begins and ends. While off (`enabled` False) nothing is kept."""

    def __init__(self, folder: Path, cap_bytes: int, enabled: bool = False,
                 now=lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.folder = Path(folder)
        self.cap_bytes = cap_bytes
        self.enabled = enabled
        self._now = now
        self._frames: queue.Queue = queue.Queue(BACKLOG)
        self._recording = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._write, name="session-recorder", daemon=True)
        self._thread.start()

    def start(self, calibration: Path | None) -> None:
        """A session began: keep its frames (with a copy of `calibration`) until stop()."""
        if not self.enabled or self._recording:
            return
        self._recording = True
        self._put(("start", calibration, self._now()))

    def stop(self) -> None:
        if self._recording:
            self._recording = False
            self._put(("stop",))

    def close(self, timeout_s: float = 5.0) -> None:
        """Finish the recording under way and stop the writer."""
        self.stop()
        self._put(("close",))
        self._thread.join(timeout_s)

    def __call__(self, frame: DepthFrame, info: SourceInfo) -> None:
        if self._recording:
            try:
                self._frames.put_nowait(("frame", frame, info))
            except queue.Full:
                self.dropped += 1

    def _put(self, item: tuple) -> None:
        self._frames.put(item)              # control items wait for room: they are rare and must not be lost

    def _write(self) -> None:
        camera: SoftwareCamera | None = None
        pending: tuple | None = None        # (calibration, started) of a session whose first frame is awaited
        while True:
            item = self._frames.get()
            kind = item[0]
            try:
                if kind == "start":
                    pending = item[1:]
                elif kind == "frame" and pending is not None and camera is None:
                    camera = self._open(*pending, item[2])
                    pending = None
                if kind == "frame" and camera is not None:
                    frame = item[1]
                    camera.push(frame.depth_m, frame.frame_number, frame.timestamp_ms)
                elif kind in ("stop", "close"):
                    pending = None
                    if camera is not None:
                        camera.close()
                        camera = None
                        within_cap(self.folder, self.cap_bytes)
                    if kind == "close":
                        return
            except (OSError, RuntimeError, SourceError, ValueError) as err:
                log.warning("the session recording failed (%s): this session is not kept", err)
                if camera is not None:
                    camera.close(keep_recording=False)
                camera, pending = None, None

    def _open(self, calibration: Path | None, started: dt.datetime, info: SourceInfo) -> SoftwareCamera:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{PREFIX}{started.strftime(STAMP)}.db3"
        if calibration is not None:
            shutil.copyfile(calibration, calibration_beside(path))
        return SoftwareCamera(info.intrinsics, info.baseline_m, info.fps, info.name, info.serial, record_to=path,
                              compress=True)
