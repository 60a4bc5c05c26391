"""The pygame side, headless: every scene drawn at three screen sizes (pixels read back), the client's smooth
outline, the back line and trunk angle, the summary's focus, the loop's promises (no scene failure ends it, Esc
does not quit), screenshots per scene, and sound without a device."""
import copy
import dataclasses
import os
import shutil

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from kiosk.form import Fault  # noqa: E402
from kiosk.game import figure, palette, rules, synth, words  # noqa: E402
from kiosk.game.app import App  # noqa: E402
from kiosk.game.draw import Painter, SideView, Silhouette  # noqa: E402
from kiosk.game.outline import outline  # noqa: E402
from kiosk.game.provider import ScriptedProvider, VirtualClock  # noqa: E402
from kiosk.game.rules import Celebrate, Flash, Say, Scene, Sound, new_game, step  # noqa: E402
from kiosk.game.scenes import VIEWS, Celebration, Drill, Summary, drill_layout  # noqa: E402
from kiosk.game.settings import Settings  # noqa: E402
from kiosk.game.sound import SoundBoard, render_speech  # noqa: E402
from kiosk.game.visit import ROUNDED_BACK, Visit, full_visit  # noqa: E402
from kiosk.measurement import Measurement  # noqa: E402
from kiosk.reps import Rep  # noqa: E402

SIZES = [(1920, 1080), (1280, 720), (1080, 1920)]
QUICK = Settings(max_wall_in=4, reps_per_level=1)


@pytest.fixture(scope="module")
def states():
    """The rules' state in each scene (0.8 s after entering it), from one scripted visit."""
    settings = Settings(max_wall_in=5, reps_per_level=2)
    visit = full_visit(settings)
    state = new_game(settings)
    seen = {}
    t = 0.0
    while t < visit.seconds:
        m = visit.measurements[min(int(t * 30), len(visit.measurements) - 1)]
        state, _ = step(state, m, [], t)
        t += rules.STEP_S
        if state.scene not in seen and t - state.scene_since_s > 0.8:
            seen[state.scene] = copy.deepcopy(state), t
    nocam, _ = step(new_game(Settings()), None, [rules.CameraStatus("No camera found")], 0.0)
    seen[Scene.NO_CAMERA] = (nocam, 0.0)
    return seen


def _draw(view, size, state, t):
    screen = pygame.Surface(size)
    screen.fill(palette.BACKGROUND)
    view.enter(state, t - 1.0)
    view.draw(screen, Painter(size), state, t)
    return screen


def _share(screen, colour, rect=None):
    px = pygame.surfarray.pixels3d(screen.subsurface(rect) if rect else screen)
    return float(np.mean(np.all(px == colour, axis=-1)))


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()
    yield


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(Scene))
def test_every_scene_draws_readably_at_every_size(states, scene, size):
    state, t = states[scene]
    screen = _draw(VIEWS[scene](), size, state, t)
    p = Painter(size)
    title_band = pygame.Rect(0, 0, size[0], p.px(14))
    text_share = _share(screen, palette.TEXT)
    assert text_share > 0.002                                   # words are on screen, in white
    if scene is not Scene.DRILL:
        assert _share(screen, palette.TEXT, title_band) > 0.01  # a big title
    dark = pygame.surfarray.pixels3d(screen).max(axis=-1) < 60
    assert dark.mean() > 0.5                                    # light words on a dark ground: high contrast


@pytest.mark.parametrize("size", SIZES)
def test_the_drill_draws_the_wall_at_its_true_distance_behind_the_client(states, size):
    state, t = states[Scene.DRILL]
    screen = _draw(Drill(), size, state, t)
    view = SideView(drill_layout(Painter(size))[0])
    x, y = view.to_screen(-state.wall_m, 0.6)
    assert tuple(screen.get_at((round(x) - 2, round(y))))[:3] == palette.WALL
    hx, _ = view.to_screen(-state.wall_m - 0.05, 0.6)
    assert tuple(screen.get_at((round(hx), round(y))))[:3] != palette.WALL     # 5 cm further back: no wall
    zx, zy = view.to_screen(0.05, 1.2)                                        # the client's chest/back
    assert tuple(screen.get_at((round(zx), round(zy))))[:3] == palette.CLIENT_FILL
    # the wall is behind the client: left of the silhouette in this side view
    assert x < zx


