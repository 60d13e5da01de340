"""The request tester's faces: the panel on the token page, `POST /api/v1/request` and
`inspector request`, against the real loopback backend; shared mode's policy, probe slots and
rate limits; and `inspector mint`."""

from __future__ import annotations

import json
import re

import jwt
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from inspector import cli
from inspector.web.limits import probe_slot
from tests.fixtures.backend import PUBLISHABLE_KEY
from tests.test_request_tester import listener

SHARED = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": "3f1c0a9b8e7d6c5b4a39281706f5e4d3",
    "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
}
USER = {"X-Forwarded-User": "ana"}


def anon_key(kit) -> str:
    return kit.mint.api_key(kit.secret, "anon")


# --- JSON ------------------------------------------------------------------------------------


def test_api_request_explains_a_rejection(client, kit, backend):
    backend.verifier.key = anon_key(kit)
    token = kit.mint.user(kit.secret)
    r = client.post(
        "/api/v1/request",
        json={"url": backend.url("/api/me"), "token": token, "key": kit.secret},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["outcome"] == "rejected"
    assert body["response"]["status"] == 401
    assert body["server_says"]["message"] == "JWT validation error: Signature verification failed"
    assert [f["code"] for f in body["findings"]] == ["server_uses_other_key"]
    assert body["token"]["signature"]["status"] == "valid"
    text = r.get_data(as_text=True)
    assert token not in text and kit.secret not in text


def test_api_request_accepts_and_sends_the_method(client, kit, backend):
    backend.verifier.key = kit.secret
    r = client.post(
        "/api/v1/request",
        json={"url": backend.url("/api/me"), "token": kit.mint.user(kit.secret), "method": "post"},
    )
    assert r.get_json()["outcome"] == "accepted"
    assert backend.hits[-1]["method"] == "POST"


def test_api_auth_check(client, kit, backend):
    backend.project.secret = kit.secret
    body = {
        "token": kit.mint.user(kit.secret),
        "auth_check": True,
        "project": backend.base,
        "apikey": PUBLISHABLE_KEY,
    }
    r = client.post("/api/v1/request", json=body).get_json()
    assert r["mode"] == "auth_check" and r["outcome"] == "accepted"
    assert r["request"]["url"] == backend.url("/auth/v1/user")


def test_api_configured_apikey_in_local_mode(make_app, tmp_path, kit, backend):
    backend.project.secret = kit.secret
    env = tmp_path / ".env"
    env.write_text(
        f"SUPABASE_URL={backend.base}\nNEXT_PUBLIC_SUPABASE_ANON_KEY={PUBLISHABLE_KEY}\n"
    )
    c = make_app(INSPECTOR_ENV_FILE=str(env)).test_client()
    r = c.post(
        "/api/v1/request",
        json={"url": backend.url("/rest/v1/todos"), "token": kit.mint.user(kit.secret)},
    )
    assert r.get_json()["outcome"] == "accepted"
    assert backend.hits[-1]["Apikey"] == PUBLISHABLE_KEY
    assert PUBLISHABLE_KEY not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "body,message",
    [
        ({"url": "http://127.0.0.1:1/"}, "token"),
        ({"token": "eyJ.e30.x"}, "url"),
        ({"token": "eyJ.e30.x", "url": "http://127.0.0.1:1/", "method": "TRACE"}, "method"),
        ({"token": "eyJ.e30.x", "url": "http://127.0.0.1:1/", "leeway": -1}, "leeway"),
        ({"token": "eyJ.e30.x", "url": 5}, "url"),
    ],
)
def test_api_refuses_what_it_cannot_read(client, body, message):
    r = client.post("/api/v1/request", json=body)
    assert r.status_code == 400
    assert message in r.get_json()["error"]["message"]


def test_api_busy_when_every_probe_slot_is_taken(make_app, kit, backend):
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=1)
    body = {"url": backend.url("/api/me"), "token": kit.mint.user(kit.secret)}
    with app.app_context(), probe_slot():
        r = app.test_client().post("/api/v1/request", json=body)
    assert r.status_code == 503
    assert r.get_json()["error"]["code"] == "busy"
    assert backend.hits == []


