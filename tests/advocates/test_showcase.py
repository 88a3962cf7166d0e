"""The public showcase and profiles (no sign-in), stories, and "How recognition works"."""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Industry
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.opportunities.models import OpportunityType
from portal.opportunities.models import ParticipationStatus as S
from portal.stories.models import Story, StoryStatus
from tests.helpers import page, text


def _story(app, advocate, status: StoryStatus, title: str) -> None:
    with app.app_context():
        db.session.add(
            Story(advocate_id=advocate.id, title=title, body="We **shipped**.", status=status)
        )
        db.session.commit()


def test_showcase_shows_public_advocates_and_nothing_private(app, make, client):
    product = make.product(name="Beacon CRM")
    public = make.advocate(
        name="Paula Public",
        email="paula.secret@example.com",
        public=True,
        max_asks=7,
        industry=Industry.HEALTHCARE,
        product_ids=[product.id],
    )
    private = make.advocate(name="Peter Private", public=False)
    gone = make.advocate(name="Gina Gone", public=True, active=False)
    panel = make.opportunity(title="Keynote panel", type=OpportunityType.SPEAKING_PANEL)
    make.participation(panel, public, S.COMPLETED)
    declined = make.opportunity(title="Declined thing")
    make.participation(declined, public, S.DECLINED)
    _story(app, public, StoryStatus.APPROVED, "How we cut reporting time")
    _story(app, public, StoryStatus.SUBMITTED, "Draft waiting review")
    _story(app, public, StoryStatus.REJECTED, "Rejected story")
    _story(app, public, StoryStatus.WITHDRAWN, "Withdrawn story")
    _story(app, private, StoryStatus.APPROVED, "Private person's story")

    showcase = page(client.get("/showcase"))
    assert "Paula Public" in showcase and "How we cut reporting time" in showcase
    for hidden in ("Peter Private", "Gina Gone", "Private person's story", "Draft waiting review"):
        assert hidden not in showcase
    profile = page(client.get(f"/people/{public.id}"))
    assert "Keynote panel" in profile and "How we cut reporting time" in profile
    shown = text(client.get(f"/people/{public.id}"))
    for secret in (
        "paula.secret@example.com",
        "Declined thing",
        "Draft waiting review",
        "Rejected story",
        "Withdrawn story",
        "asks",  # her cap of asks per quarter, however it might be worded
        "/ 7",
    ):
        assert secret.lower() not in shown.lower(), secret
    assert client.get(f"/people/{private.id}").status_code == 404
    assert client.get(f"/people/{gone.id}").status_code == 404
    # Filters.
    assert "Paula Public" in text(client.get("/showcase?industry=healthcare"))
    assert "Paula Public" not in text(client.get("/showcase?industry=retail"))
    assert "Paula Public" in text(client.get(f"/showcase?product={product.id}"))
    assert "Paula Public" not in text(client.get("/showcase?product=999999"))
    assert client.get("/showcase?industry=<script>&product=abc").status_code == 200


def test_hiding_the_profile_hides_it_at_once(app, make, login):
    client = app.test_client()
    advocate = make.advocate(name="Dana Meyer", public=True)
    assert "Dana Meyer" in text(client.get("/showcase"))
    signed_in = login(advocate)
    # The grid with every box unticked: nothing may be used anywhere.
    assert signed_in.post("/profile/consent", data={}).status_code == 302
    assert "Dana Meyer" not in text(client.get("/showcase"))
    assert client.get(f"/people/{advocate.id}").status_code == 404


def test_story_is_reviewed_before_it_is_public_and_can_be_withdrawn(app, make, login):
    client = app.test_client()
    advocate = make.advocate(name="Dana Meyer", public=True)
    writer = login(advocate)
    response = writer.post(
        "/stories/new", data={"title": "From spreadsheets to dashboards", "body": "It *worked*."}
    )
    assert response.status_code == 302
    assert "From spreadsheets" not in text(client.get(f"/people/{advocate.id}"))

    with app.app_context():
        story_id = db.session.scalar(sa.select(Story.id))
    manager = app.test_client()
    manager.post(
        "/auth/sign-in",
        data={"email": make.manager().email, "password": "correct horse battery staple"},
    )
    assert "From spreadsheets to dashboards" in text(manager.get("/manage/stories"))
    manager.post(
        f"/manage/stories/{story_id}/decide", data={"approve": "Publish", "note": "Lovely"}
    )
    public_page = page(client.get(f"/people/{advocate.id}"))
    assert "From spreadsheets to dashboards" in public_page and "<em>worked</em>" in public_page

    # Editing sends it back to review; withdrawing removes it.
    writer.post(
        f"/stories/{story_id}/edit", data={"title": "From spreadsheets, v2", "body": "Still works."}
    )
    assert "From spreadsheets" not in text(client.get(f"/people/{advocate.id}"))
    manager.post(f"/manage/stories/{story_id}/decide", data={"approve": "Publish"})
    assert "From spreadsheets, v2" in text(client.get(f"/people/{advocate.id}"))
    writer.post(f"/stories/{story_id}/withdraw")
    assert "From spreadsheets" not in text(client.get(f"/people/{advocate.id}"))
    with app.app_context():
        assert db.session.get(Story, story_id).status == StoryStatus.WITHDRAWN


