"""Keys found for you (issue 13 §2): with no key pasted, a token is verified with its issuer's
published keys, against a real loopback JWKS and OpenID-discovery server: a Supabase issuer's
`<iss>/.well-known/jwks.json`, another issuer's through `<iss>/.well-known/openid-configuration`
(https only, the document's issuer equal to the token's); cached briefly; one deadline and the
byte cap; and shared mode's policy on every path, blocked before any packet."""

from __future__ import annotations

import ipaddress
import time

import pytest

from inspector import supabase
from inspector.netpolicy import LOCAL, ProbePolicy
from inspector.tokens import discovery, inspect_token
from inspector.tokens.fetch import DEFAULT_TTL, MAX_TTL, cache_ttl
from tests.fixtures.jwks_server import OIDC_CERTS_PATH, OIDC_CONFIG_PATH, SUPABASE_JWKS_PATH
from tests.fixtures.keys import REF
from tests.fixtures.listener import listener

# What a fetch may take past its deadline: thread hand-offs and a busy 2-CPU machine.
SLACK = 0.75


def codes(report) -> list[str]:
    return report.finding_codes()


def finding(report, code):
    return next(f for f in report.findings if f.code == code)


def oidc_token(kit, server, key=None, alg="ES256", **over):
    now = int(time.time())
    claims = {"iss": server.oidc_issuer, "sub": "user-1", "aud": "account", "iat": now}
    claims.update({"exp": now + 300, **over})
    return kit.mint.sign(claims, key or kit.es, alg)


def found(token, server, **kw):
    kw.setdefault("cafile", server.cafile)
    return inspect_token(token, discover=True, **kw)


# ---------- where to look (pure) ----------


@pytest.mark.parametrize(
    "iss,config_url",
    [
        (
            "https://dev-x.us.auth0.com/",
            "https://dev-x.us.auth0.com/.well-known/openid-configuration",
        ),
        ("https://clerk.example.com", "https://clerk.example.com/.well-known/openid-configuration"),
        (
            "https://happy-cat-1.clerk.accounts.dev",
            "https://happy-cat-1.clerk.accounts.dev/.well-known/openid-configuration",
        ),
        (
            "https://securetoken.google.com/my-app",
            "https://securetoken.google.com/my-app/.well-known/openid-configuration",
        ),
        (
            "https://accounts.google.com",
            "https://accounts.google.com/.well-known/openid-configuration",
        ),
        ("accounts.google.com", "https://accounts.google.com/.well-known/openid-configuration"),
        (
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/openid-configuration",
        ),
        (
            "https://login.microsoftonline.com/t1/v2.0",
            "https://login.microsoftonline.com/t1/v2.0/.well-known/openid-configuration",
        ),
        (
            "https://sts.windows.net/t1/",
            "https://login.microsoftonline.com/t1/.well-known/openid-configuration",
        ),
        (
            "https://kc.example.com/realms/main",
            "https://kc.example.com/realms/main/.well-known/openid-configuration",
        ),
    ],
)
def test_other_issuers_go_through_their_openid_configuration(iss, config_url):
    p = discovery.plan({"iss": iss, "sub": "1"}, "RS256", "jwt")
    assert p is not None and p.config_url == config_url and p.jwks_url is None


@pytest.mark.parametrize(
    "claims,kind,jwks_url",
    [
        (
            {"iss": f"https://{REF}.supabase.co/auth/v1"},
            "supabase_user_token",
            supabase.jwks_url_for(REF),
        ),
        (
            {"iss": "supabase", "ref": REF, "role": "anon"},
            "supabase_anon_key",
            supabase.jwks_url_for(REF),
        ),
        (
            {"iss": supabase.LOCAL_AUTH_ISSUER, "sub": "1"},
            "supabase_user_token",
            supabase.LOCAL_AUTH_ISSUER + "/.well-known/jwks.json",
        ),
        (
            {"iss": "https://auth.example.com/auth/v1"},
            "jwt",
            "https://auth.example.com/auth/v1/.well-known/jwks.json",
        ),
    ],
)
def test_supabase_issuers_publish_a_jwks(claims, kind, jwks_url):
    for alg in ("ES256", "HS256"):  # an HS256 token's JWKS still tells the project's key state
        p = discovery.plan(claims, alg, kind)
        assert p is not None and p.jwks_url == jwks_url and p.family == "Supabase Auth"


