"""The drivers' own parsers, asked what they would do with a string. No I/O.

libpq through psycopg2's `parse_dsn`, SQLAlchemy's `make_url` and its asyncpg dialect's
`create_connect_args`, asyncpg's DSN parser and `connect()` signature: the lint judges by their
answers, not by rules re-typed from memory.

asyncpg's parser is run on the string alone (see `_string_only_parser`): it never reads the
environment, the home directory or a file named in the string, in any mode.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import re
import types
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import asyncpg
import psycopg2
from asyncpg import connect_utils
from psycopg2.extensions import make_dsn, parse_dsn
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url

from inspector.connections.parse import ParsedConnection
from inspector.connections.stacks.names import LIBPQ_STACKS, STACK_DRIVERS
from inspector.redact import MASK

# The four Python drivers, then the other stacks (inspector/connections/stacks/).
DRIVERS = ("auto", "psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg", *STACK_DRIVERS)
LIBPQ_DRIVERS = ("psycopg2", "sqlalchemy", "auto", *LIBPQ_STACKS)
ASYNCPG_DRIVERS = ("asyncpg", "sqlalchemy_asyncpg")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
WEAK_SSLMODES = ("disable", "allow", "prefer", "require")
VERIFYING_SSLMODES = ("verify-ca", "verify-full")  # the two that check the certificate
TLS_ONLY_SSLMODES = ("require", *VERIFYING_SSLMODES)  # no login without TLS
# Keyword arguments SQLAlchemy's asyncpg adapter pops before calling asyncpg.connect()
# (AsyncAdapt_asyncpg_dbapi.connect in sqlalchemy/dialects/postgresql/asyncpg.py).
SQLALCHEMY_ASYNCPG_OWN_KWARGS = (
    "async_creator_fn",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
)
# Characters a URI reads as separators inside a password.
ENCODE_CHARS = "@/?#[]% "
# libpq and asyncpg options that name a file on the machine running the driver (`service` names
# a section of one). The lint never opens them; a shared site's probe never either.
FILE_PARAMS = (
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "passfile",
    "service",
    "servicefile",
)


def is_file_option(name: str, value: str) -> bool:
    """`sslrootcert=system` (libpq 16+) names the system's trust store, not a file."""
    return name in FILE_PARAMS and not (name == "sslrootcert" and value == "system")


def verifies(sslmode: str | None) -> bool:
    """Does this sslmode check the server's certificate (verify-ca, verify-full)?"""
    return sslmode in VERIFYING_SSLMODES


@dataclass(frozen=True)
class DriverView:
    """How one driver's parser reads the string (password masked), or its error."""

    driver: str
    user: str | None = None
    password_ok: bool | None = None
    host: str | None = None
    port: str | None = None
    database: str | None = None
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"{self.driver}: {self.error}"
        pw = "the whole password" if self.password_ok else "a cut-off password"
        return (
            f"{self.driver}: user `{self.user}`, {pw}, host `{self.host}`, port `{self.port}`, "
            f"database `{self.database}`"
        )


def resolve_driver(p: ParsedConnection, driver: str) -> str:
    """The driver to judge with: the one asked for, else what the scheme says."""
    if driver in DRIVERS and driver != "auto":
        return driver
    if p.format == "sqlalchemy":
        return "sqlalchemy_asyncpg" if p.driver == "asyncpg" else "sqlalchemy"
    if p.format == "keyword":
        return "psycopg2"
    return "auto"


def ssl_setting(p: ParsedConnection, driver: str) -> str | None:
    """The sslmode the driver will use as written (asyncpg reads `ssl` in SQLAlchemy URLs,
    libpq `ssl=true` in a URI as `require`)."""
    if driver == "sqlalchemy_asyncpg":
        return p.param("ssl") or None
    if driver == "asyncpg":
        return p.param("sslmode") or None
    if p.sslmode is None and p.libpq_param("sslrootcert") == "system":
        return "verify-full"  # libpq 16+: sslrootcert=system makes verify-full the default
    return p.sslmode or None


def nearest_sslmode(value: str) -> str | None:
    """The valid sslmode a wrong one most likely means: node-postgres's `no-verify` (encrypt,
    do not verify) is libpq's `require`; otherwise the closest spelling (`verify-fulll`,
    `REQUIRE`, `verify_full`)."""
    v = value.strip().lower().replace("_", "-")
    if v in ("no-verify", "true", "1", "on", "yes"):
        return "require"
    if v in ("false", "0", "off", "no"):
        return "disable"
    close = difflib.get_close_matches(v, SSLMODES, n=1, cutoff=0.6)
    return close[0] if close else None


