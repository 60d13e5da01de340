"""The explainer's codes: what each recognised error means (cause), what to do (fix), and which
inspector checks the thing for real (page). Each code is defined once: here (area "explain"),
or, for a code the connection or token inspector already names, in that inspector's catalog,
whose title and fix are reused by name (its module is imported when the code is first needed,
so importing the explainer stays light).

`explanation(code)` is what the service reads; `findings.catalog()` holds the same codes for the
README's table and for `findings.make`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from inspector.findings import define, make

TOKEN, CONNECTION = "token", "connection"
_TOKEN_CODES = "inspector.tokens.codes"
_CONNECTION_CODES = "inspector.connections.codes"


@dataclass(frozen=True)
class Explanation:
    """One code as the explainer tells it."""

    code: str
    title: str
    cause: str
    fix: str
    page: str | None  # the inspector to run next: "token", "connection" or None


EXPLANATIONS: dict[str, Explanation] = {}
_REUSED: dict[str, tuple[str, str | None, str]] = {}  # code -> (catalog module, page, cause)
CODES: list[str] = []  # every code the explainer can answer, in definition order


def _x(code: str, page: str | None, title: str, cause: str, fix: str) -> str:
    define(code, "error", title, fix, area="explain")
    EXPLANATIONS[code] = Explanation(code, title, cause, fix, page)
    CODES.append(code)
    return code


def _reuse(code: str, module: str | None, page: str | None, cause: str) -> str:
    """A code another catalog defines (`module`; None: this one): its title and fix, our cause."""
    _REUSED[code] = (module or __name__, page, cause)
    CODES.append(code)
    return code


def explanation(code: str) -> Explanation:
    """The explainer's entry for `code` (KeyError for a code it does not answer)."""
    found = EXPLANATIONS.get(code)
    if found is None:
        module, page, cause = _REUSED[code]
        importlib.import_module(module)
        entry = make(code, "")
        found = EXPLANATIONS[code] = Explanation(code, entry.title, cause, entry.fix or "", page)
    return found


