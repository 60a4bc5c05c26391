"""The calibration wizard's screen: the live depth view with the floor and the person coloured in, the steps with
their progress, the plain-word checks, and the review's plan and camera views. Drawn from the wizard's view
(calibration/wizard.py) and the trainer's review nudges; large type, read from the mark."""
from __future__ import annotations

import numpy as np
import pygame

from calibration.review import heel_line, in_image, moved_mark, wall_panel
from calibration.wizard import PREVIEW_SAMPLE, SHOWN_AS, STEPS, Preview, Step, WizardView
from kiosk.game import palette
from kiosk.game.draw import Painter
from kiosk.game.trainer import Review
from kiosk.units import inches_to_m

FAR_M = 5.0                       # depth drawn from light (near) to dark (this far)
NO_DEPTH = (22, 24, 32)


def keys_help(view: WizardView | None) -> str:
    if view is not None and view.step is Step.REVIEW:
        return "Arrows or 8/2/4/6: move the mark 1 cm  ·  +/-: first wall  ·  Enter: save  ·  0: redo  ·  Backspace: menu"
    if view is not None and view.step is Step.FAILED:
        return "Enter or 0: start again  ·  Backspace: menu"
    return "0: start again  ·  Backspace: menu (nothing is saved)"


def draw(surface: pygame.Surface, p: Painter, body: pygame.Rect, view: WizardView | None, review: Review | None,
         camera: str | None) -> None:
    if view is None:
        said = camera or "Waiting for the camera's first frame..."
        p.text(surface, said, 6, palette.WARN if camera else palette.MUTED, body.center, "center", body.width)
        return
    if view.step is Step.REVIEW and review is not None and view.calibration is not None:
        _review(surface, p, body, view, review)
        return
    colour = palette.WARN if view.step is Step.FAILED else palette.TEXT
    prompt = p.text(surface, view.prompt, 6.5, colour, (body.centerx, body.top), "midtop", body.width)
    split = body.left + body.width * 56 // 100
    lower = pygame.Rect(body.left, prompt.bottom + p.px(3), body.width, body.bottom - prompt.bottom - p.px(3))
    if view.preview is not None:
        _depth_view(surface, view.preview, pygame.Rect(lower.left, lower.top, split - lower.left - p.px(3),
                                                       lower.height), p)
    side = pygame.Rect(split, lower.top, body.right - split, lower.height)
    y = _steps(surface, p, side, view)
    _checks(surface, p, pygame.Rect(side.left, y + p.px(3), side.width, side.bottom - y), view)


def _steps(surface, p: Painter, rect: pygame.Rect, view: WizardView) -> int:
    """The steps, done / now (with its progress bar) / to come, in words as well as colour."""
    order = [step for step, _ in STEPS]
    now = SHOWN_AS.get(view.step, view.step)
    at = order.index(now) if now in order else -1
    y = rect.top
    for k, (step, label) in enumerate(STEPS):
        state = "done" if k < at or view.step is Step.REVIEW else "now" if k == at else ""
        colour = palette.GOOD if state == "done" else palette.TEXT if state == "now" else palette.MUTED
        p.text(surface, f"{k + 1}.  {label}{': done' if state == 'done' else ''}", 4.6, colour, (rect.left, y),
               "topleft", rect.width)
        y += p.px(6)
        if state == "now" and view.step is not Step.REVIEW:
            bar = pygame.Rect(rect.left, y, rect.width - p.px(2), p.px(2.2))
            pygame.draw.rect(surface, palette.PANEL, bar, border_radius=p.px(1))
            filled = bar.copy()
            filled.width = round(bar.width * min(1.0, max(0.0, view.progress)))
            if filled.width:
                pygame.draw.rect(surface, palette.GOOD, filled, border_radius=p.px(1))
            y = bar.bottom + p.px(3)
    return y


