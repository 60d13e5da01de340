"""The request tester against real servers on loopback: a FastAPI-style backend whose auth
dependency calls jwt.decode with a configurable key, audience and algorithms; fake Supabase Auth
and PostgREST answers; slow, endless and huge answers; a listener that records connections for
shared mode's "blocked before any packet"."""

from __future__ import annotations

import ipaddress
import json
import time
from contextlib import contextmanager

import pytest

from inspector.endpoint import ProjectConfig, ask_auth
from inspector.endpoint import service as endpoint
from inspector.endpoint.explain import read_answer
from inspector.endpoint.targets import classify_url
from inspector.netpolicy import ProbePolicy
from tests.fixtures import slow_http
from tests.fixtures.backend import PUBLISHABLE_KEY
from tests.fixtures.keys import DROP
from tests.fixtures.listener import listener

send = endpoint.test_request


def codes(report) -> list[str]:
    return report.finding_codes()


def finding(report, code):
    return next(f for f in report.findings if f.code == code)


def anon_key(kit) -> str:
    return kit.mint.api_key(kit.secret, "anon")


# --- the user's own API: jwt.decode with a key, an audience and algorithms -------------------


def test_right_key_is_accepted(kit, backend):
    backend.verifier.key = kit.secret
    token = kit.mint.user(kit.secret)
    r = send(backend.url("/api/me"), token, key=kit.secret)
    assert r.outcome == "accepted"
    assert r.response.status == 200
    assert codes(r) == ["server_accepted"]
    assert r.token.verified
    assert not r.has_errors()
    [hit] = backend.hits
    assert hit["Authorization"] == f"Bearer {token}"
    assert "Apikey" not in hit  # your own API gets no apikey


def test_anon_key_as_the_secret_is_explained(kit, backend):
    """The classic: the server verifies with the anon key instead of the JWT secret."""
    backend.verifier.key = anon_key(kit)
    token = kit.mint.user(kit.secret)
    r = send(backend.url("/api/me"), token, key=kit.secret)
    assert r.outcome == "rejected"
    assert r.response.status == 401
    assert r.response.headers["www-authenticate"] == "Bearer"
    assert r.server_says.source == "fastapi"
    assert r.server_says.message == "JWT validation error: Signature verification failed"
    assert r.server_says.reason == "signature"
    f = finding(r, "server_uses_other_key")
    assert f.severity == "error"
    assert f.title == "Your server verifies with another key"
    assert "The token verifies with the key given here" in f.detail
    assert "Signature verification failed" in f.detail
    assert r.has_errors()


def test_the_servers_wrong_key_given_here_is_named(kit, backend):
    """Given the key the server uses (the anon key), both sides agree: it is not the secret."""
    backend.verifier.key = anon_key(kit)
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret), key=anon_key(kit))
    assert "server_rejects_signature" in codes(r)
    assert "does not verify it either" in finding(r, "server_rejects_signature").detail
    assert "key_is_jwt" in r.token.finding_codes()


def test_signature_without_a_key_here_asks_for_one(kit, backend):
    backend.verifier.key = "another-secret-of-at-least-32-characters!"
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret))
    assert "paste the project's JWT secret" in finding(r, "server_rejects_signature").detail


def test_missing_audience_in_the_verifier(kit, backend):
    """jwt.decode without audience= rejects every token with an aud: PyJWT's Invalid audience."""
    backend.verifier.key, backend.verifier.audience = kit.secret, None
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret), key=kit.secret)
    assert r.server_says.message == "JWT validation error: Invalid audience"
    f = finding(r, "server_audience_rejected")
    assert 'audience="authenticated"' in f.fix
    assert "'authenticated'" in f.detail


def test_api_key_where_the_server_requires_an_audience(kit, backend):
    backend.verifier.key = kit.secret
    r = send(backend.url("/api/me"), anon_key(kit), key=kit.secret)
    assert r.server_says.message == 'JWT validation error: Token is missing the "aud" claim'
    f = finding(r, "server_requires_audience")
    assert "it has none" in f.detail and "anon key" in f.detail


