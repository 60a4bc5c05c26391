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

from kiosk.game import palette

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
    """Depth points (z, y) → a soft filled body: rasterised on a 2 cm grid, grown, scaled up smoothly."""

    CELL_M = 0.02

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._surf: tuple[pygame.Surface, tuple[int, int]] | None = None   # the body and where it sits

    def draw(self, surface: pygame.Surface, view: SideView, points: np.ndarray | None, colour,
             offset_px: float = 0.0) -> None:
        if points is None or len(points) == 0:
            return
        key = (id(points), len(points), view.rect.size, colour)
        if key != self._key:
            self._surf = self._raster(view, points, colour)
            self._key = key
        surf, (dx, dy) = self._surf
        x0, y0 = view.to_screen(view.z_min, view.y_max)
        surface.blit(surf, (x0 + dx + offset_px, y0 + dy))

    def _raster(self, view: SideView, points: np.ndarray, colour) -> tuple[pygame.Surface, tuple[int, int]]:
        nz = int(round((view.z_max - view.z_min) / self.CELL_M))
        ny = int(round(view.y_max / self.CELL_M))
        iz = ((points[:, 0] - view.z_min) / self.CELL_M).astype(int)
        iy = ((view.y_max - points[:, 1]) / self.CELL_M).astype(int)
        ok = (iz >= 0) & (iz < nz) & (iy >= 0) & (iy < ny)
        grid = np.zeros((ny + 2, nz + 2), bool)
        grid[iy[ok] + 1, iz[ok] + 1] = True
        body = _erode(_dilate(grid))[1:-1, 1:-1]   # a closing: fills the gaps between sparse depth points
        rows, cols = np.flatnonzero(body.any(axis=1)), np.flatnonzero(body.any(axis=0))
        if len(rows) == 0:
            return pygame.Surface((1, 1), pygame.SRCALPHA), (0, 0)
        # only the body's box (with a cell of margin for the soft edge) is scaled and blitted
        r0, r1 = max(rows[0] - 1, 0), min(rows[-1] + 2, ny)
        c0, c1 = max(cols[0] - 1, 0), min(cols[-1] + 2, nz)
        rgba = np.zeros((r1 - r0, c1 - c0, 4), np.uint8)
        rgba[..., :3] = colour
        rgba[..., 3] = body[r0:r1, c0:c1] * 255
        small = pygame.image.frombuffer(rgba.tobytes(), (c1 - c0, r1 - r0), "RGBA")
        cell_px = self.CELL_M * view.scale
        big = pygame.transform.smoothscale(small, (round((c1 - c0) * cell_px), round((r1 - r0) * cell_px)))
        return _fast(big), (round(c0 * cell_px), round(r0 * cell_px))


_NEIGHBOURS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _dilate(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    for dy, dx in _NEIGHBOURS:
        out |= np.roll(mask, (dy, dx), (0, 1))
    return out


def _erode(mask: np.ndarray) -> np.ndarray:
    return ~_dilate(~mask)


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
    if label:   # reaching back from the wall's front face: the client's head is just in front of it
        p.text(surface, label, 4.5, colour, (rect.right, rect.top - p.px(1)), "bottomright")
    return rect
