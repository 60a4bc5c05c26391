"""`python -m calibration auto RECORDING --out CAL.json`: the trainer routine run on a recording.

This is the one place where calibration meets the sensing side (kiosk.sensing), which reads the recording.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from calibration.routine import calibrate
from calibration.store import save
from calibration.validate import CalibrationError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calibration", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    auto = sub.add_parser("auto", help="run the calibration routine on a recording of it")
    auto.add_argument("recording", type=Path)
    auto.add_argument("--out", type=Path, required=True, help="calibration file to write")
    args = parser.parse_args(argv)

    from kiosk.sensing import SourceError, open_recording

    try:
        with open_recording(args.recording) as source:
            cal = calibrate(source, source.info.baseline_m, source.info.name, source.info.serial)
        save(cal, args.out)
    except (SourceError, CalibrationError) as err:
        print(f"calibration failed: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"calibration failed: cannot write {args.out} ({err.strerror}): choose a writable place.",
              file=sys.stderr)
        return 1
    print(f"calibrated: camera {cal.placement}, {cal.camera_distance_m:.2f} m from the mark, "
          f"{cal.camera_height_m:.2f} m high -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
