"""The request tester: a token sent to an endpoint -> RequestReport (no Flask).

`test_request()` sends it to the user's own API or their project's REST/Auth URL; `ask_auth()`
asks Supabase Auth itself (`GET /auth/v1/user`). Both diagnose the token first and read the
server's answer next to that diagnosis. io.py is the only module that sends anything.

Names load on first use (PEP 562), as in inspector.tokens: `from inspector.endpoint.targets
import METHODS` (the CLI's option) does not import PyJWT.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inspector.endpoint.report import RequestReport
    from inspector.endpoint.service import ProjectConfig, ask_auth, test_request

_HOMES = {
    "ProjectConfig": "service",
    "RequestReport": "report",
    "ask_auth": "service",
    "test_request": "service",
}

__all__ = ["ProjectConfig", "RequestReport", "ask_auth", "test_request"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
