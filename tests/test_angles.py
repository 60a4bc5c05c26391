"""Body angles measured from depth against the simulator's truth, in degrees, and the form calls made from them.

Exact depth, so only the method limits the result (noise is covered by the hip-offset tests and, in whole
sessions, by benchmarks/accuracy.py). Every build and every movement of the simulator, statures from 1.45 to
2.00 m, and every way the back is read: as the silhouette's edge from the side, as the crest of a surface from
behind and obliquely. benchmarks/form.py tables all 216 combinations; here each placement meets every movement,
each time on another body, and each pose is held to the issue's tolerances.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from kiosk.form import judge
from kiosk.measurement import Measurement
from kiosk.sim.body import Pose, Truth, named_body, truth
from kiosk.sim.moves import HINGE, KNEES_FORWARD_HINGE, SQUAT, STIFF_HINGE, rounded_hinge
from kiosk.sim.scenarios import QUARTER_SQUAT
from tests.test_measure import measured_in, measurer_after_standing, scene

# name: (the pose at the bottom, its kind, whether its back is rounded)
MOVES = {"hinge": (HINGE.at(1.0), "hinge", False), "stiff-legged": (STIFF_HINGE.at(1.0), "hinge", False),
         "knees-forward": (KNEES_FORWARD_HINGE.at(1.0), "hinge", False),
         "quarter squat": (SQUAT.at(QUARTER_SQUAT), "squat", False), "deep squat": (SQUAT.at(0.9), "squat", False),
         "rounded 20": (rounded_hinge(20.0).at(1.0), "hinge", True),
         "rounded 30": (rounded_hinge(30.0).at(1.0), "hinge", True),
         "rounded 40": (rounded_hinge(40.0).at(1.0), "hinge", True)}
CLIENTS = [("average", 1.75), ("slim", 1.45), ("broad", 1.88), ("belly", 1.80), ("glutes", 1.70),
           ("long-torso", 1.95), ("long-legs", 2.00), ("loose-shirt", 1.65), ("ponytail", 1.62)]
PLACEMENTS = ["side-left", "behind", "oblique-behind-left"]
TRUNK_MAE_DEG = 5.0          # the targets: trunk angle at the peak, as a mean absolute error...
TRUNK_WORST_DEG = 8.0        # ...(no one pose far off either)...
KNEE_DEG = 8.0               # ...and knee flexion, where it is reported


@functools.cache
def reading(placement: str, build_name: str, stature: float, move: str
            ) -> tuple[Measurement, Measurement, Truth, float]:
    """(standing, at the bottom, the truth at the bottom, the stature the kiosk read) of one client's move, reached
    from standing as a camera sees it."""
    renderer, cal, _ = scene(placement)
    body = named_body(build_name, stature)
    pose = MOVES[move][0]
    measurer = measurer_after_standing(renderer, cal, body)
    upright = measured_in(renderer, cal, body, Pose(), measurer, frames=3)
    bottom = measured_in(renderer, cal, body, pose, measurer)
    return upright, bottom, truth(body, pose), upright.top_m


def called(placement: str, build_name: str, stature: float, move: str):
    """What kiosk/form.py makes of the angles read (None when none were)."""
    upright, m, _, stature_read = reading(placement, build_name, stature, move)
    if m.trunk_deg is None or upright.trunk_deg is None:
        return None
    return judge(m.hip_offset_m - upright.hip_offset_m, stature_read, m.trunk_deg - upright.trunk_deg, m.knee_deg,
                 m.back_flexion_deg)


# each placement meets every movement, on a body that moves on with each (3 placements x 8 movements)
CASES = [(p, *CLIENTS[(3 * i + j) % len(CLIENTS)], move) for i, p in enumerate(PLACEMENTS)
         for j, move in enumerate(MOVES)]
IDS = [f"{p}-{b}-{s}-{m.replace(' ', '-')}" for p, b, s, m in CASES]
# What the method is known to get wrong in this spread (benchmarks/form.py has the whole table), marked strict so
# that a fix is noticed and its mark removed.
NO_ANGLES = {("behind", "glutes", 1.70, "stiff-legged"): "no angles: big glutes hide the back seen edge-on"}
TRUNK_WEAK = {**NO_ANGLES,
              ("oblique-behind-left", "belly", 1.80, "rounded 30"): "a belly seen obliquely: trunk 13 deg low",
              ("oblique-behind-left", "glutes", 1.70, "rounded 40"): "glutes seen obliquely: trunk 10 deg low"}
SPINE_WEAK = NO_ANGLES


def marked(weak: dict) -> list:
    return [pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason=weak[case])) if case in weak else case
            for case in CASES]


@pytest.mark.slow
@pytest.mark.parametrize("placement,build_name,stature,move", marked(TRUNK_WEAK), ids=IDS)
def test_trunk_and_knee_angles_match_the_truth_in_degrees(placement, build_name, stature, move) -> None:
    _, m, true, _ = reading(placement, build_name, stature, move)
    assert m.on_mark and m.trunk_deg is not None, "no angles read"
    assert abs(m.trunk_deg - true.trunk_deg) <= TRUNK_WORST_DEG, (m.trunk_deg, true.trunk_deg)
    if placement == "behind":
        assert m.knee_deg is None          # from straight behind the legs' outline is not seen
    else:
        assert m.knee_deg is not None and abs(m.knee_deg - true.knee_deg) <= KNEE_DEG, (m.knee_deg, true.knee_deg)


@pytest.mark.slow
def test_trunk_angle_error_over_every_placement_and_body() -> None:
    readings = [reading(*case) for case in CASES]
    errors = [m.trunk_deg - true.trunk_deg for _, m, true, _ in readings if m.trunk_deg is not None]
    assert len(errors) >= len(CASES) - 1
    assert float(np.mean(np.abs(errors))) <= TRUNK_MAE_DEG


@pytest.mark.slow
@pytest.mark.parametrize("placement,build_name,stature,move", marked(SPINE_WEAK), ids=IDS)
def test_hinge_or_squat_and_the_spine_are_called_right(placement, build_name, stature, move) -> None:
    form = called(placement, build_name, stature, move)
    _, kind, rounded = MOVES[move]
    assert form is not None, "no angles read"
    assert form.kind == kind
    assert form.spine == ("rounded" if rounded else "neutral")