def test_api_shared_mode_blocks_before_any_packet(make_app, kit):
    c = make_app(**SHARED).test_client()
    with listener() as (port, connections):
        r = c.post(
            "/api/v1/request",
            json={"url": f"http://127.0.0.1:{port}/api/me", "token": kit.mint.user(kit.secret)},
            headers=USER,
        )
        assert r.status_code == 200
        body = r.get_json()
        assert body["outcome"] == "blocked"
        assert body["request"]["sent"] is False
        assert connections() == 0


def test_api_shared_mode_configured_secret_refused(make_app, kit):
    c = make_app(**SHARED).test_client()
    body = {"url": "https://x.supabase.co/", "token": "t", "use_configured_secret": True}
    r = c.post("/api/v1/request", json=body, headers=USER)
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "forbidden"


def test_request_tests_count_as_probes(make_app, kit):
    app = make_app(**SHARED, INSPECTOR_RATE_LIMIT="2 per minute")
    c = app.test_client()
    body = {"url": "http://127.0.0.1:9/", "token": kit.mint.user(kit.secret)}
    assert [c.post("/api/v1/request", json=body, headers=USER).status_code for _ in range(2)] == [
        200,
        200,
    ]
    assert c.post("/api/v1/request", json=body, headers=USER).status_code == 429
    # One probe budget: the page's request test and a connection probe are refused too.
    form = {"token": body["token"], "url": body["url"], "method": "GET"}
    assert c.post("/token/request", data=form, headers=USER).status_code == 429
    assert (
        c.post(
            "/api/v1/connection", json={"url": "postgresql://u@127.0.0.1/db"}, headers=USER
        ).status_code
        == 429
    )


# --- the page --------------------------------------------------------------------------------


def test_token_page_has_the_panel_inside_the_token_form(client):
    html = client.get("/token").get_data(as_text=True)
    panel = html[html.index('id="request-tester"') :]
    assert re.search(r'<input[^>]*form="token-form"[^>]*name="url"', panel)
    assert re.search(r'<select[^>]*form="token-form"[^>]*name="method"', panel)
    assert 'formaction="/token/request#request-tester"' in panel
    assert 'name="ask_auth"' in panel
    assert "<script" not in panel


