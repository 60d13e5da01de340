"""Which stack judges a string, and what each one says: the foreign forms (JDBC, Npgsql), the
`auto` guess, the driver's reading, its findings and every stack's suggestion. No I/O.

`service.py` calls these around the Python drivers' own steps: `read_foreign` before `parse`,
`guess` after `resolve_driver`, `findings` beside the lint, `suggestions` beside `suggest`.
"""

from __future__ import annotations

from inspector.connections.parse import ParsedConnection, clean_input
from inspector.connections.probe import TlsReport
from inspector.connections.stacks import codes, jdbc, node, npgsql, pgx, prisma, psycopg3
from inspector.connections.stacks import names as n
from inspector.connections.stacks.base import Reading, target
from inspector.findings import Finding, make

# Parameters that only one stack writes in a URL: `auto` judges the string as that stack.
_TELLTALE: tuple[tuple[str, str | None, str], ...] = (
    ("pgbouncer", None, n.PRISMA),
    ("connection_limit", None, n.PRISMA),
    ("pool_timeout", None, n.PRISMA),
    ("sslaccept", None, n.PRISMA),
    ("schema", None, n.PRISMA),
    ("uselibpqcompat", None, n.NODE_POSTGRES),
    ("sslmode", "no-verify", n.NODE_POSTGRES),
    ("prepare", "false", n.POSTGRESJS),
    ("default_query_exec_mode", None, n.PGX),
    ("statement_cache_capacity", None, n.PGX),
)


def read_npgsql(text: str, password: str | None) -> ParsedConnection | None:
    """An Npgsql connection string, parsed; None for anything else (read it before `parse`:
    libpq's keyword form would take `Host=a;Port=5432` for one odd host)."""
    t, notes = clean_input(text)
    return npgsql.parse_npgsql(t, password, notes) if npgsql.is_npgsql(t) else None


def read_jdbc(text: str, password: str | None, parsed: ParsedConnection) -> ParsedConnection | None:
    """A JDBC URL parsed by pgjdbc's rules, when the shared parser did not read `text` as one
    (`parsed`); None otherwise."""
    if jdbc.is_jdbc_parse(parsed):
        return None
    t, notes = clean_input(text)
    return jdbc.parse_jdbc(t, password, notes) if jdbc.is_jdbc(t) else None


def guess(
    p: ParsedConnection, driver: str, hint: tuple[str, str] | None = None
) -> tuple[str, Finding | None]:
    """(driver, the `driver_guessed` finding) for `auto`: a JDBC or Npgsql string is theirs; a
    parameter only one stack writes names it; else `hint` (the `.env`'s word, e.g. Prisma for a
    DATABASE_URL beside a DIRECT_URL). Any other driver is kept as it is."""
    if driver != "auto" or not p.ok:
        return driver, None
    if jdbc.is_jdbc_parse(p):
        return n.JDBC, None  # the form says it: no guess
    if p.format == "npgsql":
        return n.NPGSQL, None
    for key, value, stack in _TELLTALE:
        if p.param(key) is not None and (value is None or p.param(key) == value):
            said = f"`{key}={p.param(key)}`"
            return stack, _guessed(
                stack, f"The string holds {said}, which only {n.LABELS[stack]} writes."
            )
    if hint is not None:
        stack, why = hint
        return stack, _guessed(stack, why)
    return driver, None


def _guessed(stack: str, why: str) -> Finding:
    return make(codes.DRIVER_GUESSED, f"Judged as {n.LABELS[stack]}: {why}")


def _reading(p: ParsedConnection, kind: str, ref: str | None) -> Reading:
    return Reading(p, kind, ref)


def findings(p: ParsedConnection, driver: str, kind: str, ref: str | None) -> list[Finding]:
    """The driver's own findings (none for the Python drivers and `auto`)."""
    if not p.ok or p.host is None or driver not in n.STACK_DRIVERS:
        return []
    r = _reading(p, kind, ref)
    if driver in (n.NODE_POSTGRES, n.DRIZZLE_NODE_POSTGRES, n.POSTGRESJS, n.DRIZZLE_POSTGRESJS):
        return node.findings(r, driver)
    if driver in (n.PRISMA, n.PRISMA7):
        return prisma.findings(r, version7=driver == n.PRISMA7)
    if driver == n.PSYCOPG3:
        return psycopg3.findings(r)
    if driver == n.PGX:
        return pgx.findings(r)
    if driver == n.JDBC:
        return jdbc.findings(r)
    return npgsql.findings(r)