def _checks(surface, p: Painter, rect: pygame.Rect, view: WizardView) -> None:
    y = rect.top
    for check in view.checks:
        if y > rect.bottom - p.px(5):
            break
        word, colour = ("ok", palette.GOOD) if check.ok else ("fix", palette.WARN)
        box = p.text(surface, f"{check.label}: {word}", 4.4, colour, (rect.left, y), "topleft", rect.width)
        box = p.text(surface, check.detail, 3.8, palette.MUTED, (rect.left, box.bottom), "topleft", rect.width)
        y = box.bottom + p.px(2)


def _depth_image(preview: Preview) -> pygame.Surface:
    """Depth in greys (near light), the floor green, the person in the client's blue with a bright outline."""
    d = preview.depth_m
    grey = np.clip(230 - 190 * d / FAR_M, 40, 230)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rgb[d <= 0] = NO_DEPTH
    rgb[preview.floor] = 0.55 * rgb[preview.floor] + 0.45 * np.array(palette.GOOD)
    person = preview.person
    rgb[person] = np.array(palette.CLIENT_FILL) * 0.6 + 0.4 * np.array(palette.CLIENT)
    inner = person.copy()
    inner[1:-1, 1:-1] &= person[:-2, 1:-1] & person[2:, 1:-1] & person[1:-1, :-2] & person[1:-1, 2:]
    rgb[person & ~inner] = palette.CLIENT
    return pygame.surfarray.make_surface(np.ascontiguousarray(rgb.astype(np.uint8).transpose(1, 0, 2)))


def _fit(image_size: tuple[int, int], rect: pygame.Rect) -> pygame.Rect:
    w, h = image_size
    scale = min(rect.width / w, rect.height / h)
    out = pygame.Rect(0, 0, round(w * scale), round(h * scale))
    out.center = rect.center
    return out


def _depth_view(surface, preview: Preview, rect: pygame.Rect, p: Painter) -> pygame.Rect:
    image = _depth_image(preview)
    place = _fit(image.get_size(), rect)
    surface.blit(pygame.transform.scale(image, place.size), place)
    pygame.draw.rect(surface, palette.PANEL, place, width=p.px(0.4))
    return place


def _review(surface, p: Painter, body: pygame.Rect, view: WizardView, review: Review) -> None:
    cal = moved_mark(view.calibration, review.forward_m, review.left_m)
    wall_m = inches_to_m(review.first_wall_in)
    head = p.text(surface, view.prompt, 6, palette.TEXT, (body.centerx, body.top), "midtop", body.width)
    nudged = (f"Mark moved {review.forward_m * 100:+.0f} cm forward, {review.left_m * 100:+.0f} cm to the "
              f"client's left  ·  first wall {review.first_wall_in} in")
    line = p.text(surface, nudged, 4.5, palette.TAP, (body.centerx, head.bottom + p.px(1.5)), "midtop", body.width)
    for advice in (c.detail for c in view.checks if not c.ok):      # it works, but could be better: say how
        line = p.text(surface, advice, 4.5, palette.WARN, (body.centerx, line.bottom + p.px(1.5)), "midtop",
                      body.width)
    area = pygame.Rect(body.left, line.bottom + p.px(3), body.width, body.bottom - line.bottom - p.px(3))
    half = area.width // 2 - p.px(2)
    _plan(surface, p, pygame.Rect(area.left, area.top, half, area.height), cal, wall_m)
    _camera_view(surface, p, pygame.Rect(area.right - half, area.top, half, area.height), view, cal, wall_m)


