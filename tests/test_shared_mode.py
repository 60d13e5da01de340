"""Shared mode: the start-up refusal, the access gate (team password or trusted proxy header),
the session cookie, the rate limits. Local mode stays zero-config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from inspector import config
from tests.fixtures.paste import paste

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "3f1c0a9b8e7d6c5b4a39281706f5e4d3"
PASSWORD = "correct horse battery"
SHARED = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": SECRET_KEY,
    "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
}
GATED_PAGES = ["/", "/token", "/connection", "/env", "/nope"]
API = ["/api/v1/token", "/api/v1/connection", "/api/v1/env"]


def csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1).decode()


def sign_in(client, password=PASSWORD, next_path="/"):
    data = {"password": password, "next": next_path}
    if client.application.config["WTF_CSRF_ENABLED"]:
        data["csrf_token"] = csrf_token(client.get("/login").data)
    return client.post("/login", data=data)


@pytest.fixture
def shared_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True, **SHARED)


# --- start-up -------------------------------------------------------------------------------

REFUSALS = [
    ({}, "SECRET_KEY"),
    ({"SECRET_KEY": "changeme"}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SECRET_KEY": "change-me-please-to-something"}, "SECRET_KEY"),
    ({"SECRET_KEY": SECRET_KEY}, "access gate"),
    ({"SECRET_KEY": SECRET_KEY, "INSPECTOR_ACCESS_PASSWORD": "pw"}, "at least 8"),
    ({"SECRET_KEY": SECRET_KEY, "INSPECTOR_ACCESS_PASSWORD": SECRET_KEY}, "not be the SECRET_KEY"),
    ({"SECRET_KEY": SECRET_KEY, "INSPECTOR_TRUSTED_USER_HEADER": "X User: me"}, "header name"),
    (
        {
            "SECRET_KEY": SECRET_KEY,
            "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
            "INSPECTOR_ALLOWED_NETWORKS": "10.0.0.0/33",
        },
        "INSPECTOR_ALLOWED_NETWORKS",
    ),
    (
        {
            "SECRET_KEY": SECRET_KEY,
            "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
            "INSPECTOR_RATELIMIT_STORAGE_URI": "redis-ish",
        },
        "INSPECTOR_RATELIMIT_STORAGE_URI",
    ),
    (
        {
            "SECRET_KEY": SECRET_KEY,
            "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
            "INSPECTOR_RATE_LIMIT": "lots",
        },
        "INSPECTOR_RATE_LIMIT",
    ),
]


@pytest.mark.parametrize("env,message", REFUSALS)
def test_config_refuses_shared_mode(env, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load({}, environ={"INSPECTOR_MODE": "shared", **env})


def _server_env(tmp_path, **env):
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "INSPECTOR_ENV_FILE": str(tmp_path / "missing.env"),
    }
    base.update(env)
    return base


@pytest.mark.parametrize("env,message", REFUSALS[:6])
def test_flask_cli_refuses_to_start(tmp_path, env, message):
    """The real start-up: a clear message, no traceback, a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py"), "routes"],
        cwd=tmp_path,  # no .env here
        env=_server_env(tmp_path, INSPECTOR_MODE="shared", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "inspector: cannot start:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_flask_cli_starts_when_configured(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py"), "routes"],
        cwd=tmp_path,
        env=_server_env(
            tmp_path,
            INSPECTOR_MODE="shared",
            SECRET_KEY=SECRET_KEY,
            INSPECTOR_ACCESS_PASSWORD=PASSWORD,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "auth.login" in result.stdout


def test_gunicorn_refuses_to_start(tmp_path, unused_port):
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--chdir",
            str(ROOT),
            "wsgi:app",
        ],
        cwd=tmp_path,
        env=_server_env(
            tmp_path, INSPECTOR_MODE="shared", INSPECTOR_BIND=f"127.0.0.1:{unused_port}"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "inspector: cannot start:" in result.stderr and "SECRET_KEY" in result.stderr


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- local mode -----------------------------------------------------------------------------


def test_local_mode_has_no_gate(client):
    for path in ["/", "/token", "/connection", "/env"]:
        assert client.get(path).status_code == 200
    assert client.post("/api/v1/env", json={"text": "A=1"}).status_code == 200
    assert client.get("/login").status_code == 404


def test_local_mode_rate_limits_off(client):
    for _ in range(40):
        assert client.post("/api/v1/env", json={"text": "A=1"}).status_code == 200


# --- the team-password gate -----------------------------------------------------------------


@pytest.mark.parametrize("path", GATED_PAGES)
def test_pages_redirect_to_login(shared_app, path):
    r = shared_app.test_client().get(path)
    assert r.status_code == 302
    assert r.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", API)
def test_api_answers_401_json(shared_app, path):
    r = shared_app.test_client().post(path, json={"token": "x", "url": "x", "text": "x"})
    assert r.status_code == 401
    assert r.get_json() == {"error": {"code": "unauthorized", "message": "Sign in first."}}


def test_post_to_a_page_without_login_redirects_without_reading_it(shared_app):
    r = shared_app.test_client().post("/token", data={"token": "eyJhbGciOiJIUzI1NiJ9.e30.x"})
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/"


@pytest.mark.parametrize("path", ["/healthz", "/static/css/app.css", "/login"])
def test_open_without_login(shared_app, path):
    with shared_app.test_client().get(path) as r:
        assert r.status_code == 200


def test_login_then_pages_and_api_work(shared_app):
    c = shared_app.test_client()
    r = sign_in(c, next_path="/env")
    assert r.status_code == 302 and r.headers["Location"] == "/env"
    for path in ["/", "/token", "/connection", "/env"]:
        assert c.get(path).status_code == 200
    assert c.post("/api/v1/env", json={"text": "A=1"}).status_code == 200


def test_wrong_password_is_refused(shared_app):
    c = shared_app.test_client()
    r = sign_in(c, password="not the password")
    assert r.status_code == 401
    assert b"not the team password" in r.data
    assert b"not the password" not in r.data  # never echoed
    assert c.get("/token").status_code == 302


def test_login_form_is_post_with_csrf(shared_app):
    r = shared_app.test_client().get("/login")
    assert b'method="post"' in r.data
    assert b'name="csrf_token"' in r.data
    assert b'type="password"' in r.data


def test_login_without_csrf_is_refused(shared_app):
    c = shared_app.test_client()
    r = c.post("/login", data={"password": PASSWORD})
    assert r.status_code == 400
    assert c.get("/token").status_code == 302


def test_logout_needs_post_and_signs_out(shared_app):
    c = shared_app.test_client()
    sign_in(c)
    assert c.get("/logout").status_code in (302, 405)  # GET cannot sign out
    assert c.get("/token").status_code == 200
    token = csrf_token(c.get("/").data)
    r = c.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert c.get("/token").status_code == 302


def test_sign_out_button_only_when_signed_in_behind_the_password(shared_app, client):
    c = shared_app.test_client()
    assert b"Sign out" not in c.get("/login").data
    sign_in(c)
    page = c.get("/token").data
    assert b'action="/logout"' in page and b"Sign out" in page
    assert b"Sign out" not in client.get("/token").data  # local mode: no gate, no button


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/env", "/env"),
        ("/token?x=1", "/token?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
        ("/login", "/"),
        ("", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_next_is_limited_to_local_paths(shared_app, target, expected):
    r = sign_in(shared_app.test_client(), next_path=target)
    assert r.status_code == 302 and r.headers["Location"] == expected


def test_next_from_query_is_sanitised_into_the_form(shared_app):
    r = shared_app.test_client().get("/login?next=https://evil.example/")
    assert b"evil.example" not in r.data


def _session(client, app) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    s = URLSafeTimedSerializer(
        app.config["SECRET_KEY"],
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
    )
    return s.loads(cookie.value)


def test_session_holds_no_password(shared_app):
    c = shared_app.test_client()
    sign_in(c)
    data = _session(c, shared_app)
    assert set(data) <= {"csrf_token", "gate", "_permanent"}
    assert PASSWORD not in repr(data)
    raw = c.get_cookie("inspector_session").value
    assert PASSWORD not in raw


def test_changing_the_password_signs_everyone_out(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, **SHARED)
    c = app.test_client()
    sign_in(c)
    assert c.get("/token").status_code == 200
    app.config["INSPECTOR_ACCESS_PASSWORD"] = "a brand new password"
    assert c.get("/token").status_code == 302


def _set_cookie(response) -> str:
    cookies = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("inspector_session=")
    ]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_cookie_flags_on_http(shared_app):
    r = sign_in(shared_app.test_client())
    cookie = _set_cookie(r)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie


def test_cookie_secure_on_https(shared_app):
    c = shared_app.test_client()
    page = c.get("/login", base_url="https://inspector.example")
    r = c.post(
        "/login",
        base_url="https://inspector.example",
        data={"csrf_token": csrf_token(page.data), "password": PASSWORD, "next": "/"},
        headers={"Referer": "https://inspector.example/login"},
    )
    assert r.status_code == 302
    cookie = _set_cookie(r)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookie_secure_behind_https_proxy_with_proxyfix(make_app):
    app = make_app(INSPECTOR_PROXY_FIX=1, **SHARED)
    c = app.test_client()
    r = c.post(
        "/login",
        data={"password": PASSWORD, "next": "/"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
    )
    assert r.status_code == 302
    assert "Secure" in _set_cookie(r)


def test_forwarded_proto_ignored_without_proxyfix(make_app):
    app = make_app(**SHARED)
    r = app.test_client().post(
        "/login", data={"password": PASSWORD, "next": "/"}, headers={"X-Forwarded-Proto": "https"}
    )
    assert "Secure" not in _set_cookie(r)


def test_preferred_scheme_https_makes_cookie_secure(make_app):
    app = make_app(PREFERRED_URL_SCHEME="https", **SHARED)
    r = app.test_client().post("/login", data={"password": PASSWORD, "next": "/"})
    assert "Secure" in _set_cookie(r)


# --- the trusted-header gate ----------------------------------------------------------------

HEADER = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": SECRET_KEY,
    "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
}


@pytest.mark.parametrize("path", ["/", "/token", "/env"])
def test_trusted_header_pages(make_app, path):
    c = make_app(**HEADER).test_client()
    r = c.get(path)
    assert r.status_code == 401 and b"sign-in" in r.data
    assert c.get(path, headers={"X-Forwarded-User": ""}).status_code == 401
    assert c.get(path, headers={"X-Forwarded-User": "   "}).status_code == 401
    assert c.get(path, headers={"X-Forwarded-User": "ana@example.com"}).status_code == 200


def test_trusted_header_api(make_app):
    c = make_app(**HEADER).test_client()
    r = c.post("/api/v1/env", json={"text": "A=1"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    r = c.post("/api/v1/env", json={"text": "A=1"}, headers={"X-Forwarded-User": "ana"})
    assert r.status_code == 200


def test_trusted_header_mode_has_no_login_page(make_app):
    c = make_app(**HEADER).test_client()
    assert c.get("/login").status_code == 404


def test_header_or_password(make_app):
    app = make_app(INSPECTOR_ACCESS_PASSWORD=PASSWORD, **HEADER)
    c = app.test_client()
    assert c.get("/token", headers={"X-Forwarded-User": "ana"}).status_code == 200
    assert c.get("/token").status_code == 302
    sign_in(c)
    assert c.get("/token").status_code == 200


# --- rate limits ----------------------------------------------------------------------------


def test_login_attempts_are_rate_limited(make_app):
    app = make_app(INSPECTOR_LOGIN_RATE_LIMIT="3 per minute", **SHARED)
    c = app.test_client()
    codes = [
        c.post("/login", data={"password": "guess", "next": "/"}).status_code for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    # Even the right password waits now.
    r = c.post("/login", data={"password": PASSWORD, "next": "/"})
    assert r.status_code == 429 and b"Too many requests" in r.data
    assert "Retry-After" in r.headers
    # GETs of the page are not attempts.
    assert c.get("/login").status_code == 200


BLOCKED_URL = "postgresql://u:p@127.0.0.1:5432/db"  # refused by the policy: no packet leaves


def test_probes_are_rate_limited_per_client(make_app):
    app = make_app(INSPECTOR_RATE_LIMIT="3 per minute", INSPECTOR_PROXY_FIX=1, **HEADER)

    def post(user, path="/api/v1/connection", body=None):
        return app.test_client().post(
            path,
            json=body or {"url": BLOCKED_URL, "timeout": 1},
            headers={"X-Forwarded-User": user, "X-Forwarded-For": "198.51.100.1"},
        )

    assert [post("ana").status_code for _ in range(3)] == [200, 200, 200]
    r = post("ana")
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in r.headers
    # One probe budget across the ways in: a JWKS URL, the connection page, a pasted URL.
    jwks = {"token": "eyJhbGciOiJIUzI1NiJ9.e30.x", "key": "https://127.0.0.1/jwks.json"}
    assert post("ana", "/api/v1/token", jwks).status_code == 429
    c = app.test_client()
    hdrs = {"X-Forwarded-User": "ana", "X-Forwarded-For": "198.51.100.1"}
    assert c.post("/connection", data={"url": BLOCKED_URL}, headers=hdrs).status_code == 429
    home = paste(c, BLOCKED_URL, headers=hdrs)
    assert home.status_code == 429  # counted at the connection page the paste lands on
    env = {"text": f"DATABASE_URL={BLOCKED_URL}", "probe": True}
    assert post("ana", "/api/v1/env", env).status_code == 429
    assert c.post("/env", data={**env, "probe": "y"}, headers=hdrs).status_code == 429
    # What cannot probe is not counted against it.
    assert post("ana", "/api/v1/env", {"text": "A=1"}).status_code == 200
    assert post("ana", "/api/v1/env", {**env, "probe": False}).status_code == 200
    assert c.post("/env", data={"text": env["text"]}, headers=hdrs).status_code == 200
    assert post("ana", "/api/v1/token", {"token": "eyJhbGciOiJIUzI1NiJ9.e30.x"}).status_code == 200
    assert post("ana", body={"url": BLOCKED_URL, "probe": False}).status_code == 200
    # Another client has its own budget.
    assert post("ben").status_code == 200
    # GET pages are not counted.
    assert c.get("/connection", headers=hdrs).status_code == 200


def test_all_inspections_share_a_larger_budget(make_app):
    app = make_app(INSPECTOR_INSPECT_RATE_LIMIT="4 per minute", **HEADER)
    c = app.test_client()
    c.environ_base["HTTP_X_FORWARDED_USER"] = "ana"
    codes = [
        c.post("/api/v1/env", json={"text": "A=1"}).status_code,
        c.post("/api/v1/token", json={"token": "x"}).status_code,
        c.post("/env", data={"text": "A=1"}).status_code,
        paste(c, "A=1").status_code,
        c.post("/token", data={"token": "x"}).status_code,
    ]
    assert codes == [200, 200, 200, 200, 429]


def test_rate_limit_by_address_behind_proxyfix(make_app):
    app = make_app(INSPECTOR_INSPECT_RATE_LIMIT="2 per minute", INSPECTOR_PROXY_FIX=1, **SHARED)
    c = app.test_client()
    sign_in(c)

    def post(addr):
        return c.post("/api/v1/env", json={"text": "A=1"}, headers={"X-Forwarded-For": addr})

    assert [post("203.0.113.1").status_code for _ in range(3)] == [200, 200, 429]
    assert post("203.0.113.2").status_code == 200


def test_rate_limits_can_be_switched_on_in_local_mode(make_app):
    app = make_app(INSPECTOR_RATE_LIMIT_ENABLED=True, INSPECTOR_INSPECT_RATE_LIMIT="1 per minute")
    c = app.test_client()
    assert c.post("/api/v1/env", json={"text": "A=1"}).status_code == 200
    assert c.post("/api/v1/env", json={"text": "A=1"}).status_code == 429


def test_rate_limit_storage_is_configurable():
    s = config.load(
        {**SHARED, "INSPECTOR_RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0"},
        environ={},
    )
    assert s["INSPECTOR_RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/0"
    assert s["INSPECTOR_RATE_LIMIT_ENABLED"] is True
    assert config.load({}, environ={})["INSPECTOR_RATE_LIMIT_ENABLED"] is False


def test_link_from_another_site_keeps_the_login(shared_app):
    """SameSite=Strict withholds the cookie on a cross-site link: the gate answers with a
    same-site hop that sets no cookie, instead of a login page that would replace the session."""
    c = shared_app.test_client()
    sign_in(c)
    # What the browser sends for a link from chat: no cookie, Sec-Fetch-Site: cross-site.
    stranger = shared_app.test_client()
    r = stranger.get("/token", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200
    assert b'http-equiv="refresh" content="0; url=/token"' in r.data
    assert not r.headers.getlist("Set-Cookie")
    # The hop is same-site, so the signed-in browser sends its cookie and gets the page.
    assert c.get("/token", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    # Without a login, the hop leads to the login page as usual.
    r = stranger.get("/token", headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/token"
