"""The simulator (kiosk/sim): body geometry, scripted truth, exact depth, stereo noise, scenarios.

Expectations come from docs/geometry.md and docs/depth.md ("What the depth looks like") and from plain
geometry of the camera placement, never from a previous run of the code. Metres throughout. Claims about "the"
body are checked over every named build (`BUILDS`) at several statures; how the builds differ, and the body's
angles, are tested in test_body.py.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from calibration.camera import STEREO_SUBPIXEL, project
from calibration.geometry import transform
from kiosk.sim.body import BUILDS, BUTTOCK, Body, Mesh, Pose, build, named_body, truth, unit_box
from kiosk.sim.moves import HINGE, SQUAT, rounded_hinge
from kiosk.sim.render import MAX_DISPARITY, Renderer, StereoNoise
from kiosk.sim.room import AIM, PLACEMENTS, Placement, room
from kiosk.sim.scenarios import CLEAR_M, session_wall_m
from kiosk.sim.script import REP_TRAVEL_M, Script
from kiosk.sim.simulate import FPS, simulate

STATURES = [1.50, 1.62, 1.75, 1.88, 2.00]
SPREAD = [(name, stature) for name in BUILDS for stature in STATURES]   # every build, short to tall
CM = 0.01



def _glute_depth(body: Body) -> float:
    """How much further behind the hip joints big glutes reach than average ones (metres): they grow backwards
    from where they attach (body.py), so their rear moves back by twice their extra half-depth."""
    return max(0.0, 2 * BUTTOCK[1][2] * (body.glutes - 1.0) * body.stature_m)


# ---- body ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,stature", SPREAD)
def test_standing_heels_are_on_the_heel_line(name, stature):
    v = build(named_body(name, stature), Pose()).vertices
    feet = v[v[:, 1] < 0.05]
    assert len(feet) > 0
    # The heel line is defined by the back of the heels: the rear of the feet is at z = 0 (float32 mesh, 1 mm).
    assert feet[:, 2].min() == pytest.approx(0.0, abs=0.001)
    # ...and the feet stand on the floor, not in it.
    assert v[:, 1].min() == pytest.approx(0.0, abs=0.001)


@pytest.mark.parametrize("name,stature", SPREAD)
def test_top_of_the_head_is_the_stature(name, stature):
    top = float(build(named_body(name, stature), Pose()).vertices[:, 1].max())
    assert top == pytest.approx(stature, rel=0.05)   # a mesh of ellipsoids, not a scan: 5 %


@pytest.mark.parametrize("name,stature", SPREAD)
def test_hip_offset_standing_is_a_few_cm_and_a_full_hinge_15_to_25_cm(name, stature):
    body = named_body(name, stature)
    standing = truth(body, Pose())
    deepest = truth(body, HINGE.at(1.0))
    # docs/geometry.md: "a few cm" behind the heels standing, 15-25 cm in a full hinge. Big glutes stick out further
    # behind the hip joints than anyone's the brief had in mind: both bounds move back by their extra depth.
    extra = _glute_depth(body)
    assert 2 * CM + extra <= standing.hip_offset_m <= 9 * CM + extra
    assert 15 * CM + extra <= deepest.hip_offset_m <= 25 * CM + extra
    # The rearmost hip point is at hip/buttock height: roughly half the stature (hip joint at 0.53 of stature).
    assert 0.35 * stature < standing.hip_height_m < 0.65 * stature


@pytest.mark.parametrize("name,stature", SPREAD)
def test_a_hinge_sends_the_hips_back_more_than_it_drops_them(name, stature):
    body = named_body(name, stature)
    standing, hinged = truth(body, Pose()), truth(body, HINGE.at(1.0))
    travel = hinged.hip_offset_m - standing.hip_offset_m
    assert travel >= 10 * CM            # 15-25 cm deep from a few cm standing (test above)
    # docs/geometry.md: in a hinge the hips travel back much more than they drop ("a few cm" at most).
    assert abs(hinged.hip_height_m - standing.hip_height_m) < 4 * CM
    assert travel > 3 * abs(standing.hip_height_m - hinged.hip_height_m)


@pytest.mark.parametrize("name,stature", SPREAD)
def test_a_squat_drops_the_hips(name, stature):
    body = named_body(name, stature)
    standing, squatted = truth(body, Pose()), truth(body, SQUAT.at(1.0))
    assert standing.hip_height_m - squatted.hip_height_m >= 20 * CM
    # the hip joints too, not only the rear of the buttocks (a squat bends the knees: thighs near horizontal)
    joints = build(body, Pose()).joints["hips"][1] - build(body, SQUAT.at(1.0)).joints["hips"][1]
    assert joints >= 20 * CM


@pytest.mark.parametrize("name", list(BUILDS))
@pytest.mark.parametrize("stature", [1.50, 1.75, 2.00])
def test_hip_offset_grows_monotonically_with_hinge_depth(name, stature):
    body = named_body(name, stature)
    offsets = np.array([truth(body, HINGE.at(d)).hip_offset_m for d in np.linspace(0.0, 1.0, 21)])
    assert np.all(np.diff(offsets) > 0.0)
    # depth is clipped to [0, 1]: beyond the deepest hinge nothing changes
    assert truth(body, HINGE.at(1.5)).hip_offset_m == pytest.approx(offsets[-1], abs=1e-6)


@pytest.mark.parametrize("name", list(BUILDS))
def test_a_taller_body_is_the_same_body_scaled(name):
    """Segment lengths are fractions of stature, so at the same angles every length scales with stature."""
    poses = [Pose(), HINGE.at(0.5), HINGE.at(1.0), SQUAT.at(0.8), rounded_hinge(30).at(1.0)]
    small = [truth(named_body(name, 1.50), p) for p in poses]
    tall = [truth(named_body(name, 2.00), p) for p in poses]
    for s, t in zip(small, tall):
        assert t.hip_offset_m > s.hip_offset_m and t.hip_height_m > s.hip_height_m
        assert t.hip_offset_m / s.hip_offset_m == pytest.approx(2.00 / 1.50, rel=0.01)   # float32 vertices only
        assert t.hip_height_m / s.hip_height_m == pytest.approx(2.00 / 1.50, rel=0.01)
        # ...and angles do not depend on size at all
        assert (t.trunk_deg, t.knee_deg, t.spine_deg) == pytest.approx((s.trunk_deg, s.knee_deg, s.spine_deg),
                                                                        abs=0.01)


@pytest.mark.parametrize("name", list(BUILDS))
def test_pose_position_moves_the_body_relative_to_the_heel_line(name):
    body = named_body(name, 1.75)
    here = truth(body, Pose())
    moved = truth(body, Pose(x=0.3, z=0.05))
    # Standing 5 cm forward of the tape brings the hips 5 cm nearer the heel line; sideways changes nothing.
    assert moved.hip_offset_m == pytest.approx(here.hip_offset_m - 0.05, abs=1e-4)
    assert moved.hip_height_m == pytest.approx(here.hip_height_m, abs=1e-4)


def test_unknown_build_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="unknown build 'giant'"):
        named_body("giant", 1.75)
    assert named_body("glutes", 1.62) == dataclasses.replace(BUILDS["glutes"], stature_m=1.62)


# ---- script -------------------------------------------------------------------------------------------------
def _standing_script(body: Body, seed: int = 4) -> Script:
    return Script(body, 30.0, seed).stand(0.5)


def _check_rep_peaks_at(body: Body, target: float) -> None:
    s = _standing_script(body)
    s.rep("hinge", target_m=target).stand(0.3)
    assert len(s.reps) == 1
    rep = s.reps[0]
    frames = s.truth_frames()
    assert rep.kind == "hinge" and rep.style == HINGE.style and not rep.knees_forward
    assert rep.start_frame < rep.peak_frame < rep.end_frame
    peak = frames[rep.peak_frame - 1]
    assert peak["frame"] == rep.peak_frame
    assert peak["hip_offset_m"] == pytest.approx(target, abs=0.003)     # brief: the script hits its target ±3 mm
    assert rep.peak_offset_m == pytest.approx(peak["hip_offset_m"], abs=1e-5)  # truth rounds to 0.01 mm
    # the rep's angles are those of its peak frame (truth rounds angles to 0.01 deg)
    assert (rep.trunk_deg, rep.knee_deg, rep.spine_deg) == pytest.approx(
        (peak["trunk_deg"], peak["knee_deg"], peak["spine_deg"]), abs=0.006)
    # the peak frame is the deepest one of the rep, and the rep starts and ends near standing
    during = [f["hip_offset_m"] for f in frames[rep.start_frame - 1:rep.end_frame]]
    assert max(during) == pytest.approx(peak["hip_offset_m"], abs=1e-5)
    upright = truth(body, Pose()).hip_offset_m
    assert frames[rep.end_frame - 1]["hip_offset_m"] == pytest.approx(upright, abs=0.01)  # within breathing sway
    assert all(f["on_mark"] for f in frames[rep.start_frame - 1:rep.end_frame])


@pytest.mark.parametrize("stature", [1.50, 1.75, 2.00])
@pytest.mark.parametrize("target", [0.10, 0.15])
def test_hinge_rep_peaks_at_its_target_offset(stature, target):
    _check_rep_peaks_at(Body(stature), target)


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_build_hinges_to_its_target_offset(name):
    """A target a wall's worth (4 in) behind where this build's hips stand: big glutes stand 11 cm back."""
    body = named_body(name, 1.75)
    _check_rep_peaks_at(body, truth(body, Pose()).hip_offset_m + 4 * 0.0254)


def test_a_small_dip_is_sway_and_a_clear_travel_is_a_rep():
    s = _standing_script(Body(1.75))
    s.rep("hinge", travel_m=0.015)
    assert s.reps == []
    assert len(s.non_reps) == 1 and s.non_reps[0]["what"] == "sway"
    assert s.non_reps[0]["start_frame"] < s.non_reps[0]["end_frame"] == len(s.poses)
    # The same movement travelling more than REP_TRAVEL_M (3 cm, docs/geometry.md) is a rep.
    assert REP_TRAVEL_M == pytest.approx(0.03)
    s.stand(0.3).rep("hinge", travel_m=0.045)
    assert len(s.reps) == 1 and len(s.non_reps) == 1
    frames = s.truth_frames()
    start = frames[s.reps[0].start_frame - 2]["hip_offset_m"]       # the frame before the rep: standing
    assert s.reps[0].peak_offset_m - start == pytest.approx(0.045, abs=0.01)   # the standing sway is < 1 cm


@pytest.mark.parametrize("name", list(BUILDS))
def test_squat_rep_truth_drops_the_hips(name):
    s = _standing_script(named_body(name, 1.50))        # the shortest client drops the least
    s.rep("squat", depth=0.9)
    rep = s.reps[0]
    frames = s.truth_frames()
    before = frames[rep.start_frame - 2]
    peak = frames[rep.peak_frame - 1]
    assert rep.kind == "squat" and rep.style == SQUAT.style
    assert before["hip_height_m"] - peak["hip_height_m"] >= 0.15    # a 0.9 squat drops the hips by well over 15 cm
    assert rep.hip_drop_m >= 0.15


def test_walking_frames_are_off_the_mark_and_have_no_hip_offset():
    s = Script(Body(1.75), 30.0, seed=2).empty(0.2)
    first_walk = s.frame
    s.arrive((1.6, 1.4))
    arrived = s.frame
    s.stand(0.4)
    frames = s.truth_frames()
    assert [f["frame"] for f in frames] == list(range(1, len(frames) + 1))
    angles = ("trunk_deg", "knee_deg", "spine_deg")
    for f in frames[:arrived - 1]:
        assert f["on_mark"] is False and f["hip_offset_m"] is None and f["hip_height_m"] is None
        assert all(f[a] is None for a in angles)
    assert all(p is None for p in s.poses[:first_walk - 1])
    assert all(p is not None for p in s.poses[first_walk - 1:])
    for f in frames[arrived - 1:]:
        assert f["on_mark"] is True and f["hip_offset_m"] is not None
        # standing on the mark (heels within ~2 cm of the tape): a few cm, like the body alone
        assert 0.0 < f["hip_offset_m"] < 0.12
        # ...and upright: breathing tips the trunk by 1 deg at most, the knees stay straight, the back flat
        assert abs(f["trunk_deg"]) <= 1.0 + 1e-6 and f["knee_deg"] == pytest.approx(0.0, abs=0.01)
        assert f["spine_deg"] == 0.0
    # the walk covers ~1.96 m at 1 m/s, then a 0.8 s turn
    walk_frames = arrived - first_walk
    assert walk_frames == pytest.approx((np.hypot(1.6, 1.4 - 0.25) / 1.0 + 0.8) * 30, abs=2)


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_build_arrives_on_the_mark_at_its_own_standing_offset(name):
    """Heels land within 2 cm of the tape (Script.placement_error), so the hip offset standing on the mark is
    the body's own standing offset within those 2 cm and the 1 deg breathing sway (< 1 cm)."""
    body = named_body(name, 1.75)
    s = Script(body, 30.0, seed=5).arrive((1.6, 1.4))
    arrived = s.frame
    s.stand(1.0)
    own = truth(body, Pose()).hip_offset_m
    for f in s.truth_frames()[arrived - 1:]:
        assert f["hip_offset_m"] == pytest.approx(own, abs=0.02 + 0.01)


