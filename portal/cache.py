"""Versioned caches of data every advocate sees alike (a leaderboard page, the tiers).

A cache is named ("boards", "tiers") and has a version row in the database.
Whatever changes what it holds calls `bump(name)` inside its transaction; the
version moves when that transaction commits, together with the change, on
every node at once. A reader asks for the version first (usually as one more
column of a query it runs anyway: `version_column`) and then reuses what this
process computed under the same version, or computes it afresh. Reading the
version before the data means a cached value is never older than its version:
the request right after a change always sees it.

The value lives in this process only (a bounded dictionary, least recently
used out first): nothing to keep in step between nodes but the version row.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import dialect_insert
from portal.extensions import db

T = TypeVar("T")

# What every leaderboard shows alike (recognition.boards): moved by every change
# of a standing (recognition.ledger) and of a name, company or tier on a board.
BOARDS = "boards"
# The program's tiers (recognition.models.Tier): moved by any change to one.
TIERS = "tiers"
# Names of the caches whose versions this transaction moves at commit.
_PENDING = "portal.cache_bumps"
MAX_ENTRIES = 128  # board pages of ~20 KiB: at most a few MiB per worker


class CacheVersion(db.Model):
    __tablename__ = "cache_version"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def bump(name: str, session: Session | None = None) -> None:
    """Move the cache's version when this transaction commits (not before: a reader
    that saw the new version early could cache the old data under it)."""
    (session or db.session()).info.setdefault(_PENDING, set()).add(name)


def version_column(name: str) -> sa.ScalarSelect:
    """SQL: the cache's current version (0 before its first change)."""
    return (
        sa.select(sa.func.coalesce(sa.func.max(CacheVersion.version), 0))
        .where(CacheVersion.name == name)
        .scalar_subquery()
    )


def version(name: str) -> int:
    return db.session.scalar(sa.select(version_column(name)))


@event.listens_for(Session, "before_commit")
def _move_versions(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes after this hook: its changes may ask for bumps
    names = sorted(session.info.pop(_PENDING, ()))
    table = CacheVersion.__table__
    for name in names:  # always in the same order: no two commits wait on each other
        statement = dialect_insert(table).values(name=name, version=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"], set_={"version": table.c.version + 1}
            )
        )


@event.listens_for(Session, "after_rollback")
def _forget_versions(session: Session) -> None:
    session.info.pop(_PENDING, None)


class _Store:
    """(cache, key) -> (version, value), the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, tuple[int, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, at_version: int) -> tuple[bool, Any]:
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] != at_version:
                return False, None
            self.entries.move_to_end(key)
            return True, found[1]

    def put(self, key: tuple, at_version: int, value: Any) -> None:
        with self.lock:
            current = self.entries.get(key)
            if current is not None and current[0] > at_version:
                return  # another thread already holds a newer one
            self.entries[key] = (at_version, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _store() -> _Store:
    """This app's store (each app, and so each test, starts empty)."""
    store = current_app.extensions.get("portal.cache")
    if store is None:
        store = current_app.extensions.setdefault("portal.cache", _Store(MAX_ENTRIES))
    return store


def cached(name: str, at_version: int, key: Hashable, compute: Callable[[], T]) -> T:
    """What `compute()` returned under this version of the cache, computed at most
    once per process and version (two threads at once may both compute)."""
    full_key = (name, key)
    store = _store()
    hit, value = store.get(full_key, at_version)
    if hit:
        return value
    value = compute()
    store.put(full_key, at_version, value)
    return value
