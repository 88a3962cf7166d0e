"""Every kind of message, preferences, one-click unsubscribe and the timed jobs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import utcnow
from portal.extensions import db
from portal.jobs import runner
from portal.mail import outbox
from portal.mail.models import Frequency, OutboxMessage
from portal.notifications.models import Notification
from portal.opportunities.models import ApprovalMode, OpportunityType
from portal.opportunities.models import ParticipationStatus as S
from tests.factories import PASSWORD
from tests.helpers import page, text


def _path(link: str) -> str:
    return link.removeprefix("http://portal.test")


def _check(received, address: str, subject_part: str) -> None:
    assert received.recipients == [address]
    assert subject_part in received.subject, received.subject
    assert received.text.strip() and "<" not in received.text.split("\n")[0]
    assert "<html" in received.html


def _set(app, user, category: str, frequency: Frequency) -> None:
    with app.app_context():
        outbox.set_frequency(user.id, category, frequency)
        db.session.commit()


def _run(app, job, at: datetime) -> int:
    with app.app_context(), time_machine.travel(at, tick=False):
        count = job(at)
        db.session.remove()
        return count


def test_application_messages_reach_the_advocate_with_working_links(
    app, make, login, smtp, deliver
):
    opportunity = make.opportunity(title="Panel on analytics", seats=1)
    advocate = make.advocate(email="dana@example.com")
    client = login(advocate)
    client.post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"})
    deliver()
    (received,) = smtp.inbox.to("dana@example.com")
    _check(received, "dana@example.com", "Application received: Panel on analytics")
    link = next(link for link in received.links() if "/opportunities/" in link)
    assert client.get(_path(link)).status_code == 200
    assert received.message["List-Unsubscribe"].startswith("<http://portal.test/mail/unsubscribe/")
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    manager_client = app.test_client()
    manager_client.post("/auth/sign-in", data={"email": make.manager().email, "password": PASSWORD})
    with app.app_context():
        from portal.opportunities.models import Participation

        participation_id = db.session.scalar(sa.select(Participation.id))
    for button, status in (
        ("waitlist", "Waitlisted"),
        ("approve", "Approved"),
        ("decline", "Declined"),
    ):
        smtp.inbox.clear()
        manager_client.post(
            f"/manage/participations/{participation_id}/decide",
            data={button: "1", "message": f"Note for {status}"},
        )
        # A decline's mail is held for two minutes, in case it is undone.
        with time_machine.travel(utcnow() + timedelta(minutes=3 if button == "decline" else 0)):
            deliver()
        (received,) = smtp.inbox.to("dana@example.com")
        _check(received, "dana@example.com", f"{status}: Panel on analytics")
        assert f"Note for {status}" in received.text and f"Note for {status}" in received.html


def test_invitation_and_tier_eligibility_messages(app, make, login, smtp, deliver):
    advocate = make.advocate(email="ines@example.com")
    opportunity = make.opportunity(title="Advisory board", type=OpportunityType.ADVISORY_BOARD)
    client = login(make.manager())
    client.post(
        f"/manage/opportunities/{opportunity.id}/invite",
        data={"advocate_id": advocate.id, "message": "We'd love your view"},
    )
    client.post(
        f"/manage/advocates/{advocate.id}/points",
        data={"points": "120", "reason": "Community work", "key": "k1"},
    )
    deliver()
    subjects = sorted(r.subject for r in smtp.inbox.to("ines@example.com"))
    assert subjects == ["You can join the Insider tier", "You're invited: Advisory board"]
    tier_mail = next(r for r in smtp.inbox.received if "Insider" in r.subject)
    assert any("/tiers" in link for link in tier_mail.links())


def test_essential_messages_have_no_unsubscribe(app, make, login, smtp, deliver):
    account = make.account()
    login(make.manager()).post(
        "/manage/advocates/new",
        data={"name": "Noor", "email": "noor@example.com", "account": account.id, "title": "CTO"},
    )
    deliver()
    (invitation,) = smtp.inbox.to("noor@example.com")
    assert invitation.subject.endswith("invites you to the Advocate Program")
    assert invitation.message["List-Unsubscribe"] is None
    assert any("/auth/set-password/" in link for link in invitation.links())


def test_one_click_unsubscribe(app, make, login, smtp, deliver):
    advocate = make.advocate(email="dana@example.com")
    client = login(advocate)
    client.post(f"/opportunities/{make.opportunity().id}/apply", data={"submit": "Apply"})
    deliver()
    link = smtp.inbox.received[0].message["List-Unsubscribe"].strip("<>")
    # What a mail program sends (RFC 8058): a POST without cookies or CSRF token.
    anonymous = app.test_client()
    assert "Stop these emails?" in text(anonymous.get(_path(link)))
    response = anonymous.post(_path(link), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You're unsubscribed" in text(response)
    with app.app_context():
        assert outbox.frequency_for(advocate.id, "applications") == Frequency.NEVER
    smtp.inbox.clear()
    client.post(f"/opportunities/{make.opportunity().id}/apply", data={"submit": "Apply"})
    deliver()
    assert smtp.inbox.received == []
    # The portal still shows it.
    assert "We received your application" in text(client.get("/notifications"))
    assert anonymous.post("/mail/unsubscribe/forged-token").status_code == 404


def test_preferences_page_saves_and_refuses_what_is_not_offered(app, make, login):
    advocate = make.advocate()
    client = login(advocate)
    page = text(client.get("/mail/preferences"))
    assert "My applications" in page and "New applications" not in page
    choices = {
        "applications": "digest",
        "invitations": "immediately",
        "reminders": "never",
        "recognition": "immediately",
        "new_opportunities": "never",
    }
    assert client.post("/mail/preferences", data=choices).status_code == 302
    with app.app_context():
        assert outbox.frequency_for(advocate.id, "applications") == Frequency.DIGEST
        assert outbox.frequency_for(advocate.id, "reminders") == Frequency.NEVER
    bad = client.post("/mail/preferences", data={**choices, "reminders": "digest"})
    assert bad.status_code == 400
    assert (
        client.post("/mail/preferences", data={**choices, "invitations": "hourly"}).status_code
        == 400
    )
    with app.app_context():
        assert outbox.frequency_for(advocate.id, "reminders") == Frequency.NEVER


def test_digest_preference_collects_notifications_into_one_weekly_mail(
    app, make, login, smtp, deliver
):
    advocate = make.advocate(email="dana@example.com")
    _set(app, advocate, "applications", Frequency.DIGEST)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 21:00 NZDT: after Monday 08:00 there
    with time_machine.travel(monday - timedelta(days=3), tick=False):
        client = login(advocate)
        for number in range(3):
            client.post(
                f"/opportunities/{make.opportunity(title=f'Opp {number}').id}/apply",
                data={"submit": "Apply"},
            )
        assert deliver().sent == 0
    assert _run(app, runner.send_weekly_digests, monday) == 1
    assert _run(app, runner.send_weekly_digests, monday + timedelta(hours=1)) == 0
    with time_machine.travel(monday + timedelta(hours=1)):
        deliver()
    (digest,) = smtp.inbox.to("dana@example.com")
    assert digest.subject == "Your week in the Advocate Program"
    for number in range(3):
        assert f"Opp {number}" in digest.text and f"Opp {number}" in digest.html
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notification)
                .where(Notification.digest_pending)
            )
            == 0
        )


def test_reminder_goes_once_a_day_before(app, make, smtp, deliver):
    starts = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 14:00 NZDT
    opportunity = make.opportunity(title="Webinar", starts_at=starts)
    advocate = make.advocate(email="dana@example.com")
    make.participation(opportunity, advocate, S.APPROVED)
    make.participation(opportunity, make.advocate(email="waiting@example.com"), S.WAITLISTED)
    assert _run(app, runner.send_reminders, starts - timedelta(hours=25)) == 0
    assert _run(app, runner.send_reminders, starts - timedelta(hours=23)) == 1
    assert _run(app, runner.send_reminders, starts - timedelta(hours=2)) == 0
    with time_machine.travel(starts - timedelta(hours=1)):
        deliver()
    (reminder,) = smtp.inbox.received
    _check(reminder, "dana@example.com", "Tomorrow: Webinar")
    assert "starts Thu, Dec 10, 2026, 2:00\u202fPM NZDT (online)." in reminder.text


def test_two_workers_running_the_jobs_at_once_send_once(app, make, smtp, deliver, backend):
    starts = utcnow() + timedelta(hours=5)
    opportunity = make.opportunity(starts_at=starts, seats=10)
    for number in range(6):
        make.participation(opportunity, make.advocate(email=f"p{number}@example.com"), S.APPROVED)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append(runner.send_reminders(utcnow()))
            except Exception as error:  # SQLite may refuse the second writer
                results.append(error)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    deliver()
    assert sorted(r.recipients[0] for r in smtp.inbox.received) == [
        f"p{n}@example.com" for n in range(6)
    ]


def test_weekly_opportunity_digest_lists_what_fits(app, make, smtp, deliver):
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    published = monday - timedelta(days=2)
    fits = make.opportunity(
        title="Webinar for all", type=OpportunityType.WEBINAR, starts_at=monday + timedelta(days=20)
    )
    closed_type = make.opportunity(
        title="Panel", type=OpportunityType.SPEAKING_PANEL, starts_at=monday + timedelta(days=20)
    )
    gated = make.opportunity(
        title="Champions only",
        type=OpportunityType.WEBINAR,
        min_tier="Champion",
        starts_at=monday + timedelta(days=20),
    )
    old = make.opportunity(
        title="Last month", type=OpportunityType.WEBINAR, starts_at=monday + timedelta(days=20)
    )
    with app.app_context():
        from portal.opportunities.models import Opportunity

        for item in (fits, closed_type, gated):
            db.session.get(Opportunity, item.id).published_at = published
        db.session.get(Opportunity, old.id).published_at = monday - timedelta(days=30)
        db.session.commit()
    make.advocate(email="dana@example.com", open_types=[OpportunityType.WEBINAR])
    quiet = make.advocate(email="quiet@example.com", open_types=[OpportunityType.WEBINAR])
    _set(app, quiet, "new_opportunities", Frequency.NEVER)
    make.advocate(email="nothing@example.com", open_types=[OpportunityType.EVENT])
    assert _run(app, runner.send_opportunity_digests, monday) == 1
    assert _run(app, runner.send_opportunity_digests, monday + timedelta(days=1)) == 0
    with time_machine.travel(monday + timedelta(days=1)):
        deliver()
    (digest,) = smtp.inbox.received
    _check(digest, "dana@example.com", "New opportunities for you (1)")
    assert "Webinar for all" in digest.text
    for absent in ("Panel", "Champions only", "Last month"):
        assert absent not in digest.text


def test_opportunity_digest_follows_consent_but_is_not_an_ask(app, make, smtp, deliver):
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    webinar = make.opportunity(
        title="Webinar for all", type=OpportunityType.WEBINAR, starts_at=monday + timedelta(days=20)
    )
    with app.app_context():
        from portal.opportunities.models import Opportunity

        db.session.get(Opportunity, webinar.id).published_at = monday - timedelta(days=2)
        db.session.commit()
    webinar_only = [OpportunityType.WEBINAR]
    make.advocate(email="open@example.com", open_types=webinar_only)
    make.advocate(
        email="resting@example.com",
        open_types=webinar_only,
        quiet_until=(monday + timedelta(days=10)).date(),
    )
    make.advocate(email="never-ask@example.com", open_types=webinar_only, max_asks=0)
    # Asked as often as they allow this quarter: news of opportunities still comes.
    busy = make.advocate(email="busy@example.com", open_types=webinar_only, max_asks=1)
    with app.app_context(), time_machine.travel(monday - timedelta(days=3), tick=False):
        from portal.auth.models import User
        from portal.opportunities import invitations
        from portal.opportunities.models import Opportunity

        panel = make.opportunity(
            type=OpportunityType.WEBINAR, starts_at=monday + timedelta(days=30)
        )
        invitations.invite_to_opportunity(
            db.session.get(Opportunity, panel.id),
            db.session.get(User, busy.id),
            by=db.session.get(User, make.manager().id),
        )
        db.session.commit()
    assert _run(app, runner.send_opportunity_digests, monday) == 2
    with time_machine.travel(monday + timedelta(days=1)):
        deliver()
    digests = [r for r in smtp.inbox.received if "New opportunities" in r.subject]
    assert sorted(r.recipients[0] for r in digests) == ["busy@example.com", "open@example.com"]


def test_daily_manager_digest(app, make, smtp, deliver):
    morning = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 08:00 NZDT on the 27th
    morgan = make.manager(email="morgan@example.com")
    opportunity = make.opportunity(title="Panel", created_by=morgan)
    with time_machine.travel(morning - timedelta(hours=5), tick=False):
        make.participation(opportunity, make.advocate(name="Ann Applicant"))
    quiet = make.manager(email="quiet@example.com")
    _set(app, quiet, "manager_digest", Frequency.NEVER)
    assert _run(app, runner.send_manager_digests, morning - timedelta(minutes=1)) == 0
    assert _run(app, runner.send_manager_digests, morning) == 1
    assert _run(app, runner.send_manager_digests, morning + timedelta(hours=3)) == 0
    with time_machine.travel(morning + timedelta(hours=3)):
        deliver()
    (digest,) = smtp.inbox.received
    _check(digest, "morgan@example.com", "1 new application to review")
    assert "Ann Applicant" in digest.text and "/manage/applications" in digest.text


def test_notifications_show_an_unread_count_until_read(app, make, login):
    advocate = make.advocate()
    client = login(advocate)
    client.post(f"/opportunities/{make.opportunity().id}/apply", data={"submit": "Apply"})
    assert 'aria-label="1 unread"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/notifications/read")
    assert "unread" not in client.get("/dashboard").get_data(as_text=True)


def test_mail_send_command_runs_jobs_and_delivers(app, runner, make, smtp):
    opportunity = make.opportunity(starts_at=utcnow() + timedelta(hours=3))
    make.participation(opportunity, make.advocate(email="dana@example.com"), S.APPROVED)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert [r.recipients for r in smtp.inbox.received] == [["dana@example.com"]]
    assert runner.invoke(args=["jobs", "run"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize("frequency", [Frequency.NEVER, Frequency.DIGEST])
def test_first_come_waitlist_mail_follows_preferences(app, make, login, smtp, deliver, frequency):
    opportunity = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=1)
    make.participation(opportunity, make.advocate(), S.APPROVED)
    advocate = make.advocate(email="late@example.com")
    _set(app, advocate, "applications", frequency)
    login(advocate).post(
        f"/opportunities/{opportunity.id}/apply", data={"waitlist": "Join the waitlist"}
    )
    deliver()
    assert smtp.inbox.to("late@example.com") == []


def test_the_program_team_is_told_what_waits_for_it(app, make, login):
    manager = make.manager()
    admin = make.admin()
    make.manager(active=False)
    advocate = make.advocate(name="Ana Applicant")
    review = make.opportunity(title="Panel to review", seats=1, created_by=manager)
    client = login(advocate)
    client.post(f"/opportunities/{review.id}/apply", data={"note": ""})
    client.post("/stories/new", data={"title": "Our year", "body": "It went well."})
    started = make.opportunity(
        title="Webinar today", starts_at=utcnow() + timedelta(hours=1), created_by=admin
    )
    make.participation(started, make.advocate(), status=S.APPROVED)
    with app.app_context(), time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        assert runner.announce_participants_to_mark(utcnow()) == 1
        assert runner.announce_participants_to_mark(utcnow()) == 0  # once
    with app.app_context():
        rows = db.session.execute(
            sa.select(Notification.user_id, Notification.kind).order_by(Notification.id)
        ).all()
    team = [(user_id, kind) for user_id, kind in rows if kind.startswith("team_")]
    assert sorted(team) == sorted(
        (person.id, kind)
        for person in (manager, admin)
        for kind in ("team_application", "team_story", "team_to_mark")
    )
    client.post("/auth/sign-out")
    body = text(login(manager).get("/notifications"))
    assert "Ana Applicant applied to “Panel to review”." in body
    assert "sent a story to review: “Our year”" in body
    assert "“Webinar today” has started: mark who took part." in body
    assert 'aria-label="3 unread"' in page(client.get("/manage/"))


def test_the_team_is_told_of_a_freed_seat_only_when_it_must_offer_it(app, make, login):
    """Review mode with a waitlist: managers and admins are asked to offer the seat.

    First come (the first in line takes it) or no waitlist: nobody is asked."""
    manager, admin = make.manager(), make.admin()
    offered = make.opportunity(title="Panel to offer", seats=1, created_by=manager)
    nobody_waits = make.opportunity(title="Panel with no line", seats=1, created_by=manager)
    first_come = make.opportunity(
        title="Webinar first come", seats=1, mode=ApprovalMode.FIRST_COME, created_by=manager
    )
    leaving = {}
    for opportunity in (offered, nobody_waits, first_come):
        seated = make.advocate()
        leaving[opportunity.title] = (seated, make.participation(opportunity, seated, S.APPROVED))
        if opportunity is not nobody_waits:
            make.participation(opportunity, make.advocate(), S.WAITLISTED)
    for seated, participation in leaving.values():
        client = login(seated)
        client.post(f"/participations/{participation.id}/withdraw")
        client.post("/auth/sign-out")
    with app.app_context():
        told = db.session.execute(
            sa.select(Notification.user_id, Notification.message).where(
                Notification.kind == "team_seat_freed"
            )
        ).all()
    assert sorted(user_id for user_id, _ in told) == sorted([manager.id, admin.id])
    assert {message for _, message in told} == {
        "A seat opened on “Panel to offer”: offer it to the waitlist."
    }
    html = page(login(manager).get("/notifications"))
    offer = html.split("A seat opened on")[0].rsplit("<a ", 1)[1]
    assert 'href="/manage/applications' in offer  # where the seat is offered


def test_a_decline_reopened_in_time_never_reaches_the_advocate(app, make, login, smtp, deliver):
    opportunity = make.opportunity(title="Panel on pipelines")
    early = make.advocate(email="early@example.com")
    late = make.advocate(email="late@example.com")
    early_id = make.participation(opportunity, early).id
    late_id = make.participation(opportunity, late).id
    client = login(make.manager())
    for participation_id in (early_id, late_id):
        client.post(
            f"/manage/participations/{participation_id}/decide", data={"decline": "Decline"}
        )
    deliver()
    assert smtp.inbox.received == []  # held for two minutes
    response = client.post(f"/manage/participations/{early_id}/reopen", follow_redirects=True)
    assert "application is back in the queue" in text(response)
    started = make.opportunity(starts_at=utcnow() - timedelta(hours=1))
    declined = make.participation(started, make.advocate(), status=S.DECLINED)
    refused = client.post(f"/manage/participations/{declined.id}/reopen", follow_redirects=True)
    assert "a decline stands now" in text(refused)
    with time_machine.travel(utcnow() + timedelta(minutes=3)):
        deliver()
        assert [r.recipients for r in smtp.inbox.received] == [["late@example.com"]]
        # Reopening after the mail went tells the advocate again.
        client.post(f"/manage/participations/{late_id}/reopen")
        deliver()
    subjects = [r.subject for r in smtp.inbox.received]
    assert subjects == ["Declined: Panel on pipelines", "Under review again: Panel on pipelines"]
    with app.app_context():
        from portal.opportunities.models import Participation

        assert {db.session.get(Participation, i).status for i in (early_id, late_id)} == {S.APPLIED}
