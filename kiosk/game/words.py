"""Everything the client reads or hears, in one place: plain words, and lengths in their units."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.form import Fault
from kiosk.units import format_length


@dataclass(frozen=True)
class Cue:
    text: str       # on screen
    spoken: str     # said aloud: the client's eyes are on the floor


# one cue per fault the client can fix; which one matters most is kiosk.form.Fault's order
CUES = {
    Fault.ROUNDED_BACK: Cue("Keep your back flat", "Keep your back flat."),
    Fault.SQUAT: Cue("Hips back, not down. Soft knees.", "Hips back. Soft knees."),
    Fault.KNEES_FORWARD: Cue("Knees back: push your hips back", "Knees back. Push your hips back."),
    Fault.SHORT: Cue("Push your hips back to the wall", "Further back"),
    Fault.STAYED_DOWN: Cue("Snap back up to standing", "Snap up tall"),
    Fault.FEET_MOVED: Cue("Keep your heels on the mark", "Heels on the mark"),
}
GOOD = "Good rep!"
SNAP = Cue("Snap! Great return", "Snap!")
WELCOME = Cue("Push your hips back to tap the wall", "Hips back. Tap the wall.")
GOODBYE = "Well done"
STEP_OFF = "Time is up: step off the mark, then on again for another session"
SOMETHING_ON_MARK = "Something is on the mark: please move it away"
CAMERA_MOVED = "The camera has moved since it was calibrated: a trainer calibrates it again."
TOP_LEVEL = "Top wall cleared!"
NEW_BEST = "New best!"
_SPOKEN_UNITS = {"in": "inches", "cm": "centimetres"}
NO_CAMERA = ("No camera found", "Plug the depth camera into a blue USB 3 port.")
DEMO_COMMAND = "./hinge kiosk --demo"


def cue_for(faults: tuple[Fault, ...]) -> Cue:
    """The one cue to give for a rep's (or attempt's) faults: the most important one's."""
    return next(CUES[f] for f in Fault if f in faults and f in CUES)


# the summary: the one thing to work on, or praise and the next goal; the best rep's angles for a coach
WORK_ON = "Work on"
NEXT_GOAL = "Next goal"
BEST_REP = "Your best rep"
ANGLE_LABELS = ("Trunk angle", "Knee bend", "Spine")
NOT_SEEN = "not seen"


def next_goal(next_wall_m: float | None, unit: str) -> str:
    """Praise for a session without a fault, and what to aim for next time."""
    if next_wall_m is None:
        return "Great form! Next: every rep a snap"
    return f"Great form! Next: tap the wall at {length(next_wall_m, unit)}"


def degrees(angle_deg: float) -> str:
    return f"{angle_deg:.0f}\N{DEGREE SIGN}"


def back_words(rounded: bool) -> str:
    """The back in two words: the drill's back line and the summary say it, so colour is never alone."""
    return "rounded back" if rounded else "flat back"


def length(metres: float, unit: str, precise: bool = False) -> str:
    """'4 in' / '10 cm' for walls and bests; precise adds the tenth of an inch the gauge needs."""
    return format_length(metres, unit, decimals=1 if precise and unit == "in" else 0)


def spoken_length(metres: float, unit: str) -> str:
    return f"{length(metres, unit).split()[0]} {_SPOKEN_UNITS[unit]}"


def level_up_speech(wall_m: float, unit: str) -> str:
    return f"Level up. Wall at {spoken_length(wall_m, unit)}."


def status_words(message: str | None) -> tuple[str, str]:
    """A camera status sentence as (headline, advice): the kiosk's sentences read "what is wrong: what to do"."""
    if not message:
        return NO_CAMERA
    head, sep, advice = message.partition(": ")
    if not sep:
        return message.rstrip("."), ""
    return head, advice[:1].upper() + advice[1:]
