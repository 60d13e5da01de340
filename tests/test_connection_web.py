"""The connection inspector's three faces: the page, POST /api/v1/connection and the CLI."""

from __future__ import annotations

import json
import re
import threading

import pytest

from inspector.web.limits import probe_slot
from tests.fixtures.paste import paste
from tests.fixtures.postgres import APP_PASSWORD

REF = "abcdefghijklmnopqrst"
SECRET = "hunter2-never-shown"
POOLER_URL = f"postgres://postgres:{SECRET}@aws-0-eu-central-1.pooler.supabase.com:6543/postgres"
API_KEYS = {
    "parsed",
    "host_kind",
    "project_ref",
    "findings",
    "steps",
    "tls",
    "server",
    "verdict",
    "suggested",
}


def test_page_get(client):
    r = client.get("/connection")
    assert r.status_code == 200
    html = r.data.decode()
    assert 'id="connection-form"' in html
    for name in ("url", "password", "driver", "ca", "timeout", "probe"):
        assert f'name="{name}"' in html
    assert 'id="result"' not in html


def test_page_static_post(client):
    # Our page's box unticked: the marker says the box was there, so nothing is probed.
    data = {"url": POOLER_URL, "driver": "sqlalchemy", "ca": "certifi", "probe_field_shown": "1"}
    r = client.post("/connection", data=data)
    html = r.data.decode()
    assert r.status_code == 200
    assert '<section id="result" aria-live="polite"' in html
    for code in ("scheme_rejected_by_sqlalchemy", "pooler_user_missing_ref"):
        assert f'data-code="{code}"' in html
    assert SECRET not in html
    assert "postgres://postgres:***@aws-0-eu-central-1" in html  # echoed masked
    assert " style=" not in html
    assert 'data-step="dns"' not in html


def test_page_without_the_box_probes(client, refused_port):
    """A client posting the API's field names (no `probe`) gets the default: a live probe."""
    url = f"postgresql://a:{SECRET}@127.0.0.1:{refused_port}/db"
    html = client.post("/connection", data={"url": url, "timeout": "2"}).data.decode()
    assert 'data-step="tcp"' in html and "tcp_refused" in html
    assert SECRET not in html


@pytest.mark.postgres
def test_page_live_post(client, pg):
    r = client.post(
        "/connection",
        data={
            "url": pg["tls_ca"].url(sslmode="verify-full"),
            "ca": "pem",
            "ca_pem": pg.ca_pem,
            "driver": "psycopg2",
            "probe": "y",
            "timeout": "5",
        },
    )
    html = r.data.decode()
    assert 'data-status="connected"' in html
    assert APP_PASSWORD not in html
    assert " style=" not in html
    # The waterfall: one row per step, bars sized by SVG attributes.
    assert len(re.findall(r'class="wf-row ', html)) == 6
    assert re.search(r'<rect class="bar-ok" x="[\d.]+%" y="1" width="[\d.]+%"', html)
    # The certificate as a card, with the trust per store.
    assert "CN=localhost" in html and "Inspector Test Root CA" in html
    assert "pasted CA: trusted" in html and "certifi: not trusted" in html


@pytest.mark.postgres
def test_page_failure_verdict(client, pg):
    r = client.post("/connection", data={"url": pg["tls_ca"].url(password="nope"), "probe": "y"})
    html = r.data.decode()
    assert 'data-status="failed"' in html
    assert "auth_failed" in html


def test_paste_on_home_goes_to_connection(client, refused_port):
    url = f"postgresql://a:{SECRET}@127.0.0.1:{refused_port}/db"
    r = paste(client, url)
    html = r.data.decode()
    assert r.status_code == 200 and r.request.path == "/connection"  # its own URL
    assert 'id="connection-form"' in html and 'id="result"' in html
    assert "tcp_refused" in html  # pasted strings are probed
    assert SECRET not in html


def test_api_static(client):
    r = client.post("/api/v1/connection", json={"url": POOLER_URL, "probe": False})
    assert r.status_code == 200
    d = r.get_json()
    assert set(d) >= API_KEYS
    assert d["parsed"]["password"] == "***"
    assert d["host_kind"] == "supabase_pooler_transaction"
    assert d["verdict"]["status"] == "not_probed"
    assert SECRET not in json.dumps(d)
    for f in d["findings"]:
        assert set(f) == {"code", "severity", "title", "detail", "fix"}
    assert d["steps"] == []


