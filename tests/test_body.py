"""The simulated body's variety and its truth (kiosk/sim/body.py, moves.py), in physical units, on meshes only.

What is checked is geometry the brief and docs/geometry.md define — the trunk angle is the lean of the line from
the hip joints to the base of the neck, knee flexion is the bend between thigh and shank, a quarter squat keeps
the trunk upright and the hips high — and that the named builds really are different bodies. Expectations come
from those definitions and from the anthropometric proportions, never from a previous run. No rendering: a
mesh costs a few milliseconds, and truths are cached by (body, pose), both frozen.
"""
from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from kiosk.form import LEAN_PER_STATURE_PCT, ROUNDED_BACK_DEG, SQUAT_KNEE_RATIO, knees_forward
from kiosk.sim.body import BUILDS, SHIRT_SLACK, Body, Mesh, Pose, Truth, build, named_body, spine_curve, truth
from kiosk.sim.moves import HINGE, KNEES_FORWARD_HINGE, MOVES, SQUAT, STIFF_HINGE, Move, rounded_hinge
from kiosk.sim.room import Placement
from kiosk.sim.scenarios import QUARTER_SQUAT, ROUNDED_DEG, session_wall_m
from kiosk.sim.script import REP_TRAVEL_M, _posed
from kiosk.sim.simulate import simulate

CM = 0.01
STATURES = (1.50, 1.75, 2.00)
SPREAD = [(name, stature) for name in BUILDS for stature in STATURES]
HINGES = (HINGE, STIFF_HINGE, KNEES_FORWARD_HINGE, rounded_hinge(30.0))
FLAT_MOVES = (HINGE, STIFF_HINGE, KNEES_FORWARD_HINGE, SQUAT)
DEPTHS = (0.25, 0.5, 0.75, 1.0)


@cache
def _mesh(body: Body, pose: Pose) -> Mesh:
    return build(body, pose)


@cache
def _truth(body: Body, pose: Pose) -> Truth:
    return truth(body, pose, _mesh(body, pose))


def _sagittal(v: np.ndarray) -> np.ndarray:
    """(forward, up) of a studio vector for a body facing +z (heading 0)."""
    return np.array([v[2], v[1]])


def _lean_deg(lower: np.ndarray, upper: np.ndarray) -> float:
    """Lean from vertical, forward positive, of the line lower → upper (body facing +z)."""
    forward, up = _sagittal(upper - lower)
    return float(np.degrees(np.arctan2(forward, up)))



# ---- the body's angles ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(BUILDS))
@pytest.mark.parametrize("move", [*HINGES, SQUAT], ids=lambda m: m.style)
def test_trunk_angle_is_the_lean_of_the_hips_to_neck_line(name, move):
    """docs/geometry.md: the trunk angle is the lean from vertical of the line from the hip joints to the base of
    the neck — read here off the mesh's joints, at every depth and for every build."""
    body = named_body(name, 1.75)
    for depth in (0.0, *DEPTHS):
        pose = move.at(depth)
        joints = _mesh(body, pose).joints
        assert _truth(body, pose).trunk_deg == pytest.approx(_lean_deg(joints["hips"], joints["neck"]), abs=1e-3)
        # the base of the neck is the top of the trunk line: one trunk length (hips to C7) from the hip joints
        length = np.linalg.norm(_sagittal(joints["neck"] - joints["hips"]))
        assert length <= body.spine_m + 1e-6
        assert length >= body.spine_m * np.cos(np.radians(_truth(body, pose).spine_deg) / 2) - 1e-6


