"""`python -m kiosk doctor`: each check with its plain fix, exit 1 exactly when something the kiosk needs is
missing; on this machine (no camera, no screen) it names what is missing without a traceback."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from kiosk.doctor import Camera, findings, report
from tests.test_live import stand_in_calibration

CAL = dataclasses.replace(stand_in_calibration(), device_serial="123")


@dataclasses.dataclass
class Machine:
    """Everything a kiosk wants; each test takes one thing away."""

    sdk: str | None = "2.59.1"
    cams: list = dataclasses.field(default_factory=lambda: [Camera("Intel RealSense D435", "123", "3.2",
                                                                   "5.16.0.1")])
    cal: object = CAL
    why: str | None = None
    screen: str | None = None
    audio: str | None = None
    espeak: str | None = "/usr/bin/espeak-ng"
    free: int = 50 * 10 ** 9
    blocked: list = dataclasses.field(default_factory=list)
    rule: Path | None = Path("/etc/udev/rules.d/99-realsense-libusb.rules")
    rec_gb: int | None = None

    def sdk_version(self): return self.sdk
    def cameras(self): return self.cams
    def calibration(self): return Path("/k/calibration.json"), self.cal, self.why
    def display(self): return self.screen
    def sound(self): return self.audio
    def speech(self): return self.espeak
    def free_bytes(self): return self.free
    def unwritable(self): return self.blocked
    def udev_rule(self): return self.rule
    def recordings_gb(self): return self.rec_gb


def test_a_complete_kiosk_passes() -> None:
    text, code = report(findings(Machine()))
    assert code == 0 and "FIX" not in text and text.endswith("The kiosk has everything it needs.")


def test_each_missing_need_is_named_with_its_fix_and_exits_1() -> None:
    cases = {"Camera": Machine(cams=[]), "Calibration": Machine(cal=None, why="none yet"),
             "Display": Machine(screen="no desktop session"), "Disk": Machine(free=10 ** 9),
             "Files": Machine(blocked=[Path("/k")]), "Camera permission": Machine(rule=None),
             "RealSense SDK": Machine(sdk=None)}
    for name, machine in cases.items():
        text, code = report(findings(machine))
        assert code == 1, name
        assert text.splitlines()[-1].startswith("Missing for the kiosk: " + name), text
        fix = text.split(f"FIX   {name}:")[1].splitlines()[1]
        assert fix.strip().startswith("-> ") and len(fix) > 20


def test_warnings_alone_exit_0() -> None:
    text, code = report(findings(Machine(audio="no sound device", espeak=None,
                                         cams=[Camera("Intel RealSense D435", "123", "2.1", "5.9.2")])))
    assert code == 0
    assert {line.split(":")[0] for line in text.splitlines() if line.startswith("warn")} == \
        {"warn  Sound", "warn  Speech", "warn  USB", "warn  Firmware"}


def test_a_calibration_for_another_camera_is_a_fix() -> None:
    text, code = report(findings(Machine(cams=[Camera("Intel RealSense D435", "999", "3.2", "5.16.0.1")])))
    assert code == 1 and "not the camera attached (999)" in text


def test_recording_sessions_needs_room_for_its_cap() -> None:
    text, code = report(findings(Machine(free=30 * 10 ** 9, rec_gb=50)))
    assert code == 1 and "needs 52 GB with the session recordings' cap" in text


def test_here_without_a_camera_it_names_what_is_missing(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run([sys.executable, "-m", "kiosk", "doctor"], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("Missing for the kiosk: Camera, Calibration, Display")
