"""Corrected connection strings and code for each driver, password shown as `***`.

Hosts, users, database names and parameters come from the pasted string: each is percent-encoded
for the URL it goes in (by the rules of the parser that reads that URL back), and each URL or
path that goes into Python code is a Python literal (`inspector.codegen`). `sslpassword` is
masked like the password.
"""

from __future__ import annotations

import ipaddress
import re

from inspector import supabase
from inspector.codegen import py_str, url_part
from inspector.connections import codes
from inspector.connections.drivers import (
    SSLMODES,
    WEAK_SSLMODES,
    libpq_unknown_params,
    nearest_sslmode,
    verifies,
)
from inspector.connections.hosts import SHARED_POOLER_KINDS, is_supabase_cloud, pooler_role
from inspector.connections.parse import DEFAULT_PORT, SECRET_PARAMS, ParsedConnection
from inspector.connections.probe import TlsReport
from inspector.redact import MASK
from inspector.vocabulary import HostKind

_SSL_KEYS = ("sslmode", "sslrootcert", "ssl")
_DROP_FOR_ASYNCPG_URL = ("sslmode", "sslrootcert", "ssl", "sslcert", "sslkey", "sslcrl")


# `<>` stay readable in hosts and users: `aws-N-<region>` and `postgres.<project-ref>` are
# placeholders to fill in.
_PLACEHOLDER_SAFE = "<>"
# A host SQLAlchemy's URL parser reads from the netloc as written (it does not percent-decode
# hosts): a DNS name or an IPv4 address; IPv6 ones (without a zone) go in brackets.
_SA_NETLOC_HOST = re.compile(r"[A-Za-z0-9._<>-]*")


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def _query(params: list[tuple[str, str]]) -> str:
    """`?k=v&...`, every key and value percent-encoded; secret values as `***`."""
    q = "&".join(
        f"{url_part(k)}={MASK if k in SECRET_PARAMS else url_part(v, safe='/')}" for k, v in params
    )
    return f"?{q}" if q else ""


def _userinfo(user: str) -> str:
    return f"{url_part(user, safe=_PLACEHOLDER_SAFE)}:{MASK}@"


def _libpq_url(
    scheme: str,
    user: str,
    hosts: list[tuple[str, int | None]],
    database: str,
    params: list[tuple[str, str]],
) -> str:
    """A URI libpq (and asyncpg) read back to exactly these values: both percent-decode every
    host, bracketed IPv6 ones included."""
    parts = []
    for host, port in hosts:
        if _is_ipv6(host):
            h = f"[{url_part(host, safe=':')}]"
        else:  # any other `:` is encoded too: Python's urlsplit (asyncpg) rejects `[a:b]`
            h = url_part(host, safe=_PLACEHOLDER_SAFE)
        parts.append(h + (f":{port}" if port else ""))
    return f"{scheme}://{_userinfo(user)}{','.join(parts)}/{url_part(database)}" + _query(params)


def _sqlalchemy_url(
    scheme: str,
    user: str,
    hosts: list[tuple[str, int | None]],
    database: str,
    params: list[tuple[str, str]],
) -> str:
    """A URL `sqlalchemy.engine.make_url` reads back to exactly these values. SQLAlchemy takes
    the netloc host verbatim, so any other host (several, a socket directory, odd characters)
    goes in its `?host=h1,h2&port=p1,p2` form, which it does decode."""
    if len(hosts) == 1 and _SA_NETLOC_HOST.fullmatch(hosts[0][0]):
        host, port = hosts[0]
        netloc = host + (f":{port}" if port else "")
    elif len(hosts) == 1 and _is_ipv6(hosts[0][0]) and "%" not in hosts[0][0]:
        host, port = hosts[0]
        netloc = f"[{host}]" + (f":{port}" if port else "")
    else:
        netloc = ""
        params = [
            ("host", ",".join(h for h, _ in hosts)),
            ("port", ",".join(str(p or DEFAULT_PORT) for _, p in hosts)),
            *params,
        ]
    return f"{scheme}://{_userinfo(user)}{netloc}/{url_part(database)}" + _query(params)


def _target_ssl(
    p: ParsedConnection, host_kind: str, tls: TlsReport | None, remote: bool
) -> tuple[str | None, str | None]:
    """(sslmode, sslrootcert) the suggestion should carry."""
    mode = p.param("sslmode") or p.param("ssl")
    root = p.param("sslrootcert")
    if mode in ("true", "1"):
        mode = "require"
    elif mode is not None and mode not in SSLMODES:
        mode = nearest_sslmode(mode)  # `no-verify`, `verify-fulll`: the value meant
    if not remote:
        return mode, root
    supa = is_supabase_cloud(host_kind)
    if tls:
        full = {s["store"] for s in tls["stores"] if s["verify_full"]}
        chain = {s["store"] for s in tls["stores"] if s["verify_ca"]}
        if "pasted CA" in full:
            return "verify-full", supabase.SUPABASE_CA_FILE if supa else (root or "ca.crt")
        if "system" in full:
            return "verify-full", "system"
        if "certifi" in full:
            return "verify-full", "/path/to/certifi/cacert.pem"
        if chain:
            return "verify-ca", root or ("system" if "system" in chain else "ca.crt")
        if supa:
            return "verify-full", supabase.SUPABASE_CA_FILE
        return "require", None
    if supa:
        return "verify-full", supabase.SUPABASE_CA_FILE
    if mode in (None, *WEAK_SSLMODES):
        return "verify-full", root or "system"
    return mode, root