def test_es256_token_against_an_hs256_verifier(kit, backend):
    backend.verifier.key, backend.verifier.algorithms = kit.secret, ["HS256"]
    token = kit.mint.user(kit.es, "ES256")
    r = send(backend.url("/api/me"), token, key=kit.es.public_pem)
    assert r.server_says.message == "JWT validation error: The specified alg value is not allowed"
    f = finding(r, "server_rejects_algorithm")
    assert f.title == "The server does not accept this token's algorithm (ES256)"
    assert 'algorithms=["ES256"]' in f.fix
    assert r.token.verified  # our side: it verifies with its public key


def test_es256_verifier_accepts_es256(kit, backend):
    backend.verifier.key, backend.verifier.algorithms = kit.es.public_pem, ["ES256"]
    r = send(backend.url("/api/me"), kit.mint.user(kit.es, "ES256"), key=kit.es.public_pem)
    assert r.outcome == "accepted"


def test_expired_token_both_sides_agree(kit, backend):
    backend.verifier.key = kit.secret
    token = kit.mint.user(kit.secret, exp=int(time.time()) - 60, iat=int(time.time()) - 3660)
    r = send(backend.url("/api/me"), token, key=kit.secret)
    assert r.server_says.message == "JWT validation error: Signature has expired"
    assert "this inspector agrees" in finding(r, "server_token_expired").detail


def test_server_that_never_sees_the_header(kit, backend):
    r = send(backend.url("/api/session"), kit.mint.user(kit.secret), key=kit.secret)
    assert r.server_says.message == "Not authenticated"
    assert "server_saw_no_token" in codes(r)


def test_server_that_accepts_what_we_reject(kit, backend):
    """The server verifies with the secret; the key given here is another one."""
    backend.verifier.key = kit.secret
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret), key="x" * 40)
    assert r.outcome == "accepted"
    assert "server_accepts_what_we_reject" in codes(r)
    assert "signature_invalid" in finding(r, "server_accepts_what_we_reject").detail


def test_the_pasted_header_is_sent_as_a_client_sends_it(kit, backend):
    backend.verifier.key = kit.secret
    token = kit.mint.user(kit.secret)
    r = send(backend.url("/api/me"), f"Authorization: Bearer {token}\n", key=kit.secret)
    assert r.outcome == "accepted"
    assert backend.hits[-1]["Authorization"] == f"Bearer {token}"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_methods(kit, backend, method):
    backend.verifier.key = kit.secret
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret), method=method, key=kit.secret)
    assert r.outcome == "accepted"
    assert backend.hits[-1]["method"] == method
    assert r.request.method == method


def test_server_error_and_other_answers(kit, backend):
    r = send(backend.url("/api/boom"), kit.mint.user(kit.secret))
    assert r.outcome == "other"
    assert finding(r, "server_error").title == "The server failed (500)"
    r = send(backend.url("/nowhere"), kit.mint.user(kit.secret))
    assert codes(r) == ["server_other_answer"]


# --- the answer: redirects, the deadline, the byte cap, masking ------------------------------


def test_redirect_is_shown_not_followed(kit, backend):
    r = send(backend.url("/api/old"), kit.mint.user(kit.secret))
    assert r.outcome == "redirected"
    assert r.response.status == 302
    assert r.response.location == "https://api.example.com/api/me"
    assert "https://api.example.com/api/me" in finding(r, "redirect_not_followed").detail
    assert [h["path"] for h in backend.hits] == ["/api/old"]
    assert r.to_dict()["request"]["follows_redirects"] is False


@contextmanager
def peer(p):
    try:
        yield p
    finally:
        p.stop()


def test_dripping_headers_are_cut_by_the_one_deadline(kit):
    with peer(slow_http.header_drip_server(interval=0.3)) as p:
        start = time.monotonic()
        r = send(f"http://127.0.0.1:{p.port}/", kit.mint.user(kit.secret), timeout=1.0)
        elapsed = time.monotonic() - start
    assert r.outcome == "failed"
    assert "request_timed_out" in codes(r)
    assert elapsed < 2.0


