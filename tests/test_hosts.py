"""The Host check: local mode answers only to 127.0.0.1, localhost and [::1] (any port) and the
names in INSPECTOR_TRUSTED_HOSTS; shared mode to those and its public names. Anything else is a
421 page (or JSON error) before any view, gate or CSRF check runs; never a 500."""

from __future__ import annotations

import pytest

from inspector import config, create_app

SECRET_KEY = "3f1c0a9b8e7d6c5b4a39281706f5e4d3"
SHARED = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": SECRET_KEY,
    "INSPECTOR_ACCESS_PASSWORD": "correct horse battery",
}
MODES = {"local": {}, "shared": SHARED}
PAGES = ["/", "/token", "/connection", "/env", "/login", "/nope", "/static/css/app.css"]
API = ["/api/v1/token", "/api/v1/connection", "/api/v1/env"]
REFUSED = [
    "evil.example",
    "evil.example:5000",
    "127.0.0.1.evil.example",
    "localhost.evil.example",
    "[::2]:8080",
    "10.0.0.5",
    "inspector.example.evil",
    "bad_name!",
    "",
]
LOCAL = ["127.0.0.1:5000", "127.0.0.1", "localhost", "localhost:8000", "[::1]:8080", "[::1]"]


@pytest.fixture(params=sorted(MODES))
def mode(request):
    return request.param


def _app(make_app, mode, trusted="", **overrides):
    return make_app(INSPECTOR_TRUSTED_HOSTS=trusted, **MODES[mode], **overrides)


def _assert_refused_page(r, status=421):
    assert r.status_code == status, r.status_code
    assert r.mimetype == "text/html"
    text = r.get_data(as_text=True)
    assert "untrusted_host" in text and "Traceback" not in text
    # The page's links are relative: nothing is built from the refused name.
    assert "evil.example/" not in text
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")


def _assert_refused_json(r, status=421):
    assert r.status_code == status, r.status_code
    assert r.get_json()["error"]["code"] == "untrusted_host"


@pytest.mark.parametrize("host", REFUSED)
@pytest.mark.parametrize("path", PAGES)
def test_other_names_get_a_421_page(make_app, mode, host, path):
    client = _app(make_app, mode).test_client()
    _assert_refused_page(client.get(path, headers={"Host": host}))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", ""])
@pytest.mark.parametrize("path", API)
def test_other_names_get_a_json_error(make_app, mode, host, path):
    client = _app(make_app, mode).test_client()
    r = client.post(path, json={"token": "x", "url": "x", "text": "x"}, headers={"Host": host})
    _assert_refused_json(r)


@pytest.mark.parametrize("host", LOCAL)
def test_local_names_pass_on_any_port(make_app, mode, host):
    client = _app(make_app, mode).test_client()
    r = client.get("/", headers={"Host": host})
    # Shared mode: past the Host check, the gate sends the visitor to the login page.
    assert r.status_code == (302 if mode == "shared" else 200)
    r = client.get("/login" if mode == "shared" else "/token", headers={"Host": host})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "trusted,host",
    [
        ("inspector.example.com", "inspector.example.com"),
        ("inspector.example.com", "inspector.example.com:8443"),
        ("inspector.example.com", "INSPECTOR.example.com."),
        ("a.example, inspector.example.com", "inspector.example.com"),
        ("*.team.example", "inspector.team.example"),
        ("10.0.0.5", "10.0.0.5:8000"),
        ("fd00::5", "[fd00::5]:8000"),
        ("[fd00:0::5]", "[fd00::5]"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("*", "anything.example"),
    ],
)
def test_configured_names_pass(make_app, mode, trusted, host):
    client = _app(make_app, mode, trusted).test_client()
    r = client.get("/login" if mode == "shared" else "/token", headers={"Host": host})
    assert r.status_code == 200
    r = client.post("/api/v1/token", json={"token": "x"}, headers={"Host": host})
    assert r.status_code == (401 if mode == "shared" else 200)


