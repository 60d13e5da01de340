"""The environment page in Chromium: paste a .env, submit, read the cross-checks; no JS needed."""

from __future__ import annotations

import time

import jwt
import pytest

pytestmark = pytest.mark.browser

REF = "abcdefghijklmnopqrst"
SECRET = "browser-test-env-secret-with-at-least-32-chars"


def _key(role: str, secret: str = SECRET) -> str:
    now = int(time.time())
    claims = {"iss": "supabase", "ref": REF, "role": role, "iat": now, "exp": now + 315_360_000}
    return jwt.encode(claims, secret, algorithm="HS256")


def env_text(jwt_secret: str) -> str:
    return (
        f"SUPABASE_URL=https://{REF}.supabase.co\n"
        f"SUPABASE_ANON_KEY={_key('anon')}\n"
        f"SUPABASE_SERVICE_ROLE_KEY={_key('service_role')}\n"
        f"SUPABASE_JWT_SECRET={jwt_secret}\n"
    )


def submit_env(page, text: str):
    page.goto("/env")
    form = page.locator("form#env-form, form:has(textarea[name='text'])").first
    form.locator('[name="text"]').fill(text)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    return page.locator("main")


def test_secret_that_verifies_the_keys(page):
    main = submit_env(page, env_text(SECRET))
    assert main.locator('[data-code="jwt_secret_verifies_keys"]').count() >= 1
    # Values come back masked: neither the secret nor a whole key is in the page.
    html = page.content()
    assert SECRET not in html
    assert _key("service_role") not in html


def test_anon_key_pasted_as_the_secret_is_the_headline(page):
    main = submit_env(page, env_text(_key("anon")))
    verdict = main.locator(".verdict").first
    assert verdict.get_attribute("data-status") == "error"
    assert "jwt_secret_is_jwt" in verdict.inner_text()
    assert "Fix:" in verdict.inner_text()


def test_env_page_works_without_javascript(nojs_page):
    main = submit_env(nojs_page, env_text("wrong-secret-" + "y" * 30))
    assert main.locator('[data-code="jwt_secret_does_not_verify_keys"]').count() >= 1


def test_a_pasted_lf_env_gets_no_crlf_warning(page):
    """Chromium submits the textarea's line breaks as CR LF; the text pasted had LF only, and
    the page's findings are the API's for that text."""
    main = submit_env(page, env_text(SECRET))
    assert main.locator('[data-code="env_crlf_line_endings"]').count() == 0
