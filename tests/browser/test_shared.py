"""Shared mode in Chromium: the sign-in page, then the pages and the live check behind the gate."""

from __future__ import annotations

import pytest

from tests.browser.test_token import SECRET, mint
from tests.fixtures.browser import SHARED_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, password: str = SHARED_PASSWORD, path: str = "/token") -> None:
    page.goto(path)
    page.get_by_label("Team password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_sign_in_then_the_token_page_and_its_live_check(shared_page):
    page = shared_page
    sign_in(page)
    assert page.url.endswith("/token")
    assert page.locator(".mode").inner_text() == "shared"
    form = page.locator("form#token-form")
    form.locator('[name="key"]').fill(SECRET)
    form.locator('[name="token"]').fill(mint())
    # The live check goes through the JSON API with the session cookie of the gate.
    page.locator('#live-summary [data-status="valid"]').wait_for()


def test_wrong_password_stays_on_the_sign_in_page(shared_page):
    page = shared_page
    page.problems.allow_console("status of 401")
    page.problems.allow_console("status of 403")
    sign_in(page, password="not-the-password")
    assert "/login" in page.url
    assert page.get_by_label("Team password").is_visible()
    assert "not-the-password" not in page.content()
