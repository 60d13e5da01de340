"""The design system in Chromium: AA contrast in both themes, phones, severity not by colour alone.

The shared macros are rendered on the server with sample data (tests/browser/gallery.py) and put
into a real page, so the real stylesheet and the real macro output are what is measured.
"""

from __future__ import annotations

import pytest

from tests.browser.gallery import render_gallery

pytestmark = pytest.mark.browser

# For every element with its own text: the WCAG contrast ratio of its colour against the first
# opaque background behind it (SVG text against the page background).
CONTRAST_JS = """
() => {
  const rgb = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0.5) return c;
    }
    return rgb(getComputedStyle(document.body).backgroundColor);
  };
  const out = [];
  for (const el of document.querySelectorAll("main *, header.site *, footer.site")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[hidden], .visually-hidden")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const isSvg = el instanceof SVGElement;
    const fg = rgb(isSvg ? style.fill : style.color);
    if (!fg) continue;
    const bg = background(isSvg ? el.closest("figure, div, section") : el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    out.push({text: el.textContent.trim().slice(0, 40), cls: String(el.className.baseVal ?? el.className), ratio});
  }
  return out;
}
"""


@pytest.fixture
def gallery_page(page, make_app):
    html = render_gallery(make_app())
    page.goto("/")
    page.evaluate("(html) => { document.getElementById('main').innerHTML = html; }", html)
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_is_aa_in_both_themes(gallery_page, scheme):
    page = gallery_page
    page.emulate_media(color_scheme=scheme)
    rows = page.evaluate(CONTRAST_JS)
    assert len(rows) > 60  # the gallery really rendered
    low = [r for r in rows if r["ratio"] < 4.5]
    assert not low, f"{scheme}: below 4.5:1: {low[:8]}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_jwt_parts_have_three_distinct_colours(gallery_page, scheme):
    page = gallery_page
    page.emulate_media(color_scheme=scheme)
    colours = page.evaluate(
        "() => ['.jwt-header', '.jwt-payload', '.jwt-signature'].map("
        "(s) => getComputedStyle(document.querySelector('.jwt-token ' + s)).color)"
    )
    assert len(set(colours)) == 3


def test_severity_is_shown_with_icon_and_word(gallery_page):
    for level, icon in [("error", "✖"), ("warning", "▲"), ("info", "ℹ")]:
        text = gallery_page.locator(f".finding-{level} .sev").first.inner_text()
        assert icon in text and level in text.lower()


def test_pictures_fit_a_360px_phone(gallery_page):
    page = gallery_page
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    # The SVG labels keep a readable size (positions are percentages, not a scaled viewBox).
    size = page.evaluate(
        "() => document.querySelector('.lifetime text').getBoundingClientRect().height"
    )
    assert size >= 12


def test_two_columns_on_a_wide_screen_one_on_a_phone(gallery_page):
    page = gallery_page
    page.set_viewport_size({"width": 1366, "height": 900})
    left = page.locator(".col-input").bounding_box()
    right = page.locator("#result").bounding_box()
    assert right["x"] > left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 5
    page.set_viewport_size({"width": 390, "height": 844})
    left = page.locator(".col-input").bounding_box()
    right = page.locator("#result").bounding_box()
    assert right["y"] >= left["y"] + left["height"] - 1


def test_html_in_values_stays_text(gallery_page):
    page = gallery_page
    assert page.locator("main img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.locator(".jwt-part-payload pre").inner_text()
    assert "<b>not bold</b>" in page.locator("table.kv").inner_text()
    assert page.locator("main b").count() == 0


def test_copy_button_in_gallery_snippet(clipboard_page, make_app):
    page = clipboard_page
    html = render_gallery(make_app())
    page.goto("/")
    page.evaluate(
        "(html) => { document.getElementById('main').innerHTML = html;"
        " window.inspector.initCopyButtons(document); }",
        html,
    )
    page.locator(".copyable button.copy").click()
    assert page.evaluate("() => navigator.clipboard.readText()").startswith(
        "postgresql://postgres.abcdefghijklmnopqrst:***@"
    )
    page.wait_for_function("() => document.getElementById('announcer').textContent === 'Copied'")


def test_the_watch_on_the_browser_really_catches_problems(page):
    """The page fixture's checks are not vacuous: an inline style is caught as a CSP violation."""
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{}';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_function("() => true")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in page.problems.csp_violations)
    assert page.problems.unexpected()
    page.problems.csp_violations.clear()
    page.problems.console_errors.clear()
