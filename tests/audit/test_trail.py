"""The audit trail: every staff action that changes data writes exactly one event."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import OpportunityState, OpportunityType
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition.models import PointsEntry, Tier
from tests.helpers import text


def _events(app) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        for event in events:
            db.session.expunge(event)
        return events


class Trail:
    """Events written since the last look."""

    def __init__(self, app) -> None:
        self.app, self.seen = app, 0

    def new(self) -> list[AuditEvent]:
        events = _events(self.app)
        fresh, self.seen = events[self.seen :], len(events)
        return fresh

    def one(self, action: str) -> AuditEvent:
        fresh = self.new()
        assert [event.action for event in fresh] == [action]
        return fresh[0]


def _change(event: AuditEvent, field: str) -> tuple:
    return event.changes[field]["before"], event.changes[field]["after"]


def test_decisions_and_reopening_write_one_event_each(app, make, login):
    manager = make.manager()
    opportunity = make.opportunity(created_by=manager)
    taking_part = make.participation(opportunity, make.advocate())
    client, trail = login(manager), Trail(app)
    client.post(f"/manage/participations/{taking_part.id}/decide", data={"waitlist": "Waitlist"})
    event = trail.one("participation.decided")
    assert (event.target_type, event.target_id, event.actor_id) == (
        "participation",
        taking_part.id,
        manager.id,
    )
    assert _change(event, "status") == ("applied", "waitlisted")
    # A double click changes nothing and records nothing.
    client.post(f"/manage/participations/{taking_part.id}/decide", data={"waitlist": "Waitlist"})
    assert trail.new() == []
    client.post(f"/manage/participations/{taking_part.id}/decide", data={"decline": "Decline"})
    assert _change(trail.one("participation.decided"), "status") == ("waitlisted", "declined")
    client.post(f"/manage/participations/{taking_part.id}/reopen")
    assert _change(trail.one("participation.reopened"), "status") == ("declined", "applied")


@pytest.mark.parametrize(
    ("button", "action", "after"),
    [
        ("completed", "participation.completed", "completed"),
        ("no_show", "participation.no_show", "no_show"),
    ],
)
def test_marking_writes_one_event(app, make, login, button, action, after):
    manager = make.manager()
    opportunity = make.opportunity(created_by=manager, starts_at=utcnow() - timedelta(days=1))
    taking_part = make.participation(opportunity, make.advocate(), S.APPROVED)
    client, trail = login(manager), Trail(app)
    client.post(f"/manage/participations/{taking_part.id}/mark", data={button: "x"})
    assert _change(trail.one(action), "status") == ("approved", after)


def test_manual_awards_and_reversals_write_one_event_each(app, make, login):
    manager, advocate = make.manager(), make.advocate()
    client, trail = login(manager), Trail(app)
    client.post(
        f"/manage/advocates/{advocate.id}/points",
        data={"points": "40", "reason": "Great talk", "key": "k1"},
    )
    event = trail.one("points.awarded")
    assert event.changes["points"] == {"before": None, "after": 40}
    assert event.changes["advocate_id"]["after"] == advocate.id
    client.post(f"/manage/entries/{event.target_id}/reverse", data={"reason": "Mistake"})
    reversal = trail.one("points.reversed")
    assert reversal.changes["points"]["after"] == -40
    assert reversal.details == {"corrects_id": event.target_id}
    with app.app_context():
        assert db.session.get(PointsEntry, reversal.target_id).corrects_id == event.target_id


def test_deactivation_role_change_and_user_creation(app, make, login):
    admin, manager, advocate = make.admin(), make.manager(), make.advocate()
    client, trail = login(admin), Trail(app)
    client.post(f"/manage/users/{advocate.id}/deactivate")
    assert _change(trail.one("user.deactivated"), "active") == (True, False)
    client.post(f"/manage/users/{advocate.id}/reactivate")
    assert _change(trail.one("user.reactivated"), "active") == (False, True)
    client.post(f"/admin/users/{manager.id}/role", data={"role": "admin"})
    assert _change(trail.one("user.role_changed"), "role") == ("manager", "admin")
    client.post(
        "/admin/users/new",
        data={"email": "new.staff@example.com", "name": "New", "role": "manager"},
    )
    created = trail.one("user.created")
    assert created.changes == {"role": {"before": None, "after": "manager"}}


def test_tier_invitations_and_tier_changes(app, make, login):
    manager, advocate = make.manager(), make.advocate()
    make.points(advocate, 1500)
    with app.app_context():
        luminary = db.session.scalar(sa.select(Tier.id).where(Tier.name == "Luminary"))
        insider = db.session.scalar(sa.select(Tier.id).where(Tier.name == "Insider"))
    client, trail = login(manager), Trail(app)
    client.post(f"/manage/advocates/{advocate.id}/tiers/{luminary}/invite")
    event = trail.one("tier.invited")
    assert (event.target_type, event.target_id, event.details) == (
        "user",
        advocate.id,
        {"tier_id": luminary},
    )
    client.post(
        f"/manage/tiers/{insider}",
        data={"name": "Insider", "threshold": "150", "benefits": "Early access"},
    )
    changed = trail.one("tier.updated")
    assert _change(changed, "threshold") == (100, 150)
    assert "name" not in changed.changes  # unchanged fields are left out


def test_settings_badges_and_revocations(app, make, login):
    admin = make.admin()
    client, trail = login(admin), Trail(app)
    base = {"registration_mode": "invite", "tier_grace_days": "45", "accent_color": "#4338ca"}
    base.update({f"points_{kind.value}": "100" for kind in OpportunityType})
    client.post("/admin/settings", data=base)
    event = trail.one("settings.changed")
    assert event.changes["tier_grace_days"]["after"] == 45
    client.post(
        "/manage/badges/new",
        data={
            "name": "Webinar Star",
            "rule_kind": "completed_of_type",
            "completed_of_type-type": "webinar",
            "completed_of_type-count": "3",
            "color": "#112233",
            "active": "y",
        },
    )
    created = trail.one("badge.created")
    assert created.changes["name"] == {"before": None, "after": "Webinar Star"}
    client.post(
        f"/manage/badges/{created.target_id}",
        data={
            "name": "Webinar Star",
            "rule_kind": "completed_of_type",
            "completed_of_type-type": "webinar",
            "completed_of_type-count": "5",
            "color": "#112233",
            "active": "y",
        },
    )
    updated = trail.one("badge.updated")
    assert _change(updated, "rule_params") == (
        {"type": "webinar", "count": 3},
        {"type": "webinar", "count": 5},
    )


def test_companies_moves_and_stories(app, make, login):
    manager, advocate = make.manager(), make.advocate()
    client, trail = login(manager), Trail(app)
    client.post(
        "/manage/accounts/new",
        data={
            "name": "Globex",
            "kind": "customer",
            "industry": "retail",
            "region": "europe",
            "size_band": "large",
            "owner": "0",
            "crm_id": "001A",
            "domains": "",
        },
    )
    account = trail.one("account.created")
    assert account.changes["crm_id"] == {"before": None, "after": "001A"}
    client.post(
        f"/manage/advocates/{advocate.id}/move",
        data={"account": str(account.target_id), "title": "CTO", "started_on": "2026-11-01"},
    )
    moved = trail.one("user.moved")
    assert moved.changes["account_id"]["after"] == account.target_id


def test_the_trail_page_filters_and_is_for_staff_only(app, make, login):
    manager, advocate = make.manager(), make.advocate(name="Private Name")
    client = login(manager)
    client.post(f"/manage/users/{advocate.id}/deactivate")
    client.post(
        f"/manage/advocates/{advocate.id}/points", data={"points": "5", "reason": "x", "key": "a"}
    )
    client.get("/manage/")  # shows the flashed messages (which name the person)
    page = text(client.get("/manage/audit"))
    assert "2 events" in page and "active: True → False" in page
    assert "Private Name" not in page
    only = text(client.get("/manage/audit?action=user.deactivated"))
    assert "1 event " in only and "active: True → False" in only
    by_target = text(client.get(f"/manage/audit?target_type=user&target={advocate.id}"))
    assert "1 event " in by_target
    assert "No events" in text(client.get("/manage/audit?since=2199-01-01"))
    assert "No events" in text(client.get(f"/manage/audit?actor={advocate.id}"))
    client.post("/auth/sign-out")
    login(make.advocate())
    assert client.get("/manage/audit").status_code == 403


@pytest.mark.postgresql
def test_postgresql_refuses_update_and_delete_of_an_event(app, make, login):
    manager, advocate = make.manager(), make.advocate()
    login(manager).post(f"/manage/users/{advocate.id}/deactivate")
    with app.app_context():
        for statement in (
            sa.update(AuditEvent).values(action="user.reactivated"),
            sa.delete(AuditEvent),
        ):
            with pytest.raises(sa.exc.IntegrityError, match="append-only"):
                with db.engine.begin() as connection:
                    connection.execute(statement)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


def test_story_decisions_write_one_event(app, make, login):
    from portal.stories.models import Story

    manager, advocate = make.manager(), make.advocate()
    with app.app_context():
        story = Story(advocate_id=advocate.id, title="Our win", body="It worked.")
        db.session.add(story)
        db.session.commit()
        story_id = story.id
    client, trail = login(manager), Trail(app)
    client.post(f"/manage/stories/{story_id}/decide", data={"approve": "Publish"})
    assert _change(trail.one("story.decided"), "status") == ("submitted", "approved")


def test_a_persons_personal_fields_are_recorded_as_changed_never_with_values(app, ctx, make):
    from portal.audit import trail

    person = db.session.get(User, make.advocate(name="Old Name").id)
    event = trail.record_change(
        "user.role_changed", person, by_id=None, name="New Name", email="new@example.com"
    )
    assert event.changes == {"email": {"changed": True}, "name": {"changed": True}}
    tier = db.session.scalar(sa.select(Tier).where(Tier.name == "Insider"))
    # Other records' names are not personal: their values are kept.
    event = trail.record_change("tier.updated", tier, by_id=None, name="Insiders")
    assert event.changes == {"name": {"before": "Insider", "after": "Insiders"}}
    with pytest.raises(ValueError):
        trail.record("nothing.happened", "user", 1, by_id=None)


def test_opportunities_and_invitations(app, make, login):
    manager = make.manager()
    advocate = make.advocate()
    draft = make.opportunity(created_by=manager, state=OpportunityState.DRAFT)
    client, trail = login(manager), Trail(app)
    client.post(f"/manage/opportunities/{draft.id}/state", data={"action": "publish"})
    assert _change(trail.one("opportunity.state_changed"), "state") == ("draft", "published")
    client.post(f"/manage/opportunities/{draft.id}/invite", data={"advocate_id": str(advocate.id)})
    invited = trail.one("participation.invited")
    assert invited.details == {"advocate_id": advocate.id, "opportunity_id": draft.id}
    client.post(f"/manage/opportunities/{draft.id}/state", data={"action": "cancel"})
    assert _change(trail.one("opportunity.state_changed"), "state") == ("published", "cancelled")


def test_the_trail_page_describes_events_in_the_readers_language(app, make, login):
    manager, advocate = make.manager(), make.advocate()
    client = login(manager)
    client.post(f"/manage/users/{advocate.id}/deactivate")
    french = text(client.get("/manage/audit", headers={"Accept-Language": "fr"}))
    assert "Journal d’audit" in french and "A désactivé une personne" in french
    assert f"Personne n° {advocate.id}" in french and "active : True → False" in french
    german = text(client.get("/manage/audit", headers={"Accept-Language": "de"}))
    assert "1 Eintrag" in german and "Eine Person deaktiviert" in german
    english = text(client.get("/manage/audit"))
    assert "Deactivated a person" in english and f"Person #{advocate.id}" in english


def test_the_other_settings_pages_write_one_event_each(app, make, login):
    admin = make.admin()
    client, trail = login(admin), Trail(app)
    kinds = ("reference_call", "site_visit", "email_exchange", "case_study", "media_interview")
    reference_settings = {
        "fit": "4",
        "readiness": "2",
        "fairness": "3",
        "cooldown_days": "45",
        "answer_days": "3",
        "currency": "EUR",
        **{f"points_{kind}": "10" for kind in kinds},
    }
    assert client.post("/manage/references/settings", data=reference_settings).status_code == 302
    event = trail.one("settings.changed")
    assert event.changes["references.cooldown_days"]["after"] == 45
    client.post("/manage/references/settings", data=reference_settings)
    assert trail.new() == []  # saved again unchanged: nothing to record
    client.post(
        "/manage/referrals/points",
        data={"new": "5", "contacted": "0", "qualified": "80", "won": "400"},
    )
    assert trail.one("settings.changed").changes["referral_points"]["after"]["won"] == 400
    client.post("/manage/insight/qualified-rule", data={"days": 90, "kinds": ["participation"]})
    changed = trail.one("settings.changed").changes
    assert changed["insight_qualified_days"]["after"] == 90


def test_company_edits_badge_revocations_and_cancelled_deletions(app, make, login):
    from portal.recognition import badges
    from portal.recognition.models import BadgeAward

    manager, advocate = make.manager(), make.advocate()
    account = make.account(name="Initech")
    make.points(advocate, 300)
    with app.app_context():
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Big Scorer",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 250, "period": "all"},
                color="#112233",
            ),
            by=db.session.get(User, manager.id),
        )
        db.session.commit()
        award_id = db.session.scalar(sa.select(BadgeAward.id))
    client, trail = login(manager), Trail(app)
    trail.new()  # the badge made above
    client.post(
        f"/manage/accounts/{account.id}",
        data={
            "name": "Initech",
            "kind": "customer",
            "industry": "retail",
            "region": "europe",
            "size_band": "large",
            "owner": "0",
            "crm_id": "001B",
            "domains": "",
        },
    )
    edited = trail.one("account.updated")
    assert edited.target_id == account.id
    assert edited.changes["crm_id"]["after"] == "001B"
    client.post(f"/manage/awards/{award_id}/revoke", data={"reason": "Given by mistake"})
    revoked = trail.one("badge.revoked")
    assert (revoked.target_id, revoked.changes) == (
        award_id,
        {"revoked": {"before": False, "after": True}},
    )
    client.post("/auth/sign-out")
    own = login(advocate)
    own.post("/account/data/delete", data={"understood": "y"})
    assert trail.one("deletion.requested").actor_id == advocate.id
    own.post("/account/data/cancel")
    assert trail.one("deletion.cancelled").actor_id == advocate.id
