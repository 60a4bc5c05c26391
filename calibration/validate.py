"""Checks that turn a bad set-up into one plain sentence for the trainer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.background import Standing
from calibration.camera import STEREO_SUBPIXEL, depth_rms_m
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

# The empty step (calibration/background.py measures it). Measured on simulated empty steps (36 frames; side,
# behind and oblique, 1.8-3.6 m, lens 0.8-1.6 m high, D435 and D455; the furnished room, and a studio with a bench,
# boxes, a rack, a tall cabinet, a kettlebell and a mat around the mark):
MOVING_AREA_M2 = 0.05        # nothing still ever showed more than 0.001 m² moving in a frame (0.007 with the noise
#                              threshold halved); a person walking through the view showed 0.27-0.55 m² in every
#                              frame. 0.05 m² is a head or two hands: fifty times what noise gives, a tenth of a person
# Still people (every simulated build, 1.40-2.10 m, facing every way, around the mark) against still furniture:
PERSON_TOP_M = 1.2           # an adult's top (the shortest, 1.40 m, reads 1.36 m)...
PERSON_BOTTOM_M = 0.3        # ...standing on the floor: their points reach down to the ankles (0.12-0.14 m)
PERSON_FOOTPRINT_M = (0.2, 0.75)   # people spanned 0.28-0.59 m; rack posts 0.11 m; cabinets, a screen on its
#                                    stand and walls 0.89 m or more
PERSON_HEAD_M = 0.4          # the top 12 % of a person (head, or head and ponytail) spanned 0.14-0.32 m; the flat
#                              top of a box, locker or cabinet is as wide as the thing itself


class CalibrationError(Exception):
    """The routine could not produce a usable calibration; str() says what to do."""


@dataclass(frozen=True)
class DepthQuality:
    """Share of the client's outline with depth in the still frames, as every measurement will see them."""

    body: float
    hips: float


FRONT_VIEW = ("The camera is in front of the client: it cannot see the hips during a hinge. Move it 2-3 m to the "
              "client's side or behind them.")
FRONT_WITHIN_DEG = 60.0      # the camera this close to where the client faces is in front (placement_of: beyond 120°)


def check_placement(cal: Calibration) -> None:
    placement = cal.placement
    if placement == "front":
        raise CalibrationError(FRONT_VIEW)
    distance = cal.camera_distance_m
    if distance < MIN_DISTANCE_M:
        raise CalibrationError(f"The camera is too close ({distance:.1f} m from the mark): move it back to "
                               "2-3 m.")
    if distance > MAX_DISTANCE_M:
        raise CalibrationError(f"The camera is too far ({distance:.1f} m from the mark): move it to 2-3 m.")


# From straight behind, stereo noise runs along the very distance the kiosk measures (docs/depth.md). Measured with
# benchmarks/accuracy.py's sessions seen by a D435 from behind, the camera this far from the heel line: hip offset
# MAE 0.38 cm at 1.9 m, 0.35 cm at 2.5 m, 0.54 cm at 2.7 m, 0.74 cm at 3.1 m; by a D455 (about twice the baseline)
# at 3.1 m, 0.40 cm. The 0.5 cm target holds while the depth noise at the mark is no more than a D435's at 2.6 m.
# From the side and obliquely the noise runs mostly across the hips' edge (a D435 obliquely at 3.1 m: 0.44 cm), so
# only behind is judged.
BEHIND_MAX_NOISE_M = float(depth_rms_m(2.6, 425.2, 0.050))


def precision_advice(cal: Calibration) -> str | None:
    """One sentence for the trainer when the placement works but reads the hips less precisely than it could
    (the kiosk still runs); None when it is fine."""
    if cal.placement != "behind":
        return None
    fx, distance = cal.intrinsics.fx, cal.camera_distance_m
    if depth_rms_m(distance, fx, cal.baseline_m) <= BEHIND_MAX_NOISE_M:
        return None
    reach_m = float(np.sqrt(BEHIND_MAX_NOISE_M * fx * cal.baseline_m / STEREO_SUBPIXEL))
    return (f"From behind at {distance:.1f} m this camera reads the hips less precisely: move it within "
            f"{reach_m:.1f} m of the mark, or to the client's side, for half-centimetre readings.")


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


def looks_like_person(thing: Standing) -> bool:
    """A person standing still: tall, on the floor, person-wide (not a post, not a cabinet), with a head narrower
    than a flat-topped box's top when the top is in view. A thing cut by the side of the image, or partly hidden
    behind something nearer, cannot be judged."""
    lo, hi = PERSON_FOOTPRINT_M
    return (thing.whole and thing.top_m >= PERSON_TOP_M and thing.bottom_m <= PERSON_BOTTOM_M
            and lo <= thing.footprint_m <= hi and (not thing.top_seen or thing.head_m <= PERSON_HEAD_M))


def check_empty_area(moving_m2: np.ndarray, things: list[Standing], reach_m: float) -> None:
    """The empty step must be empty: anything moving spoils the background, and a person standing still would
    become part of it."""
    if len(moving_m2) and float(np.max(moving_m2)) >= MOVING_AREA_M2:
        raise CalibrationError(f"Someone is moving in the camera's view: clear the area within {reach_m:.1f} m of "
                               "the camera and keep it still while the kiosk learns the empty floor.")
    people = [t for t in things if looks_like_person(t)]
    if people:
        nearest = min(t.distance_m for t in people)
        raise CalibrationError(f"Someone is standing in view ({nearest:.1f} m from the camera): the area must be "
                               "empty for the first seconds.")
