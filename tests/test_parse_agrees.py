"""The connection parser reads a string as libpq does (`psycopg2.extensions.parse_dsn`)."""

import json

import psycopg2
import pytest
from psycopg2.extensions import parse_dsn
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from inspector.connections import inspect_connection
from inspector.connections.drivers import asyncpg_parse
from inspector.connections.parse import parse
from inspector.env import inspect_env
from inspector.paste import detect_paste


@pytest.mark.parametrize(
    "dsn",
    [
        "host=postgres port=5432 dbname=postgres user=postgres",  # docker-compose's service name
        "dbname=postgres host=h",
        "user=postgres host=h",
        "postgresql://u@[fe80::1%25eth0]:5433/db",
        "postgresql://u@[::1]:5433/db",
    ],
)
def test_hosts_and_database_as_libpq_reads_them(dsn):
    libpq = parse_dsn(dsn)
    p = parse(dsn)
    assert p.error is None
    assert [h.host for h in p.hosts] == libpq["host"].split(",")
    assert p.database == libpq.get("dbname")
    assert p.user == libpq.get("user")


@pytest.mark.parametrize(
    "dsn",
    ["postgresql://u@[fe80::1%eth0]/db", "postgresql://%FF@h/db", "postgresql://u@h/%ED%A0%80"],
)
def test_both_refuse(dsn):
    with pytest.raises(Exception):  # noqa: B017 - libpq's ProgrammingError, or a decode error
        parse_dsn(dsn)
    assert parse(dsn).error


def test_an_env_prefix_is_stripped_only_before_a_uri():
    p = parse('DATABASE_URL="postgres://u:p@h/db"')
    assert p.error is None and p.format == "uri"
    assert any("DATABASE_URL" in n for n in p.cleaned)


# ---------- the disagreements issue 11 §3 named, each held to the driver's own reading ----------


def _hosts(p):
    return [(h.host, h.port) for h in p.hosts]


def _libpq_hosts(dsn: str) -> list[tuple[str, int | None]]:
    """libpq's hosts and ports (parse_dsn), paired as libpq pairs them."""
    d = parse_dsn(dsn)
    hosts = d.get("host", d.get("hostaddr", "")).split(",")
    ports = (d.get("port") or "").split(",")
    if len(ports) == 1:
        ports = ports * len(hosts)
    return [(h, int(p) if p else None) for h, p in zip(hosts, ports, strict=True)]


def _codes(url: str, **kw) -> dict[str, str]:
    report = inspect_connection(url, probe=False, **kw)
    return {f.code: f.severity.value for f in report.findings}


def test_authority_port_kept_when_the_query_names_the_host():
    url = "postgres://u@:12345/db?host=/socket"
    p = parse(url)
    assert _hosts(p) == _libpq_hosts(url) == [("/socket", 12345)]
    suggested = inspect_connection(url, probe=False).suggested["psycopg2"]
    assert _libpq_hosts(suggested.replace("***", "pw")) == [("/socket", 12345)]


def test_sqlalchemy_multihost_query_form():
    url = "postgresql+psycopg2://u:p@/db?host=h1:111&host=h2:222"
    _, opts = PGDialect_psycopg2().create_connect_args(make_url(url))
    assert (opts["host"], opts["port"]) == ("h1,h2", "111,222")
    assert _hosts(parse(url)) == [("h1", 111), ("h2", 222)]
    assert "multiple_hosts" in _codes(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://u:p@/db?host=h1:abc&host=h2:222",
        "postgresql+psycopg2://u:p@h/db?port=abc",
        "postgresql+psycopg2://u:p@/db?host=h1,h2&port=1,2,3",
    ],
)
def test_sqlalchemy_rejects_what_it_rejects(url):
    with pytest.raises(ArgumentError):
        PGDialect_psycopg2().create_connect_args(make_url(url))
    p = parse(url)
    assert p.error and p.error.startswith("SQLAlchemy: ")
    assert _codes(url)["dsn_unparseable"] == "error"


def test_hostaddr_without_host_is_tcp_not_a_socket():
    url = "postgresql://?hostaddr=127.0.0.1"
    assert parse_dsn(url) == {"hostaddr": "127.0.0.1"}
    p = parse(url)
    assert _hosts(p) == [("127.0.0.1", None)] and not p.host.is_socket
    assert "unix_socket" not in _codes(url)
    assert _hosts(parse("hostaddr=127.0.0.1 port=5433")) == [("127.0.0.1", 5433)]


