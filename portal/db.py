"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC on every backend.

    SQLite keeps no offset, so values are written as naive UTC and read back
    with UTC attached; PostgreSQL stores `timestamptz`. Naive values are a bug
    in the caller and are refused rather than guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum_values(enum_class: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_class]


class Base(DeclarativeBase):
    # Enums are stored by value in a VARCHAR (no native type, no CHECK), so a
    # new state needs no migration; datetimes are always aware UTC.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            enum.Enum: sa.Enum(
                enum.Enum,
                native_enum=False,
                length=32,
                values_callable=_enum_values,
                validate_strings=True,
            ),
            datetime: UTCDateTime(),
        },
    )


_replayed_now: ContextVar[datetime | None] = ContextVar("replayed_now", default=None)


def utcnow() -> datetime:
    """The current time, aware and in UTC.

    Tests freeze it with time-machine; loaders that replay history through the
    services (the demo) move it with `replaying_at`.
    """
    return _replayed_now.get() or datetime.now(UTC)


@contextmanager
def replaying_at(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment`: every service and column default sees it."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: replay at aware datetimes only")
    token = _replayed_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _replayed_now.reset(token)


def _escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (with `ESCAPE '\\'`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(column: sa.ColumnElement, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains" for searches: what people type is never a pattern."""
    return column.ilike(f"%{_escape_like(text.strip())}%", escape="\\")


def dialect_insert(table: sa.Table | type):
    """The INSERT construct of the session's backend, with `on_conflict_*` support.

    Both SQLite and PostgreSQL support `ON CONFLICT`, which is how the portal
    lets the database settle races (one award per key, one standing per period).
    """
    from portal.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# Errors that mean "the database can't be reached or dropped the connection",
# not "this statement is wrong": the answer is 503 and "try again".
UNAVAILABLE = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,  # no pooled connection came free in time
)


def is_unavailable(error: BaseException) -> bool:
    return isinstance(error, UNAVAILABLE) or (
        isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated
    )


def release_session_quietly(_error: BaseException | None = None) -> None:
    """End the request's session even when its connection died after the answer was made.

    Flask-SQLAlchemy's own teardown would raise from the rollback of a killed
    connection after the response was built: the WSGI server then answered
    with its bare 500 while the access log said 200. The answer stands; the
    broken session is dropped and the pool replaces the connection.
    """
    from flask import current_app

    from portal.extensions import db

    try:
        db.session.remove()
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("database connection lost while closing the session: %s", error)
        db.session.registry.clear()


def claim_rows(
    model: type,
    due: sa.ColumnElement[bool],
    order_by: tuple[sa.ColumnElement, ...],
    limit: int,
    **values: object,
) -> list[int]:
    """Take up to `limit` due rows for one worker: each row goes to one worker only.

    The outbox and the background-job queue share this lease rule: a row is
    taken by an UPDATE that re-checks `due`, so of two workers racing for it
    exactly one sees a row count of 1. `values` mark it taken (status, lease,
    claim token). Commits, so other workers see the claim at once.
    """
    from portal.extensions import db

    candidates = db.session.scalars(sa.select(model.id).where(due).order_by(*order_by).limit(limit))
    claimed = []
    for row_id in candidates.all():
        taken = db.session.execute(
            sa.update(model)
            .where(model.id == row_id, due)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            claimed.append(row_id)
    db.session.commit()
    return claimed


class LeaseKeeper:
    """Renews leases every `every` while a worker is busy with what it claimed.

    A thread of its own with its own connection, so a server that hangs in the
    middle of the work does not let the lease run out under a live worker.
    When the worker dies the renewals stop, and once the lease runs out another
    worker takes the rows over. `renewal` builds the UPDATE that extends the
    leases still held.
    """

    def __init__(self, app, renewal: Callable[[], sa.Update], every: timedelta, name: str) -> None:
        self.app, self.renewal, self.every = app, renewal, every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        from portal.extensions import db

        while not self.stopping.wait(self.every.total_seconds()):
            with self.app.app_context():
                try:
                    with db.engine.begin() as connection:
                        connection.execute(self.renewal())
                except sa.exc.SQLAlchemyError as error:
                    # The next renewal, or the check before each row, tries again.
                    logging.getLogger(self.app.logger.name).warning(
                        "%s renewal failed: %s", self.thread.name, error
                    )

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()


def read_only(view: Callable) -> Callable:
    """Mark a page that only reads (put it right under the route decorator).

    Its GET and HEAD requests run without a transaction (autocommit): no BEGIN
    and no ROLLBACK round trips. Each statement still sees what was committed
    when it started, as every statement does in PostgreSQL's READ COMMITTED.
    """
    view.portal_read_only = True
    return view


def run_read_only_pages_without_transactions(app) -> None:
    from flask import request

    from portal.extensions import db

    @app.before_request
    def autocommit_for_read_only_pages() -> None:
        if request.method not in ("GET", "HEAD"):
            return
        if not getattr(app.view_functions.get(request.endpoint), "portal_read_only", False):
            return
        # A session already at work (an outer application context, as in some
        # tests) keeps its transaction.
        if not db.session().in_transaction():
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
