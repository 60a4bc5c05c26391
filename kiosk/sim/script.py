"""Scripted motion of the simulated client (and the other people in the studio), frame by frame, with what really
happened.

A script is written like a coach's plan — walk on, stand, hinge to 4 inches, squat, walk away — and turns into
one Pose per frame plus the ground truth: which frames the client stood on the mark and which reps they made.
Other people (a passer-by, a trainer, someone waiting) are extra bodies in the frames already written.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from kiosk.sim.body import KNEE_SHARE, Body, Pose, truth
from kiosk.sim.moves import KNEES_FORWARD_HINGE, MOVES, Move

WALK_SPEED = 1.0                 # m/s
STEP_HZ = 0.9                    # stride cycles per second
REP_TRAVEL_M = 0.03              # docs/geometry.md: hips travelling less than this is sway, not a rep
STRIDE = 0.45                    # stride amplitude (fraction of knee height, see body.Pose.stride)
ARRIVAL = (0.0, 0.25)            # where clients end their walk onto the mark, before turning onto it
PASSER_BY = Body(1.78)
STEP_S = 0.6                     # a step to one side or back: how long it takes
GESTURE_S = (0.5, 0.7, 0.5)      # an arm gesture: raise, hold, lower
SHIFT_HZ = 0.12                  # someone standing shifts their weight from foot to foot this often


@dataclass(frozen=True)
class Other:
    """Someone else in one frame: who they are (as the truth names them), their build and their pose."""

    who: str
    body: Body
    pose: Pose


@dataclass
class RepTruth:
    kind: str                    # "hinge" or "squat"
    style: str                   # e.g. "soft knees", "stiff legs", "rounded 30 deg", "squat"
    start_frame: int
    peak_frame: int
    end_frame: int
    peak_offset_m: float
    trunk_deg: float             # body angles at the peak
    knee_deg: float
    spine_deg: float
    hip_drop_m: float
    knees_forward: bool          # a hinge that pushes the knees forward: the fault a coach would name
    returned_upright: bool = True

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Script:
    """Builds the frames of a scenario for one client."""

    body: Body
    fps: float = 30.0
    seed: int = 0
    poses: list[Pose | None] = field(default_factory=list)          # the client, None = not in the room
    on_mark: list[bool] = field(default_factory=list)
    others: list[list[Other]] = field(default_factory=list)         # other people in each frame
    reps: list[RepTruth] = field(default_factory=list)
    non_reps: list[dict] = field(default_factory=list)              # movements that must not count
    people: list[dict] = field(default_factory=list)                # who else came, and in which frames
    touches: list[tuple[int, int]] = field(default_factory=list)    # frames (first, last) someone's hand is on
    #                                                                 the client
    _here: Pose | None = None

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    # ---- the timeline -------------------------------------------------------------------------------------
    def _frames(self, seconds: float) -> int:
        return max(1, int(round(seconds * self.fps)))

    def _emit(self, pose: Pose | None, on_mark: bool) -> None:
        self.poses.append(pose)
        self.on_mark.append(on_mark)
        self.others.append([])
        self._here = pose

    @property
    def frame(self) -> int:
        """Number (from 1) of the next frame to be emitted."""
        return len(self.poses) + 1

    def empty(self, seconds: float) -> "Script":
        for _ in range(self._frames(seconds)):
            self._emit(None, False)
        return self

    def walk(self, start: tuple[float, float], end: tuple[float, float]) -> "Script":
        """Walk in a straight line facing the way of travel."""
        for pose in self._line(start, end, ease_ends=True):
            self._emit(pose, False)
        return self

    def _line(self, start: tuple[float, float], end: tuple[float, float], ease_ends: bool) -> list[Pose]:
        """Walking poses, one a frame, along a straight line (strides shortened near the ends if asked)."""
        a, b = np.array(start, float), np.array(end, float)
        heading = float(np.arctan2(b[0] - a[0], b[1] - a[1]))
        n = self._frames(float(np.linalg.norm(b - a)) / WALK_SPEED)
        poses = []
        for k in range(n):
            s = (k + 1) / n
            fade = min(1.0, 4 * min(s, 1 - s) + 0.2) if ease_ends else 1.0
            poses.append(_walking(a + s * (b - a), heading, 2 * np.pi * STEP_HZ * k / self.fps, fade))
        return poses

    def turn_to_mark(self, seconds: float = 0.8, exact: bool = False) -> "Script":
        """Turn on the spot to face the screen, heels landing on the tape (exactly, or as clients do)."""
        start = self._here or Pose()
        goal_x, goal_z = (0.0, 0.0) if exact else self.placement_error()
        n = self._frames(seconds)
        h0 = (start.heading + np.pi) % (2 * np.pi) - np.pi
        for k in range(n):
            s = _ease((k + 1) / n)
            self._emit(Pose(x=start.x + s * (goal_x - start.x), z=start.z + s * (goal_z - start.z),
                            heading=(1 - s) * h0, stride=0.3 * np.sin(np.pi * s), lift=0.03 * np.sin(np.pi * s)),
                       False)
        return self

    def placement_error(self) -> tuple[float, float]:
        """Where this client's heels land: within a couple of centimetres of the tape."""
        return float(self.rng.normal(0, 0.015)), float(np.clip(self.rng.normal(0, 0.01), -0.02, 0.02))

    def stand(self, seconds: float, sway_m: float = 0.006, rock_m: float = 0.0) -> "Script":
        """Stand on the mark, breathing and swaying a little sideways (`sway_m`) and, if asked, rocking the hips
        back and forth by `rock_m` each way: never a rep."""
        base = self._here or Pose()
        n = self._frames(seconds)
        phase = self.rng.uniform(0, 2 * np.pi)
        thigh_m = (self.body.hip_y - KNEE_SHARE * self.body.hip_y) * self.body.stature_m
        for k in range(n):
            t = k / self.fps
            rock = rock_m * np.sin(2 * np.pi * 0.35 * t + phase)
            self._emit(dataclasses.replace(base, trunk=np.radians(1.0) * np.sin(2 * np.pi * 0.25 * t + phase),
                                           thigh=float(np.arcsin(np.clip(rock / thigh_m, -1, 1))),
                                           sway_x=sway_m * np.sin(2 * np.pi * 0.3 * t + phase), stride=0.0,
                                           lift=0.0), True)
        return self

    def rep(self, move: Move | str, target_m: float | None = None, depth: float | None = None, down_s: float = 1.0,
            hold_s: float = 0.2, up_s: float = 0.5, travel_m: float | None = None) -> "Script":
        """One attempt: a movement to a target hip offset (or by `travel_m` from where the hips stand, or to a
        depth), hold, return upright. Attempts travelling under 3 cm are sway by definition, not reps."""
        move = MOVES[move] if isinstance(move, str) else move
        base = dataclasses.replace(self._here or Pose(), thigh=0.0, trunk=0.0)
        upright = truth(self.body, base)
        if travel_m is not None:
            target_m = upright.hip_offset_m + travel_m
        if depth is None:
            depth = self.depth_for(target_m, move, base)
        start = self.frame
        peak, peak_truth = start, None
        n_down, n_hold, n_up = self._frames(down_s), self._frames(hold_s), self._frames(up_s)
        for k in range(n_down + n_hold + n_up):
            if k < n_down:
                s = _ease((k + 1) / n_down)
            elif k < n_down + n_hold:
                s = 1.0
            else:
                s = 1.0 - _ease((k - n_down - n_hold + 1) / n_up)
            pose = _posed(base, move.at(depth * s))
            now = truth(self.body, pose)
            if peak_truth is None or now.hip_offset_m > peak_truth.hip_offset_m:
                peak, peak_truth = self.frame, now
            self._emit(pose, True)
        if peak_truth.hip_offset_m - upright.hip_offset_m >= REP_TRAVEL_M:
            self.reps.append(RepTruth(move.kind, move.style, start, peak, self.frame - 1, peak_truth.hip_offset_m,
                                      peak_truth.trunk_deg, peak_truth.knee_deg, peak_truth.spine_deg,
                                      upright.hip_height_m - peak_truth.hip_height_m, move is KNEES_FORWARD_HINGE))
        else:
            self.non_reps.append({"what": "sway", "start_frame": start, "end_frame": self.frame - 1})
        return self

    def reach(self, move: Move | str = "hinge") -> tuple[float, float]:
        """Hip offset of this client standing upright, and at the bottom of the movement."""
        move = MOVES[move] if isinstance(move, str) else move
        return truth(self.body, Pose()).hip_offset_m, truth(self.body, _posed(Pose(), move.at(1.0))).hip_offset_m

    def depth_for(self, target_m: float, move: Move, base: Pose) -> float:
        """The depth of the movement that puts the rear of the hips at target_m behind the heel line."""
        lo, hi = 0.0, 1.0
        for _ in range(22):
            mid = 0.5 * (lo + hi)
            if truth(self.body, _posed(base, move.at(mid))).hip_offset_m < target_m:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    def shift_feet(self, gap_m: float = 0.14, seconds: float = 0.7) -> "Script":
        """Step the feet wider (or back together): a fidget that is not a rep."""
        base = self._here or Pose()
        start = self.frame
        n = self._frames(seconds)
        for k in range(n):
            s = _ease((k + 1) / n)
            self._emit(dataclasses.replace(base, foot_gap=base.foot_gap + s * (gap_m - base.foot_gap),
                                           lift=0.04 * np.sin(np.pi * s)), True)
        self.non_reps.append({"what": "feet shifted", "start_frame": start, "end_frame": self.frame - 1})
        return self

    def step(self, dz_m: float, seconds: float = 0.6) -> "Script":
        """Step the whole body forward (+) or back (−) off the tape line: hips move, but it is not a rep."""
        base = self._here or Pose()
        start = self.frame
        n = self._frames(seconds)
        for k in range(n):
            s = _ease((k + 1) / n)
            self._emit(dataclasses.replace(base, z=base.z + s * dz_m, lift=0.04 * np.sin(np.pi * s)), False)
        self.non_reps.append({"what": f"stepped {dz_m * 100:+.0f} cm", "start_frame": start,
                              "end_frame": self.frame - 1})
        return self

    def leave(self, to: tuple[float, float]) -> "Script":
        here = self._here or Pose()
        start = self.frame
        self.walk((here.x, here.z), to)
        self.non_reps.append({"what": "walked away", "start_frame": start, "end_frame": self.frame - 1})
        return self.empty(0.1)

    def arrive(self, start: tuple[float, float], exact: bool = False) -> "Script":
        first = self.frame
        self.walk(start, ARRIVAL).turn_to_mark(exact=exact)
        self.non_reps.append({"what": "walked onto the mark", "start_frame": first, "end_frame": self.frame - 1})
        return self

    def passer_by(self, start_frame: int, path: tuple[tuple[float, float], tuple[float, float]],
                  who: str = "passer-by", body: Body = PASSER_BY, what: str = "someone walked past") -> "Script":
        """Someone walking a straight line at walking pace, from start_frame on (frames already written; the walk
        is cut where it runs before the first frame or past the last)."""
        first, last = self.add_other(who, body, self._line(*path, ease_ends=False), start_frame)
        if first <= last:
            self.non_reps.append({"what": what, "start_frame": first, "end_frame": last})
        return self

    def add_other(self, who: str, body: Body, poses: list[Pose], start_frame: int = 1) -> tuple[int, int]:
        """Someone else in the frames already written, posed by `poses` from start_frame on; returns the first and
        last frame they are in (first > last: none)."""
        first, last = max(1, start_frame), min(len(self.others), start_frame + len(poses) - 1)
        for frame in range(first, last + 1):
            self.others[frame - 1].append(Other(who, body, poses[frame - start_frame]))
        if first <= last:
            self.people.append({"who": who, "stature_m": body.stature_m, "start_frame": first, "end_frame": last})
        return first, last

    def stand_by(self, spots: list[tuple[float, float]], face: tuple[float, float], rng: np.random.Generator,
                 gesture_rad: float = 0.0, shift_m: float = 0.02, step_every_s: tuple[float, float] = (6.0, 10.0),
                 gesture_every_s: tuple[float, float] = (3.5, 6.0)) -> list[Pose]:
        """A person standing by for the whole script, facing `face`: shifting their weight (`shift_m` at the
        pelvis), now and then stepping to the next of `spots`, and raising the arms to gesture (`gesture_rad`
        forward of hanging; 0: never). Poses only: `add_other` puts them in the frames."""
        n = len(self.poses)
        spot = np.zeros((n, 2))
        swing = np.zeros(n)                      # 0 standing, up to 1 mid-step
        here, k = 0, self._frames(rng.uniform(*step_every_s))
        spot[:] = spots[0]
        while len(spots) > 1 and k < n:
            m = self._frames(STEP_S)
            there = (here + 1) % len(spots)
            for j in range(min(m, n - k)):
                s = _ease((j + 1) / m)
                spot[k + j] = (1 - s) * np.array(spots[here]) + s * np.array(spots[there])
                swing[k + j] = np.sin(np.pi * s)
            spot[k + m:] = spots[there]
            here, k = there, k + m + self._frames(rng.uniform(*step_every_s))
        arm = np.full(n, Pose().arm)
        k = self._frames(rng.uniform(*gesture_every_s))
        raise_n, hold_n, lower_n = (self._frames(s) for s in GESTURE_S)
        profile = np.concatenate([[_ease((j + 1) / raise_n) for j in range(raise_n)], np.ones(hold_n),
                                  [1 - _ease((j + 1) / lower_n) for j in range(lower_n)]])
        while gesture_rad > 0 and k < n:
            if not swing[k:k + len(profile)].any():      # nobody gestures mid-step
                seg = profile[: n - k]
                arm[k:k + len(seg)] = Pose().arm + seg * (gesture_rad - Pose().arm)
            k += len(profile) + self._frames(rng.uniform(*gesture_every_s))
        phase = rng.uniform(0, 2 * np.pi)
        t = np.arange(n) / self.fps
        weight = np.sin(2 * np.pi * SHIFT_HZ * t + phase)
        return [Pose(x=float(spot[i, 0]), z=float(spot[i, 1]),
                     heading=float(np.arctan2(face[0] - spot[i, 0], face[1] - spot[i, 1])),
                     sway_x=float(shift_m * weight[i]), trunk=float(np.radians(1.5) * weight[i]), arm=float(arm[i]),
                     lift=float(0.04 * swing[i]), stride=float(0.3 * swing[i])) for i in range(n)]

    # ---- truth --------------------------------------------------------------------------------------------
    def truth_frames(self, t0_ms: float = 0.0) -> list[dict]:
        out = []
        for i, (pose, on) in enumerate(zip(self.poses, self.on_mark)):
            rec = {"frame": i + 1, "t_ms": round(t0_ms + i * 1000.0 / self.fps, 3), "on_mark": on,
                   "hip_offset_m": None, "hip_height_m": None, "trunk_deg": None, "knee_deg": None,
                   "spine_deg": None, "touched": any(a <= i + 1 <= b for a, b in self.touches)}
            if on and pose is not None:
                t = truth(self.body, pose)
                rec.update(hip_offset_m=round(t.hip_offset_m, 5), hip_height_m=round(t.hip_height_m, 5),
                           trunk_deg=round(t.trunk_deg, 2), knee_deg=round(t.knee_deg, 2),
                           spine_deg=round(t.spine_deg, 2))
            out.append(rec)
        return out


def _ease(s: float) -> float:
    return 0.5 - 0.5 * np.cos(np.pi * min(max(s, 0.0), 1.0))


def _posed(base: Pose, bend: Pose) -> Pose:
    """The base stance (where and how the feet stand) with the bend's joint angles."""
    return dataclasses.replace(base, shank=bend.shank, thigh=bend.thigh, trunk=bend.trunk, lumbar=bend.lumbar,
                               thoracic=bend.thoracic, arm=bend.arm)


def _walking(p: np.ndarray, heading: float, phase: float, fade: float) -> Pose:
    swing = np.sin(phase)
    return Pose(x=float(p[0]), z=float(p[1]), heading=heading, stride=STRIDE * fade * swing,
                lift=0.05 * fade * max(0.0, np.cos(phase)), shank=np.radians(8) * abs(swing) * fade,
                trunk=np.radians(3))
