"""The token page in Chromium: paste, submit, read; hostile claims; copy; live check; no JS."""

from __future__ import annotations

import time

import jwt
import pytest

pytestmark = pytest.mark.browser

SECRET = "browser-test-jwt-secret-with-at-least-32-chars"
REF = "abcdefghijklmnopqrst"


def mint(secret: str = SECRET, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": f"https://{REF}.supabase.co/auth/v1",
        "sub": "2f0a9e8c-2d1b-4a57-9a43-0c8b5d1f7e66",
        "aud": "authenticated",
        "role": "authenticated",
        "session_id": "6c1f0a3e-2b7d-4c59-8e0f-1a2b3c4d5e6f",
        "iat": now - 60,
        "exp": now + 3600,
    }
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")


def submit_token(page, token: str, key: str = "", audience: str = "authenticated"):
    page.goto("/token")
    form = page.locator("form#token-form")
    form.locator('[name="token"]').fill(token)
    if key:
        form.locator('[name="key"]').fill(key)
    if audience:
        form.locator('[name="audience"]').fill(audience)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    return page.locator("#result")


def test_valid_user_token_verifies(page):
    result = submit_token(page, mint(), key=SECRET)
    assert result.get_attribute("aria-live") == "polite"
    assert "supabase_user_token" in result.inner_text()
    assert result.locator('[data-status="valid"]').first.is_visible()
    # The key is described, never repeated into the result; the local site's form keeps it
    # (the page is no-store), so a second run needs no second paste.
    assert SECRET not in result.inner_html()
    assert page.locator('form#token-form [name="key"]').input_value() == SECRET


def test_lifetime_picture_and_coloured_parts(page):
    result = submit_token(page, mint(exp=int(time.time()) - 3 * 3600), key=SECRET)
    picture = result.locator("figure.lifetime")
    assert picture.get_attribute("data-state") == "expired"
    label = picture.locator("svg").get_attribute("aria-label")
    assert "Expired now" in label
    assert picture.locator("svg text", has_text="now").count() == 1
    token = result.locator(".jwt-token")
    parts = [token.locator(f".jwt-{p}").inner_text() for p in ("header", "payload", "signature")]
    assert ".".join(parts) == token.inner_text().strip()


def test_keyboard_only(page):
    page.goto("/token")

    def tab_until(js: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(js):
                return
        raise AssertionError(f"never reached by Tab: {js}")

    tab_until("() => document.activeElement.name === 'token'")
    page.keyboard.insert_text(mint())
    tab_until("() => document.activeElement.name === 'key'")
    page.keyboard.insert_text(SECRET)
    tab_until("() => document.activeElement.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator('#result [data-status="valid"]').first.is_visible()


def test_expired_token_answer_is_on_the_first_phone_screen(page):
    page.set_viewport_size({"width": 390, "height": 844})
    result = submit_token(page, mint(exp=int(time.time()) - 3 * 3600), key=SECRET)
    verdict = result.locator(".verdict").first
    assert "expired" in verdict.inner_text().lower()
    assert "Fix:" in verdict.inner_text()
    box = page.evaluate(
        "() => { const r = document.querySelector('#result .verdict').getBoundingClientRect();"
        " return [r.top, r.bottom, innerHeight]; }"
    )
    assert box[0] >= 0 and box[1] <= box[2], box


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>'],
)
def test_html_in_claims_is_shown_as_text(page, payload):
    result = submit_token(page, mint(name=payload, user_metadata={"bio": payload}), key=SECRET)
    page.wait_for_timeout(300)  # time for any injected handler to fire (none must)
    assert payload in result.inner_text()
    assert result.locator("script, img, svg[onload]").count() == 0
    assert page.problems.dialogs == []


def test_copy_button_puts_the_snippet_on_the_clipboard(clipboard_page):
    page = clipboard_page
    result = submit_token(page, mint(), key=SECRET)
    figure = result.locator("figure.snippet").first
    expected = figure.locator("pre").inner_text()
    assert "jwt.decode" in expected
    figure.locator("button.copy").click()
    page.wait_for_function("() => document.getElementById('announcer').textContent === 'Copied'")
    assert (
        page.evaluate("() => navigator.clipboard.readText()")
        == figure.locator("pre").text_content()
    )
    assert figure.locator("button.copy").inner_text() == "Copied"


def test_live_check_while_typing(page):
    page.goto("/token")
    form = page.locator("form#token-form")
    form.locator('[name="key"]').fill(SECRET)
    form.locator('[name="token"]').fill(mint())
    live = page.locator("#live-summary")
    live.locator('[data-status="valid"]').wait_for()
    assert live.get_attribute("aria-live") == "polite"
    assert "supabase_user_token" in live.inner_text()
    # A wrong key: the summary follows, with the first error and its fix.
    form.locator('[name="key"]').fill("not-the-secret-" + "x" * 30)
    live.locator('[data-status="invalid"]').wait_for()
    assert "Fix:" in live.inner_text()
    # Cleared: the summary goes away.
    form.locator('[name="token"]').fill("")
    live.wait_for(state="hidden")


def test_live_summary_shows_hostile_claims_as_text(page):
    payload = "<img src=x onerror=alert(1)>"
    page.goto("/token")
    form = page.locator("form#token-form")
    form.locator('[name="audience"]').fill("authenticated")
    form.locator('[name="token"]').fill(mint(aud=payload))
    live = page.locator("#live-summary")
    live.locator(".live-first").wait_for()
    page.wait_for_timeout(300)
    assert payload in live.inner_text()
    assert live.locator("img").count() == 0
    assert page.problems.dialogs == []


def test_token_page_works_without_javascript(nojs_page):
    page = nojs_page
    result = submit_token(page, mint(exp=int(time.time()) - 600), key=SECRET)
    text = result.inner_text()
    assert "supabase_user_token" in text
    assert "expired" in text.lower()
    assert page.locator("#live-summary").count() == 0
    assert page.locator("button.copy:visible").count() == 0


def test_token_from_home_paste_box(page):
    page.goto("/")
    page.get_by_label("Paste anything").fill("Bearer " + mint())
    with page.expect_navigation():
        page.get_by_role("button", name="Inspect").click()
    assert "supabase_user_token" in page.locator("#result").inner_text()


def test_live_badge_looks_like_the_pages_badge(page):
    """Both come from the vocabulary: the page's through the macros, the live one through the
    JSON's signature label, tone and icon (app.js keeps no table of statuses)."""
    token = mint()
    result = submit_token(page, token, audience="")
    served = result.locator('.token-summary [data-status="not_checked"]')
    form = page.locator("form#token-form")
    form.locator('[name="token"]').fill(token + " ")
    live = page.locator('#live-summary [data-status="not_checked"]')
    live.wait_for()
    assert (
        live.inner_text().split()
        == served.inner_text().split()
        == ["–", "signature", "not", "checked"]
    )
    assert live.get_attribute("class") == served.get_attribute("class") == "badge badge-muted"
