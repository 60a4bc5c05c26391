"""Frame-time and motion-to-screen benchmark: `python -m kiosk.game.bench [--seconds S] [--size WxH]`.

Renders the game headless at full speed of the real clock (capped at 60 fps) while a capture thread hands
over a scripted visit at 30 fps, doing stand-in measurement work for each frame as the camera path would.
Latency runs from a frame's hand-over timestamp to the end of the first flip that draws it.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import threading
import time

import numpy as np

from kiosk.game.app import App
from kiosk.game.provider import Newest, RealClock
from kiosk.game.settings import Settings
from kiosk.game.visit import full_visit


def capture(newest: Newest, settings: Settings, stop: threading.Event, work_ms: float, fps: float = 30.0) -> None:
    """Stand-in camera thread: one measurement per frame period, after `work_ms` of numpy work on a frame."""
    visit = full_visit(settings)
    depth = np.random.default_rng(0).random((480, 848), np.float32)
    t0 = time.perf_counter()
    i = 0
    while not stop.is_set():
        busy_until = time.perf_counter() + work_ms / 1000
        while time.perf_counter() < busy_until:
            np.sqrt(depth * depth + 1.0)          # releases the GIL, like the real filters
        m = visit.measurements[i % len(visit.measurements)]
        newest.put(dataclasses.replace(m, frame=i + 1, t_s=i / fps), time.perf_counter())
        i += 1
        time.sleep(max(0.0, t0 + i / fps - time.perf_counter()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.game.bench")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--work-ms", type=float, default=5.0, help="measurement work per camera frame")
    args = parser.parse_args(argv)
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    size = tuple(int(v) for v in args.size.split("x"))
    settings = Settings(max_wall_in=5)
    newest, stop = Newest(), threading.Event()
    thread = threading.Thread(target=capture, args=(newest, settings, stop, args.work_ms), daemon=True)
    thread.start()
    app = App(newest, settings, display="headless", size=size, clock=RealClock())
    app.run(args.seconds)
    stop.set()
    print(json.dumps({"size": args.size, **{k: round(v, 2) for k, v in app.stats.report().items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
