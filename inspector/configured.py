"""The configured environment: the `.env` file (read afresh) and the process environment, and
whether this site may use them at all."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


def configured_values(env_file: str | os.PathLike | None) -> dict[str, str]:
    """Values of the configured `.env` (if readable), overridden by the process environment
    for the same names (as `load_dotenv` does). Never mutates os.environ."""
    values: dict[str, str] = {}
    if env_file:
        path = Path(env_file)
        try:
            if path.is_file():
                values = {k: v for k, v in dotenv_values(path).items() if v is not None}
        except (OSError, UnicodeDecodeError):
            values = {}
    for name in list(values):
        if os.environ.get(name):
            values[name] = os.environ[name]
    for name in ("SUPABASE_JWT_SECRET", "SUPABASE_URL", "DATABASE_URL"):
        if name not in values and os.environ.get(name):
            values[name] = os.environ[name]
    return values


def configured_allowed(config: Mapping[str, Any]) -> bool:
    """May this site read its own `.env` (and verify with its secret)? Local mode yes; shared mode
    only with INSPECTOR_ALLOW_CONFIGURED_SECRETS on."""
    return config["INSPECTOR_MODE"] == "local" or bool(config["INSPECTOR_ALLOW_CONFIGURED_SECRETS"])
