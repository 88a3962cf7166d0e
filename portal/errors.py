"""Domain errors raised by services, and the friendly error pages."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _n
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.db import UNAVAILABLE, is_unavailable
from portal.extensions import db, limiter, login_manager
from portal.logs import current_request_id


class PortalError(Exception):
    """A rule of the program was broken; `message` is shown to the person."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def messages(self) -> list[str]:
        """The message as separate points, for a form field's list of errors."""
        return [self.message]


class NotAllowed(PortalError):
    status_code = 403


class Conflict(PortalError):
    status_code = 409


class InvalidState(Conflict):
    """The thing is not in a state that allows this (closed, started, decided...)."""


class SeatsFull(Conflict):
    pass


class AlreadyExists(Conflict):
    pass


class NotEligible(PortalError):
    status_code = 403


class AskNotAllowed(PortalError):
    """Consent or caps refuse an ask; `lead` names who and what ("Ann can't be invited")."""

    status_code = 409

    def __init__(self, reasons: list[str], lead: str = "") -> None:
        reasons_text = "; ".join(reasons)
        super().__init__(
            _("%(lead)s: %(reasons)s.", lead=lead, reasons=reasons_text) if lead else reasons_text
        )
        self.reasons = reasons


class InvalidToken(PortalError):
    status_code = 400


def retry_after_seconds() -> int:
    """Seconds until the limit that was hit lets this client try again."""
    breached = [limit for limit in limiter.current_limits if limit.breached] or [
        limiter.current_limit
    ]
    try:
        resets = [limit.reset_at for limit in breached if limit is not None]
    except Exception:  # the limits' storage failed since the limit was hit
        resets = []
    return max(1, int(max(resets) - time.time())) if resets else 60


def _duration(seconds: int) -> str:
    """ "1 minute", "15 minutes", "3 hours": a wait as people say it, rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return _n("%(num)d minute", "%(num)d minutes", minutes)
    return _n("%(num)d hour", "%(num)d hours", math.ceil(minutes / 60))


ERROR_TEXT = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Check what you entered."),
    ),
    403: (_l("Not allowed"), _l("You don't have access to this page.")),
    404: (
        _l("Not found"),
        _l("There is nothing at this address. It may have moved or been removed."),
    ),
    405: (_l("Not allowed here"), _l("This address doesn't accept that kind of request.")),
    409: (_l("Conflict"), _l("That could not be done in the current state.")),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts.")),
    429: (_l("Too many attempts"), _l("Please wait a little and try again.")),
    500: (
        _l("Something went wrong"),
        _l("The problem is on our side and has been logged. Try again."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The portal can't reach its database just now. Please try again in a minute."),
    ),
}

# Seconds a client is asked to wait before trying again while the database is away.
UNAVAILABLE_RETRY_AFTER = 30


def render_error(status: int, message: str | None = None, title: str | None = None):
    """The portal's error page (or JSON), with the request id that the logs carry.

    Never raises: if the page cannot be drawn (the database went away while
    it rendered), a plain page says the same.
    """
    default_title, default_message = ERROR_TEXT.get(status, ERROR_TEXT[500])
    request_id = current_request_id()
    if request.path.startswith("/api/"):
        from portal.api.problems import problem_response

        with force_locale("en"):  # the API speaks English
            message = str(message or default_message)
        return problem_response(status, message), status
    title, message = str(title or default_title), str(message or default_message)
    if request.accept_mimetypes.best == "application/json":
        return {"error": message, "request_id": request_id}, status
    try:
        page = render_template(
            "errors/error.html", status=status, title=title, message=message, request_id=request_id
        )
    except Exception:  # the error page itself failed: answer without the layout
        current_app.logger.exception("the error page failed; answering with a plain one")
        page = (
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
            f"<h1>{escape(title)}</h1><p>{escape(message)}</p>"
            f"<p>{escape(_('Reference:'))} <code>{escape(request_id or '')}</code></p></html>"
        )
    return page, status


def _roll_back_quietly() -> None:
    """Roll the request's work back; a connection that died with it is simply dropped."""
    try:
        db.session.rollback()
    except SQLAlchemyError as error:
        current_app.logger.warning("rollback failed: %s", error)
        db.session.registry.clear()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _(
                "Your form expired or was sent from another site. Go back, reload the page "
                "and try again."
            ),
            title=_("Form expired"),
        )

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        wait = retry_after_seconds()
        response = render_error(
            429, _("Too many attempts. Try again in %(wait)s.", wait=_duration(wait))
        )
        return (*response, {"Retry-After": str(wait)})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        message = None
        if error.code in (400, 403, 409) and error.description != type(error).description:
            message = error.description
        response = render_error(error.code, message)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            return (*response, {"Allow": ", ".join(error.valid_methods)})
        return response

    @app.errorhandler(PortalError)
    def portal_error(error: PortalError):
        db.session.rollback()
        return render_error(error.status_code, error.message)

    def database_unavailable(error: SQLAlchemyError):
        _roll_back_quietly()
        # The page is drawn for an anonymous visitor: showing who is signed in
        # would ask the database again.
        g._login_user = login_manager.anonymous_user()
        g.database_unavailable = True  # read by branding(): no query for the page
        cause = getattr(error, "orig", None) or error
        app.logger.warning(
            "database unavailable on %s %s: %s: %s",
            request.method,
            request.path,
            type(cause).__name__,
            str(cause).strip().splitlines()[0] if str(cause).strip() else "",
        )
        return (*render_error(503), {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)})

    for error_class in UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if is_unavailable(error):
            return database_unavailable(error)
        return unexpected_error(error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        _roll_back_quietly()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
