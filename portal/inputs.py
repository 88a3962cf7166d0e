"""Where request input enters: the rules every request meets before a view sees it.

Each class of hostile or odd input is handled once, here or in `portal.forms`,
so every current and future page is covered:

- a NUL byte anywhere in the path, the query or a form is refused (400):
  PostgreSQL cannot store one, and no person types one;
- ids in URLs (`<id:...>`) and in query strings or forms (`database_id`)
  are whole numbers within the database's integer column, else not found;
- page numbers (`page_number`) are bounded, so no list asks the database
  for an offset beyond its range.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter, ValidationError

# Ids are INTEGER columns: PostgreSQL refuses anything larger in a comparison.
MAX_DATABASE_ID = 2**31 - 1
# Far more pages than any list has; a larger number is not a page of ours.
MAX_PAGE = 100_000

NUL_MESSAGE = _l(
    "What you sent contains a NUL character (\\0), which the portal does not accept. "
    "Remove it and try again."
)


def database_id(value: object) -> int | None:
    """`value` as an id the database can hold (1 up to its integer range), else None."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_DATABASE_ID else None


def id_arg(name: str) -> int | None:
    """An id from the query string (`?account=12`); None when absent or impossible."""
    return database_id(request.args.get(name))


def date_arg(name: str) -> date | None:
    """A date from the query string (`?since=2026-10-01`); None when absent, unreadable or
    outside the calendar forms accept (1900 to 2200)."""
    raw = request.args.get(name, "").strip()[:10]
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None
    return value if 1900 <= value.year <= 2200 else None


def page_number(name: str = "page") -> int:
    """The page of a list asked for in the query string: 1 when absent or unreadable,
    404 beyond MAX_PAGE. Every paginated list reads its page here."""
    raw = request.args.get(name, "")
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)) or int(raw) > MAX_PAGE:
        abort(404, _("There is no page %(page)s of this list.", page=raw[:20]))
    return max(int(raw), 1)


class DatabaseIdConverter(BaseConverter):
    """`<id:name>` in a route: an id within the database's range, or the route doesn't match
    (404), rather than an integer the database refuses."""

    regex = r"\d{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = database_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def refuse_nul_bytes() -> None:
    """Answer 400 to a request with a NUL byte in its path, query or form."""
    if (
        "\x00" in request.path
        or _has_nul(request.args)
        or (request.method in ("POST", "PUT", "PATCH") and _has_nul(request.form))
        or any("\x00" in (upload.filename or "") for upload in request.files.values())
    ):
        abort(400, str(NUL_MESSAGE))


def register_input_rules(app: Flask) -> None:
    """Before the blueprints: their routes use the `id` converter."""
    app.url_map.converters["id"] = DatabaseIdConverter
    app.before_request(refuse_nul_bytes)
