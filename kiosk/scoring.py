"""Compare an `analyze` result with a simulator's ground truth, in physical units (tests and benchmarks)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.form import Fault

CLEAR_OF_WALL_M = 0.02    # reps this close to the wall may go either way; tapped judged only beyond it
ROUNDED_TRUTH_DEG = 20.0  # a back flexed this much must be called rounded...
NEUTRAL_TRUTH_DEG = 6.0   # ...and one flexed no more than this (a flat back, a little natural rounding) neutral


@dataclass
class Score:
    on_mark_frames: int = 0
    measured_frames: int = 0
    errors_m: list[float] = field(default_factory=list)
    missed_reps: list[dict] = field(default_factory=list)
    invented_reps: list[dict] = field(default_factory=list)
    wrong_calls: list[str] = field(default_factory=list)     # tapped, form, spine or knee-fault mistakes
    matched_reps: int = 0
    trunk_errors_deg: list[float] = field(default_factory=list)   # at each matched rep's peak
    knee_errors_deg: list[float] = field(default_factory=list)    # where the knee was reported
    knees_reported: int = 0

    @property
    def coverage(self) -> float:
        return self.measured_frames / self.on_mark_frames if self.on_mark_frames else 0.0

    @property
    def mae_m(self) -> float:
        return float(np.mean(np.abs(self.errors_m))) if self.errors_m else float("nan")

    @property
    def p95_m(self) -> float:
        return float(np.percentile(np.abs(self.errors_m), 95)) if self.errors_m else float("nan")

    @property
    def bias_m(self) -> float:
        return float(np.mean(self.errors_m)) if self.errors_m else float("nan")

    @property
    def trunk_mae_deg(self) -> float:
        return float(np.mean(np.abs(self.trunk_errors_deg))) if self.trunk_errors_deg else float("nan")

    @property
    def knee_mae_deg(self) -> float:
        return float(np.mean(np.abs(self.knee_errors_deg))) if self.knee_errors_deg else float("nan")

    @property
    def f1(self) -> float:
        found = self.matched_reps + len(self.invented_reps)
        truth = self.matched_reps + len(self.missed_reps)
        if not found or not truth:
            return 1.0 if found == truth else 0.0
        precision, recall = self.matched_reps / found, self.matched_reps / truth
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def merge(self, other: "Score") -> "Score":
        return Score(**{f: getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__})

    def summary(self) -> str:
        return (f"hip offset MAE {self.mae_m * 100:.2f} cm, p95 {self.p95_m * 100:.2f} cm, "
                f"bias {self.bias_m * 100:+.2f} cm, coverage {self.coverage * 100:.1f} % of "
                f"{self.on_mark_frames} on-mark frames; reps matched {self.matched_reps}, "
                f"missed {len(self.missed_reps)}, invented {len(self.invented_reps)} (F1 {self.f1:.2f}), "
                f"wrong calls {len(self.wrong_calls)}; trunk at the peak MAE {self.trunk_mae_deg:.1f} deg, knee MAE "
                f"{self.knee_mae_deg:.1f} deg over {self.knees_reported} reps")


def score(result: dict, truth: dict, wall_m: float) -> Score:
    measured = {f["frame"]: f for f in result["frames"]}
    s = Score()
    for t in truth["frames"]:
        if not t["on_mark"] or t["hip_offset_m"] is None:
            continue
        s.on_mark_frames += 1
        m = measured.get(t["frame"])
        if m is not None and m["hip_offset_m"] is not None:
            s.measured_frames += 1
            s.errors_m.append(m["hip_offset_m"] - t["hip_offset_m"])
    found = list(result["reps"])
    for tr in truth["reps"]:
        match = next((r for r in found if tr["start_frame"] <= r["peak_frame"] <= tr["end_frame"]), None)
        if match is None:
            s.missed_reps.append(tr)
            continue
        found.remove(match)
        s.matched_reps += 1
        s.wrong_calls += _wrong_calls(match, tr, wall_m)
        s.trunk_errors_deg.append(match["trunk_deg"] - tr["trunk_deg"])
        if match["knee_deg"] is not None:
            s.knees_reported += 1
            s.knee_errors_deg.append(match["knee_deg"] - tr["knee_deg"])
    s.invented_reps = found
    return s


def _wrong_calls(found: dict, truth: dict, wall_m: float) -> list[str]:
    """What a matched rep got wrong: tapped (beyond the wall's margin), hinge or squat, the spine (where the
    truth is clearly flat or clearly rounded), and the knees-forward fault (where the knee was seen)."""
    where = f"{truth['style']} rep peaking at frame {truth['peak_frame']}"
    wrong = []
    tapped = truth["peak_offset_m"] >= wall_m
    if abs(truth["peak_offset_m"] - wall_m) >= CLEAR_OF_WALL_M and found["tapped"] != tapped:
        wrong.append(f"{where}: tapped {found['tapped']}, truth {not found['tapped']}")
    if found["form"] != truth["kind"]:
        wrong.append(f"{where}: form {found['form']}, truth {truth['kind']}")
    spine = ("rounded" if truth["spine_deg"] >= ROUNDED_TRUTH_DEG
             else "neutral" if truth["spine_deg"] <= NEUTRAL_TRUTH_DEG else None)
    if spine is not None and found["spine"] != spine:
        wrong.append(f"{where}: spine {found['spine']}, truth {spine} ({truth['spine_deg']:.0f} deg)")
    knees_forward = str(Fault.KNEES_FORWARD) in found["faults"]
    if found["knee_deg"] is not None and truth["kind"] == "hinge" and knees_forward != truth["knees_forward"]:
        wrong.append(f"{where}: knees-forward fault {knees_forward}")
    return wrong
