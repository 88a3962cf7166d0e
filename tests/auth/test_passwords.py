"""Password hashing parameters and the password rules."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from portal.auth.passwords import hash_password, password_problems, verify_password


def test_hashes_are_argon2id_at_or_above_owasp_parameters():
    parameters = extract_parameters(hash_password("a fine long passphrase"))
    assert parameters.type.name == "ID"
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2


def test_verify_accepts_the_password_and_nothing_else():
    stored = hash_password("a fine long passphrase")
    assert verify_password(stored, "a fine long passphrase")
    assert not verify_password(stored, "a fine long passphrasE")
    assert not verify_password(None, "anything at all")
    assert not verify_password("not-a-hash", "anything at all")


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short1!", "at least 8"),
        ("x" * 129, "at most 128"),
        ("aaaaaaaaaaaa", "more than one or two"),
        ("password", "too common"),
        ("Password1234", "too common"),
        ("iloveyou2", "too common"),
        ("qwertyuiop", "too common"),
        ("dana.meyer-secret", "name or email"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    problems = password_problems(password, email="dana.meyer@example.com", name="Dana Meyer")
    assert problems and problem in problems[0]


@pytest.mark.parametrize(
    "password",
    ["tryout-2026-portal", "correct horse battery staple", "Ünïcödé pässwörd ✓", "ab1-" * 32],
)
def test_good_passwords_of_8_to_128_characters_are_accepted(password):
    assert password_problems(password, email="dana@example.com", name="Dana Meyer") == []


def test_a_64_character_passphrase_is_accepted():
    passphrase = "the quick brown fox jumps over the lazy dog while it rains today"
    assert len(passphrase) == 64
    assert password_problems(passphrase) == []
