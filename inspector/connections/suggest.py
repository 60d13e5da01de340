"""Corrected connection strings and code for each driver, password shown as `***`.

Hosts, users, database names and parameters come from the pasted string: each is percent-encoded
for the URL it goes in (by the rules of the parser that reads that URL back), and each URL or
path that goes into Python code is a Python literal (`inspector.codegen`). `sslpassword` is
masked like the password. A verifying sslmode always comes with the CA to trust: the user's own
`sslrootcert`, `system`, or a placeholder that says which file to get (`CA_PLACEHOLDER`,
Supabase's `prod-ca-2021.crt`); the asyncpg snippets trust it through an `ssl.SSLContext`.

`plan` is what every suggestion connects to and with: the snippets are written from it, and the
proof round (probe/proof.py) makes the same calls. The password's place in each string and
snippet is its first `:***@` (`password_at`), which `with_password` fills in.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

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
# The CA file a suggestion names when the user gave none: the CA pasted on the page (or the one
# to get), certifi's bundle (`python -m certifi` prints its path).
CA_PLACEHOLDER = "/path/to/ca.crt"
CERTIFI_PLACEHOLDER = "/path/to/certifi/cacert.pem"
# Where the password stands in every suggested URL: users and hosts before it are
# percent-encoded, so none of them holds these characters.
PASSWORD_SLOT = f":{MASK}@"
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
    """(sslmode, sslrootcert) the suggestion should carry. A verifying sslmode always names its
    CA: libpq and asyncpg have no default store (only `~/.postgresql/root.crt`)."""
    mode = p.param("sslmode") or p.param("ssl")
    root = p.param("sslrootcert")
    if mode in ("true", "1"):
        mode = "require"
    elif mode is not None and mode not in SSLMODES:
        mode = nearest_sslmode(mode)  # `no-verify`, `verify-fulll`: the value meant
    supa = is_supabase_cloud(host_kind)
    own = root if root and root != "system" else None  # the user's own CA file
    needed = own or (supabase.SUPABASE_CA_FILE if supa else CA_PLACEHOLDER)
    if tls and (remote or verifies(mode)):
        full = {s["store"] for s in tls["stores"] if s["verify_full"]}
        chain = {s["store"] for s in tls["stores"] if s["verify_ca"]}
        roots = {"pasted CA": needed, "system": "system", "certifi": CERTIFI_PLACEHOLDER}
        for store in roots:
            if store in full:
                return "verify-full", roots[store]
        for store in roots:
            if store in chain:
                return "verify-ca", roots[store]
        if supa or own:  # the CA to get, or the user's own file (not judged here)
            return (mode if verifies(mode) else "verify-full"), needed
        if not remote:
            return mode, root or needed
        return "require", None
    if not remote:
        return mode, (root or needed) if verifies(mode) else root
    if supa:
        return "verify-full", needed
    if mode in (None, *WEAK_SSLMODES):
        return "verify-full", root or "system"
    return mode, (root or "system") if verifies(mode) else root


@dataclass(frozen=True)
class Plan:
    """What every suggestion connects to and with; the snippets are written from it and the
    proof round makes the same calls."""

    host_kind: str
    user: str
    hosts: tuple[tuple[str, int | None], ...]
    database: str
    mode: str | None  # the sslmode the strings carry
    root: str | None  # their sslrootcert: the user's file, a placeholder, "system", or None

    @property
    def transaction_pooler(self) -> bool:
        return supabase.is_transaction_pooler(self.host_kind)

    @property
    def ssl_context(self) -> bool:
        """The asyncpg snippets pass an SSL context (a URL cannot name asyncpg's CA file)."""
        return verifies(self.mode)

    @property
    def cafile(self) -> str | None:
        """The file that context trusts; None: the system's default store."""
        return self.root if self.root and self.root != "system" else None


def plan(
    p: ParsedConnection,
    host_kind: str,
    project_ref: str | None,
    finding_codes: set[str],
    tls: TlsReport | None,
    remote: bool,
) -> Plan | None:
    """The suggestions' target and TLS; None for a string that does not parse (examples)."""
    if not p.ok or p.host is None:
        return None
    kind, user, hosts = _target(p, host_kind, project_ref, finding_codes)
    mode, root = _target_ssl(p, host_kind, tls, remote)
    return Plan(kind, user, tuple(hosts), p.database or "postgres", mode, root)


def ca_note(target: Plan | None, own_root: str | None) -> str | None:
    """Where to get the CA file a suggestion names, when it is not the user's own."""
    if target is None or target.root is None or target.root == own_root:
        return None
    if target.root == CA_PLACEHOLDER:
        return (
            f"`{CA_PLACEHOLDER}` stands for the CA that issued the server's certificate (the "
            "one you paste on this page): save it as a file and write that file's path there."
        )
    if target.root == supabase.SUPABASE_CA_FILE:
        return (
            f"`{supabase.SUPABASE_CA_FILE}` is Supabase's root CA: download it from the dashboard "
            "(Database Settings > SSL Configuration) and write its path there."
        )
    if target.root == CERTIFI_PLACEHOLDER:
        return f"`{CERTIFI_PLACEHOLDER}` is certifi's bundle: `python -m certifi` prints its path."
    return None


def password_at(text: str, url: str) -> int | None:
    """Where the password's `***` stands in a suggested string, or in a snippet holding `url`
    as a literal (None when it has none)."""
    start = 0 if text == url else text.find(py_str(url))
    at = text.find(PASSWORD_SLOT, max(start, 0)) if start >= 0 else -1
    return None if at < 0 else at + 1


def with_password(text: str, url: str, password: str | None) -> str:
    """`text` with the password in place of its `***`, percent-encoded (no password: none)."""
    at = password_at(text, url)
    if at is None:
        return text
    if password is None:
        return text[: at - 1] + text[at + len(MASK) :]  # `user:***@` -> `user@`
    return text[:at] + url_part(password) + text[at + len(MASK) :]


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
    target = plan(p, host_kind, project_ref, finding_codes, tls, remote)
    assert target is not None
    user, hosts, database = target.user, list(target.hosts), target.database
    mode, root = target.mode, target.root
    unknown = {name for name, _ in libpq_unknown_params(p)}
    extra = [(k, v) for k, v in p.params if k not in _SSL_KEYS and k not in unknown]
    if mode:
        libpq_params = [("sslmode", mode)] + ([("sslrootcert", root)] if root else []) + extra
    else:
        libpq_params = list(extra)
    # asyncpg reads sslrootcert as a file name: `system` is libpq's alone (the snippet's SSL
    # context trusts the system's store).
    asyncpg_params = [(k, v) for k, v in libpq_params if (k, v) != ("sslrootcert", "system")]
    sqlalchemy_asyncpg_params = [(k, v) for k, v in extra if k not in _DROP_FOR_ASYNCPG_URL]
    if mode and not verifies(mode):
        sqlalchemy_asyncpg_params = [("ssl", mode)] + sqlalchemy_asyncpg_params
    suggested = {
        "psycopg2": _libpq_url("postgresql", user, hosts, database, libpq_params),
        "asyncpg": _libpq_url("postgresql", user, hosts, database, asyncpg_params),
        "sqlalchemy": _sqlalchemy_url("postgresql+psycopg2", user, hosts, database, libpq_params),
        "sqlalchemy_asyncpg": _sqlalchemy_url(
            "postgresql+asyncpg", user, hosts, database, sqlalchemy_asyncpg_params
        ),
    }
    return suggested, _snippets(suggested, target)


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


def _snippets(suggested: dict[str, str], target: Plan) -> dict[str, str]:
    return {
        "psycopg2": f"import psycopg2\n\nconn = psycopg2.connect({py_str(suggested['psycopg2'])})",
        "asyncpg": _asyncpg_snippet(suggested["asyncpg"], target),
        "sqlalchemy": (
            "from sqlalchemy import create_engine\n\n"
            f"engine = create_engine({py_str(suggested['sqlalchemy'])}, pool_pre_ping=True)"
        ),
        "sqlalchemy_asyncpg": _async_engine_snippet(suggested["sqlalchemy_asyncpg"], target),
    }


def _ssl_context_lines(target: Plan) -> list[str]:
    """An SSL context for a verifying sslmode, trusting the suggestion's CA file."""
    ctx_arg = f"cafile={py_str(target.cafile)}" if target.cafile else ""
    lines = [f"ctx = ssl.create_default_context({ctx_arg})"]
    if target.mode == "verify-ca":
        lines.append("ctx.check_hostname = False  # verify-ca: chain only")
    return lines


def _asyncpg_snippet(url: str, target: Plan) -> str:
    """asyncpg.connect() with the SSL context of a verifying sslmode (asyncpg cannot read
    `sslrootcert=system`, and a context says the CA in code) and the transaction pooler's
    setting."""
    imports = ["import asyncpg"]
    lines: list[str] = []
    kwargs = []
    if target.ssl_context:
        imports.insert(0, "import ssl")
        lines = _ssl_context_lines(target)
        kwargs.append("ssl=ctx")
    if target.transaction_pooler:
        kwargs.append("statement_cache_size=0")
    args = "".join(f", {k}" for k in kwargs)
    return (
        "\n".join(imports)
        + "\n\n"
        + "".join(line + "\n" for line in lines)
        + f"conn = await asyncpg.connect({py_str(url)}{args})"
    )


def _async_engine_snippet(url: str, target: Plan) -> str:
    """create_async_engine() with an SSL context for a verifying sslmode (a URL cannot name
    asyncpg's CA file) and the transaction pooler's settings."""
    lines: list[str] = []
    imports = ["from sqlalchemy.ext.asyncio import create_async_engine"]
    connect_args = []
    if target.ssl_context:
        imports.insert(0, "import ssl")
        lines = _ssl_context_lines(target)
        connect_args.append('"ssl": ctx')
    extra_kw = ""
    if target.transaction_pooler:
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
