"""The token minter's vocabulary: what it makes (KINDS) and its finding codes (area "mint"),
each defined once. Light: no PyJWT here (the CLI's options read it)."""

from __future__ import annotations

from inspector import supabase
from inspector.findings import define

KINDS = ("user", "anon", "service_role", "resign")
KIND_WORDS = {
    "user": "a Supabase user token",
    "anon": "an anon key",
    "service_role": "a service_role key",
    "resign": "the pasted token, re-signed",
}
MAX_LIFETIME = supabase.LEGACY_KEY_LIFETIME  # 10 years either way (negative: already expired)


def _d(code: str, severity: str, title: str, fix: str | None = None) -> str:
    return define(code, severity, title, fix, area="mint")


MINTED = _d("minted", "info", "A test token was signed", None)
MINT_RESIGNED = _d(
    "mint_resigned",
    "info",
    "The pasted token was re-signed",
    "Its old signature is gone: it now verifies only with the key it was re-signed with.",
)
MINT_KEY_MISSING = _d(
    "mint_key_missing",
    "error",
    "There is no key to sign with",
    "Paste the JWT secret (HS256), or a private key: PEM (-----BEGIN PRIVATE KEY-----) or a "
    "private JWK (with its d), e.g. from `supabase gen signing-key`.",
)
MINT_KEY_UNREADABLE = _d(
    "mint_key_unreadable",
    "error",
    "The signing key cannot be read",
    "Paste an HMAC secret as text, an unencrypted PEM private key, or a private JWK or JWKS "
    "(JSON with kty, and d).",
)
MINT_KEY_NOT_PRIVATE = _d(
    "mint_key_not_private",
    "error",
    "A public key cannot sign",
    "Signing needs the private half: a PEM private key or a JWK with its d member (from "
    "`supabase gen signing-key`, or your signing_keys.json). The public key only verifies.",
)
MINT_ALG_MISMATCH = _d(
    "mint_alg_mismatch",
    "error",
    "The algorithm asked for does not fit the key",
    "Leave the algorithm empty: the key decides it (an HMAC secret HS256, an EC P-256 key "
    "ES256, an RSA key RS256).",
)
MINT_CLAIMS_INVALID = _d(
    "mint_claims_invalid",
    "error",
    "The claims are not a JSON object",
    'Write the claims as one JSON object, e.g. {"role": "authenticated", "sub": "..."}.',
)
MINT_TOKEN_UNREADABLE = _d(
    "mint_token_unreadable",
    "error",
    "The token to re-sign does not decode",
    "Paste a whole JWT (header.payload.signature) whose header and payload are JSON objects.",
)
MINT_KID_MISSING = _d(
    "mint_kid_missing",
    "warning",
    "The token has no kid",
    "JWKS verifiers (PyJWKClient, supabase-js getClaims, jose's createRemoteJWKSet) pick the key "
    "by kid: give the key's kid (the JWK's kid, or the one in your JWKS).",
)
MINT_NOT_VERIFIED = _d(
    "mint_not_verified",
    "error",
    "The token made does not verify with its own key",
    None,
)
