"""Static findings: what is wrong with the string before any packet is sent.

Driver compatibility is judged by the drivers' own parsers (libpq through psycopg2's
`parse_dsn`, SQLAlchemy's `make_url` and its dialects' `create_connect_args`, asyncpg's DSN
parser and `connect()` signature), not by rules re-typed from memory.

Nothing here reads the filesystem or the environment, in any mode: asyncpg's parser is run on
the string alone (see `_asyncpg_parse`), and a file named in the string is never opened, so
findings cannot tell which files exist on the machine running the inspector.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import types
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import asyncpg
from asyncpg import connect_utils
from psycopg2 import ProgrammingError
from psycopg2.extensions import make_dsn, parse_dsn
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url

from inspector import supabase
from inspector.connections import codes
from inspector.connections.parse import ParsedConnection
from inspector.findings import Finding, make
from inspector.redact import MASK

DRIVERS = ("auto", "psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg")
LIBPQ_DRIVERS = ("psycopg2", "sqlalchemy", "auto")
ASYNCPG_DRIVERS = ("asyncpg", "sqlalchemy_asyncpg")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
WEAK_SSLMODES = ("disable", "allow", "prefer", "require")
# Keyword arguments SQLAlchemy's asyncpg adapter pops before calling asyncpg.connect()
# (AsyncAdapt_asyncpg_dbapi.connect in sqlalchemy/dialects/postgresql/asyncpg.py).
SQLALCHEMY_ASYNCPG_OWN_KWARGS = (
    "async_creator_fn",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
)
_ENCODE_CHARS = "@/?#[]% "
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


def scrub(text: str, secret: str | None) -> str:
    """Mask the password and quoted pieces of it in a driver's message."""
    if not secret:
        return text
    out = text.replace(secret, MASK)
    if not any(c in _ENCODE_CHARS + ":" for c in secret):
        return out  # only a password with separators gets cut into pieces by a parser

    def _quoted(m: re.Match[str]) -> str:
        inner = m.group(2)
        return m.group(1) + _mask_pieces(inner, secret) + m.group(3)

    out = re.sub(r"(['\"`])([^'\"`]*)(['\"`])", _quoted, out)
    return out


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


def _authority_text(p: ParsedConnection) -> str:
    """The URI without its query and with a plain scheme, for the parsers' split."""
    rest = p.text.split("://", 1)[1]
    q = rest.rfind("?")
    last_at = rest.rfind("@")
    if q > last_at:
        rest = rest[:q]
    return "postgresql://" + rest


def driver_views(p: ParsedConnection) -> list[DriverView]:
    """libpq, SQLAlchemy and asyncpg reading the same URI."""

    uri = _authority_text(p)
    secret = p.raw_password
    pw = p.password if not p.password_from_field else None
    views = []
    try:
        d = parse_dsn(uri)
        views.append(
            DriverView(
                "libpq (psycopg2)",
                d.get("user"),
                d.get("password") == pw if pw is not None else None,
                _mask_pieces(d.get("host"), secret),
                _mask_pieces(d.get("port"), secret),
                _mask_pieces(d.get("dbname"), secret),
            )
        )
    except Exception as exc:  # noqa: BLE001 - any parser failure is the answer we show
        views.append(DriverView("libpq (psycopg2)", error=scrub(_first_line(exc), secret)))
    try:
        u = make_url(uri)
        views.append(
            DriverView(
                "SQLAlchemy",
                u.username,
                u.password == pw if pw is not None else None,
                _mask_pieces(u.host, secret),
                None if u.port is None else str(u.port),
                _mask_pieces(u.database, secret),
            )
        )
    except Exception as exc:  # noqa: BLE001
        views.append(DriverView("SQLAlchemy", error=scrub(_first_line(exc), secret)))
    try:
        addrs, params = _asyncpg_parse(dsn=uri)
        host, port = addrs[0] if addrs else (None, None)
        views.append(
            DriverView(
                "asyncpg",
                params.user,
                params.password == pw if pw is not None else None,
                _mask_pieces(str(host), secret),
                str(port),
                _mask_pieces(params.database, secret),
            )
        )
    except Exception as exc:  # noqa: BLE001
        views.append(DriverView("asyncpg", error=scrub(_first_line(exc), secret)))
    return views


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


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


