"""Static findings: what is wrong with the string before any packet is sent.

Driver compatibility is judged by the drivers' own parsers (`drivers.py`), not by rules re-typed
from memory. Nothing here reads the filesystem or the environment, in any mode: a file named in
the string is never opened, so findings cannot tell which files exist on the machine running
the inspector.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from inspector import supabase
from inspector.connections import codes
from inspector.connections.classify import missing_root_cert
from inspector.connections.drivers import (
    ENCODE_CHARS,
    LIBPQ_DRIVERS,
    SSLMODES,
    WEAK_SSLMODES,
    asyncpg_connect_params,
    asyncpg_parse,
    asyncpg_reading,
    driver_views,
    first_line,
    libpq_unknown_params,
    nearest_sslmode,
    resolve_driver,
    scrub,
    sqlalchemy_asyncpg_kwargs,
    sqlalchemy_dialect_error,
    ssl_setting,
    verifies,
)
from inspector.connections.hosts import SHARED_POOLER_KINDS, is_remote, is_supabase_cloud
from inspector.connections.misspellings import misspelling_findings
from inspector.connections.parse import ParsedConnection
from inspector.connections.stacks.names import LIBPQ_STACKS, STACK_DRIVERS
from inspector.findings import Finding, make
from inspector.vocabulary import HostKind

# Why libpq rejects a parameter people often write (said in the finding's detail).
_PARAM_HINTS = {
    "pgbouncer": "`pgbouncer=true` is Prisma's switch, not a libpq option.",
    "ssl": "`ssl=` is node-postgres's and asyncpg's spelling; libpq uses `sslmode=`.",
    "prepared_statement_cache_size": "That is SQLAlchemy's asyncpg option.",
    "statement_cache_size": "That is an asyncpg keyword argument.",
    "schema": "Prisma's `schema=` is not a libpq option; use `options=-csearch_path=...`.",
    "connection_limit": "`connection_limit` is Prisma's pool option.",
    "prepare_threshold": "psycopg 3's prepare_threshold is a connect() keyword argument.",
}


def static_findings(
    p: ParsedConnection, driver: str, host_kind: str, project_ref: str | None
) -> list[Finding]:
    """Every static finding for a parsed string (api.md's static codes and a few more)."""
    if not p.ok:
        return [make(codes.DSN_UNPARSEABLE, f"{p.error}.")]
    drv = resolve_driver(p, driver)
    out = _placeholder_findings(p)
    out += _user_findings(p, host_kind)
    out += _encoding_findings(p)
    out += _scheme_findings(p, drv)
    out += _asyncpg_findings(p, drv)
    out += _supabase_findings(p, drv, host_kind, project_ref)
    out += misspelling_findings(p, host_kind)
    if drv not in STACK_DRIVERS or drv in LIBPQ_STACKS:  # the other stacks say their own TLS
        out += _ssl_findings(p, drv, host_kind)
    out += _libpq_parameter_findings(p, drv)
    out += _sslmode_findings(p, drv)
    out += _host_findings(p)
    return _conversion_findings(p) + out


def _conversion_findings(p: ParsedConnection) -> list[Finding]:
    """A JDBC URL or a psql command line: say what it was read as."""
    if p.converted_from == "jdbc":
        what = "A JDBC URL (pgjdbc: TCP, localhost when no host is named)"
    elif p.converted_from == "psql":
        what = "A psql command line (its PG* variables, -h, -p, -U, -d and database name)"
    else:
        return []
    return [make(codes.STRING_CONVERTED, f"{what}, read as `{p.masked}`.")]


def _placeholder_findings(p: ParsedConnection) -> list[Finding]:
    if not p.placeholder:
        return []
    if p.password_from_field:
        return [
            codes.PLACEHOLDER_IN_PASSWORD_FIELD.make(
                "The password field holds the placeholder itself."
            )
        ]
    return [
        make(
            codes.PASSWORD_PLACEHOLDER,
            f"The password in the string is `{p.placeholder}`: the dashboard's placeholder "
            "(or your password still wrapped in its brackets).",
        )
    ]


def _user_findings(p: ParsedConnection, host_kind: str) -> list[Finding]:
    if p.user:
        return []
    remote = is_remote(host_kind, p)
    detail = (
        "The string names no user: libpq and asyncpg then send PGUSER, or the name of the "
        "account running the program (as psql does)"
        + (", which a remote server rarely knows." if remote else ".")
    )
    if remote:
        return [make(codes.USER_MISSING, detail)]
    return [codes.USER_MISSING_LOCAL.make(detail)]


def _encoding_findings(p: ParsedConnection) -> list[Finding]:
    raw = p.raw_password
    if raw is None or p.format == "keyword":
        return []
    # `%` starting two hex digits is an encoded character already (`s%40f` is `s@f`).
    bad = sorted(
        {c for c in raw if c in ENCODE_CHARS and c != "%"}
        | ({"%"} if re.search(r"%(?![0-9A-Fa-f]{2})", raw) else set())
    )
    if not bad or p.placeholder:
        return []  # with a placeholder, its own finding says it better
    views = driver_views(p)
    first_host = p.host.host if p.host else None
    broken = [v for v in views if v.error or v.password_ok is False or v.host != first_host]
    chars = " ".join(f"`{c}`" for c in bad)
    read = "; ".join(v.describe() for v in views)
    if not broken:
        return [
            codes.PASSWORD_ENCODING_ADVISED.make(
                f"The password holds {chars}. These drivers happen to read it right, but other "
                f"tools will not: {read}."
            )
        ]
    encodings = ", ".join(f"`{c}` -> `{quote(c, safe='')}`" for c in bad)
    return [
        codes.PASSWORD_SPLITS_URI.make(
            f"The password holds {chars}, which a URI reads as separators. {read}.",
            encodings=encodings,
        )
    ]


def _scheme_findings(p: ParsedConnection, drv: str) -> list[Finding]:
    if p.scheme != "postgres" and not (p.scheme or "").startswith("postgres+"):
        return []
    if drv not in ("sqlalchemy", "sqlalchemy_asyncpg", "auto"):
        return []
    message = sqlalchemy_dialect_error(p.scheme or "")
    if message is None:
        return []
    detail = f"SQLAlchemy's make_url(...).get_dialect() raises `{message}`."
    variant = codes.SCHEME_REJECTED_FOR_DRIVER
    if drv == "auto":
        detail += " psycopg2 and asyncpg accept postgres://; SQLAlchemy does not."
        variant = codes.SCHEME_REJECTED_FOR_SOME_DRIVERS
    want = "postgresql+asyncpg" if drv == "sqlalchemy_asyncpg" else "postgresql"
    return [variant.make(detail, want=want, scheme=p.scheme)]


def _asyncpg_findings(p: ParsedConnection, drv: str) -> list[Finding]:
    if drv == "sqlalchemy_asyncpg":
        return _sqlalchemy_asyncpg_findings(p)
    if drv == "asyncpg":
        return _asyncpg_dsn_findings(p)
    return []


def _sqlalchemy_asyncpg_findings(p: ParsedConnection) -> list[Finding]:
    """What SQLAlchemy's asyncpg dialect hands asyncpg.connect(), judged by its signature."""
    opts, error = sqlalchemy_asyncpg_kwargs(p)
    if error:
        return [make(codes.DSN_UNPARSEABLE, f"SQLAlchemy's asyncpg dialect: {error}.")]
    out: list[Finding] = []
    known = asyncpg_connect_params()
    for key in opts:
        if key in known:
            continue
        message = f"TypeError: connect() got an unexpected keyword argument '{key}'"
        if key == "sslmode":
            value = opts[key]
            detail = (
                "The dialect copies every query parameter into asyncpg.connect(**kwargs) "
                f"(create_connect_args gives `sslmode={value}`), so the first connection raises "
                f"`{message}`."
            )
            if verifies(value):
                out.append(codes.SSLMODE_VERIFY_TO_ASYNCPG.make(detail))
            else:
                out.append(codes.SSLMODE_TO_ASYNCPG.make(detail, value=value))
        else:
            out.append(
                codes.UNKNOWN_TO_ASYNCPG_DIALECT.make(
                    f"SQLAlchemy's asyncpg dialect passes `{key}` to asyncpg.connect(): "
                    f"`{message}`.",
                    key=key,
                )
            )
    ssl_value = opts.get("ssl")
    if isinstance(ssl_value, str):
        try:
            asyncpg_parse(host="localhost", ssl=ssl_value, user="x")
        except Exception as exc:  # noqa: BLE001
            text = first_line(exc)
            if "sslmode" in text and "must be one of" in text:
                out.append(
                    make(
                        codes.ASYNCPG_SSL_TRUE,
                        f"`ssl={ssl_value}` reaches asyncpg as a string, which it parses as an "
                        f"sslmode: `{text}`.",
                    )
                )
    return out


def _asyncpg_dsn_findings(p: ParsedConnection) -> list[Finding]:
    """What asyncpg's DSN parser sends the server as run-time settings."""
    try:
        _, params = asyncpg_reading(p)
        settings = dict(params.server_settings or {})
    except Exception as exc:  # noqa: BLE001
        text = scrub(first_line(exc), p.password)
        if missing_root_cert(text):
            return []  # verify_without_root_cert says it
        if "`sslmode` parameter must be one of" in first_line(exc):
            return []  # sslmode_invalid says it, with the value meant
        return [make(codes.DSN_UNPARSEABLE, f"asyncpg's DSN parser: {text}.")]
    out: list[Finding] = []
    for key, value in settings.items():
        if key == "ssl":
            out.append(
                codes.SSL_IN_ASYNCPG_DSN.make(
                    f"asyncpg's DSN parser does not know `ssl=`: it sends `ssl={value}` to the "
                    "server as a run-time setting, and Postgres (whose own `ssl` setting "
                    "is server-wide) refuses the login with "
                    '`parameter "ssl" cannot be changed now`.'
                )
            )
        else:
            out.append(
                codes.UNKNOWN_TO_ASYNCPG_DSN.make(
                    f"asyncpg's DSN parser sends unknown `{key}={value}` to the server as a "
                    "run-time setting; Postgres refuses unknown settings at login.",
                    key=key,
                )
            )
    return out


def _supabase_findings(
    p: ParsedConnection, drv: str, host_kind: str, project_ref: str | None
) -> list[Finding]:
    if p.host is None:
        return []
    return [
        *_direct_host_findings(p, host_kind, project_ref),
        *_pooler_user_findings(p, host_kind, project_ref),
        *_transaction_mode_findings(p, drv, host_kind),
        *_project_ref_findings(p, host_kind),
        *_port_findings(p, host_kind),
    ]


def _direct_host_findings(
    p: ParsedConnection, host_kind: str, project_ref: str | None
) -> list[Finding]:
    if host_kind != HostKind.SUPABASE_DIRECT or p.host is None:
        return []
    return [
        codes.DIRECT_HOST_USE_POOLER.make(
            f"{p.host.host} has only an IPv6 address unless the project bought the IPv4 add-on; "
            "from a network without IPv6 it fails with `Network is unreachable`.",
            pooler=supabase.SESSION_POOLER_HOST_HINT,
            user=supabase.pooler_user(project_ref),
        )
    ]


def _pooler_user_findings(
    p: ParsedConnection, host_kind: str, project_ref: str | None
) -> list[Finding]:
    if host_kind not in SHARED_POOLER_KINDS:
        return []
    user = p.user or ""
    if supabase.ref_from_pooler_user(user) or supabase.ref_from_options(p.param("options")):
        return []
    role = user or "postgres"
    return [
        codes.POOLER_USER_WRITE_AS.make(
            f"The user is `{user or '(none)'}`; the shared pooler needs `{role}.<ref>` "
            "and answers `Tenant or user not found` otherwise.",
            user=supabase.pooler_user(project_ref, role),
        )
    ]


def _transaction_mode_findings(p: ParsedConnection, drv: str, host_kind: str) -> list[Finding]:
    if not supabase.is_transaction_pooler(host_kind) or p.host is None:
        return []
    port = p.host.effective_port
    if drv in ("asyncpg", "sqlalchemy_asyncpg"):
        variant = (
            codes.PREPARED_STATEMENTS_ASYNCPG
            if drv == "asyncpg"
            else codes.PREPARED_STATEMENTS_SQLALCHEMY_ASYNCPG
        )
        return [
            variant.make(
                f"Port {port} is transaction mode; asyncpg prepares every statement and "
                'fails with `prepared statement "__asyncpg_stmt_1__" already exists` '
                "when a later transaction lands on another server connection."
            )
        ]
    if drv == "auto":
        return [
            codes.PREPARED_STATEMENTS_OTHER_DRIVERS.make(
                f"Port {port} is transaction mode: psycopg2 is fine; drivers that prepare "
                "statements (asyncpg, psycopg 3, Prisma, postgres.js, JDBC) must turn it off."
            )
        ]
    return []


def _project_ref_findings(p: ParsedConnection, host_kind: str) -> list[Finding]:
    refs: dict[str, str] = {}
    if host_kind in (HostKind.SUPABASE_DIRECT, HostKind.SUPABASE_DEDICATED_POOLER) and p.host:
        m = supabase.DIRECT_HOST_RE.match(p.host.host.lower().rstrip("."))
        if m:
            refs["host"] = m.group(1)
    user_ref = supabase.ref_from_pooler_user(p.user)
    if user_ref:
        refs["user"] = user_ref
    opt_ref = supabase.ref_from_options(p.param("options"))
    if opt_ref:
        refs["options"] = opt_ref
    if len(set(refs.values())) <= 1:
        return []
    listing = ", ".join(f"{where}: {ref}" for where, ref in refs.items())
    return [
        make(codes.PROJECT_REF_MISMATCH, f"The string names more than one project ({listing}).")
    ]


def _port_findings(p: ParsedConnection, host_kind: str) -> list[Finding]:
    h = p.host
    if h is None or not supabase.is_supabase_host(h.host.lower()) or host_kind == HostKind.OTHER:
        return []
    if h.effective_port in (5432, 6543):
        return []
    return [
        make(
            codes.SUPABASE_UNUSUAL_PORT,
            f"Port {h.effective_port}: Supabase's database ports are 5432 and 6543.",
        )
    ]


def _ssl_findings(p: ParsedConnection, drv: str, host_kind: str) -> list[Finding]:
    out: list[Finding] = []
    mode = ssl_setting(p, drv)
    supa = is_supabase_cloud(host_kind)
    ca = supabase.SUPABASE_CA_FILE if supa else "/path/to/ca.crt"
    asyncpg_engine = drv == "sqlalchemy_asyncpg"
    if verifies(mode) and not p.param("sslrootcert") and not asyncpg_engine:
        out.append(
            codes.ROOT_CERT_TO_ADD.make(
                f"sslmode={mode} with no sslrootcert: libpq and asyncpg then read "
                "~/.postgresql/root.crt and stop with `root certificate file ... does not exist` "
                "when it is missing.",
                ca=ca,
            )
        )
    if asyncpg_engine and verifies(mode):
        out.append(
            codes.ROOT_CERT_FOR_ASYNCPG_ENGINE.make(
                f"ssl={mode} in a SQLAlchemy URL: asyncpg then reads ~/.postgresql/root.crt, "
                "and the URL cannot name another file.",
                ca=ca,
            )
        )
    if is_remote(host_kind, p) and (mode is None or mode in WEAK_SSLMODES):
        out.append(_no_verification(mode, asyncpg_engine, supa, ca))
    return out


def _no_verification(mode: str | None, asyncpg_engine: bool, supa: bool, ca: str) -> Finding:
    if asyncpg_engine:
        said = f"ssl={mode}" if mode else "no ssl (asyncpg's default is prefer)"
    else:
        said = f"sslmode={mode}" if mode else "no sslmode (libpq's default is prefer)"
    what = (
        "no encryption at all"
        if mode == "disable"
        else "encryption without checking who answers: anyone on the path can pose as the server"
    )
    variant = codes.VERIFY_FULL_SUPABASE_TO_ADD if supa else codes.VERIFY_FULL_TO_ADD
    if asyncpg_engine:
        variant = codes.VERIFY_FOR_ASYNCPG_ENGINE
    return variant.make(f"{said}: {what}.", ca=ca)


def _libpq_parameter_findings(p: ParsedConnection, drv: str) -> list[Finding]:
    if drv not in LIBPQ_DRIVERS or not p.params:
        return []
    out = []
    if p.format == "uri" and ("ssl", "true") in p.params:
        detail = (
            "libpq reads `ssl=true` in a URI's query as `sslmode=require` (its JDBC "
            "compatibility): encrypted, the certificate not checked."
        )
        if drv == "auto":
            detail += (
                " asyncpg sends it to the server as a setting, which refuses the login, and "
                "SQLAlchemy hands it to psycopg2 as an unknown option."
            )
            out.append(codes.SSL_TRUE_OTHER_DRIVERS.make(detail))
        else:
            out.append(make(codes.SSL_TRUE_READ_AS_REQUIRE, detail))
    variant = codes.UNKNOWN_TO_LIBPQ if drv != "auto" else codes.UNKNOWN_TO_LIBPQ_ANY_DRIVER
    return out + [
        variant.make(
            f"libpq rejects `{name}`: {message}. {_PARAM_HINTS.get(name, '')}".strip(),
            param=f"{name}={p.param(name) or ''}",
            instead=codes.INSTEAD_OF_PARAMETER.get(name, ""),
        )
        for name, message in libpq_unknown_params(p)
    ]


def _sslmode_findings(p: ParsedConnection, drv: str) -> list[Finding]:
    """An sslmode libpq (and asyncpg) refuse before sending a packet, with the value meant."""
    if drv not in (*LIBPQ_DRIVERS, "asyncpg"):
        # sqlalchemy_asyncpg: the dialect hands `sslmode` to asyncpg.connect()
        # (asyncpg_sslmode_param); the other stacks read sslmode by their own rules.
        return []
    mode = ssl_setting(p, drv)
    if mode is None:
        return []
    if mode in SSLMODES:
        if drv == "asyncpg" or mode == "verify-full" or p.libpq_param("sslrootcert") != "system":
            return []
        refusal = (
            f'weak sslmode "{mode}" may not be used with sslrootcert=system (use "verify-full")'
        )
        return [
            codes.SSLMODE_WEAK_WITH_SYSTEM_ROOT.make(
                f"`sslmode={mode}` with `sslrootcert=system`: libpq stops with `{refusal}` "
                "before sending a packet."
            )
        ]
    who = (
        "asyncpg refuses it"
        if drv == "asyncpg"
        else f'libpq stops with `invalid sslmode value: "{mode}"`'
    )
    detail = f"`sslmode={mode}`: {who} before sending a packet."
    if mode.strip().lower() == "no-verify":
        detail += (
            " `no-verify` is node-postgres's spelling (encrypt, do not check the certificate)."
        )
    nearest = nearest_sslmode(mode)
    if nearest is None:
        return [make(codes.SSLMODE_INVALID, detail)]
    return [
        codes.SSLMODE_NEAREST.make(
            detail + f" The nearest valid value is `{nearest}`.", nearest=nearest
        )
    ]


def _host_findings(p: ParsedConnection) -> list[Finding]:
    out = []
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
