""".env text -> EnvReport (uses the token and connection inspectors; no Flask).

`inspect_env()` is the one service function; the report is `EnvReport`, one `EnvVariable` per
variable. `mask_value()` shows a value as the report does; `role_for_name()` says what a
variable's name says it holds.
"""

from __future__ import annotations

from inspector.env.service import (
    ENV_PROBES_AT_ONCE,
    EnvReport,
    EnvVariable,
    inspect_env,
    mask_value,
    role_for_name,
    split_public_prefix,
)

__all__ = [
    "ENV_PROBES_AT_ONCE",
    "EnvReport",
    "EnvVariable",
    "inspect_env",
    "mask_value",
    "role_for_name",
    "split_public_prefix",
]
