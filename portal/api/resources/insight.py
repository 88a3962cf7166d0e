"""The program figures of the insight page (read, staff only).

The period is the page's rule (`insight.periods.window`) and the figures
are the page's own (`insight.figures.sections`): the same numbers, tables
and rows as the page and its CSV downloads, as JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from flask_babel import LazyString
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from spectree import Response as Responses

from portal.api import access, bp, tokens
from portal.api.conventions import answer
from portal.api.core import operation
from portal.api.problems import ApiProblem
from portal.api.schemas import Strict
from portal.db import utcnow
from portal.forms import FIRST_YEAR, LAST_YEAR
from portal.insight import figures, periods
from portal.insight.manage import FAMILIES  # noqa: F401  (each family registers its figures)

tokens.register_resource("insight", "Program figures of the insight page (staff only)")

SECTION_KEYS = tuple(f.key for f in sorted(figures.FIGURES.values(), key=lambda f: f.order))


def _in_calendar(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"Enter a date between the years {FIRST_YEAR} and {LAST_YEAR}.")
    return value


CalendarDate = Annotated[date, AfterValidator(_in_calendar)]


def _plain(value):
    """The figures' labels are lazy translations: the API sends their (English) text;
    a day in a table (when someone moved) as an ISO 8601 date."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


Text = Annotated[str, BeforeValidator(_plain)]
Cell = Annotated[str | int | float | None, BeforeValidator(_plain)]


class ProgramQuery(Strict):
    period: Literal[tuple(periods.KINDS)] = Field(  # type: ignore[valid-type]
        periods.DEFAULT_KIND,
        description="month, quarter and year run from their first day (program time zone) "
        "to now; 90d is the last 90 days; custom needs `first` and `last`",
    )
    first: CalendarDate | None = Field(None, description="First day of a custom range")
    last: CalendarDate | None = Field(None, description="Last day of a custom range (included)")
    section: Literal[SECTION_KEYS] | None = Field(  # type: ignore[valid-type]
        None, description="Only this family of figures (default: all of them, in page order)"
    )


class Period(BaseModel):
    kind: str
    label: Text = Field(description="As the page titles it, with its first and last day")
    starts_at: datetime
    ends_at: datetime | None = Field(
        description="null while the period runs up to the call (then the ETag changes only "
        "when a figure does)"
    )


class Stat(BaseModel):
    label: Text
    value: int | float | None
    previous: int | float | None = Field(
        description="The same figure for the period of the same length just before"
    )
    change: int | float | None
    unit: Text


class Table(BaseModel):
    key: str = Field(description="Also the name of the page's CSV download of this table")
    caption: Text
    columns: list[Text]
    rows: list[list[Cell]]


class Section(BaseModel):
    key: str
    title: Text
    note: Text
    stats: list[Stat]
    tables: list[Table]


class ProgramFigures(BaseModel):
    period: Period
    sections: list[Section]


def _window(query: ProgramQuery) -> tuple[periods.Window, bool]:
    """The period asked for, and whether it runs up to now; raises ApiProblem (422)."""
    if query.period != "custom":
        extra = [name for name in ("first", "last") if getattr(query, name) is not None]
        if extra:
            raise _invalid(extra[0], "Only a custom period takes first and last days.")
    now = utcnow()
    try:
        span = periods.window(query.period, first=query.first, last=query.last, now=now)
    except periods.InvalidPeriod as error:
        raise _invalid(error.field, error.message) from None
    return span, span.ends_at == now


def _invalid(field: str, message: str) -> ApiProblem:
    return ApiProblem(
        422,
        "The request has invalid fields.",
        slug="invalid",
        errors=[{"field": field, "message": message}],
    )


def as_section(found: figures.Section) -> Section:
    shown = found.figures
    return Section(
        key=found.key,
        title=found.title,
        note=shown.note,
        stats=[
            Stat(
                label=stat.label,
                value=stat.value,
                previous=stat.previous,
                change=stat.change,
                unit=stat.unit,
            )
            for stat in shown.stats
        ],
        tables=[
            Table(key=table.key, caption=table.caption, columns=table.columns, rows=table.rows)
            for table in shown.tables
        ],
    )


@bp.get("/insight/program")
@operation(
    "insight:read",
    query=ProgramQuery,
    resp=Responses(HTTP_200=ProgramFigures, HTTP_304=None),
    tags=["insight"],
)
def program_figures(query: ProgramQuery):
    """The program page's figures for a period, each compared with the period before it."""
    access.require_staff()
    span, running = _window(query)
    if query.section is None:
        found = figures.sections(span)
    else:
        found = [figures.section(query.section, span)]
    period = Period(
        kind=span.kind,
        label=span.label,
        starts_at=span.starts_at,
        ends_at=None if running else span.ends_at,
    )
    return answer(ProgramFigures(period=period, sections=[as_section(s) for s in found]))
