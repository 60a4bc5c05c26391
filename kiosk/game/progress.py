"""A full screen for the kiosk's own waits longer than a second (the demo's first start): what is being done, a
progress bar, and the way out; the quit combination works throughout."""
from __future__ import annotations

from pathlib import Path

import pygame

from kiosk.game import palette
from kiosk.game.draw import Painter
from kiosk.game.provider import Clock, RealClock

PERIOD_S = 0.1


class ProgressScreen:
    def __init__(self, screen: pygame.Surface, title: str, note: str, clock: Clock | None = None,
                 screenshots: Path | None = None) -> None:
        self.screen = screen
        self.painter = Painter(screen.get_size())
        self.title, self.note = title, note
        self.clock = clock or RealClock()
        self.screenshots = screenshots
        self.shown = False

    def show(self, text: str, share: float) -> bool:
        """Draw the progress once and wait a moment; False when the quit combination (or the window's close) was
        used."""
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return False
            if (event.type == pygame.KEYDOWN and event.key == pygame.K_q and event.mod & pygame.KMOD_CTRL
                    and event.mod & pygame.KMOD_SHIFT):
                return False
        p, s = self.painter, self.screen
        s.fill(palette.BACKGROUND)
        top = p.text(s, self.title, 9, palette.TEXT, (p.w / 2, p.h * 0.22), "midtop", p.w - p.px(10))
        said = p.text(s, text, 5.5, palette.TEXT, (p.w / 2, top.bottom + p.px(8)), "midtop", p.w - p.px(10))
        bar = pygame.Rect(0, 0, p.w * 2 // 3, p.px(4))
        bar.midtop = (p.w // 2, said.bottom + p.px(6))
        pygame.draw.rect(s, palette.PANEL, bar, border_radius=p.px(2))
        done = bar.copy()
        done.width = round(bar.width * min(1.0, max(0.0, share)))
        if done.width:
            pygame.draw.rect(s, palette.GOOD, done, border_radius=p.px(2))
        p.text(s, f"{share:.0%}", 5, palette.MUTED, (p.w / 2, bar.bottom + p.px(3)), "midtop")
        p.text(s, self.note, 4, palette.MUTED, (p.w / 2, p.h - p.px(5)), "midbottom", p.w - p.px(10))
        pygame.display.flip()
        if self.screenshots is not None and not self.shown:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            pygame.image.save(s, str(self.screenshots / "preparing.png"))
        self.shown = True
        self.clock.sleep_until(self.clock.now() + PERIOD_S)
        return True
