"""A scenario played by a simulated client in a studio (`kiosk/sim/studio.py`) in front of a simulated camera:
depth frames plus ground truth.

Frames are rendered one at a time as they are consumed, so a long scenario never sits in memory. The studio's
props are static (cast once with the room); other people are cast only in the frames they are in.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from calibration.model import Calibration
from kiosk.sim.body import Body, build
from kiosk.sim.render import Clothing, Renderer, StereoNoise
from kiosk.sim.room import Placement
from kiosk.sim.scenarios import SCENARIOS
from kiosk.sim.script import Script
from kiosk.sim.studio import Layout, Studio, named_studio

FPS = 30.0
CALIBRATION = "calibration"     # the trainer's routine: props placed later, and the people, stay out of it
OCCLUDED_SHARE = 0.3            # the client is occluded when others hide more than this share of their pixels...
OCCLUDED_HIPS_SHARE = 0.5       # ...or more than this share of their hips' pixels (pelvis and buttocks)


@dataclass(frozen=True)
class Simulation:
    scenario: str
    placement: Placement
    body: Body
    seed: int
    wall_m: float
    script: Script
    clothing: Clothing = Clothing.PLAIN
    layout: Layout = Layout()

    @property
    def frame_count(self) -> int:
        return len(self.script.poses)

    def frames(self) -> Iterator[np.ndarray]:
        """Depth images (metres, 0 = no depth), rendered lazily, numbered 1, 2, ... at 1/fps."""
        renderer = self._renderer()
        noise = StereoNoise(self.placement.intrinsics, self.placement.baseline_m, seed=self.seed)
        for client, others in zip(self.script.poses, self.script.others):
            bodies = ([build(self.body, client)] if client is not None else [])
            bodies += [build(o.body, o.pose) for o in others]
            yield noise.apply(*renderer.render(bodies))

    def _renderer(self) -> Renderer:
        p = self.placement
        return Renderer(p.intrinsics, p.camera_from_studio(), self.layout.static(), self.clothing, self.layout.mirror)

    def occluded(self) -> list[bool]:
        """Per frame: others hide a large part of the client from the camera (OCCLUDED_SHARE of their pixels, or
        OCCLUDED_HIPS_SHARE of their hips'), counted on exact depth. Casts only where someone could be in the way."""
        out, renderer = [], None
        for client, others in zip(self.script.poses, self.script.others):
            hidden = (0.0, 0.0)
            if client is not None and others:
                renderer = renderer or self._renderer()
                hidden = renderer.hidden(build(self.body, client), [build(o.body, o.pose) for o in others])
            out.append(hidden[0] > OCCLUDED_SHARE or hidden[1] > OCCLUDED_HIPS_SHARE)
        return out

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
            "studio": self.layout.studio,
            "others": [prop.describe() for prop in self.layout.props] + self.script.people,
            "frames": [dict(f, occluded=o) for f, o in zip(self.script.truth_frames(), self.occluded())],
            "reps": [r.to_dict() for r in self.script.reps],
            "non_reps": self.script.non_reps,
        }


def simulate(scenario: str, placement: Placement = Placement(), body: Body = Body(), seed: int = 0,
             wall_m: float = 4 * 0.0254, visits: int = 1, clothing: Clothing = Clothing.PLAIN,
             studio: Studio | str = "empty") -> Simulation:
    """The scenario played `visits` times in a row (long recordings for memory checks), in `studio` laid out for
    this placement, client and seed. The calibration routine gets only the studio's furniture that was there
    before it (`CALIBRATION`)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: choose one of {', '.join(SCENARIOS)}")
    if not 1.4 <= body.stature_m <= 2.1:
        raise ValueError(f"stature {body.stature_m} m is outside the simulator's 1.40-2.10 m")
    studio = named_studio(studio) if isinstance(studio, str) else studio
    script = Script(body, FPS, seed)
    cam = placement.position
    for _ in range(visits):
        SCENARIOS[scenario](script, np.array([cam[0], cam[2]]), wall_m)
    if studio.takes_the_mark and any(script.on_mark) and scenario != CALIBRATION:   # placed after it
        raise ValueError(f"studio {studio.name!r} leaves something on the mark, where the {scenario} scenario "
                         "puts a client: use it with the scenario 'unattended'")
    layout = studio.stage(script, placement, seed, session=scenario != CALIBRATION)
    return Simulation(scenario, placement, body, seed, wall_m, script, clothing, layout)
