"""The versioned REST API (/api/v1): JSON, token auth only, documented by OpenAPI 3.1.

Resources call the same services as the pages; this package only turns
HTTP into service calls and results into JSON (see api.core for the
conventions every resource shares).
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.api import core, openapi  # noqa: E402,F401
from portal.api.resources import (  # noqa: E402,F401
    accounts,
    advocates,
    badges,
    insight,
    ledger,
    opportunities,
    references,
    referrals,
)
