"""The token inspector's three faces: POST /api/v1/token, the /token page, `flask inspect token`."""

from __future__ import annotations

import json
import re
import time

import pytest

from inspector import supabase
from tests.fixtures.keys import OTHER_REF, REF
from tests.fixtures.paste import paste

NOW = int(time.time())

SHARED = dict(
    INSPECTOR_MODE="shared",
    SECRET_KEY="x" * 32,
    INSPECTOR_ACCESS_PASSWORD="team-password",
    INSPECTOR_TRUSTED_USER_HEADER="X-Forwarded-User",
)
USER = {"X-Forwarded-User": "dev@example.com"}


def codes_in_html(html: str) -> set[str]:
    return set(re.findall(r'data-code="([a-z_]+)"', html))


def text_of(html: str) -> str:
    """Visible text, roughly: tags dropped, entities kept as the browser would show them."""
    import html as html_mod

    return html_mod.unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def k(kit):
    return kit


# ---------- JSON API ----------

API_CASES = {
    "user token, right secret": (
        lambda k: {"token": k.mint.user(k.secret), "key": k.secret, "audience": "authenticated"},
        "supabase_user_token",
        "valid",
        set(),
    ),
    "user token, anon key as secret": (
        lambda k: {"token": k.mint.user(k.secret), "key": k.mint.api_key(k.secret)},
        "supabase_user_token",
        "invalid",
        {"key_is_jwt"},
    ),
    "expired with leeway": (
        lambda k: {
            "token": k.mint.user(k.secret, exp=int(time.time()) - 5),
            "key": k.secret,
            "leeway": 60,
        },
        "supabase_user_token",
        "valid",
        set(),
    ),
    "es256 with secret": (
        lambda k: {"token": k.mint.user(k.es, "ES256"), "key": k.secret},
        "supabase_user_token",
        "wrong_key_type",
        {"asymmetric_token_needs_jwks", "jwks_url_available"},
    ),
    "es256 with jwks": (
        lambda k: {"token": k.mint.user(k.es, "ES256"), "key": json.dumps(k.jwks)},
        "supabase_user_token",
        "valid",
        set(),
    ),
    "project mismatch": (
        lambda k: {"token": k.mint.api_key(k.secret), "project": OTHER_REF},
        "supabase_anon_key",
        "not_checked",
        {"project_mismatch", "anon_key_not_session"},
    ),
    "publishable": (
        lambda k: {"token": supabase.LOCAL_CLI_PUBLISHABLE_KEY},
        "supabase_publishable_key",
        "not_applicable",
        {"api_key_not_jwt"},
    ),
    "bearer garbage": (
        lambda k: {"token": "Bearer eyJ.broken"},
        "malformed_jwt",
        "not_applicable",
        {"malformed_token", "input_cleaned"},
    ),
}


@pytest.mark.parametrize("case", API_CASES, ids=list(API_CASES))
def test_api(client, k, case):
    build, kind, status, codes = API_CASES[case]
    r = client.post("/api/v1/token", json=build(k))
    assert r.status_code == 200
    d = r.get_json()
    assert d["kind"] == kind
    assert d["signature"]["status"] == status
    assert codes <= {f["code"] for f in d["findings"]}
    assert set(d) >= {
        "kind",
        "project_ref",
        "header",
        "claims",
        "times",
        "signature",
        "findings",
        "snippets",
    }
    assert set(d["signature"]) >= {"status", "algorithm", "key_used", "detail"}
    assert set(d["snippets"]) == {"python", "curl"}
    for f in d["findings"]:
        assert set(f) == {"code", "severity", "title", "detail", "fix"}
    assert k.secret not in r.get_data(as_text=True)


