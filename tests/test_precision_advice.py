"""The trainer is told when a placement works but reads the hips less precisely than the kiosk promises: from
straight behind, stereo noise runs along the distance measured, and a D435 further than about 2.6 m from the mark
misses half a centimetre (benchmarks/accuracy.py; the figures are in calibration/validate.py)."""
from __future__ import annotations

import pytest

from calibration.validate import precision_advice
from kiosk.sim import Placement, simulate


def advice(name: str, distance_m: float, camera: str) -> str | None:
    return precision_advice(simulate("smoke", Placement(name, distance_m, 1.2, camera=camera)).calibration())


@pytest.mark.parametrize("distance_m", [2.8, 3.0, 3.4])
def test_a_d435_far_behind_the_client_is_told_how_near_to_come(distance_m: float) -> None:
    said = advice("behind", distance_m, "d435")
    assert said is not None and said.startswith("From behind at ") and "within 2.6 m" in said and "side" in said


@pytest.mark.parametrize("name,distance_m,camera", [
    ("behind", 1.8, "d435"), ("behind", 2.4, "d435"),             # near enough: 0.35-0.38 cm measured
    ("behind", 3.0, "d455"), ("behind", 3.4, "d455"),             # twice the baseline: half the noise
    ("side-left", 3.0, "d435"), ("oblique-behind-right", 3.0, "d435"),   # the noise runs across the hips' edge
])
def test_placements_that_read_the_hips_to_half_a_centimetre_get_no_advice(name: str, distance_m: float,
                                                                          camera: str) -> None:
    assert advice(name, distance_m, camera) is None