@pytest.mark.parametrize("name,stature", SPREAD)
def test_standing_upright_the_trunk_is_vertical(name, stature):
    """0 standing tall (docs/geometry.md). A body with a little natural rounding of the upper back (kyphosis) tips its
    neck forward a little: the rounding lives in the upper half of the spine only (body.THORACIC), so the
    hips-to-neck line leans by less than half of it."""
    body = named_body(name, stature)
    standing = _truth(body, Pose())
    assert standing.knee_deg == 0.0
    assert standing.spine_deg == pytest.approx(body.kyphosis_deg, abs=1e-9)
    if body.kyphosis_deg == 0.0:
        assert standing.trunk_deg == pytest.approx(0.0, abs=1e-3)
    else:
        assert 0.0 < standing.trunk_deg < body.kyphosis_deg / 2


@pytest.mark.parametrize("name", [n for n, b in BUILDS.items() if b.kyphosis_deg == 0.0])
@pytest.mark.parametrize("move", FLAT_MOVES, ids=lambda m: m.style)
def test_a_flat_back_leans_as_the_pelvis_does(name, move):
    """With a flat (neutral) spine the trunk is one straight line tilted with the pelvis: its angle is the pose's
    trunk angle, and the spine's flexion is 0."""
    body = named_body(name, 1.75)
    for depth in DEPTHS:
        pose = move.at(depth)
        assert _truth(body, pose).trunk_deg == pytest.approx(np.degrees(pose.trunk), abs=1e-3)
        assert _truth(body, pose).spine_deg == 0.0


def _chord_lean_deg(trunk_deg: float, lumbar_deg: float, thoracic_deg: float) -> float:
    """Lean of the chord of a spine whose own lean grows evenly by `lumbar_deg` over 15-50 % of its length and by
    `thoracic_deg` over 50-95 % (docs: the lower and the upper back), integrated here independently of body.py."""
    s = np.linspace(0.0, 1.0, 20001)
    lean = np.radians(trunk_deg + lumbar_deg * np.clip((s - 0.15) / 0.35, 0, 1)
                      + thoracic_deg * np.clip((s - 0.50) / 0.45, 0, 1))
    return float(np.degrees(np.arctan2(np.trapezoid(np.sin(lean), s), np.trapezoid(np.cos(lean), s))))


@pytest.mark.parametrize("name", list(BUILDS))
@pytest.mark.parametrize("flexion", [20.0, 30.0, 40.0])
def test_a_rounded_back_is_curved_by_its_flexion_plus_the_bodys_kyphosis(name, flexion):
    body = named_body(name, 1.75)
    pose = rounded_hinge(flexion).at(1.0)
    true = _truth(body, pose)
    assert true.spine_deg == pytest.approx(flexion + body.kyphosis_deg, abs=1e-6)
    assert true.spine_deg >= ROUNDED_BACK_DEG                 # kiosk/form.py would call every one of them rounded
    # the spine really bends that much: its direction turns by spine_deg from the pelvis to the neck...
    _, lean = spine_curve(body, pose, np.array([0.0, 1.0]))
    assert np.degrees(lean[1] - lean[0]) == pytest.approx(true.spine_deg, abs=1e-6)
    # ...its top is the mesh's base of the neck...
    points, _ = spine_curve(body, pose, np.linspace(0.0, 1.0, 41))
    joints = _mesh(body, pose).joints
    assert _sagittal(joints["neck"] - joints["hips"]) == pytest.approx(points[-1], abs=1e-6)
    # ...so the trunk angle is the lean of the chord of that curve (integrated independently)...
    lumbar, thoracic = np.degrees(pose.lumbar), np.degrees(pose.thoracic) + body.kyphosis_deg
    assert true.trunk_deg == pytest.approx(_chord_lean_deg(np.degrees(pose.trunk), lumbar, thoracic), abs=0.01)
    # ...and the back bows away from it: an arc of length L turning by phi sits ~L·phi/8 off its chord (3-5 cm
    # here); bent over only part of its length it sits off less, but surely by more than half of that.
    chord = points[-1] / np.linalg.norm(points[-1])
    off_chord = np.abs(points[:, 0] * chord[1] - points[:, 1] * chord[0])
    assert off_chord.max() > 0.5 * body.spine_m * np.radians(true.spine_deg) / 8
    flat, _ = spine_curve(dataclasses.replace(body, kyphosis_deg=0.0), HINGE.at(1.0), np.linspace(0.0, 1.0, 41))
    flat_chord = flat[-1] / np.linalg.norm(flat[-1])
    assert np.abs(flat[:, 0] * flat_chord[1] - flat[:, 1] * flat_chord[0]).max() < 1e-4   # a flat back: a line


