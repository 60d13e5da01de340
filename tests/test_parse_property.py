"""The parser agrees with the drivers, proven (issue 11 §3).

Hypothesis writes URIs, keyword strings and SQLAlchemy URLs (IPv6 hosts, several hosts,
percent-encoded parts, ports good and bad, query values holding `=`, `&` and spaces, unicode) and
each is read twice: by `inspector.connections.parse` and by the driver itself. Both must read the
same hosts, ports, user, password, database and options, or both refuse it for the same reason.

The drivers' readings:
- libpq: `psycopg2.extensions.parse_dsn`, then the checks libpq makes before it sends a packet
  (ports, the host and port counts, sslmode), asked of libpq itself: a connect to socket
  directories that do not exist, so each host is tried and nothing leaves the machine;
- SQLAlchemy: `make_url` and the dialect's `create_connect_args` (psycopg2's, whose keywords
  then go to libpq as above; asyncpg's host and port lists);
- asyncpg: its own DSN parser (`drivers.asyncpg_parse`, reading the string alone), over the
  URIs it reads as libpq does. It parts from libpq on purpose elsewhere (a query `host=` does not
  override the authority's, `+` in the query is a space), which the generator leaves out.

The examples are derandomized (profile `parse-fixed`, 1000 per test, about 25 s in all) so
`make test` runs the same ones every time; INSPECTOR_HYPOTHESIS_PROFILE=parse-explore runs 5000
random ones per test.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2.extensions import make_dsn, parse_dsn
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from inspector.connections import inspect_connection
from inspector.connections.drivers import SSLMODES, asyncpg_parse, ssl_setting
from inspector.connections.parse import ParsedConnection, parse, quote_keyword_value

settings.register_profile(
    "parse-fixed",
    derandomize=True,
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "parse-explore",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("INSPECTOR_HYPOTHESIS_PROFILE", "parse-fixed"))

MAIN = ("host", "port", "user", "password", "dbname")


# ---------- the readings, side by side ----------


@dataclass(frozen=True)
class Reading:
    """What a string says, as one reader reads it; or why it refuses it (`refused`)."""

    hosts: tuple[tuple[str, int | None], ...] = ()
    user: str | None = None
    password: str | None = None
    dbname: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    refused: str | None = None  # the reason's kind (`reason_of`)


def reason_of(message: str) -> str:
    """The kind of a refusal, in libpq's words or the parser's (libpq's ends by quoting the
    whole URI, which is not part of the reason)."""
    m = re.sub(r': "[^"]*"\s*$', "", message.strip()).lower()
    for kind, words in (
        ("percent", ("percent-encoded", "%00", "not utf-8", "codec can't decode")),
        ("separator", ('key/value separator "="', "raw `=`", "has no `=`")),
        ("ipv6", ("ipv6", "unexpected character", "`]`")),
        ("count", ("could not match", "hosts but", "don't match", "all ports are required")),
        ("port", ("port", "invalid literal for int()")),
        ("sslmode", ("sslmode",)),
        ("keyword", ('missing "=" after', "unterminated quoted string")),
        ("option", ("invalid connection option", "invalid uri query parameter")),
        ("mixed", ("can't mix",)),
    ):
        if any(w in m for w in words):
            return kind
    return "other: " + message


def _paired(hosts: list[str], ports: list[str]) -> tuple[tuple[str, int | None], ...]:
    """libpq's pairing, once libpq has checked the counts: one port for all, or one each."""
    if len(ports) == 1:
        ports = ports * len(hosts)
    return tuple((h, int(p) if p else None) for h, p in zip(hosts, ports, strict=True))


