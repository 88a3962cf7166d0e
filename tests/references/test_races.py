"""On PostgreSQL: staff asking the same advocate at once never pass the advocate's cap."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.advocates.models import Ask
from portal.auth.models import User
from portal.errors import AskNotAllowed
from portal.extensions import db
from portal.references import asks
from portal.references.models import AskStatus, ReferenceAsk, ReferenceRequest
from tests.races import Meanwhile
from tests.references.helpers import new_request, open_to_references

pytestmark = pytest.mark.postgresql


def _ask(request_id: int, advocate_id: int, staff_id: int):
    return asks.ask_candidates(
        db.session.get(ReferenceRequest, request_id),
        [advocate_id],
        by=db.session.get(User, staff_id),
    )


def test_ten_staff_asking_one_advocate_at_once_stay_within_the_cap(app, make):
    advocate = make.advocate(max_asks=3)
    staff = [make.manager() for _ in range(10)]
    with app.app_context():
        open_to_references(advocate)
        # Two asks this quarter already, both answered: one left under the cap.
        for _ in range(2):
            (earlier,) = _ask(new_request(staff[0]).id, advocate.id, staff[0].id)
            asks.answer(earlier, db.session.get(User, advocate.id), accept=False)
            db.session.commit()
        request_ids = [new_request(member).id for member in staff]

    with app.app_context():
        # The first staff member's ask holds the advocate's row...
        _ask(request_ids[0], advocate.id, staff[0].id)
        others = []
        for index in range(1, 10):
            others.append(
                Meanwhile(
                    app,
                    lambda index=index: _ask(request_ids[index], advocate.id, staff[index].id),
                )
            )
            # ...so every other ask waits for it, then reads the new count.
            others[-1].wait_until_blocked()
        db.session.commit()
    results = [other.finish() for other in others]

    assert all(isinstance(result, AskNotAllowed) for result in results), results
    assert all("at their cap for this quarter" in result.message for result in results)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Ask).where(Ask.advocate_id == advocate.id)
            )
            == 3
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(ReferenceAsk)
                .where(ReferenceAsk.status == AskStatus.PENDING)
            )
            == 1
        )
