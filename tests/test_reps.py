"""The rep state machine on scripted measurement streams with known reps (metres, seconds)."""
import numpy as np
import pytest

from kiosk.measurement import Measurement
from kiosk.form import Fault
from kiosk.reps import Cancelled, Rep, RepCounter

FPS = 30.0
STAND_OFFSET = 0.03
STAND_HEIGHT = 0.90


HINGE_LEAN = 4.0          # degrees of trunk lean per cm the hips travel in a hinge of a 1.7 m client...
SQUAT_LEAN = 1.4          # ...and in a squat (docs/form.md)


def stand(seconds):
    return [(STAND_OFFSET, STAND_HEIGHT, 0.0, 0.0, 0.0, 0.0)] * int(seconds * FPS)


def movement(travel, drop, down_s=1.2, hold_s=0.3, up_s=0.6, heel_shift=0.0, lean_per_cm=HINGE_LEAN,
             knee_share=0.45, flexion=0.0):
    """Hips go back `travel` and down `drop` smoothly, the trunk leaning `lean_per_cm` for each cm of travel and
    the knees bending `knee_share` of the lean, the back flexed by `flexion` at the bottom; hold, and return."""
    out = []
    for s, profile in ((down_s, lambda a: 0.5 - 0.5 * np.cos(np.pi * a)), (hold_s, lambda a: 1.0),
                       (up_s, lambda a: 0.5 + 0.5 * np.cos(np.pi * a))):
        n = int(s * FPS)
        for i in range(n):
            k = profile(i / n)
            lean = lean_per_cm * travel * 100 * k
            out.append((STAND_OFFSET + travel * k, STAND_HEIGHT - drop * k, heel_shift * k, lean, knee_share * lean,
                        flexion * k))
    return out


def run(script, wall=0.0762, noise=0.0, seed=0, on_mark=None, knees_seen=True):
    rng = np.random.default_rng(seed)
    counter = RepCounter(wall)
    events = []
    for i, (off, h, heel, trunk, knee, flexion) in enumerate(script):
        on = True if on_mark is None else on_mark(i)
        m = Measurement(frame=i + 1, t_s=i / FPS, present=True, on_mark=on, feet_x_m=0.0, heel_z_m=heel, top_m=1.7,
                        hip_offset_m=off + rng.normal(0, noise) if on else None, hip_height_m=h if on else None,
                        trunk_deg=trunk, knee_deg=knee if knees_seen else None, back_flexion_deg=flexion)
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


@pytest.mark.parametrize("knees_seen", [True, False])
def test_a_squat_is_told_apart_by_the_trunk_lean_for_the_hips_travel(knees_seen):
    deep = run(stand(1) + movement(0.20, 0.30, lean_per_cm=SQUAT_LEAN, knee_share=3.0) + stand(1), wall=0.10,
               knees_seen=knees_seen)
    quarter = run(stand(1) + movement(0.11, 0.06, lean_per_cm=1.2, knee_share=3.0) + stand(1), wall=0.10,
                  knees_seen=knees_seen)
    for [rep] in (reps(deep), reps(quarter)):        # a quarter squat drops the hips only 6 cm: still a squat
        assert rep.form == "squat" and Fault.SQUAT in rep.faults and not rep.good
    [hinge] = reps(run(stand(1) + movement(0.11, 0.06) + stand(1), wall=0.10, knees_seen=knees_seen))
    assert hinge.form == "hinge" and hinge.good


def test_the_angles_of_a_rep_are_those_at_its_peak():
    [rep] = reps(run(stand(1) + movement(0.15, 0.02, knee_share=0.4) + stand(1), wall=0.10))
    assert rep.trunk_deg == pytest.approx(HINGE_LEAN * 15, abs=0.5)
    assert rep.knee_deg == pytest.approx(0.4 * HINGE_LEAN * 15, abs=0.5)
    [hidden] = reps(run(stand(1) + movement(0.15, 0.02) + stand(1), wall=0.10, knees_seen=False))
    assert hidden.knee_deg is None


def test_knees_pushed_forward_are_named_where_the_knees_are_seen():
    [rep] = reps(run(stand(1) + movement(0.14, 0.08, lean_per_cm=4.0, knee_share=1.05) + stand(1), wall=0.10))
    assert rep.form == "hinge" and Fault.KNEES_FORWARD in rep.faults and not rep.good
    [unseen] = reps(run(stand(1) + movement(0.14, 0.08, lean_per_cm=4.0, knee_share=1.05) + stand(1), wall=0.10,
                        knees_seen=False))
    assert unseen.faults == ()