def test_dripping_body_keeps_what_arrived(kit):
    with peer(slow_http.body_drip_server(interval=0.05)) as p:
        start = time.monotonic()
        r = send(f"http://127.0.0.1:{p.port}/", kit.mint.user(kit.secret), timeout=1.0)
        elapsed = time.monotonic() - start
    assert elapsed < 2.0
    assert r.response.status == 200
    assert r.response.incomplete
    assert 0 < r.response.body_bytes < 1000
    assert "body_incomplete" in codes(r)


def test_black_hole_is_bounded(kit, silent_peer):
    start = time.monotonic()
    r = send(f"http://127.0.0.1:{silent_peer.port}/", kit.mint.user(kit.secret), timeout=0.5)
    assert time.monotonic() - start < 1.5
    assert "request_timed_out" in codes(r)


def test_huge_body_is_cut_by_the_cap(kit, backend):
    r = send(backend.url("/api/huge"), kit.mint.user(kit.secret))
    assert r.response.body_bytes == 64 * 1024
    assert r.response.truncated and r.response.excerpt_cut
    assert len(r.response.body_excerpt) == 2048
    assert "body_truncated" in codes(r)


def test_endless_body_is_cut_by_the_cap(kit):
    with peer(slow_http.endless_body_server()) as p:
        r = send(f"http://127.0.0.1:{p.port}/", kit.mint.user(kit.secret), timeout=2.0)
        sent = p.sent[0]
    assert r.response.truncated
    assert r.response.body_bytes == 64 * 1024
    assert sent < 64 * 1024 * 64  # reading stopped; the server was not drained


def test_secrets_are_masked_in_the_excerpt(kit, backend):
    """A server that quotes the Authorization and apikey headers back: neither comes back."""
    token = kit.mint.user(kit.secret)
    apikey = "my-own-gateway-key-0123456789"
    r = send(backend.url("/api/quote"), token, apikey=apikey, key=kit.secret)
    text = json.dumps(r.to_dict())
    for secret in (token, apikey, kit.secret, token.split(".")[2]):
        assert secret not in text
    assert "got Bearer ***" in r.response.body_excerpt
    assert r.request.headers["Authorization"].startswith("Bearer eyJh…(")


def test_a_token_no_header_can_carry_is_not_sent(kit, backend):
    r = send(backend.url("/api/me"), "sb_publishable_é" + "x" * 20)
    assert r.outcome == "not_sent"
    assert codes(r) == ["request_not_sent"]
    assert backend.hits == []


def test_refused_port(kit, refused_port):
    r = send(f"http://127.0.0.1:{refused_port}/", kit.mint.user(kit.secret))
    assert r.outcome == "failed"
    assert "connection refused" in finding(r, "request_failed").detail


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http:///nohost", "http://[::1/"])
def test_unusable_urls(kit, url):
    r = send(url, kit.mint.user(kit.secret))
    assert r.outcome == "failed"


def test_https_with_its_ca(kit, https_backend):
    backend, ca = https_backend
    backend.verifier.key = kit.secret
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret), key=kit.secret, cafile=ca)
    assert r.outcome == "accepted"


def test_https_untrusted_certificate(kit, https_backend):
    backend, _ = https_backend
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret))
    assert "not trusted" in finding(r, "request_failed").detail
    assert backend.hits == []


# --- Supabase: PostgREST, the gateway, Auth --------------------------------------------------


def test_postgrest_invalid_signature(kit, backend):
    backend.project.secret = "the-projects-real-secret-0123456789abcdef"
    r = send(
        backend.url("/rest/v1/todos"),
        kit.mint.user(kit.secret),
        apikey=PUBLISHABLE_KEY,
        key=kit.secret,
    )
    assert r.server_says.source == "postgrest"
    assert r.server_says.code == "PGRST301"
    assert r.server_says.message == "JWSError JWSInvalidSignature"
    assert 'error="invalid_token"' in r.response.headers["www-authenticate"]
    assert "server_uses_other_key" in codes(r)


def test_postgrest_expired_and_not_a_jwt(kit, backend):
    backend.project.secret = kit.secret
    old = kit.mint.user(kit.secret, exp=int(time.time()) - 10, iat=int(time.time()) - 3610)
    r = send(backend.url("/rest/v1/todos"), old, apikey=PUBLISHABLE_KEY)
    assert r.server_says.code == "PGRST303"
    assert "server_token_expired" in codes(r)
    r = send(backend.url("/rest/v1/todos"), PUBLISHABLE_KEY, apikey=PUBLISHABLE_KEY)
    assert r.server_says.message == "Expected 3 parts in JWT; got 1"
    f = finding(r, "server_cannot_read_token")
    assert "sb_" in f.detail or "publishable" in f.detail.lower()


