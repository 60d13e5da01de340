"""JWKS URLs fetched for real from loopback servers: http (local mode only), https with a test
CA, failures, redirects, the shared-mode policy and a server that never answers."""

from __future__ import annotations

import socket
import time

import pytest

from inspector.netpolicy import LOCAL, ProbeBlockedError, ProbePolicy
from inspector.tokens import inspect_token
from inspector.tokens.fetch import JWKSFetchError, fetch_jwks
from tests.fixtures.keys import https_jwks_server


@pytest.fixture
def k(kit):
    return kit


def codes(report) -> set[str]:
    return set(report.finding_codes())


def test_http_loopback_jwks_verifies(k, jwks_http_server):
    url = jwks_http_server.serve("/auth/v1/.well-known/jwks.json", k.jwks)
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url)
    assert r.signature.status == "valid"
    assert r.signature.key_used == f"jwk:{k.es.kid}"
    assert url in r.signature.key
    r = inspect_token(k.mint.user(k.rs, "RS256"), key=url)
    assert r.signature.key_used == f"jwk:{k.rs.kid}"


def test_https_with_test_ca(k, jwks_https_server):
    url = jwks_https_server.serve("/jwks.json", k.jwks)
    result = fetch_jwks(url, LOCAL, 3.0, cafile=jwks_https_server.cafile)
    assert result.status == 200 and result.document == k.jwks
    assert result.address in ("127.0.0.1", "::1")


def test_https_untrusted_certificate_is_a_finding(k, jwks_https_server):
    url = jwks_https_server.serve("/jwks.json", k.jwks)
    with pytest.raises(JWKSFetchError, match="not trusted"):
        fetch_jwks(url, LOCAL, 3.0)  # certifi does not hold the test CA
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url, fetch_timeout=3)
    assert "jwks_fetch_failed" in codes(r)
    assert r.signature.status == "bad_key"


def test_https_ip_in_san(k, jwks_https_server):
    url = jwks_https_server.serve("/jwks.json", k.jwks).replace("localhost", "127.0.0.1")
    result = fetch_jwks(url, LOCAL, 3.0, cafile=jwks_https_server.cafile)
    assert result.status == 200  # 127.0.0.1 is in the SAN


def test_https_hostname_mismatch_refused(k, tmp_path):
    """Trusted CA, but the certificate names another host: TLS verification with SNI fails."""
    with https_jwks_server(tmp_path, host="other.example", with_ip=False) as server:
        url = server.serve("/jwks.json", k.jwks)
        with pytest.raises(JWKSFetchError, match="not trusted"):
            fetch_jwks(url, LOCAL, 3.0, cafile=server.cafile)


@pytest.mark.parametrize(
    "status,body,headers,needle",
    [
        (404, b"nope", {}, "HTTP 404"),
        (302, b"", {"Location": "https://elsewhere/jwks.json"}, "redirect"),
        (200, b"<html>", {}, "not JSON"),
    ],
)
def test_fetch_failures(k, jwks_http_server, status, body, headers, needle):
    url = jwks_http_server.serve("/jwks.json", body, status=status, headers=headers)
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url)
    f = next(f for f in r.findings if f.code == "jwks_fetch_failed")
    assert needle in f.detail
    assert r.signature.status == "bad_key"


def test_empty_jwks_from_url(k, jwks_http_server):
    url = jwks_http_server.serve("/jwks.json", {"keys": []})
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url)
    assert "jwks_empty" in codes(r)
    assert r.signature.status == "key_not_found"


def test_kid_missing_from_fetched_jwks(k, jwks_http_server):
    url = jwks_http_server.serve("/jwks.json", {"keys": [k.rs.jwk]})
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url)
    # the only key is RSA: an ES256 token cannot use it
    assert r.signature.status == "wrong_key_type"
    other = dict(k.es.jwk, kid="other-kid")
    url = jwks_http_server.serve("/jwks2.json", {"keys": [other]})
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url)
    assert r.signature.status == "key_not_found" and "key_not_found" in codes(r)


def test_refused_connection(k):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = inspect_token(k.mint.user(k.es, "ES256"), key=f"http://127.0.0.1:{port}/jwks.json")
    f = next(f for f in r.findings if f.code == "jwks_fetch_failed")
    assert "refused" in f.detail


def test_black_hole_is_bounded(k):
    """A server that accepts and never answers: the fetch gives up at its timeout."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    try:
        url = f"http://127.0.0.1:{s.getsockname()[1]}/jwks.json"
        start = time.monotonic()
        r = inspect_token(k.mint.user(k.es, "ES256"), key=url, fetch_timeout=0.5)
        elapsed = time.monotonic() - start
    finally:
        s.close()
    assert "jwks_fetch_failed" in codes(r)
    assert elapsed < 3.0


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/jwks.json",  # plain http off loopback: refused before any packet
        "ftp://127.0.0.1/jwks.json",
        "https:///nohost",
    ],
)
def test_refused_urls(k, url):
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url)
    assert "jwks_fetch_failed" in codes(r)


@pytest.mark.parametrize(
    "policy",
    [
        ProbePolicy(allowed_hosts=("*.supabase.co",)),
        ProbePolicy(allowed_hosts=("localhost", "127.0.0.1")),  # host allowed, address is not
    ],
)
def test_policy_blocks(k, jwks_http_server, policy):
    url = jwks_http_server.serve("/jwks.json", k.jwks)
    r = inspect_token(k.mint.user(k.es, "ES256"), key=url, policy=policy)
    assert "jwks_fetch_blocked" in codes(r)
    with pytest.raises(ProbeBlockedError):
        fetch_jwks(url.replace("http://", "https://"), policy, 1.0)


def test_derived_jwks_url_offered_for_hosted_user_tokens(k):
    r = inspect_token(k.mint.user(k.es, "ES256"))
    f = next(f for f in r.findings if f.code == "jwks_url_available")
    assert "https://abcdefghijklmnopqrst.supabase.co/auth/v1/.well-known/jwks.json" in f.detail
    # HS256 user tokens: no JWKS publishes the legacy secret
    r = inspect_token(k.mint.user(k.secret))
    assert "jwks_url_available" not in codes(r)
