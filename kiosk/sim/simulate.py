"""A scenario played by a simulated client in front of a simulated camera: depth frames plus ground truth.

Frames are rendered one at a time as they are consumed, so a long scenario never sits in memory.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from calibration.model import Calibration
from kiosk.sim.body import Body, build
from kiosk.sim.render import Clothing, Renderer, StereoNoise
from kiosk.sim.room import Placement, room
from kiosk.sim.scenarios import SCENARIOS
from kiosk.sim.script import Script

FPS = 30.0
PASSER_BY = Body(1.78)


@dataclass(frozen=True)
class Simulation:
    scenario: str
    placement: Placement
    body: Body
    seed: int
    wall_m: float
    script: Script
    clothing: Clothing = Clothing.PLAIN

    @property
    def frame_count(self) -> int:
        return len(self.script.poses)

    def frames(self) -> Iterator[np.ndarray]:
        """Depth images (metres, 0 = no depth), rendered lazily, numbered 1, 2, ... at 1/fps."""
        p = self.placement
        renderer = Renderer(p.intrinsics, p.camera_from_studio(), room(), self.clothing)
        noise = StereoNoise(p.intrinsics, p.baseline_m, seed=self.seed)
        for client, others in zip(self.script.poses, self.script.others):
            bodies = ([build(self.body, client)] if client is not None else [])
            bodies += [build(PASSER_BY, o) for o in others]
            yield noise.apply(*renderer.render(bodies))

    def calibration(self) -> Calibration:
        """The calibration a perfect routine would give: the camera's true pose around the mark."""
        p = self.placement
        return Calibration(p.intrinsics, p.studio_from_camera(), p.baseline_m, p.device_name, "SIM-truth",
                           "2026-01-01T00:00:00+00:00", stance_width_m=0.2)

    def truth(self) -> dict:
        """The ground truth JSON of `python -m kiosk record`: per frame and per rep, in metres."""
        p = self.placement
        return {
            "kind": "hinge-kiosk-sim-truth", "version": 1,
            "scenario": self.scenario, "stature_m": self.body.stature_m, "body": dataclasses.asdict(self.body),
            "seed": self.seed, "fps": FPS,
            "wall_m": self.wall_m, "clothing": self.clothing.value,
            "placement": {"name": p.name, "distance_m": p.distance_m, "height_m": p.height_m,
                          "aim_y_m": p.aim_y_m, "camera": p.camera},
            "studio_from_camera": p.studio_from_camera().round(6).tolist(),
            "frames": self.script.truth_frames(),
            "reps": [r.to_dict() for r in self.script.reps],
            "non_reps": self.script.non_reps,
        }


def simulate(scenario: str, placement: Placement = Placement(), body: Body = Body(), seed: int = 0,
             wall_m: float = 4 * 0.0254, visits: int = 1, clothing: Clothing = Clothing.PLAIN) -> Simulation:
    """The scenario played `visits` times in a row (long recordings for memory checks)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: choose one of {', '.join(SCENARIOS)}")
    if not 1.4 <= body.stature_m <= 2.1:
        raise ValueError(f"stature {body.stature_m} m is outside the simulator's 1.40-2.10 m")
    script = Script(body, FPS, seed)
    cam = placement.position
    for _ in range(visits):
        SCENARIOS[scenario](script, np.array([cam[0], cam[2]]), wall_m)
    return Simulation(scenario, placement, body, seed, wall_m, script, clothing)
