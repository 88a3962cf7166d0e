from __future__ import annotations

from flask import redirect, render_template
from flask_login import current_user

from portal.auth.routes import home_url
from portal.main import bp


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
    """200 when the database (and Redis, if configured) answer; 503 with the reason if not."""
    from portal.health import readiness

    problems, checks = readiness()
    if problems:
        body = {"status": "unavailable", "reason": "; ".join(problems), "checks": checks}
        return body, 503, {"Cache-Control": "no-store"}
    return {"status": "ready", "checks": checks}, 200, {"Cache-Control": "no-store"}