def libpq_checks(options: dict[str, str]) -> str | None:
    """The refusal libpq makes before sending a packet, from libpq itself: every host becomes a
    socket directory that does not exist, so each is tried (its port checked) and none answers."""
    kw = dict(options)
    count = len(kw["host"].split(",")) if kw.get("host") else 1
    kw["host"] = ",".join(f"/nonexistent-inspector-{i}" for i in range(count))
    kw.pop("hostaddr", None)
    kw.setdefault("user", "x")
    kw.setdefault("dbname", "x")
    try:
        psycopg2.connect(make_dsn(**kw)).close()
    except psycopg2.OperationalError as exc:
        lines = [ln for ln in str(exc).splitlines() if ln.strip()]
        said = [
            ln
            for ln in lines
            if "connection to server on socket" not in ln and "Is the server running" not in ln
        ]
        return said[0] if said else None
    raise AssertionError("libpq connected to a socket directory that does not exist")


def libpq_reading(dsn: str) -> Reading:
    try:
        d = parse_dsn(dsn)
    except (psycopg2.ProgrammingError, UnicodeDecodeError) as exc:
        return Reading(refused=reason_of(str(exc)))
    return _from_libpq_options(d)


def _from_libpq_options(d: dict[str, str]) -> Reading:
    refusal = libpq_checks(d)
    if refusal is not None:
        kind = reason_of(refusal)
        if kind == "sslmode":
            # libpq names the first fault it checks: the sslmode comes before the ports and
            # hosts, which the parser reads first. Either is libpq's reason.
            rest = {k: v for k, v in d.items() if k not in ("sslmode", "sslrootcert")}
            later = libpq_checks(rest)
            if later is not None:
                kind += "|" + reason_of(later)
        return Reading(refused=kind)
    hosts = (d.get("host") or "").split(",")
    ports = (d.get("port") or "").split(",")
    return Reading(
        hosts=_paired(hosts, ports),
        user=d.get("user") or None,
        password=d.get("password") or None,
        dbname=d.get("dbname") or None,
        options=tuple(sorted((k, v) for k, v in d.items() if k not in MAIN)),
    )


def ours(dsn: str) -> Reading:
    p = parse(dsn)
    if not p.ok:
        return Reading(refused=reason_of(p.error or ""))
    mode = ssl_setting(p, "psycopg2")
    if mode not in (None, *SSLMODES) or (
        p.libpq_param("sslrootcert") == "system" and mode != "verify-full"
    ):
        return Reading(refused=_sslmode_refusal(p))
    return Reading(
        hosts=tuple((h.host, h.port) for h in p.hosts),
        user=p.user,
        password=p.password or None,
        dbname=p.database,
        options=tuple(sorted(dict(p.libpq_params).items())),
    )


def _sslmode_refusal(p: ParsedConnection) -> str:
    """An sslmode libpq refuses (not one of its six, or weaker than verify-full with
    sslrootcert=system) parses, and the lint says it as an error."""
    report = inspect_connection(p.text, probe=False, driver="psycopg2")
    finding = next(f for f in report.findings if f.code == "sslmode_invalid")
    assert finding.severity.value == "error"
    return "sslmode"


# ---------- the pieces ----------

UNICODE = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=10,
)
# Text with every character a URI or a keyword string treats specially.
AWKWARD = st.text(
    st.sampled_from(string.ascii_letters + string.digits + " =&?/@:#%+,[]'\\\"é€日"),
    min_size=1,
    max_size=12,
)
NAME = st.one_of(UNICODE, AWKWARD)
DNS = st.from_regex(r"[a-z][a-z0-9-]{0,8}(\.[a-z][a-z0-9-]{0,8}){0,2}", fullmatch=True)
IPV4 = st.ip_addresses(v=4).map(str)
IPV6 = st.ip_addresses(v=6).map(str)
GOOD_PORT = st.integers(1, 65535).map(str)
BAD_PORT = st.sampled_from(["0", "65536", "99999", "abc", "-1", "5x", "1e3"])
PORT = st.one_of(st.just(""), GOOD_PORT, GOOD_PORT, GOOD_PORT, BAD_PORT)
SSLMODE = st.one_of(st.sampled_from(SSLMODES), st.sampled_from(["no-verify", "verify-fulll"]))
OPTION = st.one_of(
    st.tuples(st.just("application_name"), NAME),
    st.tuples(st.just("options"), st.builds(lambda s: f"-c search_path={s}", AWKWARD)),
    st.tuples(st.just("sslmode"), SSLMODE),
    st.tuples(st.just("connect_timeout"), st.integers(0, 99).map(str)),
    st.tuples(st.just("target_session_attrs"), st.sampled_from(["any", "read-write"])),
    st.tuples(st.just("sslrootcert"), st.sampled_from(["/etc/ssl/ca.crt", "system"])),
)


