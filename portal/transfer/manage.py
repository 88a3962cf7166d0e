"""Staff pages for data in and out (under /manage): CSV exports and imports."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from portal import clock
from portal.advocates.models import AskKind
from portal.audit import trail
from portal.extensions import db
from portal.forms import PortalForm
from portal.i18n import format_number
from portal.opportunities.models import OpportunityType, ParticipationStatus
from portal.transfer import exports, importer, reading
from portal.transfer.forms import UploadForm
from portal.transfer.models import DataImport
from portal.views import render_form, run_service

bp = Blueprint("transfer", __name__)


@bp.get("/exports")
def export_list():
    return render_template(
        "transfer/exports.html",
        exports=exports.EXPORTS,
        types=OpportunityType,
        statuses=ParticipationStatus,
        ask_kinds=AskKind,
    )


@bp.get("/exports/<kind>.csv")
def export_csv(kind: str):
    export = exports.EXPORTS.get(kind)
    if export is None:
        abort(404)
    statement, filters = export.build()
    trail.record(
        "export.downloaded",
        "export",
        None,
        by_id=current_user.id,
        details={"kind": kind, "filters": filters},
    )
    db.session.commit()
    filename = f"{kind}-{clock.today().isoformat()}.csv"
    chunks = exports.csv_chunks(export.header, exports.stream_rows(statement))
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- imports ----------------------------------------------------------------

# A 50,000-row CRM file is a few megabytes, more than other forms may send.
MAX_IMPORT_BYTES = 32 * 1024 * 1024


def _import_or_404(import_id: int) -> DataImport:
    return db.get_or_404(DataImport, import_id)


@bp.url_value_preprocessor
def _allow_large_imports(endpoint: str | None, values: dict | None) -> None:
    # Runs before every before_request function, which may read the form already.
    if endpoint != "manage.transfer.import_list":
        return
    try:
        staff = current_user.is_authenticated and current_user.is_staff
    except SQLAlchemyError:
        # The database is down: the request's own handlers answer with the 503 page.
        db.session.rollback()
        return
    if staff:
        request.max_content_length = MAX_IMPORT_BYTES


@bp.route("/imports", methods=["GET", "POST"])
def import_list():
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        done = run_service(
            lambda: importer.upload(upload.read(), upload.filename or "", by=current_user),
            field=form.file,
        )
        if done:
            return redirect(url_for(".import_detail", import_id=done.value.id))
    recent = db.session.scalars(
        sa.select(DataImport).order_by(DataImport.id.desc()).limit(20)
    ).all()
    return render_form("transfer/imports.html", form=form, recent=recent)


@bp.get("/imports/<id:import_id>")
def import_detail(import_id: int):
    data_import = _import_or_404(import_id)
    rows = data_import.rows or []
    shown = [row for row in rows if row[2] == "rejected"][:200] + [
        row for row in rows if row[2] != "rejected"
    ][: max(0, 200 - data_import.counts.get("rejected", 0))]
    return render_template(
        "transfer/import.html",
        data_import=data_import,
        job=importer.job_of(data_import),
        fields=reading.FIELDS,
        shown=sorted(shown),
        form=PortalForm(),
    )


@bp.get("/imports/<id:import_id>/status.json")
def import_status(import_id: int):
    data_import = _import_or_404(import_id)
    job = importer.job_of(data_import)
    return jsonify(
        status=data_import.status.value,
        label=data_import.status.label,
        running=importer.is_busy(data_import),
        progress=job.progress if job else 0,
        total=(job.total or 0) if job else 0,
        error=job.last_error if job else "",
    )


@bp.post("/imports/<id:import_id>/mapping")
def import_mapping(import_id: int):
    data_import = _import_or_404(import_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    mapping = {field: request.form.get(f"map-{field}", "")[:200] for field in reading.FIELDS}
    run_service(
        lambda: importer.start_dry_run(data_import, mapping, by=current_user),
        _("Checking every row: nothing is changed by the dry run."),
    )
    return redirect(url_for(".import_detail", import_id=import_id))


@bp.post("/imports/<id:import_id>/apply")
def import_apply(import_id: int):
    data_import = _import_or_404(import_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    run_service(
        lambda: importer.start_apply(data_import, by=current_user),
        _("Importing: the file applies completely or not at all."),
    )
    return redirect(url_for(".import_detail", import_id=import_id))


@bp.post("/imports/<id:import_id>/invite")
def import_invite(import_id: int):
    data_import = _import_or_404(import_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    run_service(
        lambda: importer.start_invitations(data_import, by=current_user),
        lambda count: _n(
            "Inviting %(count)s new person.",
            "Inviting %(count)s new people.",
            count,
            count=format_number(count),
        ),
    )
    return redirect(url_for(".import_detail", import_id=import_id))


@bp.get("/imports/<id:import_id>/report.csv")
def import_report(import_id: int):
    data_import = _import_or_404(import_id)
    chunks = exports.csv_chunks(("row", "email", "outcome", "reason"), data_import.rows or [])
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-report.csv"'},
    )
