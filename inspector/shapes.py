"""Shapes of pasted text that several inspectors recognise, each rule written once.

The paste box (`paste.detect_paste`), the token inspector (a connection string pasted as a
token) and the env check (a database URL in a variable) all ask "is this a Postgres connection
string?"; they ask it here.
"""

from __future__ import annotations

import re

# postgres:// or postgresql://, with SQLAlchemy's driver suffix (postgresql+psycopg2://) too,
# or a JDBC URL (jdbc:postgresql://, which the connection inspector converts).
CONNECTION_URI = re.compile(r"^(?:jdbc:)?postgres(?:ql)?(?:\+[a-z0-9_]+)?://", re.I)
# The libpq keywords that make key=value text a connection string (`host=... dbname=...`).
DSN_KEYWORD = re.compile(r"\b(host|hostaddr|dbname|user|port|sslmode|password)\s*=", re.I)


def is_connection_uri(text: str) -> bool:
    """`postgres://...` (the text stripped by the caller)."""
    return CONNECTION_URI.match(text) is not None


def has_dsn_keyword(text: str) -> bool:
    """At least one libpq keyword=: enough where the variable's name already says database."""
    return DSN_KEYWORD.search(text) is not None


def is_client_command(text: str) -> bool:
    """A psql or pg_dump command line (`psql -h H -U U -d D`, `PGPASSWORD=... psql "..."`)."""
    from inspector.connections.convert import is_client_command as rule

    return rule(text)


def looks_like_connection_string(text: str) -> bool:
    """A Postgres URI, a psql command line, or key=value text with two libpq keywords at least
    and no JWT in it."""
    if is_connection_uri(text) or is_client_command(text):
        return True
    return len(DSN_KEYWORD.findall(text)) >= 2 and "eyJ" not in text
