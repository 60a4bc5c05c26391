"""Frame-time and motion-to-screen benchmark on the kiosk's real capture path:
`python -m kiosk.game.bench [--seconds S] [--size WxH] [--display headless|windowed|fullscreen]
[--recording FILE --calibration FILE | --cache DIR]`; and the cost of the client's outline alone:
`python -m kiosk.game.bench --outline [--size WxH]`.

The game runs on the real clock (capped at 60 fps) while a CaptureProvider replays a recording in real time
in the camera's watched child process and measures every frame with the real Measurer: what
`python -m kiosk --demo` runs (the demo's recording unless --recording is given). It prints:

- frame: one game frame's work (events, rules, draw, flip), median and p95;
- measure: a depth frame received by the capture thread → its measurement handed over;
- handover_to_drawn: hand-over → end of the first flip that draws it;
- timestamp_to_drawn: the frame's own timestamp → drawn. Recording time is mapped to the clock by the earliest
  arrival among the frames of the next second (a loop of the recording restarts its timing), so the constant
  floor of SDK decoding and the pipe is not in it; every delay that varies is.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from kiosk.measurement import Measurement

# The game's modules are imported where they are used: every pass of the replay starts a camera child process,
# which imports this module again (the main module), and pygame would start each pass a second late.

START_S = 60.0        # the child process, the SDK and the first frame get this long
ENVELOPE_S = 1.0      # frame timestamps are mapped to the clock by the earliest arrival within this window


class Trace:
    """Per measurement: its frame timestamp and when the capture thread received and handed it over."""

    def __init__(self) -> None:
        self.by_handover: dict[float, tuple[float, float]] = {}
        self.measure_s: list[float] = []

    def __call__(self, m: Measurement, received_s: float, handed_s: float) -> None:
        self.by_handover[handed_s] = (m.t_s, received_s)
        self.measure_s.append(handed_s - received_s)


def timestamp_to_drawn(shown: list[tuple[float, float]], trace: Trace) -> list[float]:
    """Drawn time minus the frame timestamp mapped to the clock: by the earliest arrival (arrival - timestamp)
    among the frames of the second that follows, which follows the replay across a loop's restart."""
    frames = sorted(trace.by_handover.values())                   # (timestamp, received), in frame order
    stamps = np.array([stamp for stamp, _ in frames])
    lag = np.array([received - stamp for stamp, received in frames])
    ends = np.searchsorted(stamps, stamps + ENVELOPE_S, side="right")
    offset = {stamp: lag[i:end].min() for i, (stamp, end) in enumerate(zip(stamps, ends))}
    return [drawn - stamp - offset[stamp] for stamp, drawn in
            ((trace.by_handover[h][0], drawn) for h, drawn in shown if h in trace.by_handover)]


def summary(name: str, values_s: list[float]) -> dict[str, float]:
    if not values_s:
        return {}
    ms = np.array(values_s) * 1000.0
    return {f"{name}_median_ms": round(float(np.median(ms)), 2), f"{name}_p95_ms": round(float(np.percentile(ms, 95)), 2)}


def outline_cost(size: tuple[int, int]) -> dict[str, float]:
    """The client's outline (kiosk.game.draw Silhouette) over every distinct profile of the scripted full visit,
    in the drill's picture at `size`: the draw of a new profile (outline, fill, stroke and its blit: the cost
    of a new measurement), and the draw of the same profile again (the blit every frame pays). Wall time, and
    this thread's CPU time, which other busy processes inflate less."""
    import pygame

    from kiosk.game.app import open_display
    from kiosk.game.draw import Painter, SideView, Silhouette
    from kiosk.game.palette import CLIENT, CLIENT_FILL
    from kiosk.game.scenes import drill_layout
    from kiosk.game.settings import Settings
    from kiosk.game.visit import full_visit

    screen = open_display("headless", size)
    p = Painter(size)
    view = SideView(drill_layout(p)[0])
    profiles = list({id(m.profile): m.profile for m in full_visit(Settings()).measurements
                     if m.on_mark and m.profile is not None}.values())
    silhouette = Silhouette()
    times: dict[str, list[float]] = {name: [] for name in ("new_wall", "new_cpu", "blit_wall", "blit_cpu")}
    for points in profiles:
        for kind in ("new", "blit"):
            t0, c0 = time.perf_counter(), time.thread_time()
            silhouette.draw(screen, view, points, CLIENT_FILL, CLIENT, p.px(0.5))
            times[f"{kind}_cpu"].append(time.thread_time() - c0)
            times[f"{kind}_wall"].append(time.perf_counter() - t0)
    pygame.display.quit()
    return {"size": f"{size[0]}x{size[1]}", "profiles": len(profiles),
            **{k: v for name, values in times.items() for k, v in summary(f"outline_{name}", values).items()}}


def assets(args: argparse.Namespace) -> tuple[Path, Path]:
    if args.recording:
        return args.recording, args.calibration
    from kiosk.paths import default_cache
    from kiosk.sim.demo import demo_assets
    return demo_assets(args.cache or default_cache())[:2]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m kiosk.game.bench")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--display", choices=("headless", "windowed", "fullscreen"), default="headless",
                        help="headless uses SDL's dummy driver; windowed/fullscreen need a display (e.g. Xvfb)")
    parser.add_argument("--recording", type=Path, help="a .db3 recording (default: the demo's)")
    parser.add_argument("--calibration", type=Path, help="its calibration (needed with --recording)")
    parser.add_argument("--cache", type=Path, help="where the demo is kept")
    parser.add_argument("--outline", action="store_true", help="time only the client's outline, per new profile")
    args = parser.parse_args(argv)
    if args.recording and not args.calibration:
        parser.error("--recording needs --calibration")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    size = tuple(int(v) for v in args.size.split("x"))
    if args.outline:
        print(json.dumps(outline_cost(size)))
        print(f"command: python -m kiosk.game.bench {shlex.join(argv)}")
        return 0
    from calibration.store import load
    from kiosk.game.app import App
    from kiosk.game.settings import Settings
    from kiosk.live import CaptureProvider
    from kiosk.run import Choice, source_factory

    recording, cal_path = assets(args)
    cal = load(cal_path)
    trace = Trace()
    with CaptureProvider(source_factory(Choice(recording, cal_path, True), None), lambda: cal,
                         trace=trace) as provider:
        deadline = time.monotonic() + START_S
        while provider.latest()[0] is None:
            if provider.status() or time.monotonic() > deadline:
                print(f"bench: no measurements: {provider.status() or 'the source did not start'}", file=sys.stderr)
                return 1
            time.sleep(0.05)
        app = App(provider, Settings(), display=args.display, size=size, kiosk=False)
        app.run(args.seconds)
    shown = list(app.stats.shown)
    report = {"size": args.size, "display": args.display, "frames_drawn": len(app.stats.frame_s),
              "fps": round(len(app.stats.frame_s) / args.seconds, 1),
              "camera_frames_measured": len(trace.measure_s), "camera_frames_drawn": len(shown),
              **summary("frame", list(app.stats.frame_s)), **summary("measure", trace.measure_s),
              **summary("handover_to_drawn", app.stats.latency_s),
              **summary("timestamp_to_drawn", timestamp_to_drawn(shown, trace))}
    print(json.dumps(report))
    screen = "" if args.display == "headless" else f"DISPLAY={os.environ.get('DISPLAY', '')} "
    print(f"command: {screen}python -m kiosk.game.bench {shlex.join(argv)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
