"""What each value really holds: a token kind (api.md), a connection string, a URL, a key, text.

A value is shown to the token inspector (JWTs, `sb_` keys, the JWT secret) or left for the
connection inspector (Postgres URLs, inspected together by the service); its kind, its project
and the token findings that matter in a `.env` are kept on its `Var`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from inspector import supabase
from inspector.env.names import KEY_ROLES, SECRET_ROLES, Role, role_for_name, split_public_prefix
from inspector.env.parse import Entry
from inspector.env.words import count
from inspector.findings import Finding, Severity
from inspector.redact import MASK, mask_secret, redact_text
from inspector.shapes import has_dsn_keyword, is_connection_uri
from inspector.vocabulary import HostKind, N, Term, TokenKind

if TYPE_CHECKING:
    from inspector.connections.report import ConnectionReport
    from inspector.tokens import TokenReport


class ValueKind(Term):
    """The kinds of value a `.env` holds besides the token kinds (api.md's KIND)."""

    PEM_PUBLIC_KEY = ("pem_public_key", "PEM public key", N, "a PEM public key")
    PEM_PRIVATE_KEY = ("pem_private_key", "PEM private key", N, "a PEM private key")
    CERTIFICATE = ("certificate", "X.509 certificate", N, "an X.509 certificate")
    JWK = ("jwk", "JWK (JSON Web Key)", N, "a JWK (JSON Web Key)")
    JWKS = ("jwks", "JWKS (JSON Web Key Set)", N, "a JWKS (JSON Web Key Set)")
    JWKS_URL = ("jwks_url", "JWKS URL", N, "a JWKS URL")
    SUPABASE_URL = ("supabase_url", "Supabase project URL", N, "a Supabase project URL")
    URL = ("url", "URL", N, "a URL")
    TEXT = ("text", "text", N, "text")
    EMPTY = ("empty", "empty", N, "nothing")


# What a variable's value is: the JSON's `kind`.
Kind = TokenKind | ValueKind

# Token kinds grouped the way the checks need them.
JWT_KINDS = (
    TokenKind.SUPABASE_ANON_KEY,
    TokenKind.SUPABASE_SERVICE_ROLE_KEY,
    TokenKind.SUPABASE_USER_TOKEN,
    TokenKind.JWT,
    TokenKind.MALFORMED_JWT,
)
ANON_KINDS = (TokenKind.SUPABASE_ANON_KEY, TokenKind.SUPABASE_PUBLISHABLE_KEY)
SERVICE_KINDS = (TokenKind.SUPABASE_SERVICE_ROLE_KEY, TokenKind.SUPABASE_SECRET_KEY)
API_KEY_KINDS = ANON_KINDS + SERVICE_KINDS
SB_KEY_KINDS = (
    TokenKind.SUPABASE_PUBLISHABLE_KEY,
    TokenKind.SUPABASE_SECRET_KEY,
    TokenKind.SUPABASE_ACCESS_TOKEN_PERSONAL,
)
LEGACY_KEY_KINDS = (TokenKind.SUPABASE_ANON_KEY, TokenKind.SUPABASE_SERVICE_ROLE_KEY)
# What a JWT secret variable may hold instead of an HMAC secret (tokens.classify_secret's shapes).
NOT_HMAC_KINDS: tuple[Kind, ...] = (
    ValueKind.PEM_PUBLIC_KEY,
    ValueKind.PEM_PRIVATE_KEY,
    ValueKind.CERTIFICATE,
    ValueKind.JWK,
    ValueKind.JWKS,
    ValueKind.JWKS_URL,
    ValueKind.URL,
    ValueKind.SUPABASE_URL,
    TokenKind.CONNECTION_STRING,
)
_SB_PREFIXES = (supabase.PUBLISHABLE_PREFIX, supabase.SECRET_PREFIX, supabase.PERSONAL_TOKEN_PREFIX)

# Token findings about the value itself that matter in a .env. The others speak of using a
# value as a bearer token, of the signature (the env check verifies with the JWT secret itself),
# or of how it was pasted (value_quoted_or_padded says that here).
_TOKEN_CODES_COPIED = frozenset(
    {
        "malformed_token",
        "alg_none",
        "known_demo_key",
        "token_expired",
        "token_not_yet_valid",
        "issued_in_future",
        "exp_in_milliseconds",
        "no_expiry",
        "other_issuer",
        "header_key_reference",
        "lifetime_unusual",
    }
)

LOCAL_MARK = "local"  # pseudo project ref of the local CLI stack and its demo keys

_JWT_SHAPE = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_HTTP_URL = re.compile(r"^https?://", re.I)


def phrase(kind: str) -> str:
    """A kind inside a sentence: "the anon key", "a PEM public key"."""
    term = TokenKind.of(kind) or ValueKind.of(kind)
    return term.phrase if term is not None else kind.replace("_", " ")


def recognised(expected: Role | None, kind: Kind) -> bool:
    """Is this a Supabase or Postgres variable, by its name or by its value?"""
    return expected is not None or kind not in (ValueKind.TEXT, ValueKind.EMPTY)


def bare(value: str) -> str:
    """The value without blanks and quotes around it."""
    return value.strip().strip("\"'").strip()


def is_http_url(text: str) -> bool:
    return _HTTP_URL.match(text) is not None


@dataclass
class Var:
    """Working state of one variable while the checks run."""

    entry: Entry
    public_prefix: str | None = None
    expected: Role | None = None
    kind: Kind = ValueKind.TEXT
    token: TokenReport | None = None
    conn: ConnectionReport | None = None
    project_ref: str | None = None
    ref_mark: str | None = None  # project ref or LOCAL_MARK, for the agreement check
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def value(self) -> str:
        return self.entry.value


def read_value(entry: Entry) -> Var:
    """What the entry's name says it holds and what its value is (a database URL is only marked
    `connection_string` here: the service inspects them all together, see `attach_connection`)."""
    var = Var(entry, split_public_prefix(entry.name)[0], role_for_name(entry.name))
    text = bare(var.value)
    if not var.value.strip():
        var.kind = ValueKind.EMPTY
    elif var.expected is Role.JWT_SECRET and not is_connection_uri(text):
        _read_secret(var)
    elif _JWT_SHAPE.match(text) or text.startswith(("sb_", "sbp_")):
        _read_token(var)
    elif is_connection_uri(text) or (var.expected is Role.DB_URL and has_dsn_keyword(text)):
        var.kind = TokenKind.CONNECTION_STRING
    elif is_http_url(text):
        _read_url(var, text)
    elif var.expected in KEY_ROLES:
        # Anything in a key variable is shown to the token inspector, which names it.
        _read_token(var)
    return var


def _read_secret(var: Var) -> None:
    """A would-be JWT secret: the token inspector names its shape (JWT, sb_ key, PEM, ...)."""
    from inspector.tokens import classify_secret

    shape = classify_secret(var.value)
    if shape in ("jwt", "publishable_key", "secret_key", "personal_access_token"):
        _read_token(var)
    elif shape == "hmac_secret" or shape is None:
        var.kind = TokenKind.JWT_SECRET
    else:  # pem_public_key, certificate, jwk, jwks, jwks_url, url
        var.kind = ValueKind.of(shape) or ValueKind.TEXT


def _read_token(var: Var) -> None:
    from inspector.tokens import inspect_token

    report = inspect_token(var.value)
    var.token = report
    var.kind = TokenKind.of(report.kind) or TokenKind.UNKNOWN
    if var.kind in (TokenKind.UNKNOWN, TokenKind.JWT_SECRET) and var.expected not in KEY_ROLES:
        var.kind = ValueKind.TEXT
    var.project_ref = report.project_ref
    claims = report.claims or {}
    if var.project_ref:
        var.ref_mark = var.project_ref
    elif var.kind in LEGACY_KEY_KINDS and claims.get("iss") == "supabase-demo":
        var.ref_mark = LOCAL_MARK
    if report.kind == "unknown":
        return  # not a token at all: the key-slot check names what it is
    for f in report.findings:
        if f.code not in _TOKEN_CODES_COPIED:
            continue
        if var.expected is None and f.severity is Severity.ERROR:
            # A JWT in a variable whose name says nothing (a test fixture, another
            # service's token): worth a look, but not a reason to fail a deploy.
            f = replace(f, severity=Severity.WARNING)
        var.findings.append(f)


def _read_url(var: Var, text: str) -> None:
    ref = supabase.normalize_ref(text)
    host = re.sub(r"^[a-z]+://", "", text, flags=re.I).split("/", 1)[0]
    hostname = host.rsplit("@", 1)[-1].rsplit(":", 1)[0]
    if ref:
        var.kind = ValueKind.SUPABASE_URL
        var.project_ref = var.ref_mark = ref
    elif supabase.is_loopback_host(hostname) and var.expected is Role.URL:
        var.kind = ValueKind.SUPABASE_URL
        var.ref_mark = LOCAL_MARK
    else:
        var.kind = ValueKind.URL


def attach_connection(var: Var, report: ConnectionReport) -> None:
    """The connection inspector's report on a database URL: its project and its findings."""
    var.conn = report
    var.project_ref = report.project_ref
    if report.project_ref:
        var.ref_mark = report.project_ref
    elif report.host_kind == HostKind.SUPABASE_LOCAL:
        var.ref_mark = LOCAL_MARK
    var.findings.extend(report.findings)


# ---------------------------------------------------------------------------------------------
# Masks and descriptions


def mask_value(value: str, kind: str, expected: str | None = None) -> str:
    """A value as it may be shown: enough to recognise, never enough to use."""
    if not value:
        return ""
    text = bare(value)
    if kind in JWT_KINDS or _JWT_SHAPE.match(text):
        return mask_secret(text)
    for prefix in _SB_PREFIXES:
        if text.startswith(prefix):
            return f"{prefix}{MASK} ({len(text)} chars)"
    if kind == TokenKind.CONNECTION_STRING:
        return mask_connection_string(text)
    if kind in (ValueKind.SUPABASE_URL, ValueKind.URL) and expected not in SECRET_ROLES:
        return redact_text(mask_connection_string(text))
    # Secrets and anything unrecognised: the length only.
    return f"{MASK} ({count(len(value), 'char')})"


def mask_connection_string(url: str) -> str:
    """`scheme://user:***@host/db?…`: the password is whatever lies between the user's ':' and the
    LAST '@' of the authority (an unencoded '@' in a password must not leak its tail)."""
    m = re.match(r"^([a-z][a-z0-9+.-]*://)(.*)$", url, re.I | re.S)
    if not m:
        return redact_text(url)  # key=value form: password=... masked
    scheme, rest = m.groups()
    at = rest.rfind("@")
    if at >= 0:
        userinfo, hostpart = rest[:at], rest[at + 1 :]
        user, sep, _ = userinfo.partition(":")
        rest = f"{user}:{MASK}@{hostpart}" if sep else f"{user}@{hostpart}"
    return redact_text(scheme + rest)


def describe(v: Var) -> str:
    """What the value really holds, in a few words."""
    kind = v.kind
    parts: list[str] = []
    if kind is TokenKind.JWT_SECRET:
        parts.append(f"HMAC secret, {len(v.value.encode())} bytes")
    elif kind is TokenKind.CONNECTION_STRING and v.conn is not None:
        parts.append(f"Postgres connection string, {phrase_of_host(v.conn.host_kind)}")
    elif kind is ValueKind.SUPABASE_URL and v.ref_mark == LOCAL_MARK:
        parts.append("the local stack's API URL")
    else:
        parts.append(kind.phrase.removeprefix("the ").removeprefix("a "))
    if v.project_ref:
        parts.append(f"project {v.project_ref}")
    elif v.ref_mark == LOCAL_MARK and kind is not ValueKind.SUPABASE_URL:
        parts.append("local demo value")
    if v.token is not None and v.token.signature.algorithm and kind in JWT_KINDS:
        parts.append(v.token.signature.algorithm)
    return " · ".join(parts)


def phrase_of_host(host_kind: str) -> str:
    """A host kind inside a sentence: "session pooler"."""
    term = HostKind.of(host_kind)
    return term.phrase if term is not None else host_kind
