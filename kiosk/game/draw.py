"""Drawing helpers every scene shares: a layout unit that scales with the screen, cached text, the side view.

One unit `u` is 1 % of the screen's shorter side, so 1280x720, 3840x2160 and portrait screens keep their
proportions; body text is at least 5 u (36 px at 720p), readable from 3 m.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pygame

from kiosk.game import palette, words
from kiosk.game.outline import Outline, outline, signed_area
from kiosk.measurement import Point2

TEXT_CACHE = 256


class Painter:
    """Scale-aware text and shapes for one screen size."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.w, self.h = size
        self.u = min(size) / 100.0
        self.portrait = self.h > self.w
        self._fonts: dict[int, pygame.font.Font] = {}
        self._text: OrderedDict[tuple, pygame.Surface] = OrderedDict()

    def px(self, units: float) -> int:
        return max(1, round(units * self.u))

    def font(self, size_u: float) -> pygame.font.Font:
        px = self.px(size_u)
        if px not in self._fonts:
            self._fonts[px] = pygame.font.Font(None, px)
        return self._fonts[px]

    def render(self, text: str, size_u: float, colour: tuple[int, int, int]) -> pygame.Surface:
        key = (text, self.px(size_u), colour)
        surf = self._text.get(key)
        if surf is None:
            surf = _fast(self.font(size_u).render(text, True, colour))
            self._text[key] = surf
            if len(self._text) > TEXT_CACHE:
                self._text.popitem(last=False)
        else:
            self._text.move_to_end(key)
        return surf

    def lines(self, text: str, size_u: float, max_width: int) -> tuple[list[str], float]:
        """Word-wrap `text` to `max_width`, shrinking the type only if one word alone is too wide."""
        while True:
            font = self.font(size_u)
            out: list[str] = []
            for word in text.split():
                trial = f"{out[-1]} {word}" if out else word
                if out and font.size(trial)[0] <= max_width:
                    out[-1] = trial
                else:
                    out.append(word)
            if all(font.size(line)[0] <= max_width for line in out) or size_u <= 2:
                return out, size_u
            size_u *= 0.9

    def text(self, surface: pygame.Surface, text: str, size_u: float, colour: tuple[int, int, int],
             pos: tuple[float, float], anchor: str = "center", max_width: float | None = None) -> pygame.Rect:
        """Draw (wrapped) text with `anchor` ("center", "midleft", "topright", ...) at `pos`; returns its box."""
        lines, size_u = self.lines(text, size_u, int(max_width or 10 ** 6))
        surfs = [self.render(line, size_u, colour) for line in lines]
        height = sum(s.get_height() for s in surfs)
        box = pygame.Rect(0, 0, max(s.get_width() for s in surfs), height)
        setattr(box, anchor, (round(pos[0]), round(pos[1])))
        align = "left" if "left" in anchor else "right" if "right" in anchor else "centerx"
        y = box.top
        for s in surfs:
            r = s.get_rect(top=y)
            setattr(r, align, getattr(box, align))
            surface.blit(s, r)
            y += s.get_height()
        return box

    def panel(self, surface: pygame.Surface, rect: pygame.Rect, colour=palette.PANEL, border=None) -> None:
        pygame.draw.rect(surface, colour, rect, border_radius=self.px(2))
        if border is not None:
            pygame.draw.rect(surface, border, rect, width=self.px(0.6), border_radius=self.px(2))

    def arrow(self, surface: pygame.Surface, centre: tuple[float, float], direction: tuple[float, float],
              length: float, colour) -> None:
        """A fat arrow (shape, not colour, carries the meaning)."""
        dx, dy = direction
        n = math.hypot(dx, dy) or 1.0
        dx, dy = dx / n, dy / n
        px, py = -dy, dx
        cx, cy = centre
        shaft, head = 0.18 * length, 0.38 * length
        back = (cx - dx * length / 2, cy - dy * length / 2)
        tip = (cx + dx * length / 2, cy + dy * length / 2)
        neck = (tip[0] - dx * head, tip[1] - dy * head)
        pts = [(back[0] + px * shaft / 2, back[1] + py * shaft / 2), (neck[0] + px * shaft / 2, neck[1] + py * shaft / 2),
               (neck[0] + px * head * 0.7, neck[1] + py * head * 0.7), tip,
               (neck[0] - px * head * 0.7, neck[1] - py * head * 0.7), (neck[0] - px * shaft / 2, neck[1] - py * shaft / 2),
               (back[0] - px * shaft / 2, back[1] - py * shaft / 2)]
        pygame.draw.polygon(surface, colour, pts)


