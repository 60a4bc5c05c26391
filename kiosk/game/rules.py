"""The game's rules: scenes, sessions, levels, cues. Pure: no pygame, no clock reads, no I/O.

`step(state, measurement, events, now_s)` advances the game by one fixed step and returns plain-data effects
(sounds, speech, flash, shake, celebrations) for the edges to show and play. Measurements arrive at the
camera's rate and may repeat across steps; each one is used once.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.game import words
from kiosk.game.guidance import Guidance, guidance
from kiosk.game.settings import Settings
from kiosk.history import SessionRecord, tally
from kiosk.measurement import Measurement
from kiosk.form import Fault
from kiosk.reps import Cancelled, Rep, RepCounter, touching
from kiosk.units import inches_to_m

STEP_S = 1 / 60
GUIDE_AFTER_S = 0.4       # someone near the mark this long gets guidance (a quick pass-by does not)
LOST_S = 1.0              # nobody near the mark this long: back to attract
START_STILL_S = 1.0       # standing still on the mark this long starts a session
STILL_FEET_M = 0.05       # feet moving less than this are standing still
BLIP_S = 0.3              # off the mark this briefly mid-drill is a passer-by or a lost frame, not the client
LEAVE_S = 2.0             # off the mark this long ends the session
SUMMARY_S = 10.0          # the summary stays this long unless someone steps on
BANNER_S = 2.5
RECONNECT_KEEP_S = 30.0   # a session waits this long for a camera that is reconnecting, then ends
BEST_MARGIN_M = 0.005     # a new session best must beat the old one by this much; the first rep at a new
                          # wall is deeper by design and its level-up was just celebrated, so it never counts
BEEP_SLOW_S = 0.55        # proximity beep interval when the hips have just left standing...
BEEP_FAST_S = 0.07        # ...and right at the wall (a parking sensor)
BEEP_FROM = 0.15          # share of the way to the wall before beeping starts
RECURRING = 2             # a fault seen this often in a session is a habit, worth the summary's one focus


class Scene(StrEnum):
    ATTRACT = "attract"
    GUIDE = "guide"
    DRILL = "drill"
    SUMMARY = "summary"
    NO_CAMERA = "no_camera"


# --- effects: what the edges should do -------------------------------------------------------------------
@dataclass(frozen=True)
class Sound:
    name: str           # one of synth.NAMES: "beep", "tap", "good", "snap", "cue", "level_up", ...


@dataclass(frozen=True)
class Say:
    """Words to speak; always paired with a Sound, so without a speech engine the tones still coach."""

    text: str


@dataclass(frozen=True)
class Flash:
    """The screen flashes: the hips touched the wall."""


@dataclass(frozen=True)
class Shake:
    """The wall shakes: the hips touched the wall."""


@dataclass(frozen=True)
class Celebrate:
    title: str
    detail: str


@dataclass(frozen=True)
class SessionBegan:
    """A client's session began: the edges start keeping its depth, when the studio asked for that."""


@dataclass(frozen=True)
class SessionOver:
    """A client's session ended: the edges store it in the studio's history."""

    record: SessionRecord


Effect = Sound | Say | Flash | Shake | Celebrate | SessionBegan | SessionOver


# --- events: what happened outside the rules ---------------------------------------------------------------
@dataclass(frozen=True)
class CameraStatus:
    message: str | None     # None: the camera works; else a plain sentence ("No camera found"). A session in
    #                         progress waits for the camera (RECONNECT_KEEP_S) rather than ending at once


@dataclass(frozen=True)
class Reset:
    """Something at the edges failed: drop the session and return to attract."""

    reason: str


Event = CameraStatus | Reset


@dataclass(frozen=True)
class Banner:
    text: str
    kind: str           # "cue" | "praise"
    until_s: float


@dataclass(frozen=True)
class Summary:
    good_reps: int
    reps: int
    best_wall_m: float | None       # furthest wall tapped with a good rep
    focus: Fault | None             # the one thing to work on (see focus); None: no fault all session
    best: Rep                       # see _rank: its hip path and body angles
    last_wall_m: float
    next_wall_m: float | None       # the wall to aim for next time; None once the top wall is cleared


@dataclass
class Session:
    started_s: float
    level: int = 0                  # index into settings.wall_levels_in
    good_in_level: int = 0
    good_reps: int = 0
    reps: int = 0
    best_wall_m: float | None = None
    best_rep: Rep | None = None     # see _rank
    faults: Counter[Fault] = field(default_factory=Counter)    # every fault of every rep, and feet that moved
    cues: Counter[str] = field(default_factory=Counter)        # every cue given, by its words on screen
    tapped: bool = False            # the hips reached the wall during the rep in progress
    last_beep_s: float = -math.inf


