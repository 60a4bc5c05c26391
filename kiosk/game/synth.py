"""The game's sounds, synthesised with numpy: nothing to download, nothing to install.

Each sound is short and distinct in rhythm as well as pitch, so it reads with the eyes on the floor.
"""
from __future__ import annotations

import numpy as np

RATE = 44100


def _tone(freq: float, seconds: float, decay: float = 6.0, rate: int = RATE) -> np.ndarray:
    """A sine with a 5 ms attack and an exponential fade (no clicks)."""
    t = np.arange(int(seconds * rate)) / rate
    attack = np.minimum(1.0, t / 0.005)
    release = np.minimum(1.0, (seconds - t) / 0.01)
    return np.sin(2 * np.pi * freq * t) * attack * release * np.exp(-decay * t)


def _notes(freqs: list[float], seconds: float, last_s: float | None = None, rate: int = RATE) -> np.ndarray:
    parts = [_tone(f, seconds, rate=rate) for f in freqs[:-1]]
    parts.append(_tone(freqs[-1], last_s or seconds, decay=4.0, rate=rate))
    return np.concatenate(parts)


def _tap(rate: int) -> np.ndarray:
    """A knock on a wall: a low thump, a bright click and a breath of noise."""
    t = np.arange(int(0.16 * rate)) / rate
    thump = np.sin(2 * np.pi * 150 * t) * np.exp(-28 * t)
    click = np.sin(2 * np.pi * 2200 * t) * np.exp(-120 * t)
    noise = np.random.default_rng(7).normal(0, 1, len(t)) * np.exp(-90 * t) * 0.4
    return thump + 0.6 * click + noise


def samples(name: str, rate: int = RATE) -> np.ndarray:
    """Mono float samples in [-1, 1] for one of the rules' sound names."""
    if name == "beep":           # the parking-sensor blip; its repetition rate carries the distance
        wave = _tone(1320, 0.045, decay=20, rate=rate)
    elif name == "tap":
        wave = _tap(rate)
    elif name == "good":
        wave = _notes([880, 1320], 0.09, 0.18, rate)
    elif name == "snap":         # a quick rising chirp
        t = np.arange(int(0.14 * rate)) / rate
        wave = np.sin(2 * np.pi * (700 * t + 6000 * t ** 2)) * np.exp(-10 * t)
    elif name == "cue":          # gentle, falling: "not quite"
        wave = _notes([523, 392], 0.15, 0.22, rate)
    elif name == "level_up":
        wave = _notes([523, 659, 784, 1047], 0.1, 0.4, rate)
    elif name == "best":
        wave = _notes([784, 1047, 1319], 0.08, 0.3, rate)
    elif name == "start":
        wave = _notes([440, 660], 0.12, 0.2, rate)
    elif name == "end":
        wave = _notes([660, 523, 440], 0.12, 0.3, rate)
    else:
        raise ValueError(f"no sound called {name!r}")
    return (wave / max(1e-9, float(np.abs(wave).max())) * 0.9).astype(np.float32)


NAMES = ("beep", "tap", "good", "snap", "cue", "level_up", "best", "start", "end")
