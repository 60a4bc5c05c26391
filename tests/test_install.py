"""The kiosk PC install and its updates, as far as this machine allows: the install script run into a scratch root
(files written, nothing else changed), its systemd unit verified by systemd itself, and an update followed by a
rollback on a scratch checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def test_the_install_writes_the_udev_rule_the_user_service_and_the_screen_setting(tmp_path: Path) -> None:
    done = subprocess.run([str(DEPLOY / "install.sh"), "--root", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    rule = tmp_path / "etc/udev/rules.d/99-realsense-libusb.rules"
    unit = tmp_path / "home/.config/systemd/user/hinge-kiosk.service"
    assert 'ATTRS{idVendor}=="8086"' in rule.read_text()
    text = unit.read_text()
    assert f"ExecStart={ROOT}/hinge py -m kiosk" in text and "Restart=always" in text and "@KIOSK_DIR@" not in text
    assert "xset s off -dpms" in (tmp_path / "home/.config/autostart/hinge-kiosk-screen.desktop").read_text()
    # a dry run changes nothing else: every system command is only shown
    assert all(line.startswith(("would run: ", "Installed:", "Check the machine")) for line in done.stdout.splitlines())


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    subprocess.run([str(DEPLOY / "install.sh"), "--root", str(tmp_path)], check=True, capture_output=True, timeout=60)
    unit = tmp_path / "home/.config/systemd/user/hinge-kiosk.service"
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_an_update_can_be_rolled_back(tmp_path: Path) -> None:
    repo = tmp_path / "kiosk"
    (repo / "deploy").mkdir(parents=True)
    shutil.copy(DEPLOY / "update.sh", repo / "deploy/update.sh")
    (repo / "hinge").write_text("#!/bin/sh\nexit 0\n")          # stands in for setting up the environment
    os.chmod(repo / "hinge", 0o755)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.email=k@k", "-c", "user.name=k", "commit", "-qm", "one")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "NEW").write_text("two\n")
    git(repo, "add", ".")
    git(repo, "-c", "user.email=k@k", "-c", "user.name=k", "commit", "-qm", "two")
    second = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", first)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    update = [str(repo / "deploy/update.sh"), "--kiosk-dir", str(repo), "--no-restart"]
    subprocess.run([*update, "--to", second], check=True, capture_output=True, env=env, timeout=60)
    assert git(repo, "rev-parse", "HEAD") == second
    subprocess.run([*update, "--rollback"], check=True, capture_output=True, env=env, timeout=60)
    assert git(repo, "rev-parse", "HEAD") == first
    (repo / "hinge").write_text("#!/bin/sh\nexit 0\n# changed by hand\n")
    refused = subprocess.run([*update, "--to", second], capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 1 and "local changes" in refused.stderr