@st.composite
def uri_host(draw) -> str:
    """One host of a URI's authority, written as a URI writes it, with its port."""
    kind = draw(st.sampled_from(["dns", "dns", "ipv4", "ipv6", "ipv6zone", "socket", "empty"]))
    if kind == "dns":
        host = draw(DNS)
    elif kind == "ipv4":
        host = draw(IPV4)
    elif kind == "ipv6":
        host = f"[{draw(IPV6)}]"
    elif kind == "ipv6zone":
        host = f"[{draw(IPV6)}%25{draw(st.sampled_from(['eth0', 'lo']))}]"
    elif kind == "socket":
        host = quote("/tmp/" + draw(DNS), safe="")
    else:
        host = ""
    port = draw(PORT)
    return host + (f":{port}" if port else "")


def _encode(value: str, raw_spaces: bool) -> str:
    """Percent-encoded for a URI query (or with its spaces left raw, which libpq takes)."""
    return quote(value, safe=" ") if raw_spaces else quote(value, safe="")


@st.composite
def uris(draw) -> str:
    scheme = draw(st.sampled_from(["postgresql", "postgres"]))
    userinfo = ""
    if draw(st.booleans()):
        userinfo = quote(draw(NAME), safe="")
        if draw(st.booleans()):
            userinfo += ":" + quote(draw(NAME), safe="")
        userinfo += "@"
    hosts = ",".join(draw(st.lists(uri_host(), min_size=1, max_size=3)))
    path = ("/" + quote(draw(NAME), safe="")) if draw(st.booleans()) else ""
    query = []
    for key, value in draw(st.lists(OPTION, max_size=3)):
        query.append(f"{key}={_encode(value, draw(st.booleans()))}")
    if draw(st.integers(0, 9)) == 0:  # a main key in the query, overriding the authority's
        key = draw(st.sampled_from(["host", "port", "user", "dbname"]))
        value = draw(DNS if key in ("host", "user", "dbname") else GOOD_PORT)
        query.append(f"{key}={value}")
    if draw(st.integers(0, 14)) == 0:
        fragment = ["ssl=true", "application_name", "&application_name=1", "options=v=w"]
        query.append(draw(st.sampled_from(fragment)))
    if draw(st.integers(0, 19)) == 0:  # a broken percent-encoding
        path += draw(st.sampled_from(["%", "%zz", "%0", "%00"]))
    return f"{scheme}://{userinfo}{hosts}{path}" + ("?" + "&".join(query) if query else "")


@st.composite
def keyword_strings(draw) -> str:
    pairs: list[tuple[str, str]] = []
    hosts = draw(st.lists(st.one_of(DNS, IPV4, IPV6, st.just("/tmp/sock")), min_size=1, max_size=3))
    pairs.append(("host", ",".join(hosts)))
    ports = draw(st.lists(PORT, min_size=0, max_size=3))
    if ports:
        pairs.append(("port", ",".join(ports)))
    for key in ("user", "password", "dbname"):
        if draw(st.booleans()):
            pairs.append((key, draw(NAME)))
    pairs += draw(st.lists(OPTION, max_size=3))
    pairs = draw(st.permutations(pairs))
    text = " ".join(f"{k}={quote_keyword_value(v)}" for k, v in pairs)
    if draw(st.integers(0, 14)) == 0:
        text += draw(st.sampled_from([" dbname", " user='open", " =x"]))
    return text


# ---------- libpq ----------


def assert_same(got: Reading, want: Reading, text: str) -> None:
    if got.refused is not None and want.refused is not None:
        assert got.refused in want.refused.split("|"), (text, got.refused, want.refused)
    else:
        assert got == want, text


