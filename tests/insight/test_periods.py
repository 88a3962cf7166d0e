"""The period rule, in Pacific/Auckland (the test program's zone), on a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.insight import periods
from tests.insight.conftest import MONTH_START, NOW

pytestmark = pytest.mark.usefixtures("ctx", "frozen")


@pytest.mark.parametrize(
    ("kind", "starts_at"),
    [
        ("month", MONTH_START),
        # 1 October 00:00 in Auckland: daylight time (UTC+13) began on 27 September.
        ("quarter", datetime(2026, 9, 30, 11, 0, tzinfo=UTC)),
        ("year", datetime(2025, 12, 31, 11, 0, tzinfo=UTC)),
        # 23 August 00:00, still standard time (UTC+12): 90 days with today.
        ("90d", datetime(2026, 8, 22, 12, 0, tzinfo=UTC)),
    ],
)
def test_periods_start_on_their_first_day_in_the_program_zone_and_end_now(kind, starts_at):
    span = periods.window(kind)
    assert (span.starts_at, span.ends_at) == (starts_at, NOW)
    previous = span.previous
    assert previous.ends_at == span.starts_at
    assert previous.length == span.length == NOW - starts_at


def test_the_previous_month_period_has_the_same_length_ending_where_this_one_starts():
    previous = periods.window("month").previous
    # 19 days 13 hours before 31 October 11:00 UTC.
    assert previous.starts_at == datetime(2026, 10, 11, 22, 0, tzinfo=UTC)


def test_a_custom_range_runs_from_its_first_day_to_the_end_of_its_last():
    span = periods.window("custom", first=date(2026, 3, 1), last=date(2026, 3, 31))
    assert span.starts_at == datetime(2026, 2, 28, 11, 0, tzinfo=UTC)
    assert span.ends_at == datetime(2026, 3, 31, 11, 0, tzinfo=UTC)
    assert span.previous.starts_at == span.starts_at - timedelta(days=31)


def test_a_custom_range_ending_in_the_future_ends_now():
    span = periods.window("custom", first=date(2026, 11, 1), last=date(2026, 12, 31))
    assert (span.starts_at, span.ends_at) == (MONTH_START, NOW)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (None, date(2026, 1, 1), "both"),
        (date(2026, 2, 1), date(2026, 1, 1), "before the first"),
        (date(2026, 12, 1), date(2026, 12, 2), "after today"),
        (date(2020, 1, 1), date(2026, 1, 1), "three years"),
    ],
)
def test_custom_ranges_that_cant_be_used_say_why(first, last, message):
    with pytest.raises(periods.InvalidPeriod, match=message):
        periods.window("custom", first=first, last=last)


def test_unknown_kinds_fall_back_to_this_quarter():
    assert periods.window("fortnight").kind == "quarter"


def test_at_the_first_moment_of_a_month_the_period_is_empty_and_so_is_the_previous():
    span = periods.window("month", now=MONTH_START)
    assert span.starts_at == span.ends_at == MONTH_START
    assert span.previous.length == timedelta(0)


def test_weekly_buckets_start_on_monday_in_the_program_zone_cut_to_the_period():
    parts = periods.buckets(periods.window("month"))
    assert [label for label, _, _ in parts] == ["Nov 1", "Nov 2", "Nov 9", "Nov 16"]
    assert parts[0][1:] == (MONTH_START, datetime(2026, 11, 1, 11, 0, tzinfo=UTC))
    assert parts[-1][2] == NOW


def test_monthly_buckets_for_long_periods():
    labels = [label for label, _, _ in periods.buckets(periods.window("year"))]
    assert labels[0] == "Jan 2026" and labels[-1] == "Nov 2026" and len(labels) == 11
