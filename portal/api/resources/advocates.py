"""Advocates: what they share, their tier, points and badges; and the token itself."""

import sqlalchemy as sa
from flask import g
from spectree import Response as Responses

from portal.advocates import visibility
from portal.advocates.employment import current_job, current_jobs, is_current_job
from portal.advocates.models import AdvocateProfile, ConsentAsset, Employment
from portal.api import access, bp
from portal.api.conventions import answer, next_link, page_of
from portal.api.core import operation
from portal.api.resources.accounts import as_job
from portal.api.schemas import (
    Advocate,
    AdvocateList,
    AdvocateQuery,
    JobList,
    TokenInfo,
    UserRef,
)
from portal.auth.models import User
from portal.extensions import db
from portal.recognition import badges, ledger, tiers


@bp.get("/me")
@operation(None, resp=Responses(HTTP_200=TokenInfo), tags=["token"])
def me():
    """The token making this call, and whom it acts for."""
    token, person = g.api_token, access.user()
    return TokenInfo(
        name=token.name,
        prefix=token.prefix,
        scopes=token.scopes,
        expires_at=token.expires_at,
        user=UserRef(id=person.id, name=person.name, role=person.role.value),
    )


def _advocates_query() -> sa.Select:
    return (
        sa.select(User)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(access.advocates_visible())
    )


def as_advocates(people: list[User]) -> list[Advocate]:
    """Advocates as the API shows them, read in a fixed number of queries."""
    ids = [person.id for person in people]
    profiles = {
        profile.user_id: profile
        for profile in db.session.scalars(
            sa.select(AdvocateProfile).where(AdvocateProfile.user_id.in_(ids))
        )
    }
    jobs, points = current_jobs(ids), ledger.totals_by_advocate(ids)
    tier_names, held_badges = tiers.names_by_advocate(ids), badges.badges_by_advocate(ids)
    shows_email = access.is_staff()
    public = visibility.public_uses(ids)
    result = []
    for person in people:
        profile, job = profiles.get(person.id), jobs.get(person.id)
        # Requesters see a company only where the advocate lets the showcase name it.
        if not (shows_email or person.id == access.user().id):
            if ConsentAsset.LOGO not in public.get(person.id, set()):
                job = None
        result.append(
            Advocate(
                id=person.id,
                name=person.name,
                email=person.email if shows_email or person.id == access.user().id else None,
                bio=profile.bio if profile else "",
                title=job.title if job else None,
                account_id=job.account_id if job else None,
                account_name=job.account.name if job else None,
                tier=tier_names.get(person.id),
                points=points.get(person.id, 0),
                badges=[
                    {"slug": badge.slug, "name": badge.name}
                    for badge in held_badges.get(person.id, [])
                ],
                on_public_showcase=ConsentAsset.NAME_TITLE in public.get(person.id, set()),
                show_on_leaderboard=bool(profile and profile.show_on_leaderboard),
                active=person.active,
            )
        )
    return result


@bp.get("/advocates")
@operation(
    "advocates:read",
    query=AdvocateQuery,
    resp=Responses(HTTP_200=AdvocateList, HTTP_304=None),
    tags=["advocates"],
)
def list_advocates(query: AdvocateQuery):
    """Advocates this token may see: all for staff, the public ones for requesters,
    and only themselves for an advocate's own token."""
    select = _advocates_query()
    if query.account_id is not None:
        select = select.where(
            sa.exists().where(current_job(User.id), Employment.account_id == query.account_id)
        )
    people, cursor = page_of(select, User.id, cursor=query.cursor, limit=query.limit)
    return AdvocateList(items=as_advocates(people), next=next_link(cursor))


@bp.get("/advocates/<id:advocate_id>")
@operation(
    "advocates:read",
    resp=Responses(HTTP_200=Advocate, HTTP_304=None),
    tags=["advocates"],
    refusals=("HTTP_404",),
)
def get_advocate(advocate_id: int):
    """One advocate (404 for anyone this token may not see)."""
    person = db.session.scalar(_advocates_query().where(User.id == advocate_id))
    if person is None:
        raise access.not_found("advocate")
    return as_advocates([person])[0]


@bp.get("/advocates/<id:advocate_id>/employment")
@operation(
    "advocates:read",
    resp=Responses(HTTP_200=JobList, HTTP_304=None),
    tags=["advocates"],
    refusals=("HTTP_404",),
)
def get_employment(advocate_id: int):
    """An advocate's jobs, the current one first: a move is a new job, never an edit."""
    person = db.session.scalar(_advocates_query().where(User.id == advocate_id))
    if person is None:
        raise access.not_found("advocate")
    jobs = db.session.scalars(
        sa.select(Employment)
        .where(Employment.user_id == person.id)
        .options(sa.orm.joinedload(Employment.user), sa.orm.joinedload(Employment.account))
        .order_by(is_current_job().desc(), Employment.started_on.desc(), Employment.id)
    )
    return answer(JobList(items=[as_job(job) for job in jobs]))