@settings(PROFILE)
@given(uris())
def test_uris_as_libpq_reads_them(dsn):
    assert_same(ours(dsn), libpq_reading(dsn), dsn)


@settings(PROFILE)
@given(keyword_strings())
def test_keyword_strings_as_libpq_reads_them(dsn):
    assert_same(ours(dsn), libpq_reading(dsn), dsn)


# ---------- SQLAlchemy ----------


@st.composite
def sqlalchemy_urls(draw) -> tuple[str, str]:
    driver = draw(st.sampled_from(["psycopg2", "asyncpg"]))
    userinfo = ""
    if draw(st.booleans()):
        userinfo = quote(draw(NAME), safe="") + ":" + quote(draw(NAME), safe="") + "@"
    query: list[str] = []
    form = draw(st.sampled_from(["netloc", "netloc", "host:port", "host,host", "host"]))
    netloc = ""
    if form == "netloc":
        host = draw(st.one_of(DNS, IPV4, IPV6.map(lambda h: f"[{h}]")))
        port = draw(st.one_of(st.just(""), GOOD_PORT, GOOD_PORT, BAD_PORT))
        netloc = host + (f":{port}" if port else "")
    elif form == "host:port":  # ?host=h1:p1&host=h2:p2
        for host in draw(st.lists(st.one_of(DNS, IPV4), min_size=2, max_size=3)):
            port = draw(st.one_of(st.just(""), GOOD_PORT, GOOD_PORT, BAD_PORT))
            query.append(f"host={host}" + (f":{port}" if port else ""))
    elif form == "host,host":  # ?host=h1,h2&port=p1,p2
        hosts = draw(st.lists(st.one_of(DNS, IPV4), min_size=1, max_size=3))
        ports = draw(st.lists(st.one_of(GOOD_PORT, BAD_PORT), min_size=0, max_size=3))
        query.append("host=" + ",".join(hosts))
        if ports:
            query.append("port=" + ",".join(ports))
    else:  # ?host=h or ?host=h:p
        host = draw(DNS)
        port = draw(st.one_of(st.just(""), GOOD_PORT))
        query.append(f"host={host}" + (f":{port}" if port else ""))
        if draw(st.integers(0, 4)) == 0:
            query.append(f"port={draw(GOOD_PORT)}")
    path = "/" + quote(draw(NAME), safe="") if draw(st.booleans()) else ""
    for key, value in draw(st.lists(OPTION, max_size=2, unique_by=lambda kv: kv[0])):
        if driver == "asyncpg" and key not in ("application_name",):
            continue  # the asyncpg dialect hands every other one to asyncpg.connect()
        encoded = quote_plus(value) if draw(st.booleans()) else quote(value, safe="")
        query.append(f"{key}={encoded}")
    url = f"postgresql+{driver}://{userinfo}{netloc}{path}"
    return driver, url + ("?" + "&".join(query) if query else "")


def sqlalchemy_reading(driver: str, url: str) -> Reading:
    dialect = PGDialect_psycopg2() if driver == "psycopg2" else PGDialect_asyncpg()
    try:
        _, opts = dialect.create_connect_args(make_url(url))
    except (ArgumentError, ValueError) as exc:
        return Reading(refused=reason_of(str(exc)))
    if driver == "psycopg2":
        return _from_libpq_options(parse_dsn(make_dsn(**opts)))
    # What asyncpg.connect() makes of the dialect's arguments (its own parser), and the socket's
    # rule for a port (0-65535, and nothing listens on 0).
    kw = {k: opts.get(k) for k in ("host", "port", "user", "password", "database")}
    try:
        addrs, params = asyncpg_parse(**kw)
    except Exception as exc:  # noqa: BLE001 - asyncpg's refusal
        return Reading(refused=reason_of(f"{type(exc).__name__}: {exc}"))
    if any(not 0 < int(port) < 65536 for _, port in addrs):
        return Reading(refused="port")
    return Reading(
        hosts=tuple((str(h), int(p)) for h, p in addrs),
        user=params.user or None,
        password=params.password or None,
        dbname=params.database or None,
    )


