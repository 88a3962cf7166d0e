"""Small helpers shared by the views of every blueprint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash, render_template, request
from flask_babel import LazyString
from flask_login import current_user
from wtforms import Field

from portal import once
from portal.errors import PortalError
from portal.extensions import db
from portal.urls import is_safe_next

T = TypeVar("T")


def render_form(template: str, **context):
    """Render a page with a form: 422 when a submitted form is shown again with errors."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, **context), status


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `run_service` did: true when the change was committed."""

    value: T | None = None
    error: PortalError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def run_service(
    action: Callable[[], T],
    success: str | LazyString | Callable[[T], str] | None = None,
    *,
    field: Field | Callable[[PortalError], Field] | None = None,
) -> Outcome[T]:
    """Run one service call as the request's unit of work.

    On success the change is committed and `success` flashed (a function of
    the service's result when the message depends on it). A PortalError rolls
    everything back and its message is shown: on the form `field` when one is
    given (or chosen by a function of the error), else as a flash.
    """
    try:
        value = action()
    except PortalError as error:
        db.session.rollback()
        if callable(field) and not isinstance(field, Field):
            field = field(error)
        if field is not None:
            field.errors = [*field.errors, *map(str, error.messages)]
        else:
            flash(str(error.message), "error")
        return Outcome(error=error)
    db.session.commit()
    if success:
        flash(str(success(value) if callable(success) else success), "success")
    return Outcome(value=value)


def run_create_once(
    token: str | None,
    create: Callable[[], T],
    url_of: Callable[[T], str],
    success: str | LazyString | Callable[[T], str],
    *,
    field: Field | Callable[[PortalError], Field] | None = None,
) -> Outcome[once.Created[T]]:
    """`run_service` for a form that creates something, once per form `token`: a
    second POST of the same form creates nothing and leads to what the first made
    (`.value.url`), saying so. `success` is flashed for a new record."""

    def said(created: once.Created[T]) -> str:
        if not created.is_new:
            return str(once.SENT_TWICE)
        return str(success(created.value) if callable(success) else success)

    return run_service(
        lambda: once.create_once(token, current_user.id, create, url_of), said, field=field
    )


def back_to(default: str) -> str:
    """Where to return after an action: a local `next` from the form or query, else `default`."""
    target = request.form.get("next") or request.args.get("next")
    return target if is_safe_next(target) else default
