"""Keys found for you on every face (issue 13 §2, §3): the token page's "Discover keys" switch,
the JSON API's `discover` field, the CLI's --discover/--no-discover, against the real loopback
key server (the local CLI stack's kind of issuer, plain http on 127.0.0.1); and the JSON
additions: truncated, refresh_token, key_cleaned."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from inspector import cli, supabase
from tests.fixtures.jwks_server import SUPABASE_JWKS_PATH


def codes(d) -> set[str]:
    return {f["code"] for f in d["findings"]}


@pytest.fixture
def token(kit, local_keyserver):
    return kit.mint.user(kit.es, "ES256", iss=local_keyserver.supabase_issuer)


# ---------- JSON ----------


def test_api_discovers_when_asked(client, kit, token, local_keyserver):
    d = client.post("/api/v1/token", json={"token": token, "discover": True}).get_json()
    assert d["signature"]["status"] == "valid"
    said = f"verified with the key {kit.es.kid} from {local_keyserver.jwks_url}"
    assert d["signature"]["detail"].startswith(said) and said in d["headline"]["text"]
    assert d["discovery"]["status"] == "found" and d["discovery"]["kid"] == kit.es.kid
    assert d["key_state"]["state"] == "signing_keys"
    assert d["clock"]["source"] == "127.0.0.1" and d["clock"]["behind"] is None
    assert "verified_with_discovered_key" in codes(d)


def test_api_default_follows_the_setting(make_app, token, local_keyserver):
    off = make_app().test_client()  # the tests' environment: INSPECTOR_DISCOVER_KEYS=0
    d = off.post("/api/v1/token", json={"token": token}).get_json()
    assert d["discovery"] is None and d["signature"]["status"] == "not_checked"
    assert local_keyserver.accepted == 0
    on = make_app(INSPECTOR_DISCOVER_KEYS=True).test_client()
    assert on.post("/api/v1/token", json={"token": token}).get_json()["verified"]
    d = on.post("/api/v1/token", json={"token": token, "discover": False}).get_json()
    assert d["discovery"] is None
    assert local_keyserver.hits(SUPABASE_JWKS_PATH) == 1


def test_api_discover_must_be_a_boolean(client, token):
    r = client.post("/api/v1/token", json={"token": token, "discover": "yes"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


def test_api_forgeable_without_a_key(client, mint):
    d = client.post(
        "/api/v1/token", json={"token": mint.user(supabase.SELF_HOST_JWT_SECRET)}
    ).get_json()
    assert "forgeable_secret" in codes(d)
    assert d["signature"]["key_used"] == "public_secret"


def test_api_truncated_flag(client, kit):
    good = kit.mint.user(kit.secret)
    assert client.post("/api/v1/token", json={"token": good}).get_json()["truncated"] is False
    d = client.post("/api/v1/token", json={"token": good[:-10]}).get_json()
    assert d["truncated"] is True and "token_truncated" in codes(d)


def test_api_refresh_token(client):
    d = client.post("/api/v1/token", json={"token": "v3xq7kd2mz4a"}).get_json()
    assert d["refresh_token"] == {
        "format": "base32",
        "session_id": None,
        "counter": None,
        "checksum_ok": True,
    }
    session = "5d9a7c1e-2b3f-4e5a-8c6d-7e8f9a0b1c2d"
    raw = b"\x00" + bytes.fromhex(session.replace("-", "")) + bytes([7]) + b"\x11" * 16
    import hashlib

    raw += hashlib.sha256(raw).digest()[:4]
    v2 = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    d = client.post("/api/v1/token", json={"token": v2}).get_json()
    assert d["kind"] == "supabase_refresh_token"
    assert d["refresh_token"] == {
        "format": "v2",
        "session_id": session,
        "counter": 7,
        "checksum_ok": True,
    }
    d = client.post("/api/v1/token", json={"token": "eyJhbGciOiJIUzI1NiJ9.e30.x"}).get_json()
    assert d["refresh_token"] is None


def test_api_key_cleaned(client, kit):
    d = client.post(
        "/api/v1/token", json={"token": kit.mint.user(kit.secret), "key": "\ufeff" + kit.secret}
    ).get_json()
    assert d["verified"]
    assert d["key_cleaned"]["removed"] and "byte-order mark" in d["key_cleaned"]["removed"][0]
    d = client.post(
        "/api/v1/token", json={"token": kit.mint.user(kit.secret), "key": kit.secret}
    ).get_json()
    assert d["key_cleaned"] == {"removed": []}


# ---------- the page ----------


def _checkbox(html: str) -> str:
    return re.search(r'<input[^>]*name="discover"[^>]*>', html).group(0)


def test_page_switch_starts_as_the_setting_says(make_app):
    on = make_app(INSPECTOR_DISCOVER_KEYS=True).test_client().get("/token").get_data(True)
    assert "checked" in _checkbox(on) and "Discover keys" in on
    off = make_app().test_client().get("/token").get_data(True)
    assert "checked" not in _checkbox(off)


def test_page_discovers_with_the_switch_on(client, kit, token, local_keyserver):
    html = client.post("/token", data={"token": token, "discover": "y"}).get_data(True)
    assert f"verified with the key {kit.es.kid} from {local_keyserver.jwks_url}" in html
    assert 'data-discovery="found"' in html and 'data-key-state="signing_keys"' in html
    assert 'data-clock="agree"' in html
    assert "checked" in _checkbox(html)  # the switch keeps its state


def test_page_switch_off_sends_nothing(client, token, local_keyserver):
    html = client.post("/token", data={"token": token}).get_data(True)
    assert "data-discovery" not in html and "not checked" in html
    assert local_keyserver.accepted == 0


def test_page_forgeable_token(client, mint):
    html = client.post("/token", data={"token": mint.user(supabase.LOCAL_CLI_JWT_SECRET)})
    assert "Signature valid, but anyone can mint this token" in html.get_data(True)


def test_page_measured_skew(client, kit, local_keyserver):
    local_keyserver.behaviour.date_offset = 120
    now = int(time.time())
    token = kit.mint.user(
        kit.es, "ES256", iss=local_keyserver.supabase_issuer, iat=now + 120, exp=now + 3700
    )
    html = client.post("/token", data={"token": token, "discover": "y"}).get_data(True)
    assert "this machine is 120 s behind 127.0.0.1" in html
    assert 'data-clock="this_machine"' in html


# ---------- the CLI ----------


@pytest.fixture
def invoke(make_app):
    def _invoke(*args: str, **overrides):
        info = ScriptInfo(create_app=lambda: make_app(**overrides), set_debug_flag=False)
        return CliRunner().invoke(cli.main, list(args), obj=info, prog_name="inspector")

    return _invoke


def test_cli_discover(invoke, kit, token, local_keyserver):
    result = invoke("token", token, "--discover")
    assert result.exit_code == 0, result.output
    assert f"verified with the key {kit.es.kid} from {local_keyserver.jwks_url}" in result.output
    assert f"keys found: {local_keyserver.jwks_url}" in result.output
    assert "signing keys: signing keys" in result.output
    assert "clock: this machine's clock agrees with 127.0.0.1's" in result.output
    d = json.loads(invoke("token", token, "--discover", "--json").stdout)
    assert d["discovery"]["status"] == "found"


def test_cli_no_discover_and_the_default(invoke, token, local_keyserver):
    assert "keys found" not in invoke("token", token, "--no-discover").output
    assert "keys found" not in invoke("token", token).output  # the tests' setting: off
    assert local_keyserver.accepted == 0
    assert "keys found" in invoke("token", token, INSPECTOR_DISCOVER_KEYS=True).output


def test_cli_shared_mode_policy_blocks_discovery(invoke, token, local_keyserver):
    shared = {
        "INSPECTOR_MODE": "shared",
        "SECRET_KEY": "3f1c0a9b8e7d6c5b4a39281706f5e4d3",
        "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
    }
    result = invoke("token", token, "--discover", **shared)
    assert "This site may not fetch the issuer's published keys" in result.output
    assert local_keyserver.accepted == 0


def test_cli_forgeable_exits_1(invoke, mint):
    result = invoke("token", mint.user(supabase.LOCAL_CLI_JWT_SECRET))
    assert result.exit_code == 1
    assert "forgeable_secret" in result.output


# ---------- shared mode: discovery is a probe ----------


def test_discovery_counts_against_the_probe_budget(make_app, token):
    app = make_app(
        INSPECTOR_MODE="shared",
        SECRET_KEY="3f1c0a9b8e7d6c5b4a39281706f5e4d3",
        INSPECTOR_TRUSTED_USER_HEADER="X-Forwarded-User",
        INSPECTOR_RATE_LIMIT="2 per minute",
    )
    c = app.test_client()
    hdrs = {"X-Forwarded-User": "ana"}

    def post(body):
        return c.post("/api/v1/token", json=body, headers=hdrs).status_code

    assert [post({"token": token, "discover": True}) for _ in range(2)] == [200, 200]
    assert post({"token": token, "discover": True}) == 429
    assert c.post("/token", data={"token": token, "discover": "y"}, headers=hdrs).status_code == 429
    # switched off, or with a key that is no URL: nothing is fetched, nothing counted
    assert post({"token": token, "discover": False}) == 200
    assert post({"token": token}) == 200  # the tests' setting: off
    assert post({"token": token, "key": "x" * 40, "discover": True}) == 200
    assert c.post("/token", data={"token": token}, headers=hdrs).status_code == 200


def test_every_probe_slot_busy_inspects_without_discovery(make_app, kit, token, local_keyserver):
    """A token without a key never gets 503 busy for keys it did not ask for: with every slot
    taken it is inspected without them. A JWKS URL given as the key still is told busy."""
    from inspector.web.limits import slots

    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=1)
    with app.app_context():
        taken = slots()
        assert taken.acquire()
    try:
        c = app.test_client()
        r = c.post("/api/v1/token", json={"token": token, "discover": True})
        assert r.status_code == 200 and r.get_json()["discovery"] is None
        r = c.post("/api/v1/token", json={"token": token, "key": local_keyserver.jwks_url})
        assert r.status_code == 503
    finally:
        taken.release()
    assert local_keyserver.accepted == 0
    r = app.test_client().post("/api/v1/token", json={"token": token, "discover": True})
    assert r.get_json()["discovery"]["status"] == "found"
