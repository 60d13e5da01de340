"""The connection parser reads a string as libpq does (`psycopg2.extensions.parse_dsn`)."""

import pytest
from psycopg2.extensions import parse_dsn

from inspector.connections.parse import parse


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
