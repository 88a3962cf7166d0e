"""CSV exports for staff, streamed: rows go out as the database yields them.

Each export is one SELECT of plain columns, read in batches (`yield_per`:
a server-side cursor on PostgreSQL), so two million ledger entries never sit
in memory at once. Exports take the filters of the pages they come from.
Every cell a spreadsheet could read as a formula is defused (`safe_cell`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.advocates import people
from portal.advocates.employment import current_job
from portal.advocates.models import Account, AdvocateProfile, Ask, AskKind, Employment
from portal.advocates.visibility import shown_publicly
from portal.auth.models import Role, User
from portal.csvfiles import safe_cell
from portal.db import contains_text
from portal.extensions import db
from portal.inputs import date_arg, id_arg
from portal.opportunities.models import (
    Opportunity,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition.models import PointsEntry, Standing, Tier
from portal.references.models import ReferenceAsk, ReferenceRequest, RequestState
from portal.referrals.models import Referral, ReferralStage

# A spreadsheet runs a cell starting with one of these as a formula.
BATCH = 2000


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text in chunks of about BATCH rows (UTF-8 with a BOM, for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for number, row in enumerate(rows, 1):
        writer.writerow([safe_cell(value) for value in row])
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_rows(statement: sa.Select) -> Iterator[sa.Row]:
    """The statement's rows, fetched BATCH at a time (a server-side cursor on PostgreSQL)."""
    yield from db.session.execute(statement.execution_options(yield_per=BATCH))


@dataclass(frozen=True)
class Export:
    label: str
    header: tuple[str, ...]
    # Builds the SELECT from the query string; returns it with the filters it used
    # (for the audit trail: ids, dates and choices, never searched text).
    build: Callable[[], tuple[sa.Select, dict]]
    # The download button's words (the exports page); the CSV header stays as it is.
    download: Any = None


def _text_filter() -> str:
    return request.args.get("q", "")[:100].strip()