# --- the client's outline ------------------------------------------------------------------------------------
def _outline_screen(points, size=(1920, 1080)) -> tuple[pygame.Surface, SideView]:
    screen = pygame.Surface(size)
    screen.fill(palette.BACKGROUND)
    p = Painter(size)
    view = SideView(drill_layout(p)[0])
    Silhouette().draw(screen, view, points, palette.CLIENT_FILL, palette.CLIENT, p.px(0.5))
    return screen, view


def test_the_attract_screen_tells_the_trainer_when_the_camera_moved():
    state = new_game(QUICK)
    shares = []
    for moved in (True, False):
        state.latest = Measurement(frame=1, t_s=0.0, camera_moved=moved)
        shares.append(_share(_draw(VIEWS[Scene.ATTRACT](), (1280, 720), state, 1.0), palette.WARN))
    assert shares[0] > 0.001 and shares[1] == 0.0


def _body(screen: pygame.Surface) -> np.ndarray:
    """Pixels of the body, indexed [x, y]: the fill, the stroke, and the anti-aliased edge from about a fifth in."""
    px = pygame.surfarray.array3d(screen).astype(int)
    return np.abs(px - palette.BACKGROUND).max(axis=-1) > np.abs(np.subtract(palette.CLIENT_FILL,
                                                                              palette.BACKGROUND)).max() // 2


