"""psycopg 3: libpq reads its string (so the libpq lint rules apply as they are), and psycopg
adds its own prepared statements: a query run `prepare_threshold` times (default 5) is prepared
as `_pg3_<n>`. `prepare_threshold` is a connect() keyword argument, not a libpq option (a URL
holding it fails with `invalid URI query parameter`). Facts: drivers.md §2; proven through a
real PgBouncer by tests/test_stacks_live.py. No I/O.
"""

from __future__ import annotations

from inspector.codegen import py_str
from inspector.connections.stacks import codes
from inspector.connections.stacks.base import Reading
from inspector.findings import Finding


def view(r: Reading) -> dict[str, str]:
    return {"prepare_threshold": "5 (default: a connect() keyword argument)"}


def findings(r: Reading) -> list[Finding]:
    if not r.transaction:
        return []
    return [
        r.make(
            codes.PREPARED_PSYCOPG3,
            f"Port {r.port} is transaction mode; psycopg 3 prepares a query as `_pg3_0`, ... on "
            "its fifth run, and another client on the same server connection then gets "
            '`prepared statement "_pg3_0" already exists`.',
        )
    ]


def snippet(url: str, transaction: bool) -> str:
    extra = ", prepare_threshold=None" if transaction else ""
    return f"import psycopg\n\nconn = psycopg.connect({py_str(url)}{extra})"
