"""pgjdbc: its `jdbc:postgresql://host:port/database?user=...&password=...` URL read the way
`org.postgresql.Driver.parseURL` reads it, its TLS and prepare rules, and the URL that works.
No I/O.

Facts: drivers.md §11; the parse was checked against pgjdbc 42.5.5 (Debian's
libpostgresql-jdbc-java) by tests/test_stacks_live.py: a `user:pass@` before the host is not
read (it becomes part of the host name), property values are URL-decoded with `+` as a space,
hosts are not decoded, a value may hold `=`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote, unquote_plus

from inspector.codegen import java_str
from inspector.connections.drivers import libpq_knows
from inspector.connections.parse import HostPort, ParsedConnection, ParseError, _apply_password
from inspector.connections.stacks import codes
from inspector.connections.stacks.base import Reading, Target
from inspector.findings import Finding
from inspector.redact import MASK

_PREFIX_RE = re.compile(r"^jdbc:postgresql:", re.I)
# pgjdbc's property -> the libpq keyword the live probe uses for it.
_TO_LIBPQ = {
    "sslrootcert": "sslrootcert",
    "sslcert": "sslcert",
    "sslkey": "sslkey",
    "options": "options",
    "ApplicationName": "application_name",
    "connectTimeout": "connect_timeout",
}
# Properties pgjdbc documents (use.md); a libpq keyword outside them is not read.
PROPERTIES = frozenset(
    {
        "user",
        "password",
        "options",
        "ssl",
        "sslmode",
        "sslfactory",
        "sslfactoryarg",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslhostnameverifier",
        "sslpasswordcallback",
        "sslpassword",
        "sslResponseTimeout",
        "sslNegotiation",
        "protocolVersion",
        "loggerLevel",
        "loggerFile",
        "allowEncodingChanges",
        "logUnclosedConnections",
        "autosave",
        "cleanupSavepoints",
        "binaryTransfer",
        "binaryTransferEnable",
        "binaryTransferDisable",
        "databaseMetadataCacheFields",
        "databaseMetadataCacheFieldsMiB",
        "prepareThreshold",
        "preparedStatementCacheQueries",
        "preparedStatementCacheSizeMiB",
        "preferQueryMode",
        "defaultRowFetchSize",
        "loginTimeout",
        "connectTimeout",
        "socketTimeout",
        "cancelSignalTimeout",
        "tcpKeepAlive",
        "tcpNoDelay",
        "unknownLength",
        "stringtype",
        "ApplicationName",
        "kerberosServerName",
        "jaasApplicationName",
        "jaasLogin",
        "gssEncMode",
        "gsslib",
        "sspiServiceClass",
        "useSpnego",
        "sendBufferSize",
        "receiveBufferSize",
        "readOnly",
        "readOnlyMode",
        "disableColumnSanitiser",
        "assumeMinServerVersion",
        "currentSchema",
        "targetServerType",
        "hostRecheckSeconds",
        "loadBalanceHosts",
        "socketFactory",
        "socketFactoryArg",
        "reWriteBatchedInserts",
        "replication",
        "escapeSyntaxCallMode",
        "maxResultBuffer",
        "adaptiveFetch",
        "adaptiveFetchMinimum",
        "adaptiveFetchMaximum",
        "logServerErrorDetail",
        "quoteReturningIdentifiers",
        "authenticationPluginClassName",
        "channelBinding",
        "groupStartupParameters",
        "localSocketAddress",
    }
)
NON_VALIDATING = ("disable", "allow", "prefer", "require")


def is_jdbc(text: str) -> bool:
    return bool(_PREFIX_RE.match(text))


def parse_jdbc(text: str, password: str | None, cleaned: tuple[str, ...]) -> ParsedConnection:
    """A `jdbc:postgresql:` URL as a ParsedConnection: hosts, database and the user/password
    properties in their places; `params` the libpq equivalents the live probe uses (the TLS
    mode pgjdbc would use, as a libpq sslmode); `extras["jdbc"]` every property, secrets masked.
    Never raises: a URL pgjdbc cannot read has `.error`."""
    try:
        props, hosts, database, authority = _read(text)
    except ParseError as exc:
        return ParsedConnection(text=text, format="unknown", error=str(exc), cleaned=cleaned)
    params = [(_TO_LIBPQ[k], v) for k, v in props.items() if k in _TO_LIBPQ]
    params.insert(0, ("sslmode", effective_mode(props)))
    shown = {k: (MASK if k in ("password", "sslpassword") else v) for k, v in props.items()}
    p = ParsedConnection(
        text=text,
        format="jdbc",
        scheme="jdbc:postgresql",
        user=props.get("user"),
        password=props.get("password"),
        hosts=hosts,
        database=database or None,
        params=tuple(params),
        masked=_masked(text),
        cleaned=cleaned,
        extras={"jdbc": shown, "authority": authority},
    )
    return _apply_password(p, password)


def _read(text: str) -> tuple[dict[str, str], tuple[HostPort, ...], str, str]:
    """(properties, hosts, database, the authority as written) as Driver.parseURL reads them."""
    rest = _PREFIX_RE.sub("", text, count=1)
    rest, _, query = rest.partition("?")
    props: dict[str, str] = {}
    for item in query.split("&") if query else []:
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq:
            raise ParseError(f"the JDBC property `{key}` has no `=`")
        try:
            props[key] = unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            raise ParseError(f"the JDBC property `{key}` holds bytes that are not UTF-8") from None
    if not rest.startswith("//"):
        # jdbc:postgresql:database or jdbc:postgresql:/ : the local host, port 5432
        return props, (HostPort("localhost", None),), unquote_plus(rest.lstrip("/")), ""
    authority, slash, path = rest[2:].partition("/")
    if not slash:
        raise ParseError("a JDBC URL names its database after the host: jdbc:postgresql://host/db")
    hosts = []
    for item in (authority or "localhost").split(","):
        host, port = _host_port(item)
        if "@" in host:  # pgjdbc looks this name up as it is; what precedes `@` is a secret
            host = MASK + "@" + host.rsplit("@", 1)[1]
        hosts.append(HostPort(host, port))
    return props, tuple(hosts), unquote_plus(path), authority


def _host_port(item: str) -> tuple[str, int | None]:
    if item.startswith("["):
        end = item.find("]")
        host, port_s = item[1:end], item[end + 1 :].lstrip(":")
    elif ":" in item:  # `user:pass@host:5432` too: pgjdbc splits at the last colon
        host, _, port_s = item.rpartition(":")
    else:
        host, port_s = item, ""
    if port_s and not (port_s.isdigit() and 0 < int(port_s) < 65536):
        raise ParseError(f"invalid port number {port_s!r} in the JDBC URL")
    return host or "localhost", int(port_s) if port_s else None


def _masked(text: str) -> str:
    out = re.sub(r"([?&](?:ssl)?password=)[^&]*", lambda m: m.group(1) + MASK, text)
    m = re.match(r"^(jdbc:postgresql://)([^/@]*):([^/@]*)@", out, re.I)
    if m:  # a password before the host (not read by pgjdbc, still a secret)
        out = m.group(1) + m.group(2) + ":" + MASK + "@" + out[m.end() :]
    return out


def effective_mode(props: dict[str, str]) -> str:
    """pgjdbc's TLS as a libpq sslmode: `sslmode` when given; else `ssl` (any value but false)
    is verify-full (use.md: unlike libpq's require); else prefer (non-validating)."""
    if props.get("sslmode"):
        return props["sslmode"]
    ssl = props.get("ssl")
    if ssl is not None and ssl.lower() != "false":
        return "verify-full"
    return "prefer"


def props_of(p: ParsedConnection) -> dict[str, str]:
    """The JDBC properties of a JDBC URL (secrets masked), whether `parse_jdbc` read it or the
    shared parser converted it (`converted_from == "jdbc"`: its params are the properties);
    {} for other strings."""
    own = p.extras.get("jdbc")
    if isinstance(own, dict):
        return dict(own)
    if not is_converted(p):
        return {}
    props = {k: (MASK if k in ("password", "sslpassword") else v) for k, v in p.params}
    if p.user:
        props.setdefault("user", p.user)
    if p.password is not None:
        props["password"] = MASK
    return props


def is_converted(p: ParsedConnection) -> bool:
    """A JDBC URL the shared parser converted to libpq's form."""
    return getattr(p, "converted_from", None) == "jdbc"


def is_jdbc_parse(p: ParsedConnection) -> bool:
    return p.format == "jdbc" or is_converted(p)


def authority_of(p: ParsedConnection) -> str:
    """What stood between `//` and the database, as written."""
    if "authority" in p.extras:
        return str(p.extras["authority"])
    rest = p.text.split("://", 1)[1] if "://" in p.text else ""
    return rest.split("/", 1)[0].split("?", 1)[0]


def as_libpq_tls(p: ParsedConnection) -> ParsedConnection:
    """A JDBC URL's TLS as the libpq sslmode the suggestions start from (`ssl=true` is
    verify-full here, not libpq's require); any other string as it is."""
    if not is_jdbc_parse(p):
        return p
    props = props_of(p)
    rest = tuple((k, v) for k, v in p.params if k not in ("ssl", "sslmode"))
    return replace(p, params=(("sslmode", effective_mode(props)), *rest))


def view(r: Reading) -> dict[str, str]:
    props = props_of(r.p)
    mode = effective_mode(props)
    out = {"tls": mode + (" (non-validating factory)" if mode in NON_VALIDATING else "")}
    if props.get("sslfactory"):
        out["sslfactory"] = props["sslfactory"]
    out["prepareThreshold"] = props.get("prepareThreshold", "5 (default)")
    return out


# --- findings ---------------------------------------------------------------------------------


def findings(r: Reading) -> list[Finding]:
    props = props_of(r.p)
    out: list[Finding] = []
    authority = authority_of(r.p)
    if "@" in authority:
        shown = authority.rsplit("@", 1)[-1]
        out.append(
            r.make(
                codes.JDBC_USERINFO,
                f"pgjdbc reads everything between `//` and the port as the host name "
                f"(`***@{shown}`), so it looks up a host that does not exist; the user and "
                "password come only from properties.",
            )
        )
    out += _tls_findings(r, props)
    for key in props:
        if key not in PROPERTIES and libpq_knows(key):
            out.append(
                r.make(
                    codes.JDBC_LIBPQ_PARAM,
                    f"`{key}` is libpq's spelling; pgjdbc does not read it.",
                    key=key,
                )
            )
    simple = props.get("preferQueryMode", "").startswith("simple")
    if r.transaction and props.get("prepareThreshold") != "0" and not simple:
        out.append(
            r.make(
                codes.PREPARED_JDBC,
                f"Port {r.port} is transaction mode; pgjdbc turns a PreparedStatement into a "
                f"named server statement (S_1, ...) on its {props.get('prepareThreshold', '5')}th "
                "run, which another server connection does not have.",
            )
        )
    return out


def _tls_findings(r: Reading, props: dict[str, str]) -> list[Finding]:
    mode = effective_mode(props)
    factory = props.get("sslfactory", "")
    if factory.endswith("NonValidatingFactory") and r.remote:
        return [
            r.make(
                codes.JDBC_REQUIRE_NO_CHECK,
                "sslfactory=org.postgresql.ssl.NonValidatingFactory accepts any certificate.",
                mode=mode,
            )
        ]
    if mode in NON_VALIDATING and r.remote:
        said = (
            f"sslmode={mode}" if props.get("sslmode") else "no sslmode (pgjdbc's default is prefer)"
        )
        return [
            r.make(
                codes.JDBC_REQUIRE_NO_CHECK,
                f"{said}: pgjdbc encrypts{'' if mode == 'require' else ' if the server offers TLS'}"
                " but does not check the certificate.",
                mode=mode,
            )
        ]
    own_store = factory.endswith("DefaultJavaSSLFactory")
    if mode in ("verify-ca", "verify-full") and not props.get("sslrootcert") and not own_store:
        if not props.get("sslmode"):
            return [
                r.make(
                    codes.JDBC_SSL_TRUE_IS_VERIFY_FULL,
                    f"ssl={props.get('ssl')} with no sslmode: pgjdbc verifies the chain and the "
                    "host name (libpq reads a URI's ssl=true as require), against "
                    "~/.postgresql/root.crt, and stops with `Could not open SSL root certificate "
                    "file` when it is missing.",
                )
            ]
        return [
            r.make(
                codes.JDBC_VERIFY_WITHOUT_ROOT,
                f"sslmode={mode} with no sslrootcert: pgjdbc's default LibPQFactory reads "
                "~/.postgresql/root.crt.",
            )
        ]
    return []


# --- suggestions ------------------------------------------------------------------------------


def _enc(value: str) -> str:
    """A property value as pgjdbc decodes it back (URLDecoder: `+` would be a space)."""
    return quote(value, safe="<>", errors="surrogatepass")


def url(t: Target) -> str:
    """The pgjdbc URL: user and password as properties, TLS and the pooler's prepareThreshold."""
    hosts = ",".join(
        (f"[{h}]" if ":" in h else h) + (f":{port}" if port else "") for h, port in t.hosts
    )
    props: list[tuple[str, str]] = [("user", t.user), ("password", MASK)]
    if t.verify:
        props.append(("sslmode", t.verify))
        if t.ca_file:
            props.append(("sslrootcert", t.ca_file))
        elif t.root == "system" or t.root:
            props.append(("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory"))
    elif t.tls:
        props.append(("sslmode", "require"))
    elif t.mode == "disable":
        props.append(("sslmode", "disable"))
    own = props_of(t.p)
    for key in ("ApplicationName", "options", "connectTimeout", "currentSchema"):
        if key in own:
            props.append((key, own[key]))
    for libpq_key, key in (("application_name", "ApplicationName"), ("options", "options")):
        value = t.param(libpq_key)
        if value is not None and key not in own:
            props.append((key, value))
    if t.transaction:
        props.append(("prepareThreshold", "0"))
    query = "&".join(f"{k}={v if v == MASK else _enc(v)}" for k, v in props)
    return f"jdbc:postgresql://{hosts}/{_enc(t.database)}?{query}"


def snippet(jdbc_url: str) -> str:
    return (
        "import java.sql.Connection;\n"
        "import java.sql.DriverManager;\n\n"
        f"Connection conn = DriverManager.getConnection({java_str(jdbc_url)});"
    )


def suggestion(t: Target) -> tuple[str, str]:
    u = url(t)
    return u, snippet(u)