def test_truth_frame_timestamps_follow_the_frame_rate():
    s = Script(Body(1.75), 15.0, seed=1).empty(0.4).stand(0.4)
    frames = s.truth_frames(t0_ms=100.0)
    assert len(frames) == 12                 # 0.4 s at 15 fps, twice
    for i, f in enumerate(frames):
        assert f["t_ms"] == pytest.approx(100.0 + i * 1000.0 / 15.0, abs=1e-3)


# ---- exact depth --------------------------------------------------------------------------------------------
def _box_mesh(lo: np.ndarray, hi: np.ndarray, studio_from_frame: np.ndarray | None = None) -> Mesh:
    v, t = unit_box()
    verts = v * (hi - lo) + lo
    if studio_from_frame is not None:
        verts = transform(studio_from_frame, verts)
    return Mesh(verts.astype(np.float32), t.astype(np.int32), np.zeros(0, dtype=np.int64))


def _plate_through_aim(p: Placement) -> tuple[Mesh, float]:
    """A 1 m square plate, 1 cm thick, perpendicular to the optical axis, its front face through the aim point."""
    aim = np.array([AIM[0], p.aim_y_m, AIM[2]])
    dist = float(np.linalg.norm(aim - p.position))
    plate = _box_mesh(np.array([-0.5, -0.5, dist]), np.array([0.5, 0.5, dist + 0.01]), p.studio_from_camera())
    return plate, dist


