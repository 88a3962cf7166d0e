"""The one CSV writer: formula cells neutralised, numbers kept."""

from __future__ import annotations

import csv
import io

import pytest

from portal.csvfiles import csv_text, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1-555", "'+1-555"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Plain = text", "Plain = text"),
        ("", ""),
        (None, ""),
        (-50, -50),
        (12.5, 12.5),
        (0, 0),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_numbers_stay_numbers_and_text_is_quoted_as_needed():
    text = csv_text(["Name", "Points"], [['=HYPERLINK("x")', -50], ["Ada, Inc.", 7]])
    assert text.splitlines() == ["Name,Points", '"\'=HYPERLINK(""x"")",-50', '"Ada, Inc.",7']
    assert list(csv.reader(io.StringIO(text)))[1] == ['\'=HYPERLINK("x")', "-50"]
