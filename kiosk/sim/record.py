"""Simulated sessions written as real SDK recordings (.db3) with their ground truth beside them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from calibration.store import write_atomic
from kiosk.sensing import SoftwareCamera
from kiosk.sim.simulate import FPS, Simulation


def truth_path(recording: Path) -> Path:
    """session.db3 → session.truth.json"""
    return recording.with_name(recording.stem + ".truth.json")


def record(sim: Simulation, out: Path, pace: bool = False,
           progress: Callable[[int, int], None] | None = None) -> Path:
    """Render, push through the SDK's software device into `out`, write the truth; returns the truth path.

    pace=True pushes at the true frame rate, so real-time playback of the file runs at true speed.
    """
    p = sim.placement
    serial = f"SIM-{p.name}-{p.distance_m:.1f}m"
    with SoftwareCamera(p.intrinsics, p.baseline_m, FPS, p.device_name, serial, record_to=out,
                        pace=pace) as camera:
        for k, depth in enumerate(sim.frames()):
            camera.push(depth, k + 1, k * 1000.0 / FPS)
            if progress is not None:
                progress(k + 1, sim.frame_count)
    path = truth_path(out)
    write_atomic(path, json.dumps(sim.truth(), indent=1) + "\n")
    return path