@pytest.mark.parametrize("name", ["side-left", "behind", "oblique-behind-right"])
def test_principal_ray_hits_the_aim_point_at_its_distance(name):
    p = Placement(name, 2.4, 1.2)
    intr = p.intrinsics
    aim = np.array([AIM[0], p.aim_y_m, AIM[2]])
    # geometry of the placement: 2.4 m horizontally, 1.2 − 0.85 m above the aim point
    assert np.linalg.norm(aim - p.position) == pytest.approx(np.hypot(2.4, 1.2 - p.aim_y_m), abs=1e-9)
    # the aim point projects onto the principal point
    uv = project(intr, transform(p.camera_from_studio(), aim[None, :]))[0]
    assert uv == pytest.approx([intr.ppx, intr.ppy], abs=1e-6)
    plate, dist = _plate_through_aim(p)
    u, v = int(round(intr.ppx)), int(round(intr.ppy))
    # as the static scene, and as a moving body in front of the empty room
    alone = Renderer(intr, p.camera_from_studio(), plate).static
    in_room = Renderer(intr, p.camera_from_studio(), room(furnished=False)).depth([plate])
    for depth in (alone, in_room):
        assert depth[v, u] == pytest.approx(dist, abs=0.001)
        # z-depth, not ray length: the whole plate is at one depth, also 0.4 m off axis (ray 3.7 % longer there)
        corner_px = project(intr, np.array([[0.4, 0.4, dist]]))[0].round().astype(int)
        assert depth[corner_px[1], corner_px[0]] == pytest.approx(dist, abs=0.001)
    assert alone[5, 5] == 0.0          # nothing else in that scene: no depth


