"""Which inspector should see a pasted text: token (or key), connection string, .env, or an
error message for the explainer."""

from __future__ import annotations

import re

from inspector.explain import recognises
from inspector.shapes import is_client_command, looks_like_connection_string

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=", re.M)

# One credential alone (a token, a key, a URI; `Bearer ` allowed): never an error message.
_LONE_CREDENTIAL = re.compile(
    r"^(?:(?:authorization:\s*)?bearer\s+)?(?:eyJ|sb_|sbp_|[a-z][a-z0-9+.-]*://)\S*$", re.I
)

TARGETS = ("token", "connection", "env", "error")


def detect_paste(text: str) -> str:
    """'token', 'connection', 'env' or 'error' (never fails: the token inspector explains the
    unknown)."""
    stripped = (text or "").strip()
    if not stripped:
        return "token"
    if is_client_command(stripped):  # `PGPASSWORD=... psql ...` is not a .env line
        return "connection"
    if not _LONE_CREDENTIAL.match(stripped) and recognises(stripped):
        return "error"
    lines = [ln for ln in stripped.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    env_lines = [ln for ln in lines if _ENV_LINE.match(ln)]
    # A single DATABASE_URL=postgres://... line is still a .env; so is anything with 2+ NAME= lines.
    if len(env_lines) >= 2 or (
        len(lines) == 1 and env_lines and re.match(r"^\s*(?:export\s+)?[A-Z_][A-Z0-9_]*=", lines[0])
    ):
        return "env"
    if looks_like_connection_string(stripped):
        return "connection"
    return "token"
