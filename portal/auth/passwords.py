"""Password hashing (argon2id at OWASP's parameters) and the password rules."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask_babel import ngettext as _n

MIN_LENGTH = 8
MAX_LENGTH = 128

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
# Higher memory costs would weigh on every web worker's resident size.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an account without a password never matches."""
    try:
        if not password_hash:
            # Spend the same time as a real check, so timing tells nothing.
            _hasher.verify(_dummy_hash(), password)
            return False
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("a password nobody has")


def common_passwords() -> Iterator[str]:
    """The shipped list of common and breached passwords, lower-cased, most common first."""
    source = resources.files("portal.auth").joinpath("data/common-passwords.txt.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield line.rstrip("\n")


def is_common_password(password: str) -> bool:
    """True when the password is on the shipped list of common and breached passwords."""
    candidate = password.strip().lower()
    return any(line == candidate for line in common_passwords())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a new password is refused (empty when it is acceptable).

    Follows NIST SP 800-63B and ASVS: length and a block list, no composition rules.
    """
    if len(password) < MIN_LENGTH:
        return [
            _n("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_LENGTH)
        ]
    if len(password) > MAX_LENGTH:
        return [_n("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_LENGTH)]
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        return [_("Use more than one or two different characters.")]
    personal = [email.lower(), email.split("@")[0].lower(), *name.lower().split()]
    if any(len(word) >= 4 and word in lowered for word in personal):
        return [_("Don't use your name or email address in your password.")]
    if is_common_password(password):
        return [_("This password is too common: it appears in lists of leaked passwords.")]
    return []
