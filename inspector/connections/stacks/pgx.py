"""Go jackc/pgx v5: how `pgx.ParseConfig` reads a URL or keyword DSN (its sslmode, its own
query-exec mode, every other parameter a startup parameter), and the URL and Go code that work.
No I/O.

Facts: drivers.md §10 (pgconn/config.go configTLS; `default_query_exec_mode`; statements cached
as `stmtcache_<hex>`), pasted-errors.md §12. No Go toolchain with pgx v5 is reachable here
(Debian has pgx v4 only): tests/test_stacks.py checks these rules against drivers.md, not a run.
"""

from __future__ import annotations

from inspector.codegen import go_str
from inspector.connections.drivers import SSLMODES, libpq_knows
from inspector.connections.stacks import codes
from inspector.connections.stacks.base import Reading, Target
from inspector.findings import Finding

# What pgconn and pgx (and pgxpool) consume; any other parameter is a RuntimeParam, sent to the
# server in the startup packet.
CONSUMED = frozenset(
    {
        "host",
        "port",
        "database",
        "dbname",
        "user",
        "password",
        "passfile",
        "connect_timeout",
        "sslmode",
        "sslkey",
        "sslcert",
        "sslrootcert",
        "sslpassword",
        "sslsni",
        "sslnegotiation",
        "krbspn",
        "krbsrvname",
        "target_session_attrs",
        "service",
        "servicefile",
        "min_read_buffer_size",
        "default_query_exec_mode",
        "statement_cache_capacity",
        "description_cache_capacity",
        "pool_max_conns",
        "pool_min_conns",
        "pool_min_idle_conns",
        "pool_max_conn_lifetime",
        "pool_max_conn_lifetime_jitter",
        "pool_max_conn_idle_time",
        "pool_health_check_period",
    }
)
# Startup parameters the server takes as settings.
_SERVER_SETTINGS = frozenset({"application_name", "options", "search_path", "client_encoding"})
_CLIENT_OPTIONS = frozenset(
    {"pgbouncer", "connection_limit", "pool_timeout", "schema", "sslaccept", "uselibpqcompat",
     "prepare", "prepareThreshold", "supa"}
)  # fmt: skip
POOLER_SAFE_MODES = ("exec", "simple_protocol")


def tls_of(r: Reading) -> str:
    """pgx's TLS for the string, in words."""
    mode = r.param("sslmode") or "prefer"
    root = r.param("sslrootcert")
    if root == "system":
        return "verify-full against the system's store (sslrootcert=system)"
    if mode in ("allow", "prefer"):
        return f"{mode}: TLS with InsecureSkipVerify, then plain TCP"
    if mode == "require":
        return "require + sslrootcert: verify-ca" if root else "require: InsecureSkipVerify"
    if mode in ("verify-ca", "verify-full"):
        return f"{mode} against " + (root or "the system's store")
    return mode


def view(r: Reading) -> dict[str, str]:
    sent = [k for k, _ in r.p.params if k not in CONSUMED]
    return {
        "tls": tls_of(r),
        "default_query_exec_mode": r.param("default_query_exec_mode")
        or "cache_statement (default)",
        "sent to the server": ", ".join(sent) or "nothing else",
    }


def findings(r: Reading) -> list[Finding]:
    out: list[Finding] = []
    mode = r.param("sslmode")
    root = r.param("sslrootcert")
    if mode is not None and mode not in SSLMODES:
        out.append(
            r.make(
                codes.PGX_BAD_SSLMODE, f"pgx.ParseConfig: `sslmode is invalid` ({mode}).", mode=mode
            )
        )
    elif r.remote and root != "system":
        effective = mode or "prefer"
        if effective == "require" and root:
            out.append(
                r.make(
                    codes.PGX_REQUIRE_WITH_ROOT_IS_VERIFY_CA,
                    "sslmode=require with sslrootcert: pgx checks the chain against that CA "
                    "(libpq's verify-ca), not the host name.",
                )
            )
        elif effective in ("disable", "allow", "prefer", "require"):
            said = f"sslmode={mode}" if mode else "no sslmode (pgx's default is prefer)"
            out.append(
                r.make(
                    codes.PGX_REQUIRE_NO_CHECK,
                    f"{said}: pgx sets InsecureSkipVerify (and prefer falls back to plain TCP).",
                    mode=effective,
                )
            )
        elif effective in ("verify-ca", "verify-full") and not root and r.supabase:
            out.append(
                r.make(
                    codes.PGX_VERIFY_SYSTEM_STORE,
                    f"sslmode={effective} with no sslrootcert: pgx checks against the system's "
                    "store, which lacks Supabase Root 2021 CA (`x509: certificate signed by "
                    "unknown authority`).",
                )
            )
    for key, value in r.p.params:
        if key in CONSUMED or key in _SERVER_SETTINGS or "." in key:
            continue
        if key in _CLIENT_OPTIONS or libpq_knows(key) or key.startswith("ssl"):
            out.append(
                r.make(
                    codes.PGX_UNKNOWN_SENT,
                    f"`{key}={value}` is no pgx setting: pgx.ParseConfig keeps it as a "
                    "RuntimeParam and sends it in the startup packet.",
                    key=key,
                )
            )
    exec_mode = r.param("default_query_exec_mode")
    if r.transaction and exec_mode not in POOLER_SAFE_MODES:
        said = (
            f"default_query_exec_mode={exec_mode}" if exec_mode else "the default cache_statement"
        )
        out.append(
            r.make(
                codes.PREPARED_PGX,
                f"Port {r.port} is transaction mode; with {said} pgx prepares each query as "
                '`stmtcache_<hex>` on one server connection: `prepared statement "stmtcache_..." '
                "already exists (SQLSTATE 42P05)` or `does not exist` on another.",
            )
        )
    return out


_KEEP = ("application_name", "options", "connect_timeout", "target_session_attrs", "search_path")


def url(t: Target) -> str:
    params: list[tuple[str, str]] = []
    if t.verify:
        params.append(("sslmode", t.verify))
        params.append(("sslrootcert", t.ca_file or "system"))
    elif t.mode:
        params.append(("sslmode", t.mode))
    params += t.kept(_KEEP)
    params += [(k, v) for k, v in t.p.params if k.startswith("pool_") and k in CONSUMED]
    if t.transaction:
        params.append(("default_query_exec_mode", "simple_protocol"))
    return t.url(params, scheme="postgres")


def snippet(pgx_url: str) -> str:
    return (
        "import (\n"
        '\t"context"\n\n'
        '\t"github.com/jackc/pgx/v5/pgxpool"\n'
        ")\n\n"
        f"pool, err := pgxpool.New(context.Background(), {go_str(pgx_url)})"
    )


def suggestion(t: Target) -> tuple[str, str]:
    u = url(t)
    return u, snippet(u)