def _true_area_m2(body: figure.Figure) -> float:
    return len(body.profile(spacing_m=0.003)) * 0.003 ** 2


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_the_outline_is_smooth_antialiased_and_true_to_size(size):
    body = figure.pose(0.2)                          # a deep hinge: the back runs across the grid at 60 degrees
    screen, view = _outline_screen(body.profile(), size)
    mask = _body(screen)
    # the drawn area is the body's (the camera's 2.5 cm points, grown back to the skin)
    assert mask.sum() / view.scale ** 2 == pytest.approx(_true_area_m2(body), rel=0.06)
    # along the back, the top edge is a smooth curve: no 2 cm stair-steps (5-8 px here; the old blocky mask
    # left steps of 9 px and strayed 4-5 px from its own 2 cm average), no kinks
    (hz, _), (sz, _) = body.back_line
    x0, x1 = (round(view.to_screen(z, 0)[0]) for z in (hz + 0.25 * (sz - hz), hz + 0.75 * (sz - hz)))
    top = np.array([np.flatnonzero(mask[x])[0] for x in range(x0, x1)], float)
    w = round(0.02 * view.scale) | 1
    local = np.convolve(np.pad(top, w // 2, mode="edge"), np.ones(w) / w, mode="valid")
    assert np.abs(top - local).max() <= 1.5 and np.abs(np.diff(top, 2)).max() <= 2
    # anti-aliased: the stroke's edge blends into the background through in-between shades
    px = pygame.surfarray.array3d(screen)[x0:x1].reshape(-1, 3).astype(int)
    between = (px != palette.BACKGROUND).any(axis=1) & (px != palette.CLIENT).any(axis=1) & (
        px != palette.CLIENT_FILL).any(axis=1)
    assert between.sum() >= 2 * (x1 - x0)


def test_sparse_holey_noisy_points_still_make_one_clean_body():
    body = figure.pose(0.15)
    full = body.profile(spacing_m=0.02)
    rng = np.random.default_rng(7)
    pts = full[rng.random(len(full)) < 0.5]                                    # half the points lost
    pts = pts[np.hypot(*(pts - body.joints["hip"] - (0.0, 0.15)).T) > 0.04]   # a dropout on dark cloth
    pts = pts + rng.normal(0, 0.006, pts.shape)                               # depth noise
    pts = np.vstack([pts, (0.4, 1.6)])                                        # a flying pixel
    shape = outline(pts)
    assert len(shape.bodies) == 1 and not shape.holes
    assert shape.area_m2 == pytest.approx(_true_area_m2(body), rel=0.1)
    clean, _ = _outline_screen(full)
    rough, _ = _outline_screen(pts)
    a, b = _body(clean), _body(rough)
    # the same person on screen: for limbs 10 cm wide, half the points missing (the edge recedes ~1 cm) already
    # costs 10 % of the overlap; a ragged or broken body would cost far more
    assert (a & b).sum() / (a | b).sum() > 0.85 and (a & b).sum() / b.sum() > 0.95


def test_a_real_gap_stays_open_and_pinholes_close():
    ring = [(r * np.cos(t), 1.0 + r * np.sin(t)) for r in np.arange(0.08, 0.3, 0.012)
            for t in np.arange(0, 2 * np.pi, 0.012 / r)]
    shape = outline(np.array(ring))                 # a 16 cm gap in the middle: a hole, drawn see-through
    assert len(shape.bodies) == 1 and len(shape.holes) == 1
    screen, view = _outline_screen(np.array(ring))
    cx, cy = view.to_screen(0.0, 1.0)
    assert tuple(screen.get_at((round(cx), round(cy))))[:3] == palette.BACKGROUND
    dropout = np.array([p for p in ring if np.hypot(p[0] - 0.19, p[1] - 1.0) > 0.04])
    assert len(outline(dropout).holes) == 1         # an 8 cm dropout in the ring is filled: only the gap stays


# --- the back line and the trunk angle -----------------------------------------------------------------------
class _Said(Painter):
    """A painter that remembers every text it drew, with its colour."""

    def __init__(self, size):
        super().__init__(size)
        self.said: list[tuple[str, tuple]] = []

    def text(self, surface, text, size_u, colour, pos, anchor="center", max_width=None):
        self.said.append((text, tuple(colour)))
        return super().text(surface, text, size_u, colour, pos, anchor, max_width)


def _drill_at(m, size=(1920, 1080)):
    state = new_game(QUICK)
    state, _ = step(state, m, [], 0.0)
    view = Drill()
    view.enter(state, 0.0)
    screen = pygame.Surface(size)
    screen.fill(palette.BACKGROUND)
    p = _Said(size)
    view.draw(screen, p, state, 1.0)
    return screen, p, SideView(drill_layout(p)[0])


def _bottom_of(visit: Visit):
    return max((m for m in visit.measurements if m.on_mark), key=lambda m: m.hip_offset_m)


@pytest.mark.parametrize("size", SIZES)
def test_the_drill_shows_a_flat_back_and_its_trunk_angle(size):
    m = _bottom_of(Visit().arrive(0, 0).stand(0.5).rep(0.2))
    screen, p, view = _drill_at(m, size)
    assert (words.degrees(m.trunk_deg), palette.GOOD) in p.said and ("flat back", palette.GOOD) in p.said
    hip, shoulder = (np.array(view.to_screen(*end)) for end in m.back_line)
    for k in (0.3, 0.5, 0.7):                            # a straight green bar from hips to shoulders
        x, y = hip + k * (shoulder - hip)
        assert tuple(screen.get_at((round(x), round(y))))[:3] == palette.GOOD
    # the arc from vertical: white pixels between the plumb line above the hips and the back
    a = np.radians(m.trunk_deg / 2)
    r = 0.6 * np.hypot(*(shoulder - hip))
    ring = [tuple(screen.get_at((round(hip[0] + rr * np.sin(a)), round(hip[1] - rr * np.cos(a)))))[:3]
            for rr in np.arange(r - p.px(0.6), r + p.px(0.6))]
    assert palette.TEXT in ring
    above = [tuple(screen.get_at((round(hip[0]), round(hip[1] - d))))[:3] for d in range(p.px(3), p.px(20))]
    assert palette.TEXT in above                         # the plumb line


def test_a_rounded_back_is_bowed_vermillion_and_says_so():
    m = _bottom_of(Visit().arrive(0, 0).stand(0.5).rep(0.14, **ROUNDED_BACK))
    screen, p, view = _drill_at(m)
    assert ("rounded back", palette.WARN) in p.said and (words.degrees(m.trunk_deg), palette.WARN) in p.said
    hip, shoulder = (np.array(view.to_screen(*end)) for end in m.back_line)
    chord = shoulder - hip
    dorsal = np.array([chord[1], -chord[0]]) / np.hypot(*chord)
    sag = np.hypot(*chord) / 2 * np.tan(np.radians(m.back_flexion_deg) / 4)
    mid = (hip + shoulder) / 2
    # bowed like the back, not straight: the bar runs a sagitta behind the chord's middle, and misses the middle
    assert tuple(screen.get_at(tuple(np.round(mid + sag * dorsal).astype(int))))[:3] == palette.WARN
    assert tuple(screen.get_at(tuple(np.round(mid).astype(int))))[:3] != palette.WARN


# --- the summary -------------------------------------------------------------------------------------------
def _summary(focus, best: Rep, next_wall_m=None, size=(1280, 720)):
    state = new_game(QUICK)
    state.summary = rules.Summary(good_reps=3, reps=7, best_wall_m=0.1016, focus=focus, best=best,
                                  last_wall_m=0.1016, next_wall_m=next_wall_m)
    state.scene = Scene.SUMMARY
    p = _Said(size)
    view = Summary()
    view.enter(state, 0.0)
    view.draw(pygame.Surface(size), p, state, 1.0)
    return [text for text, _ in p.said], p.said


_BEST = Rep(start_frame=1, peak_frame=20, end_frame=40, start_s=0.0, peak_s=0.7, end_s=1.3, standing_offset_m=0.04,
            peak_offset_m=0.11, hip_drop_m=0.03, tapped=True, form="hinge", faults=(), trunk_deg=61.4,
            knee_deg=22.0, spine="neutral")


def test_the_summary_names_the_one_thing_to_work_on_and_the_best_reps_angles():
    texts, said = _summary(Fault.ROUNDED_BACK, _BEST)
    assert words.WORK_ON in texts and words.CUES[Fault.ROUNDED_BACK].text in texts
    assert not any(t.startswith("Great form") for t in texts)
    assert {"61\N{DEGREE SIGN}", "22\N{DEGREE SIGN}"} <= set(texts) and ("flat back", palette.GOOD) in said
    texts, said = _summary(Fault.KNEES_FORWARD, dataclasses.replace(_BEST, knee_deg=None, spine="rounded"))
    assert words.CUES[Fault.KNEES_FORWARD].text in texts and words.NOT_SEEN in texts
    assert ("rounded back", palette.WARN) in said


def test_a_summary_without_faults_praises_and_sets_the_next_goal():
    texts, _ = _summary(None, _BEST, next_wall_m=0.127)
    assert words.NEXT_GOAL in texts and "Great form! Next: tap the wall at 5 in" in texts
    assert words.WORK_ON not in texts


def test_a_tap_flashes_the_wall(states):
    state, t = states[Scene.DRILL]
    view = Drill()
    view.enter(state, t - 1)
    view.on_effect(Flash(), t)
    screen = pygame.Surface((1280, 720))
    view.draw(screen, Painter((1280, 720)), state, t + 0.05)
    assert _share(screen, palette.TAP) > 0.01 and _share(screen, palette.WALL) < 0.001


def test_a_celebration_stays_clear_of_the_client(states):
    state, t = states[Scene.DRILL]
    size = (1280, 720)
    overlay = Celebration(Celebrate("Level 2!", "The wall moves back to 4 in"))
    overlay.enter(state, t - 1.0)
    screen = _draw(Drill(), size, state, t)
    before = pygame.surfarray.array3d(screen)
    overlay.draw(screen, Painter(size), state, t)
    picture = drill_layout(Painter(size))[0]
    changed = np.any(pygame.surfarray.array3d(screen) != before, axis=-1)
    inside = changed[picture.left:picture.right, picture.top:picture.bottom]
    assert inside.mean() < 0.03                      # only confetti crosses the client's picture
    assert overlay.finished(t + 2.0)


def _app(tmp_path, measurements, size=(1280, 720), status=None, **kw):
    clock = VirtualClock()
    provider = ScriptedProvider(measurements, clock, loop=False, status=status)
    return App(provider, QUICK, display="headless", size=size, clock=clock, fps=30, **kw)


def test_the_headless_run_saves_one_png_per_scene(tmp_path):
    visit = full_visit(QUICK)
    app = _app(tmp_path, visit.measurements, screenshots=tmp_path)
    assert app.run(visit.seconds) == 0
    app = _app(tmp_path, visit.measurements, status="No camera found", screenshots=tmp_path)
    app.run(1.0)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == sorted(f"{n}.png" for n in ("attract", "guide", "drill", "celebration", "summary", "no_camera"))
    shot = pygame.image.load(str(tmp_path / "drill.png"))
    assert shot.get_size() == (1280, 720)


def test_a_failing_scene_is_logged_and_the_kiosk_returns_to_attract(tmp_path, monkeypatch, caplog):
    visit = Visit().nobody(0.5).arrive(0, 0).stand(3.0)
    app = _app(tmp_path, visit.measurements)

    def broken(self, *args):
        raise RuntimeError("boom")

    monkeypatch.setattr(Drill, "draw", broken)
    for _ in range(int(3.0 * 30)):
        assert app.frame()
        if "boom" in caplog.text:
            break
    assert "the drill scene failed to draw" in caplog.text
    assert app.state.scene is Scene.ATTRACT and app.stack.base.name == "attract" and app.state.session is None
    assert app.frame()
    app.close()


def test_failing_rules_start_afresh(tmp_path, monkeypatch, caplog):
    app = _app(tmp_path, Visit().nobody(1.0).measurements)
    monkeypatch.setattr(rules, "step", lambda *a: 1 / 0)
    assert app.frame() and app.frame()
    assert app.state.scene is Scene.ATTRACT and "the game rules failed" in caplog.text
    app.close()


def test_escape_does_not_quit_a_kiosk_but_the_quit_combination_does(tmp_path):
    app = _app(tmp_path, Visit().nobody(1.0).measurements)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0))
    assert app.frame()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_CTRL))
    assert app.frame()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q,
                                         mod=pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT))
    assert not app.frame()
    app.close()


