"""What one depth frame tells about the client on the mark: the one record every stage after the camera passes on.

Built by keyword only, so a new field (an angle, a flag) never shifts the meaning of an old one. Studio frame
and units of docs/geometry.md: metres, degrees, seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Point2 = tuple[float, float]          # (z, y) in the studio frame: the body seen from its side


@dataclass(frozen=True, kw_only=True)
class Measurement:
    frame: int
    t_s: float
    present: bool = False                 # someone in the zone around the mark
    on_mark: bool = False                 # standing with their heels on the heel line
    occluded: bool = False                # someone between the camera and the client hides them: no measurement
    touched: bool = False                 # someone else is in contact with the client: not measured
    feet_seen: bool = True                # False: the feet are hidden (placed under the shins)
    feet_split_m: float | None = None     # how far one heel stands in front of the other
    object_on_mark: bool = False          # nobody on the mark, but something stands on it
    camera_moved: bool = False            # the view no longer matches the calibration's: recalibrate
    feet_x_m: float | None = None         # lateral position of the feet (for guidance onto the mark)
    heel_z_m: float | None = None         # back of the feet relative to the heel line, + = in front
    top_m: float | None = None            # highest point of the body now
    hip_offset_m: float | None = None
    hip_height_m: float | None = None
    trunk_deg: float | None = None        # lean of hips→base of neck from vertical: 0 standing, 45-80 hinged
    knee_deg: float | None = None         # thigh-to-shank bend, 0 straight; None where the view hides the knee
    back_flexion_deg: float | None = None  # the back's flexion from pelvis to shoulders against the client's own
    #                                       standing back (kiosk/spine.py): 0 flat; None before they stood tall
    back_line: tuple[Point2, Point2] | None = None   # the back from hips to shoulders, for drawing
    profile: np.ndarray | None = field(default=None, repr=False, compare=False)
    # ^ the client's body points seen from the side: N x 2 (z, y), for drawing the outline
