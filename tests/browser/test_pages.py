"""Every page, as first opened: clean console, no CSP violation, labelled fields, fits a phone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/token", "/connection", "/env"]

UNLABELLED_JS = """
() => [...document.querySelectorAll("input, textarea, select")]
  .filter((f) => f.type !== "hidden" && !f.closest("[hidden]"))
  .filter((f) => !(f.labels && f.labels.length) && !f.getAttribute("aria-label") && !f.getAttribute("aria-labelledby"))
  .map((f) => f.name || f.id || f.outerHTML.slice(0, 60))
"""


@pytest.mark.parametrize("path", PAGES)
def test_page_opens_clean(page, path):
    response = page.goto(path)
    assert response.status == 200
    page.wait_for_load_state("load")
    assert page.locator("h1").count() == 1
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.title().endswith("Supabase JWT & Postgres inspector")
    # No inline style or script anywhere in what the server sent.
    assert page.locator("[style]").count() == 0
    assert page.evaluate("() => [...document.scripts].filter((s) => !s.src).length") == 0
    # The page fixture fails the test on any console error, page error or CSP violation.


@pytest.mark.parametrize("path", PAGES)
def test_every_field_has_a_label(page, path):
    page.goto(path)
    assert page.evaluate(UNLABELLED_JS) == []


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_fits_a_360px_phone(page, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("path", PAGES)
def test_current_page_is_marked_in_the_nav(page, path):
    page.goto(path)
    current = page.locator('header.site nav a[aria-current="page"]')
    assert current.count() == (0 if path == "/" else 1)


def _token(page):
    from tests.browser.test_token import SECRET, mint, submit_token

    submit_token(page, mint(name="x" * 300), key=SECRET)


def _connection(page):
    from tests.browser.test_connection import REFUSED, submit_connection

    submit_connection(page, REFUSED + "?sslmode=verify-full&application_name=" + "y" * 200)


def _env(page):
    from tests.browser.test_env import _key, env_text, submit_env

    submit_env(page, env_text(_key("anon")) + "DATABASE_URL=postgres://u:p@h/" + "z" * 200 + "\n")


@pytest.mark.parametrize("submit", [_token, _connection, _env], ids=["token", "connection", "env"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_fit_a_360px_phone(page, submit, scheme):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 360, "height": 740})
    submit(page)
    wide = page.evaluate(
        "() => [...document.querySelectorAll('main *')]"
        ".filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > innerWidth + 1)"
        ".map((e) => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, wide


@pytest.mark.parametrize("submit", [_token, _connection, _env], ids=["token", "connection", "env"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_text_contrast_is_aa(page, submit, scheme):
    from tests.browser.test_design import CONTRAST_JS

    page.emulate_media(color_scheme=scheme)
    submit(page)
    rows = page.evaluate(CONTRAST_JS)
    assert len(rows) > 20
    low = [r for r in rows if r["ratio"] < 4.5]
    assert not low, f"{scheme}: below 4.5:1: {low[:8]}"
