"""Settings: defaults, then the environment (INSPECTOR_*), then the dict a test passes."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from inspector import netpolicy
from inspector.errors import ConfigError  # also config.ConfigError (wsgi.py, gunicorn)

DEFAULTS: dict[str, Any] = {
    "INSPECTOR_MODE": "local",
    "SECRET_KEY": None,
    "INSPECTOR_ENV_FILE": ".env",
    "INSPECTOR_ACCESS_PASSWORD": None,
    "INSPECTOR_TRUSTED_USER_HEADER": None,
    "INSPECTOR_ALLOWED_HOSTS": "*.supabase.co,*.supabase.com",
    "INSPECTOR_ALLOWED_NETWORKS": "",
    "INSPECTOR_ALLOW_CONFIGURED_SECRETS": False,
    # Shared mode: the token page's "make a token" panel and POST /api/v1/mint (local: on).
    "INSPECTOR_ALLOW_MINT": False,
    # With no key pasted, fetch the token issuer's published keys (the token page's "discover
    # keys" switch starts on, `discover` in the JSON and the CLI default to it). Off: nothing is
    # fetched unless asked for.
    "INSPECTOR_DISCOVER_KEYS": True,
    "INSPECTOR_MAX_BODY": 65536,
    "INSPECTOR_PROBE_TIMEOUT": 5.0,
    "INSPECTOR_PROBE_TIMEOUT_MAX": 30.0,
    "INSPECTOR_MAX_CONCURRENT_PROBES": 16,
    # Per client, shared mode: requests that may probe (DB connection, JWKS URL) ...
    "INSPECTOR_RATE_LIMIT": "30 per minute",
    # ... and every inspecting POST (pages and API; the token page's live check is one).
    "INSPECTOR_INSPECT_RATE_LIMIT": "300 per minute",
    "INSPECTOR_LOGIN_RATE_LIMIT": "10 per minute",
    "INSPECTOR_RATELIMIT_STORAGE_URI": "memory://",
    # Rate limits: on in shared mode, off in local mode, unless set.
    "INSPECTOR_RATE_LIMIT_ENABLED": None,
    # How many reverse proxies sit in front (X-Forwarded-For/-Proto/-Host/-Prefix are trusted
    # from that many hops); 0: none, the headers are ignored.
    "INSPECTOR_PROXY_FIX": 0,
    # Shared mode: hours a team-password login lasts.
    "INSPECTOR_SESSION_HOURS": 12.0,
    # Names this site answers to besides LOCAL_HOSTS (the Host header, any port): a shared
    # site's public names. Anything else gets a 421 before any view runs (DNS rebinding).
    "INSPECTOR_TRUSTED_HOSTS": "",
}

# The names every mode answers to: a browser on this machine reaching a local server.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")

# Flask settings every mode uses: the session cookie carries only the CSRF token and, in shared
# mode, the login mark. Secure is decided per request (https or not): see web/security.py.
FLASK_DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_NAME": "inspector_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_SECURE": False,
}

# Variables read from the environment, and how to read each.
_BOOL = {"1", "true", "yes", "on"}


def _as_bool(v: Any) -> bool:
    return v if isinstance(v, bool) else str(v).strip().lower() in _BOOL


_CASTS: dict[str, Any] = {
    "INSPECTOR_ALLOW_CONFIGURED_SECRETS": _as_bool,
    "INSPECTOR_ALLOW_MINT": _as_bool,
    "INSPECTOR_DISCOVER_KEYS": _as_bool,
    "INSPECTOR_MAX_BODY": int,
    "INSPECTOR_PROBE_TIMEOUT": float,
    "INSPECTOR_PROBE_TIMEOUT_MAX": float,
    "INSPECTOR_MAX_CONCURRENT_PROBES": int,
    "INSPECTOR_PROXY_FIX": int,
    "INSPECTOR_SESSION_HOURS": float,
}

# Secret keys that are placeholders, not keys.
_WEAK_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,100}$")


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None):
    """The effective settings, validated. Raises ConfigError when they cannot work."""
    env = os.environ if environ is None else environ
    settings = dict(FLASK_DEFAULTS)
    settings.update(DEFAULTS)
    for name in DEFAULTS:
        if name in env and env[name] != "":
            settings[name] = env[name]
    settings.update(overrides or {})
    for name, cast in _CASTS.items():
        try:
            settings[name] = cast(settings[name])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name} must be a number, got {settings[name]!r}") from exc
    settings["INSPECTOR_TRUSTED_HOSTS"] = trusted_hosts(settings["INSPECTOR_TRUSTED_HOSTS"])
    enabled = settings["INSPECTOR_RATE_LIMIT_ENABLED"]
    settings["INSPECTOR_RATE_LIMIT_ENABLED"] = (
        is_shared(settings) if enabled is None or enabled == "" else _as_bool(enabled)
    )
    validate(settings)
    if not settings["SECRET_KEY"]:
        # Local mode: a random key per process is enough for CSRF tokens.
        settings["SECRET_KEY"] = secrets.token_hex(32)
    # Werkzeug enforces this on the stream too, so a chunked body without Content-Length
    # is cut off at the limit (413) instead of being read whole.
    settings["MAX_CONTENT_LENGTH"] = settings["INSPECTOR_MAX_BODY"]
    settings["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings["INSPECTOR_SESSION_HOURS"])
    return settings


def validate(settings: Mapping[str, Any]) -> None:
    mode = settings["INSPECTOR_MODE"]
    if mode not in ("local", "shared"):
        raise ConfigError(f"INSPECTOR_MODE must be 'local' or 'shared', got {mode!r}")
    if settings["INSPECTOR_MAX_BODY"] <= 0:
        raise ConfigError("INSPECTOR_MAX_BODY must be a positive number of bytes")
    if not 0 < settings["INSPECTOR_PROBE_TIMEOUT"] <= settings["INSPECTOR_PROBE_TIMEOUT_MAX"]:
        raise ConfigError("INSPECTOR_PROBE_TIMEOUT must be above 0 and at most 30 seconds")
    if settings["INSPECTOR_PROXY_FIX"] < 0:
        raise ConfigError("INSPECTOR_PROXY_FIX must be the number of proxies in front (0 or more)")
    if settings["INSPECTOR_SESSION_HOURS"] <= 0:
        raise ConfigError("INSPECTOR_SESSION_HOURS must be above 0")
    _validate_allow_lists(settings)
    _validate_rate_limits(settings)
    if mode == "shared":
        _validate_shared(settings)


def _validate_shared(settings: Mapping[str, Any]) -> None:
    key = settings.get("SECRET_KEY") or ""
    if not isinstance(key, str | bytes) or len(key) < 16 or _is_placeholder(key):
        raise ConfigError(
            "shared mode needs a real SECRET_KEY (at least 16 random characters), "
            "e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    password = settings.get("INSPECTOR_ACCESS_PASSWORD")
    header = settings.get("INSPECTOR_TRUSTED_USER_HEADER")
    if not password and not header:
        raise ConfigError(
            "shared mode needs an access gate: set INSPECTOR_ACCESS_PASSWORD (a team password) "
            "or INSPECTOR_TRUSTED_USER_HEADER (your reverse proxy's authenticated-user header)"
        )
    if password and str(password) == str(key):
        raise ConfigError("INSPECTOR_ACCESS_PASSWORD must not be the SECRET_KEY")
    if password and len(str(password)) < 8:
        raise ConfigError("INSPECTOR_ACCESS_PASSWORD must be at least 8 characters long")
    if header and not _HEADER_NAME.match(str(header)):
        raise ConfigError(
            f"INSPECTOR_TRUSTED_USER_HEADER must be a header name like X-Forwarded-User, "
            f"got {header!r}"
        )


_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def trusted_hosts(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """INSPECTOR_TRUSTED_HOSTS as normalised names: `inspector.example.com` (exactly),
    `*.example.com` (names under it, stored as `.example.com`), an IP address (`10.0.0.5`,
    `[fd00::5]` or `fd00::5`), or `*` (any name: the check is off). Comma or space separated;
    no scheme and no port (every port of a name is that name)."""
    if value is None:
        return ()
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"INSPECTOR_TRUSTED_HOSTS: {item!r} is not a host name")
        name = item.strip()
        if name:
            names.append(_trusted_name(name))
    return tuple(dict.fromkeys(names))


def _trusted_name(text: str) -> str:
    def refuse(why: str) -> ConfigError:
        return ConfigError(f"INSPECTOR_TRUSTED_HOSTS: {text!r} {why}")

    if text == "*":
        return text
    name = text.lower().rstrip(".")
    if "/" in name or "@" in name:
        raise refuse("must be a bare host name, without scheme or path")
    bracketed = name.startswith("[") and name.endswith("]")
    if bracketed or name.count(":") > 1:
        try:
            return f"[{ipaddress.IPv6Address(name[1:-1] if bracketed else name).compressed}]"
        except ValueError:
            raise refuse("is not an IPv6 address") from None
    if ":" in name:
        raise refuse("must be a name without a port (every port of a name is allowed)")
    suffix = name.startswith("*.")
    if suffix:
        name = name[2:]
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise refuse("is not a valid host name") from None
    if not name or not all(_LABEL.match(label) for label in name.split(".")):
        raise refuse("is not a valid host name (letters, digits, '-' and dots; '*.' in front)")
    return "." + name if suffix else name


def _is_placeholder(key: str | bytes) -> bool:
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    text = text.strip().lower()
    return text in _WEAK_SECRET_KEYS or "change" in text


def _validate_allow_lists(settings: Mapping[str, Any]) -> None:
    try:
        netpolicy.parse_networks(settings.get("INSPECTOR_ALLOWED_NETWORKS"))
    except ValueError as exc:
        raise ConfigError(f"INSPECTOR_ALLOWED_NETWORKS: {exc}") from exc
    try:
        netpolicy.parse_hosts(settings.get("INSPECTOR_ALLOWED_HOSTS"))
    except netpolicy.ProbeBlockedError as exc:
        raise ConfigError(f"INSPECTOR_ALLOWED_HOSTS: {exc.reason}") from exc


def _validate_rate_limits(settings: Mapping[str, Any]) -> None:
    from limits import parse_many
    from limits.storage import SCHEMES

    for name in (
        "INSPECTOR_RATE_LIMIT",
        "INSPECTOR_INSPECT_RATE_LIMIT",
        "INSPECTOR_LOGIN_RATE_LIMIT",
    ):
        try:
            parse_many(str(settings.get(name) or ""))
        except ValueError as exc:
            raise ConfigError(
                f"{name} must look like '30 per minute', got {settings.get(name)!r}"
            ) from exc
    uri = str(settings.get("INSPECTOR_RATELIMIT_STORAGE_URI") or "")
    if uri.split("://", 1)[0] not in SCHEMES or "://" not in uri:
        raise ConfigError(
            "INSPECTOR_RATELIMIT_STORAGE_URI must be a storage URI such as memory:// or "
            "redis://host:6379"
        )


def is_shared(settings: Mapping[str, Any]) -> bool:
    return settings.get("INSPECTOR_MODE") == "shared"
