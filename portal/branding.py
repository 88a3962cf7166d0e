"""The program's name and colour, chosen by admins, in every page and every mail.

The name defaults to the PROGRAM_NAME setting of the environment; the accent
colour must keep text readable: at least 4.5:1 against the page (WCAG AA),
both as links on the page and as the background of white button text.
Pages read the branding on every request, so it is kept in each process
for a few seconds rather than read from the database each time.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import current_app, g, has_request_context
from flask_babel import gettext as _

from portal import images
from portal.errors import InvalidState
from portal.i18n import format_number
from portal.settings import get_setting, set_setting

DEFAULT_ACCENT = "#4338ca"
LOGO_SIDE = 256
MIN_CONTRAST = 4.5
# What the accent is read against: the page behind cards, and white text.
_BACKGROUNDS = ("#ffffff", "#f5f6fa")
_CACHE_SECONDS = 10
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Branding:
    program_name: str
    accent: str
    logo_id: int | None = None
    language: str = "en"

    @property
    def accent_strong(self) -> str:
        """The accent darkened by a fifth: hovers and pressed buttons."""
        return mix(self.accent, "#000000", 0.2)

    @property
    def accent_soft(self) -> str:
        """The accent lightened nearly to white: highlighted rows and current links."""
        return mix(self.accent, "#ffffff", 0.9)


_cached: tuple[float, str, Branding] | None = None


def branding() -> Branding:
    """The current branding (kept for a few seconds per process and app)."""
    global _cached
    key = current_app.import_name + str(id(current_app))
    if _cached is not None and _cached[1] == key and time.monotonic() < _cached[0]:
        return _cached[2]
    if has_request_context() and g.get("database_unavailable"):
        # The error page of a database outage asks nothing more of the database.
        stale = _cached[2] if _cached is not None and _cached[1] == key else None
        return stale or Branding(current_app.config["PROGRAM_NAME"], DEFAULT_ACCENT)
    chosen = get_setting("branding", {}) or {}
    current = Branding(
        program_name=chosen.get("program_name") or current_app.config["PROGRAM_NAME"],
        accent=chosen.get("accent") or DEFAULT_ACCENT,
        logo_id=chosen.get("logo_id"),
        language=chosen.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"],
    )
    _cached = (time.monotonic() + _CACHE_SECONDS, key, current)
    return current


def forget() -> None:
    """Drop this process's copy (tests, and right after a change)."""
    global _cached
    _cached = None


def save_branding(
    *,
    program_name: str,
    accent: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
    language: str | None = None,
) -> Branding:
    """Change the program's name, colour, logo and default language.

    Raises InvalidState for an unreadable colour, images.UploadRefused for a logo
    the portal doesn't take.
    """
    accent = accent.strip().lower()
    if not _HEX.fullmatch(accent):
        raise InvalidState(_("Choose a colour like #4338ca."))
    worst = min(contrast(accent, background) for background in _BACKGROUNDS)
    if worst < MIN_CONTRAST:
        raise InvalidState(
            _(
                "%(colour)s is too light to read against the page (%(contrast)s:1; at least "
                "%(needed)s:1 is needed). Choose a darker colour.",
                colour=accent,
                contrast=format_number(round(worst, 1)),
                needed=format_number(MIN_CONTRAST),
            )
        )
    chosen = get_setting("branding", {}) or {}
    language = language or chosen.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"]
    if language not in current_app.config["LANGUAGES"]:
        raise InvalidState(_("Choose one of the portal's languages."))
    old_logo_id = logo_id = chosen.get("logo_id")
    if remove_logo:
        logo_id = None
    if logo:
        logo_id = images.store(logo, max_side=LOGO_SIDE).id
    if logo_id != old_logo_id:
        images.discard(old_logo_id)
    set_setting(
        "branding",
        {
            "program_name": program_name.strip(),
            "accent": accent,
            "logo_id": logo_id,
            "language": language,
        },
    )
    forget()
    return Branding(
        program_name.strip() or current_app.config["PROGRAM_NAME"], accent, logo_id, language
    )


# --- colour arithmetic (WCAG 2.x) ---------------------------------------------


def _channels(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))


def luminance(color: str) -> float:
    """Relative luminance of an sRGB colour like #4338ca."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(color: str, other: str, share: float) -> str:
    """`color` moved `share` of the way towards `other`."""
    mixed = (
        round(255 * (a + (b - a) * share))
        for a, b in zip(_channels(color), _channels(other), strict=True)
    )
    return "#" + "".join(f"{value:02x}" for value in mixed)
