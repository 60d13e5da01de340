"""Test tokens: every kind minted verifies with its key, through inspect_token and through the
real loopback backend; re-signing with edited claims; the page, the JSON and shared mode's rules
(404 unless INSPECTOR_ALLOW_MINT, never the configured secret); hostile values in the curl line
stay data."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

import jwt
import pytest

from inspector import supabase
from inspector.codegen import url_text
from inspector.endpoint import service as endpoint
from inspector.tokens.mint import mint_token
from tests.fixtures.keys import make_keypair

SECRET = "a-local-test-secret-of-at-least-32-characters"
REF = "abcdefghijklmnopqrst"
SHARED = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": "3f1c0a9b8e7d6c5b4a39281706f5e4d3",
    "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
}
USER = {"X-Forwarded-User": "ana"}


@pytest.fixture(scope="module")
def es():
    return make_keypair("ES256")


@pytest.fixture(scope="module")
def rs():
    return make_keypair("RS256")


def private_jwk(pair) -> dict:
    algo = jwt.algorithms.get_default_algorithms()[pair.alg]
    jwk = json.loads(algo.to_jwk(pair.private))
    jwk.update(kid=pair.kid, alg=pair.alg)
    return jwk


# --- each kind verifies with its key ---------------------------------------------------------

KINDS = [
    ("user", "supabase_user_token"),
    ("anon", "supabase_anon_key"),
    ("service_role", "supabase_service_role_key"),
]


@pytest.mark.parametrize("kind,expected", KINDS)
def test_each_kind_verifies_with_its_secret(kind, expected):
    r = mint_token(kind, key=SECRET, project=REF)
    assert r.finding_codes() == ["minted"]
    assert r.verified and not r.has_errors()
    assert r.inspection.kind == expected
    assert r.inspection.signature.key_used == "secret"
    assert r.header == {"alg": "HS256", "typ": "JWT"}
    assert jwt.decode(r.token, SECRET, algorithms=["HS256"], options={"verify_aud": False})


@pytest.mark.parametrize("pair_name", ["es", "rs"])
@pytest.mark.parametrize("form", ["pem", "jwk", "jwks"])
def test_private_keys_sign_with_their_kid(request, pair_name, form):
    pair = request.getfixturevalue(pair_name)
    if form == "pem":
        key, kid = pair.private_pem, pair.kid
    elif form == "jwk":
        key, kid = json.dumps(private_jwk(pair)), None  # the JWK's own kid
    else:
        other = make_keypair(pair.alg)
        keys = [private_jwk(other), private_jwk(pair)]
        key, kid = json.dumps({"keys": keys}), pair.kid
    r = mint_token("user", key=key, kid=kid, project=REF)
    assert r.verified, r.inspection.signature
    assert r.header["alg"] == pair.alg and r.header["kid"] == pair.kid
    assert r.finding_codes() == ["minted"]
    assert r.inspection.signature.key_used == "pem"  # checked with the public half
    assert jwt.decode(r.token, pair.public_pem, algorithms=[pair.alg], audience="authenticated")


def test_private_key_without_kid_is_warned_about(es):
    r = mint_token("user", key=es.private_pem)
    assert "mint_kid_missing" in r.finding_codes()
    assert r.verified


def test_user_claims_are_supabase_shaped():
    r = mint_token("user", key=SECRET, project=f"https://{REF}.supabase.co", now=1_800_000_000)
    c = r.claims
    assert list(c) == [
        "iss", "sub", "aud", "exp", "iat", "email", "phone", "app_metadata", "user_metadata",
        "role", "aal", "amr", "session_id", "is_anonymous",
    ]  # fmt: skip
    assert c["iss"] == f"https://{REF}.supabase.co/auth/v1"
    assert (c["aud"], c["role"], c["is_anonymous"]) == ("authenticated", "authenticated", False)
    assert c["exp"] - c["iat"] == 3600
    assert r.inspection.project_ref == REF


def test_user_token_fields_and_lifetime():
    r = mint_token(
        "user", key=SECRET, sub="user-1", email="a@b.c", session_id="s-1", lifetime=-60,
        now=1_800_000_000,
    )  # fmt: skip
    assert (r.claims["sub"], r.claims["email"], r.claims["session_id"]) == (
        "user-1",
        "a@b.c",
        "s-1",
    )
    assert r.claims["iss"] == supabase.LOCAL_AUTH_ISSUER
    assert r.claims["exp"] == 1_800_000_000 - 60
    assert "token_expired" in r.inspection.finding_codes()  # an expired token, on purpose
    assert r.verified


def test_api_keys_are_legacy_shaped():
    r = mint_token("service_role", key=SECRET, project=REF, now=1_800_000_000)
    assert r.claims == {
        "iss": "supabase",
        "ref": REF,
        "role": "service_role",
        "iat": 1_800_000_000,
        "exp": 1_800_000_000 + 315_576_000,
    }
    local = mint_token("anon", key=SECRET)
    assert local.claims["iss"] == "supabase-demo" and "ref" not in local.claims


def test_extra_claims_are_merged():
    r = mint_token("user", key=SECRET, claims='{"role": "admin", "app_metadata": {"tier": 2}}')
    assert r.claims["role"] == "admin"
    assert r.claims["app_metadata"] == {"tier": 2}


def test_configured_secret():
    r = mint_token("user", configured_secret=SECRET)
    assert r.verified
    assert r.inspection.signature.key_used == "configured_secret"
    assert "configured SUPABASE_JWT_SECRET" in r.key


def test_a_short_secret_signs_and_is_called_weak():
    r = mint_token("anon", key="short-secret")
    assert r.verified
    assert "weak_secret" in r.inspection.finding_codes()


# --- re-signing a pasted token ---------------------------------------------------------------


def test_resign_with_edited_claims(es):
    original = mint_token("user", key=es.private_pem, kid=es.kid, project=REF)
    edited = dict(original.claims, role="service_role", aud="other")
    r = mint_token(
        "resign", key=SECRET, token=f"Bearer {original.token}", claims=json.dumps(edited)
    )
    assert r.claims == edited
    assert r.header == {"alg": "HS256", "typ": "JWT"}  # alg from the new key, old kid dropped
    assert "mint_resigned" in r.finding_codes()
    assert "old kid was dropped" in next(f.detail for f in r.findings if f.code == "mint_resigned")
    assert r.verified
    assert jwt.decode(r.token, SECRET, algorithms=["HS256"], audience="other")["role"] == (
        "service_role"
    )


def test_resign_keeps_claims_and_may_renew_them():
    old = jwt.encode({"sub": "1", "exp": 1, "iat": 0, "aud": "authenticated"}, "x" * 40)
    r = mint_token("resign", key=SECRET, token=old, lifetime=600, now=1_800_000_000)
    assert r.claims == {
        "sub": "1",
        "exp": 1_800_000_600,
        "iat": 1_800_000_000,
        "aud": "authenticated",
    }
    assert r.verified


def test_resign_signs_what_jwt_io_would():
    """Claims PyJWT's own encode refuses (an iss that is a number) are signed; the inspection
    judges them."""
    r = mint_token("resign", key=SECRET, token=jwt.encode({"a": 1}, SECRET), claims='{"iss": 5}')
    assert r.claims == {"iss": 5}
    assert r.verified


REFUSALS = [
    (dict(kind="user"), "mint_key_missing"),
    (
        dict(kind="user", key="-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"),
        "mint_key_not_private",
    ),
    (
        dict(kind="user", key="-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"),
        "mint_key_unreadable",
    ),
    (
        dict(kind="user", key='{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}'),
        "mint_key_not_private",
    ),
    (dict(kind="user", key='{"keys": []}'), "mint_key_not_private"),
    (dict(kind="user", key="{not json"), "mint_key_unreadable"),
    (dict(kind="user", key=SECRET, alg="ES256"), "mint_alg_mismatch"),
    (dict(kind="user", key=SECRET, claims="[1, 2]"), "mint_claims_invalid"),
    (dict(kind="user", key=SECRET, claims="{nope"), "mint_claims_invalid"),
    (dict(kind="user", key=SECRET, claims="[" * 5000), "mint_claims_invalid"),
    (dict(kind="resign", key=SECRET, token="sb_publishable_xyz"), "mint_token_unreadable"),
    (dict(kind="resign", key=SECRET), "mint_token_unreadable"),
]


@pytest.mark.parametrize("args,code", REFUSALS)
def test_what_cannot_be_minted_is_a_finding(args, code):
    r = mint_token(**args)
    assert r.finding_codes() == [code]
    assert r.token is None and r.has_errors()


def test_public_jwk_and_public_pem(es):
    assert mint_token("user", key=es.public_pem).finding_codes() == ["mint_key_not_private"]
    assert mint_token("user", key=json.dumps(es.jwk)).finding_codes() == ["mint_key_not_private"]


def test_hs384_on_request():
    r = mint_token("user", key="k" * 48, alg="HS384")
    assert r.header["alg"] == "HS384" and r.verified


# --- through the real backend ----------------------------------------------------------------


def test_minted_tokens_pass_the_real_backend(backend, es):
    backend.verifier.key = SECRET
    for kind in ("user",):
        r = mint_token(kind, key=SECRET, project=REF)
        answer = endpoint.test_request(backend.url("/api/me"), r.token, key=SECRET)
        assert answer.outcome == "accepted", answer.findings
    backend.verifier.key, backend.verifier.algorithms = es.public_pem, ["ES256"]
    r = mint_token("user", key=es.private_pem, kid=es.kid)
    assert endpoint.test_request(backend.url("/api/me"), r.token).outcome == "accepted"


def test_minted_api_keys_pass_postgrest_and_fail_auth(backend):
    backend.project.secret = SECRET
    anon = mint_token("anon", key=SECRET, project=REF).token
    rest = endpoint.test_request(backend.url("/rest/v1/todos"), anon, apikey=backend.project.apikey)
    assert rest.outcome == "accepted"
    auth = endpoint.ask_auth(anon, project=backend.base, apikey=backend.project.apikey)
    assert auth.outcome == "rejected"  # an API key is no user: missing sub claim


def test_minted_user_token_passes_auth(backend):
    backend.project.secret = SECRET
    token = mint_token("user", key=SECRET).token
    r = endpoint.ask_auth(token, project=backend.base, apikey=backend.project.apikey, key=SECRET)
    assert r.outcome == "accepted"


# --- the curl line: hostile values stay data -------------------------------------------------


def run_shell(script: str) -> list[list[str]]:
    """Run `script` in bash with `curl` a function printing its arguments; one list per call."""
    prelude = "curl() { printf '%s\\0' \"$@\"; printf '\\n\\0'; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", prelude + script],
            capture_output=True,
            cwd=tmp,
            env={"PATH": os.environ.get("PATH", ""), "SUPABASE_ANON_KEY": "ANON"},
            timeout=30,
            check=True,
        )
        assert os.listdir(tmp) == [], f"the command had a side effect:\n{script}"
    calls, current = [], []
    for arg in out.stdout.decode().split("\0")[:-1]:
        if arg == "\n":
            calls.append(current)
            current = []
        else:
            current.append(arg)
    return calls


HOSTILE = [
    "'; touch pwned; echo '",
    "$(touch pwned)",
    "`touch pwned`",
    '"; touch pwned; "',
    "line\nbreak; touch pwned",
    "\x1b[31mred\x1b[0m \u202e",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_claims_and_endpoint_in_the_curl_line_stay_data(value):
    claims = json.dumps({"sub": value, "email": value, "role": value})
    endpoint_url = f"https://{REF}.supabase.co/rest/v1/x?q={value}"
    r = mint_token("user", key=SECRET, claims=claims, sub=value, endpoint=endpoint_url)
    [args] = run_shell(r.curl)
    assert args == [
        "-i",
        url_text(endpoint_url),
        "-H",
        f"Authorization: Bearer {r.token}",
        "-H",
        "apikey: ANON",
    ]
    assert (
        jwt.decode(args[3].split()[-1], SECRET, algorithms=["HS256"], audience="authenticated")[
            "sub"
        ]
        == value
    )


def test_curl_line_without_an_endpoint_and_to_your_own_api():
    r = mint_token("user", key=SECRET)
    assert r.curl.startswith('curl -i "$API_URL"')
    r = mint_token("user", key=SECRET, endpoint="http://127.0.0.1:8000/api/me")
    assert "apikey" not in r.curl


# --- the page and the JSON -------------------------------------------------------------------


def test_api_mints(client):
    r = client.post("/api/v1/mint", json={"kind": "user", "key": SECRET, "project": REF})
    assert r.status_code == 200
    body = r.get_json()
    assert body["verified"] is True
    assert body["inspection"]["kind"] == "supabase_user_token"
    assert body["inspection"]["signature"]["status"] == "valid"
    assert SECRET not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "body,message",
    [
        ({"kind": "nope", "key": SECRET}, "kind"),
        ({"kind": "user", "key": SECRET, "lifetime": 10**12}, "lifetime"),
        ({"kind": "user", "key": SECRET, "claims": [1]}, "claims"),
        ({"kind": "user", "key": 5}, "key"),
    ],
)
def test_api_refuses_what_it_cannot_read(client, body, message):
    r = client.post("/api/v1/mint", json=body)
    assert r.status_code == 400
    assert message in r.get_json()["error"]["message"]


def test_api_bad_key_is_a_report_not_an_error(client):
    r = client.post("/api/v1/mint", json={"kind": "user", "key": "-----BEGIN PUBLIC KEY-----"})
    assert r.status_code == 200
    assert r.get_json()["findings"][0]["code"] == "mint_key_not_private"


def test_page_mints_and_opens_the_token(client):
    r = client.post(
        "/token/mint",
        data={"mint-kind": "user", "mint-key": SECRET, "mint-project": REF,
              "mint-endpoint": "http://127.0.0.1:8000/api/me"},
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "A test token was signed" in html
    assert 'data-status="valid"' in html  # the token's report, above
    assert "curl -i http://127.0.0.1:8000/api/me" in html
    assert SECRET not in html


def test_page_loads_a_tokens_claims(client):
    token = jwt.encode({"sub": "abc", "role": "authenticated"}, SECRET)
    r = client.post("/token/mint", data={"mint-token": token, "load_claims": "1"})
    html = r.get_data(as_text=True)
    assert "&#34;sub&#34;: &#34;abc&#34;" in html or "&quot;sub&quot;: &quot;abc&quot;" in html


def test_token_page_shows_the_panel_in_local_mode(client):
    html = client.get("/token").get_data(as_text=True)
    assert 'id="mint-form"' in html
    assert 'id="request-tester"' in html


def test_configured_secret_in_local_mode(make_app, tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"SUPABASE_JWT_SECRET={SECRET}\n")
    app = make_app(INSPECTOR_ENV_FILE=str(env))
    r = app.test_client().post("/api/v1/mint", json={"kind": "user", "use_configured_secret": True})
    body = r.get_json()
    assert body["verified"] and body["inspection"]["signature"]["key_used"] == "configured_secret"


# --- shared mode -----------------------------------------------------------------------------


def test_shared_mode_has_no_minting_unless_allowed(make_app):
    c = make_app(**SHARED).test_client()
    assert c.post("/api/v1/mint", json={"key": SECRET}, headers=USER).status_code == 404
    assert c.post("/token/mint", data={"mint-key": SECRET}, headers=USER).status_code == 404
    assert 'id="mint-form"' not in c.get("/token", headers=USER).get_data(as_text=True)
    allowed = make_app(**SHARED, INSPECTOR_ALLOW_MINT="1").test_client()
    r = allowed.post("/api/v1/mint", json={"key": SECRET}, headers=USER)
    assert r.status_code == 200 and r.get_json()["verified"]
    assert 'id="mint-form"' in allowed.get("/token", headers=USER).get_data(as_text=True)


def test_shared_mode_never_signs_with_the_configured_secret(make_app, tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"SUPABASE_JWT_SECRET={SECRET}\n")
    app = make_app(
        **SHARED,
        INSPECTOR_ALLOW_MINT=True,
        INSPECTOR_ALLOW_CONFIGURED_SECRETS=True,  # even so
        INSPECTOR_ENV_FILE=str(env),
    )
    c = app.test_client()
    r = c.post("/api/v1/mint", json={"use_configured_secret": True}, headers=USER)
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "forbidden"
    page = c.post("/token/mint", data={"mint-use_configured_secret": "y"}, headers=USER)
    html = page.get_data(as_text=True)
    assert "never signs with its own SUPABASE_JWT_SECRET" in html
    assert "eyJ" not in html
    offered = c.get("/token", headers=USER).get_data(as_text=True)
    assert "Sign with the configured SUPABASE_JWT_SECRET" not in offered  # not even offered


def test_page_needs_csrf(make_app):
    c = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert c.post("/token/mint", data={"mint-key": SECRET}).status_code == 400
    html = c.get("/token").get_data(as_text=True)
    form = html[html.index('id="mint-form"') :]
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = c.post("/token/mint", data={"csrf_token": token, "mint-key": SECRET})
    assert r.status_code == 200
    assert "A test token was signed" in r.get_data(as_text=True)


def test_minted_service_role_key_passes_postgrest(backend):
    backend.project.secret = SECRET
    key = mint_token("service_role", key=SECRET, project=REF).token
    r = endpoint.test_request(
        backend.url("/rest/v1/todos"), key, apikey=backend.project.apikey, key=SECRET
    )
    assert r.outcome == "accepted"
    assert r.token.kind == "supabase_service_role_key" and r.token.verified
