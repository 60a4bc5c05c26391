"""The simulated studio: a room with walls and furniture, and a depth camera placed around the mark."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.camera import Intrinsics
from calibration.geometry import invert, unit
from kiosk.sim.body import Mesh, _Builder

# Camera models (848x480 depth, the best D4xx depth mode).
D435 = ("Intel RealSense D435 (simulated)", Intrinsics(848, 480, 425.2, 425.2, 423.6, 239.4), 0.050)
D455 = ("Intel RealSense D455 (simulated)", Intrinsics(848, 480, 431.0, 431.0, 425.1, 240.2), 0.095)
CAMERAS = {"d435": D435, "d455": D455}

# Where the camera stands around the client (degrees; 0 = behind, +90 = the client's left).
PLACEMENTS = {"side-left": 90.0, "side-right": -90.0, "behind": 0.0, "oblique-behind-left": 45.0,
              "oblique-behind-right": -45.0, "front": 180.0}
AIM = np.array([0.0, 0.85, -0.08])     # the camera looks at the middle of a standing client


@dataclass(frozen=True)
class Placement:
    name: str = "side-left"
    distance_m: float = 2.4        # horizontal, from the mark
    height_m: float = 1.2          # lens above the floor
    aim_y_m: float = float(AIM[1])  # height of the point the camera looks at (sets the tilt)
    camera: str = "d435"

    def __post_init__(self) -> None:
        if self.name not in PLACEMENTS:
            raise ValueError(f"unknown placement {self.name!r}: choose one of {', '.join(PLACEMENTS)}")
        if self.camera not in CAMERAS:
            raise ValueError(f"unknown camera {self.camera!r}: choose one of {', '.join(CAMERAS)}")

    @property
    def intrinsics(self) -> Intrinsics:
        return CAMERAS[self.camera][1]

    @property
    def baseline_m(self) -> float:
        return CAMERAS[self.camera][2]

    @property
    def device_name(self) -> str:
        return CAMERAS[self.camera][0]

    @property
    def position(self) -> np.ndarray:
        az = np.radians(PLACEMENTS[self.name])
        return np.array([self.distance_m * np.sin(az), self.height_m, AIM[2] - self.distance_m * np.cos(az)])

    def studio_from_camera(self) -> np.ndarray:
        """Camera axes (x right, y down, z forward) looking at the aim point, with no roll."""
        target = np.array([AIM[0], self.aim_y_m, AIM[2]])
        z = unit(target - self.position)
        x = unit(np.cross(np.array([0.0, -1.0, 0.0]), z))
        y = np.cross(z, x)
        pose = np.eye(4)
        pose[:3, :3] = np.stack([x, y, z], axis=1)
        pose[:3, 3] = self.position
        return pose

    def camera_from_studio(self) -> np.ndarray:
        return invert(self.studio_from_camera())


# The room's own furniture, kept out of every camera's line of sight: (what, low corner, high corner), metres.
FURNITURE = (
    ("bench", (1.2, 0.0, 1.5), (2.2, 0.45, 1.9)),
    ("cabinet", (-2.7, 0.0, 2.0), (-2.0, 1.8, 2.6)),
    ("kiosk screen stand", (-0.5, 0.0, 2.2), (0.5, 1.0, 2.45)),
    ("kiosk screen", (-0.45, 1.0, 2.3), (0.45, 1.55, 2.36)),
    ("wall bars", (-4.0, 0.8, -1.2), (-3.7, 1.9, 0.4)),
    ("rack", (3.6, 0.0, 1.0), (4.0, 0.9, 2.2)),
)
GYM_BALL = ((1.0, 0.33, 3.0), 0.33)     # centre, radius
ROOM_HALF_M = 4.0                       # the walls stand this far from the mark


def furniture_boxes() -> list[tuple[np.ndarray, np.ndarray]]:
    """Low and high corners of the room's furniture (the ball's bounding box): what people must walk around."""
    centre, r = np.array(GYM_BALL[0]), GYM_BALL[1]
    return [(np.array(lo, float), np.array(hi, float)) for _, lo, hi in FURNITURE] + [(centre - r, centre + r)]


def join(meshes: list[Mesh]) -> Mesh:
    """One static mesh of several: the renderer casts the room and everything standing in it at once."""
    out = _Builder()
    for mesh in meshes:
        out.add(mesh.vertices, mesh.triangles)
    return out.mesh({})


def room(furnished: bool = True) -> Mesh:
    """Floor, four walls 4 m from the mark, and furniture kept out of every camera's line of sight."""
    r = ROOM_HALF_M
    boxes = [((-r, -0.05, -r), (r, 0.0, r)),                                         # floor
             ((-r - 0.1, 0, -r - 0.1), (r + 0.1, 3, -r)), ((-r - 0.1, 0, r), (r + 0.1, 3, r + 0.1)),
             ((-r - 0.1, 0, -r), (-r, 3, r)), ((r, 0, -r), (r + 0.1, 3, r))]
    if furnished:
        boxes += [(lo, hi) for _, lo, hi in FURNITURE]
    out = _Builder()
    for lo, hi in boxes:
        out.box(np.array(lo, float), np.subtract(hi, lo, dtype=float), np.eye(3))
    if furnished:
        out.ellipsoid(np.array(GYM_BALL[0]), np.full(3, GYM_BALL[1]), np.eye(3))
    return out.mesh({})
