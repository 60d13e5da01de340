"""Texts that are not JWTs: sb_ keys, refresh tokens, secrets, connection strings, keys.

One table: for each kind, what it is in words (for the signature's detail) and the rules that
explain it. Each rule returns its finding, or None when it does not apply to this text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inspector import supabase
from inspector.findings import Finding, make
from inspector.textutil import url_scheme
from inspector.tokens import codes
from inspector.tokens.classify import key_shape, refresh_token
from inspector.tokens.decode import loads

Rule = Callable[[str], Finding | None]

_KEY_WORDS = {
    "pem_public_key": "a public key",
    "pem_private_key": "a PRIVATE key",
    "certificate": "a certificate",
    "jwk": "a JWK",
    "jwks": "a JWKS",
}


def _api_key_not_jwt(text: str) -> Finding:
    which = "publishable" if text.startswith(supabase.PUBLISHABLE_PREFIX) else "secret"
    return make(
        codes.API_KEY_NOT_JWT,
        f"This is an sb_{which}_ key ({len(text)} characters). PyJWT says DecodeError: Not "
        "enough segments; PostgREST answers 'Expected 3 parts in JWT; got 1' when it is sent as "
        "a Bearer token.",
    )


def _secret_key_bypasses_rls(text: str) -> Finding:
    detail = "sb_secret_ keys act as service_role: they bypass Row Level Security."
    return codes.SECRET_KEY_BYPASSES_RLS.make(detail)


def _cli_default_key(text: str) -> Finding | None:
    if text not in (supabase.LOCAL_CLI_PUBLISHABLE_KEY, supabase.LOCAL_CLI_SECRET_KEY):
        return None
    return make(codes.KNOWN_DEMO_KEY, "It is the Supabase CLI local stack's default key.")


def _refresh_format(text: str) -> str:
    """Which of Supabase Auth's refresh-token formats this is, in words (reference §13.4)."""
    found = refresh_token(text)
    if found is None or found.format == "base32":
        if supabase.REFRESH_BASE32_RE.match(text):
            return (
                "12 characters of lowercase base32: a refresh token as Auth issues it since "
                "v2.171.0"
            )
        return "12 lowercase letters and digits: the shape Auth's refresh grant accepts"
    if found.format == "base64":
        return (
            "22 base64url characters (16 random bytes): a refresh token as Auth up to v2.170 "
            "issued it. Auth v2.181.0 and later refuse this format before looking it up "
            "(400 validation_failed 'Refresh token is not valid'): sign in again for a new one"
        )
    if not found.checksum_ok:
        return (
            f"{len(text)} characters: a v2 refresh token (Auth v2.181.0 and later, opt-in) whose "
            "checksum does not match, so a character changed or was cut: Auth answers "
            "'Refresh token is not valid'"
        )
    return (
        f"{len(text)} characters: a v2 refresh token (Auth v2.181.0 and later, opt-in) of session "
        f"{found.session_id} (the access token's session_id), refreshed {found.counter} "
        f"time{'s' if found.counter != 1 else ''}"
    )


def _refresh_token(text: str) -> Finding:
    return make(
        codes.REFRESH_TOKEN_NOT_ACCESS,
        f"{_refresh_format(text)}. No dots: PyJWT says DecodeError: Not enough segments.",
    )


def _personal_access_token(text: str) -> Finding:
    detail = "sbp_ tokens act as your account on every project: not a project API key."
    return make(codes.PERSONAL_ACCESS_TOKEN, detail)


def _secret_not_token(text: str) -> Finding:
    detail = f"This looks like an HMAC secret ({len(text.encode())} bytes), not a token."
    return codes.SECRET_NOT_TOKEN.make(detail)


def _known_public_secret(text: str) -> Finding | None:
    if text not in supabase.KNOWN_PUBLIC_SECRETS:
        return None
    detail = f"It is the JWT secret of {supabase.KNOWN_PUBLIC_SECRETS[text]}."
    return make(codes.KNOWN_PUBLIC_SECRET, detail)


def _connection_string(text: str) -> Finding:
    scheme = url_scheme(text) if "://" in text else "key=value"
    detail = f"This is a Postgres connection string ({scheme or 'key=value'}), not a token."
    return codes.CONNECTION_STRING_NOT_TOKEN.make(detail)


def _key_not_token(text: str) -> Finding:
    what = _KEY_WORDS[key_shape(text) or "pem_public_key"]
    return codes.KEY_NOT_TOKEN.make(f"This is {what}, which verifies tokens; it is not one.")


def _private_key(text: str) -> Finding | None:
    """key_is_private: a private PEM, or a JWK (or JWKS) with a private part, as the token."""
    shape = key_shape(text)
    if shape == "pem_private_key":
        return make(codes.KEY_IS_PRIVATE, "The Token box holds a PEM private key.")
    if shape not in ("jwk", "jwks"):
        return None
    try:
        doc = loads(text.strip())
    except ValueError:
        return None
    jwks = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else doc
    jwks = jwks if isinstance(jwks, list) else [jwks]
    if any(isinstance(k, dict) and k.get("kty") != "oct" and "d" in k for k in jwks):
        return make(codes.KEY_IS_PRIVATE, "The Token box holds a JWK with its private part (`d`).")
    return None


def _no_token(text: str) -> Finding:
    detail = "Nothing was pasted (or only whitespace, quotes or a Bearer prefix)."
    return codes.NO_TOKEN.make(detail)


def _no_dots(text: str) -> Finding:
    return make(
        codes.MALFORMED_TOKEN,
        f"{len(text)} characters with no dots: not a JWT (header.payload.signature), nor an sb_ "
        "key, a refresh token or a connection string. PyJWT says DecodeError: Not enough "
        "segments.",
    )


@dataclass(frozen=True)
class NotAJwt:
    what: str  # in words, for the signature's detail
    rules: tuple[Rule, ...]


# kind (api.md's KIND; "unknown" split into key / empty / other) -> what it is and its rules
NOT_A_JWT: dict[str, NotAJwt] = {
    "supabase_publishable_key": NotAJwt(
        "an sb_publishable_ API key", (_api_key_not_jwt, _cli_default_key)
    ),
    "supabase_secret_key": NotAJwt(
        "an sb_secret_ API key", (_api_key_not_jwt, _secret_key_bypasses_rls, _cli_default_key)
    ),
    "supabase_refresh_token": NotAJwt("a refresh token", (_refresh_token,)),
    "supabase_access_token_personal": NotAJwt("a personal access token", (_personal_access_token,)),
    "jwt_secret": NotAJwt("a secret", (_secret_not_token, _known_public_secret)),
    "connection_string": NotAJwt("a connection string", (_connection_string,)),
    "key": NotAJwt("not a token", (_key_not_token, _private_key)),
    "empty": NotAJwt("not a token", (_no_token,)),
    "unknown": NotAJwt("not a token", (_no_dots,)),
}


def _entry(kind: str, text: str) -> NotAJwt:
    if kind == "unknown":
        if key_shape(text) in _KEY_WORDS:
            return NOT_A_JWT["key"]
        if not text:
            return NOT_A_JWT["empty"]
    return NOT_A_JWT.get(kind, NOT_A_JWT["unknown"])


def not_a_jwt(kind: str, text: str) -> tuple[str, list[Finding]]:
    """(what the text is, in words; its findings) for a text of a non-JWT kind."""
    entry = _entry(kind, text)
    found = (rule(text) for rule in entry.rules)
    return entry.what, [f for f in found if f is not None]