@dataclass
class GameState:
    """Everything the scenes draw. Mutable: `step` advances it in place and returns it."""

    settings: Settings
    scene: Scene = Scene.ATTRACT
    scene_since_s: float = 0.0
    counter: RepCounter | None = None
    session: Session | None = None
    summary: Summary | None = None
    banner: Banner | None = None
    camera_message: str | None = None
    reconnecting_since_s: float | None = None    # the session waits for the camera since then
    latest: Measurement | None = None
    present_since_s: float | None = None
    absent_since_s: float | None = 0.0
    still_since_s: float | None = None
    still_feet: tuple[float, float] | None = None
    away_since_s: float | None = None
    last_frame: tuple[int, float] | None = None
    step_off_first: bool = False    # a session ran its full length: the next starts once the mark was left

    @property
    def wall_m(self) -> float:
        level = self.session.level if self.session else 0
        return inches_to_m(self.settings.wall_levels_in[level])

    @property
    def level_number(self) -> int:
        return (self.session.level if self.session else 0) + 1

    @property
    def level_count(self) -> int:
        return len(self.settings.wall_levels_in)

    @property
    def something_on_mark(self) -> bool:
        """Nobody is there, but something left on the mark would stop a client standing on it."""
        return self.latest is not None and self.latest.object_on_mark

    @property
    def camera_moved(self) -> bool:
        """The camera no longer sees what it was calibrated on: the trainer should recalibrate."""
        return self.latest is not None and self.latest.camera_moved

    @property
    def guidance(self) -> Guidance | None:
        if self.latest is None or not self.latest.present:
            return None
        if self.step_off_first and self.latest.on_mark:
            return Guidance((words.STEP_OFF,), None, None)
        return guidance(self.latest)

    def start_progress(self, now_s: float) -> float:
        """0..1: how far through "stand still on the mark" the visitor is."""
        return 0.0 if self.still_since_s is None else min(1.0, (now_s - self.still_since_s) / START_STILL_S)

    @property
    def hip_offset_m(self) -> float | None:
        return self.latest.hip_offset_m if self.latest is not None and self.latest.on_mark else None

    @property
    def to_go_m(self) -> float | None:
        """How far the hips still are from the wall (0 once touching)."""
        hip = self.hip_offset_m
        return None if hip is None else max(0.0, self.wall_m - hip)

    @property
    def closeness(self) -> float:
        """0 standing .. 1 touching the wall; what the proximity tone and the gauge follow."""
        hip = self.hip_offset_m
        standing = self.counter.standing_offset_m if self.counter else None
        if hip is None or standing is None or self.wall_m <= standing:
            return 0.0
        return min(1.0, max(0.0, (hip - standing) / (self.wall_m - standing)))


def new_game(settings: Settings, now_s: float = 0.0) -> GameState:
    return GameState(settings, scene_since_s=now_s, absent_since_s=now_s)


def step(state: GameState, m: Measurement | None, events: list[Event], now_s: float
         ) -> tuple[GameState, list[Effect]]:
    fx: list[Effect] = []
    for event in events:
        _handle(state, event, now_s)
    if state.scene is Scene.NO_CAMERA:
        return state, fx
    if state.reconnecting_since_s is not None:      # nothing moves on while the camera is away
        if now_s - state.reconnecting_since_s >= RECONNECT_KEEP_S:
            _lose_camera(state, now_s)
        return state, fx
    if m is not None and (m.frame, m.t_s) != state.last_frame:
        state.last_frame = (m.frame, m.t_s)
        if not (m.occluded or m.touched):   # someone in front of the client, or touching them: wait, say nothing
            state.latest = m
            _track_visitor(state, m, now_s)
            if state.scene is Scene.DRILL:
                _drill_frame(state, m, now_s, fx)
    _advance_scene(state, now_s, fx)
    if state.scene is Scene.DRILL:
        _proximity_beep(state, now_s, fx)
    if state.banner is not None and now_s >= state.banner.until_s:
        state.banner = None
    return state, fx


def _handle(state: GameState, event: Event, now_s: float) -> None:
    if isinstance(event, CameraStatus):
        state.camera_message = event.message
        if event.message is not None and state.session is not None:
            if state.reconnecting_since_s is None:
                state.reconnecting_since_s = now_s          # the session waits; the drill says why
        elif event.message is not None and state.scene is not Scene.NO_CAMERA:
            _lose_camera(state, now_s)
        elif event.message is None:
            state.reconnecting_since_s = None
            if state.scene is Scene.NO_CAMERA:
                _forget_visitor(state, now_s)
                _enter(state, Scene.ATTRACT, now_s)
    elif isinstance(event, Reset):
        _end_session(state)
        _forget_visitor(state, now_s)
        _enter(state, Scene.ATTRACT, now_s)


