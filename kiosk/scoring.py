"""Compare an `analyze` result with a simulator's ground truth, in physical units (tests and benchmarks)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CLEAR_OF_WALL_M = 0.02    # reps this close to the wall may go either way; tapped/form judged only beyond it


@dataclass
class Score:
    on_mark_frames: int = 0
    measured_frames: int = 0
    errors_m: list[float] = field(default_factory=list)
    missed_reps: list[dict] = field(default_factory=list)
    invented_reps: list[dict] = field(default_factory=list)
    wrong_calls: list[str] = field(default_factory=list)     # tapped/form mistakes on clear reps
    matched_reps: int = 0

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

    def merge(self, other: "Score") -> "Score":
        return Score(self.on_mark_frames + other.on_mark_frames, self.measured_frames + other.measured_frames,
                     self.errors_m + other.errors_m, self.missed_reps + other.missed_reps,
                     self.invented_reps + other.invented_reps, self.wrong_calls + other.wrong_calls,
                     self.matched_reps + other.matched_reps)

    def summary(self) -> str:
        return (f"hip offset MAE {self.mae_m * 100:.2f} cm, p95 {self.p95_m * 100:.2f} cm, "
                f"bias {self.bias_m * 100:+.2f} cm, coverage {self.coverage * 100:.1f} % of "
                f"{self.on_mark_frames} on-mark frames; reps matched {self.matched_reps}, "
                f"missed {len(self.missed_reps)}, invented {len(self.invented_reps)}, "
                f"wrong tapped/form {len(self.wrong_calls)}")


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
        if abs(tr["peak_offset_m"] - wall_m) >= CLEAR_OF_WALL_M:
            tapped = tr["peak_offset_m"] >= wall_m
            if match["tapped"] != tapped:
                s.wrong_calls.append(f"rep peaking at frame {tr['peak_frame']}: tapped {match['tapped']}, "
                                     f"truth {tapped}")
            if match["form"] != tr["kind"]:
                s.wrong_calls.append(f"rep peaking at frame {tr['peak_frame']}: form {match['form']}, "
                                     f"truth {tr['kind']}")
    s.invented_reps = found
    return s
