"""What the client sees: one pygame view per game scene, plus the celebration overlay.

Views only draw the rules' state (and animate the effects they are handed); they decide nothing.
"""
from __future__ import annotations

import math

import numpy as np
import pygame

from kiosk.form import ROUNDED_BACK_DEG
from kiosk.game import figure, palette, words
from kiosk.game.draw import Painter, SideView, Silhouette, back_and_trunk, floor_and_heels, wall
from kiosk.game.rules import SUMMARY_S, Celebrate, Effect, Flash, GameState, Scene, Shake
from kiosk.reps import Rep
from kiosk.units import inches_to_m

FLASH_S = 0.3
SHAKE_S = 0.45
CELEBRATE_S = 2.4
SHOWN_ROUNDING_DEG = 30.0   # how bent the summary draws a back the rep called rounded


GAUGE_STEP_M = {"in": 0.00254, "cm": 0.01}    # the smallest step the gauge shows in each unit

class View:
    """A scene's look. `enter`/`exit` bracket its time on screen; overlays report `finished`."""

    name: str

    def enter(self, state: GameState, now_s: float) -> None:
        self.entered_s = now_s

    def exit(self) -> None:
        pass

    def on_effect(self, effect: Effect, now_s: float) -> None:
        pass

    def finished(self, now_s: float) -> bool:
        return False

    def draw(self, surface: pygame.Surface, p: Painter, state: GameState, now_s: float) -> None:
        raise NotImplementedError


def _split(p: Painter, top_u: float = 14, bottom_u: float = 14) -> tuple[pygame.Rect, pygame.Rect]:
    """(picture, words): side by side on landscape screens, stacked on portrait ones."""
    top, bottom = p.px(top_u), p.h - p.px(bottom_u)
    margin = p.px(4)
    if p.portrait:
        cut = top + round((bottom - top) * 0.55)
        return (pygame.Rect(margin, top, p.w - 2 * margin, cut - top),
                pygame.Rect(margin, cut + margin, p.w - 2 * margin, bottom - cut - margin))
    cut = round(p.w * 0.52)
    return (pygame.Rect(margin, top, cut - margin, bottom - top),
            pygame.Rect(cut + margin, top, p.w - cut - 2 * margin, bottom - top))


def _title(surface: pygame.Surface, p: Painter, text: str, colour=palette.TEXT) -> pygame.Rect:
    return p.text(surface, text, 10, colour, (p.w / 2, p.px(3)), "midtop", max_width=p.w - p.px(8))


class Attract(View):
    """Nobody on the mark: a figure demonstrates the drill to a wall, and invites the next client."""

    name = Scene.ATTRACT.value
    CYCLE_S = 3.6
    DEMO_WALL_M = inches_to_m(4)

    def __init__(self) -> None:
        self.silhouette = Silhouette()
        self._poses: dict[int, np.ndarray] = {}

    def demo_offset(self, now_s: float) -> float:
        """Stand, hinge back to the wall, hold a beat, snap up: the hip offset over one cycle."""
        t = (now_s - self.entered_s) % self.CYCLE_S
        reach = self.DEMO_WALL_M - figure.STANDING_OFFSET_M
        if t < 0.9:
            k = 0.0
        elif t < 2.1:
            k = 0.5 - 0.5 * math.cos(math.pi * (t - 0.9) / 1.2)
        elif t < 2.5:
            k = 1.0
        else:
            k = max(0.0, 1.0 - (t - 2.5) / 0.45)
        return figure.STANDING_OFFSET_M + reach * k

    def draw(self, surface, p, state, now_s):
        _title(surface, p, "Tap the wall with your hips")
        picture, text = _split(p)
        offset = self.demo_offset(now_s)
        key = round(offset * 400)                      # poses cached at 2.5 mm steps
        if key not in self._poses:
            self._poses[key] = figure.pose(key / 400).profile()
        view = SideView(picture)
        touching = offset >= self.DEMO_WALL_M - 0.002
        floor_and_heels(surface, p, view)
        wall(surface, p, view, self.DEMO_WALL_M, "wall", palette.TAP if touching else palette.WALL)
        self.silhouette.draw(surface, view, self._poses[key], palette.CLIENT_FILL, palette.CLIENT, p.px(0.5))
        y = text.top + p.px(4)
        box = p.text(surface, "Step onto the mark", 9, palette.TAP, (text.centerx, y), "midtop", text.w)
        y = box.bottom + p.px(5)
        for n, line in enumerate(("Stand on the mark, facing the screen", "Push your hips back to tap the wall",
                                  "Snap back up tall"), 1):
            box = p.text(surface, f"{n}.  {line}", 5, palette.TEXT, (text.left + p.px(3), y), "topleft",
                         text.w - p.px(3))
            y = box.bottom + p.px(3)
        if state.camera_moved:
            p.text(surface, words.CAMERA_MOVED, 5, palette.WARN, (p.w / 2, p.h - p.px(5)), "midbottom",
                   p.w - p.px(8))
        elif state.something_on_mark:
            p.text(surface, words.SOMETHING_ON_MARK, 5, palette.TAP, (p.w / 2, p.h - p.px(5)), "midbottom",
                   p.w - p.px(8))
        else:
            p.text(surface, "No touching, no login: the camera sees you.", 4, palette.MUTED,
                   (p.w / 2, p.h - p.px(5)), "midbottom", p.w - p.px(8))


