"""Streamed CSV exports for staff: filters, formula injection, the audit trail, memory."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import timedelta

import sqlalchemy as sa

from portal.advocates.models import Ask, AskKind
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition.models import PointsEntry, PointsSource


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_cells_a_spreadsheet_would_run_are_defused(app, make, login):
    client = login(make.manager())
    for name in ('=HYPERLINK("http://x")', "+1 555", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "Plain"):
        make.advocate(name=name)
    names = {row["name"] for row in _rows(client.get("/manage/exports/advocates.csv"))}
    assert names == {
        '\'=HYPERLINK("http://x")',
        "'+1 555",
        "'-2+3",
        "'@SUM(A1)",
        "'\tTab",
        "'\rCR",
        "Plain",
    }


def test_exports_filter_like_their_pages(app, make, login):
    manager = make.manager()
    client = login(manager)
    acme = make.account(name="Acme Corp")
    ada = make.advocate(name="Ada Ant", account=acme)
    bob = make.advocate(name="Bob Bee")
    make.points(ada, 10, at=utcnow() - timedelta(days=40))
    make.points(ada, 20)
    make.points(bob, 30)
    found = _rows(client.get("/manage/exports/advocates.csv?q=acme"))
    assert [(row["name"], row["company"], row["points_all_time"]) for row in found] == [
        ("Ada Ant", "Acme Corp", "30")
    ]
    ledger = _rows(client.get(f"/manage/exports/ledger.csv?advocate={ada.id}"))
    assert [row["points"] for row in ledger] == ["10", "20"]
    since = (utcnow() - timedelta(days=5)).date().isoformat()
    recent = _rows(client.get(f"/manage/exports/ledger.csv?since={since}"))
    assert sorted(row["points"] for row in recent) == ["20", "30"]
    opportunity = make.opportunity(created_by=manager)
    make.participation(opportunity, ada, S.APPROVED)
    make.participation(opportunity, bob)
    approved = _rows(client.get("/manage/exports/participations.csv?status=approved"))
    assert [row["advocate_id"] for row in approved] == [str(ada.id)]
    assert len(_rows(client.get("/manage/exports/accounts.csv?q=acme"))) == 1
    with app.app_context():
        for advocate, quarter in ((ada, "2026-Q3"), (bob, "2026-Q4")):
            db.session.add(
                Ask(
                    advocate_id=advocate.id,
                    kind=AskKind.INVITATION,
                    topic="webinar",
                    subject="=cmd",
                    asked_by_id=manager.id,
                    quarter=quarter,
                )
            )
        db.session.commit()
    asks = _rows(client.get("/manage/exports/asks.csv?quarter=2026-Q4"))
    assert [(row["advocate_id"], row["subject"]) for row in asks] == [(str(bob.id), "'=cmd")]
    # Unreadable filters are ignored, never a 500.
    assert len(_rows(client.get("/manage/exports/ledger.csv?since=99999&advocate=x"))) == 3
    assert client.get("/manage/exports/nothing.csv").status_code == 404


def test_each_export_is_in_the_audit_trail_without_what_was_searched(app, make, login):
    manager = make.manager()
    client = login(manager)
    client.get("/manage/exports/advocates.csv?q=Secret Person")
    client.get("/manage/exports/ledger.csv?advocate=7&since=2026-01-01")
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id, e.details) for e in events] == [
            ("export.downloaded", manager.id, {"kind": "advocates", "filters": {"search": True}}),
            (
                "export.downloaded",
                manager.id,
                {"kind": "ledger", "filters": {"advocate": 7, "since": "2026-01-01"}},
            ),
        ]


def test_exports_are_for_staff_only(make, login):
    client = login(make.advocate())
    assert client.get("/manage/exports/ledger.csv").status_code == 403
    assert client.get("/manage/exports").status_code == 403


def _add_entries(app, advocate_id: int, start: int, count: int) -> None:
    with app.app_context():
        now = utcnow()
        db.session.execute(
            sa.insert(PointsEntry),
            [
                {
                    "advocate_id": advocate_id,
                    "points": 1,
                    "source": PointsSource.MANUAL,
                    "reason": "A long enough reason to make each row a real line of text",
                    "award_key": f"stream:{number}",
                    "created_at": now,
                }
                for number in range(start, start + count)
            ],
        )
        db.session.commit()


def _export_peak(client) -> tuple[int, int, int]:
    """Lines, bytes, and the most memory held at once while the export streamed."""
    response = client.get("/manage/exports/ledger.csv", buffered=False)
    assert response.is_streamed
    size = lines = 0
    tracemalloc.start()
    try:
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    return lines, size, peak


def test_the_ledger_streams_without_holding_its_rows(app, make, login):
    advocate = make.advocate()
    client = login(make.manager())
    _add_entries(app, advocate.id, 0, 5_000)
    lines, small_size, small_peak = _export_peak(client)
    assert lines == 5_001
    _add_entries(app, advocate.id, 5_000, 15_000)
    lines, size, peak = _export_peak(client)
    assert lines == 20_001
    # Four times the rows, not four times the memory: a batch at a time.
    assert size > 3.5 * small_size
    assert peak < 1.5 * small_peak, (small_peak, peak)


def test_reference_requests_and_asks_export_too(app, make, login):
    client = login(make.manager())
    for kind, column in (("reference_requests", "prospect_name"), ("reference_asks", "status")):
        response = client.get(f"/manage/exports/{kind}.csv?state=open&request=1")
        assert response.status_code == 200
        assert column in response.get_data(as_text=True).splitlines()[0]
    assert "Reference requests" in client.get("/manage/exports").get_data(as_text=True)


def test_the_exports_page_speaks_the_readers_language_but_csv_headers_stay(make, login):
    client = login(make.manager())
    page = client.get("/manage/exports", headers={"Accept-Language": "de"})
    assert "Botschafter herunterladen" in page.get_data(as_text=True)
    assert "Referenzanfragen herunterladen" in page.get_data(as_text=True)
    csv_file = client.get("/manage/exports/advocates.csv", headers={"Accept-Language": "de"})
    assert csv_file.get_data(as_text=True).lstrip("\ufeff").startswith("id,name,email,")
