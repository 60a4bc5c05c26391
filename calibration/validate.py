"""Checks that turn a bad set-up into one plain sentence for the trainer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.model import Calibration

MIN_DISTANCE_M = 1.5
MAX_DISTANCE_M = 3.6
# Share of the client's outline with depth in the still frames. Clean stereo depth loses only part of the
# silhouette's edge pixels, the occlusion shadow where it falls in the body's hollows (between an arm and the
# trunk) and ~1 % dropout blobs. Measured on simulated still steps (19 set-ups: 1.40-2.10 m, slim to broad, side,
# behind and oblique, 1.8-3.0 m away, lens 0.8-1.8 m high, D435 and D455): 88-97 % of the body and 90-98 % of the
# hips had depth, least for a small client 3 m from a D455 (twice the baseline, twice as wide shadows). Dark
# trousers lose most of the legs and hips in large patches: 51-76 % of the body and 4-40 % of the hips had depth.
MIN_BODY_DEPTH = 0.75        # a quarter of the body without depth: twice the worst clean loss
MIN_HIP_DEPTH = 0.60         # 40 % of the hips without depth: nearly four times the worst clean loss; the hips are
#                              what the kiosk measures, and what dark trousers take


class CalibrationError(Exception):
    """The routine could not produce a usable calibration; str() says what to do."""


@dataclass(frozen=True)
class DepthQuality:
    """Share of the client's outline with depth in the still frames, as every measurement will see them."""

    body: float
    hips: float


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


def client_outline(person: np.ndarray, has_depth: np.ndarray) -> np.ndarray:
    """The image region the client covers: their pixels with depth, and the pixels without depth they enclose.

    A pixel without depth is a hole in the client when, along its row or its column, the nearest pixels with
    depth on both sides are the client's. Background is not: beside a body it shows depth of its own, and the
    occlusion shadow next to a body ends on background on its far side."""
    holes = np.zeros_like(person)
    for axis in (0, 1):
        holes |= _between(person, has_depth, axis)
    return person | (holes & ~has_depth)


def _between(person: np.ndarray, has_depth: np.ndarray, axis: int) -> np.ndarray:
    """Pixels whose nearest pixels with depth before and after them along `axis` are both `person`."""
    n = person.shape[axis]
    idx = np.arange(n).reshape((n, 1) if axis == 0 else (1, n))
    before = np.maximum.accumulate(np.where(has_depth, idx, -1), axis=axis)
    after = np.flip(np.minimum.accumulate(np.flip(np.where(has_depth, idx, n), axis), axis=axis), axis)
    edge = np.zeros((1, person.shape[1]) if axis == 0 else (person.shape[0], 1), dtype=bool)
    padded = np.concatenate([person, edge], axis=axis)     # index -1 and n: past the image border, no client
    return np.take_along_axis(padded, before, axis) & np.take_along_axis(padded, after, axis)


def check_body_depth(stature: float, quality: DepthQuality) -> None:
    """Too little valid depth on the body (dark clothes, sunlight, too far) makes every measurement weak. Judged
    on depth quality, not on how big the client looks: a small or slim client is as measurable as a tall one."""
    if stature < 1.0:
        raise CalibrationError("Nobody standing was found on the mark: the whole client, feet to head, should "
                               "be in view.")
    if quality.body < MIN_BODY_DEPTH or quality.hips < MIN_HIP_DEPTH:
        raise CalibrationError("Too little of the client has depth: avoid very dark or shiny clothes and "
                               "direct sunlight, and keep the camera 2-3 m away.")
