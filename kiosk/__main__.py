"""Command line: `python -m kiosk [game options]` runs the kiosk (see kiosk.run); `analyze` and `record` are
the batch tools of docs/contracts.md; `history` exports the studio's session history; `doctor` checks the
machine."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from calibration.store import CalibrationFileError, cannot_write, load, without_background, write_atomic
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
        if (advice := without_background(cal, args.calibration)) and not args.quiet:
            print(f"analyze: {advice}", file=sys.stderr)
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
        print(f"\nanalyze failed: {cannot_write(args.out, err)}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"\ranalyze: {len(result['frames'])} frames, {len(result['reps'])} reps -> {args.out}",
              file=sys.stderr)
    return 0


def _record(args: argparse.Namespace) -> int:
    from kiosk.sensing import SourceError
    from kiosk.sim import Placement, named_body, record, simulate
    from kiosk.sim.scenarios import session_wall_m

    kind, _, scenario = args.source.partition(":")
    if kind != "sim" or not scenario:
        print(f"record failed: --source {args.source} is not known: use sim:SCENARIO, e.g. sim:session.",
              file=sys.stderr)
        return 1
    try:
        placement = Placement(args.placement, args.distance, args.height, camera=args.camera)
        body = named_body(args.build, args.stature)
        wall_m = session_wall_m(body) if args.wall_in is None else inches_to_m(args.wall_in)
        sim = simulate(scenario, placement, body, args.seed, wall_m, studio=args.studio)
    except ValueError as err:
        print(f"record failed: {err}.", file=sys.stderr)
        return 1

    def progress(done: int, total: int) -> None:
        if not args.quiet and (done % 30 == 0 or done == total):
            print(f"\rrecord: frame {done}/{total}", end="", file=sys.stderr)

    try:
        truth = record(sim, args.out, pace=args.realtime, progress=progress)
    except SourceError as err:
        print(f"\nrecord failed: {err}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"\rrecord: {sim.frame_count} frames -> {args.out}, truth -> {truth}", file=sys.stderr)
    return 0


def _history(args: argparse.Namespace) -> int:
    from kiosk.history import HistoryError, export_csv
    from kiosk.paths import default_history

    source = args.history or default_history()
    try:
        count = export_csv(source, args.csv)
    except HistoryError as err:
        print(f"history failed: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"history failed: {cannot_write(args.csv, err)}", file=sys.stderr)
        return 1
    print(f"history: {count} sessions -> {args.csv}", file=sys.stderr)
    return 0


def _doctor() -> int:
    from kiosk.doctor import LiveMachine, findings, report
    from kiosk.paths import default_calibration, default_history, default_recordings, default_settings

    machine = LiveMachine(default_calibration(), [default_calibration().parent, default_settings().parent,
                                                  default_history().parent, default_recordings()],
                          default_settings())
    text, code = report(findings(machine))
    print(text)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("analyze", "record", "history", "doctor"):
        from kiosk.run import main as run_kiosk
        return run_kiosk(argv)
    parser = argparse.ArgumentParser(prog="python -m kiosk")
    sub = parser.add_subparsers(dest="command")
    an = sub.add_parser("analyze", help="measure every frame of a recording and find the reps")
    an.add_argument("recording", type=Path)
    an.add_argument("--calibration", type=Path, required=True)
    an.add_argument("--wall-in", type=float, required=True, help="wall distance behind the heel line, inches")
    an.add_argument("--out", type=Path, required=True)
    an.add_argument("--quiet", action="store_true", help="no progress on stderr")
    rec = sub.add_parser("record", help="write a simulated session as a RealSense recording plus its truth")
    rec.add_argument("--source", required=True,
                     help="sim:SCENARIO (calibration, session, visit, smoke, unattended)")
    rec.add_argument("out", type=Path, help="recording to write (.db3); truth goes to OUT.truth.json")
    rec.add_argument("--placement", default="side-left",
                     help="side-left, side-right, behind, oblique-behind-left, oblique-behind-right")
    rec.add_argument("--distance", type=float, default=2.4, help="camera distance from the mark, metres")
    rec.add_argument("--height", type=float, default=1.2, help="camera height, metres")
    rec.add_argument("--camera", default="d435", help="d435 or d455")
    rec.add_argument("--stature", type=float, default=1.75, help="client height, metres")
    rec.add_argument("--build", default="average", help="average, slim, broad, belly, glutes, long-torso, long-legs, "
                     "loose-shirt, ponytail")
    rec.add_argument("--seed", type=int, default=0)
    rec.add_argument("--studio", default="empty", help="what stands around the mark: empty, box-behind, "
                     "bench-behind, bench-beside, kettlebells, mat, wall-behind, mirror-behind, trainer-beside, "
                     "trainer-touch, waiting, passer-between, cluttered; object-on-mark (with sim:unattended)")
    rec.add_argument("--wall-in", type=float, help="wall the scripted reps aim around, inches (default: one this "
                     "client taps with room to spare)")
    rec.add_argument("--realtime", action="store_true", help="push at the true frame rate (real-time replay)")
    rec.add_argument("--quiet", action="store_true")
    hist = sub.add_parser("history", help="export the studio's anonymous session history")
    hist.add_argument("--csv", type=Path, required=True, metavar="OUT.csv", help="the CSV file to write (a header "
                      "row even when no session was kept yet)")
    hist.add_argument("--history", type=Path, metavar="FILE", help="the history to read (default: the kiosk's)")
    sub.add_parser("doctor", help="check what this machine offers the kiosk; exit 1 when something it needs is "
                   "missing")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return _doctor()
    if args.command == "history":
        return _history(args)
    if args.command == "analyze":
        return _analyze(args)
    if args.command == "record":
        return _record(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
