"""Links built from a request's query never reach url_for's own arguments (portal/urls.py)."""

from __future__ import annotations

import re

from portal.opportunities.models import ParticipationStatus as S
from tests.helpers import page


def test_the_people_redirect_cannot_be_sent_to_another_host(client):
    response = client.get("/people?_external=1&industry=technology", headers={"Host": "evil.test"})
    assert response.status_code == 301
    assert "evil.test" not in response.location
    assert response.location.startswith("/showcase")
    assert "industry=technology" in response.location


def test_the_people_redirect_keeps_its_filters_and_nothing_else(client):
    response = client.get("/people?industry=healthcare&page=2&_method=POST&_anchor=x&_scheme=ftp")
    assert response.status_code == 301
    assert response.location == "/showcase?industry=healthcare&page=2"


def test_the_pager_keeps_the_filters_but_not_url_fors_arguments(make, login):
    for number in range(51):
        make.user(name=f"Ada {number:02d}")  # the admins' list shows 50 a page
    client = login(make.admin())
    response = client.get("/admin/users?q=Ada&_external=1&_scheme=ftp&_anchor=top")
    assert response.status_code == 200
    links = re.findall(r'href="([^"]*page=2[^"]*)"', page(response))
    assert links, "the pager links to page 2"
    for link in links:
        assert link.startswith("/admin/users?") and "q=Ada" in link
        assert "_" not in link.split("?", 1)[1]


def test_the_pager_never_takes_the_routes_parameters_from_the_query(make, login):
    opportunity = make.opportunity()
    for _ in range(26):
        make.advocate()
    client = login(make.manager())
    response = client.get(f"/manage/opportunities/{opportunity.id}/invite?opportunity_id=abc")
    assert response.status_code == 200
    links = re.findall(r'href="([^"]*page=2[^"]*)"', page(response))
    assert links
    assert all(link.startswith(f"/manage/opportunities/{opportunity.id}/invite?") for link in links)


def test_a_query_that_names_url_fors_arguments_answers_normally(make, login, client):
    advocate = make.advocate(public=True)
    opportunity = make.opportunity()
    make.participation(opportunity, advocate, S.APPROVED)
    for url in ("/showcase?_method=POST", "/people?_method=POST", "/showcase?_anchor=%20"):
        assert client.get(url).status_code in (200, 301), url
    signed_in = login(advocate)
    assert signed_in.get("/opportunities?_method=DELETE&page=1").status_code == 200
