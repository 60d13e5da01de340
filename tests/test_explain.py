"""The explainer: pasted error text -> ExplainReport; the page, the JSON twin, the CLI, the home box.

The inputs are what people paste, as they pasted them (reference/pasted-errors.md: GitHub issue
and PR threads, each named beside its text; `…` marks the thread's own cuts), and the exact
texts the libraries raise (errors.md, verified there). Tracebacks keep their chains.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import cli
from inspector.explain import MAX_TEXT, explain, recognises
from inspector.explain import codes as explain_codes
from inspector.explain.found import NEVER_ECHOED, mask_text
from inspector.explain.patterns import needle_of, p
from inspector.explain.sources import PATTERNS
from inspector.findings import catalog
from inspector.paste import detect_paste
from tests.fixtures.keys import b64json, b64url
from tests.fixtures.paste import paste


@pytest.fixture
def make_token():
    """A Supabase-shaped user access token with the header's `alg` (the signature is not real:
    the explainer only decodes what it finds)."""

    def _make(alg: str = "HS256") -> str:
        now = int(time.time())
        claims = {
            "iss": "https://abcdefghijklmnopqrst.supabase.co/auth/v1",
            "sub": "8d7c2f7e-1c2b-4c4e-9d61-3f0b5f1e2a10",
            "aud": "authenticated",
            "role": "authenticated",
            "session_id": "0f4c3a8e-6a0b-4e59-9a7e-5b1d6d0c9e21",
            "iat": now - 60,
            "exp": now + 3600,
        }
        header = {"alg": alg, "typ": "JWT", "kid": "k1"}
        return ".".join([b64json(header), b64json(claims), b64url(b"s" * 64)])

    return _make


# ---------------------------------------------------------------------------------------------
# Real pastes -> (first code, source)
# ---------------------------------------------------------------------------------------------

PASTES = [
    # PyJWT (pasted-errors.md §1)
    (
        "jpadilla/pyjwt#622",
        'File "…/jwt/api_jwt.py", line 185, in _validate_aud\n'
        '    raise InvalidAudienceError("Invalid audience")\n'
        "jwt.exceptions.InvalidAudienceError: Invalid audience",
        "jwt_audience",
        "pyjwt",
    ),
    (
        "magicyuan876/mineru-tianshu#48",
        'File "…/jwt/api_jws.py", line 328, in _verify_signature\n'
        '    raise InvalidSignatureError("Signature verification failed")\n'
        "jwt.exceptions.InvalidSignatureError: Signature verification failed",
        "jwt_signature_failed",
        "pyjwt",
    ),
    ("issue 12", "Signature verification failed", "jwt_signature_failed", "pyjwt"),
    ("supabase/cli#4726", '"The specified alg value is not allowed."', "jwt_algorithm", "pyjwt"),
    (
        "airas-org/airas#773",
        "InvalidAlgorithmError: The specified alg value is not allowed",
        "jwt_algorithm",
        "pyjwt",
    ),
    ("pyjwt", "jwt.exceptions.DecodeError: Not enough segments", "jwt_malformed", "pyjwt"),
    ("pyjwt", "jwt.exceptions.DecodeError: Invalid header padding", "jwt_malformed", "pyjwt"),
    (
        "pyjwt",
        "jwt.exceptions.ExpiredSignatureError: Signature has expired",
        "jwt_expired",
        "pyjwt",
    ),
    (
        "pyjwt",
        "jwt.exceptions.InvalidAudienceError: Audience doesn't match",
        "jwt_audience",
        "pyjwt",
    ),
    (
        "pyjwt",
        'jwt.exceptions.MissingRequiredClaimError: Token is missing the "aud" claim',
        "jwt_audience_missing",
        "pyjwt",
    ),
    (
        "pyjwt",
        "jwt.exceptions.ImmatureSignatureError: The token is not yet valid (iat)",
        "jwt_not_yet_valid",
        "pyjwt",
    ),
    (
        "pyjwt",
        'jwt.exceptions.DecodeError: It is required that you pass in a value for the "algorithms" '
        "argument when calling decode().",
        "jwt_algorithms_missing",
        "pyjwt",
    ),
    (
        "pyjwt",
        'jwt.exceptions.PyJWKClientError: Unable to find a signing key that matches: "Zm9vYmFy"',
        "key_not_found",
        "pyjwt",
    ),
    (
        "pyjwt",
        "jwt.exceptions.PyJWKSetError: The JWK Set did not contain any keys",
        "jwks_empty",
        "pyjwt",
    ),
    (
        "pyjwt",
        "jwt.exceptions.InvalidKeyError: Could not parse the provided public key.",
        "jwt_algorithm",
        "pyjwt",
    ),
    # python-jose (§2)
    (
        "python-jose",
        "jose.exceptions.JWTClaimsError: Invalid audience",
        "jwt_audience",
        "python-jose",
    ),
    (
        "python-jose",
        "jose.exceptions.JWTError: Signature verification failed.",
        "jwt_signature_failed",
        "python-jose",
    ),
    (
        "python-jose",
        "jose.exceptions.ExpiredSignatureError: Signature has expired.",
        "jwt_expired",
        "python-jose",
    ),
    (
        "python-jose",
        "jose.exceptions.JWTError: Not enough segments",
        "jwt_malformed",
        "python-jose",
    ),
    (
        "python-jose",
        "jose.exceptions.JWTError: The specified alg value is not allowed",
        "jwt_algorithm",
        "python-jose",
    ),
    (
        "python-jose",
        "jose.exceptions.JWKError: Unable to load PEM file. See https://cryptography.io/… "
        "MalformedFraming",
        "jwt_algorithm",
        "python-jose",
    ),
    (
        "425show/fastapi_microsoft_identity#20",
        'File "…/jose/jws.py", line 262, in _verify_signature\n'
        "    raise JWSSignatureError()\n"
        "jose.exceptions.JWSSignatureError\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        "Traceback (most recent call last):\n"
        "jose.exceptions.JWSError: Signature verification failed.",
        "jwt_signature_failed",
        "python-jose",
    ),
    # Authlib (§3)
    (
        "k4black/fastapi-jwt#56",
        "authlib.jose.errors.BadSignatureError: bad_signature",
        "jwt_signature_failed",
        "authlib",
    ),
    ("authlib", "ExpiredTokenError: expired_token: The token is expired", "jwt_expired", "authlib"),
    ("authlib", "DecodeError: Invalid input segments length: ", "jwt_malformed", "authlib"),
    # supabase-js getClaims() and jose (§5, §5a)
    (
        "supabase/supabase-js#1805",
        "AuthApiError: invalid JWT: unable to parse or verify signature, token has",
        "jwt_signature_failed",
        "supabase-auth",
    ),
    ("jose", "JWSInvalid: Invalid Compact JWS", "jwt_malformed", "jose"),
    (
        "jose",
        "JWSSignatureVerificationFailed: signature verification failed",
        "jwt_signature_failed",
        "jose",
    ),
    ("jose", 'JWTExpired: "exp" claim timestamp check failed', "jwt_expired", "jose"),
    ("jose", 'JWTClaimValidationFailed: unexpected "aud" claim value', "jwt_audience", "jose"),
    (
        "jose",
        'JOSEAlgNotAllowed: "alg" (Algorithm) Header Parameter value not allowed',
        "jwt_algorithm",
        "jose",
    ),
    (
        "supabase/supabase#42755",
        'JOSENotSupported: Unsupported "alg" value for a JSON Web Key Set',
        "jwt_algorithm",
        "jose",
    ),
    (
        "jose",
        "JWKSNoMatchingKey: no applicable key found in the JSON Web Key Set",
        "key_not_found",
        "jose",
    ),
    (
        "supabase/supabase#41929",
        "TypeError: Key for the ES256 algorithm must be of type CryptoKey. Received an instance "
        "of Uint8Array\n"
        "    at asymmetricTypeCheck (https://deno.land/x/jose@v4.13.1/lib/check_key_type.ts:14:11)",
        "jwt_algorithm",
        "jose",
    ),
    # PostgREST (§6)
    ("issue 12", "PGRST301", "jwt_signature_failed", "postgrest"),
    (
        "supabase/supabase-js#842",
        "{ code: 'PGRST301', details: null, hint: null, message: 'JWSError JWSInvalidSignature' }",
        "jwt_signature_failed",
        "postgrest",
    ),
    (
        "nuxt-modules/supabase#91",
        "message: 'JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got 1)'",
        "jwt_malformed",
        "postgrest",
    ),
    (
        "supabase/supabase-py#1228",
        "{'message': 'Expected 3 parts in JWT; got 1', 'code': 'PGRST301'}",
        "jwt_malformed",
        "postgrest",
    ),
    (
        "supabase/auth#2476",
        '{"code":"PGRST301","details":null,"hint":null,"message":"JWSError JWSInvalidSignature"}',
        "jwt_signature_failed",
        "postgrest",
    ),
    (
        "postgrest v13",
        '{"code":"PGRST303","details":null,"hint":null,"message":"JWT expired"}',
        "jwt_expired",
        "postgrest",
    ),
    ("postgrest v12", '{"code":"PGRST301","message":"JWT expired"}', "jwt_expired", "postgrest"),
    # The gateway, keys, Edge Functions (§7)
    (
        "nuxt-modules/supabase#195",
        'error: { message: "Invalid API key", hint: "Double check your Supabase `anon` or '
        '`service_role` API key." }, data: null, count: null, status: 401, statusText: '
        '"Unauthorized"',
        "api_key_invalid",
        "supabase-gateway",
    ),
    (
        "supabase-community/supabase-csharp#108",
        'Postgrest.Exceptions.PostgrestException: {"message":"Invalid API key","hint":"Double '
        'check your Supabase `anon` or `service_role` API key."}',
        "api_key_invalid",
        "supabase-gateway",
    ),
    (
        "supabase/supabase#47747",
        '{"code":"UNAUTHORIZED_LEGACY_JWT","message":"Invalid JWT"}',
        "edge_function_jwt_rejected",
        "edge-functions",
    ),
    (
        "gateway",
        '{"message":"Legacy API keys are disabled"}',
        "legacy_keys_disabled",
        "supabase-gateway",
    ),
    ("gateway", '{"message":"No API key found in request"}', "api_key_missing", "supabase-gateway"),
    ("edge functions", "UNAUTHORIZED_INVALID_JWT_FORMAT", "jwt_malformed", "edge-functions"),
    (
        "supabase/supabase#32565",
        "{'message': 'name resolution failed'}",
        "dns_unresolved",
        "supabase-gateway",
    ),
    # Supabase Auth (§8)
    (
        "supabase/cli#4488",
        "AuthApiError: invalid JWT: unable to parse or verify signature, token signature is "
        "invalid: signing method ES256 is invalid",
        "jwt_algorithm",
        "supabase-auth",
    ),
    (
        "supabase/supabase-js#1196",
        'code: "bad_jwt", name: "AuthApiError", status: 403',
        "jwt_signature_failed",
        "supabase-auth",
    ),
    (
        "supabase/auth-py#503",
        '"Session from session_id claim in JWT does not exist"',
        "auth_session_ended",
        "supabase-auth",
    ),
    (
        "supabase/auth-py#353",
        "gotrue.errors.AuthApiError: Invalid Refresh Token: Refresh Token Not Found",
        "refresh_token_rejected",
        "supabase-auth",
    ),
    (
        "supabase/auth-js#620",
        "Invalid Refresh Token: Already Used",
        "refresh_token_rejected",
        "supabase-auth",
    ),
    ("auth", "invalid claim: missing sub claim", "user_token_required", "supabase-auth"),
    # libpq (§9)
    (
        "slowfound/supabase-database-backup#4",
        'pg_dumpall: error: connection to server at "db.vexxfi.supabase.co" (2a05:d0xxxc3c), port '
        "5432 failed: Network is unreachable\n"
        "\tIs the server running on that host and accepting TCP/IP connections?",
        "ipv6_unreachable",
        "libpq",
    ),
    (
        "supabase/cli#1910",
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "
        '"db.{PROJECT_ID}.supabase.co" ({IP}), port 5432 failed: Network unreachable',
        "ipv6_unreachable",
        "libpq",
    ),
    (
        "supabase/supabase#37494",
        "(psycopg2.OperationalError) could not translate host name "
        '"db.kcxnenbxdycncmqlokmz.supabase.co" to address: The requested name is valid, but no '
        "data of the requested type was found.",
        "dns_unresolved",
        "libpq",
    ),
    (
        "supabase/supabase#7396",
        'SQLSTATE[08006] [7] connection to server at "db.xxxxx.supabase.co" (xxxxx), port 5432 '
        "failed: Connection refused Is the server running on that host and accepting TCP/IP "
        "connections?",
        "connection_refused",
        "libpq",
    ),
    (
        "coollabsio/coolify#5468",
        'psql: error: connection to server at "[ip]", port 5432 failed: root certificate file '
        '"/etc/ssl/certs/coolify-ca.crt" does not exist\n'
        "Either provide the file or change sslmode to disable server certificate verification.",
        "root_cert_missing",
        "libpq",
    ),
    (
        "supabase/supabase#43261",
        'FATAL: password authentication failed for user "postgres"',
        "password_auth_failed",
        "postgres",
    ),
    (
        "citusdata/citus_docs#845",
        'could not translate host name "db.x.supabase.co" to address: nodename nor servname '
        "provided, or not known",
        "dns_unresolved",
        "libpq",
    ),
    (
        "errors.md B.2",
        'connection to server at "127.0.0.1", port 40011 failed: timeout expired\n',
        "connection_timeout",
        "libpq",
    ),
    (
        "supabase/cli#3390",
        "failed to connect to `host=aws-0-us-east-1.pooler.supabase.com user=cli_login_postgres "
        "database=postgres`: server error (FATAL: SSL connection is required (SQLSTATE XX000))",
        "ssl_required",
        "supavisor",
    ),
    (
        "alexandrainst/node-red-contrib-postgresql#61",
        'error: no pg_hba.conf entry for host "52.1.2.3", user "postgres", database "postgres", '
        "no encryption",
        "ssl_required",
        "postgres",
    ),
    (
        "supabase docs",
        'connection to server at "db.abcdefghijklmnopqrst.supabase.co" (3.1.2.3), port 5432 '
        'failed: FATAL:  no pg_hba.conf entry for host "52.1.2.3", user "postgres", database '
        '"postgres", SSL off',
        "ssl_required",
        "libpq",
    ),
    (
        "errors.md 9.2",
        'connection to server at "aws-0-eu-central-1.pooler.supabase.com" (3.1.2.3), port 5432 '
        "failed: received invalid response to GSSAPI negotiation: S",
        "gssapi_negotiation",
        "libpq",
    ),
    (
        "errors.md 9.2",
        'psycopg2.ProgrammingError: invalid dsn: invalid URI query parameter: "pgbouncer"',
        "uri_invalid_parameter",
        "libpq",
    ),
    (
        "errors.md B.3",
        'connection to server at "127.0.0.1", port 5432 failed: SSL error: certificate verify '
        "failed\n",
        "tls_verify_failed",
        "libpq",
    ),
    ("errors.md B.4", "fe_sendauth: no password supplied\n", "no_password", "libpq"),
    # asyncpg and SQLAlchemy (§10)
    (
        "MagicStack/asyncpg#737",
        'File "…/sqlalchemy/dialects/postgresql/asyncpg.py", line 747, in connect\n'
        "    await_only(self.asyncpg.connect(*arg, …\n"
        "TypeError: connect() got an unexpected keyword argument 'sslmode'",
        "asyncpg_sslmode_argument",
        "asyncpg",
    ),
    (
        "aegra/aegra#409",
        "asyncpg.exceptions._base.ClientConfigurationError: `sslmode` parameter must be one of: "
        "disable, allow, prefer, require, verify-ca, verify-full",
        "asyncpg_ssl_value",
        "asyncpg",
    ),
    (
        "supabase/vecs#25",
        'File "…/sqlalchemy/engine/url.py", line 754, in _get_entrypoint\n'
        "    cls = registry.load(name)\n"
        "sqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres",
        "sqlalchemy_postgres_scheme",
        "sqlalchemy",
    ),
    (
        "MagicStack/asyncpg#252",
        'Raised exception: prepared statement "__asyncpg_stmt_1__" already exists',
        "prepared_statement_exists",
        "asyncpg",
    ),
    (
        "supabase/supabase#35684",
        "asyncpg.exceptions.DuplicatePreparedStatementError: prepared statement "
        '"__asyncpg_stmt_a__" already exists',
        "prepared_statement_exists",
        "asyncpg",
    ),
    (
        "jod35/lib-api#3",
        "Database connection failed: [Errno 8] nodename nor servname provided, or not known … "
        'File "…/sqlalchemy/ext/asyncio/session.py", line 463, in execute',
        "dns_unresolved",
        "python-socket",
    ),
    (
        "psycopg/psycopg#911",
        '(psycopg.errors.DuplicatePreparedStatement) prepared statement "_pg3_0" already exists',
        "prepared_statement_exists",
        "psycopg",
    ),
    (
        "asyncpg",
        "asyncpg.exceptions.InvalidPasswordError: password authentication failed for user "
        '"postgres"',
        "password_auth_failed",
        "asyncpg",
    ),
    (
        "pasted-errors.md §10",
        "asyncpg.exceptions.InternalServerError: Tenant or user not found",
        "pooler_tenant_not_found",
        "supavisor",
    ),
    (
        "asyncpg",
        "asyncpg.exceptions.ConnectionDoesNotExistError: connection was closed in the middle of "
        "operation",
        "connection_closed",
        "asyncpg",
    ),
    (
        "pasted-errors.md §10",
        "socket.gaierror: [Errno 8] nodename nor servname provided, or not known",
        "dns_unresolved",
        "python-socket",
    ),
    ("issue 12", "nodename nor servname provided, or not known", "dns_unresolved", "python-socket"),
    (
        "sqlalchemy",
        "ImportError: The SQLAlchemy asyncio module requires that the Python 'greenlet' library "
        "is installed. In order to ensure this dependency is available, use the "
        "'sqlalchemy[asyncio]' install target: 'pip install sqlalchemy[asyncio]'",
        "sqlalchemy_greenlet_missing",
        "sqlalchemy",
    ),
    (
        "python ssl",
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: self-signed certificate in certificate chain (_ssl.c:1006)",
        "tls_verify_failed",
        "python-ssl",
    ),
    (
        "python ssl",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
        "certificate is not valid for 'db.example.com'. (_ssl.c:1006)",
        "tls_hostname_mismatch",
        "python-ssl",
    ),
    # Node, node-postgres, Prisma (§11)
    (
        "dbcodeio/public#386",
        "error: getaddrinfo ENOTFOUND db.wafjkjrsuvzfygiemjgd.supabase.co",
        "dns_unresolved",
        "node",
    ),
    (
        "n8n-io/n8n#15239",
        "connect ENETUNREACH 2600:1f1e:75b:4b01:317e:2906:b007:5fab:5432 - Local (:::0)",
        "ipv6_unreachable",
        "node",
    ),
    (
        "n8n-io/n8n#2382",
        "Error: connect ECONNREFUSED IP_ADDRESS:6543\n"
        "    at TCPConnectWrap.afterConnect [as oncomplete] (net.js:1148:16)",
        "connection_refused",
        "node",
    ),
    (
        "supabase/stripe-sync-engine#194",
        "Error processing Stripe webhook: Error: self-signed certificate in certificate chain … "
        "{ code: 'SELF_SIGNED_CERT_IN_CHAIN' }",
        "tls_verify_failed",
        "node",
    ),
    ("issue 12", "SELF_SIGNED_CERT_IN_CHAIN", "tls_verify_failed", "node"),
    (
        "sambecker/exif-photo-blog#254",
        "SQL query error (getPhotosMeta): self-signed certificate in certificate chain",
        "tls_verify_failed",
        "node",
    ),
    (
        "supabase/supabase#10489",
        "Can't reach database server at `db.xxxxxxxxxxxxxx.supabase.co`:`5432`",
        "connection_timeout",
        "prisma",
    ),
    (
        "drivers.md §5.3",
        "Error: P1000: Authentication failed against database server at `db.x.supabase.co`, the "
        "provided database credentials for `postgres` are not valid.",
        "password_auth_failed",
        "prisma",
    ),
    (
        "node",
        "Error: unable to get local issuer certificate\n    at TLSSocket.onConnectSecure "
        "(node:_tls_wrap:1674:34) { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }",
        "tls_verify_failed",
        "node",
    ),
    # pgx / the Supabase CLI (§12)
    (
        "supabase/supabase#18561",
        "failed to connect to `host=db.abcdefghijklmnopqrst.supabase.co user=postgres "
        "database=postgres`: hostname resolving error (lookup db.abcdefghijklmnopqrst.supabase.co "
        "on 8.8.8.8:53: read udp 172.17.0.2:45123->8.8.8.8:53: i/o timeout)",
        "dns_unresolved",
        "pgx",
    ),
    (
        "supabase/cli#3318",
        "failed to connect to `host=db.abcdefghijklmnopqrst.supabase.co user=postgres "
        "database=postgres`: dial error (dial tcp [2406:da18:243:7412:5e5f:d5c0:bbfe:5e4f]:5432: "
        "connect: no route to host)",
        "ipv6_unreachable",
        "pgx",
    ),
    (
        "supabase/cli#3738",
        "failed to connect to `host=aws-0-eu-central-1.pooler.supabase.com user=postgres.abc "
        "database=postgres`: failed SASL auth (invalid SCRAM server-final-message received from "
        "server)",
        "password_auth_failed",
        "pgx",
    ),
    # Supavisor and PgBouncer (§13)
    ("issue 12", "Tenant or user not found", "pooler_tenant_not_found", "supavisor"),
    (
        "supabase/supabase#42581",
        "FATAL: Tenant or user not found",
        "pooler_tenant_not_found",
        "supavisor",
    ),
    (
        "supabase/agent-skills#458",
        "(enotfound) tenant/user postgres.abcdefghijklmnopqrst not found",
        "pooler_tenant_not_found",
        "supavisor",
    ),
    (
        "supabase/supabase#21166",
        "error: Max client connections reached\n"
        "    at Parser.parseErrorMessage (…/pg-protocol/dist/parser.js:287:98)",
        "too_many_connections",
        "supavisor",
    ),
    (
        "run-llama/create-llama#43",
        '(psycopg2.OperationalError) connection to server at "aws-0-us-westxx.pooler.supabase.com" '
        "(), port 5432 failed: FATAL:  Max client connections reached",
        "too_many_connections",
        "supavisor",
    ),
    (
        "jikig-ai/soleur#5558",
        "FATAL: (EMAXCONNSESSION) max clients reached in session mode - max clients are limited "
        "to pool_size: 15 (SQLSTATE XX000)",
        "too_many_connections",
        "supavisor",
    ),
    (
        "pgbouncer/pgbouncer#293",
        "psycopg2.OperationalError: ERROR:  no more connections allowed (max_client_conn)",
        "too_many_connections",
        "pgbouncer",
    ),
    (
        "prisma/orm#20298",
        "ConnectorError(ConnectorError { user_facing_error: None, kind: QueryError(PostgresError "
        '{ code: SqlState(E42P05), message: "prepared statement \\"s0\\" already exists", '
        'severity: "ERROR", detail: None, column: None, hint: None, routine: '
        'Some("StorePreparedStatement") }), transient: false })',
        "prepared_statement_exists",
        "prisma",
    ),
    ("issue 12", 'prepared statement "s0" already exists', "prepared_statement_exists", "postgres"),
    (
        "errors.md B.4",
        "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
        "too_many_connections",
        "postgres",
    ),
    (
        "errors.md B.4",
        "FATAL:  sorry, too many clients already",
        "too_many_connections",
        "postgres",
    ),
    (
        "supabase docs",
        "FATAL:  Circuit breaker open: Too many authentication errors",
        "pooler_circuit_breaker",
        "supavisor",
    ),
]


# What the real drivers print (captured by tests/fixtures/real_errors.py against the test
# clusters, a real PgBouncer and the pinned Node drivers; test_explain_live.py runs them live).
DRIVER_TEXTS = [
    (
        "psycopg2 via PgBouncer (SCRAM)",
        'psycopg2.OperationalError: connection to server at "127.0.0.1", port 6432 failed: FATAL:  '
        "SASL authentication failed",
        "password_auth_failed",
        "pgbouncer",
    ),
    (
        "asyncpg via PgBouncer",
        "asyncpg.exceptions.ProtocolViolationError: SASL authentication failed",
        "password_auth_failed",
        "pgbouncer",
    ),
    (
        "psycopg2 via PgBouncer",
        'psycopg2.OperationalError: connection to server at "127.0.0.1", port 6432 failed: FATAL:  '
        "unsupported startup parameter: options",
        "pooler_startup_parameter",
        "pgbouncer",
    ),
    (
        "asyncpg",
        "asyncpg.exceptions.InvalidSQLStatementNameError: prepared statement "
        '"__asyncpg_stmt_1__" does not exist',
        "prepared_statement_missing",
        "asyncpg",
    ),
    ("node-postgres", "Error: unable to verify the first certificate", "tls_verify_failed", "node"),
    ("node-postgres", "Error: certificate has expired", "tls_expired", "node"),
    (
        "node-postgres",
        "Error: The server does not support SSL connections",
        "server_no_ssl",
        "node-postgres",
    ),
    (
        "postgres.js",
        'PostgresError: password authentication failed for user "app"\n    at ErrorResponse '
        "(file:///app/node_modules/postgres/src/connection.js:790:26)",
        "password_auth_failed",
        "postgres.js",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "source"),
    [pytest.param(t, c, s, id=f"{where}: {t[:50]}") for where, t, c, s in PASTES + DRIVER_TEXTS],
)
def test_real_paste_names_its_error_and_its_source(text, code, source):
    report = explain(text)
    first = report.matches[0]
    assert (first.code, first.source) == (code, source), [m.to_dict() for m in report.matches]
    assert report.recognised and report.has_errors()
    assert first.title and first.cause and first.fix
    assert recognises(text)


def test_every_code_of_the_issue_is_in_the_catalog_with_cause_and_fix():
    issue = [
        "jwt_signature_failed",
        "jwt_expired",
        "jwt_audience",
        "jwt_malformed",
        "jwt_algorithm",
        "legacy_keys_disabled",
        "dns_unresolved",
        "ipv6_unreachable",
        "connection_refused",
        "connection_timeout",
        "tls_verify_failed",
        "root_cert_missing",
        "ssl_required",
        "gssapi_negotiation",
        "asyncpg_sslmode_argument",
        "sqlalchemy_postgres_scheme",
        "pooler_tenant_not_found",
        "prepared_statement_exists",
        "password_auth_failed",
        "too_many_connections",
        "no_match",
    ]
    cat = catalog()
    for code in issue:
        e = explain_codes.explanation(code)
        assert e.title and e.cause and e.fix, code
        assert code in cat, code
    # Every code a pattern can give, and every code the explainer answers, is explained.
    for code in {pat.code for pat in PATTERNS} | set(explain_codes.CODES) | {"ipv6_unreachable"}:
        assert explain_codes.explanation(code).cause, code
        assert code in cat, code
    for pat in PATTERNS:
        assert pat.source is None or pat.source in explain_codes.SOURCE_LABELS, pat


def test_docs_api_md_lists_exactly_the_codes_the_explainer_answers():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    section = doc.split("## POST /api/v1/explain", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z0-9_]+)` \| .* \| (token|connection|—) \|$", section, re.M)
    assert [code for code, _ in listed] == explain_codes.CODES
    for code, page in listed:
        assert (explain_codes.explanation(code).page or "—") == page, code


def test_readme_names_every_code_the_explainer_answers():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for code in explain_codes.CODES:
        assert f"`{code}`" in readme, code


def test_every_pattern_starts_with_its_needle_and_matches_it():
    for pat in PATTERNS:
        assert pat.needle and len(pat.needle) >= 4
        # The needle is the literal every match begins with.
        example = pat.regex.pattern
        assert needle_of(example) == pat.needle
    with pytest.raises(ValueError):
        p("pyjwt", "jwt_expired", r"expired|Expired")  # top-level alternation
    with pytest.raises(ValueError):
        p("pyjwt", "jwt_expired", r"\w+ expired")  # no literal to search for


# ---------------------------------------------------------------------------------------------
# Chains: the innermost cause wins
# ---------------------------------------------------------------------------------------------

SQLALCHEMY_TRACEBACK = """Traceback (most recent call last):
  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 145, in __init__
    self._dbapi_connection = engine.raw_connection()
  File "/app/.venv/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
