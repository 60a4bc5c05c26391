"""The calibration wizard on a depth source's frames: what trainer mode hands to `provider.tap`.

Frames arrive on the capture thread; the trainer's screen reads `view` on the game's. A view is one immutable
object, replaced whole, so the screen never sees half a step.
"""
from __future__ import annotations

import dataclasses
import logging

from calibration.camera import DepthFrame
from calibration.wizard import LEAVE_S, Step, Wizard, WizardView
from kiosk.sensing.source import SourceInfo

log = logging.getLogger(__name__)

WIZARD_FAILED = "The calibration failed unexpectedly: press 0 to start again, and report it if it keeps happening."


class WizardFeed:
    """The calibration wizard on a provider's frames (`provider.tap(feed)`): started on the first frame, when the
    camera's baseline and name are known. `view` is what the trainer's screen draws (None: no frame yet)."""

    def __init__(self, leave_s: float = LEAVE_S) -> None:
        self.wizard: Wizard | None = None
        self._leave_s = leave_s

    @property
    def view(self) -> WizardView | None:
        return None if self.wizard is None else self.wizard.view

    def __call__(self, frame: DepthFrame, info: SourceInfo) -> None:
        if self.wizard is None:
            self.wizard = Wizard(info.baseline_m, info.name, info.serial, self._leave_s)
        if self.wizard.done:
            return
        try:
            self.wizard.feed(frame)
        except Exception:                  # never the capture thread's end: the trainer is told, and can redo
            log.exception("the calibration wizard failed")
            self.wizard.view = dataclasses.replace(self.wizard.view, step=Step.FAILED, prompt=WIZARD_FAILED)