def test_gateway_wants_an_apikey(kit, backend):
    backend.project.secret = kit.secret
    r = send(backend.url("/rest/v1/todos"), kit.mint.user(kit.secret))
    assert r.server_says.message == "No API key found in request"
    assert "apikey_missing" in codes(r)
    r = send(
        backend.url("/rest/v1/todos"), kit.mint.user(kit.secret), apikey="sb_publishable_x" * 2
    )
    assert "apikey_rejected" in codes(r)


def test_configured_apikey_goes_to_its_own_project_only(kit, backend):
    backend.project.secret = kit.secret
    config = ProjectConfig(url=backend.base, apikey=PUBLISHABLE_KEY)
    r = send(backend.url("/rest/v1/todos"), kit.mint.user(kit.secret), project_config=config)
    assert r.request.target == "supabase_rest"
    assert r.outcome == "accepted"
    assert backend.hits[-1]["Apikey"] == PUBLISHABLE_KEY
    other = ProjectConfig(url="https://zyxwvutsrqponmlkjihg.supabase.co", apikey=PUBLISHABLE_KEY)
    r = send(backend.url("/rest/v1/todos"), kit.mint.user(kit.secret), project_config=other)
    assert "Apikey" not in backend.hits[-1]


def test_hosted_url_without_an_apikey_is_warned_about():
    t = classify_url("https://abcdefghijklmnopqrst.supabase.co/rest/v1/todos")
    assert (t.kind, t.project_ref) == ("supabase_rest", "abcdefghijklmnopqrst")
    assert classify_url("http://127.0.0.1:54321/auth/v1/user").kind == "supabase_auth"
    assert classify_url("http://127.0.0.1:8000/auth/v1/user").kind == "own_api"


def test_auth_accepts_a_good_token(kit, backend):
    backend.project.secret = kit.secret
    claims = kit.mint.user_claims()
    token = kit.mint.sign(claims, kit.secret)
    r = ask_auth(token, project=backend.base, apikey=PUBLISHABLE_KEY, key=kit.secret)
    assert r.mode == "auth_check"
    assert r.request.url == backend.url("/auth/v1/user")
    assert r.outcome == "accepted"
    f = finding(r, "server_accepted")
    assert f.title == "Supabase Auth accepts the token"
    assert claims["sub"] in f.detail
    assert backend.hits[-1]["Apikey"] == PUBLISHABLE_KEY


def test_auth_verifies_with_another_key(kit, backend):
    backend.project.secret = "the-projects-real-secret-0123456789abcdef"
    r = ask_auth(
        kit.mint.user(kit.secret), project=backend.base, apikey=PUBLISHABLE_KEY, key=kit.secret
    )
    assert r.server_says.source == "auth"
    assert r.server_says.code == "bad_jwt"
    assert r.response.headers["x-sb-error-code"] == "bad_jwt"
    f = finding(r, "server_uses_other_key")
    assert f.title == "Supabase Auth verifies with another key"


def test_auth_es256_and_hs256_only(kit, backend):
    backend.project.secret = kit.secret  # no signing key: ES256 is not a method it accepts
    r = ask_auth(kit.mint.user(kit.es, "ES256"), project=backend.base, apikey=PUBLISHABLE_KEY)
    assert "signing method ES256 is invalid" in r.server_says.message
    assert "server_rejects_algorithm" in codes(r)
    backend.project.public_key = kit.es.public_pem
    r = ask_auth(kit.mint.user(kit.es, "ES256"), project=backend.base, apikey=PUBLISHABLE_KEY)
    assert r.outcome == "accepted"


