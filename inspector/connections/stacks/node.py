"""node-postgres (`pg`), postgres.js and Drizzle over either: how each reads the URL, its
findings in its own terms, and the string and code that work for it. No I/O.

Facts: drivers.md §3 (node-postgres, pg-connection-string 2.x), §4 (postgres.js 3.4), §6
(Drizzle), §13 rules 2 and 7; checked against the pinned packages in tests/node (pg 8.23.0,
postgres 3.4.9) by tests/test_stacks_live.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector.codegen import js_str
from inspector.connections.drivers import libpq_knows
from inspector.connections.stacks import codes
from inspector.connections.stacks import names as n
from inspector.connections.stacks.base import Reading, Target
from inspector.findings import Finding

# --- how they read the URL ---------------------------------------------------------------------

# What a URL parameter may be that node-postgres reads (pg-connection-string's own, then
# pg/lib/connection-parameters.js `val(...)`); anything else is kept as a config key, unused.
PG_READS = frozenset(
    {
        "ssl",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "uselibpqcompat",
        "sslnegotiation",
        "host",
        "port",
        "user",
        "password",
        "database",
        "application_name",
        "fallback_application_name",
        "client_encoding",
        "options",
        "replication",
        "binary",
        "statement_timeout",
        "lock_timeout",
        "idle_in_transaction_session_timeout",
        "query_timeout",
    }
)
# postgres.js's options (src/index.js `defaults`); every other query parameter is sent to the
# server as a startup parameter (drivers.md §4), `sslmode` having become `ssl`.
POSTGRESJS_OPTIONS = frozenset(
    {
        "max",
        "ssl",
        "sslmode",
        "sslnegotiation",
        "idle_timeout",
        "connect_timeout",
        "max_lifetime",
        "max_pipeline",
        "backoff",
        "keep_alive",
        "prepare",
        "debug",
        "fetch_types",
        "publications",
        "target_session_attrs",
    }
)
# Startup parameters a server takes as settings (a libpq keyword that is one too).
_SERVER_SETTINGS = frozenset({"application_name", "options", "client_encoding", "replication"})
# Client-side options of other tools, never server settings (Prisma's, node-postgres's, pgx's,
# pgjdbc's): sent to the server they fail the login.
_CLIENT_OPTIONS = frozenset(
    {
        "pgbouncer",
        "connection_limit",
        "pool_timeout",
        "socket_timeout",
        "statement_cache_size",
        "schema",
        "sslaccept",
        "sslidentity",
        "uselibpqcompat",
        "default_query_exec_mode",
        "prepareThreshold",
        "supa",
    }
)


@dataclass(frozen=True)
class NodeTls:
    """What a Node driver does about TLS for a string: `none` (plain TCP), `no-verify`
    (encrypted, any certificate), `prefer-no-verify` (that, or plain TCP if the server says N),
    `verify-ca`, `verify-full`; or `error` (the driver throws before connecting)."""

    mode: str
    said: str  # what in the string decides it, in its own spelling
    ca: str | None = None  # the sslrootcert file read into `ssl.ca`
    error: str | None = None

    @property
    def verifies(self) -> bool:
        return self.mode in ("verify-ca", "verify-full")


def pg_tls(r: Reading | Target) -> NodeTls:
    """node-postgres's reading (pg-connection-string 2.x; drivers.md §3): every sslmode but
    disable and no-verify is verify-full unless `uselibpqcompat=true`; `ssl=` any other string
    than 0 is truthy, so it verifies (ConnectionParameters keeps `ssl=false` as the string
    "false", checked against pg 8.23.0); no ssl setting at all is no TLS."""
    sslmode, ssl, root = r.param("sslmode"), r.param("ssl"), r.param("sslrootcert")
    files = any(r.param(k) for k in ("sslcert", "sslkey", "sslrootcert"))
    if not sslmode and not files:
        if ssl is None:
            return NodeTls("none", "no sslmode and no ssl")
        if ssl == "0":
            return NodeTls("none", "ssl=0")
        if ssl == "no-verify":
            return NodeTls("no-verify", "ssl=no-verify")
        return NodeTls("verify-full", f"ssl={ssl}")
    said = f"sslmode={sslmode}" if sslmode else "sslrootcert" if root else "sslcert/sslkey"
    if r.param("uselibpqcompat") == "true":
        said += " with uselibpqcompat=true"
        if sslmode == "disable":
            return NodeTls("none", said)
        if sslmode == "prefer":
            return NodeTls("no-verify", said, root)
        if sslmode == "require":
            return NodeTls("verify-ca" if root else "no-verify", said, root)
        if sslmode == "verify-ca" and not root:
            return NodeTls(
                "error",
                said,
                error="SECURITY WARNING: Using sslmode=verify-ca requires specifying a CA with "
                "sslrootcert.",
            )
        return NodeTls("verify-ca" if sslmode == "verify-ca" else "verify-full", said, root)
    if sslmode == "disable":
        return NodeTls("none", said)
    if sslmode == "no-verify":
        return NodeTls("no-verify", said, root)
    return NodeTls("verify-full", said, root)


def postgresjs_tls(r: Reading | Target) -> NodeTls:
    """postgres.js's reading (src/index.js, src/connection.js; drivers.md §4): `sslmode` becomes
    `ssl`; require/allow/prefer skip the check; any other value (verify-ca, true, no-verify)
    verifies with Node's defaults; none (or disable, false) is no TLS."""
    sslmode, ssl = r.param("sslmode"), r.param("ssl")
    value, said = (sslmode, f"sslmode={sslmode}") if sslmode else (ssl, f"ssl={ssl}")
    if r.param("sslrootcert") == "system":
        value, said = "verify-full", "sslrootcert=system"
    if not value or value in ("disable", "false"):
        return NodeTls("none", said if value else "no sslmode and no ssl")
    if value == "prefer":
        return NodeTls("prefer-no-verify", said)
    if value in ("require", "allow"):
        return NodeTls("no-verify", said)
    return NodeTls("verify-full", said)