@pytest.mark.parametrize("name,height", [("side-left", 1.2), ("behind", 1.6), ("oblique-behind-left", 0.9)])
def test_floor_depth_matches_camera_height_and_tilt(name, height):
    p = Placement(name, 2.4, height)
    intr = p.intrinsics
    depth = Renderer(intr, p.camera_from_studio(), room(furnished=False)).static
    # pitch of the optical axis below horizontal, from the placement: lens `height`, aim 0.85 m high, 2.4 m away
    pitch = np.arctan2(height - p.aim_y_m, 2.4)
    axis = p.studio_from_camera()[:3, 2]
    assert np.degrees(np.arcsin(-axis[1])) == pytest.approx(np.degrees(pitch), abs=1e-6)
    # A pixel ray (rx, ry, 1) with no roll descends sin(pitch) + ry·cos(pitch) per unit of z-depth, so it meets
    # the floor `height` below the lens at z = height / (sin(pitch) + ry cos(pitch)): the ray length is
    # height / cos(angle from vertical), and its z-depth is the same for every pixel of an image row.
    checked = 0
    for v in (intr.height - 1, intr.height - 20, intr.height - 60):
        ry = (v - intr.ppy) / intr.fy
        expected = height / (np.sin(pitch) + ry * np.cos(pitch))
        if not 0 < expected < 3.0:     # keep to floor well inside the 4 m room
            continue
        row = depth[v, 100:748]
        assert row == pytest.approx(np.full(row.shape, expected), abs=0.001)
        checked += 1
    assert checked >= 2


