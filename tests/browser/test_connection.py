"""The connection page in Chromium: paste, submit, read the verdict; copy a suggested string.

Offline only: a refused loopback port, or static checks (probe unchecked). Written against the
documented form (`form#connection-form`, fields url, password, driver, ca, timeout, probe).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "hunter2-not-shown"
REFUSED = f"postgresql://app_user:{PASSWORD}@127.0.0.1:1/appdb"


def submit_connection(page, url: str, probe: bool = True, driver: str | None = None):
    page.goto("/connection")
    form = page.locator("form#connection-form")
    form.locator('[name="url"]').fill(url)
    if driver:
        form.locator('[name="driver"]').select_option(driver)
    box = form.locator('input[name="probe"]')
    if box.count():
        box.set_checked(probe)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    return page.locator("#result")


def test_refused_port_verdict_and_waterfall(page):
    result = submit_connection(page, REFUSED)
    text = result.inner_text()
    assert "tcp_refused" in text
    verdict = result.locator(".verdict").first
    assert verdict.get_attribute("data-status") in ("failed", "error")
    assert PASSWORD not in page.content()  # echoed strings carry ***
    step = result.locator('.waterfall [data-step="tcp"]')
    assert step.get_attribute("data-status") == "failed"
    assert "ms" in step.inner_text()


def test_static_checks_only(page):
    result = submit_connection(
        page, f"postgres://app_user:{PASSWORD}@127.0.0.1:1/appdb", probe=False, driver="sqlalchemy"
    )
    assert result.locator('[data-code="scheme_rejected_by_sqlalchemy"]').count() >= 1
    assert "tcp_refused" not in result.inner_text()
    assert PASSWORD not in page.content()


def test_copy_a_suggested_string(clipboard_page):
    page = clipboard_page
    result = submit_connection(page, REFUSED, probe=False)
    button = result.locator("button.copy").first
    holder = button.locator("xpath=ancestor::*[self::figure or contains(@class,'copyable')][1]")
    expected = holder.locator("pre, code").first.text_content()
    button.click()
    page.wait_for_function("() => document.getElementById('announcer').textContent === 'Copied'")
    assert page.evaluate("() => navigator.clipboard.readText()") == expected
    assert PASSWORD not in expected


def test_connection_page_works_without_javascript(nojs_page):
    result = submit_connection(nojs_page, REFUSED)
    assert "tcp_refused" in result.inner_text()
