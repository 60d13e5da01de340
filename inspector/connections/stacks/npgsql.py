"""Npgsql (.NET): its `Host=...;Port=...;Username=...;Password=...;SSL Mode=...` connection
string read the way DbConnectionStringBuilder splits it, its TLS, pooling and auto-prepare
rules, and the string that works. No I/O.

Facts: drivers.md §12 (Npgsql 8+: SSL Mode, Trust Server Certificate obsolete, Max Auto Prepare
default 0, No Reset On Close behind PgBouncer); keyword names from NpgsqlConnectionStringBuilder
(case-insensitive, with and without their spaces). No .NET runs here: tests/test_stacks.py
checks the reading against that grammar only.
"""

from __future__ import annotations

import re

from inspector.codegen import cs_str, npgsql_value
from inspector.connections.parse import HostPort, ParsedConnection, ParseError, _apply_password
from inspector.connections.stacks import codes
from inspector.connections.stacks.base import Reading, Target
from inspector.findings import Finding
from inspector.redact import MASK

# Keyword (upper case, spaces removed) -> the property it sets.
_SYNONYMS = {
    "HOST": "Host",
    "SERVER": "Host",
    "PORT": "Port",
    "DATABASE": "Database",
    "DB": "Database",
    "USERNAME": "Username",
    "USERID": "Username",
    "UID": "Username",
    "PASSWORD": "Password",
    "PSW": "Password",
    "PWD": "Password",
    "SSLMODE": "SSL Mode",
    "TRUSTSERVERCERTIFICATE": "Trust Server Certificate",
    "ROOTCERTIFICATE": "Root Certificate",
    "SSLCERTIFICATE": "SSL Certificate",
    "SSLKEY": "SSL Key",
    "SSLPASSWORD": "SSL Password",
    "APPLICATIONNAME": "Application Name",
    "OPTIONS": "Options",
    "TIMEOUT": "Timeout",
    "POOLING": "Pooling",
    "MAXAUTOPREPARE": "Max Auto Prepare",
    "AUTOPREPAREMINUSAGES": "Auto Prepare Min Usages",
    "NORESETONCLOSE": "No Reset On Close",
    "SEARCHPATH": "Search Path",
}
# The other keywords Npgsql knows (upper case, without spaces).
_OTHER_KEYWORDS = frozenset(
    """
    PASSFILE ENLIST CLIENTENCODING ENCODING TIMEZONE CHECKCERTIFICATEREVOCATION
    INTEGRATEDSECURITY KERBEROSSERVICENAME KRBSRVNAME INCLUDEREALM PERSISTSECURITYINFO
    LOGPARAMETERS INCLUDEERRORDETAIL MINIMUMPOOLSIZE MINPOOLSIZE MAXIMUMPOOLSIZE MAXPOOLSIZE
    CONNECTIONIDLELIFETIME CONNECTIONPRUNINGINTERVAL CONNECTIONLIFETIME LOADBALANCETIMEOUT
    COMMANDTIMEOUT INTERNALCOMMANDTIMEOUT CANCELLATIONTIMEOUT TARGETSESSIONATTRIBUTES
    LOADBALANCEHOSTS HOSTRECHECKSECONDS KEEPALIVE TCPKEEPALIVE TCPKEEPALIVETIME
    TCPKEEPALIVEINTERVAL READBUFFERSIZE WRITEBUFFERSIZE SOCKETRECEIVEBUFFERSIZE
    SOCKETSENDBUFFERSIZE REPLICATIONMODE ARRAYNULLABILITYMODE MULTIPLEXING
    WRITECOALESCINGBUFFERTHRESHOLDBYTES LOADTABLECOMPOSITES SERVERCOMPATIBILITYMODE
    CHANNELBINDING GSSENCRYPTIONMODE SSLNEGOTIATION REQUIREAUTH USERNAME
    """.split()  # noqa: SIM905 - a word list reads better as words
)
# Npgsql's SSL Mode -> libpq's sslmode (for the live probe; the names are the same modes).
SSL_MODES = {
    "disable": "disable",
    "allow": "allow",
    "prefer": "prefer",
    "require": "require",
    "verifyca": "verify-ca",
    "verifyfull": "verify-full",
}
_TO_LIBPQ = {
    "Root Certificate": "sslrootcert",
    "SSL Certificate": "sslcert",
    "SSL Key": "sslkey",
    "Application Name": "application_name",
    "Options": "options",
    "Timeout": "connect_timeout",
}


