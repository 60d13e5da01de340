"""Transaction pooling for real: Debian's PgBouncer in transaction mode in front of a test cluster.

Issue 12 §4: the drivers that prepare statements fail through a transaction pooler, the
inspector's suggested fixes (asyncpg `statement_cache_size=0`, psycopg 3 `prepare_threshold=None`,
postgres.js `prepare: false`) connect and run a query twice, and PgBouncer's own refusals are
captured as texts for the explainer (tests/fixtures/real_errors.py). PgBouncer 1.18 has no
prepared-statement support of its own, so what reaches the client is the server's error.
The fixture PgBouncer has default_pool_size=1: every client shares one server connection, which
makes the scenarios deterministic. Supavisor's wording stays with the fake peers (servers.py).
"""

from __future__ import annotations

import re
from contextlib import closing

import psycopg
import psycopg2
import pytest

from tests.fixtures import aio
from tests.fixtures import pgbouncer as bouncers
from tests.fixtures import real_errors as live
from tests.fixtures.node import run_node
from tests.fixtures.pgbouncer import PgBouncer, running_pgbouncer
from tests.fixtures.real_errors import asyncpg_kwargs, node_config, run_asyncpg_worker

# The fixtures this module uses (tests/conftest.py does not load these two fixture modules).
pgbouncer_tx = bouncers.pgbouncer_tx
pgbouncer_session = bouncers.pgbouncer_session
real_errors = live.real_errors
pytestmark = pytest.mark.postgres


def server_statements(bouncer: PgBouncer) -> list[str]:
    """Prepared statements on the server connection a new client gets (another client's too)."""
    # Not `with conn`: psycopg2 2.9 opens a transaction there even in autocommit mode.
    with closing(psycopg2.connect(**bouncer.kwargs(), connect_timeout=5)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "select coalesce(array_agg(name order by name), '{}') from pg_prepared_statements"
            )
            return cur.fetchone()[0]


def hold_server(bouncer: PgBouncer):
    """A psycopg2 client inside a transaction: it keeps the server connection it was given."""
    holder = psycopg2.connect(**bouncer.kwargs(), connect_timeout=5)
    with holder.cursor() as cur:
        cur.execute("select 1")
    return holder


def test_pgbouncer_is_a_transaction_pooler_with_one_server_connection(pgbouncer_tx):
    conns = [psycopg2.connect(**pgbouncer_tx.kwargs(), connect_timeout=5) for _ in range(2)]
    pids = set()
    try:
        for conn in conns * 2:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("select pg_backend_pid()")
                pids.add(cur.fetchone()[0])
    finally:
        for conn in conns:
            conn.close()
    assert len(pids) == 1  # two clients, one server session: what transaction mode means


# --- the failures, for real ----------------------------------------------------------------


def test_asyncpg_default_cache_second_worker_duplicate_statement(real_errors):
    """Two worker processes number their statements alike; the second one's name is taken."""
    got = real_errors.capture("asyncpg_prepared_exists")
    assert got.cls == "DuplicatePreparedStatementError"
    assert got.code == "42P05"
    assert got.text.startswith(
        "asyncpg.exceptions.DuplicatePreparedStatementError: "
        'prepared statement "__asyncpg_stmt_1__" already exists'
    )
    assert "statement_cache_size to 0" in got.extra["hint"]  # asyncpg's own pgbouncer note


def test_asyncpg_default_cache_moved_to_another_server_connection(real_errors):
    got = real_errors.capture("asyncpg_prepared_missing")
    assert got.cls == "InvalidSQLStatementNameError"
    assert got.code == "26000"
    assert re.match(
        r"asyncpg\.exceptions\.InvalidSQLStatementNameError: prepared statement "
        r'"__asyncpg_stmt_[0-9a-f]+__" does not exist',
        got.text,
    )


def test_psycopg3_prepare_threshold_0_duplicate_statement(real_errors):
    got = real_errors.capture("psycopg3_prepared_exists")
    assert got.cls == "DuplicatePreparedStatement"
    assert got.code == "42P05"
    assert got.text == (
        'psycopg.errors.DuplicatePreparedStatement: prepared statement "_pg3_0" already exists'
    )