# --- JWTs: verifying libraries (PyJWT, python-jose, Authlib, jose, jsonwebtoken) -----------
JWT_SIGNATURE_FAILED = _x(
    "jwt_signature_failed",
    TOKEN,
    "The token's signature does not verify with the key the server used",
    "The verifier holds another key than the one that signed the token: the anon or "
    "service_role key (or some SECRET_KEY) used as the JWT secret, another project's secret, a "
    "secret that was base64- or hex-decoded first, or keys generated from a different secret "
    "(self-hosting).",
    "Verify with the project's JWT secret exactly as the dashboard shows it (Project Settings > "
    "JWT Keys: the legacy JWT secret, used as a plain string), or, for ES256/RS256 tokens, with "
    "the project's JWKS. Paste the token and the key into the token inspector to see which "
    "form verifies.",
)
JWT_EXPIRED = _x(
    "jwt_expired",
    TOKEN,
    "The token has expired",
    "The access token is older than its `exp` (Supabase: one hour by default). Stored tokens, "
    "a client that does not refresh, or a server clock that runs ahead all end here.",
    "Send a fresh access token: take it from `supabase.auth.getSession()` right before the "
    "request (supabase-js refreshes it), or call `refreshSession()`. Use a small `leeway=` only "
    "for clock skew, never to accept old tokens.",
)
JWT_NOT_YET_VALID = _x(
    "jwt_not_yet_valid",
    TOKEN,
    "The token is not valid yet (nbf or iat in the future)",
    "The verifying server's clock is behind the Auth server's: the token's `iat` or `nbf` lies "
    "in its future.",
    "Sync the server's clock (NTP); allow a few seconds of skew with `leeway=` (PyJWT) or "
    "`clockTolerance` (jose).",
)
JWT_AUDIENCE = _x(
    "jwt_audience",
    TOKEN,
    "The token's audience is not the one the verifier expects",
    'Supabase user tokens carry `aud: "authenticated"`; PyJWT and python-jose reject any '
    "token with an `aud` claim when no `audience=` is passed, and every library rejects one "
    "whose `aud` differs from the audience asked for.",
    'Pass the audience: `jwt.decode(token, key, algorithms=[...], audience="authenticated")` '
    "(jose: `{ audience: 'authenticated' }`).",
)
JWT_AUDIENCE_MISSING = _x(
    "jwt_audience_missing",
    TOKEN,
    "An audience was required, and the token has none",
    "`audience=` was passed for a token without an `aud` claim: the legacy anon and "
    "service_role API keys have none (only user session tokens do).",
    'Verify user access tokens with `audience="authenticated"`; do not send an API key where a '
    "user's token is expected (take `access_token` from `supabase.auth.getSession()`).",
)
JWT_ISSUER = _x(
    "jwt_issuer",
    TOKEN,
    "The token's issuer is not the one the verifier expects",
    "The `iss` claim names another project (or the local stack), or the verifier's `issuer=` "
    "is spelled differently: user tokens say `https://<ref>.supabase.co/auth/v1`, the legacy API "
    "keys say `supabase`.",
    "Expect `https://<ref>.supabase.co/auth/v1` for user tokens, and check that the token comes "
    "from the same project as the server's settings.",
)
JWT_MALFORMED = _x(
    "jwt_malformed",
    TOKEN,
    "What was sent as a JWT is not a JWT",
    "A JWT is three base64url parts joined by dots. What arrived was something else: an "
    "`sb_publishable_…`/`sb_secret_…` key or a refresh token sent as `Authorization: Bearer`, a "
    "token with the `Bearer ` prefix still on it, an empty value, or a token cut off.",
    "Send the user's session `access_token` as `Authorization: Bearer <token>` and the API key "
    "in the `apikey` header; strip `Bearer ` before calling `jwt.decode()`.",
)
JWT_ALGORITHM = _x(
    "jwt_algorithm",
    TOKEN,
    "The token's algorithm is not the one the verifier allows (or its key cannot verify it)",
    "The project (or the local CLI stack since v2.71) signs user tokens with an asymmetric "
    "signing key (ES256/RS256), while the server verifies with the HS256 JWT secret and "
    '`algorithms=["HS256"]`, or the other way round (an HS256 token given to a JWKS or a '
    "public key).",
    "Verify by the token's own kind: ES256/RS256 tokens with the project's JWKS "
    '(`jwt.PyJWKClient("https://<ref>.supabase.co/auth/v1/.well-known/jwks.json")`, '
    '`algorithms=["ES256", "RS256"]`), HS256 tokens with the JWT secret and '
    '`algorithms=["HS256"]`. Never let the token choose.',
)
JWT_ALGORITHMS_MISSING = _x(
    "jwt_algorithms_missing",
    TOKEN,
    "jwt.decode() was called without algorithms=",
    "PyJWT refuses to verify without an explicit list of algorithms (a token must not choose "
    "its own).",
    'Pass the list: `algorithms=["HS256"]` for the JWT secret, `["ES256", "RS256"]` for the JWKS.',
)
KEY_NOT_FOUND = _reuse(
    "key_not_found",
    _TOKEN_CODES,
    TOKEN,
    "The token's `kid` is in none of the keys the verifier holds: a token from another project "
    "(or the local stack), a key rotated or created after the JWKS was cached, the wrong JWKS "
    "URL, or an HS256 token (its kid names the legacy secret, which no JWKS publishes).",
)
JWKS_EMPTY = _reuse(
    "jwks_empty",
    _TOKEN_CODES,
    TOKEN,
    'The project\'s JWKS is `{"keys": []}`: it still signs with the legacy JWT secret, which '
    "is never published.",
)
JWT_MISSING = _x(
    "jwt_missing",
    TOKEN,
    "No token was sent",
    "The request had no `Authorization: Bearer <token>` header (or another scheme), and the "
    "endpoint needs one: Edge Functions with verify_jwt on, Auth's user endpoints, PostgREST "
    "with anonymous access off.",
    "Send `Authorization: Bearer <access_token>` (the user's session token; supabase-js does it "
    "when the user is signed in), or, for a function meant to be public, deploy it with "
    "`--no-verify-jwt` and check auth in its code.",
)
USER_TOKEN_REQUIRED = _x(
    "user_token_required",
    TOKEN,
    "A user's token was needed, and the token sent belongs to no user",
    "Supabase Auth needs a user session token (with a `sub` UUID) here; the anon or "
    "service_role key, or a token minted without `sub`, has none.",
    "Send the signed-in user's `access_token` (`supabase.auth.getSession()`), not the API key; "
    "for admin work use the admin API with the service key in `apikey`.",
)
AUTH_SESSION_ENDED = _x(
    "auth_session_ended",
    TOKEN,
    "The token's session no longer exists",
    "The `session_id` in the access token names a session that was signed out, revoked, or "
    "ended by a time-box or inactivity limit; the token itself may still be unexpired.",
    "Sign in again (or refresh) and use the new session's access token; clear tokens kept after "
    "sign-out.",
)
REFRESH_TOKEN_REJECTED = _x(
    "refresh_token_rejected",
    TOKEN,
    "Supabase Auth rejected the refresh token",
    "The refresh token is unknown (another project, a reset database, or the access token sent "
    "in its place), was already used outside the reuse interval (two tabs or workers "
    "refreshing at once), or its session ended.",
    "Refresh from one place only (supabase-js does it for you: do not also call "
    "`refreshSession()` in parallel), send the refresh token (not the access token), and sign "
    "in again when the session is gone.",
)
POSTGREST_JWT_SECRET_MISSING = _x(
    "postgrest_jwt_secret_missing",
    TOKEN,
    "PostgREST has no key to verify tokens with",
    "A self-hosted PostgREST started without `PGRST_JWT_SECRET` (or a JWKS).",
    "Set `PGRST_JWT_SECRET` to the same JWT secret the Auth server signs with, and restart it.",
)