def _asyncpg_parse(**kwargs: Any):
    """asyncpg's own DSN/argument parser, reading the string alone: no environment, no home
    directory; the caller leaves file options out of the DSN (`asyncpg_dsn`)."""

    args: dict[str, Any] = dict(
        dsn=None,
        host=None,
        port=None,
        user=None,
        password=None,
        passfile=None,
        database=None,
        ssl=None,
        service=None,
        servicefile=None,
        direct_tls=None,
        server_settings=None,
        target_session_attrs=None,
        krbsrvname=None,
        gsslib=None,
    )
    wanted = inspect.signature(connect_utils._parse_connect_dsn_and_args).parameters
    args.update(kwargs)
    return _string_only_parser()(**{k: v for k, v in args.items() if k in wanted})


def asyncpg_dsn(p: ParsedConnection) -> str:
    """The URI as asyncpg gets it, without the options that name files. asyncpg takes URIs
    only: a key=value string goes as it is, for asyncpg's own refusal."""
    if "://" not in p.text:
        return p.text
    return _authority_text(p) + _query_text(p, drop=FILE_PARAMS)


def asyncpg_reading(p: ParsedConnection):
    """(addresses, connection parameters) as asyncpg reads the URI, from the string alone.
    verify-ca/verify-full are read as require: their root certificate is a file."""
    mode = p.param("sslmode")
    extra: dict[str, Any] = {"ssl": "require"} if mode in ("verify-ca", "verify-full") else {}
    return _asyncpg_parse(dsn=asyncpg_dsn(p), **extra)


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
        return {}, scrub(_first_line(exc), p.password)
    for k in SQLALCHEMY_ASYNCPG_OWN_KWARGS:
        opts.pop(k, None)
    return opts, None


def asyncpg_connect_params() -> set[str]:

    return set(inspect.signature(asyncpg.connect).parameters)


def libpq_unknown_params(p: ParsedConnection) -> list[tuple[str, str]]:
    """Parameters libpq rejects: ask parse_dsn, dropping each offender until it accepts."""

    params = dict(p.params)
    unknown: list[tuple[str, str]] = []
    for _ in range(len(params) + 1):
        try:
            parse_dsn(make_dsn(**{k: v for k, v in params.items()}))
            break
        except ProgrammingError as exc:
            m = re.search(
                r'invalid (?:connection option|URI query parameter):? "([^"]+)"', str(exc)
            )
            if not m or m.group(1) not in params:
                break
            unknown.append((m.group(1), scrub(_first_line(exc), p.password)))
            params.pop(m.group(1))
        except Exception:  # noqa: BLE001 - value errors are the probe's to report
            break
    return unknown


def is_remote(host_kind: str, p: ParsedConnection) -> bool:
    h = p.host
    if h is None or h.is_socket:
        return False
    return host_kind not in ("local", "supabase_local") and not supabase.is_loopback_host(h.host)


def ssl_setting(p: ParsedConnection, driver: str) -> str | None:
    """The sslmode the driver will use as written (asyncpg reads `ssl` in SQLAlchemy URLs)."""
    if driver == "sqlalchemy_asyncpg":
        return p.param("ssl") or None
    return p.param("sslmode") or None


