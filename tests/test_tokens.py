"""The token service: kinds, signature statuses and finding codes, from freshly generated keys."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from inspector import supabase
from inspector.findings import catalog
from inspector.netpolicy import ProbePolicy
from inspector.tokens import TokenReport, classify_secret, inspect_token
from inspector.tokens.clean import clean_input
from inspector.tokens.decode import decode_jwt
from tests.fixtures.keys import DROP, OTHER_REF, REF, b64json

API_KINDS = {
    "supabase_anon_key",
    "supabase_service_role_key",
    "supabase_user_token",
    "supabase_publishable_key",
    "supabase_secret_key",
    "supabase_refresh_token",
    "supabase_access_token_personal",
    "jwt",
    "malformed_jwt",
    "jwt_secret",
    "connection_string",
    "unknown",
}
API_STATUSES = {
    "valid",
    "invalid",
    "not_checked",
    "wrong_key_type",
    "key_not_found",
    "unsigned",
    "bad_key",
    "not_applicable",
}
API_CODES = {
    "input_cleaned",
    "malformed_token",
    "alg_none",
    "token_expired",
    "token_not_yet_valid",
    "issued_in_future",
    "exp_in_milliseconds",
    "no_expiry",
    "audience_required",
    "audience_mismatch",
    "audience_missing",
    "project_mismatch",
    "key_is_jwt",
    "key_is_api_key",
    "key_needs_trim",
    "key_base64_decoded",
    "asymmetric_token_needs_jwks",
    "symmetric_token_with_public_key",
    "jwks_empty",
    "weak_secret",
    "known_public_secret",
    "known_demo_key",
    "service_role_key",
    "anon_key_not_session",
    "api_key_not_jwt",
    "refresh_token_not_access",
    "anonymous_user",
    "wrong_inspector",
}

NOW = int(time.time())


@pytest.fixture
def k(kit):
    return kit


def run(token: str, **kw) -> TokenReport:
    kw.setdefault("now", NOW)
    # No network from these tables: a policy that allows no host at all.
    kw.setdefault("policy", ProbePolicy(allowed_hosts=()))
    return inspect_token(token, **kw)


# ---------- kinds ----------

KIND_CASES = {
    "user token": (lambda k: k.mint.user(k.secret), "supabase_user_token"),
    "anonymous user": (
        lambda k: k.mint.user(k.secret, anonymous=True),
        "supabase_user_token",
    ),
    "user token ES256": (lambda k: k.mint.user(k.es, "ES256"), "supabase_user_token"),
    "anon key with iss/ref": (lambda k: k.mint.api_key(k.secret), "supabase_anon_key"),
    "anon key without iss/ref": (
        lambda k: k.mint.api_key(k.secret, with_iss=False),
        "supabase_anon_key",
    ),
    "service_role key": (
        lambda k: k.mint.api_key(k.secret, "service_role"),
        "supabase_service_role_key",
    ),
    "service_role without iss": (
        lambda k: k.mint.api_key(k.secret, "service_role", with_iss=False),
        "supabase_service_role_key",
    ),
    "demo anon key": (lambda k: list(supabase.KNOWN_DEMO_KEYS)[0], "supabase_anon_key"),
    "publishable": (lambda k: supabase.LOCAL_CLI_PUBLISHABLE_KEY, "supabase_publishable_key"),
    "secret key": (
        lambda k: "sb_secret_" + "A1b2C3d4E5f6G7h8I9j0Kl_abcdEF12",
        "supabase_secret_key",
    ),
    "legacy refresh": (lambda k: "v3xq7kd2mz4a", "supabase_refresh_token"),
    "v2 refresh": (
        lambda k: base64.urlsafe_b64encode(b"\x00" + bytes(range(1, 40))).rstrip(b"=").decode(),
        "supabase_refresh_token",
    ),
    "personal token": (
        lambda k: "sbp_" + "0123456789abcdef" * 2 + "01234567",
        "supabase_access_token_personal",
    ),
    "google": (
        lambda k: k.mint.sign(
            {"iss": "https://accounts.google.com", "sub": "1", "exp": NOW + 60}, k.secret
        ),
        "jwt",
    ),
    "malformed": (lambda k: "eyJhbGciOiJIUzI1NiJ9.!!!.abc", "malformed_jwt"),
    "two parts": (lambda k: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0", "malformed_jwt"),
    "jwt secret": (lambda k: supabase.LOCAL_CLI_JWT_SECRET, "jwt_secret"),
    "random secret": (lambda k: k.secret, "jwt_secret"),
    "connection string": (
        lambda k: "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres",
        "connection_string",
    ),
    "keyword dsn": (lambda k: "host=localhost user=postgres dbname=x", "connection_string"),
    "prose": (lambda k: "hello there", "unknown"),
    "empty": (lambda k: "   ", "unknown"),
}


@pytest.mark.parametrize("case", KIND_CASES, ids=list(KIND_CASES))
def test_kind(k, case):
    build, kind = KIND_CASES[case]
    report = run(build(k))
    assert report.kind == kind
    assert report.to_dict()["kind"] in API_KINDS


def test_every_api_kind_has_a_case():
    assert {kind for _, kind in KIND_CASES.values()} == API_KINDS


# ---------- signature statuses ----------

STATUS_CASES = {
    "hs valid": (lambda k: (k.mint.user(k.secret), {"key": k.secret}), "valid", "secret"),
    "hs invalid": (lambda k: (k.mint.user(k.secret), {"key": "x" * 40}), "invalid", None),
    "not checked": (lambda k: (k.mint.user(k.secret), {}), "not_checked", None),
    "es256 with pem": (
        lambda k: (k.mint.user(k.es, "ES256"), {"key": k.es.public_pem}),
        "valid",
        "pem",
    ),
    "rs256 with cert": (
        lambda k: (k.mint.user(k.rs, "RS256"), {"key": k.rs.cert_pem}),
        "valid",
        "pem",
    ),
    "es256 with jwks": (
        lambda k: (k.mint.user(k.es, "ES256"), {"key": json.dumps(k.jwks)}),
        "valid",
        "jwk:{es.kid}",
    ),
    "rs256 with single jwk": (
        lambda k: (k.mint.user(k.rs, "RS256"), {"key": json.dumps(k.rs.jwk)}),
        "valid",
        "jwk:{rs.kid}",
    ),
    "es256 with rs pem": (
        lambda k: (k.mint.user(k.es, "ES256"), {"key": k.rs.public_pem}),
        "wrong_key_type",
        None,
    ),
    "es256 with hmac": (
        lambda k: (k.mint.user(k.es, "ES256"), {"key": k.secret}),
        "wrong_key_type",
        None,
    ),
    "hs with pem": (
        lambda k: (k.mint.user(k.secret), {"key": k.es.public_pem}),
        "wrong_key_type",
        None,
    ),
    "kid not in jwks": (
        lambda k: (
            k.mint.user(k.es, "ES256", headers={"kid": "nope"}),
            {"key": json.dumps(k.jwks)},
        ),
        "key_not_found",
        None,
    ),
    "empty jwks": (
        lambda k: (k.mint.user(k.es, "ES256"), {"key": '{"keys": []}'}),
        "key_not_found",
        None,
    ),
    "alg none": (
        lambda k: (k.mint.unsigned(k.mint.user_claims()), {"key": k.secret}),
        "unsigned",
        None,
    ),
    "garbage key pem": (
        lambda k: (
            k.mint.user(k.es, "ES256"),
            {"key": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"},
        ),
        "bad_key",
        None,
    ),
    "api key as key": (
        lambda k: (k.mint.user(k.secret), {"key": supabase.LOCAL_CLI_SECRET_KEY}),
        "invalid",
        None,
    ),
    "not a jwt": (
        lambda k: (supabase.LOCAL_CLI_PUBLISHABLE_KEY, {"key": k.secret}),
        "not_applicable",
        None,
    ),
    "trimmed": (
        lambda k: (k.mint.user(k.secret), {"key": f' "{k.secret}"\n'}),
        "valid",
        "secret_trimmed",
    ),
    "configured": (
        lambda k: (k.mint.user(k.secret), {"configured_secret": k.secret}),
        "valid",
        "configured_secret",
    ),
}


@pytest.mark.parametrize("case", STATUS_CASES, ids=list(STATUS_CASES))
def test_signature_status(k, case):
    build, status, key_used = STATUS_CASES[case]
    token, kw = build(k)
    report = run(token, **kw)
    assert report.signature.status == status, report.signature
    if key_used:
        assert report.signature.key_used == key_used.format(es=k.es, rs=k.rs)
    assert report.to_dict()["signature"]["status"] in API_STATUSES


def test_every_status_has_a_case():
    assert {s for _, s, _ in STATUS_CASES.values()} == API_STATUSES


def test_base64_decoded_secret(k, mint):
    raw = b"\x01\x02" * 20
    text = base64.b64encode(raw).decode()
    report = run(mint.user(raw), key=text)
    assert report.signature.status == "valid"
    assert report.signature.key_used == "secret_base64_decoded"
    assert "key_base64_decoded" in report.finding_codes()
    assert "base64.b64decode" in report.snippets["python"]


def test_hex_decoded_secret(mint):
    raw = bytes(range(32))
    report = run(mint.user(raw), key=raw.hex())
    assert report.signature.key_used == "secret_hex_decoded"
    assert "key_hex_decoded" in report.finding_codes()


def test_algorithms_come_from_the_key_not_the_token(es256_key, mint):
    """The classic confusion attack: HS256 token signed with the PUBLIC key's PEM bytes."""
    # PyJWT refuses to sign HS256 with a PEM, so forge by hand.
    import hashlib
    import hmac

    header = b64json({"alg": "HS256", "typ": "JWT"})
    payload = b64json(mint.user_claims())
    sig = hmac.new(
        es256_key.public_pem.encode(), f"{header}.{payload}".encode(), hashlib.sha256
    ).digest()
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"
    report = run(forged, key=es256_key.public_pem)
    assert report.signature.status == "wrong_key_type"
    assert "symmetric_token_with_public_key" in report.finding_codes()


