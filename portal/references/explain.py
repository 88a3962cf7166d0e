"""A candidate's score in plain words, part by part, from the points SQL computed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.advocates.models import Industry, Region, SizeBand
from portal.db import utcnow
from portal.references.models import ReferenceRequest


@dataclass(frozen=True)
class Part:
    """One line of an explanation: what was found and the points it gave."""

    text: str
    points: int
    most: int


def _label(enum_class, value) -> str:
    return enum_class(value).label if value else "unknown"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _fit(row: sa.Row, request: ReferenceRequest) -> list[Part]:
    industry = _label(Industry, row.industry)
    region = _label(Region, row.region)
    size = _label(SizeBand, row.size_band)
    size_words = {15: f"same company size ({size})", 7: f"company size one band away ({size})"}
    parts = [
        Part(
            f"same industry ({industry})"
            if row.part_industry
            else f"different industry ({industry})",
            row.part_industry,
            25,
        ),
        Part(
            f"same region ({region})" if row.part_region else f"different region ({region})",
            row.part_region,
            20,
        ),
        Part(size_words.get(row.part_size, f"different company size ({size})"), row.part_size, 15),
    ]
    if request.products:
        parts.append(
            Part(
                f"uses {row.shared_products} of the "
                f"{_count(len(request.products), 'product')} asked for",
                row.part_products,
                20,
            )
        )
    if request.topics:
        parts.append(
            Part(
                f"took part in or wrote about {row.shared_topics} of the "
                f"{_count(len(request.topics), 'topic')} asked for",
                row.part_topics,
                20,
            )
        )
    return parts


def _readiness(row: sa.Row) -> list[Part]:
    if row.answered == 0:
        speed = "not asked for a reference before"
    else:
        hours = row.answer_seconds / row.answered / 3600
        speed = (
            f"answers in {hours:.0f} hours on average"
            if hours >= 1
            else "answers within the hour on average"
        )
    return [
        Part(f"{row.tier or 'no'} tier", row.part_tier, 30),
        Part(f"{_count(row.held, 'reference')} held", row.part_held, 40),
        Part(speed, row.part_answers, 30),
    ]


def _days_ago(moment: datetime) -> int:
    return max(0, (utcnow() - moment).days)


def _fairness(row: sa.Row) -> list[Part]:
    if row.last_asked is None:
        last = "not asked in the last 90 days"
    else:
        days = _days_ago(row.last_asked)
        last = f"last asked {_count(days, 'day')} ago" if days else "asked today"
    return [
        Part(f"asked {_count(row.recent, 'time')} in the last 90 days", row.part_asks, 60),
        Part(last, row.part_recency, 40),
    ]


def explain(row: sa.Row, request: ReferenceRequest) -> dict[str, list[Part]]:
    """The parts of fit, readiness and fairness, each with its points."""
    return {"fit": _fit(row, request), "readiness": _readiness(row), "fairness": _fairness(row)}
