"""Reference requests and referrals on the program page and the staff pages, against
values counted by hand on the program of conftest.py (Auckland, frozen on 20 November).

Reference requests (hours to first acceptance):
  R1 opened 5 Nov, accepted by Ada after 10 h, held, deal won, 50,000 influenced (10 Nov).
  R2 opened at this month's first moment, accepted by Ben after 72 h, not held (12 Nov).
  R3 opened 5 Nov, accepted by Cai after 20 h, no outcome yet.
  R4 opened in October's last local minute, accepted after 1 h (this month), cancelled 5 Nov.
  R5 opened 20 Oct, accepted by Fay after 30 h, held, deal lost, 20,000 (October's last minute).
  R6 opened in 2025, closed unfulfilled on 20 Oct.
Reference asks: Ada accepts R1, Dee declines R1 (not now), Eve declines R3 (not a fit) at the
month's first moment, Fay declines R5 (not a fit) in October's last minute.
Referrals: Ben's won 15 Nov (30,000); Cai's lost 16 Nov and one contacted, both made this
month; Eve's made 20 Oct and won in October's last minute (10,000); Ada's from 2025 lost 20 Oct.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.advocates.models import Ask, AskKind, Industry, Region, SizeBand
from portal.extensions import db
from portal.insight import figures, history, periods, qualified
from portal.references.models import (
    AskStatus,
    DealOutcome,
    DeclineReason,
    ReferenceAsk,
    ReferenceKind,
    ReferenceRequest,
    RequestState,
)
from portal.referrals.models import Referral, ReferralStage
from portal.settings import set_setting
from tests.insight.conftest import EDGE_IN, EDGE_PREV, IN, OLD, PREV

H = 3600


@pytest.fixture
def impact(program):
    owner = program["owner"]

    def request(name, created, hours=None, advocate=None, **values):
        row = ReferenceRequest(
            requester_id=owner.id, prospect_name=name, industry=Industry.HEALTHCARE,
            region=Region.EUROPE, size_band=SizeBand.LARGE, kind=ReferenceKind.REFERENCE_CALL,
            currency="EUR", needed_by=date(2026, 12, 1), created_at=created,
            first_accepted_at=created + timedelta(hours=hours) if hours else None,
            seconds_to_acceptance=hours * H if hours else None,
            accepted_advocate_id=advocate.id if advocate else None, **values,
        )  # fmt: skip
        db.session.add(row)
        db.session.flush()
        return row

    def ask(req, advocate, status, answered=None, reason=None):
        base = Ask(advocate_id=advocate.id, kind=AskKind.REFERENCE_REQUEST, topic="reference_call",
                   subject=req.prospect_name, asked_by_id=owner.id, asked_at=OLD,
                   quarter="2025-Q4")  # fmt: skip
        db.session.add(base)
        db.session.flush()
        db.session.add(ReferenceAsk(request_id=req.id, advocate_id=advocate.id, ask_id=base.id,
                                    status=status, asked_at=OLD, due_at=OLD, answered_at=answered,
                                    decline_reason=reason))  # fmt: skip

    def referral(advocate, company, created, stage, closed=None, revenue=None):
        db.session.add(Referral(advocate_id=advocate.id, peer_name=f"Peer at {company}",
                                peer_email=f"peer@{company.lower()}.example", peer_role="CTO",
                                company_name=company, why="A good fit", peer_agreed=True,
                                stage=stage, created_at=created, updated_at=created,
                                closed_at=closed, revenue=revenue))  # fmt: skip

    a, b, c, d, e, f = (program[k] for k in "abcdef")
    nov = lambda day: IN.replace(day=day)  # noqa: E731
    r1 = request("Prospect One", IN, 10, a, call_held=True, deal_outcome=DealOutcome.WON,
                 revenue_influenced=50_000, outcome_at=nov(10), state=RequestState.DONE)  # fmt: skip
    request("Prospect Two", EDGE_IN, 72, b, call_held=False, deal_outcome=DealOutcome.OPEN,
            revenue_influenced=0, outcome_at=nov(12), state=RequestState.DONE)  # fmt: skip
    r3 = request("Prospect Three", IN, 20, c, state=RequestState.SCHEDULED)
    request("Prospect Four", EDGE_PREV, 1, None, state=RequestState.CANCELLED, closed_at=IN)
    r5 = request("Prospect Five", PREV, 30, f, call_held=True, deal_outcome=DealOutcome.LOST,
                 revenue_influenced=20_000, outcome_at=EDGE_PREV, state=RequestState.DONE)  # fmt: skip
    request("Prospect Six", OLD, None, None, state=RequestState.UNFULFILLED, closed_at=PREV)
    ask(r1, a, AskStatus.ACCEPTED, IN + timedelta(hours=10))
    ask(r1, d, AskStatus.DECLINED, IN + timedelta(hours=5), DeclineReason.NOT_NOW)
    ask(r3, e, AskStatus.DECLINED, EDGE_IN, DeclineReason.NOT_A_FIT)
    ask(r5, f, AskStatus.DECLINED, EDGE_PREV, DeclineReason.NOT_A_FIT)
    referral(b, "Bravo", IN, ReferralStage.WON, nov(15), 30_000)
    referral(c, "Charlie", EDGE_IN, ReferralStage.LOST, nov(16))
    referral(c, "Cedar", IN, ReferralStage.CONTACTED)
    referral(e, "Echo", PREV, ReferralStage.WON, EDGE_PREV, 10_000)
    referral(a, "Alpha", OLD, ReferralStage.LOST, PREV)
    db.session.commit()
    return program


pytestmark = pytest.mark.usefixtures("impact")


def _section(key: str, kind: str = "month") -> figures.Section:
    return figures.section(key, periods.window(kind))


def _stats(section: figures.Section) -> dict[str, tuple]:
    return {s.label: (s.value, s.previous) for s in section.figures.stats}


def test_reference_requests_opened_fulfilled_acceptance_outcomes_and_revenue():
    refs = _section("references")
    # Accepted this month after 1, 10, 20 and 72 hours: median 15, three of four within 48;
    # in October, R5 after 30 hours.
    assert _stats(refs) == {
        "Requests opened": (3, 2),
        "Fulfilled": (1, 1),
        "Median time to first acceptance": (15.0, 30.0),
        "Accepted within 48 hours": (75.0, 100.0),
        "Revenue influenced": (50_000, 20_000),
    }
    assert refs.table("outcomes").rows == [
        ["Held, deal won", 1, 0],
        ["Held, deal lost", 0, 1],
        ["Held, deal still open", 0, 0],
        ["Not held", 1, 0],
        ["Closed unfulfilled", 0, 1],
        ["Cancelled", 1, 0],
    ]
    assert refs.table("acceptance").rows == [
        ["Accepted", 4, 1],
        ["Within 48 hours of being opened", 3, 1],
        ["Median hours to first acceptance", 15.0, 30.0],
    ]
    assert sum(row[1] for row in refs.table("opened-trend").rows) == 3


def test_declines_by_reason_in_the_asks_section():
    asks = _section("asks")
    assert asks.table("declines-by-reason").rows == [
        ["Not this time", 1, 0],
        ["Not this quarter", 0, 0],
        ["Not this kind of ask", 0, 0],
        ["I'm not the right person for this prospect", 1, 1],
    ]


def test_referrals_by_stage_conversion_and_revenue_won():
    refs = _section("referrals")
    assert _stats(refs) == {
        "Referrals made": (3, 1),
        "Won": (1, 1),
        "Conversion": (50.0, 50.0),
        "Revenue won": (30_000, 10_000),
    }
    assert refs.table("stages").rows == [
        ["New", 0, 0],
        ["Contacted", 1, 0],
        ["Qualified", 0, 0],
        ["Won", 1, 1],
        ["Lost", 1, 0],
    ]
    assert refs.table("closed").rows == [
        ["Won", 1, 1],
        ["Lost", 1, 1],
        ["Conversion of those closed (%)", 50.0, 50.0],
        ["Revenue won", 30_000, 10_000],
    ]


def test_reference_answers_and_referrals_make_advocates_active():
    advocates = _section("advocates")
    # This month: Ada, Ben, Dee as before, plus Eve (declined at the first moment) and Cai
    # (referrals). Before: Ben, Cai, plus Fay (declined) and Eve (referral of 20 Oct).
    assert _stats(advocates)["Active advocates"] == (5, 4)
    rows = {row[0]: row[1:] for row in advocates.table("activity").rows}
    assert rows["Answered a reference ask"] == [3, 1]
    assert rows["Made a referral"] == [2, 1]


def test_references_given_and_referrals_won_qualify_by_default():
    assert list(qualified.KINDS) == ["participation", "reference", "referral"]
    # Now: Ben and Eve (participations), Ada (R1 held) and Fay (R5 held in October).
    assert _stats(_section("qualified"))["Qualified advocates"] == (4, 2)


def test_the_counted_kinds_are_a_setting(app):
    set_setting(qualified.KINDS_SETTING, ["participation"])
    assert _stats(_section("qualified"))["Qualified advocates"] == (2, 2)


def test_the_history_lists_references_and_referrals_with_revenue(impact):
    ada = [(e.kind, e.text, e.detail) for e in history.advocate_history(impact["a"].id)]
    assert ("Reference", "Reference given: Prospect One", "revenue influenced €50,000") in ada
    assert ("Reference", "Accepted: Prospect One", "") in ada
    assert ("Referral", "Referral lost: Alpha", "") in ada
    ben = [(e.kind, e.text, e.detail) for e in history.advocate_history(impact["b"].id)]
    assert ("Referral", "Referral won: Bravo", "revenue $30,000") in ben
    dee = [(e.text, e.detail) for e in history.advocate_history(impact["d"].id)]
    assert ("Declined: Prospect One", "Not this time") in dee


def test_the_staff_pages_show_references_and_referrals(impact, login):
    client = login(impact["owner"])
    history_page = client.get(f"/manage/insight/advocates/{impact['a'].id}/history")
    assert "Reference given: Prospect One" in history_page.get_data(as_text=True)
    ben = client.get(f"/manage/insight/advocates/{impact['b'].id}/history")
    assert "Referral won: Bravo" in ben.get_data(as_text=True)
    assert "revenue $30,000" in ben.get_data(as_text=True)
    zeta = client.get(f"/manage/accounts/{impact['z'].id}").get_data(as_text=True)
    assert "1 reference given by its current advocates · revenue influenced 50,000" in zeta
    assert "3 referrals made by its current advocates · 0 won · revenue won $0" in zeta
    xylo = client.get(f"/manage/accounts/{impact['x'].id}").get_data(as_text=True)
    assert "0 references given" in xylo
    assert "2 referrals made by its current advocates · 2 won · revenue won $40,000" in xylo


def test_the_csv_of_a_new_table_equals_it(impact, login):
    response = login(impact["owner"]).get("/manage/insight/references/outcomes.csv?period=month")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Outcome,This period,Previous period"
    assert lines[1:3] == ['"Held, deal won",1,0', '"Held, deal lost",0,1']
