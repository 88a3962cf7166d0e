"""Small helpers for reading responses in tests."""

from __future__ import annotations

import html
import re


def page(response) -> str:
    """The response body with HTML entities decoded (so "don't" reads as typed)."""
    return html.unescape(response.get_data(as_text=True))


def text(response) -> str:
    """The visible text of a page, tags removed and white space folded."""
    body = page(response)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
