"""The client-facing game: walk up, hinge back to tap the virtual wall, walk away.

    from kiosk.game import App, ScriptedProvider, VirtualClock, full_visit, load_settings, SoundBoard
    settings = load_settings(path)                      # defaults when the file does not exist
    App(provider, settings, display="fullscreen", sound=SoundBoard(settings)).run()

`provider` is anything with `latest() -> (Measurement | None, frame_timestamp_s | None)` and
`status() -> str | None` (None when the camera works, else a plain sentence such as "No camera found").
"""
from kiosk.game.app import QUIT_KEYS, App, FrameStats
from kiosk.game.provider import Clock, MeasurementProvider, RealClock, ScriptedProvider, VirtualClock
from kiosk.game.rules import GameState, Scene, new_game, step
from kiosk.game.settings import Settings, SettingsError
from kiosk.game.settings import load as load_settings
from kiosk.game.settings import save as save_settings
from kiosk.game.sound import SoundBoard
from kiosk.game.visit import Visit, full_visit

__all__ = ["App", "Clock", "FrameStats", "GameState", "MeasurementProvider", "QUIT_KEYS", "RealClock", "Scene",
           "ScriptedProvider", "Settings", "SettingsError", "SoundBoard", "VirtualClock", "Visit", "full_visit",
           "load_settings", "new_game", "save_settings", "step"]
