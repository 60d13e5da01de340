"""One place that masks secrets, for pages, JSON, logs and errors."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

# A JWT (3 parts) or a JWE (5 parts): a base64url JSON header starting `{"`, then dot parts.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){1,4}")
_SB_KEY = re.compile(r"(?<![A-Za-z0-9])(sb_(?:publishable|secret)_|sbp_)[A-Za-z0-9_-]{6,}")
# user:password@ in a URI. Greedy to the last "@" of the run: an unencoded "@" in the password
# (a common mistake this tool diagnoses) must not leave the password's tail visible.
_URI_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)(\S*)(@)")
# password= and sslpassword= (the client key's passphrase), as key=value or in a URI query.
_KW_PASSWORD = re.compile(r"(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")
_JSON_SECRET = re.compile(
    r'(?i)("(?:password|sslpassword|secret|token|key|access_token|refresh_token|apikey|api_key)"'
    r'\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")'
)
# NAME=value where the name says it holds a secret (.env lines, PGPASSWORD=..., shell exports).
_ENV_SECRET = re.compile(
    r"(?im)^(\s*(?:export\s+)?[A-Z0-9_]*(?:SECRET|KEY|PASSWORD|PASSWD|PWD|TOKEN|DATABASE_URL)"
    r"[A-Z0-9_]*\s*=\s*)(\S.*)$"
)
_BEARER = re.compile(r"(?i)(\b(?:bearer|basic)\s+)([A-Za-z0-9._~+/=-]{8,})")
# The query string of a request line or URL path: forms are POST, but a link may carry one.
_QUERY = re.compile(r"((?:^|[\s\"'(])/[^\s?\"']*)\?[^\s\"']+")


def mask_secret(value: str | None, keep: int = 4) -> str:
    """`eyJh…(212 chars)`: enough to recognise, never enough to use."""
    if not value:
        return ""
    if len(value) <= keep * 3:
        return MASK
    return f"{value[:keep]}…({len(value)} chars)"


def redact_text(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """Mask JWTs, sb_ keys, connection-string passwords and any given secret in free text."""
    out = text
    # Known secrets first, longest first, so a shorter one inside a longer one cannot leave
    # the rest of the longer one behind.
    for s in sorted({s for s in extra_secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(s, MASK)
    out = _JWT.sub(lambda m: mask_secret(m.group(0)), out)
    out = _SB_KEY.sub(lambda m: m.group(1) + MASK, out)
    out = _URI_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), out)
    out = _KW_PASSWORD.sub(lambda m: m.group(1) + MASK, out)
    out = _JSON_SECRET.sub(lambda m: m.group(1) + MASK + m.group(3), out)
    out = _ENV_SECRET.sub(lambda m: m.group(1) + MASK, out)
    out = _BEARER.sub(lambda m: m.group(1) + MASK, out)
    return out


def redact_log_text(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """`redact_text` plus the query strings of paths (request lines in access logs)."""
    return _QUERY.sub(lambda m: m.group(1) + "?" + MASK, redact_text(text, extra_secrets))