_EXAMPLE = "postgresql://postgres:***@db.<project-ref>.supabase.co:5432/postgres"
_EXAMPLE_SSL = "?sslmode=verify-full&sslrootcert=prod-ca-2021.crt"


def suggest(
    p: ParsedConnection,
    host_kind: str,
    project_ref: str | None,
    finding_codes: set[str],
    tls: TlsReport | None,
    remote: bool,
) -> tuple[dict[str, str], dict[str, str]]:
    """(suggested strings per driver, code snippets per driver)."""
    if not p.ok or p.host is None:
        return {
            "psycopg2": _EXAMPLE + _EXAMPLE_SSL,
            "asyncpg": _EXAMPLE + _EXAMPLE_SSL,
            "sqlalchemy": _EXAMPLE.replace("postgresql://", "postgresql+psycopg2://")
            + _EXAMPLE_SSL,
            "sqlalchemy_asyncpg": _EXAMPLE.replace("postgresql://", "postgresql+asyncpg://"),
        }, {}
    kind, user, hosts = _target(p, host_kind, project_ref, finding_codes)
    database = p.database or "postgres"
    mode, root = _target_ssl(p, host_kind, tls, remote)
    unknown = {name for name, _ in libpq_unknown_params(p)}
    extra = [(k, v) for k, v in p.params if k not in _SSL_KEYS and k not in unknown]
    if mode:
        libpq_params = [("sslmode", mode)] + ([("sslrootcert", root)] if root else []) + extra
    else:
        libpq_params = list(extra)
    sqlalchemy_asyncpg_params = [(k, v) for k, v in extra if k not in _DROP_FOR_ASYNCPG_URL]
    if mode and not verifies(mode):
        sqlalchemy_asyncpg_params = [("ssl", mode)] + sqlalchemy_asyncpg_params
    suggested = {
        "psycopg2": _libpq_url("postgresql", user, hosts, database, libpq_params),
        "asyncpg": _libpq_url("postgresql", user, hosts, database, libpq_params),
        "sqlalchemy": _sqlalchemy_url("postgresql+psycopg2", user, hosts, database, libpq_params),
        "sqlalchemy_asyncpg": _sqlalchemy_url(
            "postgresql+asyncpg", user, hosts, database, sqlalchemy_asyncpg_params
        ),
    }
    return suggested, _snippets(suggested, supabase.is_transaction_pooler(kind), mode, root)


def _target(
    p: ParsedConnection, host_kind: str, project_ref: str | None, finding_codes: set[str]
) -> tuple[str, str, list[tuple[str, int | None]]]:
    """(host kind, user, hosts) the suggestion connects to: the session pooler when this
    machine cannot reach an IPv6-only host, the pooler user with the project ref."""
    user = p.user or "postgres"
    hosts = [(h.host, h.port) for h in p.hosts]
    if codes.IPV6_ONLY_NO_ROUTE in finding_codes or (
        codes.TCP_UNREACHABLE in finding_codes and host_kind == HostKind.SUPABASE_DIRECT
    ):
        pooler: list[tuple[str, int | None]] = [(supabase.session_pooler_host(), 5432)]
        user = supabase.pooler_user(project_ref, pooler_role(user))
        return HostKind.SUPABASE_POOLER_SESSION, user, pooler
    if host_kind in SHARED_POOLER_KINDS and not supabase.ref_from_pooler_user(user):
        user = supabase.pooler_user(project_ref, user or "postgres")
    return host_kind, user, hosts


def _snippets(
    suggested: dict[str, str], txn: bool, mode: str | None, root: str | None
) -> dict[str, str]:
    return {
        "psycopg2": f"import psycopg2\n\nconn = psycopg2.connect({py_str(suggested['psycopg2'])})",
        "asyncpg": (
            "import asyncpg\n\n"
            f"conn = await asyncpg.connect({py_str(suggested['asyncpg'])}"
            + (", statement_cache_size=0" if txn else "")
            + ")"
        ),
        "sqlalchemy": (
            "from sqlalchemy import create_engine\n\n"
            f"engine = create_engine({py_str(suggested['sqlalchemy'])}, pool_pre_ping=True)"
        ),
        "sqlalchemy_asyncpg": _async_engine_snippet(
            suggested["sqlalchemy_asyncpg"], txn, mode, root
        ),
    }


def _async_engine_snippet(url: str, txn: bool, mode: str | None, root: str | None) -> str:
    """create_async_engine() with an SSL context for a verifying sslmode (a URL cannot name
    asyncpg's CA file) and the transaction pooler's settings."""
    lines = []
    imports = ["from sqlalchemy.ext.asyncio import create_async_engine"]
    connect_args = []
    if verifies(mode):
        imports.insert(0, "import ssl")
        ca = root if root and root != "system" else None
        ctx_arg = f"cafile={py_str(ca)}" if ca else ""
        lines.append(f"ctx = ssl.create_default_context({ctx_arg})")
        if mode == "verify-ca":
            lines.append("ctx.check_hostname = False  # verify-ca: chain only")
        connect_args.append('"ssl": ctx')
    extra_kw = ""
    if txn:
        imports.append("from uuid import uuid4")
        imports.append("from sqlalchemy.pool import NullPool")
        connect_args += [
            '"statement_cache_size": 0',
            '"prepared_statement_cache_size": 0',
            '"prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__"',
        ]
        extra_kw = ", poolclass=NullPool"
    args = f", connect_args={{{', '.join(connect_args)}}}" if connect_args else ""
    return (
        "\n".join(imports)
        + "\n\n"
        + "".join(line + "\n" for line in lines)
        + f"engine = create_async_engine({py_str(url)}{args}{extra_kw})"
    )
