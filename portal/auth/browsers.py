"""Naming the browser behind a session, for people checking where they are signed in."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _


def describe(user_agent: str) -> str:
    """A name like "Chrome on Linux" or "Mobile Safari on iOS", else "Unknown browser",
    in the reader's language."""
    browser, system = _families(user_agent)
    if browser is None:
        if system is None:
            return _("Unknown browser")
        return _("A browser on %(system)s", system=system)
    return (
        browser
        if system is None
        else _("%(browser)s on %(system)s", browser=browser, system=system)
    )


@lru_cache(maxsize=1024)
def _families(user_agent: str) -> tuple[str | None, str | None]:
    """The browser's and the system's names (None: unknown).

    The parser (ua-parser and its rule set) loads on first use: only the
    security page needs it, not every worker.
    """
    if not user_agent.strip():
        return None, None
    from ua_parser import parse

    found = parse(user_agent)
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    return (
        None if browser in (None, "Other") else browser,
        None if system in (None, "Other") else system,
    )