def test_auth_user_and_session_gone(kit, backend):
    backend.project.secret = kit.secret
    backend.project.users = {"someone-else"}
    r = ask_auth(kit.mint.user(kit.secret), project=backend.base, apikey=PUBLISHABLE_KEY)
    assert "auth_user_not_found" in codes(r)
    backend.project.users = set()
    claims = kit.mint.user_claims()
    backend.project.ended_sessions = {claims["session_id"]}
    r = ask_auth(kit.mint.sign(claims, kit.secret), project=backend.base, apikey=PUBLISHABLE_KEY)
    assert "server_session_ended" in codes(r)


def test_auth_needs_a_user_token(kit, backend):
    backend.project.secret = kit.secret
    r = ask_auth(anon_key(kit), project=backend.base, apikey=PUBLISHABLE_KEY)
    assert r.server_says.message == "invalid claim: missing sub claim"
    f = finding(r, "server_rejected")
    assert "anon key" in f.detail


def test_auth_project_from_the_config_or_a_trusted_issuer_only(kit, backend):
    backend.project.secret = kit.secret
    config = ProjectConfig(url=backend.base, apikey=PUBLISHABLE_KEY)
    r = ask_auth(kit.mint.user(kit.secret), project_config=config)
    assert r.outcome == "accepted"
    # An issuer this tool does not know as Supabase's never chooses where the token goes.
    hostile = kit.mint.user(kit.secret, iss=backend.url("/evil/auth/v1x"))
    hits = len(backend.hits)
    r = ask_auth(hostile)
    assert r.outcome == "not_sent"
    assert codes(r) == ["auth_project_unknown"]
    assert len(backend.hits) == hits


def test_auth_project_from_a_hosted_issuer():
    r = ask_auth(
        "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJodHRwczovL2FiY2RlZmdoaWprbG1ub3BxcnN0LnN1cGFiYXNlLmNv"
        "L2F1dGgvdjEifQ.x",
        policy=ProbePolicy(allowed_hosts=("db.example.com",)),
    )
    assert r.request.url == "https://abcdefghijklmnopqrst.supabase.co/auth/v1/user"
    assert r.outcome == "blocked"


# --- shared mode: blocked before any packet --------------------------------------------------


def shared(*hosts, networks=()):
    return ProbePolicy(tuple(hosts), tuple(ipaddress.ip_network(n) for n in networks))


def test_control_the_listener_sees_a_request(kit):
    with listener() as (port, connections):
        send(f"http://127.0.0.1:{port}/", kit.mint.user(kit.secret), timeout=0.3)
        assert connections() == 1


BLOCKED = [
    ("http://127.0.0.1:{port}/", shared("*.supabase.co")),  # not on the allow-list
    ("https://127.0.0.1:{port}/", shared("*.supabase.co")),
    ("https://127.1:{port}/", shared("*")),  # a loopback literal, spelled the C resolver's way
    ("https://[::ffff:127.0.0.1]:{port}/", shared("*")),  # IPv4-mapped loopback
    ("https://localhost:{port}/", shared("localhost")),  # allowed name, loopback address
    ("https://localhost:{port}/", shared("*")),
    ("http://127.0.0.1:{port}/", shared("127.0.0.1", networks=["127.0.0.0/8"])),  # http: never
    ("https://169.254.169.254:{port}/", shared("*", networks=["169.254.0.0/16"])),  # metadata
]


@pytest.mark.parametrize("template,policy", BLOCKED)
def test_shared_mode_blocks_before_any_packet(kit, template, policy):
    with listener() as (port, connections):
        token = kit.mint.user(kit.secret)
        r = send(template.format(port=port), token, policy=policy, timeout=2)
        assert r.outcome == "blocked"
        assert codes(r) == ["request_blocked"]
        assert r.request.sent is False
        assert r.response is None
        assert connections() == 0


def test_shared_mode_auth_check_blocked(kit):
    with listener() as (port, connections):
        r = ask_auth(
            kit.mint.user(kit.secret),
            project=f"http://127.0.0.1:{port}",
            policy=shared("*.supabase.co"),
        )
        assert r.outcome == "blocked"
        assert connections() == 0


def test_shared_mode_allowed_network_over_https(kit, https_backend):
    backend, ca = https_backend
    backend.verifier.key = kit.secret
    policy = shared("localhost", networks=["127.0.0.0/8"])
    r = send(
        backend.url("/api/me"), kit.mint.user(kit.secret), key=kit.secret, policy=policy, cafile=ca
    )
    assert r.outcome == "accepted"


