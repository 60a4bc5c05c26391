"""Measure every frame of a recording and find the reps: the `analyze` contract of docs/contracts.md. FrameMeasurer is
how any depth stream is measured, here and in the live kiosk."""
from __future__ import annotations

from typing import Callable, Iterable

from calibration.camera import DepthFrame
from calibration.model import Calibration
from kiosk.measure import Measurer
from kiosk.measurement import Measurement
from kiosk.reps import Rep, RepCounter
from kiosk.smoothing import ANALYZE_LAG, HipSmoother


class MismatchError(Exception):
    """The calibration was made for another camera set-up than the recording; str() says what to do."""


def check_fits(cal: Calibration, frame: DepthFrame) -> None:
    a, b = cal.intrinsics, frame.intrinsics
    if (a.width, a.height) != (b.width, b.height):
        raise MismatchError(f"The calibration is for {a.width}x{a.height} depth but this depth stream is "
                            f"{b.width}x{b.height}: a camera on a USB 2 port gives less, so plug it into a USB 3 "
                            "port (blue inside); otherwise calibrate again with this camera mode.")
    if abs(a.fx - b.fx) > 0.02 * a.fx or abs(a.ppx - b.ppx) > 0.05 * a.width:
        raise MismatchError("The calibration was made with a different camera (its lens values differ): "
                            "calibrate again with this camera.")


class FrameMeasurer:
    """Measures one source's frames, smoothed over ±lag frames (each is handed over `lag` frame periods late);
    refuses, at the first frame, a calibration made for another camera."""

    def __init__(self, cal: Calibration, lag: int) -> None:
        self.cal = cal
        self._measurer: Measurer | None = None
        self._smoother = HipSmoother(lag)

    def __call__(self, frame: DepthFrame) -> Measurement | None:
        """The measurement of `lag` frames ago (None until there is one)."""
        if self._measurer is None:
            check_fits(self.cal, frame)
            self._measurer = Measurer(self.cal)
        return self._smoother.push(self._measurer(frame))

    def flush(self) -> list[Measurement]:
        """The measurements still held back when the source ends."""
        return self._smoother.flush()


def frame_record(m: Measurement) -> dict:
    return {"frame": m.frame, "t_ms": round(m.t_s * 1000.0, 3), "on_mark": m.on_mark,
            "hip_offset_m": None if m.hip_offset_m is None else round(m.hip_offset_m, 5),
            "occluded": m.occluded, "touched": m.touched, "camera_moved": m.camera_moved}


def rep_record(r: Rep) -> dict:
    return {"start_frame": r.start_frame, "peak_frame": r.peak_frame, "end_frame": r.end_frame,
            "peak_offset_m": round(r.peak_offset_m, 5), "tapped": r.tapped, "form": r.form,
            "faults": [str(f) for f in r.faults], "trunk_deg": None if r.trunk_deg is None else round(r.trunk_deg, 1),
            "knee_deg": None if r.knee_deg is None else round(r.knee_deg, 1), "spine": r.spine}


def analyze(frames: Iterable[DepthFrame], cal: Calibration, wall_m: float,
            on_frame: Callable[[Measurement], None] | None = None) -> dict:
    """Streams the frames once; keeps only the small per-frame records, never the depth. Hip offsets are
    smoothed over ±ANALYZE_LAG frames, centred, so the records stay aligned with their frames."""
    measure = FrameMeasurer(cal, ANALYZE_LAG)
    counter = RepCounter(wall_m)
    out_frames: list[dict] = []
    reps: list[dict] = []

    def take(m: Measurement) -> None:
        out_frames.append(frame_record(m))
        event = counter.update(m)
        if isinstance(event, Rep):
            reps.append(rep_record(event))

    for frame in frames:
        m = measure(frame)
        if m is not None:
            take(m)
            if on_frame is not None:
                on_frame(m)
    for m in measure.flush():
        take(m)
    return {"frames": out_frames, "reps": reps}
