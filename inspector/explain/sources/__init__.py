"""Every table of recognised texts, one module per family of producers, and the clients that
frame a server's message (to name the source of `SERVER` rows)."""

from __future__ import annotations

import re

from inspector.explain.patterns import Pattern
from inspector.explain.sources import go, jwtlibs, libpq, node, poolers, python, supabase_http

PATTERNS: tuple[Pattern, ...] = (
    *jwtlibs.PATTERNS,
    *supabase_http.PATTERNS,
    *libpq.PATTERNS,
    *python.PATTERNS,
    *node.PATTERNS,
    *poolers.PATTERNS,
    *go.PATTERNS,
)

# Which client printed a server's (or a pooler's) message, from the rest of the text: first
# that fires wins. Literal needles only (a substring test on the lower-cased text).
CLIENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("asyncpg", ("asyncpg",)),
    ("prisma", ("prisma", "connectorerror", "quaint")),
    ("node-postgres", ("pg-protocol", "node_modules/pg/", "parseerrormessage", "pg-pool")),
    ("postgres.js", ("postgreserror", "node_modules/postgres/")),
    ("pgx", ("failed to connect to `", "pgconn", "(sqlstate ")),
    ("psycopg", ("psycopg.", "_pg3_")),
    (
        "libpq",
        (
            "connection to server at",
            "connection to server on socket",
            "psycopg2",
            "psql:",
            "pg_dump",
            "pg_dumpall",
            "pg_restore",
            "sqlstate[",
        ),
    ),
)

# A Python exception chain: the section before a separator is the cause of the one after.
PYTHON_CHAIN = re.compile(
    r"^(?:During handling of the above exception, another exception occurred:"
    r"|The above exception was the direct cause of the following exception:)",
    re.M,
)
# Node's `cause` (Error.cause, printed as `[cause]: Error: …` or `cause: Error …`), and
# Python's `Caused by:` in some loggers: what follows is deeper.
CAUSE_MARKER = re.compile(r"\[cause\]:|^[ \t]{0,40}(?:cause|caused by):[ \t]", re.M | re.I)


def client_of(low: str) -> str | None:
    """The client that framed a server message, from the lower-cased text (None: not known)."""
    for name, needles in CLIENTS:
        if any(n in low for n in needles):
            return name
    return None
