"""Who may see what through the API: the token's maker, with their role as it is now."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from portal.advocates.models import AdvocateProfile
from portal.advocates.visibility import shown_publicly
from portal.api.problems import ApiProblem
from portal.auth.models import Role, User


def user() -> User:
    return g.api_user


def is_staff() -> bool:
    return user().is_staff


def require_staff() -> None:
    if not is_staff():
        raise ApiProblem(403, "Only program staff may do this.", slug="role")


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, f"There is no {what} with this id that you can see.", slug="not-found")


def advocates_visible() -> sa.ColumnElement[bool]:
    """SQL on User joined to AdvocateProfile: the advocates this token may read.

    Staff: every advocate; requesters: those shown publicly; an advocate: themselves.
    """
    person = user()
    if person.is_staff:
        return User.role == Role.ADVOCATE
    if person.role == Role.REQUESTER:
        return shown_publicly()
    return sa.and_(User.id == person.id, AdvocateProfile.user_id.is_not(None))


def own_data_only() -> int | None:
    """The advocate id a non-staff token is limited to (its maker's), or None for staff."""
    return None if is_staff() else user().id