# ---------- finding codes ----------


def _codes(report: TokenReport) -> list[str]:
    return report.finding_codes()


CODE_CASES = {
    "input_cleaned": lambda k: (f"Authorization: Bearer {k.mint.user(k.secret)}", {}),
    "malformed_token": lambda k: ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIi.!!", {}),
    "token_truncated": lambda k: (k.mint.user(k.secret)[:-3], {"key": k.secret}),
    "alg_none": lambda k: (k.mint.unsigned(k.mint.user_claims()), {}),
    "token_expired": lambda k: (
        k.mint.user(k.secret, exp=NOW - 3 * 3600 - 12 * 60, iat=NOW - 5 * 3600),
        {},
    ),
    "token_not_yet_valid": lambda k: (k.mint.user(k.secret, nbf=NOW + 600), {}),
    "issued_in_future": lambda k: (k.mint.user(k.secret, iat=NOW + 120, exp=NOW + 3720), {}),
    "exp_in_milliseconds": lambda k: (k.mint.user(k.secret, exp=(NOW + 3600) * 1000), {}),
    "no_expiry": lambda k: (k.mint.user(k.secret, exp=DROP), {}),
    "audience_required": lambda k: (k.mint.user(k.secret), {}),
    "audience_mismatch": lambda k: (k.mint.user(k.secret), {"audience": "api"}),
    "audience_missing": lambda k: (k.mint.api_key(k.secret), {"audience": "authenticated"}),
    "project_mismatch": lambda k: (
        k.mint.user(k.secret),
        {"project": f"https://{OTHER_REF}.supabase.co"},
    ),
    "key_is_jwt": lambda k: (k.mint.user(k.secret), {"key": k.mint.api_key(k.secret)}),
    "key_is_api_key": lambda k: (
        k.mint.user(k.secret),
        {"key": supabase.LOCAL_CLI_PUBLISHABLE_KEY},
    ),
    "key_needs_trim": lambda k: (k.mint.user(k.secret), {"key": k.secret + "\n"}),
    "key_invisible_characters": lambda k: (k.mint.user(k.secret), {"key": "\ufeff" + k.secret}),
    "key_base64_decoded": lambda k: (
        k.mint.user(base64.b64decode(base64.b64encode(b"0123456789abcdef" * 2))),
        {"key": base64.b64encode(b"0123456789abcdef" * 2).decode()},
    ),
    "asymmetric_token_needs_jwks": lambda k: (k.mint.user(k.es, "ES256"), {"key": k.secret}),
    "symmetric_token_with_public_key": lambda k: (k.mint.user(k.secret), {"key": k.rs.public_pem}),
    "jwks_empty": lambda k: (k.mint.user(k.es, "ES256"), {"key": '{"keys":[]}'}),
    "weak_secret": lambda k: (k.mint.user("short-secret"), {"key": "short-secret"}),
    "known_public_secret": lambda k: (
        k.mint.api_key(supabase.LOCAL_CLI_JWT_SECRET),
        {"key": supabase.LOCAL_CLI_JWT_SECRET},
    ),
    "known_demo_key": lambda k: (list(supabase.KNOWN_DEMO_KEYS)[1], {}),
    "service_role_key": lambda k: (k.mint.api_key(k.secret, "service_role"), {}),
    "anon_key_not_session": lambda k: (k.mint.api_key(k.secret), {}),
    "api_key_not_jwt": lambda k: (supabase.LOCAL_CLI_SECRET_KEY, {}),
    "refresh_token_not_access": lambda k: ("abcdefgh2345", {}),
    "anonymous_user": lambda k: (k.mint.user(k.secret, anonymous=True), {}),
    "wrong_inspector": lambda k: ("postgres://u:p@localhost/db", {}),
    # codes of our own
    "signature_valid": lambda k: (k.mint.user(k.secret), {"key": k.secret}),
    "signature_invalid": lambda k: (k.mint.user(k.secret), {"key": "y" * 40}),
    "signature_not_checked": lambda k: (k.mint.user(k.secret), {}),
    "key_not_found": lambda k: (
        k.mint.user(k.es, "ES256", headers={"kid": "gone"}),
        {"key": json.dumps(k.jwks)},
    ),
    "key_unreadable": lambda k: (
        k.mint.user(k.es, "ES256"),
        {"key": "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----"},
    ),
    "key_is_private": lambda k: (k.mint.user(k.es, "ES256"), {"key": k.es.private_pem}),
    "key_algorithm_mismatch": lambda k: (k.mint.user(k.rs, "RS256"), {"key": k.es.public_pem}),
    "jwks_url_available": lambda k: (k.mint.user(k.es, "ES256"), {}),
    "jwks_fetch_blocked": lambda k: (
        k.mint.user(k.es, "ES256"),
        {"key": "https://example.com/jwks.json"},
    ),
    "other_issuer": lambda k: (
        k.mint.sign({"iss": "https://dev-x.us.auth0.com/", "sub": "a", "exp": NOW + 60}, k.secret),
        {},
    ),
    "personal_access_token": lambda k: ("sbp_" + "a1" * 20, {}),
    "header_key_reference": lambda k: (
        k.mint.user(k.secret, headers={"jku": "https://evil/jwks"}),
        {},
    ),
    "lifetime_unusual": lambda k: (k.mint.user(k.secret, exp=NOW + 7200), {}),
    "configured_secret_missing": lambda k: (k.mint.user(k.secret), {"configured_secret": ""}),
    "project_unreadable": lambda k: (k.mint.user(k.secret), {"project": "my project"}),
    "key_hex_decoded": lambda k: (k.mint.user(bytes(range(32))), {"key": bytes(range(32)).hex()}),
    "weak_key": None,  # RSA < 2048: covered in test_weak_rsa_key (slow key generation)
    "jwks_fetch_failed": None,  # network: covered in test_tokens_fetch.py
    "forgeable_secret": lambda k: (
        k.mint.user(supabase.LOCAL_CLI_JWT_SECRET),
        {"public_secrets": True},
    ),
    # found keys and the measured clock: real loopback servers, in test_discovery.py,
    # test_keystate.py and test_skew.py
    "verified_with_discovered_key": None,
    "discovery_failed": None,
    "issuer_mismatch_in_discovery": None,
    "kid_not_published": None,
    "signing_keys_standby": None,
    "legacy_secret_only": None,
    "clock_skew_measured": None,
}


