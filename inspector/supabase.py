"""What we know about Supabase: project refs, host shapes, key prefixes, demo secrets and keys.

Facts come from ../shared/reference/supabase.md; nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from inspector.textutil import url_host

# A project ref: 20 lowercase letters (an observation over every real ref seen, not a guarantee).
REF_RE = re.compile(r"^[a-z]{20}\Z")
REF_IN_TEXT_RE = re.compile(r"(?<![a-z0-9])([a-z]{20})(?![a-z0-9])")

# Legacy anon/service_role keys live exactly 10 Julian years.
LEGACY_KEY_LIFETIME = 315_576_000
DEFAULT_ACCESS_TOKEN_LIFETIME = 3600
MAX_ACCESS_TOKEN_LIFETIME = 604_800

# New API keys and other opaque tokens.
PUBLISHABLE_PREFIX = "sb_publishable_"
SECRET_PREFIX = "sb_secret_"
PERSONAL_TOKEN_PREFIX = "sbp_"
API_KEY_RE = re.compile(r"^sb_(publishable|secret)_[A-Za-z0-9_-]{10,}\Z")
PERSONAL_TOKEN_RE = re.compile(r"^sbp_[A-Za-z0-9_]{20,}\Z")
# Refresh tokens (reference §1.4, §13.4). Auth >= v2.171.0 issues 12 characters of lowercase
# base32 ([a-z2-7]); its refresh grant accepts [a-z0-9]{12}. Auth <= v2.170 issued 16 random
# bytes as unpadded base64url: 22 characters, the last one A, Q, g or w (its low 4 bits unused).
# v2 tokens (opt-in, >= v2.181.0) are parsed by tokens.classify.refresh_token.
LEGACY_REFRESH_RE = re.compile(r"^[a-z0-9]{12}\Z")
REFRESH_BASE32_RE = re.compile(r"^[a-z2-7]{12}\Z")
OLD_REFRESH_RE = re.compile(r"^[A-Za-z0-9_-]{21}[AQgw]\Z")

# Publicly known values: anyone can mint tokens with these secrets.
LOCAL_CLI_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
SELF_HOST_JWT_SECRET = "your-super-secret-jwt-token-with-at-least-32-characters-long"
KNOWN_PUBLIC_SECRETS: dict[str, str] = {
    LOCAL_CLI_JWT_SECRET: "the Supabase CLI's local stack (`supabase start`)",
    SELF_HOST_JWT_SECRET: "the self-hosting example (`docker/.env.example`)",
}
KNOWN_DEMO_KEYS: dict[str, str] = {
    # local CLI stack: anon, service_role (no iat, exp 2032-11-11)
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9."
    "CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0": "the local CLI stack's anon key",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0."
    "EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU": "the local CLI stack's service_role key",
    # self-hosting example: anon, service_role (exp 2027-01-09)
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyAgCiAgICAicm9sZSI6ICJhbm9uIiwKICAgICJpc3MiOiAic3VwYWJhc2UtZGVtbyIsCiAgICAiaWF0IjogMTY0MTc2OTIwMCwKICAgICJleHAiOiAxNzk5NTM1NjAwCn0."
    "dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2BBNWN8Bu4GE": "the self-hosting example's anon key",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyAgCiAgICAicm9sZSI6ICJzZXJ2aWNlX3JvbGUiLAogICAgImlzcyI6ICJzdXBhYmFzZS1kZW1vIiwKICAgICJpYXQiOiAxNjQxNzY5MjAwLAogICAgImV4cCI6IDE3OTk1MzU2MDAKfQ."
    "DaYlNEoUrrEn2Ig7tqibS-PHK5vgusbcbo7X36XVt4Q": "the self-hosting example's service_role key",
}
LOCAL_CLI_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"
LOCAL_CLI_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
# The local stack's default ES256 signing key (CLI >= v2.71.2): its private part is in the
# CLI's public source, so anyone can sign with it (reference §13.1). Known by its public point.
LOCAL_CLI_SIGNING_KID = "b81269f1-21d8-4f2e-b719-c2240a840d90"
LOCAL_CLI_SIGNING_KEY_X = "M5Sjqn5zwC9Kl1zVfUUGvv9boQjCGd45G8sdopBExB4"

# Local CLI stack ports.
LOCAL_API_PORT = 54321
LOCAL_DB_PORT = 54322
LOCAL_POOLER_PORT = 54329
LOCAL_AUTH_ISSUER = "http://127.0.0.1:54321/auth/v1"

# Hosts.
DIRECT_HOST_RE = re.compile(r"^db\.([a-z]{20})\.supabase\.co\Z")
API_HOST_RE = re.compile(r"^([a-z]{20})\.supabase\.(co|in)\Z")
POOLER_HOST_RE = re.compile(r"^(aws|gcp|fly|azure)-(\d+)-([a-z0-9-]+)\.pooler\.supabase\.com\Z")
SESSION_POOLER_PORT = 5432
TRANSACTION_POOLER_PORT = 6543
DIRECT_PORT = 5432
DEDICATED_POOLER_PORT = 6543

HOST_KINDS = (
    "supabase_direct",
    "supabase_pooler_session",
    "supabase_pooler_transaction",
    "supabase_dedicated_pooler",
    "supabase_local",
    "local",
    "other",
)


def normalize_ref(value: str | None) -> str | None:
    """A project ref from a bare ref, `https://<ref>.supabase.co[/...]` or a database host."""
    if not value:
        return None
    v = value.strip().strip("\"'").lower()
    if REF_RE.match(v):
        return v
    v = re.sub(r"^[a-z]+://", "", v).split("/", 1)[0].split(":", 1)[0]
    for rx in (API_HOST_RE, DIRECT_HOST_RE):
        m = rx.match(v)
        if m:
            return m.group(1)
    return None


def ref_from_issuer(iss: object) -> str | None:
    """`https://<ref>.supabase.co/auth/v1` -> ref."""
    if not isinstance(iss, str):
        return None
    m = re.match(r"^https://([a-z]{20})\.supabase\.(co|in)/auth/v1/?$", iss)
    return m.group(1) if m else None


# Where Auth publishes its public keys, under its issuer URL.
JWKS_PATH = "/.well-known/jwks.json"
AUTH_PATH = "/auth/v1"


def jwks_url_for(ref: str) -> str:
    """The JWKS URL of a hosted project."""
    return f"https://{ref}.supabase.co{AUTH_PATH}{JWKS_PATH}"


def jwks_url_from_issuer(iss: object) -> str | None:
    """The JWKS URL Auth serves under an issuer: `<iss>/.well-known/jwks.json`.

    The one rule for every caller: a hosted issuer (`https://<ref>.supabase.co/auth/v1`), any
    other https issuer (a custom domain), or the local CLI stack's `http://127.0.0.1:54321/auth/v1`
    (plain http only on loopback). Anything else has none.
    """
    if not isinstance(iss, str) or len(iss) >= 300:
        return None
    ref = ref_from_issuer(iss)
    if ref:
        return jwks_url_for(ref)
    base = iss.rstrip("/")
    if iss.startswith("https://"):
        return base + JWKS_PATH
    if iss.startswith("http://") and base.endswith(AUTH_PATH) and is_loopback_host(url_host(base)):
        return base + JWKS_PATH
    return None


def jwks_url_of_project(project_url: str | None) -> str | None:
    """The JWKS URL of a project URL: hosted (`https://<ref>.supabase.co`) or the local stack."""
    if not project_url:
        return None
    ref = normalize_ref(project_url)
    if ref:
        return jwks_url_for(ref)
    url = project_url.strip().rstrip("/")
    return jwks_url_from_issuer(url + AUTH_PATH) if url.startswith("http://") else None


def project_url(ref: str) -> str:
    return f"https://{ref}.supabase.co"


def dashboard_url(ref: str | None, place: str) -> str:
    """Where in the dashboard to find things. `place`: jwt, api, database."""
    paths = {
        "jwt": "settings/jwt",
        "signing_keys": "settings/jwt/signing-keys",
        "api": "settings/api-keys",
        "database": "database/settings",
        "connect": "?showConnect=true",
    }
    tail = paths.get(place, "")
    project = ref or "<project-ref>"
    sep = "" if tail.startswith("?") else "/"
    return f"https://supabase.com/dashboard/project/{project}{sep}{tail}"


@dataclass(frozen=True)
class HostInfo:
    kind: str
    project_ref: str | None = None
    pooler_cluster: str | None = None  # e.g. "aws-0-eu-central-1"
    region: str | None = None


def is_loopback_host(host: str) -> bool:
    h = host.strip("[]").lower()
    if h in ("localhost", "localhost.localdomain") or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def classify_host(host: str | None, port: int | None, user: str | None = None) -> HostInfo:
    """What kind of Postgres endpoint this host and port are (api.md's HOST_KIND)."""
    if not host:
        return HostInfo("local")  # a Unix socket
    h = host.strip().lower().rstrip(".")
    if h.startswith("/"):
        return HostInfo("local")
    m = DIRECT_HOST_RE.match(h)
    if m:
        kind = "supabase_dedicated_pooler" if port == DEDICATED_POOLER_PORT else "supabase_direct"
        return HostInfo(kind, project_ref=m.group(1))
    m = POOLER_HOST_RE.match(h)
    if m:
        kind = (
            "supabase_pooler_transaction"
            if port == TRANSACTION_POOLER_PORT
            else "supabase_pooler_session"
        )
        return HostInfo(
            kind,
            project_ref=ref_from_pooler_user(user),
            pooler_cluster=h.split(".", 1)[0],
            region=m.group(3),
        )
    if is_loopback_host(h):
        if port in (LOCAL_DB_PORT, LOCAL_POOLER_PORT):
            return HostInfo("supabase_local")
        return HostInfo("local")
    return HostInfo("other")


def ref_from_pooler_user(user: str | None) -> str | None:
    """Supavisor splits the user at the last '.': `postgres.<ref>` -> ref."""
    if not user or "." not in user:
        return None
    tail = user.rsplit(".", 1)[1]
    return tail if REF_RE.match(tail) else None


# --- Postgres connections: pooler rules and the private CA (reference/supabase.md §7-8) -------

SUPABASE_ROOT_CA_CN = "Supabase Root 2021 CA"
SUPABASE_INTERMEDIATE_CA_CN = "Supabase Intermediate 2021 CA"
SUPABASE_CA_FILE = "prod-ca-2021.crt"
SUPABASE_ROOT_CA_SHA256 = (
    "80:70:25:AD:50:D4:ED:21:9D:2C:9C:7D:29:9C:00:4F:"
    "82:4E:B0:0C:F7:F6:5A:FE:F6:07:D0:7B:72:E6:CA:FA"
)
SUPABASE_HOST_SUFFIXES = (".supabase.co", ".supabase.com", ".supabase.in")
# The `aws-N` pooler cluster index cannot be derived from the region: copy it from Connect.
SESSION_POOLER_HOST_HINT = "aws-N-<region>.pooler.supabase.com"
_OPTIONS_REF_RE = re.compile(r"(?:^|[\s,])(?:-c\s*)?reference=([a-z]{20})\b")


def is_supabase_host(host: str | None) -> bool:
    h = (host or "").lower().rstrip(".")
    return h.endswith(SUPABASE_HOST_SUFFIXES)


def is_supabase_ca_name(name: str | None) -> bool:
    """A certificate subject/issuer naming one of Supabase's private CAs."""
    return bool(name) and "supabase" in (name or "").lower() and " ca" in (name or "").lower()


def pooler_user(ref: str | None, role: str = "postgres") -> str:
    """The shared pooler's user name: `<role>.<ref>`."""
    return f"{role}.{ref or '<project-ref>'}"


def session_pooler_host(cluster: str | None = None) -> str:
    """`aws-0-eu-central-1` -> its session pooler host; without it, the shape to copy."""
    return f"{cluster}.pooler.supabase.com" if cluster else SESSION_POOLER_HOST_HINT


def ref_from_options(options: str | None) -> str | None:
    """Supavisor also reads the tenant from `options=reference=<ref>`."""
    if not options:
        return None
    m = _OPTIONS_REF_RE.search(options)
    return m.group(1) if m else None


def is_transaction_pooler(kind: str) -> bool:
    return kind in ("supabase_pooler_transaction", "supabase_dedicated_pooler")
