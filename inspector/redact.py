"""One place that masks secrets, for pages, JSON, logs and errors."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

# A JWT (3 parts) or a JWE (5 parts): a base64url JSON header starting `{"`, then dot parts.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){1,4}")
_SB_KEY = re.compile(r"(?<![A-Za-z0-9])(sb_(?:publishable|secret)_|sbp_)[A-Za-z0-9_-]{6,}")
_USER_END = re.compile(r"[:/?#@]")
_SPACE = re.compile(r"\s")
# password= and sslpassword= (the client key's passphrase), as key=value or in a URI query.
_KW_PASSWORD = re.compile(r"(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")
_JSON_SECRET = re.compile(
    r'(?i)("(?:password|sslpassword|secret|token|key|access_token|refresh_token|apikey|api_key)"'
    r'\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")'
)
# NAME=value where the name says it holds a secret (.env lines, PGPASSWORD=..., shell exports).
# (The name is matched whole and then searched for the parts, so no run of letters can make
# the pattern backtrack.)
_ENV_LINE = re.compile(r"(?m)^([ \t]*(?:export[ \t]+)?([A-Za-z0-9_]+)[ \t]*=[ \t]*)(\S.*)$")
_ENV_SECRET_PARTS = ("SECRET", "KEY", "PASSWORD", "PASSWD", "PWD", "TOKEN", "DATABASE_URL")
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


def _mask_env_secret(m: re.Match[str]) -> str:
    name = m.group(2).upper()
    if any(part in name for part in _ENV_SECRET_PARTS):
        return m.group(1) + MASK
    return m.group(0)


def _mask_uri_passwords(text: str) -> str:
    """Each run of non-space text that holds a `://`, with its URI's password masked. Found by
    plain scans from each `://`, never by a regex that could backtrack over a long run."""
    out: list[str] = []
    pos = 0
    while (i := text.find("://", pos)) >= 0:
        start = i
        while start > pos and not text[start - 1].isspace():
            start -= 1
        space = _SPACE.search(text, i)
        end = space.start() if space else len(text)
        out += (text[pos:start], _mask_uri_password(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask_uri_password(run: str) -> str:
    """`scheme://user:***@host` in one run of non-space text. The password ends at the run's
    LAST `@`: an unencoded `@` in it (a mistake this tool diagnoses) must not leave its tail
    visible. Plain string scans, so a hostile 64 KiB run costs linear time."""
    start = run.find("://")
    if start < 0:
        return run
    user = start + 3
    m = _USER_END.search(run, user)
    if m is None or m.group(0) != ":":
        return run
    at = run.rfind("@", m.end())
    if at < 0:
        return run
    return run[: m.end()] + MASK + run[at:]


def redact_text(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """Mask JWTs, sb_ keys, connection-string passwords and any given secret in free text."""
    out = text
    # Known secrets first, longest first, so a shorter one inside a longer one cannot leave
    # the rest of the longer one behind.
    for s in sorted({s for s in extra_secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(s, MASK)
    out = _JWT.sub(lambda m: mask_secret(m.group(0)), out)
    out = _SB_KEY.sub(lambda m: m.group(1) + MASK, out)
    out = _mask_uri_passwords(out)
    out = _KW_PASSWORD.sub(lambda m: m.group(1) + MASK, out)
    out = _JSON_SECRET.sub(lambda m: m.group(1) + MASK + m.group(3), out)
    out = _ENV_LINE.sub(_mask_env_secret, out)
    out = _BEARER.sub(lambda m: m.group(1) + MASK, out)
    return out


def redact_log_text(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """`redact_text` plus the query strings of paths (request lines in access logs)."""
    return _QUERY.sub(lambda m: m.group(1) + "?" + MASK, redact_text(text, extra_secrets))
