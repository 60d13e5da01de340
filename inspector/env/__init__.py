""".env text -> EnvReport (uses the token and connection inspectors; no Flask).

`inspect_env()` is the one service function; its report is an `EnvReport` with one
`EnvVariable` per variable. `mask_value()` shows a value as the report does; `role_for_name()`
says what a variable's name says it holds (a `Role`).
"""

from __future__ import annotations

from inspector.env.names import Role, role_for_name, split_public_prefix
from inspector.env.report import EnvReport, EnvVariable
from inspector.env.service import ENV_PROBES_AT_ONCE, ProbeGate, inspect_env
from inspector.env.values import ValueKind, mask_value

__all__ = [
    "ENV_PROBES_AT_ONCE",
    "EnvReport",
    "EnvVariable",
    "ProbeGate",
    "Role",
    "ValueKind",
    "inspect_env",
    "mask_value",
    "role_for_name",
    "split_public_prefix",
]
