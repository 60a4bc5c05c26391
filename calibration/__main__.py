"""`python -m calibration auto RECORDING --out CAL.json`: the trainer routine run on a recording;
`python -m calibration live`: the same routine with the camera, the trainer following the prompts.

This is the one place where calibration meets the sensing side (kiosk.sensing), which reads the depth.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from calibration.model import Calibration
from calibration.routine import calibrate
from calibration.store import cannot_write, save
from calibration.validate import CalibrationError, precision_advice
from calibration.wizard import Wizard
from kiosk.sensing.source import DepthSource


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
    if (advice := precision_advice(cal)) is not None:
        print(advice, file=sys.stderr)
    return 0


def _guided(source: DepthSource) -> Calibration:
    """The wizard on the camera, in the terminal: each step's prompt printed once as it comes, until it is done."""
    wizard = Wizard(source.info.baseline_m, source.info.name, source.info.serial)
    said = None
    for frame in source:
        view = wizard.feed(frame)
        if view.step != said:
            said = view.step
            print(view.prompt, flush=True)
        if wizard.done:
            break
    return wizard.result()


if __name__ == "__main__":
    sys.exit(main())