@pytest.mark.parametrize(
    "claims,alg",
    [
        ({"iss": "https://dev-x.us.auth0.com/"}, "HS256"),  # no JWKS holds another's secret
        ({"iss": "http://idp.example.com/realms/x"}, "RS256"),  # plain http: never
        ({"iss": "not a url"}, "RS256"),
        ({"sub": "1"}, "RS256"),
        ({"iss": "supabase-demo", "role": "anon"}, "HS256"),
    ],
)
def test_nowhere_to_look(claims, alg):
    assert discovery.plan(claims, alg, "jwt") is None


def test_issuer_must_match_exactly():
    assert discovery.same_issuer("https://a.example/", "https://a.example/")
    assert not discovery.same_issuer("https://a.example/", "https://a.example")
    assert discovery.same_issuer("https://accounts.google.com", "accounts.google.com")
    assert not discovery.same_issuer(None, "https://a.example")


@pytest.mark.parametrize(
    "header,ttl",
    [
        ("public, max-age=600", 600),
        ("max-age=86400", MAX_TTL),
        (None, DEFAULT_TTL),
        ("public", DEFAULT_TTL),
        ("no-store", 0),
        ("no-cache, max-age=600", 0),
        ("max-age=0", 0),
    ],
)
def test_cache_lifetime_from_cache_control(header, ttl):
    assert cache_ttl(header) == ttl


def test_age_shortens_the_lifetime():
    assert cache_ttl("max-age=600", "590") == 10


# ---------- against the real server ----------


def test_supabase_issuer_verified_with_its_jwks(kit, keyserver):
    r = found(kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer), keyserver)
    assert r.signature.status == "valid" and r.signature.key_used == f"jwk:{kit.es.kid}"
    said = f"verified with the key {kit.es.kid} from {keyserver.jwks_url}"
    assert r.signature.detail.startswith(said)
    assert said in r.headline.text
    assert "verified_with_discovered_key" in codes(r)
    d = r.to_dict()["discovery"]
    assert d["status"] == "found" and d["jwks_url"] == keyserver.jwks_url
    assert d["kid"] == kit.es.kid and d["family"] == "Supabase Auth" and not d["cached"]
    # the snippet uses the URL the keys were found at
    assert f'PyJWKClient("{keyserver.jwks_url}", timeout=5, lifespan=600)' in r.snippets["python"]


def test_rs256_token_picks_its_kid(kit, keyserver):
    r = found(kit.mint.user(kit.rs, "RS256", iss=keyserver.supabase_issuer), keyserver)
    assert r.signature.key_used == f"jwk:{kit.rs.kid}"


def test_oidc_issuer_verified_through_its_configuration(kit, keyserver):
    r = found(oidc_token(kit, keyserver), keyserver)
    assert r.signature.status == "valid", r.findings
    assert keyserver.certs_url in r.signature.detail
    d = r.to_dict()["discovery"]
    assert d["config_url"] == keyserver.config_url and d["jwks_url"] == keyserver.certs_url
    assert d["family"] == "Keycloak"
    assert keyserver.hits(OIDC_CONFIG_PATH) == 1 and keyserver.hits(OIDC_CERTS_PATH) == 1


def test_oidc_wrong_signature_is_invalid(kit, keyserver):
    token = oidc_token(kit, keyserver)
    head, payload, sig = token.split(".")
    forged = f"{head}.{payload}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    r = found(forged, keyserver)
    assert r.signature.status == "invalid"


