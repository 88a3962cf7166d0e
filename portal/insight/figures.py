"""The registry of the program page's figures, and the shapes they return.

A figure module registers a loader with `@figure(order, key, title)`; the
loader gets the period (`periods.Window`) and returns a `Figures`: headline
numbers compared with the previous period, and tables. A table is the source
of truth: the page shows it, a chart may draw it, and its CSV download is the
same rows. Figures about reference requests or referrals join the page as one
more module that registers itself here (and, for the qualified-advocate view,
with `qualified.qualifying`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from babel import numbers
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.i18n import format_date, format_money, format_number, format_percent
from portal.insight import summaries
from portal.insight.periods import Window, buckets

Cell = Any


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: `kind` "line" or "bar", one series per column in `series`."""

    kind: str
    series: tuple[int, ...]
    stacked: bool = False


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    chart: Chart | None = None
    empty: Any = _l("Nothing in this period.")

    def chart_data(self) -> dict:
        """What `static/js/insight.js` needs to draw the chart of this table."""
        assert self.chart is not None
        return {
            "kind": self.chart.kind,
            "stacked": self.chart.stacked,
            "labels": [str(row[0]) for row in self.rows],
            "series": [
                {"label": str(self.columns[i]), "values": [row[i] or 0 for row in self.rows]}
                for i in self.chart.series
            ],
        }


@dataclass(frozen=True)
class Stat:
    label: Any
    value: int | float | None
    previous: int | float | None = None
    # "%" (a percentage 0–100), "h" (hours) or "money" (the program's currency)
    unit: str = ""

    @property
    def change(self) -> int | float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class Figures:
    stats: list[Stat] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: Any = ""


@dataclass(frozen=True)
class Figure:
    order: int
    key: str
    title: Any
    load: Callable[[Window], Figures]


@dataclass
class Section:
    key: str
    title: Any
    figures: Figures

    def table(self, key: str) -> Table | None:
        return next((table for table in self.figures.tables if table.key == key), None)


FIGURES: dict[str, Figure] = {}


def figure(order: int, key: str, title: Any) -> Callable:
    """Register a family of figures on the program page (a decorator on its loader)."""

    def register(load: Callable[[Window], Figures]) -> Callable[[Window], Figures]:
        FIGURES[key] = Figure(order, key, title, load)
        return load

    return register


def sections(span: Window) -> list[Section]:
    """Every registered family of figures for the period, in page order."""
    return [
        Section(f.key, f.title, f.load(span))
        for f in sorted(FIGURES.values(), key=lambda f: f.order)
    ]


def section(key: str, span: Window) -> Section | None:
    found = FIGURES.get(key)
    return Section(found.key, found.title, found.load(span)) if found else None


# --- helpers shared by the figure modules -------------------------------------


def show(value: Cell, unit: str = "") -> Cell:
    """A cell or headline number as the reader writes it: percentages and hours with one
    decimal, money in the program's currency, counts grouped; text as it is."""
    if value is None:
        return "–"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if unit == "%":
        return format_percent(value / 100, 1 if isinstance(value, float) else 0)
    if unit == "money":
        return format_money(value)
    if isinstance(value, float):
        shown = numbers.format_decimal(value, "#,##0.0", locale=get_locale())
    else:
        shown = format_number(value)
    return _("%(hours)s h", hours=shown) if unit == "h" else shown


def between(column: sa.ColumnElement, start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """`start <= column < end`: a period's rows (periods are half-open)."""
    return sa.and_(column >= start, column < end)


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


def trend_columns(
    span: Window, column: sa.ColumnElement, value: sa.ColumnElement | None = None
) -> list[sa.ColumnElement]:
    """One sum per week or month of the period (`periods.buckets`), to add to a select
    whose rows include the period's: how many rows (or the sum of `value`) fall in each."""
    added = 1 if value is None else value
    return [
        sa.func.coalesce(sa.func.sum(sa.case((between(column, start, end), added), else_=0)), 0)
        for _label, start, end in buckets(span)
    ]


def trend_rows(span: Window, totals) -> list[tuple[str, int]]:
    return [(label, int(t)) for (label, _start, _end), t in zip(buckets(span), totals, strict=True)]


def trend(
    span: Window,
    column: sa.ColumnElement,
    *conditions: sa.ColumnElement[bool],
    value: sa.ColumnElement | None = None,
) -> list[tuple[str, int]]:
    """Per week or month of the period (`periods.buckets`): how many rows, or the sum of
    `value`, have `column` in that bucket. One index range scan, whatever the buckets.
    """
    sums = trend_columns(span, column, value)
    if not sums:
        return []
    row = db.session.execute(
        sa.select(*sums).where(between(column, span.starts_at, span.ends_at), *conditions)
    ).one()
    return trend_rows(span, row)


def trend_counts(
    span: Window, column: sa.ColumnElement, *conditions: sa.ColumnElement[bool]
) -> list[int]:
    """How many rows per bucket of the period, in bucket order (what a snapshot keeps)."""
    return [count for _label, count in trend(span, column, *conditions)]


def kept_trend(
    name: str, span: Window, column: sa.ColumnElement, *conditions: sa.ColumnElement[bool]
) -> tuple[list[tuple[str, int]], datetime | None]:
    """`trend` of a standard period from the job's snapshot `name` (`trend_counts` of the
    period as it stood at 00:00 today) plus the rows since 00:00, which fall in its last
    bucket; and that moment. Counted live (moment None) for a custom range or before the
    job took the snapshot."""
    kept, as_of = summaries.this_only(name, span)
    if kept is None or as_of is None:
        return trend(span, column, *conditions), None
    today = db.session.scalar(
        sa.select(sa.func.count()).where(between(column, as_of, span.ends_at), *conditions)
    )
    rows = []
    # The same buckets as at 00:00 (a period starts on a day's 00:00, so they don't
    # move), and one more when a week or month began today.
    for index, (label, start, end) in enumerate(buckets(span)):
        count = kept[index] if index < len(kept) else 0
        rows.append((label, count + (today or 0) * (start <= as_of < end)))
    return rows, as_of
