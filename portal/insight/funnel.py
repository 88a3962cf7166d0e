"""Participation: the funnel invited → applied → approved → completed, per opportunity type.

The cohort is the participations that began in the period (an invitation sent
or an application made). Each counts at every stage it reached:
- invited: staff invited the advocate (an invitation is an ask);
- applied: the advocate put themselves forward — applied, or accepted an invitation;
- approved: given a seat (approved, and then completed or not shown);
- completed: took part.
The no-show rate is no-shows among those whose participation was marked
(completed + no-show).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.advocates.models import Ask, AskAnswer
from portal.extensions import db
from portal.i18n import format_datetime
from portal.insight import summaries
from portal.insight.figures import (
    Chart,
    Figures,
    Stat,
    Table,
    between,
    figure,
    kept_trend,
    rate,
    trend_counts,
)
from portal.insight.periods import Window
from portal.opportunities.models import (
    Opportunity,
    OpportunityType,
    Participation,
    ParticipationStatus,
)

S = ParticipationStatus
STAGES = (_l("Invited"), _l("Applied"), _l("Approved"), _l("Completed"), _l("No-show"))


def _stage_sums() -> list[sa.ColumnElement]:
    def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    invited = Participation.ask_id.is_not(None)
    return [
        count_if(invited),
        count_if(sa.or_(~invited, Ask.answer == AskAnswer.ACCEPTED)),
        count_if(Participation.status.in_([S.APPROVED, S.COMPLETED, S.NO_SHOW])),
        count_if(Participation.status == S.COMPLETED),
        count_if(Participation.status == S.NO_SHOW),
    ]


@summaries.snapshotted("funnel")
def funnel_by_type(span: Window) -> dict[str, list[int]]:
    """Opportunity type → counts at each of STAGES, for participations begun in the period."""
    rows = db.session.execute(
        sa.select(Opportunity.type, *_stage_sums())
        .select_from(Participation)
        .join(Opportunity, Opportunity.id == Participation.opportunity_id)
        .outerjoin(Ask, Ask.id == Participation.ask_id)
        .where(between(Participation.created_at, span.starts_at, span.ends_at))
        .group_by(Opportunity.type)
    ).all()
    return {str(kind): [int(n) for n in counts] for kind, *counts in rows}


COMPLETED = (Participation.completed_at, Participation.status == S.COMPLETED)


@summaries.snapshotted("completions")
def completions_per_bucket(span: Window) -> list[int]:
    """Completed participations per week or month of the period (the trend line)."""
    return trend_counts(span, *COMPLETED)


def _totals(by_type: dict[str, list[int]]) -> list[int]:
    return [sum(counts[i] for counts in by_type.values()) for i in range(len(STAGES))]


def no_show_rate(counts: list[int]) -> float | None:
    completed, no_show = counts[3], counts[4]
    return rate(no_show, completed + no_show)


@figure(20, "participation", _l("Participation"))
def participation_figures(span: Window) -> Figures:
    by_type, by_type_before, as_of = summaries.this_and_previous("funnel", span)
    total, before = _totals(by_type), _totals(by_type_before)
    type_rows = [
        [
            kind.label,
            *by_type[kind.value][:4],
            by_type[kind.value][4],
            no_show_rate(by_type[kind.value]),
        ]
        for kind in OpportunityType
        if kind.value in by_type
    ]
    completions, completions_as_of = kept_trend("completions", span, *COMPLETED)
    return Figures(
        stats=[
            Stat(_("Completed participations"), total[3], before[3]),
            Stat(_("No-show rate"), no_show_rate(total), no_show_rate(before), unit="%"),
        ],
        tables=[
            Table(
                "funnel",
                _("The funnel, all opportunity types"),
                [_("Stage"), _("This period"), _("Previous period")],
                [[stage, total[i], before[i]] for i, stage in enumerate(STAGES[:4])],
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "funnel-by-type",
                _("The funnel by opportunity type"),
                [_("Opportunity type"), *map(str, STAGES), _("No-show rate (%)")],
                type_rows,
            ),
            Table(
                "completions",
                _("Completed participations per week or month"),
                [_("From"), _("Completed")],
                [list(row) for row in completions],
                chart=Chart("line", (1,)),
            ),
        ],
        note=_(
            "Participations count in the period they began (an invitation sent or an "
            "application made), at every stage they reached; the funnel, and the "
            "completions before today, as of %(moment)s.",
            moment=format_datetime(as_of, clock.program_tz(), with_zone=False),
        )
        if as_of and completions_as_of == as_of
        else _(
            "Participations count in the period they began (an invitation sent or an "
            "application made), at every stage they reached; the funnel as of %(moment)s.",
            moment=format_datetime(as_of, clock.program_tz(), with_zone=False),
        )
        if as_of
        else _(
            "Participations count in the period they began (an invitation sent or an "
            "application made), at every stage they reached."
        ),
    )