def postgresjs_startup_parameters(r: Reading | Target) -> list[tuple[str, str]]:
    """The URL parameters postgres.js sends the server as startup parameters (not its options)."""
    return [(k, v) for k, v in r.p.params if k not in POSTGRESJS_OPTIONS]


def view(r: Reading, driver: str) -> dict[str, str]:
    """The driver's reading of the string, for the page and the JSON (`parsed.stack`)."""
    if driver in n.READS_LIKE_POSTGRESJS:
        tls = postgresjs_tls(r)
        prepare = r.param("prepare")
        sent = postgresjs_startup_parameters(r)
        return {
            "tls": tls.mode,
            "tls decided by": tls.said,
            "prepare": "false" if prepare == "false" else "true (default)",
            "sent to the server": ", ".join(k for k, _ in sent) or "nothing else",
        }
    tls = pg_tls(r)
    out = {"tls": tls.mode, "tls decided by": tls.said}
    if tls.ca:
        out["ssl.ca read from"] = tls.ca
    ignored = [k for k, _ in r.p.params if k not in PG_READS]
    if ignored:
        out["ignored"] = ", ".join(ignored)
    return out


# --- findings ---------------------------------------------------------------------------------


def findings(r: Reading, driver: str) -> list[Finding]:
    """node-postgres or postgres.js findings (Drizzle's are its driver's)."""
    if driver in n.READS_LIKE_POSTGRESJS:
        return _postgresjs_findings(r)
    return _pg_findings(r)


def pg_tls_findings(r: Reading, who: str = "node-postgres") -> list[Finding]:
    """node-postgres's TLS in its own terms (also Prisma 7's: its adapter is node-postgres)."""
    tls = pg_tls(r)
    prisma7 = who != "node-postgres"
    if tls.mode == "error":
        return [
            r.make(codes.NODE_VERIFY_CA_NEEDS_ROOT, f"pg-connection-string throws: {tls.error}")
        ]
    if tls.mode == "none" and r.remote:
        return [
            r.make(
                codes.NODE_NO_TLS,
                f"{tls.said}: {who} sends no SSLRequest at all (not libpq's prefer); with SSL "
                "enforcement on the server answers `no pg_hba.conf entry for host ..., no "
                "encryption`, and without it the password and data cross the network in clear.",
            )
        ]
    if tls.mode == "verify-full" and r.remote and not tls.ca:
        loose = tls.said.startswith(("sslmode=prefer", "sslmode=require", "sslmode=verify-ca"))
        detail = (
            f"{tls.said}: {who} verifies the chain and the host name against Node's own CA "
            "store (pg-connection-string treats prefer, require and verify-ca as aliases for "
            "verify-full, with a one-time SECURITY WARNING). An `ssl: {rejectUnauthorized: "
            "false}` object beside this URL is ignored: the URL's sslmode replaces it."
        )
        mode = tls.said.split("=", 1)[1] if "=" in tls.said else tls.said
        if r.supabase:
            variant = (
                codes.PRISMA7_REQUIRE_FAILS_ON_SUPABASE
                if prisma7
                else codes.NODE_REQUIRE_FAILS_ON_SUPABASE
            )
            detail += (
                " Supabase's certificates chain to its own root (Supabase Root 2021 CA), which "
                "Node does not ship: the connection fails with `self-signed certificate in "
                "certificate chain` (SELF_SIGNED_CERT_IN_CHAIN)."
            )
            return [r.make(variant, detail, mode=mode)]
        if loose or tls.said.startswith("ssl="):
            variant = (
                codes.PRISMA7_REQUIRE_IS_VERIFY_FULL
                if prisma7
                else codes.NODE_REQUIRE_IS_VERIFY_FULL
            )
            if tls.said.startswith("ssl=") and not prisma7:
                variant = codes.NODE_SSL_TRUE_VERIFIES
            return [r.make(variant, detail, mode=mode)]
    return []


