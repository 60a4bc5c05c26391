"""The spine against the client's own standing back (kiosk/spine.py), on outlines with a known answer. Whole bodies,
every build and view: tests/test_angles.py and benchmarks/form.py."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.spine import CENTRES, TURN_PER_FLEXION, StandingBack, StandingTall, flexion_deg


def standing_back(glutes: float = 0.05, s: np.ndarray = CENTRES) -> np.ndarray:
    """An outline in stature units at `s` along the trunk: buttocks (a bump `glutes` deep), a lower back curving
    in, shoulder blades."""
    return (glutes * np.exp(-((s - 0.02) / 0.05) ** 2) - 0.012 * np.exp(-((s - 0.12) / 0.05) ** 2)
            + 0.01 * np.exp(-((s - 0.30) / 0.06) ** 2))


def bent(slide: float, offset: float, tilt: float, flexion: float, glutes: float = 0.05) -> np.ndarray:
    """The standing back slid along the trunk (the rear of the hips moved over the buttocks, so the outline now
    shows parts of the body the standing one did not reach), offset and tilted, with the back above 0.15 of
    stature (up the standing back) turned forward as a back flexed by `flexion` degrees turns."""
    s = CENTRES
    moved = standing_back(glutes, s + slide) + offset + tilt * s
    turn = np.tan(np.radians(flexion * TURN_PER_FLEXION))
    return moved - np.clip(s + slide - 0.15, 0.0, None) * turn


@pytest.mark.parametrize("glutes", [0.02, 0.05, 0.09])
@pytest.mark.parametrize("slide", [-0.06, 0.0, 0.04])
@pytest.mark.parametrize("flexion", [0.0, 20.0, 40.0])
def test_the_flexion_is_read_whatever_the_buttocks_and_the_slide(glutes: float, slide: float, flexion: float) -> None:
    bottom = bent(slide, offset=0.01, tilt=-0.03, flexion=flexion, glutes=glutes)
    assert flexion_deg(standing_back(glutes), bottom) == pytest.approx(flexion, abs=1.0)


@pytest.mark.parametrize("slide", [-0.06, -0.08, -0.10])
def test_a_flat_back_reads_flat_however_far_the_hips_slide_down_big_buttocks(slide: float) -> None:
    """In a deep hinge the rear of the hips slides far down big buttocks: what is matched must still reach the
    lower back above them, or the buttocks' round lets the match tilt at will."""
    bottom = bent(slide, offset=0.01, tilt=-0.03, flexion=0.0, glutes=0.09)
    assert flexion_deg(standing_back(glutes=0.09), bottom) == pytest.approx(0.0, abs=1.0)


def test_nothing_is_read_without_a_ruler_or_without_the_back() -> None:
    standing = standing_back()
    unseen = np.full_like(standing, np.nan)
    assert flexion_deg(unseen, standing) is None
    upper_hidden = np.where(CENTRES > 0.18, np.nan, standing)
    assert flexion_deg(standing, upper_hidden) is None
    lower_hidden = np.where(CENTRES < 0.14, np.nan, standing)
    assert flexion_deg(standing, lower_hidden) is None


def test_the_ruler_is_the_median_of_standing_frames_and_forgets_the_last_client() -> None:
    ruler = StandingBack()
    flat = standing_back()
    assert ruler.flexion_deg(flat, standing=False) is None            # no standing frame yet
    odd = bent(0.0, 0.0, 0.0, 40.0)                              # one frame of a stoop while "standing"
    for outline in (flat, odd, flat, flat):
        ruler.flexion_deg(outline, standing=True)
    assert ruler.flexion_deg(bent(0.02, 0.0, 0.0, 0.0), standing=False) == pytest.approx(0.0, abs=1.0)
    assert ruler.flexion_deg(bent(0.02, 0.0, 0.0, 30.0), standing=False) == pytest.approx(30.0, abs=1.0)
    ruler.forget()
    assert ruler.flexion_deg(flat, standing=False) is None
    stooped = StandingBack()
    stooped.flexion_deg(odd, standing=True)                            # a client who stands stooped...
    assert stooped.flexion_deg(odd, standing=False) == pytest.approx(0.0, abs=1.0)   # ...is their own ruler


def test_standing_tall_is_judged_against_the_recent_upright_height_not_the_tallest_moment() -> None:
    """The tallest frames of a visit come while stepping onto the mark; the ruler must still be renewed by the
    standing between reps, which reads a little lower."""
    tall = StandingTall()
    fps = 30
    arriving = [tall(k / fps, 1.765, 4.0) for k in range(fps)]             # a stride: the head at its highest
    standing = [tall(1.0 + k / fps, 1.745, 2.0) for k in range(4 * fps)]    # 2 cm lower, for good
    assert all(arriving[:3])
    assert not any(standing[:fps])                                         # a stride ago, 2 cm is too low...
    assert all(standing[-fps:])                                            # ...but not once it is 3 s ago
    hinge = [tall(5.0 + k / fps, 1.745 - 0.4 * np.sin(np.pi * k / fps), 5.0 + 60 * np.sin(np.pi * k / fps))
             for k in range(1, fps)]
    assert not any(hinge[3:-3])                                            # going down and coming up
    assert tall(6.0, 1.745, 2.0)                                           # standing again after the rep


def test_a_leaning_or_stooping_frame_is_never_standing_tall() -> None:
    tall = StandingTall()
    for k in range(90):
        tall(k / 30, 1.70, 1.0)
    assert not tall(3.0, 1.70, 25.0)         # as tall as ever, but the trunk leans (turning onto the mark)
    assert not tall(3.1, 1.66, 1.0)          # upright trunk, 4 cm down: knees bent
    tall.forget()
    assert tall(10.0, 1.50, 1.0)             # the next client is their own height
