"""Naming the browser behind a session, for people checking where they are signed in."""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "Unknown browser"


@lru_cache(maxsize=1024)
def describe(user_agent: str) -> str:
    """A name like "Chrome on Linux" or "Mobile Safari on iOS", else "Unknown browser".

    The parser (ua-parser and its rule set) loads on first use: only the
    security page needs it, not every worker.
    """
    if not user_agent.strip():
        return UNKNOWN
    from ua_parser import parse

    found = parse(user_agent)
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if browser in (None, "Other"):
        return UNKNOWN if system in (None, "Other") else f"A browser on {system}"
    return browser if system in (None, "Other") else f"{browser} on {system}"
