"""The trainer's PIN: stored only as a salted scrypt hash, checked in constant time, five wrong tries lock trainer
mode for a minute (times passed in, never read)."""
from __future__ import annotations

import pytest

from kiosk.pin import LOCK_S, TRIES, PinError, PinGate, hash_pin, pin_matches, try_pin

SALT = bytes(range(16))


def test_the_hash_is_salted_and_never_holds_the_pin() -> None:
    stored = hash_pin("4821", SALT)
    assert "4821" not in stored and stored.startswith("scrypt$")
    assert hash_pin("4821") != hash_pin("4821")                  # a fresh salt each time
    assert pin_matches("4821", stored) and not pin_matches("4822", stored) and not pin_matches("", stored)
    assert not pin_matches("٤٨٢١", stored)                        # Arabic-Indic digits are not the keypad's


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "12 4"])
def test_a_pin_is_four_to_eight_keypad_digits(pin: str) -> None:
    with pytest.raises(PinError, match="4 to 8 digits"):
        hash_pin(pin)


@pytest.mark.parametrize("stored", ["plain1234", "scrypt$16384$8$1$zz$00", "md5$1$1$1$00$00", ""])
def test_a_damaged_stored_pin_is_one_sentence(stored: str) -> None:
    with pytest.raises(PinError, match="stored PIN is damaged"):
        pin_matches("1234", stored)


def test_five_wrong_tries_lock_trainer_mode_for_a_minute_and_then_it_opens_again() -> None:
    stored = hash_pin("4821", SALT)
    gate, t = PinGate(), 100.0
    for k in range(TRIES - 1):
        attempt = try_pin(gate, "0000", stored, t)
        gate = attempt.gate
        assert not attempt.opened and f"{TRIES - 1 - k} tr" in attempt.message
    attempt = try_pin(gate, "0000", stored, t)
    assert not attempt.opened and attempt.message == f"Too many wrong tries: wait {LOCK_S:.0f} s."
    gate = attempt.gate
    locked = try_pin(gate, "4821", stored, t + LOCK_S - 1)        # the right PIN, but still locked
    assert not locked.opened and locked.message == "Too many wrong tries: wait 1 s."
    opened = try_pin(locked.gate, "4821", stored, t + LOCK_S)
    assert opened.opened and opened.gate == PinGate()


def test_after_a_lock_runs_out_the_tries_start_afresh_and_a_right_pin_resets_them() -> None:
    stored = hash_pin("4821", SALT)
    gate = PinGate(wrong=TRIES, locked_until_s=10.0)
    after = try_pin(gate, "0000", stored, 11.0)
    assert not after.opened and after.gate.wrong == 1 and after.gate.locked_until_s is None
    gate = try_pin(PinGate(), "0000", stored, 0.0).gate
    assert try_pin(gate, "4821", stored, 0.0).gate == PinGate()


def test_without_a_stored_pin_trainer_mode_is_open() -> None:
    assert try_pin(PinGate(), "", None, 0.0).opened
