"""What a pasted text is (api.md's KIND), and what a pasted key is."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from inspector import supabase
from inspector.shapes import looks_like_connection_string
from inspector.tokens.clean import remove_invisible
from inspector.tokens.decode import loads

KINDS = (
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
)

_ANY_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_B64URL_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")
_SECRETISH = re.compile(r"^[\x21-\x7e]{16,512}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# Issuer families of other identity providers: (pattern on iss, name).
ISSUER_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^https://securetoken\.google\.com/"), "Firebase Auth"),
    (re.compile(r"^(https://)?accounts\.google\.com/?$"), "Google"),
    (re.compile(r"^https://[^/]+\.auth0\.com/"), "Auth0"),
    (re.compile(r"^https://[^/]+\.clerk\.accounts\.dev"), "Clerk"),
    (re.compile(r"^https://clerk\.[^/]+"), "Clerk"),
    (re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/"), "AWS Cognito"),
    (re.compile(r"^https://login\.microsoftonline\.com/"), "Microsoft Entra ID (Azure AD)"),
    (re.compile(r"^https://sts\.windows\.net/"), "Microsoft Entra ID (Azure AD)"),
    (re.compile(r"^https://[^/]+\.(okta|oktapreview)\.com"), "Okta"),
    (re.compile(r"^https?://[^/]+(/auth)?/realms/[^/]+"), "Keycloak"),
    (re.compile(r"^https://[^/]+\.kinde\.com"), "Kinde"),
    (re.compile(r"^https://appleid\.apple\.com"), "Sign in with Apple"),
    (re.compile(r"^https://token\.actions\.githubusercontent\.com"), "GitHub Actions OIDC"),
    (re.compile(r"^https://[^/]+\.stytch\.com"), "Stytch"),
)


def issuer_family(iss: object) -> str | None:
    if not isinstance(iss, str):
        return None
    for rx, name in ISSUER_FAMILIES:
        if rx.match(iss):
            return name
    return None


def is_supabase_issuer(iss: object) -> bool:
    if not isinstance(iss, str):
        return False
    return iss in ("supabase", "supabase-demo") or iss.rstrip("/").endswith("/auth/v1")


def looks_like_jwt(text: str) -> bool:
    """eyJ... with a dot, or with an ellipsis (a shortened display of a token: eyJhbGci…)."""
    return text.startswith("eyJ") and ("." in text or "\u2026" in text)


@dataclass(frozen=True)
class RefreshToken:
    """A refresh token of Supabase Auth, and what its format says."""

    format: str  # "base32" (12 chars), "base64" (22 chars, Auth <= v2.170), "v2"
    session_id: str | None = None  # v2: the session it refreshes (the access token's session_id)
    counter: int | None = None  # v2: how many times the session was refreshed
    checksum_ok: bool = True  # v2: Auth refuses a token whose checksum does not match


def refresh_token(text: str) -> RefreshToken | None:
    """The refresh token this text is, in any format Supabase Auth issues, or None."""
    if supabase.LEGACY_REFRESH_RE.match(text):
        return RefreshToken("base32")
    if supabase.OLD_REFRESH_RE.match(text):
        return RefreshToken("base64")
    return _v2_refresh_token(text)


def _v2_refresh_token(text: str) -> RefreshToken | None:
    """Auth's v2 refresh token (internal/crypto/refresh_tokens.go): unpadded base64url of
    0x00 || 16-byte session UUID || uvarint counter || 16-byte HMAC || 4-byte SHA-256 checksum
    (38 to 46 bytes). A token of that shape whose checksum fails is still one (a typo, a cut)."""
    if not 48 <= len(text) <= 64 or not _B64URL_CHARS.match(text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if not 38 <= len(raw) <= 46 or raw[0] != 0:
        return None
    checksum_ok = hashlib.sha256(raw[:-4]).digest()[:4] == raw[-4:]
    counter, used = _uvarint(raw[17:-20])
    if not checksum_ok or counter is None or 17 + used != len(raw) - 20:
        return RefreshToken("v2", checksum_ok=False)
    return RefreshToken("v2", str(uuid.UUID(bytes=raw[1:17])), counter)


def _uvarint(data: bytes) -> tuple[int | None, int]:
    """Go's binary.Uvarint: (value, bytes read); (None, 0) when it does not end in data."""
    value = 0
    for i, byte in enumerate(data[:10]):
        value |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            return (value, i + 1) if value < 2**63 else (None, 0)
    return None, 0


