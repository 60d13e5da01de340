"""Forgeable tokens found without any key (issue 13 §2): an HS* token signed with a publicly known
secret (the local CLI stack's, the self-hosting example's, jwt.io's defaults) or a common weak
word from the bundled list is a valid signature and an error finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector import supabase
from inspector.tokens import forgeable, inspect_token
from tests.fixtures.keys import Minter

VECTORS = json.loads((Path(__file__).parent / "fixtures/vectors/jwtio.json").read_text())


def codes(report) -> list[str]:
    return report.finding_codes()


@pytest.mark.parametrize(
    "secret,source",
    [
        (supabase.LOCAL_CLI_JWT_SECRET, "local stack"),
        (supabase.SELF_HOST_JWT_SECRET, "self-hosting example"),
        ("a-string-secret-at-least-256-bits-long", "jwt.io"),
        ("your-256-bit-secret", "jwt.io"),
    ],
)
def test_published_secret_is_forgeable(mint: Minter, secret, source):
    r = inspect_token(mint.user(secret), public_secrets=True)
    assert r.signature.status == "valid"
    assert r.signature.key_used == "public_secret"
    assert source in r.signature.key  # described, as any key is
    f = next(f for f in r.findings if f.code == "forgeable_secret")
    assert f.severity.value == "error"
    assert secret in f.detail  # a published secret is named: it is no secret
    assert r.has_errors()
    assert r.headline.text.startswith("Signature valid, but anyone can mint this token")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_weak_word_is_forgeable_and_masked(mint: Minter, alg):
    r = inspect_token(
        mint.sign({"sub": "1", "role": "authenticated"}, "changeme", alg), public_secrets=True
    )
    f = next(f for f in r.findings if f.code == "forgeable_secret")
    assert f.title == "Anyone can mint this token: it is signed with a common weak secret"
    assert "changeme" not in f.detail and '"ch…"' in f.detail
    assert "changeme" not in json.dumps(r.to_dict())  # never echoed
    assert r.signature.status == "valid" and r.signature.algorithm == alg


def test_jwt_io_vectors_are_forgeable():
    for name in ("HS256", "HS256 (earlier default)"):
        r = inspect_token(VECTORS["vectors"][name]["token"], public_secrets=True)
        assert "forgeable_secret" in codes(r), name


def test_the_published_demo_keys_are_forgeable():
    for key in supabase.KNOWN_DEMO_KEYS:
        r = inspect_token(key, public_secrets=True)
        assert {"known_demo_key", "forgeable_secret"} <= set(codes(r))


def test_a_random_secret_is_not_found(kit):
    r = inspect_token(kit.mint.user(kit.secret), public_secrets=True)
    assert "forgeable_secret" not in codes(r)
    assert r.signature.status == "not_checked"


def test_off_by_default_and_never_with_a_key(mint: Minter, kit):
    token = mint.user(supabase.LOCAL_CLI_JWT_SECRET)
    assert "forgeable_secret" not in codes(inspect_token(token))
    # A key given is what the token is checked with: the known secret says known_public_secret
    r = inspect_token(token, key=kit.secret, public_secrets=True)
    assert "forgeable_secret" not in codes(r) and r.signature.status == "invalid"


def test_asymmetric_tokens_are_not_tried(kit):
    r = inspect_token(kit.mint.user(kit.es, "ES256"), public_secrets=True)
    assert "forgeable_secret" not in codes(r)


@pytest.mark.parametrize("token", ["", "a.b", "eyJhbGciOiJIUzI1NiJ9.e30.!!!", "x.y.AAAA"])
def test_find_secret_on_junk(token):
    assert forgeable.find_secret(token, "HS256") is None


def test_the_bundled_list_is_small_and_loads():
    words = forgeable.weak_words()
    assert 100 <= len(words) <= 400
    assert "secret" in words and "changeme" in words
    assert len(set(words)) == len(words)
    published = {s.secret for s in forgeable.public_secrets() if s.published}
    assert set(supabase.KNOWN_PUBLIC_SECRETS) <= published
