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


@pytest.mark.parametrize(
    "zone, wall, expected",
    [
        ("Europe/Paris", datetime(2030, 6, 1, 12, 0), datetime(2030, 6, 1, 10, 0, tzinfo=UTC)),
        ("UTC", datetime(2030, 3, 31, 2, 30), datetime(2030, 3, 31, 2, 30, tzinfo=UTC)),
        ("Pacific/Auckland", datetime(2030, 9, 29, 3, 0), datetime(2030, 9, 28, 14, 0, tzinfo=UTC)),
    ],
)
def test_localize_an_ordinary_wall_time(zone, wall, expected):
    assert clock.localize(wall, clock.zone(zone)) == expected


@pytest.mark.parametrize(
    "zone, wall, change",
    [
        ("Europe/Paris", datetime(2030, 3, 31, 2, 30), "from 02:00 to 03:00"),
        ("America/New_York", datetime(2030, 3, 10, 2, 15), "from 02:00 to 03:00"),
        ("Australia/Lord_Howe", datetime(2030, 10, 6, 2, 15), "from 02:00 to 02:30"),
        ("Pacific/Auckland", datetime(2030, 9, 29, 2, 30), "from 02:00 to 03:00"),
    ],
)
def test_localize_refuses_a_skipped_time_naming_the_change(zone, wall, change):
    with pytest.raises(clock.SkippedTime, match=f"clocks go forward {change}"):
        clock.localize(wall, clock.zone(zone))


def test_localize_asks_which_of_a_repeated_time_unless_told():
    paris, wall = clock.zone("Europe/Paris"), datetime(2030, 10, 27, 2, 30)
    with pytest.raises(clock.RepeatedTime) as repeated:
        clock.localize(wall, paris)
    assert "clocks go back from 03:00 to 02:00" in str(repeated.value)
    assert [fold for fold, _ in repeated.value.choices] == [0, 1]
    assert clock.localize(wall, paris, fold=0) == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)
    assert clock.localize(wall, paris, fold=1) == datetime(2030, 10, 27, 1, 30, tzinfo=UTC)


def test_local_keeps_moments_at_the_calendars_edges_in_utc():
    last = datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
    first = datetime(1, 1, 1, 5, 0, tzinfo=UTC)
    assert clock.local(last, clock.zone("Pacific/Kiritimati")) == last
    assert clock.local(first, clock.zone("Pacific/Pago_Pago")) == first
    assert clock.local(last, clock.zone("Europe/Paris")).hour == 21


def test_an_impossible_time_zone_name_is_not_a_time_zone():
    assert not clock.is_valid_timezone("x" * 5000)
    assert not clock.is_valid_timezone("Mars/Olympus")
    assert clock.is_valid_timezone("Europe/Paris")