def _lose_camera(state: GameState, now_s: float) -> None:
    state.reconnecting_since_s = None
    _end_session(state)
    _enter(state, Scene.NO_CAMERA, now_s)


def _forget_visitor(state: GameState, now_s: float) -> None:
    """Start watching afresh: whoever stands there must stand still again before a session starts."""
    state.present_since_s = state.still_since_s = state.still_feet = state.last_frame = None
    state.absent_since_s = now_s


def _enter(state: GameState, scene: Scene, now_s: float) -> None:
    state.scene = scene
    state.scene_since_s = now_s
    state.banner = None


def _track_visitor(state: GameState, m: Measurement, now_s: float) -> None:
    """Who is near the mark, since when, and whether they stand still on it."""
    if m.present:
        state.present_since_s = state.present_since_s if state.present_since_s is not None else now_s
        state.absent_since_s = None
    else:
        state.absent_since_s = state.absent_since_s if state.absent_since_s is not None else now_s
        state.present_since_s = None
    if not m.on_mark:
        state.step_off_first = False
    if not (m.on_mark and m.feet_x_m is not None and m.heel_z_m is not None):
        state.still_since_s = state.still_feet = None
    elif state.still_feet is None or math.dist(state.still_feet, (m.feet_x_m, m.heel_z_m)) > STILL_FEET_M:
        state.still_feet = (m.feet_x_m, m.heel_z_m)
        state.still_since_s = now_s


def _advance_scene(state: GameState, now_s: float, fx: list[Effect]) -> None:
    scene = state.scene
    ready = (state.still_since_s is not None and now_s - state.still_since_s >= START_STILL_S
             and not state.step_off_first)
    if scene in (Scene.ATTRACT, Scene.GUIDE, Scene.SUMMARY) and ready:
        _start_session(state, now_s, fx)
    elif scene is Scene.ATTRACT:
        if state.present_since_s is not None and now_s - state.present_since_s >= GUIDE_AFTER_S:
            _enter(state, Scene.GUIDE, now_s)
    elif scene is Scene.GUIDE:
        if state.absent_since_s is not None and now_s - state.absent_since_s >= LOST_S:
            _enter(state, Scene.ATTRACT, now_s)
    elif scene is Scene.DRILL:
        if state.away_since_s is not None and now_s - state.away_since_s >= LEAVE_S:
            _finish_session(state, now_s, fx)
        elif _time_is_up(state, now_s):
            _finish_session(state, now_s, fx)
            state.step_off_first = True
    elif scene is Scene.SUMMARY and now_s - state.scene_since_s >= SUMMARY_S:
        state.summary = None
        _enter(state, Scene.ATTRACT, now_s)


def _time_is_up(state: GameState, now_s: float) -> bool:
    """The session has run the settings' length, and no rep is under way (a rep in progress is finished first)."""
    limit_s = 60.0 * state.settings.session_minutes
    return limit_s > 0 and now_s - state.session.started_s >= limit_s and not state.counter.in_rep


def _start_session(state: GameState, now_s: float, fx: list[Effect]) -> None:
    state.session = Session(started_s=now_s)
    state.summary = None
    state.away_since_s = None
    state.counter = RepCounter(state.wall_m)
    _enter(state, Scene.DRILL, now_s)
    state.banner = Banner(words.WELCOME.text, "praise", now_s + BANNER_S)
    fx += [SessionBegan(), Sound("start"), Say(words.WELCOME.spoken)]


def _finish_session(state: GameState, now_s: float, fx: list[Effect]) -> None:
    """The client walked away (or the session ran its length): a summary if they did any reps, else straight back
    to attract."""
    s = state.session
    summary = None
    if s is not None and s.reps:
        walls = (inches_to_m(w) for w in state.settings.wall_levels_in)
        ahead = next((w for w in walls if s.best_wall_m is None or w > s.best_wall_m), None)
        summary = Summary(s.good_reps, s.reps, s.best_wall_m, focus(s.faults), s.best_rep, state.wall_m, ahead)
    if s is not None:
        best = s.best_rep.peak_offset_m if s.best_rep is not None else None
        fx.append(SessionOver(SessionRecord(now_s - s.started_s, s.level + 1, s.good_reps, s.reps, s.best_wall_m,
                                            best, tally(s.faults), tally(s.cues))))
    _end_session(state)
    state.summary = summary
    _enter(state, Scene.SUMMARY if summary else Scene.ATTRACT, now_s)
    if summary:
        fx += [Sound("end"), Say(words.GOODBYE)]


def _end_session(state: GameState) -> None:
    state.session = None
    state.counter = None
    state.away_since_s = None
    state.summary = None


