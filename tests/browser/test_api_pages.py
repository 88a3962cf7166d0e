"""The API reference, token and webhook pages in Chromium: accessible, readable at 390 px."""

from __future__ import annotations

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal.extensions import db
from portal.jobs import queue
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.webhooks import endpoints
from tests.browser.test_accessibility import OPTIONS
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOTS")  # a folder: save each page for a look


def check(page, path: str, name: str, width: int) -> None:
    if path:
        page.goto(path)
    results = Axe().run(page, options=OPTIONS)
    assert results.violations_count == 0, f"{path}:\n{results.generate_report()}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_reference_renders_the_document_without_inline_code(new_page, width):
    page = new_page(width=width)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto("/static/api/reference.html")
    page.wait_for_selector("#tag-ledger")
    assert page.locator("#create_award").is_visible()
    assert page.get_by_text("POST /api/v1/ledger/awards").count() == 1
    assert "NewAward" in page.locator("#schema-NewAward").text_content()
    # The program figures of the insight page, with their period and what they return.
    assert page.locator("#tag-insight").is_visible()
    assert page.get_by_text("GET /api/v1/insight/program").count() == 1
    assert "custom" in page.locator("#program_figures").text_content()
    assert page.locator("#schema-ProgramFigures").is_visible()
    check(page, "", "reference", width)
    assert errors == []  # a CSP refusal would show here


@pytest.mark.parametrize("width", [1280, 390])
def test_token_and_webhook_pages(app, make, new_page, width, tmp_path):
    from portal.auth.models import User

    admin, advocate = make.admin(), make.advocate()
    with app.app_context():
        endpoint = endpoints.register(
            endpoints.EndpointDetails(
                url="http://127.0.0.1:9/hooks/a-rather-long-path-for-the-crm-integration",
                description="CRM",
                event_types=["points.awarded"],
            ),
            by=db.session.get(User, admin.id),
        )
        ledger.award(advocate.id, 5, reason="x", key="k", source=PointsSource.MANUAL)
        db.session.commit()
        endpoint_id = endpoint.id
        queue.run_due()  # nothing listens on port 9: a failed try in the log

    page = new_page(width=width)
    sign_in(page, admin.email)
    check(page, "/admin/api-tokens", "admin-tokens", width)
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_label("advocates:read").check()
    page.get_by_role("button", name="Create token").click()
    assert page.locator("[data-testid=token-secret]").input_value().startswith("apt_")
    check(page, "", "token-created", width)
    check(page, "/admin/api-tokens", "admin-tokens-list", width)
    check(page, "/admin/webhooks/", "webhooks", width)
    check(page, f"/admin/webhooks/{endpoint_id}", "webhook-endpoint", width)

    mine = new_page(width=width)
    sign_in(mine, advocate.email)
    check(mine, "/account/api-tokens", "advocate-tokens", width)
