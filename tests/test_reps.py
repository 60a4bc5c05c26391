"""The rep state machine on scripted measurement streams with known reps (metres, seconds)."""
import numpy as np
import pytest

from kiosk.measurement import Measurement
from kiosk.form import Fault
from kiosk.reps import Cancelled, Rep, RepCounter

FPS = 30.0
STAND_OFFSET = 0.03
STAND_HEIGHT = 0.90


def stand(seconds):
    return [(STAND_OFFSET, STAND_HEIGHT, 0.0)] * int(seconds * FPS)


def movement(travel, drop, down_s=1.2, hold_s=0.3, up_s=0.6, heel_shift=0.0):
    """Hips go back `travel` and down `drop` smoothly, hold, and return."""
    out = []
    for s, profile in ((down_s, lambda a: 0.5 - 0.5 * np.cos(np.pi * a)), (hold_s, lambda a: 1.0),
                       (up_s, lambda a: 0.5 + 0.5 * np.cos(np.pi * a))):
        n = int(s * FPS)
        for i in range(n):
            k = profile(i / n)
            out.append((STAND_OFFSET + travel * k, STAND_HEIGHT - drop * k, heel_shift * k))
    return out


def run(script, wall=0.0762, noise=0.0, seed=0, on_mark=None):
    rng = np.random.default_rng(seed)
    counter = RepCounter(wall)
    events = []
    for i, (off, h, heel) in enumerate(script):
        on = True if on_mark is None else on_mark(i)
        m = Measurement(frame=i + 1, t_s=i / FPS, present=True, on_mark=on, feet_x_m=0.0, heel_z_m=heel, top_m=1.7,
                        hip_offset_m=off + rng.normal(0, noise) if on else None, hip_height_m=h if on else None)
        e = counter.update(m)
        if e is not None:
            events.append(e)
    return events


def reps(events):
    return [e for e in events if isinstance(e, Rep)]


def test_a_good_hinge_taps_the_wall():
    events = run(stand(1) + movement(0.12, 0.04) + stand(1), wall=0.0762 + STAND_OFFSET)
    [rep] = reps(events)
    assert rep.tapped and rep.form == "hinge" and rep.faults == () and rep.good
    assert rep.peak_offset_m == pytest.approx(STAND_OFFSET + 0.12, abs=0.002)
    assert rep.hip_drop_m == pytest.approx(0.04, abs=0.003)
    # the rep runs from leaving standing (1.5 cm back) to being back within 1.5 cm
    assert 30 < rep.start_frame < 30 + 0.5 * FPS
    assert rep.end_frame > rep.peak_frame > rep.start_frame


def test_a_hinge_short_of_the_wall_is_a_rep_without_a_tap():
    [rep] = reps(run(stand(1) + movement(0.05, 0.01) + stand(1), wall=0.15))
    assert not rep.tapped and Fault.SHORT in rep.faults and not rep.good


def test_a_squat_is_told_apart():
    [rep] = reps(run(stand(1) + movement(0.15, 0.30) + stand(1), wall=0.10))
    assert rep.form == "squat" and Fault.SQUAT in rep.faults


def test_sway_is_not_a_rep():
    assert reps(run(stand(1) + movement(0.02, 0.0) + stand(1), noise=0.003)) == []


def test_staying_down_is_a_fault():
    [rep] = reps(run(stand(1) + movement(0.15, 0.04, hold_s=2.5) + stand(1), wall=0.1))
    assert Fault.STAYED_DOWN in rep.faults and rep.tapped


def test_a_fast_return_is_a_snap():
    [fast] = reps(run(stand(1) + movement(0.15, 0.04, up_s=0.4) + stand(1), wall=0.1))
    [slow] = reps(run(stand(1) + movement(0.15, 0.04, up_s=1.5) + stand(1), wall=0.1))
    assert fast.snap and not slow.snap