def test_issuer_mismatch_uses_no_key(kit, keyserver):
    keyserver.behaviour.issuer = "https://idp.example.com/realms/test"
    r = found(oidc_token(kit, keyserver), keyserver)
    f = finding(r, "issuer_mismatch_in_discovery")
    assert f.severity.value == "error"
    assert "https://idp.example.com/realms/test" in f.detail and keyserver.oidc_issuer in f.detail
    assert r.signature.status == "not_checked"
    assert keyserver.hits(OIDC_CERTS_PATH) == 0  # the keys were never fetched
    assert r.to_dict()["discovery"]["status"] == "issuer_mismatch"


def test_trailing_slash_is_a_mismatch(kit, keyserver):
    r = found(oidc_token(kit, keyserver, iss=keyserver.oidc_issuer + "/"), keyserver)
    assert "issuer_mismatch_in_discovery" in codes(r)


@pytest.mark.parametrize("uri", ["http://localhost:1/certs", "file:///etc/passwd", ""])
def test_jwks_uri_must_be_https(kit, keyserver, uri):
    keyserver.behaviour.jwks_uri = uri or None
    if not uri:
        keyserver.behaviour.jwks_uri = "ftp://localhost/certs"
    r = found(oidc_token(kit, keyserver), keyserver)
    f = finding(r, "discovery_failed")
    assert "not an https URL" in f.detail
    assert r.signature.status == "not_checked"


def test_untrusted_certificate_fails_discovery(kit, keyserver):
    """certifi does not hold the test CA: the keys are not used."""
    r = inspect_token(oidc_token(kit, keyserver), discover=True)
    assert "not trusted" in finding(r, "discovery_failed").detail
    assert r.signature.status == "not_checked"


def test_local_cli_issuer_over_http_in_local_mode(kit, local_keyserver):
    assert local_keyserver.supabase_issuer.startswith("http://127.0.0.1:")
    r = inspect_token(
        kit.mint.user(kit.es, "ES256", iss=local_keyserver.supabase_issuer), discover=True
    )
    assert r.signature.status == "valid"
    assert local_keyserver.hits(SUPABASE_JWKS_PATH) == 1


def test_no_discovery_when_switched_off_or_a_key_is_given(kit, local_keyserver):
    token = kit.mint.user(kit.es, "ES256", iss=local_keyserver.supabase_issuer)
    r = inspect_token(token)
    assert r.signature.status == "not_checked" and r.to_dict()["discovery"] is None
    r = inspect_token(token, key=kit.es.public_pem, discover=True)
    assert r.signature.status == "valid" and r.to_dict()["discovery"] is None
    assert local_keyserver.accepted == 0


def test_ten_tokens_one_fetch(kit, keyserver):
    """Cache-Control: max-age=600 (Supabase's): checking ten tokens fetches once."""
    reports = [
        found(kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer), keyserver)
        for _ in range(10)
    ]
    assert all(r.signature.status == "valid" for r in reports)
    assert keyserver.hits(SUPABASE_JWKS_PATH) == 1
    assert [r.to_dict()["discovery"]["cached"] for r in reports] == [False] + [True] * 9
    assert "(cached)" in finding(reports[-1], "verified_with_discovered_key").detail


@pytest.mark.parametrize("header", ["no-store", "max-age=0", "private, no-cache"])
def test_no_cache_when_the_server_says_so(kit, keyserver, header):
    keyserver.behaviour.cache_control = header
    for _ in range(3):
        found(kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer), keyserver)
    assert keyserver.hits(SUPABASE_JWKS_PATH) == 3


def test_slow_answer_is_cut_by_the_deadline(kit, keyserver):
    keyserver.behaviour.delay = 5
    start = time.monotonic()
    r = found(
        kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer), keyserver, fetch_timeout=1.0
    )
    elapsed = time.monotonic() - start
    assert "no complete answer within 1.0 s" in finding(r, "discovery_failed").detail
    assert elapsed < 1.0 + SLACK
    assert r.signature.status == "not_checked"


