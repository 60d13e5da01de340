"""The finding codes of the other stacks (Node, Prisma, psycopg 3, pgx, JDBC, Npgsql) and of
Supabase's own host shapes misspelt; each defined once, like `inspector/connections/codes.py`
(which imports this module at its end, so the catalog holds them). Facts: drivers.md, cited by
section; a situation of its own is a named `Variant`.
"""

from __future__ import annotations

from inspector.findings import Variant, define
from inspector.supabase import SUPABASE_CA_FILE


def _d(code: str, severity: str, title: str, fix: str | None = None) -> str:
    return define(code, severity, title, fix, area="connection")


# The connection catalog's own codes these variants refine (defined in connections/codes.py,
# which imports this module at its end: named here, not imported, so neither waits for the other).
SSLMODE_NO_VERIFICATION = "sslmode_no_verification"
UNKNOWN_PARAMETER = "unknown_parameter"
POOLER_TRANSACTION_PREPARED_STATEMENTS = "pooler_transaction_prepared_statements"
VERIFY_WITHOUT_ROOT_CERT = "verify_without_root_cert"
DSN_UNPARSEABLE = "dsn_unparseable"


DRIVER_GUESSED = _d(
    "driver_guessed",
    "info",
    "The driver was guessed from the string",
    "Choose your driver to have the string judged by its rules alone.",
)
SSLMODE_VERIFIES_IN_DRIVER = _d(
    "sslmode_verifies_in_driver",
    "warning",
    "This driver verifies the certificate where libpq would not",
    "Give the driver the CA that issued the server's certificate (Supabase: "
    f"`{SUPABASE_CA_FILE}`), or say knowingly that it should not verify.",
)
SSLMODE_IGNORED_BY_DRIVER = _d(
    "sslmode_ignored_by_driver",
    "warning",
    "This driver does not verify the certificate although the string asks it to",
    "Use the driver's own way to verify (the suggested string or code below).",
)
DRIVER_NO_TLS = _d(
    "driver_no_tls",
    "warning",
    "This driver connects without TLS for this string",
    "Ask for TLS the driver's way (the suggested string or code below).",
)
SSL_OPTION_NOT_READ = _d(
    "ssl_option_not_read",
    "error",
    "The driver does not read this TLS option the way libpq does",
    "Give the CA the driver's own way (the suggested string or code below).",
)
PRISMA_DIRECT_URL_NEEDED = _d(
    "prisma_direct_url_needed",
    "warning",
    "Prisma's migrations need a direct or session connection beside the pooler",
    'Add `directUrl = env("DIRECT_URL")` to the datasource and set DIRECT_URL to the session '
    "pooler (port 5432) or the direct host.",
)
NPGSQL_RESET_ON_CLOSE = _d(
    "npgsql_reset_on_close",
    "warning",
    "Npgsql resets each pooled connection with DISCARD ALL",
    "Add `No Reset On Close=true` behind a transaction pooler (or `Pooling=false`).",
)
OPTION_HAS_NO_EFFECT = _d(
    "option_has_no_effect",
    "warning",
    "An option that does nothing in this driver",
    "Remove it and use the driver's working option instead.",
)
USERINFO_NOT_READ = _d(
    "userinfo_not_read",
    "error",
    "The driver has no user:password@ part in its URL",
    "Put the user and password in `?user=...&password=...` (or the driver's properties).",
)
SUPABASE_HOST_MISSPELT = _d(
    "supabase_host_misspelt",
    "error",
    "A Supabase host under the wrong domain",
    "The direct host is `db.<ref>.supabase.co`; the pooler is "
    "`aws-N-<region>.pooler.supabase.com`.",
)
POOLER_USER_ON_DIRECT_HOST = _d(
    "pooler_user_on_direct_host",
    "error",
    "The user postgres.<ref> is the pooler's form; the direct host wants postgres",
    "On `db.<ref>.supabase.co` write the user as `postgres` (the `.<ref>` form is for "
    "`aws-N-<region>.pooler.supabase.com`).",
)

# --- Variants --------------------------------------------------------------------------------
_CA = SUPABASE_CA_FILE

