"""The staff area under /manage: the staff home, and one role check for every staff page.

Each domain keeps its own staff views on a blueprint of its own
(`portal/<domain>/manage.py`), nested here: their URLs start with /manage,
their endpoints with `manage.<domain>.`, and `staff_only` runs before every
one of them.
"""

from flask import Blueprint

from portal.auth.decorators import check_roles
from portal.auth.models import STAFF_ROLES

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
def staff_only() -> None:
    """Every page under /manage is for program managers and admins."""
    check_roles(*STAFF_ROLES)


def _nest_domain_pages() -> None:
    from portal.advocates.manage import bp as advocates
    from portal.audit.manage import bp as audit
    from portal.insight.manage import bp as insight
    from portal.opportunities.manage import bp as opportunities
    from portal.privacy.manage import bp as privacy
    from portal.recognition.manage import bp as recognition
    from portal.references.manage import bp as references
    from portal.referrals.manage import bp as referrals
    from portal.stories.manage import bp as stories
    from portal.transfer.manage import bp as transfer

    for domain in (
        opportunities,
        advocates,
        recognition,
        stories,
        references,
        referrals,
        audit,
        transfer,
        privacy,
        insight,
    ):
        bp.register_blueprint(domain)


_nest_domain_pages()

from portal.manage import routes  # noqa: E402,F401
