"""Writing mail: render from templates and add to the outbox in the caller's transaction.

Services never talk to SMTP. They call `enqueue` (or `notify`, which decides
by the person's preferences), the row commits with the change that caused it,
and the worker (`flask --app portal mail send`) delivers it later.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import LazyString
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from portal.auth.models import User
from portal.branding import branding
from portal.db import dialect_insert, utcnow
from portal.extensions import db
from portal.i18n import page_language, speaking_to
from portal.mail.categories import CATEGORIES, DIGEST
from portal.mail.models import Frequency, MailPreference, MessageStatus, OutboxMessage
from portal.urls import absolute_url

_UNSUBSCRIBE_SALT = "unsubscribe"
# Line breaks and runs of ordinary white space (not U+00A0 or U+202F).
_BREAKS = re.compile(r"[ \t\r\n\v\f\x1c-\x1f\x85\u2028\u2029]+")


def _one_line(text: str, limit: int) -> str:
    """Header values people typed (names, titles) never carry a line break; the
    no-break spaces of French and German typography stay."""
    return " ".join(_BREAKS.split(text)).strip()[:limit]


def _render(
    template: str, context: dict | None, user_id: int | None, unsubscribe_category: str | None
) -> tuple[str, str, dict[str, str]]:
    context = dict(context or {})
    headers: dict[str, str] = {}
    if unsubscribe_category and user_id is not None:
        link = absolute_url(
            "mail.unsubscribe", token=unsubscribe_token(user_id, unsubscribe_category)
        )
        context["unsubscribe_url"] = link
        context["preferences_url"] = absolute_url("mail.preferences")
        context["category_label"] = category_label(unsubscribe_category)
        # RFC 2369 and RFC 8058: mail programs offer a one-click unsubscribe.
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    brand = branding()
    context.setdefault("program_name", brand.program_name)
    context.setdefault("home_url", absolute_url("main.index"))
    if brand.logo_id:
        context.setdefault("logo_url", absolute_url("main.image", image_id=brand.logo_id))
    text_body = render_template(f"mail/{template}.txt", **context)
    html_body = render_template(f"mail/{template}.html", **context)
    return text_body, html_body, headers


def enqueue(
    *,
    kind: str,
    to_address: str,
    subject: str | LazyString,
    template: str,
    context: dict | None = None,
    to_name: str = "",
    user_id: int | None = None,
    dedupe_key: str | None = None,
    unsubscribe_category: str | None = None,
    hold: timedelta | None = None,
) -> bool:
    """Render `mail/<template>.txt` and `.html` and add the message to the outbox.

    The subject (a lazy string: `_l(...)`) and the templates are rendered in the
    recipient's language and time zone (the program's for an address without
    an account), never the sender's.

    A message held for a while (`hold`) can still be taken back with
    `withdraw` before it goes. Returns False when a message with the same
    dedupe key was queued before (nothing new is added), True otherwise.
    """
    recipient = db.session.get(User, user_id) if user_id is not None else None
    with speaking_to(recipient):
        subject = str(subject)
        text_body, html_body, headers = _render(template, context, user_id, unsubscribe_category)
        headers["Content-Language"] = page_language()  # RFC 3282
    token = secrets.token_hex(16)
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    result = db.session.execute(
        dialect_insert(OutboxMessage.__table__)
        .values(
            dedupe_key=dedupe_key or f"{kind}:{token}",
            message_id=f"<{token}@{domain}>",
            kind=kind,
            to_address=to_address,
            to_name=_one_line(to_name, 120),
            to_user_id=user_id,
            subject=_one_line(subject, 250),
            text_body=text_body,
            html_body=html_body,
            headers=headers,
            status=MessageStatus.PENDING,
            attempts=0,
            next_attempt_at=utcnow() + (hold or timedelta(0)),
            last_error="",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return result.scalar() is not None


def withdraw(dedupe_key: str) -> bool:
    """Take back a message that hasn't gone yet (a decision undone in time); True if one was."""
    return bool(
        db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.dedupe_key == dedupe_key,
                OutboxMessage.status == MessageStatus.PENDING,
            )
            .values(status=MessageStatus.WITHDRAWN)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


# --- preferences ------------------------------------------------------------


def frequency_for(user_id: int, category: str) -> Frequency:
    chosen = db.session.get(MailPreference, (user_id, category))
    return chosen.frequency if chosen else CATEGORIES[category].default


def frequencies_for(user_id: int) -> dict[str, Frequency]:
    chosen = {
        row.category: row.frequency
        for row in db.session.scalars(
            sa.select(MailPreference).where(MailPreference.user_id == user_id)
        )
    }
    return {key: chosen.get(key, category.default) for key, category in CATEGORIES.items()}


def set_frequency(user_id: int, category: str, frequency: Frequency) -> None:
    """Remember how someone wants to hear about a category; ValueError if not offered."""
    if frequency not in CATEGORIES[category].choices:
        raise ValueError(f"{frequency} is not offered for {category}")
    statement = dialect_insert(MailPreference.__table__).values(
        user_id=user_id, category=category, frequency=frequency
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "category"], set_={"frequency": frequency}
        )
    )


def category_label(key: str) -> str:
    return CATEGORIES[key].label if key in CATEGORIES else _("Weekly digest")


def unsubscribe(user_id: int, key: str) -> None:
    """Stop one category, or (for the digest) every category sent as a digest."""
    if key != DIGEST:
        set_frequency(user_id, key, Frequency.NEVER)
        return
    for category, frequency in frequencies_for(user_id).items():
        if frequency == Frequency.DIGEST and Frequency.NEVER in CATEGORIES[category].choices:
            set_frequency(user_id, category, Frequency.NEVER)


def unsubscribe_token(user_id: int, category: str) -> str:
    # No expiry: an old newsletter's link must still unsubscribe.
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)
    return serializer.dumps([user_id, category])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)
    try:
        user_id, category = serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (category not in CATEGORIES and category != DIGEST):
        return None
    return user_id, category