def test_a_raw_equals_sign_inside_a_query_value_is_refused_as_libpq_refuses_it():
    url = "postgresql://u@h/db?options=-c search_path=app"
    with pytest.raises(psycopg2.ProgrammingError, match='extra key/value separator "="'):
        parse_dsn(url)
    p = parse(url)
    assert p.error and "%3D" in p.error
    encoded = "postgresql://u@h/db?options=-c%20search_path%3Dapp"
    assert parse(encoded).param("options") == parse_dsn(encoded)["options"] == "-c search_path=app"


def _libpq_refusal(**kw: str) -> str:
    """libpq's own answer to the options without any network: a socket directory that does not
    exist (the option checks come before any connection attempt)."""
    try:
        psycopg2.connect(host="/nonexistent-inspector-dir", user="x", dbname="x", **kw)
    except psycopg2.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    raise AssertionError("connected to a socket that does not exist")


@pytest.mark.parametrize(
    ("mode", "nearest"),
    [
        ("no-verify", "require"),  # node-postgres's spelling
        ("verify-fulll", "verify-full"),
        ("verify_full", "verify-full"),
        ("REQUIRE", "require"),
        ("requre", "require"),
        ("verfy-ca", "verify-ca"),
    ],
)
def test_an_invalid_sslmode_names_the_nearest_valid_value(mode, nearest):
    assert _libpq_refusal(sslmode=mode) == f'invalid sslmode value: "{mode}"'
    url = f"postgresql://u:p@localhost/db?sslmode={mode}"
    report = inspect_connection(url, probe=False, driver="psycopg2")
    finding = next(f for f in report.findings if f.code == "sslmode_invalid")
    assert finding.severity.value == "error"
    assert f"`sslmode={nearest}`" in finding.fix
    assert f"sslmode={nearest}" in report.suggested["psycopg2"]


def test_an_sslmode_nothing_resembles_lists_the_valid_ones():
    report = inspect_connection("postgresql://u:p@localhost/db?sslmode=banana", probe=False)
    finding = next(f for f in report.findings if f.code == "sslmode_invalid")
    assert "verify-full" in finding.fix


def test_ssl_true_in_a_uri_is_libpq_s_require():
    url = "postgresql://u:p@localhost/db?ssl=true"
    assert parse_dsn(url)["sslmode"] == "require"
    p = parse(url)
    assert p.sslmode == "require"
    found = _codes(url)
    assert "unknown_parameter" not in found
    assert found["ssl_true_read_as_require"] == "warning"  # asyncpg and SQLAlchemy refuse it
    assert _codes(url, driver="psycopg2")["ssl_true_read_as_require"] == "info"
    # In a SQLAlchemy URL the query goes to psycopg2 as keywords, where libpq refuses `ssl`.
    assert "unknown_parameter" in _codes("postgresql+psycopg2://u:p@localhost/db?ssl=true")


@pytest.mark.parametrize(
    ("jdbc", "uri"),
    [
        (
            "jdbc:postgresql://db.example.com:5433/app?user=u&password=p%40ss&sslmode=require",
            "postgresql://db.example.com:5433/app?user=u&password=p%40ss&sslmode=require",
        ),
        ("jdbc:postgresql:app", "postgresql://localhost/app"),
        ("jdbc:postgresql:///app", "postgresql://localhost/app"),
        ("jdbc:postgresql://[::1]:5740/accounting", "postgresql://[::1]:5740/accounting"),
        (
            "jdbc:postgresql://h1:5432,h2:5433/app?options=-c%20search_path=app",
            "postgresql://h1:5432,h2:5433/app?options=-c%20search_path%3Dapp",
        ),
    ],
)
def test_a_jdbc_url_is_read_as_the_libpq_uri_it_stands_for(jdbc, uri):
    p = parse(jdbc)
    assert p.error is None and p.converted_from == "jdbc"
    assert p.text == uri
    want = parse_dsn(uri)
    assert _hosts(p) == _libpq_hosts(uri)
    assert (p.user, p.database) == (want.get("user"), want.get("dbname"))
    report = inspect_connection(jdbc, probe=False)
    assert "string_converted" in {f.code for f in report.findings}
    assert "p@ss" not in str(report.to_dict())