@pytest.mark.parametrize("code", [c for c, f in CODE_CASES.items() if f], ids=str)
def test_code_is_produced(k, code):
    token, kw = CODE_CASES[code](k)
    report = run(token, **kw)
    assert code in _codes(report), (code, _codes(report))
    f = next(f for f in report.findings if f.code == code)
    assert f.title and f.detail


def test_every_token_code_has_a_case():
    defined = {c.code for c in catalog().values() if c.area == "token"}
    assert defined >= API_CODES
    assert defined == set(CODE_CASES)


def test_findings_ordered_errors_first(k):
    report = run(k.mint.user(k.secret, exp=NOW - 10), key="nope-nope-nope-nope")
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks)
    assert report.findings[0].severity.value == "error"
    assert report.has_errors()


# ---------- behaviours in detail ----------


def test_expired_relative_time(k):
    report = run(k.mint.user(k.secret, exp=NOW - (3 * 3600 + 12 * 60), iat=NOW - 5 * 3600))
    assert report.times["exp"]["relative"] == "expired 3 h 12 min ago"
    assert report.times["exp"]["iso"].endswith("Z")
    f = next(f for f in report.findings if f.code == "token_expired")
    assert "ExpiredSignatureError" in f.detail


@pytest.mark.parametrize(
    "delta,leeway,expired", [(-10, 0, True), (-10, 60, False), (0, 0, True), (30, 0, False)]
)
def test_expiry_with_leeway_matches_pyjwt(k, delta, leeway, expired):
    import jwt

    # PyJWT reads the real clock, so this test uses it too (not the module's NOW).
    now = int(time.time())
    token = k.mint.user(k.secret, exp=now + delta, iat=now - 100)
    report = run(token, leeway=leeway, now=now)
    assert ("token_expired" in _codes(report)) is expired
    # the same verdict as PyJWT itself (delta 0 is "now": PyJWT's own clock moves on)
    try:
        jwt.decode(token, k.secret, algorithms=["HS256"], audience="authenticated", leeway=leeway)
        pyjwt_expired = False
    except jwt.ExpiredSignatureError:
        pyjwt_expired = True
    assert pyjwt_expired is expired


