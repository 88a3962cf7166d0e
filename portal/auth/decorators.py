"""Role checks for views: every staff page goes through these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.auth.models import STAFF_ROLES, Role
from portal.extensions import login_manager


def check_roles(*roles: Role) -> None:
    """Send anonymous people to sign in and refuse (403) signed-in people without a role."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(403)


def roles_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_roles(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(*STAFF_ROLES)
admin_required = roles_required(Role.ADMIN)
advocate_required = roles_required(Role.ADVOCATE)
signed_in_required = roles_required(*Role)
