"""Program settings kept in the database (edited by admins, defaults from migrations)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Setting(db.Model):
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)


def get_setting(key: str, default: Any = None) -> Any:
    setting = db.session.get(Setting, key)
    return default if setting is None else setting.value


def all_settings() -> dict[str, Any]:
    """Every setting by key (a few rows), e.g. to record what a save changed."""
    return {setting.key: setting.value for setting in db.session.scalars(sa.select(Setting))}


def set_setting(key: str, value: Any) -> None:
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value
