"""Reps and form from a stream of measurements: standing → hips back → peak → standing again.

Pure: feed Measurements in time order, get finished reps (or a cancelled attempt) out.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from kiosk.form import Fault, judge
from kiosk.measurement import Measurement
from kiosk.quantile import median, quantile

SETTLE_S = 0.5             # standing still this long on the mark arms the machine
RESETTLE_S = 2.5           # ...and this long moves "standing" once armed: a whole sway cycle (0.3-0.5 Hz), so
#                            "standing" is the middle of a client's rocking, not its back end
SHIFTED_S = 1.0            # ...or this long, still, when the hips stay back short of a rep: a new stance
LEAD_S = 0.6               # re-settling ignores the newest this long: the hips may be starting a rep
STILL_M = 0.012            # hip offset spread that still counts as standing still
TREND_M = 0.004            # ...with its two ends this close: a slow hinge drifts, and must not move "standing"
LEAVE_STANDING_M = 0.015   # hips this far behind standing have left standing (start / end of a rep)
MIN_TRAVEL_M = 0.03        # less than this is sway, not a rep
TRAVEL_FRAMES = 5          # frames averaged at the deepest point to judge a rep's travel
MIN_REP_S = 0.4            # nobody hinges and snaps back faster: shorter excursions are a glitch or a stumble
FEET_MOVED_M = 0.04        # heels moving this much mean the feet shifted: not a rep
HEELS_SETTLED_M = 0.02     # the heels' median moved less than this across the still window
HEEL_FRAMES = 9            # median of this many frames of heel position before calling the feet moved
UPRIGHT_SHARE = 0.95       # standing means the top of the head is near the visitor's full height
MAX_HOLD_S = 1.5           # staying near the bottom longer than this is not "ending upright"
BOTTOM_M = 0.03            # within this of the peak the hips are "at the bottom"...
BOTTOM_SHARE = 0.3         # ...or within this share of the travel, for short reps
GAP_S = 0.3                # a lost measurement this short does not end a rep...
HIDDEN_MAX_S = 3.0         # ...and the client hidden (someone in front) or touched this long does not either
SNAP_S = 0.7               # a return this quick earns praise
TAP_TOLERANCE_M = 0.0      # the hips must reach the wall itself
PEAK_FRAMES = 2            # the body's angles at the peak: the median of this many frames either side



@dataclass(frozen=True, kw_only=True)
class Rep:
    start_frame: int
    peak_frame: int
    end_frame: int
    start_s: float
    peak_s: float
    end_s: float
    standing_offset_m: float
    peak_offset_m: float
    hip_drop_m: float
    tapped: bool
    form: str                      # "hinge" | "squat"
    faults: tuple[Fault, ...]
    trunk_deg: float = 0.0         # body angles at the peak (see kiosk.measurement)
    knee_deg: float | None = None
    spine: str = "neutral"         # "neutral" | "rounded"
    left_bottom_s: float = 0.0     # when the hips started back up

    @property
    def good(self) -> bool:
        return self.tapped and self.form == "hinge" and not self.faults

    @property
    def return_s(self) -> float:
        """How long the "snap" back to standing took."""
        return self.end_s - self.left_bottom_s

    @property
    def snap(self) -> bool:
        return self.good and self.return_s <= SNAP_S


@dataclass(frozen=True)
class Cancelled:
    """An attempt that stopped being a rep (feet moved, stepped off); the game may want to coach it."""

    frame: int
    reason: Fault


def _drifting(times: np.ndarray, offsets: np.ndarray) -> bool:
    """The hips moved steadily across the window, by more than TREND_M beyond what the noise could fake."""
    t = times - times.mean()
    slope = float(t @ (offsets - offsets.mean()) / max(float(t @ t), 1e-9))
    resid = offsets - offsets.mean() - slope * t
    span = float(times[-1] - times[0])
    noise = float(np.std(resid)) * np.sqrt(12.0 / len(offsets))       # standard error of slope x span
    return abs(slope) * span > TREND_M + 2.0 * noise


def _spread(values) -> float:
    """Range of the middle 80 %: one noisy frame does not make a still client look restless."""
    return quantile(values, 0.9) - quantile(values, 0.1)


def touching(hip_offset_m: float, wall_m: float) -> bool:
    """The hips are at the wall: the one rule for the live "touch" and a rep's `tapped`."""
    return hip_offset_m >= wall_m - TAP_TOLERANCE_M