psycopg2.OperationalError: connection to server at "db.kcxnenbxdycncmqlokmz.supabase.co" (2600:1f18:2e13:9d05:8a3e:f3c4:5e8e:73a1), port 5432 failed: Network is unreachable
	Is the server running on that host and accepting TCP/IP connections?


The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/main.py", line 12, in <module>
    with engine.connect() as conn:
  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 3274, in connect
    return self._connection_cls(self)
sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "db.kcxnenbxdycncmqlokmz.supabase.co" (2600:1f18:2e13:9d05:8a3e:f3c4:5e8e:73a1), port 5432 failed: Network is unreachable
	Is the server running on that host and accepting TCP/IP connections?

(Background on this error at: https://sqlalche.me/e/20/e3q8)
"""  # noqa: E501 - a traceback as printed (supabase/cli#1910, supabase discussions #20951)

ASYNCPG_CHAIN = """Traceback (most recent call last):
  File "/app/.venv/lib/python3.12/site-packages/asyncpg/connect_utils.py", line 1049, in _connect_addr
    return await __connect_addr(params, True, *args)
  File "/usr/lib/python3.12/asyncio/base_events.py", line 1122, in create_connection
    raise exceptions[0]
ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 6543)

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/main.py", line 8, in main
    conn = await asyncpg.connect(DSN)
