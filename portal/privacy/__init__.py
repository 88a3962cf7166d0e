"""The advocate's rights over their data: download it all, and have the account erased."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/account/data")

from portal.privacy import routes  # noqa: E402,F401