def _pg_findings(r: Reading) -> list[Finding]:
    out = pg_tls_findings(r)
    for key, value in r.p.params:
        if key not in PG_READS:
            out.append(
                r.make(
                    codes.NODE_POSTGRES_UNKNOWN_IGNORED,
                    f"`{key}={value}`: node-postgres copies URL parameters it does not know into "
                    "its config, where nothing reads them (and, unlike libpq, raises no error).",
                    key=key,
                )
            )
    if r.transaction:
        out.append(
            r.make(
                codes.NODE_POSTGRES_NAMED_QUERIES,
                f"Port {r.port} is transaction mode: `client.query(text, values)` uses the "
                "unnamed statement, which works; a query config with `name` prepares it on one "
                'server connection and fails on another (`prepared statement "..." already '
                "exists`).",
            )
        )
    return out


def _postgresjs_findings(r: Reading) -> list[Finding]:
    out: list[Finding] = []
    tls = postgresjs_tls(r)
    if tls.mode == "none" and r.remote:
        out.append(
            r.make(
                codes.POSTGRESJS_NO_TLS,
                f"{tls.said}: postgres.js's default is `ssl: false`, so it asks for no TLS.",
            )
        )
    elif tls.mode in ("no-verify", "prefer-no-verify") and r.remote:
        mode = tls.said.split("=", 1)[1]
        fallback = (
            " and falls back to plain TCP when the server has no TLS"
            if "prefer" in tls.mode
            else ""
        )
        out.append(
            r.make(
                codes.POSTGRESJS_REQUIRE_NO_CHECK,
                f"{tls.said}: postgres.js encrypts with rejectUnauthorized: false{fallback}: "
                "anyone on the path can pose as the server.",
                mode=mode,
            )
        )
    elif tls.mode == "verify-full" and r.remote and r.supabase:
        out.append(
            r.make(
                codes.SSLMODE_VERIFIES_IN_POSTGRESJS,
                f"{tls.said}: postgres.js verifies against Node's own CA store, which lacks "
                "Supabase Root 2021 CA: `self-signed certificate in certificate chain`.",
            )
        )
    for key, value in postgresjs_startup_parameters(r):
        if key == "sslrootcert":
            out.append(
                r.make(
                    codes.POSTGRESJS_SSLROOTCERT_SENT,
                    f"postgres.js does not read `sslrootcert={value}`: it sends it to the server "
                    "as a setting, which refuses the login (`unrecognized configuration parameter "
                    '"sslrootcert"`); no CA is loaded.',
                )
            )
        elif key not in _SERVER_SETTINGS and "." not in key and _client_option(key):
            out.append(
                r.make(
                    codes.POSTGRESJS_UNKNOWN_SENT,
                    f"`{key}={value}` is no postgres.js option: it goes into the startup packet "
                    "as a run-time setting.",
                    key=key,
                )
            )
    if r.transaction and r.param("prepare") != "false":
        out.append(
            r.make(
                codes.PREPARED_POSTGRESJS,
                f"Port {r.port} is transaction mode; postgres.js prepares every query by default "
                "(`prepare: true`), leaving named statements on server connections other clients "
                "get, and pipelines queries, which can hang or mismatch rows there.",
            )
        )
    return out


def _client_option(key: str) -> bool:
    """A key that is some client's option, never a server setting."""
    return key in _CLIENT_OPTIONS or key.startswith("ssl") or libpq_knows(key)


# --- suggestions ------------------------------------------------------------------------------

# The parameters of the user's string the suggested Node URLs keep (server settings both send).
_KEEP = ("application_name", "options")


