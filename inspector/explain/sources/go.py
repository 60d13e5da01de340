"""Go: pgx (also the Supabase CLI's driver: `failed to connect to `host=… user=…`: <reason>`)
and Go's net and crypto/x509 texts. pasted-errors.md §12."""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import p
from inspector.explain.shapes import ipv6_unreachable

PATTERNS = (
    p("pgx", c.DNS_UNRESOLVED, r"hostname resolving error", 36),
    p("pgx", c.DNS_UNRESOLVED, r": no such host", 26),
    p(
        "pgx",
        c.NETWORK_UNREACHABLE,
        r"connect: network is unreachable",
        34,
        refine=ipv6_unreachable,
    ),
    p("pgx", c.NETWORK_UNREACHABLE, r"connect: no route to host", 34, refine=ipv6_unreachable),
    p("pgx", c.CONNECTION_REFUSED, r"connect: connection refused", 34),
    p("pgx", c.CONNECTION_TIMEOUT, r"i/o timeout", 26),
    p("pgx", c.CONNECTION_TIMEOUT, r"context deadline exceeded", 22),
    p("pgx", c.CONNECTION_CLOSED, r"failed to receive message \(unexpected EOF\)", 32),
    p("pgx", c.PASSWORD_AUTH_FAILED, r"failed SASL auth", 36),
    p("pgx", c.PASSWORD_AUTH_FAILED, r"invalid SCRAM server-final-message", 34),
    p("pgx", c.SERVER_NO_SSL, r"server refused TLS connection", 38),
    p("pgx", c.TLS_VERIFY_FAILED, r"x509: certificate signed by unknown authority", 38),
    p("pgx", c.TLS_HOSTNAME_MISMATCH, r"x509: certificate is valid for", 36),
    p("pgx", c.TLS_EXPIRED, r"x509: certificate has expired", 40),
)
