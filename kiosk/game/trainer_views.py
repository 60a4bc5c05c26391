"""Trainer mode's screens, drawn from its state (kiosk/game/trainer.py) and, in check mode, the newest
measurement. Large type throughout: the trainer reads check mode from the mark, 2-3 m away."""
from __future__ import annotations

import math

import pygame

from calibration.wizard import WizardView
from kiosk.game import palette, wizard_view, words
from kiosk.game.draw import Painter
from kiosk.game.trainer import ACTIONS, MENU, ROWS, HistoryView, Screen, TrainerState
from kiosk.measurement import Measurement
from kiosk.units import format_length, m_to_inches

KEYS_HELP = {
    Screen.PIN: "Digits, then Enter  ·  Backspace: back to the kiosk",
    Screen.NEW_PIN: "4 to 8 digits, then Enter  ·  Backspace: back to the settings",
    Screen.MENU: "A number, or the arrows and Enter  ·  Backspace: back to the kiosk",
    Screen.CHECK: "Hinge on the mark and read the numbers  ·  Backspace: menu",
    Screen.SETTINGS: "8/2 or arrows: choose  ·  4/6, -/+ or arrows: change  ·  Enter: set  ·  Backspace: cancel",
    Screen.HISTORY: "Backspace: menu",
    Screen.RESTORE: "Enter: restore  ·  Backspace: menu",
    Screen.RECORDINGS: "8/2 or arrows: choose  ·  Enter: replay it (Backspace stops a replay)  ·  Backspace: menu",
}
TITLES = {Screen.PIN: "Trainer mode", Screen.NEW_PIN: "New PIN", Screen.MENU: "Trainer mode",
          Screen.CHECK: "Check mode", Screen.SETTINGS: "Settings", Screen.HISTORY: "Session history",
          Screen.RESTORE: "Previous calibration", Screen.CALIBRATE: "Calibration",
          Screen.RECORDINGS: "Session recordings"}


def draw(surface: pygame.Surface, p: Painter, state: TrainerState, m: Measurement | None,
         camera: str | None = None, wizard: WizardView | None = None) -> None:
    """`m`: the newest measurement; `camera`: what is wrong with the camera, if anything (check mode says it);
    `wizard`: the calibration wizard's view, while it runs."""
    surface.fill(palette.BACKGROUND)
    p.text(surface, TITLES[state.screen], 8, palette.TEXT, (p.w / 2, p.px(5)), "midtop")
    restorable = state.backup is not None and state.backup.description is not None
    if state.screen is Screen.CALIBRATE:
        keys = wizard_view.keys_help(wizard)
    else:
        keys = KEYS_HELP[Screen.HISTORY] if state.screen is Screen.RESTORE and not restorable else KEYS_HELP[state.screen]
    p.text(surface, keys, 3.5, palette.MUTED, (p.w / 2, p.h - p.px(3)), "midbottom", p.w - p.px(8))
    body = pygame.Rect(p.px(6), p.px(17), p.w - p.px(12), p.h - p.px(27))
    if state.screen is Screen.CALIBRATE:
        wizard_view.draw(surface, p, body, wizard, state.review, camera)
    elif state.screen is Screen.CHECK and camera is not None:
        p.text(surface, camera, 6, palette.WARN, body.center, "center", body.width)
    else:
        {Screen.PIN: _pin, Screen.NEW_PIN: _pin, Screen.MENU: _menu, Screen.CHECK: _check,
         Screen.SETTINGS: _settings, Screen.HISTORY: _history, Screen.RESTORE: _restore,
         Screen.RECORDINGS: _recordings}[state.screen](
            surface, p, state, body, m)
    if state.message and state.screen not in (Screen.PIN, Screen.NEW_PIN):
        p.text(surface, state.message, 4.5, palette.TAP, (p.w / 2, p.h - p.px(9)), "midbottom", p.w - p.px(10))


def _pin(surface, p: Painter, state: TrainerState, body: pygame.Rect, m) -> None:
    prompt = "Type the trainer's PIN" if state.screen is Screen.PIN else "Type the new PIN"
    p.text(surface, state.message or prompt, 5.5, palette.TAP if state.message else palette.TEXT,
           (body.centerx, body.top + body.height * 0.2), "center", body.width)
    r, gap = p.px(3), p.px(9)
    slots = max(4, len(state.typed))
    x0 = body.centerx - (slots - 1) * gap / 2
    for k in range(slots):
        centre = (round(x0 + k * gap), round(body.top + body.height * 0.55))
        if k < len(state.typed):
            pygame.draw.circle(surface, palette.TEXT, centre, r)
        else:
            pygame.draw.circle(surface, palette.MUTED, centre, r, width=p.px(0.5))


