"""The demo's assets: a calibration and a scripted visit, rendered once and cached, replayed like a camera."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from calibration.routine import calibrate
from calibration.store import save
from kiosk.sensing import open_recording
from kiosk.sim.body import Body
from kiosk.sim.record import record, truth_path
from kiosk.sim.room import Placement
from kiosk.sim.simulate import simulate

DEMO_PLACEMENT = Placement("side-left", 2.4, 1.2)
DEMO_BODY = Body(1.72)


def _version() -> str:
    """Changes whenever the simulator's code does, so a stale cache is never replayed."""
    h = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def _paths(cache_dir: Path) -> tuple[Path, Path, Path]:
    tag = _version()
    return (Path(cache_dir) / f"demo-visit-{tag}.db3", Path(cache_dir) / f"demo-{tag}.calibration.json",
            Path(cache_dir) / f"demo-calibration-{tag}.db3")


def demo_cached(cache_dir: Path) -> bool:
    """Whether the demo is ready in cache_dir (else demo_assets renders it: minutes)."""
    return all(path.exists() for path in _paths(cache_dir))


Progress = Callable[[str, float], None]      # what is being done, and the share of the whole done so far
ROUTINE_SHARE = 0.25                         # of the rendering time: the trainer's routine, then the visit


def demo_assets(cache_dir: Path, progress: Progress | None = None) -> tuple[Path, Path, Path]:
    """(visit recording .db3, its calibration .json, the simulated trainer's routine .db3 that calibration was made
    from) in cache_dir, made on first use (about two minutes; `progress` hears how far). Trainer mode's wizard runs
    on the routine in the headless tour. The recordings hold the frames' own times: the kiosk paces their playback
    itself, whatever the rendering speed was."""
    say = progress or (lambda text, done: None)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    visit, cal_path, routine = _paths(cache_dir)
    if demo_cached(cache_dir):
        return visit, cal_path, routine
    for old in [*cache_dir.glob("demo-*"), *cache_dir.glob(".demo-*")]:     # stale, or left by a killed render
        old.unlink()
    trainer_sim = simulate("calibration", DEMO_PLACEMENT, DEMO_BODY, seed=1)
    record(trainer_sim, routine, progress=lambda k, n: say("Rendering the simulated trainer's calibration",
                                                           ROUTINE_SHARE * k / n))
    with open_recording(routine) as source:
        info = source.info
        save(calibrate(source, info.baseline_m, info.name, info.serial), cal_path)
    part = visit.with_name(f".{visit.name}")
    record(simulate("visit", DEMO_PLACEMENT, DEMO_BODY, seed=2), part, progress=lambda k, n: say(
        "Rendering the simulated client's visit", ROUTINE_SHARE + (1 - ROUTINE_SHARE) * k / n))
    part.replace(visit)                       # complete, or not there: a killed render is started again
    truth_path(part).replace(truth_path(visit))
    return visit, cal_path, routine
