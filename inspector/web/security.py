"""What stands between a request and a view: the Host check, the body limit, shared mode's
access gate, the rate limits; and the headers on every response.

Order of the checks on each request: the Host (only this site's own names: DNS rebinding),
body size, then the gate (nothing of an unauthenticated request is read), then the request's
secrets are noted for the log filter, then CSRF (Flask-WTF), then the rate limits
(Flask-Limiter).
"""

from __future__ import annotations

import io
import ipaddress
import logging
from typing import Any, NoReturn

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_limiter import Limit, Limiter
from werkzeug.exceptions import MisdirectedRequest, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from inspector.config import LOCAL_HOSTS
from inspector.configured import configured_values
from inspector.errors import ApiError
from inspector.web import logfilter

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), clipboard-write=(self)",
}

# Reachable without passing the gate: the login page, its CSS, the load balancer's check.
OPEN_ENDPOINTS = frozenset({"static", "auth.login", "healthz"})
# Blueprints whose POSTs inspect: one per-client budget (INSPECTOR_INSPECT_RATE_LIMIT). The home
# page's paste only redirects (307): the page it lands on counts.
INSPECT_BLUEPRINTS = frozenset({"token", "connection", "env", "explain", "api", "tester", "mint"})
# Endpoints whose POSTs may reach the network: a tighter budget (INSPECTOR_RATE_LIMIT).
CONNECTION_ENDPOINTS = frozenset({"connection.page", "api.api_connection"})
TOKEN_ENDPOINTS = frozenset({"token.page", "api.api_token"})
ENV_ENDPOINTS = frozenset({"env.page", "api.api_env"})
REQUEST_ENDPOINTS = frozenset({"tester.page", "api.api_request"})  # always send a request
LOGIN_ENDPOINT = "auth.login"
# Names in the configured .env whose values are secrets to keep out of logs.
_SECRET_NAME_PARTS = ("SECRET", "KEY", "PASSWORD", "TOKEN", "DATABASE_URL")
# Answers whatever its Host: a load balancer's check often uses the instance's address.
ANY_HOST_ENDPOINTS = frozenset({"healthz"})
_log = logging.getLogger("inspector")


