"""Tokens, keys and connection strings inside a pasted error, described and masked.

A found thing is offered to its inspector (`next`): a connection string with its password as
`***` (the connection page then asks for it), a token as it is when the token page would show
it anyway. Secrets (`sb_secret_` keys, personal access tokens, passwords) are never repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspector import supabase
from inspector.explain.report import FoundConnection, FoundToken, Next
from inspector.redact import MASK

MAX_FOUND = 5  # of each kind: a log full of tokens is still one answer

# A compact JWS (three parts), an API key, a personal access token; bounded, linear.
_JWT = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,4000}\.[A-Za-z0-9_-]{2,16000}\.[A-Za-z0-9_-]{0,2000}"
)
_SB_KEY = re.compile(r"(?<![A-Za-z0-9_])sb_(?:publishable|secret)_[A-Za-z0-9_-]{10,200}")
_SBP = re.compile(r"(?<![A-Za-z0-9_])sbp_[A-Za-z0-9_]{20,200}")
_URI = re.compile(
    r"(?<![A-Za-z0-9+.-])postgres(?:ql)?(?:\+[a-z0-9_]{1,20})?://[^\s\"'<>`\\]{1,2048}", re.I
)
_TRAILING = ".,;:)]}>'\""

# The token page's rule (inspector/web/token.py SECRET_KINDS): these kinds are never echoed.
NEVER_ECHOED = frozenset(
    {
        "supabase_secret_key",
        "supabase_refresh_token",
        "supabase_access_token_personal",
        "jwt_secret",
        "connection_string",
        "unknown",
    }
)
# Kinds worth a warning: whoever holds them can act as the project's server.
SECRET_KINDS = frozenset(
    {"supabase_secret_key", "supabase_service_role_key", "supabase_access_token_personal"}
)


@dataclass(frozen=True)
class Found:
    tokens: tuple[FoundToken, ...]
    connection_strings: tuple[FoundConnection, ...]
    secrets: tuple[str, ...]  # every secret value seen, to mask wherever the text is shown
    secret_notes: tuple[str, ...]  # what they were, masked, for the warning


def mask_token(value: str) -> str:
    """Enough to recognise a token, nothing of a secret: `eyJhbGci…x7Qk`, `sb_secret_…(41)`."""
    if value.startswith("eyJ"):
        return f"{value[:8]}…{value[-4:]} ({len(value)} chars)"
    for prefix in (supabase.SECRET_PREFIX, supabase.PERSONAL_TOKEN_PREFIX):
        if value.startswith(prefix):
            return f"{prefix}…({len(value)} chars)"
    if value.startswith(supabase.PUBLISHABLE_PREFIX):
        body = value[len(supabase.PUBLISHABLE_PREFIX) :]
        return f"{supabase.PUBLISHABLE_PREFIX}{body[:4]}…{body[-4:]}"
    return MASK


def find(text: str) -> Found:
    """Every token and connection string in `text` (the first MAX_FOUND of each), masked."""
    tokens: list[FoundToken] = []
    secrets: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    raw_tokens = [m.group(0) for m in _JWT.finditer(text)]
    raw_tokens += [m.group(0) for m in _SB_KEY.finditer(text)]
    raw_tokens += [m.group(0) for m in _SBP.finditer(text)]
    for value in raw_tokens:
        if value in seen or len(tokens) >= MAX_FOUND:
            continue
        seen.add(value)
        token = _describe_token(value)
        tokens.append(token)
        if token.secret or token.kind in SECRET_KINDS:
            secrets.append(value)
        if token.kind in SECRET_KINDS:
            notes.append(f"{token.kind_label} `{token.masked}`")
    strings: list[FoundConnection] = []
    for m in _URI.finditer(text):
        uri = m.group(0).rstrip(_TRAILING)
        if uri in seen or len(strings) >= MAX_FOUND:
            continue
        seen.add(uri)
        found, passwords = _describe_connection(uri)
        strings.append(found)
        if passwords:
            secrets.extend(passwords)
            notes.append(f"the password in `{found.masked}`")
    return Found(tuple(tokens), tuple(strings), tuple(secrets), tuple(notes))


def _describe_token(value: str) -> FoundToken:
    from inspector.tokens import inspect_token  # PyJWT loads only when a token is found

    report = inspect_token(value)  # no key: nothing is fetched
    header = report.header if isinstance(report.header, dict) else {}
    alg = header.get("alg")
    # Not sent on either: what the token page never echoes, nor a key that acts as the server.
    secret = report.kind in NEVER_ECHOED or report.kind in SECRET_KINDS
    return FoundToken(
        kind=report.kind,
        kind_label=report.kind_label,
        masked=mask_token(value),
        algorithm=alg if isinstance(alg, str) else None,
        project_ref=report.project_ref,
        secret=secret,
        next=Next("token", None if secret else value),
    )


def _describe_connection(uri: str) -> tuple[FoundConnection, list[str]]:
    from inspector.connections.parse import parse  # the connection package loads when needed

    parsed = parse(uri)
    host = parsed.host
    masked = parsed.masked or _mask_uri(uri)
    info = supabase.classify_host(
        host.host if host else None, host.effective_port if host else None, parsed.user
    )
    # A placeholder ([YOUR-PASSWORD]) or an already masked *** is no secret.
    passwords = (
        [] if parsed.placeholder else [p for p in {parsed.raw_password, parsed.password} if p]
    )
    found = FoundConnection(
        masked=masked,
        host=host.host if host else None,
        port=host.port if host else None,
        user=parsed.user,
        host_kind=info.kind,
        project_ref=info.project_ref,
        has_password=parsed.password is not None,
        next=Next("connection", masked),
    )
    return found, passwords


def _mask_uri(uri: str) -> str:
    """A URI's password as ***, however it is written (the user info ends at the last `@`)."""
    scheme, _, rest = uri.partition("://")
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        return uri
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':' + MASK if colon else ''}@{hostpart}"


