#!/usr/bin/env bash
# Installs the kiosk on a Debian/Ubuntu kiosk PC for the user who logs in to its desktop (docs/install.md):
# system packages, the camera's udev rule, a systemd user service that starts the kiosk full screen at login and
# restarts it, and the screen kept on. Run it as that user, with sudo available:  deploy/install.sh
#
#   --kiosk-dir DIR  the kiosk's checkout (default: the one this script is in)
#   --root DIR       write every file under DIR instead of / and the home folder, and change nothing else
#                    (no packages, no udev or systemd reloads): a dry run to inspect, and what the tests do
set -euo pipefail
KIOSK_DIR="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kiosk-dir) KIOSK_DIR="$(cd "$2" && pwd)"; shift 2 ;;
    --root) ROOT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    *) echo "install.sh: unknown option $1 (use --kiosk-dir DIR or --root DIR)." >&2; exit 2 ;;
  esac
done
HOME_DIR="${ROOT:+$ROOT/home}"; HOME_DIR="${HOME_DIR:-$HOME}"
run() { if [ -z "$ROOT" ]; then "$@"; else echo "would run: $*"; fi; }
as_root() { if [ "$(id -u)" -eq 0 ]; then run "$@"; else run sudo "$@"; fi; }

# 1. what the kiosk needs from the system, and its Python environment (set up once, here, not at the first login)
as_root apt-get install -y libusb-1.0-0 espeak-ng python3-venv
run "$KIOSK_DIR/hinge" py -c "import kiosk"

# 2. the camera, openable without root
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT/etc/udev/rules.d" && cp "$KIOSK_DIR/deploy/99-realsense-libusb.rules" "$ROOT/etc/udev/rules.d/"
else
  as_root cp "$KIOSK_DIR/deploy/99-realsense-libusb.rules" /etc/udev/rules.d/
  as_root udevadm control --reload-rules
fi

# 3. the kiosk as a user service of the desktop session: full screen at login, started again if it stops
UNITS="$HOME_DIR/.config/systemd/user"
mkdir -p "$UNITS"
sed "s|@KIOSK_DIR@|$KIOSK_DIR|g" "$KIOSK_DIR/deploy/hinge-kiosk.service" > "$UNITS/hinge-kiosk.service"
run systemctl --user daemon-reload
run systemctl --user enable hinge-kiosk.service

# 4. the screen never blanks or locks
AUTOSTART="$HOME_DIR/.config/autostart"
mkdir -p "$AUTOSTART"
cp "$KIOSK_DIR/deploy/hinge-kiosk-screen.desktop" "$AUTOSTART/"
if command -v gsettings >/dev/null; then
  run gsettings set org.gnome.desktop.session idle-delay 0
  run gsettings set org.gnome.desktop.screensaver lock-enabled false
fi

echo "Installed: the kiosk starts at the next login ($UNITS/hinge-kiosk.service)."
echo "Check the machine now: $KIOSK_DIR/hinge py -m kiosk doctor"
