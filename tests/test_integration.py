"""End to end through the command lines other tools rely on (docs/contracts.md), on simulated recordings made here:
`python -m kiosk record` → `python -m calibration auto` → `python -m kiosk analyze`, compared with the ground
truth in centimetres; then the damaged inputs both commands must refuse in one sentence."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calibration.camera import Intrinsics
from calibration.model import Calibration
from calibration.store import load, save
from kiosk.scoring import score
from kiosk.sim import Placement, simulate

WALL_IN = 4.0
PLACEMENTS = [("side-right", "2.2", "1.0", "1.62"), ("oblique-behind-left", "2.6", "1.4", "1.88")]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600)


def one_sentence(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert lines, "a failure must say why"
    assert "Traceback" not in err
    return lines[-1]


@pytest.fixture(scope="module", params=PLACEMENTS, ids=[p[0] for p in PLACEMENTS])
def session(request, tmp_path_factory) -> dict:
    """A calibration routine and a short session, recorded through the SDK, calibrated and analysed."""
    placement, distance, height, stature = request.param
    folder = tmp_path_factory.mktemp(placement)
    where = ["--placement", placement, "--distance", distance, "--height", height, "--stature", stature,
             "--wall-in", str(WALL_IN), "--quiet"]
    for scenario in ("calibration", "smoke"):
        done = run("-m", "kiosk", "record", "--source", f"sim:{scenario}", str(folder / f"{scenario}.db3"), *where)
        assert done.returncode == 0, done.stderr
    cal = run("-m", "calibration", "auto", str(folder / "calibration.db3"), "--out", str(folder / "cal.json"))
    assert cal.returncode == 0, cal.stderr
    out = run("-m", "kiosk", "analyze", str(folder / "smoke.db3"), "--calibration", str(folder / "cal.json"),
              "--wall-in", str(WALL_IN), "--out", str(folder / "result.json"))
    assert out.returncode == 0, out.stderr
    return {"folder": folder, "result": json.loads((folder / "result.json").read_text()),
            "truth": json.loads((folder / "smoke.truth.json").read_text()),
            "calibration_truth": json.loads((folder / "calibration.truth.json").read_text())}


def test_calibration_finds_the_camera_and_the_heel_line(session: dict) -> None:
    cal = load(session["folder"] / "cal.json")
    true_pose = np.array(session["calibration_truth"]["studio_from_camera"])
    # where the calibrated studio frame sits in the true one: the heel line within 1 cm, facing within 5°
    found_in_truth = true_pose @ np.linalg.inv(cal.studio_from_camera)
    assert abs(found_in_truth[2, 3]) < 0.01
    assert abs(np.degrees(np.arctan2(found_in_truth[0, 2], found_in_truth[2, 2]))) < 5.0
    assert cal.placement == session["calibration_truth"]["placement"]["name"]


def test_analyze_follows_the_contract(session: dict) -> None:
    result, truth = session["result"], session["truth"]
    assert [f["frame"] for f in result["frames"]] == [f["frame"] for f in truth["frames"]]
    for f in result["frames"]:
        assert set(f) == {"frame", "t_ms", "on_mark", "hip_offset_m", "occluded", "touched", "camera_moved"}
        assert f["on_mark"] or f["hip_offset_m"] is None
        assert not f["camera_moved"]              # the camera stayed where it was calibrated
    for r in result["reps"]:
        assert set(r) == {"start_frame", "peak_frame", "end_frame", "peak_offset_m", "tapped", "form", "faults",
                          "trunk_deg", "knee_deg", "spine"}
        assert r["start_frame"] <= r["peak_frame"] <= r["end_frame"] and r["form"] in ("hinge", "squat")
        assert isinstance(r["trunk_deg"], float) and r["spine"] in ("neutral", "rounded")
        assert r["knee_deg"] is None or isinstance(r["knee_deg"], float)


def test_hip_offset_and_reps_match_the_truth(session: dict) -> None:
    s = score(session["result"], session["truth"], WALL_IN * 0.0254)
    assert s.on_mark_frames > 60
    assert s.coverage >= 0.95
    assert s.mae_m <= 0.010 and s.p95_m <= 0.025, s.summary()
    assert not s.missed_reps and not s.invented_reps and not s.wrong_calls, s.summary()


# ---- what a user can get wrong: one sentence, exit 1 ----------------------------------------------------------
@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("good")
    done = run("-m", "kiosk", "record", "--source", "sim:smoke", str(folder / "smoke.db3"), "--quiet")
    assert done.returncode == 0, done.stderr
    cal = run("-m", "calibration", "auto", str(folder / "smoke.db3"), "--out", str(folder / "nope.json"))
    return {"folder": folder, "recording": folder / "smoke.db3", "calibration_attempt": cal}


def damaged_recordings(good: dict, tmp: Path) -> dict[str, Path]:
    rec = good["recording"]
    truncated = tmp / "truncated.db3"
    truncated.write_bytes(rec.read_bytes()[: rec.stat().st_size // 3])
    garbage = tmp / "garbage.db3"
    garbage.write_bytes(np.random.default_rng(0).bytes(200_000))
    empty = tmp / "empty.db3"
    empty.write_bytes(b"")
    text = tmp / "notes.bag"
    text.write_text("not a recording\n")
    return {"missing": tmp / "missing.db3", "truncated": truncated, "garbage": garbage, "empty": empty,
            "text": text}


def test_calibration_auto_refuses_a_recording_without_the_routine(good: dict) -> None:
    done = good["calibration_attempt"]        # the smoke clip: nobody stands still for 2 s
    assert done.returncode == 1 and "still" in one_sentence(done.stderr)
    assert not (good["folder"] / "nope.json").exists()


@pytest.mark.parametrize("what", ["missing", "truncated", "garbage", "empty", "text"])
def test_both_commands_refuse_a_damaged_recording_in_one_sentence(good: dict, tmp_path: Path, what: str) -> None:
    path = damaged_recordings(good, tmp_path)[what]
    cal_path = tmp_path / "cal.json"
    done = run("-m", "calibration", "auto", str(path), "--out", str(cal_path))
    assert done.returncode == 1
    one_sentence(done.stderr)
    assert not cal_path.exists()
    save(_calibration_for(Intrinsics(848, 480, 425.2, 425.2, 423.6, 239.4)), cal_path)
    out = tmp_path / "result.json"
    done = run("-m", "kiosk", "analyze", str(path), "--calibration", str(cal_path), "--wall-in", "4",
               "--out", str(out))
    if what == "truncated" and done.returncode == 0:
        # the SDK may still read the first third: then it must be analysed as far as it goes
        assert json.loads(out.read_text())["frames"]
        return
    assert done.returncode == 1
    one_sentence(done.stderr)
    assert not out.exists()


def test_analyze_refuses_a_calibration_for_another_camera_mode(good: dict, tmp_path: Path) -> None:
    cal_path = tmp_path / "cal.json"
    save(_calibration_for(Intrinsics(640, 480, 383.0, 383.0, 320.0, 240.0)), cal_path)
    done = run("-m", "kiosk", "analyze", str(good["recording"]), "--calibration", str(cal_path),
               "--wall-in", "4", "--out", str(tmp_path / "r.json"))
    assert done.returncode == 1 and "calibrate" in one_sentence(done.stderr)


@pytest.mark.parametrize("content", ["", "{not json", '{"kind": "something-else", "version": 1}',
                                     '{"kind": "hinge-kiosk-calibration", "version": 99}'])
def test_analyze_refuses_a_bad_calibration_file(good: dict, tmp_path: Path, content: str) -> None:
    cal_path = tmp_path / "cal.json"
    cal_path.write_text(content)
    done = run("-m", "kiosk", "analyze", str(good["recording"]), "--calibration", str(cal_path),
               "--wall-in", "4", "--out", str(tmp_path / "r.json"))
    assert done.returncode == 1
    one_sentence(done.stderr)
    assert cal_path.read_text() == content                  # never touched


def test_analyze_refuses_an_impossible_wall(good: dict, tmp_path: Path) -> None:
    done = run("-m", "kiosk", "analyze", str(good["recording"]), "--calibration", str(tmp_path / "c.json"),
               "--wall-in", "-3", "--out", str(tmp_path / "r.json"))
    assert done.returncode == 1 and "wall" in one_sentence(done.stderr)


def test_analyze_cannot_write_its_result(good: dict, tmp_path: Path) -> None:
    cal_path = tmp_path / "cal.json"
    save(_calibration_for(Intrinsics(848, 480, 425.2, 425.2, 423.6, 239.4)), cal_path)
    blocked = tmp_path / "file"
    blocked.write_text("")
    done = run("-m", "kiosk", "analyze", str(good["recording"]), "--calibration", str(cal_path),
               "--wall-in", "4", "--out", str(blocked / "result.json"))
    assert done.returncode == 1 and "writ" in one_sentence(done.stderr)


def test_record_refuses_unknown_sources_and_settings(tmp_path: Path) -> None:
    for args in (["--source", "camera:0"], ["--source", "sim:nothing"], ["--source", "sim:smoke", "--stature", "3"],
                 ["--source", "sim:smoke", "--placement", "ceiling"]):
        done = run("-m", "kiosk", "record", *args, str(tmp_path / "x.db3"))
        assert done.returncode == 1
        one_sentence(done.stderr)
    assert not list(tmp_path.iterdir())


def _calibration_for(intr: Intrinsics) -> Calibration:
    """A plausible side-left calibration for the given camera mode (for refusal tests)."""
    return dataclasses.replace(simulate("smoke", Placement("side-left")).calibration(), intrinsics=intr)