def test_one_deadline_for_the_configuration_and_the_keys(kit, keyserver):
    """Each answer takes 0.6 s: the two together do not fit in one 1 s deadline."""
    keyserver.behaviour.delay = 0.6
    start = time.monotonic()
    r = found(oidc_token(kit, keyserver), keyserver, fetch_timeout=1.0)
    elapsed = time.monotonic() - start
    assert "discovery_failed" in codes(r)
    assert elapsed < 1.0 + SLACK
    assert keyserver.hits(OIDC_CONFIG_PATH) == 1


def test_huge_answer_is_cut_by_the_byte_cap(kit, keyserver):
    keyserver.behaviour.huge = 400 * 1024
    start = time.monotonic()
    r = found(kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer), keyserver)
    assert "larger than 256 KiB" in finding(r, "discovery_failed").detail
    assert time.monotonic() - start < 2.0


# ---------- shared mode: the policy on every path, before any packet ----------


def assert_blocked(r):
    f = finding(r, "discovery_failed")
    assert f.title == "This site may not fetch the issuer's published keys"
    assert r.to_dict()["discovery"]["status"] == "blocked"
    assert r.signature.status == "not_checked"


def test_shared_supabase_issuer_on_loopback_is_blocked(kit, local_keyserver):
    policy = ProbePolicy(allowed_hosts=("*.supabase.co",))
    token = kit.mint.user(kit.es, "ES256", iss=local_keyserver.supabase_issuer)
    assert_blocked(inspect_token(token, discover=True, policy=policy))
    # even with every host allowed, loopback addresses are not
    assert_blocked(inspect_token(token, discover=True, policy=ProbePolicy(allowed_hosts=("*",))))
    assert local_keyserver.accepted == 0


def test_shared_oidc_issuer_resolving_to_loopback_is_blocked(kit, keyserver):
    policy = ProbePolicy(allowed_hosts=("localhost",))  # the name passes, its addresses do not
    assert_blocked(found(oidc_token(kit, keyserver), keyserver, policy=policy))
    assert keyserver.accepted == 0


def test_shared_jwks_uri_is_checked_too(kit, keyserver):
    """The configuration may be fetched; the jwks_uri it names is judged on its own."""
    allowed = ProbePolicy(
        allowed_hosts=("localhost",),
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")),
    )
    with listener(host="127.0.0.2") as (port, connections):
        keyserver.behaviour.jwks_uri = f"https://127.0.0.2:{port}/certs"
        r = found(oidc_token(kit, keyserver), keyserver, policy=allowed)
        assert keyserver.hits(OIDC_CONFIG_PATH) == 1
        assert_blocked(r)
        assert f"127.0.0.2:{port}/certs" in finding(r, "discovery_failed").detail
        assert connections() == 0


def test_a_cached_answer_is_not_served_once_the_policy_refuses_it(kit, local_keyserver):
    token = kit.mint.user(kit.es, "ES256", iss=local_keyserver.supabase_issuer)
    assert inspect_token(token, discover=True, policy=LOCAL).signature.status == "valid"
    assert local_keyserver.accepted == 1
    shared = ProbePolicy(allowed_hosts=("*",))
    assert_blocked(inspect_token(token, discover=True, policy=shared))
    assert local_keyserver.accepted == 1 and local_keyserver.hits(SUPABASE_JWKS_PATH) == 1
    # the policy refusing it did not evict it: local mode still has it
    r = inspect_token(token, discover=True, policy=LOCAL)
    assert r.to_dict()["discovery"]["cached"]


SHARED_APP = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": "3f1c0a9b8e7d6c5b4a39281706f5e4d3",
    "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
}


def test_shared_site_api_blocks_discovery_before_any_packet(make_app, kit, local_keyserver):
    client = make_app(**SHARED_APP).test_client()
    token = kit.mint.user(kit.es, "ES256", iss=local_keyserver.supabase_issuer)
    r = client.post(
        "/api/v1/token",
        json={"token": token, "discover": True},
        headers={"X-Forwarded-User": "ana"},
    )
    assert r.status_code == 200
    d = r.get_json()
    assert d["discovery"]["status"] == "blocked"
    assert "discovery_failed" in {f["code"] for f in d["findings"]}
    assert local_keyserver.accepted == 0