# --- the Supabase API gateway, keys and Edge Functions -------------------------------------
LEGACY_KEYS_DISABLED = _x(
    "legacy_keys_disabled",
    TOKEN,
    "Legacy API keys are turned off for this project",
    "The project's legacy `anon` and `service_role` JWT keys were disabled (both go off "
    "together), and the request still sends one.",
    "Use the new keys: `sb_publishable_…` in place of the anon key and `sb_secret_…` in place "
    "of the service_role key (Project Settings > API Keys), sent in the `apikey` header; or turn "
    "the legacy keys back on while you migrate.",
)
API_KEY_INVALID = _x(
    "api_key_invalid",
    TOKEN,
    "The gateway does not accept this API key",
    "The `apikey` is empty, cut off, or from another project than the URL (a key from staging "
    "with production's URL is the classic).",
    "Copy the project URL and the key from the same project's settings (Project Settings > API "
    "Keys) and send the key in the `apikey` header.",
)
API_KEY_MISSING = _x(
    "api_key_missing",
    TOKEN,
    "The request carried no API key",
    "The key was sent only as `Authorization: Bearer`, not in the `apikey` header (or a browser "
    "was given a secret key, which the gateway refuses there).",
    "Send the key in the `apikey` header (the client libraries do); keep `sb_secret_…` keys on "
    "the server.",
)
EDGE_FUNCTION_JWT_REJECTED = _x(
    "edge_function_jwt_rejected",
    TOKEN,
    "The Edge Functions gateway rejected the token before the function ran",
    "With verify_jwt on, the gateway checks the Bearer token itself: an HS256 token that is "
    "expired, badly signed or revoked (`UNAUTHORIZED_LEGACY_JWT`), or an ES256/RS256 token it "
    "cannot verify (`UNAUTHORIZED_ASYMMETRIC_JWT`). The function's logs show only boot and "
    "shutdown.",
    "Send a fresh user access token from the same project; or deploy with "
    "`supabase functions deploy <fn> --no-verify-jwt` (`verify_jwt = false` in config.toml) "
    "and verify in the function's code with the project's JWKS.",
)

