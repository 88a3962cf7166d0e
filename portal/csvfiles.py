"""The one CSV writer: every download and export writes its rows through it.

Spreadsheets run a cell that begins with `=`, `+`, `-` or `@` (and some a tab
or a carriage return) as a formula, so such text cells get a leading `'`
(OWASP's advice for CSV injection); numbers stay numbers, so a negative
correction of points is still -50 in a spreadsheet.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell as written: numbers kept, None empty, text that could be a formula neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows(out: io.TextIOBase, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a header and rows as CSV (RFC 4180, CRLF line ends) with every cell made safe."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    write_rows(out, header, rows)
    return out.getvalue()
