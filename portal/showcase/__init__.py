from flask import Blueprint

bp = Blueprint("showcase", __name__)

from portal.showcase import routes  # noqa: E402,F401
