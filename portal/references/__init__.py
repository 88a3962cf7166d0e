"""Reference requests: a fair, explained shortlist, the ask, the answer and the outcome."""

from flask import Blueprint

bp = Blueprint("references", __name__, url_prefix="/references")


def _register_jobs() -> None:
    from portal.jobs.runner import JOBS
    from portal.references.jobs import expire_overdue, send_reminders

    JOBS["reference ask reminders"] = send_reminders
    JOBS["reference asks past due"] = expire_overdue


_register_jobs()

from portal.references import outcomes, routes  # noqa: E402,F401
