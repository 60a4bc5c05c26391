"""`python -m kiosk doctor`: what this machine offers the kiosk, one check a line, each not passed with the plain
fix; exit code 1 when something the kiosk needs is missing (a warning alone, such as no speech, exits 0).

The checks are pure, over what a `Machine` reports; `LiveMachine` asks the SDK, SDL and the file system, and
never raises: whatever it cannot find out is itself the finding.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from calibration.model import Calibration

MIN_FREE_BYTES = 2 * 10 ** 9        # history, calibrations and logs need little; a day's logs and updates need room
MIN_FIRMWARE = (5, 12)              # older D400 firmware lacks fixes the kiosk relies on (see docs/depth.md)
UDEV_RULES = (Path("/etc/udev/rules.d"), Path("/lib/udev/rules.d"), Path("/usr/lib/udev/rules.d"))


@dataclass(frozen=True)
class Camera:
    name: str
    serial: str
    usb: str            # "3.2", "2.1", "" when the camera cannot tell
    firmware: str


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    needed: bool = True             # False: the kiosk runs without it (a warning)


class Machine(Protocol):
    def sdk_version(self) -> str | None: ...
    def cameras(self) -> list[Camera]: ...
    def calibration(self) -> tuple[Path, Calibration | None, str | None]: ...   # (where, it, or why not)
    def display(self) -> str | None: ...          # None: a screen can be opened; else why not
    def sound(self) -> str | None: ...
    def speech(self) -> str | None: ...           # the speech engine's path
    def free_bytes(self) -> int: ...
    def unwritable(self) -> list[Path]: ...       # the kiosk's folders it cannot write
    def udev_rule(self) -> Path | None: ...
    def recordings_gb(self) -> int | None: ...    # the disk the settings give recordings, when recording is on


def findings(m: Machine) -> list[Finding]:
    out = []
    sdk = m.sdk_version()
    out.append(Finding("RealSense SDK", sdk is not None, f"pyrealsense2 {sdk}" if sdk else "not installed",
                       "run ./hinge kiosk once: it installs everything"))
    cams = m.cameras() if sdk else []
    if not cams:
        out.append(Finding("Camera", False, "no RealSense camera found",
                           "plug it into a USB 3 port (blue inside) with its own cable, then run this again"))
    for cam in cams:
        out.append(Finding("Camera", True, f"{cam.name}, serial {cam.serial}"))
        usb3 = cam.usb.startswith("3")
        out.append(Finding("USB", usb3, f"USB {cam.usb or 'type unknown'}", "use a USB 3 port and cable: on USB 2 "
                           "the camera gives coarser depth at a lower rate", needed=False))
        fw = _version(cam.firmware)
        out.append(Finding("Firmware", fw is not None and fw >= MIN_FIRMWARE, cam.firmware or "unknown",
                           f"update it to {MIN_FIRMWARE[0]}.{MIN_FIRMWARE[1]} or newer with the RealSense Viewer",
                           needed=False))
    where, cal, why = m.calibration()
    if cal is None:
        out.append(Finding("Calibration", False, why or f"none at {where}",
                           "a trainer calibrates: trainer mode (keypad * three times), menu 5"))
    else:
        serials = {c.serial for c in cams}
        matches = not serials or not cal.device_serial or cal.device_serial in serials
        out.append(Finding("Calibration", matches, f"camera {cal.placement.replace('-', ' ')}, "
                           f"{cal.camera_distance_m:.1f} m from the mark, for camera {cal.device_serial or '?'}"
                           + ("" if matches else f": not the camera attached ({', '.join(sorted(serials))})"),
                           "calibrate again with this camera: trainer mode, menu 5"))
    display = m.display()
    out.append(Finding("Display", display is None, "a screen can be opened" if display is None else display,
                       "run the kiosk in the desktop session (the installed service does, at login)"))
    sound = m.sound()
    out.append(Finding("Sound", sound is None, "a sound device is there" if sound is None else sound,
                       "plug in speakers or choose the output in the desktop's sound settings", needed=False))
    speech = m.speech()
    out.append(Finding("Speech", speech is not None, speech or "espeak-ng is not installed",
                       "sudo apt-get install espeak-ng (the tones still coach without it)", needed=False))
    free, recordings_gb = m.free_bytes(), m.recordings_gb()
    need = MIN_FREE_BYTES + (recordings_gb or 0) * 10 ** 9
    out.append(Finding("Disk", free >= need, f"{free / 1e9:.1f} GB free (needs {need / 1e9:.0f} GB"
                       + (" with the session recordings' cap" if recordings_gb else "") + ")",
                       "free some disk, or lower the recordings' cap in the trainer's settings"))
    blocked = m.unwritable()
    out.append(Finding("Files", not blocked, "the kiosk's folders are writable" if not blocked else
                       "cannot write " + ", ".join(str(p) for p in blocked),
                       "give the kiosk's user its folders back: sudo chown -R $USER " +
                       " ".join(str(p) for p in blocked)))
    rule = m.udev_rule()
    out.append(Finding("Camera permission", rule is not None,
                       f"udev rule {rule}" if rule else "no udev rule lets a user open the camera",
                       "sudo cp deploy/99-realsense-libusb.rules /etc/udev/rules.d/ && sudo udevadm control "
                       "--reload-rules, then plug the camera in again"))
    return out


def _version(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split(".")[:2])
    except ValueError:
        return None


def report(found: list[Finding]) -> tuple[str, int]:
    """The lines to print and the exit code."""
    lines = []
    for f in found:
        mark = "ok  " if f.ok else "FIX " if f.needed else "warn"
        lines.append(f"{mark}  {f.name}: {f.detail}" + ("" if f.ok else f"\n      -> {f.fix}"))
    missing = [f.name for f in found if f.needed and not f.ok]
    lines.append("The kiosk has everything it needs." if not missing else
                 f"Missing for the kiosk: {', '.join(dict.fromkeys(missing))}.")
    return "\n".join(lines), 1 if missing else 0


@contextlib.contextmanager
def _quiet_stderr():
    """Silence what C libraries write to the terminal's stderr (file descriptor 2) for a moment."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class LiveMachine:
    """This machine, asked without changing anything (no camera is opened, no file written)."""

    def __init__(self, calibration: Path, folders: list[Path], settings: Path) -> None:
        self._calibration, self._folders, self._settings = calibration, folders, settings

    def sdk_version(self) -> str | None:
        try:
            from kiosk.sensing import sdk_version
        except ImportError:                     # pyrealsense2, or the libusb it needs, is missing
            return None
        return sdk_version()

    def cameras(self) -> list[Camera]:
        try:
            from kiosk.sensing import list_cameras
            return [Camera(*found) for found in list_cameras()]
        except Exception:                       # an SDK that cannot even list devices: no camera to use
            return []

    def calibration(self) -> tuple[Path, Calibration | None, str | None]:
        from calibration.store import CalibrationFileError, load
        if not self._calibration.exists():
            return self._calibration, None, f"none yet at {self._calibration}"
        try:
            return self._calibration, load(self._calibration), None
        except CalibrationFileError as err:
            return self._calibration, None, str(err)

    def display(self) -> str | None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return "no desktop session here (DISPLAY is not set)"
        import pygame
        try:
            pygame.display.init()
            return None
        except pygame.error as err:
            return f"SDL cannot open it ({err})"
        finally:
            pygame.display.quit()

    def sound(self) -> str | None:
        import pygame
        try:
            with _quiet_stderr():                 # ALSA prints its own search for a device on the terminal
                pygame.mixer.init()
            return None
        except pygame.error as err:
            return f"no sound device ({err})"
        finally:
            pygame.mixer.quit()

    def speech(self) -> str | None:
        return shutil.which("espeak-ng")

    def free_bytes(self) -> int:
        here = next((p for p in (*self._folders, Path.home()) if p.exists()), Path("/"))
        return shutil.disk_usage(here).free

    def unwritable(self) -> list[Path]:
        out = []
        for folder in self._folders:
            probe = folder
            while not probe.exists() and probe != probe.parent:
                probe = probe.parent
            if not os.access(probe, os.W_OK):
                out.append(folder)
        return out

    def udev_rule(self) -> Path | None:
        for folder in UDEV_RULES:
            for rule in sorted(folder.glob("*.rules")) if folder.is_dir() else ():
                try:
                    if "8086" in rule.read_text(errors="replace"):       # Intel's USB vendor id: RealSense
                        return rule
                except OSError:
                    continue
        return None

    def recordings_gb(self) -> int | None:
        from kiosk.game.settings import SettingsError, load
        try:
            settings = load(self._settings)
        except SettingsError:
            return None
        return settings.recordings_gb if settings.record_sessions else None