def _menu(surface, p: Painter, state: TrainerState, body: pygame.Rect, m) -> None:
    y = body.top + p.px(4)
    height = min(p.px(10), (body.height - p.px(14)) // len(MENU) - p.px(2))    # room below for a message
    for k, (_, label) in enumerate(MENU):
        row = pygame.Rect(body.left + body.width // 6, y, body.width * 2 // 3, height)
        chosen = k == state.cursor
        p.panel(surface, row, palette.ACCENT if chosen else palette.PANEL)
        p.text(surface, f"{k + 1}   {label}", min(5.5, 0.6 * height / p.u), palette.TEXT,
               (row.left + p.px(4), row.centery), "midleft", row.width - p.px(6))
        y = row.bottom + p.px(2)
    if state.notice:
        p.text(surface, state.notice, 4, palette.WARN, (body.centerx, y + p.px(2)), "midtop", body.width * 5 // 6)


def _check(surface, p: Painter, state: TrainerState, body: pygame.Rect, m: Measurement | None) -> None:
    moved = m is not None and m.camera_moved
    if moved:
        p.text(surface, words.CAMERA_MOVED, 4.5, palette.WARN, (body.centerx, body.top), "midtop", body.width)
    if m is None or not m.on_mark or m.hip_offset_m is None:
        said = "Nobody on the mark" if m is None or not m.present else "Step onto the mark"
        if m is not None and (m.occluded or m.touched):
            said = "Something hides the client from the camera"
        p.text(surface, said, 7, palette.MUTED, body.center, "center", body.width)
        return
    offset = m.hip_offset_m
    if not moved:
        p.text(surface, "Hips behind the heel line", 5, palette.MUTED, (body.centerx, body.top + p.px(2)), "midtop")
    big = p.text(surface, f"{m_to_inches(offset):.1f} in", 22, palette.TEXT,
                 (body.centerx, body.top + body.height * 0.36), "center")
    p.text(surface, f"{offset * 100:.1f} cm", 9, palette.CLIENT, (body.centerx, big.bottom + p.px(1)), "midtop")
    parts = []
    if m.trunk_deg is not None:
        parts.append(f"trunk leans {m.trunk_deg:.0f}°")
    if m.knee_deg is not None:
        parts.append(f"knees bent {m.knee_deg:.0f}°")
    p.text(surface, "   ·   ".join(parts) or "angles not seen", 6, palette.TEXT,
           (body.centerx, body.bottom - p.px(4)), "midbottom", body.width)


def _settings(surface, p: Painter, state: TrainerState, body: pygame.Rect, m) -> None:
    lines = [(row.label, row.shown(state.edited), row.shown(state.edited) != row.shown(state.saved))
             for row in ROWS]
    lines += [(action, "", False) for action in ACTIONS]
    height = min(p.px(8), body.height // (len(lines) + 1))
    size = height / p.u * 0.62
    left, right = body.left + body.width // 8, body.right - body.width // 8
    for k, (label, value, changed) in enumerate(lines):
        row = pygame.Rect(left, body.top + k * height, right - left, height - p.px(0.6))
        if k == state.cursor:
            p.panel(surface, row, palette.ACCENT)
        colour = palette.TAP if changed else palette.TEXT
        p.text(surface, label, size, palette.TEXT, (row.left + p.px(2), row.centery), "midleft")
        if value:
            p.text(surface, value + ("  (changed)" if changed else ""), size, colour,
                   (row.right - p.px(2), row.centery), "midright")


def _restore(surface, p: Painter, state: TrainerState, body: pygame.Rect, m) -> None:
    backup = state.backup
    if backup is None or backup.problem:
        p.text(surface, "Reading the previous calibration..." if backup is None else backup.problem, 5.5,
               palette.MUTED if backup is None else palette.WARN, body.center, "center", body.width)
        return
    top = p.text(surface, "The previous calibration:", 5, palette.MUTED, (body.centerx, body.top + p.px(4)), "midtop")
    box = p.text(surface, backup.description, 6, palette.TEXT, (body.centerx, top.bottom + p.px(4)), "midtop",
                 body.width)
    p.text(surface, "Enter puts it back; the one in use now becomes the previous one, so this can be undone.", 4.5,
           palette.MUTED, (body.centerx, box.bottom + p.px(6)), "midtop", body.width)


def _recordings(surface, p: Painter, state: TrainerState, body: pygame.Rect, m) -> None:
    view = state.recordings
    if not state.saved.record_sessions:
        p.text(surface, "Recording is off: Settings, \"Record sessions for review\", turns it on.", 4.5,
               palette.MUTED, (body.centerx, body.top), "midtop", body.width)
    if view is None or view.problem or not view.items:
        said = "Reading the recordings..." if view is None else view.problem or "No session recordings yet."
        p.text(surface, said, 5.5, palette.WARN if view is not None and view.problem else palette.MUTED,
               body.center, "center", body.width)
        return
    height = p.px(8)
    shown = max(1, (body.height - p.px(8)) // height)
    first = max(0, min(state.cursor - shown // 2, len(view.items) - shown))
    for k, (label, _) in enumerate(view.items[first:first + shown], start=first):
        row = pygame.Rect(body.left + body.width // 8, body.top + p.px(8) + (k - first) * height,
                          body.width * 3 // 4, height - p.px(1))
        if k == state.cursor:
            p.panel(surface, row, palette.ACCENT)
        p.text(surface, label, 4.8, palette.TEXT, (row.left + p.px(2), row.centery), "midleft", row.width - p.px(4))


def _history(surface, p: Painter, state: TrainerState, body: pygame.Rect, m) -> None:
    view = state.history or HistoryView()
    if view.problem:
        p.text(surface, view.problem, 5, palette.WARN, body.center, "center", body.width)
        return
    if not view.sessions:
        p.text(surface, "No client sessions yet.", 6, palette.MUTED, body.center, "center", body.width)
        return
    split = body.left + body.width * 45 // 100
    listing = pygame.Rect(body.left, body.top, split - body.left - p.px(3), body.height)
    _session_list(surface, p, view, listing)
    _day_plot(surface, p, view, pygame.Rect(split, body.top, body.right - split, body.height - p.px(6)))


def _session_list(surface, p: Painter, view: HistoryView, rect: pygame.Rect) -> None:
    p.text(surface, "Latest sessions", 4.5, palette.MUTED, rect.topleft, "topleft")
    y = rect.top + p.px(7)
    for s in view.sessions:
        if y + p.px(6) > rect.bottom:
            break
        r = s.record
        wall = f"wall {format_length(r.best_wall_m, 'in', 0)}" if r.best_wall_m is not None else "no wall"
        when = s.ended_at.astimezone().strftime("%a %d %b %H:%M")
        p.text(surface, f"{when} · {r.good_reps} of {r.reps} good · {wall}", 4.3, palette.TEXT, (rect.left, y),
               "topleft", rect.width)
        y += p.px(6)


def _day_plot(surface, p: Painter, view: HistoryView, rect: pygame.Rect) -> None:
    """Per day: a bar for the best wall (inches, left scale) and a dot for the share of good reps (0-100 %)."""
    days = view.days[-14:]
    p.text(surface, "Per day: best wall (bars)  ·  good reps (dots)", 4.5, palette.MUTED, rect.topleft, "topleft",
           rect.width)
    plot = pygame.Rect(rect.left + p.px(8), rect.top + p.px(8), rect.width - p.px(17), rect.height - p.px(14))
    pygame.draw.line(surface, palette.FLOOR, plot.bottomleft, plot.bottomright, p.px(0.4))
    top_in = max([m_to_inches(d.best_wall_m) for d in days if d.best_wall_m is not None] + [8.0])
    for inches in range(0, int(top_in) + 1, 2):
        y = plot.bottom - plot.height * inches / top_in
        p.text(surface, f"{inches} in", 3.6, palette.WALL, (plot.left - p.px(1), y), "midright")
    for share in (0, 50, 100):
        y = plot.bottom - plot.height * share / 100
        p.text(surface, f"{share} %", 3.6, palette.GOOD, (plot.right + p.px(1), y), "midleft")
    slot = plot.width / max(len(days), 1)
    every = max(1, math.ceil((p.font(3.4).size("30 Sep")[0] + p.px(2)) / slot))     # date labels never overlap
    dots = []
    for k, d in enumerate(days):
        x = plot.left + slot * (k + 0.5)
        if d.best_wall_m is not None:
            h = plot.height * m_to_inches(d.best_wall_m) / top_in
            bar = pygame.Rect(round(x - slot * 0.3), round(plot.bottom - h), max(1, round(slot * 0.6)), round(h))
            pygame.draw.rect(surface, palette.WALL, bar)
        if d.good_share is not None:
            dots.append((round(x), round(plot.bottom - plot.height * d.good_share)))
        if (len(days) - 1 - k) % every == 0:                       # the latest day is always labelled
            p.text(surface, d.day.strftime("%d %b"), 3.4, palette.MUTED, (x, plot.bottom + p.px(1)), "midtop")
    if len(dots) > 1:
        pygame.draw.lines(surface, palette.GOOD, False, dots, p.px(0.5))
    for dot in dots:
        pygame.draw.circle(surface, palette.GOOD, dot, p.px(1.2))


def replay_label(surface: pygame.Surface, p: Painter, recording) -> None:
    """Over the game while a kept session replays: which one, and how to stop it."""
    p.text(surface, f"Replay: {recording.stem}  ·  Backspace stops it", 3.8, palette.TAP, (p.w / 2, p.px(1)),
           "midtop", p.w - p.px(4))