def _drill_frame(state: GameState, m: Measurement, now_s: float, fx: list[Effect]) -> None:
    """Feed the rep counter; brief trips off the mark (someone walking past) are not its business."""
    s, counter = state.session, state.counter
    if not m.on_mark:
        state.away_since_s = state.away_since_s if state.away_since_s is not None else now_s
        if now_s - state.away_since_s < BLIP_S:
            return
    else:
        state.away_since_s = None
    result = counter.update(m)
    if not counter.in_rep:
        s.tapped = False
    elif not s.tapped and m.hip_offset_m is not None and touching(m.hip_offset_m, state.wall_m):
        s.tapped = True
        fx += [Sound("tap"), Flash(), Shake()]
    if isinstance(result, Rep):
        _score(state, result, now_s, fx)
    elif isinstance(result, Cancelled) and result.reason is Fault.FEET_MOVED:
        s.faults[Fault.FEET_MOVED] += 1
        _cue(state, words.CUES[Fault.FEET_MOVED], now_s, fx)


def _score(state: GameState, rep: Rep, now_s: float, fx: list[Effect]) -> None:
    s = state.session
    s.reps += 1
    s.faults.update(rep.faults)
    prior = s.best_rep
    if prior is None or _rank(rep) > _rank(prior):
        s.best_rep = rep
    if not rep.good:
        _cue(state, words.cue_for(rep.faults), now_s, fx)
        return
    s.good_reps += 1
    s.good_in_level += 1
    s.best_wall_m = max(s.best_wall_m or 0.0, state.wall_m)
    state.banner = Banner(words.SNAP.text if rep.snap else words.GOOD, "praise", now_s + BANNER_S)
    fx += [Sound("snap"), Say(words.SNAP.spoken)] if rep.snap else [Sound("good")]
    unit = state.settings.units
    if s.good_in_level == state.settings.reps_per_level and s.level + 1 < state.level_count:
        s.level += 1
        s.good_in_level = 0
        state.counter.wall_m = state.wall_m
        fx += [Sound("level_up"), Say(words.level_up_speech(state.wall_m, unit)),
               Celebrate(f"Level {state.level_number}!", f"The wall moves back to {words.length(state.wall_m, unit)}")]
    elif s.good_in_level == state.settings.reps_per_level:
        fx += [Sound("level_up"), Say(words.TOP_LEVEL),
               Celebrate(words.TOP_LEVEL, f"{words.length(state.wall_m, unit)}: a full hip hinge")]
    elif s.good_in_level > 1 and prior.good and rep.peak_offset_m > prior.peak_offset_m + BEST_MARGIN_M:
        fx += [Sound("best"), Celebrate(words.NEW_BEST, f"Hips {words.length(rep.peak_offset_m, unit, True)} "
                                                        "behind your heels")]


def _rank(rep: Rep) -> tuple[bool, float]:
    """Good reps beat faulty ones, then the deepest wins."""
    return rep.good, rep.peak_offset_m


def focus(faults: Counter[Fault]) -> Fault | None:
    """The one thing to work on: the most important fault that became a habit (RECURRING times or more), else
    the most important one seen; None when the session had none. Importance is kiosk.form.Fault's order (the
    back and the hinge itself before the reach and the return), so one squat among five short reps is not the
    focus, but two rounded backs are."""
    seen = [f for f in Fault if faults[f] > 0]
    habits = [f for f in seen if faults[f] >= RECURRING]
    return (habits or seen or [None])[0]


def _cue(state: GameState, cue: words.Cue, now_s: float, fx: list[Effect]) -> None:
    state.banner = Banner(cue.text, "cue", now_s + BANNER_S)
    state.session.cues[cue.text] += 1
    fx += [Sound("cue"), Say(cue.spoken)]


def _proximity_beep(state: GameState, now_s: float, fx: list[Effect]) -> None:
    """Beeps that quicken as the hips near the wall, silent once tapped (the tap sound said it)."""
    s = state.session
    closeness = state.closeness
    if s is None or s.tapped or not state.counter.in_rep or closeness < BEEP_FROM:
        return
    if now_s - s.last_beep_s >= beep_interval_s(closeness):
        s.last_beep_s = now_s
        fx.append(Sound("beep"))


def beep_interval_s(closeness: float) -> float:
    """Time between proximity beeps: slow when the hips have just left standing, rapid at the wall."""
    k = min(1.0, max(0.0, (closeness - BEEP_FROM) / (1 - BEEP_FROM)))
    return BEEP_SLOW_S + (BEEP_FAST_S - BEEP_SLOW_S) * k


def spoken_phrases(settings: Settings) -> list[str]:
    """Every sentence the rules may say, so speech can be rendered before anyone is waiting for it."""
    walls = [words.level_up_speech(inches_to_m(w), settings.units) for w in settings.wall_levels_in[1:]]
    cues = [c.spoken for c in words.CUES.values()]
    return cues + [words.SNAP.spoken, words.WELCOME.spoken, words.GOODBYE, words.TOP_LEVEL] + walls
