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


@pytest.mark.postgres
def test_tls_chain_untrusted_then_connected_with_the_ca(page, pg):
    """A real PostgreSQL with TLS from a test CA: untrusted by certifi, connected with the CA."""
    cluster = pg["tls_ca"]
    url = cluster.url(sslmode="verify-full")
    result = submit_connection(page, url)
    verdict = result.locator(".verdict").first
    assert verdict.get_attribute("data-status") in ("failed", "error")
    assert result.locator(".cert-chain .cert").count() >= 1
    tls = result.locator('.waterfall [data-step="tls"]').get_attribute("data-status")
    assert tls in ("failed", "warning")
    assert "certifi: not trusted" in result.locator(".chain-trust").inner_text()
    assert pg_password_absent(page)

    page.goto("/connection")
    form = page.locator("form#connection-form")
    form.locator('[name="url"]').fill(url)
    form.locator('[name="ca"]').select_option("pem")
    form.locator('[name="ca_pem"]').fill(cluster.ca_pem)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    result = page.locator("#result")
    assert result.locator(".verdict").first.get_attribute("data-status") == "connected"
    steps = result.locator(".waterfall [data-step]")
    assert steps.count() >= 5
    assert result.locator('.waterfall [data-status="failed"]').count() == 0
    assert pg_password_absent(page)


def pg_password_absent(page) -> bool:
    from tests.fixtures.postgres import APP_PASSWORD

    return APP_PASSWORD not in page.content()


def test_static_check_while_typing(page):
    """The connection page lints as you type (probe off: nothing is sent to the host)."""
    page.goto("/connection")
    form = page.locator("form#connection-form")
    form.locator('[name="driver"]').select_option("sqlalchemy")
    form.locator('[name="url"]').fill("postgres://app_user:pw@127.0.0.1:1/appdb")
    live = page.locator("#live-summary")
    live.locator(".live-first").wait_for()
    assert "SQLAlchemy" in live.inner_text()
    assert "Fix:" in live.inner_text()
    assert "nothing is sent" in live.inner_text()
    form.locator('[name="url"]').fill("postgresql://app_user:pw@127.0.0.1:1/appdb")
    page.wait_for_function(
        "() => !document.getElementById('live-summary').textContent.includes('postgres://')"
    )
    assert "tcp_refused" not in live.inner_text()


# --- copy a suggestion with the password filled in (issue 11 §1) ----------------------------


def _copy_proven(page, driver: str, announced: str) -> str:
    figure = page.locator(f'#result figure[data-driver="{driver}"][data-proof="connected"]').first
    assert "connected just now" in figure.inner_text()
    figure.locator("button.copy").click()
    page.wait_for_function(
        "(text) => document.getElementById('announcer').textContent === text", arg=announced
    )
    return page.evaluate("() => navigator.clipboard.readText()")


def _connects(url: str) -> bool:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
            return cur.fetchone() == (1,)
    finally:
        conn.close()


@pytest.mark.postgres
def test_copy_puts_in_the_typed_password_and_the_string_connects(clipboard_page, pg, tmp_path):
    """The page never has the password: the copy takes it from the password field, encoded."""
    from urllib.parse import quote

    from inspector.connections.suggest import CA_PLACEHOLDER
    from tests.fixtures.postgres import APP_PASSWORD

    page = clipboard_page
    ca = tmp_path / "ca.crt"
    ca.write_text(pg.ca_pem)
    cluster = pg["tls_ca"]
    page.goto("/connection")
    form = page.locator("form#connection-form")
    form.locator('[name="url"]').fill(cluster.url(sslmode="verify-full"))
    form.locator('[name="ca"]').select_option("pem")
    form.locator('[name="ca_pem"]').fill(pg.ca_pem)
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    assert APP_PASSWORD not in page.content()

    # Without a password typed, the copy keeps the *** (the page has nothing else).
    assert ":***@" in _copy_proven(page, "psycopg2", "Copied")
    form.locator('[name="password"]').fill(APP_PASSWORD)
    copied = _copy_proven(page, "psycopg2", "Copied with your password")
    assert f":{quote(APP_PASSWORD, safe='')}@" in copied and CA_PLACEHOLDER in copied
    assert _connects(copied.replace(CA_PLACEHOLDER, str(ca)))
    assert APP_PASSWORD not in page.content()


@pytest.mark.postgres
def test_copy_takes_the_password_of_a_pasted_string_encoded(clipboard_page, pg):
    """A password with `@:/?#%&=`, a space and é, read from the string in the box (as typed,
    percent-encoded) and put back encoded as Python's quote(password, safe='') does."""
    from urllib.parse import quote

    from tests.fixtures.postgres import SUPERUSER_PASSWORD

    user, password = "copy user", "p@ss:w/rd?#%&= é"
    cluster = pg["tls_ca"]
    admin = cluster.connect(user="postgres", password=SUPERUSER_PASSWORD, sslmode="require")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"""CREATE ROLE "{user}" LOGIN PASSWORD %s""", (password,))
    try:
        page = clipboard_page
        url = cluster.url(user=user, password=password, sslmode="require")
        result = submit_connection(page, url)
        assert result.locator(".verdict").first.get_attribute("data-status") == "connected"
        form = page.locator("form#connection-form")
        form.locator('[name="url"]').fill(url)  # pasted again: the box now holds the password
        copied = _copy_proven(page, "psycopg2", "Copied with your password")
        assert f":{quote(password, safe='')}@" in copied
        assert _connects(copied)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP ROLE "{user}"')
        admin.close()