class UntrustedHostError(MisdirectedRequest):
    """The request's Host is none of this site's names: a 421 page (or JSON under /api/)."""

    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag set whenever the request is https
    (directly, via ProxyFix's X-Forwarded-Proto, or PREFERRED_URL_SCHEME=https)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        if app.config.get("PREFERRED_URL_SCHEME") == "https":
            return True
        return has_request_context() and request.is_secure


def is_shared() -> bool:
    return current_app.config["INSPECTOR_MODE"] == "shared"


def trusted_user() -> str | None:
    """The user the reverse proxy vouches for (trusted-header mode), else None."""
    header = current_app.config.get("INSPECTOR_TRUSTED_USER_HEADER")
    if not header:
        return None
    value = (request.headers.get(header) or "").strip()
    return value if 0 < len(value) <= 256 else None


def _client_key() -> str:
    """Whom a rate limit counts: the proxy's user when there is one, else the client address
    (set INSPECTOR_PROXY_FIX behind a proxy, or every client shares the proxy's address)."""
    user = trusted_user() if is_shared() else None
    return f"user:{user}" if user else f"addr:{request.remote_addr or '-'}"


def host_name(host: str) -> str:
    """The name part of a `Host` value (`[::1]:8080` -> `[::1]`), lower case, no final dot."""
    if host.startswith("["):
        end = host.find("]")
        try:
            return f"[{ipaddress.IPv6Address(host[1:end]).compressed}]" if end > 0 else ""
        except ValueError:
            return ""
    return host.partition(":")[0].lower().rstrip(".")


def host_trusted(name: str, extra: tuple[str, ...]) -> bool:
    """Whether `name` is one of LOCAL_HOSTS or of `extra` (INSPECTOR_TRUSTED_HOSTS: a leading
    dot means the names under it; `*` means any name)."""
    if not name:
        return False
    if name in LOCAL_HOSTS or name in extra or "*" in extra:
        return True
    return any(e.startswith(".") and name.endswith(e) for e in extra)


def _trusted_host() -> None:
    """Only this site's own names get an answer. A page on another site can re-bind its own
    name to 127.0.0.1 and then read this one as same-origin: its requests still carry its
    name in `Host`. Checked before anything else runs; the error page builds no absolute URL."""
    if isinstance(request.routing_exception, SecurityError):
        # Flask's own TRUSTED_HOSTS (if someone sets it) refused the Host before routing.
        raise UntrustedHostError("")
    if request.endpoint in ANY_HOST_ENDPOINTS:
        return None
    # request.host: werkzeug's reading of the Host header (the X-Forwarded-Host under
    # INSPECTOR_PROXY_FIX), "" when it holds characters no host name has.
    name = host_name(request.host)
    if host_trusted(name, tuple(current_app.config.get("INSPECTOR_TRUSTED_HOSTS") or ())):
        return None
    _log.warning(
        "refused a request for host %r: not 127.0.0.1, localhost, [::1] or a name in "
        "INSPECTOR_TRUSTED_HOSTS",
        name[:100] or request.headers.get("Host", "")[:100],
    )
    raise UntrustedHostError(name)


def _body_limit() -> None:
    """Refuse an oversized body before anything reads it: by its Content-Length, or, for a
    chunked body without one, by reading at most limit + 1 bytes. (Werkzeug's own cap on such
    a stream stops at the limit silently: the view would see a truncated body, not a 413.)"""
    limit = current_app.config["INSPECTOR_MAX_BODY"]
    if request.content_length is not None:
        if request.content_length > limit:
            abort(413)
        return
    environ = request.environ
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked or not environ.get("wsgi.input_terminated"):
        return
    stream, parts, total = environ["wsgi.input"], [], 0
    while total <= limit:
        part = stream.read(min(65536, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    if total > limit:
        abort(413)
    body = b"".join(parts)
    # From here on the body is an ordinary one with a length.
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def _gate() -> ResponseReturnValue | None:
    """Shared mode: pass a trusted proxy user or a signed-in session; else 401 or the login."""
    if not is_shared() or request.endpoint in OPEN_ENDPOINTS:
        return None
    if trusted_user():
        return None
    from inspector.web import auth

    if current_app.config.get("INSPECTOR_ACCESS_PASSWORD") and auth.signed_in():
        return None
    if request.path.startswith("/api/"):
        abort(401)
    if not current_app.config.get("INSPECTOR_ACCESS_PASSWORD"):
        # Trusted-header mode: only the team's sign-in proxy lets people in.
        raise ApiError(
            "This team site is reached through your organisation's sign-in: open it by its "
            "usual address, not directly.",
            status=401,
            code="unauthorized",
        )
    target = request.path if request.method == "GET" else None
    if target and request.headers.get("Sec-Fetch-Site") == "cross-site":
        # A link from another site (chat, a ticket): the browser withheld the SameSite=Strict
        # cookie. Rendering the login page now would set a fresh session cookie over the
        # signed-in one; one same-site hop brings the cookie back instead.
        return render_template("auth/bounce.html", target=auth.safe_next(target))
    return redirect(url_for(LOGIN_ENDPOINT, next=auth.safe_next(target)))


def _bad_json(message: str) -> NoReturn:
    if request.path.startswith("/api/"):
        raise ApiError(message)
    abort(400)


def _has_lone_surrogate(data: Any) -> bool:
    """A JSON string may escape half a surrogate pair (\\udcff): not Unicode text at all."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _note_request_secrets() -> None:
    """Read a JSON body once (refusing what no view can use), and tell the log filter what this
    request's secrets are, whatever shape they have."""
    if request.method != "POST":
        return None
    data: Any = None
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            _bad_json("the JSON is nested too deeply")
        if _has_lone_surrogate(data):
            _bad_json("the JSON holds a lone surrogate escape (\\ud800-\\udfff): not text")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = request.form
    if data:
        g._inspector_secrets = logfilter.set_request_data(data)
    return None


def _forget_request_secrets(_exc: BaseException | None = None) -> None:
    token = g.pop("_inspector_secrets", None)
    if token is not None:
        logfilter.reset_request_secrets(token)


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def _healthz() -> ResponseReturnValue:
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


def _field(name: str) -> Any:
    """A field of this POST, from its JSON body (parsed once, cached) or its form."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data.get(name) if isinstance(data, dict) else None
    return request.form.get(name)


def may_probe() -> bool:
    """Whether this request may send packets out: a connection diagnosis (unless the JSON asks
    for `probe: false`), a token checked against a JWKS URL or against its issuer's published
    keys (no key, discovery on), a .env checked live, a connection string pasted on the home
    page (at the connection page its 307 leads to), a request test."""
    endpoint = request.endpoint or ""
    if endpoint in REQUEST_ENDPOINTS:
        return True
    if endpoint in CONNECTION_ENDPOINTS:
        return _field("probe") is not False
    if endpoint in ENV_ENDPOINTS:
        probe = _field("probe")
        # JSON: `true`; the form's checkbox: any value WTForms' BooleanField reads as true.
        return probe is True if request.is_json else probe not in (None, "", "false")
    if endpoint in TOKEN_ENDPOINTS:
        from inspector.tokens import needs_fetch

        key = _field("key")
        if isinstance(key, str) and key.strip():
            return needs_fetch(key)
        # No key: the issuer's published keys are fetched, unless discovery is switched off.
        discover = _field("discover")
        if request.is_json:
            return discover is True or (discover is None and _discovers_by_default())
        if _field("token") is None and _field("text") is not None:  # the home page's paste
            return _discovers_by_default()
        return discover not in (None, "", "false")
    return False


def _discovers_by_default() -> bool:
    return bool(current_app.config.get("INSPECTOR_DISCOVER_KEYS", True))


def make_limiter(app: Flask) -> Limiter:
    """Per-client limits: inspecting POSTs, those that may probe, and login attempts."""
    config = app.config
    inspect = Limit(
        lambda: config["INSPECTOR_INSPECT_RATE_LIMIT"],
        scope="inspect",
        shared=True,
        methods=["POST"],
        exempt_when=lambda: request.blueprint not in INSPECT_BLUEPRINTS,
    )
    probe = Limit(
        lambda: config["INSPECTOR_RATE_LIMIT"],
        scope="probe",
        shared=True,
        methods=["POST"],
        exempt_when=lambda: not may_probe(),
    )
    login = Limit(
        lambda: config["INSPECTOR_LOGIN_RATE_LIMIT"],
        scope="login",
        shared=True,
        methods=["POST"],
        exempt_when=lambda: request.endpoint != LOGIN_ENDPOINT,
    )
    limiter = Limiter(
        _client_key,
        default_limits=[inspect, probe, login],
        storage_uri=config["INSPECTOR_RATELIMIT_STORAGE_URI"],
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="inspector",
        enabled=bool(config["INSPECTOR_RATE_LIMIT_ENABLED"]),
    )
    limiter.init_app(app)
    return limiter


def init_app(app: Flask) -> None:
    logfilter.install()
    logfilter.add_configured_secrets(
        [app.config.get("SECRET_KEY"), app.config.get("INSPECTOR_ACCESS_PASSWORD")]
        + [
            value
            for name, value in configured_values(app.config.get("INSPECTOR_ENV_FILE")).items()
            if any(part in name.upper() for part in _SECRET_NAME_PARTS)
        ]
    )

    proxies = int(app.config.get("INSPECTOR_PROXY_FIX") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    app.session_interface = SessionInterface()

    # Ahead of Flask-WTF's CSRF check (registered earlier by create_app): refuse other sites'
    # names, oversized and unauthenticated requests before their bodies are parsed.
    first = app.before_request_funcs.setdefault(None, [])
    first[0:0] = [_trusted_host, _body_limit, _gate, _note_request_secrets]
    app.teardown_request(_forget_request_secrets)
    app.after_request(_headers)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.extensions["inspector.limiter"] = make_limiter(app)
