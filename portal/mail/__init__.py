from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail")

from portal.mail import routes  # noqa: E402,F401
