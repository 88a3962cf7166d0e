"""Consent for every use: the grid, its history and expiry, and the public showcase obeying it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from portal import clock
from portal.advocates import permissions, profiles
from portal.advocates.models import (
    ConsentAsset,
    ConsentChannel,
    UsageConsent,
    UsageConsentChange,
)
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.recognition import badges
from portal.stories.models import Story, StoryStatus
from tests.helpers import page, text

A, C = ConsentAsset, ConsentChannel
SHOWCASE_ASSETS_WITH_A_PUBLIC_FORM = [A.NAME_TITLE, A.PHOTO, A.LOGO, A.QUOTES, A.STORIES]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "#3355aa").save(out, format="PNG")
    return out.getvalue()


def _grant(app, advocate, *pairs, until: date | None = None) -> None:
    """The advocate's own grid: exactly these switches granted (everything else refused)."""
    with app.app_context():
        user = db.session.get(User, advocate.id)
        wanted = {pair: permissions.Switch() for pair in permissions.GRID}
        wanted.update({pair: permissions.Switch(True, until) for pair in pairs})
        permissions.change_grid(user, wanted, by=user)
        db.session.commit()


def _today(app) -> date:
    with app.app_context():
        return clock.today()


def _public_advocate(app, make):
    """An advocate with a photo, a quote, a company and a published story."""
    account = make.account(name="Globex Analytics")
    advocate = make.advocate(name="Rosa Diaz", account=account, title="Head of Data")
    with app.app_context():
        user = db.session.get(User, advocate.id)
        profiles.set_photo(user, _png())
        user.profile.quote = "Our dashboards finally tell one story."
        db.session.add(
            Story(
                advocate_id=user.id,
                title="From spreadsheets to dashboards",
                body="It worked.",
                status=StoryStatus.APPROVED,
                decided_at=utcnow(),
            )
        )
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Early Bird",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 1, "period": "all"},
                color="#4338ca",
            ),
            by=user,
        )
        db.session.commit()
        photo_id = user.profile.photo_id
    make.points(advocate, 10)
    return advocate, photo_id


def _shown(client, advocate_id: int, photo_id: int) -> dict[A, bool]:
    """What the public pages show of the advocate, per asset."""
    listing = page(client.get("/showcase"))
    profile = client.get(f"/people/{advocate_id}")
    body = page(profile) if profile.status_code == 200 else ""
    photo = client.get(f"/images/{photo_id}").status_code == 200
    holders = page(client.get("/badges/early-bird"))
    return {
        A.NAME_TITLE: "Rosa Diaz" in listing + holders and profile.status_code == 200,
        A.PHOTO: photo and f"/images/{photo_id}" in listing + body,
        A.LOGO: "Globex Analytics" in listing + body + holders,
        A.QUOTES: "Our dashboards finally tell one story." in body,
        A.STORIES: "From spreadsheets to dashboards" in listing + body,
    }


@pytest.mark.parametrize("asset", SHOWCASE_ASSETS_WITH_A_PUBLIC_FORM, ids=lambda a: a.value)
def test_each_showcase_switch_is_obeyed_on_every_public_page(app, make, asset):
    advocate, photo_id = _public_advocate(app, make)
    visitor = app.test_client()
    everything = [(a, C.SHOWCASE) for a in SHOWCASE_ASSETS_WITH_A_PUBLIC_FORM]
    # Every other channel granted: only the showcase column counts here.
    others = [(a, c) for a in A for c in C if c != C.SHOWCASE]
    _grant(app, advocate, *everything, *others)
    assert all(_shown(visitor, advocate.id, photo_id).values())

    _grant(app, advocate, *[pair for pair in everything if pair[0] != asset], *others)
    shown = _shown(visitor, advocate.id, photo_id)
    if asset == A.NAME_TITLE:
        # Without their name, nothing of them is public at all: showcase, profile, badge page.
        assert not any(shown.values())
        assert "Rosa Diaz" not in page(visitor.get("/badges/early-bird"))
    else:
        assert shown[asset] is False
        assert all(value for key, value in shown.items() if key != asset)


def test_withdrawing_stories_hides_them_at_once_and_staff_see_it(app, make, login):
    advocate, photo_id = _public_advocate(app, make)
    _grant(app, advocate, (A.NAME_TITLE, C.SHOWCASE), (A.STORIES, C.SHOWCASE))
    visitor = app.test_client()
    assert "From spreadsheets" in text(visitor.get(f"/people/{advocate.id}"))
    client = login(advocate)
    response = client.post("/profile/consent", data={"granted-name_title-showcase": "y"})
    assert response.status_code == 302
    assert "From spreadsheets" not in text(visitor.get(f"/people/{advocate.id}"))
    assert "From spreadsheets" not in text(visitor.get("/showcase"))
    client.post("/auth/sign-out")
    login(make.manager())
    watch = text(client.get("/manage/consents"))
    assert "Rosa Diaz" in watch and "Stories and case studies" in watch and "Withdrawn" in watch