def _advocates() -> tuple[sa.Select, dict]:
    statement = (
        sa.select(
            User.id,
            User.name,
            User.email,
            User.active,
            Account.name,
            Employment.title,
            Account.industry,
            Account.region,
            Tier.name,
            sa.func.coalesce(Standing.points, 0),
            AdvocateProfile.show_on_leaderboard,
            shown_publicly().label("shown_publicly"),
            User.created_at,
        )
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .outerjoin(Employment, current_job(User.id))
        .outerjoin(Account, Account.id == Employment.account_id)
        .outerjoin(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .outerjoin(
            Standing, sa.and_(Standing.advocate_id == User.id, Standing.period == clock.ALL_TIME)
        )
        .where(User.role == Role.ADVOCATE)
        .order_by(User.id)
    )
    text = _text_filter()
    if text:
        statement = statement.where(people.matching(text))
    return statement, {"search": bool(text)}


def _accounts() -> tuple[sa.Select, dict]:
    statement = sa.select(
        Account.id,
        Account.name,
        Account.kind,
        Account.crm_id,
        Account.industry,
        Account.region,
        Account.size_band,
        Account.owner_id,
        Account.created_at,
    ).order_by(Account.id)
    text = _text_filter()
    if text:
        statement = statement.where(contains_text(Account.name, text))
    return statement, {"search": bool(text)}


def _participations() -> tuple[sa.Select, dict]:
    statement = (
        sa.select(
            Participation.id,
            Participation.opportunity_id,
            Opportunity.title,
            Opportunity.type,
            Participation.advocate_id,
            Participation.status,
            Participation.created_at,
            Participation.decided_at,
            Participation.completed_at,
        )
        .join(Opportunity, Opportunity.id == Participation.opportunity_id)
        .order_by(Participation.id)
    )
    filters: dict = {}
    opportunity_id = id_arg("opportunity")
    if opportunity_id is not None:
        statement = statement.where(Participation.opportunity_id == opportunity_id)
        filters["opportunity"] = opportunity_id
    kind = request.args.get("type", "")
    if kind in OpportunityType.__members__.values():
        statement = statement.where(Opportunity.type == kind)
        filters["type"] = kind
    status = request.args.get("status", "")
    if status in ParticipationStatus.__members__.values():
        statement = statement.where(Participation.status == status)
        filters["status"] = status
    return statement, filters


def _ledger() -> tuple[sa.Select, dict]:
    statement = sa.select(
        PointsEntry.id,
        PointsEntry.created_at,
        PointsEntry.advocate_id,
        PointsEntry.points,
        PointsEntry.source,
        PointsEntry.source_id,
        PointsEntry.reason,
        PointsEntry.awarded_by_id,
        PointsEntry.corrects_id,
    ).order_by(PointsEntry.id)
    filters: dict = {}
    advocate_id = id_arg("advocate")
    if advocate_id is not None:
        statement = statement.where(PointsEntry.advocate_id == advocate_id)
        filters["advocate"] = advocate_id
    since, until = date_arg("since"), date_arg("until")
    if since is not None:
        statement = statement.where(PointsEntry.created_at > clock.end_of_day(_day_before(since)))
        filters["since"] = since
    if until is not None:
        statement = statement.where(PointsEntry.created_at <= clock.end_of_day(until))
        filters["until"] = until
    return statement, filters


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def _asks() -> tuple[sa.Select, dict]:
    statement = sa.select(
        Ask.id,
        Ask.asked_at,
        Ask.quarter,
        Ask.advocate_id,
        Ask.kind,
        Ask.topic,
        Ask.subject,
        Ask.opportunity_id,
        Ask.asked_by_id,
        Ask.answer,
        Ask.answered_at,
    ).order_by(Ask.id)
    filters: dict = {}
    advocate_id = id_arg("advocate")
    if advocate_id is not None:
        statement = statement.where(Ask.advocate_id == advocate_id)
        filters["advocate"] = advocate_id
    quarter = request.args.get("quarter", "")
    if re.fullmatch(r"\d{4}-Q[1-4]", quarter):
        statement = statement.where(Ask.quarter == quarter)
        filters["quarter"] = quarter
    kind = request.args.get("kind", "")
    if kind in AskKind.__members__.values():
        statement = statement.where(Ask.kind == kind)
        filters["kind"] = kind
    return statement, filters


def _reference_requests() -> tuple[sa.Select, dict]:
    statement = sa.select(
        *[getattr(ReferenceRequest, name) for name in REFERENCE_REQUEST_COLUMNS]
    ).order_by(ReferenceRequest.id)
    filters: dict = {}
    state = request.args.get("state", "")
    if state in RequestState.__members__.values():
        statement = statement.where(ReferenceRequest.state == state)
        filters["state"] = state
    return statement, filters


def _reference_asks() -> tuple[sa.Select, dict]:
    statement = sa.select(
        *[getattr(ReferenceAsk, name) for name in REFERENCE_ASK_COLUMNS]
    ).order_by(ReferenceAsk.id)
    filters: dict = {}
    request_id = id_arg("request")
    if request_id is not None:
        statement = statement.where(ReferenceAsk.request_id == request_id)
        filters["request"] = request_id
    return statement, filters


def _referrals() -> tuple[sa.Select, dict]:
    statement = sa.select(*[getattr(Referral, name) for name in REFERRAL_COLUMNS]).order_by(
        Referral.id
    )
    filters: dict = {}
    stage = request.args.get("stage", "")
    if stage in ReferralStage.__members__.values():
        statement = statement.where(Referral.stage == stage)
        filters["stage"] = stage
    return statement, filters


REFERRAL_COLUMNS = (
    "id",
    "created_at",
    "advocate_id",
    "peer_name",
    "peer_email",
    "peer_role",
    "company_name",
    "account_id",
    "stage",
    "revenue",
    "owner_id",
    "closed_at",
)
REFERENCE_REQUEST_COLUMNS = (
    "id",
    "created_at",
    "requester_id",
    "prospect_name",
    "industry",
    "region",
    "size_band",
    "kind",
    "deal_size",
    "currency",
    "urgency",
    "needed_by",
    "state",
    "accepted_advocate_id",
    "call_held",
    "deal_outcome",
    "revenue_influenced",
    "closed_at",
)
REFERENCE_ASK_COLUMNS = (
    "id",
    "request_id",
    "advocate_id",
    "status",
    "asked_at",
    "due_at",
    "answered_at",
    "decline_reason",
)

# Exports of other domains register here as they land (`register`).
EXPORTS: dict[str, Export] = {
    "advocates": Export(
        _l("Advocates"),
        (
            "id",
            "name",
            "email",
            "active",
            "company",
            "title",
            "industry",
            "region",
            "tier",
            "points_all_time",
            "on_leaderboards",
            "shown_publicly",
            "created_at",
        ),
        _advocates,
    ),
    "accounts": Export(
        _l("Companies"),
        (
            "id",
            "name",
            "kind",
            "crm_id",
            "industry",
            "region",
            "size_band",
            "owner_id",
            "created_at",
        ),
        _accounts,
    ),
    "participations": Export(
        _l("Participations"),
        (
            "id",
            "opportunity_id",
            "opportunity",
            "type",
            "advocate_id",
            "status",
            "applied_at",
            "decided_at",
            "completed_at",
        ),
        _participations,
    ),
    "ledger": Export(
        _l("Points ledger"),
        (
            "id",
            "created_at",
            "advocate_id",
            "points",
            "source",
            "source_id",
            "reason",
            "awarded_by_id",
            "corrects_id",
        ),
        _ledger,
    ),
    "asks": Export(
        _l("Asks"),
        (
            "id",
            "asked_at",
            "quarter",
            "advocate_id",
            "kind",
            "topic",
            "subject",
            "opportunity_id",
            "asked_by_id",
            "answer",
            "answered_at",
        ),
        _asks,
    ),
    "reference_requests": Export(
        _l("Reference requests"),
        REFERENCE_REQUEST_COLUMNS,
        _reference_requests,
        _l("Download reference requests"),
    ),
    "reference_asks": Export(
        _l("Reference asks"),
        REFERENCE_ASK_COLUMNS,
        _reference_asks,
        _l("Download reference asks"),
    ),
    "referrals": Export(_l("Referrals"), REFERRAL_COLUMNS, _referrals, _l("Download referrals")),
}


def register(kind: str, export: Export) -> None:
    """Add an export of another domain (its staff pages link to /manage/exports/<kind>.csv)."""
    EXPORTS[kind] = export
