"""Versioned calibration files: atomic writes, a kept backup, and loading that explains what is wrong.

Format 2 adds the background (`calibration/background.py`) inside the same JSON file, so a calibration stays one
file that is written atomically and backed up whole. Depth and spread are whole millimetres (uint16, exact: the
camera's own depth unit), each row stored as differences from the pixel before (the background is smooth along a
row), zlib-compressed and base64-encoded. Format 1 files still load, without a background.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

from calibration.background import Background
from calibration.camera import Intrinsics
from calibration.geometry import is_rigid
from calibration.model import Calibration

KIND = "hinge-kiosk-calibration"
VERSION = 2
BACKGROUND_ENCODING = "uint16 mm, row differences, zlib, base64"
_DAMAGED = (KeyError, TypeError, ValueError, AttributeError, zlib.error)   # what reading a damaged field raises


class CalibrationFileError(Exception):
    """A calibration file that cannot be used; str() is one sentence saying what to do."""


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename, so a crash never leaves half a file."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_keeping_backup(path: Path, text: str) -> None:
    """Write atomically; the file it replaces, byte for byte (readable or not), is kept as PATH.bak first."""
    path = Path(path)
    if path.is_file():
        write_bytes_atomic(backup_path(path), path.read_bytes())
    write_atomic(path, text)


def restore_backup(path: Path) -> "Calibration":
    """Put PATH.bak back in use and keep the calibration it replaces as PATH.bak, so a restore can be undone.
    Both calibrations are on disk at every moment: a crash half-way loses neither. A missing or damaged backup is
    refused (CalibrationFileError) and nothing changes."""
    path = Path(path)
    backup = backup_path(path)
    restored = load(backup)
    data = backup.read_bytes()
    if path.is_file():
        held = path.with_name(path.name + ".previous")
        write_bytes_atomic(held, path.read_bytes())
        write_bytes_atomic(path, data)
        os.replace(held, backup)
    else:
        write_bytes_atomic(path, data)
    return restored


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
        "background": None if cal.background is None else _background_document(cal.background),
    }


def _background_document(background: Background) -> dict:
    depth_mm, spread_mm = background.to_mm()
    return {"encoding": BACKGROUND_ENCODING, "depth_mm": _encode(depth_mm), "spread_mm": _encode(spread_mm)}


def _encode(image_mm: np.ndarray) -> str:
    """uint16 image → base64 of zlib of each row's differences from the pixel before (modulo 2**16: exact)."""
    first = np.zeros((image_mm.shape[0], 1), np.uint16)
    rows = np.diff(image_mm.astype(np.uint16), axis=1, prepend=first)
    return base64.b64encode(zlib.compress(rows.astype("<u2").tobytes())).decode("ascii")


def save(cal: Calibration, path: Path) -> None:
    """Save atomically; the calibration it replaces is kept as PATH.bak (also written atomically)."""
    write_keeping_backup(path, json.dumps(to_document(cal), indent=2) + "\n")


def load(path: Path) -> Calibration:
    path = Path(path)
    if not path.exists():
        raise CalibrationFileError(f"No calibration at {path}: run the trainer calibration first "
                                   "(python -m calibration auto RECORDING --out CAL.json).")
    if path.is_dir():
        raise CalibrationFileError(f"{path} is a folder, not a calibration: give the path of the calibration's "
                                   ".json file.")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CalibrationFileError(f"Cannot read {path} ({err.strerror}): check the file's permissions.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
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
    except _DAMAGED:
        raise _damaged(where) from None
    if not is_rigid(pose) or min(intr.width, intr.height) <= 0 or min(intr.fx, intr.fy) <= 0:
        raise CalibrationFileError(f"{where} holds impossible camera values: calibrate again.")
    if version < 2:
        return cal
    try:
        return dataclasses.replace(cal, background=_background_of(doc, intr))
    except _DAMAGED:
        raise _damaged(where) from None


def without_background(cal: Calibration, where: str | Path) -> str | None:
    """The one sentence to say when a calibration predates the background (format 1): it still works."""
    if cal.background is not None:
        return None
    return (f"{where} was made before the kiosk learnt the empty area: it still works, but calibrating again "
            "lets the kiosk ignore furniture and other people around the mark.")


def _damaged(where: str) -> CalibrationFileError:
    return CalibrationFileError(f"{where} is incomplete or damaged: restore the .bak copy or calibrate again.")


def _background_of(doc: dict, intr: Intrinsics) -> Background | None:
    """The background of a format-2 document (None when it has none); the errors of `_decode` when damaged."""
    field = doc.get("background")
    if field is None:
        return None
    if field["encoding"] != BACKGROUND_ENCODING:
        raise ValueError("unknown background encoding")
    return Background.from_mm(_decode(field["depth_mm"], intr.height, intr.width),
                              _decode(field["spread_mm"], intr.height, intr.width))


def _decode(text: str, height: int, width: int) -> np.ndarray:
    """The uint16 image of `_encode`; ValueError or zlib.error when the text is not one. Decompresses no more than
    the image's size, whatever the text holds."""
    size = 2 * height * width
    inflate = zlib.decompressobj()
    raw = inflate.decompress(base64.b64decode(text.encode("ascii"), validate=True), size + 1)
    if len(raw) != size or not inflate.eof or inflate.unused_data:
        raise ValueError("not one image of this size")
    return np.cumsum(np.frombuffer(raw, "<u2").reshape(height, width), axis=1, dtype=np.uint16)