def pg_url(t: Target, *, with_tls: bool) -> str:
    """node-postgres's URL: self-sufficient (`with_tls`: sslmode and sslrootcert in it, which
    pg-connection-string reads from disk) or bare, for code that passes an `ssl` object (the
    URL's sslmode would replace it)."""
    params = []
    if with_tls:
        if t.verify == "verify-full" and t.ca_file:
            params = [("sslmode", "verify-full"), ("sslrootcert", t.ca_file)]
        elif t.verify == "verify-ca" and t.ca_file:
            params = [
                ("sslmode", "verify-ca"),
                ("sslrootcert", t.ca_file),
                ("uselibpqcompat", "true"),
            ]
        elif t.verify:
            params = [("sslmode", "verify-full")]  # Node's own CA store
        elif t.tls:
            params = [("sslmode", "no-verify")]
    return t.url(params + t.kept(_KEEP))


def postgresjs_url(t: Target) -> str:
    """postgres.js's URL: `sslmode` it reads (the CA only an options object can give) and
    `prepare=false` on a transaction pooler."""
    params = []
    if t.verify:
        params = [("sslmode", "verify-full")]
    elif t.tls:
        params = [("sslmode", "require")]
    params += t.kept(_KEEP)
    if t.transaction:
        params.append(("prepare", "false"))
    return t.url(params)


def _ssl_object(t: Target, *, postgresjs: bool) -> str | None:
    """The `ssl` option, as JavaScript; None: no TLS."""
    if t.verify and t.ca_file:
        read = f'fs.readFileSync({js_str(t.ca_file)}, "utf8")'
        if t.verify == "verify-ca":
            return (
                f"{{ ca: {read}, checkServerIdentity: () => undefined }}  // verify-ca: chain only"
            )
        return f"{{ ca: {read} }}"
    if t.verify:
        return '"verify-full"' if postgresjs else "true  // Node's own CA store"
    if t.tls:
        if postgresjs:
            return '"require"  // encrypts, does not verify the certificate'
        return "{ rejectUnauthorized: false }  // encrypts, does not verify the certificate"
    return None


def _imports(t: Target, *lines: str) -> str:
    head = ['import fs from "node:fs";'] if t.verify and t.ca_file else []
    return "\n".join([*head, *lines]) + "\n\n"


def pg_snippet(t: Target, *, drizzle: bool = False) -> str:
    ssl = _ssl_object(t, postgresjs=False)
    opts = [f"  connectionString: {js_str(pg_url(t, with_tls=False))},"]
    if ssl:
        opts.append(f"  ssl: {ssl},")
    note = (
        "// No sslmode in this URL: node-postgres lets a URL's sslmode replace the ssl object.\n"
        if ssl
        else ""
    )
    imports = ['import pg from "pg";']
    tail = ""
    if drizzle:
        imports.insert(0, 'import { drizzle } from "drizzle-orm/node-postgres";')
        tail = "\nexport const db = drizzle(pool);"
    return (
        _imports(t, *imports)
        + note
        + "const pool = new pg.Pool({\n"
        + "\n".join(opts)
        + "\n});"
        + tail
    )


def postgresjs_snippet(t: Target, *, drizzle: bool = False) -> str:
    ssl = _ssl_object(t, postgresjs=True)
    opts = []
    if ssl:
        opts.append(f"  ssl: {ssl},")
    if t.transaction:
        opts.append("  prepare: false,  // the transaction pooler keeps no prepared statements")
    name = "client" if drizzle else "sql"
    args = js_str(postgresjs_url(t)) + (", {\n" + "\n".join(opts) + "\n}" if opts else "")
    imports = ['import postgres from "postgres";']
    tail = ""
    if drizzle:
        imports.insert(0, 'import { drizzle } from "drizzle-orm/postgres-js";')
        tail = f"\nexport const db = drizzle({name});"
    return _imports(t, *imports) + f"const {name} = postgres({args});" + tail


def suggestions(t: Target) -> dict[str, tuple[str, str]]:
    """{driver: (string, code)} for the four Node stacks."""
    pg_string = pg_url(t, with_tls=True)
    js_string = postgresjs_url(t)
    return {
        n.NODE_POSTGRES: (pg_string, pg_snippet(t)),
        n.POSTGRESJS: (js_string, postgresjs_snippet(t)),
        n.DRIZZLE_NODE_POSTGRES: (pg_string, pg_snippet(t, drizzle=True)),
        n.DRIZZLE_POSTGRESJS: (js_string, postgresjs_snippet(t, drizzle=True)),
    }