def scrub(text: str, secret: str | None) -> str:
    """Mask the password and quoted pieces of it in a driver's message."""
    if not secret:
        return text
    out = text.replace(secret, MASK)
    if not any(c in ENCODE_CHARS + ":" for c in secret):
        return out  # only a password with separators gets cut into pieces by a parser

    def _quoted(m: re.Match[str]) -> str:
        inner = m.group(2)
        return m.group(1) + _mask_pieces(inner, secret) + m.group(3)

    return re.sub(r"(['\"`])([^'\"`]*)(['\"`])", _quoted, out)


def _mask_pieces(value: str | None, secret: str | None) -> str:
    """Mask a leading piece of `value` taken from the password (`ss@db.x` -> `***@db.x`)."""
    if value is None or not secret:
        return "" if value is None else value
    if value and value in secret:
        return MASK
    for i in range(len(value) - 1, 0, -1):
        if value[i] in "@:/?#" and value[:i] in secret:
            return MASK + value[i:]
    return value


def first_line(exc: BaseException) -> str:
    """`TypeName: the first line of the message`."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _authority_text(p: ParsedConnection) -> str:
    """The URI without its query and with a plain scheme, for the parsers' split."""
    rest = p.text.split("://", 1)[1]
    q = rest.rfind("?")
    last_at = rest.rfind("@")
    if q > last_at:
        rest = rest[:q]
    return "postgresql://" + rest


def _query_text(p: ParsedConnection, drop: tuple[str, ...] = ()) -> str:
    params = [(k, v) for k, v in p.params if k not in drop]
    return ("?" + urlencode(params)) if params else ""


# --- how each parser reads the URI's user, password, host, port and database --------------------


def driver_views(p: ParsedConnection) -> list[DriverView]:
    """libpq, SQLAlchemy and asyncpg reading the same URI."""
    uri = _authority_text(p)
    secret = p.raw_password
    pw = p.password if not p.password_from_field else None
    views = []
    for name, reader in (
        ("libpq (psycopg2)", _libpq_view),
        ("SQLAlchemy", _sqlalchemy_view),
        ("asyncpg", _asyncpg_view),
    ):
        try:
            views.append(reader(uri, pw, secret))
        except Exception as exc:  # noqa: BLE001 - any parser failure is the answer we show
            views.append(DriverView(name, error=scrub(first_line(exc), secret)))
    return views


def _same(value: str | None, password: str | None) -> bool | None:
    return value == password if password is not None else None


def _libpq_view(uri: str, password: str | None, secret: str | None) -> DriverView:
    d = parse_dsn(uri)
    return DriverView(
        "libpq (psycopg2)",
        d.get("user"),
        _same(d.get("password"), password),
        _mask_pieces(d.get("host"), secret),
        _mask_pieces(d.get("port"), secret),
        _mask_pieces(d.get("dbname"), secret),
    )


def _sqlalchemy_view(uri: str, password: str | None, secret: str | None) -> DriverView:
    u = make_url(uri)
    return DriverView(
        "SQLAlchemy",
        u.username,
        _same(u.password, password),
        _mask_pieces(u.host, secret),
        None if u.port is None else str(u.port),
        _mask_pieces(u.database, secret),
    )


def _asyncpg_view(uri: str, password: str | None, secret: str | None) -> DriverView:
    addrs, params = asyncpg_parse(dsn=uri)
    host, port = addrs[0] if addrs else (None, None)
    return DriverView(
        "asyncpg",
        params.user,
        _same(params.password, password),
        _mask_pieces(str(host), secret),
        str(port),
        _mask_pieces(params.database, secret),
    )


# --- asyncpg's parser, reading the string alone -------------------------------------------------


class _Without:
    """A module as asyncpg's parser sees it, with some names replaced."""

    def __init__(self, module: Any, **replaced: Any):
        self._module = module
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


@functools.cache
def _string_only_parser() -> Any:
    """asyncpg's own `_parse_connect_dsn_and_args`, its helpers re-bound to globals in which the
    environment is empty, there is no home directory and no OS user name: so it reads only what
    it is given (PGUSER, PGPASSWORD, PGPORT, ~/.pgpass, ~/.postgresql/* stay out of its answer).
    The module itself is left as it is."""
    ns: dict[str, Any] = dict(vars(connect_utils))
    ns["os"] = _Without(os, environ={}, getenv=lambda name, default=None: default)
    ns["getpass"] = _Without(connect_utils.getpass, getuser=lambda: "")
    ns["compat"] = _Without(connect_utils.compat, get_pg_home_directory=lambda: None)
    for name, obj in vars(connect_utils).items():
        if isinstance(obj, types.FunctionType) and obj.__module__ == connect_utils.__name__:
            fn = types.FunctionType(
                obj.__code__, ns, obj.__name__, obj.__defaults__, obj.__closure__
            )
            fn.__kwdefaults__ = obj.__kwdefaults__
            ns[name] = fn
    ns["_dot_postgresql_path"] = lambda filename: None
    return ns["_parse_connect_dsn_and_args"]


