"""The connection inspector's finding codes (api.md, connection section), each defined once.

Fix texts name the exact change; the catalog text is the general rule. Where a situation needs
its own title, fix or severity (the host, user and port filled in, an error that is only a
warning for this driver), it is a named `Variant` at the end of this module (the mechanism of
`inspector/tokens/codes.py`); call sites never override the catalog's text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from inspector.findings import Finding, Variant, define, make
from inspector.supabase import SUPABASE_CA_FILE


def _d(code: str, severity: str, title: str, fix: str | None = None) -> str:
    return define(code, severity, title, fix, area="connection")


# --- static: the string itself -------------------------------------------------------------
DSN_UNPARSEABLE = _d(
    "dsn_unparseable",
    "error",
    "The connection string cannot be parsed",
    "Use a URI `postgresql://user:password@host:5432/dbname?sslmode=verify-full` or the keyword "
    "form `host=... port=5432 user=... password=... dbname=...` (quote values with spaces in "
    "single quotes).",
)
PASSWORD_PLACEHOLDER = _d(
    "password_placeholder",
    "error",
    "The password is still the dashboard's placeholder",
    "Replace `[YOUR-PASSWORD]` (brackets included) with the database password from Database "
    "Settings, or type it in the password field.",
)
PASSWORD_NEEDS_ENCODING = _d(
    "password_needs_encoding",
    "error",
    "The password holds characters that split the URI in the wrong place",
    "Percent-encode the password inside a URI (`@` -> `%40`, `#` -> `%23`, `/` -> `%2F`, `?` -> "
    "`%3F`, `:` -> `%3A`), e.g. `urllib.parse.quote(password, safe='')`, or pass the password "
    "as a separate argument.",
)
SCHEME_REJECTED_BY_SQLALCHEMY = _d(
    "scheme_rejected_by_sqlalchemy",
    "error",
    "SQLAlchemy does not accept the postgres:// scheme",
    "Write `postgresql://` (or `postgresql+psycopg2://`, `postgresql+asyncpg://`) instead of "
    "`postgres://`: SQLAlchemy 1.4 removed the old name and raises NoSuchModuleError.",
)
ASYNCPG_SSLMODE_PARAM = _d(
    "asyncpg_sslmode_param",
    "error",
    "SQLAlchemy's asyncpg dialect hands `sslmode` to asyncpg.connect(), which has no such argument",
    "Replace `?sslmode=...` by `?ssl=require` in a `postgresql+asyncpg://` URL, or pass "
    "`connect_args={'ssl': ssl.create_default_context(cafile='prod-ca-2021.crt')}` to "
    "create_async_engine() for verification.",
)
ASYNCPG_SSL_TRUE = _d(
    "asyncpg_ssl_true",
    "error",
    "asyncpg does not understand ssl=true in a URL",
    "Use `ssl=require` (encrypt, no verification) or `ssl=verify-full` with a root certificate; "
    "for a CA file use `connect_args={'ssl': ssl.create_default_context(cafile=...)}`.",
)
UNKNOWN_PARAMETER = _d(
    "unknown_parameter",
    "warning",
    "A parameter the driver does not know",
    "Remove the parameter from the string (or pass it the way this driver takes it).",
)

USER_MISSING = _d(
    "user_missing",
    "warning",
    "The string names no user",
    "Put the user in the string, e.g. `postgresql://postgres:<password>@host:5432/postgres` "
    "(Supabase's pooler: `postgres.<project-ref>`). Without one, libpq and asyncpg send PGUSER "
    "or the name of the account running the program.",
)
SSLMODE_INVALID = _d(
    "sslmode_invalid",
    "error",
    "The sslmode is not one libpq knows",
    "Write one of `disable`, `allow`, `prefer`, `require`, `verify-ca`, `verify-full` "
    "(lowercase, with a hyphen).",
)
SSL_TRUE_READ_AS_REQUIRE = _d(
    "ssl_true_read_as_require",
    "info",
    "libpq reads ssl=true in a URI as sslmode=require",
    "Write `sslmode=require` (or `sslmode=verify-full&sslrootcert=...`): `ssl=true` is "
    "libpq's JDBC compatibility, which other drivers do not share.",
)
STRING_CONVERTED = _d(
    "string_converted",
    "info",
    "Another tool's form, read as a libpq connection string",
    None,
)

# --- static: Supabase knowledge --------------------------------------------------------------
SUPABASE_DIRECT_IPV6_ONLY = _d(
    "supabase_direct_ipv6_only",
    "warning",
    "The direct host db.<ref>.supabase.co is IPv6-only",
    "From an IPv4-only network (Vercel, GitHub Actions, Render, Retool, many Docker setups) use "
    "the session pooler instead: host `aws-N-<region>.pooler.supabase.com` port 5432, user "
    "`postgres.<ref>` (copy the host from the dashboard's Connect dialog), or buy the IPv4 add-on.",
)
POOLER_USER_MISSING_REF = _d(
    "pooler_user_missing_ref",
    "error",
    "The pooler needs the user as postgres.<project-ref>",
    "Write the user as `postgres.<project-ref>` (custom roles: `<role>.<project-ref>`): the "
    "shared pooler finds your project from the part after the last dot.",
)
POOLER_TRANSACTION_PREPARED_STATEMENTS = _d(
    "pooler_transaction_prepared_statements",
    "warning",
    "Transaction mode does not keep prepared statements",
    "With asyncpg pass `statement_cache_size=0`; with SQLAlchemy+asyncpg also "
    "`prepared_statement_cache_size=0`, a unique `prepared_statement_name_func` and "
    "`poolclass=NullPool`; or use the session pooler (port 5432).",
)
PROJECT_REF_MISMATCH = _d(
    "project_ref_mismatch",
    "error",
    "Two different Supabase project refs",
    "Use the host, user and keys of one project: copy them together from that project's dashboard.",
)
SSLMODE_NO_VERIFICATION = _d(
    "sslmode_no_verification",
    "warning",
    "The server's certificate is not verified",
    "Add `sslmode=verify-full&sslrootcert=<CA file>` (for Supabase: `prod-ca-2021.crt` from "
    "Database Settings -> SSL Configuration).",
)
VERIFY_WITHOUT_ROOT_CERT = _d(
    "verify_without_root_cert",
    "warning",
    "verify-ca/verify-full without a root certificate",
    "Add `sslrootcert=/path/to/ca.crt` (Supabase: `prod-ca-2021.crt`), or put the CA in "
    "`~/.postgresql/root.crt`; otherwise libpq stops with `root certificate file ... does not "
    "exist`.",
)
SUPABASE_UNUSUAL_PORT = _d(
    "supabase_unusual_port",
    "warning",
    "An unusual port for a Supabase host",
    "Supabase listens on 5432 (direct or session pooler) and 6543 (transaction pooler or "
    "dedicated pooler): use one of those.",
)
MULTIPLE_HOSTS = _d(
    "multiple_hosts",
    "info",
    "Several hosts: the live probe checks the first one",
    None,
)
UNIX_SOCKET = _d(
    "unix_socket",
    "info",
    "A Unix socket: no DNS, TCP or TLS to check",
    None,
)

# --- live --------------------------------------------------------------------------------------
DNS_FAILED = _d(
    "dns_failed",
    "error",
    "The host name does not resolve",
    "Check the host for typos (copy it again from the dashboard's Connect dialog); a project "
    "that was paused or deleted no longer has a name.",
)
IPV6_ONLY_NO_ROUTE = _d(
    "ipv6_only_no_route",
    "error",
    "The host has only IPv6 addresses and this machine has no IPv6 route",
    "Use the session pooler: host `aws-N-<region>.pooler.supabase.com` port 5432, user "
    "`postgres.<ref>` (copy the exact host from the dashboard's Connect dialog: N is not "
    "derivable from the region), or enable the IPv4 add-on.",
)
TCP_REFUSED = _d(
    "tcp_refused",
    "error",
    "Connection refused",
    "Check the port (5432 direct/session, 6543 transaction pooler) and that the server runs; "
    "after repeated failed logins Supabase may also ban your IP for a while.",
)
TCP_TIMEOUT = _d(
    "tcp_timeout",
    "error",
    "No answer: the connection timed out",
    "A firewall drops the packets or the host is down: check outbound rules for the port and the "
    "project's network restrictions (Database Settings -> Network Restrictions).",
)
TCP_UNREACHABLE = _d(
    "tcp_unreachable",
    "error",
    "The network cannot reach this address",
    "This machine has no route to the address: for an IPv6-only Supabase host use the session "
    "pooler (IPv4).",
)
NOT_POSTGRES = _d(
    "not_postgres",
    "error",
    "The server did not answer like Postgres",
    "Something else listens on this port: check the host and port (Postgres is 5432/6543, not "
    "the HTTP API's 443 or the local API's 54321).",
)
SERVER_CLOSED = _d(
    "server_closed",
    "error",
    "The server closed the connection",
    "The server or a proxy in front of it hung up during the handshake: check the port and the "
    "server's logs.",
)
SERVER_NO_SSL = _d(
    "server_no_ssl",
    "warning",
    "The server does not offer SSL",
    "Turn SSL on in the server (`ssl = on`), or, on a trusted local network only, use "
    "`sslmode=disable`.",
)
TLS_UNTRUSTED = _d(
    "tls_untrusted",
    "error",
    "The certificate's issuer is not trusted",
    "Give the client the issuing CA: `sslrootcert=/path/to/ca.crt` (Supabase: `prod-ca-2021.crt` "
    "from Database Settings -> SSL Configuration).",
)
TLS_SELF_SIGNED = _d(
    "tls_self_signed",
    "error",
    "The server's certificate is self-signed",
    "Trust exactly that certificate with `sslrootcert=server.crt`, or give the server a "
    "certificate issued by a CA.",
)
TLS_EXPIRED = _d(
    "tls_expired",
    "error",
    "The certificate has expired (or is not valid yet)",
    "Renew the server's certificate; until then only sslmode=require (no verification) connects.",
)
TLS_HOSTNAME_MISMATCH = _d(
    "tls_hostname_mismatch",
    "error",
    "The certificate is not valid for this host name",
    "Connect with a host name the certificate holds, or use sslmode=verify-ca (chain only).",
)
TLS_HANDSHAKE_FAILED = _d(
    "tls_handshake_failed",
    "error",
    "The TLS handshake failed",
    "The server answered S to the SSLRequest but broke off the handshake: check the server's "
    "TLS configuration and logs.",
)
SSL_REQUIRED = _d(
    "ssl_required",
    "error",
    "The server requires SSL and the client did not use it",
    "Set `sslmode=require` or stronger (`verify-full` with `sslrootcert`): SSL enforcement is on.",
)
NO_HBA_ENTRY = _d(
    "no_hba_entry",
    "error",
    "The server has no pg_hba.conf rule for this client",
    "Add a `host`/`hostssl` line for this user, database and address to pg_hba.conf (or "
    "connect from an allowed address).",
)
AUTH_FAILED = _d(
    "auth_failed",
    "error",
    "Password authentication failed",
    "Reset the database password (Database Settings -> Reset password) and use it unchanged; "
    "percent-encode it inside a URI. The server says the same when the user does not exist.",
)
NO_PASSWORD = _d(
    "no_password",
    "error",
    "The server asked for a password and none was given",
    "Put the password in the string or in the password field.",
)
TENANT_NOT_FOUND = _d(
    "tenant_not_found",
    "error",
    "The pooler does not know this tenant or user",
    "Use the user `postgres.<project-ref>` and copy the pooler host from the dashboard's Connect "
    "dialog exactly: the `aws-N` cluster index and region must be your project's.",
)
DATABASE_NOT_FOUND = _d(
    "database_not_found",
    "error",
    "The database does not exist",
    "Use an existing database name (Supabase: `postgres`).",
)
ROLE_NOT_FOUND = _d(
    "role_not_found",
    "error",
    "The role does not exist",
    "Use an existing role (Supabase: `postgres`, or `postgres.<ref>` through the pooler).",
)
TOO_MANY_CONNECTIONS = _d(
    "too_many_connections",
    "error",
    "The server or pooler has no free connection slot",
    "Close idle connections or lower your pool size; for serverless code use the transaction "
    "pooler (port 6543); raise max_connections (compute size) if needed.",
)
POOLER_ERROR = _d(
    "pooler_error",
    "error",
    "The pooler refused the connection",
    "Read the pooler's message below; the fix is named in it.",
)
LOGIN_TIMEOUT = _d(
    "login_timeout",
    "error",
    "The login did not finish within the timeout",
    "The server accepted TCP but the startup or authentication stalled: raise the timeout, or "
    "check the server's load and its pooler.",
)
CONNECT_FAILED = _d(
    "connect_failed",
    "error",
    "The connection failed",
    "Read the driver's message below.",
)
DRIVER_FAILED = _d(
    "driver_failed",
    "error",
    "Your driver fails where libpq connects",
    "Apply the driver-specific fix in the suggested strings below.",
)
PROBE_BLOCKED = _d(
    "probe_blocked",
    "error",
    "This site may not probe that host",
    "This shared site only probes allow-listed hosts (INSPECTOR_ALLOWED_HOSTS) and never "
    "private or loopback addresses: run the inspector locally for other hosts.",
)
FILE_OPTION_IGNORED = _d(
    "file_option_ignored",
    "warning",
    "A file named in the string was not opened on this shared site",
    "A shared site never opens files named in a pasted string (they would be the server's files, "
    "not yours): paste the CA in the CA field and the password in the password field, or run the "
    "inspector on your own machine (`make run`) to test with your files.",
)
PASSWORD_SOURCE = _d(
    "password_source",
    "info",
    "The password did not come from the string",
    "This is what psql would do on this machine. Your app may run with another environment: "
    "put the password in its connection string or its own secret store.",
)
CLIENT_CERT_SOURCE = _d(
    "client_cert_source",
    "info",
    "A client certificate from this machine is offered",
    "This is what psql would do on this machine; your app presents one only if it runs with the "
    "same files (or names them with sslcert/sslkey).",
)
ENVIRONMENT_SETTING_USED = _d(
    "environment_setting_used",
    "info",
    "Some settings came from the environment or this machine's files, not the string",
    "This is what psql would do on this machine. Write the settings into the string if your app "
    "runs elsewhere.",
)
PROBE_BUSY = _d(
    "probe_busy",
    "warning",
    "Too many probes are running",
    "Try again in a few seconds.",
)
PROBE_OUT_OF_TIME = _d(
    "probe_out_of_time",
    "error",
    "The diagnosis ran out of time",
    "Raise the timeout (up to 30 s); a slow network or pooler needs more than the default 5 s.",
)
CONNECTED = _d(
    "connected",
    "info",
    "Connected",
    None,
)
CA_UNREADABLE = _d(
    "ca_unreadable",
    "warning",
    "The pasted CA cannot be read",
    "Paste the CA certificate in PEM form (the text between -----BEGIN CERTIFICATE----- and "
    "-----END CERTIFICATE-----, e.g. prod-ca-2021.crt opened in a text editor).",
)


# --- Variants: one code, a situation of its own ------------------------------------------------
# `{placeholders}` are filled by `Variant.make(detail, **fmt)`; in a text with placeholders,
# literal braces are doubled.

# The string (lint.py).
PLACEHOLDER_IN_PASSWORD_FIELD = Variant(
    PASSWORD_PLACEHOLDER,
    fix="Type the real database password (without brackets) in the password field.",
)
USER_MISSING_LOCAL = Variant(USER_MISSING, severity="info")  # a local server knows the OS user
PASSWORD_ENCODING_ADVISED = Variant(PASSWORD_NEEDS_ENCODING, severity="warning")  # read right
PASSWORD_SPLITS_URI = Variant(
    PASSWORD_NEEDS_ENCODING,
    fix="Percent-encode the password in the URI: {encodings}; in Python "
    "`urllib.parse.quote(password, safe='')`. Copied with the password typed in the password "
    "field (`--reveal` in the CLI), the suggested strings below carry it encoded.",
)
_REMOVE_PARAMETER = "Remove `{param}` from the string{instead}."
UNKNOWN_TO_LIBPQ = Variant(UNKNOWN_PARAMETER, fix=_REMOVE_PARAMETER, severity="error")
UNKNOWN_TO_LIBPQ_ANY_DRIVER = Variant(UNKNOWN_PARAMETER, fix=_REMOVE_PARAMETER)
SSLMODE_NEAREST = Variant(SSLMODE_INVALID, fix="Write `sslmode={nearest}`.")
SSLMODE_WEAK_WITH_SYSTEM_ROOT = Variant(  # libpq 16+
    SSLMODE_INVALID,
    title="libpq takes sslrootcert=system only with sslmode=verify-full",
    fix="Write `sslmode=verify-full` (or leave sslmode out: with sslrootcert=system it is "
    "verify-full), or name a CA file in sslrootcert.",
)
SSL_TRUE_OTHER_DRIVERS = Variant(  # the driver is not known: asyncpg and SQLAlchemy refuse it
    SSL_TRUE_READ_AS_REQUIRE, severity="warning"
)
# What to write instead of a parameter libpq rejects (`{instead}` above).
INSTEAD_OF_PARAMETER = {
    "ssl": " and write `sslmode=require` (or `verify-full` with `sslrootcert`) instead",
    "schema": " and use `options=-csearch_path%3D<schema>` instead",
}
_WRITE_SCHEME = "Write `{want}://` instead of `{scheme}://`."
SCHEME_REJECTED_FOR_DRIVER = Variant(SCHEME_REJECTED_BY_SQLALCHEMY, fix=_WRITE_SCHEME)
SCHEME_REJECTED_FOR_SOME_DRIVERS = Variant(
    SCHEME_REJECTED_BY_SQLALCHEMY, fix=_WRITE_SCHEME, severity="warning"
)
SSLMODE_TO_ASYNCPG = Variant(
    ASYNCPG_SSLMODE_PARAM,
    fix="Replace `sslmode={value}` by `ssl={value}` in the `postgresql+asyncpg://` URL.",
)
SSLMODE_VERIFY_TO_ASYNCPG = Variant(
    ASYNCPG_SSLMODE_PARAM,
    fix="Remove `sslmode` from the URL and pass "
    "`connect_args={'ssl': ssl.create_default_context(cafile='prod-ca-2021.crt')}` to "
    "create_async_engine() (a URL cannot name the CA file for asyncpg).",
)
UNKNOWN_TO_ASYNCPG_DIALECT = Variant(
    UNKNOWN_PARAMETER,
    fix="Remove `{key}=...` from the URL (asyncpg options go in `connect_args={{...}}`).",
    severity="error",
)
SSL_IN_ASYNCPG_DSN = Variant(
    ASYNCPG_SSL_TRUE,
    fix="Write `sslmode=require` (or `sslmode=verify-full&sslrootcert=...`) in an asyncpg DSN.",
)
UNKNOWN_TO_ASYNCPG_DSN = Variant(
    UNKNOWN_PARAMETER,
    fix="Remove `{key}=...` from the DSN (pass asyncpg options as keyword arguments to "
    "asyncpg.connect()).",
)
DIRECT_HOST_USE_POOLER = Variant(
    SUPABASE_DIRECT_IPV6_ONLY,
    fix="From an IPv4-only network use the session pooler: host `{pooler}` port 5432, user "
    "`{user}` (copy the host from the dashboard's Connect dialog: the aws-N index is not "
    "derivable from the region).",
)
POOLER_USER_WRITE_AS = Variant(POOLER_USER_MISSING_REF, fix="Write the user as `{user}`.")
PREPARED_STATEMENTS_ASYNCPG = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    fix="asyncpg: `asyncpg.connect(dsn, statement_cache_size=0)`.",
)
PREPARED_STATEMENTS_SQLALCHEMY_ASYNCPG = Variant(
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    fix="create_async_engine(url, poolclass=NullPool, connect_args={"
    "'statement_cache_size': 0, 'prepared_statement_cache_size': 0, "
    "'prepared_statement_name_func': lambda: f'__asyncpg_{uuid4()}__'}).",
)
PREPARED_STATEMENTS_OTHER_DRIVERS = Variant(  # psycopg2 is fine: only a note for the others
    POOLER_TRANSACTION_PREPARED_STATEMENTS,
    fix="asyncpg `statement_cache_size=0`; psycopg 3 `prepare_threshold=None`; "
    "Prisma `?pgbouncer=true`; postgres.js `prepare: false`; JDBC `prepareThreshold=0`.",
    severity="info",
)
ROOT_CERT_TO_ADD = Variant(VERIFY_WITHOUT_ROOT_CERT, fix="Add `sslrootcert={ca}` to the string.")
ROOT_CERT_FOR_ASYNCPG_ENGINE = Variant(
    VERIFY_WITHOUT_ROOT_CERT,
    fix="Pass connect_args={{'ssl': ssl.create_default_context(cafile='{ca}')}} to "
    "create_async_engine() and drop ssl from the URL.",
)
VERIFY_FULL_TO_ADD = Variant(
    SSLMODE_NO_VERIFICATION, fix="Add `sslmode=verify-full&sslrootcert={ca}`."
)
VERIFY_FULL_SUPABASE_TO_ADD = Variant(
    SSLMODE_NO_VERIFICATION,
    fix="Add `sslmode=verify-full&sslrootcert={ca}` ({ca}: Database Settings -> SSL "
    "Configuration -> Download certificate).",
)
VERIFY_FOR_ASYNCPG_ENGINE = Variant(
    SSLMODE_NO_VERIFICATION,
    fix="Pass connect_args={{'ssl': ssl.create_default_context(cafile='{ca}')}} to "
    "create_async_engine().",
)

# The live probe (probe/).
IPV6_ONLY_USE_POOLER = Variant(
    IPV6_ONLY_NO_ROUTE,
    fix="Use the session pooler: host `{pooler}` port 5432, user `{user}` (copy the host from "
    "the dashboard's Connect dialog), or enable the IPv4 add-on, or run from a network with IPv6.",
)
SERVER_NO_SSL_REQUIRED = Variant(  # the client's sslmode requires TLS: the login stops
    SERVER_NO_SSL,
    fix="Turn SSL on in the server, or (on a trusted local network only) use sslmode=disable "
    "or prefer.",
    severity="error",
)
TENANT_NOT_FOUND_FOR_USER = Variant(
    TENANT_NOT_FOUND,
    fix="Use the user `{user}` and copy the pooler host (`aws-N-<region>.pooler.supabase.com`) "
    "from the dashboard's Connect dialog exactly: the cluster index N and the region must be "
    "your project's (aws-0 is not a safe guess).",
)
USER_MISSING_NOT_SENT = Variant(USER_MISSING, severity="error")  # shared mode: no login at all
PGSERVICE_SET = Variant(PROBE_BLOCKED, fix="The site's operator must unset PGSERVICE.")

# The catalog's fixes above that hold only on Supabase's hosted projects (its dashboard, its IP
# bans, its ports and pooler), and what any other host is told instead (`for_host`).
ELSEWHERE = {
    DNS_FAILED: Variant(
        DNS_FAILED,
        fix="Check the host for typos, and that this machine's DNS knows the name "
        "(`nslookup <host>`): a name inside a VPN or a Docker network does not resolve outside it.",
    ),
    TCP_REFUSED: Variant(
        TCP_REFUSED,
        fix="Check the port and that the server runs and listens on this address "
        "(`listen_addresses` and `port` in postgresql.conf; a container must publish the port).",
    ),
    TCP_TIMEOUT: Variant(
        TCP_TIMEOUT,
        fix="A firewall drops the packets or the host is down: check outbound rules for the port "
        "here and the server's firewall or security group.",
    ),
    TCP_UNREACHABLE: Variant(
        TCP_UNREACHABLE,
        fix="This machine has no route to the address: check the network (a VPN, an IPv6 route), "
        "or connect to an address this machine can reach.",
    ),
    AUTH_FAILED: Variant(
        AUTH_FAILED,
        fix="Use the role's password unchanged (percent-encoded inside a URI), or set a new one "
        "on the server (`ALTER ROLE <user> PASSWORD '...'`). The server says the same when the "
        "user does not exist.",
    ),
    TOO_MANY_CONNECTIONS: Variant(
        TOO_MANY_CONNECTIONS,
        fix="Close idle connections or lower your pool size; put a pooler (PgBouncer) in front "
        "for serverless code, or raise max_connections.",
    ),
    NOT_POSTGRES: Variant(
        NOT_POSTGRES,
        fix="Something else listens on this port: check the host and port (Postgres listens on "
        "5432 unless configured otherwise).",
    ),
}


def for_host(finding: Finding, supabase_host: bool) -> Finding:
    """`finding` in its host's words: the catalog's Supabase advice only for a hosted Supabase
    project (`hosts.is_supabase_cloud`); a fix written for the situation (a Variant's) stays."""
    other = ELSEWHERE.get(finding.code)
    if supabase_host or other is None or finding.fix != make(finding.code, "").fix:
        return finding
    return replace(finding, fix=other.fix)


@dataclass(frozen=True)
class TlsProblem:
    """A problem of the server's chain as the TLS step reports it: `checked` (an error) when
    the client's sslmode checks it, so the login fails; `unchecked` (a warning) when the sslmode
    connects anyway, unverified."""

    checked: Variant
    unchecked: Variant


def _tls_problem(code: str, fix: str | None = None) -> TlsProblem:
    return TlsProblem(Variant(code, fix=fix), Variant(code, fix=fix, severity="warning"))


_SUPABASE_CA_FIX = (
    f"Download {SUPABASE_CA_FILE} (Database Settings -> SSL Configuration) and add "
    f"`sslrootcert={SUPABASE_CA_FILE}` (or paste it in the CA field)."
)
TLS_UNTRUSTED_SUPABASE_CA = _tls_problem(TLS_UNTRUSTED, _SUPABASE_CA_FIX)
TLS_SELF_SIGNED_SUPABASE_CA = _tls_problem(TLS_SELF_SIGNED, _SUPABASE_CA_FIX)
TLS_UNTRUSTED_GIVE_CA = _tls_problem(
    TLS_UNTRUSTED,
    "Give the client the CA that issued the certificate: add `sslrootcert=/path/to/ca.crt` "
    "(or paste it in the CA field to check it first).",
)
TLS_SELF_SIGNED_TRUST_IT = _tls_problem(
    TLS_SELF_SIGNED,
    "Trust exactly that certificate: save the server's certificate and add "
    "`sslrootcert=server.crt`, or give the server a certificate from a CA you trust.",
)
TLS_HOSTNAME_NAMES_LISTED = _tls_problem(
    TLS_HOSTNAME_MISMATCH,
    "Connect with a name the certificate holds (listed above), or use sslmode=verify-ca to "
    "check only the chain.",
)
TLS_EXPIRED_IN_CHAIN = _tls_problem(TLS_EXPIRED)  # the catalog's fix


# The other stacks' codes (Node, Prisma, psycopg 3, pgx, JDBC, Npgsql) and Supabase's shapes
# misspelt join this catalog from their own module.
import inspector.connections.stacks.codes  # noqa: E402, F401
