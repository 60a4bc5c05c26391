"""The scene stack: one base view for the rules' scene, overlays (celebrations) on top of it."""
from __future__ import annotations

import pygame

from kiosk.game.draw import Painter
from kiosk.game.rules import Effect, GameState
from kiosk.game.scenes import View


class SceneStack:
    def __init__(self, base: View, state: GameState, now_s: float) -> None:
        self.views: list[View] = []
        self.replace_base(base, state, now_s)

    @property
    def base(self) -> View:
        return self.views[0]

    @property
    def top(self) -> View:
        return self.views[-1]

    def replace_base(self, base: View, state: GameState, now_s: float) -> None:
        """Exit everything (overlays belong to the scene they celebrate), enter the new base."""
        for view in reversed(self.views):
            view.exit()
        self.views = [base]
        base.enter(state, now_s)

    def push(self, overlay: View, state: GameState, now_s: float) -> None:
        overlay.enter(state, now_s)
        self.views.append(overlay)

    def on_effect(self, effect: Effect, now_s: float) -> None:
        for view in self.views:
            view.on_effect(effect, now_s)

    def draw(self, surface: pygame.Surface, p: Painter, state: GameState, now_s: float) -> None:
        for view in list(self.views[1:]):
            if view.finished(now_s):
                view.exit()
                self.views.remove(view)
        for view in self.views:
            view.draw(surface, p, state, now_s)