def is_npgsql(text: str) -> bool:
    """An ADO.NET connection string: `;`-separated `Keyword=value` parts, each keyword one
    Npgsql knows, a `Host=` or `Server=` among them (libpq's `host=a password=b;c` is not)."""
    if "://" in text or ";" not in text:
        return False
    try:
        pairs = split(text)
    except ParseError:
        return False
    if any(re.search(r"\s[A-Za-z_]+\s*=", value) for _, value in pairs):
        return False  # libpq's `key=value key=value`, with a `;` somewhere
    keys = [normal(key) for key, _ in pairs]
    known = [k for k in keys if k in _SYNONYMS or k in _OTHER_KEYWORDS]
    host = any(_SYNONYMS.get(k) == "Host" for k in keys)
    return host and len(known) >= 2 and bool(keys) and keys[0] in known


def normal(key: str) -> str:
    return re.sub(r"\s+", "", key).upper()


def split(text: str) -> list[tuple[str, str]]:
    """DbConnectionStringBuilder's reading: `key=value` pairs split at `;`, a value in single or
    double quotes (its own quote doubled) may hold `;`; `==` in a key is a literal `=`."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and (text[i].isspace() or text[i] == ";"):
            i += 1
        if i >= n:
            break
        key_chars = []
        while i < n:
            if text[i] == "=":
                if i + 1 < n and text[i + 1] == "=":
                    key_chars.append("=")
                    i += 2
                    continue
                break
            if text[i] == ";":
                raise ParseError(f"the keyword `{''.join(key_chars).strip()}` has no `=`")
            key_chars.append(text[i])
            i += 1
        if i >= n:
            raise ParseError(f"the keyword `{''.join(key_chars).strip()}` has no `=`")
        i += 1  # the `=`
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            quote, i, buf = text[i], i + 1, []
            while True:
                if i >= n:
                    raise ParseError("a quoted value is not closed")
                if text[i] == quote:
                    if i + 1 < n and text[i + 1] == quote:
                        buf.append(quote)
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            value = "".join(buf)
            while i < n and text[i] in " \t":
                i += 1
            if i < n and text[i] != ";":
                raise ParseError("text after a quoted value")
        else:
            start = i
            while i < n and text[i] != ";":
                i += 1
            value = text[start:i].strip()
        out.append(("".join(key_chars).strip(), value))
    return out


def parse_npgsql(text: str, password: str | None, cleaned: tuple[str, ...]) -> ParsedConnection:
    """An Npgsql connection string as a ParsedConnection (params: the libpq equivalents the live
    probe uses; `extras["npgsql"]`: every keyword by Npgsql's name, secrets masked)."""
    try:
        pairs = split(text)
    except ParseError as exc:
        return ParsedConnection(text=text, format="unknown", error=str(exc), cleaned=cleaned)
    props: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in pairs:
        name = _SYNONYMS.get(normal(key))
        if name is None:
            if normal(key) not in _OTHER_KEYWORDS:
                unknown.append(key)
            name = key
        props[name] = value
    mode = SSL_MODES.get(normal(props.get("SSL Mode", "prefer")).lower())
    params: list[tuple[str, str]] = [("sslmode", mode or "prefer")]
    params += [(_TO_LIBPQ[k], v) for k, v in props.items() if k in _TO_LIBPQ]
    port = props.get("Port", "")
    hosts = []
    for item in (props.get("Host") or "localhost").split(","):
        host, _, own_port = item.strip().rpartition(":") if ":" in item else (item.strip(), "", "")
        port_s = own_port or port
        if port_s and not (port_s.strip().isdigit() and 0 < int(port_s) < 65536):
            return ParsedConnection(
                text=text, format="unknown", error=f"invalid port {port_s!r}", cleaned=cleaned
            )
        hosts.append(HostPort(host.strip("[]"), int(port_s) if port_s else None))
    shown = {k: (MASK if k in ("Password", "SSL Password") else v) for k, v in props.items()}
    p = ParsedConnection(
        text=text,
        format="npgsql",
        user=props.get("Username") or None,
        password=props.get("Password"),
        hosts=tuple(hosts),
        database=props.get("Database") or None,
        params=tuple(params),
        masked=_masked(pairs),
        cleaned=cleaned,
        extras={"npgsql": shown, "unknown": unknown, "ssl_mode_ok": mode is not None},
    )
    return _apply_password(p, password)


def _masked(pairs: list[tuple[str, str]]) -> str:
    parts = []
    for key, value in pairs:
        name = _SYNONYMS.get(normal(key))
        shown = MASK if name in ("Password", "SSL Password") else npgsql_value(value)
        parts.append(f"{key}={shown}")
    return ";".join(parts)


def props_of(p: ParsedConnection) -> dict[str, str]:
    value = p.extras.get("npgsql")
    return dict(value) if isinstance(value, dict) else {}


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "1")


def view(r: Reading) -> dict[str, str]:
    props = props_of(r.p)
    return {
        "SSL Mode": props.get("SSL Mode", "Prefer (default)"),
        "Max Auto Prepare": props.get("Max Auto Prepare", "0 (default: off)"),
        "Pooling": props.get("Pooling", "true (default)"),
        "No Reset On Close": props.get("No Reset On Close", "false (default)"),
    }


