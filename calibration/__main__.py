"""`python -m calibration auto RECORDING --out CAL.json`: the trainer routine run on a recording;
`python -m calibration live`: the same routine with the camera, the trainer following the prompts.

This is the one place where calibration meets the sensing side (kiosk.sensing), which reads the depth.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from calibration.model import Calibration
from calibration.routine import Routine, calibrate
from calibration.store import cannot_write, save
from calibration.validate import CalibrationError
from kiosk.sensing.source import DepthSource

LEAVE_S = 5.0        # live: time to walk out of the camera's view after starting the routine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calibration", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    auto = sub.add_parser("auto", help="run the calibration routine on a recording of it")
    auto.add_argument("recording", type=Path)
    auto.add_argument("--out", type=Path, required=True, help="calibration file to write")
    live = sub.add_parser("live", help="run the calibration routine with the camera, following the prompts")
    live.add_argument("--out", type=Path, help="calibration file to write (default: where the kiosk reads it)")
    live.add_argument("--serial", help="camera serial number, when several are attached")
    args = parser.parse_args(argv)

    from kiosk.paths import default_calibration
    from kiosk.sensing import SourceError, open_camera, open_recording

    if args.command == "live" and args.out is None:
        args.out = default_calibration()
    try:
        if args.command == "auto":
            with open_recording(args.recording) as source:
                cal = calibrate(source, source.info.baseline_m, source.info.name, source.info.serial)
        else:
            with open_camera(args.serial) as source:
                cal = _guided(source)
        save(cal, args.out)
    except (SourceError, CalibrationError) as err:
        print(f"calibration failed: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"calibration failed: {cannot_write(args.out, err)}", file=sys.stderr)
        return 1
    print(f"calibrated: camera {cal.placement}, {cal.camera_distance_m:.2f} m from the mark, "
          f"{cal.camera_height_m:.2f} m high -> {args.out}")
    return 0


def _guided(source: DepthSource) -> Calibration:
    """Feed the camera to the routine, saying each step once as it comes, until it is done. The first LEAVE_S are
    not fed: the trainer who started the command steps out of view (the empty step refuses anyone in it)."""
    routine = Routine(source.info.baseline_m, source.info.name, source.info.serial)
    said = ""
    first_ms: float | None = None
    for frame in source:
        first_ms = frame.timestamp_ms if first_ms is None else first_ms
        if frame.timestamp_ms - first_ms < LEAVE_S * 1000.0:
            message, step = f"Step out of view: the kiosk learns the empty floor in {LEAVE_S:.0f} seconds.", "leave"
        else:
            status = routine.feed(frame)
            message, step = status.message, status.step
        if message != said:
            said = message
            print(said, flush=True)
        if step == "done":
            break
    return routine.result()


if __name__ == "__main__":
    sys.exit(main())
