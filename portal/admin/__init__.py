from flask import Blueprint

from portal.auth.decorators import check_roles
from portal.auth.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> None:
    """Every page under /admin is for admins."""
    check_roles(Role.ADMIN)


from portal.admin import routes  # noqa: E402,F401
