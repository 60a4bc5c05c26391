"""A neutral or rounded spine, from the back's outline compared with the client's own standing back.

Pure numpy. The shape of a back differs far more between bodies (buttocks, belly, shoulder blades, a ponytail,
a loose shirt) than a rounding changes it, so no single outline can be judged alone. Each client's standing back
is their own ruler: at the bottom of a rep the lower back and buttocks are matched onto the standing outline (the
rear of the hips, where the outline starts, slides down the buttocks as the pelvis tips, so the match slides
too), and the upper back is then read against the matched standing outline. A flat back hinges as one piece and
its upper back follows the standing outline; a rounded one turns forward above the lower back.

The outline is read at full resolution (docs/form.md says why the coarse grid is too coarse) in every view: the
rearmost reach of the body across the trunk at each distance along it, which from the side is the silhouette's
edge and from behind or obliquely the crest of the back.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from kiosk.body_angles import BACK_REACH, back_profile, trunk_axes
from kiosk.quantile import quantile

# Along the trunk from the rear of the hips, as fractions of stature:
OUTLINE_SPAN = (-0.10, 0.40)   # the whole back to the neck, from far enough down the buttocks to find them when the
#                                rear of the hips rides up them
OUTLINE_BIN = 0.01             # one sample of the outline per 1 % of stature (about 1.7 cm)
OUTLINE_SHARE = 98             # percentile of "how far back" in each sample: the outline's very edge
MATCH_SPAN = (-0.05, 0.13)     # buttocks and lower back, on the ruler: what is matched onto the bottom's outline
UPPER_SPAN = (0.20, 0.34)      # upper back, below the neck (and a ponytail): where the turn is read
SLIDE = 0.12                   # the match slides the standing outline this far either way along the trunk...
SLIDE_STEP = 0.0025            # ...in these steps
MIN_MATCHED = 0.8              # share of the ruler's lower back the slid bottom outline must cover
MIN_LOWER, MIN_UPPER = 6, 5    # samples of the lower back needed to match it, of the upper back to read its turn
TURN_PER_FLEXION = 0.51        # degrees the upper back turns per degree of flexion between pelvis and shoulders
#                                (the median over benchmarks/form.py's rounded backs, every build and view)
EDGE_PART = 0.03               # the back's edge on the coarse grid: the samples, in each part this long...
EDGE_DEPTH = 0.02              # ...at most this far in front of the part's rearmost one
STANDING_FRAMES = 60           # the standing outline is the median of this many frames of standing tall (2 s)
UPRIGHT_WINDOW_S = 3.0         # the client's upright height: the top of the head over the last 3 s...
UPRIGHT_SHARE = 80             # ...at this percentile (between reps most frames are standing)
TALL_MARGIN = 0.01             # a frame whose top is within this share of it...
UPRIGHT_TRUNK_DEG = 10.0       # ...and whose trunk is this near vertical shows the client standing tall

BINS = round((OUTLINE_SPAN[1] - OUTLINE_SPAN[0]) / OUTLINE_BIN)
CENTRES = OUTLINE_SPAN[0] + (np.arange(BINS) + 0.5) * OUTLINE_BIN


def at_back_edge(points: np.ndarray, rear: tuple[float, float], stature_m: float, trunk_deg: float) -> np.ndarray:
    """Which of the points (N x 3, the coarse grid's) lie at the back's edge, where `back_outline` reads: what to
    look at again at full resolution (a strip, not the whole trunk: the per-frame budget)."""
    d = points[:, [2, 1]].astype(np.float64) - np.asarray(rear, dtype=np.float64)
    along, behind = trunk_axes(np.radians(trunk_deg))
    s, b = d @ along / stature_m, d @ behind / stature_m
    on = (s >= OUTLINE_SPAN[0]) & (s < OUTLINE_SPAN[1]) & (np.abs(b) < BACK_REACH)
    part = ((s[on] - OUTLINE_SPAN[0]) / EDGE_PART).astype(np.int64)
    reach = np.full(part.max() + 1 if len(part) else 0, -np.inf)
    np.maximum.at(reach, part, b[on])
    edge = np.zeros(len(points), dtype=bool)
    edge[on] = b[on] >= reach[part] - EDGE_DEPTH
    return edge


def back_outline(points: np.ndarray, rear: tuple[float, float], stature_m: float, trunk_deg: float) -> np.ndarray:
    """How far behind the trunk's axis the back reaches (in stature) at each of CENTRES along it; NaN where too
    little is seen. `points` are the client's own studio points (N x 3), `rear` the rear of the hips (z, y)."""
    d = points[:, [2, 1]].astype(np.float64) - np.asarray(rear, dtype=np.float64)
    outline = np.full(BINS, np.nan)
    found = back_profile(d, None, np.radians(trunk_deg), stature_m, OUTLINE_SPAN, BINS, filled=1,
                         share=OUTLINE_SHARE)
    if found is not None:
        s, b = found
        outline[np.rint((s / stature_m - CENTRES[0]) / OUTLINE_BIN).astype(np.int64)] = b / stature_m
    return outline


def flexion_deg(standing: np.ndarray, bottom: np.ndarray) -> float | None:
    """Degrees of flexion of the back between pelvis and shoulders at `bottom`, against the same client's
    `standing` outline (both from `back_outline`); None when too little of either was seen."""
    have = ~np.isnan(standing)
    low = (CENTRES >= MATCH_SPAN[0]) & (CENTRES <= MATCH_SPAN[1]) & have
    up = (CENTRES >= UPPER_SPAN[0]) & (CENTRES <= UPPER_SPAN[1]) & ~np.isnan(bottom)
    if low.sum() < MIN_LOWER or up.sum() < MIN_UPPER:
        return None
    shift = _match(CENTRES[low], standing[low], bottom)
    if shift is None:
        return None
    slide, c, tilt = shift
    s = CENTRES[up] + slide                       # where on the ruler the upper back's samples lie
    ref = np.interp(s, CENTRES[have], standing[have], left=np.nan, right=np.nan)
    ok = ~np.isnan(ref)
    if ok.sum() < MIN_UPPER:
        return None
    x = s[ok] - s[ok].mean()
    rest = bottom[up][ok] - ref[ok] - c - tilt * s[ok]
    turn = -np.degrees(np.arctan(x @ rest / (x @ x)))       # its slope: forward of the standing back higher up
    return float(turn / TURN_PER_FLEXION)


def _match(s0: np.ndarray, b0: np.ndarray, bottom: np.ndarray) -> tuple[float, float, float] | None:
    """(slide, offset, tilt) that best lays the buttocks and lower back of the standing outline (samples s0, b0 of
    MATCH_SPAN) onto the `bottom` outline: bottom(s0 − slide) ≈ b0 + offset + tilt·s0. The offset and tilt take up
    what the hip measurement and the trunk axis put differently at the bottom; the slide, the rear of the hips
    moving over the buttocks.

    The span is a part of the body, so it is held on the ruler and looked for on the bottom's outline: the rear of
    the hips slides a long way down big buttocks in a deep hinge, and a span held at the bottom would then see
    only the buttocks' round, whose slide and tilt cannot be told apart."""
    slides = np.arange(-SLIDE, SLIDE + SLIDE_STEP / 2, SLIDE_STEP)
    b = np.interp(s0[None, :] - slides[:, None], CENTRES, bottom, left=np.nan, right=np.nan)   # NaN: unseen
    ok = ~np.isnan(b)
    n = ok.sum(axis=1)
    usable = n >= MIN_MATCHED * len(s0)
    if not usable.any():
        return None
    y = np.where(ok, b - b0[None, :], 0.0)
    x = np.where(ok, s0[None, :], 0.0)
    nn = np.maximum(n, 1)
    mx, my = x.sum(1) / nn, y.sum(1) / nn
    dx = np.where(ok, x - mx[:, None], 0.0)
    dy = np.where(ok, y - my[:, None], 0.0)
    tilt = (dx * dy).sum(1) / np.maximum((dx * dx).sum(1), 1e-12)
    err = ((dy - tilt[:, None] * dx) ** 2).sum(1) / nn
    k = int(np.argmin(np.where(usable, err, np.inf)))
    return float(slides[k]), float(my[k] - tilt[k] * mx[k]), float(tilt[k])


class StandingTall:
    """Which frames show the client standing tall: what the ruler is made of.

    Not "as tall as ever seen": the tallest frames of a visit come while the client steps onto the mark (a stride,
    a turn, a noisy head), and a ruler made of them would never be renewed by the standing between reps, which
    reads a centimetre or two lower. The client's upright height is instead the top of the head over the last
    few seconds at a high percentile, and a frame stands tall when it comes within a centimetre or two of it with
    the trunk near vertical (a held hinge or squat lowers the percentile, but leans the trunk).
    """

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self._tops: deque[float] = deque()

    def forget(self) -> None:
        self._times.clear()
        self._tops.clear()

    def __call__(self, t_s: float, top_m: float, trunk_deg: float) -> bool:
        self._times.append(t_s)
        self._tops.append(top_m)
        while t_s - self._times[0] > UPRIGHT_WINDOW_S:
            self._times.popleft()
            self._tops.popleft()
        upright_m = quantile(np.fromiter(self._tops, dtype=np.float64, count=len(self._tops)), UPRIGHT_SHARE / 100)
        return top_m >= (1.0 - TALL_MARGIN) * upright_m and abs(trunk_deg) < UPRIGHT_TRUNK_DEG


class StandingBack:
    """The client's back as they stand: the ruler every frame's back is judged against."""

    def __init__(self) -> None:
        self._kept = np.full((STANDING_FRAMES, BINS), np.nan)         # the latest standing outlines, in a ring
        self._count = 0
        self._ruler = np.full(BINS, np.nan)

    def forget(self) -> None:
        """A new client: their own back, not the last one's."""
        self._count = 0
        self._ruler = np.full(BINS, np.nan)

    def flexion_deg(self, outline: np.ndarray, standing: bool) -> float | None:
        """This frame's back flexion (see `flexion_deg`); a frame that shows the client standing tall also
        becomes part of the ruler: the median, sample by sample, of the latest such frames."""
        if standing:
            self._kept[self._count % STANDING_FRAMES] = outline
            self._count += 1
            ordered = np.sort(self._kept[:min(self._count, STANDING_FRAMES)], axis=0)   # unseen (NaN) sorts last
            n = (~np.isnan(ordered)).sum(axis=0)
            cols = np.arange(BINS)
            middle = 0.5 * (ordered[np.maximum(n - 1, 0) // 2, cols] + ordered[n // 2, cols])
            self._ruler = np.where(n > 0, middle, np.nan)
        return flexion_deg(self._ruler, outline)
