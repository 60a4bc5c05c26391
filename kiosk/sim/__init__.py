"""The simulated client: an articulated body in a furnished room, seen by a simulated D4xx through the SDK."""
from kiosk.sim.body import BUILDS, Body, named_body
from kiosk.sim.record import record, truth_path
from kiosk.sim.room import PLACEMENTS, Placement
from kiosk.sim.simulate import Simulation, simulate

__all__ = ["BUILDS", "Body", "PLACEMENTS", "named_body", "Placement", "Simulation", "record", "simulate", "truth_path"]