class RepCounter:
    """The rep state machine for one wall distance (which may change between reps)."""

    def __init__(self, wall_m: float) -> None:
        self.wall_m = wall_m
        self._still: deque[Measurement] = deque()
        self._standing: tuple[float, float, float, float] | None = None   # offset, hip height, heel z, trunk
        self._rep: list[Measurement] = []
        self._heels: deque[float] = deque(maxlen=HEEL_FRAMES)
        self._tallest_m = 0.0
        self._last_on_s: float | None = None

    @property
    def standing_offset_m(self) -> float | None:
        return None if self._standing is None else self._standing[0]

    @property
    def in_rep(self) -> bool:
        return bool(self._rep)

    def reset(self, visitor_left: bool = True) -> None:
        self._still.clear()
        self._standing = None
        self._rep = []
        self._heels.clear()
        if visitor_left:
            self._tallest_m = 0.0
            self._last_on_s = None

    def update(self, m: Measurement) -> Rep | Cancelled | None:
        if (m.occluded or m.touched) and self._last_on_s is not None and m.t_s - self._last_on_s <= HIDDEN_MAX_S:
            return None            # someone passing in front, or touching the client: measured as nothing, no rep
            #                        starts or ends here (and the rep in progress waits)
        if not m.on_mark or m.hip_offset_m is None:
            if self._last_on_s is not None and m.t_s - self._last_on_s <= GAP_S:
                return None        # a frame or two without a measurement (noise at the heels): not leaving yet
            was_in_rep = bool(self._rep)
            self.reset()
            return Cancelled(m.frame, Fault.LEFT_MARK) if was_in_rep else None
        self._last_on_s = m.t_s
        if m.top_m is not None:
            self._tallest_m = max(self._tallest_m, m.top_m)
        if self._standing is None:
            self._settle(m)
            return None
        standing_offset, _, standing_heel, _ = self._standing
        if m.heel_z_m is not None and m.feet_seen:      # hidden feet are placed under the shins, which move
            self._heels.append(m.heel_z_m)
        if len(self._heels) == self._heels.maxlen and abs(median(self._heels) - standing_heel) > FEET_MOVED_M:
            was_in_rep = bool(self._rep)
            self.reset(visitor_left=False)
            return Cancelled(m.frame, Fault.FEET_MOVED) if was_in_rep else None
        behind = m.hip_offset_m - standing_offset
        if not self._rep:
            if behind > LEAVE_STANDING_M:
                self._rep = [m]
            else:
                self._settle(m)
            return None
        self._rep.append(m)
        if behind > LEAVE_STANDING_M:
            if max(f.hip_offset_m for f in self._rep) - standing_offset < MIN_TRAVEL_M:
                stance = _stance([f for f in self._rep if f.t_s >= m.t_s - SHIFTED_S], SHIFTED_S, self._tallest_m)
                if stance is not None:     # hips settled a little further back: a new way of standing
                    self._standing, self._rep = stance, []
                    self._still = deque(f for f in self._still if f.t_s >= m.t_s - SHIFTED_S)
            return None
        rep = self._finish()
        self._rep = []
        if rep is not None:
            self._still.clear()       # a real rep: standing is found afresh (a mere wobble keeps its window)
        self._settle(m)
        return rep

    def _settle(self, m: Measurement) -> None:
        """Keep a window of still standing; once long enough, its median is the standing position.

        Re-settling needs a longer window than settling first — a slow hinge drifts too little in half a second
        to tell from noise, and a client rocking between reps is standing at the middle of the rocking — and it
        leaves out the newest LEAD_S: those frames may be the start of a rep, and must not carry "standing" with it.
        """
        self._still.append(m)
        first = self._standing is None
        needed_s, lead_s = (SETTLE_S, 0.0) if first else (RESETTLE_S, LEAD_S)
        while self._still and m.t_s - self._still[0].t_s > needed_s + lead_s:
            self._still.popleft()
        if _spread([s.hip_offset_m for s in self._still]) > 2 * STILL_M:
            while len(self._still) > 1 and _spread([s.hip_offset_m for s in self._still]) > 2 * STILL_M:
                self._still.popleft()
            return
        stance = _stance([s for s in self._still if s.t_s <= m.t_s - lead_s], needed_s, self._tallest_m)
        if stance is not None:
            self._standing = stance

    def _finish(self) -> Rep | None:
        frames = self._rep
        standing_offset, standing_height, _, standing_trunk = self._standing
        offsets = np.array([f.hip_offset_m for f in frames])
        # the peak is the middle of the deepest stretch, robust to one noisy frame
        smooth = np.convolve(offsets, np.ones(3) / 3, mode="same") if len(offsets) >= 3 else offsets
        k = int(np.argmax(smooth))
        peak_offset = float(np.max(smooth))
        # travel is judged on the deepest few frames together: the single deepest of a noisy stretch overshoots
        deepest = float(np.mean(np.sort(smooth)[-TRAVEL_FRAMES:]))
        if deepest - standing_offset < MIN_TRAVEL_M or frames[-1].t_s - frames[0].t_s < MIN_REP_S:
            return None
        peak = frames[k]
        heights = np.array([f.hip_height_m for f in frames])
        drop = float(standing_height - np.min(heights[max(0, k - 2): k + 3]))
        travel = peak_offset - standing_offset
        near_peak = min(BOTTOM_M, BOTTOM_SHARE * travel)
        at_bottom = [f for f, s in zip(frames, smooth) if s >= peak_offset - near_peak]
        around = frames[max(0, k - PEAK_FRAMES): k + PEAK_FRAMES + 1]
        seen = next((t for t in (_median([f.trunk_deg for f in around]), _median([f.trunk_deg for f in at_bottom]))
                     if t is not None), None)
        trunk = standing_trunk if seen is None else seen
        knee = _median([f.knee_deg for f in around])
        form = judge(travel, self._tallest_m, None if seen is None else seen - standing_trunk, knee,
                     _median([f.back_flexion_deg for f in at_bottom]))
        tapped = touching(peak_offset, self.wall_m)
        faults = list(form.faults)
        if not tapped:
            faults.append(Fault.SHORT)
        if at_bottom[-1].t_s - at_bottom[0].t_s > MAX_HOLD_S:
            faults.append(Fault.STAYED_DOWN)
        return Rep(start_frame=frames[0].frame, peak_frame=peak.frame, end_frame=frames[-1].frame,
                   start_s=frames[0].t_s, peak_s=peak.t_s, end_s=frames[-1].t_s, standing_offset_m=standing_offset,
                   peak_offset_m=peak_offset, hip_drop_m=drop, tapped=tapped, form=form.kind, faults=tuple(faults),
                   trunk_deg=trunk, knee_deg=knee, spine=form.spine, left_bottom_s=at_bottom[-1].t_s)