# node-postgres (drivers.md §3, §5.2, §6).
NODE_REQUIRE_IS_VERIFY_FULL = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="node-postgres reads sslmode={mode} as verify-full",
    fix='Drop sslmode from the URL and pass the CA: `ssl: {{ ca: fs.readFileSync("{ca}", '
    '"utf8") }}` (the URL\'s sslmode replaces the `ssl` object). To encrypt without checking, '
    "knowingly: `?sslmode=no-verify` or `?uselibpqcompat=true&sslmode=require`.",
)
NODE_REQUIRE_FAILS_ON_SUPABASE = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="node-postgres reads sslmode={mode} as verify-full: Supabase's CA is not in Node's store",
    fix=NODE_REQUIRE_IS_VERIFY_FULL.fix,
    severity="error",
)
NODE_SSL_TRUE_VERIFIES = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="node-postgres reads ssl=true as verify-full",
    fix=NODE_REQUIRE_IS_VERIFY_FULL.fix,
)
NODE_VERIFY_CA_NEEDS_ROOT = Variant(
    SSL_OPTION_NOT_READ,
    title="node-postgres with uselibpqcompat refuses verify-ca without sslrootcert",
    fix="Add `sslrootcert={ca}`, or use `sslmode=verify-full` with the CA in the `ssl` object.",
)
NODE_NO_TLS = Variant(
    DRIVER_NO_TLS,
    title="node-postgres uses no TLS at all without sslmode or ssl",
    fix='Pass `ssl: {{ ca: fs.readFileSync("{ca}", "utf8") }}` (the suggested code below); '
    "with no `ssl` node-postgres does not even ask the server for TLS.",
)
POSTGRESJS_NO_TLS = Variant(
    DRIVER_NO_TLS,
    title="postgres.js uses no TLS without an ssl option",
    fix='Pass `ssl: {{ ca: fs.readFileSync("{ca}", "utf8") }}` to postgres() (the suggested '
    "code below); its default is `ssl: false`.",
)
POSTGRESJS_REQUIRE_NO_CHECK = Variant(
    SSLMODE_NO_VERIFICATION,
    title="postgres.js reads sslmode={mode} as rejectUnauthorized: false",
    fix='Drop sslmode from the URL and pass `ssl: {{ ca: fs.readFileSync("{ca}", "utf8") }}` '
    "to postgres().",
)
POSTGRESJS_SSLROOTCERT_SENT = Variant(
    SSL_OPTION_NOT_READ,
    title="postgres.js sends sslrootcert to the server as a setting",
    fix='Remove `sslrootcert` from the URL and pass `ssl: {{ ca: fs.readFileSync("{ca}", '
    '"utf8") }}` to postgres().',
)
POSTGRESJS_UNKNOWN_SENT = Variant(
    UNKNOWN_PARAMETER,
    title="postgres.js sends `{key}` to the server as a run-time setting",
    fix="Remove `{key}=...` from the URL: Postgres refuses a setting it does not know "
    '(`unrecognized configuration parameter "{key}"`).',
    severity="error",
)
NODE_POSTGRES_UNKNOWN_IGNORED = Variant(
    UNKNOWN_PARAMETER,
    title="node-postgres ignores `{key}`",
    fix="Remove `{key}=...` from the URL: node-postgres keeps it as a config key and does "
    "nothing with it.",
    severity="info",
)
PREPARED_POSTGRESJS = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="postgres.js prepares every query: the transaction pooler needs prepare: false",
    fix="postgres(url, {{ prepare: false }}) (or `?prepare=false` in the URL).",
    severity="error",
)
NODE_POSTGRES_NAMED_QUERIES = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="node-postgres prepares only named queries",
    fix="Leave `name` out of query configs (`client.query({{ name, text }})` prepares).",
    severity="info",
)

