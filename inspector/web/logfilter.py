"""Secrets never reach a log: every log record is scrubbed as it is made and again by a filter
on every handler.

What is masked: anything shaped like a JWT, an `sb_` key, a connection-string password, a
`Bearer` value, the query string of a request line, the site's own configured secrets, and the
secret-bearing fields of the request being served (the pasted token, key, password, URL,
`.env` values), so even a secret with no recognisable shape cannot be logged by accident.

Two layers, because either alone has a gap: the record factory sees every record of every
logger (including handlers added later, such as werkzeug's lazily added one or a test's
capture handler) while the request's secrets are known; the `SecretFilter` on the handlers
covers records made before `install()` ran or by a custom factory that replaced ours.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from inspector.redact import MASK, redact_log_text

# Fields whose values are secrets or may contain one (the api.md request fields; the request
# tester's apikey, the mint panel's prefixed key and token).
SECRET_FIELDS = ("token", "key", "password", "url", "text", "apikey", "mint-key", "mint-token")
_MIN_SECRET = 6


class _RequestSecrets:
    """The request's data, turned into secrets only when something is logged (most requests
    log nothing, so most never pay for it)."""

    __slots__ = ("data", "values")

    def __init__(self, data: Any = None, values: tuple[str, ...] | None = None) -> None:
        self.data, self.values = data, values

    def get(self) -> tuple[str, ...]:
        if self.values is None:
            self.values = tuple(secrets_in(self.data))
        return self.values


_request_secrets: contextvars.ContextVar[_RequestSecrets | None] = contextvars.ContextVar(
    "inspector_request_secrets", default=None
)
_configured: set[str] = set()
_lock = threading.Lock()
_installed = False
_SCRUBBED = "_inspector_scrubbed"


# The query of a request line (`GET /path?query HTTP/1.1`: werkzeug's dev server, most access
# logs): all of it, from "?" to the last protocol on the line, whatever it holds (werkzeug
# decodes quotes in it; ANSI colours may touch the method).
_REQUEST_LINE_QUERY = re.compile(r"(?m)([A-Z]{3,10} [^\s?]*)\?.*(?= HTTP/\d)")
# Any other path's query: up to the next space or quote.
_PATH_QUERY = re.compile(r"((?:^|[\s\"'(])/[^\s?\"']*)\?[^\s\"']+")


def scrub_queries(text: str) -> str:
    """Query strings out, before any other mask: a masked JWT (`eyJh…(212 chars)`) has a space,
    which would end a query early and leave the rest of it (`&key=...`) in the log."""
    if "?" not in text:
        return text
    text = _REQUEST_LINE_QUERY.sub(lambda m: f"{m.group(1)}?{MASK}", text)
    return _PATH_QUERY.sub(lambda m: f"{m.group(1)}?{MASK}", text)


def scrub_text(text: str) -> str:
    pending = _request_secrets.get()
    mine = pending.get() if pending is not None else ()
    return redact_log_text(scrub_queries(text), (*mine, *_configured))


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, _SCRUBBED, False):
        return record
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):
        message = f"{record.msg} {record.args!r}"
    record.msg = scrub_text(message)
    record.args = ()
    if record.exc_info and not record.exc_text:
        # The formatter would print the traceback as is; an exception message can quote input.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub_text(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub_text(record.stack_info)
    setattr(record, _SCRUBBED, True)
    return record


class SecretFilter(logging.Filter):
    """Masks secrets in a record's message and traceback; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record)
        return True


_FILTER = SecretFilter()
# The loggers whose handlers we know of: the app's, werkzeug's dev server, gunicorn's.
LOGGER_NAMES = ("", "inspector", "werkzeug", "gunicorn", "gunicorn.error", "gunicorn.access")


def add_configured_secrets(values: Iterable[Any]) -> None:
    """Secrets of this deployment (SECRET_KEY, the team password, the .env's keys)."""
    with _lock:
        for v in values:
            if isinstance(v, str) and len(v.strip()) >= _MIN_SECRET:
                _configured.add(v)
                _configured.add(v.strip())


def set_request_secrets(values: Iterable[str]) -> contextvars.Token:
    """The secrets of the request being served; reset with `reset_request_secrets(token)`."""
    kept = tuple(v for v in values if len(v) >= _MIN_SECRET)
    return _request_secrets.set(_RequestSecrets(values=kept))


def set_request_data(data: Any) -> contextvars.Token:
    """The request's form or JSON object: its secrets (`secrets_in`) are worked out the first
    time a record is logged during the request."""
    return _request_secrets.set(_RequestSecrets(data=data))


def reset_request_secrets(token: contextvars.Token) -> None:
    try:
        _request_secrets.reset(token)
    except ValueError:
        # Reset from another context (a teardown run elsewhere): clear this one instead.
        _request_secrets.set(None)


def secrets_in(data: Any) -> list[str]:
    """The strings worth masking in a request: secret-bearing fields, whole and trimmed, and the
    values of `NAME=value` lines of a pasted `.env`."""
    found: list[str] = []
    if not hasattr(data, "get"):
        return found
    for name in SECRET_FIELDS:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        found.append(value)
        trimmed = value.strip().strip("\"'")
        found.append(trimmed)
        if trimmed.lower().startswith("bearer "):
            found.append(trimmed[7:].strip())
        for line in value.splitlines():
            if "=" in line:
                found.append(line.split("=", 1)[1].strip().strip("\"'"))
            elif line.strip() and line.strip() != trimmed:
                found.append(line.strip())
    return [v for v in found if len(v) >= _MIN_SECRET]


_Factory = Callable[..., logging.LogRecord]


def _factory_wrapper(previous: _Factory) -> _Factory:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrub(previous(*args, **kwargs))

    factory._inspector = True  # type: ignore[attr-defined]
    return factory


def install() -> None:
    """Scrub every record from now on (idempotent; safe to call from each `create_app`)."""
    global _installed
    with _lock:
        current = logging.getLogRecordFactory()
        if not getattr(current, "_inspector", False):
            logging.setLogRecordFactory(_factory_wrapper(current))
        _installed = True
    install_on_handlers()


def install_on_handlers(names: Iterable[str] = LOGGER_NAMES) -> None:
    """Put the filter on every handler of the named loggers (gunicorn calls this too)."""
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
