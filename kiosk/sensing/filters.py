"""The SDK's post-processing filters, configured from plain text so settings files and CLIs can name them.

A chain is a list of items `name` or `name:VALUE` (the filter's main setting) or `name:key=value:key=value`,
e.g. `decimation:2 disparity spatial:alpha=0.5:delta=20 temporal disparity_inverse hole_filling:1`.
The filters are built once; they keep state between frames (temporal), so use one chain per source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import pyrealsense2 as rs

from calibration.camera import Intrinsics
from kiosk.sensing.source import SourceError


@dataclass(frozen=True)
class _Kind:
    make: Callable[[], rs.filter]
    settings: dict[str, rs.option]     # setting name -> SDK option; the first is the main setting
    integer: frozenset[str] = frozenset()


_KINDS: dict[str, _Kind] = {
    "decimation": _Kind(rs.decimation_filter, {"magnitude": rs.option.filter_magnitude}, frozenset({"magnitude"})),
    "threshold": _Kind(rs.threshold_filter, {"max": rs.option.max_distance, "min": rs.option.min_distance}),
    "disparity": _Kind(lambda: rs.disparity_transform(True), {}),
    "spatial": _Kind(rs.spatial_filter, {"magnitude": rs.option.filter_magnitude,
                                         "alpha": rs.option.filter_smooth_alpha,
                                         "delta": rs.option.filter_smooth_delta, "holes": rs.option.holes_fill},
                     frozenset({"magnitude", "holes"})),
    "temporal": _Kind(rs.temporal_filter, {"alpha": rs.option.filter_smooth_alpha,
                                           "delta": rs.option.filter_smooth_delta,
                                           "persistence": rs.option.holes_fill}, frozenset({"persistence"})),
    "disparity_inverse": _Kind(lambda: rs.disparity_transform(False), {}),
    "hole_filling": _Kind(rs.hole_filling_filter, {"mode": rs.option.holes_fill}, frozenset({"mode"})),
}

# The SDK's recommended order (rs-post-processing); spatial and temporal work best on disparity.
RECOMMENDED = ("decimation:2", "disparity", "spatial", "temporal", "disparity_inverse", "hole_filling")


def _fail(item: str, what: str) -> SourceError:
    return SourceError(f"Depth filter '{item}' {what}.")


class FilterChain:
    """SDK filters applied in order to each depth frame; the output is again a depth frame."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items = tuple(items)
        self._filters: list[rs.filter] = []
        self._decimations: list[int] = []
        open_disparity = False
        for item in self.items:
            name, _, rest = item.strip().partition(":")
            kind = _KINDS.get(name)
            if kind is None:
                raise _fail(item, f"is unknown: use one of {', '.join(_KINDS)}")
            if name == "disparity":
                if open_disparity:
                    raise _fail(item, "comes twice without 'disparity_inverse' between: remove one")
                open_disparity = True
            elif name == "disparity_inverse":
                if not open_disparity:
                    raise _fail(item, "has no 'disparity' before it: put 'disparity' earlier in the list")
                open_disparity = False
            f = kind.make()
            for key, value in self._settings(item, kind, rest).items():
                self._set(item, f, kind.settings[key], key, value)
            if name == "decimation" and f.get_option(rs.option.filter_magnitude) > 1:
                self._decimations.append(int(f.get_option(rs.option.filter_magnitude)))
            self._filters.append(f)
        if open_disparity:
            raise SourceError("Depth filter 'disparity' has no 'disparity_inverse' after it: add it, so that "
                              "the filters return depth.")

    @classmethod
    def parse(cls, text: str) -> "FilterChain":
        """Chain from text: items separated by spaces or commas (an empty text gives no filters)."""
        return cls([t for t in re.split(r"[\s,]+", text) if t])

    @staticmethod
    def _settings(item: str, kind: _Kind, rest: str) -> dict[str, float]:
        settings: dict[str, float] = {}
        for part in filter(None, rest.split(":")):
            key, eq, value = part.partition("=")
            if not eq:
                if not kind.settings or settings:
                    raise _fail(item, "takes no plain value here: write key=value")
                key, value = next(iter(kind.settings)), part
            if key not in kind.settings:
                allowed = ", ".join(kind.settings) or "no settings"
                raise _fail(item, f"has no setting '{key}': it takes {allowed}")
            try:
                settings[key] = float(value)
            except ValueError:
                raise _fail(item, f"needs a number for '{key}', not '{value}'") from None
            if key in kind.integer and not settings[key].is_integer():
                raise _fail(item, f"needs a whole number for '{key}'")
        return settings

    @staticmethod
    def _set(item: str, f: rs.filter, option: rs.option, key: str, value: float) -> None:
        r = f.get_option_range(option)
        if not r.min <= value <= r.max:
            raise _fail(item, f"needs '{key}' between {r.min:g} and {r.max:g}")
        f.set_option(option, value)

    def __reduce__(self) -> tuple:
        # Rebuilt from its text when pickled (e.g. into a camera_process child): SDK filters do not pickle.
        return (FilterChain, (self.items,))

    def __bool__(self) -> bool:
        return bool(self._filters)

    def __repr__(self) -> str:
        return f"FilterChain({' '.join(self.items)!r})"

    def apply(self, frame: rs.frame) -> rs.frame:
        """Filter one SDK frame (sensing-internal: callers copy the result to numpy and drop it at once)."""
        for f in self._filters:
            frame = f.process(frame)
        return frame

    def output_intrinsics(self, intr: Intrinsics) -> Intrinsics:
        """Intrinsics of the filtered frames: only decimation changes them (the SDK pads widths to 4 pixels)."""
        for m in self._decimations:
            w, h = (intr.width // m + 3) // 4 * 4, (intr.height // m + 3) // 4 * 4
            intr = Intrinsics(w, h, intr.fx / m, intr.fy / m, intr.ppx / m, intr.ppy / m)
        return intr
