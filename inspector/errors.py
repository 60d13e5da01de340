"""The one exception tree. A broken token or connection string is never an exception (it is a
finding in a report); these are the failures that stop a job from being done at all.

    InspectorError
     ├── ConfigError                   the settings cannot work (start-up refuses: exit 3)
     ├── ProbeCapacityError            every probe slot is taken (503 busy)
     ├── ConfiguredSecretRefusedError  shared mode may not use the server's own secrets (403)
     └── ApiError                      a request an endpoint cannot read (400, or its own status)

Each carries the HTTP status and the JSON error code it maps to; `web/errors.py` turns any of
them into a page or a JSON error (`{"error": {"code", "message"}}`) in one place, so views never
catch them.

Not in the tree, on purpose: `tokens.fetch.JWKSFetchError` and `netpolicy.ProbeBlockedError`.
They never leave their inspector: the service turns them into findings (`jwks_fetch_failed`,
`jwks_fetch_blocked`, `probe_blocked`) and the job is done all the same.
"""

from __future__ import annotations

BUSY_MESSAGE = "too many probes are running: try again in a few seconds"


class InspectorError(Exception):
    """A job could not be done. `message` is safe to show: it never holds pasted input."""

    status = 500
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(InspectorError):
    """The configuration cannot work (e.g. shared mode without a secret key or an access gate)."""

    status = 500
    code = "config"


class ProbeCapacityError(InspectorError):
    """Every probe slot is taken: try again in a few seconds."""

    status = 503
    code = "busy"

    def __init__(self, message: str = BUSY_MESSAGE):
        super().__init__(message)


class ConfiguredSecretRefusedError(InspectorError):
    """Shared mode without INSPECTOR_ALLOW_CONFIGURED_SECRETS: the server's secret stays unused."""

    status = 403
    code = "forbidden"


class ApiError(InspectorError):
    """The request is not something an endpoint can read (not JSON, a field missing or mistyped),
    or is refused; `status` and `code` say how."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_request"):
        super().__init__(message)
        self.status = status
        self.code = code
