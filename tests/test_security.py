"""What every mode guarantees: headers on every response, CSRF on every form, JSON only on the
API, 413 for oversized bodies (declared or chunked), input never echoed by error pages, HTML in
claims shown as text."""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading

import pytest
from werkzeug.serving import make_server

from tests.fixtures.paste import paste

SECRET_KEY = "3f1c0a9b8e7d6c5b4a39281706f5e4d3"
PASSWORD = "correct horse battery"
SHARED = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": SECRET_KEY,
    "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
}
FORMS = ["/", "/token", "/connection", "/env"]
API = ["/api/v1/token", "/api/v1/connection", "/api/v1/env"]
SECRET = "hunter2-is-not-a-good-password-5b1f"


def assert_security_headers(r):
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def _get_paths(app):
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.arguments:
            continue
        if "GET" in rule.methods:
            paths.append(("GET", rule.rule))
        elif "POST" in rule.methods:
            paths.append(("POST", rule.rule))
    paths.append(("GET", "/static/css/app.css"))
    paths.append(("GET", "/no-such-page"))
    paths.append(("DELETE", "/token"))
    return paths


@pytest.mark.parametrize("mode", ["local", "shared"])
def test_headers_on_every_route(make_app, mode):
    app = make_app(**(SHARED if mode == "shared" else {}))
    c = app.test_client()
    seen = 0
    for method, path in _get_paths(app):
        with c.open(path, method=method, json={} if method == "POST" else None) as r:
            assert_security_headers(r)
            seen += 1
    assert seen >= 10


@pytest.mark.parametrize(
    "make_response",
    [
        pytest.param(
            lambda c: c.post("/api/v1/env", data="x" * 200, content_type="application/json"),
            id="413",
        ),
        pytest.param(
            lambda c: c.post("/api/v1/env", data="{", content_type="application/json"), id="400"
        ),
        pytest.param(lambda c: c.post("/", data={"text": "eyJ"}), id="csrf-400"),
    ],
)
def test_headers_on_error_responses(make_app, make_response):
    app = make_app(INSPECTOR_MAX_BODY=100, WTF_CSRF_ENABLED=True)
    assert_security_headers(make_response(app.test_client()))


def test_headers_on_gate_and_rate_limit_responses(make_app):
    app = make_app(INSPECTOR_LOGIN_RATE_LIMIT="1 per minute", **SHARED)
    c = app.test_client()
    assert_security_headers(c.get("/token"))  # 302
    assert_security_headers(c.post("/api/v1/env", json={}))  # 401
    c.post("/login", data={"password": "x", "next": "/"})
    r = c.post("/login", data={"password": "x", "next": "/"})
    assert r.status_code == 429
    assert_security_headers(r)


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FORMS)
def test_every_form_refuses_a_post_without_csrf(make_app, path):
    app = make_app(WTF_CSRF_ENABLED=True)
    c = app.test_client()
    r = c.post(
        path, data={"text": "A=1", "token": "eyJhbGciOiJIUzI1NiJ9.e30.x", "url": "postgres://u@h/d"}
    )
    assert r.status_code == 400
    assert b"form expired" in r.data


@pytest.mark.parametrize("path", FORMS)
def test_every_form_carries_a_csrf_token_and_posts(make_app, path):
    app = make_app(WTF_CSRF_ENABLED=True)
    html = app.test_client().get(path).data.decode()
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
    assert forms, f"no form on {path}"
    for form in forms:
        assert re.search(r'method="post"', form, flags=re.I), form[:200]
        assert 'name="csrf_token"' in form


def test_csrf_from_another_session_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    a, b = app.test_client(), app.test_client()
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', a.get("/").data).group(1)
    r = b.post("/", data={"csrf_token": token.decode(), "text": "A=1"})
    assert r.status_code == 400


def test_logout_needs_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, **SHARED)
    c = app.test_client()
    page = c.get("/login").data
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    c.post("/login", data={"csrf_token": token, "password": PASSWORD, "next": "/"})
    assert c.post("/logout").status_code == 400
    assert c.get("/token").status_code == 200  # still signed in


# --- the JSON API takes JSON only -----------------------------------------------------------


@pytest.mark.parametrize("path", API)
@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"data": {"token": "x", "url": "x", "text": "x"}}, id="form-encoded"),
        pytest.param({"data": "token=x", "content_type": "text/plain"}, id="text/plain"),
        pytest.param({"data": '{"token": "x"}', "content_type": "text/plain"}, id="json-as-text"),
        pytest.param({"data": "{not json", "content_type": "application/json"}, id="broken-json"),
        pytest.param({"json": ["token", "x"]}, id="array"),
        pytest.param({"json": "x"}, id="string"),
        pytest.param({"json": None}, id="null"),
        pytest.param({}, id="empty"),
    ],
)
def test_api_refuses_anything_but_a_json_object(client, path, kwargs):
    r = client.post(path, **kwargs)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("path", API)
def test_api_is_post_only(client, path):
    r = client.get(path)
    assert r.status_code == 405
    assert r.get_json()["error"]["code"] == "method_not_allowed"


# --- 413 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/token", "/connection", "/env", "/login", "/nope"])
def test_413_page_on_every_form(make_app, path):
    app = make_app(INSPECTOR_MAX_BODY=1000)
    r = app.test_client().post(path, data={"text": "x" * 5000, "token": "y"})
    assert r.status_code == 413
    assert b"1000 bytes at most" in r.data


@pytest.mark.parametrize("path", API)
def test_413_json_on_every_api(make_app, path):
    app = make_app(INSPECTOR_MAX_BODY=1000)
    r = app.test_client().post(path, json={"token": "x" * 5000, "url": "u", "text": "t"})
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "too_large"