@pytest.mark.parametrize("name", list(BUILDS))
@pytest.mark.parametrize("move", [*HINGES, SQUAT], ids=lambda m: m.style)
def test_knee_flexion_is_the_bend_between_thigh_and_shank(name, move):
    """Knee flexion = shank angle + thigh angle (both from vertical, opposite ways), read off the mesh's ankle,
    knee and hip joints; 0 for a straight leg."""
    body = named_body(name, 1.75)
    for depth in (0.0, *DEPTHS):
        pose = move.at(depth)
        j = _mesh(body, pose).joints
        shank, thigh = _sagittal(j["knee"] - j["ankle"]), _sagittal(j["hips"] - j["knee"])
        bend = np.degrees(np.arccos(shank @ thigh / np.linalg.norm(shank) / np.linalg.norm(thigh)))
        true = _truth(body, pose).knee_deg
        assert true == pytest.approx(np.degrees(pose.shank + pose.thigh), abs=1e-6)
        assert true == pytest.approx(bend * np.sign(pose.shank + pose.thigh), abs=1e-3)
        # the knee ends up forward of the ankle in each move but the stiff-legged hinge (shins tipped back)
        assert (_sagittal(j["knee"] - j["ankle"])[0] > 0) == (pose.shank > 0)


# ---- the builds differ --------------------------------------------------------------------------------------
def test_broad_hips_are_wider_than_slim_ones_by_their_build():
    """`width` scales the girth: the hips (pelvis and buttocks, what a wall behind the client meets) are wider
    sideways by exactly the ratio of the widths, at the same stature."""
    slim, broad = named_body("slim", 1.75), named_body("broad", 1.75)
    span = {b.width: np.ptp(_mesh(b, Pose()).vertices[_mesh(b, Pose()).hips, 0]) for b in (slim, broad)}
    assert span[broad.width] / span[slim.width] == pytest.approx(broad.width / slim.width, rel=0.01)
    assert span[broad.width] - span[slim.width] > 8 * CM          # 1.2 vs 0.85 of a ~34 cm wide pelvis
    # and the whole body is wider, not just the hips
    whole = {b.width: np.ptp(_mesh(b, Pose()).vertices[:, 0]) for b in (slim, broad)}
    assert whole[broad.width] > whole[slim.width] + 5 * CM


@pytest.mark.parametrize("pose", [Pose(), HINGE.at(1.0), SQUAT.at(0.8)], ids=["stand", "hinge", "squat"])
def test_a_belly_moves_only_the_front_of_the_abdomen(pose):
    body = named_body("average", 1.75)
    bellied = dataclasses.replace(body, belly=1.0)
    plain, big = _mesh(body, pose), _mesh(bellied, pose)
    assert plain.vertices.shape == big.vertices.shape         # the same surface, reshaped
    moved = np.linalg.norm(big.vertices - plain.vertices, axis=1) > 1e-6
    assert moved.sum() > 0
    # every moved vertex moves forward along the spine's forward normal (out of the belly), by up to ~4.5 % of
    # stature (8 cm at 1.75 m), and sits in front of the spine, between hips and chest
    j = plain.joints
    up = _sagittal(j["neck"] - j["hips"]) / np.linalg.norm(_sagittal(j["neck"] - j["hips"]))
    forward = np.array([up[1], -up[0]])                       # up turned 90 deg toward +z: the front
    shift = np.array([_sagittal(v) for v in big.vertices[moved] - plain.vertices[moved]])
    assert np.all(shift @ forward > 0.0)
    assert 3 * CM < np.linalg.norm(shift, axis=1).max() <= 0.045 * 1.75 + 1e-3
    rel = np.array([_sagittal(v) for v in plain.vertices[moved] - j["hips"]])
    assert np.all(rel @ forward > 0)
    along = rel @ up / body.spine_m
    assert along.min() > 0.05 and along.max() < 0.55          # the abdomen: above the hips, below the chest
    # the back, hips and legs are untouched, so is every truth
    assert not np.any(moved[plain.hips])
    assert _truth(bellied, pose) == _truth(body, pose)


