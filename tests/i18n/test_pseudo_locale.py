"""Every page in the pseudo-locale: text outside ⟦ ⟧ is text nobody marked.

The pseudo-locale translates every message as itself wrapped in ⟦ ⟧ (and wraps
every formatted date, number and amount). The world the crawl reads is the
input crawl's, with its own text (names, titles, descriptions) wrapped too, so
whatever shows outside the brackets is a string the code or a template wrote
without marking it for translation. Mail written while the world was built is
checked the same way: it went out in the recipients' (pseudo) language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db, limiter
from portal.i18n import PSEUDO_LOCALE
from portal.mail.models import OutboxMessage
from portal.settings import get_setting, set_setting
from tests.conftest import wipe_database
from tests.test_input_crawl import build, build_world, crawlable, sign_in, urls_for

# Text the program's people typed: wrapped like a translation before the crawl.
# Columns holding codes, keys and addresses rather than words (by a part of their name).
NOT_PROSE = {
    "email", "address", "slug", "uid", "key", "token", "hash", "timezone", "locale", "url",
    "code", "kind", "status", "mode", "endpoint", "currency", "color", "colour", "mime",
    "type", "provider", "secret", "scope", "scopes", "etag", "path", "digest", "ip",
    "method", "event", "category", "filename", "format", "domain", "dedupe", "headers",
    "action", "target", "stage", "period", "id", "value", "values", "fingerprint", "prefix",
}  # fmt: skip
# data-label: the label a phone shows before a table cell (drawn by the stylesheet).
TEXT_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "aria-description", "data-label")
BRACKETED = re.compile(r"⟦[^⟦⟧]*⟧")
ALLOWED = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # an email address
    r"|https?://\S+"  # a link written out
    r"|\b[A-Z]{2,5}[+-]?\d*\b"  # a time zone's abbreviation (CET, NZDT, UTC+13)
)
LETTER = re.compile(r"[^\W\d_]")


def outside_brackets(text: str) -> str:
    """What is left of `text` once every bracketed part (nested too) is taken out."""
    previous = None
    while previous != text:
        previous, text = text, BRACKETED.sub(" ", text)
    return ALLOWED.sub(" ", text)


SEPARATOR = "\x1f"


class VisibleText(HTMLParser):
    """The text a reader sees or hears: the page's text in document order (a message
    may hold markup: `⟦Read <a>the guide</a>.⟧`), and text attributes; not scripts."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.attributes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        a = dict(attrs)
        for name in TEXT_ATTRIBUTES:
            if a.get(name):
                self.attributes.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.attributes.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.nodes.append(data)


