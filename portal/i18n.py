"""The reader's language and local formats.

The language of a page is the person's own choice (their account page), else
the best match of the browser's `Accept-Language`, else the program's default
(an admin setting). Mail and notifications are written in their recipient's
language and time zone: whatever renders them does so inside
`speaking_to(recipient)`, whoever triggered them.

Every date, time, number and amount of money on a page or in a mail goes
through the functions here, which format it with Babel for the current
locale, in the reader's time zone.

The pseudo-locale (`PSEUDO_LOCALE`, only when `PSEUDO_LOCALE_ENABLED`) shows
every translated message, and every formatted value, wrapped in ⟦ ⟧: text
outside the brackets on a page is text nobody marked for translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import clock

# Each language in its own words, for the pickers.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "en_001": "Pseudo"}
# A locale Babel knows whose catalogue is generated, never translated (see the module).
PSEUDO_LOCALE = "en_001"
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"
_AUDIENCE = "i18n_audience"  # g: (locale, time zone) while speaking to a recipient

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_globals() -> dict:
        return {"page_language": page_language}


def languages() -> list[str]:
    """The languages a page can be shown in (the pseudo-locale too where enabled)."""
    found = list(current_app.config["LANGUAGES"])
    if current_app.config.get("PSEUDO_LOCALE_ENABLED"):
        found.append(PSEUDO_LOCALE)
    return found


def language_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for a picker: each language named in its own words."""
    # Each language by its own name, whatever the page's language.
    choices = [(code, _shown(LANGUAGE_NAMES.get(code, code))) for code in languages()]
    return [("", blank), *choices] if blank is not None else choices


def program_language() -> str:
    from portal.branding import branding

    chosen = branding().language
    return chosen if chosen in languages() else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    """Flask-Babel's locale selector: the recipient's, the reader's, the browser's,
    else the program's."""
    audience = g.get(_AUDIENCE)
    if audience is not None:
        return audience[0]
    if has_request_context():
        if request.blueprint == "api":
            # The JSON API speaks one language to every integrator: its documented one.
            return current_app.config["BABEL_DEFAULT_LOCALE"]
        if current_user.is_authenticated and current_user.locale in languages():
            return current_user.locale
        match = request.accept_languages.best_match(languages())
        if match:
            return match
    return program_language()


def page_language() -> str:
    """The `lang` attribute of the page: the current locale as a BCP 47 tag."""
    locale = get_locale()
    if locale is None or str(locale) == PSEUDO_LOCALE:
        return "en"
    return str(locale).replace("_", "-")


@contextmanager
def speaking_to(user) -> Iterator[None]:
    """Render inside this block for `user` (None: someone without an account):
    their language and time zone, whoever is signed in."""
    wanted = getattr(user, "locale", None)
    locale = wanted if wanted in languages() else program_language()
    zone_name = getattr(user, "timezone", None)
    tz = clock.zone(zone_name) if zone_name and clock.is_valid_timezone(zone_name) else None
    before = g.get(_AUDIENCE)
    setattr(g, _AUDIENCE, (locale, tz or clock.program_tz()))
    try:
        with force_locale(locale):
            yield
    finally:
        if before is None:
            g.pop(_AUDIENCE, None)
        else:
            setattr(g, _AUDIENCE, before)


def viewer_tz() -> ZoneInfo:
    """The reader's time zone: the recipient's, the signed-in person's, else the program's."""
    if has_app_context():
        audience = g.get(_AUDIENCE)
        if audience is not None:
            return audience[1]
    if not has_request_context():
        return clock.program_tz()
    if "viewer_tz" not in g:
        name = current_user.timezone if current_user.is_authenticated else None
        g.viewer_tz = (
            clock.zone(name) if name and clock.is_valid_timezone(name) else clock.program_tz()
        )
    return g.viewer_tz


# --- formats ------------------------------------------------------------------


def _locale() -> Locale:
    return get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])


def _shown(text: str) -> str:
    locale = get_locale()
    if locale is not None and str(locale) == PSEUDO_LOCALE:
        return f"{PSEUDO_OPEN}{text}{PSEUDO_CLOSE}"
    return text


def _zone(tz: str | ZoneInfo | None) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    return clock.zone(tz) if tz else viewer_tz()


