"""The home page in Chromium: paste box, keyboard, show/hide, no JavaScript needed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_home_loads_clean(page):
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("Why does my Supabase")
    assert page.get_by_label("Paste anything").is_visible()
    # Stylesheet and script came from our own origin and applied (no CDN, no inline).
    assert page.evaluate("() => getComputedStyle(document.body).display") == "flex"
    assert page.evaluate("() => typeof window.inspector") == "object"


def test_skip_link_is_first_tab_stop_and_moves_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip"
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # visible while focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"


def test_focus_is_visible_on_every_control(page):
    page.goto("/")
    seen = 0
    for _ in range(12):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }"
        )
        if outline[0] in ("A", "BUTTON", "TEXTAREA", "INPUT"):
            seen += 1
            assert outline[1] != "none" and outline[2] != "0px", outline
    assert seen >= 6


def test_secret_field_hide_and_show(page):
    page.goto("/")
    box = page.get_by_label("Paste anything")
    box.fill("eyJhbGciOiJIUzI1NiJ9.e30.sig")
    toggle = page.locator("button.reveal[aria-controls=text]")
    assert toggle.inner_text() == "Hide"
    toggle.click()
    assert "concealed" in box.get_attribute("class")
    assert toggle.inner_text() == "Show"
    page.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('hidden')"
    )
    toggle.click()
    assert "concealed" not in box.get_attribute("class")
    assert box.input_value() == "eyJhbGciOiJIUzI1NiJ9.e30.sig"


def test_ctrl_enter_submits_the_paste(page):
    page.goto("/")
    page.get_by_label("Paste anything").fill("postgresql://u:p@127.0.0.1:1/db")
    with page.expect_navigation():
        page.get_by_label("Paste anything").press("Control+Enter")
    # The connection inspector answered (its page, whatever stage it is at), not the home page.
    assert "Connection" in page.title()
    assert "hunter2" not in page.content()


def test_home_paste_routes_without_javascript(nojs_page):
    page = nojs_page
    page.goto("/")
    assert page.locator("button.copy:visible").count() == 0  # copy buttons need JS: hidden
    page.get_by_label("Paste anything").fill(
        "SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co\n"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Inspect").click()
    assert re.search(r"Env", page.title())


def test_home_has_no_horizontal_scroll_on_a_phone(page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