def _fast(surf: pygame.Surface) -> pygame.Surface:
    """In the display's own pixel format, alpha blits are several times faster (needs a display mode)."""
    return surf.convert_alpha() if pygame.display.get_surface() is not None else surf


@dataclass(frozen=True)
class SideView:
    """The studio seen from the client's side, facing right: +z to the right, the wall (−z) on the left."""

    rect: pygame.Rect
    z_min: float = -0.45
    z_max: float = 0.55
    y_max: float = 2.0

    @property
    def scale(self) -> float:
        return min(self.rect.w / (self.z_max - self.z_min), self.rect.h / self.y_max)

    @property
    def origin(self) -> tuple[float, float]:
        """Screen position of the heel line on the floor; the studio is centred horizontally in the rect."""
        s = self.scale
        return self.rect.centerx - s * (self.z_min + self.z_max) / 2, self.rect.bottom

    def to_screen(self, z: float, y: float) -> tuple[float, float]:
        ox, oy = self.origin
        return ox + z * self.scale, oy - y * self.scale


class Silhouette:
    """The client seen from the side: a smooth filled outline with a clean stroke (kiosk.game.outline).

    Redrawn only when a new profile arrives (the camera's 30 fps), onto a canvas the size of the picture that
    is kept between frames; every frame blits just the part the body covers.
    """

    def __init__(self) -> None:
        self._points: np.ndarray | None = None      # the profile drawn last (each measurement has its own array)
        self._style: tuple | None = None
        self._canvas: pygame.Surface | None = None
        self._covered = pygame.Rect(0, 0, 0, 0)     # the body's box on the canvas

    def draw(self, surface: pygame.Surface, view: SideView, points: np.ndarray | None, fill, stroke,
             width_px: int) -> None:
        if points is None or len(points) == 0:
            return
        style = (view, fill, stroke, width_px)
        if points is not self._points or style != self._style:
            self._redraw(outline(points), view, fill, stroke, width_px)
            self._points, self._style = points, style
        surface.blit(self._canvas, self._covered.move(view.rect.topleft), self._covered)

    def _redraw(self, shape: Outline, view: SideView, fill, stroke, width_px: int) -> None:
        """Fill and stroke the outline. Transparent pixels carry the stroke's colour, so the anti-aliased edge
        blends into straight alpha with no dark fringe; holes are cut back to transparent."""
        if self._canvas is None or self._canvas.get_size() != view.rect.size:
            self._canvas = _fast(pygame.Surface(view.rect.size, pygame.SRCALPHA))
        clear = (*stroke, 0)
        self._canvas.fill(clear, self._covered)
        loops = [(np.column_stack(view.to_screen(xy[:, 0], xy[:, 1])) - view.rect.topleft, hole)
                 for hole, group in ((False, shape.bodies), (True, shape.holes)) for xy in group]
        if not loops:
            self._covered = pygame.Rect(0, 0, 0, 0)
            return
        # the stroke lies just inside the outline, so the body keeps its measured size; its middle line bounds
        # the fill (every other point is plenty there: the fill's edge lies under the stroke)
        inward = [_normals(pts) * (np.sign(signed_area(pts)) * (-1 if hole else 1)) for pts, hole in loops]
        for (pts, hole), n in zip(loops, inward):
            pygame.draw.polygon(self._canvas, clear if hole else fill, (pts + n * width_px / 2)[::2])
        for (pts, _), n in zip(loops, inward):
            pygame.draw.lines(self._canvas, stroke, True, pts + n * width_px / 2, width_px)
            for depth in (0.5, width_px - 0.5):        # anti-aliased edges on both sides of the stroke
                pygame.draw.aalines(self._canvas, stroke, True, pts + n * depth)
        every = np.vstack([pts for pts, _ in loops])
        lo, hi = np.floor(every.min(axis=0)) - width_px - 2, np.ceil(every.max(axis=0)) + width_px + 2
        self._covered = pygame.Rect(int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])).clip(
            self._canvas.get_rect())


def _ribbon(surface: pygame.Surface, colour, line: np.ndarray, width: float) -> None:
    """A thick open curve with round ends and anti-aliased sides (pygame's thick lines notch at every joint)."""
    side = width / 2 * _normals(line, closed=False)
    left, right = line + side, line - side
    pygame.draw.polygon(surface, colour, np.vstack([left, right[::-1]]))
    for edge in (left, right):
        pygame.draw.aalines(surface, colour, False, edge)
    for end in (line[0], line[-1]):
        pygame.draw.circle(surface, colour, end, width / 2)