def jwt_kind(claims: dict[str, Any] | None) -> str:
    """The kind of a JWT whose payload decoded."""
    if not isinstance(claims, dict):
        return "jwt"
    role = claims.get("role")
    iss = claims.get("iss")
    sub = claims.get("sub")
    if role in ("anon", "service_role") and not sub and "session_id" not in claims:
        if iss is None or iss in ("supabase", "supabase-demo") or "ref" in claims:
            return "supabase_anon_key" if role == "anon" else "supabase_service_role_key"
        if is_supabase_issuer(iss):
            return "supabase_anon_key" if role == "anon" else "supabase_service_role_key"
    supabase_iss = isinstance(iss, str) and iss.rstrip("/").endswith("/auth/v1")
    if sub and (
        "session_id" in claims
        or (supabase_iss and role in ("authenticated", "anon", "service_role"))
        or (role == "authenticated" and "aal" in claims)
        or (role == "authenticated" and "is_anonymous" in claims)
    ):
        return "supabase_user_token"
    return "jwt"


def text_kind(text: str) -> str | None:
    """The kind of a non-JWT text, or None when it should be decoded as a JWT."""
    if not text:
        return "unknown"
    if text.startswith(supabase.PUBLISHABLE_PREFIX):
        return "supabase_publishable_key"
    if text.startswith(supabase.SECRET_PREFIX):
        return "supabase_secret_key"
    if text.startswith(supabase.PERSONAL_TOKEN_PREFIX) and " " not in text:
        return "supabase_access_token_personal"
    if looks_like_jwt(text) and "://" not in text:
        return None
    if looks_like_connection_string(text):
        return "connection_string"
    if looks_like_jwt(text) or text.count(".") in (2, 4) and " " not in text:
        return None
    if refresh_token(text) is not None:
        return "supabase_refresh_token"
    if text in supabase.KNOWN_PUBLIC_SECRETS:
        return "jwt_secret"
    if key_shape(text) in ("pem_public_key", "pem_private_key", "certificate", "jwk", "jwks"):
        return "unknown"
    if _SECRETISH.match(text) and (_UUID.match(text) or _entropy_ok(text)):
        return "jwt_secret"
    return "unknown"


def _entropy_ok(text: str) -> bool:
    """A random-looking single word: at least 10 distinct characters, and letters with digits
    or symbols (a sentence or a plain word is not a secret)."""
    return len(set(text)) >= 10 and any(c.isalpha() for c in text) and not text.isalpha()


def key_shape(text: str) -> str | None:
    """What a pasted key is, without parsing it fully (the env-check uses this too).

    One of: "jwt", "publishable_key", "secret_key", "personal_access_token", "pem_public_key",
    "pem_private_key", "certificate", "jwk", "jwks" (also a JSON array of JWKs), "jwks_url",
    "url", "hmac_secret";
    None for empty text.
    """
    t = remove_invisible(text or "")[0].strip()  # what the service reads, after cleaning
    if not t:
        return None
    if t.startswith("-----BEGIN"):
        head = t[:40].upper()
        if "CERTIFICATE" in head:
            return "certificate"
        if "PRIVATE" in head:
            return "pem_private_key"
        return "pem_public_key"
    if t.startswith("ssh-") or t.startswith("ecdsa-sha2-"):
        return "pem_public_key"
    if t.startswith(("{", "[")):
        try:
            obj = loads(t)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            if isinstance(obj.get("keys"), list):
                return "jwks"
            if "kty" in obj:
                return "jwk"
        if isinstance(obj, list) and obj and all(isinstance(k, dict) and "kty" in k for k in obj):
            return "jwks"  # a JSON array of JWKs: the CLI's signing_keys.json
    if _ANY_URL.match(t):
        return "jwks_url" if "jwks" in t.lower() or "/.well-known/" in t else "url"
    stripped = t.strip("\"'")
    if stripped.startswith("eyJ") and stripped.count(".") == 2:
        return "jwt"
    if stripped.startswith(supabase.PUBLISHABLE_PREFIX):
        return "publishable_key"
    if stripped.startswith(supabase.SECRET_PREFIX):
        return "secret_key"
    if stripped.startswith(supabase.PERSONAL_TOKEN_PREFIX):
        return "personal_access_token"
    return "hmac_secret"


def classify_secret(text: str | None) -> str | None:
    """Alias of key_shape for callers that hold a would-be SUPABASE_JWT_SECRET."""
    return key_shape(text or "")
