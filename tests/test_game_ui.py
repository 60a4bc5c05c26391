"""The pygame side, headless: every scene drawn at three screen sizes (pixels read back), the loop's
promises (no scene failure ends it, Esc does not quit), screenshots per scene, and sound without a device."""
import copy
import os
import shutil

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from kiosk.game import palette, rules, synth  # noqa: E402
from kiosk.game.app import App  # noqa: E402
from kiosk.game.draw import Painter, SideView  # noqa: E402
from kiosk.game.provider import ScriptedProvider, VirtualClock  # noqa: E402
from kiosk.game.rules import Celebrate, Flash, Say, Scene, Sound, new_game, step  # noqa: E402
from kiosk.game.scenes import VIEWS, Celebration, Drill, drill_layout  # noqa: E402
from kiosk.game.settings import Settings  # noqa: E402
from kiosk.game.sound import SoundBoard, render_speech  # noqa: E402
from kiosk.game.visit import Visit, full_visit  # noqa: E402

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
    assert tuple(screen.get_at((round(zx), round(zy))))[:3] == palette.CLIENT
    # the wall is behind the client: left of the silhouette in this side view
    assert x < zx


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


def test_speech_is_rendered_once_into_the_cache(tmp_path):
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed")
    path = render_speech("Hips back. Soft knees.", tmp_path, espeak)
    assert path is not None and path.stat().st_size > 1000
    assert render_speech("Hips back. Soft knees.", tmp_path, espeak) == path
    assert render_speech("Snap!", tmp_path, str(tmp_path / "no-such-espeak")) is None
