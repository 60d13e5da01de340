"""Connection strings -> `ParsedConnection`: URI, libpq `key=value`, SQLAlchemy URL. No I/O.

The parse here is what the user *meant* (a URI's user info ends at its last `@`); `lint.py` then
asks the drivers' own parsers what they would actually do with the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

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

    text: str  # the string as given (cleaned of quotes/`NAME=`), password included
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
    def host(self) -> HostPort | None:
        return self.hosts[0] if self.hosts else None

    @property
    def sslmode(self) -> str | None:
        return self.param("sslmode")

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
        }


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
    """Parse any of the three forms; never raises (a broken string has `.error` set)."""
    t, notes = clean_input(text)
    if not t:
        return ParsedConnection(text="", format="unknown", error="the string is empty")
    if "\x00" in t or (password and "\x00" in password):
        return ParsedConnection(
            text=t.replace("\x00", ""),
            format="unknown",
            error="it contains a NUL character, which no driver accepts",
        )
    try:
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
    except ParseError as exc:
        return ParsedConnection(text=t, format="unknown", error=str(exc), cleaned=notes)
    parsed = replace(parsed, cleaned=notes)
    return _apply_password(parsed, password)


def _apply_password(p: ParsedConnection, password: str | None) -> ParsedConnection:
    if password:
        placeholder = None
        if p.password is not None and is_placeholder(p.password) and p.password == password:
            placeholder = password  # the field repeats the placeholder itself
        return replace(p, password=password, password_from_field=True, placeholder=placeholder)
    if p.password is not None and is_placeholder(p.password):
        return replace(p, placeholder=p.password)
    return p


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
    if _PCT_BAD_RE.search(value):
        raise ParseError(f"invalid percent-encoded token in the {what}")
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        # libpq would pass the raw bytes on; no Python driver can hold them in a str.
        raise ParseError(
            f"the {what} holds percent-encoded bytes that are not UTF-8 text"
        ) from None


def _parse_hosts(hp: str, ports: str | None = None) -> tuple[HostPort, ...]:
    hosts = []
    for item in hp.split(","):
        if item.startswith("["):
            end = item.find("]")
            if end < 0:
                raise ParseError("an IPv6 host in brackets is missing its closing `]`")
            host = _decode(item[1:end], "host")  # libpq decodes `%25` of a zone id here too
            rest = item[end + 1 :]
            if rest and not rest.startswith(":"):
                raise ParseError("unexpected text after the IPv6 host `]`")
            port_s = rest[1:] if rest else ""
        else:
            host, _, port_s = item.partition(":")
            host = _decode(host, "host")
        hosts.append(HostPort(host, _port(port_s)))
    if ports is not None:
        hosts = _apply_ports(hosts, ports)
    return tuple(hosts)


def _port(port_s: str) -> int | None:
    port_s = port_s.strip()
    if not port_s:
        return None
    if not port_s.isdigit() or not 0 < int(port_s) < 65536:
        raise ParseError(f"invalid port number {port_s!r}")
    return int(port_s)


def _apply_ports(hosts: list[HostPort], ports: str) -> list[HostPort]:
    plist = [_port(p) for p in ports.split(",")]
    if len(plist) == 1:
        return [HostPort(h.host, plist[0]) for h in hosts]
    if len(plist) != len(hosts):
        raise ParseError(f"{len(hosts)} hosts but {len(plist)} ports")
    return [HostPort(h.host, p) for h, p in zip(hosts, plist, strict=True)]


def _parse_uri(t: str, scheme: str) -> ParsedConnection:
    scheme_l = scheme.lower()
    base, _, driver = scheme_l.partition("+")
    if base not in LIBPQ_SCHEMES:
        raise ParseError(
            f"`{scheme}://` is not a Postgres URL (expected postgresql://, postgres:// or "
            "postgresql+<driver>://)"
        )
    fmt = "sqlalchemy" if driver else "uri"
    prefix = t[: len(scheme) + 3]
    rest = t[len(scheme) + 3 :]
    ui, hp, path, query, hp_start = _split_authority(rest)
    user = password = raw_password = None
    if ui is not None:
        raw_user, colon, raw_pw = ui.partition(":")
        user = _decode(raw_user, "user name") or None
        if colon:
            raw_password = raw_pw
            # A bad % in a password is an encoding problem, not a reason to give up.
            password = unquote(raw_pw)
    params: list[tuple[str, str]] = []
    hosts = _parse_hosts(hp) if hp else (HostPort("", None),)
    database = _decode(path[1:], "database name") if path else None
    if query:
        for item in query.split("&"):
            if not item:
                continue
            k, eq, v = item.partition("=")
            if not eq:
                raise ParseError(f"the query parameter `{k}` has no `=`")
            params.append((_decode(k, "query"), _decode(v, "query")))
    extra_ports = None
    for k, v in list(params):
        if k in _MAIN_KEYS:
            params.remove((k, v))
            if k == "host":
                hosts = _parse_hosts_keyword(v, None)
            elif k == "port":
                extra_ports = v
            elif k == "user":
                user = v
            elif k == "password":
                password = v
            elif k == "dbname":
                database = v
    if extra_ports is not None:
        hosts = tuple(_apply_ports(list(hosts), extra_ports))
    if ui is not None and raw_password is not None:
        masked = prefix + ui.partition(":")[0] + ":" + MASK + "@" + rest[hp_start:]
    else:
        masked = t
    masked = _mask_query_password(masked)
    return ParsedConnection(
        text=t,
        format=fmt,
        scheme=scheme_l,
        driver=driver or None,
        user=user,
        password=password,
        hosts=hosts,
        database=database or None,
        params=tuple(params),
        raw_password=raw_password,
        masked=masked,
    )


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


def _parse_hosts_keyword(hosts: str, ports: str | None) -> tuple[HostPort, ...]:
    items = [HostPort(h.strip(), None) for h in hosts.split(",")]
    return tuple(_apply_ports(items, ports) if ports else items)


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
    hosts: tuple[HostPort, ...]
    if "host" in values:
        hosts = _parse_hosts_keyword(values["host"], values.get("port"))
    else:
        hostaddr = dict(params).get("hostaddr")
        base = _parse_hosts_keyword(hostaddr, None) if hostaddr else (HostPort("", None),)
        hosts = tuple(_apply_ports(list(base), values["port"])) if "port" in values else base
    return ParsedConnection(
        text=t,
        format="keyword",
        user=values.get("user") or None,
        password=values.get("password"),
        hosts=hosts,
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