def test_shifting_feet_cancels_and_is_not_a_rep():
    events = run(stand(1) + movement(0.10, 0.0, heel_shift=-0.10) + stand(1))
    assert reps(events) == []
    assert any(isinstance(e, Cancelled) and e.reason is Fault.FEET_MOVED for e in events)


def test_stepping_off_mid_rep_is_not_a_rep():
    script = stand(1) + movement(0.15, 0.04) + stand(1)
    events = run(script, on_mark=lambda i: i < 30 + 25)
    assert reps(events) == []
    assert any(isinstance(e, Cancelled) and e.reason is Fault.LEFT_MARK for e in events)


def test_nothing_counts_before_the_client_has_stood_still():
    assert reps(run(movement(0.15, 0.04) + stand(1))) == []


def test_noisy_reps_are_counted_once_each():
    script = stand(1)
    for travel in (0.08, 0.12, 0.16, 0.20):
        script += movement(travel, 0.04) + stand(0.8)
    found = reps(run(script, wall=0.17, noise=0.004, seed=3))   # peaks at 11, 15, 19, 23 cm
    assert [r.tapped for r in found] == [False, False, True, True]
    for r, travel in zip(found, (0.08, 0.12, 0.16, 0.20)):
        assert r.peak_offset_m == pytest.approx(STAND_OFFSET + travel, abs=0.006)


def test_a_short_gap_in_measurement_does_not_break_a_rep():
    script = stand(1) + movement(0.15, 0.04) + stand(1)
    counter = RepCounter(0.1)
    found = []
    for i, (off, h, heel) in enumerate(script):
        missing = 50 <= i < 55
        e = counter.update(Measurement(frame=i + 1, t_s=i / FPS, present=True, on_mark=True, feet_x_m=0.0,
                                       heel_z_m=heel, top_m=1.7, hip_offset_m=None if missing else off,
                                       hip_height_m=None if missing else h))
        if isinstance(e, Rep):
            found.append(e)
    assert len(found) == 1


def test_blank_input_gives_nothing():
    counter = RepCounter(0.1)
    assert all(counter.update(Measurement(frame=i, t_s=i / FPS)) is None for i in range(100))


def test_a_slow_shallow_hinge_still_counts():
    # 4.5 cm over 2.5 s with 3 mm of measurement noise: slow enough to look "still" to a naive settle rule
    events = run(stand(1.5) + movement(0.045, 0.0, down_s=2.5, hold_s=0.3, up_s=1.0) + stand(1.5),
                 wall=STAND_OFFSET + 0.09, noise=0.003, seed=3)
    [rep] = reps(events)
    assert rep.peak_offset_m == pytest.approx(STAND_OFFSET + 0.045, abs=0.006) and not rep.tapped


def test_settling_a_little_further_back_after_arriving_is_not_a_rep():
    arriving = [(0.01, STAND_HEIGHT, 0.0)] * int(0.7 * FPS)
    shuffle = [(0.01 + 0.025 * k / 15, STAND_HEIGHT, 0.0) for k in range(15)]
    settled = [(0.035, STAND_HEIGHT, 0.0)] * int(1.5 * FPS)
    events = run(arriving + shuffle + settled + movement(0.10, 0.02) + stand(1), wall=0.12, noise=0.002)
    [rep] = reps(events)
    assert rep.peak_offset_m == pytest.approx(STAND_OFFSET + 0.10, abs=0.006)
    assert not [e for e in events if isinstance(e, Cancelled)]


def test_two_deep_frames_do_not_make_a_sway_a_rep():
    # a 2.4 cm dip held 0.6 s, with two frames reading 3.8 cm (a noise burst): the deepest frames together
    # travel under 3 cm, so it stays sway; judged on its single deepest stretch it would count
    dip = [(STAND_OFFSET + 0.024, STAND_HEIGHT, 0.0)] * 18
    dip[8] = dip[9] = (STAND_OFFSET + 0.038, STAND_HEIGHT, 0.0)
    assert reps(run(stand(1.5) + dip + stand(1.5))) == []
