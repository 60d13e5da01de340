"""Error pages in Chromium: plain words, a way back, no console noise beyond the status itself."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_404_page(page):
    page.problems.allow_console("status of 404")
    response = page.goto("/no/such/page")
    assert response.status == 404
    assert page.locator("h1").inner_text().strip().endswith("There is nothing at this address.")
    assert page.get_by_role("alert").is_visible()
    page.get_by_role("link", name="the start").click()
    assert page.url.endswith("/")


def test_413_page_from_a_real_form_post(page):
    page.problems.allow_console("status of 413")
    page.goto("/")
    page.get_by_label("Paste anything").fill("x" * 70_000)
    with page.expect_navigation():
        page.get_by_role("button", name="Inspect").click()
    assert "bytes at most" in page.locator("main").inner_text()
    assert "Fix:" in page.locator("main").inner_text()
    assert "xxxxxxxxxx" not in page.content()  # the input is not echoed


def test_csrf_failure_page(page):
    page.problems.allow_console("status of 400")
    page.goto("/")
    page.evaluate("() => document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("Paste anything").fill("eyJhbGciOiJIUzI1NiJ9.e30.sig")
    with page.expect_navigation():
        page.get_by_role("button", name="Inspect").click()
    assert "form expired" in page.locator("main").inner_text()
    assert "reload the page" in page.locator("main").inner_text()


def test_api_errors_are_json_not_pages(page):
    page.goto("/")
    result = page.evaluate(
        """async () => {
          const r = await fetch('/api/v1/nope', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'});
          return [r.status, r.headers.get('content-type'), await r.json()];
        }"""
    )
    page.problems.allow_console("status of 404")
    assert result[0] == 404
    assert result[1].startswith("application/json")
    assert result[2]["error"]["code"] == "not_found"
