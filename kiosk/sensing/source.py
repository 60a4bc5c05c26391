"""The one small interface every depth source honours: live camera, recording and simulator alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

from calibration.camera import DepthFrame, Intrinsics


class SourceError(Exception):
    """A problem the user can fix; str() is one plain sentence saying what to do."""


@dataclass(frozen=True)
class SourceInfo:
    name: str            # e.g. "Intel RealSense D435" or "Simulated D435"
    serial: str
    baseline_m: float    # stereo baseline, used by the noise-aware measurement
    fps: float
    intrinsics: Intrinsics


class DepthSource(Protocol):
    """Used as `with source as s: for frame in s: ...`; iteration ends at the end of a recording."""

    info: SourceInfo

    def __enter__(self) -> "DepthSource": ...

    def __exit__(self, *exc: object) -> None: ...

    def __iter__(self) -> Iterator[DepthFrame]: ...