def _stance(window: list[Measurement], needed_s: float, tallest_m: float) -> tuple[float, float, float, float] | None:
    """(hip offset, hip height, heel z, trunk) of standing, from a window of frames, if they show standing: as long
    as needed, still (no drift beyond noise), upright, with the feet settled."""
    if not window:
        return None
    times = np.array([s.t_s for s in window])
    offs = np.array([s.hip_offset_m for s in window])
    if times[-1] - times[0] < needed_s * 0.9 or _spread(offs) > 2 * STILL_M or _drifting(times, offs):
        return None
    tops = [s.top_m for s in window if s.top_m is not None]
    if tops and median(tops) < UPRIGHT_SHARE * tallest_m:
        return None          # held still, but down in a hinge: not standing
    heels = [s.heel_z_m for s in window if s.heel_z_m is not None]
    half = len(heels) // 2
    if half >= 3 and (abs(median(heels[:half]) - median(heels[half:])) > HEELS_SETTLED_M
                      or _spread(heels) > FEET_MOVED_M):
        return None          # the feet are still finding the mark (turning onto it, shuffling)
    return (median(offs), median([s.hip_height_m for s in window]), median(heels) if heels else 0.0,
            _or_zero(_median([s.trunk_deg for s in window])))


def _or_zero(value: float | None) -> float:
    return 0.0 if value is None else value


def _median(values: list[float | None]) -> float | None:
    """Median of the values that were measured; None when none was."""
    known = [v for v in values if v is not None and v == v]
    return median(known) if known else None