def static_findings(
    p: ParsedConnection, driver: str, host_kind: str, project_ref: str | None
) -> list[Finding]:
    """Every static finding for a parsed string (api.md's static codes and a few more)."""
    out: list[Finding] = []
    if not p.ok:
        return [make(codes.DSN_UNPARSEABLE, f"{p.error}.")]
    drv = resolve_driver(p, driver)
    if p.placeholder and not p.password_from_field:
        out.append(
            make(
                codes.PASSWORD_PLACEHOLDER,
                f"The password in the string is `{p.placeholder}`: the dashboard's placeholder "
                "(or your password still wrapped in its brackets).",
            )
        )
    elif p.placeholder and p.password_from_field:
        out.append(
            make(
                codes.PASSWORD_PLACEHOLDER,
                "The password field holds the placeholder itself.",
                fix="Type the real database password (without brackets) in the password field.",
            )
        )
    out += _user_findings(p, host_kind)
    out += _encoding_findings(p)
    out += _scheme_findings(p, drv)
    out += _asyncpg_findings(p, drv)
    out += _supabase_findings(p, drv, host_kind, project_ref)
    out += _ssl_findings(p, drv, host_kind)
    if drv in LIBPQ_DRIVERS and p.params:
        for name, message in libpq_unknown_params(p):
            value = p.param(name) or ""
            hint = _PARAM_HINTS.get(name, "")
            out.append(
                make(
                    codes.UNKNOWN_PARAMETER,
                    f"libpq rejects `{name}`: {message}. {hint}".strip(),
                    fix=f"Remove `{name}={value}` from the string{_param_fix(name)}.",
                    severity="error" if drv != "auto" else "warning",
                )
            )
    if len(p.hosts) > 1:
        hosts = ", ".join(f"{h.host}:{h.effective_port}" for h in p.hosts)
        out.append(
            make(
                codes.MULTIPLE_HOSTS,
                f"libpq tries {hosts} in order; the live probe checks the first.",
            )
        )
    if p.host is not None and p.host.is_socket:
        where = p.host.host or "libpq's default socket directory"
        out.append(make(codes.UNIX_SOCKET, f"The host is a Unix socket directory ({where})."))
    return out


_PARAM_HINTS = {
    "pgbouncer": "`pgbouncer=true` is Prisma's switch, not a libpq option.",
    "ssl": "`ssl=` is node-postgres's and asyncpg's spelling; libpq uses `sslmode=`.",
    "prepared_statement_cache_size": "That is SQLAlchemy's asyncpg option.",
    "statement_cache_size": "That is an asyncpg keyword argument.",
    "schema": "Prisma's `schema=` is not a libpq option; use `options=-csearch_path=...`.",
    "connection_limit": "`connection_limit` is Prisma's pool option.",
}


def _param_fix(name: str) -> str:
    if name == "ssl":
        return " and write `sslmode=require` (or `verify-full` with `sslrootcert`) instead"
    if name == "schema":
        return " and use `options=-csearch_path%3D<schema>` instead"
    return ""


def _user_findings(p: ParsedConnection, host_kind: str) -> list[Finding]:
    if p.user:
        return []
    remote = is_remote(host_kind, p)
    detail = (
        "The string names no user: libpq and asyncpg then send PGUSER, or the name of the "
        "account running the program (as psql does)"
        + (", which a remote server rarely knows." if remote else ".")
    )
    return [make(codes.USER_MISSING, detail, severity="warning" if remote else "info")]


def _encoding_findings(p: ParsedConnection) -> list[Finding]:
    raw = p.raw_password
    if raw is None or p.format == "keyword":
        return []
    bad = sorted(
        {c for c in raw if c in _ENCODE_CHARS}
        | ({"%"} if re.search(r"%(?![0-9A-Fa-f]{2})", raw) else set())
    )
    if not bad:
        return []
    if p.placeholder:
        return []  # the placeholder finding says it better
    views = driver_views(p)
    broken = [v for v in views if v.error or v.password_ok is False or v.host != _host0(p)]
    chars = " ".join(f"`{c}`" for c in bad)
    if not broken:
        detail = (
            f"The password holds {chars}. These drivers happen to read it right, but other "
            "tools will not: " + "; ".join(v.describe() for v in views) + "."
        )
        return [make(codes.PASSWORD_NEEDS_ENCODING, detail, severity="warning")]
    detail = (
        f"The password holds {chars}, which a URI reads as separators. "
        + "; ".join(v.describe() for v in views)
        + "."
    )

    fix = (
        "Percent-encode the password in the URI: "
        + ", ".join(f"`{c}` -> `{quote(c, safe='')}`" for c in bad)
        + "; in Python `urllib.parse.quote(password, safe='')`. The suggested strings below are "
        "already encoded."
    )
    return [make(codes.PASSWORD_NEEDS_ENCODING, detail, fix=fix)]


