"""Plays the rules' Sound and Say effects. Never blocks the game, never fails it.

Speech is rendered by espeak-ng (offline) into WAV files cached on disk, on a background thread, ahead of
need; a phrase not ready yet is skipped (its paired tone still plays). With no audio device, all is silent.
"""
from __future__ import annotations

import hashlib
import logging
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pygame

from kiosk.game import synth
from kiosk.game.rules import Effect, Say, Sound
from kiosk.game.settings import Settings

log = logging.getLogger(__name__)
VOICE = ("-v", "en-us", "-s", "150")
SPEECH_TIMEOUT_S = 10.0


def default_speech_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hinge-kiosk" / "speech"


def speech_file(text: str, folder: Path) -> Path:
    key = hashlib.sha1(" ".join((*VOICE, text)).encode()).hexdigest()[:16]
    return folder / f"{key}.wav"


def render_speech(text: str, folder: Path, espeak: str) -> Path | None:
    """Render one phrase with espeak-ng (once: files are cached); None when that fails."""
    path = speech_file(text, folder)
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.wav")
    try:
        subprocess.run([espeak, *VOICE, "-w", str(tmp), text], check=True, timeout=SPEECH_TIMEOUT_S,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tmp.replace(path)
        return path
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("speech for %r unavailable: %s", text, err)
        tmp.unlink(missing_ok=True)
        return None


class SoundBoard:
    """Tones and speech for the kiosk; silent (but harmless) without an audio device."""

    def __init__(self, settings: Settings, speech_dir: Path | None = None,
                 espeak: str | None = shutil.which("espeak-ng")) -> None:
        self.settings = settings
        self.speech_dir = speech_dir or default_speech_dir()
        self.espeak = espeak
        self._tones: dict[str, pygame.mixer.Sound] = {}
        self._speech: dict[str, pygame.mixer.Sound] = {}
        self._todo: queue.Queue[str] = queue.Queue()
        try:
            pygame.mixer.init(synth.RATE, -16, 1, 512)
        except pygame.error as err:
            log.warning("no audio device (%s): the kiosk runs silently", err)
            self.enabled = False
            return
        self.enabled = True
        pygame.mixer.set_num_channels(16)
        pygame.mixer.set_reserved(1)
        self._voice = pygame.mixer.Channel(0)      # speech: a newer phrase replaces an older one
        for name in synth.NAMES:
            self._tones[name] = self._make(synth.samples(name))
        if espeak:
            threading.Thread(target=self._render_worker, name="speech", daemon=True).start()

    def _make(self, wave: np.ndarray) -> pygame.mixer.Sound:
        rate, _, channels = pygame.mixer.get_init()
        pcm = (wave * 32767).astype(np.int16)
        if channels > 1:
            pcm = np.repeat(pcm[:, None], channels, axis=1)
        return pygame.sndarray.make_sound(np.ascontiguousarray(pcm))

    def prepare(self, phrases: list[str]) -> None:
        """Render these phrases in the background, before anyone waits for them."""
        if self.enabled and self.espeak and self.settings.speech:
            for text in phrases:
                self._todo.put(text)

    def _render_worker(self) -> None:
        while True:
            render_speech(self._todo.get(), self.speech_dir, self.espeak)

    @property
    def volume(self) -> float:
        return 0.0 if self.settings.mute else self.settings.volume

    def play(self, effects: list[Effect]) -> None:
        if not self.enabled or self.volume <= 0:
            return
        for effect in effects:
            if isinstance(effect, Sound):
                tone = self._tones[effect.name]
                tone.set_volume(self.volume)
                tone.play()
            elif isinstance(effect, Say) and self.settings.speech:
                self._say(effect.text)

    def _say(self, text: str) -> None:
        voice = self._speech.get(text)
        if voice is None:
            path = speech_file(text, self.speech_dir)
            if not path.exists():
                self.prepare([text])               # the paired tone carries it this time
                return
            voice = self._speech[text] = pygame.mixer.Sound(str(path))
        voice.set_volume(self.volume)
        self._voice.play(voice)

    def close(self) -> None:
        if self.enabled:
            pygame.mixer.quit()