@pytest.mark.parametrize("stature", STATURES)
def test_glutes_move_the_rear_of_the_hips_back(stature):
    """Glutes grow backwards from where they attach: a glutes factor g puts the rear of the buttocks
    2·(g−1)·half-depth further back (half-depth 4.2 % of stature, body.BUTTOCK)."""
    offsets = {g: _truth(Body(stature, glutes=g), Pose()).hip_offset_m for g in (0.8, 1.0, 1.2, 1.4)}
    assert offsets[0.8] <= offsets[1.0] < offsets[1.2] < offsets[1.4]
    assert offsets[1.4] - offsets[1.0] == pytest.approx(2 * 0.4 * 0.042 * stature, abs=1e-3)
    # they do not move the skeleton: the hip joints stay where they are
    assert _mesh(Body(stature, glutes=1.4), Pose()).joints["hips"] == pytest.approx(
        _mesh(Body(stature), Pose()).joints["hips"], abs=1e-9)


@pytest.mark.parametrize("stature", STATURES)
def test_long_legs_raise_the_hip_joint_and_keep_the_stature(stature):
    """Standing hip joint height is 0.530 of stature for the average build (docs/geometry.md), times `legs`; a long
    torso is the other side of the same coin: same stature, same base of the neck (0.83 of stature)."""
    for name in ("long-torso", "average", "long-legs"):
        body = named_body(name, stature)
        mesh = _mesh(body, Pose())
        assert mesh.joints["hips"][1] == pytest.approx(0.530 * body.legs * stature, abs=1e-4)
        # (a natural rounding of k degrees curls the neck forward and down, by less than L·(1 − cos k))
        droop = body.spine_m * (1 - np.cos(np.radians(body.kyphosis_deg)))
        assert 0.830 * stature - droop - 1e-4 <= mesh.joints["neck"][1] <= 0.830 * stature + 1e-4
        assert mesh.vertices[:, 1].max() == pytest.approx(stature, rel=0.02)
    low = _mesh(named_body("long-torso", stature), Pose()).joints["hips"][1]
    high = _mesh(named_body("long-legs", stature), Pose()).joints["hips"][1]
    assert high - low == pytest.approx(0.530 * 0.10 * stature, abs=1e-4)   # 8-11 cm between 1.50 and 2.00 m


def _points(vertices: np.ndarray) -> set[tuple[float, float, float]]:
    return {tuple(v) for v in vertices.tolist()}


@pytest.mark.parametrize("stature", STATURES)
def test_a_loose_shirt_hangs_over_the_hips_off_the_body(stature):
    shirted = named_body("loose-shirt", stature)
    bare = dataclasses.replace(shirted, loose_shirt=False)
    mb, ms = _mesh(bare, Pose()), _mesh(shirted, Pose())
    # the pelvis and buttocks are unchanged and the shirt is added to them in `hips` (the wall meets it)
    bare_hips = _points(mb.vertices[mb.hips])
    hem = np.array([v for v in ms.vertices[ms.hips] if tuple(v.tolist()) not in bare_hips])
    assert bare_hips < _points(ms.vertices[ms.hips]) and len(hem) > 0
    hip_y = ms.joints["hips"][1]
    assert hem[:, 1].min() < hip_y - 0.02 * stature and hem[:, 1].max() > hip_y   # hangs below the hip joints
    # a wall behind this client meets the shirt: the rearmost hip point standing is on the shirt
    assert ms.vertices[ms.hips, 2].min() == hem[:, 2].min()
    assert _truth(shirted, Pose()).hip_offset_m == pytest.approx(-hem[:, 2].min(), abs=1e-6)
    assert _truth(shirted, Pose()).hip_offset_m > _truth(bare, Pose()).hip_offset_m
    # it stands SHIRT_SLACK of stature (2 cm) off the back: at the waist, above the buttocks, the back of the
    # shirted body is that much further behind than the bare back
    def waist_back(m: Mesh) -> float:
        y = m.vertices[:, 1]
        return float(m.vertices[(y > hip_y + 0.06 * stature) & (y < hip_y + 0.10 * stature), 2].min())
    assert waist_back(mb) - waist_back(ms) == pytest.approx(SHIRT_SLACK * stature, abs=2e-3)