def _host0(p: ParsedConnection) -> str | None:
    return p.host.host if p.host else None


def _scheme_findings(p: ParsedConnection, drv: str) -> list[Finding]:
    if p.scheme != "postgres" and not (p.scheme or "").startswith("postgres+"):
        return []
    if drv not in ("sqlalchemy", "sqlalchemy_asyncpg", "auto"):
        return []

    try:
        make_url(p.scheme + "://").get_dialect()
        return []
    except Exception as exc:  # noqa: BLE001 - the driver's own refusal is the evidence
        message = f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    want = "postgresql+asyncpg" if drv == "sqlalchemy_asyncpg" else "postgresql"
    detail = f"SQLAlchemy's make_url(...).get_dialect() raises `{message}`."
    if drv == "auto":
        detail += " psycopg2 and asyncpg accept postgres://; SQLAlchemy does not."
    return [
        make(
            codes.SCHEME_REJECTED_BY_SQLALCHEMY,
            detail,
            fix=f"Write `{want}://` instead of `{p.scheme}://`.",
            severity="error" if drv != "auto" else "warning",
        )
    ]


def _asyncpg_findings(p: ParsedConnection, drv: str) -> list[Finding]:
    out: list[Finding] = []
    if drv == "sqlalchemy_asyncpg":
        opts, error = sqlalchemy_asyncpg_kwargs(p)
        if error:
            return [make(codes.DSN_UNPARSEABLE, f"SQLAlchemy's asyncpg dialect: {error}.")]
        known = asyncpg_connect_params()
        for key in opts:
            if key in known:
                continue
            message = f"TypeError: connect() got an unexpected keyword argument '{key}'"
            if key == "sslmode":
                out.append(
                    make(
                        codes.ASYNCPG_SSLMODE_PARAM,
                        "The dialect copies every query parameter into asyncpg.connect(**kwargs) "
                        f"(create_connect_args gives `sslmode={opts[key]}`), so the first "
                        f"connection raises `{message}`.",
                        fix=_sslmode_fix_asyncpg(opts[key]),
                    )
                )
            else:
                out.append(
                    make(
                        codes.UNKNOWN_PARAMETER,
                        f"SQLAlchemy's asyncpg dialect passes `{key}` to asyncpg.connect(): "
                        f"`{message}`.",
                        fix=f"Remove `{key}=...` from the URL (asyncpg options go in "
                        "`connect_args={...}`).",
                        severity="error",
                    )
                )
        ssl_value = opts.get("ssl")
        if isinstance(ssl_value, str):
            try:
                _asyncpg_parse(host="localhost", ssl=ssl_value, user="x")
            except Exception as exc:  # noqa: BLE001
                text = _first_line(exc)
                if "sslmode" in text and "must be one of" in text:
                    out.append(
                        make(
                            codes.ASYNCPG_SSL_TRUE,
                            f"`ssl={ssl_value}` reaches asyncpg as a string, which it parses as an "
                            f"sslmode: `{text}`.",
                        )
                    )
    elif drv == "asyncpg":
        try:
            _, params = asyncpg_reading(p)
            settings = dict(params.server_settings or {})
        except Exception as exc:  # noqa: BLE001
            text = scrub(_first_line(exc), p.password)
            if "root certificate file" in text:
                return []  # verify_without_root_cert says it
            return [make(codes.DSN_UNPARSEABLE, f"asyncpg's DSN parser: {text}.")]
        for key, value in settings.items():
            if key == "ssl":
                out.append(
                    make(
                        codes.ASYNCPG_SSL_TRUE,
                        f"asyncpg's DSN parser does not know `ssl=`: it sends `ssl={value}` to the "
                        "server as a run-time setting, and Postgres (whose own `ssl` setting "
                        "is server-wide) refuses the login with "
                        '`parameter "ssl" cannot be changed now`.',
                        fix="Write `sslmode=require` (or `sslmode=verify-full&sslrootcert=...`) in "
                        "an asyncpg DSN.",
                    )
                )
            else:
                out.append(
                    make(
                        codes.UNKNOWN_PARAMETER,
                        f"asyncpg's DSN parser sends unknown `{key}={value}` to the server as a "
                        "run-time setting; Postgres refuses unknown settings at login.",
                        fix=f"Remove `{key}=...` from the DSN (pass asyncpg options as keyword "
                        "arguments to asyncpg.connect()).",
                    )
                )
    return out