def test_lifetime_defaults(k):
    r = run(k.mint.user(k.secret))
    assert r.lifetime["seconds"] == 3600 and r.lifetime["default_seconds"] == 3600
    r = run(k.mint.api_key(k.secret))
    assert r.lifetime["seconds"] == supabase.LEGACY_KEY_LIFETIME
    assert "lifetime_unusual" not in _codes(r)


def test_other_issuer_families_named(k):
    cases = {
        "https://securetoken.google.com/my-app": "Firebase",
        "https://accounts.google.com": "Google",
        "https://tenant.eu.auth0.com/": "Auth0",
        "https://happy-cat-1.clerk.accounts.dev": "Clerk",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc": "Cognito",
        "https://login.microsoftonline.com/tid/v2.0": "Azure",
        "https://sts.windows.net/tid/": "Azure",
        "https://dev-1.okta.com/oauth2/default": "Okta",
        "https://kc.example.com/realms/main": "Keycloak",
    }
    for iss, name in cases.items():
        r = run(k.mint.sign({"iss": iss, "sub": "x", "exp": NOW + 60}, k.secret))
        f = next(f for f in r.findings if f.code == "other_issuer")
        assert name in f.title, (iss, f.title)


def test_ref_from_claims_and_issuer(k):
    assert run(k.mint.api_key(k.secret)).project_ref == REF
    assert run(k.mint.user(k.secret)).project_ref == REF
    r = run(k.mint.user(k.secret), project=REF)
    assert "project_mismatch" not in _codes(r)


