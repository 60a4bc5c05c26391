"""The calibration: everything the kiosk needs to turn camera depth into studio-frame distances."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.background import Background
from calibration.camera import Intrinsics
from calibration.geometry import azimuth_deg, invert

PLACEMENTS = ("behind", "oblique-behind-left", "oblique-behind-right", "side-left", "side-right")


@dataclass(frozen=True)
class Calibration:
    """`studio_from_camera` maps camera points (RealSense axes) into the studio frame of docs/geometry.md.
    `background` is what the empty area showed at calibration (None: a calibration from before the kiosk learnt
    one)."""

    intrinsics: Intrinsics
    studio_from_camera: np.ndarray
    baseline_m: float
    device_name: str = ""
    device_serial: str = ""
    created_utc: str = ""
    stance_width_m: float = 0.30        # lateral spread of the heels seen on the mark
    notes: tuple[str, ...] = field(default_factory=tuple)
    background: Background | None = None

    @property
    def camera_position(self) -> np.ndarray:
        """Camera origin in the studio frame."""
        return self.studio_from_camera[:3, 3].copy()

    @property
    def camera_height_m(self) -> float:
        return float(self.camera_position[1])

    @property
    def camera_distance_m(self) -> float:
        """Horizontal distance from the middle of the heel line to the camera."""
        p = self.camera_position
        return float(np.hypot(p[0], p[2]))

    @property
    def placement(self) -> str:
        return placement_of(self.camera_position)

    @property
    def camera_from_studio(self) -> np.ndarray:
        return invert(self.studio_from_camera)


def placement_of(camera_in_studio: np.ndarray) -> str:
    """Name the camera placement from where it stands around the client; 'front' is not supported."""
    a = azimuth_deg(camera_in_studio)
    side = "left" if a > 0 else "right"
    if abs(a) <= 22.5:
        return "behind"
    if abs(a) <= 67.5:
        return f"oblique-behind-{side}"
    if abs(a) <= 120.0:
        return f"side-{side}"
    return "front"