@pytest.mark.parametrize("name", list(BUILDS))
def test_a_ponytail_hangs_behind_the_head_and_never_touches_the_hip_truth(name):
    body = dataclasses.replace(named_body(name, 1.75), ponytail=False)
    tailed = dataclasses.replace(body, ponytail=True)
    plain, tail = _mesh(body, Pose()), _mesh(tailed, Pose())
    plain_points = _points(plain.vertices)
    assert plain_points < _points(tail.vertices)                     # the same body, with something added
    added = np.array([tuple(v.tolist()) not in plain_points for v in tail.vertices])
    extra = tail.vertices[added]
    h = body.stature_m
    head = plain.vertices[plain.vertices[:, 1] > 0.87 * h]           # above the chin
    assert extra[:, 2].min() < head[:, 2].min() - 1 * CM             # it sticks out behind the head...
    assert extra[:, 2].max() < head[:, 2].mean()                     # ...from the back of it
    assert extra[:, 1].min() > 0.75 * h and extra[:, 1].max() < h    # and hangs from the head to the shoulders
    assert not added[tail.hips].any()                                 # never part of the hips
    for pose in (Pose(), HINGE.at(0.5), HINGE.at(1.0), SQUAT.at(1.0), rounded_hinge(40).at(1.0)):
        assert _truth(tailed, pose) == _truth(body, pose)


# ---- the rear of the hips, where the truth reads it --------------------------------------------------------
def test_truth_hip_height_moves_smoothly_as_the_pelvis_tips():
    """The rear of the hips is a rounded surface: tipping the pelvis by 0.5 deg slides the rearmost point along it
    by (radius of curvature) x 0.5 deg, under 4 mm for the biggest glutes here (radius ~ b²/a = 0.15 of stature
    at the rear of the buttock ellipsoid). The truth hip height must move as little, not jump. (A loose shirt's hem
    hangs as a flat strip: which end of it is rearmost may change with a small tip, as it would on a person.)"""
    for name in ("average", "glutes", "broad", "slim"):
        body = named_body(name, 1.75)
        heights = np.array([_truth(body, Pose(trunk=np.radians(t))).hip_height_m for t in np.arange(0.0, 30.01, 0.5)])
        assert np.abs(np.diff(heights)).max() < 1 * CM, name