def test_api_times_shape(client, k):
    d = client.post("/api/v1/token", json={"token": k.mint.user(k.secret)}).get_json()
    assert set(d["times"]) == {"iat", "exp"}
    assert set(d["times"]["exp"]) == {"value", "iso", "relative"}
    assert d["project_ref"] == REF


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "token",
        {},
        {"token": None},
        {"token": 5},
        {"token": "x", "key": 5},
        {"token": "x", "audience": ["a"]},
        {"token": "x", "leeway": "10"},
        {"token": "x", "leeway": -1},
        {"token": "x", "leeway": True},
        {"token": "x", "use_configured_secret": "yes"},
    ],
)
def test_api_bad_requests(client, body):
    r = client.post("/api/v1/token", json=body)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"


def test_api_needs_json(client):
    r = client.post("/api/v1/token", data={"token": "x"})
    assert r.status_code == 400


def test_api_configured_secret(make_app, tmp_path, k):
    env = tmp_path / ".env"
    env.write_text(f"SUPABASE_JWT_SECRET={k.secret}\n")
    client = make_app(INSPECTOR_ENV_FILE=str(env)).test_client()
    r = client.post(
        "/api/v1/token", json={"token": k.mint.user(k.secret), "use_configured_secret": True}
    )
    d = r.get_json()
    assert d["signature"]["status"] == "valid"
    assert d["signature"]["key_used"] == "configured_secret"
    assert k.secret not in r.get_data(as_text=True)


def test_api_configured_secret_missing(client, k):
    d = client.post(
        "/api/v1/token", json={"token": k.mint.user(k.secret), "use_configured_secret": True}
    ).get_json()
    assert "configured_secret_missing" in {f["code"] for f in d["findings"]}
    assert d["signature"]["status"] == "not_checked"


def test_shared_mode_refuses_configured_secret(make_app, tmp_path, k):
    env = tmp_path / ".env"
    env.write_text(f"SUPABASE_JWT_SECRET={k.secret}\n")
    client = make_app(INSPECTOR_ENV_FILE=str(env), **SHARED).test_client()
    r = client.post(
        "/api/v1/token",
        json={"token": k.mint.user(k.secret), "use_configured_secret": True},
        headers=USER,
    )
    assert r.status_code == 403
    assert "INSPECTOR_ALLOW_CONFIGURED_SECRETS" in r.get_json()["error"]["message"]
    html = client.get("/token", headers=USER).get_data(as_text=True)
    assert "use_configured_secret" not in html
    # allowed explicitly: works
    client = make_app(
        INSPECTOR_ENV_FILE=str(env), INSPECTOR_ALLOW_CONFIGURED_SECRETS=True, **SHARED
    ).test_client()
    r = client.post(
        "/api/v1/token",
        json={"token": k.mint.user(k.secret), "use_configured_secret": True},
        headers=USER,
    )
    assert r.get_json()["signature"]["key_used"] == "configured_secret"


def test_shared_mode_blocks_loopback_jwks(make_app, k, jwks_http_server):
    url = jwks_http_server.serve("/jwks.json", k.jwks)
    client = make_app(**SHARED).test_client()
    d = client.post(
        "/api/v1/token", json={"token": k.mint.user(k.es, "ES256"), "key": url}, headers=USER
    ).get_json()
    assert "jwks_fetch_blocked" in {f["code"] for f in d["findings"]}
    assert d["signature"]["status"] == "bad_key"


# ---------- page ----------


def test_page_get(client):
    r = client.get("/token")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="token-form"' in html and 'method="post"' in html
    for name in ("token", "key", "audience", "project", "leeway"):
        assert f'name="{name}"' in html
    assert "use_configured_secret" not in html  # nothing configured
    assert 'id="result"' not in html


def test_page_shows_configured_checkbox(make_app, tmp_path):
    env = tmp_path / ".env"
    env.write_text("SUPABASE_JWT_SECRET=abcdefabcdefabcdefabcdefabcdefabcdef\n")
    html = make_app(INSPECTOR_ENV_FILE=str(env)).test_client().get("/token").get_data(True)
    assert 'name="use_configured_secret"' in html
    assert "abcdefabcdef" not in html


