"""The other stacks (issue 12 §2, §3): each driver reads the string its own way, says its
findings in its own terms and gets its own corrected string and code. One table per driver:
input string -> the driver's reading, the codes, the corrected string. Facts: drivers.md,
cited by section in inspector/connections/stacks/.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.connections import DRIVERS, inspect_connection
from inspector.connections.stacks import STACK_DRIVERS
from inspector.connections.stacks.jdbc import parse_jdbc
from inspector.connections.stacks.npgsql import is_npgsql, split
from inspector.connections.stacks.registry import guess, read_npgsql
from inspector.redact import MASK

REF = "abcdefghijklmnopqrst"
OTHER = "zyxwvutsrqponmlkjihg"
POOLER = "aws-0-eu-central-1.pooler.supabase.com"
DIRECT = f"db.{REF}.supabase.co"
TXN = f"postgresql://postgres.{REF}:hunter2@{POOLER}:6543/postgres"
SESSION = f"postgresql://postgres.{REF}:hunter2@{POOLER}:5432/postgres"
DIRECT_URL = f"postgresql://postgres:hunter2@{DIRECT}:5432/postgres"


def report(url: str, driver: str, **kw):
    return inspect_connection(url, driver=driver, probe=False, **kw)


def codes_of(r) -> dict[str, object]:
    return {f.code: f for f in r.findings}


def assert_codes(r, present: set[str], absent: set[str] = frozenset()) -> None:
    got = set(codes_of(r))
    assert present <= got, (present - got, [(f.code, f.title) for f in r.findings])
    assert not (absent & got), [(f.code, f.title) for f in r.findings if f.code in absent]


def test_every_stack_is_a_driver_choice():
    assert set(STACK_DRIVERS) <= set(DRIVERS)


# --- node-postgres (drivers.md §3) ----------------------------------------------------------

NODE_POSTGRES = [
    # string, codes present, codes absent, the reading's tls
    (
        TXN + "?sslmode=require",
        {"sslmode_verifies_in_driver"},
        {"sslmode_no_verification"},
        "verify-full",
    ),
    (TXN + "?sslmode=prefer", {"sslmode_verifies_in_driver"}, set(), "verify-full"),
    (TXN + "?ssl=true", {"sslmode_verifies_in_driver"}, {"unknown_parameter"}, "verify-full"),
    (TXN + "?ssl=false", {"sslmode_verifies_in_driver"}, set(), "verify-full"),
    (TXN + "?sslmode=require&uselibpqcompat=true", set(), {"sslmode_verifies_in_driver"}, "no-verify"),
    (TXN + "?sslmode=no-verify", set(), {"sslmode_verifies_in_driver"}, "no-verify"),
    (TXN + "?sslmode=verify-ca&uselibpqcompat=true", {"ssl_option_not_read"}, set(), "error"),
    (TXN, {"driver_no_tls"}, set(), "none"),
    (TXN + "?sslmode=disable", set(), set(), "none"),
    (TXN + "?sslmode=verify-full&sslrootcert=prod-ca-2021.crt", set(), {"sslmode_verifies_in_driver"}, "verify-full"),
    (TXN + "?sslmode=require&pgbouncer=true", {"unknown_parameter"}, set(), "verify-full"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "present", "absent", "tls"), NODE_POSTGRES)
@pytest.mark.parametrize("driver", ["node_postgres", "drizzle_node_postgres"])
def test_node_postgres(url, present, absent, tls, driver):
    r = report(url, driver)
    assert_codes(r, present, absent | {"unknown_parameter"} if "pgbouncer" not in url else absent)
    assert r.driver_reading["tls"] == tls


def test_node_postgres_require_says_verify_full_and_the_override():
    f = codes_of(report(TXN + "?sslmode=require", "node_postgres"))["sslmode_verifies_in_driver"]
    assert f.severity == "error"  # Supabase's CA is never in Node's store
    assert "verify-full" in f.title and "SELF_SIGNED_CERT_IN_CHAIN" in f.detail
    assert "rejectUnauthorized: false" in f.detail and "replaces it" in f.detail
    assert 'fs.readFileSync("prod-ca-2021.crt", "utf8")' in f.fix and "uselibpqcompat" in f.fix


def test_node_postgres_require_elsewhere_is_a_warning():
    r = report("postgresql://u:p@db.example.com:5432/app?sslmode=require", "node_postgres")
    assert codes_of(r)["sslmode_verifies_in_driver"].severity == "warning"


def test_node_postgres_pgbouncer_is_ignored_not_refused():
    r = report(TXN + "?sslmode=require&pgbouncer=true", "node_postgres")
    f = codes_of(r)["unknown_parameter"]
    assert f.severity == "info" and "ignores `pgbouncer`" in f.title


def test_node_postgres_suggestions():
    r = report(TXN + "?sslmode=require", "node_postgres")
    assert r.suggested["node_postgres"] == (
        f"postgresql://postgres.{REF}:***@{POOLER}:6543/postgres"
        "?sslmode=verify-full&sslrootcert=prod-ca-2021.crt"
    )
    code = r.snippets["node_postgres"]
    assert f'connectionString: "postgresql://postgres.{REF}:***@{POOLER}:6543/postgres",' in code
    assert 'ssl: { ca: fs.readFileSync("prod-ca-2021.crt", "utf8") },' in code
    assert "new pg.Pool({" in code
    assert "drizzle(pool)" in r.snippets["drizzle_node_postgres"]


# --- postgres.js (drivers.md §4) ------------------------------------------------------------

POSTGRESJS = [
    (TXN + "?sslmode=require", {"pooler_transaction_prepared_statements", "sslmode_no_verification"}, "no-verify"),
    (TXN + "?sslmode=prefer&prepare=false", {"sslmode_no_verification"}, "prefer-no-verify"),
    (TXN, {"driver_no_tls", "pooler_transaction_prepared_statements"}, "none"),
    (TXN + "?sslmode=verify-full", {"sslmode_verifies_in_driver"}, "verify-full"),
    (TXN + "?sslmode=no-verify&prepare=false", {"sslmode_verifies_in_driver"}, "verify-full"),
    (TXN + "?sslmode=require&sslrootcert=prod-ca-2021.crt&prepare=false", {"ssl_option_not_read"}, "no-verify"),
    (TXN + "?sslmode=require&pgbouncer=true&prepare=false", {"unknown_parameter"}, "no-verify"),
    (SESSION + "?sslmode=require", {"sslmode_no_verification"}, "no-verify"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "present", "tls"), POSTGRESJS)
@pytest.mark.parametrize("driver", ["postgresjs", "drizzle_postgresjs"])
def test_postgresjs(url, present, tls, driver):
    r = report(url, driver)
    assert_codes(r, present)
    assert r.driver_reading["tls"] == tls
    prepared = "pooler_transaction_prepared_statements" in codes_of(r)
    assert prepared == (":6543/" in url and "prepare=false" not in url)


def test_postgresjs_prepare_finding_and_fix():
    f = codes_of(report(TXN + "?sslmode=require", "postgresjs"))[
        "pooler_transaction_prepared_statements"
    ]
    assert f.severity == "error" and "prepare: false" in f.title
    r = report(TXN + "?sslmode=require", "postgresjs")
    assert r.suggested["postgresjs"].endswith("?sslmode=verify-full&prepare=false")
    code = r.snippets["postgresjs"]
    assert "prepare: false," in code and 'ssl: { ca: fs.readFileSync("prod-ca-2021.crt"' in code
    assert "drizzle(client)" in r.snippets["drizzle_postgresjs"]


def test_postgresjs_pgbouncer_is_sent_to_the_server():
    f = codes_of(report(TXN + "?sslmode=require&pgbouncer=true", "postgresjs"))["unknown_parameter"]
    assert f.severity == "error" and "run-time setting" in f.title


# --- Prisma (drivers.md §5) ---------------------------------------------------------------

PRISMA = [
    # the case: Prisma on the transaction pooler keeps pgbouncer=true
    (TXN + "?pgbouncer=true", {"prisma_direct_url_needed", "sslmode_no_verification"}, {"unknown_parameter", "pooler_transaction_prepared_statements"}),
    (TXN, {"pooler_transaction_prepared_statements", "prisma_direct_url_needed"}, set()),
    (TXN + "?pgbouncer=true&sslmode=verify-full", {"sslmode_ignored_by_driver"}, {"sslmode_no_verification"}),
    (TXN + "?pgbouncer=true&sslmode=require&sslrootcert=ca.crt", {"ssl_option_not_read"}, set()),
    (TXN + "?pgbouncer=true&sslmode=require&sslcert=../prod-ca-2021.crt&sslaccept=strict", set(), {"sslmode_no_verification", "ssl_option_not_read"}),
    (SESSION + "?pgbouncer=true&sslmode=require", {"unknown_parameter"}, {"prisma_direct_url_needed"}),
    (SESSION + "?sslmode=require&connection_limit=1&uselibpqcompat=true", {"unknown_parameter"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("url", "present", "absent"), PRISMA)
def test_prisma6(url, present, absent):
    assert_codes(report(url, "prisma"), present, absent)


def test_prisma6_never_says_remove_pgbouncer_on_the_transaction_pooler():
    r = report(TXN + "?pgbouncer=true&sslmode=require", "prisma")
    assert not any("pgbouncer" in (f.fix or "") and "Remove" in (f.fix or "") for f in r.findings)
    assert r.driver_reading["pgbouncer"] == "true"


def test_prisma6_suggestion_env_lines_and_schema():
    r = report(TXN + "?sslmode=require", "prisma")
    assert r.suggested["prisma"] == (
        f'DATABASE_URL="postgresql://postgres.{REF}:***@{POOLER}:6543/postgres'
        '?sslmode=require&sslcert=../prod-ca-2021.crt&sslaccept=strict&pgbouncer=true"\n'
        f'DIRECT_URL="postgresql://postgres.{REF}:***@{POOLER}:5432/postgres'
        '?sslmode=require&sslcert=../prod-ca-2021.crt&sslaccept=strict"'
    )
    assert 'directUrl = env("DIRECT_URL")' in r.snippets["prisma"]


def test_prisma6_session_needs_no_direct_url():
    r = report(SESSION + "?sslmode=require", "prisma")
    assert "DIRECT_URL" not in r.suggested["prisma"] and "pgbouncer" not in r.suggested["prisma"]
    assert "directUrl" not in r.snippets["prisma"]


def test_prisma6_dedicated_pooler_direct_url_is_the_direct_host():
    r = report(f"postgresql://postgres:pw@{DIRECT}:6543/postgres?pgbouncer=true", "prisma")
    assert f'DIRECT_URL="postgresql://postgres:***@{DIRECT}:5432/postgres' in r.suggested["prisma"]


def test_prisma7():
    r = report(TXN + "?sslmode=require&connection_limit=1", "prisma7")
    assert_codes(r, {"sslmode_verifies_in_driver", "unknown_parameter", "prisma_direct_url_needed"})
    assert codes_of(r)["sslmode_verifies_in_driver"].severity == "error"
    assert "`max` in new PrismaPg" in codes_of(r)["unknown_parameter"].fix
    code = r.snippets["prisma7"]
    assert "new PrismaPg({" in code and 'datasource: { url: env("DIRECT_URL") }' in code
    assert "sslmode" not in r.suggested["prisma7"]


# --- psycopg 3 (drivers.md §2) ------------------------------------------------------------


def test_psycopg3_transaction_pooler():
    r = report(TXN + "?sslmode=require", "psycopg3")
    f = codes_of(r)["pooler_transaction_prepared_statements"]
    assert f.severity == "error" and "prepare_threshold=None" in f.fix
    assert "sslmode_no_verification" in codes_of(r)  # libpq's rules are psycopg 3's
    assert r.snippets["psycopg3"].endswith(", prepare_threshold=None)")
    assert r.suggested["psycopg3"] == r.suggested["psycopg2"]


def test_psycopg3_prepare_threshold_in_the_url_is_refused_by_libpq():
    r = report(SESSION + "?prepare_threshold=0", "psycopg3")
    f = codes_of(r)["unknown_parameter"]
    assert f.severity == "error" and "keyword argument" in f.detail


def test_psycopg3_session_pooler_is_fine():
    r = report(SESSION + "?sslmode=verify-full&sslrootcert=ca.crt", "psycopg3")
    assert "pooler_transaction_prepared_statements" not in codes_of(r)
    assert "prepare_threshold" not in r.snippets["psycopg3"]


# --- pgx (drivers.md §10) -----------------------------------------------------------------

PGX = [
    (TXN + "?sslmode=require", {"pooler_transaction_prepared_statements", "sslmode_no_verification"}, set()),
    (TXN + "?sslmode=require&default_query_exec_mode=simple_protocol", {"sslmode_no_verification"}, {"pooler_transaction_prepared_statements"}),
    (TXN + "?sslmode=require&default_query_exec_mode=exec", set(), {"pooler_transaction_prepared_statements"}),
    (TXN + "?default_query_exec_mode=describe_exec", {"pooler_transaction_prepared_statements"}, set()),
    (TXN + "?sslmode=verify-full&default_query_exec_mode=exec", {"verify_without_root_cert"}, set()),
    (TXN + "?sslmode=require&sslrootcert=ca.crt&default_query_exec_mode=exec", {"sslmode_no_verification"}, set()),
    (TXN + "?sslmode=bogus&default_query_exec_mode=exec", {"dsn_unparseable"}, set()),
    (TXN + "?pgbouncer=true&default_query_exec_mode=exec", {"unknown_parameter"}, set()),
    (SESSION + "?sslmode=verify-full&sslrootcert=ca.crt&application_name=x", set(), {"unknown_parameter", "sslmode_no_verification"}),
]  # fmt: skip


@pytest.mark.parametrize(("url", "present", "absent"), PGX)
def test_pgx(url, present, absent):
    assert_codes(report(url, "pgx"), present, absent)


def test_pgx_suggestion():
    r = report(TXN + "?sslmode=require", "pgx")
    assert r.suggested["pgx"] == (
        f"postgres://postgres.{REF}:***@{POOLER}:6543/postgres?sslmode=verify-full"
        "&sslrootcert=prod-ca-2021.crt&default_query_exec_mode=simple_protocol"
    )
    assert "pgxpool.New(context.Background(), " in r.snippets["pgx"]


# --- JDBC (drivers.md §11) ----------------------------------------------------------------

JDBC_TXN = f"jdbc:postgresql://{POOLER}:6543/postgres?user=postgres.{REF}&password=hunter2"
JDBC = [
    (JDBC_TXN + "&ssl=true", {"sslmode_verifies_in_driver", "pooler_transaction_prepared_statements"}, set(), "verify-full"),
    (JDBC_TXN + "&sslmode=require&prepareThreshold=0", {"sslmode_no_verification"}, {"pooler_transaction_prepared_statements"}, "require (non-validating factory)"),
    (JDBC_TXN + "&sslmode=verify-full&prepareThreshold=0", {"verify_without_root_cert"}, set(), "verify-full"),
    (JDBC_TXN + "&sslmode=verify-full&sslrootcert=ca.crt&prepareThreshold=0", set(), {"verify_without_root_cert", "sslmode_no_verification"}, "verify-full"),
    (JDBC_TXN + "&sslmode=verify-full&sslrootcert=ca.crt&preferQueryMode=simple", set(), {"pooler_transaction_prepared_statements"}, "verify-full"),
    (JDBC_TXN, {"sslmode_no_verification", "pooler_transaction_prepared_statements"}, set(), "prefer (non-validating factory)"),
    (f"jdbc:postgresql://postgres:hunter2@{DIRECT}:5432/postgres?sslmode=require", {"userinfo_not_read"}, set(), "require (non-validating factory)"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "present", "absent", "tls"), JDBC)
@pytest.mark.parametrize("driver", ["jdbc", "auto"])
def test_jdbc(url, present, absent, tls, driver):
    r = report(url, driver)
    assert r.driver == "jdbc"  # auto: the form says it
    assert_codes(r, present, absent)
    assert r.driver_reading["tls"] == tls
    assert "hunter2" not in r.parsed.masked and "hunter2" not in str(r.to_dict())


def test_jdbc_parse_follows_pgjdbc():
    """Driver.parseURL of pgjdbc 42.5.5 (tests/test_stacks_live.py runs it): properties are
    URL-decoded with `+` a space, the host is not decoded, `user:pass@` is part of the host."""
    p = parse_jdbc(
        "jdbc:postgresql://h:6543/d%2Fb?user=a%2Bb&password=x+y%26z&sslmode=require", None, ()
    )
    assert (p.user, p.password, p.database, p.hosts[0].host, p.hosts[0].port) == (
        "a+b",
        "x y&z",
        "d/b",
        "h",
        6543,
    )
    assert parse_jdbc("jdbc:postgresql:db", None, ()).hosts[0].host == "localhost"
    p = parse_jdbc("jdbc:postgresql://h1:1,h2:2/db", None, ())
    assert [(h.host, h.port) for h in p.hosts] == [("h1", 1), ("h2", 2)]
    # the host pgjdbc looks up is `u:p@h`; the part before `@` is masked
    assert parse_jdbc("jdbc:postgresql://u:p@h:5432/db", None, ()).hosts[0].host == "***@h"
    assert MASK in parse_jdbc("jdbc:postgresql://h/db?password=s3cret", None, ()).masked


def test_jdbc_suggestion():
    r = report(JDBC_TXN + "&ssl=true", "jdbc")
    assert r.suggested["jdbc"] == (
        f"jdbc:postgresql://{POOLER}:6543/postgres?user=postgres.{REF}&password=***"
        "&sslmode=verify-full&sslrootcert=prod-ca-2021.crt&prepareThreshold=0"
    )
    assert "DriverManager.getConnection(" in r.snippets["jdbc"]


def test_jdbc_encodes_plus_for_urldecoder():
    r = report("jdbc:postgresql://h:5432/db?user=a+b%2Bc&password=x", "jdbc")
    assert "user=a%20b%2Bc&" in r.suggested["jdbc"]


# --- Npgsql (drivers.md §12) --------------------------------------------------------------

NPG_TXN = f"Host={POOLER};Port=6543;Database=postgres;Username=postgres.{REF};Password=hunter2"
NPGSQL = [
    (NPG_TXN + ";SSL Mode=Require;Trust Server Certificate=true", {"option_has_no_effect", "sslmode_no_verification", "npgsql_reset_on_close"}, set()),
    (NPG_TXN + ";SSL Mode=VerifyFull;Root Certificate=prod-ca-2021.crt;No Reset On Close=true", set(), {"sslmode_no_verification", "npgsql_reset_on_close"}),
    (NPG_TXN + ";SSL Mode=VerifyFull;No Reset On Close=true", {"verify_without_root_cert"}, set()),
    (NPG_TXN + ";SslMode=Require;Max Auto Prepare=20;Pooling=false", {"pooler_transaction_prepared_statements"}, {"npgsql_reset_on_close"}),
    (NPG_TXN + ";SSL Mode=Sometimes", {"dsn_unparseable"}, set()),
    (NPG_TXN + ";Frobnicate=1;SSL Mode=Require", {"dsn_unparseable"}, set()),
    (f"Server={DIRECT};Port=5432;Database=postgres;User ID=postgres;Password=\"a;b\";SSL Mode=Require", {"sslmode_no_verification"}, {"npgsql_reset_on_close"}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "present", "absent"), NPGSQL)
@pytest.mark.parametrize("driver", ["npgsql", "auto"])
def test_npgsql(text, present, absent, driver):
    r = report(text, driver)
    assert r.driver == "npgsql"
    assert r.parsed.format == "npgsql"
    assert_codes(r, present, absent)
    assert "hunter2" not in str(r.to_dict()) and "a;b" not in str(r.to_dict())


def test_npgsql_reading():
    p = read_npgsql(
        f'Server={DIRECT};Port=5432;Database=postgres;User ID=postgres;Password="a;b""c";'
        "SSL Mode=VerifyFull;Root Certificate=/etc/ca.crt",
        None,
    )
    assert p is not None and p.ok
    assert (p.user, p.password, p.database, p.host.host, p.host.port) == (
        "postgres",
        'a;b"c',
        "postgres",
        DIRECT,
        5432,
    )
    assert (p.param("sslmode"), p.param("sslrootcert")) == ("verify-full", "/etc/ca.crt")
    assert split("A=1; B = 'x;y' ;C==D=2") == [("A", "1"), ("B", "x;y"), ("C=D", "2")]


@pytest.mark.parametrize(
    ("text", "npgsql"),
    [
        ("Host=h;Port=5432;Username=u", True),
        ("Server=h;Database=d", True),
        ("host=h password=a;b", False),  # libpq's keyword form with a ; in a value
        ("host=h;port=5432 dbname=x", False),
        ("postgresql://u@h/db?x=a;b", False),
    ],
)
def test_npgsql_is_recognised(text, npgsql):
    assert is_npgsql(text) == npgsql


def test_npgsql_suggestion():
    r = report(NPG_TXN + ";SSL Mode=Require;Trust Server Certificate=true", "npgsql")
    assert r.suggested["npgsql"] == (
        f"Host={POOLER};Port=6543;Database=postgres;Username=postgres.{REF};Password=***;"
        "SSL Mode=VerifyFull;Root Certificate=prod-ca-2021.crt;No Reset On Close=true"
    )
    assert "NpgsqlDataSource.Create(" in r.snippets["npgsql"]


# --- auto: the string and the .env say the stack ----------------------------------------------


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        (TXN + "?pgbouncer=true", "prisma"),
        (TXN + "?connection_limit=1", "prisma"),
        (TXN + "?sslmode=require&uselibpqcompat=true", "node_postgres"),
        (TXN + "?sslmode=no-verify", "node_postgres"),
        (TXN + "?prepare=false", "postgresjs"),
        (TXN + "?default_query_exec_mode=exec", "pgx"),
        (TXN + "?sslmode=require", "auto"),
    ],
)
def test_auto_guesses_from_the_string(url, driver):
    r = report(url, "auto")
    assert r.driver == driver
    assert ("driver_guessed" in codes_of(r)) == (driver != "auto")


def test_auto_takes_the_env_hint_but_not_over_a_choice():
    r = report(TXN, "auto", stack_hint=("prisma", "DIRECT_URL is beside DATABASE_URL."))
    assert r.driver == "prisma" and "DIRECT_URL" in codes_of(r)["driver_guessed"].detail
    assert report(TXN, "psycopg2", stack_hint=("prisma", "x")).driver == "psycopg2"


def test_the_guess_keeps_a_chosen_driver():
    from inspector.connections.parse import parse

    assert guess(parse(TXN + "?pgbouncer=true"), "psycopg2") == ("psycopg2", None)


def test_every_stack_has_a_suggestion_and_code():
    r = report(TXN + "?sslmode=require", "auto")
    for name in STACK_DRIVERS:
        assert MASK in r.suggested[name], name
        assert r.snippets[name], name
        assert "hunter2" not in r.suggested[name] + r.snippets[name]


# --- §3: Supabase's shapes, misspelt ------------------------------------------------------

MISSPELT = [
    (f"postgresql://postgres:pw@db.{REF}.supabase.com:5432/postgres", "supabase_host_misspelt", DIRECT),
    (f"postgresql://postgres.{REF}:pw@aws-0-eu-central-1.pooler.supabase.co:6543/postgres", "supabase_host_misspelt", POOLER),
    (f"postgresql://postgres:pw@{REF}.supabase.co:5432/postgres", "supabase_host_misspelt", DIRECT),
    (f"postgresql://postgres.{REF}:pw@{DIRECT}:5432/postgres", "pooler_user_on_direct_host", DIRECT),
    (f"postgresql://postgres.{REF}:pw@{DIRECT}:6543/postgres", "pooler_user_on_direct_host", DIRECT),
]  # fmt: skip


@pytest.mark.parametrize(("url", "code", "host"), MISSPELT)
@pytest.mark.parametrize("driver", ["auto", "psycopg2", "node_postgres", "jdbc"])
def test_misspelt_supabase_shapes(url, code, host, driver):
    r = report(url, driver)
    f = codes_of(r)[code]
    assert f.severity == "error"
    assert f"`{host}`" in f.fix
    assert f"@{host}:" in r.suggested["psycopg2"] and f"@{host}:" in r.suggested["node_postgres"]


def test_the_right_shapes_have_no_misspelling_finding():
    for url in (TXN, SESSION, DIRECT_URL):
        got = codes_of(report(url, "auto"))
        assert "supabase_host_misspelt" not in got and "pooler_user_on_direct_host" not in got


def test_pooler_user_on_direct_host_names_both_ways_out():
    r = report(f"postgresql://postgres.{REF}:pw@{DIRECT}:5432/postgres", "auto")
    f = codes_of(r)["pooler_user_on_direct_host"]
    assert "`postgres`" in f.fix and "pooler" in f.fix
    assert f'password authentication failed for user "postgres.{REF}"' in f.detail


def test_misspelt_host_suggestion_gets_the_supabase_ca():
    r = report(f"postgresql://postgres:pw@db.{REF}.supabase.com:5432/postgres", "node_postgres")
    assert "sslrootcert=prod-ca-2021.crt" in r.suggested["node_postgres"]
    assert r.project_ref is None or r.project_ref == REF


def test_mismatched_refs_in_a_pooler_user_on_the_direct_host():
    r = report(f"postgresql://postgres.{OTHER}:pw@{DIRECT}:5432/postgres", "auto")
    assert {"pooler_user_on_direct_host", "project_ref_mismatch"} <= set(codes_of(r))


# --- the .env's pairs: DATABASE_URL + DIRECT_URL ------------------------------------------------


def env_codes(text: str) -> tuple[set[str], dict[str, set[str]]]:
    from inspector.env import inspect_env

    r = inspect_env(text)
    return {f.code for f in r.findings}, {v.name: {f.code for f in v.findings} for v in r.variables}


PRISMA_TXN = TXN + "?pgbouncer=true"
ENV_PAIRS = [
    # the right pair: no pair finding, no "directUrl needed" on DATABASE_URL
    (f"DATABASE_URL={PRISMA_TXN}\nDIRECT_URL={SESSION}\n", set(), {"database_urls_swapped", "direct_url_is_transaction_pooler", "pooled_url_not_pooled"}),
    (f"DATABASE_URL={PRISMA_TXN}\nDIRECT_URL={DIRECT_URL}\n", set(), {"database_urls_swapped", "direct_url_is_transaction_pooler"}),
    (f"DATABASE_URL={SESSION}\nDIRECT_URL={PRISMA_TXN}\n", {"database_urls_swapped"}, set()),
    (f"DATABASE_URL={PRISMA_TXN}\nDIRECT_URL={TXN}\n", {"direct_url_is_transaction_pooler"}, {"database_urls_swapped"}),
    (f"DATABASE_URL={SESSION}\nDIRECT_URL={DIRECT_URL}\n", {"pooled_url_not_pooled"}, set()),
    (f"DATABASE_URL={PRISMA_TXN}\nDIRECT_URL=postgresql://postgres:pw@db.{OTHER}.supabase.co:5432/postgres\n", {"database_url_pair_projects"}, set()),
    (f"POSTGRES_PRISMA_URL={SESSION}\nPOSTGRES_URL_NON_POOLING={PRISMA_TXN}\n", {"database_urls_swapped"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "present", "absent"), ENV_PAIRS)
def test_env_pairs(text, present, absent):
    got, _ = env_codes(text)
    assert present <= got and not (absent & got), got


def test_env_pair_makes_the_urls_prisma_and_drops_direct_url_needed():
    _, per_var = env_codes(f"DATABASE_URL={TXN}\nDIRECT_URL={SESSION}\n")
    # judged as Prisma: the transaction pooler without pgbouncer=true is said, in Prisma's terms
    assert "pooler_transaction_prepared_statements" in per_var["DATABASE_URL"]
    assert "driver_guessed" in per_var["DATABASE_URL"]
    assert "prisma_direct_url_needed" not in per_var["DATABASE_URL"]
    # no "remove pgbouncer=true" for Prisma's own switch
    _, per_var = env_codes(f"DATABASE_URL={PRISMA_TXN}\nDIRECT_URL={SESSION}\n")
    assert "unknown_parameter" not in per_var["DATABASE_URL"]


def test_a_lone_database_url_is_not_prisma():
    _, per_var = env_codes(f"DATABASE_URL={TXN}?sslmode=require\n")
    assert "driver_guessed" not in per_var["DATABASE_URL"]


# --- the page, the JSON API and the CLI take the new drivers ---------------------------------


@pytest.mark.parametrize("driver", STACK_DRIVERS)
def test_api_takes_each_stack(client, driver):
    r = client.post("/api/v1/connection", json={"url": TXN, "driver": driver, "probe": False})
    assert r.status_code == 200
    d = r.get_json()
    assert d["driver"] == driver and d["driver_reading"]
    assert set(STACK_DRIVERS) <= set(d["suggested"]) and set(STACK_DRIVERS) <= set(d["snippets"])
    assert "hunter2" not in r.get_data(as_text=True)


def test_page_shows_the_stacks(client):
    data = {"url": JDBC_TXN + "&ssl=true", "driver": "auto", "probe_field_shown": "1"}
    html = client.post("/connection", data=data).get_data(as_text=True)
    assert 'data-code="sslmode_verifies_in_driver"' in html
    assert "pgjdbc reads ssl=true as verify-full" in html
    assert "Prisma 6 .env" in html and "Npgsql connection string" in html
    assert "hunter2" not in html
    assert '<option selected value="npgsql">' in html or 'value="npgsql"' in html


def test_cli_takes_a_stack(runner):
    result = runner.invoke(args=["inspect", "conn", TXN, "--driver", "postgresjs", "--no-probe"])
    assert result.exit_code == 1, result.output  # the pooler's prepared statements: an error
    assert "prepare: false" in result.output and "hunter2" not in result.output


# --- secrets never come back, in any stack's form ---------------------------------------------

_SECRET_CHARS = st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="\";'=&%+")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(_SECRET_CHARS, min_size=6, max_size=16).map(lambda s: "Zq9~" + s),
    st.sampled_from(("auto", *STACK_DRIVERS)),
    st.sampled_from(("npgsql", "jdbc", "jdbc_userinfo", "uri")),
)
def test_the_password_never_comes_back(password, driver, form):
    enc = quote(password, safe="")
    text = {
        "npgsql": f"Host={POOLER};Port=6543;Username=postgres.{REF};Password={password};SSL Mode=Require",
        "jdbc": f"jdbc:postgresql://{POOLER}:6543/postgres?user=u&password={enc}&ssl=true",
        "jdbc_userinfo": f"jdbc:postgresql://u:{enc}@{POOLER}:6543/postgres?ssl=true",
        "uri": f"postgresql://u:{enc}@{POOLER}:6543/postgres?sslmode=require",
    }[form]
    out = json.dumps(report(text, driver).to_dict())
    assert password not in out and enc not in out