# ---- hinge and squat -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,stature", SPREAD)
def test_a_quarter_squat_keeps_the_trunk_up_and_the_hips_high(name, stature):
    """docs/geometry.md: in a squat the trunk stays fairly upright; a quarter squat drops the hips only a few cm,
    so the drop alone does not tell it from a hinge. SQUAT.at(0.35) is the scenarios' quarter squat."""
    assert QUARTER_SQUAT == 0.35
    body = named_body(name, stature)
    quarter_pose = SQUAT.at(0.35)
    standing, quarter = _truth(body, Pose()), _truth(body, quarter_pose)
    assert 0.0 < quarter.trunk_deg < 20.0
    assert 25.0 <= quarter.knee_deg <= 60.0                  # knees bent, but nowhere near a right angle
    # the hips go back about 10-13 cm (6-7 % of stature: 9-10.5 cm at 1.50 m, 12-14 cm at 2.00 m)...
    back = quarter.hip_offset_m - standing.hip_offset_m
    assert 0.060 * stature <= back <= 0.070 * stature
    assert 9 * CM <= back <= 14 * CM
    # ...and the hip joints drop only 4-9 cm: the thighs (0.245 of stature) tip 27 deg, the shanks 12 deg
    joints = _mesh(body, Pose()).joints["hips"][1] - _mesh(body, quarter_pose).joints["hips"][1]
    assert 4 * CM <= joints <= 9 * CM
    # The rear of the buttocks (what the camera reads) rolls down a little further as the pelvis tips 13 deg, and
    # the truth reads it at a mesh vertex (±1.2 cm at 1.75 m, see above). Still under the 10 cm from which the
    # hips-only rule (kiosk/reps.py) would call a squat: that rule cannot see a quarter squat, as docs/geometry.md
    # says.
    rear = standing.hip_height_m - quarter.hip_height_m
    assert 4 * CM <= rear < 10 * CM
    assert rear < back


# Stated in kiosk/form.py beside LEAN_PER_STATURE_PCT: trunk lean (degrees) per 1 % of stature the hips travel
# back, for clients 1.45-2.05 m of every build: hinges from the shallowest rep (3 cm of travel) to the bottom,
# squats from a quarter squat (depth 0.35) to a deep one.
FORM_COMMENT_RANGES = {HINGE: (6.5, 8.8), STIFF_HINGE: (5.9, 7.9), KNEES_FORWARD_HINGE: (5.2, 7.0),
                       SQUAT: (1.9, 3.5)}
RANGE_STATURES = (1.45, 2.05)


def _shallowest_rep_depth(body: Body, move: Move) -> float:
    """The depth at which this body's hips have travelled REP_TRAVEL_M (3 cm) back: the shallowest rep."""
    upright = _truth(body, Pose()).hip_offset_m
    lo, hi = 0.0, 1.0
    for _ in range(14):                                  # 1/16384 of the movement: far finer than needed
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _truth(body, move.at(mid)).hip_offset_m - upright < REP_TRAVEL_M else (lo, mid)
    return hi


def _lean_per_stature_pct(body: Body, move: Move) -> np.ndarray:
    """Trunk lean from standing per 1 % of stature of hip travel, over the depths at which `move` is a rep."""
    start = QUARTER_SQUAT if move.kind == "squat" else _shallowest_rep_depth(body, move)
    upright = _truth(body, Pose())
    out = []
    for depth in np.linspace(start, 1.0, 9):
        bottom = _truth(body, move.at(float(depth)))
        travel_pct = 100.0 * (bottom.hip_offset_m - upright.hip_offset_m) / body.stature_m
        out.append((bottom.trunk_deg - upright.trunk_deg) / travel_pct)
    return np.array(out)


@pytest.mark.parametrize("name", list(BUILDS))
def test_lean_per_stature_of_travel_is_in_the_ranges_form_py_states(name):
    """The ranges kiosk/form.py gives for LEAN_PER_STATURE_PCT hold for every build, at both ends of the statures
    (everything else scales with stature: test_sim.py; only where the 3 cm of the shallowest rep falls moves)."""
    for stature in RANGE_STATURES:
        body = named_body(name, stature)
        for move, (lo, hi) in FORM_COMMENT_RANGES.items():
            ratio = _lean_per_stature_pct(body, move)
            assert lo <= ratio.min() and ratio.max() <= hi, (move.style, stature, ratio.min(), ratio.max())


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_hinge_leans_far_more_per_travel_than_any_squat(name):
    """What kiosk/form.py relies on: for every build and stature, every hinge style (a rounded back too) leans more
    than LEAN_PER_STATURE_PCT degrees per 1 % of stature of hip travel and every squat less, each by 15 % of it, so
    that an error of 15 % in the measured lean or travel cannot turn one into the other."""
    for stature in RANGE_STATURES:
        body = named_body(name, stature)
        for move in HINGES:
            assert _lean_per_stature_pct(body, move).min() > 1.15 * LEAN_PER_STATURE_PCT, (move.style, stature)
        assert _lean_per_stature_pct(body, SQUAT).max() < 0.85 * LEAN_PER_STATURE_PCT, stature
    # and the ranges form.py states are apart the same way
    hinge_low = min(lo for move, (lo, _) in FORM_COMMENT_RANGES.items() if move.kind == "hinge")
    assert FORM_COMMENT_RANGES[SQUAT][1] < LEAN_PER_STATURE_PCT < hinge_low


