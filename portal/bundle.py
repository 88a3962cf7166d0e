"""Several short lists of one page in one round trip: each list is a JSON column.

A page that shows an advocate's recent points, badges and participations
would ask the database once per list. `json_rows(query)` turns a query into
one column (its rows as a JSON array of objects), so a page selects all its
lists, and any scalars, in a single statement; `rows_of(value, query)` reads
such a column back as records with the query's types (aware UTC datetimes,
dates, enums, booleans) and attributes named after the columns' labels, a
dot nesting them (`"badge.slug"` → `award.badge.slug`). Works alike on
SQLite (`json_group_array`) and PostgreSQL (`json_agg`).
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from portal.db import UTCDateTime
from portal.extensions import db

_ORDER = "_row"  # the row's place in the query's order, kept in each object


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def json_rows(query: sa.Select) -> sa.ScalarSelect:
    """SQL: the rows of `query` (in its ORDER BY, within its LIMIT) as a JSON array,
    one object per row keyed by the columns' labels."""
    order_by: list[ColumnElement] = list(query._order_by_clauses)
    numbered = (
        query.add_columns(sa.func.row_number().over(order_by=order_by).label(_ORDER))
        .correlate(None)
        .subquery()
    )
    pairs: list[Any] = []
    for column in numbered.c:
        pairs += [sa.literal(column.key), column]
    if _dialect() == "postgresql":
        array = sa.func.json_agg(sa.func.json_build_object(*pairs))
    else:
        array = sa.func.json_group_array(sa.func.json_object(*pairs))
    return sa.select(array).select_from(numbered).correlate(None).scalar_subquery()


def _reader(column_type: sa.types.TypeEngine):
    """How to turn a JSON value back into what the column's type gives in Python."""
    if isinstance(column_type, UTCDateTime) or isinstance(column_type, sa.DateTime):

        def as_datetime(value: str) -> datetime:
            found = datetime.fromisoformat(value)
            return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)

        return as_datetime
    if isinstance(column_type, sa.Date):
        return lambda value: date.fromisoformat(value[:10])
    if isinstance(column_type, sa.Enum) and isinstance(column_type.enum_class, type):
        enum_class: type[enum.Enum] = column_type.enum_class
        return enum_class
    if isinstance(column_type, sa.Boolean):
        return bool
    return None


def rows_of(value: Any, query: sa.Select) -> list[SimpleNamespace]:
    """The records of a `json_rows(query)` column, in the query's order."""
    if value is None:  # PostgreSQL's json_agg of no rows
        return []
    rows = json.loads(value) if isinstance(value, str) else value
    readers = {column.key: _reader(column.type) for column in query.selected_columns}
    records = []
    for row in sorted(rows, key=lambda row: row[_ORDER]):
        record = SimpleNamespace()
        for key, reader in readers.items():
            found = row.get(key)
            if found is not None and reader is not None:
                found = reader(found)
            *path, name = key.split(".")
            target = record
            for part in path:
                if not hasattr(target, part):
                    setattr(target, part, SimpleNamespace())
                target = getattr(target, part)
            setattr(target, name, found)
        records.append(record)
    return records
