from flask import Blueprint

bp = Blueprint("recognition", __name__)

from portal.recognition import routes  # noqa: E402,F401