@pytest.mark.parametrize(
    "trusted,host",
    [
        ("inspector.example.com", "evil.example"),
        ("inspector.example.com", "www.inspector.example.com"),
        ("*.team.example", "team.example"),
        ("*.team.example", "evilteam.example"),
    ],
)
def test_configured_names_refuse_the_rest(make_app, mode, trusted, host):
    client = _app(make_app, mode, trusted).test_client()
    _assert_refused_page(client.get("/", headers={"Host": host}))


def test_from_the_environment(monkeypatch):
    monkeypatch.setenv("INSPECTOR_TRUSTED_HOSTS", "inspector.example.com *.team.example")
    app = create_app({"TESTING": True})
    assert app.config["INSPECTOR_TRUSTED_HOSTS"] == ("inspector.example.com", ".team.example")
    assert app.test_client().get("/", headers={"Host": "x.team.example"}).status_code == 200


@pytest.mark.parametrize(
    "value,message",
    [
        ("https://inspector.example.com", "without scheme"),
        ("inspector.example.com:443", "without a port"),
        ("under_score.example", "not a valid host name"),
        ("[zz::1]", "not an IPv6 address"),
        ("a..b", "not a valid host name"),
    ],
)
def test_bad_names_refuse_to_start(value, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load({"INSPECTOR_TRUSTED_HOSTS": value}, environ={})


def test_healthz_answers_any_name(make_app, mode):
    """A load balancer's check often uses the instance's address; it reads nothing."""
    client = _app(make_app, mode).test_client()
    r = client.get("/healthz", headers={"Host": "10.1.2.3:8000"})
    assert r.status_code == 200 and r.data == b"ok\n"


def test_refused_before_the_gate_and_csrf(make_app):
    """Shared mode with CSRF on: an unknown name gets the 421, not a login redirect nor a CSRF
    400, and a POST to the login page is never checked against the password."""
    app = make_app(INSPECTOR_TRUSTED_HOSTS="", WTF_CSRF_ENABLED=True, **SHARED)
    client = app.test_client()
    _assert_refused_page(client.get("/token", headers={"Host": "evil.example"}))
    r = client.post(
        "/login", data={"password": "correct horse battery"}, headers={"Host": "evil.example"}
    )
    _assert_refused_page(r)
    assert "Set-Cookie" not in r.headers


def test_behind_a_proxy_the_forwarded_host_is_checked(make_app):
    app = make_app(INSPECTOR_TRUSTED_HOSTS="inspector.example.com", INSPECTOR_PROXY_FIX=1)
    client = app.test_client()
    ok = client.get("/", headers={"X-Forwarded-Host": "inspector.example.com"})
    assert ok.status_code == 200
    _assert_refused_page(client.get("/", headers={"X-Forwarded-Host": "evil.example"}))


@pytest.mark.parametrize("path,json", [("/", False), ("/api/v1/token", True)])
def test_flask_trusted_hosts_refusal_is_a_page_not_a_500(make_app, path, json):
    """Flask's own TRUSTED_HOSTS refuses before routing, leaving no URL adapter: the error
    page still renders (its links are relative) instead of failing in url_for."""
    app = make_app(TRUSTED_HOSTS=["localhost"], INSPECTOR_TRUSTED_HOSTS="")
    app.testing = False  # a failure in the error page would be a 500, not an exception here
    client = app.test_client()
    if json:
        _assert_refused_json(client.post(path, json={"token": "x"}, headers={"Host": "evil"}))
    else:
        _assert_refused_page(client.get(path, headers={"Host": "evil.example"}))
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def test_the_refusal_is_logged_with_the_name(make_app, caplog):
    client = _app(make_app, "local").test_client()
    client.get("/", headers={"Host": "evil.example:5000"})
    assert any("'evil.example'" in r.getMessage() for r in caplog.records)