def test_node_postgres_named_query_duplicate_statement(real_errors):
    got = real_errors.capture("node_pg_prepared_exists")
    assert (got.text, got.code) == ('error: prepared statement "q1" already exists', "42P05")
    assert got.extra["routine"] == "StorePreparedStatement"


def test_postgresjs_default_prepare_leaves_its_statements_on_the_shared_server(pgbouncer_tx):
    """postgres.js prepares every query but names them per connection at random and re-prepares
    on `does not exist` (FetchPreparedStatement is in its retry list), so PgBouncer 1.18 shows
    it no error: its statements are still left in the server session other clients get."""
    config = node_config(pgbouncer_tx.backend, port=pgbouncer_tx.port)
    result = run_node("postgresjs_select.mjs", {"options": config, "clients": 2})
    assert result["ok"], result
    leftover = server_statements(pgbouncer_tx)
    # <random per connection><counter>: its type lookup (1) and `select 1` (2), for each client
    prefixes = {re.fullmatch(r"([0-9a-z]+?)([12])", n).group(1) for n in leftover}
    assert len(leftover) == 4 and len(prefixes) == 2, leftover


def test_psycopg2_never_prepares(pgbouncer_tx):
    conns = [psycopg2.connect(**pgbouncer_tx.kwargs(), connect_timeout=5) for _ in range(2)]
    try:
        for _ in range(2):
            for conn in conns:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute("select %s", (1,))
                    assert cur.fetchone() == (1,)
    finally:
        for conn in conns:
            conn.close()
    assert server_statements(pgbouncer_tx) == []


# --- the suggested fixes connect and run a query twice ---------------------------------------


def test_asyncpg_statement_cache_size_0_two_workers(pgbouncer_tx):
    for _ in range(2):
        result = run_asyncpg_worker(pgbouncer_tx, statement_cache_size=0)
        assert result == {"ok": True, "rows": [1, 1]}
    assert server_statements(pgbouncer_tx) == []


def test_asyncpg_statement_cache_size_0_interleaved_and_moved(pg):
    import asyncpg

    with running_pgbouncer(pg["plain"], default_pool_size="2") as bouncer:

        async def scenario() -> list[int]:
            kw = asyncpg_kwargs(bouncer, statement_cache_size=0, timeout=5)
            a, b = await asyncpg.connect(**kw), await asyncpg.connect(**kw)
            rows = []
            try:
                for conn in (a, b, a, b):  # one server connection, interleaved
                    rows.append(await conn.fetchval("select $1::int", 1))
                holder = hold_server(bouncer)  # a's next query runs on another server connection
                try:
                    rows.append(await a.fetchval("select $1::int", 1))
                finally:
                    holder.close()
            finally:
                await a.close()
                await b.close()
            return rows

        assert aio.run(scenario()) == [1] * 5


def test_psycopg3_prepare_threshold_none_interleaved_and_moved(pg):
    with running_pgbouncer(pg["plain"], default_pool_size="2") as bouncer:
        kw = {**bouncer.kwargs(), "prepare_threshold": None, "autocommit": True}
        with (
            psycopg.connect(**kw, connect_timeout=5) as a,
            psycopg.connect(**kw, connect_timeout=5) as b,
        ):
            rows = [conn.execute("select %s::int", (1,)).fetchone()[0] for conn in (a, b, a, b)]
            holder = hold_server(bouncer)
            try:
                rows += [a.execute("select %s::int", (1,)).fetchone()[0] for _ in range(2)]
            finally:
                holder.close()
        assert rows == [1] * 6
        assert server_statements(bouncer) == []


def test_psycopg3_default_threshold_prepares_the_sixth_run(pgbouncer_tx):
    """The default prepare_threshold (5) is no fix: a query's sixth run is prepared as `_pg3_0`,
    and so is the next connection's, on the same server connection."""
    kw = {**pgbouncer_tx.kwargs(), "autocommit": True, "connect_timeout": 5}
    with psycopg.connect(**kw) as a, psycopg.connect(**kw) as b:
        for _ in range(6):
            a.execute("select 1").fetchone()
        for _ in range(5):
            b.execute("select 1").fetchone()
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement, match='"_pg3_0" already'):
            b.execute("select 1")


