"""Quarters and months in the program's time zone (Pacific/Auckland in the tests)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from portal import clock

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.mark.parametrize(
    "moment, quarter, month",
    [
        (datetime(2026, 12, 31, 10, 59, tzinfo=UTC), "2026-Q4", "2026-12"),  # 23:59 NZDT
        (datetime(2026, 12, 31, 11, 0, tzinfo=UTC), "2027-Q1", "2027-01"),  # 00:00 NZDT
        (datetime(2026, 3, 31, 10, 59, tzinfo=UTC), "2026-Q1", "2026-03"),  # 23:59 NZDT
        (datetime(2026, 3, 31, 11, 0, tzinfo=UTC), "2026-Q2", "2026-04"),
        (datetime(2026, 6, 30, 11, 59, tzinfo=UTC), "2026-Q2", "2026-06"),  # 23:59 NZST
        (datetime(2026, 6, 30, 12, 0, tzinfo=UTC), "2026-Q3", "2026-07"),
    ],
)
def test_period_keys_at_boundaries(moment, quarter, month):
    assert clock.period_keys(moment) == ("all", quarter, month)


def test_current_quarter_bounds_are_local_midnights():
    with time_machine.travel(datetime(2026, 11, 26, 3, 0, tzinfo=UTC)):
        quarter = clock.current_period("quarter")
    assert quarter.key == "2026-Q4" and quarter.label == "Q4 2026"
    assert quarter.starts_at == datetime(2026, 9, 30, 11, 0, tzinfo=UTC)  # 1 Oct 00:00 NZDT
    assert quarter.ends_at == datetime(2026, 12, 31, 11, 0, tzinfo=UTC)  # 1 Jan 00:00 NZDT


def test_today_is_the_program_date():
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)):
        assert str(clock.today()) == "2026-11-27"
