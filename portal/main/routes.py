from __future__ import annotations

import sqlalchemy as sa
from flask import abort, make_response, redirect, render_template, request
from flask_login import current_user

from portal import clock
from portal.advocates.models import AdvocateProfile, ConsentAsset
from portal.advocates.visibility import shows_publicly
from portal.auth.decorators import advocate_required
from portal.auth.routes import home_url
from portal.branding import branding, mix
from portal.db import read_only
from portal.extensions import db
from portal.images import StoredImage
from portal.main import bp
from portal.main.dashboard import my_program
from portal.references.forms import OpenToForm


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


# --- operations (load balancers and orchestrators) ------------------------


@bp.get("/readyz")
def readyz():
    """200 when the database answers (degraded when Redis does not); 503 with the reason if not."""
    from portal.health import readiness

    problems, checks = readiness()
    if problems:
        body = {"status": "unavailable", "reason": "; ".join(problems), "checks": checks}
        return body, 503, {"Cache-Control": "no-store"}
    status = "ready" if checks["redis"] in ("ok", "not configured") else "degraded"
    return {"status": status, "checks": checks}, 200, {"Cache-Control": "no-store"}


# --- the advocate's home ----------------------------------------------------


@bp.get("/dashboard")
@read_only
@advocate_required
def dashboard():
    """The advocate's home, "My program": what they take part in, points, rank, tier, badges."""
    quarter = clock.current_period("quarter")
    mine = my_program(current_user.id, quarter.key)  # one statement
    return render_template(
        "main/dashboard.html",
        participations=mine.participations,
        totals=mine.totals,
        quarter=quarter,
        rank_all=mine.rank_all,
        rank_quarter=mine.rank_quarter,
        progress=mine.progress,
        entries=mine.entries,
        shown=current_user.profile.show_on_leaderboard,
        awards=mine.awards,
        reference_asks=mine.reference_asks,
        open_to_form=OpenToForm()
        if current_user.profile.reference_kinds_answered_at is None
        else None,
    )


@bp.get("/theme.css")
def theme():
    """The admins' accent colour as CSS variables (a file: the CSP allows no inline style)."""
    brand = branding()
    ring = mix(brand.accent, "#ffffff", 0.6)
    css = (
        ":root {"
        f" --brand: {brand.accent}; --brand-strong: {brand.accent_strong};"
        f" --brand-soft: {brand.accent_soft}; --focus: 0 0 0 3px {ring};"
        " }\n"
    )
    response = make_response(css)
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    # The page links it with the colour in the address, so a new colour is a new file.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/images/<id:image_id>")
def image(image_id: int):
    """An uploaded image, to those its use allows: the program's logo to everyone; an
    advocate's photo to them and to staff, and to everyone while they allow their
    photo on the public showcase (checked on every request, so a withdrawal holds
    at once)."""
    if image_id == branding().logo_id:
        cache = "public, max-age=86400"
    else:
        owner_id = db.session.scalar(
            sa.select(AdvocateProfile.user_id).where(AdvocateProfile.photo_id == image_id)
        )
        if owner_id is None or not _may_see_photo(owner_id):
            abort(404)
        cache = "private, no-cache"
    stored = db.get_or_404(StoredImage, image_id)
    response = make_response(stored.data)
    response.headers["Content-Type"] = stored.content_type
    response.headers["Cache-Control"] = cache
    response.set_etag(f"image-{stored.id}")
    return response.make_conditional(request)


def _may_see_photo(owner_id: int) -> bool:
    if current_user.is_authenticated and (current_user.id == owner_id or current_user.is_staff):
        return True
    return shows_publicly(owner_id, ConsentAsset.PHOTO)