# --- DNS and the network -------------------------------------------------------------------
DNS_UNRESOLVED = _x(
    "dns_unresolved",
    CONNECTION,
    "The host name does not resolve",
    "The resolver found no address for the host: a typo or a wrong project ref, a paused or "
    "deleted project, no DNS at all (CI, containers), or the IPv6-only direct host "
    "`db.<ref>.supabase.co` on a machine that drops IPv6 (AAAA) answers.",
    "Copy the host again from the dashboard's Connect dialog and check the project is not "
    "paused; from an IPv4-only network use the session pooler "
    "`aws-N-<region>.pooler.supabase.com:5432` with user `postgres.<ref>` (or the IPv4 "
    "add-on).",
)
IPV6_UNREACHABLE = _x(
    "ipv6_unreachable",
    CONNECTION,
    "The host's address is IPv6 and this network has no IPv6 route",
    "Supabase's direct host `db.<ref>.supabase.co` has only an IPv6 address; many networks "
    "(GitHub Actions, Vercel, Render, most Docker set-ups) have IPv4 only, so the connection "
    "cannot even start.",
    "Use the session pooler (IPv4 and IPv6): host `aws-N-<region>.pooler.supabase.com`, port "
    "5432, user `postgres.<ref>`, copied from the dashboard's Connect dialog; or buy the IPv4 "
    "add-on.",
)
NETWORK_UNREACHABLE = _x(
    "network_unreachable",
    CONNECTION,
    "This machine has no route to the server's address",
    "The operating system has no route to the address (no default route, a VPN, or an IPv6 "
    "address without IPv6 connectivity, the usual case with Supabase's direct host).",
    "If the host is `db.<ref>.supabase.co`, use the session pooler (IPv4); otherwise check the "
    "network path (routes, VPN, firewall) to the address.",
)
CONNECTION_REFUSED = _x(
    "connection_refused",
    CONNECTION,
    "Nothing accepted the connection on that port",
    "The address answered but refused the port: a wrong port (6543 on a host without a "
    "pooler there, 5432 vs 54322 for the local stack), a server that is not running, a "
    "paused or restarting project, or an IP ban after repeated failed logins.",
    "Check host and port against the Connect dialog (5432 direct and session pooler, 6543 "
    "transaction pooler); start the local stack (`supabase start`); if logins failed many "
    "times, lift the ban in Database Settings > Network Bans.",
)
CONNECTION_TIMEOUT = _x(
    "connection_timeout",
    CONNECTION,
    "The server did not answer in time",
    "Packets to the host go unanswered: a firewall or security group drops them, network "
    "restrictions exclude this IP, the host is wrong, or (Prisma `P1001`) the IPv6-only direct "
    "host from an IPv4-only platform.",
    "Check outbound rules for the port and the project's Network Restrictions; from "
    "serverless or CI platforms use the pooler host; raise `connect_timeout` only when the "
    "network is just slow.",
)
CONNECTION_CLOSED = _x(
    "connection_closed",
    CONNECTION,
    "The server or pooler closed the connection",
    "The other end hung up: the pooler ended an idle or long-stalled connection, the database "
    "restarted, or a proxy in between reset it.",
    "Reconnect and retry; in pools, check connections before use (`pool_pre_ping=True`) and "
    "recycle them sooner than the pooler's idle timeout; read the pooler's and the database's "
    "logs for the reason.",
)

# --- TLS ---------------------------------------------------------------------------------------
TLS_VERIFY_FAILED = _x(
    "tls_verify_failed",
    CONNECTION,
    "The server's certificate chain is not trusted by the client",
    "Supabase's database certificates chain to the Supabase Root 2021 CA, which is in no "
    "public trust store (not certifi, not the system's): any client that verifies against the "
    "default store fails (node-postgres and Prisma 7 with any sslmode, psycopg with "
    "`verify-full` and the wrong root, Python's `ssl.create_default_context()`).",
    "Download `prod-ca-2021.crt` (Database Settings > SSL Configuration) and trust it: "
    "`sslrootcert=prod-ca-2021.crt&sslmode=verify-full` (libpq), `ssl: { ca: "
    "fs.readFileSync('prod-ca-2021.crt') }` with no `sslmode` in the URL (node-postgres), "
    "`ssl.create_default_context(cafile='prod-ca-2021.crt')` (asyncpg), or `NODE_EXTRA_CA_CERTS`.",
)
TLS_HOSTNAME_MISMATCH = _reuse(
    "tls_hostname_mismatch",
    _CONNECTION_CODES,
    CONNECTION,
    "The certificate names other hosts than the one connected to: an IP address or an alias "
    "used as the host, or a certificate meant for another server.",
)
TLS_EXPIRED = _reuse(
    "tls_expired",
    _CONNECTION_CODES,
    CONNECTION,
    "The server's certificate (or one in its chain) is past its end date, or the client's "
    "clock is wrong.",
)
ROOT_CERT_MISSING = _x(
    "root_cert_missing",
    CONNECTION,
    "sslmode asks to verify, and the root certificate file is not there",
    "With `sslmode=verify-ca` or `verify-full`, libpq (and asyncpg) read the CA from "
    "`sslrootcert`, else from `~/.postgresql/root.crt`; neither exists.",
    "Download `prod-ca-2021.crt` and point to it: `sslrootcert=/path/to/prod-ca-2021.crt` in "
    "the connection string (or `PGSSLROOTCERT`).",
)
SSL_REQUIRED = _reuse(
    "ssl_required",
    _CONNECTION_CODES,
    CONNECTION,
    "The project enforces SSL (Database Settings > SSL enforcement) and the client connected "
    "without it: `sslmode=disable`, a driver whose default is no TLS (node-postgres), or a "
    "tool that turned it off.",
)
SERVER_NO_SSL = _reuse(
    "server_no_ssl",
    _CONNECTION_CODES,
    CONNECTION,
    "The client requires SSL and the server does not offer it: a local or self-hosted "
    "Postgres without `ssl = on`, or a port that is not Postgres's.",
)
NO_HBA_ENTRY = _reuse(
    "no_hba_entry",
    _CONNECTION_CODES,
    CONNECTION,
    "The server's pg_hba.conf has no line that admits this user, database and client address "
    "(with the encryption used).",
)
GSSAPI_NEGOTIATION = _x(
    "gssapi_negotiation",
    CONNECTION,
    "libpq tried GSSAPI encryption and the server (a pooler) answered wrongly",
    "libpq built with GSSAPI asks for GSS encryption first when a Kerberos credential cache "
    "exists (macOS, corporate machines); the pooler answers that request with `S`, which libpq "
    "cannot take.",
    "Add `gssencmode=disable` to the connection string (or `PGGSSENCMODE=disable`); Supabase "
    "also advises a libpq/psql newer than 15.",
)
NOT_POSTGRES = _reuse(
    "not_postgres",
    _CONNECTION_CODES,
    CONNECTION,
    "Whatever listens on that port answered the startup with something that is not the "
    "Postgres protocol (an HTTP server, the API port, a proxy).",
)