# --- findings ---------------------------------------------------------------------------------


def findings(r: Reading) -> list[Finding]:
    props = props_of(r.p)
    out: list[Finding] = []
    for key in r.p.extras.get("unknown") or []:
        out.append(
            r.make(
                codes.NPGSQL_UNKNOWN_KEYWORD,
                f"`{key}` is no keyword of NpgsqlConnectionStringBuilder: opening the "
                f"connection throws `Keyword not supported: '{key.lower()}'`.",
                key=key,
            )
        )
    mode_text = props.get("SSL Mode")
    if mode_text and not r.p.extras.get("ssl_mode_ok"):
        out.append(
            r.make(
                codes.NPGSQL_UNKNOWN_KEYWORD,
                f"`SSL Mode={mode_text}` is none of Disable, Allow, Prefer, Require, VerifyCA, "
                "VerifyFull.",
                key=f"SSL Mode={mode_text}",
            )
        )
    if "Trust Server Certificate" in props:
        out.append(
            r.make(
                codes.NPGSQL_TRUST_SERVER_CERTIFICATE,
                f"`Trust Server Certificate={props['Trust Server Certificate']}`: obsolete since "
                'Npgsql 8.0 ("no longer needed and does nothing"); Require already skips '
                "validation.",
            )
        )
    mode = r.param("sslmode") or "prefer"
    if mode in ("disable", "allow", "prefer", "require") and r.remote:
        said = f"SSL Mode={mode_text}" if mode_text else "no SSL Mode (Npgsql's default is Prefer)"
        out.append(
            r.make(
                codes.NPGSQL_REQUIRE_NO_CHECK,
                f"{said}: Npgsql encrypts{' if the server offers it' if mode != 'require' else ''} "
                "and never validates the certificate in this mode.",
                mode=mode_text or "Prefer",
            )
        )
    elif mode in ("verify-ca", "verify-full") and "Root Certificate" not in props and r.supabase:
        out.append(
            r.make(
                codes.NPGSQL_VERIFY_SYSTEM_STORE,
                f"SSL Mode={mode_text} with no Root Certificate: Npgsql validates against "
                "PGSSLROOTCERT, ~/.postgresql/root.crt or the system's store, which lacks "
                "Supabase Root 2021 CA.",
            )
        )
    if r.transaction:
        auto = props.get("Max Auto Prepare", "0").strip()
        if auto not in ("", "0"):
            out.append(
                r.make(
                    codes.PREPARED_NPGSQL,
                    f"Port {r.port} is transaction mode; with Max Auto Prepare={auto} Npgsql "
                    "prepares statements used often, on one server connection.",
                    value=auto,
                )
            )
        pooling = props.get("Pooling")
        if not _true(props.get("No Reset On Close")) and not (pooling and not _true(pooling)):
            out.append(
                r.make(
                    codes.NPGSQL_NO_RESET,
                    f"Port {r.port} is transaction mode; Npgsql's pool sends DISCARD ALL when a "
                    "connection goes back to it, which resets a server connection other "
                    "clients share.",
                )
            )
    return out


# --- suggestions ------------------------------------------------------------------------------

_CASED = {
    "disable": "Disable",
    "allow": "Allow",
    "prefer": "Prefer",
    "require": "Require",
    "verify-ca": "VerifyCA",
    "verify-full": "VerifyFull",
}


def connection_string(t: Target) -> str:
    hosts = ",".join(h + (f":{port}" if port and len(t.hosts) > 1 else "") for h, port in t.hosts)
    parts = [("Host", hosts)]
    if len(t.hosts) == 1:
        parts.append(("Port", str(t.port)))
    parts += [("Database", t.database), ("Username", t.user), ("Password", MASK)]
    if t.verify:
        parts.append(("SSL Mode", _CASED[t.verify]))
        if t.ca_file:
            parts.append(("Root Certificate", t.ca_file))
    elif t.mode:
        parts.append(("SSL Mode", _CASED.get(t.mode, "Require")))
    own = props_of(t.p)
    for key in ("Application Name", "Options", "Timeout", "Search Path", "Maximum Pool Size"):
        if key in own:
            parts.append((key, own[key]))
    if "Application Name" not in own and t.param("application_name"):
        parts.append(("Application Name", t.param("application_name") or ""))
    if t.transaction:
        parts.append(("No Reset On Close", "true"))
    return ";".join(f"{k}={v if v == MASK else npgsql_value(v)}" for k, v in parts)


def snippet(conn: str) -> str:
    return (
        "using Npgsql;\n\n"
        f"await using var dataSource = NpgsqlDataSource.Create({cs_str(conn)});\n"
        "await using var connection = await dataSource.OpenConnectionAsync();"
    )


def suggestion(t: Target) -> tuple[str, str]:
    s = connection_string(t)
    return s, snippet(s)