def test_someone_elses_story_cannot_be_edited_or_withdrawn(app, make, login):
    owner = make.advocate()
    _story(app, owner, StoryStatus.APPROVED, "Mine")
    with app.app_context():
        story_id = db.session.scalar(sa.select(Story.id))
    intruder = login(make.advocate())
    assert intruder.get(f"/stories/{story_id}/edit").status_code == 404
    assert intruder.post(f"/stories/{story_id}/withdraw").status_code == 404
    assert (
        intruder.post(f"/stories/{story_id}/edit", data={"title": "x", "body": "y"}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(Story, story_id).status == StoryStatus.APPROVED


def test_story_bad_input(app, make, login):
    client = login(make.advocate())
    for data, message in (
        ({"title": "", "body": "b"}, "This field is required."),
        ({"title": "t", "body": ""}, "This field is required."),
        ({"title": "x" * 161, "body": "b"}, "cannot be longer than 160"),
        ({"title": "t", "body": "b" * 5001}, "cannot be longer than 5000"),
    ):
        response = client.post("/stories/new", data=data)
        assert response.status_code == 422 and message in page(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Story)) == 0


def test_how_recognition_works_follows_the_live_values(app, make, login):
    client = app.test_client()
    from portal.recognition.models import Tier
    from portal.settings import set_setting

    before = text(client.get("/recognition"))
    assert "Insider 100 points" in before and "Speaking panel 150" in before
    admin = login(make.admin())
    with app.app_context():
        insider = db.session.scalar(sa.select(Tier.id).where(Tier.name == "Insider"))
        set_setting("tier_grace_days", 45)
        db.session.commit()
    admin.post(
        f"/manage/tiers/{insider}",
        data={
            "name": "Insider",
            "threshold": "150",
            "benefits": "Early access",
            "commitment": "One a quarter",
        },
    )
    admin.post(
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
    after = text(client.get("/recognition"))
    assert "Insider 150 points" in after and "for 45 days" in after
    assert "Webinar Star" in after and "Take part in 3 webinars." in after


def test_tier_gated_opportunity_says_what_unlocks_it(make, login):
    make.opportunity(title="Champions' dinner", min_tier="Champion")
    advocate = make.advocate()
    make.points(advocate, 120)
    body = text(login(advocate).get("/opportunities"))
    assert "Open to the Champion tier and above (380 more points to reach Champion)" in body


def test_the_showcase_finds_names_and_puts_featured_tiers_first(app, make, client):
    from portal.recognition import tiers
    from portal.recognition.models import Tier

    make.advocate(name="Aaron Plain", public=True)
    star = make.advocate(name="Zed Star", public=True)
    make.points(star, 600)
    with app.app_context():
        champion = db.session.scalar(sa.select(Tier).where(Tier.name == "Champion"))
        champion.featured = True
        tiers.opt_in(star.id, champion, accepted=True)
        db.session.commit()
    body = text(client.get("/showcase"))
    assert body.index("Zed Star") < body.index("Aaron Plain")  # featured before the alphabet
    found = text(client.get("/showcase?q=aaron"))
    assert "Aaron Plain" in found and "Zed Star" not in found


def test_a_story_decision_reaches_the_advocate_in_their_own_language(app, make, login):
    """A French-speaking advocate writes; an English-speaking manager sends the story back:
    each reads the other's doing in their own language."""
    advocate = make.advocate(name="Rosa Diaz")
    manager_user = make.manager(name="Mo Manager")
    with app.app_context():
        db.session.get(User, advocate.id).locale = "fr"
        db.session.commit()
    writer = login(advocate)
    written = writer.post("/stories/new", data={"title": "Nos tableaux", "body": "Ça marche."})
    assert "Merci ! Votre témoignage est en attente de relecture." in text(
        writer.get(written.headers["Location"])
    )
    with app.app_context():
        story_id = db.session.scalar(sa.select(Story.id))
        to_staff = db.session.scalar(
            sa.select(Notification.message).where(Notification.user_id == manager_user.id)
        )
    assert to_staff == "Rosa Diaz sent a story to review: “Nos tableaux”."

    manager = app.test_client()
    manager.post(
        "/auth/sign-in",
        data={"email": manager_user.email, "password": "correct horse battery staple"},
    )
    decided = manager.post(
        f"/manage/stories/{story_id}/decide",
        data={"reject": "Don't publish", "note": "Un exemple chiffré, peut-être ?"},
        follow_redirects=True,
    )
    assert "Sent back to the advocate." in text(decided)
    with app.app_context():
        to_advocate = db.session.scalar(
            sa.select(Notification.message).where(Notification.user_id == advocate.id)
        )
    assert to_advocate == (
        "Votre témoignage « Nos tableaux » n’a pas été publié. Un exemple chiffré, peut-être ?"
    )
    mine = text(writer.get("/stories"))
    assert "Mes témoignages" in mine and "Non publié" in mine
