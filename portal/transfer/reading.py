"""Reading a CSV file a CRM exported: encoding, separator, header, and the column mapping.

Salesforce and HubSpot exports differ in their headers ("Account Name" or
"Company Name"), their encoding (UTF-8 with or without a BOM, or
Windows-1252 from older spreadsheets) and their separator (a comma, or a
semicolon where the decimal mark is a comma). A file is refused with a
message that says what to fix; nothing is guessed that could be wrong.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import InvalidState


class ImportRefused(InvalidState):
    """The file can't be read as it is; the message says why and what to do."""


@dataclass(frozen=True)
class FieldSpec:
    label: Any
    # Headers CRMs use for it, compared in lower case without punctuation.
    headers: tuple[str, ...]
    help: Any = ""


FIELDS: dict[str, FieldSpec] = {
    "email": FieldSpec(_l("Email"), ("email", "email address", "e mail", "work email")),
    "first_name": FieldSpec(_l("First name"), ("first name", "firstname", "given name")),
    "last_name": FieldSpec(_l("Last name"), ("last name", "lastname", "surname", "family name")),
    "name": FieldSpec(_l("Full name"), ("name", "full name", "contact name")),
    "title": FieldSpec(_l("Job title"), ("title", "job title", "position")),
    "account_name": FieldSpec(
        _l("Company name"), ("account name", "company name", "company", "account", "organization")
    ),
    "account_crm_id": FieldSpec(
        _l("Company CRM id"),
        ("account id", "company id", "associated company id", "crm id", "record id company"),
        _l("Companies are matched by it first, then by name."),
    ),
    "industry": FieldSpec(_l("Industry"), ("industry",)),
    "region": FieldSpec(_l("Region"), ("region", "billing region", "sales region")),
    "size_band": FieldSpec(
        _l("Company size"),
        ("size band", "size", "company size", "number of employees", "employees"),
        _l("A size band, or a number of employees."),
    ),
}


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (a BOM or none) or Windows-1252."""
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise ImportRefused(
            _("The file is in UTF-16 (or is not a CSV file): save it as “CSV UTF-8” and try again.")
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise ImportRefused(
            _("The file is neither UTF-8 nor Windows-1252: save it as “CSV UTF-8” and try again.")
        ) from None


def delimiter_of(text: str) -> str:
    """A comma or a semicolon: whichever the header line has more of."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def read_header(text: str, delimiter: str) -> list[str]:
    """The column names; refused when one is blank or appears twice."""
    try:
        header = next(_reader(text, delimiter), None)
    except csv.Error as error:
        raise ImportRefused(_("The header row can't be read: %(error)s.", error=error)) from None
    if not header or not any(cell.strip() for cell in header):
        raise ImportRefused(_("The first row must name the columns."))
    names = [cell.strip() for cell in header]
    seen: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if not name:
            raise ImportRefused(_("Column %(number)s has no name in the first row.", number=number))
        if _normal(name) in seen:
            raise ImportRefused(
                _(
                    "The column “%(name)s” appears twice (columns %(first)s and %(second)s): "
                    "remove or rename one.",
                    name=name,
                    first=seen[_normal(name)],
                    second=number,
                )
            )
        seen[_normal(name)] = number
    return names


def data_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each row after the header; the header is row 1.

    Blank rows are skipped. A row the CSV rules can't read (an unclosed quote)
    refuses the whole file: what follows it can't be trusted either.
    """
    reader = _reader(text, delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, 1):
            if number == 1 or not any(cell.strip() for cell in cells):
                continue
            yield number, cells
    except csv.Error as error:
        raise ImportRefused(
            _("Row %(number)s can't be read: %(error)s.", number=number + 1, error=error)
        ) from None


def count_rows(text: str, delimiter: str) -> int:
    return sum(1 for _row in data_rows(text, delimiter))


def guess_mapping(headers: list[str], remembered: dict | None) -> dict[str, str]:
    """Each portal field's column: the one chosen last time if this file has it, else
    the column whose name a CRM uses for it."""
    remembered = remembered or {}
    by_normal = {_normal(header): header for header in headers}
    mapping = {}
    for field, spec in FIELDS.items():
        if remembered.get(field) in headers:
            mapping[field] = remembered[field]
            continue
        mapping[field] = next((by_normal[name] for name in spec.headers if name in by_normal), "")
    return mapping


def check_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """The mapping, cleaned; ImportRefused when it can't identify people and companies."""
    chosen = {field: mapping.get(field, "") for field in FIELDS}
    chosen = {field: column if column in headers else "" for field, column in chosen.items()}
    if not chosen["email"]:
        raise ImportRefused(_("Choose the column with the email addresses."))
    if not (chosen["account_name"] or chosen["account_crm_id"]):
        raise ImportRefused(_("Choose the column with the company name or its CRM id."))
    used: dict[str, str] = {}
    for field, column in chosen.items():
        if column and column in used:
            raise ImportRefused(
                _(
                    "“%(column)s” is chosen for both “%(first)s” and “%(second)s”.",
                    column=column,
                    first=FIELDS[used[column]].label,
                    second=FIELDS[field].label,
                )
            )
        if column:
            used[column] = field
    return chosen
