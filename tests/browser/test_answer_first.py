"""Issue 11 §5 in Chromium: the answer first; a home-page paste lands on the inspector's own URL
(its tab marked, a reload asks that page again); the forms keep what was sent."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_token import SECRET, mint

pytestmark = pytest.mark.browser


def paste_on_home(page, text: str) -> None:
    page.goto("/")
    page.get_by_label("Paste anything").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Inspect").click()


@pytest.mark.parametrize(
    ("text", "path", "tab", "heading"),
    [
        (None, "/token", "Token", "Token"),
        ("postgresql://u:pw-not-shown@127.0.0.1:1/db", "/connection", "Connection", "Connection"),
        (
            "SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co\nA=1\n",
            "/env",
            "Environment",
            None,
        ),
        (
            "Error: getaddrinfo ENOTFOUND db.abcdefghijklmnopqrst.supabase.co",
            "/explain",
            None,
            None,
        ),
    ],
    ids=["token", "connection", "env", "error"],
)
def test_a_paste_lands_on_the_inspectors_own_url(page, live_server, text, path, tab, heading):
    paste_on_home(page, text or mint())
    assert page.url == live_server + path  # no query string: nothing pasted in the URL
    current = page.locator('header nav a[aria-current="page"]')
    assert current.count() == 1
    if tab:
        assert current.inner_text() == tab
    if heading:
        assert page.locator("h1").inner_text() == heading
    assert page.locator("#result, .explain-match").first.is_visible()
    assert "pw-not-shown" not in page.content()


def test_a_reload_asks_the_same_page_again(page, live_server):
    token = mint()
    paste_on_home(page, token)
    first = page.locator("#result .verdict").first.inner_text()
    with page.expect_navigation():
        page.reload()  # the browser sends the POST again, to /token
    assert page.url == live_server + "/token"
    assert page.locator("#result .verdict").first.inner_text() == first
    assert page.locator('form#token-form [name="token"]').input_value() == token


def test_a_paste_lands_on_its_page_without_javascript(nojs_page, live_server):
    paste_on_home(nojs_page, mint())
    assert nojs_page.url == live_server + "/token"
    tab = nojs_page.locator('header nav a[aria-current="page"]')
    assert tab.inner_text() == "Token"
    assert nojs_page.locator("#result").is_visible()


def test_the_token_page_opens_with_its_headline(page):
    page.goto("/token")
    form = page.locator("form#token-form")
    form.locator('[name="token"]').fill(mint())
    form.locator('[name="key"]').fill(SECRET)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    result = page.locator("#result")
    first = result.locator(":scope > :not(h2)").first
    assert "verdict" in first.get_attribute("class")
    assert re.search(
        r"^Valid Supabase user access token, project \w+, verified with", first.inner_text(), re.M
    )
    # The audience tip is below it, not the answer; the headline's own finding is not repeated.
    assert result.locator('.findings [data-code="audience_required"]').count() == 1
    assert result.locator('.findings [data-code="signature_valid"]').count() == 0


def test_the_forms_keep_what_was_sent(page, live_server):
    page.goto("/connection")
    form = page.locator("form#connection-form")
    form.locator('[name="url"]').fill("postgresql://app:in-the-url@db.example.com/app")
    form.locator('[name="password"]').fill("typed-password")
    form.locator('[name="driver"]').select_option("asyncpg")
    form.locator('[name="probe"]').uncheck()
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    assert page.url == live_server + "/connection"
    form = page.locator("form#connection-form")
    assert form.locator('[name="url"]').input_value() == "postgresql://app:***@db.example.com/app"
    assert form.locator('[name="driver"]').input_value() == "asyncpg"
    # A local site (no-store page) keeps the typed password, so a second run needs no retyping.
    assert form.locator('[name="password"]').input_value() == "typed-password"
    assert "in-the-url" not in page.content()


def test_the_live_check_says_the_same_answer(page):
    page.goto("/token")
    form = page.locator("form#token-form")
    form.locator('[name="key"]').fill(SECRET)
    form.locator('[name="token"]').fill(mint())  # no audience: the tip is not the answer
    summary = page.locator("#live-summary")
    summary.locator(".live-first").wait_for()
    assert summary.locator(".live-first").inner_text().startswith("✔ Valid Supabase user access")
    assert "audience" not in summary.inner_text()
