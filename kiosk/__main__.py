"""Command line: `python -m kiosk analyze|record ...` (the game itself arrives with the kiosk UI)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from calibration.store import CalibrationFileError, load, write_atomic
from kiosk.analyze import MismatchError, analyze
from kiosk.units import inches_to_m

PROGRESS_EVERY_S = 1.0


def _analyze(args: argparse.Namespace) -> int:
    from kiosk.sensing import SourceError, open_recording

    if not (0.0 <= args.wall_in <= 40.0):
        print(f"analyze failed: --wall-in {args.wall_in} is not a wall distance: give inches between 0 and 40.",
              file=sys.stderr)
        return 1
    try:
        cal = load(args.calibration)
        with open_recording(args.recording) as source:
            last = [time.monotonic()]

            def progress(m) -> None:
                now = time.monotonic()
                if not args.quiet and now - last[0] >= PROGRESS_EVERY_S:
                    last[0] = now
                    print(f"\ranalyze: frame {m.frame}, {source.progress * 100:5.1f} %", end="", file=sys.stderr)

            result = analyze(source, cal, inches_to_m(args.wall_in), progress)
        if not result["frames"]:
            raise SourceError(f"{args.recording} holds no depth frames: record again.")
        write_atomic(args.out, json.dumps(result, separators=(",", ":")) + "\n")
    except (SourceError, CalibrationFileError, MismatchError) as err:
        print(f"\nanalyze failed: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"\nanalyze failed: cannot write {args.out} ({err.strerror}): choose a writable place.",
              file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"\ranalyze: {len(result['frames'])} frames, {len(result['reps'])} reps -> {args.out}",
              file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk")
    sub = parser.add_subparsers(dest="command")
    an = sub.add_parser("analyze", help="measure every frame of a recording and find the reps")
    an.add_argument("recording", type=Path)
    an.add_argument("--calibration", type=Path, required=True)
    an.add_argument("--wall-in", type=float, required=True, help="wall distance behind the heel line, inches")
    an.add_argument("--out", type=Path, required=True)
    an.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.command == "analyze":
        return _analyze(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
