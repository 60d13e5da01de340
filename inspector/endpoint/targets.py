"""What a URL is, for the request tester and the mint's curl line: a Supabase project's REST,
Auth, Functions or Storage API (hosted, or the local stack on port 54321), or the user's own API.
Pure: nothing here resolves or connects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from inspector import supabase

# Path prefixes of a Supabase project's APIs -> (target, words).
_APIS = (
    ("/rest/v1", "supabase_rest", "the project's REST API (PostgREST)"),
    ("/auth/v1", "supabase_auth", "the project's Auth API"),
    ("/functions/v1", "supabase_functions", "an Edge Function of the project"),
    ("/storage/v1", "supabase_storage", "the project's Storage API"),
    ("/graphql/v1", "supabase_graphql", "the project's GraphQL API"),
)
TARGET_WORDS = {t: w for _, t, w in _APIS} | {
    "supabase": "a Supabase project URL",
    "own_api": "your own API",
}
AUTH_USER_PATH = "/auth/v1/user"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Target:
    kind: str  # supabase_rest, supabase_auth, ..., supabase, own_api
    project_ref: str | None = None  # hosted projects
    local_stack: bool = False

    @property
    def is_supabase(self) -> bool:
        return self.kind != "own_api"

    @property
    def words(self) -> str:
        return TARGET_WORDS[self.kind]


def classify_url(url: str, configured_url: str | None = None) -> Target:
    """The target of `url`; `configured_url` (SUPABASE_URL) counts as a Supabase project too."""
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return Target("own_api")
    ref = supabase.normalize_ref(host) if supabase.API_HOST_RE.match(host) else None
    local = supabase.is_loopback_host(host) and port == supabase.LOCAL_API_PORT
    configured = bool(configured_url) and same_origin(url, configured_url or "")
    if not (ref or local or configured):
        return Target("own_api")
    path = parts.path or "/"
    for prefix, kind, _ in _APIS:
        if path == prefix or path.startswith(prefix + "/"):
            return Target(kind, ref, local)
    return Target("supabase", ref, local)


def same_origin(a: str, b: str) -> bool:
    """Scheme, host and port equal (ports defaulted by scheme)."""
    try:
        pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
        return _origin(pa.scheme, pa.hostname, pa.port) == _origin(pb.scheme, pb.hostname, pb.port)
    except ValueError:
        return False


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int]:
    scheme = scheme.lower()
    return scheme, (host or "").lower(), port or (443 if scheme == "https" else 80)


def project_base(project: str | None) -> str | None:
    """A project's API base URL from what a user gives: a ref or a hosted URL
    (`https://<ref>.supabase.co`), or a local stack URL (`http://127.0.0.1:54321`)."""
    if not project or not project.strip():
        return None
    text = project.strip()
    ref = supabase.normalize_ref(text)
    if ref:
        return supabase.project_url(ref)
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and supabase.is_loopback_host(host):
        netloc = f"[{host}]" if ":" in host else host
        return f"{parts.scheme}://{netloc}" + (f":{port}" if port else "")
    return None


def base_from_issuer(iss: object) -> str | None:
    """The API base of a user token's issuer: a hosted `https://<ref>.supabase.co/auth/v1`, or
    the local stack's loopback issuer. Any other issuer gives none: an unverified claim must not
    choose where the token is sent."""
    ref = supabase.ref_from_issuer(iss)
    if ref:
        return supabase.project_url(ref)
    if isinstance(iss, str) and iss.rstrip("/").endswith(supabase.AUTH_PATH):
        base = project_base(iss.rstrip("/")[: -len(supabase.AUTH_PATH)])
        if base and base.startswith("http://"):
            return base
    return None


def clear_text_off_machine(url: str) -> bool:
    """Plain http to a host that is not this machine: the token crossed a network in clear."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme.lower() == "http" and not supabase.is_loopback_host(host)
