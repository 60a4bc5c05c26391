"""The trainer's PIN: kept only as a salted slow hash (stdlib `hashlib.scrypt`), and five wrong tries lock trainer
mode for a minute.

Pure apart from the salt's randomness (passed in for tests): times are given, never read. A kiosk's PIN is a
few digits, so the hash alone cannot protect it against someone who copies the settings file; what it does is
keep the PIN itself out of the file, and the lock keeps someone at the keypad from trying them all.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, replace
from typing import Callable

SCHEME = "scrypt"
N, R, P = 2 ** 14, 8, 1         # scrypt's cost: about 50 ms and 16 MB a check on a kiosk PC
SALT_BYTES = 16
PIN_DIGITS = (4, 8)
TRIES = 5                       # wrong tries in a row before trainer mode locks...
LOCK_S = 60.0                   # ...for this long


class PinError(Exception):
    """A PIN or stored hash that cannot be used; str() is one sentence saying what to do."""


def check_pin_text(pin: str) -> None:
    """A new PIN must be 4-8 digits (a keypad is all the trainer may have)."""
    lo, hi = PIN_DIGITS
    if not (pin.isdigit() and pin.isascii() and lo <= len(pin) <= hi):
        raise PinError(f"a PIN is {lo} to {hi} digits: choose another.")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The text stored for `pin`: scheme, cost, salt and hash, so the cost can grow without breaking old files."""
    check_pin_text(pin)
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P)
    return f"{SCHEME}${N}${R}${P}${salt.hex()}${digest.hex()}"


def looks_stored(text: object) -> bool:
    """Whether `text` has the shape hash_pin gives it (scheme$N$r$p$salt$hash): what a settings file may hold."""
    return isinstance(text, str) and len(text.split("$")) == 6


def pin_matches(pin: str, stored: str) -> bool:
    """Whether `pin` is the one `stored` was made from (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            raise ValueError(scheme)
        cost = dict(n=int(n), r=int(r), p=int(p))
        expected = bytes.fromhex(digest)
        salt_bytes = bytes.fromhex(salt)
    except ValueError:
        raise PinError("the stored PIN is damaged: set the PIN again on the trainer's settings screen, or "
                       "remove pin_hash from the settings file to go without one.") from None
    if not pin.isascii():
        return False
    got = hashlib.scrypt(pin.encode(), salt=salt_bytes, maxmem=2 ** 26, **cost)
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True)
class PinGate:
    """Wrong tries in a row and, once locked, until when (the kiosk's monotonic seconds)."""

    wrong: int = 0
    locked_until_s: float | None = None

    def locked(self, now_s: float) -> float:
        """Seconds left of a lock (0 when open)."""
        if self.locked_until_s is None:
            return 0.0
        return max(0.0, self.locked_until_s - now_s)


@dataclass(frozen=True)
class Attempt:
    gate: PinGate
    opened: bool
    message: str                # what the trainer reads on screen


def try_pin(gate: PinGate, pin: str, stored: str | None, now_s: float,
            matches: Callable[[str, str], bool] = pin_matches) -> Attempt:
    """One try at the trainer's PIN. Without a stored PIN trainer mode is open (a new kiosk: the wizard asks for
    one). While locked no try is checked, so waiting out the lock is the only way on."""
    if stored is None:
        return Attempt(PinGate(), True, "No PIN is set: set one in Settings.")
    left = gate.locked(now_s)
    if left > 0:
        return Attempt(gate, False, f"Too many wrong tries: wait {left:.0f} s.")
    if gate.locked_until_s is not None:
        gate = PinGate()                            # the lock has run out: a fresh set of tries
    if matches(pin, stored):
        return Attempt(PinGate(), True, "")
    wrong = gate.wrong + 1
    if wrong >= TRIES:
        return Attempt(replace(gate, wrong=wrong, locked_until_s=now_s + LOCK_S), False,
                       f"Too many wrong tries: wait {LOCK_S:.0f} s.")
    return Attempt(replace(gate, wrong=wrong), False,
                   f"Wrong PIN: {TRIES - wrong} {'try' if TRIES - wrong == 1 else 'tries'} left.")
