"""The hip offset smoother: peaks kept, noise cut, spikes dropped, a fixed lag, nothing lost at the end."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.measurement import Measurement
from kiosk.smoothing import ANALYZE_LAG, LIVE_LAG, HipSmoother

FPS = 30.0


def stream(offsets, on_mark=None) -> list[Measurement]:
    marks = on_mark or [True] * len(offsets)
    return [Measurement(frame=k + 1, t_s=k / FPS, present=True, on_mark=on, hip_offset_m=None if o is None else float(o),
                        hip_height_m=None if o is None else 0.9) for k, (o, on) in enumerate(zip(offsets, marks))]


def run(smoother: HipSmoother, ms: list[Measurement]) -> list[Measurement]:
    out = [r for m in ms if (r := smoother.push(m)) is not None]
    return out + smoother.flush()


@pytest.mark.parametrize("lag", [LIVE_LAG, ANALYZE_LAG])
def test_every_frame_comes_back_once_in_order(lag: int) -> None:
    ms = stream(np.linspace(0.05, 0.15, 40))
    assert [m.frame for m in run(HipSmoother(lag), ms)] == list(range(1, 41))


def test_the_lag_is_what_it_says() -> None:
    smoother = HipSmoother(ANALYZE_LAG)
    ms = stream([0.05] * 10)
    handed = [smoother.push(m) for m in ms]
    assert handed[:ANALYZE_LAG] == [None] * ANALYZE_LAG
    assert [h.frame for h in handed[ANALYZE_LAG:]] == [m.frame - ANALYZE_LAG for m in ms[ANALYZE_LAG:]]


def test_a_rep_peak_keeps_its_height() -> None:
    # a 1.2 s rep: 5 cm standing to a 20 cm peak; a 7-frame moving average would shave ~3 mm off the top
    t = np.arange(36) / FPS
    truth = 0.05 + 0.15 * np.sin(np.pi * t / 1.2) ** 2
    out = run(HipSmoother(ANALYZE_LAG), stream(truth))
    assert max(m.hip_offset_m for m in out) == pytest.approx(truth.max(), abs=0.001)


def test_noise_is_cut() -> None:
    rng = np.random.default_rng(0)
    truth = np.full(300, 0.06)
    noisy = truth + rng.normal(0, 0.01, truth.size)
    out = np.array([m.hip_offset_m for m in run(HipSmoother(ANALYZE_LAG), stream(noisy))])
    # a quadratic Savitzky-Golay over 7+ frames passes at most 0.33 of the noise variance (0.58 of the spread)
    assert np.std(out - truth) < 0.65 * np.std(noisy - truth)


def test_a_one_frame_spike_is_dropped_not_averaged_in() -> None:
    offsets = [0.06] * 20
    offsets[10] = 0.20                    # a bad fit: 14 cm off for one frame
    out = run(HipSmoother(ANALYZE_LAG), stream(offsets))
    assert max(abs(m.hip_offset_m - 0.06) for m in out) < 0.002


def test_frames_without_a_value_or_off_the_mark_are_not_smoothed_across() -> None:
    offsets = [0.06] * 6 + [None] + [0.16] * 6
    out = run(HipSmoother(ANALYZE_LAG), stream(offsets))
    assert out[6].hip_offset_m is None
    assert [m.hip_offset_m for m in out[:6]] == pytest.approx([0.06] * 6)
    assert [m.hip_offset_m for m in out[7:]] == pytest.approx([0.16] * 6)


def test_a_short_stream_still_comes_back() -> None:
    assert [m.frame for m in run(HipSmoother(ANALYZE_LAG), stream([0.05, 0.06]))] == [1, 2]
    assert run(HipSmoother(ANALYZE_LAG), []) == []
