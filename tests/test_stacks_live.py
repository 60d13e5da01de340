"""The other stacks' suggestions, run for real (issue 12 §4): each Node config the inspector
suggests (node-postgres, postgres.js, Drizzle over each) connects to the test TLS PostgreSQL
with verify-full against the test CA, and fails with Node's own words against another CA; the
transaction-pooler fixes (postgres.js `prepare: false`, psycopg 3 `prepare_threshold=None`,
pgjdbc `prepareThreshold=0`) connect through a real PgBouncer in transaction mode, with TLS, and
run their queries more than twice, leaving no prepared statement behind; psycopg 3's and
pgjdbc's suggested strings connect to the TLS cluster; pgjdbc's own URL parser agrees with
`stacks/jdbc.py`.

A suggestion is run as the inspector writes it, with only what it leaves to the user put in:
the password for `***`, and for the Supabase pooler strings the local PgBouncer's address for
the pooler host and the test CA for `prod-ca-2021.crt`. The Node snippets run as written (an
ES module in tests/node, next to the pinned packages) with a query appended; pgjdbc is Debian's
libpostgresql-jdbc-java (installed by `make test`), run by tests/java/JdbcProbe.java. Go pgx v5
and .NET Npgsql have no toolchain here: tests/test_stacks.py checks them statically.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from inspector.codegen import js_str, py_str
from inspector.connections import inspect_connection
from inspector.connections.stacks.jdbc import parse_jdbc
from tests.fixtures import postgres as pgfix
from tests.fixtures import real_errors as live
from tests.fixtures.node import NODE_DIR, require_node
from tests.fixtures.pgbouncer import PgBouncer, running_pgbouncer
from tests.fixtures.postgres import APP_PASSWORD, make_server_cert
from tests.test_pooler_real import server_statements

real_errors = live.real_errors  # the fixture (tests/conftest.py does not load real_errors.py)
pytestmark = pytest.mark.postgres

REF = "abcdefghijklmnopqrst"
POOLER = "aws-0-eu-central-1.pooler.supabase.com"
SUPABASE_TXN = f"postgresql://postgres.{REF}:pw@{POOLER}:6543/postgres?sslmode=require"
JDBC_JAR = Path(os.environ.get("INSPECTOR_JDBC_JAR", "/usr/share/java/postgresql.jar"))
JAVA_DIR = Path(__file__).parent / "java"


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca_file(pg: pgfix.TestClusters, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stacks-ca") / "root.crt"
    path.write_text(pg.ca_pem)
    return path


@pytest.fixture(scope="module")
def other_ca_file(real_errors, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stacks-other-ca") / "other.crt"
    path.write_text(real_errors.other_ca)
    return path


def suggestion(url: str, driver: str) -> tuple[str, str]:
    """(string, code) the inspector suggests for `driver`, nothing sent."""
    report = inspect_connection(url, driver=driver, probe=False)
    return report.suggested[driver], report.snippets[driver]


def with_password(text: str, password: str = APP_PASSWORD) -> str:
    assert text.count(":***@") == 1, text
    return text.replace(":***@", f":{quote(password, safe='')}@")


def localize(text: str, bouncer: PgBouncer, ca: Path, literal=js_str) -> str:
    """A Supabase pooler suggestion pointed at the local PgBouncer: its user, password and
    address for the pooler's, the test CA for prod-ca-2021.crt."""
    pooler_user = f"postgres.{REF}"
    assert f"{pooler_user}:***@{POOLER}:6543" in text or f"user={pooler_user}" in text, text
    out = text.replace(
        f"{pooler_user}:***@{POOLER}:6543",
        f"app:{quote(APP_PASSWORD, safe='')}@{bouncer.host}:{bouncer.port}",
    )
    out = out.replace(f"//{POOLER}:6543/", f"//{bouncer.host}:{bouncer.port}/")
    out = out.replace(f"user={pooler_user}&password=***", f"user=app&password={APP_PASSWORD}")
    out = out.replace(literal("prod-ca-2021.crt"), literal(str(ca)))
    return out.replace("sslrootcert=prod-ca-2021.crt", f"sslrootcert={quote(str(ca))}")


