"""Known failures mapped to pages (or JSON under /api/) in one place. No catch-all."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str | None = None):
    code, default = _MESSAGES.get(status, ("error", "The request failed."))
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
    return render_template("errors/error.html", status=status, code=code, message=text), status


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
    from flask import current_app

    return int(current_app.config.get("INSPECTOR_MAX_BODY", 0))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _render(400, "The form expired or was sent from another site: reload the page.")

    @app.errorhandler(UntrustedHostError)
    def _untrusted_host(exc: UntrustedHostError):
        return _render(421, _untrusted_host_message(exc.host))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 400
        # Werkzeug's own descriptions never contain input, but keep our plain texts.
        return _render(status)