@pytest.mark.parametrize("lean, knee, pushed", [(20.0, 9.0, False), (20.0, 15.0, False), (20.0, 20.0, True),
                                               (16.0, 16.0, True), (60.0, 27.0, False), (60.0, 40.0, False),
                                               (60.0, 58.0, True)])
def test_only_a_knee_bend_clearly_past_a_soft_one_is_knees_forward(lean, knee, pushed):
    """Soft knees bend about 0.45 degree per degree of lean: a shallow soft-kneed hinge with its knee read 7 degrees
    high (15 for 9) is not blamed; knees pushed forward bend about as much as the trunk leans, shallow or deep."""
    from kiosk.form import judge
    assert (Fault.KNEES_FORWARD in judge(0.10, 1.75, lean, knee, None).faults) == pushed


@pytest.mark.parametrize("flexion, spine", [(0.0, "neutral"), (10.0, "neutral"), (25.0, "rounded"), (40.0, "rounded")])
def test_a_rounded_back_is_named(flexion, spine):
    [rep] = reps(run(stand(1) + movement(0.15, 0.02, flexion=flexion) + stand(1), wall=0.10))
    assert rep.spine == spine and (Fault.ROUNDED_BACK in rep.faults) == (spine == "rounded")


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
    for i, (off, h, heel, *_) in enumerate(script):
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
    arriving = [(0.01, STAND_HEIGHT, 0.0, 0.0, 0.0, 0.0)] * int(0.7 * FPS)
    shuffle = [(0.01 + 0.025 * k / 15, STAND_HEIGHT, 0.0, 0.0, 0.0, 0.0) for k in range(15)]
    settled = [(0.035, STAND_HEIGHT, 0.0, 0.0, 0.0, 0.0)] * int(1.5 * FPS)
    events = run(arriving + shuffle + settled + movement(0.10, 0.02) + stand(1), wall=0.12, noise=0.002)
    [rep] = reps(events)
    assert rep.peak_offset_m == pytest.approx(STAND_OFFSET + 0.10, abs=0.006)
    assert not [e for e in events if isinstance(e, Cancelled)]


def test_two_deep_frames_do_not_make_a_sway_a_rep():
    # a 2.4 cm dip held 0.6 s, with two frames reading 3.8 cm (a noise burst): the deepest frames together
    # travel under 3 cm, so it stays sway; judged on its single deepest stretch it would count
    dip = [(STAND_OFFSET + 0.024, STAND_HEIGHT, 0.0, 10.0, 4.0, 0.0)] * 18
    dip[8] = dip[9] = (STAND_OFFSET + 0.038, STAND_HEIGHT, 0.0, 16.0, 6.0, 0.0)
    assert reps(run(stand(1.5) + dip + stand(1.5))) == []


def rocking(seconds, amplitude_m, hz=0.35, phase=0.0):
    """Standing with the hips rocking back and forth by `amplitude_m` each way (no lean: it is not a hinge)."""
    return [(STAND_OFFSET + amplitude_m * np.sin(2 * np.pi * hz * i / FPS + phase), STAND_HEIGHT, 0.0, 0.0, 0.0, 0.0)
            for i in range(int(seconds * FPS))]


@pytest.mark.parametrize("phase", np.linspace(0, 2 * np.pi, 6, endpoint=False))
@pytest.mark.parametrize("travel", [0.035, 0.04, 0.05])
def test_a_shallow_rep_counts_when_the_client_sways_between_reps(travel, phase):
    script = stand(1.5)
    for k in range(3):
        script += rocking(1.5, 0.008, phase=phase + k) + movement(travel, 0.0, down_s=0.8, up_s=0.6)
    script += rocking(1.5, 0.008, phase=phase)
    found = reps(run(script, wall=0.15, noise=0.002, seed=int(phase * 10)))
    assert len(found) == 3
    for r in found:
        assert r.peak_offset_m - r.standing_offset_m == pytest.approx(travel, abs=0.01)


@pytest.mark.parametrize("amplitude", [0.006, 0.01, 0.014])
def test_rocking_under_3_cm_is_never_a_rep(amplitude):
    assert reps(run(stand(1.5) + rocking(12.0, amplitude) + stand(1.0), noise=0.002, seed=5)) == []


def test_a_rep_whose_trunk_was_never_seen_is_not_blamed_for_squatting() -> None:
    """Seen from behind in a deep hinge the trunk may not be read at all: form is judged only on what was seen."""
    from kiosk.form import judge

    unseen = judge(0.15, 1.75, None, None, None)
    assert unseen.kind == "hinge" and not unseen.faults
    assert judge(0.15, 1.75, 5.0, None, None).kind == "squat"       # seen: barely leaning for 15 cm is a squat