class Guide(View):
    """Someone near the mark: where to step, in words and arrows, from where they stand."""

    name = Scene.GUIDE.value

    def draw(self, surface, p, state, now_s):
        _title(surface, p, "Welcome!")
        picture, text = _split(p)
        g = state.guidance
        progress = state.start_progress(now_s)
        if progress > 0:
            lines = ("Hold still", "Starting...")
        elif g is not None:
            lines = g.words
        else:
            lines = ("Step onto the mark",)
        y = text.top + p.px(6)
        for i, line in enumerate(lines):
            box = p.text(surface, line, 10 if i == 0 else 7, palette.TAP if i == 0 else palette.TEXT,
                         (text.centerx, y), "midtop", text.w)
            y = box.bottom + p.px(3)
        if progress > 0:
            bar = pygame.Rect(text.left + p.px(4), y + p.px(4), text.w - p.px(8), p.px(5))
            p.panel(surface, bar)
            pygame.draw.rect(surface, palette.GOOD, pygame.Rect(bar.left, bar.top, round(bar.w * progress), bar.h),
                             border_radius=p.px(2))
        else:
            for hint in ("Heels on the tape,", "facing the screen,", "then stand still."):
                box = p.text(surface, hint, 6, palette.MUTED, (text.centerx, y + p.px(4)), "midtop", text.w)
                y = box.bottom
        self._map(surface, p, picture, g)

    def _map(self, surface, p, rect: pygame.Rect, g) -> None:
        """The floor from above, as the client faces the screen: the mark, their feet and which way to go."""
        scale = min(rect.w, rect.h) / 1.6                 # 1.6 m of floor across
        cx, cy = rect.center
        tape = pygame.Rect(0, 0, round(0.6 * scale), p.px(2.2))
        tape.center = (cx, cy)
        pygame.draw.rect(surface, palette.WALL, tape)
        p.text(surface, "the mark", 4, palette.WALL, (cx, tape.bottom + p.px(4.5)), "midtop")
        p.text(surface, "screen", 3.5, palette.MUTED, (cx, rect.top), "midtop")
        if g is None or g.step_right_m is None:
            return
        # the client's right is the screen's right as they face it; forward (+z) is up
        fx = cx - max(-0.9, min(0.9, g.step_right_m)) * scale
        fy = cy - max(-0.9, min(0.9, g.step_back_m)) * scale
        pygame.draw.circle(surface, palette.CLIENT, (fx, fy), p.px(3.5))
        p.text(surface, "you", 4, palette.CLIENT, (fx, fy - p.px(4.5)), "midbottom")
        dx, dy = cx - fx, cy - fy
        if math.hypot(dx, dy) > p.px(8):
            mid = ((fx + cx) / 2, (fy + cy) / 2)
            p.arrow(surface, mid, (dx, dy), min(math.hypot(dx, dy) - p.px(6), p.px(22)), palette.TEXT)


