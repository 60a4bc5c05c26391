"""Calibration files: atomic, versioned, backed up, and refused with one clear sentence when unusable."""
import json

import numpy as np
import pytest

from calibration.camera import Intrinsics
from calibration.model import Calibration
from calibration.store import CalibrationFileError, backup_path, load, save, to_document

INTR = Intrinsics(848, 480, 425.0, 425.0, 424.0, 240.0)


def a_calibration(x: float = 0.0) -> Calibration:
    pose = np.eye(4)
    pose[:3, 3] = [x, 1.2, -2.5]
    return Calibration(INTR, pose, 0.05, "Simulated D435", "SIM-1", "2026-11-24T00:00:00+00:00")


def test_round_trip_keeps_every_value(tmp_path):
    path = tmp_path / "cal.json"
    cal = a_calibration(0.25)
    save(cal, path)
    back = load(path)
    assert back.intrinsics == cal.intrinsics
    np.testing.assert_allclose(back.studio_from_camera, cal.studio_from_camera)
    assert back.baseline_m == 0.05 and back.device_serial == "SIM-1"
    assert back.placement == "behind"


def test_saving_again_keeps_the_previous_as_backup(tmp_path):
    path = tmp_path / "cal.json"
    save(a_calibration(0.1), path)
    save(a_calibration(0.2), path)
    assert load(path).studio_from_camera[0, 3] == pytest.approx(0.2)
    assert load(backup_path(path)).studio_from_camera[0, 3] == pytest.approx(0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.json", "cal.json.bak"]   # no temp files left


def test_a_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "cal.json"
    save(a_calibration(0.1), path)
    monkeypatch.setattr("calibration.store.json.dumps", lambda *a, **k: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(OSError):
        save(a_calibration(0.2), path)
    assert load(path).studio_from_camera[0, 3] == pytest.approx(0.1)


@pytest.mark.parametrize("content,words", [
    (None, "No calibration"),
    ("{not json", "damaged"),
    (b"\xff\xfe\x00garbage", "damaged"),
    ("[1, 2, 3]", "not a Hinge kiosk calibration"),
    (json.dumps({"kind": "something-else", "version": 1}), "not a Hinge kiosk calibration"),
    (json.dumps({"kind": "hinge-kiosk-calibration", "version": 99}), "newer kiosk"),
    (json.dumps({"kind": "hinge-kiosk-calibration", "version": "one"}), "version"),
    (json.dumps({"kind": "hinge-kiosk-calibration", "version": 1}), "incomplete"),
])
def test_unusable_files_are_refused_with_one_sentence(tmp_path, content, words):
    path = tmp_path / "cal.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(CalibrationFileError) as err:
        load(path)
    message = str(err.value)
    assert words in message
    assert message.count("\n") == 0 and message.endswith(".")


def test_impossible_pose_is_refused(tmp_path):
    doc = to_document(a_calibration())
    doc["studio_from_camera"][0][0] = 3.0
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CalibrationFileError, match="impossible"):
        load(path)
