"""The program figures through the API: what the insight page shows, for staff only."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa

from portal.auth.models import Role, User
from portal.extensions import db
from portal.insight import figures
from tests.insight import conftest as insight
from tests.insight.conftest import MONTH_START

# The insight tests' small program (clock frozen at 2026-11-20 00:00 UTC, Auckland time).
frozen, program = insight.frozen, insight.program

PATH = "/api/v1/insight/program"
pytestmark = pytest.mark.usefixtures("frozen")


def _shown(app, value, unit: str = "") -> str:
    """A number as the page writes it in English (`insight.figures.show`)."""
    with app.test_request_context():
        return str(figures.show(value, unit))


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_figures_are_the_pages_figures(app, api, program, make, make_token, login):
    api.token = make_token(make.admin(), ["insight:read"])
    response = api.get(f"{PATH}?period=month")
    assert response.status_code == 200
    body = response.get_json()
    assert body["period"] == {
        "kind": "month",
        "label": "This month (Nov 1, 2026 – Nov 20, 2026)",
        "starts_at": MONTH_START.isoformat().replace("+00:00", "Z"),
        "ends_at": None,  # runs up to the call
    }
    sections = {section["key"]: section for section in body["sections"]}
    assert list(sections) == [
        "advocates",
        "participation",
        "asks",
        "references",
        "referrals",
        "qualified",
        "moves",
        "recognition",
    ]
    active = sections["advocates"]["stats"][0]
    assert (active["value"], active["previous"], active["change"]) == (3, 2, 1)

    page_client = login(program["owner"])
    page = page_client.get("/manage/insight/?period=month").get_data(as_text=True)
    tables = 0
    for section in body["sections"]:
        for index, stat in enumerate(section["stats"], start=1):
            shown = re.search(
                rf'data-testid="stat-{section["key"]}-{index}">\s*'
                r'<span class="stat-label">(.*?)</span>\s*<span class="stat-value">(.*?)</span>',
                page,
            )
            assert shown is not None, (section["key"], index)
            assert html.unescape(shown.group(1)) == stat["label"]
            assert html.unescape(shown.group(2)) == _shown(app, stat["value"], stat["unit"])
        for table in section["tables"]:
            rows = _csv(
                page_client.get(f"/manage/insight/{section['key']}/{table['key']}.csv?period=month")
            )
            assert rows[0] == table["columns"]
            assert rows[1:] == [["" if c is None else str(c) for c in row] for row in table["rows"]]
            tables += 1
    assert tables >= 10


def test_one_section_a_custom_range_and_etags(api, program, make, make_token):
    api.token = make_token(make.admin(), ["insight:read"])
    path = f"{PATH}?period=custom&first=2026-10-01&last=2026-10-31&section=participation"
    response = api.get(path)
    body = response.get_json()
    assert body["period"]["label"] == "Oct 1, 2026 – Oct 31, 2026"
    assert body["period"]["ends_at"] == "2026-10-31T11:00:00Z"  # 1 Nov 00:00 in Auckland
    assert [section["key"] for section in body["sections"]] == ["participation"]
    tag = response.headers["ETag"]
    again = api.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["ETag"] == tag
    # A period that runs up to now keeps its ETag while no figure changes...
    running = api.get(f"{PATH}?period=year")
    assert (
        api.get(
            f"{PATH}?period=year", headers={"If-None-Match": running.headers["ETag"]}
        ).status_code
        == 304
    )
    # ...and a new figure changes it.
    make.advocate(name="Gus")
    changed = api.get(f"{PATH}?period=year", headers={"If-None-Match": running.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != running.headers["ETag"]


def test_no_token_or_a_token_without_the_scope_is_refused(api, make, make_token):
    assert api.get(PATH, token=None).status_code == 401
    response = api.get(PATH, token=make_token(make.admin(), ["ledger:read", "advocates:read"]))
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("#problem-scope")


@pytest.mark.usefixtures("ctx")
def test_advocates_tokens_are_refused(api, make, make_token):
    advocate = make.advocate()
    own = api.get(PATH, token=make_token(advocate))  # every scope an advocate may give
    assert own.status_code == 403 and own.mimetype == "application/problem+json"
    assert own.get_json()["type"].endswith("#problem-scope")
    # An admin's token whose maker is now an advocate acts as an advocate.
    admin = make.admin()
    token = make_token(admin, ["insight:read"])
    assert api.get(PATH, token=token).status_code == 200
    db.session.execute(sa.update(User).where(User.id == admin.id).values(role=Role.ADVOCATE))
    db.session.commit()
    demoted = api.get(PATH, token=token)
    assert demoted.status_code == 403
    assert demoted.get_json()["type"].endswith("#problem-role")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=week", "period", "Input should be"),
        ("period=custom&last=2026-10-31", "first", "Give both the first and the last day"),
        ("period=custom&first=2026-10-01", "last", "Give both the first and the last day"),
        ("period=custom&first=2026-10-31&last=2026-10-01", "last", "can't be before"),
        ("period=custom&first=2026-12-01&last=2026-12-31", "first", "can't start after today"),
        ("period=custom&first=2020-01-01&last=2026-10-01", "last", "three years or less"),
        ("period=custom&first=0001-01-01&last=2026-10-01", "first", "between the years"),
        ("period=custom&first=yesterday&last=2026-10-01", "first", "valid date"),
        ("period=month&first=2026-10-01", "first", "Only a custom period"),
        ("section=gossip", "section", "Input should be"),
        ("colour=blue", "colour", "Extra inputs"),
    ],
)
def test_an_invalid_period_is_refused_field_by_field(api, make, make_token, query, field, message):
    response = api.get(f"{PATH}?{query}", token=make_token(make.admin(), ["insight:read"]))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert message in errors[0]["message"]


@pytest.mark.usefixtures("ctx")
def test_a_move_s_day_is_an_iso_date(api, make, make_token):
    from datetime import date

    from portal.advocates import employment
    from portal.advocates.models import Account

    old, new = make.account(name="Old Co"), make.account(name="New Co")
    ada = make.advocate(name="Ada", account=old)
    employment.record_move(
        ada, account=db.session.get(Account, new.id), title="CTO", started_on=date(2026, 11, 10)
    )
    db.session.commit()
    api.token = make_token(make.admin(), ["insight:read"])
    answer = api.get(f"{PATH}?period=month&section=moves")
    assert answer.status_code == 200, answer.get_json()
    (table,) = answer.get_json()["sections"][0]["tables"]
    assert table["rows"] == [["Ada", "Old Co", "New Co", "Customer", "2026-11-10"]]
