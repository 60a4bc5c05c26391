"""An accelerated day at the kiosk through the real capture path: the camera child process (`camera_process`), the
capture thread measuring every frame (`CaptureProvider`), and the game rules stepped on every measurement — with
idle hours, client visits and injected camera faults — as fast as the machine goes. Reports frames, faults, the
watchdog's restarts, unhandled exceptions and the kiosk process's memory growth.

    ./hinge py benchmarks/soak.py [--frames 500000] [--visit REC.db3]

The visit is the demo's (rendered on first use); idle time is its first, empty-room frame repeated. Every
`--fault-every` frames the camera fails, in turn: it stops sending (the watchdog restarts it), the SDK raises an
error (the capture opens it again). Exit code 1 if an exception went unhandled, the game stopped receiving
measurements, or memory grew by more than --max-growth-mb.
"""
from __future__ import annotations

import argparse
import functools
import logging
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calibration.camera import DepthFrame  # noqa: E402
from calibration.store import load  # noqa: E402
from kiosk.game import rules  # noqa: E402
from kiosk.game.settings import Settings  # noqa: E402
from kiosk.live import CaptureProvider  # noqa: E402
from kiosk.sensing import camera_process, open_recording  # noqa: E402

FPS = 30.0
IDLE_FRAMES = 3000           # between visits: 100 s of an empty room (a day is mostly this)
WARM_UP_FRAMES = 20_000      # memory is compared from here on: caches and the SDK's pools are full by then


class Day:
    """The camera's side of the day, in the child process: idle stretches and visits, numbered and timed on like
    one long stream; at each opening it resumes where the day was (`resume_file`), so a fault costs frames, not
    the day. Faults: "stall" stops sending (the watchdog restarts the child), "error" raises as the SDK does."""

    def __init__(self, visit: Path, frames: int, fault_every: int, resume_file: Path,
                 idle_frames: int = IDLE_FRAMES) -> None:
        self.visit, self.frames, self.fault_every, self.resume_file = visit, frames, fault_every, resume_file
        self.idle_frames = idle_frames

    def __enter__(self) -> "Day":
        with open_recording(self.visit) as recording:
            self.info = recording.info
            self._idle = next(iter(recording)).depth_m       # the empty room, before the client arrives
            self._visit_frames = 1 + sum(1 for _ in recording)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __iter__(self):
        k = int(self.resume_file.read_text()) if self.resume_file.exists() else 0
        cycle = self.idle_frames + self._visit_frames
        while k < self.frames:
            at = k % cycle
            if at < self.idle_frames:
                frames = (self._idle for _ in range(self.idle_frames - at))
            else:
                frames = self._visit(at - self.idle_frames)
            for depth in frames:
                if k >= self.frames:
                    return
                if k % 100 == 0:
                    self.resume_file.write_text(str(k))
                if k and k % self.fault_every == 0 and int(self.resume_file.read_text()) <= k:
                    self.resume_file.write_text(str(k + 1))      # the child started again resumes past it
                    if (k // self.fault_every) % 2:
                        time.sleep(3600)                         # stalled: only the watchdog ends this
                    raise RuntimeError("Frame didn't arrive within 5000")
                yield DepthFrame(depth, self.info.intrinsics, k + 1, k * 1000.0 / FPS)
                k += 1

    def _visit(self, skip: int):
        """The visit's frames from `skip` on, read from the recording (never held: it is hundreds of MB)."""
        with open_recording(self.visit) as recording:
            for i, frame in enumerate(recording):
                if i >= skip:
                    yield frame.depth_m


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Unhandled(logging.Handler):
    """Counts what the kiosk logged as failures it had to catch (exceptions with tracebacks)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def soak(visit: Path, calibration: Path, frames: int, fault_every: int, workdir: Path,
         report_every: int = 50_000, idle_frames: int = IDLE_FRAMES) -> dict:
    unhandled = Unhandled()
    logging.getLogger().addHandler(unhandled)
    day = functools.partial(Day, visit, frames, fault_every, workdir / "resume", idle_frames)
    measured: list[tuple[int, float]] = []
    state = rules.new_game(Settings(), 0.0)
    seen, last_frame, rule_errors, sessions = 0, 0, 0, 0
    memory: dict[str, float] = {}
    start = time.perf_counter()
    source = functools.partial(camera_process, day, stall_s=2.0, max_restarts=10 ** 6)
    with CaptureProvider(source, functools.partial(load, calibration), retry_s=0.5) as provider:
        while True:
            m, _ = provider.latest()
            if m is not None and m.frame != last_frame:
                last_frame = m.frame
                seen += 1
                try:
                    state, fx = rules.step(state, m, [], m.t_s)
                    sessions += sum(isinstance(e, rules.SessionBegan) for e in fx)
                except Exception:
                    rule_errors += 1
                if seen == WARM_UP_FRAMES or (seen == 1 and frames <= WARM_UP_FRAMES):
                    memory["after_warm_up_mb"] = rss_mb()
                if seen % report_every == 0:
                    measured.append((m.frame, rss_mb()))
                    print(f"soak: frame {m.frame} of {frames}, {rss_mb():.0f} MB, "
                          f"{m.frame / (time.perf_counter() - start):.0f} fps", file=sys.stderr)
            if last_frame >= frames - 2 or (provider.status() or "").startswith("The depth stream ended"):
                break
            time.sleep(0.001)
    logging.getLogger().removeHandler(unhandled)
    memory["end_mb"] = rss_mb()
    wall = time.perf_counter() - start
    return {"frames": last_frame, "frames_seen_by_the_game": seen, "sessions": sessions,
            "faults_injected": max(0, last_frame - 1) // fault_every,      # at frame indices k = n·fault_every
            "unhandled": len(unhandled.records) + rule_errors, "unhandled_messages": unhandled.records[:5],
            "seconds": round(wall, 1), "fps": round(last_frame / wall, 1),
            "memory_after_warm_up_mb": round(memory.get("after_warm_up_mb", float("nan")), 1),
            "memory_end_mb": round(memory["end_mb"], 1),
            "memory_growth_mb": round(memory["end_mb"] - memory.get("after_warm_up_mb", memory["end_mb"]), 1),
            "memory_trace": measured}


def main() -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/soak.py")
    parser.add_argument("--frames", type=int, default=500_000)
    parser.add_argument("--fault-every", type=int, default=25_000)
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    parser.add_argument("--visit", type=Path, help="a client's visit recording (default: the demo's)")
    parser.add_argument("--calibration", type=Path, help="its calibration (default: the demo's)")
    parser.add_argument("--cache", type=Path, help="where the demo is kept")
    args = parser.parse_args()
    if args.visit is None:
        from kiosk.paths import default_cache
        from kiosk.sim.demo import demo_assets
        args.visit, args.calibration, _ = demo_assets(args.cache or default_cache())
    import tempfile
    with tempfile.TemporaryDirectory(prefix="soak-") as work:
        result = soak(args.visit, args.calibration, args.frames, args.fault_every, Path(work))
    for key, value in result.items():
        print(f"{key}: {value}")
    ok = (result["unhandled"] == 0 and result["frames"] >= args.frames - 2
          and result["memory_growth_mb"] <= args.max_growth_mb)
    print("soak passed" if ok else "soak FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