def test_video_and_recordings_are_records_that_staff_see(app, make, login):
    advocate, _ = _public_advocate(app, make)
    _grant(app, advocate, (A.NAME_TITLE, C.SHOWCASE), (A.VIDEO, C.PRESS))
    client = login(make.manager())
    body = page(client.get(f"/manage/advocates/{advocate.id}"))
    assert body.count('data-label="The public showcase"') == len(A)
    assert body.count('data-label="Press"') == len(A)
    for asset in A:
        assert str(asset.label) in body
    with app.app_context():
        assert permissions.holding(permissions.grid_of(advocate.id))[(A.VIDEO, C.PRESS)]


def test_the_advocate_changes_the_grid_on_one_page_and_every_change_is_kept(app, make, login):
    advocate = make.advocate(name="Rosa Diaz")
    client = login(advocate)
    form = page(client.get("/profile/consent"))
    assert form.count('type="checkbox"') == len(A) * len(C)
    until = (_today(app) + timedelta(days=90)).isoformat()
    response = client.post(
        "/profile/consent",
        data={
            "granted-logo-sales": "y",
            "until-logo-sales": until,
            "granted-quotes-press": "y",
        },
    )
    assert response.status_code == 302
    client.post("/profile/consent", data={"granted-logo-sales": "y", "until-logo-sales": until})
    with app.app_context():
        changes = db.session.scalars(
            sa.select(UsageConsentChange).order_by(UsageConsentChange.id)
        ).all()
        assert [(c.asset, c.channel, c.was_granted, c.granted) for c in changes] == [
            (A.LOGO, C.SALES, False, True),
            (A.QUOTES, C.PRESS, False, True),
            (A.QUOTES, C.PRESS, True, False),
        ]
        assert changes[0].expires_on == date.fromisoformat(until)
        assert {c.changed_by_id for c in changes} == {advocate.id}
    history = text(client.get("/profile/consent"))
    assert "Quotes on press yes → no" in history


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("until-logo-sales", "2020-01-01", "the end date has passed"),
        ("until-logo-sales", "soon", "Not a valid date value."),
        ("until-logo-sales", "0001-01-01", "Enter a date between the years 1900 and 2200."),
    ],
)
def test_bad_input_on_the_grid_changes_nothing(app, make, login, field, value, message):
    advocate = make.advocate()
    client = login(advocate)
    response = client.post("/profile/consent", data={"granted-logo-sales": "y", field: value})
    assert response.status_code == 422
    assert message in page(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UsageConsent)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UsageConsentChange)) == 0


def test_a_grant_ends_on_its_date(app, make):
    advocate, photo_id = _public_advocate(app, make)
    last_day = _today(app) + timedelta(days=10)
    _grant(app, advocate, (A.NAME_TITLE, C.SHOWCASE), until=last_day)
    visitor = app.test_client()
    with app.app_context():
        end = clock.end_of_day(last_day)
    with time_machine.travel(end - timedelta(minutes=1)):
        assert visitor.get(f"/people/{advocate.id}").status_code == 200
    with time_machine.travel(end + timedelta(minutes=1)):
        assert visitor.get(f"/people/{advocate.id}").status_code == 404
        assert "Rosa Diaz" not in text(visitor.get("/showcase"))


def test_a_grant_ending_soon_is_on_the_staff_watch_list(app, make, login):
    advocate = make.advocate(name="Rosa Diaz")
    _grant(app, advocate, (A.LOGO, C.WEBSITE), until=_today(app) + timedelta(days=20))
    client = login(make.manager())
    watch = text(client.get("/manage/consents"))
    assert "Rosa Diaz" in watch and "Company name and logo" in watch and "Ends" in watch
    client.post("/auth/sign-out")
    assert login(make.advocate()).get("/manage/consents").status_code == 403


def test_a_photo_is_served_to_the_public_only_with_consent(app, make, login):
    advocate, photo_id = _public_advocate(app, make)
    _grant(app, advocate, (A.NAME_TITLE, C.SHOWCASE))
    assert app.test_client().get(f"/images/{photo_id}").status_code == 404
    assert login(advocate).get(f"/images/{photo_id}").status_code == 200
    _grant(app, advocate, (A.NAME_TITLE, C.SHOWCASE), (A.PHOTO, C.SHOWCASE))
    response = app.test_client().get(f"/images/{photo_id}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"


def test_staff_see_the_consent_beside_a_story_to_review(app, make, login):
    advocate = make.advocate(name="Rosa Diaz")
    _grant(app, advocate, (A.STORIES, C.SHOWCASE), (A.STORIES, C.SALES))
    with app.app_context():
        db.session.add(Story(advocate_id=advocate.id, title="Our story", body="It worked."))
        db.session.commit()
    queue = text(login(make.manager()).get("/manage/stories"))
    assert "Rosa Diaz allows stories on: the public showcase, sales material." in queue
