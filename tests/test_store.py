"""Calibration files: atomic, versioned, backed up, and refused with one clear sentence when unusable."""
import base64
import functools
import json
import zlib

import numpy as np
import pytest

from calibration.background import Background
from calibration.camera import Intrinsics
from calibration.model import Calibration
from calibration.store import CalibrationFileError, backup_path, load, save, to_document

INTR = Intrinsics(848, 480, 425.0, 425.0, 424.0, 240.0)


@functools.cache
def a_background(seed: int = 0) -> Background:
    """A background like a real one: smooth depth with noise, unknown patches, and spreads up to metres at edges."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(6000, 1500, INTR.height)[:, None] * np.ones(INTR.width)
    depth_mm = np.rint(rows + rng.normal(0, 5, rows.shape))
    depth_mm[rng.random(rows.shape) < 0.08] = 0
    depth_mm[:, :10] = 0                                 # the invalid band on the left
    spread_mm = np.where(rng.random(rows.shape) < 0.01, 2500, 15 + rng.integers(0, 20, rows.shape))
    return Background.from_mm(depth_mm, spread_mm)


def a_calibration(x: float = 0.0, background: Background | None = None) -> Calibration:
    pose = np.eye(4)
    pose[:3, 3] = [x, 1.2, -2.5]
    return Calibration(INTR, pose, 0.05, "Simulated D435", "SIM-1", "2026-11-24T00:00:00+00:00",
                       background=background)


def test_round_trip_keeps_every_value(tmp_path):
    path = tmp_path / "cal.json"
    cal = a_calibration(0.25)
    save(cal, path)
    back = load(path)
    assert back.intrinsics == cal.intrinsics
    np.testing.assert_allclose(back.studio_from_camera, cal.studio_from_camera)
    assert back.baseline_m == 0.05 and back.device_serial == "SIM-1"
    assert back.placement == "behind"
    assert back.background is None


def test_the_background_round_trips_to_the_millimetre(tmp_path):
    path = tmp_path / "cal.json"
    background = a_background()
    save(a_calibration(background=background), path)
    back = load(path).background
    np.testing.assert_array_equal(back.depth_m, background.depth_m)
    np.testing.assert_array_equal(back.spread_m, background.spread_m)
    assert back.depth_m.dtype == np.float32 and back.depth_m.shape == (INTR.height, INTR.width)


def test_saving_again_keeps_the_previous_background_in_the_backup(tmp_path):
    path = tmp_path / "cal.json"
    save(a_calibration(0.1, a_background(1)), path)
    save(a_calibration(0.2, a_background(2)), path)
    np.testing.assert_array_equal(load(backup_path(path)).background.depth_m, a_background(1).depth_m)
    np.testing.assert_array_equal(load(path).background.depth_m, a_background(2).depth_m)


def test_a_format_1_file_still_loads_without_a_background(tmp_path):
    doc = to_document(a_calibration(0.25))
    doc["version"] = 1
    del doc["background"]
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc))
    back = load(path)
    assert back.background is None
    assert back.studio_from_camera[0, 3] == pytest.approx(0.25)


@functools.cache
def with_background() -> str:
    """A calibration document with a background, as JSON text (encoded once for all the tests)."""
    return json.dumps(to_document(a_calibration(background=a_background())))


def _text(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@pytest.mark.parametrize("field,value", [
    ("depth_mm", "not base64 at all!"),
    ("depth_mm", _text(b"base64, but not zlib")),
    ("depth_mm", _text(zlib.compress(b"\x00" * 100))),                            # an image of the wrong size
    ("depth_mm", _text(zlib.compress(b"\x00" * (2 * 848 * 480)) + b"trailing")),  # more than one image
    ("depth_mm", _text(zlib.compress(b"\x00" * 50_000_000))),                     # inflates far past an image
    ("depth_mm", 12345),
    ("spread_mm", None),
    ("encoding", "png"),
    (None, [1, 2, 3]),
    (None, "background"),
])
def test_a_damaged_background_is_refused_with_one_sentence(tmp_path, field, value):
    doc = json.loads(with_background())
    if field is None:
        doc["background"] = value
    else:
        doc["background"][field] = value
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CalibrationFileError) as err:
        load(path)
    assert str(err.value) == f"{path} is incomplete or damaged: restore the .bak copy or calibrate again."


def test_a_damaged_background_with_impossible_camera_values_says_the_values(tmp_path):
    doc = json.loads(with_background())
    doc["intrinsics"]["width"] = 0
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CalibrationFileError, match="impossible camera values"):
        load(path)


def test_the_file_is_one_json_document_of_format_2():
    doc = json.loads(with_background())
    assert doc["version"] == 2
    assert set(doc["background"]) == {"encoding", "depth_mm", "spread_mm"}


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
    (json.dumps({"kind": "hinge-kiosk-calibration", "version": 3}), "newer kiosk"),
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
