"""libpq (psql, pg_dump, psycopg2, psycopg 3) and the Postgres server's own FATAL messages.

libpq frames each attempt as `connection to server at "<host>" (<addr>), port N failed: <why>`
and joins attempts with newlines; server messages follow as `FATAL:  <msg>` (errors.md Part B).
A server message's source is the client that printed it (`SERVER`: the service decides).
"""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import SERVER, p
from inspector.explain.shapes import ipv6_unreachable

PATTERNS = (
    # DNS.
    p("libpq", c.DNS_UNRESOLVED, r"could not translate host name", 34),
    p("psycopg", c.DNS_UNRESOLVED, r"failed to resolve host", 34),
    p("libpq", c.DNS_UNRESOLVED, r"Unknown host", 18),
    # The network.
    p(
        "libpq",
        c.NETWORK_UNREACHABLE,
        r"failed: Network is unreachable",
        30,
        refine=ipv6_unreachable,
    ),
    p("libpq", c.NETWORK_UNREACHABLE, r"failed: Network unreachable", 30, refine=ipv6_unreachable),
    p(
        "libpq",
        c.NETWORK_UNREACHABLE,
        r"failed: Cannot assign requested address",
        30,
        refine=ipv6_unreachable,
    ),
    p("libpq", c.NETWORK_UNREACHABLE, r"failed: No route to host", 30, refine=ipv6_unreachable),
    p("libpq", c.CONNECTION_REFUSED, r"failed: Connection refused", 30),
    p("libpq", c.CONNECTION_TIMEOUT, r"failed: timeout expired", 34),
    p("libpq", c.CONNECTION_TIMEOUT, r"timeout expired", 22),
    p("libpq", c.CONNECTION_TIMEOUT, r"failed: Connection timed out", 30),
    p("libpq", c.CONNECTION_TIMEOUT, r"failed: Operation timed out", 30),
    p("libpq", c.CONNECTION_CLOSED, r"server closed the connection unexpectedly", 30),
    p("libpq", c.CONNECTION_CLOSED, r"SSL connection has been closed unexpectedly", 30),
    p("libpq", c.CONNECTION_CLOSED, r"SSL SYSCALL error: EOF detected", 30),
    # TLS and the startup negotiation.
    p("libpq", c.TLS_VERIFY_FAILED, r"SSL error: certificate verify failed", 32),
    p("libpq", c.TLS_HOSTNAME_MISMATCH, r"server certificate for \"[^\"\n]{0,255}\"", 36),
    p("libpq", c.ROOT_CERT_MISSING, r"root certificate file \"[^\"\n]{0,400}\" does not exist", 38),
    p("libpq", c.SERVER_NO_SSL, r"server does not support SSL, but SSL was required", 38),
    p("libpq", c.GSSAPI_NEGOTIATION, r"received invalid response to GSSAPI negotiation", 42),
    p("libpq", c.NOT_POSTGRES, r"received invalid response to SSL negotiation", 36),
    p("libpq", c.NOT_POSTGRES, r"expected authentication request from server, but received", 36),
    # The string itself.
    p("libpq", c.URI_INVALID_PARAMETER, r"invalid URI query parameter", 36),
    p("libpq", c.URI_INVALID_PARAMETER, r"invalid connection option", 34),
    p("libpq", c.URI_NEEDS_ENCODING, r"invalid percent-encoded token", 36),
    p("libpq", c.URI_NEEDS_ENCODING, r"extra key/value separator \"=\" in URI query parameter", 36),
    p(
        "libpq",
        c.URI_NEEDS_ENCODING,
        r"invalid integer value \"[^\"\n]{0,200}\" for connection option",
        34,
    ),
    p("libpq", c.URI_NEEDS_ENCODING, r"invalid port number", 30),
    p("libpq", c.NO_PASSWORD, r"fe_sendauth: no password supplied", 38),
    # The server's FATALs (the same words whichever client shows them).
    p(SERVER, c.PASSWORD_AUTH_FAILED, r"password authentication failed for user", 30),
    p(SERVER, c.PASSWORD_AUTH_FAILED, r"password authentication failed", 24),
    p(SERVER, c.PASSWORD_AUTH_FAILED, r"\b28P01\b", 12, fallback=True),
    # Supabase enforces SSL with a hostssl-only pg_hba.conf: plaintext gets "no encryption".
    p(SERVER, c.SSL_REQUIRED, r"no pg_hba\.conf entry for host [^\n]{0,300}no encryption", 35),
    p(SERVER, c.SSL_REQUIRED, r"no pg_hba\.conf entry for host [^\n]{0,300}SSL off", 35),
    p(SERVER, c.NO_HBA_ENTRY, r"no pg_hba\.conf entry for host [^\n]{0,300}SSL encryption", 36),
    p(SERVER, c.NO_HBA_ENTRY, r"no pg_hba\.conf entry for host [^\n]{0,300}SSL on", 36),
    p(SERVER, c.NO_HBA_ENTRY, r"pg_hba\.conf rejects connection", 36),
    p(SERVER, c.TOO_MANY_CONNECTIONS, r"remaining connection slots are reserved", 36),
    p(SERVER, c.TOO_MANY_CONNECTIONS, r"too many clients already", 36),
    p(SERVER, c.TOO_MANY_CONNECTIONS, r"\b53300\b", 12, fallback=True),
    p(SERVER, c.DATABASE_NOT_FOUND, r"database \"[^\"\n]{0,200}\" does not exist", 30),
    p(SERVER, c.ROLE_NOT_FOUND, r"role \"[^\"\n]{0,200}\" does not exist", 30),
    p(
        SERVER,
        c.PREPARED_STATEMENT_EXISTS,
        r"prepared statement \"[^\"\n]{0,200}\" already exists",
        32,
    ),
    p(SERVER, c.PREPARED_STATEMENT_EXISTS, r"\b42P05\b", 14, fallback=True),
    p(
        SERVER,
        c.PREPARED_STATEMENT_MISSING,
        r"prepared statement \"[^\"\n]{0,200}\" does not exist",
        32,
    ),
    p("psycopg", c.PREPARED_STATEMENT_EXISTS, r"DuplicatePreparedStatement\b", 34),
)
