"""Badge rules about referrals, added to the registry (`recognition.badge_rules.register`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _n

from portal import clock
from portal.extensions import db
from portal.recognition.badge_rules import Param, RuleKind, _among, register
from portal.referrals.models import Referral


@register
class ReferralsMade(RuleKind):
    key = "referrals_made"
    emblem = "chevrons"
    label = _l("Peers referred")
    params = (Param("count", _l("At least"), "count", 1),)
    events = frozenset({"referral"})

    def describe(self, params: dict) -> str:
        count = params["count"]
        if count == 1:
            return _("Refer your first peer.")
        return _n("Refer %(num)d peer.", "Refer %(num)d peers.", count)

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        query = (
            sa.select(Referral.advocate_id)
            .group_by(Referral.advocate_id)
            .having(sa.func.count() >= params["count"])
        )
        return _among(query, Referral.advocate_id, advocate_ids)


@register
class TopReferrer(RuleKind):
    key = "top_referrer"
    emblem = "crown"
    label = _l("Top referrer of a period")
    params = (
        Param("rank", _l("Top"), "count", 1),
        Param("period", _l("Period"), "period", "quarter"),
    )
    events = frozenset({"period_end"})

    def describe(self, params: dict) -> str:
        if params["period"] == "month":
            return _(
                "Refer the most peers of a month (top %(rank)s, judged when it ends).",
                rank=params["rank"],
            )
        return _(
            "Refer the most peers of a quarter (top %(rank)s, judged when it ends).",
            rank=params["rank"],
        )

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        """Advocates in the top ranks (ties share) of referrals made in a finished period."""
        # Referrals are few next to ledger entries: counted here, per program-time period.
        tz = clock.program_tz()
        referrals = db.session.execute(sa.select(Referral.advocate_id, Referral.created_at))
        current = clock.current_period(params["period"]).key
        counts: dict[tuple[str, int], int] = {}
        for advocate_id, created_at in referrals:
            keys = clock.period_keys(created_at, tz)
            period = keys[1] if params["period"] == "quarter" else keys[2]
            if period < current:
                counts[(period, advocate_id)] = counts.get((period, advocate_id), 0) + 1
        winners: set[int] = set()
        for period in {period for period, __ in counts}:
            scores = sorted({n for (p, __), n in counts.items() if p == period}, reverse=True)
            top = set(scores[: params["rank"]])
            winners |= {a for (p, a), n in counts.items() if p == period and n in top}
        return winners if advocate_ids is None else winners & set(advocate_ids)