# --- drivers and their URLs ----------------------------------------------------------------
ASYNCPG_SSLMODE_ARGUMENT = _x(
    "asyncpg_sslmode_argument",
    CONNECTION,
    "asyncpg was handed `sslmode`, which it does not take as an argument",
    "SQLAlchemy's asyncpg dialect passes every query parameter of the URL to "
    "`asyncpg.connect()` as a keyword; asyncpg's argument is `ssl`, so "
    "`postgresql+asyncpg://…?sslmode=require` fails.",
    'Write `?ssl=require` in the SQLAlchemy URL, or pass `connect_args={"ssl": "require"}` '
    "(or an `ssl.SSLContext` that trusts `prod-ca-2021.crt` for verify-full).",
)
ASYNCPG_SSL_VALUE = _x(
    "asyncpg_ssl_value",
    CONNECTION,
    "asyncpg got an ssl value it cannot read",
    "`ssl` (or `sslmode`) was the string `true`/`false` or another word: asyncpg reads only "
    "disable, allow, prefer, require, verify-ca or verify-full (or a Python bool or SSLContext).",
    'Use `?ssl=require` (or `verify-full` with a CA), or `connect_args={"ssl": True}` as a '
    "real boolean.",
)
SQLALCHEMY_POSTGRES_SCHEME = _x(
    "sqlalchemy_postgres_scheme",
    CONNECTION,
    "SQLAlchemy does not know the `postgres://` scheme",
    "SQLAlchemy 1.4 removed the `postgres` dialect name; URLs copied from Heroku-style settings "
    "or some dashboards start with `postgres://`.",
    "Start the URL with `postgresql://` (or `postgresql+psycopg2://`, `postgresql+asyncpg://`); "
    'e.g. `url.replace("postgres://", "postgresql://", 1)` where the URL is read.',
)
SQLALCHEMY_GREENLET_MISSING = _x(
    "sqlalchemy_greenlet_missing",
    None,
    "SQLAlchemy's asyncio support needs the greenlet package",
    "`create_async_engine` runs on greenlet, which is not installed (some platforms have no "
    "wheel, so pip skipped it).",
    '`pip install "sqlalchemy[asyncio]"` (or `pip install greenlet`).',
)
URI_INVALID_PARAMETER = _x(
    "uri_invalid_parameter",
    CONNECTION,
    "The connection string has a parameter libpq does not know",
    "libpq (psycopg2, psycopg, psql) refuses unknown options; `pgbouncer=true`, "
    "`connection_limit` and `schema` are Prisma's, `supa=` is the dashboard's.",
    "Drop the parameters libpq does not know (keep them only in the URL that Prisma reads).",
)
URI_NEEDS_ENCODING = _x(
    "uri_needs_encoding",
    CONNECTION,
    "A character in the connection string must be percent-encoded",
    "A `%`, `=`, `@`, `/` or `#` inside a URI value (often the password) is read as syntax.",
    'Percent-encode the value: `urllib.parse.quote(password, safe="")` (`@` is `%40`, `#` '
    "`%23`, `/` `%2F`, `%` `%25`, `=` `%3D`).",
)

