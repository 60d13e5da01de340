"""Claims explained in a sentence each, and times in UTC and relative to now."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

HEADER_NOTES: dict[str, str] = {
    "alg": "Signing algorithm the token claims. A verifier must fix the list itself "
    "(algorithms=[...]) and never trust this field.",
    "typ": "Media type: JWT.",
    "kid": "Key ID: which key signed the token. Supabase signing keys use a UUID; legacy "
    "HS256 user tokens carry a short kid of the legacy secret.",
    "cty": "Content type of the payload (only for nested tokens).",
    "jku": "A URL of keys chosen by the token itself: never fetch it to verify.",
    "x5u": "A certificate URL chosen by the token itself: never fetch it to verify.",
    "jwk": "A key embedded by the token itself: never verify with it.",
    "x5c": "A certificate chain embedded in the token.",
    "crit": "Header fields the verifier must understand, or reject the token.",
}

CLAIM_NOTES: dict[str, str] = {
    "iss": "Issuer: who created the token. Supabase Auth uses https://<ref>.supabase.co/auth/v1; "
    'legacy API keys use "supabase" ("supabase-demo" for the demo keys).',
    "sub": "Subject: the user's ID (auth.users.id); auth.uid() in RLS policies.",
    "aud": 'Audience: who the token is for. Supabase user tokens say "authenticated"; PyJWT '
    "needs audience= to match it.",
    "exp": "Expires at: after this time the token must be refused.",
    "nbf": "Not before: the token must be refused before this time.",
    "iat": "Issued at: when the token was created.",
    "jti": "Token ID: a unique identifier for this token.",
    "role": "The Postgres role PostgREST switches to: anon, authenticated or service_role.",
    "ref": "The project ref (legacy API keys only): the project this key belongs to.",
    "session_id": "The Auth session this token belongs to (auth.sessions.id); signing out ends it.",
    "email": "The user's email address at the time of issue.",
    "phone": "The user's phone number at the time of issue.",
    "app_metadata": "Metadata only the server can set (provider, providers, custom claims): "
    "safe to use in RLS.",
    "user_metadata": "Metadata the user can change themselves: never trust it in RLS.",
    "aal": "Authenticator assurance level: aal1 = one factor, aal2 = MFA passed.",
    "amr": "Authentication methods used, with timestamps (password, otp, oauth, anonymous, ...).",
    "is_anonymous": "True for users from signInAnonymously(): they still get the authenticated "
    "role.",
    "client_id": "The OAuth client the session was issued to (Supabase OAuth server).",
    "scope": "OAuth scopes granted to the client.",
    "azp": "Authorized party: the client the token was issued to.",
    "nonce": "Value tying an ID token to the sign-in request.",
    "auth_time": "When the user authenticated.",
    "email_verified": "Whether the email address was verified.",
    "name": "The user's display name.",
    "scp": "Scopes granted (Azure AD style).",
    "tid": "Tenant ID (Azure AD).",
    "oid": "Object ID of the user (Azure AD).",
    "firebase": "Firebase sign-in details.",
    "user_id": "The user's ID (Firebase).",
    "sid": "Session ID.",
    "org_id": "Organization ID.",
    "token_use": "Cognito: access or id token.",
    "cognito:groups": "Cognito groups of the user.",
}

TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time", "updated_at")


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def iso(ts: float) -> str | None:
    """UTC ISO 8601 with a Z; None when the number is no representable time."""
    try:
        if 0 <= ts < 253_402_300_800:  # fast path up to year 9999 (gmtime is C)
            return "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*time.gmtime(ts)[:6])
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def span(seconds: float) -> str:
    """3 h 12 min, 2 d 4 h, 10 y 0 d, 45 s."""
    s = int(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, sec = divmod(s, 60)
        return f"{m} min" + (f" {sec} s" if sec and m < 10 else "")
    if s < 86400:
        h, rem = divmod(s, 3600)
        return f"{h} h" + (f" {rem // 60} min" if rem // 60 else "")
    if s < 365 * 86400:
        d, rem = divmod(s, 86400)
        return f"{d} d" + (f" {rem // 3600} h" if rem // 3600 else "")
    y, rem = divmod(s, 31_557_600)
    d = round(rem / 86400)
    if d >= 365:
        y, d = y + 1, 0
    return f"{y} y" + (f" {d} d" if d else "")


def relative(ts: float, now: float, claim: str = "") -> str:
    delta = ts - now
    if abs(delta) < 1:
        return "now"
    if claim == "exp":
        return f"expires in {span(delta)}" if delta > 0 else f"expired {span(delta)} ago"
    if claim == "nbf":
        return f"valid in {span(delta)}" if delta > 0 else f"valid since {span(delta)} ago"
    if claim == "iat":
        return f"issued {span(delta)} ago" if delta < 0 else f"issued {span(delta)} in the future"
    return f"in {span(delta)}" if delta > 0 else f"{span(delta)} ago"


def time_entry(value: Any, now: float, claim: str) -> dict[str, Any] | None:
    if not is_number(value):
        return None
    ts = float(value)
    if claim == "exp" and ts > 1e11:
        # milliseconds: show the intended time too
        return {
            "value": value,
            "iso": iso(ts) or "beyond year 9999",
            "relative": f"as seconds: year {_year(ts)}; as milliseconds: {iso(ts / 1000)}",
        }
    text = iso(ts)
    if text is None:
        return {"value": value, "iso": "out of range", "relative": "not a usable time"}
    return {"value": value, "iso": text, "relative": relative(ts, now, claim)}


def _year(ts: float) -> str:
    return str(int(1970 + ts / 31_557_600))


def times(claims: dict[str, Any] | None, now: float) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(claims, dict):
        return out
    for name in ("iat", "nbf", "exp"):
        if name in claims:
            entry = time_entry(claims[name], now, name)
            if entry:
                out[name] = entry
    return out


def explain(claims: dict[str, Any] | None, notes: dict[str, str]) -> dict[str, str]:
    if not isinstance(claims, dict):
        return {}
    return {k: notes[k] for k in claims if k in notes}
