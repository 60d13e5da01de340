"""Prisma: version 6 and older, whose Rust query engine (quaint) reads the URL, and version 7,
whose `@prisma/adapter-pg` hands it to node-postgres. Their TLS and pooler rules, and the `.env`
lines, schema and client code that work. No I/O.

Facts: drivers.md §5.1 (quaint's URL parameters: sslmode verify-ca/verify-full silently prefer;
sslaccept defaults to accept_invalid_certs; sslcert is the CA, relative to prisma/; pgbouncer=true;
anything else discarded), §5.2 (Prisma 7: adapter-pg is node-postgres, url/directUrl move to
prisma.config.ts), supabase.md §7 (Prisma on the transaction pooler: `?pgbouncer=true` and a
direct URL for migrations). Prisma's engines cannot be installed here: tests/test_stacks.py
checks these rules against drivers.md, not a run.
"""

from __future__ import annotations

import posixpath

from inspector import supabase
from inspector.codegen import env_url, js_str
from inspector.connections.stacks import codes
from inspector.connections.stacks import node as node_stack
from inspector.connections.stacks.base import Reading, Target
from inspector.findings import Finding

# What quaint reads from a PostgreSQL URL (url.rs); everything else is discarded.
QUAINT_PARAMS = frozenset(
    {
        "sslmode",
        "sslcert",
        "sslidentity",
        "sslpassword",
        "sslaccept",
        "statement_cache_size",
        "pgbouncer",
        "connection_limit",
        "connect_timeout",
        "pool_timeout",
        "socket_timeout",
        "max_connection_lifetime",
        "max_idle_connection_lifetime",
        "schema",
        "host",
        "application_name",
        "channel_binding",
        "options",
    }
)
# Prisma 6 URL knobs Prisma 7's adapter (node-postgres) ignores, and what replaces each.
V6_ONLY = {
    "connection_limit": "`max` in new PrismaPg({ ... })",
    "pool_timeout": "`connectionTimeoutMillis` in new PrismaPg({ ... })",
    "connect_timeout": "`connectionTimeoutMillis` in new PrismaPg({ ... })",
    "socket_timeout": "`query_timeout` in new PrismaPg({ ... })",
    "sslaccept": "the `ssl` object of new PrismaPg({ ... })",
    "sslcert": "`ssl: { ca }` in new PrismaPg({ ... })",
    "statement_cache_size": "nothing: the adapter prepares no named statements",
}


def quaint_tls(r: Reading | Target) -> tuple[str, str]:
    """(what Prisma 6 does, what decides it): quaint knows disable, prefer (default) and
    require; verify-ca/verify-full are read as prefer; it verifies only with sslaccept=strict."""
    mode = r.param("sslmode") or "prefer"
    said = f"sslmode={r.param('sslmode')}" if r.param("sslmode") else "no sslmode (prefer)"
    if mode not in ("disable", "prefer", "require"):
        mode = "prefer"
    if mode == "disable":
        return "none", said
    strict = r.param("sslaccept") not in (None, "accept_invalid_certs")
    if strict:
        return f"{mode}, verified (sslaccept=strict)", said
    return f"{mode}, any certificate (sslaccept=accept_invalid_certs)", said


def view(r: Reading, version7: bool) -> dict[str, str]:
    if version7:
        out = node_stack.view(r, "node_postgres")
        return {"engine": "@prisma/adapter-pg (node-postgres)", **out}
    tls, said = quaint_tls(r)
    discarded = [k for k, _ in r.p.params if k not in QUAINT_PARAMS]
    return {
        "engine": "Rust query engine (quaint)",
        "tls": tls,
        "tls decided by": said,
        "pgbouncer": r.param("pgbouncer") or "false",
        "discarded": ", ".join(discarded) or "nothing",
    }


# --- findings ---------------------------------------------------------------------------------


def findings(r: Reading, version7: bool) -> list[Finding]:
    return _v7_findings(r) if version7 else _v6_findings(r)