def test_a_body_only_ever_brings_the_depth_nearer():
    p = Placement("side-left", 2.4, 1.2)
    renderer = Renderer(p.intrinsics, p.camera_from_studio(), room())
    with_body = renderer.depth([build(Body(1.75), HINGE.at(0.7))])
    changed = with_body != renderer.static
    assert changed.sum() > 2000          # a person 2.4 m away covers thousands of 848x480 pixels
    assert np.all((with_body[changed] < renderer.static[changed]) | (renderer.static[changed] == 0))
    # and the body is where a person 2.4 m from the lens is: between 2.0 and 2.8 m of z-depth
    assert np.median(with_body[changed]) == pytest.approx(2.4, abs=0.4)


# ---- stereo noise -------------------------------------------------------------------------------------------
D435 = Placement("side-left").intrinsics
B435 = Placement("side-left").baseline_m
FB = D435.fx * B435                      # focal length × baseline, pixels·m (~21 for a D435)


def _wall(z: float) -> np.ndarray:
    return np.full((D435.height, D435.width), z, dtype=np.float32)


def _rms(z: float) -> float:
    return z * z * STEREO_SUBPIXEL / FB    # docs/depth.md: RMS ≈ z² · subpixel / (fx · baseline)


def test_noise_on_a_flat_wall_grows_with_the_square_of_distance():
    stds = {}
    for k, z in enumerate((1.5, 2.0, 3.0)):
        noisy = StereoNoise(D435, B435, seed=10 + k).apply(_wall(z))
        valid = noisy > 0
        assert valid.mean() > 0.9        # a flat wall has no edges: only the left band and ~1 % blobs are lost
        err = noisy[valid] - z
        stds[z] = float(err.std())
        assert stds[z] == pytest.approx(_rms(z), rel=0.35)
        assert abs(float(np.median(err))) < 0.2 * _rms(z)    # unbiased to first order
    # Same disparity noise at every distance, so only z² changes the depth noise: 3 m / 1.5 m = 4. The ±15 %
    # covers the sampling error of a correlated field over ~400k pixels and the 2nd-order 1/d nonlinearity.
    assert stds[3.0] / stds[1.5] == pytest.approx(4.0, rel=0.15)
    assert stds[2.0] / stds[1.5] == pytest.approx((2.0 / 1.5) ** 2, rel=0.15)


