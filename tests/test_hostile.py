"""Every file the kiosk reads, tried empty, truncated, of the wrong type, from a newer version and as a folder, and
command-line values that make no sense: each is one sentence and exit code 1, never a traceback."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk import run
from tests.test_run import assets, one_sentence  # noqa: F401  (the stand-in recording and calibration)


def bad_files(folder: Path, recording: Path, cal: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    made = {"folder": folder / "a-folder", "empty": folder / "empty", "text": folder / "notes.txt",
            "truncated recording": folder / "cut.db3", "truncated json": folder / "cut.json",
            "newer calibration": folder / "newer.json", "newer settings": folder / "newer-settings.json",
            "calibration": cal}
    made["folder"].mkdir(exist_ok=True)
    made["empty"].write_bytes(b"")
    made["text"].write_text("shopping list: kettlebell, mat\n")
    made["truncated recording"].write_bytes(recording.read_bytes()[:50_000])
    made["truncated json"].write_text(cal.read_text()[:300])
    made["newer calibration"].write_text(json.dumps({**json.loads(cal.read_text()), "version": 99}))
    made["newer settings"].write_text(json.dumps({"kind": "hinge-kiosk-settings", "version": 99}))
    return made


# (what is tried, the option it is given to, the bad file, words the sentence must hold)
CASES = [
    ("recording", "--recording", "folder", "is a folder"),
    ("recording", "--recording", "empty", "recording"),
    ("recording", "--recording", "text", "recording"),
    ("recording", "--recording", "truncated recording", "damaged or incomplete"),
    ("recording", "--recording", "calibration", "recording"),
    ("calibration", "--calibration", "folder", "is a folder"),
    ("calibration", "--calibration", "empty", "damaged"),
    ("calibration", "--calibration", "text", "damaged"),
    ("calibration", "--calibration", "truncated json", "damaged"),
    ("calibration", "--calibration", "newer calibration", "newer kiosk"),
    ("settings", "--settings", "folder", "Is a directory"),
    ("settings", "--settings", "empty", "not valid JSON"),
    ("settings", "--settings", "text", "not valid JSON"),
    ("settings", "--settings", "calibration", "not a kiosk settings file"),
    ("settings", "--settings", "newer settings", "newer kiosk"),
]


@pytest.mark.parametrize("what, option, bad, words", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_bad_file_is_one_sentence(assets, tmp_path: Path, capsys, what, option, bad, words) -> None:
    recording, cal = assets
    files = bad_files(tmp_path, recording, cal)
    given = {"--recording": str(recording), "--calibration": str(cal)}
    given[option] = str(files[bad])
    argv = ["--headless", "--seconds", "1", "--size", "320x180"] + [x for kv in given.items() for x in kv]
    assert run.main(argv) == 1
    assert words in one_sentence(capsys.readouterr().err)


@pytest.mark.parametrize("option, value", [("--size", "0x0"), ("--size", "huge"), ("--seconds", "-1"),
                                           ("--seconds", "soon"), ("--serial", "123"), ("--nonsense", "1")])
def test_a_bad_option_value_is_one_sentence(assets, capsys, option: str, value: str) -> None:
    recording, cal = assets
    argv = ["--headless", "--seconds", "1", "--recording", str(recording), "--calibration", str(cal), option, value]
    assert run.main(argv) == 1
    one_sentence(capsys.readouterr().err)
