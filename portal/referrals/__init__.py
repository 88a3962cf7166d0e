from flask import Blueprint

bp = Blueprint("referrals", __name__)

from portal.referrals import badge_rules, routes  # noqa: E402,F401