def test_latency_is_measured_from_the_frame_timestamp(tmp_path):
    app = _app(tmp_path, Visit().nobody(1.0).measurements)
    for _ in range(20):
        app.frame()
    report = app.stats.report()
    assert 0 <= report["latency_median_ms"] <= 50 and "frame_p95_ms" in report
    app.close()


def test_synthesised_sounds_are_short_and_in_range():
    for name in synth.NAMES:
        wave = synth.samples(name)
        assert 0.03 < len(wave) / synth.RATE < 1.0 and np.abs(wave).max() <= 1.0


def test_sound_plays_without_a_real_device_and_is_silent_without_any(tmp_path, monkeypatch):
    board = SoundBoard(Settings(), speech_dir=tmp_path, espeak=None)
    assert board.enabled
    board.play([Sound(n) for n in synth.NAMES] + [Say("Snap!")])
    board.close()

    def no_device(*a, **k):
        raise pygame.error("no audio device")

    monkeypatch.setattr(pygame.mixer, "init", no_device)
    silent = SoundBoard(Settings(), speech_dir=tmp_path, espeak=None)
    assert not silent.enabled
    silent.play([Sound("tap"), Say("Snap!")])
    assert SoundBoard(Settings(mute=True), speech_dir=tmp_path, espeak=None).volume == 0


def test_with_speech_off_the_tones_still_coach_and_nothing_is_said(tmp_path, monkeypatch):
    said = []
    monkeypatch.setattr(SoundBoard, "_say", lambda self, text: said.append(text))
    for speech in (True, False):
        board = SoundBoard(Settings(speech=speech), speech_dir=tmp_path, espeak=None)
        board.play([Sound("cue"), Say("Keep your back flat")])
        assert pygame.mixer.get_busy()                  # the cue's tone plays either way
        board.close()
    assert said == ["Keep your back flat"]


def test_speech_is_rendered_once_into_the_cache(tmp_path):
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed")
    path = render_speech("Hips back. Soft knees.", tmp_path, espeak)
    assert path is not None and path.stat().st_size > 1000
    assert render_speech("Hips back. Soft knees.", tmp_path, espeak) == path
    assert render_speech("Snap!", tmp_path, str(tmp_path / "no-such-espeak")) is None
