"""The client-facing game: walk up, hinge back to tap the virtual wall, walk away.

    from kiosk.game.app import App
    from kiosk.game.settings import load as load_settings
    from kiosk.game.sound import SoundBoard
    settings = load_settings(path)                      # defaults when the file does not exist
    App(provider, settings, display="fullscreen", sound=SoundBoard(settings)).run()

`provider` is anything with `latest() -> (Measurement | None, frame_timestamp_s | None)` and
`status() -> str | None` (None when the camera works, else a plain sentence such as "No camera found")
(`kiosk.game.provider`). The package imports none of its modules, so the rules or the provider load without
pygame.
"""
