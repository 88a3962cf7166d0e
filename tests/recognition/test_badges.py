"""Badge rules (every kind, at their boundaries), awarding once, recompute, images."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from portal.errors import InvalidState, PortalError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.opportunities import participation as participating
from portal.opportunities.models import OpportunityType, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition import badge_rules, badges, ledger
from portal.recognition.models import Badge, BadgeAward, PointsSource

pytestmark = pytest.mark.usefixtures("ctx")


def _badge(make, kind: str, name: str | None = None, **params) -> Badge:
    badge, _ = badges.save_badge(
        None,
        badges.BadgeDetails(
            name=name or f"{kind} {params}",
            description="",
            rule_kind=kind,
            rule_params=params,
            color="#0f7a4a",
        ),
        by=make.manager(),
    )
    db.session.commit()
    return badge


def _holders(badge: Badge) -> set[int]:
    return set(
        db.session.scalars(sa.select(BadgeAward.advocate_id).where(BadgeAward.badge_id == badge.id))
    )


def _complete(make, advocate, kind: OpportunityType, when: datetime | None = None):
    opportunity = make.opportunity(type=kind, starts_at=when or datetime(2026, 6, 1, tzinfo=UTC))
    participation = make.participation(opportunity, advocate, S.APPROVED)
    with time_machine.travel(opportunity.starts_at + timedelta(hours=1), tick=False):
        participating.mark_completed(
            db.session.get(Participation, participation.id), by=make.manager()
        )
    db.session.commit()


def test_completed_of_type_awards_at_exactly_n(make):
    badge = _badge(make, "completed_of_type", type="webinar", count=3)
    advocate = make.advocate()
    for _ in range(2):
        _complete(make, advocate, OpportunityType.WEBINAR)
        _complete(make, advocate, OpportunityType.EVENT)  # other types don't count
    assert _holders(badge) == set()
    _complete(make, advocate, OpportunityType.WEBINAR)
    assert _holders(badge) == {advocate.id}
    _complete(make, advocate, OpportunityType.WEBINAR)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeAward)) == 1


def test_first_of_type(make):
    badge = _badge(make, "first_of_type", type="speaking_panel")
    advocate = make.advocate()
    _complete(make, advocate, OpportunityType.WEBINAR)
    assert _holders(badge) == set()
    _complete(make, advocate, OpportunityType.SPEAKING_PANEL)
    assert _holders(badge) == {advocate.id}
    notice = db.session.scalar(sa.select(Notification).where(Notification.kind == "badge_awarded"))
    assert badge.name in notice.message


@pytest.mark.parametrize("period", ["all", "quarter", "month"])
def test_points_at_least_at_exactly_n(make, period):
    badge = _badge(make, "points_at_least", points=100, period=period)
    advocate = make.advocate()
    make.points(advocate, 99)
    assert _holders(badge) == set()
    make.points(advocate, 1)
    assert _holders(badge) == {advocate.id}


def test_points_in_one_period_do_not_add_up_across_periods(make):
    badge = _badge(make, "points_at_least", points=100, period="quarter")
    advocate = make.advocate()
    make.points(advocate, 60, at=datetime(2026, 2, 1, tzinfo=UTC))
    make.points(advocate, 60, at=datetime(2026, 5, 1, tzinfo=UTC))
    assert _holders(badge) == set()
    assert ledger.total_for(advocate.id) == 120


def test_advisory_board_member_on_approval(make):
    badge = _badge(make, "advisory_board_member")
    advocate = make.advocate()
    board = make.opportunity(type=OpportunityType.ADVISORY_BOARD)
    participation = make.participation(board, advocate)
    assert _holders(badge) == set()
    participating.decide(
        db.session.get(Participation, participation.id),
        participating.Decision.APPROVE,
        by=make.manager(),
    )
    assert _holders(badge) == {advocate.id}


def test_top_of_period_is_judged_on_closed_periods(make):
    badge = _badge(make, "top_of_period", rank=2, period="quarter")
    people = [make.advocate() for _ in range(4)]
    hidden = make.advocate(shown=False)
    last_quarter = datetime(2026, 8, 1, tzinfo=UTC)  # Q3 2026 (the tests run in Q4)
    for person, points in zip(people, (50, 40, 40, 10), strict=True):
        make.points(person, points, at=last_quarter)
    make.points(hidden, 500, at=last_quarter)  # hidden: not on the board
    make.points(people[3], 900)  # this quarter: not closed yet
    assert _holders(badge) == set()  # only at period end or by recompute
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=UTC)):
        assert badges.recompute([badge]) == 3
    db.session.commit()
    # Dense ranks: 50 is first, the two 40s share second.
    assert _holders(badge) == {people[0].id, people[1].id, people[2].id}


def test_recompute_is_retroactive_and_idempotent(make):
    advocates = [make.advocate() for _ in range(3)]
    for advocate in advocates[:2]:
        make.points(advocate, 300)
    # Created after the fact: saving awards those who already qualify.
    badge = _badge(make, "points_at_least", points=250, period="all")
    assert _holders(badge) == {advocates[0].id, advocates[1].id}
    assert badges.recompute() == 0
    assert badges.recompute() == 0
    make.points(advocates[2], 400)
    assert _holders(badge) == {a.id for a in advocates}


def test_changing_a_rule_applies_on_recompute(make, runner):
    advocate = make.advocate()
    make.points(advocate, 150)
    badge = _badge(make, "points_at_least", points=200, period="all")
    assert _holders(badge) == set()
    badge.rule_params = {"points": 100, "period": "all"}
    db.session.commit()
    result = runner.invoke(args=["badges", "recompute", "--badge", badge.slug])
    assert result.exit_code == 0 and "Awarded 1 badge." in result.output
    again = runner.invoke(args=["badges", "recompute"])
    assert "Awarded 0 badges." in again.output
    db.session.expire_all()
    assert _holders(badge) == {advocate.id}


def test_deactivated_advocates_get_no_retroactive_badges(make):
    from portal.auth import services as auth

    advocate = make.advocate()
    make.points(advocate, 300)
    auth.deactivate(advocate)
    db.session.commit()
    badge = _badge(make, "points_at_least", points=100, period="all")
    assert _holders(badge) == set()


def test_revoking_keeps_the_history_and_never_reawards(make):
    _badge(make, "points_at_least", points=10, period="all")
    advocate = make.advocate()
    make.points(advocate, 20)
    award = db.session.scalar(sa.select(BadgeAward))
    with pytest.raises(InvalidState):
        badges.revoke(award, by=make.manager(), reason=" ")
    badges.revoke(award, by=make.manager(), reason="Awarded by mistake")
    db.session.commit()
    assert badges.recompute() == 0
    assert badges.awards_of(advocate.id) == []
    assert len(badges.awards_of(advocate.id, include_revoked=True)) == 1


@pytest.mark.parametrize(
    "kind, params, message",
    [
        ("nonsense", {}, "Choose a kind of rule"),
        ("completed_of_type", {"type": "party", "count": 2}, "choose an opportunity type"),
        ("completed_of_type", {"type": "webinar", "count": "many"}, "whole number"),
        ("completed_of_type", {"type": "webinar", "count": 0}, "between 1"),
        ("points_at_least", {"points": 10, "period": "decade"}, "choose a period"),
        ("top_of_period", {"rank": 3, "period": "all"}, "choose a period"),
    ],
)
def test_bad_rule_parameters_are_refused(make, kind, params, message):
    with pytest.raises(InvalidState, match=message):
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="X", description="", rule_kind=kind, rule_params=params, color="#000000"
            ),
            by=make.manager(),
        )


def test_generated_image_is_svg_and_uploads_are_reencoded(make):
    badge = _badge(make, "first_of_type", name="Panel Pioneer", type="speaking_panel")
    assert badge.image_type == "image/svg+xml" and b"<svg" in badge.image and b"PP" in badge.image
    picture = io.BytesIO()
    Image.new("RGB", (1200, 800), "purple").save(picture, format="JPEG", quality=90)
    details = badges.BadgeDetails(
        name="Panel Pioneer",
        description="",
        rule_kind="first_of_type",
        rule_params={"type": "speaking_panel"},
        color="#0f7a4a",
        upload=picture.getvalue(),
    )
    badges.save_badge(badge, details, by=make.manager())
    assert badge.image_type == "image/png" and badge.image_uploaded
    with Image.open(io.BytesIO(badge.image)) as stored:
        assert stored.format == "PNG" and max(stored.size) == 512
    for bad in (b"GIF89a" + b"\x00" * 100, b"<svg onload='alert(1)'></svg>", b"not an image"):
        details.upload = bad
        with pytest.raises(PortalError):
            badges.save_badge(badge, details, by=make.manager())


def test_registry_can_be_extended_without_touching_the_engine(make):
    @badge_rules.register
    class Veteran(badge_rules.RuleKind):
        key = "test_veteran"
        label = "Veteran"
        events = frozenset({"points"})

        def describe(self, params):
            return "Be around."

        def qualifying(self, params, advocate_ids):
            return set(advocate_ids or [])

    try:
        badge = _badge(make, "test_veteran", name="Veteran")
        advocate = make.advocate()
        ledger.award(advocate.id, 1, reason="r", key="v", source=PointsSource.MANUAL)
        assert _holders(badge) >= {advocate.id}
        assert badge_rules.describe(badge) == "Be around."
    finally:
        del badge_rules.RULES["test_veteran"]


def test_drawn_badges_are_told_apart_at_a_glance(make):
    pioneer = _badge(make, "first_of_type", name="Panel Pioneer", type="speaking_panel")
    details = badges.BadgeDetails(
        name="Panel Pro",
        description="",
        rule_kind="completed_of_type",
        rule_params={"type": "speaking_panel", "count": 3},
        color=pioneer.color,
    )
    with pytest.raises(InvalidState, match="same letters \\(PP\\) and colour"):
        badges.save_badge(None, details, by=make.manager())
    db.session.rollback()
    details.color = "#7c3aed"
    pro, _ = badges.save_badge(None, details, by=make.manager())
    # Different kinds of rule draw different emblems, too.
    emblem = lambda badge: re.search(rb'<path d="([^"]+)"', badge.image).group(1)  # noqa: E731
    assert emblem(pro) != emblem(db.session.get(Badge, pioneer.id))
