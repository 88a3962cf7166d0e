from flask import Blueprint

from portal.auth.decorators import check_roles
from portal.auth.models import STAFF_ROLES

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
def staff_only() -> None:
    """Every page under /manage is for program managers and admins."""
    check_roles(*STAFF_ROLES)


from portal.manage import routes  # noqa: E402,F401
