"""Program settings kept in the database (edited by admins, defaults from migrations)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db


class Setting(db.Model):
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)


# Keys found missing in the session's current transaction: a setting left at its
# default is read once per transaction, like one that exists (the identity map).
_MISSING = "portal.settings_missing"


def get_setting(key: str, default: Any = None) -> Any:
    session = db.session()
    missing = session.info.setdefault(_MISSING, set())
    if key in missing:
        return default
    setting = session.get(Setting, key)
    if setting is None:
        missing.add(key)
        return default
    return setting.value


def all_settings() -> dict[str, Any]:
    """Every setting by key (a few rows), e.g. to record what a save changed."""
    return {setting.key: setting.value for setting in db.session.scalars(sa.select(Setting))}


def set_setting(key: str, value: Any) -> None:
    db.session().info.setdefault(_MISSING, set()).discard(key)
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_missing(session: Session) -> None:
    session.info.pop(_MISSING, None)