# --- the poolers and the server --------------------------------------------------------------
POOLER_TENANT_NOT_FOUND = _x(
    "pooler_tenant_not_found",
    CONNECTION,
    "The Supabase pooler does not know this project or user",
    "Supavisor finds the project from the user name `postgres.<ref>` on a shared pooler host "
    "of the project's own region and cluster: a user without `.<ref>`, an `aws-0` host where "
    "the project is on `aws-1` (or another region), or a deleted project ends here. Resetting "
    "the password does not help.",
    "Copy host, port and user from the dashboard's Connect dialog exactly: user "
    "`postgres.<ref>`, host `aws-N-<region>.pooler.supabase.com` (N is not derivable from the "
    "region).",
)
POOLER_CIRCUIT_BREAKER = _x(
    "pooler_circuit_breaker",
    CONNECTION,
    "The pooler is blocking new connections after repeated failures",
    "Supavisor opens a circuit breaker after too many failed logins (usually a wrong password "
    "retried by an app or a pool) or failures to reach the database.",
    "Stop the retries, fix the password (reset it in Database Settings if unsure), wait a few "
    "minutes, then connect once by hand before restarting the app.",
)
POOLER_CHECKOUT_TIMEOUT = _x(
    "pooler_checkout_timeout",
    CONNECTION,
    "The pooler had no free database connection in time",
    "Every server connection of the pool was busy for the whole checkout timeout: long "
    "transactions or too many concurrent clients for the pool size.",
    "Keep transactions short, lower the clients' concurrency, or raise the pool size "
    "(Database Settings > Connection pooling) within the compute's limits.",
)
POOLER_STARTUP_PARAMETER = _x(
    "pooler_startup_parameter",
    CONNECTION,
    "PgBouncer refuses a startup parameter the client sent",
    "PgBouncer passes on only the startup parameters it tracks; `options` (e.g. `-c "
    "search_path=…`), or a URL query that the driver turns into server settings (asyncpg sends "
    "`?pgbouncer=true` as one), is refused.",
    "Drop the parameter from the connection string (set `search_path` with `SET` or on the "
    "role instead); on your own PgBouncer, list it in `ignore_startup_parameters`.",
)
NETWORK_RESTRICTED = _x(
    "network_restricted",
    CONNECTION,
    "The project's network restrictions do not allow this address",
    "Database Settings > Network Restrictions lists the allowed client addresses, and this "
    "client's public IP is not among them.",
    "Add the client's public address (or its CIDR) to Network Restrictions, or connect from an "
    "allowed network.",
)
PREPARED_STATEMENT_EXISTS = _x(
    "prepared_statement_exists",
    CONNECTION,
    "Prepared statements collide through a transaction pooler",
    "In transaction mode (port 6543) each transaction may run on another server connection, so "
    "a driver's named prepared statements (asyncpg `__asyncpg_stmt_N__`, Prisma `s0`, psycopg "
    "`_pg3_N`, pgx `stmtcache_…`) meet ones another client left there.",
    "Turn named statements off for the pooled URL: asyncpg `statement_cache_size=0` (SQLAlchemy "
    "also `prepared_statement_cache_size=0` and a unique `prepared_statement_name_func`), Prisma "
    "`?pgbouncer=true`, postgres.js/Drizzle `prepare: false`, psycopg `prepare_threshold=None`, "
    "pgx `default_query_exec_mode=simple_protocol`; or use the session pooler (port 5432).",
)
PREPARED_STATEMENT_MISSING = _x(
    "prepared_statement_missing",
    CONNECTION,
    "A prepared statement vanished between transactions of a pooler",
    "Through a transaction pooler (port 6543) the statement was prepared on one server "
    "connection and executed on another.",
    "Turn named prepared statements off for the pooled URL (see `prepared_statement_exists` for "
    "each driver's switch), or use the session pooler (port 5432).",
)
PASSWORD_AUTH_FAILED = _x(
    "password_auth_failed",
    CONNECTION,
    "The database rejected the password",
    "A wrong password, one with `@ # / ?` unencoded inside a URI (so the driver read another "
    "one), the dashboard's `[YOUR-PASSWORD]` left in, or a role that does not exist (Postgres "
    "gives the same answer). Through the pooler the message names the role without `.<ref>`.",
    "Reset the database password (Database Settings > Reset database password), percent-encode "
    "it inside the URI, and try it once by hand: after repeated failures the pooler blocks "
    "new connections for a while.",
)
NO_PASSWORD = _reuse(
    "no_password",
    _CONNECTION_CODES,
    CONNECTION,
    "The server asked for a password and the client had none: no password in the string, "
    "nor in `PGPASSWORD` or `.pgpass`.",
)
TOO_MANY_CONNECTIONS = _reuse(
    "too_many_connections",
    _CONNECTION_CODES,
    CONNECTION,
    "Every connection slot is taken: the pooler's client limit for the plan (`Max client "
    "connections reached`), session mode's limit of one client per pool connection "
    "(`EMAXCONNSESSION`), or Postgres's `max_connections`. Many app instances, each with its own "
    "pool, add up fast; serverless functions more so.",
)
DATABASE_NOT_FOUND = _reuse(
    "database_not_found",
    _CONNECTION_CODES,
    CONNECTION,
    "The database name in the string does not exist on that server (Supabase's is `postgres`).",
)
ROLE_NOT_FOUND = _reuse(
    "role_not_found",
    _CONNECTION_CODES,
    CONNECTION,
    "The user name in the string is no role on that server.",
)