def test_key_is_jwt_names_it(k):
    anon = k.mint.api_key(k.secret)
    r = run(k.mint.user(k.secret), key=anon)
    assert r.signature.status == "invalid"  # a readable secret that does not verify
    assert "key_is_jwt" in _codes(r)
    assert r.signature.key and anon not in r.signature.key


def test_weak_secret_warning_never_printed(recwarn, mint):
    r = run(mint.user("tiny"), key="tiny")
    assert r.signature.status == "valid"
    f = next(f for f in r.findings if f.code == "weak_secret")
    assert "4 bytes" in f.detail
    assert not [w for w in recwarn if "HMAC" in str(w.message)]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_weak_rsa_key(mint):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.fixtures.keys import _pem_public

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    import jwt

    token = jwt.encode(mint.user_claims(), key, algorithm="RS256")
    r = run(token, key=_pem_public(key))
    assert r.signature.status == "valid"
    assert "weak_key" in _codes(r)


def test_malformed_names_the_part():
    header = b64json({"alg": "HS256"})
    r = run(f"{header}.bm90IGpzb24.c2ln")
    f = next(f for f in r.findings if f.code == "malformed_token")
    assert "payload is not JSON" in f.detail
    r = run(f"{header}.{b64json([1, 2])}.c2ln")
    assert "not an object" in next(f for f in r.findings if f.code == "malformed_token").detail
    r = run("eyJub3QganNvbg.e30.c2ln")
    assert "header is not JSON" in r.findings[0].detail
    assert r.claims == {}  # the payload still decoded


