"""axe-core (through axe-playwright-python) finds no violations on the portal's pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal import clock
from portal.opportunities.models import OpportunityType
from portal.opportunities.models import ParticipationStatus as S
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser

# WCAG 2.1 A and AA, plus axe's best practices.
OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@pytest.fixture
def world(app, make):
    from portal.extensions import db
    from portal.recognition import badges

    manager = make.manager(name="Morgan Manager")
    advocate = make.advocate(name="Dana Meyer", public=True)
    others = [make.advocate(name=f"Person {n}", public=True) for n in range(3)]
    opportunity = make.opportunity(title="Panel: data at scale", created_by=manager)
    make.opportunity(title="Webinar for all", type=OpportunityType.WEBINAR, created_by=manager)
    make.participation(opportunity, advocate, S.APPLIED)
    make.participation(opportunity, others[0], S.APPROVED)
    for number, person in enumerate([advocate, *others]):
        make.points(person, 40 * (number + 1))
    with app.app_context():
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Early Bird",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 10, "period": "all"},
                color="#4338ca",
            ),
            by=db.session.get(type(manager), manager.id),
        )
        from portal.advocates import employment
        from portal.referrals import services as referrals

        user = db.session.get(type(manager), advocate.id)
        referral = referrals.refer(
            user,
            referrals.PeerDetails(
                "Sam Okafor", "sam@initech.example", "Initech", "CTO", "Reports by hand.", True
            ),
        )
        mover = db.session.get(type(manager), others[1].id)
        employment.record_own_move(
            mover, employment.NewJob("Hooli Labs", "Chief Data Officer", clock.today())
        )
        db.session.commit()
        from portal.references import asks
        from tests.references.helpers import new_request, open_to_references

        open_to_references(advocate, *others)
        request = new_request(manager)
        (ask,) = asks.ask_candidates(
            request, [advocate.id], by=db.session.get(type(manager), manager.id)
        )
        db.session.commit()
        request_id, ask_id = request.id, ask.id
        referral_id = referral.id
    with app.app_context():
        from portal.advocates.employment import current_employment

        account_id = current_employment(advocate.id).account_id
    return {
        "manager": manager,
        "advocate": advocate,
        "opportunity": opportunity,
        "request": type("Row", (), {"id": request_id}),
        "ask": type("Row", (), {"id": ask_id}),
        "referral_id": referral_id,
        "account_id": account_id,
    }


def check(page, path: str) -> None:
    page.goto(path)
    results = Axe().run(page, options=OPTIONS)
    assert results.violations_count == 0, f"{path}:\n{results.generate_report()}"


PUBLIC = ["/", "/auth/sign-in", "/auth/reset", "/showcase", "/recognition", "/badges/early-bird"]
# The API reference renders from the document after loading: see tests/browser/test_api_pages.py.
ADVOCATE = [
    "/dashboard",
    "/opportunities",
    "/leaderboard",
    "/tiers",
    "/profile",
    "/stories",
    "/stories/new",
    "/notifications",
    "/mail/preferences",
    "/auth/security",
    "/points",
    "/profile/consent",
    "/profile/move",
    "/referrals",
    "/referrals/new",
    "/account/data",
    "/account/data/delete",
    "/account/api-tokens",
]
MANAGER = [
    "/manage/",
    "/manage/applications",
    "/manage/opportunities",
    "/manage/opportunities/new",
    "/manage/advocates",
    "/manage/advocates/new",
    "/manage/accounts",
    "/manage/accounts/new",
    "/manage/badges",
    "/manage/badges/new",
    "/manage/tiers",
    "/manage/products",
    "/manage/stories",
    "/manage/topics",
    "/manage/references/settings",
    "/manage/references/burnout",
    "/references/",
    "/references/new",
    "/references/matching",
    "/manage/referrals",
    "/manage/referrals/points",
    "/manage/champions",
    "/manage/consents",
    "/manage/audit",
    "/manage/exports",
    "/manage/imports",
    "/manage/insight/",
    "/manage/insight/?period=year",
]


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_have_no_accessibility_violations(world, new_page, width):
    page = new_page(width=width)
    for path in PUBLIC:
        check(page, path)
    check(page, f"/people/{world['advocate'].id}")

    sign_in(page, world["advocate"].email)
    for path in ADVOCATE:
        check(page, path)
    check(page, f"/opportunities/{world['opportunity'].id}")
    check(page, f"/referrals/{world['referral_id']}")

    staff = new_page(width=width)
    sign_in(staff, world["manager"].email)
    for path in MANAGER:
        check(staff, path)
    check(staff, f"/manage/opportunities/{world['opportunity'].id}")
    check(staff, f"/manage/advocates/{world['advocate'].id}")
    check(staff, f"/manage/referrals/{world['referral_id']}")
    check(staff, f"/manage/opportunities/{world['opportunity'].id}/invite")
    check(staff, f"/manage/opportunities/{world['opportunity'].id}/record")
    check(staff, "/manage/search?q=Dana")
    check(staff, "/manage/applications?order=points")
    check(staff, f"/references/{world['request'].id}")
    check(page, f"/references/asks/{world['ask'].id}")  # the advocate's page, still signed in
    check(staff, f"/manage/insight/advocates/{world['advocate'].id}/history")
    check(staff, f"/manage/accounts/{world['account_id']}")


def test_admin_pages_have_no_accessibility_violations(make, new_page):
    admin = make.admin()
    page = new_page()
    sign_in(page, admin.email)
    for path in (
        "/admin/users",
        "/admin/settings",
        "/admin/mail",
        "/admin/users/new",
        "/admin/api-tokens",
        "/admin/webhooks/",
    ):
        check(page, path)


@pytest.mark.parametrize("width", [1280, 390])
def test_import_report_and_deletion_pages_have_no_accessibility_violations(
    app, make, login, new_page, width
):
    from tests.transfer.test_imports import _dry_run, _import_id, _upload

    admin, advocate = make.admin(), make.advocate()
    client = login(admin)
    import_id = _import_id(
        _upload(
            client,
            "Email,Name,Company,Industry,Region,Size\r\n"
            "ok@a.example,Ok Person,Known Co,Retail,Europe,300\r\n"
            "not-an-email,Bad,Known Co,,,\r\n",
        )
    )
    _dry_run(app, client, import_id)
    client.post(f"/manage/people/{advocate.id}/delete", data={"reference": "Letter of today"})
    page = new_page(width=width)
    sign_in(page, admin.email)
    check(page, f"/manage/imports/{import_id}")
    check(page, f"/manage/advocates/{advocate.id}")
    person = new_page(width=width)
    sign_in(person, advocate.email)
    check(person, "/account/data")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_welcome_step_passes_axe_and_fits_a_phone(make, new_page, width):
    """The crawl starts from a joined advocate's dashboard, so it never sees the
    welcome step, whose menu and form changed with the first-hour fixes."""
    page = new_page(width=width)
    sign_in(page, make.advocate(name="Nia New", onboarded=False).email)
    assert page.url.endswith("/welcome")
    check(page, "/welcome")
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"/welcome scrolls sideways: {wide[0]} px in {wide[1]} px"