def _v6_findings(r: Reading) -> list[Finding]:
    out: list[Finding] = []
    mode = r.param("sslmode")
    strict = r.param("sslaccept") not in (None, "accept_invalid_certs")
    if mode in ("verify-ca", "verify-full"):
        out.append(
            r.make(
                codes.PRISMA_VERIFY_IS_PREFER,
                f"sslmode={mode}: Prisma's engine knows only disable, prefer and require, and "
                "treats anything else as prefer (a debug log line says `Unsupported SSL mode`); "
                "the certificate is not checked.",
                mode=mode,
            )
        )
    elif r.remote and not strict and mode != "disable":
        said = f"sslmode={mode}" if mode else "no sslmode (Prisma's default is prefer)"
        out.append(
            r.make(
                codes.PRISMA_REQUIRE_ACCEPTS_ANY,
                f"{said} and no sslaccept: Prisma's engine defaults to "
                "sslaccept=accept_invalid_certs, so any certificate is accepted.",
            )
        )
    for key, value in r.p.params:
        if key == "sslrootcert":
            out.append(
                r.make(
                    codes.PRISMA_SSLROOTCERT_IGNORED,
                    f"sslrootcert={value}: Prisma's engine discards it (its CA parameter is "
                    "sslcert, a path relative to the prisma/ folder).",
                )
            )
        elif key not in QUAINT_PARAMS:
            out.append(
                r.make(
                    codes.PRISMA_UNKNOWN_DISCARDED,
                    f"`{key}={value}`: Prisma's engine reads only its own URL parameters and "
                    "drops the rest without a word.",
                    key=key,
                )
            )
    pgbouncer = r.param("pgbouncer") == "true"
    if r.transaction:
        if not pgbouncer:
            out.append(
                r.make(
                    codes.PREPARED_PRISMA,
                    f"Port {r.port} is transaction mode; without pgbouncer=true Prisma's engine "
                    'caches prepared statements (s0, s1, ...): `prepared statement "s0" already '
                    "exists` once a query lands on another server connection.",
                )
            )
        out.append(
            r.make(
                codes.PRISMA_DIRECT_URL_FOR_MIGRATE,
                f"Port {r.port} is transaction mode: `prisma migrate` through it fails "
                '(`prepared statement "s0" already exists`, or `Error: undefined: Database '
                "error`).",
            )
        )
    elif pgbouncer and supabase.is_supabase_host(r.p.host.host if r.p.host else None):
        out.append(
            r.make(
                codes.PRISMA_PGBOUNCER_NOT_NEEDED,
                f"pgbouncer=true on port {r.port}, which is not the transaction pooler: it only "
                "turns off Prisma's statement cache here.",
            )
        )
    return out


def _v7_findings(r: Reading) -> list[Finding]:
    who = "Prisma 7 (node-postgres through @prisma/adapter-pg)"
    out = node_stack.pg_tls_findings(r, who)
    for key, value in r.p.params:
        if key in V6_ONLY:
            out.append(
                r.make(
                    codes.PRISMA7_V6_PARAM,
                    f"`{key}={value}`: Prisma 7 hands the URL to node-postgres, which keeps "
                    "unknown parameters as config keys and reads none of them.",
                    key=key,
                    instead=V6_ONLY[key],
                )
            )
    if r.transaction:
        out.append(
            r.make(
                codes.PRISMA7_DIRECT_URL_FOR_CLI,
                f"Port {r.port} is transaction mode: the adapter's queries are fine there "
                "(unnamed statements), but the CLI's migrations need a session (5432) or direct "
                "URL.",
            )
        )
    return out


# --- suggestions ------------------------------------------------------------------------------

# The Prisma 6 parameters of the user's string that the suggestion keeps.
_KEEP_V6 = (
    "connection_limit",
    "pool_timeout",
    "connect_timeout",
    "socket_timeout",
    "schema",
    "application_name",
    "options",
)
SCHEMA_DIR = "prisma"  # where schema.prisma lives: Prisma 6's sslcert is relative to it


