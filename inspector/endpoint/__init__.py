"""The request tester: a token sent to an endpoint -> RequestReport (no Flask).

`test_request()` sends it to the user's own API or their project's REST/Auth URL; `ask_auth()`
asks Supabase Auth itself (`GET /auth/v1/user`). Both diagnose the token first and read the
server's answer next to that diagnosis. io.py is the only module that sends anything.
"""

from __future__ import annotations

from inspector.endpoint.report import RequestReport
from inspector.endpoint.service import ProjectConfig, ask_auth, test_request

__all__ = ["ProjectConfig", "RequestReport", "ask_auth", "test_request"]