@pytest.mark.parametrize(
    ("line", "want"),
    [
        (
            'psql "postgresql://u:pw@db.example.com:5433/app"',
            "postgresql://u:pw@db.example.com:5433/app",
        ),
        (
            "psql -h db.example.com -p 5433 -U u -d app",
            "host=db.example.com port=5433 user=u dbname=app",
        ),
        (
            "psql --host=db.example.com --port=5433 --username=u app",
            "host=db.example.com port=5433 user=u dbname=app",
        ),
        ("psql -hdb.example.com -p5433 app u", "host=db.example.com port=5433 user=u dbname=app"),
        (
            "PGPASSWORD='a b' psql -h h -U u -c 'select 1' app",
            "password='a b' host=h user=u dbname=app",
        ),
        ("/usr/bin/psql -X -h h postgres", "host=h dbname=postgres"),
        ("pg_dump -h h -U u -d app -f out.sql", "host=h user=u dbname=app"),
        # The database name is a connection string: its settings win over -h (libpq's expand_dbname).
        ('psql -p 5433 "host=h dbname=app"', "port=5433 host=h dbname=app"),
        ("psql -p 5433 postgresql://u@h/app", "port=5433 host=h user=u dbname=app"),
    ],
)
def test_a_psql_command_line_is_read_as_its_libpq_string(line, want):
    p = parse(line)
    assert p.error is None and p.converted_from == "psql"
    assert p.text == want
    assert _hosts(p) == _libpq_hosts(want)
    libpq = parse_dsn(want)
    assert (p.user, p.database) == (libpq.get("user"), libpq.get("dbname"))


def test_a_psql_line_s_password_is_masked():
    report = inspect_connection("PGPASSWORD=s3cret-pw psql -h localhost -U u app", probe=False)
    assert "s3cret-pw" not in str(report.to_dict())
    assert "string_converted" in {f.code for f in report.findings}


@pytest.mark.parametrize("line", ["psql -h", "psql 'postgresql://h/db", "psql"])
def test_a_broken_psql_line_says_why(line):
    p = parse(line)
    assert p.error


def test_asyncpg_refuses_an_invalid_sslmode_too_and_the_finding_says_the_value_meant():
    with pytest.raises(Exception, match="`sslmode` parameter must be one of"):
        asyncpg_parse(dsn="postgresql://u@localhost/db?sslmode=verify-fulll")
    report = inspect_connection(
        "postgresql://u:p@localhost/db?sslmode=verify-fulll", probe=False, driver="asyncpg"
    )
    found = {f.code: f for f in report.findings}
    assert "dsn_unparseable" not in found
    assert "`sslmode=verify-full`" in found["sslmode_invalid"].fix
    assert "asyncpg refuses it" in found["sslmode_invalid"].detail


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer", "require", "verify-ca"])
def test_sslrootcert_system_takes_only_verify_full(mode):
    """libpq 16+: `weak sslmode ... may not be used with sslrootcert=system`; without an sslmode,
    sslrootcert=system makes it verify-full (found by tests/test_parse_property.py)."""
    assert "may not be used with sslrootcert=system" in _libpq_refusal(
        sslmode=mode, sslrootcert="system"
    )
    url = f"postgresql://u:p@db.example.com/db?sslmode={mode}&sslrootcert=system"
    found = {f.code: f for f in inspect_connection(url, probe=False).findings}
    assert found["sslmode_invalid"].severity.value == "error"
    assert "verify-full" in found["sslmode_invalid"].fix
    implicit = inspect_connection(
        "postgresql://u:p@db.example.com/db?sslrootcert=system", probe=False
    )
    assert not [f for f in implicit.findings if f.severity.value == "error"]
    assert "sslmode_no_verification" not in {f.code for f in implicit.findings}


@pytest.mark.parametrize(
    "text",
    [
        "jdbc:postgresql://db.example.com:5432/app?user=u",
        "psql -h db.example.com -p 5433 -U u -d app",
        "PGPASSWORD=pw psql -h db.example.com app",
        'psql "postgresql://u@db.example.com/app"',
    ],
)
def test_the_paste_box_sends_jdbc_urls_and_psql_lines_to_the_connection_inspector(text):
    assert detect_paste(text) == "connection"


def test_a_jdbc_url_in_a_dotenv_is_linted_as_a_connection_string():
    report = inspect_env(
        "DATABASE_URL=jdbc:postgresql://localhost:5432/app?user=u&password=jdbc-S3cret\n"
    )
    (var,) = report.variables
    assert var.kind == "connection_string"
    assert "jdbc-S3cret" not in json.dumps(report.to_dict())


def test_the_sslmode_table_never_offers_verify_ca_with_sslrootcert_system():
    from inspector.connections.probe.tls import sslmode_table
    from inspector.connections.tlsinfo import StoreVerdict

    # A publicly trusted chain for another host name: verify-ca would pass, but not with system.
    verdict = StoreVerdict("system", True, False, "tls_hostname_mismatch", "wrong host name")
    rows = {(r["sslmode"], r.get("store")): r for r in sslmode_table({"system": verdict}, "other")}
    assert rows[("verify-ca", "system")]["ok"] is False
    assert "only with verify-full" in rows[("verify-ca", "system")]["why"]
    assert "may not be used with sslrootcert=system" in _libpq_refusal(
        sslmode="verify-ca", sslrootcert="system"
    )