def unmarked(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    left = outside_brackets(SEPARATOR.join(parser.nodes)).split(SEPARATOR)
    left += [outside_brackets(text) for text in parser.attributes]
    return [" ".join(text.split()) for text in left if LETTER.search(text)]


def _user_triggers(table: str) -> dict[str, str]:
    """The table's own enabled triggers and how each fires (pg_trigger.tgenabled)."""
    rows = db.session.execute(
        sa.text(
            "SELECT tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = CAST(:table AS regclass) AND NOT tgisinternal AND tgenabled <> 'D'"
        ),
        {"table": f'"{table}"'},
    )
    return {name: str(enabled) for name, enabled in rows}


def mark_the_data(app: Flask) -> None:
    """Wrap every prose column of the world (names, titles, descriptions) in ⟦ ⟧."""
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        for table in db.metadata.sorted_tables:
            prose = [
                column
                for column in table.columns
                if isinstance(column.type, sa.String)
                and not isinstance(column.type, sa.Enum)
                and not NOT_PROSE & set(column.name.lower().split("_"))
                and not column.primary_key
                and not column.foreign_keys
                and (column.type.length or 1000) >= 40  # shorter ones hold codes and keys
            ]
            triggers = _user_triggers(table.name) if prose and postgresql else {}
            for trigger in triggers:
                # The ledger and the audit trail refuse updates (their triggers): not
                # for the test's own marking of the world, as their owner.
                db.session.execute(
                    sa.text(f'ALTER TABLE "{table.name}" DISABLE TRIGGER "{trigger}"')
                )
            for column in prose:
                db.session.execute(
                    table.update()
                    .where(column.is_not(None), column != "")
                    # Word by word: a first name cut from a full name stays marked.
                    .values(
                        {
                            column: sa.literal("⟦")
                            + sa.func.replace(column, " ", "⟧ ⟦")
                            + sa.literal("⟧")
                        }
                    )
                )
            for trigger, enabled in triggers.items():
                # Back as it was: ENABLE TRIGGER alone would turn an ALWAYS trigger (which
                # fires in replica mode too) into an ordinary one for the later tests.
                how = {"A": "ENABLE ALWAYS", "R": "ENABLE REPLICA", "O": "ENABLE"}[enabled]
                db.session.execute(sa.text(f'ALTER TABLE "{table.name}" {how} TRIGGER "{trigger}"'))
        db.session.commit()


def test_every_page_is_marked_for_translation(app, make, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setitem(app.config, "PSEUDO_LOCALE_ENABLED", True)
    monkeypatch.setitem(app.config, "PROGRAM_NAME", "⟦Program⟧")
    wipe_database(app)
    with app.app_context():
        chosen = get_setting("branding", {}) or {}
        set_setting("branding", {**chosen, "language": PSEUDO_LOCALE, "program_name": "⟦Program⟧"})
        db.session.commit()
    from portal import branding

    branding.forget()
    world = build_world(app, make)
    mark_the_data(app)
    branding.forget()

    failures: dict[str, set[str]] = {}
    pages = 0
    for role in ("anonymous", "advocate", "manager", "admin"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-001"
        client.environ_base["HTTP_USER_AGENT"] = "0/1"  # shown with the sessions: no words
        if role != "anonymous":
            sign_in(client, world.people[role])
        for rule in crawlable(app):
            if "GET" not in rule.methods:
                continue
            url = build(rule, urls_for(rule, world.values))
            response = client.get(url)
            if "html" not in response.content_type or 300 <= response.status_code < 400:
                continue
            pages += 1
            for text in unmarked(response.get_data(as_text=True)):
                failures.setdefault(f"{rule.endpoint} ({role})", set()).add(text[:120])

    with app.app_context():
        for message in db.session.scalars(sa.select(OutboxMessage)):
            for text in (message.subject, message.text_body):
                for line in text.splitlines():
                    if LETTER.search(outside_brackets(line)):
                        failures.setdefault(f"mail {message.kind}", set()).add(line[:120])

    report = "\n".join(
        f"{where}:\n    " + "\n    ".join(sorted(texts))
        for where, texts in sorted(failures.items())
    )
    assert pages > 100, "the crawl read the portal's pages"
    assert not failures, f"{len(failures)} pages or mails show unmarked text:\n{report}"


@pytest.mark.parametrize(
    "text, left",
    [
        ("⟦Save⟧", False),
        ("⟦Hello, ⟦Ada⟧⟧ ", False),
        ("12 · 34%", False),
        ("⟦Mailed to⟧ ada@example.com", False),
        ("⟦Starts⟧ ⟦Tue 3 Dec 2026, 10:00 CET⟧", False),
        ("Save", True),
        ("⟦Save⟧ changes", True),
    ],
)
def test_the_check_sees_what_is_outside_the_brackets(text, left):
    assert bool(LETTER.search(outside_brackets(text))) is left


def test_a_message_may_hold_markup_but_not_unmarked_words():
    assert unmarked('<p>⟦Read <a href="/g">the guide</a>.⟧</p><p title="⟦Help⟧">12</p>') == []
    assert unmarked("<p>⟦Read⟧ <a>the guide</a></p><script>var x = 'code';</script>") == [
        "the guide"
    ]
    assert unmarked('<input type="submit" value="Save"><img alt="⟦Logo⟧">') == ["Save"]
