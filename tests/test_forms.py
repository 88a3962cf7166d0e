"""The input rules every form applies (portal/forms.py), and dates at the calendar's edges."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

import portal
from portal.advocates.models import Account, AdvocateProfile, Product
from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import Opportunity, OpportunityState
from portal.recognition.models import PointsEntry
from portal.stories.models import Story
from tests.helpers import page, text
from tests.manage.test_routes import VALID

BLANK = " \t  "


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(
    "role, url, data, model",
    [
        ("manager", "/manage/products", {"name": BLANK}, Product),
        (
            "manager",
            "/manage/accounts/new",
            {
                "name": BLANK,
                "kind": "customer",
                "industry": "healthcare",
                "region": "europe",
                "size_band": "large",
                "owner": "0",
            },
            Account,
        ),
        ("manager", "/manage/opportunities/new", {**VALID, "title": BLANK}, Opportunity),
        ("advocate", "/stories/new", {"title": BLANK, "body": "We shipped."}, Story),
        ("advocate", "/stories/new", {"title": "Shipped", "body": "\n  \n"}, Story),
    ],
)
def test_a_required_field_of_white_space_is_refused_and_nothing_is_saved(
    app, make, login, role, url, data, model
):
    client = login(make.manager() if role == "manager" else make.advocate())
    before = _count(app, model)
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "This field is required." in text(response)
    assert _count(app, model) == before


def test_a_points_reason_of_white_space_adds_nothing(app, make, login):
    advocate = make.advocate()
    client = login(make.manager())
    response = client.post(
        f"/manage/advocates/{advocate.id}/points",
        data={"points": "10", "reason": BLANK, "key": "k1"},
        follow_redirects=True,
    )
    assert "Nothing was added" in text(response)
    assert _count(app, PointsEntry) == 0


def test_text_is_stripped_before_it_is_saved(app, make, login):
    client = login(make.manager())
    assert client.post("/manage/products", data={"name": "  Beacon CRM \t"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Product.name)) == "Beacon CRM"


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_dates_outside_the_calendar_range_are_refused(app, make, login, day):
    advocate = make.advocate()
    client = login(advocate)
    form = page(client.get("/profile"))
    assert "quiet_until" in form
    response = client.post(
        "/profile",
        data={
            "name": "Ada",
            "max_asks_per_quarter": "3",
            "quiet_until": day,
            "timezone": "",
        },
    )
    assert response.status_code == 422
    assert "Enter a date between the years 1900 and 2200." in text(response)
    with app.app_context():
        assert db.session.get(AdvocateProfile, advocate.id).quiet_until is None


def test_an_opportunity_in_year_9999_is_refused(app, make, login):
    client = login(make.manager())
    edge = {
        "starts_at": "9999-12-31T22:00",
        "ends_at": "9999-12-31T23:00",
        "application_deadline": "9999-12-30T10:00",
        "timezone": "Pacific/Kiritimati",
    }
    response = client.post("/manage/opportunities/new", data={**VALID, **edge})
    assert response.status_code == 422
    assert "Enter a date between the years 1900 and 2200." in text(response)
    assert _count(app, Opportunity) == 0


def _zone(app, user, name: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).timezone = name
        db.session.commit()


def test_dates_at_the_calendar_edges_show_in_every_time_zone(app, make, login):
    """Rows written before the range existed (or by a loader) still show, in UTC."""
    late = make.opportunity(
        title="The last panel",
        starts_at=datetime(9999, 12, 31, 20, 0, tzinfo=UTC),
        duration=datetime(9999, 12, 31, 23, 0, tzinfo=UTC) - datetime(9999, 12, 31, 20, tzinfo=UTC),
    )
    early = make.opportunity(
        title="The first panel",
        state=OpportunityState.CLOSED,
        starts_at=datetime(1, 1, 1, 5, 0, tzinfo=UTC),
        deadline=datetime(1, 1, 1, 5, 0, tzinfo=UTC),
    )
    east, west = make.advocate(), make.manager()
    _zone(app, east, "Pacific/Kiritimati")  # UTC+14: past 31 December 9999
    _zone(app, west, "Pacific/Pago_Pago")  # UTC-11: before 1 January of year 1
    advocate = login(east)
    for url in (f"/opportunities/{late.id}", "/opportunities"):
        response = advocate.get(url)
        assert response.status_code == 200, url
    assert "The last panel" in text(advocate.get(f"/opportunities/{late.id}"))
    advocate.post("/auth/sign-out")
    manager = login(west)
    for url in (
        f"/manage/opportunities/{early.id}",
        f"/manage/opportunities/{early.id}/edit",
        f"/manage/opportunities/{late.id}",
        "/manage/opportunities",
    ):
        assert manager.get(url).status_code == 200, url


def test_every_form_is_a_portal_form():
    """New forms get the input rules without thinking of them."""
    root = Path(portal.__file__).parent
    offending = []
    for path in root.rglob("*.py"):
        if path.name == "forms.py" and path.parent == root:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            named = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
            if isinstance(node, ast.ClassDef | ast.Call) and "FlaskForm" in named:
                offending.append(str(path.relative_to(root)))
    assert offending == []
