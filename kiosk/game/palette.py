"""Colours: Okabe-Ito (safe for the common colour-vision deficiencies) on a near-black background.

Meaning never rests on colour alone: every coloured state also has words or a shape.
"""
BACKGROUND = (12, 14, 20)
PANEL = (34, 38, 48)
TEXT = (255, 255, 255)
MUTED = (190, 196, 206)
FLOOR = (120, 126, 138)
CLIENT = (86, 180, 233)      # sky blue: the client's outline
CLIENT_FILL = (30, 74, 102)  # ...and the body inside it, dark enough for the back line to stand out on
WALL = (230, 159, 0)         # orange: the virtual wall
TAP = (240, 228, 66)         # yellow: the moment of contact, cues
GOOD = (0, 158, 115)         # bluish green: good reps, progress
ACCENT = (0, 114, 178)       # blue
WARN = (213, 94, 0)          # vermillion
PINK = (204, 121, 167)       # reddish purple
CONFETTI = (CLIENT, WALL, TAP, GOOD, PINK, WARN)
