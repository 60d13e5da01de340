"""Other tools' ways of writing a connection, converted to the libpq string they stand for: a
JDBC URL (`jdbc:postgresql://...`) and a command line of psql or pg_dump (`psql "postgresql://..."`,
`PGPASSWORD=... psql -h H -p P -U U -d D`). No I/O.

Only the form is converted here; what pgjdbc makes of its own properties (`ssl=true`,
`sslfactory`, `prepareThreshold`, ...) is its stack's to judge (`stacks/jdbc.py`).
"""

from __future__ import annotations

import os
import re
import shlex
from urllib.parse import quote, unquote_plus

_JDBC_RE = re.compile(r"jdbc:postgresql:", re.I)
# The libpq client programs whose -h/-p/-U/-d options and positional database name are read.
_TOOLS = ("psql", "pg_dump")
_TOOL_RE = re.compile(r"(?:^|[\s/\\])(?:psql|pg_dump)(?:\.exe)?(?:\s|$)")
_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# The variables libpq reads (the defaults under every option), as the keywords they stand for.
_ENV_KEYWORDS = {
    "PGHOST": "host",
    "PGHOSTADDR": "hostaddr",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGOPTIONS": "options",
    "PGAPPNAME": "application_name",
    "PGSSLMODE": "sslmode",
    "PGSSLROOTCERT": "sslrootcert",
    "PGSSLCERT": "sslcert",
    "PGSSLKEY": "sslkey",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGTARGETSESSIONATTRS": "target_session_attrs",
    "PGCHANNELBINDING": "channel_binding",
    "PGGSSENCMODE": "gssencmode",
    "PGSERVICE": "service",
}
_OPTION_KEYWORDS = {
    "-h": "host",
    "--host": "host",
    "-p": "port",
    "--port": "port",
    "-U": "user",
    "--username": "user",
    "-d": "dbname",
    "--dbname": "dbname",
}
# psql and pg_dump options that take a value (skipped with it, so it is not read as the name).
_VALUED = frozenset(
    (
        *("-c", "--command", "-f", "--file", "-o", "--output", "-L", "--log-file", "-v"),
        *("--set", "--variable", "-P", "--pset", "-F", "--field-separator", "-R"),
        *("--record-separator", "-T", "--table-attr", "-n", "--schema", "-N"),
        *("--exclude-schema", "-t", "--table", "-E", "--encoding", "-Z", "--compress", "-j"),
        *("--jobs", "-S", "--superuser", "--role", "--section", "--exclude-table"),
        *("--exclude-table-data", "-e", "--extension", "--lock-wait-timeout"),
    )
)


class ConversionError(ValueError):
    """The text has another tool's form but cannot be converted."""


def to_libpq(text: str) -> tuple[str, str] | None:
    """(the libpq string, "jdbc" | "psql") when `text` is a JDBC URL or a psql or pg_dump
    command line; None for anything else. Raises ConversionError for a broken command line."""
    if _JDBC_RE.match(text):
        return jdbc_to_uri(text), "jdbc"
    if is_client_command(text):
        return command_to_libpq(text), "psql"
    return None


def is_client_command(text: str) -> bool:
    """A psql or pg_dump command line: its first word after any `NAME=value` is the tool."""
    text = text.strip()
    return bool(_TOOL_RE.search(text.split("\n", 1)[0])) and _is_command(text)


def jdbc_to_uri(text: str) -> str:
    """`jdbc:postgresql://host:port/db?props` -> `postgresql://host:port/db?props`, each
    property read as pgjdbc reads it (URL-decoded, `+` a space, `=` allowed in a value) and
    written again for libpq's query. pgjdbc always connects over TCP, to localhost when the URL
    names no host (`jdbc:postgresql:db`, `jdbc:postgresql:///db`); it reads `user=` and
    `password=` from the query, as libpq does."""
    rest = text[len("jdbc:postgresql:") :]
    rest, _, query = rest.partition("?")
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
    else:  # jdbc:postgresql:database or jdbc:postgresql:/
        authority, slash, path = "", "/", rest.lstrip("/")
    if authority == "" or authority.startswith(":"):
        authority = "localhost" + authority
    props = []
    for item in query.split("&") if query else []:
        if item:
            key, eq, value = item.partition("=")
            props.append(
                f"{quote(unquote_plus(key), safe='')}={quote(unquote_plus(value), safe='')}"
            )
    return f"postgresql://{authority}{slash}{path}" + ("?" + "&".join(props) if props else "")


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("\\\n", " "), posix=True)
    except ValueError as exc:  # an unclosed quote
        raise ConversionError(f"the command line cannot be split into words: {exc}") from None