PAGE_CASES = {
    "valid user token": (
        lambda k: {"token": "Bearer " + k.mint.user(k.secret), "key": k.secret},
        ["Supabase user access token", "signature valid", "The fix as code"],
        {"input_cleaned", "signature_valid", "audience_required"},
    ),
    "expired": (
        lambda k: {"token": k.mint.user(k.secret, exp=int(time.time()) - 3 * 3600 - 12 * 60 - 30)},
        ["expired 3 h 12 min ago", "unverified"],
        {"token_expired", "signature_not_checked"},
    ),
    "service role key": (
        lambda k: {"token": k.mint.api_key(k.secret, "service_role")},
        ["service_role", "bypasses Row Level Security"],
        {"service_role_key"},
    ),
    "sb secret key": (
        lambda k: {"token": supabase.LOCAL_CLI_SECRET_KEY},
        ["sb_ API keys are not JWTs"],
        {"api_key_not_jwt", "known_demo_key"},
    ),
    "connection string": (
        lambda k: {
            "token": "postgresql://postgres:hunter2@db.abcdefghijklmnopqrst.supabase.co/postgres"
        },
        ["This is a connection string, not a token"],
        {"wrong_inspector"},
    ),
    "wrong key type": (
        lambda k: {"token": k.mint.user(k.es, "ES256"), "key": k.secret},
        ["signature wrong key type", "Verify with this JWKS URL"],
        {"asymmetric_token_needs_jwks"},
    ),
}


@pytest.mark.parametrize("case", PAGE_CASES, ids=list(PAGE_CASES))
def test_page(client, k, case):
    build, texts, codes = PAGE_CASES[case]
    data = build(k)
    r = client.post("/token", data=data)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    visible = text_of(html)
    for t in texts:
        assert t in visible, t
    assert codes <= codes_in_html(html)
    assert '<section id="result" aria-live="polite"' in html
    # A local site keeps the form as sent, secrets too (the page is no-store); a shared site
    # never sends a secret back (tests/test_answer_first.py, issue 11 §5).
    assert "no-store" in r.headers["Cache-Control"]


def test_page_parts_coloured_and_labels(client, k):
    token = k.mint.user(k.secret)
    html = client.post("/token", data={"token": token}).get_data(as_text=True)
    h, p, s = token.split(".")
    assert f'<span class="jwt-header">{h}</span>' in html
    assert f'<span class="jwt-payload">{p}</span>' in html
    assert f'<span class="jwt-signature">{s}</span>' in html
    assert "tag-unverified" in html
    assert "<svg" in html and "style=" not in html
    html = client.post("/token", data={"token": token, "key": k.secret}).get_data(as_text=True)
    assert "tag-unverified" not in html