def test_truncated_payload_is_named():
    header = b64json({"alg": "HS256"})
    cut = b64json({"sub": "1234567890", "name": "John Doe", "iat": 1516239022})[:-8]
    r = run(f"{header}.{cut}")
    detail = next(f for f in r.findings if f.code == "token_truncated").detail
    assert "signature part is missing" in detail and "cut off" in detail
    assert "Not enough segments" in detail


def test_jwe_is_named():
    r = run("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")
    assert r.kind == "malformed_jwt"
    assert "JWE" in next(f for f in r.findings if f.code == "malformed_token").detail


# ---------- input cleaning ----------

CLEAN_CASES = {
    "bearer": ("Bearer {t}", "Bearer"),
    "authorization header": ("Authorization: Bearer {t}", "Authorization:"),
    "quotes": ('"{t}"', "quotes"),
    "whitespace": ("  {t}\n", "whitespace"),
    "line breaks": ("{t_split}", "line breaks"),
    "curl": (
        "curl 'https://x.supabase.co/rest/v1/t' -H 'apikey: abc' -H 'Authorization: Bearer {t}'",
        "curl",
    ),
    "curl apikey": ('curl https://x -H "apikey: {t}"', "curl"),
    "json": ('{{"access_token": "{t}", "refresh_token": "abc"}}', "JSON"),
    "json session": ('{{"currentSession": {{"access_token": "{t}"}}}}', "JSON"),
    "cookie array": (
        'sb-abcdefghijklmnopqrst-auth-token=["{t}","refresh",null,null,null]',
        "cookie",
    ),
    "cookie base64": ("sb-abcdefghijklmnopqrst-auth-token=base64-{b64}", "cookie"),
    "bare base64 cookie": ("base64-{b64}", "cookie"),
    "cookie header chunks": (
        "Cookie: theme=dark; sb-abcdefghijklmnopqrst-auth-token.1={b64_2}; "
        "sb-abcdefghijklmnopqrst-auth-token.0={b64_1}",
        "2 chunks joined",
    ),
    "url fragment": (
        "http://localhost:3000/#access_token={t}&expires_in=3600&refresh_token=x",
        "URL",
    ),
    "env line": ("SUPABASE_ANON_KEY={t}", "SUPABASE_ANON_KEY"),
}


@pytest.mark.parametrize("case", CLEAN_CASES, ids=list(CLEAN_CASES))
def test_input_cleaning(k, case):
    t = k.mint.user(k.secret)
    b64 = base64.b64encode(
        json.dumps({"access_token": t, "token_type": "bearer"}).encode()
    ).decode()
    pasted, mention = CLEAN_CASES[case]
    cookie = "base64-" + b64.rstrip("=")
    pasted = pasted.format(
        t=t,
        b64=b64,
        t_split=t[:40] + "\n" + t[40:90] + "\n " + t[90:],
        b64_1=cookie[:100],
        b64_2=cookie[100:],
    )
    cleaned = clean_input(pasted)
    assert cleaned.text == t
    r = run(pasted, key=k.secret)
    assert r.kind == "supabase_user_token" and r.signature.status == "valid"
    f = next(f for f in r.findings if f.code == "input_cleaned")
    assert mention.lower() in f.detail.lower()


def test_clean_token_is_not_flagged(k):
    assert "input_cleaned" not in _codes(run(k.mint.user(k.secret)))


# ---------- snippets ----------


