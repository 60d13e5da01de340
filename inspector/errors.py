"""The one exception tree. A broken token or connection string is never an exception (it is a
finding in a report); these are the failures that stop a job from being done at all.

    InspectorError
     ├── ConfigError                   the settings cannot work (start-up refuses: exit 3)
     ├── ProbeCapacityError            every probe slot is taken (page and JSON: 503 busy)
     ├── ConfiguredSecretRefusedError  shared mode may not use the server's own secrets (403)
     └── ApiError                      a request an endpoint cannot read (400, or its own status)

Each carries the HTTP status and the JSON error code it maps to; `web/errors.py` turns any of
them into a page or a JSON error in one place, so views never catch them.
"""

from __future__ import annotations


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


class ConfiguredSecretRefusedError(InspectorError):
    """Shared mode: verifying with the server's configured secrets is not allowed."""

    status = 403
    code = "forbidden"


class ApiError(InspectorError):
    """The request is not something an endpoint can read (not JSON, a field missing or mistyped),
    or is refused; `status` and `code` say how."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_request"):
        super().__init__(message)
        self.status = status
        self.code = code