def _plan(surface, p: Painter, rect: pygame.Rect, cal, wall_m: float) -> None:
    """Seen from above, the client facing up the screen (their left on the screen's left): the camera, the
    heel line, the mark and the wall, on a 0.5 m grid."""
    p.text(surface, "From above", 4.5, palette.MUTED, rect.topleft, "topleft")
    area = pygame.Rect(rect.left, rect.top + p.px(7), rect.width, rect.height - p.px(7))
    cam = cal.camera_position
    xs = [cam[0], -0.6, 0.6]
    zs = [cam[2], -wall_m - 0.3, 0.6]
    span = max(max(xs) - min(xs), max(zs) - min(zs)) + 0.4
    scale = min(area.width, area.height) / span
    mid_x, mid_z = (max(xs) + min(xs)) / 2, (max(zs) + min(zs)) / 2

    def at(x: float, z: float) -> tuple[int, int]:
        return round(area.centerx - (x - mid_x) * scale), round(area.centery - (z - mid_z) * scale)

    pygame.draw.rect(surface, palette.PANEL, area, border_radius=p.px(2))
    for g in np.arange(np.floor((mid_x - span) * 2) / 2, mid_x + span, 0.5):      # a 0.5 m grid
        x = at(g, mid_z)[0]
        if area.left < x < area.right:
            pygame.draw.line(surface, palette.BACKGROUND, (x, area.top), (x, area.bottom))
    for g in np.arange(np.floor((mid_z - span) * 2) / 2, mid_z + span, 0.5):
        y = at(mid_x, g)[1]
        if area.top < y < area.bottom:
            pygame.draw.line(surface, palette.BACKGROUND, (area.left, y), (area.right, y))
    ends = heel_line(cal)
    for sign in (-1, 1):                                       # the feet on the mark, ahead of the heel line
        foot = [at(sign * 0.1 + dx, dz) for dx, dz in ((-0.045, 0), (0.045, 0), (0.045, 0.26), (-0.045, 0.26))]
        pygame.draw.polygon(surface, palette.FLOOR, foot)
    pygame.draw.line(surface, palette.TEXT, at(ends[0, 0], 0), at(ends[1, 0], 0), p.px(0.8))
    w = wall_panel(wall_m)
    pygame.draw.line(surface, palette.WALL, at(w[0, 0], -wall_m), at(w[1, 0], -wall_m), p.px(1.2))
    wall_end, heel_end = at(w[0, 0], -wall_m), at(ends[0, 0], 0)      # the client's right: the screen's right
    p.text(surface, "wall", 3.8, palette.WALL, (wall_end[0] + p.px(1.5), wall_end[1] + p.px(1)), "topleft")
    p.text(surface, "heel line", 3.8, palette.TEXT, (heel_end[0] + p.px(1.5), heel_end[1] - p.px(1)),
           "bottomleft")
    c = at(cam[0], cam[2])
    towards = np.array(at(0, 0)) - np.array(c)
    p.arrow(surface, c, (float(towards[0]), float(towards[1])), p.px(7), palette.CLIENT)
    p.text(surface, f"camera, {cal.camera_height_m:.2f} m high", 3.8, palette.CLIENT,
           (c[0], c[1] + p.px(4)), "midtop", area.width // 2)


def _camera_view(surface, p: Painter, rect: pygame.Rect, view: WizardView, cal, wall_m: float) -> None:
    """What the camera saw of the client standing on the mark, with the heel line and the wall drawn in where the
    calibration puts them: they must sit at the client's heels, and behind the hips."""
    p.text(surface, "As the camera sees it", 4.5, palette.MUTED, rect.topleft, "topleft")
    area = pygame.Rect(rect.left, rect.top + p.px(7), rect.width, rect.height - p.px(7))
    preview = view.stand_preview or view.preview
    if preview is None:
        return
    place = _depth_view(surface, preview, area, p)
    intr = cal.intrinsics.scaled(PREVIEW_SAMPLE)
    zoom = place.width / preview.depth_m.shape[1]

    def to_screen(points: np.ndarray) -> list[tuple[int, int]] | None:
        uv = in_image(cal, points, intr)
        if np.isnan(uv).any():
            return None
        return [(round(place.left + u * zoom), round(place.top + v * zoom)) for u, v in uv]

    clip = surface.get_clip()
    surface.set_clip(place)
    wall = to_screen(wall_panel(wall_m))
    if wall:
        layer = pygame.Surface(place.size, pygame.SRCALPHA)
        pygame.draw.polygon(layer, (*palette.WALL, 90), [(x - place.left, y - place.top) for x, y in wall])
        surface.blit(layer, place.topleft)
        pygame.draw.polygon(surface, palette.WALL, wall, p.px(0.5))
    heels = to_screen(heel_line(cal))
    if heels:
        pygame.draw.line(surface, palette.TEXT, heels[0], heels[1], p.px(0.8))
    surface.set_clip(clip)