def test_page_claim_html_is_text(client, k):
    token = k.mint.user(k.secret, email='<img src=x onerror="alert(1)">')
    html = client.post("/token", data={"token": token}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


def test_page_empty_token(client):
    r = client.post("/token", data={"token": ""})
    assert r.status_code == 200
    assert "There is no token" in text_of(r.get_data(as_text=True))


def test_page_bad_leeway(client, k):
    r = client.post("/token", data={"token": k.mint.user(k.secret), "leeway": "-3"})
    assert r.status_code == 200
    assert 'id="result"' not in r.get_data(as_text=True)
    assert "field-error" in r.get_data(as_text=True)


def test_home_paste_routes_to_token_page(client, k):
    r = paste(client, "Bearer " + k.mint.user(k.secret))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.request.path == "/token"  # the token page's own URL
    assert 'id="token-form"' in html and "Supabase user access token" in html


def test_page_jwks_button_fetches_derived_url(client, k, jwks_http_server):
    base = jwks_http_server.base
    jwks_http_server.serve("/auth/v1/.well-known/jwks.json", k.jwks)
    token = k.mint.user(k.es, "ES256", iss=f"{base}/auth/v1")
    html = client.post("/token", data={"token": token}).get_data(as_text=True)
    assert "Verify with this JWKS URL" in html
    html = client.post("/token", data={"token": token, "fetch_jwks": "1"}).get_data(as_text=True)
    assert "signature valid" in text_of(html)


# ---------- CLI ----------

CLI_CASES = {
    "valid": (
        lambda k: [k.mint.user(k.secret), "--key", k.secret, "--audience", "authenticated"],
        0,
        "signature: valid",
    ),
    "expired": (lambda k: [k.mint.user(k.secret, exp=int(time.time()) - 60)], 1, "token_expired"),
    "wrong secret": (lambda k: [k.mint.user(k.secret), "--key", "z" * 40], 1, "signature_invalid"),
    "leeway saves it": (
        lambda k: [
            k.mint.user(k.secret, exp=int(time.time()) - 5),
            "--key",
            k.secret,
            "--leeway",
            "30",
        ],
        0,
        "signature: valid",
    ),
    "project mismatch": (
        lambda k: [k.mint.api_key(k.secret), "--project", f"https://{OTHER_REF}.supabase.co"],
        1,
        "project_mismatch",
    ),
    "publishable": (lambda k: [supabase.LOCAL_CLI_PUBLISHABLE_KEY], 0, "api_key_not_jwt"),
}


@pytest.mark.parametrize("case", CLI_CASES, ids=list(CLI_CASES))
def test_cli(runner, k, case):
    build, code, needle = CLI_CASES[case]
    result = runner.invoke(args=["inspect", "token", *build(k)])
    assert result.exit_code == code, result.output
    assert needle in result.output
    assert k.secret not in result.output


def test_cli_json_and_stdin(runner, k):
    token = k.mint.user(k.secret)
    result = runner.invoke(
        args=["inspect", "token", "-", "--json", "--key", k.secret], input=f"Bearer {token}\n"
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert d["kind"] == "supabase_user_token" and d["signature"]["status"] == "valid"


def test_cli_key_from_file(runner, k, tmp_path):
    path = tmp_path / "pub.pem"
    path.write_text(k.es.public_pem)
    result = runner.invoke(
        args=["inspect", "token", k.mint.user(k.es, "ES256"), "--key", f"@{path}"]
    )
    assert "signature: valid" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "token"],
        ["inspect", "token", "x", "--leeway", "-1"],
        ["inspect", "token", "x", "--nope"],
    ],
)
def test_cli_usage_errors(runner, args):
    assert runner.invoke(args=args).exit_code == 2


def test_configured_project_jwks_verifies_asymmetric_tokens(
    make_app, tmp_path, k, jwks_http_server
):
    """use_configured_secret: an ES256 token is checked against SUPABASE_URL's JWKS."""
    jwks_http_server.serve("/auth/v1/.well-known/jwks.json", k.jwks)
    env = tmp_path / ".env"
    env.write_text(f"SUPABASE_URL={jwks_http_server.base}\n")
    client = make_app(INSPECTOR_ENV_FILE=str(env)).test_client()
    assert 'name="use_configured_secret"' in client.get("/token").get_data(as_text=True)
    d = client.post(
        "/api/v1/token",
        json={"token": k.mint.user(k.es, "ES256"), "use_configured_secret": True},
    ).get_json()
    assert d["signature"]["status"] == "valid"
    assert d["signature"]["key_used"] == f"jwk:{k.es.kid}"
    assert "configured_secret_missing" not in {f["code"] for f in d["findings"]}
    html = client.post(
        "/token", data={"token": k.mint.user(k.es, "ES256"), "use_configured_secret": "y"}
    ).get_data(as_text=True)
    assert "signature valid" in text_of(html)


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "https://abcdefghijklmnopqrst.supabase.co",
            "https://abcdefghijklmnopqrst.supabase.co/auth/v1/.well-known/jwks.json",
        ),
        ("http://127.0.0.1:54321", "http://127.0.0.1:54321/auth/v1/.well-known/jwks.json"),
        ("http://example.com", None),
        (None, None),
    ],
)
def test_jwks_url_of(url, expected):
    from inspector.supabase import jwks_url_of_project as jwks_url_of

    assert jwks_url_of(url) == expected
