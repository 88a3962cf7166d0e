from flask import Blueprint

bp = Blueprint("recognition", __name__)

# Importing these connects their signal receivers (points, completions, approvals).
from portal.recognition import (  # noqa: E402,F401
    badges,
    routes,  # noqa: E402,F401
    tiers,
)
