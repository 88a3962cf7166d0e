"""Two submissions of the same unique thing at once: one succeeds, the other is told why.

PostgreSQL only. In each test the first submission has inserted its row and
not committed; the second, a request through the test client, runs into the
unique index, waits, and must then answer like any later duplicate -- never
with a 500. See tests/races.py for how the two are stepped.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.advocates import accounts, people, profiles
from portal.advocates.models import Account, AdvocateProfile, Industry, Product, Region, SizeBand
from portal.auth import flows
from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.opportunities import invitations
from portal.opportunities.models import Opportunity, Participation
from portal.recognition import badges
from portal.recognition.models import Badge
from portal.settings import set_setting
from tests.helpers import text
from tests.races import Meanwhile, count

pytestmark = pytest.mark.postgresql


def at_once(app, first, second):
    """Run `first()` uncommitted, let `second()` run into it, commit, return its response."""
    with app.app_context():
        first()
        click = Meanwhile(app, second)
        click.wait_until_blocked()
        db.session.commit()
    return click.finish()


def counted(app, model, *where) -> int:
    with app.app_context():
        return count(model, *where)


def test_a_product(app, make, login):
    client = login(make.manager())
    response = at_once(
        app,
        lambda: accounts.add_product("Beacon CRM"),
        lambda: client.post("/manage/products", data={"name": "Beacon CRM"}),
    )
    assert response.status_code == 422
    assert "Beacon CRM is already on the list." in text(response)
    assert counted(app, Product) == 1


def test_an_account(app, make, login):
    client = login(make.manager())
    response = at_once(
        app,
        lambda: accounts.create_account(
            name="Acme", industry=Industry.RETAIL, region=Region.EUROPE, size_band=SizeBand.LARGE
        ),
        lambda: client.post(
            "/manage/accounts/new",
            data={
                "name": "Acme",
                "kind": "customer",
                "industry": "retail",
                "region": "europe",
                "size_band": "large",
                "owner": "0",
            },
        ),
    )
    assert response.status_code == 422
    assert "An account named Acme already exists." in text(response)
    assert counted(app, Account, Account.name == "Acme") == 1


def test_a_new_advocates_email(app, make, login):
    account = make.account()
    client = login(make.manager())

    def first():
        people.add_advocate(
            name="Ann",
            email="ann@example.com",
            account=db.session.get(Account, account.id),
            title="CTO",
        )

    response = at_once(
        app,
        first,
        lambda: client.post(
            "/manage/advocates/new",
            data={"name": "Ann", "email": "ann@example.com", "account": account.id, "title": "CTO"},
        ),
    )
    assert response.status_code == 422
    assert "A user with the email ann@example.com already exists." in text(response)
    assert counted(app, User, User.email == "ann@example.com") == 1


def test_a_badge(app, make, login):
    manager = make.manager()
    client = login(manager)
    details = badges.BadgeDetails(
        name="Hundred club",
        description="",
        rule_kind="points_at_least",
        rule_params={"points": 100, "period": "all"},
        color="#4338ca",
    )
    response = at_once(
        app,
        lambda: badges.save_badge(None, details, by=db.session.get(User, manager.id)),
        lambda: client.post(
            "/manage/badges/new",
            data={
                "name": "Hundred club",
                "rule_kind": "points_at_least",
                "points_at_least-points": "100",
                "points_at_least-period": "all",
                "color": "#4338ca",
                "active": "y",
            },
        ),
    )
    assert response.status_code == 422
    assert "Another badge is called Hundred club." in text(response)
    assert counted(app, Badge) == 1


def test_an_open_registration(app, client):
    with app.app_context():
        set_setting("registration_mode", flows.RegistrationMode.OPEN)
        db.session.commit()
    form = {"name": "Ann Lee", "email": "ann@example.com", "password": "a long enough passphrase"}
    response = at_once(
        app,
        lambda: flows.register(form["name"], form["email"], form["password"]),
        lambda: client.post("/auth/register", data=form),
    )
    # The same answer as for any address, taken or not; its owner hears of the attempt.
    assert response.status_code == 200 and "Check your email" in text(response)
    assert counted(app, User, User.email == "ann@example.com") == 1
    assert counted(app, OutboxMessage, OutboxMessage.kind == "registration_attempt") == 1


def test_an_invitation(app, make, login):
    opportunity, advocate, manager = make.opportunity(), make.advocate(), make.manager()
    client = login(manager)

    def first():
        invitations.invite_to_opportunity(
            db.session.get(Opportunity, opportunity.id),
            db.session.get(User, advocate.id),
            by=db.session.get(User, manager.id),
        )

    response = at_once(
        app,
        first,
        lambda: client.post(
            f"/manage/opportunities/{opportunity.id}/invite",
            data={"advocate_id": advocate.id},
            follow_redirects=True,
        ),
    )
    assert response.status_code == 200
    assert "was invited or applied a moment ago." in text(response)
    assert counted(app, Participation) == 1


def test_a_profile_saved_twice(app, make, login):
    advocate = make.advocate(name="Ada", open_types=[])  # only the open types change
    client = login(advocate)
    choices = profiles.ProfileChoices(
        name="Ada",
        title="",
        bio="",
        product_ids=[],
        open_types=["webinar"],
        max_asks_per_quarter=3,
        quiet_until=None,
        show_on_leaderboard=True,
        public_profile=False,
    )
    response = at_once(
        app,
        lambda: profiles.update_profile(db.session.get(User, advocate.id), choices),
        lambda: client.post(
            "/profile",
            data={"name": "Ada", "open_types": "webinar", "max_asks_per_quarter": "3"},
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AdvocateProfile, advocate.id).open_types == {"webinar"}
        assert db.session.scalar(sa.select(User.name).where(User.id == advocate.id)) == "Ada"


def test_names_that_differ_only_in_case(app, make, login):
    """ "Acme" and "ACME" saved at the same moment: the second is told, not saved."""
    client = login(make.manager())
    response = at_once(
        app,
        lambda: accounts.add_product("Beacon CRM"),
        lambda: client.post("/manage/products", data={"name": "BEACON crm"}),
    )
    assert response.status_code == 422
    assert "BEACON crm is already on the list." in text(response)
    response = at_once(
        app,
        lambda: accounts.create_account(
            name="Acme", industry=Industry.RETAIL, region=Region.EUROPE, size_band=SizeBand.LARGE
        ),
        lambda: client.post(
            "/manage/accounts/new",
            data={
                "name": "ACME",
                "kind": "customer",
                "industry": "retail",
                "region": "europe",
                "size_band": "large",
                "owner": "0",
            },
        ),
    )
    assert response.status_code == 422
    assert "An account named ACME already exists." in text(response)
    assert counted(app, Product) == 1
    assert counted(app, Account, sa.func.lower(Account.name) == "acme") == 1