# Prisma (drivers.md §5).
PRISMA_VERIFY_IS_PREFER = Variant(
    SSLMODE_IGNORED_BY_DRIVER,
    title="Prisma 6 reads sslmode={mode} as prefer: no verification",
    fix="Write `sslmode=require&sslcert=../{ca}&sslaccept=strict` (sslcert is the CA for "
    "Prisma, relative to the prisma/ folder).",
)
PRISMA_REQUIRE_ACCEPTS_ANY = Variant(
    SSLMODE_NO_VERIFICATION,
    title="Prisma 6 accepts any certificate unless sslaccept=strict",
    fix="Add `sslcert=../{ca}&sslaccept=strict` (sslcert is the CA for Prisma, relative to the "
    "prisma/ folder).",
)
PRISMA_SSLROOTCERT_IGNORED = Variant(
    SSL_OPTION_NOT_READ,
    title="Prisma 6 ignores sslrootcert",
    fix="Prisma names the CA `sslcert`: write `sslcert=../{ca}&sslaccept=strict` instead.",
    severity="warning",
)
PRISMA_UNKNOWN_DISCARDED = Variant(
    UNKNOWN_PARAMETER,
    title="Prisma 6 discards `{key}`",
    fix="Remove `{key}=...`: Prisma's engine reads only its own URL parameters.",
    severity="info",
)
PREPARED_PRISMA = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="Prisma on the transaction pooler needs pgbouncer=true",
    fix="Add `pgbouncer=true` to DATABASE_URL (Prisma then keeps no prepared statements) and "
    "point directUrl at port 5432 for migrations.",
    severity="error",
)
PRISMA_PGBOUNCER_NOT_NEEDED = Variant(
    UNKNOWN_PARAMETER,
    title="pgbouncer=true is for the transaction pooler only",
    fix="On port 5432 (session pooler, direct host) Prisma can keep its statement cache: "
    "remove `pgbouncer=true`.",
    severity="info",
)
PRISMA_DIRECT_URL_FOR_MIGRATE = Variant(PRISMA_DIRECT_URL_NEEDED)
PRISMA7_DIRECT_URL_FOR_CLI = Variant(
    PRISMA_DIRECT_URL_NEEDED,
    title="Prisma 7's CLI needs a direct or session URL in prisma.config.ts",
    fix='Set `datasource: {{ url: env("DIRECT_URL") }}` in prisma.config.ts (port 5432) and '
    "give the adapter the pooler URL.",
)
PRISMA7_REQUIRE_IS_VERIFY_FULL = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="Prisma 7 (node-postgres) reads sslmode={mode} as verify-full",
    fix="Drop sslmode from DATABASE_URL and pass the CA to the adapter: `new PrismaPg({{ "
    'connectionString, ssl: {{ ca: fs.readFileSync("{ca}", "utf8") }} }})`.',
)
PRISMA7_REQUIRE_FAILS_ON_SUPABASE = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="Prisma 7 (node-postgres) reads sslmode={mode} as verify-full: Supabase's CA is not in "
    "Node's store",
    fix=PRISMA7_REQUIRE_IS_VERIFY_FULL.fix,
    severity="error",
)
PRISMA7_V6_PARAM = Variant(
    UNKNOWN_PARAMETER,
    title="`{key}` is a Prisma 6 URL parameter; Prisma 7's adapter ignores it",
    fix="Remove `{key}=...` and set the adapter's own option instead ({instead}).",
    severity="info",
)

# psycopg 3 (drivers.md §2).
PREPARED_PSYCOPG3 = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="psycopg 3 prepares a query from its fifth run: pass prepare_threshold=None",
    fix="psycopg.connect(url, prepare_threshold=None) (a keyword argument, not a URL parameter).",
    severity="error",
)

# pgx (drivers.md §10).
PGX_REQUIRE_NO_CHECK = Variant(
    SSLMODE_NO_VERIFICATION,
    title="pgx reads sslmode={mode} as InsecureSkipVerify",
    fix="Write `sslmode=verify-full&sslrootcert={ca}`.",
)
PGX_REQUIRE_WITH_ROOT_IS_VERIFY_CA = Variant(
    SSLMODE_NO_VERIFICATION,
    title="pgx with sslmode=require and sslrootcert checks the chain, not the host name",
    fix="Write `sslmode=verify-full` to check the host name too.",
    severity="info",
)
PGX_UNKNOWN_SENT = Variant(
    UNKNOWN_PARAMETER,
    title="pgx sends `{key}` to the server as a run-time parameter",
    fix="Remove `{key}=...`: Postgres refuses a setting it does not know "
    '(`unrecognized configuration parameter "{key}"`).',
    severity="error",
)
PGX_BAD_SSLMODE = Variant(
    DSN_UNPARSEABLE,
    title="pgx refuses sslmode={mode}",
    fix="Use one of disable, allow, prefer, require, verify-ca, verify-full (pgx: `sslmode is "
    "invalid`).",
)
PREPARED_PGX = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="pgx caches prepared statements by default: use the simple protocol",
    fix="Add `default_query_exec_mode=simple_protocol` to the URL (or `exec`), or set "
    "`config.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol`.",
    severity="error",
)