@pytest.mark.parametrize("z", [1.0, 2.0, 3.0])
def test_left_band_of_fb_over_z_pixels_has_no_depth(z):
    noisy = StereoNoise(D435, B435, seed=21).apply(_wall(z))
    band = FB / z                          # the right imager does not see the first fx·B/z columns
    valid_by_col = (noisy > 0).mean(axis=0)
    assert valid_by_col[: int(np.floor(band)) - 1].max() == 0.0
    beyond = valid_by_col[int(np.ceil(band)) + 1: int(np.ceil(band)) + 60]
    assert beyond.mean() > 0.9             # only the ~1 % dropout blobs remain there
    assert valid_by_col[-200:].mean() > 0.9


def _box_in_front_of_wall() -> tuple[np.ndarray, tuple[slice, slice], float, float]:
    far, near = 3.0, 1.0
    z = _wall(far)
    rows, cols = slice(180, 300), slice(400, 500)
    z[rows, cols] = near
    return z, (rows, cols), near, far


def test_a_near_box_casts_an_occlusion_shadow_on_its_left_only():
    z, (rows, cols), near, far = _box_in_front_of_wall()
    noisy = StereoNoise(D435, B435, seed=5).apply(z)
    shadow = FB * (1 / near - 1 / far)      # disparity difference: ~14 px the right imager cannot see
    inner = slice(rows.start + 5, rows.stop - 5)
    left = noisy[inner, int(cols.start - shadow) + 2: cols.start - 2]
    right = noisy[inner, cols.stop + 2: int(cols.stop + shadow) - 2]
    beyond_left = noisy[inner, int(cols.start - shadow) - 30: int(cols.start - shadow) - 3]
    assert left.size > 0 and right.size > 0
    assert (left > 0).mean() == 0.0         # the shadow: wall the left imager sees but the right does not
    assert (right > 0).mean() > 0.8         # seen by both imagers (a dropout blob may still land here)
    assert (beyond_left > 0).mean() > 0.9   # and the shadow ends about fx·B·(1/near − 1/far) px from the box
    box = noisy[inner, cols.start + 3: cols.stop - 3]
    assert (box > 0).mean() > 0.9
    assert np.median(box[box > 0]) == pytest.approx(near, abs=3 * _rms(near))


def test_depth_between_two_surfaces_only_appears_at_their_edge():
    z, (rows, cols), near, far = _box_in_front_of_wall()
    noisy = StereoNoise(D435, B435, seed=6).apply(z)
    between = (noisy > near + 6 * _rms(near)) & (noisy < far - 6 * _rms(far))   # 6σ: not plain noise
    r, c = np.nonzero(between)
    assert len(r) > 0                     # docs/depth.md: edges produce flying pixels...
    # ...only next to the box outline (within 2 px of it)
    near_edge = ((np.abs(c - cols.start) <= 2) | (np.abs(c - (cols.stop - 1)) <= 2)) & \
        (r >= rows.start - 2) & (r <= rows.stop + 1) | \
        ((np.abs(r - rows.start) <= 2) | (np.abs(r - (rows.stop - 1)) <= 2)) & \
        (c >= cols.start - 2) & (c <= cols.stop + 1)
    assert near_edge.all()