asyncpg.exceptions.TooManyConnectionsError: sorry, too many clients already
"""  # noqa: E501 - constructed: the inner cause is the less specific one on purpose


def test_sqlalchemy_psycopg2_chain_names_libpq_and_the_ipv6_route():
    report = explain(SQLALCHEMY_TRACEBACK)
    first = report.matches[0]
    assert (first.code, first.source) == ("ipv6_unreachable", "libpq")
    assert first.depth == 1  # found in the first (innermost) section
    assert [m.code for m in report.matches] == ["ipv6_unreachable"]
    assert "Network is unreachable" in first.excerpt


def test_python_chain_innermost_cause_wins_over_a_more_specific_outer_error():
    report = explain(ASYNCPG_CHAIN)
    assert [m.code for m in report.matches] == ["connection_refused", "too_many_connections"]
    assert report.matches[0].source == "python-socket"


def test_node_cause_is_deeper_than_the_error_that_carries_it():
    text = (
        "Error: P1001: Can't reach database server at `db.abcdefghijklmnopqrst.supabase.co`:`5432`\n"
        "    at PrismaClient._request (node_modules/@prisma/client/runtime/library.js:123:45) {\n"
        "  [cause]: Error: connect ECONNREFUSED 10.0.0.5:5432\n"
        "      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {\n"
        "    errno: -111,\n    code: 'ECONNREFUSED'\n  }\n}"
    )
    report = explain(text)
    assert [m.code for m in report.matches] == ["connection_refused", "connection_timeout"]
    assert [m.source for m in report.matches] == ["node", "prisma"]


def test_node_cause_line_form():
    text = (
        "Error: Connection terminated unexpectedly\n    at Connection.<anonymous> "
        "(/app/node_modules/pg/lib/client.js:132:73)\n"
        "cause: Error: getaddrinfo ENOTFOUND db.abcdefghijklmnopqrst.supabase.co"
    )
    assert explain(text).matches[0].code == "dns_unresolved"


def test_sqlalchemy_wrapper_one_liner_is_the_driver_s_error():
    text = (
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "
        '"aws-0-ap-south-1.pooler.supabase.com" (13.200.1.2), port 6543 failed: FATAL:  Tenant or '
        "user not found\n\n(Background on this error at: https://sqlalche.me/e/20/e3q8)"
    )
    first = explain(text).matches[0]
    assert (first.code, first.source) == ("pooler_tenant_not_found", "supavisor")


def test_an_es256_token_that_fails_signature_checks_names_the_algorithm_first(make_token):
    token = make_token(alg="ES256")
    text = f"Authorization: Bearer {token}\njwt.exceptions.InvalidSignatureError: Signature verification failed"
    codes = [m.code for m in explain(text).matches]
    assert codes[:2] == ["jwt_algorithm", "jwt_signature_failed"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "hello world",
        "The deploy went fine, thanks!",
        "SELECT * FROM users WHERE id = 1;",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "postgresql://postgres@localhost:5432/postgres",
        'Traceback (most recent call last):\n  File "x.py", line 1\nZeroDivisionError: division by zero',
    ],
)
def test_unrelated_text_is_no_match_never_an_exception(text):
    report = explain(text)
    assert [m.code for m in report.matches] == ["no_match"]
    assert not report.recognised and not report.has_errors()
    assert "Paste the error message" in report.matches[0].fix
    assert not recognises(text)


@pytest.mark.parametrize("value", [None, 42, b"bytes", "\ud800 lone surrogate PGRST301"])
def test_odd_values_never_raise(value):
    report = explain(value)  # type: ignore[arg-type]
    assert report.matches


def test_no_match_offers_what_it_found():
    report = explain(
        "my DATABASE_URL is postgresql://postgres@db.abcdefghijklmnopqrst.supabase.co:5432/postgres, why?"
    )
    first = report.matches[0]
    assert first.code == "no_match"
    assert first.next is not None and first.next.page == "connection"
    assert (
        first.next.input
        == "postgresql://postgres@db.abcdefghijklmnopqrst.supabase.co:5432/postgres"
    )


# ---------------------------------------------------------------------------------------------
# What else the paste holds: found, masked, offered; secrets never echoed
# ---------------------------------------------------------------------------------------------

PASSWORD = "Sup3r-Secret-Pw"
SB_SECRET = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
LEAKY = (
    f"DATABASE_URL=postgresql://postgres.abcdefghijklmnopqrst:{PASSWORD}@aws-0-us-east-1.pooler."
    "supabase.com:6543/postgres?sslmode=require\n"
    "Traceback (most recent call last):\n"
    '  File "/app/db.py", line 9, in main\n'
    f'    conn = await asyncpg.connect(os.environ["DATABASE_URL"], password="{PASSWORD}x")\n'
    'asyncpg.exceptions.DuplicatePreparedStatementError: prepared statement "__asyncpg_stmt_1__" '
    'already exists\nHINT:  NOTE: pgbouncer with pool_mode set to "transaction" or '
    '"statement" does not support prepared statements properly.\n'
    f"SUPABASE_SERVICE_KEY={SB_SECRET}\n"
    f"curl -H 'apikey: {SB_SECRET}' -H 'Authorization: Bearer {SB_SECRET}' https://x.supabase.co"
)


def _all_output(report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False)


def test_secrets_in_the_paste_are_never_echoed():
    report = explain(LEAKY)
    body = _all_output(report)
    assert PASSWORD not in body and SB_SECRET not in body
    assert "N7UND0Ug" not in body and "xSvEMPvz" not in body
    first = report.matches[0]
    assert first.code == "prepared_statement_exists"
    conn = report.connection_strings[0]
    assert conn.has_password and ":***@" in conn.masked
    assert conn.host_kind == "supabase_pooler_transaction"
    assert first.next.page == "connection" and first.next.input == conn.masked
    secret = next(t for t in report.tokens if t.kind == "supabase_secret_key")
    assert secret.secret and secret.next.input is None and secret.masked.startswith("sb_secret_…")
    warning = next(f for f in report.findings if f.code == "secret_in_pasted_text")
    assert warning.severity.value == "warning" and "sb_secret_…" in warning.detail


@pytest.mark.parametrize(
    "secret_line",
    [
        "postgresql://postgres:p@ss#w0rd-Unencoded@db.abcdefghijklmnopqrst.supabase.co:5432/postgres",
        "host=db.x.supabase.co password=Kw-Pa55word-9 user=postgres",
        '{"password": "Json-Pa55word-9", "apikey": "Json-Apikey-Value-9"}',
        "PGPASSWORD=Env-Pa55word-9",
        "host=db.x.supabase.co password='Quoted Pa55word-9' user=postgres",
        "{'password': 'Dict-Pa55word-9', 'user': 'postgres'}",
        "Authorization: Basic dXNlcjpQYTU1d29yZC05",
    ],
)
def test_excerpts_mask_every_way_of_writing_a_secret(secret_line):
    text = f'{secret_line} -> FATAL:  password authentication failed for user "postgres"'
    report = explain(text)
    assert report.matches[0].code == "password_auth_failed"
    body = _all_output(report)
    for leaked in (
        "p@ss#w0rd-Unencoded",
        "Kw-Pa55word-9",
        "Json-Pa55word-9",
        "Json-Apikey-Value-9",
        "Env-Pa55word-9",
        "Quoted Pa55word-9",
        "Dict-Pa55word-9",
        "dXNlcjpQYTU1d29yZC05",
    ):
        assert leaked not in body


def test_tokens_are_described_masked_and_offered_to_the_token_page(make_token):
    token = make_token(alg="HS256")
    report = explain(
        f"Bearer {token}\n{{'message': 'JWSError JWSInvalidSignature', 'code': 'PGRST301'}}"
    )
    found = report.tokens[0]
    assert found.masked == f"{token[:8]}…{token[-4:]} ({len(token)} chars)"
    assert found.kind == "supabase_user_token" and found.algorithm == "HS256"
    # The token page shows a pasted token anyway: the button carries it there.
    assert report.matches[0].next.to_dict() == {"page": "token", "input": token}
    # The excerpt never holds the token itself.
    assert token not in report.matches[0].excerpt


def test_never_echoed_kinds_follow_the_token_page():
    from inspector.web import token as token_view

    assert set(NEVER_ECHOED) == set(token_view.SECRET_KINDS)


def test_mask_text_is_linear_and_thorough():
    assert mask_text("x postgres://u:pw-123@h/db y") == "x postgres://u:***@h/db y"
    assert "secret-value" not in mask_text("API_KEY=secret-value rest of the line")
    assert mask_text("API_KEY=secret-value rest of the line").endswith("rest of the line")
    start = time.perf_counter()
    mask_text("a." * 40000 + "x://" * 5000 + "password=" * 4000)
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------------------------------------
# Big and hostile texts: linear, capped, never an exception
# ---------------------------------------------------------------------------------------------

ADVERSARIAL = [
    "a." * 30000,
    "x://" * 15000,
    "eyJ" + "a" * 60000,
    "eyJ" + "a." * 30000,
    ":" * 60000,
    "2a05:" * 12000,
    '"' * 60000,
    "no pg_hba.conf entry for host " * 2000,
    "no pg_hba.conf entry for host " + "x" * 60000,
    'root certificate file "' * 2500,
    "postgres://" + "@" * 60000,
    "postgresql://u:" + "p" * 60000,
    "Traceback (most recent call last):\n" * 1800,
    "[cause]: " * 6000,
    "During handling of the above exception, another exception occurred:\n" * 900,
    " ".join(pat.needle for pat in PATTERNS) * 20,
    "\n".join(pat.needle for pat in PATTERNS) * 20,
    "x" * (MAX_TEXT * 3),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: f"{t[:16]!r}x{len(t)}")
def test_hostile_texts_finish_fast(text):
    start = time.perf_counter()
    report = explain(text)
    elapsed = time.perf_counter() - start
    assert report.matches
    json.dumps(report.to_dict())
    assert elapsed < 2.0, elapsed


def test_a_text_over_the_limit_is_read_at_both_ends():
    inner = 'psycopg2.OperationalError: could not translate host name "db.x.supabase.co" to address'
    text = inner + "\n" + ("filler line\n" * 20000) + "sqlalchemy.exc.OperationalError: ..."
    report = explain(text)
    assert report.truncated
    assert report.matches[0].code == "dns_unresolved"
    assert any(f.code == "text_truncated" for f in report.findings)


_FRAGMENTS = st.sampled_from(
    [pat.needle for pat in PATTERNS]
    + [
        "\n",
        " ",
        '"',
        "(",
        ")",
        ":",
        "\\n",
        '\\"',
        "[cause]: ",
        "During handling of the above exception, another exception occurred:\n",
        "The above exception was the direct cause of the following exception:\n",
        "postgresql://u:p@h:5432/d",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "sb_secret_N7UND0UgjKTVK-Uodkm0Hg",
        "2600:1f18::1",
        "db.abcdefghijklmnopqrst.supabase.co",
    ]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40)), max_size=400), st.integers(1, 150))
def test_fuzz_never_raises_and_stays_fast(parts, repeat):
    text = "".join(parts) * repeat
    text = text[: 60 * 1024]
    start = time.perf_counter()
    report = explain(text)
    elapsed = time.perf_counter() - start
    assert report.matches and report.matches[0].code
    assert len({m.code for m in report.matches}) == len(report.matches)
    json.dumps(report.to_dict())
    assert elapsed < 2.0, elapsed


# ---------------------------------------------------------------------------------------------
# The page, the JSON twin, the CLI, the home box
# ---------------------------------------------------------------------------------------------


def test_api_explains_and_masks(client):
    r = client.post("/api/v1/explain", json={"text": LEAKY})
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) >= {"matches", "found", "findings"}
    assert set(data["found"]) == {"tokens", "connection_strings"}
    first = data["matches"][0]
    assert set(first) >= {"code", "source", "title", "cause", "fix", "next"}
    assert first["code"] == "prepared_statement_exists" and first["source"] == "asyncpg"
    assert first["next"]["page"] == "connection" and ":***@" in first["next"]["input"]
    assert PASSWORD not in r.get_data(as_text=True) and SB_SECRET not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"text": 5}, 400), ({"text": ""}, 200), ({"text": "hello"}, 200)],
)
def test_api_request_shapes(client, body, status):
    r = client.post("/api/v1/explain", json=body)
    assert r.status_code == status
    if status == 200:
        assert r.get_json()["matches"][0]["code"] == "no_match"
    else:
        assert r.get_json()["error"]["code"] == "bad_request"


def test_api_not_json_is_400_and_too_large_is_413(make_app):
    c = make_app(INSPECTOR_MAX_BODY=200).test_client()
    assert c.post("/api/v1/explain", data="text=x").status_code == 400
    r = c.post("/api/v1/explain", json={"text": "x" * 500})
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"


def test_page_get_and_post(client):
    r = client.get("/explain")
    assert r.status_code == 200 and b'name="text"' in r.data
    r = client.post("/explain", data={"text": SQLALCHEMY_TRACEBACK})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-code="ipv6_unreachable"' in html
    assert "libpq" in html
    assert "session pooler" in html


def test_page_never_echoes_secrets_and_offers_the_inspector_by_post(client):
    r = client.post("/explain", data={"text": LEAKY})
    html = r.get_data(as_text=True)
    assert PASSWORD not in html and SB_SECRET not in html
    # The button is a POST form to the connection page with the masked string.
    form = re.search(r'<form method="post" action="/connection"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None
    assert 'name="url"' in form.group(1) and ":***@" in form.group(1)
    assert "?" not in re.search(r'action="([^"]*)"', form.group(0)).group(1)


def test_page_next_button_opens_the_connection_page_filled_in(client):
    r = client.post("/explain", data={"text": LEAKY})
    masked = re.search(r'name="url" value="([^"]*)"', r.get_data(as_text=True)).group(1)
    masked = masked.replace("&#43;", "+").replace("&amp;", "&")
    r = client.post("/connection", data={"url": masked, "probe_field_shown": "1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "aws-0-us-east-1.pooler.supabase.com" in html
    assert PASSWORD not in html


def test_page_empty_text_is_a_field_error(client):
    r = client.post("/explain", data={"text": ""})
    assert r.status_code == 200 and b"field-error" in r.data


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Signature verification failed", "error"),
        ("PGRST301", "error"),
        ("nodename nor servname provided, or not known", "error"),
        ("SELF_SIGNED_CERT_IN_CHAIN", "error"),
        ("Tenant or user not found", "error"),
        ('prepared statement "s0" already exists', "error"),
        (SQLALCHEMY_TRACEBACK, "error"),
        (ASYNCPG_CHAIN, "error"),
        # A token or a connection string alone keeps its route.
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "token"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "token"),
        ("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz", "token"),
        (
            "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres",
            "connection",
        ),
        ("postgresql+asyncpg://u:p@h/db?sslmode=require", "connection"),
        ("SUPABASE_URL=https://x.supabase.co\nSUPABASE_ANON_KEY=eyJ", "env"),
    ],
)
def test_home_box_routes_error_text_to_the_explainer(text, target):
    assert detect_paste(text) == target


def test_home_box_shows_the_explanation(client):
    r = paste(client, "Error: getaddrinfo ENOTFOUND db.abcdefghijklmnopqrst.supabase.co")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.request.path == "/explain"
    assert 'data-code="dns_unresolved"' in html and "<h1>Explain an error</h1>" in html
    assert "not a well-formed JWT" not in html


def test_nav_links_to_the_explainer(client):
    assert b'href="/explain"' in client.get("/").data


@pytest.fixture
def invoke(make_app):
    def _invoke(*args: str, stdin: str | None = None):
        info = ScriptInfo(create_app=lambda: make_app(), set_debug_flag=False)
        return CliRunner().invoke(
            cli.main, list(args), obj=info, input=stdin, prog_name="inspector"
        )

    return _invoke


def test_cli_exit_1_when_a_known_error_is_found(invoke):
    result = invoke("explain", "Tenant or user not found")
    assert result.exit_code == 1, result.output
    assert "pooler_tenant_not_found" in result.output and "supavisor" in result.output.lower()


def test_cli_exit_0_when_nothing_is_recognised(invoke):
    result = invoke("explain", "all good here")
    assert result.exit_code == 0, result.output
    assert "no_match" in result.output


def test_cli_reads_standard_input_and_prints_json(invoke):
    result = invoke("explain", "-", "--json", stdin=LEAKY)
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["matches"][0]["code"] == "prepared_statement_exists"
    assert PASSWORD not in result.output and SB_SECRET not in result.output


def test_cli_text_output_masks_secrets(invoke):
    result = invoke("explain", "-", stdin=LEAKY)
    assert result.exit_code == 1
    assert PASSWORD not in result.output and SB_SECRET not in result.output
    assert "next:  inspector conn 'postgresql://postgres.abcdefghijklmnopqrst:***@" in result.output


def test_flask_inspect_explain_is_the_same_command(runner):
    result = runner.invoke(args=["inspect", "explain", "PGRST301"])
    assert result.exit_code == 1 and "jwt_signature_failed" in result.output


def test_a_service_role_key_in_the_text_is_not_offered_back():
    """A service_role key found in a paste is masked and offered with no input: it acts as the
    project's server, so the explainer never echoes it, not even into the next inspector's form."""
    import jwt as pyjwt

    key = pyjwt.encode(
        {
            "iss": "supabase",
            "ref": "abcdefghijklmnopqrst",
            "role": "service_role",
            "iat": 1,
            "exp": 2**31,
        },
        "x" * 40,
        algorithm="HS256",
    )
    report = explain(f"Error: Invalid API key (apikey: {key})").to_dict()
    assert key not in json.dumps(report)
    [found] = report["found"]["tokens"]
    assert found["kind"] == "supabase_service_role_key"
    assert found["next"]["input"] is None
