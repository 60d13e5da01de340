"""Which inspector should see a pasted text: token (or key), connection string, or .env."""

from __future__ import annotations

import re

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=", re.M)
_CONN = re.compile(r"^\s*(postgres(?:ql)?(?:\+[a-z0-9_]+)?://)", re.I)
_KEYWORD_DSN = re.compile(r"\b(host|hostaddr|dbname|user|port|sslmode|password)\s*=", re.I)

TARGETS = ("token", "connection", "env")


def detect_paste(text: str) -> str:
    """'token', 'connection' or 'env' (never fails: the token inspector explains the unknown)."""
    stripped = (text or "").strip()
    if not stripped:
        return "token"
    lines = [ln for ln in stripped.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    env_lines = [ln for ln in lines if _ENV_LINE.match(ln)]
    # A single DATABASE_URL=postgres://... line is still a .env; so is anything with 2+ NAME= lines.
    if len(env_lines) >= 2 or (
        len(lines) == 1 and env_lines and re.match(r"^\s*(?:export\s+)?[A-Z_][A-Z0-9_]*=", lines[0])
    ):
        return "env"
    if _CONN.match(stripped):
        return "connection"
    if len(_KEYWORD_DSN.findall(stripped)) >= 2 and "eyJ" not in stripped:
        return "connection"
    return "token"
