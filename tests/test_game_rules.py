"""The pure game rules on scripted visits (metres, seconds): scenes, levels, cues, the summary's one focus,
guidance, settings."""
import json
from collections import Counter

import numpy as np
import pytest

from kiosk.game import rules
from kiosk.game.guidance import guidance
from kiosk.game.rules import (Celebrate, CameraStatus, Reset, Say, Scene, Sound, new_game, spoken_phrases, step)
from kiosk.game.settings import Settings, SettingsError, load, save
from kiosk.game.visit import Visit, full_visit
from kiosk.game import words
from kiosk.measurement import Measurement
from kiosk.form import ROUNDED_BACK_DEG, Fault
from kiosk.reps import Rep, RepCounter
from kiosk.units import inches_to_m

SMALL = Settings(max_wall_in=5, reps_per_level=3)


def play(measurements, settings=SMALL, fps=30.0, events_at=None):
    """Step the rules at 60 Hz through a visit; returns the state and a log of (t, scene, effects)."""
    state = new_game(settings)
    log = []
    t = 0.0
    end = len(measurements) / fps
    while t < end:
        m = measurements[min(int(t * fps), len(measurements) - 1)]
        events = (events_at or {}).get(round(t * 60), [])
        state, fx = step(state, m, events, t)
        log.append((t, state.scene, fx))
        t += rules.STEP_S
    return state, log


def effects(log, kind):
    return [e for _, _, fx in log for e in fx if isinstance(e, kind)]


def scenes(log):
    out = []
    for _, scene, _ in log:
        if not out or out[-1] != scene:
            out.append(scene)
    return out


def test_a_scripted_visit_meets_every_scene_and_every_level():
    visit = full_visit(SMALL, profiles=False)
    state, log = play(visit.measurements)
    assert scenes(log) == [Scene.ATTRACT, Scene.GUIDE, Scene.DRILL, Scene.SUMMARY, Scene.ATTRACT]
    titles = [c.title for c in effects(log, Celebrate)]
    assert [t for t in titles if t.startswith("Level")] == ["Level 2!", "Level 3!"]
    assert words.TOP_LEVEL in titles and words.NEW_BEST in titles
    said = [s.text for s in effects(log, Say)]
    for fault in (Fault.SQUAT, Fault.SHORT, Fault.STAYED_DOWN, Fault.ROUNDED_BACK, Fault.KNEES_FORWARD):
        assert words.CUES[fault].spoken in said
    assert words.SNAP.spoken in said
    assert "Level up. Wall at 4 inches." in said and "Level up. Wall at 5 inches." in said
    sounds = {s.name for s in effects(log, Sound)}
    assert {"beep", "tap", "good", "snap", "cue", "level_up", "start", "end"} <= sounds


def test_the_full_visits_faulty_reps_show_in_their_body_angles():
    visit = full_visit(SMALL, profiles=False)
    counter = RepCounter(inches_to_m(3))               # the faults of form do not depend on the wall
    reps = [r for r in map(counter.update, visit.measurements) if isinstance(r, Rep)]
    form_faults = [set(r.faults) - {Fault.SHORT, Fault.STAYED_DOWN} for r in reps]
    assert len(reps) == 14 and sorted(map(sorted, filter(None, form_faults))) == [
        [Fault.KNEES_FORWARD], [Fault.ROUNDED_BACK], [Fault.SQUAT]]
    rounded = next(r for r in reps if Fault.ROUNDED_BACK in r.faults)
    assert rounded.spine == "rounded" and rounded.form == "hinge"
    on_mark = [m for m in visit.measurements if m.on_mark]
    assert all(None not in (m.trunk_deg, m.knee_deg, m.back_flexion_deg, m.back_line) for m in on_mark)
    standing, deep = on_mark[0], max(on_mark, key=lambda m: m.hip_offset_m)
    assert standing.trunk_deg < 2 and standing.knee_deg < 10 and standing.back_flexion_deg < ROUNDED_BACK_DEG
    assert deep.trunk_deg > 35 and deep.knee_deg < 0.75 * deep.trunk_deg and deep.back_flexion_deg == 0
    (hz, hy), (sz, sy) = deep.back_line                # the back line leans as the trunk does, hips to shoulders
    assert abs(np.degrees(np.arctan2(sz - hz, sy - hy)) - deep.trunk_deg) < 1 and sy > hy


