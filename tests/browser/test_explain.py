"""The explain page in Chromium: paste a traceback, read the answer, follow its button to the
connection inspector filled in; the same from the home box; without JavaScript too."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "browser-Explain-Pw-9"
TRACEBACK = (
    f"DATABASE_URL=postgresql://postgres.abcdefghijklmnopqrst:{PASSWORD}@aws-0-us-east-1.pooler."
    "supabase.com:6543/postgres\n"
    "Traceback (most recent call last):\n"
    '  File "/app/db.py", line 9, in main\n'
    "    conn = await asyncpg.connect(DSN)\n"
    "asyncpg.exceptions.InternalServerError: Tenant or user not found\n"
)


def submit(page, path: str, text: str, form_selector: str):
    page.goto(path)
    form = page.locator(form_selector).first
    form.locator('[name="text"]').fill(text)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    return page.locator("main")


def test_explain_a_traceback_and_open_the_connection_inspector(page):
    main = submit(page, "/explain", TRACEBACK, "form#explain-form")
    first = main.locator(".explain-match").first
    assert first.get_attribute("data-code") == "pooler_tenant_not_found"
    assert "Supavisor" in first.inner_text()
    assert PASSWORD not in page.content()
    assert main.locator("textarea[name=text]").input_value() == ""
    button = first.get_by_role("button", name="Inspect this connection string")
    with page.expect_navigation():
        button.click()
    assert page.url.endswith("/connection")  # a POST: nothing in the address
    url_box = page.locator("form#connection-form [name=url]")
    assert url_box.input_value().startswith("postgresql://postgres.abcdefghijklmnopqrst:***@")
    assert PASSWORD not in page.content()


def test_the_home_box_sends_an_error_to_the_explainer(page):
    main = submit(page, "/", "PGRST301", "form.paste")
    assert main.locator("h1").inner_text() == "Explain an error"
    assert main.locator(".explain-match").first.get_attribute("data-code") == (
        "jwt_signature_failed"
    )


def test_works_without_javascript(nojs_page):
    main = submit(nojs_page, "/explain", "Error: getaddrinfo ENOTFOUND db.x.supabase.co", "form")
    assert main.locator(".explain-match").first.get_attribute("data-code") == "dns_unresolved"
