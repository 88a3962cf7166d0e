"""Every figure of the program page against values counted by hand (see conftest.py)."""

from __future__ import annotations

import pytest

from portal.insight import figures, periods, qualified
from portal.settings import set_setting

pytestmark = pytest.mark.usefixtures("program")


def _section(key: str, kind: str = "month") -> figures.Section:
    return figures.section(key, periods.window(kind))


def _stats(section: figures.Section) -> dict[str, tuple]:
    return {s.label: (s.value, s.previous) for s in section.figures.stats}


def _rows(section: figures.Section, table: str) -> list[list]:
    return section.table(table).rows


def test_active_and_new_advocates_with_the_boundary_in_auckland():
    advocates = _section("advocates")
    # This month: Ada applied, Ben completed at its first moment, Dee signed in and wrote.
    # Before: Ben applied, Cai answered an ask in the last minute of October (local).
    assert _stats(advocates) == {"Active advocates": (3, 2), "New advocates": (1, 1)}
    assert _rows(advocates, "activity") == [
        ["Signed in", 1, 0],
        ["Applied", 3, 1],  # Ada, Ben and Dee put themselves forward
        ["Completed a participation", 1, 0],
        ["Answered an ask", 1, 1],
        ["Submitted a story", 1, 0],
        ["Answered a reference ask", 0, 0],
        ["Made a referral", 0, 0],
    ]


def test_advocates_by_tier_and_tier_movement():
    advocates = _section("advocates")
    # Ben's opting in to Insider (with his 100 points) made it his tier.
    assert _rows(advocates, "tiers")[:2] == [["Member", 5], ["Insider", 1]]
    movement = {row[0]: row[1:] for row in _rows(advocates, "tier-movement")}
    # Opted in (this, before), stepped down (this, before), lapsed (this, before).
    assert movement["Insider"] == [1, 0, 0, 1, 0, 0]
    assert movement["Champion"] == [0, 0, 0, 0, 0, 0]


def test_the_participation_funnel_by_type_with_no_show_rate():
    participation = _section("participation")
    assert _rows(participation, "funnel") == [
        ["Invited", 0, 1],
        ["Applied", 3, 1],
        ["Approved", 2, 0],
        ["Completed", 1, 0],
    ]
    assert _rows(participation, "funnel-by-type") == [
        ["Speaking panel", 0, 2, 1, 1, 0, 0.0],
        ["Webinar", 0, 1, 1, 0, 1, 100.0],
    ]
    assert _stats(participation) == {
        "Completed participations": (1, 0),
        "No-show rate": (50.0, None),
    }


def test_asks_distribution_cap_and_declines():
    asks = _section("asks")
    assert _stats(asks) == {
        "Asks": (3, 1),
        "Declined": (0, 1),
        "At or over their cap (2026-Q4)": (1, None),
    }
    assert _rows(asks, "answers") == [
        ["Accepted", 1, 0],
        ["Declined", 0, 1],
        ["Not answered", 2, 0],
    ]
    assert _rows(asks, "per-advocate") == [
        ["1", 1, 1],
        ["2", 1, 0],
        ["3", 0, 0],
        ["4", 0, 0],
        ["5 or more", 0, 0],
    ]
    assert _rows(asks, "declines") == []
    assert _rows(_section("asks", "quarter"), "declines") == [
        ["Invitation to an opportunity", "Webinar", 1]
    ]


def test_qualified_advocates_per_owner_industry_region_and_account():
    view = _section("qualified")
    # Now: Ben (completed 1 Nov) and Eve (1 Dec 2025). At October's end: Eve and Fay.
    assert _stats(view) == {"Qualified advocates": (2, 2), "Customer accounts with one": (1, 2)}
    assert _rows(view, "by-owner") == [["Olivia Owner", 1, 1, 2, 1], ["No owner", 2, 0, 0, 1]]
    assert _rows(view, "by-industry") == [
        ["Healthcare & life sciences", 1, 1, 2, 1],
        ["Technology & software", 2, 0, 0, 1],
    ]
    assert _rows(view, "by-region") == [["Europe", 2, 1, 2, 1], ["North America", 1, 0, 0, 1]]
    assert _rows(view, "by-account") == [["Xylo Health", "Olivia Owner", 2, 1]]


def test_the_qualification_window_is_a_setting(app):
    set_setting(qualified.DAYS_SETTING, 30)
    view = _section("qualified")
    assert _stats(view)["Qualified advocates"] == (1, 0)  # only Ben, within 30 days
    assert "30 days" in view.figures.note


def test_a_deactivated_advocate_is_not_qualified(program):
    from portal.auth import services

    services.deactivate(program["e"])
    assert _stats(_section("qualified"))["Qualified advocates"] == (1, 1)


def test_points_by_source_per_week_and_badges():
    recognition = _section("recognition")
    assert _stats(recognition) == {"Points awarded": (150, 30), "Badges awarded": (0, 0)}
    assert _rows(recognition, "points-by-source") == [
        ["Participation", 0, 0, 0],
        ["Reference given", 0, 0, 0],
        ["Manual award", 150, 2, 30],
        ["Correction", 0, 0, 0],
        ["Referral", 0, 0, 0],
    ]
    assert _rows(recognition, "points-trend") == [
        ["Nov 1", 50],
        ["Nov 2", 100],
        ["Nov 9", 0],
        ["Nov 16", 0],
    ]


def test_every_registered_family_appears_in_page_order():
    keys = [s.key for s in figures.sections(periods.window("month"))]
    assert keys == [
        "advocates",
        "participation",
        "asks",
        "references",
        "referrals",
        "qualified",
        "moves",
        "recognition",
    ]
