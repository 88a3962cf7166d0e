"""An opportunity's times are typed as wall-clock times in its zone: daylight-saving changes.

In Europe/Paris in 2030 the clocks go forward at 02:00 on Sunday 31 March
(02:00-02:59 doesn't exist) and back at 03:00 on Sunday 27 October
(02:00-02:59 happens twice: first CEST, UTC+2, then CET, UTC+1).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.opportunities.models import Opportunity
from tests.helpers import page, text
from tests.manage.test_routes import VALID

SPRING = {
    "starts_at": "2030-03-31T02:30",
    "ends_at": "2030-03-31T05:00",
    "application_deadline": "2030-03-20T18:00",
}
AUTUMN = {
    "starts_at": "2030-10-27T02:30",
    "ends_at": "2030-10-27T05:00",
    "application_deadline": "2030-10-20T18:00",
}


def _opportunities(app) -> list[Opportunity]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Opportunity)))


def test_a_time_the_clocks_skip_is_refused_with_the_valid_times(app, make, login):
    client = login(make.manager())
    response = client.post("/manage/opportunities/new", data={**VALID, **SPRING})
    assert response.status_code == 422
    assert (
        "02:30 on Sun, Mar 31, 2030 doesn't exist in Europe/Paris: the clocks go forward from "
        "02:00 to 03:00. Choose a time before 02:00 or from 03:00."
    ) in text(response)
    assert _opportunities(app) == []


def test_a_time_the_clocks_pass_twice_asks_which_one_is_meant(app, make, login):
    client = login(make.manager())
    response = client.post("/manage/opportunities/new", data={**VALID, **AUTUMN})
    assert response.status_code == 422
    shown = text(response)
    assert "02:30 on Sun, Oct 27, 2030 happens twice in Europe/Paris" in shown
    assert "02:30 CEST (UTC+02:00), before the clocks go back" in shown
    assert "02:30 CET (UTC+01:00), after the clocks go back" in shown
    assert 'name="starts_at_fold"' in page(response)
    assert _opportunities(app) == []


def test_the_chosen_one_of_a_repeated_time_is_saved(app, make, login):
    client = login(make.manager())
    once = {**VALID, **AUTUMN}
    assert (
        client.post("/manage/opportunities/new", data={**once, "starts_at_fold": "1"}).status_code
        == 302
    )
    assert (
        client.post("/manage/opportunities/new", data={**once, "starts_at_fold": "0"}).status_code
        == 302
    )
    starts = sorted(o.starts_at for o in _opportunities(app))
    assert starts == [
        datetime(2030, 10, 27, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first
        datetime(2030, 10, 27, 1, 30, tzinfo=UTC),  # 02:30 CET, the second
    ]


def test_editing_shows_which_of_a_repeated_time_is_stored(app, make, login):
    opportunity = make.opportunity(
        starts_at=datetime(2030, 10, 27, 1, 30, tzinfo=UTC), timezone="Europe/Paris"
    )
    client = login(make.manager())
    form = page(client.get(f"/manage/opportunities/{opportunity.id}/edit"))
    checked = re.search(r'<input[^>]*name="starts_at_fold"[^>]*checked[^>]*>', form)
    assert checked and 'value="1"' in checked.group(0)
