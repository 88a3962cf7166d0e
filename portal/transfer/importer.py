"""Importing a CSV file: upload, choose columns, dry run, apply — the long work in a job.

A file is applied in one transaction by one background job: it applies
completely or not at all (a failure in the middle rolls everything back,
and the job is retried). Applying plans the file again against the database
as it is then, and refuses while any row is rejected; a second run of the
same file finds every row unchanged and writes nothing. New people start
open to no kind of ask, off the leaderboards and with no public profile;
inviting them is a separate choice.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import clock
from portal.advocates import employment
from portal.advocates.models import Account, AdvocateProfile, Employment
from portal.audit import trail
from portal.auth import flows
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.errors import InvalidState
from portal.extensions import db
from portal.i18n import speaking_to
from portal.jobs import queue
from portal.jobs.models import BackgroundJob, JobStatus
from portal.settings import get_setting, set_setting
from portal.signals import account_changed
from portal.transfer import reading
from portal.transfer.models import DataImport, ImportStatus
from portal.transfer.planning import AccountRef, Plan, make_plan

MAPPING_SETTING = "import_mapping"
IMPORT_JOB, INVITE_JOB = "import", "import-invitations"
# Rows written per statement.
BATCH = 1000


def upload(data: bytes, filename: str, *, by: User) -> DataImport:
    """Keep an uploaded file for its mapping step. Raises ImportRefused with what to fix."""
    text, encoding = reading.decode(data)
    delimiter = reading.delimiter_of(text)
    headers = reading.read_header(text, delimiter)
    row_count = reading.count_rows(text, delimiter)
    if not row_count:
        raise reading.ImportRefused(_("The file has a header but no rows."))
    upload = DataImport(
        created_by_id=by.id,
        filename=filename[:200],
        encoding=encoding,
        delimiter=delimiter,
        text=text,
        headers=headers,
        row_count=row_count,
        mapping=reading.guess_mapping(headers, get_setting(MAPPING_SETTING)),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def lock(data_import: DataImport) -> DataImport:
    return db.session.scalar(
        sa.select(DataImport)
        .where(DataImport.id == data_import.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def job_of(data_import: DataImport) -> BackgroundJob | None:
    return db.session.get(BackgroundJob, data_import.job_id) if data_import.job_id else None


def is_busy(data_import: DataImport) -> bool:
    job = job_of(data_import)
    return job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def start_dry_run(data_import: DataImport, mapping: dict[str, str], *, by: User) -> None:
    """Remember the mapping (for the next file too) and check every row in the background."""
    data_import = lock(data_import)
    if data_import.status in (ImportStatus.APPLYING, ImportStatus.APPLIED) or is_busy(data_import):
        raise InvalidState(_("This file is being imported or was imported already."))
    data_import.mapping = reading.check_mapping(mapping, data_import.headers)
    set_setting(MAPPING_SETTING, data_import.mapping)
    data_import.status = ImportStatus.CHECKING
    data_import.job_id = queue.enqueue(
        IMPORT_JOB, {"import_id": data_import.id, "apply": False}, by_id=by.id, max_attempts=3
    )


def start_apply(data_import: DataImport, *, by: User) -> None:
    """Apply a checked file in the background. Raises InvalidState while rows are rejected."""
    data_import = lock(data_import)
    if data_import.status != ImportStatus.CHECKED or is_busy(data_import):
        raise InvalidState(_("Run the dry run first; a file is imported once."))
    if data_import.counts.get("rejected"):
        raise InvalidState(
            _("Fix the rejected rows and upload the file again: nothing is applied.")
        )
    data_import.status = ImportStatus.APPLYING
    data_import.job_id = queue.enqueue(
        IMPORT_JOB,
        {"import_id": data_import.id, "apply": True},
        by_id=by.id,
        dedupe_key=f"import-apply:{data_import.id}",
        max_attempts=3,
    )


@queue.handler(IMPORT_JOB)
def run_import(context: queue.JobContext) -> dict:
    data_import = db.session.get(DataImport, context.payload["import_id"])
    by_id = db.session.scalar(
        sa.select(BackgroundJob.created_by_id).where(BackgroundJob.id == context.job_id)
    )
    # The report's reasons are written in the language of whoever started the job.
    with speaking_to(db.session.get(User, by_id) if by_id else None):
        return run(data_import, apply=context.payload["apply"], by_id=by_id, report=context.report)


def run(data_import: DataImport, *, apply: bool, by_id: int | None, report=None) -> dict:
    """Plan the file (the dry run) and, with `apply`, write it: in the caller's transaction.

    Applying writes nothing when a row is rejected (the database may have
    changed since the dry run); the report then says why.
    """
    total = data_import.row_count * (2 if apply else 1)
    report = report or (lambda done, total=None: None)
    report(0, total)
    plan = make_plan(
        data_import.text,
        data_import.delimiter,
        data_import.headers,
        data_import.mapping,
        report=lambda done: report(done, total),
    )
    data_import.rows, data_import.counts = plan.rows, dict(plan.counts)
    data_import.status = ImportStatus.CHECKED
    if not apply or plan.rejected:
        return data_import.counts
    created = apply_plan(plan, report=lambda done: report(total // 2 + done, total))
    data_import.created_user_ids = created
    data_import.status, data_import.applied_at = ImportStatus.APPLIED, utcnow()
    data_import.text = ""  # what happened is in the report; the file itself is no longer kept
    trail.record(
        "import.applied", "import", data_import.id, by_id=by_id, details=data_import.counts
    )
    report(total, total)
    return data_import.counts


def _insert(model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        ids.extend(
            db.session.scalars(
                sa.insert(model).returning(model.id, sort_by_parameter_order=True),
                rows[start : start + BATCH],
            )
        )
    return ids


def _update(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.update(model), rows[start : start + BATCH])


def apply_plan(plan: Plan, report=lambda done: None) -> list[int]:
    """Write what the plan lists; returns the ids of the people it created."""
    today = clock.today()
    keys = list(plan.new_accounts)
    new_ids = _insert(Account, [vars(plan.new_accounts[key]) for key in keys])
    account_ids = dict(zip(keys, new_ids, strict=True))

    def account_id(ref: AccountRef) -> int:
        return account_ids[ref[1]] if ref[0] == "new" else ref[1]

    _update(Account, [{"id": key, **changes} for key, changes in plan.account_updates.items()])
    for key, changes in plan.account_updates.items():
        if "industry" in changes or "region" in changes:
            account = db.session.get(Account, key)
            account_changed.send(key, industry=account.industry.value, region=account.region.value)
    people = plan.new_people
    user_ids = _insert(
        User, [{"email": p["email"], "name": p["name"], "role": Role.ADVOCATE} for p in people]
    )
    if people:
        _write_profiles_and_jobs(user_ids, people, account_id, today)
    report(len(people))
    _update(User, [{"id": key, "name": name} for key, name in plan.name_updates.items()])
    _update(Employment, [{"id": key, "title": title} for key, title in plan.title_updates.items()])
    for user_id, ref, title in plan.moves:
        user, account = db.session.get(User, user_id), db.session.get(Account, account_id(ref))
        employment.record_move(user, account=account, title=title, started_on=today)
    db.session.flush()
    report(len(people) + len(plan.moves))
    return user_ids


def _write_profiles_and_jobs(user_ids: list[int], people: list[dict], account_id, today) -> None:
    # Open to no kind of ask (no open types), off the leaderboards, not public.
    db.session.execute(
        sa.insert(AdvocateProfile),
        [{"user_id": user_id, "show_on_leaderboard": False} for user_id in user_ids],
    )
    db.session.execute(
        sa.insert(Employment),
        [
            {
                "user_id": user_id,
                "account_id": account_id(person["account"]),
                "title": person["title"],
                "started_on": today,
            }
            for user_id, person in zip(user_ids, people, strict=True)
        ],
    )


def start_invitations(data_import: DataImport, *, by: User) -> int:
    """Invite the people this import created (a separate, explicit choice); once."""
    data_import = lock(data_import)
    if data_import.status != ImportStatus.APPLIED or not data_import.created_user_ids:
        raise InvalidState(_("This import created nobody to invite."))
    if data_import.invited_at is not None:
        raise InvalidState(_("The people of this import were invited already."))
    now, people = utcnow(), len(data_import.created_user_ids)
    trail.record_change(
        "import.invited", data_import, by_id=by.id, details={"people": people}, invited_at=now
    )
    data_import.invited_at = now
    queue.enqueue(
        INVITE_JOB,
        {"import_id": data_import.id, "by_id": by.id},
        by_id=by.id,
        dedupe_key=f"import-invite:{data_import.id}",
    )
    return people


@queue.handler(INVITE_JOB)
def send_invitations(context: queue.JobContext) -> dict:
    data_import = db.session.get(DataImport, context.payload["import_id"])
    inviter = db.session.get(User, context.payload["by_id"])
    ids = data_import.created_user_ids
    sent = 0
    for start in range(0, len(ids), BATCH):
        for user in db.session.scalars(
            sa.select(User).where(User.id.in_(ids[start : start + BATCH]))
        ):
            # Someone who already set a password or was deactivated meanwhile is left alone.
            if user.active and user.password_hash is None and user.last_sign_in_at is None:
                flows.send_invitation(user, invited_by=inviter)
                sent += 1
        context.report(min(start + BATCH, len(ids)), len(ids))
    return {"invited": sent}