# pgjdbc (drivers.md §11).
JDBC_SSL_TRUE_IS_VERIFY_FULL = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="pgjdbc reads ssl=true as verify-full",
    fix="Add `sslrootcert={ca}` (read by the default LibPQFactory), or write `sslmode=require` "
    "to encrypt without checking, knowingly.",
)
JDBC_REQUIRE_NO_CHECK = Variant(
    SSLMODE_NO_VERIFICATION,
    title="pgjdbc's sslmode={mode} uses a non-validating factory",
    fix="Write `sslmode=verify-full&sslrootcert={ca}`.",
)
JDBC_VERIFY_WITHOUT_ROOT = Variant(
    VERIFY_WITHOUT_ROOT_CERT,
    title="pgjdbc verifies against ~/.postgresql/root.crt unless sslrootcert names the CA",
    fix="Add `sslrootcert={ca}` to the URL.",
)
PREPARED_JDBC = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="pgjdbc server-prepares a statement from its fifth run: set prepareThreshold=0",
    fix="Add `prepareThreshold=0` to the JDBC URL.",
    severity="error",
)
JDBC_USERINFO = Variant(USERINFO_NOT_READ)
JDBC_LIBPQ_PARAM = Variant(
    UNKNOWN_PARAMETER,
    title="`{key}` is not a pgjdbc property",
    fix="Remove `{key}=...` from the JDBC URL.",
    severity="info",
)

# Npgsql (drivers.md §12).
NPGSQL_REQUIRE_NO_CHECK = Variant(
    SSLMODE_NO_VERIFICATION,
    title="Npgsql's SSL Mode={mode} never validates the certificate",
    fix="Write `SSL Mode=VerifyFull;Root Certificate={ca}`.",
)
NPGSQL_TRUST_SERVER_CERTIFICATE = Variant(
    OPTION_HAS_NO_EFFECT,
    title="Trust Server Certificate does nothing since Npgsql 8",
    fix="Remove `Trust Server Certificate`; to verify write `SSL Mode=VerifyFull;Root "
    "Certificate={ca}`.",
)
NPGSQL_UNKNOWN_KEYWORD = Variant(
    DSN_UNPARSEABLE,
    title="Npgsql refuses the keyword `{key}`",
    fix="Remove `{key}` or spell it as Npgsql does (Host, Port, Database, Username, Password, "
    "SSL Mode, Root Certificate, ...).",
)
PREPARED_NPGSQL = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    title="Max Auto Prepare={value} prepares statements: the transaction pooler needs 0",
    fix="Remove `Max Auto Prepare` (its default, 0, keeps auto-preparation off).",
    severity="error",
)
NPGSQL_NO_RESET = Variant(NPGSQL_RESET_ON_CLOSE)

# Supabase's shapes, misspelt (supabase.md §6, §7).
DIRECT_HOST_UNDER_COM = Variant(
    SUPABASE_HOST_MISSPELT,
    title="The direct host is under .supabase.co, not .supabase.com",
    fix="Write the host as `{host}`.",
)
POOLER_HOST_UNDER_CO = Variant(
    SUPABASE_HOST_MISSPELT,
    title="The pooler is under .supabase.com, not .supabase.co",
    fix="Write the host as `{host}`.",
)
POOLER_USER_ON_DIRECT = Variant(
    POOLER_USER_ON_DIRECT_HOST,
    fix="Write the user as `{role}` on `{host}`, or keep `{user}` and connect through the "
    "pooler (`aws-N-<region>.pooler.supabase.com`, copied from the dashboard's Connect dialog).",
)
PROJECT_URL_AS_DATABASE_HOST = Variant(
    SUPABASE_HOST_MISSPELT,
    title="The project URL's host is not the database host",
    fix="Write the host as `{host}` (or use the pooler from the dashboard's Connect dialog).",
)
SSLMODE_VERIFIES_IN_POSTGRESJS = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="postgres.js verifies against Node's CA store: Supabase's CA is not in it",
    fix='Pass `ssl: {{ ca: fs.readFileSync("{ca}", "utf8") }}` to postgres().',
    severity="error",
)
PGX_VERIFY_SYSTEM_STORE = Variant(
    VERIFY_WITHOUT_ROOT_CERT,
    title="pgx verifies against the system's store unless sslrootcert names the CA",
    fix="Add `sslrootcert={ca}` to the URL.",
)
NPGSQL_VERIFY_SYSTEM_STORE = Variant(
    VERIFY_WITHOUT_ROOT_CERT,
    title="Npgsql verifies against the system's store unless Root Certificate names the CA",
    fix="Add `Root Certificate={ca}` to the connection string.",
)
NODE_WILL_REFUSE_THIS_CHAIN = Variant(
    SSLMODE_VERIFIES_IN_DRIVER,
    title="{who} will refuse this server's certificate",
    fix='Give Node the CA that issued it: `ssl: {{ ca: fs.readFileSync("{ca}", "utf8") }}` '
    "(and no sslmode in the URL), or `NODE_EXTRA_CA_CERTS={ca}` when the process starts.",
    severity="error",
)