def test_asyncpg_in_one_process_names_do_not_collide(pgbouncer_tx):
    """Why the duplicate needs a second worker process: asyncpg numbers statements per process,
    so two connections of one process prepare different names, and both stay on the server."""
    import asyncpg

    async def scenario() -> list[int]:
        a = await asyncpg.connect(**asyncpg_kwargs(pgbouncer_tx), timeout=5)
        b = await asyncpg.connect(**asyncpg_kwargs(pgbouncer_tx), timeout=5)
        try:
            return [await conn.fetchval("select 1") for conn in (a, b, a, b)]
        finally:
            await a.close()
            await b.close()

    assert aio.run(scenario()) == [1] * 4
    leftover = server_statements(pgbouncer_tx)
    assert len(leftover) == 2 and all(
        re.fullmatch(r"__asyncpg_stmt_[0-9a-f]+__", n) for n in leftover
    )


def test_postgresjs_prepare_false_interleaved(pgbouncer_tx):
    config = node_config(pgbouncer_tx.backend, port=pgbouncer_tx.port, prepare=False)
    result = run_node("postgresjs_select.mjs", {"options": config, "clients": 2})
    assert (result["ok"], result["rows"]) == (True, [1, 1, 1, 1]), result
    assert server_statements(pgbouncer_tx) == []


def test_postgresjs_prepare_false_in_the_url(pgbouncer_tx):
    result = run_node("postgresjs_select.mjs", {"url": pgbouncer_tx.url(prepare="false")})
    assert (result["ok"], result["rows"]) == (True, [1, 1]), result
    assert server_statements(pgbouncer_tx) == []


def test_node_postgres_unnamed_queries_need_no_switch(pgbouncer_tx):
    config = node_config(pgbouncer_tx.backend, port=pgbouncer_tx.port)
    result = run_node("pg_select.mjs", {"config": config, "clients": 2})
    assert (result["ok"], result["rows"]) == (True, [1, 1, 1, 1]), result
    assert server_statements(pgbouncer_tx) == []


def test_session_mode_is_the_other_fix(pgbouncer_session):
    """Session mode (Supabase's port 5432 pooler): the same two asyncpg workers, default cache,
    both fine: each client has its own server session, and DISCARD ALL ends it."""
    for _ in range(2):
        assert run_asyncpg_worker(pgbouncer_session) == {"ok": True, "rows": [1, 1]}


# --- PgBouncer's own refusals ----------------------------------------------------------------

PGBOUNCER_REFUSALS = [
    # scenario, exact text after `port <N> failed: ` (psycopg2) or the whole text (asyncpg)
    ("pgbouncer_password_failed", "FATAL:  SASL authentication failed"),
    ("pgbouncer_md5_password_failed", "FATAL:  password authentication failed"),  # no user
    ("pgbouncer_max_client_conn", "FATAL:  no more connections allowed (max_client_conn)"),
    ("pgbouncer_no_such_database", "FATAL:  no such database: nosuchdb"),
    ("pgbouncer_unsupported_startup_parameter", "FATAL:  unsupported startup parameter: options"),
]


@pytest.mark.parametrize(("scenario", "text"), PGBOUNCER_REFUSALS)
def test_pgbouncer_refusal_texts(real_errors, scenario, text):
    got = real_errors.capture(scenario)
    assert got.cls == "OperationalError"
    assert re.fullmatch(
        r'psycopg2\.OperationalError: connection to server at "127\.0\.0\.1", port \d+ failed: '
        + re.escape(text),
        got.text,
    ), got.text


def test_asyncpg_through_pgbouncer_wrong_password(real_errors):
    got = real_errors.capture("asyncpg_pgbouncer_password_failed")
    assert (got.text, got.code) == (
        "asyncpg.exceptions.ProtocolViolationError: SASL authentication failed",
        "08P01",
    )


def test_psycopg2_connection_refused(real_errors):
    assert re.fullmatch(
        r'psycopg2\.OperationalError: connection to server at "127\.0\.0\.1", port \d+ failed: '
        r"Connection refused\n\tIs the server running on that host and accepting TCP/IP "
        r"connections\?",
        real_errors["psycopg2_connection_refused"],
    )
