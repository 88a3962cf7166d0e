"""Input that enters with the request: NUL bytes, ids and page numbers (portal/inputs.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.inputs import DatabaseIdConverter
from portal.opportunities.models import Participation
from tests.helpers import text

NUL_MESSAGE = "contains a NUL character"
BEYOND_INTEGER = "2147483648"  # one past PostgreSQL's INTEGER, the type of every id
BEYOND_INT64 = "9223372036854775808"  # one past any 64-bit integer (SQLite's)


@pytest.mark.parametrize(
    "url",
    [
        "/showcase?industry=a%00b",
        "/people?page=1%00",
        "/auth/sign-in?next=/a%00b",
        "/ob/assertions/a%00b",
        "/badges/a%00b",
        "/recognition?x%00=1",
    ],
)
def test_a_nul_byte_anywhere_in_the_address_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in text(response)


def test_a_nul_byte_in_a_form_is_refused_and_changes_nothing(app, make, login):
    client = login(make.manager())
    response = client.post("/manage/products", data={"name": "Beacon\x00CRM"})
    assert response.status_code == 400
    assert NUL_MESSAGE in text(response)
    anonymous = app.test_client()
    response = anonymous.post("/auth/sign-in", data={"email": "a\x00@example.com", "password": "x"})
    assert response.status_code == 400


def test_a_nul_byte_in_an_advocates_note_is_refused(app, make, login):
    opportunity = make.opportunity()
    client = login(make.advocate())
    response = client.post(
        f"/opportunities/{opportunity.id}/apply", data={"note": "Count me in\x00", "submit": "1"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0


@pytest.mark.parametrize("user_id", [BEYOND_INTEGER, BEYOND_INT64, "1" + "0" * 30])
def test_ids_beyond_the_database_range_are_not_found(client, make, user_id):
    make.advocate(public=True)
    assert client.get(f"/people/{user_id}").status_code == 404


def test_ids_beyond_the_database_range_are_not_found_when_signed_in(make, login):
    client = login(make.advocate())
    for url in (
        f"/opportunities/{BEYOND_INTEGER}",
        f"/stories/{BEYOND_INT64}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/participations/{BEYOND_INTEGER}/withdraw").status_code == 404


@pytest.mark.parametrize("advocate_id", [BEYOND_INTEGER, BEYOND_INT64])
def test_an_id_in_a_form_beyond_the_range_is_not_found(make, login, advocate_id):
    opportunity = make.opportunity()
    client = login(make.manager())
    response = client.post(
        f"/manage/opportunities/{opportunity.id}/invite", data={"advocate_id": advocate_id}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", ["/showcase?page={n}", "/badges/{slug}?page={n}", "/people?page={n}"]
)
def test_page_numbers_beyond_any_list_are_not_found(client, make, url):
    from portal.recognition import badges

    with make.app.app_context():
        badge, _ = badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Hundred club",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 100, "period": "all"},
                color="#4338ca",
            ),
            by=db.session.get(User, make.manager().id),
        )
        db.session.commit()
        slug = badge.slug
    response = client.get(url.format(n=BEYOND_INT64, slug=slug), follow_redirects=True)
    assert response.status_code == 404
    assert client.get(url.format(n="abc", slug=slug), follow_redirects=True).status_code == 200


def test_page_numbers_beyond_the_range_are_not_found_for_staff(make, login):
    client = login(make.manager())
    for url in ("/manage/advocates", "/manage/applications", "/manage/accounts", "/leaderboard"):
        assert client.get(f"{url}?page={BEYOND_INTEGER}0").status_code == 404, url
        assert client.get(f"{url}?page=2").status_code == 200, url


def test_ids_in_query_strings_beyond_the_range_are_ignored(client, make, login):
    make.advocate(public=True, name="Paula Public")
    response = client.get(f"/showcase?product={BEYOND_INT64}")
    assert response.status_code == 200 and "Paula Public" in text(response)
    staff = login(make.manager())
    assert staff.get(f"/leaderboard?account={BEYOND_INTEGER}").status_code == 200


def test_every_id_in_a_route_goes_through_the_database_id_converter(app):
    from werkzeug.routing import IntegerConverter

    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            assert not isinstance(converter, IntegerConverter), f"{rule}: use <id:{name}>"
            if name.endswith("_id"):
                assert isinstance(converter, DatabaseIdConverter), f"{rule}: use <id:{name}>"