def test_nearer_than_the_minimum_depth_has_no_depth():
    min_z = FB / MAX_DISPARITY               # ~0.17 m for a D435
    assert min_z == pytest.approx(0.050 * D435.fx / 126.0)
    too_near = StereoNoise(D435, B435, seed=7).apply(_wall(0.95 * min_z))
    assert (too_near > 0).sum() == 0
    just_far_enough = StereoNoise(D435, B435, seed=7).apply(_wall(1.1 * min_z))
    seen = just_far_enough[:, int(FB / (1.1 * min_z)) + 2:]     # beyond the (wide, ~115 px) left band
    assert (seen > 0).mean() > 0.9


def test_noise_is_spatially_correlated():
    z = 2.0
    noisy = StereoNoise(D435, B435, seed=8).apply(_wall(z))
    err = np.where(noisy > 0, noisy - z, np.nan)
    for a, b in ((err[:, :-1], err[:, 1:]), (err[:-1, :], err[1:, :])):
        ok = np.isfinite(a) & np.isfinite(b)
        corr = np.corrcoef(a[ok], b[ok])[0, 1]
        assert corr > 0.3                   # docs/depth.md: correlated, not white (white noise gives ~0)
    far = np.isfinite(err[:, :-40]) & np.isfinite(err[:, 40:])
    assert abs(np.corrcoef(err[:, :-40][far], err[:, 40:][far])[0, 1]) < 0.1   # ...but only locally


def test_same_seed_same_noise_other_seed_other_noise():
    z, _, _, _ = _box_in_front_of_wall()
    a = StereoNoise(D435, B435, seed=3).apply(z)
    b = StereoNoise(D435, B435, seed=3).apply(z)
    c = StereoNoise(D435, B435, seed=4).apply(z)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert z.max() == 3.0 and z.min() == 1.0     # the input is not modified


def test_a_smooth_surface_has_no_edge_artefacts_on_the_image_border():
    # A floor-like surface: z-depth 1 m at the top row to 4 m at the bottom row, 6 mm per row, a 0.6 %
    # relative step, far below any depth edge: the border rows must look like the rows next to them.
    z = np.repeat(np.linspace(1.0, 4.0, D435.height, dtype=np.float32)[:, None], D435.width, axis=1)
    noisy = StereoNoise(D435, B435, seed=12).apply(z)
    cols = slice(200, 800)                  # clear of the left band
    for row in (0, D435.height - 1):
        got = noisy[row, cols]
        assert (got > 0).mean() > 0.9
        err = np.abs(got[got > 0] - z[row, cols][got > 0])
        assert (err > 6 * _rms(float(z[row, 0]))).mean() < 0.01


# ---- scenarios and simulate ---------------------------------------------------------------------------------
def test_placements_and_their_errors():
    assert "front" in PLACEMENTS and PLACEMENTS["front"] == pytest.approx(180.0)
    front = Placement("front", 2.5, 1.2)
    # "front" is on the screen side (+z, the way the client faces), 2.5 m from the mark
    assert front.position[2] > 2.0 and abs(front.position[0]) < 1e-9
    left = Placement("side-left", 2.5, 1.2)
    assert left.position[0] == pytest.approx(2.5)     # +x is the client's left
    assert Placement("behind", 2.5, 1.2).position[2] < -2.0
    with pytest.raises(ValueError, match="unknown placement"):
        Placement("ceiling")
    with pytest.raises(ValueError, match="unknown camera"):
        Placement("behind", camera="kinect")


def test_unknown_scenario_and_impossible_stature_are_refused():
    with pytest.raises(ValueError, match="nope"):
        simulate("nope")
    with pytest.raises(ValueError):
        simulate("smoke", body=Body(3.0))
    with pytest.raises(ValueError, match="1.40-2.10"):
        simulate("smoke", body=named_body("slim", 1.30))


@pytest.mark.parametrize("name,build_name,stature", [("side-left", "average", 1.75), ("behind", "slim", 1.55),
                                                    ("oblique-behind-right", "glutes", 1.95)])
