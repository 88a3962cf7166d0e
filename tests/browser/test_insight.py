"""The program page in Chromium: charts drawn under the CSP, readable on a phone, accessible."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import OpportunityType, Participation
from portal.opportunities.models import ParticipationStatus as S
from tests.browser.test_accessibility import OPTIONS
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser

# Every pixel of a blank canvas is transparent black.
CANVAS_DRAWN = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}"""


@pytest.fixture
def program(app, make):
    manager = make.manager(name="Morgan Manager")
    advocates = [make.advocate(name=f"Advocate {n}") for n in range(4)]
    panel = make.opportunity(type=OpportunityType.SPEAKING_PANEL, seats=5, created_by=manager)
    webinar = make.opportunity(type=OpportunityType.WEBINAR, seats=5, created_by=manager)
    for number, person in enumerate(advocates):
        status = (S.COMPLETED, S.NO_SHOW, S.APPROVED, S.APPLIED)[number]
        make.participation(panel if number % 2 else webinar, person, status)
        make.points(person, 25 * (number + 1))
    with app.app_context():
        db.session.execute(
            sa.update(Participation)
            .where(Participation.status == S.COMPLETED)
            .values(completed_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    return manager


@pytest.mark.parametrize("width", [1280, 390])
def test_charts_are_drawn_without_csp_errors_and_the_page_fits(program, new_page, width):
    page = new_page(width=width)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    sign_in(page, program.email)
    page.goto("/manage/insight/?period=quarter")
    page.wait_for_load_state("load")
    canvases = page.locator("canvas.chart")
    assert canvases.count() >= 5
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas.chart')].every(c => window.Chart.getChart(c))"
    )
    for index in range(canvases.count()):
        canvas = canvases.nth(index)
        canvas.scroll_into_view_if_needed()
        assert canvas.evaluate(CANVAS_DRAWN), f"chart {index} is blank"
        assert canvas.bounding_box()["width"] <= width
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m], messages
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"horizontal scroll at {width}: {wide}"
    results = Axe().run(page, options=OPTIONS)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, results.generate_report()
    page.screenshot(path=f"/tmp/insight-{width}.png", full_page=True)
