"""Parsing and static findings: no network. Every static code of api.md from a real string."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.connections import inspect_connection
from inspector.connections.classify import classify_message
from inspector.connections.parse import parse

REF = "abcdefghijklmnopqrst"
OTHER = "zyxwvutsrqponmlkjihg"
DIRECT = f"db.{REF}.supabase.co"
POOLER = "aws-0-eu-central-1.pooler.supabase.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "postgresql://u:p@h:5433/db?sslmode=require",
            dict(
                format="uri",
                user="u",
                password="p",
                hosts=[("h", 5433)],
                database="db",
                params={"sslmode": "require"},
            ),
        ),
        (
            "postgres://u@h1:5432,h2:5433/db",
            dict(format="uri", user="u", password=None, hosts=[("h1", 5432), ("h2", 5433)]),
        ),
        (
            "postgresql://u:p@[2001:db8::1]:6543/db",
            dict(hosts=[("2001:db8::1", 6543)], database="db"),
        ),
        (
            "postgresql://u:pa%40ss%23w@h/db",
            dict(password="pa@ss#w", hosts=[("h", None)]),
        ),
        (
            "postgresql://%2Fvar%2Frun%2Fpostgresql/db",
            dict(hosts=[("/var/run/postgresql", None)], database="db"),
        ),
        (
            "postgresql:///db?host=/tmp/sock&port=5433",
            dict(hosts=[("/tmp/sock", 5433)], database="db"),
        ),
        (
            "postgresql+asyncpg://u:p@h/db?ssl=require",
            dict(
                format="sqlalchemy",
                scheme="postgresql+asyncpg",
                driver="asyncpg",
                params={"ssl": "require"},
            ),
        ),
        (
            r"host=h port=5432 user=u password=it\'s dbname=d",
            dict(format="keyword", user="u", password="it's", hosts=[("h", 5432)], database="d"),
        ),
        (
            r"host=h user=u password='a \'quoted\' pass' dbname=d sslmode=verify-full",
            dict(format="keyword", password="a 'quoted' pass", params={"sslmode": "verify-full"}),
        ),
        (
            "host = h1,h2 port = 1,2 user=u",
            dict(format="keyword", hosts=[("h1", 1), ("h2", 2)]),
        ),
        (
            f"  'DATABASE_URL=postgresql://u:p@{DIRECT}:5432/postgres'  ",
            dict(format="uri", hosts=[(DIRECT, 5432)]),
        ),
        (
            f"postgresql://postgres:p@ss@{DIRECT}:5432/postgres",
            dict(user="postgres", password="p@ss", hosts=[(DIRECT, 5432)]),
        ),
        (
            "postgresql://u:pa/ss?x#y@h:5432/db",
            dict(user="u", password="pa/ss?x#y", hosts=[("h", 5432)], database="db"),
        ),
    ],
)
def test_parse_table(text, expected):
    p = parse(text)
    assert p.ok, p.error
    for key, value in expected.items():
        if key == "hosts":
            assert [(h.host, h.port) for h in p.hosts] == value
        elif key == "params":
            assert dict(p.params) == value
        else:
            assert getattr(p, key) == value


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "empty"),
        ("host=x port", 'missing "=" after "port"'),
        ("host='unterminated", "unterminated quoted string"),
        ("host=h password='it''s'", 'missing "=" after "\'s\'"'),  # libpq has no '' escape
        ("mysql://u:p@h/db", "not a Postgres URL"),
        ("postgresql://u:p@h:99999/db", "invalid port"),
        ("just some words", "neither a URI"),
    ],
)
def test_parse_errors(text, error):
    p = parse(text)
    assert not p.ok
    assert error in p.error
    assert inspect_connection(text, probe=False).verdict["code"] == "dsn_unparseable"


@pytest.mark.parametrize(
    ("url", "password", "masked"),
    [
        ("postgresql://u:secret@h/db", None, "postgresql://u:***@h/db"),
        ("postgresql://u:[YOUR-PASSWORD]@h/db", "real-one", "postgresql://u:***@h/db"),
        ("host=h password='x y' user=u", None, "host=h password=*** user=u"),
        (
            "postgresql://u@h/db?password=secret&sslmode=require",
            None,
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
    ],
)
def test_password_masked_and_replaced(url, password, masked):
    report = inspect_connection(url, password=password, probe=False)
    assert report.parsed.masked == masked
    d = report.to_dict()
    assert d["parsed"]["password"] == "***"
    for secret in ("secret", "real-one", "x y"):
        assert secret not in repr(d)
    if password:
        assert report.parsed.password == password


def _codes(report):
    return {f.code: f for f in report.findings}


# Every static code of api.md, each from a real string, with the driver it is judged for.
STATIC = [
    ("dsn_unparseable", "host=x port", "auto", "error"),
    (
        "password_placeholder",
        f"postgresql://postgres:[YOUR-PASSWORD]@{DIRECT}:5432/postgres",
        "auto",
        "error",
    ),
    (
        "password_needs_encoding",
        f"postgresql://postgres:p@ss#w@{DIRECT}:5432/postgres",
        "auto",
        "error",
    ),
    ("scheme_rejected_by_sqlalchemy", "postgres://u:p@h/db", "sqlalchemy", "error"),
    ("asyncpg_sslmode_param", "postgresql+asyncpg://u:p@h/db?sslmode=require", "auto", "error"),
    ("asyncpg_ssl_true", "postgresql+asyncpg://u:p@h/db?ssl=true", "auto", "error"),
    ("asyncpg_ssl_true", "postgresql://u:p@h/db?ssl=true", "asyncpg", "error"),
    (
        "supabase_direct_ipv6_only",
        f"postgresql://postgres:p@{DIRECT}:5432/postgres",
        "auto",
        "warning",
    ),
    ("pooler_user_missing_ref", f"postgresql://postgres:p@{POOLER}:5432/postgres", "auto", "error"),
    (
        "pooler_transaction_prepared_statements",
        f"postgresql://postgres.{REF}:p@{POOLER}:6543/postgres",
        "asyncpg",
        "warning",
    ),
    (
        "project_ref_mismatch",
        f"postgresql://postgres.{OTHER}:p@{DIRECT}:5432/postgres",
        "auto",
        "error",
    ),
    (
        "sslmode_no_verification",
        "postgresql://u:p@db.example.com/db?sslmode=require",
        "auto",
        "warning",
    ),
    (
        "verify_without_root_cert",
        "postgresql://u:p@db.example.com/db?sslmode=verify-full",
        "psycopg2",
        "warning",
    ),
    ("unknown_parameter", "postgresql://u:p@h/db?pgbouncer=true", "psycopg2", "error"),
    (
        "supabase_unusual_port",
        f"postgresql://postgres.{REF}:p@{POOLER}:5433/postgres",
        "auto",
        "warning",
    ),
]


@pytest.mark.parametrize(
    ("code", "url", "driver", "severity"), STATIC, ids=[f"{c}-{d}" for c, _, d, _ in STATIC]
)
def test_static_codes(code, url, driver, severity):
    report = inspect_connection(url, driver=driver, probe=False)
    found = _codes(report)
    assert code in found, sorted(found)
    assert found[code].severity.value == severity
    assert found[code].fix
    assert report.verdict["status"] in ("not_probed", "failed")
    assert report.steps == ()


def test_every_static_code_of_api_md_is_covered():
    covered = {c for c, *_ in STATIC}
    assert API_MD_STATIC_CODES - covered == set()


def test_encoding_finding_shows_each_drivers_split_without_the_password():
    url = f"postgresql://postgres:p@ss/w0rd@{DIRECT}:5432/postgres"
    f = _codes(inspect_connection(url, probe=False))["password_needs_encoding"]
    assert "libpq (psycopg2)" in f.detail and "SQLAlchemy" in f.detail and "asyncpg" in f.detail
    assert "`@` -> `%40`" in f.fix and "`/` -> `%2F`" in f.fix
    assert "w0rd" not in f.detail and "p@ss" not in f.detail
    suggested = inspect_connection(url, probe=False).suggested
    assert all("***" in s and "w0rd" not in s for s in suggested.values())
    assert all("***@" in suggested[k] for k in ("psycopg2", "asyncpg", "sqlalchemy"))


def test_placeholder_not_probed():
    report = inspect_connection(f"postgresql://postgres:[YOUR-PASSWORD]@{DIRECT}:5432/postgres")
    assert report.verdict["code"] == "password_placeholder"
    assert report.steps == ()  # a login with a placeholder could only fail (and get banned)


@pytest.mark.parametrize(
    ("url", "kind", "ref"),
    [
        (f"postgresql://postgres:p@{DIRECT}:5432/postgres", "supabase_direct", REF),
        (f"postgresql://postgres:p@{DIRECT}:6543/postgres", "supabase_dedicated_pooler", REF),
        (f"postgresql://postgres.{REF}:p@{POOLER}:5432/postgres", "supabase_pooler_session", REF),
        (
            f"postgresql://postgres.{REF}:p@{POOLER}:6543/postgres",
            "supabase_pooler_transaction",
            REF,
        ),
        ("postgresql://postgres:postgres@127.0.0.1:54322/postgres", "supabase_local", None),
        ("postgresql://u:p@localhost/db", "local", None),
        ("host=/var/run/postgresql dbname=x", "local", None),
        ("postgresql://u:p@db.example.com/db", "other", None),
    ],
)
def test_host_kinds(url, kind, ref):
    report = inspect_connection(url, probe=False)
    assert (report.host_kind, report.project_ref) == (kind, ref)


@pytest.mark.parametrize(
    ("driver", "key", "must"),
    [
        ("psycopg2", "psycopg2", "sslmode=verify-full&sslrootcert=prod-ca-2021.crt"),
        ("sqlalchemy", "sqlalchemy", "postgresql+psycopg2://"),
        ("sqlalchemy_asyncpg", "sqlalchemy_asyncpg", "postgresql+asyncpg://"),
    ],
)
def test_suggestions_for_supabase(driver, key, must):
    url = f"postgres://postgres:hunter2@{POOLER}:6543/postgres?sslmode=require"
    report = inspect_connection(url, driver=driver, probe=False)
    s = report.suggested[key]
    assert must in s
    assert "hunter2" not in s and ":***@" in s
    assert "postgres.<project-ref>" in s  # the pooler user gets its ref
    code = report.snippets["sqlalchemy_asyncpg"]
    assert "statement_cache_size" in code and "NullPool" in code
    assert 'ssl.create_default_context(cafile="prod-ca-2021.crt")' in code
    assert "sslmode" not in report.suggested["sqlalchemy_asyncpg"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            'connection to server at "h" (1.2.3.4), port 6543 failed: FATAL:  Tenant or user not found\n',
            "tenant_not_found",
        ),
        (
            "... failed: FATAL:  (ENOTFOUND) tenant/user postgres.abc not found\n",
            "tenant_not_found",
        ),
        (
            "... failed: FATAL:  (EMAXCONNSESSION) max clients reached in session mode - max clients"
            " are limited to pool_size: 15\n",
            "too_many_connections",
        ),
        ("... failed: FATAL:  Max client connections reached\n", "too_many_connections"),
        (
            "... failed: FATAL:  no more connections allowed (max_client_conn)\n",
            "too_many_connections",
        ),
        (
            "... failed: FATAL:  remaining connection slots are reserved for non-replication "
            "superuser connections\n",
            "too_many_connections",
        ),
        ("... failed: FATAL:  SSL connection is required\n", "ssl_required"),
        (
            "... failed: FATAL:  (ESSLREQUIRED) SSL connection is required for user: x\n",
            "ssl_required",
        ),
        (
            "... failed: FATAL:  Circuit breaker open: Too many authentication errors\n",
            "pooler_error",
        ),
        (
            "... failed: FATAL:  server login has been failing, try again later "
            "(server_login_retry)\n",
            "pooler_error",
        ),
        (
            '... failed: FATAL:  password authentication failed for user "app"\n'
            '... failed: FATAL:  no pg_hba.conf entry for host "1.2.3.4", user "app", database '
            '"postgres", no encryption\n',
            "auth_failed",
        ),
        ("fe_sendauth: no password supplied\n", "no_password"),
        (
            '... failed: root certificate file "/root/.postgresql/root.crt" does not exist\n',
            "tls_untrusted",
        ),
        (
            '... failed: server certificate for "localhost" (and 1 other name) does not match host '
            'name "127.0.0.2"\n',
            "tls_hostname_mismatch",
        ),
        ("... failed: received invalid response to SSL negotiation: H\n", "not_postgres"),
        ("... failed: Network is unreachable\n\tIs the server running", "tcp_unreachable"),
        ("... failed: SSL SYSCALL error: EOF detected\n", "server_closed"),
        ("... failed: timeout expired\n", "login_timeout"),
        ("something nobody has seen\n", "connect_failed"),
    ],
)
def test_classify_table(text, code):
    assert classify_message(text).code == code


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=200),
        st.builds(
            lambda a, b, c: f"postgresql://{a}:{b}@{c}/db",
            st.text(max_size=20),
            st.text(max_size=20),
            st.text(max_size=30),
        ),
        st.builds(
            lambda a, b: f"host={a} password={b}", st.text(max_size=20), st.text(max_size=20)
        ),
    )
)
def test_any_text_gives_a_report(text):
    report = inspect_connection(text, probe=False)
    d = report.to_dict()
    assert d["verdict"]["status"] in ("not_probed", "failed")
    assert set(d["suggested"]) >= {"psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg"}
    p = report.parsed
    if p.password and p.raw_password and "*" not in p.raw_password:
        # Masking removes the password where it was written.
        assert d["parsed"]["masked"].count(p.raw_password) < text.count(p.raw_password)


API_MD_STATIC_CODES = {
    "dsn_unparseable",
    "password_placeholder",
    "password_needs_encoding",
    "scheme_rejected_by_sqlalchemy",
    "asyncpg_sslmode_param",
    "asyncpg_ssl_true",
    "supabase_direct_ipv6_only",
    "pooler_user_missing_ref",
    "pooler_transaction_prepared_statements",
    "project_ref_mismatch",
    "sslmode_no_verification",
    "verify_without_root_cert",
    "unknown_parameter",
    "supabase_unusual_port",
}
API_MD_CONNECTION_CODES = API_MD_STATIC_CODES | {
    "dns_failed",
    "ipv6_only_no_route",
    "tcp_refused",
    "tcp_timeout",
    "not_postgres",
    "server_no_ssl",
    "tls_untrusted",
    "tls_self_signed",
    "tls_expired",
    "tls_hostname_mismatch",
    "ssl_required",
    "auth_failed",
    "tenant_not_found",
    "database_not_found",
    "role_not_found",
    "too_many_connections",
    "probe_blocked",
    "connected",
}


def test_catalog_defines_every_api_md_code_with_a_fix():
    from inspector.findings import catalog

    cat = catalog()
    for code in API_MD_CONNECTION_CODES:
        assert code in cat, code
        assert cat[code].area in ("connection", "env")
        if code != "connected":
            assert cat[code].fix, code
