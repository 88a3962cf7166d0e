from flask import Blueprint

bp = Blueprint("advocates", __name__)

from portal.advocates import routes  # noqa: E402,F401