def run_module(code: str, epilogue: str, timeout: float = 30) -> dict:
    """Run `code` + `epilogue` as an ES module in tests/node (so the pinned packages resolve);
    its last JSON line."""
    node = require_node()
    path = NODE_DIR / f".stack-snippet-{secrets.token_hex(6)}.mjs"
    path.write_text(code + "\n\n" + epilogue)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "NODE_"))}
        proc = subprocess.run(
            [node, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=NODE_DIR,
            env=env,
        )
    finally:
        path.unlink()
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"node exited {proc.returncode}: {proc.stdout[-800:]} {proc.stderr[-1500:]}"
    return json.loads(lines[-1])


def _report(queries: str, name: str, end: str) -> str:
    return (
        "const rows = [];\n"
        "let result;\n"
        f"try {{\n{queries}\n  result = {{ ok: true, rows }};\n}} catch (err) {{\n"
        "  const e = err.cause ?? err;  // Drizzle wraps the driver's error as its cause\n"
        "  result = { ok: false, text: String(e), code: e.code };\n}\n"
        f"await {name}.{end};\n"
        "console.log(JSON.stringify(result));\n"
    )


# Three runs each: a prepared statement's second use is what a pooler breaks.
PG_QUERY = _report(
    '  for (let i = 0; i < 3; i++) rows.push((await pool.query("select 1 as n")).rows[0].n);',
    "pool",
    "end()",
)
POSTGRESJS_QUERY = _report(
    "  for (let i = 0; i < 3; i++) rows.push((await sql`select 1 as n`)[0].n);", "sql", "end()"
)
DRIZZLE_PG_QUERY = 'import { sql as q } from "drizzle-orm";\n' + _report(
    "  for (let i = 0; i < 3; i++) rows.push((await db.execute(q`select 1 as n`)).rows[0].n);",
    "pool",
    "end()",
)
DRIZZLE_POSTGRESJS_QUERY = 'import { sql as q } from "drizzle-orm";\n' + _report(
    "  for (let i = 0; i < 3; i++) rows.push((await db.execute(q`select 1 as n`))[0].n);",
    "client",
    "end()",
)
NODE_QUERIES = {
    "node_postgres": PG_QUERY,
    "postgresjs": POSTGRESJS_QUERY,
    "drizzle_node_postgres": DRIZZLE_PG_QUERY,
    "drizzle_postgresjs": DRIZZLE_POSTGRESJS_QUERY,
}


# --- the Node configs against the TLS cluster ----------------------------------------------------


@pytest.mark.parametrize("driver", list(NODE_QUERIES))
def test_node_snippet_verify_full_with_the_test_ca(pg, ca_file, driver):
    url = pg["tls_ca"].url(sslmode="verify-full", sslrootcert=str(ca_file))
    _, code = suggestion(url, driver)
    assert js_str(str(ca_file)) in code  # the CA the string named, read into `ssl.ca`
    result = run_module(with_password(code), NODE_QUERIES[driver])
    assert result == {"ok": True, "rows": [1, 1, 1]}, (result, code)


@pytest.mark.parametrize("driver", list(NODE_QUERIES))
def test_node_snippet_with_another_ca_fails_in_nodes_words(pg, other_ca_file, driver):
    """The same suggestion trusting a CA that did not issue the certificate: Node refuses it
    with the text tests/test_node_drivers.py captured (the cluster sends its leaf only)."""
    url = pg["tls_ca"].url(sslmode="verify-full", sslrootcert=str(other_ca_file))
    _, code = suggestion(url, driver)
    result = run_module(with_password(code), NODE_QUERIES[driver])
    assert (result["ok"], result["text"], result["code"]) == (
        False,
        "Error: unable to verify the first certificate",
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    ), result


def test_node_postgres_suggested_url_alone(pg, ca_file):
    """node-postgres's string carries verify-full and the CA file itself (pg-connection-string
    reads sslrootcert from disk): the URL alone connects, with no security warning."""
    url = pg["tls_ca"].url(sslmode="verify-full", sslrootcert=str(ca_file))
    string, _ = suggestion(url, "node_postgres")
    assert "sslmode=verify-full" in string
    code = (
        'import pg from "pg";\n\n'
        f"const pool = new pg.Pool({{ connectionString: {js_str(with_password(string))} }});"
    )
    assert run_module(code, PG_QUERY) == {"ok": True, "rows": [1, 1, 1]}


def test_the_issues_node_postgres_require_really_verifies(real_errors):
    """The inspector's finding, checked: sslmode=require with no CA fails in node-postgres with
    Node's SELF_SIGNED_CERT_IN_CHAIN (a server sending leaf + root, as Supabase's do)."""
    got = real_errors.capture("node_pg_require_chain")
    assert got.code == "SELF_SIGNED_CERT_IN_CHAIN"
    report = inspect_connection(SUPABASE_TXN, driver="node_postgres", probe=False)
    f = {f.code: f for f in report.findings}["sslmode_verifies_in_driver"]
    assert "SELF_SIGNED_CERT_IN_CHAIN" in f.detail


# --- psycopg 3 and pgjdbc against the TLS cluster ------------------------------------------------


def test_psycopg3_suggested_string_connects(pg, ca_file):
    url = pg["tls_ca"].url(sslmode="verify-full", sslrootcert=str(ca_file))
    string, code = suggestion(url, "psycopg3")
    assert "sslmode=verify-full" in string
    scope: dict = {}
    exec(compile(with_password(code), "<snippet>", "exec"), scope)  # noqa: S102 - our snippet
    with scope["conn"] as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.info.pgconn.ssl_in_use


@pytest.fixture(scope="module")
def jdbc(tmp_path_factory):
    """Run tests/java/JdbcProbe.java (compiled once) with pgjdbc; its JSON lines."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if not (javac and java and JDBC_JAR.exists()):
        pytest.fail(
            f"javac/java or {JDBC_JAR} missing: run `make test` (it installs Debian's "
            "libpostgresql-jdbc-java and a JDK) or set INSPECTOR_JDBC_JAR"
        )
    out = tmp_path_factory.mktemp("jdbc-probe")
    subprocess.run(
        [javac, "-cp", str(JDBC_JAR), "-d", str(out), str(JAVA_DIR / "JdbcProbe.java")],
        check=True,
        capture_output=True,
        timeout=120,
    )

    def run(*args: str, stdin: str = "") -> list:
        proc = subprocess.run(
            [java, "-cp", f"{JDBC_JAR}:{out}", "JdbcProbe", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if not k.startswith("PG")},
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return [json.loads(line) for line in proc.stdout.splitlines()]

    return run


def test_jdbc_suggested_url_connects_verify_full(pg, ca_file, jdbc):
    c = pg["tls_ca"]
    url = f"jdbc:postgresql://{c.host}:{c.port}/postgres?user=app&password=x&ssl=true&sslrootcert={ca_file}"
    string, code = suggestion(url, "jdbc")
    assert "sslmode=verify-full" in string and "DriverManager.getConnection(" in code
    real = string.replace("password=***", f"password={quote(APP_PASSWORD, safe='')}")
    assert jdbc("connect", "1", "2", stdin=real) == [{"ok": True, "rows": [1, 1]}]


def test_jdbc_with_another_ca_fails(pg, other_ca_file, jdbc):
    c = pg["tls_ca"]
    url = f"jdbc:postgresql://{c.host}:{c.port}/postgres?user=app&password=x&sslmode=verify-full&sslrootcert={other_ca_file}"
    string, _ = suggestion(url, "jdbc")
    real = string.replace("password=***", f"password={quote(APP_PASSWORD, safe='')}")
    (result,) = jdbc("connect", "1", "1", stdin=real)
    assert not result["ok"] and "SSL error" in result["text"], result


JDBC_URLS = [
    "jdbc:postgresql://h:6543/d%2Fb?user=a%2Bb&password=x+y%26z&sslmode=require&prepareThreshold=0",
    "jdbc:postgresql:db",
    "jdbc:postgresql://[::1]:5432/db?ssl=true",
    "jdbc:postgresql://h1:1,h2:2/db",
    "jdbc:postgresql://h/db?password=a=b&ApplicationName=app%20one",
    "jdbc:postgresql://h%41/db",
    "jdbc:postgresql://u:p@h:5432/db?ssl=true",
]


def test_pgjdbc_reads_urls_as_stacks_jdbc_does(jdbc):
    """Driver.parseURL's own answers against stacks/jdbc.py's reading of the same URLs."""
    for url, props in zip(JDBC_URLS, jdbc("parse", *JDBC_URLS), strict=True):
        ours = parse_jdbc(url, None, ())
        hosts = props["PGHOST"].split(",")
        ports = props["PGPORT"].split(",")
        assert [h.host for h in ours.hosts] == [
            ("***@" + h.rsplit("@", 1)[1]) if "@" in h else h.strip("[]") for h in hosts
        ], url
        assert [str(h.port or 5432) for h in ours.hosts] == ports, url
        assert ours.database == props["PGDBNAME"], url
        assert ours.user == props.get("user") and ours.password == props.get("password"), url
        for key in ("sslmode", "ssl", "prepareThreshold", "ApplicationName"):
            assert ours.extras["jdbc"].get(key) == props.get(key), (url, key)


# --- the transaction-pooler fixes through a real PgBouncer (with TLS) ----------------------------


@pytest.fixture
def pgbouncer_tls_tx(pg: pgfix.TestClusters) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode (one server connection for every client) that speaks TLS
    to its clients with a certificate from the test CA, in front of the plain cluster."""
    # Under /tmp itself: PgBouncer may run as the postgres OS user, who cannot enter pytest's
    # root-only directories.
    tls_dir = Path(tempfile.mkdtemp(prefix="inspector-pgbouncer-tls-"))
    cert = make_server_cert(issuer=pg.ca)
    (tls_dir / "server.crt").write_text(cert.cert_pem)
    (tls_dir / "server.key").write_text(cert.key_pem)
    os.chmod(tls_dir / "server.key", 0o600)
    pgfix._give_to_postgres(tls_dir)
    settings = {
        # pgjdbc sends extra_float_digits at startup; PgBouncer refuses it unless told to
        # ignore it (`unsupported startup parameter: extra_float_digits`), as JDBC setups do.
        "ignore_startup_parameters": "extra_float_digits",
        "client_tls_sslmode": "allow",
        "client_tls_cert_file": str(tls_dir / "server.crt"),
        "client_tls_key_file": str(tls_dir / "server.key"),
    }
    try:
        with running_pgbouncer(pg["plain"], pool_mode="transaction", **settings) as bouncer:
            yield bouncer
    finally:
        shutil.rmtree(tls_dir, ignore_errors=True)


@pytest.mark.parametrize("driver", ["postgresjs", "drizzle_postgresjs"])
def test_postgresjs_pooler_fix_runs_through_pgbouncer(pgbouncer_tls_tx, ca_file, driver):
    string, code = suggestion(SUPABASE_TXN, driver)
    assert "prepare=false" in string and "prepare: false," in code
    result = run_module(localize(code, pgbouncer_tls_tx, ca_file), NODE_QUERIES[driver])
    assert result == {"ok": True, "rows": [1, 1, 1]}, result
    assert server_statements(pgbouncer_tls_tx) == []  # nothing left for the next client


@pytest.mark.parametrize("driver", ["node_postgres", "drizzle_node_postgres"])
def test_node_postgres_through_pgbouncer_needs_no_switch(pgbouncer_tls_tx, ca_file, driver):
    _, code = suggestion(SUPABASE_TXN, driver)
    result = run_module(localize(code, pgbouncer_tls_tx, ca_file), NODE_QUERIES[driver])
    assert result == {"ok": True, "rows": [1, 1, 1]}, result
    assert server_statements(pgbouncer_tls_tx) == []


def test_psycopg3_pooler_fix_runs_through_pgbouncer(pgbouncer_tls_tx, ca_file):
    """Two connections from the suggested snippet share PgBouncer's one server connection and
    each runs its query past psycopg's default threshold (5): none is prepared."""
    string, code = suggestion(SUPABASE_TXN, "psycopg3")
    assert code.endswith(", prepare_threshold=None)")
    local = localize(code, pgbouncer_tls_tx, ca_file, literal=py_str)
    conns = []
    for _ in range(2):
        scope: dict = {}
        exec(compile(local, "<snippet>", "exec"), scope)  # noqa: S102 - our snippet
        scope["conn"].autocommit = True
        conns.append(scope["conn"])
    try:
        rows = [c.execute("select %s::int", (1,)).fetchone()[0] for _ in range(7) for c in conns]
        assert all(c.info.pgconn.ssl_in_use for c in conns)
    finally:
        for c in conns:
            c.close()
    assert rows == [1] * 14
    assert server_statements(pgbouncer_tls_tx) == []


def test_psycopg3_without_the_fix_fails_there(pgbouncer_tls_tx, ca_file):
    """The same snippet without prepare_threshold=None: the sixth run is prepared as _pg3_0 on
    the shared server connection, and the other client's is refused."""
    _, code = suggestion(SUPABASE_TXN, "psycopg3")
    local = localize(code, pgbouncer_tls_tx, ca_file, literal=py_str).replace(
        ", prepare_threshold=None", ""
    )
    conns = []
    for _ in range(2):
        scope: dict = {}
        exec(compile(local, "<snippet>", "exec"), scope)  # noqa: S102 - our snippet
        scope["conn"].autocommit = True
        conns.append(scope["conn"])
    try:
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            for _ in range(7):
                for c in conns:
                    c.execute("select %s::int", (1,))
    finally:
        for c in conns:
            c.close()


def test_jdbc_pooler_fix_runs_through_pgbouncer(pgbouncer_tls_tx, ca_file, jdbc):
    string, _ = suggestion(SUPABASE_TXN, "jdbc")
    assert string.endswith("&prepareThreshold=0")
    local = localize(string, pgbouncer_tls_tx, ca_file)
    assert jdbc("connect", "2", "7", stdin=local) == [{"ok": True, "rows": [1] * 14}]
    assert server_statements(pgbouncer_tls_tx) == []


def test_jdbc_without_the_fix_fails_there(pgbouncer_tls_tx, ca_file, jdbc):
    """pgjdbc's default prepareThreshold (5): the fifth run of each PreparedStatement becomes the
    server statement S_1, on the server connection both clients share."""
    string, _ = suggestion(SUPABASE_TXN, "jdbc")
    local = localize(string, pgbouncer_tls_tx, ca_file).replace("&prepareThreshold=0", "")
    (result,) = jdbc("connect", "2", "7", stdin=local)
    assert not result["ok"] and 'prepared statement "S_1" already exists' in result["text"], result


# --- the live TLS step sharpens a Node driver's finding -----------------------------------------


def test_probe_says_node_postgres_will_refuse_a_chain_nodes_store_lacks(pg, real_errors):
    """libpq connects with sslmode=require; the TLS step finds that certifi (Mozilla's roots,
    which Node ships) does not trust the chain; node-postgres reads require as verify-full: the
    inspector says it will be refused, and the real node-postgres is (SELF_SIGNED_CERT_IN_CHAIN)."""
    url = real_errors.chain_cluster().url(sslmode="require")
    report = inspect_connection(url, driver="node_postgres", ca="certifi", timeout=10)
    assert report.verdict["status"] == "connected"  # libpq's require does not verify
    f = {f.code: f for f in report.findings}["sslmode_verifies_in_driver"]
    assert f.severity == "error" and "will refuse" in f.title
    assert real_errors.capture("node_pg_require_chain").code == "SELF_SIGNED_CERT_IN_CHAIN"


def test_probe_leaves_node_postgres_alone_when_its_ca_is_given(pg, ca_file):
    url = pg["tls_ca"].url(sslmode="verify-full", sslrootcert=str(ca_file))
    report = inspect_connection(url, driver="node_postgres", ca="certifi", timeout=10)
    assert "sslmode_verifies_in_driver" not in {f.code for f in report.findings}