def test_smoke_truth_is_consistent(name, build_name, stature):
    body = named_body(build_name, stature)
    # a wall this client can tap: big glutes stand 12 cm behind the heels, behind the default 4 in (10 cm) wall
    sim = simulate("smoke", Placement(name, 2.4, 1.2), body=body, seed=3, wall_m=session_wall_m(body))
    record = sim.truth()
    assert record["stature_m"] == stature and record["body"] == dataclasses.asdict(body) and sim.body == body
    frames = record["frames"]
    assert [f["frame"] for f in frames] == list(range(1, sim.frame_count + 1))
    assert record["fps"] == FPS == 30.0
    t = np.array([f["t_ms"] for f in frames])
    assert np.allclose(np.diff(t), 1000.0 / 30.0, atol=2e-3)     # truth rounds t_ms to 1 µs
    assert t[0] == 0.0
    assert len(record["reps"]) >= 1
    for rep in record["reps"]:
        assert rep["start_frame"] < rep["peak_frame"] < rep["end_frame"]
        assert rep["peak_offset_m"] == pytest.approx(frames[rep["peak_frame"] - 1]["hip_offset_m"], abs=1e-5)
        # smoke: one hinge that clears the wall by CLEAR_M (a scripted target, reached within 3 mm)
        assert rep["peak_offset_m"] == pytest.approx(sim.wall_m + CLEAR_M, abs=0.003)
    # before the client arrives nobody is on the mark; they start and finish off it
    assert frames[0]["on_mark"] is False and frames[-1]["on_mark"] is False
    assert frames[0]["hip_offset_m"] is None
    assert all((f["hip_offset_m"] is None) == (not f["on_mark"]) for f in frames)
    # the stored camera pose is the placement's
    assert np.allclose(record["studio_from_camera"], sim.placement.studio_from_camera(), atol=1e-6)


def test_rendered_smoke_frames_show_the_client_only_when_present():
    p = Placement("side-left", 2.4, 1.2)
    sim = simulate("smoke", p, body=Body(1.75), seed=2)
    script = sim.script
    rep = script.reps[0]
    first_on_mark = script.on_mark.index(True)
    picks = [0, first_on_mark, rep.peak_frame - 1]                  # empty, standing on the mark, hinge peak
    assert script.poses[0] is None and all(script.poses[i] is not None for i in picks[1:])
    short = dataclasses.replace(script, poses=[script.poses[i] for i in picks],
                                on_mark=[script.on_mark[i] for i in picks], others=[[] for _ in picks])
    frames = list(dataclasses.replace(sim, script=short).frames())
    assert len(frames) == 3
    exact = Renderer(p.intrinsics, p.camera_from_studio(), room())
    room_z = exact.static
    empty = frames[0]
    for k, i in enumerate(picks[1:], start=1):
        body_z = exact.depth([build(sim.body, script.poses[i])])
        # pixels where the client stands clearly (> 0.5 m) in front of the room behind them
        mask = (body_z > 0) & ((room_z == 0) | (room_z - body_z > 0.5))
        assert mask.sum() > 2000                  # a 1.75 m person 2.4 m away spans ~300 px of image height
        midway = np.where(room_z > 0, 0.5 * (room_z + body_z), np.inf)
        seen = (frames[k] > 0) & (frames[k] < midway)
        assert seen[mask].mean() > 0.8            # most body pixels have depth, at the body not the room
        err = np.abs(frames[k][mask & seen] - body_z[mask & seen])
        assert np.median(err) < _rms(2.4) * 1.0   # Gaussian median |e| ≈ 0.67 σ; σ ≈ 2.2 cm at 2.4 m
        # the empty frame has nothing at the body's place: the room is there
        ghost = (empty > 0) & (empty < midway)
        assert ghost[mask].mean() < 0.002
    # and across the whole empty image, nothing stands closer than the room (beyond 6 σ of noise or flying
    # pixels at the room's own edges, which lie between two room surfaces)
    valid = (empty > 0) & (room_z > 0)
    near_room = empty[valid] < room_z[valid] - np.maximum(6 * room_z[valid] ** 2 * STEREO_SUBPIXEL / FB, 0.05)
    assert near_room.mean() < 0.01