@pytest.mark.parametrize("name", list(BUILDS))
def test_a_squat_bends_the_knees_far_more_for_its_lean_than_any_hinge(name):
    """What kiosk/form.py states beside SQUAT_KNEE_RATIO: knee flexion per degree of trunk lean from standing is
    2.9-3 in squats from a quarter squat to a deep one and at most about 1 in every hinge style (a rounded back
    too), at every depth of a rep, for every build and both ends of the statures; the ratio sits 1.6 times from
    either."""
    for stature in RANGE_STATURES:
        body = named_body(name, stature)
        upright = _truth(body, Pose())
        for move in (*HINGES, SQUAT):
            start = QUARTER_SQUAT if move.kind == "squat" else _shallowest_rep_depth(body, move)
            for depth in np.linspace(start, 1.0, 9):
                t = _truth(body, move.at(float(depth)))
                ratio = t.knee_deg / (t.trunk_deg - upright.trunk_deg)
                if move.kind == "squat":
                    assert 2.9 <= ratio <= 3.0 and ratio > 1.6 * SQUAT_KNEE_RATIO, (stature, depth, ratio)
                else:
                    assert ratio <= 1.05 and ratio < SQUAT_KNEE_RATIO / 1.6, (move.style, stature, depth, ratio)


def test_moves_by_name_are_the_movements():
    assert MOVES == {"hinge": HINGE, "stiff-hinge": STIFF_HINGE, "knees-forward-hinge": KNEES_FORWARD_HINGE,
                     "squat": SQUAT}
    assert {m.kind for m in HINGES} == {"hinge"} and SQUAT.kind == "squat"
    # a Move gives only joint angles: the stance (where the feet are) comes from the script
    for move in (*HINGES, SQUAT):
        bend = move.at(0.7)
        assert (bend.x, bend.z, bend.heading, bend.foot_gap) == (0.0, 0.0, 0.0, 0.0)
        assert move.at(0.0) == dataclasses.replace(Pose(), arm=np.radians(4.0))   # depth 0 is standing
        assert move.at(1.7) == move.at(1.0)                                          # depth is clipped
    stance = Pose(x=0.1, z=-0.02, heading=0.05, foot_gap=0.1)
    posed = _posed(stance, HINGE.at(0.5))
    assert (posed.x, posed.z, posed.heading, posed.foot_gap) == (0.1, -0.02, 0.05, 0.1)
    assert (posed.trunk, posed.thigh, posed.shank) == (HINGE.at(0.5).trunk, HINGE.at(0.5).thigh, HINGE.at(0.5).shank)


# ---- the session's reps ----------------------------------------------------------------------------------------
SESSION_CLIENTS = [("average", 1.50, 0), ("long-torso", 2.00, 1)]     # seed → back rounded 20, 30 deg


@cache
def _session(name: str, stature: float, seed: int):
    body = named_body(name, stature)
    return simulate("session", Placement("side-left"), body=body, seed=seed, wall_m=session_wall_m(body))


