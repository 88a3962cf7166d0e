"""The one rule for the periods the program page reports on.

This month, this quarter and this year run from their first day at 00:00 in
the program's time zone to now; the last 90 days from 00:00 ninety days
ago (today counting as one of them) to now; a custom range from its first day at
00:00 to the end of its last day (or now, when that is earlier). Each is
compared with the previous period of the same length, which ends where this
one starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from portal import clock
from portal.db import utcnow
from portal.errors import PortalError

KINDS = {
    "month": "This month",
    "quarter": "This quarter",
    "year": "This year",
    "90d": "Last 90 days",
    "custom": "Custom range",
}
DEFAULT_KIND = "quarter"
# A custom range is at most this long, so every figure stays a bounded query.
LONGEST_RANGE = timedelta(days=3 * 366)


class InvalidPeriod(PortalError):
    """A custom range that can't be reported on; `field` names the day at fault."""

    def __init__(self, message: str, field: str = "last") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Window:
    """A period [starts_at, ends_at) in UTC, and the one before it of the same length."""

    kind: str
    label: str
    starts_at: datetime
    ends_at: datetime

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def previous(self) -> Window:
        return Window("previous", "Previous period", self.starts_at - self.length, self.starts_at)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.program_tz()).astimezone(UTC)


def _first_day(kind: str, today: date) -> date:
    if kind == "month":
        return today.replace(day=1)
    if kind == "quarter":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    if kind == "year":
        return today.replace(month=1, day=1)
    return today - timedelta(days=89)  # the last 90 days, today included


def _range_label(first: date, last: date) -> str:
    return f"{first:%-d %b %Y} – {last:%-d %b %Y}"


def window(
    kind: str = DEFAULT_KIND,
    *,
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
) -> Window:
    """The period of `kind` ending now (a custom one from `first` to `last`).

    Raises InvalidPeriod for a custom range without both dates, ending before
    it starts, starting after today or longer than three years.
    """
    now = now or utcnow()
    today = clock.local(now).date()
    if kind != "custom":
        kind = kind if kind in KINDS else DEFAULT_KIND
        first_day = _first_day(kind, today)
        return Window(kind, f"{KINDS[kind]} ({_range_label(first_day, today)})",
                      start_of_day(first_day), now)  # fmt: skip
    if first is None or last is None:
        raise InvalidPeriod(
            "Give both the first and the last day of the range.",
            "first" if first is None else "last",
        )
    if last < first:
        raise InvalidPeriod("The last day can't be before the first day.")
    if first > today:
        raise InvalidPeriod("The range can't start after today.", "first")
    starts_at = start_of_day(first)
    ends_at = min(start_of_day(last + timedelta(days=1)), now)
    if ends_at - starts_at > LONGEST_RANGE:
        raise InvalidPeriod("Choose a range of three years or less.")
    return Window(kind, _range_label(first, last), starts_at, ends_at)


def buckets(span: Window) -> list[tuple[str, datetime, datetime]]:
    """The weeks (up to 120 days) or months of a period, for trend lines: (label, start, end).

    Weeks start on Monday and months on the 1st at 00:00 in the program's time
    zone; the first and last buckets are cut to the period.
    """
    tz = clock.program_tz()
    first_day = clock.local(span.starts_at, tz).date()
    weekly = span.length <= timedelta(days=120)
    day = first_day - timedelta(days=first_day.weekday()) if weekly else first_day.replace(day=1)
    result = []
    while True:
        start = start_of_day(day)
        if start >= span.ends_at:
            return result
        if weekly:
            following = day + timedelta(days=7)
            label = f"{max(day, first_day):%-d %b}"
        else:
            following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            label = f"{day:%b %Y}"
        result.append(
            (label, max(start, span.starts_at), min(start_of_day(following), span.ends_at))
        )
        day = following