def test_page_sends_and_shows_both_verdicts(client, kit, backend):
    backend.verifier.key = anon_key(kit)
    token = kit.mint.user(kit.secret)
    r = client.post(
        "/token/request",
        data={
            "token": token,
            "key": kit.secret,
            "url": backend.url("/api/me"),
            "method": "GET",
            "apikey": "my-gateway-key-0123456789",
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Your server verifies with another key" in html
    assert "JWT validation error: Signature verification failed" in html
    assert 'data-code="server_uses_other_key"' in html
    assert 'data-status="valid"' in html  # the token's own report: it verifies here
    assert kit.secret in html  # a local site keeps the key in its field (no-store page)
    assert "my-gateway-key-0123456789" not in html
    assert f'value="{backend.url("/api/me")}"' in html  # the endpoint stays in its field


def test_page_ask_auth_button(client, kit, backend):
    backend.project.secret = kit.secret
    r = client.post(
        "/token/request",
        data={
            "token": kit.mint.user(kit.secret),
            "project": backend.base,
            "apikey": PUBLISHABLE_KEY,
            "ask_auth": "1",
        },
    )
    html = r.get_data(as_text=True)
    assert "Supabase Auth accepts the token" in html
    assert backend.hits[-1]["path"] == "/auth/v1/user"


def test_page_needs_an_endpoint_and_a_token(client):
    html = client.post("/token/request", data={"token": "eyJ.e30.x"}).get_data(as_text=True)
    assert "Give the endpoint to call." in html
    html = client.post("/token/request", data={"url": "http://127.0.0.1:9/"}).get_data(as_text=True)
    assert "Paste the token to send." in html


def test_page_needs_csrf(make_app):
    c = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert c.post("/token/request", data={"token": "t", "url": "http://x/"}).status_code == 400
    assert c.get("/token/request").status_code == 405


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def invoke(make_app):
    def _invoke(*args: str, **overrides):
        info = ScriptInfo(create_app=lambda: make_app(**overrides), set_debug_flag=False)
        return CliRunner().invoke(cli.main, list(args), obj=info, prog_name="inspector")

    return _invoke


def test_cli_request_exit_statuses(invoke, kit, backend):
    token = kit.mint.user(kit.secret)
    backend.verifier.key = kit.secret
    ok = invoke("request", backend.url("/api/me"), "--token", token, "--key", kit.secret)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ACCEPTED: GET ")
    backend.verifier.key = anon_key(kit)
    bad = invoke("request", backend.url("/api/me"), "--token", token, "--key", kit.secret)
    assert bad.exit_code == 1
    assert "[server_uses_other_key] Your server verifies with another key" in bad.output
    assert token not in bad.output and kit.secret not in bad.output
    js = invoke("request", backend.url("/api/me"), "--token", token, "--json")
    assert js.exit_code == 1
    assert json.loads(js.output)["response"]["status"] == 401


def test_cli_request_auth_and_usage(invoke, kit, backend):
    backend.project.secret = kit.secret
    token = kit.mint.user(kit.secret)
    r = invoke("request", "--auth", "--token", token, "--project", backend.base,
               "--apikey", PUBLISHABLE_KEY)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Supabase Auth accepts the token" in r.output
    assert invoke("request", "--token", token).exit_code == 2
    assert invoke("request", backend.url("/api/me")).exit_code == 2
    assert invoke("request", "http://x/", "--token", token, "--method", "TRACE").exit_code == 2


def test_cli_request_shared_mode_policy(invoke, kit):
    with listener() as (port, connections):
        r = invoke(
            "request", f"http://127.0.0.1:{port}/", "--token", kit.mint.user(kit.secret), **SHARED
        )
        assert r.exit_code == 1
        assert "[request_blocked]" in r.output
        assert connections() == 0


def test_cli_mint(invoke, kit, backend):
    r = invoke("mint", "user", "--key", kit.secret, "--quiet")
    assert r.exit_code == 0
    token = r.output.strip()
    claims = jwt.decode(token, kit.secret, algorithms=["HS256"], audience="authenticated")
    assert claims["role"] == "authenticated"
    backend.verifier.key = kit.secret
    sent = invoke("request", backend.url("/api/me"), "--token", token)
    assert sent.exit_code == 0
    full = invoke("mint", "anon", "--key", kit.secret, "--endpoint", "http://127.0.0.1:8000/x")
    assert full.exit_code == 0
    assert "signature valid" in full.output and "curl -i http://127.0.0.1:8000/x" in full.output
    assert kit.secret not in full.output


def test_cli_mint_resign_and_failures(invoke, kit, tmp_path):
    old = kit.mint.user(kit.secret)
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({"sub": "edited", "role": "authenticated"}))
    r = invoke("mint", "resign", "--token", old, "--claims", f"@{claims}", "--key", "k" * 40,
               "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["claims"] == {"sub": "edited", "role": "authenticated"}
    bad = invoke("mint", "user", "--key", kit.es.public_pem)
    assert bad.exit_code == 1 and "[mint_key_not_private]" in bad.output
    assert invoke("mint", "resign", "--key", "k" * 40).exit_code == 2
    assert invoke("mint", "user", "--configured-secret").exit_code == 2  # none configured
    shared = invoke("mint", "--key", kit.secret, **SHARED)
    assert shared.exit_code == 2


def test_the_new_secret_fields_are_kept_out_of_logs():
    from inspector.web.logfilter import secrets_in

    data = {
        "apikey": "gateway-key-123456",
        "mint-key": "signing-secret-123",
        "mint-token": "eyJ.x.y1",
    }
    assert set(data.values()) <= set(secrets_in(data))