# --- nothing recognised, and notes about the paste itself --------------------------------------
NO_MATCH = define(
    "no_match",
    "info",
    "No known error in this text",
    "Paste the error message itself: the exception line (`jwt.exceptions.…`, "
    "`psycopg2.OperationalError: …`), the JSON body of the failing response, or the whole "
    "traceback. To check a token, a key or a connection string, paste it into its inspector.",
    area="explain",
)
_reuse(
    NO_MATCH,
    None,
    None,
    "None of the messages this explainer knows (JWT libraries, PostgREST, Supabase Auth and "
    "gateway, libpq, asyncpg, SQLAlchemy, Node, Prisma, Supavisor, PgBouncer) is in the text.",
)
SECRET_IN_TEXT = define(
    "secret_in_pasted_text",
    "warning",
    "The pasted text holds a secret",
    "If this text was posted anywhere (an issue, a chat, a log service), rotate the secret: "
    "reset the database password, or roll the `sb_secret_` / service_role key in Project "
    "Settings > API Keys.",
    area="explain",
)
TEXT_TRUNCATED = define(
    "text_truncated",
    "info",
    "Only the beginning and the end of the text were read",
    "Paste less: the exception lines and the traceback's first and last screens hold the error.",
    area="explain",
)

# Who produced a text, for people: the `source` values a match may carry.
SOURCE_LABELS = {
    "pyjwt": "PyJWT",
    "python-jose": "python-jose",
    "authlib": "Authlib",
    "cryptography": "cryptography (Python)",
    "jose": "jose (JavaScript)",
    "jsonwebtoken": "jsonwebtoken (Node)",
    "golang-jwt": "golang-jwt (Go)",
    "fastapi": "FastAPI",
    "supabase-js": "supabase-js",
    "postgrest": "PostgREST (the Data API)",
    "supabase-auth": "Supabase Auth",
    "supabase-gateway": "the Supabase API gateway",
    "edge-functions": "the Edge Functions gateway",
    "libpq": "libpq (psql, psycopg2, psycopg)",
    "psycopg": "psycopg 3",
    "postgres": "the Postgres server",
    "asyncpg": "asyncpg",
    "sqlalchemy": "SQLAlchemy",
    "python-socket": "Python's socket layer",
    "python-ssl": "Python's ssl module",
    "node": "Node.js",
    "node-postgres": "node-postgres (pg)",
    "postgres.js": "postgres.js",
    "prisma": "Prisma",
    "pgx": "pgx (Go; the Supabase CLI)",
    "supavisor": "Supavisor (the Supabase pooler)",
    "pgbouncer": "PgBouncer",
    "unknown": "unknown",
}
