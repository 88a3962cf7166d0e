"""The advocate's rights: download my data, delete my account (with a grace period)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from portal import clock
from portal.audit.models import AuditEvent
from portal.auth.models import User, UserIdentity, UserSession
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import queue
from portal.mail.models import OutboxMessage
from portal.notifications.services import notify
from portal.opportunities.models import OpportunityType, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.privacy.models import DeletionRequest
from portal.recognition import badges, boards, ledger
from portal.recognition.models import BadgeAward, PointsEntry
from portal.stories.models import Story, StoryStatus
from tests.helpers import text

PERSONAL = ("Dana Doomed", "dana.doomed@", "Doomed", "Loves dashboards", "Chief Dashboarder")


def _person(app, make):
    """Dana, with a year of activity; Bea and Cal below her on the board."""
    manager = make.manager()
    dana = make.advocate(
        name="Dana Doomed", email="dana.doomed@acme.example", title="Chief Dashboarder"
    )
    bea, cal = make.advocate(name="Bea Bright"), make.advocate(name="Cal Calm")
    past = make.opportunity(created_by=manager, starts_at=utcnow() - timedelta(days=3))
    for person, points in ((dana, 300), (bea, 200), (cal, 100)):
        make.points(person, points)
        make.participation(past, person, S.COMPLETED, note=f"{person.name} notes")
    with app.app_context():
        db.session.execute(
            sa.update(Participation)
            .where(Participation.advocate_id == dana.id)
            .values(manager_message="Dana Doomed was brilliant")
        )
        profile = db.session.get(User, dana.id).profile
        profile.bio = "Loves dashboards"
        db.session.add(Story(advocate_id=dana.id, title="Dana's story", body="Doomed to win"))
        db.session.add(
            UserIdentity(
                user_id=dana.id,
                provider="okta",
                issuer="https://idp.example",
                subject="dana-123",
                email="dana.doomed@acme.example",
            )
        )
        notify(dana.id, "test", "Hello Dana Doomed", "main.dashboard", subject="Hi Dana Doomed")
        badge, _ = badges.save_badge(
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
        uid = db.session.scalar(sa.select(BadgeAward.uid).where(BadgeAward.advocate_id == dana.id))
    return manager, dana, bea, cal, uid


def _exports(client) -> dict[str, str]:
    return {
        kind: client.get(f"/manage/exports/{kind}.csv").get_data(as_text=True)
        for kind in ("advocates", "accounts", "participations", "ledger", "asks", "referrals")
    }


def _figures(app) -> dict:
    with app.app_context():
        return {
            "ledger sum": db.session.scalar(sa.select(sa.func.sum(PointsEntry.points))),
            "ledger rows": db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)),
            "completed": db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Participation)
                .where(Participation.status == S.COMPLETED)
            ),
            "totals": dict(ledger.totals_by_advocate(list(range(1, 50)))),
        }


def _board(app) -> list[tuple[int, str, int]]:
    with app.app_context():
        rows, _ = boards.leaderboard(clock.ALL_TIME)
        return [(row.rank, row.name, row.points) for row in rows]


def test_export_delete_export_leaves_nothing_personal_and_every_figure_right(app, make, login):
    manager, dana, bea, cal, uid = _person(app, make)
    admin = make.admin()
    staff = login(admin)
    before = _exports(staff)
    assert "Dana Doomed" in before["advocates"]
    figures = _figures(app)
    assert _board(app) == [(1, "Dana Doomed", 300), (2, "Bea Bright", 200), (3, "Cal Calm", 100)]
    staff.post("/auth/sign-out")

    client = login(dana)
    assert "Delete your account?" in text(client.get("/account/data/delete"))
    unconfirmed = client.post("/account/data/delete", data={})
    assert unconfirmed.status_code == 422
    client.post("/account/data/delete", data={"understood": "y"})
    page = text(client.get("/account/data"))
    assert "Your account will be deleted on" in page and "Keep my account" in page
    # Nothing happens before the grace period ends.
    with app.app_context():
        queue.run_due(limit=10)
        assert db.session.get(User, dana.id).name == "Dana Doomed"
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1), tick=False):
        with app.app_context():
            queue.run_due(limit=10)
            db.session.remove()

    staff = login(admin)
    after = _exports(staff)
    for kind, body in after.items():
        for fragment in PERSONAL:
            assert fragment not in body, (kind, fragment)
    # Nothing was removed from the program's history: the same rows, counted the same.
    for kind in ("participations", "ledger", "asks", "accounts"):
        assert len(after[kind].splitlines()) == len(before[kind].splitlines())
    assert _figures(app) == figures
    # Others keep their totals; their ranks change only because Dana left the board.
    assert _board(app) == [(1, "Bea Bright", 200), (2, "Cal Calm", 100)]
    with app.app_context():
        erased = db.session.get(User, dana.id)
        assert (erased.name, erased.active) == ("Deleted person", False)
        assert erased.email == f"deleted-{dana.id}@deleted.invalid"
        assert erased.profile.bio == "" and erased.profile.show_on_leaderboard is False
        for model in (UserSession, UserIdentity):
            assert (
                db.session.scalar(sa.select(sa.func.count()).where(model.user_id == dana.id)) == 0
            )
        # The story stays counted, withdrawn and without a word of what it said.
        (story,) = db.session.scalars(sa.select(Story).where(Story.advocate_id == dana.id))
        assert (story.title, story.body, story.status) == ("—", "", StoryStatus.WITHDRAWN)
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.to_user_id == dana.id))
            == 0
        )
        notes = db.session.scalars(
            sa.select(Participation.manager_message).where(Participation.advocate_id == dana.id)
        ).all()
        assert notes == [""]
        events = db.session.scalars(sa.select(AuditEvent)).all()
        trail_text = json.dumps([(e.changes, e.details) for e in events], default=str)
        assert not any(fragment in trail_text for fragment in PERSONAL)
        assert [e.action for e in events if e.target_id == dana.id and e.target_type == "user"] == [
            "deletion.requested",
            "deletion.done",
        ]
    # The deleted person's Open Badges assertion is gone.
    assert staff.get(f"/ob/assertions/{uid}").status_code == 410
    assert "Dana" not in text(staff.get("/leaderboard"))
    assert "Dana" not in text(staff.get(f"/manage/advocates/{dana.id}"))
    # They can't sign in any more.
    staff.post("/auth/sign-out")
    assert (
        staff.post(
            "/auth/sign-in", data={"email": "dana.doomed@acme.example", "password": "x"}
        ).status_code
        != 302
    )


def test_the_person_can_cancel_during_the_grace_period(app, make, login):
    person = make.advocate(name="Second Thoughts")
    client = login(person)
    client.post("/account/data/delete", data={"understood": "y"})
    client.post("/account/data/cancel")
    assert "Delete my account…" in text(client.get("/account/data"))
    with time_machine.travel(utcnow() + timedelta(days=30), tick=False):
        with app.app_context():
            queue.run_due(limit=10)
            assert db.session.get(User, person.id).name == "Second Thoughts"


def test_managers_cannot_skip_or_shorten_the_grace_period(app, make, login):
    person = make.advocate()
    client = login(person)
    client.post("/account/data/delete", data={"understood": "y"})
    client.post("/auth/sign-out")
    manager = login(make.manager())
    assert (
        manager.post(f"/manage/people/{person.id}/delete", data={"reference": "x"}).status_code
        == 403
    )
    assert manager.post(f"/manage/people/{person.id}/cancel-deletion").status_code == 403
    assert manager.post("/admin/settings", data={"deletion_grace_days": "1"}).status_code == 403
    manager.post("/auth/sign-out")
    # Admins can't set a period shorter than the default either.
    admin = login(make.admin())
    base = {"registration_mode": "invite", "tier_grace_days": "90", "accent_color": "#4338ca"}
    base.update({f"points_{kind.value}": "100" for kind in OpportunityType})
    shorter = admin.post("/admin/settings", data={**base, "deletion_grace_days": "1"})
    assert shorter.status_code == 422
    with time_machine.travel(utcnow() + timedelta(days=13), tick=False):
        with app.app_context():
            queue.run_due(limit=10)
            assert db.session.get(User, person.id).active is True
            assert db.session.scalar(sa.select(DeletionRequest.erased_at)) is None


def test_an_admin_acts_on_a_written_request_and_the_trail_records_it(app, make, login):
    person, admin = make.advocate(name="Letter Writer"), make.admin()
    client = login(admin)
    archive = client.get(f"/manage/people/{person.id}/archive.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    refused = client.post(f"/manage/people/{person.id}/delete", data={"reference": ""})
    assert refused.status_code == 302
    client.post(f"/manage/people/{person.id}/delete", data={"reference": "Letter of 1 Dec"})
    assert "will be erased on" in text(client.get(f"/manage/advocates/{person.id}"))
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id, e.target_id) for e in events] == [
            ("export.downloaded", admin.id, person.id),
            ("deletion.requested", admin.id, person.id),
        ]
        assert events[1].details["written_request"] is True


def test_another_persons_archive_cannot_be_downloaded(app, make, login):
    someone, other = make.advocate(), make.advocate()
    client = login(other)
    assert client.get(f"/manage/people/{someone.id}/archive.zip").status_code == 403
    client.post("/auth/sign-out")
    manager = login(make.manager())
    assert manager.get(f"/manage/people/{someone.id}/archive.zip").status_code == 403
    manager.post("/auth/sign-out")
    assert client.get("/account/data/archive.zip").status_code == 302  # signed out: sign in


def test_download_my_data_holds_everything_with_a_readme(app, make, login):
    manager, dana, *_ = _person(app, make)
    client = login(dana)
    response = client.get("/account/data/archive.zip")
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {
        "README.txt",
        "profile.json",
        "employment.json",
        "consent_history.json",
        "participations.json",
        "asks.json",
        "points.json",
        "badges.json",
        "stories.json",
        "reference_calls.json",
        "referrals.json",
        "usage_consent.json",
        "notifications.json",
        "sign_ins.json",
        "mail.json",
    } <= names
    data = {name: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
    assert data["profile.json"]["account"]["email"] == "dana.doomed@acme.example"
    assert data["profile.json"]["profile_and_consent"]["bio"] == "Loves dashboards"
    assert data["participations.json"][0]["staff_note"] == "Dana Doomed was brilliant"
    assert data["points.json"]["ledger"][0]["points"] == 300
    assert data["badges.json"][0]["name"] == "Big Scorer"
    assert data["stories.json"][0]["title"] == "Dana's story"
    assert data["sign_ins.json"]["identities"][0]["subject"] == "dana-123"
    assert data["sign_ins.json"]["sessions"]  # this very sign-in
    assert "Hello Dana Doomed" in [n["message"] for n in data["notifications.json"]]
    assert data["employment.json"][0]["title"] == "Chief Dashboarder"
    readme = archive.read("README.txt").decode()
    assert "participations.json" in readme and "Staff notes" in readme
    # Nobody else's data: no one else's name in it.
    assert "Bea Bright" not in json.dumps(data)


def test_consent_changes_are_kept_as_the_persons_consent_history(app, ctx, make):
    from portal.advocates import profiles
    from portal.privacy import archive

    person = db.session.get(User, make.advocate(shown=False).id)
    choices = profiles.ProfileChoices(
        name=person.name,
        title="Head of Data",
        bio="",
        product_ids=[],
        open_types=["webinar"],
        max_asks_per_quarter=1,
        quiet_until=None,
        show_on_leaderboard=True,
    )
    profiles.update_profile(person, choices)
    profiles.update_profile(person, choices)  # the same again: no change, no event
    db.session.commit()
    data = zipfile.ZipFile(io.BytesIO(archive.build(person, "Program")))
    history = json.loads(data.read("consent_history.json"))["staff_actions"]
    assert [event["action"] for event in history] == ["consent.changed"]
    changes = history[0]["changes"]
    assert changes["show_on_leaderboard"] == {"before": False, "after": True}
    assert changes["max_asks_per_quarter"] == {"before": 3, "after": 1}
    assert changes["open_to"]["after"] == ["webinar"]


def test_erasing_removes_the_photo_and_unnames_the_person_in_others_referrals(app, ctx, make):
    from portal import images
    from portal.privacy import erasure
    from portal.referrals.models import Referral

    person = db.session.get(User, make.advocate(email="peer@acme.example").id)
    referrer = make.advocate()
    photo = images.StoredImage(data=b"png", content_type="image/png")
    db.session.add(photo)
    db.session.flush()
    person.profile.photo_id = photo_id = photo.id
    db.session.add(
        Referral(
            advocate_id=referrer.id,
            peer_name="Peer Person",
            peer_email="peer@acme.example",
            peer_role="CTO",
            company_name="Acme",
            why="Great fit",
            peer_agreed=True,
            open_email="peer@acme.example",
        )
    )
    db.session.commit()
    erasure.erase(person)
    db.session.commit()
    assert db.session.get(images.StoredImage, photo_id) is None
    referral = db.session.scalar(sa.select(Referral))
    assert (referral.peer_name, referral.peer_email, referral.open_email) == (
        "Deleted person",
        "",
        None,
    )
    assert referral.why == "Great fit"  # the referrer's words stay


def test_staff_notes_about_a_person_are_in_their_archive_and_erased_with_them(app, ctx, make):
    from portal.advocates import notes
    from portal.privacy import archive, erasure

    person = db.session.get(User, make.advocate(name="Noted Person").id)
    other = db.session.get(User, make.advocate().id)
    manager = db.session.get(User, make.manager().id)
    notes.add_note(person, "Noted Person prefers calls on Fridays", author=manager)
    notes.add_note(other, "Someone else's note", author=manager)
    db.session.commit()
    data = zipfile.ZipFile(io.BytesIO(archive.build(person, "Program")))
    held = json.loads(data.read("staff_notes.json"))
    assert [(n["author_id"], n["body"]) for n in held] == [
        (manager.id, "Noted Person prefers calls on Fridays")
    ]
    assert "staff_notes.json" in data.read("README.txt").decode()
    erasure.erase(person)
    db.session.commit()
    assert notes.notes_about(person.id) == []
    assert [n.body for n in notes.notes_about(other.id)] == ["Someone else's note"]


def _program(app) -> dict:
    """The program page's figures for this year: each section's numbers and tables."""
    from portal.insight import figures, periods

    with app.test_request_context():
        span = periods.window("year")
        return {
            section.key: (
                [(str(stat.label), stat.value, stat.previous) for stat in section.figures.stats],
                [(table.key, table.rows) for table in section.figures.tables],
            )
            for section in figures.sections(span)
        }


def test_the_program_page_counts_an_erased_persons_past_activity(app, make, login):
    from portal.privacy import erasure

    manager, dana, *_ = _person(app, make)
    before = _program(app)
    with app.app_context():
        erasure.erase(db.session.get(User, dana.id))
        db.session.commit()
    after = _program(app)
    # Participation, asks, points and badges, references, referrals, qualified
    # advocates and moves: the same figures and tables.
    assert {key for key in before if before[key] != after[key]} <= {"advocates"}
    assert after["advocates"][0] == before["advocates"][0]  # active and new advocates
    activity, tiers, movement = (rows for _, rows in after["advocates"][1])
    old_activity, old_tiers, old_movement = (rows for _, rows in before["advocates"][1])
    assert movement == old_movement
    # Their story still counts as an activity, without its words. The one known
    # difference: the person leaves the advocates counted per current tier (today's figure).
    assert activity == old_activity
    assert (old_tiers[0], tiers[0]) == (["Member", 3], ["Member", 2])
