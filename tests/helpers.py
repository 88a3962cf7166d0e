"""Small helpers for tests: reading responses, finding a free loopback port."""

from __future__ import annotations

import html
import re
import socket


def page(response) -> str:
    """The response body with HTML entities decoded (so "don't" reads as typed)."""
    return html.unescape(response.get_data(as_text=True))


def text(response) -> str:
    """The visible text of a page, tags removed and white space folded."""
    body = page(response)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