_ASYNCPG_PARSE_ARGS = (
    "dsn",
    "host",
    "port",
    "user",
    "password",
    "passfile",
    "database",
    "ssl",
    "service",
    "servicefile",
    "direct_tls",
    "server_settings",
    "target_session_attrs",
    "krbsrvname",
    "gsslib",
)


def asyncpg_parse(**kwargs: Any) -> Any:
    """asyncpg's own DSN/argument parser, reading the string alone: no environment, no home
    directory; the caller leaves file options out of the DSN (`asyncpg_dsn`)."""
    args: dict[str, Any] = dict.fromkeys(_ASYNCPG_PARSE_ARGS)
    wanted = inspect.signature(connect_utils._parse_connect_dsn_and_args).parameters
    args.update(kwargs)
    return _string_only_parser()(**{k: v for k, v in args.items() if k in wanted})


def asyncpg_setting_names() -> frozenset[str]:
    """The asyncpg.connect() arguments its parser reads (the others configure the connection)."""
    return frozenset(_ASYNCPG_PARSE_ARGS)


def asyncpg_dsn(p: ParsedConnection) -> str:
    """The URI as asyncpg gets it, without the options that name files. asyncpg takes URIs
    only: a key=value string goes as it is, for asyncpg's own refusal."""
    if "://" not in p.text:
        return p.text
    return _authority_text(p) + _query_text(p, drop=FILE_PARAMS)


def asyncpg_reading(p: ParsedConnection) -> Any:
    """(addresses, connection parameters) as asyncpg reads the URI, from the string alone.
    verify-ca/verify-full are read as require: their root certificate is a file."""
    extra: dict[str, Any] = {"ssl": "require"} if verifies(p.param("sslmode")) else {}
    return asyncpg_parse(dsn=asyncpg_dsn(p), **extra)


def asyncpg_connect_params() -> set[str]:
    """The keyword arguments asyncpg.connect() takes."""
    return set(inspect.signature(asyncpg.connect).parameters)


# --- SQLAlchemy ---------------------------------------------------------------------------------


def sqlalchemy_url(p: ParsedConnection, dialect_driver: str | None) -> str:
    """The user's URI with the scheme SQLAlchemy needs for `dialect_driver` (password real)."""
    rest = p.text.split("://", 1)[1] if "://" in p.text else ""
    scheme = "postgresql" + (f"+{dialect_driver}" if dialect_driver else "")
    return f"{scheme}://{rest}"


def sqlalchemy_asyncpg_kwargs(p: ParsedConnection) -> tuple[dict[str, Any], str | None]:
    """What SQLAlchemy's asyncpg dialect would pass to asyncpg.connect(), or its error."""
    try:
        url = make_url(sqlalchemy_url(p, "asyncpg"))
        if p.password_from_field:
            url = url.set(password=p.password)
        _, opts = PGDialect_asyncpg().create_connect_args(url)
    except Exception as exc:  # noqa: BLE001
        return {}, scrub(first_line(exc), p.password)
    for k in SQLALCHEMY_ASYNCPG_OWN_KWARGS:
        opts.pop(k, None)
    return opts, None


def sqlalchemy_dialect_error(scheme: str) -> str | None:
    """SQLAlchemy's refusal of a scheme (`module.Error: message`), or None if it loads."""
    try:
        make_url(scheme + "://").get_dialect()
    except Exception as exc:  # noqa: BLE001 - the driver's own refusal is the evidence
        return f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    return None


# --- libpq --------------------------------------------------------------------------------------


def libpq_keywords(text: str) -> dict[str, str]:
    """A connection string as libpq reads it (its keywords); raises psycopg2.ProgrammingError."""
    return dict(parse_dsn(text))


def libpq_unknown_params(p: ParsedConnection) -> list[tuple[str, str]]:
    """Parameters libpq rejects: ask parse_dsn, dropping each offender until it accepts
    (`ssl=true` in a URI is libpq's `sslmode=require`, not an unknown option)."""
    params = dict(p.libpq_params)
    unknown: list[tuple[str, str]] = []
    for _ in range(len(params) + 1):
        try:
            parse_dsn(make_dsn(**params))
            break
        except psycopg2.ProgrammingError as exc:
            m = re.search(
                r'invalid (?:connection option|URI query parameter):? "([^"]+)"', str(exc)
            )
            if not m or m.group(1) not in params:
                break
            unknown.append((m.group(1), scrub(first_line(exc), p.password)))
            params.pop(m.group(1))
        except Exception:  # noqa: BLE001 - value errors are the probe's to report
            break
    return unknown


@functools.cache
def libpq_knows(keyword: str) -> bool:
    """Does the libpq psycopg2 was built with know this keyword? (sslnegotiation is 17+.)"""
    try:
        parse_dsn(make_dsn(**{keyword: "x"}))
    except psycopg2.ProgrammingError as exc:
        return "invalid connection option" not in str(exc)
    return True
