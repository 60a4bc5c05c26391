#!/usr/bin/env bash
# Updates the kiosk's checkout to a version and restarts it; --rollback goes back to the version before the last
# update (docs/install.md). The version in use before each update is kept in
# ~/.local/state/hinge-kiosk/previous-version.
#
#   deploy/update.sh [--to REF] [--rollback] [--kiosk-dir DIR] [--no-restart]
set -euo pipefail
KIOSK_DIR="$(cd "$(dirname "$0")/.." && pwd)"
TO=""; ROLLBACK=0; RESTART=1
while [ $# -gt 0 ]; do
  case "$1" in
    --to) TO="$2"; shift 2 ;;
    --rollback) ROLLBACK=1; shift ;;
    --kiosk-dir) KIOSK_DIR="$(cd "$2" && pwd)"; shift 2 ;;
    --no-restart) RESTART=0; shift ;;
    *) echo "update.sh: unknown option $1 (use --to REF, --rollback, --kiosk-dir DIR or --no-restart)." >&2; exit 2 ;;
  esac
done
STATE="${XDG_STATE_HOME:-$HOME/.local/state}/hinge-kiosk"
mkdir -p "$STATE"
cd "$KIOSK_DIR"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "update.sh: $KIOSK_DIR has local changes: keep them elsewhere first (git stash), then update." >&2
  exit 1
fi
NOW="$(git rev-parse HEAD)"
if [ "$ROLLBACK" -eq 1 ]; then
  [ -s "$STATE/previous-version" ] || { echo "update.sh: no earlier version is recorded: nothing to roll back to." >&2; exit 1; }
  TARGET="$(cat "$STATE/previous-version")"
else
  if [ -z "$TO" ]; then git fetch --quiet origin && TO="origin/main"; fi
  TARGET="$(git rev-parse --verify "$TO^{commit}")" || { echo "update.sh: $TO is not a version here." >&2; exit 1; }
fi
git checkout --quiet --detach "$TARGET"
echo "$NOW" > "$STATE/previous-version.tmp" && mv "$STATE/previous-version.tmp" "$STATE/previous-version"
./hinge py -c "import kiosk"          # the environment follows the new version's needs before it runs
if [ "$RESTART" -eq 1 ] && systemctl --user is-enabled hinge-kiosk.service >/dev/null 2>&1; then
  systemctl --user restart hinge-kiosk.service
fi
echo "The kiosk is at $(git rev-parse --short HEAD) (was $(git rev-parse --short "$NOW")); deploy/update.sh --rollback returns."
