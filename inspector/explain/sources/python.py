"""Python below and around the drivers: asyncpg, SQLAlchemy, the socket layer (getaddrinfo and
connect errors as `[Errno N] ...`), and the ssl module. pasted-errors.md §9.1, §10; errors.md C.1.
"""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import p
from inspector.explain.shapes import ipv6_unreachable

PATTERNS = (
    # asyncpg.
    p("asyncpg", c.ASYNCPG_SSLMODE_ARGUMENT, r"unexpected keyword argument 'sslmode'", 45),
    p("asyncpg", c.ASYNCPG_SSL_VALUE, r"sslmode`? parameter must be one of", 42),
    p(
        "asyncpg",
        c.ROOT_CERT_MISSING,
        r"root certificate file \"[^\"\n]{0,400}\" does not exist or cannot",
        39,
    ),
    p("asyncpg", c.PREPARED_STATEMENT_EXISTS, r"DuplicatePreparedStatementError", 36),
    p("asyncpg", c.PREPARED_STATEMENT_MISSING, r"InvalidSQLStatementNameError", 36),
    p("asyncpg", c.PASSWORD_AUTH_FAILED, r"InvalidPasswordError", 36),
    p("asyncpg", c.TOO_MANY_CONNECTIONS, r"TooManyConnectionsError", 38),
    p("asyncpg", c.DATABASE_NOT_FOUND, r"InvalidCatalogNameError", 36),
    p("asyncpg", c.ROLE_NOT_FOUND, r"InvalidAuthorizationSpecificationError: role", 34),
    p("asyncpg", c.CONNECTION_CLOSED, r"ConnectionDoesNotExistError", 34),
    p("asyncpg", c.CONNECTION_CLOSED, r"connection was closed in the middle of operation", 32),
    p("asyncpg", c.SERVER_NO_SSL, r"rejected SSL upgrade", 36),
    # SQLAlchemy.
    p(
        "sqlalchemy",
        c.SQLALCHEMY_POSTGRES_SCHEME,
        r"Can't load plugin: sqlalchemy\.dialects:postgres(?!ql)",
        45,
    ),
    p(
        "sqlalchemy",
        c.SQLALCHEMY_GREENLET_MISSING,
        r"requires that the Python 'greenlet' library",
        42,
    ),
    # The socket layer: getaddrinfo's texts per platform (§9.1), connect's errno texts.
    p("python-socket", c.DNS_UNRESOLVED, r"nodename nor servname provided", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"Name or service not known", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"Temporary failure in name resolution", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"Name does not resolve", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"No address associated with hostname", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"No such host is known", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"getaddrinfo failed", 26),
    p("python-socket", c.DNS_UNRESOLVED, r"The requested name is valid, but no data", 24),
    p("python-socket", c.DNS_UNRESOLVED, r"socket\.gaierror", 26),
    p(
        "python-socket",
        c.NETWORK_UNREACHABLE,
        r"Network is unreachable",
        22,
        refine=ipv6_unreachable,
    ),
    p(
        "python-socket",
        c.NETWORK_UNREACHABLE,
        r"Cannot assign requested address",
        22,
        refine=ipv6_unreachable,
    ),
    p("python-socket", c.NETWORK_UNREACHABLE, r"No route to host", 20, refine=ipv6_unreachable),
    p("python-socket", c.NETWORK_UNREACHABLE, r"\[Errno 101\]", 24, refine=ipv6_unreachable),
    p("python-socket", c.CONNECTION_REFUSED, r"ConnectionRefusedError", 28),
    p("python-socket", c.CONNECTION_REFUSED, r"Connection refused", 20),
    p("python-socket", c.CONNECTION_REFUSED, r"actively refused it", 28),
    p("python-socket", c.CONNECTION_REFUSED, r"\[Errno 111\] Connect call failed", 30),
    p("python-socket", c.CONNECTION_REFUSED, r"\[Errno 61\] Connect call failed", 30),
    p("python-socket", c.CONNECTION_TIMEOUT, r"Connection timed out", 20),
    p("python-socket", c.CONNECTION_TIMEOUT, r"Operation timed out", 20),
    p("python-socket", c.CONNECTION_TIMEOUT, r"\[WinError 10060\]", 28),
    p("python-socket", c.CONNECTION_CLOSED, r"ConnectionResetError", 24),
    # The ssl module: `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: <why>`.
    p("python-ssl", c.TLS_VERIFY_FAILED, r"CERTIFICATE_VERIFY_FAILED", 32),
    p("python-ssl", c.TLS_VERIFY_FAILED, r"certificate verify failed", 20),
    p(
        "python-ssl",
        c.TLS_HOSTNAME_MISMATCH,
        r"Hostname mismatch, certificate is not valid for",
        38,
    ),
    p("python-ssl", c.TLS_HOSTNAME_MISMATCH, r"IP address mismatch, certificate is not valid", 38),
    p("python-ssl", c.TLS_EXPIRED, r"verify failed: certificate has expired", 38),
)
