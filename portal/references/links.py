"""Signed one-time links in the mail of a reference ask: accept, decline, change settings.

Like the account links of `auth.flows`: signed, expiring, and carrying a
fingerprint of the state they change, so a link works once (an answered ask
has another fingerprint) and opening it changes nothing: its page has a
button, and only pressing it answers.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.errors import InvalidToken
from portal.extensions import db
from portal.references.models import ReferenceAsk
from portal.urls import absolute_url

ANSWER = "reference-answer"
PREFERENCE = "reference-preference"
ACTIONS = ("accept", "decline")
# A link outlives the time to answer a little, so a late click says "too late"
# rather than "expired link"; the ask's own due time decides.
GRACE = timedelta(days=1)
PREFERENCE_LIFETIME = timedelta(days=7)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(ask: ReferenceAsk) -> str:
    state = f"{ask.id}:{ask.advocate_id}:{ask.status}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def make_answer_token(ask: ReferenceAsk, action: str) -> str:
    return _serializer(ANSWER).dumps({"a": ask.id, "d": action, "f": _fingerprint(ask)})


def answer_url(ask: ReferenceAsk, action: str) -> str:
    return absolute_url("references.answer_link", token=make_answer_token(ask, action))


def read_answer_token(token: str, max_age: timedelta) -> tuple[ReferenceAsk, str]:
    """The ask a link answers and how; raises InvalidToken with a reason to show."""
    data = _load(token, ANSWER, max_age + GRACE)
    ask = db.session.get(ReferenceAsk, data.get("a")) if isinstance(data.get("a"), int) else None
    if ask is None or data.get("d") not in ACTIONS or not ask.advocate.active:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it."))
    if data.get("f") != _fingerprint(ask):
        raise InvalidToken(_("This link has already been used: the ask was answered."))
    return ask, data["d"]


def make_preference_token(ask: ReferenceAsk) -> str:
    """After a decline by link: lets the advocate confirm the settings change offered."""
    return _serializer(PREFERENCE).dumps({"a": ask.id, "f": _fingerprint(ask)})


def read_preference_token(token: str) -> ReferenceAsk:
    data = _load(token, PREFERENCE, PREFERENCE_LIFETIME)
    ask = db.session.get(ReferenceAsk, data.get("a")) if isinstance(data.get("a"), int) else None
    if ask is None or data.get("f") != _fingerprint(ask) or not ask.advocate.active:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it."))
    return ask


def _load(token: str, purpose: str, max_age: timedelta) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise InvalidToken(_("This link has expired. Sign in to see your asks.")) from error
    except BadSignature as error:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it.")) from error
    if not isinstance(data, dict):
        raise InvalidToken(_("This link is not valid. Check that you copied all of it."))
    return data
