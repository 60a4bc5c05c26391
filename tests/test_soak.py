"""The soak's short version (benchmarks/soak.py runs the long one): idle stretches, visits and injected camera
faults through the real capture path, and nothing goes unhandled; the game keeps receiving measurements after
every fault."""
from __future__ import annotations

import sys
from pathlib import Path

from calibration.store import save
from tests.test_live import stand_in_calibration, stand_in_recording

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import soak  # noqa: E402


def test_a_short_day_with_faults_runs_through(tmp_path: Path) -> None:
    visit = stand_in_recording(tmp_path / "visit.db3", n=120, arrive=30)
    cal = tmp_path / "cal.json"
    save(stand_in_calibration(), cal)
    result = soak.soak(visit, cal, frames=3000, fault_every=1000, workdir=tmp_path, report_every=10 ** 9,
                       idle_frames=300)
    assert result["unhandled"] == 0, result["unhandled_messages"]
    assert result["faults_injected"] == 2 and result["frames"] >= 2998
    assert result["frames_seen_by_the_game"] > 1000          # the newest only, but all through the day
    assert result["sessions"] > 0                            # the visits' client was coached