# Secrets written as `password=…`, `"apikey": "…"`, `Bearer …` or `NAME_SECRET=…`: the rules of
# inspector.redact, written to stay linear on a 64 KiB line (redact's backtrack on long runs)
# and to mask a `NAME=value` value only, not the rest of its line (an excerpt keeps its error).
_KW_PASSWORD = re.compile(
    r"(?i)(\b(?:ssl)?password[ \t]{0,3}[=:][ \t]{0,3})"
    r"('[^'\n]{0,400}'|\"[^\"\n]{0,400}\"|[^\s&'\"]{1,400})"
)
_JSON_SECRET = re.compile(
    r"(?i)([\"'](?:password|sslpassword|secret|token|key|access_token|refresh_token|apikey|api_key)"
    r"[\"'][ \t]{0,3}:[ \t]{0,3}[\"'])([^\"'\\\n]{1,4000})"
)
_BEARER = re.compile(r"(?i)(\b(?:bearer|basic)[ \t]{1,5})([A-Za-z0-9._~+/=-]{8,4000})")
_ENV_SECRET = re.compile(
    r"(?m)^([ \t]{0,40}(?:export[ \t]{1,5})?[A-Z0-9_]{0,80}"
    r"(?:SECRET|KEY|PASSWORD|PASSWD|PWD|TOKEN|DATABASE_URL)[A-Z0-9_]{0,80}[ \t]{0,5}=[ \t]{0,5})"
    r"(\"[^\"\n]{0,4000}\"|'[^'\n]{0,4000}'|\S{1,4000})"
)


def mask_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every token, key and password masked; linear on any input."""
    out = text
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        out = out.replace(secret, MASK)
    out = _BEARER.sub(lambda m: m.group(1) + mask_token(m.group(2)), out)
    out = _JWT.sub(lambda m: mask_token(m.group(0)), out)
    out = _SB_KEY.sub(lambda m: mask_token(m.group(0)), out)
    out = _SBP.sub(lambda m: mask_token(m.group(0)), out)
    out = _URI.sub(lambda m: _mask_uri(m.group(0)), out)
    for rule in (_KW_PASSWORD, _JSON_SECRET, _ENV_SECRET):
        out = rule.sub(lambda m: m.group(1) + MASK, out)
    return out