def _query_text(p: ParsedConnection, drop: tuple[str, ...] = ()) -> str:
    params = [(k, v) for k, v in p.params if k not in drop]
    return ("?" + urlencode(params)) if params else ""


def _sslmode_fix_asyncpg(value: str) -> str:
    if value in ("verify-ca", "verify-full"):
        return (
            "Remove `sslmode` from the URL and pass "
            "`connect_args={'ssl': ssl.create_default_context(cafile='prod-ca-2021.crt')}` to "
            "create_async_engine() (a URL cannot name the CA file for asyncpg)."
        )
    return f"Replace `sslmode={value}` by `ssl={value}` in the `postgresql+asyncpg://` URL."


def _supabase_findings(
    p: ParsedConnection, drv: str, host_kind: str, project_ref: str | None
) -> list[Finding]:
    out: list[Finding] = []
    h = p.host
    if h is None:
        return out
    port = h.effective_port
    host_l = h.host.lower()
    if host_kind == "supabase_direct":
        out.append(
            make(
                codes.SUPABASE_DIRECT_IPV6_ONLY,
                f"{h.host} has only an IPv6 address unless the project bought the IPv4 add-on; "
                "from a network without IPv6 it fails with `Network is unreachable`.",
                fix=(
                    f"From an IPv4-only network use the session pooler: host "
                    f"`{supabase.SESSION_POOLER_HOST_HINT}` port 5432, user "
                    f"`{supabase.pooler_user(project_ref)}` (copy the host from the dashboard's "
                    "Connect dialog: the aws-N index is not derivable from the region)."
                ),
            )
        )
    if host_kind in ("supabase_pooler_session", "supabase_pooler_transaction"):
        user = p.user or ""
        if not supabase.ref_from_pooler_user(user) and not supabase.ref_from_options(
            p.param("options")
        ):
            role = user or "postgres"
            out.append(
                make(
                    codes.POOLER_USER_MISSING_REF,
                    f"The user is `{user or '(none)'}`; the shared pooler needs `{role}.<ref>` "
                    "and answers `Tenant or user not found` otherwise.",
                    fix=f"Write the user as `{supabase.pooler_user(project_ref, role)}`.",
                )
            )
    if supabase.is_transaction_pooler(host_kind):
        if drv in ("asyncpg", "sqlalchemy_asyncpg"):
            out.append(
                make(
                    codes.POOLER_TRANSACTION_PREPARED_STATEMENTS,
                    f"Port {port} is transaction mode; asyncpg prepares every statement and "
                    'fails with `prepared statement "__asyncpg_stmt_1__" already exists` '
                    "when a later transaction lands on another server connection.",
                    fix=(
                        "asyncpg: `asyncpg.connect(dsn, statement_cache_size=0)`."
                        if drv == "asyncpg"
                        else "create_async_engine(url, poolclass=NullPool, connect_args={"
                        "'statement_cache_size': 0, 'prepared_statement_cache_size': 0, "
                        "'prepared_statement_name_func': lambda: f'__asyncpg_{uuid4()}__'})."
                    ),
                )
            )
        elif drv == "auto":
            out.append(
                make(
                    codes.POOLER_TRANSACTION_PREPARED_STATEMENTS,
                    f"Port {port} is transaction mode: psycopg2 is fine; drivers that prepare "
                    "statements (asyncpg, psycopg 3, Prisma, postgres.js, JDBC) must turn it off.",
                    severity="info",
                    fix="asyncpg `statement_cache_size=0`; psycopg 3 `prepare_threshold=None`; "
                    "Prisma `?pgbouncer=true`; postgres.js `prepare: false`; JDBC "
                    "`prepareThreshold=0`.",
                )
            )
    refs = {}
    if host_kind in ("supabase_direct", "supabase_dedicated_pooler"):
        refs["host"] = supabase.DIRECT_HOST_RE.match(host_l.rstrip(".")).group(1)  # type: ignore[union-attr]
    user_ref = supabase.ref_from_pooler_user(p.user)
    if user_ref:
        refs["user"] = user_ref
    opt_ref = supabase.ref_from_options(p.param("options"))
    if opt_ref:
        refs["options"] = opt_ref
    if len(set(refs.values())) > 1:
        listing = ", ".join(f"{where}: {ref}" for where, ref in refs.items())
        out.append(
            make(
                codes.PROJECT_REF_MISMATCH,
                f"The string names more than one project ({listing}).",
            )
        )
    if supabase.is_supabase_host(host_l) and host_kind != "other" and port not in (5432, 6543):
        out.append(
            make(
                codes.SUPABASE_UNUSUAL_PORT,
                f"Port {port}: Supabase's database ports are 5432 and 6543.",
            )
        )
    return out