def camera_wait(surface: pygame.Surface, p: Painter, message: str | None) -> None:
    """Over a session waiting for the camera: what happened, and that the session is kept."""
    headline, advice = words.status_words(message or "")
    box = pygame.Rect(0, 0, p.w - p.px(16), p.px(22))
    box.center = (p.w // 2, p.h // 2)
    p.panel(surface, box, palette.PANEL, palette.WARN)
    top = p.text(surface, headline, 6.5, palette.WARN, (box.centerx, box.top + p.px(4)), "midtop",
                 box.width - p.px(6))
    p.text(surface, advice or "The session waits for it.", 4.5, palette.TEXT, (box.centerx, top.bottom + p.px(3)),
           "midtop", box.width - p.px(6))


def drill_layout(p: Painter) -> tuple[pygame.Rect, pygame.Rect]:
    """The drill's picture and words; the bottom is kept for the cue banner."""
    return _split(p, top_u=4, bottom_u=19)


class Drill(View):
    """The session: the client's side profile, the wall, the gauge, reps, level and cues."""

    name = Scene.DRILL.value

    def __init__(self) -> None:
        self.silhouette = Silhouette()
        self.flash_s = self.shake_s = -math.inf

    def on_effect(self, effect, now_s):
        if isinstance(effect, Flash):
            self.flash_s = now_s
        elif isinstance(effect, Shake):
            self.shake_s = now_s

    def draw(self, surface, p, state, now_s):
        unit = state.settings.units
        picture, text = drill_layout(p)
        view = SideView(picture)
        flash = max(0.0, 1.0 - (now_s - self.flash_s) / FLASH_S)
        shake = max(0.0, 1.0 - (now_s - self.shake_s) / SHAKE_S)
        shake_px = shake * p.px(2.5) * math.sin((now_s - self.shake_s) * 55) if shake else 0.0
        floor_and_heels(surface, p, view)
        wall(surface, p, view, state.wall_m, words.length(state.wall_m, unit),
             palette.TAP if flash > 0 else palette.WALL, shake_px)
        m = state.latest
        if m is not None and m.on_mark:
            self.silhouette.draw(surface, view, m.profile, palette.CLIENT_FILL, palette.CLIENT, p.px(0.5))
            if m.back_line is not None and m.trunk_deg is not None:
                flexion = m.back_flexion_deg
                colour, caption = back_look(None if flexion is None else flexion >= ROUNDED_BACK_DEG)
                back_and_trunk(surface, p, view, m.back_line, m.trunk_deg, flexion or 0.0, colour, caption)
        if flash > 0:
            pygame.draw.rect(surface, palette.TAP, surface.get_rect(), width=round(p.px(2.5) * flash))
        self._panel(surface, p, state, text)
        self._banner(surface, p, state)

    def _panel(self, surface, p, state: GameState, rect: pygame.Rect) -> None:
        unit = state.settings.units
        s = state.session
        y = rect.top
        box = p.text(surface, f"Level {state.level_number} of {state.level_count}", 8, palette.TEXT,
                     (rect.left, y), "topleft", rect.w)
        y = box.bottom + p.px(4)
        to_go = state.to_go_m
        if state.counter is None or state.counter.standing_offset_m is None or to_go is None:
            gauge, colour = "Stand tall", palette.TEXT
        elif to_go <= 0 or (s and s.tapped):
            gauge, colour = "TAP!", palette.TAP
        else:
            step_m = GAUGE_STEP_M[unit]        # round up: "0.0 in to go" would read as a tap that did not happen
            gauge, colour = f"{words.length(math.ceil(to_go / step_m) * step_m, unit, precise=True)} to go", palette.TEXT
        box = p.text(surface, gauge, 13, colour, (rect.left, y), "topleft", rect.w)
        y = box.bottom + p.px(2)
        bar = pygame.Rect(rect.left, y, rect.w, p.px(5))
        p.panel(surface, bar)
        fill = round(bar.w * state.closeness)
        if fill:   # fills from the right towards the wall on the left, as the hips travel in the side view
            pygame.draw.rect(surface, palette.TAP if colour == palette.TAP else palette.CLIENT,
                             pygame.Rect(bar.right - fill, bar.top, fill, bar.h), border_radius=p.px(2))
        pygame.draw.rect(surface, palette.WALL, pygame.Rect(bar.left, bar.top - p.px(1), p.px(1.4), bar.h + p.px(2)))
        y = bar.bottom + p.px(5)
        box = p.text(surface, "Good reps this level", 5, palette.MUTED, (rect.left, y), "topleft", rect.w)
        y = box.bottom + p.px(2)
        done = s.good_in_level if s else 0
        r = p.px(3.5)
        need = state.settings.reps_per_level
        for i in range(max(need, done)):
            centre = (rect.left + r + i * 3 * r, y + r)
            if i < done:
                pygame.draw.circle(surface, palette.GOOD, centre, r)
            else:
                pygame.draw.circle(surface, palette.MUTED, centre, r, width=p.px(0.6))
        y += 2 * r + p.px(4)
        p.text(surface, f"Total good reps: {s.good_reps if s else 0}", 5.5, palette.TEXT, (rect.left, y),
               "topleft", rect.w)

    def _banner(self, surface, p, state: GameState) -> None:
        b = state.banner
        if b is None:
            return
        rect = pygame.Rect(p.px(4), p.h - p.px(14), p.w - p.px(8), p.px(11))
        colour = palette.TAP if b.kind == "cue" else palette.GOOD
        p.panel(surface, rect, palette.PANEL, colour)
        p.text(surface, b.text, 7, palette.TAP if b.kind == "cue" else palette.TEXT, rect.center,
               max_width=rect.w - p.px(4))


def back_look(rounded: bool | None) -> tuple[tuple[int, int, int], str]:
    """Colour and words for the back: green and "flat back", vermillion and "rounded back" (never colour alone);
    white and no words when the back was not measured."""
    if rounded is None:
        return palette.TEXT, ""
    return (palette.WARN if rounded else palette.GOOD), words.back_words(rounded)


class Summary(View):
    """The client walked away: what they achieved, the one thing to work on (or praise and the next goal), and
    their best rep: its hip path and the angles a coach checks."""

    name = Scene.SUMMARY.value

    def __init__(self) -> None:
        self.silhouette = Silhouette()
        self._posed: tuple[Rep, figure.Figure, np.ndarray] | None = None     # the rep, its body and outline

    def draw(self, surface, p, state, now_s):
        _title(surface, p, "Well done!")
        s = state.summary
        if s is None:
            return
        unit = state.settings.units
        picture, text = _split(p, top_u=16, bottom_u=10)
        advice = ((words.WORK_ON, words.CUES[s.focus].text) if s.focus is not None
                  else (words.NEXT_GOAL, words.next_goal(s.next_wall_m, unit)))
        tiles = (("Best wall", words.length(s.best_wall_m, unit) if s.best_wall_m else "Not yet"),
                 ("Good reps", f"{s.good_reps} of {s.reps}"), advice)
        h = (text.h - 2 * p.px(3)) / 3
        for i, (label, value) in enumerate(tiles):
            focus = i == 2 and s.focus is not None         # the one thing to work on stands out: border and colour
            tile = pygame.Rect(text.left, round(text.top + i * (h + p.px(3))), text.w, round(h))
            p.panel(surface, tile, border=palette.TAP if focus else None)
            p.text(surface, label, 4.5, palette.MUTED, (tile.left + p.px(3), tile.top + p.px(2)), "topleft")
            p.text(surface, value, 9 if i < 2 else 7, palette.TAP if focus else palette.TEXT,
                   (tile.left + p.px(3), tile.top + p.px(8)), "topleft", tile.w - p.px(6))
        p.panel(surface, picture)
        p.text(surface, words.BEST_REP, 4.5, palette.MUTED, (picture.left + p.px(3), picture.top + p.px(2)),
               "topleft", picture.w - p.px(6))
        angles = pygame.Rect(picture.left, picture.bottom - p.px(15), picture.w, p.px(15))
        body = pygame.Rect(picture.left + p.px(3), picture.top + p.px(8), picture.w - p.px(6),
                           angles.top - picture.top - p.px(15))        # room under the floor for "heels"
        self._best_rep(surface, p, body, s.best, s.best_wall_m or s.last_wall_m)
        self._angles(surface, p, angles, s.best)
        left = max(0, math.ceil(SUMMARY_S - (now_s - self.entered_s)))
        p.text(surface, f"Next client in {left} s", 4, palette.MUTED, (p.w / 2, p.h - p.px(3)), "midbottom")

    def _best_rep(self, surface, p, rect: pygame.Rect, rep: Rep, wall_m: float) -> None:
        """The best rep at its deepest, drawn as the drill draws the client: a body posed by the rep's hip offset,
        trunk angle and knee bend, with its back line and trunk angle, the wall it worked to, and where the rear
        of the hips reached."""
        if self._posed is None or self._posed[0] is not rep:
            body = figure.pose(rep.peak_offset_m, trunk_deg=rep.trunk_deg, knee_deg=rep.knee_deg,
                               back_flexion_deg=SHOWN_ROUNDING_DEG if rep.spine == "rounded" else 0.0)
            self._posed = (rep, body, body.profile())
        _, body, outline = self._posed
        view = SideView(rect)
        floor_and_heels(surface, p, view)
        wall(surface, p, view, wall_m, None)          # its distance is on the "Best wall" tile
        self.silhouette.draw(surface, view, outline, palette.CLIENT_FILL, palette.CLIENT, p.px(0.5))
        colour, caption = back_look(rep.spine == "rounded")
        back_and_trunk(surface, p, view, body.back_line, rep.trunk_deg, body.back_flexion_deg, colour, caption)
        rear = view.to_screen(-rep.peak_offset_m, float(body.joints["hip"][1]))
        pygame.draw.circle(surface, palette.TAP, rear, p.px(1.4))

    def _angles(self, surface, p, rect: pygame.Rect, best) -> None:
        """The best rep's trunk angle, knee bend and back at its deepest, in columns a coach reads at a glance."""
        colour, back = back_look(best.spine == "rounded")
        values = ((words.degrees(best.trunk_deg), palette.TEXT),
                  (words.NOT_SEEN if best.knee_deg is None else words.degrees(best.knee_deg), palette.TEXT),
                  (back, colour))
        column = (rect.w - p.px(6)) / 3
        for i, (label, (value, tint)) in enumerate(zip(words.ANGLE_LABELS, values)):
            x = rect.left + p.px(3) + i * column
            p.text(surface, label, 4, palette.MUTED, (x, rect.top), "topleft", column - p.px(2))
            p.text(surface, value, 6 if i < 2 else 5, tint, (x, rect.top + p.px(5)), "topleft", column - p.px(2))


class NoCamera(View):
    """The camera (or its calibration) is not ready: what is wrong and what to do, in plain words, and how to
    try the demo; the kiosk keeps trying."""

    name = Scene.NO_CAMERA.value

    def draw(self, surface, p, state, now_s):
        headline, advice = words.status_words(state.camera_message)
        top = _title(surface, p, headline).bottom
        width = p.w - p.px(16)
        y = top + (p.h - top) * 0.2
        for text, size, colour in (
                (advice, 6, palette.TEXT),
                ("The kiosk keeps trying and starts by itself.", 5, palette.MUTED),
                ("To try the kiosk without a camera, start the demo:", 5, palette.MUTED),
                (words.DEMO_COMMAND, 6, palette.TAP)):
            if text:
                box = p.text(surface, text, size, colour, (p.w / 2, y), "midtop", width)
                y = box.bottom + p.px(4)
        dots = "." * (1 + int(now_s * 2) % 3)
        p.text(surface, f"Trying again{dots}", 4, palette.MUTED, (p.w / 2, p.h - p.px(5)), "midbottom")


class Celebration(View):
    """An overlay for level-ups and session bests: big words and falling confetti for a moment."""

    name = "celebration"

    def __init__(self, effect: Celebrate) -> None:
        self.effect = effect
        rng = np.random.default_rng(abs(hash(effect.title)) % 2 ** 32)
        self.confetti = rng.random((60, 4))          # x, speed, colour, phase

    def finished(self, now_s):
        return now_s - self.entered_s >= CELEBRATE_S

    def draw(self, surface, p, state, now_s):
        t = now_s - self.entered_s
        for x, speed, colour, phase in self.confetti:
            y = ((phase + t * (0.3 + 0.5 * speed)) % 1.2 - 0.1) * p.h
            piece = pygame.Rect(0, 0, p.px(1.6), p.px(2.4))
            piece.center = (x * p.w, y)
            pygame.draw.rect(surface, palette.CONFETTI[int(colour * len(palette.CONFETTI))], piece)
        grow = min(1.0, t / 0.25)
        _, area = drill_layout(p)                     # over the words, never over the client's body
        inner = area.w - p.px(6)
        height = p.px(9) + sum(p.font(size).get_linesize() * len(p.lines(text, size, inner)[0])
                               for text, size in ((self.effect.title, 12), (self.effect.detail, 6)))
        box = area.inflate(-round(area.w * (1 - grow)), 0)
        box.height = round(height * grow)
        box.top = area.top
        p.panel(surface, box, palette.PANEL, palette.GOOD)
        if grow < 1:
            return
        title = p.text(surface, self.effect.title, 12, palette.TEXT, (box.centerx, box.top + p.px(3)), "midtop",
                       inner)
        p.text(surface, self.effect.detail, 6, palette.TAP, (box.centerx, title.bottom + p.px(2)), "midtop", inner)


VIEWS = {Scene(v.name): v for v in (Attract, Guide, Drill, Summary, NoCamera)}