@settings(PROFILE)
@given(sqlalchemy_urls())
def test_sqlalchemy_urls_as_make_url_and_the_dialect_read_them(case):
    driver, url = case
    want = sqlalchemy_reading(driver, url)
    got = ours(url)
    if driver == "asyncpg" and got.refused is None and want.refused is None:
        # asyncpg fills in the default port, and the user's name for a missing database
        p = parse(url)
        assert tuple((h.host, h.effective_port) for h in p.hosts) == want.hosts, url
        assert (got.user, got.password) == (want.user, want.password), url
        assert got.dbname in (want.dbname, None), url
    else:
        assert_same(got, want, url)


# ---------- asyncpg's own DSN parser ----------


@st.composite
def asyncpg_uris(draw) -> str:
    """URIs asyncpg reads as libpq does: encoded parts, named hosts with their ports."""
    userinfo = ""
    if draw(st.booleans()):
        userinfo = quote(draw(NAME), safe="")
        if draw(st.booleans()):
            userinfo += ":" + quote(draw(NAME), safe="")
        userinfo += "@"
    hosts = []
    for _ in range(draw(st.integers(1, 3))):
        host = draw(st.one_of(DNS, IPV4, IPV6.map(lambda h: f"[{h}]")))
        bad = st.sampled_from(["abc", "5x"])
        if host.startswith("["):
            bad = st.nothing()  # asyncpg reads `[::1]:abc` as port 5432 (its regex stops at `:`)
        port = draw(st.one_of(st.just(""), GOOD_PORT, GOOD_PORT, bad))
        hosts.append(host + (f":{port}" if port else ""))
    path = "/" + quote(draw(NAME), safe="") if draw(st.booleans()) else ""
    query = ""
    if draw(st.booleans()):
        query = "?sslmode=" + draw(st.sampled_from(["disable", "allow", "prefer", "require"]))
    return f"postgresql://{userinfo}{','.join(hosts)}{path}{query}"


def asyncpg_reading(dsn: str) -> Reading:
    try:
        addrs, params = asyncpg_parse(dsn=dsn)
    except Exception as exc:  # noqa: BLE001 - whatever asyncpg raises is its refusal
        return Reading(refused=reason_of(f"{type(exc).__name__}: {exc}"))
    return Reading(
        hosts=tuple((str(h), int(p)) for h, p in addrs),
        user=params.user or None,
        password=params.password or None,
        dbname=params.database or None,
    )


@settings(PROFILE)
@given(asyncpg_uris())
def test_uris_as_asyncpg_reads_them(dsn):
    want = asyncpg_reading(dsn)
    p = parse(dsn)
    if want.refused is not None or not p.ok:
        # asyncpg says `invalid literal for int()` of a port: a port either way
        assert not p.ok and want.refused is not None, (dsn, p.error, want.refused)
        assert reason_of(p.error or "") in (want.refused, "port"), (dsn, p.error, want.refused)
        return
    assert tuple((h.host, h.effective_port) for h in p.hosts) == want.hosts, dsn
    if p.user is not None:
        assert p.user == want.user, dsn
    if p.password:
        assert p.password == want.password, dsn
    if p.database is not None:
        assert p.database == want.dbname, dsn


# ---------- the reasons themselves ----------


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("postgresql://h/db%zz", "percent"),
        ("postgresql://h/db?options=-c%20a=b", "separator"),
        ("postgresql://h/db?a", "separator"),
        ("postgresql://[::1/db", "ipv6"),
        ("postgresql://h:abc/db", "port"),
        ("host=a,b,c port=1,2", "count"),
        ("host=h dbname", "keyword"),
        ("postgresql://h/db?sslmode=verify-fulll", "sslmode"),
    ],
)
def test_both_refuse_for_the_same_reason(dsn, reason):
    assert libpq_reading(dsn).refused == ours(dsn).refused == reason
