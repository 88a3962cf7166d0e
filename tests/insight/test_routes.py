"""The program page and its CSV downloads over HTTP: who may see them, what they say."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from portal.advocates.models import Account
from portal.extensions import db
from portal.insight import figures, periods

pytestmark = pytest.mark.usefixtures("frozen")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("role", ["advocate", "requester"])
def test_only_staff_see_the_program_page(make, login, role):
    person = make.advocate() if role == "advocate" else make.requester()
    client = login(person)
    assert client.get("/manage/insight/").status_code == 403
    assert client.get("/manage/insight/asks/answers.csv").status_code == 403


def test_the_page_shows_each_figure_and_its_comparison(program, login):
    page = login(program["owner"]).get("/manage/insight/?period=month")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This month (Nov 1, 2026 – Nov 20, 2026)" in html
    assert 'data-testid="stat-advocates-1"' in html
    assert "previous 2 (+1)" in html  # active advocates: 3 against 2
    for section in (
        "Advocates",
        "Participation",
        "Asks",
        "Qualified advocates",
        "Points and badges",
    ):
        assert f">{section}</h2>" in html
    # Each chart has its figures beside it (the page's other data is the scripts' words).
    charts = html.count('type="application/json"') - html.count('id="portal-messages"')
    assert html.count("<canvas") == charts > 0


def test_each_csv_download_equals_its_table(program, login):
    client = login(program["owner"])
    span = periods.window("month")
    for section in figures.sections(span):
        for table in section.figures.tables:
            response = client.get(f"/manage/insight/{section.key}/{table.key}.csv?period=month")
            assert response.status_code == 200
            assert response.mimetype == "text/csv"
            assert "attachment" in response.headers["Content-Disposition"]
            rows = _csv(response)
            assert rows[0] == table.columns
            assert rows[1:] == [["" if c is None else str(c) for c in row] for row in table.rows]


def test_csv_neutralises_formulas_and_keeps_numbers(program, login):
    db.session.execute(
        sa.update(Account).where(Account.id == program["x"].id).values(name="=HYPERLINK(1)")
    )
    db.session.commit()
    rows = _csv(
        login(program["owner"]).get("/manage/insight/qualified/by-account.csv?period=month")
    )
    assert rows[1] == ["'=HYPERLINK(1)", "Olivia Owner", "2", "1"]


def test_a_custom_range_that_cant_be_used_is_explained(make, login):
    client = login(make.manager())
    page = client.get("/manage/insight/?period=custom&first=2026-05-01&last=2026-04-01")
    assert page.status_code == 422
    assert "The last day can&#39;t be before the first day." in page.get_data(as_text=True)
    bad = client.get("/manage/insight/asks/answers.csv?period=custom&first=x&last=2026-04-01")
    assert bad.status_code == 400


@pytest.mark.parametrize("path", ["nothing/answers.csv", "asks/nothing.csv"])
def test_unknown_figures_are_not_found(make, login, path):
    assert login(make.manager()).get(f"/manage/insight/{path}").status_code == 404


def test_only_admins_change_the_qualification_rule(make, login, app, client):
    from portal.insight import qualified
    from portal.settings import get_setting

    assert (
        login(make.manager())
        .post("/manage/insight/qualified-rule", data={"days": 90, "kinds": ["participation"]})
        .status_code
        == 403
    )
    client.post("/auth/sign-out")
    client = login(make.admin())
    assert (
        client.post(
            "/manage/insight/qualified-rule", data={"days": 90, "kinds": ["participation"]}
        ).status_code
        == 302
    )
    client.post("/manage/insight/qualified-rule", data={"days": 0, "kinds": ["participation"]})
    with app.app_context():
        assert get_setting(qualified.DAYS_SETTING) == 90


def test_staff_notes_are_kept_with_author_and_time_and_only_staff_see_them(make, login, client):
    advocate = make.advocate()
    manager = make.manager(name="Mo Manager")
    staff = login(manager)
    assert (
        staff.post(
            f"/manage/advocates/{advocate.id}/notes", data={"body": "Prefers mornings"}
        ).status_code
        == 302
    )
    assert (
        staff.post(f"/manage/advocates/{advocate.id}/notes", data={"body": "   "}).status_code
        == 302
    )
    page = staff.get(f"/manage/advocates/{advocate.id}").get_data(as_text=True)
    assert page.count('class="note-body"') == 1
    assert "Prefers mornings" in page and "Mo Manager · Fri, Nov 20, 2026, 1:00\u202fPM" in page
    history = staff.get(f"/manage/insight/advocates/{advocate.id}/history").get_data(as_text=True)
    assert "Prefers mornings" in history
    client.post("/auth/sign-out")
    own = login(advocate)
    assert own.post(f"/manage/advocates/{advocate.id}/notes", data={"body": "x"}).status_code == 403
    assert "Prefers mornings" not in own.get("/profile").get_data(as_text=True)


def test_the_advocate_history_merges_every_kind_newest_first(program, login):
    client = login(program["owner"])
    page = client.get(f"/manage/advocates/{program['c'].id}").get_data(as_text=True)
    asks = page[page.index('id="history"') :]
    assert asks.index("Declined: About webinar") < asks.index("Invitation to an opportunity")
    html = client.get(f"/manage/insight/advocates/{program['b'].id}/history")
    events = html.get_data(as_text=True)
    # Ben: points on 5 Nov, opted in on 5 Nov, completed on 1 Nov, applied on 20 Oct.
    assert events.index("+100 points") < events.index("Completed") < events.rindex("Applied to")
    assert "Insider: Opted in" in events
    assert client.get("/manage/insight/advocates/999999/history").status_code == 404
    assert client.get(f"/manage/insight/advocates/{program['owner'].id}/history").status_code == 404


def test_the_account_page_shows_its_people_activity_and_figures(program, login):
    client = login(program["owner"])
    html = client.get(f"/manage/accounts/{program['x'].id}").get_data(as_text=True)
    assert "Ben" in html and "Eve" in html
    assert "Qualified advocates now" in html
    stats = html[html.index("This account in figures") :]
    assert '<span class="stat-value">Olivia Owner</span>' in stats


def test_the_page_speaks_the_readers_language(program, login):
    client = login(program["owner"])
    refresh()  # the fixture's app context remembers the language it last spoke
    page = client.get("/manage/insight/?period=month", headers={"Accept-Language": "de"})
    html = page.get_data(as_text=True)
    assert "<h1>Programmauswertung</h1>" in html
    assert "Dieser Monat (1. Nov. 2026 – 20. Nov. 2026)" in html
    assert "Aktive Botschafter" in html and "vorher 2 (+1)" in html
    refresh()
    page = client.get("/manage/insight/?period=month", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert "Ce mois-ci (1 nov. 2026 – 20 nov. 2026)" in html
    assert "Ambassadeurs actifs" in html and "précédemment 2 (+1)" in html
    refresh()