def _ssl_findings(p: ParsedConnection, drv: str, host_kind: str) -> list[Finding]:
    out: list[Finding] = []
    mode = ssl_setting(p, drv)
    root = p.param("sslrootcert")
    supa = host_kind.startswith("supabase_") and host_kind != "supabase_local"
    ca_hint = supabase.SUPABASE_CA_FILE if supa else "/path/to/ca.crt"
    if mode in ("verify-ca", "verify-full") and not root and drv != "sqlalchemy_asyncpg":
        out.append(
            make(
                codes.VERIFY_WITHOUT_ROOT_CERT,
                f"sslmode={mode} with no sslrootcert: libpq and asyncpg then read "
                "~/.postgresql/root.crt and stop with `root certificate file ... does not exist` "
                "when it is missing.",
                fix=f"Add `sslrootcert={ca_hint}` to the string.",
            )
        )
    if drv == "sqlalchemy_asyncpg" and mode in ("verify-ca", "verify-full"):
        out.append(
            make(
                codes.VERIFY_WITHOUT_ROOT_CERT,
                f"ssl={mode} in a SQLAlchemy URL: asyncpg then reads ~/.postgresql/root.crt, "
                "and the URL cannot name another file.",
                fix="Pass connect_args={'ssl': ssl.create_default_context(cafile="
                f"'{ca_hint}')}} to create_async_engine() and drop ssl from the URL.",
            )
        )
    if is_remote(host_kind, p) and (mode is None or mode in WEAK_SSLMODES):
        said = f"sslmode={mode}" if mode else "no sslmode (libpq's default is prefer)"
        if drv == "sqlalchemy_asyncpg":
            said = f"ssl={mode}" if mode else "no ssl (asyncpg's default is prefer)"
        what = (
            "no encryption at all"
            if mode == "disable"
            else "encryption without checking who answers: anyone on the path can pose as the "
            "server"
        )
        fix = f"Add `sslmode=verify-full&sslrootcert={ca_hint}`" + (
            f" ({ca_hint}: Database Settings -> SSL Configuration -> Download certificate)."
            if supa
            else "."
        )
        if drv == "sqlalchemy_asyncpg":
            fix = (
                "Pass connect_args={'ssl': ssl.create_default_context(cafile="
                f"'{ca_hint}')}} to create_async_engine()."
            )
        out.append(make(codes.SSLMODE_NO_VERIFICATION, f"{said}: {what}.", fix=fix))
    return out