@pytest.fixture
def live_server(make_app):
    """A real HTTP server (werkzeug, threaded) on loopback, with a 1000-byte body limit."""
    app = make_app(INSPECTOR_MAX_BODY=1000)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(5)


def _chunked_post(port, path, body: bytes, content_type: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        chunks = (body[i : i + 512] for i in range(0, len(body), 512))
        conn.request(
            "POST", path, body=chunks, headers={"Content-Type": content_type}, encode_chunked=True
        )
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", API)
def test_413_for_chunked_json_without_content_length(live_server, path):
    body = json.dumps({"token": "x" * 6000, "url": "x" * 10, "text": "x" * 10}).encode()
    status, ctype, data = _chunked_post(live_server, path, body, "application/json")
    assert status == 413
    assert json.loads(data)["error"]["code"] == "too_large"


@pytest.mark.parametrize("path", FORMS)
def test_413_for_chunked_form_without_content_length(live_server, path):
    body = ("text=" + "x" * 6000 + "&token=" + "y" * 10).encode()
    status, ctype, data = _chunked_post(
        live_server, path, body, "application/x-www-form-urlencoded"
    )
    assert status == 413
    assert b"1000 bytes at most" in data


def test_small_chunked_json_is_read(live_server):
    status, _, data = _chunked_post(
        live_server, "/api/v1/env", b'{"text": "A=1"}', "application/json"
    )
    assert status == 200
    assert "variables" in json.loads(data)


# --- input never echoed by errors; HTML in claims is text -----------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        pytest.param({"method": "GET", "path": f"/{SECRET}"}, id="404-path"),
        pytest.param({"method": "GET", "path": f"/api/v1/{SECRET}"}, id="404-api"),
        pytest.param({"method": "PUT", "path": "/token", "data": {"token": SECRET}}, id="405"),
        pytest.param(
            {
                "method": "POST",
                "path": "/api/v1/token",
                "data": f'{{"token": "{SECRET}"',
                "content_type": "application/json",
            },
            id="400-broken-json",
        ),
        pytest.param(
            {
                "method": "POST",
                "path": "/api/v1/token",
                "data": SECRET,
                "content_type": "text/plain",
            },
            id="400-text",
        ),
        pytest.param(
            {"method": "POST", "path": "/api/v1/token", "json": {"token": 5, "key": SECRET}},
            id="400-type",
        ),
        pytest.param({"method": "POST", "path": "/", "data": {"text": SECRET * 40}}, id="413"),
        pytest.param(
            {"method": "POST", "path": "/token", "data": {"token": SECRET}, "csrf": True}, id="csrf"
        ),
    ],
)
def test_error_responses_never_show_input(make_app, request_kwargs):
    kwargs = dict(request_kwargs)
    csrf = kwargs.pop("csrf", False)
    app = make_app(INSPECTOR_MAX_BODY=1000, WTF_CSRF_ENABLED=csrf)
    c = app.test_client()
    method, path = kwargs.pop("method"), kwargs.pop("path")
    r = c.open(path, method=method, **kwargs)
    assert r.status_code >= 400
    assert SECRET.encode() not in r.data
    assert SECRET not in str(r.headers)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _jwt(claims: dict, header: dict | None = None) -> str:
    return f"{_b64(header or {'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2lnbmF0dXJl"


HOSTILE = '<script>alert("claim")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize("path,field", [("/token", "token"), ("/", "text")])
def test_html_in_claims_is_shown_as_text(client, path, field):
    token = _jwt(
        {"sub": HOSTILE, "role": "authenticated", "aud": "authenticated", HOSTILE: 1},
        {"alg": "HS256", "typ": "JWT", "kid": HOSTILE},
    )
    r = client.post(path, data={field: token}) if path != "/" else paste(client, token)
    assert r.status_code == 200
    assert b"<script>alert" not in r.data
    assert b"<img src=x" not in r.data
    assert b"&lt;script&gt;alert(" in r.data


def test_html_in_claims_is_json_text_in_the_api(client):
    r = client.post("/api/v1/token", json={"token": _jwt({"sub": HOSTILE})})
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.get_json()["claims"]["sub"] == HOSTILE


# --- probe slots and timeouts ---------------------------------------------------------------


def test_probe_slots_cap_concurrent_probes(make_app):
    from inspector.web.limits import ProbeCapacityError, probe_slot

    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=2)
    with app.app_context(), probe_slot(), probe_slot():
        busy = probe_slot(wait=0.05)
        with pytest.raises(ProbeCapacityError):
            busy.__enter__()
    with app.app_context(), probe_slot(wait=0.05):
        pass  # released again


@pytest.mark.parametrize(
    "requested,expected",
    [
        (None, 5.0),
        (2, 2.0),
        ("3", 3.0),
        (0, 0.1),
        (-4, 0.1),
        (500, 30.0),
        (float("inf"), 30.0),
        (float("nan"), 5.0),
        ("soon", 5.0),
        (True, 5.0),
        (10**400, 30.0),
    ],
)
def test_probe_timeout_is_bounded(app, requested, expected):
    from inspector.web.limits import probe_timeout

    with app.app_context():
        assert probe_timeout(requested) == expected


def test_current_policy_follows_the_mode(make_app):
    from inspector.web.limits import current_policy

    with make_app().app_context():
        assert not current_policy().restricted
    with make_app(**SHARED).app_context():
        assert current_policy().restricted
        assert "*.supabase.co" in current_policy().allowed_hosts
