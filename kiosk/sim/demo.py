"""The demo's assets: a calibration and a scripted visit, rendered once and cached, replayed like a camera.

Rendering a frame costs more than a camera frame period, so the visit is first rendered as fast as it goes and
then copied through the SDK at the true frame rate: real-time playback of the cached file runs at true speed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from calibration.routine import calibrate
from calibration.store import save
from kiosk.sensing import SoftwareCamera, open_recording
from kiosk.sim.body import Body
from kiosk.sim.record import record
from kiosk.sim.room import Placement
from kiosk.sim.simulate import FPS, simulate

DEMO_PLACEMENT = Placement("side-left", 2.4, 1.2)
DEMO_BODY = Body(1.72)


def _version() -> str:
    """Changes whenever the simulator's code does, so a stale cache is never replayed."""
    h = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def demo_assets(cache_dir: Path, progress: Callable[[str], None] | None = None) -> tuple[Path, Path, Path]:
    """(visit recording .db3, its calibration .json, the simulated trainer's routine .db3 that calibration was made
    from) in cache_dir, made on first use (a few minutes). Trainer mode's wizard runs on the routine in the
    headless tour."""
    say = progress or (lambda text: None)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tag = _version()
    visit, cal_path = cache_dir / f"demo-visit-{tag}.db3", cache_dir / f"demo-{tag}.calibration.json"
    routine = cache_dir / f"demo-calibration-{tag}.db3"
    if visit.exists() and cal_path.exists() and routine.exists():
        return visit, cal_path, routine
    for old in [*cache_dir.glob("demo-*"), *cache_dir.glob(".demo-*")]:     # stale, or left by a killed render
        old.unlink()
    say("Rendering the simulated trainer's calibration…")
    record(simulate("calibration", DEMO_PLACEMENT, DEMO_BODY, seed=1), routine)
    with open_recording(routine) as source:
        info = source.info
        save(calibrate(source, info.baseline_m, info.name, info.serial), cal_path)
    raw = cache_dir / f".demo-visit-{tag}.raw.db3"
    sim = simulate("visit", DEMO_PLACEMENT, DEMO_BODY, seed=2)
    say(f"Rendering the simulated visit ({sim.frame_count} frames)…")
    record(sim, raw)
    say("Timing the visit at the camera's frame rate…")
    with open_recording(raw) as source, SoftwareCamera(
            source.info.intrinsics, source.info.baseline_m, FPS, source.info.name, source.info.serial,
            record_to=visit, pace=True) as camera:
        for frame in source:
            camera.push(frame.depth_m, frame.frame_number, frame.timestamp_ms)
    for tmp in cache_dir.glob(".demo-*"):
        tmp.unlink()
    return visit, cal_path, routine
