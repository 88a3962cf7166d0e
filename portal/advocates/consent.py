"""Consent and caps: whether an advocate may be asked, and what they want to hear about.

Every kind of ask (an invitation now; reference requests and interviews
later) goes through `record_ask`, so one set of rules protects advocates from
burnout: the topics they are open to, their quiet period, and their cap per
quarter. An advocate's own applications are not asks. News they signed up
for (the weekly digest of new opportunities) is not an ask either, but it
follows the same choices: only their open topics, nothing in a quiet period
or when they allow no asks at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from portal import clock
from portal.advocates import topics
from portal.advocates.models import AdvocateProfile, Ask, AskKind, OpenType
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.errors import AskNotAllowed
from portal.extensions import db
from portal.i18n import format_date


def asks_this_quarter(advocate_ids: list[int]) -> dict[int, int]:
    """How many times each advocate was asked in the current program quarter."""
    if not advocate_ids:
        return {}
    quarter = clock.quarter_key(utcnow())
    rows = db.session.execute(
        sa.select(Ask.advocate_id, sa.func.count())
        .where(Ask.advocate_id.in_(advocate_ids), Ask.quarter == quarter)
        .group_by(Ask.advocate_id)
    )
    counts = dict.fromkeys(advocate_ids, 0)
    counts.update(dict(rows.all()))
    return counts


def open_topics(advocate_ids: list[int]) -> dict[int, set[str]]:
    """The topics each advocate is open to being asked about (one query)."""
    result: dict[int, set[str]] = {advocate_id: set() for advocate_id in advocate_ids}
    if advocate_ids:
        for user_id, topic in db.session.execute(
            sa.select(OpenType.user_id, OpenType.type).where(OpenType.user_id.in_(advocate_ids))
        ):
            result[user_id].add(topic)
    return result


def is_quiet(profile: AdvocateProfile) -> bool:
    """In the quiet period the advocate chose: nobody asks them anything."""
    return profile.quiet_until is not None and profile.quiet_until >= clock.today()


def _in_sentence(label: str) -> str:
    """A label inside a sentence: lower case, except in German (its nouns keep their capital)."""
    text = str(label)
    locale = get_locale()
    return text if locale is not None and locale.language == "de" else text.lower()


@dataclass(frozen=True)
class AskCheck:
    advocate_id: int
    reasons: list[str]
    asked: int
    cap: int

    @property
    def allowed(self) -> bool:
        return not self.reasons


def check_asks(advocates: list[tuple[User, AdvocateProfile]], topic: str) -> list[AskCheck]:
    """Whether each advocate may be asked about `topic` now, and why not (two queries)."""
    ids = [user.id for user, _profile in advocates]
    counts = asks_this_quarter(ids)
    open_to = open_topics(ids)
    checks = []
    for user, profile in advocates:
        reasons = []
        if not user.active or user.role != Role.ADVOCATE:
            reasons.append(_("not an active advocate"))
        if topic not in open_to[user.id]:
            reasons.append(_("not open to %(topic)s", topic=_in_sentence(topics.label(topic))))
        if is_quiet(profile):
            reasons.append(_("quiet period until %(day)s", day=format_date(profile.quiet_until)))
        if counts[user.id] >= profile.max_asks_per_quarter:
            reasons.append(
                _(
                    "asked %(asked)d of %(cap)d times this quarter",
                    asked=counts[user.id],
                    cap=profile.max_asks_per_quarter,
                )
            )
        checks.append(AskCheck(user.id, reasons, counts[user.id], profile.max_asks_per_quarter))
    return checks


def refusals_sql(
    topic: str, asked_this_quarter: sa.ColumnElement[int]
) -> dict[str, sa.ColumnElement[bool]]:
    """`check_asks`'s reasons as SQL on User joined to AdvocateProfile, for lists
    that filter in the database (the reference shortlist): reason -> condition.

    `asked_this_quarter` is the advocate's count of asks in the current quarter.
    Each condition is false, never NULL, when it does not apply.
    """
    return {
        "deactivated": sa.or_(User.active.is_(False), User.role != Role.ADVOCATE),
        "closed this kind of ask": ~sa.exists().where(
            OpenType.user_id == User.id, OpenType.type == topic
        ),
        "in their quiet period": sa.and_(
            AdvocateProfile.quiet_until.is_not(None),
            AdvocateProfile.quiet_until >= clock.today(),
        ),
        "at their cap for this quarter": asked_this_quarter >= AdvocateProfile.max_asks_per_quarter,
    }


def record_ask(
    advocate: User,
    *,
    kind: AskKind,
    topic: str,
    subject: str,
    asked_by: User,
    opportunity_id: int | None = None,
) -> Ask:
    """Record an ask if the advocate's consent and cap allow it; raises AskNotAllowed.

    The advocate's profile row is locked first, so two staff members asking at
    the same moment cannot both take the last ask of the quarter.
    """
    profile = db.session.scalar(
        sa.select(AdvocateProfile)
        .where(AdvocateProfile.user_id == advocate.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if profile is None:
        raise AskNotAllowed([_("not an advocate")])
    (check,) = check_asks([(advocate, profile)], topic)
    if not check.allowed:
        raise AskNotAllowed(check.reasons)
    now = utcnow()
    ask = Ask(
        advocate_id=advocate.id,
        kind=kind,
        topic=topic,
        subject=subject[:200],
        opportunity_id=opportunity_id,
        asked_by_id=asked_by.id,
        asked_at=now,
        quarter=clock.quarter_key(now),
    )
    db.session.add(ask)
    db.session.flush()
    return ask


def digest_topics(profiles: list[AdvocateProfile]) -> dict[int, set[str]]:
    """The topics each advocate wants news of in a digest (one query).

    Their open topics; none during their quiet period or when they allow no
    asks at all. How often they were asked doesn't matter: news is not an ask.
    """
    wanted = open_topics([profile.user_id for profile in profiles])
    for profile in profiles:
        if is_quiet(profile) or profile.max_asks_per_quarter == 0:
            wanted[profile.user_id] = set()
    return wanted
