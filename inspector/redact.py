"""One place that masks secrets, for pages, JSON, logs and errors."""

from __future__ import annotations

import re

MASK = "***"

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*")
_SB_KEY = re.compile(r"\b(sb_(?:publishable|secret)_|sbp_)[A-Za-z0-9_-]{6,}")
_URI_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)([^@\s]*)(@)")
_KW_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")


def mask_secret(value: str | None, keep: int = 4) -> str:
    """`eyJh…(212 chars)`: enough to recognise, never enough to use."""
    if not value:
        return ""
    if len(value) <= keep * 3:
        return MASK
    return f"{value[:keep]}…({len(value)} chars)"


def redact_text(text: str, extra_secrets: tuple[str, ...] = ()) -> str:
    """Mask JWTs, sb_ keys, connection-string passwords and any given secret in free text."""
    out = _JWT.sub(lambda m: mask_secret(m.group(0)), text)
    out = _SB_KEY.sub(lambda m: m.group(1) + MASK, out)
    out = _URI_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), out)
    out = _KW_PASSWORD.sub(lambda m: m.group(1) + MASK, out)
    for s in extra_secrets:
        if s and len(s) >= 4:
            out = out.replace(s, MASK)
    return out
