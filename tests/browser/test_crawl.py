"""Every page each role can reach, in Chromium at phone width: no horizontal
scrolling, and no serious or critical accessibility violation (axe-core).

The pages are found by following links from each role's home, so a new page
is checked as soon as something links to it. One page per URL shape (ids
replaced) is visited, which keeps the crawl short as data grows.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_accessibility import OPTIONS, world  # noqa: F401 (fixture)
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser

PHONE = 390
MAX_PAGES = 150
# Links that end the session or leave the HTML pages.
SKIP = re.compile(
    r"^/(static/|theme\.css|images/|auth/sign-out)|\.(ics|csv|json|png|svg|zip)$|/assertion"
)


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl(page, base: str, start: str) -> dict[str, list[str]]:
    """Visit what `start` links to, breadth first; returns the problems per page."""
    problems: dict[str, list[str]] = {}
    queue, seen = [start], {shape(start)}
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        response = page.goto(path)
        visited += 1
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        found = []
        if response.status >= 500:
            found.append(f"status {response.status}")
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if wide[0] > wide[1]:
            found.append(f"scrolls sideways: {wide[0]} px wide in a {wide[1]} px window")
        results = Axe().run(page, options=OPTIONS)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                found.append(f"axe {violation['impact']}: {violation['id']}")
        if found:
            problems[path] = found
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP.search(parts.path) or shape(target) in seen:
                continue
            seen.add(shape(target))
            queue.append(target)
    assert visited > 5, f"the crawl from {start} found almost nothing"
    return problems


@pytest.mark.parametrize("role", ["anonymous", "advocate", "requester", "manager", "admin"])
def test_every_page_fits_a_phone_and_passes_axe(world, make, new_page, live_server, role):  # noqa: F811
    # An approved place (calendar links, messages) and a completed one (points, history).
    from portal.opportunities.models import ParticipationStatus

    upcoming = make.opportunity(title="Customer advisory board", created_by=world["manager"])
    make.participation(upcoming, world["advocate"], ParticipationStatus.APPROVED)
    page = new_page(width=PHONE, height=800)
    start = "/"
    if role == "advocate":
        sign_in(page, world["advocate"].email)
        start = "/dashboard"
    elif role == "requester":
        sign_in(page, make.requester(name="Rae Requester").email)
        start = page.url.removeprefix(live_server) or "/"
    elif role in ("manager", "admin"):
        person = world["manager"] if role == "manager" else make.admin(name="Ada Admin")
        sign_in(page, person.email)
        start = "/manage/"
    problems = crawl(page, live_server, start)
    assert not problems, "\n".join(f"{path}: {'; '.join(p)}" for path, p in problems.items())
