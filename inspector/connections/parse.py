"""Connection strings -> `ParsedConnection`: URI, libpq `key=value`, SQLAlchemy URL. No I/O.

The parse here is what the user *meant* (a URI's user info ends at its last `@`); `lint.py` then
asks the drivers' own parsers what they would actually do with the same text. Otherwise each
form is read by its reader's rules: a URI or keyword string as libpq reads it (its host and port
lists, its query syntax), a SQLAlchemy URL as `make_url` and the dialect's `create_connect_args`
read it (tests/test_parse_property.py holds the parser to the drivers' own readings). A JDBC URL
or a psql command line is first converted to the libpq string it stands for (`convert.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from inspector.redact import MASK

# Schemes libpq accepts, and the ones SQLAlchemy's postgresql dialect takes (`dialect+driver`).
LIBPQ_SCHEMES = ("postgresql", "postgres")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
# A URI's scheme after `NAME=`: only then is NAME= a .env prefix (`host=postgres` is libpq's).
_URI_SCHEME_RE = re.compile(r"postgres(?:ql)?(?:\+[a-z0-9_]+)?://", re.I)
_ENV_PREFIX_RE = re.compile(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?=\S)")
_PLACEHOLDER_RE = re.compile(r"^\[.*\]$|^<.*>$|your[-_ ]?password|^\*+$|^password$", re.I)
_HOSTLIKE_RE = re.compile(r"^[A-Za-z0-9.\-_%,:\[\]]*$")
_PCT_BAD_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Parameters that a URI query or keyword string may carry in place of the main parts.
_MAIN_KEYS = ("host", "port", "user", "password", "dbname")
SECRET_PARAMS = ("password", "sslpassword")
DEFAULT_PORT = 5432


class ParseError(ValueError):
    """The text cannot be read as a connection string at all."""


@dataclass(frozen=True)
class HostPort:
    host: str  # "" means libpq's default (the local socket directory); "/dir" is a socket dir
    port: int | None

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORT

    @property
    def is_socket(self) -> bool:
        return self.host == "" or self.host.startswith("/") or self.host.startswith("@")

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port}


@dataclass(frozen=True)
class ParsedConnection:
    """What the string says. `password` is the real value: never render it, use `to_dict()`."""

    text: str  # the string as read (cleaned of quotes/`NAME=`, converted), password included
    format: str  # "uri" | "keyword" | "sqlalchemy" | "unknown"
    scheme: str | None = None
    driver: str | None = None  # the `+driver` of a SQLAlchemy URL
    user: str | None = None
    password: str | None = None
    hosts: tuple[HostPort, ...] = ()
    database: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    error: str | None = None  # why it cannot be parsed (dsn_unparseable)
    placeholder: str | None = None  # the placeholder still standing in for the password
    password_from_field: bool = False
    raw_password: str | None = None  # as written inside a URI (before percent-decoding)
    masked: str = ""  # the string with the password as ***
    cleaned: tuple[str, ...] = ()  # what was stripped from the input (quotes, `NAME=`)
    converted_from: str | None = None  # "jdbc" | "psql": another tool's form, read as `text`
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def param(self, name: str) -> str | None:
        for k, v in reversed(self.params):
            if k == name:
                return v
        return None

    @property
    def libpq_params(self) -> tuple[tuple[str, str], ...]:
        """The parameters as libpq reads them: in a URI's query `ssl=true` is `sslmode=require`
        (libpq's JDBC compatibility; a SQLAlchemy URL hands its query over as keywords)."""
        if self.format != "uri":
            return self.params
        return tuple(("sslmode", "require") if kv == _SSL_TRUE else kv for kv in self.params)

    def libpq_param(self, name: str) -> str | None:
        for k, v in reversed(self.libpq_params):
            if k == name:
                return v
        return None

    @property
    def host(self) -> HostPort | None:
        return self.hosts[0] if self.hosts else None

    @property
    def sslmode(self) -> str | None:
        """The sslmode libpq reads from the string (`ssl=true` in a URI included)."""
        return self.libpq_param("sslmode")

    def to_dict(self) -> dict[str, Any]:
        params = {k: (MASK if k in SECRET_PARAMS else v) for k, v in self.params}
        return {
            "format": self.format,
            "scheme": self.scheme,
            "driver": self.driver,
            "user": self.user,
            "password": MASK if self.password is not None else None,
            "hosts": [h.to_dict() for h in self.hosts],
            "database": self.database,
            "params": params,
            "masked": self.masked,
            "converted_from": self.converted_from,
        }


_SSL_TRUE = ("ssl", "true")


def clean_input(text: str) -> tuple[str, tuple[str, ...]]:
    """Strip whitespace, wrapping quotes and a leading `DATABASE_URL=`; say what was removed."""
    notes: list[str] = []
    t = (text or "").strip()
    for _ in range(2):  # 'NAME=value' and NAME='value' both occur
        if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'`":
            notes.append("the surrounding quotes")
            t = t[1:-1].strip()
        m = _ENV_PREFIX_RE.match(t)
        if m and _URI_SCHEME_RE.match(t[m.end() :].lstrip("\"'`")):
            notes.append(f"the leading `{m.group(0).strip()}`")
            t = t[m.end() :].strip()
    return t, tuple(dict.fromkeys(notes))


def is_placeholder(password: str | None) -> bool:
    return bool(password) and bool(_PLACEHOLDER_RE.search(password or ""))


def parse(text: str, password: str | None = None) -> ParsedConnection:
    """Parse any of the three forms (or a JDBC URL or psql command line, converted); never
    raises (a broken string has `.error` set)."""
    from inspector.connections import convert

    t, notes = clean_input(text)
    if not t:
        return ParsedConnection(text="", format="unknown", error="the string is empty")
    if "\x00" in t or (password and "\x00" in password):
        return ParsedConnection(
            text=t.replace("\x00", ""),
            format="unknown",
            error="it contains a NUL character, which no driver accepts",
        )
    source = None
    try:
        converted = convert.to_libpq(t)
        if converted is not None:
            t, source = converted
        m = _SCHEME_RE.match(t)
        if m:
            parsed = _parse_uri(t, m.group(1))
        elif "=" in t:
            parsed = _parse_keyword(t)
        else:
            raise ParseError(
                "this is neither a URI (postgresql://...) nor a key=value string (host=... "
                "dbname=...)"
            )
    except (ParseError, convert.ConversionError) as exc:
        return ParsedConnection(
            text=t, format="unknown", error=str(exc), cleaned=notes, converted_from=source
        )
    parsed = replace(parsed, cleaned=notes, converted_from=source)
    return _apply_password(parsed, password)


def _apply_password(p: ParsedConnection, password: str | None) -> ParsedConnection:
    if password:
        if p.password is not None and is_placeholder(p.password) and p.password == password:
            # the field repeats the placeholder itself
            return replace(p, password=password, password_from_field=True, placeholder=password)
        return _fill_placeholder(
            replace(p, password=password, password_from_field=True, placeholder=None)
        )
    if p.password is not None and is_placeholder(p.password):
        return replace(p, placeholder=p.password)
    return p


def _fill_placeholder(p: ParsedConnection) -> ParsedConnection:
    """The password field in place of a URI's placeholder (`[YOUR-PASSWORD]`): the string the
    user will write, the password percent-encoded in it, is what the drivers are asked about."""
    raw = p.raw_password
    if raw is None or p.password is None or not is_placeholder(unquote(raw)):
        return p
    start = p.text.find("://") + 3
    colon = p.text.find(":", start)
    if colon < 0 or not p.text.startswith(raw + "@", colon + 1):
        return p
    encoded = quote(p.password, safe="")
    text = p.text[: colon + 1] + encoded + p.text[colon + 1 + len(raw) :]
    return replace(p, text=text, raw_password=encoded)


# --- URI -------------------------------------------------------------------------------------


def _split_authority(rest: str) -> tuple[str | None, str, str, str | None, int]:
    """(userinfo, hostpart, path, query, offset of hostpart) using the LAST plausible `@`."""
    candidates = [i for i, c in enumerate(rest) if c == "@"]
    ui, hp_start = None, 0
    for i in reversed(candidates):
        tail = rest[i + 1 :]
        hp = re.split(r"[/?]", tail, maxsplit=1)[0]
        if _HOSTLIKE_RE.match(hp):
            ui, hp_start = rest[:i], i + 1
            break
    else:
        if candidates:  # no plausible host after any '@': fall back to libpq's own rule
            first = candidates[0]
            if "/" not in rest[:first]:
                ui, hp_start = rest[:first], first + 1
    after = rest[hp_start:]
    m = re.match(r"^(?P<hp>[^/?]*)(?P<path>/[^?]*)?(?:\?(?P<q>.*))?$", after, re.S)
    assert m is not None  # the pattern matches any string
    return ui, m.group("hp"), m.group("path") or "", m.group("q"), hp_start


def _decode(value: str, what: str) -> str:
    """libpq's conninfo_uri_decode: every `%` starts two hex digits, `%00` is refused."""
    if _PCT_BAD_RE.search(value):
        raise ParseError(f"invalid percent-encoded token in the {what}")
    try:
        out = unquote(value, errors="strict")
    except UnicodeDecodeError:
        # libpq would pass the raw bytes on; no Python driver can hold them in a str.
        raise ParseError(
            f"the {what} holds percent-encoded bytes that are not UTF-8 text"
        ) from None
    if "\x00" in out:
        raise ParseError(f"forbidden value %00 in the percent-encoded {what}")
    return out


def _authority_hosts(hp: str) -> tuple[str, str]:
    """libpq's reading of a URI's host list: (host option, port option), each a comma list as
    written (`h1:1,h2` -> `h1,h2` and `1,`), IPv6 addresses without their brackets."""
    hosts: list[str] = []
    ports: list[str] = []
    i, n = 0, len(hp)
    while True:
        if i < n and hp[i] == "[":
            end = hp.find("]", i)
            if end < 0:
                raise ParseError("an IPv6 host in brackets is missing its closing `]`")
            if end == i + 1:
                raise ParseError("an IPv6 host address in brackets may not be empty")
            host = hp[i + 1 : end]
            i = end + 1
            if i < n and hp[i] not in ":,":
                raise ParseError(f"unexpected `{hp[i]}` after the IPv6 host `]` (expected `:`)")
        else:
            j = i
            while j < n and hp[j] not in ":,":
                j += 1
            host, i = hp[i:j], j
        port = ""
        if i < n and hp[i] == ":":
            j = hp.find(",", i)
            j = n if j < 0 else j
            port, i = hp[i + 1 : j], j
        hosts.append(host)
        ports.append(port)
        if i < n and hp[i] == ",":
            i += 1
            continue
        return ",".join(hosts), ",".join(ports)


_PORT_RE = re.compile(r"\s*[+-]?\d+\s*")


def _port(port_s: str) -> int | None:
    """A port as libpq reads it at connect time: empty is the default; an integer 1-65535."""
    if port_s == "":
        return None
    if not _PORT_RE.fullmatch(port_s) or not port_s.isascii():
        raise ParseError(f"invalid port number {port_s!r}")
    port = int(port_s)
    if not 0 < port < 65536:
        raise ParseError(f"invalid port number {port_s!r}")
    return port


def _host_list(host: str | None, port: str | None, hostaddr: str | None) -> tuple[HostPort, ...]:
    """libpq's hosts from its `host`, `port` and `hostaddr` options (connectOptions2): the
    comma lists split, one port for all or one per host; no host but a `hostaddr` is TCP to
    that address; neither is the default socket."""
    if host:
        names = host.split(",")
    elif hostaddr:
        names = hostaddr.split(",")
    else:
        names = [""]
    if host and hostaddr and len(hostaddr.split(",")) != len(names):
        raise ParseError(
            f"could not match {len(names)} host names to {len(hostaddr.split(','))} hostaddr values"
        )
    if not port:
        return tuple(HostPort(h, None) for h in names)
    given = port.split(",")  # the counts are checked before any port is read, as libpq does
    if len(given) != 1 and len(given) != len(names):
        raise ParseError(f"{len(names)} hosts but {len(given)} ports")
    plist = [_port(p) for p in given] * (len(names) if len(given) == 1 else 1)
    return tuple(HostPort(h, p) for h, p in zip(names, plist, strict=True))


def _uri_query(query: str | None) -> list[tuple[str, str]]:
    """libpq's conninfo_uri_parse_params: `key=value` items joined by `&` (one trailing `&`
    allowed), exactly one raw `=` each, keys and values percent-decoded."""
    if not query:
        return []
    items = query.split("&")
    if items[-1] == "":
        items.pop()
    params = []
    for item in items:
        k, eq, v = item.partition("=")
        if not eq:
            raise ParseError(f"the query parameter `{k}` has no `=`")
        if "=" in v:
            raise ParseError(
                f"the value of the query parameter `{k}` holds a raw `=` (libpq: extra key/value "
                'separator "="); write it as `%3D`'
            )
        params.append((_decode(k, "query"), _decode(v, "query")))
    return params


def _parse_uri(t: str, scheme: str) -> ParsedConnection:
    scheme_l = scheme.lower()
    base, _, driver = scheme_l.partition("+")
    if base not in LIBPQ_SCHEMES:
        raise ParseError(
            f"`{scheme}://` is not a Postgres URL (expected postgresql://, postgres:// or "
            "postgresql+<driver>://)"
        )
    prefix = t[: len(scheme) + 3]
    rest = t[len(scheme) + 3 :]
    ui, hp, path, query, hp_start = _split_authority(rest)
    if driver:
        parsed = _parse_sqlalchemy(driver, ui, rest[hp_start:])
    else:
        parsed = _parse_libpq_uri(ui, hp, path, query)
    if ui is not None and parsed.raw_password is not None:
        masked = prefix + ui.partition(":")[0] + ":" + MASK + "@" + rest[hp_start:]
    else:
        masked = t
    return replace(
        parsed, text=t, scheme=scheme_l, driver=driver or None, masked=_mask_query_password(masked)
    )


def _parse_libpq_uri(ui: str | None, hp: str, path: str, query: str | None) -> ParsedConnection:
    """A `postgresql://` URI as libpq's conninfo_uri_parse_options reads it."""
    user = password = raw_password = None
    if ui is not None:
        raw_user, colon, raw_pw = ui.partition(":")
        user = _decode(raw_user, "user name") or None
        if colon:
            raw_password = raw_pw
            # A bad % in a password is an encoding problem, not a reason to give up.
            password = unquote(raw_pw)
    host_opt, port_opt = _authority_hosts(hp) if hp else ("", "")
    host_opt, port_opt = _decode(host_opt, "host"), _decode(port_opt, "port")
    database = _decode(path[1:], "database name") if path else None
    params: list[tuple[str, str]] = []
    for k, v in _uri_query(query):
        if k == "host":
            host_opt = v
        elif k == "port":
            port_opt = v
        elif k == "user":
            user = v or None
        elif k == "password":
            password = v
        elif k == "dbname":
            database = v
        else:
            params.append((k, v))
    hostaddr = next((v for k, v in reversed(params) if k == "hostaddr"), None)
    return ParsedConnection(
        text="",
        format="uri",
        user=user,
        password=password,
        hosts=_host_list(host_opt, port_opt, hostaddr),
        database=database or None,
        params=tuple(params),
        raw_password=raw_password,
    )


# SQLAlchemy's URL pattern after the user info (sqlalchemy/engine/url.py `_parse_url`).
_SA_REST_RE = re.compile(
    r"""
    (?:
        (?:\[(?P<ipv6host>[^/\?]+)\] | (?P<ipv4host>[^/:\?]+))?
        (?::(?P<port>[^/\?]*))?
    )?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)


def _parse_sqlalchemy(driver: str, ui: str | None, after_ui: str) -> ParsedConnection:
    """A SQLAlchemy URL as `make_url` reads it (user, password and database percent-decoded,
    the host as written, the query by `parse_qsl`) and the dialect's `create_connect_args`
    hands it to the driver (`?host=h1:p1&host=h2:p2` or `?host=h1,h2&port=p1,p2`), which reads
    the host and port lists as libpq does."""
    m = _SA_REST_RE.match(after_ui)
    assert m is not None  # every part is optional
    user = password = raw_password = None
    if ui is not None:
        raw_user, colon, raw_pw = ui.partition(":")
        user = unquote(raw_user) or None
        if colon:
            raw_password = raw_pw
            password = unquote(raw_pw) or None
    host = m.group("ipv4host") or m.group("ipv6host") or ""
    port = m.group("port") or ""
    if port:
        try:
            number = int(port)
        except ValueError:
            raise ParseError(f"invalid port number {port!r} (SQLAlchemy: int() fails)") from None
        port = str(number) if number else ""  # SQLAlchemy drops a port 0: libpq's default
    database = unquote(m.group("database") or "") or None
    query: dict[str, list[str]] = {}
    for k, v in parse_qsl(m.group("query") or "", keep_blank_values=False):
        query.setdefault(k, []).append(v)
    hosts, ports = _sa_multihost(query)
    if hosts is not None:
        host = ",".join(hosts)
        comma_ports = ",".join(p or "" for p in ports)
        if comma_ports:
            port = comma_ports
        elif "port" in query:
            port = query["port"][-1]
        if driver == "asyncpg" and len(hosts) > 1 and not all(ports):
            raise ParseError(
                "SQLAlchemy: All ports are required to be present for asyncpg multiple host URL"
            )
    elif "port" in query:
        port = query["port"][-1]
    if driver == "asyncpg" and re.fullmatch(r"\s*[+-]?0+\s*", port):
        port = ""  # the dialect hands asyncpg the integer 0, which asyncpg reads as its default
    params: list[tuple[str, str]] = []
    for k, values in query.items():
        if k == "user":
            user = values[-1]
        elif k == "password":
            password = values[-1]
        elif k == ("database" if driver == "asyncpg" else "dbname"):
            database = values[-1]
        elif k not in ("host", "port"):
            params += [(k, v) for v in values]
    hostaddr = next((v for k, v in reversed(params) if k == "hostaddr"), None)
    return ParsedConnection(
        text="",
        format="sqlalchemy",
        user=user,
        password=password,
        hosts=_host_list(host, port, hostaddr),
        database=database,
        params=tuple(params),
        raw_password=raw_password,
    )


def _sa_multihost(query: dict[str, list[str]]) -> tuple[list[str] | None, list[str | None]]:
    """SQLAlchemy's `_split_multihost_from_url` (dialects/postgresql/base.py): the hosts and
    ports of `?host=h1:p1&host=h2:p2`, `?host=h1,h2&port=p1,p2` or `?host=h:p`, its errors."""
    hosts: list[str] | None = None
    ports: list[str | None] = []
    integrated = False
    given = query.get("host")
    if given is not None and len(given) > 1:
        integrated = True
        hosts = []
        for token in given:
            h, colon, p = token.partition(":")
            if ":" in p:
                raise ParseError(f"SQLAlchemy cannot split the host `{token}` into host and port")
            hosts.append(h)
            ports.append(p if colon else None)
    elif given is not None:
        hosts = given[0].split(",")
        ports = [None] * len(hosts)
        if "port" not in query and len(hosts) == 1 and ":" in hosts[0]:
            hm = re.match(r"^([a-zA-Z0-9\-\.]*)(?:\:(\d*))?$", hosts[0])
            if hm:
                integrated = True
                hosts, ports = [hm.group(1)], [hm.group(2) or None]
    if "port" in query:
        if integrated:
            raise ParseError(
                "SQLAlchemy: Can't mix 'multihost' formats together; use "
                '"host=h1,h2,h3&port=p1,p2,p3" or "host=h1:p1&host=h2:p2&host=h3:p3" separately'
            )
        given_ports = query["port"]
        ports = list(given_ports if len(given_ports) > 1 else given_ports[0].split(","))
    ints: list[int | None] = []
    for given_port in ports:
        try:
            ints.append(int(given_port) if given_port else None)
        except ValueError:
            raise ParseError(
                f"SQLAlchemy: Received non-integer port arguments: {tuple(ports)}"
            ) from None
    if ints and (
        (not hosts and len(ints) > 1)
        or (hosts and len(hosts) != len(ints) and (len(hosts) > 1 or len(ints) > 1))
    ):
        raise ParseError("SQLAlchemy: number of hosts and ports don't match")
    return hosts, [str(i) if i else None for i in ints]  # a port 0 is dropped, as SQLAlchemy does


def _mask_query_password(s: str) -> str:
    return re.sub(r"([?&](?:ssl)?password=)[^&]*", lambda m: m.group(1) + MASK, s)


# --- key=value -------------------------------------------------------------------------------


def tokenize_keyword(t: str) -> list[tuple[str, str, tuple[int, int]]]:
    """libpq's conninfo_parse: (key, value, value span); ParseError with libpq's wording."""
    out = []
    i, n = 0, len(t)
    while i < n:
        while i < n and t[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        while i < n and t[i] != "=" and not t[i].isspace():
            i += 1
        key = t[start:i]
        while i < n and t[i].isspace():
            i += 1
        if i >= n or t[i] != "=":
            raise ParseError(f'missing "=" after "{key}" in connection info string')
        if not key:
            raise ParseError('invalid connection option "" (a key is missing before `=`)')
        i += 1
        while i < n and t[i].isspace():
            i += 1
        vstart = i
        buf = []
        if i < n and t[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise ParseError("unterminated quoted string in connection info string")
                c = t[i]
                if c == "\\" and i + 1 < n:
                    buf.append(t[i + 1])
                    i += 2
                    continue
                if c == "'":
                    i += 1
                    break
                buf.append(c)
                i += 1
        else:
            while i < n and not t[i].isspace():
                if t[i] == "\\" and i + 1 < n:
                    buf.append(t[i + 1])
                    i += 2
                    continue
                buf.append(t[i])
                i += 1
        out.append((key, "".join(buf), (vstart, i)))
    return out


def _parse_keyword(t: str) -> ParsedConnection:
    tokens = tokenize_keyword(t)
    if not tokens:
        raise ParseError("no key=value pairs found")
    values: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    masked = t
    for key, _value, (a, b) in sorted(tokens, key=lambda x: -x[2][0]):
        if key in SECRET_PARAMS:
            masked = masked[:a] + MASK + masked[b:]
    for key, value, _ in tokens:
        if key in _MAIN_KEYS:
            values[key] = value
        else:
            params.append((key, value))
    hostaddr = next((v for k, v in reversed(params) if k == "hostaddr"), None)
    return ParsedConnection(
        text=t,
        format="keyword",
        user=values.get("user") or None,
        password=values.get("password"),
        hosts=_host_list(values.get("host"), values.get("port"), hostaddr),
        database=values.get("dbname") or None,
        params=tuple(params),
        masked=masked,
    )


# --- building strings --------------------------------------------------------------------------


def quote_keyword_value(value: str) -> str:
    """A value as libpq's key=value form needs it (quoted when empty or holding space/quote/\\)."""
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
