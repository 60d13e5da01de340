"""Settings: defaults, then the environment (INSPECTOR_*), then the dict a test passes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any


class ConfigError(Exception):
    """The configuration cannot work (e.g. shared mode without a secret key or an access gate)."""


DEFAULTS: dict[str, Any] = {
    "INSPECTOR_MODE": "local",
    "SECRET_KEY": None,
    "INSPECTOR_ENV_FILE": ".env",
    "INSPECTOR_ACCESS_PASSWORD": None,
    "INSPECTOR_TRUSTED_USER_HEADER": None,
    "INSPECTOR_ALLOWED_HOSTS": "*.supabase.co,*.supabase.com",
    "INSPECTOR_ALLOWED_NETWORKS": "",
    "INSPECTOR_ALLOW_CONFIGURED_SECRETS": False,
    "INSPECTOR_MAX_BODY": 65536,
    "INSPECTOR_PROBE_TIMEOUT": 5.0,
    "INSPECTOR_PROBE_TIMEOUT_MAX": 30.0,
    "INSPECTOR_MAX_CONCURRENT_PROBES": 16,
    "INSPECTOR_RATE_LIMIT": "30 per minute",
    "INSPECTOR_LOGIN_RATE_LIMIT": "10 per minute",
    "INSPECTOR_RATELIMIT_STORAGE_URI": "memory://",
}

# Variables read from the environment, and how to read each.
_BOOL = {"1", "true", "yes", "on"}


def _as_bool(v: Any) -> bool:
    return v if isinstance(v, bool) else str(v).strip().lower() in _BOOL


_CASTS: dict[str, Any] = {
    "INSPECTOR_ALLOW_CONFIGURED_SECRETS": _as_bool,
    "INSPECTOR_MAX_BODY": int,
    "INSPECTOR_PROBE_TIMEOUT": float,
    "INSPECTOR_PROBE_TIMEOUT_MAX": float,
    "INSPECTOR_MAX_CONCURRENT_PROBES": int,
}

# Secret keys that are placeholders, not keys.
_WEAK_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None):
    """The effective settings, validated. Raises ConfigError when they cannot work."""
    env = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for name in DEFAULTS:
        if name in env and env[name] != "":
            settings[name] = env[name]
    settings.update(overrides or {})
    for name, cast in _CASTS.items():
        try:
            settings[name] = cast(settings[name])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name} must be a number, got {settings[name]!r}") from exc
    validate(settings)
    if not settings["SECRET_KEY"]:
        # Local mode: a random key per process is enough for CSRF tokens.
        settings["SECRET_KEY"] = secrets.token_hex(32)
    settings["MAX_CONTENT_LENGTH"] = settings["INSPECTOR_MAX_BODY"]
    return settings


def validate(settings: Mapping[str, Any]) -> None:
    mode = settings["INSPECTOR_MODE"]
    if mode not in ("local", "shared"):
        raise ConfigError(f"INSPECTOR_MODE must be 'local' or 'shared', got {mode!r}")
    if settings["INSPECTOR_MAX_BODY"] <= 0:
        raise ConfigError("INSPECTOR_MAX_BODY must be a positive number of bytes")
    if not 0 < settings["INSPECTOR_PROBE_TIMEOUT"] <= settings["INSPECTOR_PROBE_TIMEOUT_MAX"]:
        raise ConfigError("INSPECTOR_PROBE_TIMEOUT must be above 0 and at most 30 seconds")
    if mode == "shared":
        key = settings.get("SECRET_KEY") or ""
        if key.strip().lower() in _WEAK_SECRET_KEYS or len(key) < 16:
            raise ConfigError(
                "shared mode needs a real SECRET_KEY (at least 16 random characters), "
                "e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not settings.get("INSPECTOR_ACCESS_PASSWORD") and not settings.get(
            "INSPECTOR_TRUSTED_USER_HEADER"
        ):
            raise ConfigError(
                "shared mode needs an access gate: set INSPECTOR_ACCESS_PASSWORD (a team password) "
                "or INSPECTOR_TRUSTED_USER_HEADER (your reverse proxy's authenticated-user header)"
            )


def is_shared(settings: Mapping[str, Any]) -> bool:
    return settings.get("INSPECTOR_MODE") == "shared"
