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
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.insight.periods import Window, buckets

Cell = str | int | float | None


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
    empty: str = "Nothing in this period."

    def chart_data(self) -> dict:
        """What `static/js/insight.js` needs to draw the chart of this table."""
        assert self.chart is not None
        return {
            "kind": self.chart.kind,
            "stacked": self.chart.stacked,
            "labels": [str(row[0]) for row in self.rows],
            "series": [
                {"label": self.columns[i], "values": [row[i] or 0 for row in self.rows]}
                for i in self.chart.series
            ],
        }


@dataclass(frozen=True)
class Stat:
    label: str
    value: int | float | None
    previous: int | float | None = None
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
    note: str = ""


@dataclass(frozen=True)
class Figure:
    order: int
    key: str
    title: str
    load: Callable[[Window], Figures]


@dataclass
class Section:
    key: str
    title: str
    figures: Figures

    def table(self, key: str) -> Table | None:
        return next((table for table in self.figures.tables if table.key == key), None)


FIGURES: dict[str, Figure] = {}


def figure(order: int, key: str, title: str) -> Callable:
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
        for _, start, end in buckets(span)
    ]


def trend_rows(span: Window, totals) -> list[tuple[str, int]]:
    return [(label, int(t)) for (label, _, _), t in zip(buckets(span), totals, strict=True)]


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