# --- reading answers (pure) ------------------------------------------------------------------

READINGS = [
    (
        401,
        {},
        '{"detail":"JWT validation error: Signature verification failed"}',
        "fastapi",
        "signature",
    ),
    (401, {}, '{"detail":"Not authenticated"}', "fastapi", "no_credentials"),
    (
        401,
        {},
        '{"code":"PGRST301","details":null,"hint":null,"message":"Expected 3 parts in JWT; got 1"}',
        "postgrest",
        "malformed",
    ),
    (401, {}, '{"code":"PGRST303","message":"JWT not in audience"}', "postgrest", "audience"),
    (
        401,
        {},
        '{"code":"PGRST301","message":"No suitable key or wrong key type"}',
        "postgrest",
        "key_not_found",
    ),
    (
        403,
        {"x-sb-error-code": "bad_jwt"},
        '{"code":403,"error_code":"bad_jwt","msg":"invalid JWT: unable to parse or verify signature, token signature is invalid: signing method ES256 is invalid"}',
        "auth",
        "algorithm",
    ),
    (
        403,
        {},
        '{"code":"bad_jwt","message":"invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"}',
        "auth",
        "expired",
    ),
    (
        403,
        {},
        '{"code":403,"error_code":"session_not_found","msg":"Session from session_id claim in JWT does not exist"}',
        "auth",
        "session_ended",
    ),
    (
        401,
        {},
        '{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}',
        "gateway",
        "api_key_invalid",
    ),
    (401, {"sb-error-code": "UNAUTHORIZED_INVALID_JWT_FORMAT"}, "", "edge_functions", "malformed"),
    (
        401,
        {},
        '{"code":"UNAUTHORIZED_LEGACY_JWT","message":"Invalid JWT"}',
        "edge_functions",
        "invalid",
    ),
    (
        401,
        {"www-authenticate": 'Bearer error="invalid_token", error_description="JWT expired"'},
        "",
        "www_authenticate",
        "expired",
    ),
    (401, {}, "jwt.exceptions.InvalidAudienceError: Invalid audience", "text", "audience"),
    (
        401,
        {},
        '{"error":"invalid_token","error_description":"Token is missing the \\"aud\\" claim"}',
        "json",
        "audience_missing",
    ),
    (500, {}, '{"code":"PGRST300","message":"Server lacks JWT secret"}', "postgrest", None),
]


@pytest.mark.parametrize("status,headers,body,source,reason", READINGS)
def test_reading_answers(status, headers, body, source, reason):
    says = read_answer(status, headers, body)
    assert (says.source, says.reason) == (source, reason)


def test_an_answer_that_says_nothing():
    assert read_answer(200, {}, "[]") is None
    assert read_answer(404, {}, "<html>" + "x" * 3000) is None


def test_every_request_code_has_a_title():
    from inspector.endpoint import codes as request_codes
    from inspector.findings import make

    defined = [v for k, v in vars(request_codes).items() if k.isupper() and isinstance(v, str)]
    assert len(defined) >= 20
    for code in defined:
        assert make(code, "detail", status=500, alg="ES256", aud="authenticated").title


def test_token_fields_missing_are_dropped(kit, backend):
    backend.verifier.key = kit.secret
    token = kit.mint.user(kit.secret, sub=DROP)
    r = send(backend.url("/api/me"), token, key=kit.secret)
    assert r.outcome == "accepted"


def test_the_explainer_reads_the_body(kit, backend):
    """The explainer's vocabulary for the same answer (inspector.explain)."""
    backend.verifier.key = anon_key(kit)
    r = send(backend.url("/api/me"), kit.mint.user(kit.secret), key=kit.secret)
    assert "jwt_signature_failed" in [m["code"] for m in r.explained]
    assert "token" not in r.explained[0]


def test_endless_headers_are_cut_by_the_response_cap(kit):
    with peer(slow_http.endless_headers_server()) as p:
        start = time.monotonic()
        r = send(f"http://127.0.0.1:{p.port}/", kit.mint.user(kit.secret), timeout=3)
    assert time.monotonic() - start < 2
    assert "larger than" in finding(r, "request_failed").detail
