"""Versioned calibration files: atomic writes, a kept backup, and loading that explains what is wrong."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from calibration.camera import Intrinsics
from calibration.geometry import is_rigid
from calibration.model import Calibration

KIND = "hinge-kiosk-calibration"
VERSION = 1


class CalibrationFileError(Exception):
    """A calibration file that cannot be used; str() is one sentence saying what to do."""


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename, so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cannot_write(path: Path, err: OSError) -> str:
    """The one sentence for an output file that could not be written."""
    return f"cannot write {path} ({err.strerror}): choose a writable place."


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".bak")


def to_document(cal: Calibration) -> dict:
    return {
        "kind": KIND,
        "version": VERSION,
        "created_utc": cal.created_utc,
        "device": {"name": cal.device_name, "serial": cal.device_serial, "baseline_m": cal.baseline_m},
        "intrinsics": cal.intrinsics.to_dict(),
        "studio_from_camera": np.round(cal.studio_from_camera, 9).tolist(),
        "placement": cal.placement,
        "camera_distance_m": round(cal.camera_distance_m, 4),
        "camera_height_m": round(cal.camera_height_m, 4),
        "stance_width_m": round(cal.stance_width_m, 4),
        "notes": list(cal.notes),
    }


def save(cal: Calibration, path: Path) -> None:
    """Save atomically; the calibration it replaces is kept as PATH.bak (also written atomically)."""
    path = Path(path)
    if path.exists():
        write_atomic(backup_path(path), path.read_text(encoding="utf-8", errors="replace"))
    write_atomic(path, json.dumps(to_document(cal), indent=2) + "\n")


def load(path: Path) -> Calibration:
    path = Path(path)
    if not path.exists():
        raise CalibrationFileError(f"No calibration at {path}: run the trainer calibration first "
                                   "(python -m calibration auto RECORDING --out CAL.json).")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise CalibrationFileError(f"{path} is damaged (not readable JSON): restore {backup_path(path).name} "
                                   "or calibrate again.") from None
    return from_document(doc, str(path))


def from_document(doc: object, where: str = "the calibration") -> Calibration:
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise CalibrationFileError(f"{where} is not a Hinge kiosk calibration file: choose the file that "
                                   "'python -m calibration' wrote.")
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise CalibrationFileError(f"{where} has no valid version number: calibrate again.")
    if version > VERSION:
        raise CalibrationFileError(f"{where} was written by a newer kiosk (format {version}, this one reads "
                                   f"{VERSION}): update this kiosk or calibrate again.")
    try:
        intr = Intrinsics.from_dict(doc["intrinsics"])
        pose = np.array(doc["studio_from_camera"], dtype=float)
        device = doc.get("device", {})
        cal = Calibration(
            intrinsics=intr,
            studio_from_camera=pose,
            baseline_m=float(device.get("baseline_m", 0.05)),
            device_name=str(device.get("name", "")),
            device_serial=str(device.get("serial", "")),
            created_utc=str(doc.get("created_utc", "")),
            stance_width_m=float(doc.get("stance_width_m", 0.30)),
            notes=tuple(str(n) for n in doc.get("notes", [])),
        )
    except (KeyError, TypeError, ValueError):
        raise CalibrationFileError(f"{where} is incomplete or damaged: restore the .bak copy or calibrate "
                                   "again.") from None
    if not is_rigid(pose) or min(intr.width, intr.height) <= 0 or min(intr.fx, intr.fy) <= 0:
        raise CalibrationFileError(f"{where} holds impossible camera values: calibrate again.")
    return cal
