"""The calibration wizard's logic: the trainer's routine (calibration/routine.py) fed frame by frame, with what the
trainer is shown and told on the way — a moment to step out of view, each step's prompt and progress, the plain-word
checks as each becomes known — and every way it can fail, as the one sentence saying what to fix.

Pure: depth frames in, a `WizardView` out; it never waits and keeps no frame it does not need. The kiosk's trainer
mode draws it and `python -m calibration live` prints it: one routine, two faces.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from calibration.camera import DepthFrame
from calibration.model import Calibration
from calibration.routine import PROMPTS, Routine
from calibration.validate import (MAX_DISTANCE_M, MIN_BODY_DEPTH, MIN_DISTANCE_M, MIN_HIP_DEPTH, CalibrationError,
                                 precision_advice)

LEAVE_S = 5.0            # whoever started the wizard walks out of view first (the empty step refuses anyone in it)
WAIT_LIMIT_S = 60.0      # nobody on the mark this long, or no hinge this long after standing: the routine stops,
#                          saying what was missing (a wizard must not wait for ever on a kiosk)
PREVIEW_SAMPLE = 4       # the live view: every 4th pixel is plenty for a picture the trainer glances at


class Step(StrEnum):
    LEAVE = "leave"
    EMPTY = "empty"
    WAIT = "wait"
    STILL = "still"
    HINGE = "hinge"
    REVIEW = "review"
    FAILED = "failed"


# The steps as the trainer sees them listed (waiting for the client and standing still are one step).
STEPS = ((Step.LEAVE, "Step out of view"), (Step.EMPTY, "Empty area"), (Step.STILL, "Still on the mark"),
         (Step.HINGE, "One slow hinge"), (Step.REVIEW, "Review and save"))
SHOWN_AS = {Step.WAIT: Step.STILL}


@dataclass(frozen=True)
class Check:
    """One plain-word check: what was found, and whether it is good enough."""

    label: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Preview:
    """The live view: depth (subsampled, metres, 0 = none), the floor found in it and the person on the mark."""

    depth_m: np.ndarray
    floor: np.ndarray
    person: np.ndarray


@dataclass(frozen=True)
class WizardView:
    step: Step
    prompt: str                                 # what to tell the trainer now (shown large, and spoken)
    progress: float                             # 0..1 within the step
    checks: tuple[Check, ...] = ()
    preview: Preview | None = None
    calibration: Calibration | None = None      # in REVIEW: the calibration to review and save
    stand_preview: Preview | None = None        # the client standing on the mark, for the review's camera view


REVIEW_PROMPT = "Calibration done: check the mark and the wall, then save."
SPOKEN_FAILURE = "The calibration stopped: the screen says what to fix."   # the sentence itself is read on screen


def leave_prompt(seconds: float) -> str:
    return f"Step out of view: the kiosk learns the empty floor in {max(0, int(np.ceil(seconds)))} seconds."


def spoken(view: WizardView, leave_s: float) -> str:
    """What is said aloud as a step begins (the trainer is on the mark, not at the screen)."""
    if view.step is Step.FAILED:
        return SPOKEN_FAILURE
    return leave_prompt(leave_s) if view.step is Step.LEAVE else view.prompt


def spoken_phrases(leave_s: float) -> list[str]:
    """Every phrase the wizard says, to render ahead."""
    return [leave_prompt(leave_s), *(PROMPTS[s] for s in ("empty", "wait", "still", "hinge")), REVIEW_PROMPT,
            SPOKEN_FAILURE]


class Wizard:
    """Feed every frame with `feed`; `view` is what to show. REVIEW and FAILED are final: start a new Wizard to
    redo."""

    def __init__(self, baseline_m: float, device_name: str = "", device_serial: str = "",
                 leave_s: float = LEAVE_S) -> None:
        self._routine = Routine(baseline_m, device_name, device_serial)
        self._leave_s = leave_s
        self._first_s: float | None = None
        self._step_since_s = 0.0
        self.view = WizardView(Step.LEAVE, leave_prompt(leave_s), 0.0)

    @property
    def done(self) -> bool:
        return self.view.step in (Step.REVIEW, Step.FAILED)

    def result(self) -> Calibration:
        """The calibration to save (in REVIEW); otherwise CalibrationError saying what failed or is still missing."""
        if self.view.step is Step.REVIEW:
            return self.view.calibration
        if self.view.step is Step.FAILED:
            raise CalibrationError(self.view.prompt)
        raise CalibrationError(self._routine.missing_step())

    def feed(self, frame: DepthFrame) -> WizardView:
        if self.done:
            return self.view
        t = frame.timestamp_ms / 1000.0
        self._first_s = t if self._first_s is None else self._first_s
        try:
            self.view = self._next(frame, t)
        except CalibrationError as err:
            self.view = replace(self.view, step=Step.FAILED, prompt=str(err), checks=self._checks(str(err)))
        return self.view

    def _next(self, frame: DepthFrame, t: float) -> WizardView:
        preview = self._preview(frame)
        left = self._leave_s - (t - self._first_s)
        if left > 0:
            return WizardView(Step.LEAVE, leave_prompt(left), 1.0 - left / self._leave_s, (), preview)
        before = self._routine.status.step
        status = self._routine.feed(frame)
        if status.step != before:
            self._step_since_s = t
        elif status.step in (Step.WAIT, Step.STILL, Step.HINGE) and t - self._step_since_s > WAIT_LIMIT_S:
            raise CalibrationError(self._routine.missing_step())
        if status.step == "done":
            cal = self._routine.result()
            return WizardView(Step.REVIEW, REVIEW_PROMPT, 1.0,
                              self._checks(), preview, cal, self.view.stand_preview)
        stand = self.view.stand_preview
        if status.step == Step.HINGE and before != Step.HINGE:
            stand = preview                     # the client standing still on the mark: the review's picture
        return WizardView(Step(status.step), status.message, status.progress, self._checks(), preview,
                          stand_preview=stand)

    def _preview(self, frame: DepthFrame) -> Preview:
        floor, person = self._routine.scene(frame.depth_m, PREVIEW_SAMPLE)
        return Preview(frame.depth_m[::PREVIEW_SAMPLE, ::PREVIEW_SAMPLE].copy(), floor, person)

    def _checks(self, failure: str | None = None) -> tuple[Check, ...]:
        """Each check as soon as its step has found it; a failure is the last check, not passed."""
        r = self._routine
        out = []
        if r.camera_height_m is not None:
            out.append(Check("Floor", True, f"found: the camera is {r.camera_height_m:.2f} m high, tilted "
                                            f"{r.camera_tilt_deg:.0f}° down"))
        if r.mark_distance_m is not None:
            ok = MIN_DISTANCE_M <= r.mark_distance_m <= MAX_DISTANCE_M
            out.append(Check("Mark", ok, f"{r.mark_distance_m:.1f} m from the camera (2-3 m is best)"))
        if r.depth_quality is not None:
            q = r.depth_quality
            ok = q.hips >= MIN_HIP_DEPTH and q.body >= MIN_BODY_DEPTH
            out.append(Check("Depth on the hips", ok, f"{q.hips:.0%} of the hips, {q.body:.0%} of the body "
                                                      f"(needs {MIN_HIP_DEPTH:.0%} and {MIN_BODY_DEPTH:.0%})"))
        if self._routine.status.step == "done":
            cal = self._routine.result()
            advice = precision_advice(cal)
            out.append(Check("Camera place", advice is None, advice or f"{cal.placement.replace('-', ' ')} of the "
                                                                      f"client, {cal.camera_distance_m:.1f} m from "
                                                                      "the heel line"))
        if failure is not None:
            out.append(Check("Stopped", False, failure))
        return tuple(out)
