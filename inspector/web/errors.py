"""Known failures mapped to pages (or JSON under /api/) in one place. No catch-all.

Every `InspectorError` (inspector/errors.py) answers with its own status, code and message; an
HTTP error (404, 413, 429, ...) with the plain words below; a CSRF failure and an untrusted Host
with their own. Views never catch any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from inspector.errors import InspectorError
from inspector.vocabulary import ICONS
from inspector.web.api import error_response
from inspector.web.security import UntrustedHostError

_MESSAGES = {
    400: ("bad_request", "The request could not be read."),
    401: ("unauthorized", "Sign in first."),
    403: ("forbidden", "This is not allowed here."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method (forms are POST only)."),
    413: ("too_large", "The input is larger than this site accepts."),
    421: ("untrusted_host", "This site does not answer to the name it was reached by."),
    429: ("rate_limited", "Too many requests: wait a minute and try again."),
    503: ("busy", "Too many probes are running: try again in a few seconds."),
}

# What to do next, by status (pages only; the JSON's message is enough for a program).
_FIXES = {
    413: "paste only the token, the connection string or the `.env` lines that matter.",
    400: "reload the page and send the form again.",
    429: "wait a minute, then send again.",
    405: "open the page and use its form.",
    503: "wait a few seconds, then send again.",
}
# Statuses that are the visitor's detour rather than a failure: shown as a warning.
_DETOURS = frozenset({404, 405, 429})


@dataclass(frozen=True)
class ErrorPage:
    """What errors/error.html shows: decided here, formatted there."""

    status: int
    code: str
    message: str
    fix: str | None

    @property
    def tone(self) -> str:
        return "warning" if self.status in _DETOURS else "failed"

    @property
    def icon(self) -> str:
        return ICONS["warning"] if self.status in _DETOURS else ICONS["error"]


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(
    status: int, message: str | None = None, code: str | None = None
) -> tuple[str, int] | Response:
    known_code, default = _MESSAGES.get(status, ("error", "The request failed."))
    code = code or known_code
    text = message or default
    if status == 413:
        limit = request.environ.get("inspector.max_body") or _max_body()
        text = f"The input is larger than this site accepts ({limit} bytes at most)."
    if _wants_json():
        return error_response(code, text, status)
    if request_ctx.url_adapter is None:
        # The Host was refused before routing (Flask's TRUSTED_HOSTS): the page's links are
        # relative, so any server name builds them; request.host itself would raise again.
        request_ctx.url_adapter = current_app.url_map.bind(
            "localhost", script_name=request.root_path or "/", url_scheme=request.scheme
        )
    error = ErrorPage(status, code, text, _FIXES.get(status))
    return render_template("errors/error.html", error=error), status


def _untrusted_host_message(name: str) -> str:
    shown = f"“{name[:100]}”" if name else "the name it was reached by"
    if current_app.config["INSPECTOR_MODE"] == "shared":
        return (
            f"This site does not answer to {shown}: open it by its usual address. "
            "(Whoever runs it lists its public names in INSPECTOR_TRUSTED_HOSTS.)"
        )
    return (
        f"This inspector answers only to 127.0.0.1, localhost and [::1], not to {shown}: open "
        "http://127.0.0.1 with its port, or add the name to INSPECTOR_TRUSTED_HOSTS."
    )


def _max_body() -> int:
    return int(current_app.config.get("INSPECTOR_MAX_BODY", 0))


def init_app(app: Flask) -> None:
    @app.errorhandler(InspectorError)
    def _inspector_error(exc: InspectorError) -> tuple[str, int] | Response:
        message = exc.message
        if not _wants_json() and message:
            message = message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
        return _render(exc.status, message, exc.code)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int] | Response:
        return _render(400, "The form expired or was sent from another site: reload the page.")

    @app.errorhandler(UntrustedHostError)
    def _untrusted_host(exc: UntrustedHostError) -> tuple[str, int] | Response:
        return _render(421, _untrusted_host_message(exc.host))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int] | Response:
        status = exc.code or 400
        # Werkzeug's own descriptions never contain input, but keep our plain texts.
        return _render(status)