def _day_and_time(local: datetime, locale: Locale, skeleton: str = "yMMMEd") -> str:
    day = dates.format_skeleton(skeleton, local, locale=locale)
    time = dates.format_time(local, "short", locale=locale)
    return dates.get_datetime_format("medium", locale).replace("{1}", day).replace("{0}", time)


def format_datetime(
    moment: datetime | None, tz: str | ZoneInfo | None = None, with_zone: bool = True
) -> str:
    """ "Tue, Dec 3, 2026, 10:00 AM CET" / "Di., 3. Dez. 2026, 10:00 CET", in the reader's zone."""
    if moment is None:
        return ""
    local = clock.local(moment, _zone(tz))
    text = _day_and_time(local, _locale())
    return _shown(f"{text} {local:%Z}" if with_zone else text)


def format_date(value: date | datetime | None, skeleton: str = "yMMMd") -> str:
    """A day as the reader writes it ("Dec 3, 2026", "3. Dez. 2026", "3 déc. 2026")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local(value, viewer_tz()).date()
    return _shown(dates.format_skeleton(skeleton, value, locale=_locale()))


def format_long_date(value: date | datetime | None) -> str:
    """A day with its month written out ("December 3, 2026")."""
    return format_date(value, "yMMMMd")


def format_month(value: date) -> str:
    """A month and its year ("December 2026", "Dezember 2026")."""
    return _shown(dates.format_skeleton("yMMMM", value, locale=_locale()))


def format_time(moment: datetime, tz: str | ZoneInfo | None = None, with_zone: bool = True) -> str:
    """A time of day ("10:00 AM CET", "10:00 CET")."""
    local = clock.local(moment, _zone(tz))
    text = dates.format_time(local, "short", locale=_locale())
    return _shown(f"{text} {local:%Z}" if with_zone else text)


def format_time_range(
    starts_at: datetime, ends_at: datetime, tz: str | ZoneInfo | None = None
) -> str:
    """One day and two times, or two days and times for a span of days."""
    zone = _zone(tz)
    locale = _locale()
    start, end = clock.local(starts_at, zone), clock.local(ends_at, zone)
    if start.date() == end.date():
        end_time = dates.format_time(end, "short", locale=locale)
        return _shown(f"{_day_and_time(start, locale)}–{end_time} {end:%Z}")
    return _shown(f"{_day_and_time(start, locale)} – {_day_and_time(end, locale)} {end:%Z}")


def format_number(value: int | float | Decimal | None) -> str:
    """A count with the reader's grouping ("12,345", "12.345", "12 345")."""
    if value is None:
        return ""
    return _shown(numbers.format_decimal(value, locale=_locale()))


def format_percent(value: float | Decimal | None, digits: int = 0) -> str:
    """A share from 0 to 1 as a percentage ("42%", "42 %")."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    locale = _locale()
    standard = locale.percent_formats.get(None)
    if standard is not None and "\u00a0%" in standard.pattern:
        pattern = pattern.replace("%", "\u00a0%")
    return _shown(numbers.format_percent(value, pattern, locale=locale))


def format_money(amount: int | float | Decimal | None, currency: str | None = None) -> str:
    """Whole units of the program's currency, as the reader writes money
    ("€250,000", "250.000 €")."""
    if amount is None:
        return ""
    if currency is None:
        currency = program_currency()
    locale = _locale()
    pattern = numbers.parse_pattern(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    text = pattern.apply(Decimal(amount), locale, currency=currency, currency_digits=False)
    return _shown(text)


def program_currency() -> str:
    """The program's currency (references settings), read once per request."""
    from portal.references import rules

    if not has_request_context():
        return rules.current().currency
    if "program_currency" not in g:
        g.program_currency = rules.current().currency
    return g.program_currency


# The regions of the tz database's zone names, as a picker groups them.
REGION_LABELS = {
    "Suggested": _l("Suggested"),
    "Africa": _l("Africa"),
    "America": _l("Americas"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
}


@lru_cache(maxsize=4096)
def _city(name: str, locale: str) -> str:
    return dates.get_timezone_location(name, locale=locale, return_city=True)


def zone_label(name: str) -> str:
    """A time zone by its city, as the reader's language names it ("Wien", "Vienne")."""
    return _shown(_city(name, str(_locale())))


def region_label(region: str) -> str:
    label = REGION_LABELS.get(region)
    return str(label) if label is not None else _shown(region)


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["long_date"] = format_long_date
    app.jinja_env.filters["month"] = format_month
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.globals["time_range"] = format_time_range
