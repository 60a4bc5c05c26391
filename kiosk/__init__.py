"""The hip-hinge kiosk. pygame's greeting on import is kept off every command's output."""
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