@pytest.mark.parametrize("name,stature,seed", SESSION_CLIENTS)
def test_the_session_has_every_kind_of_rep_with_plausible_angles(name, stature, seed):
    sim = _session(name, stature, seed)
    body, reps, poses = sim.body, sim.script.reps, sim.script.poses
    kyphosis = body.kyphosis_deg

    def lean_per_travel(rep) -> float:
        standing = _truth(body, poses[rep.start_frame - 2])   # the frame before the rep: standing on the mark
        travel_pct = 100.0 * (rep.peak_offset_m - standing.hip_offset_m) / stature
        return (rep.trunk_deg - standing.trunk_deg) / travel_pct

    for rep in reps:
        peak = _truth(body, poses[rep.peak_frame - 1])
        assert (rep.peak_offset_m, rep.trunk_deg, rep.knee_deg, rep.spine_deg) == (
            peak.hip_offset_m, peak.trunk_deg, peak.knee_deg, peak.spine_deg)
        assert 0.0 < rep.trunk_deg < 90.0 and -5.0 < rep.knee_deg < 130.0
        # the hinge-or-squat judgement of kiosk/form.py, on the truth
        assert (lean_per_travel(rep) > LEAN_PER_STATURE_PCT) == (rep.kind == "hinge"), rep
        # only the knees-forward hinge is flagged, and it is what form.py flags
        knees = knees_forward(rep.trunk_deg, rep.knee_deg)
        assert rep.knees_forward == (rep.style == KNEES_FORWARD_HINGE.style)
        if rep.kind == "hinge":
            assert knees == rep.knees_forward, rep
        # only the rounded hinge has a rounded back; the others keep the body's own few degrees
        if rep.style.startswith("rounded"):
            assert rep.spine_deg == pytest.approx(ROUNDED_DEG[seed % len(ROUNDED_DEG)] + kyphosis, abs=0.01)
            assert rep.spine_deg >= ROUNDED_BACK_DEG
        else:
            assert rep.spine_deg == pytest.approx(kyphosis, abs=0.01) and rep.spine_deg < ROUNDED_BACK_DEG

    squats = [r for r in reps if r.kind == "squat"]
    quarter = [r for r in squats if r.trunk_deg < 20.0]
    deep = [r for r in squats if r.knee_deg >= 90.0]
    assert len(squats) == 2 and len(quarter) == 1 and len(deep) == 1
    # the quarter squat: trunk nearly upright, knees ~40 deg, hips back ~6.5 % of stature, dropping less
    [q] = quarter
    assert 25.0 <= q.knee_deg <= 60.0 and 0.0 < q.hip_drop_m < 10 * CM
    # the deep squat (docs/geometry.md: trunk 10-35 deg in most squats), hips down by well over 15 cm
    [d] = deep
    assert 10.0 <= d.trunk_deg <= 35.0 + kyphosis / 2 and d.hip_drop_m >= 15 * CM
    styles = {r.style: r for r in reps if r.kind == "hinge"}
    assert {"soft knees", "stiff legs", "knees forward"} <= set(styles)
    assert len([s for s in styles if s.startswith("rounded")]) == 1
    # stiff legs: knees nearly straight (under 10 deg, a fifth of the trunk's lean at most)
    stiff = styles["stiff legs"]
    assert stiff.knee_deg < 10.0 and stiff.knee_deg < 0.2 * stiff.trunk_deg
    # soft knees: the knee bend and the trunk lean are those of one soft-kneed hinge at one depth (the share of the
    # way down is the knee's share of its full bend; the trunk line then leans as that pelvis tilt plus the
    # body's own rounding make it)
    full_knee = HINGE.shank + HINGE.thigh
    for rep in (r for r in reps if r.style == HINGE.style):
        share = rep.knee_deg / full_knee
        assert rep.trunk_deg == pytest.approx(_chord_lean_deg(HINGE.trunk * share, 0.0, kyphosis), abs=0.02)
        assert 0.3 < rep.knee_deg / rep.trunk_deg < 0.75      # a soft bend, well under KNEES_FORWARD_RATIO