def test_python_snippet_hs256(k):
    r = run(k.mint.user(k.secret), key=k.secret)
    py = r.snippets["python"]
    assert 'os.environ["SUPABASE_JWT_SECRET"]' in py
    assert 'algorithms=["HS256"]' in py and 'audience="authenticated"' in py
    assert k.secret not in py and k.secret not in (r.snippets["curl"] or "")
    assert f"https://{REF}.supabase.co/rest/v1/" in r.snippets["curl"]
    assert "$ACCESS_TOKEN" in r.snippets["curl"] and "$SUPABASE_ANON_KEY" in r.snippets["curl"]


def test_python_snippet_runs_and_verifies(k, monkeypatch):
    """The snippet is real code: exec it with the env var set and it returns the claims."""
    token = k.mint.user(k.secret)
    r = run(token, key=k.secret)
    monkeypatch.setenv("SUPABASE_JWT_SECRET", k.secret)
    scope: dict[str, Any] = {"token": token}
    exec(r.snippets["python"], scope)  # noqa: S102
    assert scope["claims"]["sub"] == r.claims["sub"]


def test_python_snippet_jwks(k):
    r = run(k.mint.user(k.es, "ES256"))
    py = r.snippets["python"]
    assert f'PyJWKClient("https://{REF}.supabase.co/auth/v1/.well-known/jwks.json"' in py
    assert 'algorithms=["ES256"]' in py
    assert r.jwks_url == supabase.jwks_url_for(REF)


def test_snippet_leeway_for_skew(k):
    r = run(k.mint.user(k.secret, iat=NOW + 20, exp=NOW + 3620))
    assert "leeway=25" in r.snippets["python"]


@pytest.mark.parametrize(
    "token,needle",
    [
        (supabase.LOCAL_CLI_PUBLISHABLE_KEY, '"apikey: $SUPABASE_PUBLISHABLE_KEY"'),
        (supabase.LOCAL_CLI_SECRET_KEY, '"apikey: $SUPABASE_SECRET_KEY"'),
        ("abcdefgh2345", "grant_type=refresh_token"),
    ],
)
def test_curl_for_non_jwts(token, needle):
    r = run(token)
    assert needle in r.snippets["curl"]
    assert "Bearer $SUPABASE_PUBLISHABLE_KEY" not in r.snippets["curl"]


def test_secrets_never_in_report(k):
    r = run(k.mint.user(k.secret), key=k.secret)
    dumped = json.dumps(r.to_dict())
    assert k.secret not in dumped
    r = run(supabase.LOCAL_CLI_SECRET_KEY)
    assert supabase.LOCAL_CLI_SECRET_KEY not in json.dumps(r.to_dict())


# ---------- small pure parts ----------


@pytest.mark.parametrize(
    "text,shape",
    [
        ("", None),
        ("eyJhbGciOiJIUzI1NiJ9.eyJ9.sig", "jwt"),
        (supabase.LOCAL_CLI_PUBLISHABLE_KEY, "publishable_key"),
        (supabase.LOCAL_CLI_SECRET_KEY, "secret_key"),
        ("-----BEGIN PUBLIC KEY-----\n...", "pem_public_key"),
        ("-----BEGIN CERTIFICATE-----\n...", "certificate"),
        ("-----BEGIN PRIVATE KEY-----\n...", "pem_private_key"),
        ('{"kty": "EC"}', "jwk"),
        ('{"keys": []}', "jwks"),
        ("https://x.supabase.co/auth/v1/.well-known/jwks.json", "jwks_url"),
        (supabase.LOCAL_CLI_JWT_SECRET, "hmac_secret"),
    ],
)
def test_classify_secret(text, shape):
    assert classify_secret(text) == shape


def test_decode_reports_each_part():
    d = decode_jwt("eyJhbGciOiJIUzI1NiJ9.%%%.abc")
    assert [p.ok for p in d.parts] == [True, False, True]
    assert "base64url" in d.parts[1].error


def test_claim_explanations_cover_supabase_claims(k):
    r = run(k.mint.user(k.secret))
    for name in (
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "role",
        "session_id",
        "aal",
        "amr",
        "is_anonymous",
    ):
        assert r.claim_notes.get(name), name
    assert r.header_notes["alg"]
