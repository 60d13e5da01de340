"""The poolers: Supavisor (Supabase's shared pooler; `(ECODE) message` since v2.9.0, bare
messages before) and PgBouncer (the dedicated pooler). errors.md B.5, pasted-errors.md §13."""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import p

PATTERNS = (
    # Supavisor, v2.9.0+ codes first (the most exact), then the older messages.
    p("supavisor", c.POOLER_TENANT_NOT_FOUND, r"\(ENOTFOUND\) tenant/user", 48),
    p("supavisor", c.POOLER_TENANT_NOT_FOUND, r"Tenant or user not found", 45),
    p("supavisor", c.POOLER_TENANT_NOT_FOUND, r"tenant/user [^\n]{0,120}not found", 42),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"\(EMAXCONNSESSION\)", 48),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"\(EMAXCONN\)", 48),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"Max client connections reached", 45),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"MaxClientsInSessionMode", 45),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"max clients reached in session mode", 44),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"\(EMAXPOOLSREACHED\)", 48),
    p("supavisor", c.TOO_MANY_CONNECTIONS, r"Max pools count reached", 44),
    p("supavisor", c.SSL_REQUIRED, r"\(ESSLREQUIRED\)", 48),
    p("supavisor", c.SSL_REQUIRED, r"SSL connection is required", 40),
    p("supavisor", c.POOLER_CIRCUIT_BREAKER, r"\(ECIRCUITBREAKER\)", 48),
    p("supavisor", c.POOLER_CIRCUIT_BREAKER, r"Circuit breaker open", 45),
    p("supavisor", c.POOLER_CHECKOUT_TIMEOUT, r"\(ECHECKOUTTIMEOUT\)", 48),
    p("supavisor", c.POOLER_CHECKOUT_TIMEOUT, r"Unable to check out connection from the pool", 44),
    p("supavisor", c.NETWORK_RESTRICTED, r"\(EADDRNOTALLOWED\)", 48),
    p("supavisor", c.NETWORK_RESTRICTED, r"Address not in tenant allow_list", 45),
    p("supavisor", c.CONNECTION_CLOSED, r"\(EDBHANDLEREXITED\)", 46),
    p("supavisor", c.CONNECTION_CLOSED, r"Connection to database closed\. Check logs", 42),
    p("supavisor", c.PREPARED_STATEMENT_EXISTS, r"\(EPREPAREDDUP\)", 48),
    p("supavisor", c.PREPARED_STATEMENT_MISSING, r"\(EPREPAREDNOTFOUND\)", 48),
    # PgBouncer.
    p("pgbouncer", c.TOO_MANY_CONNECTIONS, r"no more connections allowed", 44),
    p("pgbouncer", c.TOO_MANY_CONNECTIONS, r"client connections exceeded", 44),
    p("pgbouncer", c.PREPARED_STATEMENT_EXISTS, r"prepared statement name is already in use", 40),
    p("pgbouncer", c.PREPARED_STATEMENT_MISSING, r"prepared statement did not exist", 40),
    p("pgbouncer", c.DATABASE_NOT_FOUND, r"no such database: ", 36),
    p("pgbouncer", c.PASSWORD_AUTH_FAILED, r"SASL authentication failed", 36),
    p("pgbouncer", c.POOLER_STARTUP_PARAMETER, r"unsupported startup parameter", 42),
    p("pgbouncer", c.SSL_REQUIRED, r"FATAL:\s{1,3}SSL required", 36),
)