def test_api_password_field_replaces_placeholder(client):
    url = f"postgresql://postgres:[YOUR-PASSWORD]@db.{REF}.supabase.co:5432/postgres"
    d = client.post(
        "/api/v1/connection", json={"url": url, "password": SECRET, "probe": False}
    ).get_json()
    codes = {f["code"] for f in d["findings"]}
    assert "password_placeholder" not in codes
    assert d["project_ref"] == REF
    assert SECRET not in json.dumps(d)


def test_api_broken_string_is_a_report(client):
    r = client.post("/api/v1/connection", json={"url": "host=x port"})
    assert r.status_code == 200
    assert r.get_json()["verdict"]["code"] == "dsn_unparseable"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": 5},
        {"url": "postgresql://h/db", "driver": "cobol"},
        {"url": "postgresql://h/db", "timeout": 0},
        {"url": "postgresql://h/db", "timeout": 31},
        {"url": "postgresql://h/db", "timeout": True},
        {"url": "postgresql://h/db", "probe": "yes"},
        {"url": "postgresql://h/db", "ca": 1},
    ],
)
def test_api_bad_requests(client, body):
    r = client.post("/api/v1/connection", json=body)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"


def test_api_not_json(client):
    r = client.post("/api/v1/connection", data="url=x")
    assert r.status_code == 400


def test_api_live_refused(client, refused_port):
    d = client.post(
        "/api/v1/connection",
        json={"url": f"postgresql://a:{SECRET}@127.0.0.1:{refused_port}/db", "timeout": 2},
    ).get_json()
    assert d["verdict"] == {
        **d["verdict"],
        "status": "failed",
        "code": "tcp_refused",
        "step": "tcp",
    }
    assert [s["name"] for s in d["steps"]][:2] == ["dns", "tcp"]
    assert SECRET not in json.dumps(d)


def test_probe_busy_is_a_verdict(make_app, refused_port):
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=1)
    held, release = threading.Event(), threading.Event()

    def hold():
        with app.app_context(), probe_slot():
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(5)
        d = (
            app.test_client()
            .post(
                "/api/v1/connection", json={"url": f"postgresql://a:b@127.0.0.1:{refused_port}/db"}
            )
            .get_json()
        )
    finally:
        release.set()
        t.join()
    assert d["verdict"]["code"] == "probe_busy"
    assert d["verdict"]["status"] == "not_probed"
    assert "probe_busy" in {f["code"] for f in d["findings"]}
    assert d["steps"] == []


def test_cli_static_exit_status(runner):
    result = runner.invoke(args=["inspect", "conn", POOLER_URL, "--no-probe"])
    assert result.exit_code == 1
    assert "pooler_user_missing_ref" in result.output
    assert SECRET not in result.output
    ok = runner.invoke(args=["inspect", "conn", "postgresql://u@localhost/db", "--no-probe"])
    assert ok.exit_code == 0, ok.output


def test_cli_json(runner):
    result = runner.invoke(args=["inspect", "conn", POOLER_URL, "--no-probe", "--json"])
    d = json.loads(result.output)
    assert set(d) >= API_KEYS
    assert d["verdict"]["status"] == "not_probed"


@pytest.mark.postgres
def test_cli_live_with_ca_file(runner, pg, tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text(pg.ca_pem)
    url = pg["tls_ca"].url(password="[YOUR-PASSWORD]", sslmode="verify-full")
    result = runner.invoke(
        args=["inspect", "conn", url, "--password", APP_PASSWORD, "--ca", str(ca), "--timeout", "5"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("✔ Connected")  # the headline first, as the page shows it
    assert "pasted CA: verify-full ok" in result.output
    assert APP_PASSWORD not in result.output


@pytest.mark.postgres
def test_cli_live_failure(runner, pg):
    result = runner.invoke(
        args=["inspect", "conn", pg["tls_ca"].url(sslmode="verify-full"), "--ca", "certifi"]
    )
    assert result.exit_code == 1
    assert "[tls_untrusted]" in result.output


def test_cli_bad_ca_file(runner):
    result = runner.invoke(args=["inspect", "conn", "postgresql://h/db", "--ca", "/nope.crt"])
    assert result.exit_code == 2
