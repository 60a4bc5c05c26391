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


class Visit:
    """Builds a visit piece by piece; `measurements` is the result, one per camera frame."""

    def __init__(self, fps: float = FPS, profiles: bool = True) -> None:
        self.fps = fps
        self.profiles = profiles
        self.measurements: list[Measurement] = []
        self.feet = (0.0, 0.0)                # (x, z) of the feet
        self._standing = figure.pose(figure.STANDING_OFFSET_M)
        self._standing_profile = self._standing.profile() if profiles else None   # one array: drawn once

    @property
    def seconds(self) -> float:
        return len(self.measurements) / self.fps

    def _add(self, present: bool, on_mark: bool, body: figure.Figure | None = None) -> None:
        """One frame: what a side camera's measurer reads off `body` (standing still when None)."""
        i = len(self.measurements)
        x, z = self.feet if present else (None, None)
        profile = None
        if present and self.profiles:
            profile = self._standing_profile if body is None else body.profile()
        body = body or self._standing
        seen = dict(hip_offset_m=body.hip_offset_m, hip_height_m=float(body.joints["hip"][1]),
                    trunk_deg=body.trunk_deg, knee_deg=body.knee_deg, back_flexion_deg=body.back_flexion_deg,
                    back_line=body.back_line) if on_mark else {}
        self.measurements.append(Measurement(
            frame=i + 1, t_s=i / self.fps, present=present, on_mark=on_mark, feet_x_m=x, heel_z_m=z,
            top_m=body.top_m if present else None, profile=profile, **seen))

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
            self._add(True, True, figure.pose(figure.STANDING_OFFSET_M + sway_m * np.sin(k / 5)) if sway_m else None)
        return self

    def rep(self, peak_offset_m: float, down_s: float = 1.0, hold_s: float = 0.2, up_s: float = 0.5,
            stand_s: float = 0.8, *, trunk_deg: float | None = None, knee_deg: float | None = None,
            back_flexion_deg: float = 0.0) -> "Visit":
        """Hips back to `peak_offset_m`, a hold, the return, then standing. At the bottom the trunk leans by
        `trunk_deg`, the knees bend by `knee_deg` (a good hinge's when not given) and the back flexes by
        `back_flexion_deg` (a rounded back), all in step with the hips."""
        travel = peak_offset_m - figure.STANDING_OFFSET_M
        for seconds, shape in ((down_s, lambda a: 0.5 - 0.5 * np.cos(np.pi * a)), (hold_s, lambda a: 1.0),
                               (up_s, lambda a: 0.5 + 0.5 * np.cos(np.pi * a))):
            n = round(seconds * self.fps)
            for i in range(n):
                k = shape(i / n)
                knee = None if knee_deg is None else (1 - k) * figure.STANDING_KNEE_DEG + k * knee_deg
                self._add(True, True, figure.pose(figure.STANDING_OFFSET_M + travel * k, knee_deg=knee,
                                                  trunk_deg=None if trunk_deg is None else trunk_deg * k,
                                                  back_flexion_deg=back_flexion_deg * k))
        return self.stand(stand_s)

    def passer_by(self, seconds: float) -> "Visit":
        """Someone crossing between camera and client: the client is lost from the mark for a moment."""
        for _ in range(round(seconds * self.fps)):
            self._add(True, False)
        return self


# the faulty reps' bodies at the bottom, as kiosk.form tells them apart
SQUAT = dict(trunk_deg=15.0, knee_deg=100.0)          # the trunk stays up, the knees bend, the hips sink
KNEES_FORWARD = dict(trunk_deg=45.0, knee_deg=55.0)   # a hinge's lean, but the knees bend as much as it leans
ROUNDED_BACK = dict(back_flexion_deg=30.0)            # bending over: well past kiosk.form.ROUNDED_BACK_DEG


def full_visit(settings: Settings, fps: float = FPS, profiles: bool = True) -> Visit:
    """A visit that meets every scene, every cue, a snap and every level-up of `settings`, then leaves.

    Its squat, rounded-back and knees-forward reps carry the body angles that make those faults (kiosk.form
    judges them); the last two also fall short of the wall, as such reps often do.
    """
    v = Visit(fps, profiles).nobody(3.0).arrive(0.6, 0.8).walk(0.45, 0.35, 2.0).walk(0.0, 0.0, 1.5).stand(2.0)
    last = len(settings.wall_levels_in) - 1
    for level, wall_in in enumerate(settings.wall_levels_in):
        wall = inches_to_m(wall_in)
        if level == last:                                    # at the deepest wall there is room to fall short
            v.rep(wall + 0.02, **SQUAT)
            v.rep(wall - 0.03)                               # short of the wall
            v.rep(wall + 0.02, hold_s=2.0)                   # stayed down
            v.rep(wall - 0.015, **ROUNDED_BACK)
            v.rep(wall - 0.02, **KNEES_FORWARD)
        for k in range(settings.reps_per_level):
            slow = level == last and k % 2 == 1              # a good rep without the snap
            v.rep(wall + 0.02 + 0.008 * k, up_s=2.0 if slow else 0.5)
    return v.walk(0.0, 0.9, 1.0).walk(0.8, 1.6, 1.5).nobody(14.0)