def _sslcert(ca: str) -> str:
    """A CA path as Prisma 6's sslcert needs it: relative to the prisma/ folder."""
    if posixpath.isabs(ca) or ca.startswith("~"):
        return ca
    return posixpath.join("..", ca)


def v6_tls(t: Target) -> list[tuple[str, str]]:
    if t.verify and t.ca_file:
        return [("sslmode", "require"), ("sslcert", _sslcert(t.ca_file)), ("sslaccept", "strict")]
    if t.verify:
        return [("sslmode", "require"), ("sslaccept", "strict")]
    if t.tls:
        return [("sslmode", "require")]
    return [("sslmode", "disable")] if t.mode == "disable" else []


def v6_urls(t: Target) -> tuple[str, str | None]:
    """(DATABASE_URL, DIRECT_URL or None): the pooled URL with pgbouncer=true on the transaction
    pooler, and the session pooler (same host, 5432) or the direct host for migrations."""
    tls = v6_tls(t)
    kept = t.kept(_KEEP_V6)
    if not t.transaction:
        return t.url(tls + kept), None
    pooled = t.url(tls + [("pgbouncer", "true")] + kept)
    direct = t.with_port(5432)
    return pooled, direct.url(tls + [(k, v) for k, v in kept if k != "connection_limit"])


def _env_lines(database_url: str, direct_url: str | None) -> str:
    lines = [f"DATABASE_URL={env_url(database_url)}"]
    if direct_url:
        lines.append(f"DIRECT_URL={env_url(direct_url)}")
    return "\n".join(lines)


def v6_schema(with_direct: bool) -> str:
    direct = '\n  directUrl = env("DIRECT_URL")' if with_direct else ""
    return (
        "datasource db {\n"
        '  provider  = "postgresql"\n'
        '  url       = env("DATABASE_URL")'
        f"{direct}\n"
        "}"
    )


def v6_suggestion(t: Target) -> tuple[str, str]:
    pooled, direct = v6_urls(t)
    note = (
        f"// sslcert is the CA for Prisma, relative to {SCHEMA_DIR}/ (where schema.prisma is)\n"
        if t.verify and t.ca_file
        else ""
    )
    return _env_lines(pooled, direct), note + v6_schema(direct is not None)


def v7_suggestion(t: Target) -> tuple[str, str]:
    """The adapter's URL has no sslmode (it would replace the `ssl` object); the CLI's URL goes
    in prisma.config.ts."""
    pooled = node_stack.pg_url(t, with_tls=False)
    direct = node_stack.pg_url(t.with_port(5432), with_tls=False) if t.transaction else None
    ssl = node_stack._ssl_object(t, postgresjs=False)
    cli_url = "DIRECT_URL" if direct else "DATABASE_URL"
    lines = [
        "// prisma.config.ts",
        'import "dotenv/config";',
        'import { defineConfig, env } from "prisma/config";',
        "",
        "export default defineConfig({",
        '  schema: "prisma/schema.prisma",',
        f"  datasource: {{ url: env({js_str(cli_url)}) }},  // the CLI's (migrations') URL",
        "});",
        "",
        "// the client",
    ]
    if t.verify and t.ca_file:
        lines.append('import fs from "node:fs";')
    lines += [
        'import { PrismaPg } from "@prisma/adapter-pg";',
        'import { PrismaClient } from "./generated/prisma/client";  // your generator\'s output',
        "",
        "const adapter = new PrismaPg({",
        "  connectionString: process.env.DATABASE_URL,  // no sslmode in it: it would replace ssl",
    ]
    if ssl:
        lines.append(f"  ssl: {ssl},")
    lines += ["});", "export const prisma = new PrismaClient({ adapter });"]
    return _env_lines(pooled, direct), "\n".join(lines)
