"""A manager invites a person; the mailed link leads to a password and a first sign-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser


def test_invite_accept_set_password_sign_in(make, new_page, smtp, deliver, live_server):
    account = make.account(name="Acme Health")
    manager = make.manager(name="Morgan Manager")

    staff = new_page()
    sign_in(staff, manager.email)
    staff.get_by_role("link", name="Advocates").first.click()
    staff.get_by_role("link", name="Add advocate").first.click()
    staff.get_by_label("Name").fill("Noor Haddad")
    staff.get_by_label("Email").fill("noor@acme.example")
    staff.get_by_label("Company").select_option(label="Acme Health")
    staff.get_by_label("Job title").fill("Head of Data")
    staff.get_by_role("button", name="Add advocate").click()
    expect(staff.get_by_role("heading", name="Added Noor Haddad")).to_be_visible()

    assert deliver().sent == 1
    (invitation,) = smtp.inbox.to("noor@acme.example")
    assert "Morgan Manager invites you" in invitation.subject
    link = next(link for link in invitation.links() if "/auth/set-password/" in link)
    path = link.removeprefix("http://portal.test")

    page = new_page(width=390, height=844)
    page.goto(path)
    expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a passphrase of my own")
    page.get_by_label("Repeat the new password").fill("a passphrase of my own")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Welcome, Noor!")).to_be_visible()
    page.get_by_label("Show me on leaderboards").check()
    page.get_by_role("button", name="Join the program").click()
    expect(page.get_by_role("heading", name="Opportunities")).to_be_visible()

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.get_by_label("Email").fill("noor@acme.example")
    page.get_by_label("Password").fill("a passphrase of my own")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My program")).to_be_visible()

    # The link was for one use only.
    page.goto(path)
    expect(page.get_by_text("This link has already been used.")).to_be_visible()
    assert account.id