def _is_command(text: str) -> bool:
    """The first word after any `NAME=value` assignments is psql or pg_dump."""
    try:
        words = _words(text)
    except ConversionError:
        return True  # it looks like one: say why it cannot be read
    for word in words:
        if _ASSIGNMENT_RE.match(word):
            continue
        name = os.path.basename(word.replace("\\", "/")).lower().removesuffix(".exe")
        return name in _TOOLS
    return False


def command_to_libpq(text: str) -> str:
    """A psql or pg_dump command line as libpq reads it: the PG* variables set before it are
    the defaults, then -h/-p/-U, then the database name, which may itself be a connection string
    (a URI or `key=value ...`) whose settings win over the options (PQconnectdbParams with
    expand_dbname, as psql calls it)."""
    words = _words(text)
    env: dict[str, str] = {}
    i = 0
    while i < len(words) and _ASSIGNMENT_RE.match(words[i]):
        name, _, value = words[i].partition("=")
        if name in _ENV_KEYWORDS:
            env[_ENV_KEYWORDS[name]] = value
        i += 1
    options: dict[str, str] = {}
    positional: list[str] = []
    args = words[i + 1 :]
    j = 0
    while j < len(args):
        word = args[j]
        j += 1
        if word == "--":
            positional += args[j:]
            break
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            if name in _OPTION_KEYWORDS:
                options[_OPTION_KEYWORDS[name]] = value
            continue
        if word in _OPTION_KEYWORDS or word in _VALUED:
            if j >= len(args):
                raise ConversionError(f"the option {word} has no value")
            if word in _OPTION_KEYWORDS:
                options[_OPTION_KEYWORDS[word]] = args[j]
            j += 1
            continue
        if len(word) > 2 and word[:2] in _OPTION_KEYWORDS:  # -hlocalhost
            options[_OPTION_KEYWORDS[word[:2]]] = word[2:]
            continue
        if word.startswith("-") and word != "-":
            continue  # a switch: -X, -w, --no-psqlrc, ...
        positional.append(word)
    if positional and "dbname" not in options:
        options["dbname"] = positional[0]
    if len(positional) > 1 and "user" not in options:
        options["user"] = positional[1]
    dbname = options.pop("dbname", None)
    settings = {**env, **options}
    if dbname is not None and _is_conninfo(dbname):
        if not settings:
            return dbname
        return _keywords(settings) + " " + _conninfo_keywords(dbname)
    if dbname is not None:
        settings["dbname"] = dbname
    if not settings:
        raise ConversionError(
            "the command line names no server, user or database: psql would connect to the "
            "local socket as the account running it"
        )
    return _keywords(settings)


def _is_conninfo(dbname: str) -> bool:
    """libpq's rule for an expanded dbname: it holds `=` or starts with a URI scheme."""
    return "=" in dbname or dbname.startswith(("postgresql://", "postgres://"))


def _keywords(settings: dict[str, str]) -> str:
    from inspector.connections.parse import quote_keyword_value

    return " ".join(f"{k}={quote_keyword_value(v)}" for k, v in settings.items())


def _conninfo_keywords(conninfo: str) -> str:
    """A connection string as keywords (a URI's settings, read as libpq reads them), so the
    options before it can be written in the same string."""
    from inspector.connections.parse import ParseError, _parse_uri

    if "://" not in conninfo:
        return conninfo
    try:
        p = _parse_uri(conninfo, conninfo.split("://", 1)[0])
    except ParseError as exc:
        raise ConversionError(f"the database name is a URI libpq cannot read: {exc}") from None
    settings: dict[str, str] = {}
    if p.hosts and any(h.host for h in p.hosts):
        settings["host"] = ",".join(h.host for h in p.hosts)
    if any(h.port for h in p.hosts):
        settings["port"] = ",".join(str(h.port or "") for h in p.hosts)
    for key, value in (("user", p.user), ("password", p.password), ("dbname", p.database)):
        if value:
            settings[key] = value
    settings.update(p.params)
    return _keywords(settings)