def test_the_summary_tells_best_wall_good_reps_focus_and_best_rep():
    visit = full_visit(SMALL, profiles=False)
    leave = visit.seconds - 14.0 + 4.0          # a few seconds after walking away: the summary is up
    state, log = play(visit.measurements[:round(leave * 30)])
    assert state.scene is Scene.SUMMARY
    s = state.summary
    assert s.best_wall_m == pytest.approx(inches_to_m(5))
    assert s.good_reps == 9 and s.reps == 14
    assert s.focus is Fault.SHORT               # three reps fell short; the squat and the stayed-down came once
    assert s.next_wall_m is None                # the top wall is cleared
    assert s.best.good and s.best.peak_offset_m >= inches_to_m(5)


def test_the_proximity_beep_quickens_as_the_hips_near_the_wall():
    intervals = [rules.beep_interval_s(c / 10) for c in range(2, 11)]
    assert intervals == sorted(intervals, reverse=True) and intervals[-1] <= 0.1 and intervals[0] >= 0.4
    visit = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(inches_to_m(3) + 0.01, down_s=1.2)
    _, log = play(visit.measurements)
    beeps = [t for t, _, fx in log if Sound("beep") in fx]
    tap = next(t for t, _, fx in log if Sound("tap") in fx)
    assert len(beeps) >= 2 and all(b < tap for b in beeps)      # silent once the tap has sounded


def test_someone_walking_past_changes_nothing_mid_drill():
    base = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(0.12)
    crossed = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(0.12)
    for v in (base, crossed):
        v.rep(0.12, down_s=0.5)
    crossed.passer_by(0.2)                       # lost between reps
    crossed.rep(0.12, down_s=0.6).passer_by(0.15)
    crossed.rep(0.12)
    base.rep(0.12, down_s=0.6).rep(0.12)
    crossed.passer_by(1.5).stand(1.0)            # a longer crossing, still short of leaving
    for v in (base, crossed):
        v.stand(1.0)
    a, log_a = play(base.measurements)
    b, log_b = play(crossed.measurements)
    assert set(scenes(log_b)[2:]) == {Scene.DRILL}
    assert b.session.good_reps == a.session.good_reps == 4
    assert b.session.level == a.session.level


def test_walking_away_ends_in_a_summary_and_a_new_client_can_start_at_once():
    v = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(0.12).walk(0.0, 1.0, 1.0).nobody(3.0)
    v.arrive(0.0, 0.5).walk(0.0, 0.0, 0.5).stand(2.0)
    _, log = play(v.measurements)
    assert scenes(log)[-3:] == [Scene.DRILL, Scene.SUMMARY, Scene.DRILL]


def test_a_session_ends_after_its_length_and_the_next_waits_for_the_mark_to_be_left():
    settings = Settings(max_wall_in=5, reps_per_level=3, session_minutes=1)
    v = Visit(profiles=False).arrive(0, 0).stand(2.0)
    while v.seconds < 70.0:
        v.rep(0.12).stand(1.0)
    v.stand(15.0)                                   # still on the mark, well after the summary
    state, log = play(v.measurements, settings)
    assert scenes(log) == [Scene.ATTRACT, Scene.GUIDE, Scene.DRILL, Scene.SUMMARY, Scene.ATTRACT, Scene.GUIDE]
    assert state.guidance.words == (words.STEP_OFF,)
    ended = next(t for t, scene, _ in log if scene is Scene.SUMMARY)
    assert 60.0 < ended < 64.0                      # at the minute, once the rep under way was done
    v.walk(0.0, 1.0, 1.0).walk(0.0, 0.0, 1.0).stand(2.0)
    _, log = play(v.measurements, settings)
    assert scenes(log)[-1] is Scene.DRILL           # stepped off and on again: a new session


def test_leaving_without_a_rep_goes_straight_back_to_attract():
    v = Visit(profiles=False).arrive(0, 0).stand(2.0).walk(0.0, 1.0, 1.0).nobody(3.0)
    _, log = play(v.measurements)
    assert scenes(log) == [Scene.ATTRACT, Scene.GUIDE, Scene.DRILL, Scene.ATTRACT]


