from flask import Blueprint

bp = Blueprint("stories", __name__)

from portal.stories import routes  # noqa: E402,F401
