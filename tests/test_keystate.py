"""The project's signing-key state from its JWKS (issue 13 §2), against the real loopback key
server: legacy secret only (an empty JWKS), current and standby keys, a token whose kid is no
longer published (rotated away, revoked), each with its advice."""

from __future__ import annotations

import pytest

from inspector.tokens import inspect_token, keystate
from inspector.tokens.fetch import MAX_TTL, clear_cache
from inspector.tokens.keys import read_jwks
from tests.fixtures.jwks_server import SUPABASE_JWKS_PATH
from tests.fixtures.keys import make_keypair


@pytest.fixture(scope="module")
def new_key():
    """The key a rotation moves to."""
    return make_keypair("ES256")


def codes(report) -> list[str]:
    return report.finding_codes()


def finding(report, code):
    return next(f for f in report.findings if f.code == code)


def check(token, server):
    return inspect_token(token, discover=True, cafile=server.cafile)


def test_legacy_secret_only(kit, keyserver):
    keyserver.publish()  # {"keys": []}: what Auth serves for a legacy-only project
    r = check(kit.mint.user(kit.secret, iss=keyserver.supabase_issuer), keyserver)
    f = finding(r, "legacy_secret_only")
    assert f.severity.value == "info" and keyserver.jwks_url in f.detail
    assert "Migrate JWT secret" in f.fix and "getClaims()" in f.fix and "PyJWKClient" in f.fix
    assert r.to_dict()["key_state"]["state"] == "legacy_secret_only"
    assert r.signature.status == "not_checked"  # no JWKS holds the legacy secret
    assert keyserver.hits(SUPABASE_JWKS_PATH) == 1


def test_asymmetric_token_against_an_empty_jwks(kit, keyserver):
    keyserver.publish()
    r = check(kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer), keyserver)
    assert r.signature.status == "key_not_found"
    f = finding(r, "kid_not_published")
    assert kit.es.kid in f.detail and "PyJWKSetError" in f.detail
    # said once, by the key-state finding: not key_not_found / jwks_empty beside it
    assert not {"key_not_found", "jwks_empty"} & set(codes(r))
    assert r.headline.code == "kid_not_published"


def test_rotation_current_standby_then_revoked(kit, keyserver, new_key):
    """Standby created (both published) -> token of the old key still verifies, the other key
    is named; old key revoked (only the new one) -> its tokens' kid is no longer published."""
    old_token = kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer)
    keyserver.publish(kit.es, new_key)
    r = check(old_token, keyserver)
    assert r.signature.status == "valid"
    f = finding(r, "signing_keys_standby")
    assert new_key.kid in f.detail and f"lifespan={int(MAX_TTL)}" in f.fix
    assert r.to_dict()["key_state"] == {
        "state": "signing_keys",
        "jwks_url": keyserver.jwks_url,
        "kids": [kit.es.kid, new_key.kid],
        "token_kid": kit.es.kid,
        "others": [new_key.kid],
    }

    keyserver.publish(new_key)  # rotated, and the old key revoked
    clear_cache()  # as a verifier whose cached JWKS expired
    r = check(old_token, keyserver)
    assert r.signature.status == "key_not_found"
    f = finding(r, "kid_not_published")
    assert kit.es.kid in f.detail and new_key.kid in f.detail
    assert "fresh token" in f.fix and "20 min" in f.fix
    # a token of the new key verifies
    r = check(kit.mint.user(new_key, "ES256", iss=keyserver.supabase_issuer), keyserver)
    assert r.signature.status == "valid" and "signing_keys_standby" not in codes(r)


def test_until_the_cache_expires_the_old_jwks_is_used(kit, keyserver, new_key):
    """The answer is cached for its max-age: a rotation is seen once it expires (like every
    verifier's cache), not at once."""
    old_token = kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer)
    keyserver.publish(kit.es)
    assert check(old_token, keyserver).signature.status == "valid"
    keyserver.publish(new_key)
    assert check(old_token, keyserver).signature.status == "valid"  # cached
    assert keyserver.hits(SUPABASE_JWKS_PATH) == 1


def test_hmac_token_while_the_project_has_signing_keys(kit, keyserver):
    r = check(kit.mint.user(kit.secret, iss=keyserver.supabase_issuer), keyserver)
    f = finding(r, "signing_keys_standby")
    assert (
        f.title == "The project has signing keys, but this token is signed with the legacy secret"
    )
    assert kit.es.kid in f.detail and kit.rs.kid in f.detail
    assert "getClaims()" in f.fix and "lifetime + 15 min" in f.fix


def test_key_state_is_pure():
    jwks = read_jwks({"keys": []}, "JWKS")
    state, found = keystate.key_state(jwks, "HS256", None, "https://x/jwks.json")
    assert state.state == "legacy_secret_only" and [f.code for f in found] == ["legacy_secret_only"]
    one = make_keypair("ES256")
    jwks = read_jwks({"keys": [one.jwk]}, "JWKS")
    state, found = keystate.key_state(jwks, "ES256", one.kid, "https://x/jwks.json")
    assert state.state == "signing_keys" and found == []
    state, found = keystate.key_state(jwks, "ES256", "gone", "https://x/jwks.json")
    assert state.state == "kid_not_published" and state.kids == (one.kid,)
