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
