"""Time in the program's time zone: periods (quarters, months) and formatting.

Times are stored aware in UTC; "this quarter" and "this month" are computed in
the program's time zone: for a program run from Auckland, a point earned at
23:30 UTC on 31 December already counts for Q1 of the new year. Every function
takes the moment explicitly or reads `utcnow()`, which tests freeze.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context
from flask_babel import gettext as _

from portal.db import utcnow

ALL_TIME = "all"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        return False
    return True


_REGIONS = (
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
)  # fmt: skip


@lru_cache(maxsize=1)
def current_zone_names() -> tuple[str, ...]:
    """The IANA zones people live in today, without legacy aliases ("US/Eastern",
    "Asia/Calcutta", "Europe/Kiev").

    Read from the tz database's table of zones by country (`zone.tab` in the
    `tzdata` package), which names each zone by its current name.
    """
    from importlib.resources import files

    table = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    names = {line.split("\t")[2] for line in table.splitlines() if line and line[0] != "#"}
    return tuple(sorted(name for name in names if name.split("/")[0] in _REGIONS))


def timezone_groups(*first: str) -> dict[str, list[tuple[str, str]]]:
    """Zones for a picker, grouped by region, with `first` (and UTC) on top."""
    label = lambda name: name.split("/", 1)[-1].replace("_", " ")  # noqa: E731
    suggested = list(dict.fromkeys(n for n in (*first, "UTC") if n and is_valid_timezone(n)))
    groups = {"Suggested": [(name, name.replace("_", " ")) for name in suggested]}
    for name in current_zone_names():
        groups.setdefault(name.split("/")[0], []).append((name, label(name)))
    return groups


def program_tz() -> ZoneInfo:
    return zone(current_app.config["PROGRAM_TIMEZONE"])


def local(moment: datetime, tz: ZoneInfo | None = None) -> datetime:
    """`moment` in a zone (the program's by default).

    At the calendar's edges (in year 1 or 9999) where the zone's offset would
    take it out of the calendar, it stays in UTC rather than failing: a date
    stored long ago must not break a page for a viewer in another zone.
    """
    try:
        return moment.astimezone(tz or program_tz())
    except OverflowError:
        return moment.astimezone(UTC)


def today(tz: ZoneInfo | None = None) -> date:
    return local(utcnow(), tz).date()


def quarter_key(moment: datetime, tz: ZoneInfo | None = None) -> str:
    moment = local(moment, tz)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def month_key(moment: datetime, tz: ZoneInfo | None = None) -> str:
    moment = local(moment, tz)
    return f"{moment.year}-{moment.month:02d}"


def period_keys(moment: datetime, tz: ZoneInfo | None = None) -> tuple[str, str, str]:
    """The leaderboard periods a moment belongs to: all time, its quarter, its month."""
    return ALL_TIME, quarter_key(moment, tz), month_key(moment, tz)


@dataclass(frozen=True)
class Period:
    key: str
    starts_at: datetime | None  # aware UTC; None for all time
    ends_at: datetime | None

    @property
    def label(self) -> str:
        """The period in the reader's words: "All time", "Q4 2026", "December 2026"."""
        from portal.i18n import format_month  # portal.i18n imports this module

        if self.key == ALL_TIME:
            return _("All time")
        year, part = self.key.split("-")
        if part.startswith("Q"):
            return _("Q%(quarter)s %(year)s", quarter=part[1:], year=year)
        return format_month(date(int(year), int(part), 1))


def current_period(kind: str, moment: datetime | None = None) -> Period:
    """The period of `kind` ("all", "quarter" or "month") containing `moment`."""
    tz = program_tz()
    moment = local(moment or utcnow(), tz)
    if kind == "quarter":
        first_month = 3 * ((moment.month - 1) // 3) + 1
        start = date(moment.year, first_month, 1)
        end = date(moment.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
        return Period(quarter_key(moment, tz), _start_of(start, tz), _start_of(end, tz))
    if kind == "month":
        start = date(moment.year, moment.month, 1)
        end = date(moment.year + (moment.month == 12), moment.month % 12 + 1, 1)
        return Period(month_key(moment, tz), _start_of(start, tz), _start_of(end, tz))
    return Period(ALL_TIME, None, None)


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def end_of_day(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The last moment of a local calendar day, in UTC (for "until" dates)."""
    tz = tz or program_tz()
    return _start_of(day + timedelta(days=1), tz) - timedelta(microseconds=1)


# --- wall-clock times typed into forms ------------------------------------------


class SkippedTime(ValueError):
    """A wall-clock time that doesn't exist in a zone: the clocks jump over it."""


class RepeatedTime(ValueError):
    """A wall-clock time that happens twice in a zone; `choices` are (fold, label) pairs."""

    def __init__(self, message: str, choices: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.choices = choices


def _day(day: date) -> str:
    """A day in a message about the clocks ("Sun, Mar 31, 2030"), in the reader's words."""
    if not has_app_context():
        return f"{day:%a %-d %b %Y}"
    from portal.i18n import format_date

    return format_date(day, "yMMMEd")


def _offset_label(moment: datetime) -> str:
    """A wall time and its zone's offset; times about the clocks are on the 24-hour clock."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
    return f"{moment:%H:%M} {moment.tzname()} (UTC{sign}{hours:02d}:{rest // 60:02d})"


def _clock_change(wall: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """Around a wall time the zone skips or repeats: the clock reading just before its
    change of offset and the reading just after (02:00 and 03:00 going forward)."""
    low, high = sorted(wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    offset = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    # Aware arithmetic within one zone is wall-clock arithmetic: 01:59:59 + 1 s = 02:00.
    before, after = low.astimezone(tz) + timedelta(seconds=1), high.astimezone(tz)
    if before.date() == after.date():
        return f"{before:%H:%M}", f"{after:%H:%M}"
    return f"{_day(before.date())} {before:%H:%M}", f"{_day(after.date())} {after:%H:%M}"


def localize(wall: datetime, tz: ZoneInfo, fold: int | None = None) -> datetime:
    """A wall-clock time in `tz` (naive, as typed) as an aware moment in UTC.

    Raises SkippedTime, naming the valid times, for a time the clocks jump over
    (02:30 when they go forward from 02:00 to 03:00), and RepeatedTime for a time
    they pass twice (when they go back) unless `fold` says which one: 0 the
    first, 1 the second.
    """
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    words = {"time": f"{wall:%H:%M}", "day": _day(wall.date()), "zone": tz.key}
    words["before"], words["after"] = _clock_change(wall, tz)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise SkippedTime(
            _(
                "%(time)s on %(day)s doesn't exist in %(zone)s: the clocks go forward from "
                "%(before)s to %(after)s. Choose a time before %(before)s or from %(after)s.",
                **words,
            )
        )
    if fold in (0, 1):
        # In UTC: Python compares times of one zone by their wall clock, ignoring fold.
        return (second if fold else first).astimezone(UTC)
    raise RepeatedTime(
        _(
            "%(time)s on %(day)s happens twice in %(zone)s: the clocks go back from "
            "%(before)s to %(after)s. Choose which one you mean.",
            **words,
        ),
        [
            (0, _("%(time)s, before the clocks go back", time=_offset_label(first))),
            (1, _("%(time)s, after the clocks go back", time=_offset_label(second))),
        ],
    )
