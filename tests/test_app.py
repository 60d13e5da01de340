"""The house: create_app, configuration, headers, error pages, the home page's routing."""

from __future__ import annotations

import pytest

from inspector import config
from inspector.paste import detect_paste


def test_home_renders(client):
    r = client.get("/")
    assert r.status_code == 200
    assert b"Paste anything" in r.data


@pytest.mark.parametrize("path", ["/", "/token", "/connection", "/env", "/nope", "/api/v1/nope"])
def test_security_headers_on_every_route(client, path):
    r = client.get(path)
    assert r.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_404_is_a_page_and_json_under_api(client):
    r = client.get("/nope")
    assert r.status_code == 404 and b"nothing at this address" in r.data
    r = client.get("/api/v1/nope")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_413_page_and_json(make_app):
    app = make_app(INSPECTOR_MAX_BODY=100)
    c = app.test_client()
    r = c.post("/", data={"text": "x" * 500})
    assert r.status_code == 413 and b"100 bytes at most" in r.data
    r = c.post("/api/v1/token", json={"token": "x" * 500})
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"


def test_csrf_refused_when_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    r = app.test_client().post("/", data={"text": "eyJ"})
    assert r.status_code == 400
    assert b"form expired" in r.data


@pytest.mark.parametrize(
    "text,target",
    [
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "token"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "token"),
        (
            "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres",
            "connection",
        ),
        ("postgres://u@h/db", "connection"),
        ("host=localhost port=5432 dbname=postgres user=postgres", "connection"),
        ("SUPABASE_URL=https://x.supabase.co\nSUPABASE_ANON_KEY=eyJ", "env"),
        ("DATABASE_URL=postgres://u:p@h/db", "env"),
        ("sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH", "token"),
        ("", "token"),
    ],
)
def test_detect_paste(text, target):
    assert detect_paste(text) == target


def test_shared_mode_refuses_without_secret_key():
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load({"INSPECTOR_MODE": "shared", "INSPECTOR_ACCESS_PASSWORD": "pw"}, environ={})


def test_shared_mode_refuses_without_gate():
    with pytest.raises(config.ConfigError, match="access gate"):
        config.load({"INSPECTOR_MODE": "shared", "SECRET_KEY": "k" * 32}, environ={})


def test_config_order_defaults_env_then_dict():
    s = config.load({"INSPECTOR_PROBE_TIMEOUT": 3}, environ={"INSPECTOR_PROBE_TIMEOUT": "7"})
    assert s["INSPECTOR_PROBE_TIMEOUT"] == 3.0
    s = config.load({}, environ={"INSPECTOR_PROBE_TIMEOUT": "7", "INSPECTOR_MAX_BODY": "1000"})
    assert s["INSPECTOR_PROBE_TIMEOUT"] == 7.0 and s["MAX_CONTENT_LENGTH"] == 1000


def test_bad_number_in_config_is_a_config_error():
    with pytest.raises(config.ConfigError, match="INSPECTOR_MAX_BODY"):
        config.load({}, environ={"INSPECTOR_MAX_BODY": "lots"})
