"""Scripted visits: a client walks up, does reps, walks away — as the Measurements the camera would give.

For tests of the rules, for the headless UI checks and as a stand-in client wherever no simulator runs.
"""
from __future__ import annotations

import numpy as np

from kiosk.game import figure
from kiosk.game.settings import Settings
from kiosk.measurement import Measurement
from kiosk.units import inches_to_m

FPS = 30.0
STANDING_TOP_M = 1.72


class Visit:
    """Builds a visit piece by piece; `measurements` is the result, one per camera frame."""

    def __init__(self, fps: float = FPS, profiles: bool = True) -> None:
        self.fps = fps
        self.profiles = profiles
        self.measurements: list[Measurement] = []
        self.feet = (0.0, 0.0)                # (x, z) of the feet

    @property
    def seconds(self) -> float:
        return len(self.measurements) / self.fps

    def _add(self, present: bool, on_mark: bool, hip: tuple[float, float] | None = None) -> None:
        i = len(self.measurements)
        x, z = self.feet if present else (None, None)
        offset, drop = hip if hip else (figure.STANDING_OFFSET_M, 0.0)
        body = figure.joints(offset, drop) if present else None
        self.measurements.append(Measurement(
            frame=i + 1, t_s=i / self.fps, present=present, on_mark=on_mark, feet_x_m=x, heel_z_m=z,
            top_m=float(body["head"][1] + 0.1) if body else None,
            hip_offset_m=offset if on_mark else None,
            hip_height_m=float(body["hip"][1]) if on_mark else None,
            profile=figure.profile(offset, drop) if present and self.profiles else None))

    def nobody(self, seconds: float) -> "Visit":
        for _ in range(round(seconds * self.fps)):
            self._add(False, False)
        return self

    def walk(self, to_x: float, to_z: float, seconds: float) -> "Visit":
        """Walk in a straight line; on the mark wherever the feet are within its tolerance."""
        x0, z0 = self.feet
        n = round(seconds * self.fps)
        for k in range(1, n + 1):
            a = k / n
            self.feet = (x0 + (to_x - x0) * a, z0 + (to_z - z0) * a)
            self._add(True, abs(self.feet[0]) <= 0.25 and abs(self.feet[1]) <= 0.12)
        return self

    def arrive(self, from_x: float, from_z: float) -> "Visit":
        self.feet = (from_x, from_z)
        return self

    def stand(self, seconds: float, sway_m: float = 0.0) -> "Visit":
        for k in range(round(seconds * self.fps)):
            self._add(True, True, (figure.STANDING_OFFSET_M + sway_m * np.sin(k / 5), 0.0))
        return self

    def rep(self, peak_offset_m: float, drop_m: float = 0.03, down_s: float = 1.0, hold_s: float = 0.2,
            up_s: float = 0.5, stand_s: float = 0.8) -> "Visit":
        """Hips back to `peak_offset_m` (and down by `drop_m`), a hold, the return, then standing."""
        travel = peak_offset_m - figure.STANDING_OFFSET_M
        for seconds, shape in ((down_s, lambda a: 0.5 - 0.5 * np.cos(np.pi * a)), (hold_s, lambda a: 1.0),
                               (up_s, lambda a: 0.5 + 0.5 * np.cos(np.pi * a))):
            n = round(seconds * self.fps)
            for i in range(n):
                k = shape(i / n)
                self._add(True, True, (figure.STANDING_OFFSET_M + travel * k, drop_m * k))
        return self.stand(stand_s)

    def passer_by(self, seconds: float) -> "Visit":
        """Someone crossing between camera and client: the client is lost from the mark for a moment."""
        for _ in range(round(seconds * self.fps)):
            self._add(True, False)
        return self


def full_visit(settings: Settings, fps: float = FPS, profiles: bool = True) -> Visit:
    """A visit that meets every scene, every cue, a snap and every level-up of `settings`, then leaves."""
    v = Visit(fps, profiles).nobody(3.0).arrive(0.6, 0.8).walk(0.45, 0.35, 2.0).walk(0.0, 0.0, 1.5).stand(2.0)
    last = len(settings.wall_levels_in) - 1
    for level, wall_in in enumerate(settings.wall_levels_in):
        wall = inches_to_m(wall_in)
        if level == last:                                    # at the deepest wall there is room to fall short
            v.rep(wall + 0.02, drop_m=0.30)                  # a squat
            v.rep(wall - 0.03)                               # short of the wall
            v.rep(wall + 0.02, hold_s=2.0)                   # stayed down
        for k in range(settings.reps_per_level):
            slow = level == last and k % 2 == 1              # a good rep without the snap
            v.rep(wall + 0.02 + 0.008 * k, up_s=2.0 if slow else 0.5)
    return v.walk(0.0, 0.9, 1.0).walk(0.8, 1.6, 1.5).nobody(14.0)
