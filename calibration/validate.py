"""Checks that turn a bad set-up into one plain sentence for the trainer."""
from __future__ import annotations

import numpy as np

from calibration.model import Calibration

MIN_DISTANCE_M = 1.5
MAX_DISTANCE_M = 3.6
MIN_BODY_COVERAGE = 0.35     # share of a standing body's expected surface that must come back with depth


class CalibrationError(Exception):
    """The routine could not produce a usable calibration; str() says what to do."""


def check_placement(cal: Calibration) -> None:
    placement = cal.placement
    if placement == "front":
        raise CalibrationError("The camera is in front of the client: it cannot see the hips during a hinge. "
                               "Move it 2-3 m to the client's side or behind them.")
    distance = cal.camera_distance_m
    if distance < MIN_DISTANCE_M:
        raise CalibrationError(f"The camera is too close ({distance:.1f} m from the mark): move it back to "
                               "2-3 m.")
    if distance > MAX_DISTANCE_M:
        raise CalibrationError(f"The camera is too far ({distance:.1f} m from the mark): move it to 2-3 m.")


def check_body_depth(person_pts: np.ndarray, stature: float, person_area_m2: float) -> None:
    """Too little valid depth on the body (dark clothes, sunlight, too far) makes every measurement weak."""
    if stature < 1.0 or len(person_pts) == 0:
        raise CalibrationError("Nobody standing was found on the mark: the whole client, feet to head, should "
                               "be in view.")
    expected = 0.22 * stature * stature       # a standing adult shows roughly this much surface to any side
    if person_area_m2 < MIN_BODY_COVERAGE * expected:
        raise CalibrationError("Too little of the client has depth: avoid very dark or shiny clothes and "
                               "direct sunlight, and keep the camera 2-3 m away.")
