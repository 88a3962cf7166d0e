"""Domain errors raised by services, and the friendly error pages."""

from __future__ import annotations

import math
import time

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db, limiter


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
        super().__init__(f"{lead}: {reasons_text}." if lead else reasons_text)
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
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{math.ceil(minutes / 60)} hours"


ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Check what you entered."),
    403: ("Not allowed", "You don't have access to this page."),
    404: ("Not found", "There is nothing at this address. It may have moved or been removed."),
    405: ("Not allowed here", "This address doesn't accept that kind of request."),
    409: ("Conflict", "That could not be done in the current state."),
    413: ("Too large", "What you sent is larger than the portal accepts."),
    429: ("Too many attempts", "Please wait a little and try again."),
    500: ("Something went wrong", "The problem is on our side and has been logged. Try again."),
}


def render_error(status: int, message: str | None = None, title: str | None = None):
    default_title, default_message = ERROR_TEXT.get(status, ERROR_TEXT[500])
    if request.accept_mimetypes.best == "application/json":
        return {"error": message or default_message}, status
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or default_title,
            message=message or default_message,
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "Your form expired or was sent from another site. Go back, reload the page "
            "and try again.",
            title="Form expired",
        )

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        wait = retry_after_seconds()
        response = render_error(429, f"Too many attempts. Try again in {_duration(wait)}.")
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

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
