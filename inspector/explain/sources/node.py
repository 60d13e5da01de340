"""Node: its net/tls errors (`getaddrinfo ENOTFOUND`, `connect ECONNREFUSED`, `code:
'SELF_SIGNED_CERT_IN_CHAIN'`), node-postgres (pg), and Prisma (P-codes and its messages).
pasted-errors.md §11, drivers.md §3, §5.3."""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import p
from inspector.explain.shapes import ipv6_unreachable

PATTERNS = (
    # Node's own errors (net, dns, tls).
    p("node", c.DNS_UNRESOLVED, r"getaddrinfo ENOTFOUND", 36),
    p("node", c.DNS_UNRESOLVED, r"getaddrinfo EAI_AGAIN", 36),
    p("node", c.DNS_UNRESOLVED, r"code: 'ENOTFOUND'", 30),
    p("node", c.DNS_UNRESOLVED, r"\"code\":\s{0,2}\"ENOTFOUND\"", 30),
    p("node", c.NETWORK_UNREACHABLE, r"ENETUNREACH", 32, refine=ipv6_unreachable),
    p("node", c.NETWORK_UNREACHABLE, r"EHOSTUNREACH", 32, refine=ipv6_unreachable),
    p("node", c.NETWORK_UNREACHABLE, r"EADDRNOTAVAIL", 32, refine=ipv6_unreachable),
    p("node", c.CONNECTION_REFUSED, r"ECONNREFUSED", 32),
    p("node", c.CONNECTION_TIMEOUT, r"ETIMEDOUT", 32),
    p("node", c.CONNECTION_CLOSED, r"ECONNRESET", 26),
    p("node", c.TLS_VERIFY_FAILED, r"SELF_SIGNED_CERT_IN_CHAIN", 38),
    p("node", c.TLS_VERIFY_FAILED, r"DEPTH_ZERO_SELF_SIGNED_CERT", 38),
    p("node", c.TLS_VERIFY_FAILED, r"UNABLE_TO_GET_ISSUER_CERT_LOCALLY", 38),
    p("node", c.TLS_VERIFY_FAILED, r"UNABLE_TO_VERIFY_LEAF_SIGNATURE", 38),
    p("node", c.TLS_VERIFY_FAILED, r"self.signed certificate in certificate chain", 28),
    p("node", c.TLS_VERIFY_FAILED, r"unable to get local issuer certificate", 26),
    p("node", c.TLS_VERIFY_FAILED, r"unable to verify the first certificate", 26),
    p("node", c.TLS_VERIFY_FAILED, r"self.signed certificate", 22),
    p("node", c.TLS_HOSTNAME_MISMATCH, r"ERR_TLS_CERT_ALTNAME_INVALID", 40),
    p("node", c.TLS_HOSTNAME_MISMATCH, r"does not match certificate's altnames", 36),
    p("node", c.TLS_EXPIRED, r"CERT_HAS_EXPIRED", 40),
    p("node", c.TLS_EXPIRED, r"certificate has expired", 30),
    # node-postgres (pg, pg-pool, pg-connection-string).
    p("node-postgres", c.SERVER_NO_SSL, r"The server does not support SSL connections", 38),
    p("node-postgres", c.CONNECTION_CLOSED, r"Connection terminated unexpectedly", 32),
    p("node-postgres", c.CONNECTION_TIMEOUT, r"timeout exceeded when trying to connect", 36),
    p(
        "node-postgres",
        c.CONNECTION_TIMEOUT,
        r"Connection terminated due to connection timeout",
        36,
    ),
    # Prisma: P-codes (libs/user-facing-errors) and their texts.
    p("prisma", c.PASSWORD_AUTH_FAILED, r"\bP1000\b", 36),
    p("prisma", c.PASSWORD_AUTH_FAILED, r"Authentication failed against database server", 36),
    p("prisma", c.CONNECTION_TIMEOUT, r"\bP1001\b", 36),
    p("prisma", c.CONNECTION_TIMEOUT, r"Can't reach database server at", 36),
    p("prisma", c.CONNECTION_TIMEOUT, r"\bP1002\b", 36),
    p("prisma", c.CONNECTION_TIMEOUT, r"was reached but timed out", 34),
    p("prisma", c.DATABASE_NOT_FOUND, r"\bP1003\b", 36),
    p("prisma", c.TLS_VERIFY_FAILED, r"\bP1011\b", 30),
    p("prisma", c.TLS_VERIFY_FAILED, r"Error opening a TLS connection", 30),
    p("prisma", c.CONNECTION_CLOSED, r"\bP1017\b", 32),
    p("prisma", c.CONNECTION_CLOSED, r"Server has closed the connection", 30),
    p("prisma", c.TOO_MANY_CONNECTIONS, r"\bP2037\b", 36),
    p("prisma", c.TOO_MANY_CONNECTIONS, r"Too many database connections opened", 36),
    p("prisma", c.PREPARED_STATEMENT_EXISTS, r"E42P05", 30, cs=True, fallback=True),
)