def test_camera_loss_and_scene_failure_are_events():
    v = Visit(profiles=False).arrive(0, 0).stand(3.5)      # on the mark throughout
    state, log = play(v.measurements, events_at={60: [CameraStatus("No camera found")], 90: [CameraStatus(None)],
                                                 170: [Reset("a scene failed")]})
    assert scenes(log) == [Scene.ATTRACT, Scene.GUIDE, Scene.NO_CAMERA, Scene.ATTRACT, Scene.GUIDE, Scene.DRILL,
                           Scene.ATTRACT, Scene.GUIDE]
    assert state.session is None


def test_levels_and_words_follow_the_units_setting():
    settings = Settings(units="cm", max_wall_in=4, reps_per_level=1)
    v = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(inches_to_m(3) + 0.02).rep(inches_to_m(4) + 0.02)
    _, log = play(v.measurements, settings)
    assert [c.detail for c in effects(log, Celebrate)][0] == "The wall moves back to 10 cm"
    assert "Level up. Wall at 10 centimetres." in spoken_phrases(settings)


def _m(x, z, on_mark=False):
    return Measurement(frame=1, t_s=0.0, present=True, on_mark=on_mark, feet_x_m=x, heel_z_m=z, top_m=1.7)


@pytest.mark.parametrize("x, z, expected", [
    (0.4, 0.0, ("Step to your right",)),          # studio +x is the client's left: they must go right
    (-0.3, 0.0, ("Move a little to your left",)),
    (0.0, 0.2, ("A little back",)),                # feet in front of the heel line
    (0.0, -0.5, ("Step forward",)),
    (0.3, 0.6, ("Step back", "Move a little to your right")),   # the bigger correction first
    (0.0, 0.0, ("Stand tall on the mark",)),
])
def test_guidance_words(x, z, expected):
    assert guidance(_m(x, z)).words == expected


def test_guidance_without_feet_and_on_the_mark():
    assert guidance(Measurement(frame=1, t_s=0.0, present=True, top_m=1.7)).words == ("Step onto the mark",)
    assert guidance(_m(0.0, 0.0, on_mark=True)).words == ("Hold still",)


def test_settings_defaults_round_trip_and_levels(tmp_path):
    path = tmp_path / "settings.json"
    assert load(path) == Settings()
    assert Settings().wall_levels_in == (3, 4, 5, 6, 7, 8)
    custom = Settings(units="cm", volume=0.5, mute=True, speech=False, first_wall_in=4, step_in=2, max_wall_in=9,
                      reps_per_level=2, session_minutes=0, pin_hash="scrypt$16384$8$1$00$00",
                      record_sessions=True, recordings_gb=50)
    assert custom.wall_levels_in == (4, 6, 8)           # the last step not beyond the furthest wall
    save(custom, path)
    assert load(path) == custom
    assert json.loads(path.read_text())["version"] == 3


def test_a_version_2_settings_file_loads_with_session_recording_off(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"kind": "hinge-kiosk-settings", "version": 2, "speech": False}))
    assert load(path) == Settings(speech=False) and not load(path).record_sessions


def test_a_version_1_settings_file_still_loads_with_the_new_settings_at_their_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"kind": "hinge-kiosk-settings", "version": 1, "units": "cm", "max_wall_in": 6}))
    assert load(path) == Settings(units="cm", max_wall_in=6)


@pytest.mark.parametrize("doc, fragment", [
    ({"units": "ft"}, 'use "in" or "cm"'),
    ({"volume": 2}, "from 0 (silent) to 1"),
    ({"mute": "yes"}, "true or false"),
    ({"max_wall_in": 2}, "from 3 to 16"),
    ({"first_wall_in": 6, "max_wall_in": 5}, "not nearer than first_wall_in"),
    ({"step_in": 0}, "from 1 to 3"),
    ({"session_minutes": -5}, "0 for no limit"),
    ({"speech": 1}, "true or false"),
    ({"record_sessions": "on"}, "true or false"),
    ({"recordings_gb": 0}, "from 1 to 500"),
    ({"pin_hash": "1234"}, "not a stored PIN"),
    ({"reps_per_level": 2.5}, "whole number"),
    ({"colour": "red"}, "unknown setting 'colour'"),
    ({"version": 7}, "version 7 is not supported: a newer kiosk wrote it"),
    ({"version": "two"}, "use version 3"),
    ({"kind": "other"}, "not a kiosk settings file"),
])
def test_settings_errors_are_one_sentence(tmp_path, doc, fragment):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"kind": "hinge-kiosk-settings", "version": 1, **doc}))
    with pytest.raises(SettingsError) as err:
        load(path)
    assert fragment in str(err.value) and str(err.value).count(". ") == 0 and "\n" not in str(err.value)


