from flask import Blueprint

bp = Blueprint("opportunities", __name__)

from portal.opportunities import routes  # noqa: E402,F401