# The drivers that verify with Node's own CA store (Mozilla's list, as certifi's is).
_NODE_READERS = {
    n.NODE_POSTGRES: "node-postgres",
    n.DRIZZLE_NODE_POSTGRES: "node-postgres",
    n.PRISMA7: "Prisma 7 (node-postgres)",
    n.POSTGRESJS: "postgres.js",
    n.DRIZZLE_POSTGRESJS: "postgres.js",
}


def after_probe(
    found: list[Finding],
    p: ParsedConnection,
    driver: str,
    kind: str,
    ref: str | None,
    tls: TlsReport | None,
) -> list[Finding]:
    """What the live TLS step tells a Node driver's findings: a driver that will verify with
    Node's store (the same Mozilla roots as certifi), no CA of its own, and a chain certifi does
    not trust is refused, whatever libpq made of the string: said as an error, in its words."""
    who = _NODE_READERS.get(driver)
    if who is None or tls is None or not p.ok:
        return found
    r = _reading(p, kind, ref)
    said = node.postgresjs_tls(r) if who == "postgres.js" else node.pg_tls(r)
    certifi = next((s for s in tls["stores"] if s["store"] == "certifi"), None)
    if not said.verifies or said.ca or certifi is None or certifi["verify_full"]:
        return found
    refused = r.make(
        codes.NODE_WILL_REFUSE_THIS_CHAIN,
        f"{said.said}: {who} checks the chain and the host name against Node's own CA store "
        f"(Mozilla's roots, as certifi's are), and the TLS step above found: {certifi['reason']}",
        who=who,
    )
    kept = [f for f in found if f.code != codes.SSLMODE_VERIFIES_IN_DRIVER]
    return [*kept, refused]


def reading(p: ParsedConnection, driver: str, kind: str, ref: str | None) -> dict[str, str]:
    """How the driver reads the string (TLS, prepare, what it ignores), for the report."""
    if not p.ok or p.host is None or driver not in n.STACK_DRIVERS:
        return {}
    r = _reading(p, kind, ref)
    if driver in (n.NODE_POSTGRES, n.DRIZZLE_NODE_POSTGRES, n.POSTGRESJS, n.DRIZZLE_POSTGRESJS):
        return node.view(r, driver)
    if driver in (n.PRISMA, n.PRISMA7):
        return prisma.view(r, version7=driver == n.PRISMA7)
    if driver == n.PSYCOPG3:
        return psycopg3.view(r)
    if driver == n.PGX:
        return pgx.view(r)
    if driver == n.JDBC:
        return jdbc.view(r)
    return npgsql.view(r)


def suggestions(
    p: ParsedConnection,
    kind: str,
    ref: str | None,
    finding_codes: set[str],
    tls: TlsReport | None,
    remote: bool,
    libpq_url: str,
) -> tuple[dict[str, str], dict[str, str]]:
    """(string, code) per stack, for the target the Python strings connect to; `libpq_url` is
    the psycopg2 string (psycopg 3's is the same). Empty when the string cannot be read."""
    if not p.ok or p.host is None:
        return {}, {}
    t = target(jdbc.as_libpq_tls(p), kind, ref, finding_codes, tls, remote)
    pairs = node.suggestions(t)
    pairs[n.PRISMA] = prisma.v6_suggestion(t)
    pairs[n.PRISMA7] = prisma.v7_suggestion(t)
    pairs[n.PSYCOPG3] = (libpq_url, psycopg3.snippet(libpq_url, t.transaction))
    pairs[n.PGX] = pgx.suggestion(t)
    pairs[n.JDBC] = jdbc.suggestion(t)
    pairs[n.NPGSQL] = npgsql.suggestion(t)
    ordered = {name: pairs[name] for name in n.STACK_DRIVERS}
    return {k: v[0] for k, v in ordered.items()}, {k: v[1] for k, v in ordered.items()}