def test_settings_file_that_is_not_json(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{units: in")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load(path)


# --- the body-angle faults: reps as kiosk.reps will judge them (built here until RepCounter reports them) ------
def _rep(*faults: Fault, peak_m: float = 0.12, tapped: bool = True, trunk_deg: float | None = 60.0,
         knee_deg: float | None = 20.0, spine: str = "neutral") -> Rep:
    return Rep(start_frame=1, peak_frame=2, end_frame=3, start_s=0.0, peak_s=0.5, end_s=1.0,
               standing_offset_m=0.04, peak_offset_m=peak_m, hip_drop_m=0.02, tapped=tapped,
               form="squat" if Fault.SQUAT in faults else "hinge", faults=faults, trunk_deg=trunk_deg,
               knee_deg=knee_deg, spine=spine, left_bottom_s=0.6)


class _Judge:
    """Stands in for RepCounter: hands out the given reps, one a second while the client stands on the mark."""

    def __init__(self, reps: list[Rep], wall_m: float) -> None:
        self.reps, self.wall_m = list(reps), wall_m
        self.in_rep, self.standing_offset_m = False, 0.04

    def update(self, m):
        return self.reps.pop(0) if self.reps and m.frame % 30 == 0 else None


def _session(monkeypatch, reps: list[Rep], settings=SMALL):
    """A client stands on the mark while the judge hands out `reps`, then walks away: (state, log)."""
    monkeypatch.setattr(rules, "RepCounter", lambda wall_m: _Judge(reps, wall_m))
    v = Visit(profiles=False).arrive(0, 0).stand(2.0 + len(reps) * 1.0 + 1.0).walk(0.0, 1.0, 1.0).nobody(3.0)
    return play(v.measurements, settings)


def test_a_rounded_back_and_knees_forward_are_cued_aloud_and_on_screen(monkeypatch):
    _, log = _session(monkeypatch, [_rep(Fault.ROUNDED_BACK, spine="rounded"), _rep(Fault.KNEES_FORWARD, knee_deg=55)])
    said = [s.text for s in effects(log, Say)]
    assert said.count(words.CUES[Fault.ROUNDED_BACK].spoken) == 1
    assert said.count(words.CUES[Fault.KNEES_FORWARD].spoken) == 1
    assert said.index(words.CUES[Fault.ROUNDED_BACK].spoken) < said.index(words.CUES[Fault.KNEES_FORWARD].spoken)
    assert effects(log, Sound).count(Sound("cue")) == 2
    for fault in (Fault.ROUNDED_BACK, Fault.KNEES_FORWARD):
        assert words.CUES[fault].spoken in spoken_phrases(SMALL)       # rendered before anyone waits for it


def test_a_rep_with_several_faults_gets_the_most_important_cue():
    assert words.cue_for((Fault.SHORT, Fault.ROUNDED_BACK)) == words.CUES[Fault.ROUNDED_BACK]
    assert words.cue_for((Fault.STAYED_DOWN, Fault.KNEES_FORWARD)) == words.CUES[Fault.KNEES_FORWARD]
    assert words.cue_for((Fault.KNEES_FORWARD, Fault.SQUAT)) == words.CUES[Fault.SQUAT]
    assert words.cue_for((Fault.STAYED_DOWN, Fault.SHORT)) == words.CUES[Fault.SHORT]


@pytest.mark.parametrize("faults, expected", [
    ({}, None),
    ({Fault.SHORT: 1}, Fault.SHORT),
    ({Fault.SHORT: 5, Fault.ROUNDED_BACK: 2}, Fault.ROUNDED_BACK),      # a habit that matters more wins
    ({Fault.SHORT: 5, Fault.SQUAT: 1}, Fault.SHORT),                    # one squat is not the habit to fix
    ({Fault.STAYED_DOWN: 1, Fault.KNEES_FORWARD: 1}, Fault.KNEES_FORWARD),   # no habit: the most important
    ({Fault.FEET_MOVED: 4, Fault.STAYED_DOWN: 2, Fault.ROUNDED_BACK: 1}, Fault.STAYED_DOWN),
])
def test_the_focus_is_the_most_important_habit(faults, expected):
    assert rules.focus(Counter(faults)) is expected


def test_the_summary_names_the_habit_to_work_on_and_the_best_reps_angles(monkeypatch):
    reps = [_rep(Fault.ROUNDED_BACK, spine="rounded", trunk_deg=40), _rep(Fault.SHORT, peak_m=0.06),
            _rep(peak_m=0.13, trunk_deg=66, knee_deg=21), _rep(Fault.ROUNDED_BACK, spine="rounded"),
            _rep(Fault.SHORT, Fault.ROUNDED_BACK, peak_m=0.07, spine="rounded")]
    state, log = _session(monkeypatch, reps)
    assert state.scene is Scene.SUMMARY, scenes(log)
    s = state.summary
    assert s.focus is Fault.ROUNDED_BACK and s.reps == 5 and s.good_reps == 1
    assert (s.best.trunk_deg, s.best.knee_deg, s.best.spine) == (66, 21, "neutral")      # the good rep
    assert s.best_wall_m == pytest.approx(inches_to_m(3)) and s.next_wall_m == pytest.approx(inches_to_m(4))


def test_a_session_without_a_fault_ends_in_praise_and_the_next_wall(monkeypatch):
    state, _ = _session(monkeypatch, [_rep(peak_m=0.10), _rep(peak_m=0.11)])
    s = state.summary
    assert s.focus is None and s.good_reps == 2
    assert words.next_goal(s.next_wall_m, "in") == "Great form! Next: tap the wall at 4 in"
    assert words.next_goal(None, "in").startswith("Great form!")


def test_someone_passing_in_front_mid_rep_is_waited_for_without_a_word():
    """Frames where the client is hidden (someone in front) or touched are no news: the rep in progress goes on,
    nothing is cued, and the client is not taken to have left, however long the crossing (up to 3 s)."""
    clear = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(0.12).rep(0.12, down_s=1.2).stand(1.0)
    hidden = Visit(profiles=False).arrive(0, 0).stand(2.0).rep(0.12).rep(0.12, down_s=1.2).stand(1.0)
    start = len(hidden.measurements) - int(2.6 * 30)           # from mid-descent of the second rep, 1.2 s long
    for i in range(start, start + 36):
        hidden.measurements[i] = Measurement(frame=hidden.measurements[i].frame, t_s=hidden.measurements[i].t_s,
                                             present=True, occluded=i % 2 == 0, touched=i % 2 == 1)
    a, log_a = play(clear.measurements)
    b, log_b = play(hidden.measurements)
    assert set(scenes(log_b)[2:]) == {Scene.DRILL}
    assert b.session.reps == a.session.reps == 2 and b.session.good_reps == a.session.good_reps
    blame = {c.spoken for c in words.CUES.values()}
    assert not [s for s in effects(log_b, Say) if s.text in blame]


def test_a_split_stance_is_told_to_stand_feet_side_by_side():
    m = Measurement(frame=1, t_s=0.0, present=True, feet_x_m=0.0, heel_z_m=0.0, top_m=1.7, feet_split_m=0.2)
    assert guidance(m).words == ("Feet side by side",)
    level = Measurement(frame=1, t_s=0.0, present=True, feet_x_m=0.0, heel_z_m=0.0, top_m=1.7, feet_split_m=0.03)
    assert guidance(level).words != ("Feet side by side",)


def test_a_moved_camera_is_known_to_the_attract_screen():
    state = new_game(SMALL)
    state, _ = step(state, Measurement(frame=1, t_s=0.0, camera_moved=True), [], 0.0)
    assert state.scene is Scene.ATTRACT and state.camera_moved
    state, _ = step(state, Measurement(frame=2, t_s=0.033), [], 0.033)
    assert not state.camera_moved


def test_something_left_on_the_mark_is_named_while_nobody_is_there():
    state = new_game(SMALL)
    state, _ = step(state, Measurement(frame=1, t_s=0.0, present=True, object_on_mark=True), [], 0.0)
    assert state.scene is Scene.ATTRACT and state.something_on_mark
    state, _ = step(state, Measurement(frame=2, t_s=0.033), [], 0.033)
    assert not state.something_on_mark
