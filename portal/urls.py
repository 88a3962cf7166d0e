"""Absolute links for people to use outside the portal: mail, Open Badges, copied links."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def absolute_url(endpoint: str, **values: object) -> str:
    """An absolute URL under BASE_URL, with or without a request (worker, CLI).

    Never built from the request's Host header, which a client chooses.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no `//` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def query_args(*names: str) -> dict[str, str]:
    """The query string's values of these known parameters, to pass on to `url_for`.

    Never pass `request.args` itself: url_for reads names of its own from its
    arguments (`_external`, `_scheme`, `_method`, `_anchor`) and the route's
    parameters, so a query could choose the host or path of the link it builds.
    """
    return {name: request.args[name] for name in names if request.args.get(name)}


def this_page_url(**changes: object) -> str:
    """The current page with some query parameters changed (a pager's next page).

    Keeps the query's own parameters, but none that url_for would read itself
    (a leading underscore) and none that would replace the route's parameters.
    """
    view_args = request.view_args or {}
    kept = [name for name in request.args if not name.startswith("_") and name not in view_args]
    return url_for(request.endpoint, **view_args, **{**query_args(*kept), **changes})
