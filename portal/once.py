"""One-time tokens of create forms: a form sent twice creates once.

Each form that creates something without a natural unique key (a new
opportunity, a story) carries a fresh token (`portal.forms.once_field`). The
first POST records the token, in the same transaction as what it creates,
with the address of what it created; a second POST with the same token (a
double click, a resend after a timeout) leads there instead of creating
again. The database settles two POSTs at the same moment: the token is the
primary key, so the second insert waits for the first transaction and then
fails, and that request reads what the first one recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.errors import InvalidToken
from portal.extensions import db

T = TypeVar("T")

SENT_TWICE = _l("This form was sent twice; it was saved once, here.")


class FormToken(db.Model):
    """A create form's token that was used, and where what it created lives."""

    __tablename__ = "form_token"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@dataclass(frozen=True)
class Created(Generic[T]):
    """Where the form's result lives; `value` is None when an earlier POST created it."""

    url: str
    value: T | None

    @property
    def is_new(self) -> bool:
        return self.value is not None


def _earlier(token: str, user_id: int) -> Created | None:
    used = db.session.get(FormToken, token)
    if used is None:
        return None
    if used.user_id != user_id:
        raise InvalidToken(_("This form can't be sent again. Reload the page and try again."))
    return Created(used.url, None)


def create_once(
    token: str | None, user_id: int, create: Callable[[], T], url_of: Callable[[T], str]
) -> Created[T]:
    """Run `create` unless this form token was used before; either way, say where the
    result lives. Without a token there is nothing to recognise a repeat by.

    Raises InvalidToken for another person's token, and whatever `create` raises.
    """
    if not token:
        value = create()
        return Created(url_of(value), value)
    earlier = _earlier(token, user_id)
    if earlier is not None:
        return earlier
    used = FormToken(token=token, user_id=user_id)
    db.session.add(used)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent a moment earlier, just committed
        db.session.rollback()
        earlier = _earlier(token, user_id)
        if earlier is None:
            raise InvalidToken(_("This form can't be sent again. Reload the page.")) from None
        return earlier
    value = create()
    used.url = url_of(value)
    db.session.flush()
    return Created(used.url, value)


def purge(now: datetime) -> int:
    """The timed job (jobs.runner): forget tokens after a week, when nobody resends a
    form any more; returns how many."""
    old = sa.delete(FormToken).where(FormToken.created_at < now - timedelta(days=7))
    purged = db.session.execute(old).rowcount
    db.session.commit()
    return purged