def _normals(loop: np.ndarray, closed: bool = True) -> np.ndarray:
    """Unit normals of a curve, on its left (inside a loop whose signed area is positive)."""
    if closed:
        d = np.roll(loop, -1, axis=0) - np.roll(loop, 1, axis=0)
    else:
        d = np.gradient(loop, axis=0)
    n = np.column_stack([-d[:, 1], d[:, 0]])
    return n / np.maximum(np.hypot(n[:, 0], n[:, 1]), 1e-9)[:, None]


def back_and_trunk(surface: pygame.Surface, p: Painter, view: SideView, back_line: tuple[Point2, Point2],
                   trunk_deg: float, flexion_deg: float, colour, caption: str) -> None:
    """The back over the outline and the trunk angle, as a coach would sketch them on a photo.

    The back is a thick bar from hips to shoulders, bowed by its measured flexion (a flat back is straight, a
    rounded one visibly curved); a dashed plumb line rises from the hips, an arc sweeps from it to the trunk,
    and the degrees stand in big type at the plumb line's top with `caption` under them.
    """
    hip, shoulder = (np.array(view.to_screen(z, y)) for z, y in back_line)
    chord = shoulder - hip
    length = float(np.hypot(*chord))
    if length < 1:
        return
    dorsal = np.array([chord[1], -chord[0]]) / length        # away from the belly, on screen (y down)
    bow = length / 2 * math.tan(math.radians(max(flexion_deg, 0.0)) / 4)      # a circular arc's sagitta
    t = np.linspace(0.0, 1.0, 17)[:, None]
    control = (hip + shoulder) / 2 + 2 * bow * dorsal         # a quadratic curve through the arc's middle
    back = (1 - t) ** 2 * hip + 2 * t * (1 - t) * control + t ** 2 * shoulder
    width = p.px(1.4)
    for paint, w in ((palette.BACKGROUND, width + p.px(1.0)), (colour, width)):   # a dark casing, then the bar
        _ribbon(surface, paint, back, w)
    # the plumb line, up from the hips to the top of the picture
    top = view.rect.top + p.px(1)
    dash = p.px(1.6)
    for y in np.arange(hip[1] - p.px(2), top, -2 * dash):
        pygame.draw.line(surface, palette.TEXT, (hip[0], y), (hip[0], max(top, y - dash)), p.px(0.4))
    # the arc from vertical to the trunk (drawn from the measured angle, which the number states)
    radius = 0.6 * length
    a = np.radians(np.linspace(0.0, trunk_deg, max(2, int(abs(trunk_deg)) // 3 + 2)))
    arc = np.column_stack([hip[0] + radius * np.sin(a), hip[1] - radius * np.cos(a)])
    pygame.draw.lines(surface, palette.TEXT, False, arc, p.px(0.5))
    pygame.draw.aalines(surface, palette.TEXT, False, arc)
    number = p.text(surface, words.degrees(trunk_deg), 8, colour, (hip[0] - p.px(1.5), top), "topright")
    if caption:
        p.text(surface, caption, 4, colour, (hip[0] - p.px(1.5), number.bottom), "topright")


def floor_and_heels(surface: pygame.Surface, p: Painter, view: SideView, label: bool = True) -> None:
    """The floor, and the heel line (the mark) as a tick on it."""
    left, right = view.to_screen(view.z_min, 0), view.to_screen(view.z_max, 0)
    pygame.draw.line(surface, palette.FLOOR, left, right, p.px(0.6))
    hx, hy = view.to_screen(0.0, 0.0)
    pygame.draw.line(surface, palette.TEXT, (hx, hy - p.px(1.5)), (hx, hy + p.px(1.5)), p.px(0.6))
    if label:
        p.text(surface, "heels", 3, palette.MUTED, (hx, hy + p.px(1.8)), "midtop")


def wall(surface: pygame.Surface, p: Painter, view: SideView, wall_m: float, label: str | None,
         colour=palette.WALL, shake_px: float = 0.0) -> pygame.Rect:
    """The virtual wall at its true distance behind the heel line, as a thick panel rising from the floor."""
    x, _ = view.to_screen(-wall_m, 0.0)
    _, top = view.to_screen(-wall_m, 1.5)
    thick = max(p.px(1.4), round(0.04 * view.scale))
    rect = pygame.Rect(0, 0, thick, view.rect.bottom - top)
    rect.bottomright = (round(x + shake_px), view.rect.bottom)
    pygame.draw.rect(surface, colour, rect)
    if label:   # behind the wall: the client's head and the trunk angle's plumb line are in front of it
        p.text(surface, label, 4.5, colour, (rect.left - p.px(0.5), rect.top - p.px(1)), "bottomright")
    return rect
