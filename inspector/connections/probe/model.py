"""The probe's data: what it is given, the steps it records and what it found. No I/O, no rules.

The JSON shapes (`StepDict`, `TlsReport`, `ServerInfo`) are api.md's `steps`, `tls` and `server`.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

from inspector import netpolicy
from inspector.connections.drivers import verifies
from inspector.connections.parse import ParsedConnection
from inspector.connections.tlsinfo import CertDict, StoreDict
from inspector.findings import Finding
from inspector.vocabulary import HostKind, Outcome, StepName, StepStatus

# The steps of a probe in order (the asyncpg attempt comes after them, for asyncpg drivers).
LIVE_ORDER = (
    StepName.DNS,
    StepName.TCP,
    StepName.SSL_REQUEST,
    StepName.TLS,
    StepName.CONNECT,
    StepName.QUERY,
)
BUILTIN_STORES = ("certifi", "system")  # the trust stores a CA choice can name
OWN_ROOT_STORE = "sslrootcert"  # the file the string's own sslrootcert names (local mode)
# Why the steps after a failed one are not attempted.
EARLIER_FAILED = "not attempted: an earlier step failed"
POLICY_BLOCKED = "not attempted: blocked by the probe policy"


def after(name: StepName) -> tuple[StepName, ...]:
    """The steps of LIVE_ORDER that come after `name`."""
    return LIVE_ORDER[LIVE_ORDER.index(name) + 1 :]


def store_label(ca: str) -> str:
    """The trust store a CA choice names: certifi, system, or the pasted CA."""
    return ca if ca in BUILTIN_STORES else "pasted CA"


@dataclass(frozen=True)
class ProbeInput:
    parsed: ParsedConnection
    driver: str  # resolved: auto | psycopg2 | asyncpg | sqlalchemy | sqlalchemy_asyncpg
    ca: str  # "certifi" | "system" | PEM text
    timeout: float
    policy: netpolicy.ProbePolicy
    host_kind: HostKind
    project_ref: str | None
    started: float | None = None  # when the diagnosis began: the deadline counts from there


# --- what a step records -------------------------------------------------------------------------


class DnsAnswer(TypedDict, total=False):
    addresses: list[str]
    ms: float
    error: str
    timed_out: bool


class TcpResult(TypedDict, total=False):
    address: str
    family: str  # IPv4 | IPv6
    status: str  # ok | refused | timeout | unreachable
    ms: float
    error: str | None
    note: str


class StepData(TypedDict, total=False):
    """The facts a step keeps (each step fills its own keys)."""

    code: str  # a failed step: the finding's code
    A: DnsAnswer
    AAAA: DnsAnswer
    refused_by_policy: list[str]
    ipv6_route: bool | None
    addresses: list[TcpResult]
    chosen: str | None
    answer: str  # the SSLRequest's answer byte
    version: str | None
    cipher: str | None
    chain_length: int
    params: dict[str, str]  # the login's libpq keywords, secrets masked
    pinned: list[str]  # shared mode: keywords set to libpq's defaults
    error: str
    how: str  # how asyncpg was called
    kwargs: dict[str, str]


class StepDict(TypedDict):
    name: StepName
    status: StepStatus
    outcome: Outcome
    ms: float
    start_ms: float
    detail: str
    data: StepData


@dataclass
class Step:
    name: StepName
    status: StepStatus = StepStatus.OK
    ms: float = 0.0
    detail: str = ""
    data: StepData = field(default_factory=lambda: StepData())
    start_ms: float = 0.0

    def to_dict(self) -> StepDict:
        return {
            "name": self.name,
            "status": self.status,
            "outcome": self.status.outcome,
            "ms": round(self.ms, 1),
            "start_ms": round(self.start_ms, 1),
            "detail": self.detail,
            "data": self.data,
        }


# --- the facts io.py gathers -----------------------------------------------------------------


@dataclass(frozen=True)
class SslReply:
    """What came back for the SSLRequest."""

    answer: bytes = b""  # the first byte: b"S", b"N", another byte, or b"" (closed)
    more: bytes = b""  # what followed an answer other than S or N (up to 200 bytes)
    timed_out: bool = False
    broken: str | None = None  # the connection broke while sending or reading: why


@dataclass(frozen=True)
class Handshake:
    """A TLS handshake that accepted any certificate, to read the chain the server sends."""

    version: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    ders: tuple[bytes, ...] = ()  # the chain as sent, leaf first
    error: str | None = None  # the handshake failed: why
    timed_out: bool = False


@dataclass(frozen=True)
class Login:
    """A libpq login: an open connection (close it with `close`), or why there is none."""

    conn: Any = None
    timed_out: bool = False
    error: str | None = None  # libpq's message
    ssl_in_use: bool = False
    ssl_protocol: str | None = None
    server_version: int = 0


@dataclass(frozen=True)
class Query:
    row: tuple[Any, ...] | None = None  # FIRST_QUERY's row
    timed_out: bool = False
    error: str | None = None
    local_time: float | None = None  # this machine's clock halfway through the query (epoch s)
    rtt: float = 0.0  # seconds from sending the query to its answer


# --- what the probe found ------------------------------------------------------------------------


class SslmodeRow(TypedDict, total=False):
    sslmode: str
    sslrootcert: str | None
    store: str
    ok: bool
    why: str


class TlsReport(TypedDict):
    version: str | None
    cipher: str | None
    alpn: str | None
    sni: str | None
    chain: list[CertDict]
    stores: list[StoreDict]
    chosen_store: str
    sslmodes: list[SslmodeRow]


class PgStatSsl(TypedDict):
    ssl: bool | None
    version: str | None
    cipher: str | None
    bits: int | None


class ServerInfo(TypedDict):
    version: str
    version_short: str
    server_version: str
    user: str
    database: str
    address: str | None
    port: int | None
    ssl_in_use: bool
    ssl_version: str | None
    pg_stat_ssl: PgStatSsl
    sslmode: str
    # The server's now() minus this machine's clock, in seconds (> 0: this machine is behind).
    clock_skew_s: float | None


@dataclass
class Failure:
    """The first step that failed: the verdict's step, code, cause and fix."""

    step: StepName
    code: str
    cause: str
    fix: str | None


@dataclass
class ProbeOutcome:
    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tls: TlsReport | None = None
    server: ServerInfo | None = None
    failure: Failure | None = None
    connected: bool = False
    total_ms: float = 0.0
    # What the proof round needs: the checked address the login went to (None: a socket), whether
    # the server offered TLS, and whether a login was sent at all.
    address: str | None = None
    tls_offered: bool = False
    login_sent: bool = False
    # A libpq login that failed: its keywords (`args.comparable`: password in, never rendered)
    # and libpq's message, so that the proof round does not send it again.
    failed_login: tuple[dict[str, str], str] | None = None


# --- what the drivers are handed -----------------------------------------------------------------


@dataclass(frozen=True)
class AsyncpgTls:
    """The SSL context asyncpg gets, described (io.py builds it): what asyncpg would build from
    the sslmode, with the page's CA in place of root certificate files. It checks the
    certificate against (and sends as SNI) the host name of the string while asyncpg connects to
    the checked address, as libpq does with host and hostaddr."""

    mode: str
    server_name: str | None
    ca: str  # "certifi" | "system" | PEM text
    minimum_version: ssl.TLSVersion | None = None  # the string's ssl_min/max_protocol_version
    maximum_version: ssl.TLSVersion | None = None
    cafile: str | None = None  # local mode's proof round: the user's own CA file, in place of `ca`

    @property
    def verifies(self) -> bool:
        return verifies(self.mode)

    @property
    def description(self) -> str:
        if self.verifies:
            return f"SSLContext({self.mode}, trusting {store_label(self.ca)})"
        return f"SSLContext({self.mode}, no verification)"


AsyncpgArgs = dict[str, Any]  # asyncpg.connect()'s keyword arguments, as the driver takes them


# --- the proof round: each suggestion tried with its own driver ------------------------------


@dataclass(frozen=True)
class LibpqAttempt:
    """psycopg2.connect(**kw) and `select 1`: the psycopg2 string, as libpq reads it."""

    kw: dict[str, str]


@dataclass(frozen=True)
class AsyncpgAttempt:
    """asyncpg.connect(*args, **kwargs) and `select 1` (AsyncpgTls values become contexts)."""

    args: tuple[Any, ...]
    kwargs: AsyncpgArgs


@dataclass(frozen=True)
class EngineAttempt:
    """create_engine / create_async_engine(url, connect_args=...) and `select 1`; `prepare` turns
    the parameters SQLAlchemy hands its driver into what is sent (pinned, isolated). No I/O."""

    url: str
    connect_args: dict[str, Any]
    prepare: Callable[[dict[str, Any]], dict[str, Any]]
    is_async: bool
    # The attempt whose open connection the engine may run over, when `reuse` says that what
    # SQLAlchemy would send its driver is what that connection was opened with.
    shares: str | None = None
    reuse: Callable[[dict[str, Any]], bool] | None = None
    # The error of the diagnosis's own login, when `reuse` compares with its settings instead
    # (it failed: an engine that would send the same is not sent).
    failed: str | None = None


Attempt = LibpqAttempt | AsyncpgAttempt | EngineAttempt


@dataclass(frozen=True)
class Tried:
    """How one attempt ended: connected and ran `select 1`, or why not."""

    error: str | None = None  # `TypeName: first line`
    timed_out: bool = False
    ms: float = 0.0
    shared: bool = False  # an engine that ran over the connection of the attempt it shares
    # Not sent: the same settings failed just now, in this login (named here).
    same_as_failed: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


class ProofDict(TypedDict):
    """api.md's `suggested_proof[<driver>]`."""

    status: Literal["connected", "failed", "not_tried"]
    detail: str


@dataclass(frozen=True)
class Machine:
    """This machine as a local libpq sees it, read once by io.py: the PG* variables, the home
    directory, the name of the account running the inspector."""

    env: dict[str, str]
    home: Path | None
    os_user: str | None


@dataclass
class Judged:
    """What a step's facts mean (steps.py, tls.py, login.py); the recorder applies it."""

    findings: list[Finding] = field(default_factory=list)  # said, the probe goes on
    failure: Finding | None = None  # the probe ends here
    cause: str = ""  # the failure in a few words, for the verdict
    skip_rest: str | None = None  # the steps after this one are not attempted: why
    supersedes: bool = False  # the failure replaces earlier findings of its code and severity


def failed(st: Step, finding: Finding, cause: str, skip_rest: str | None = None) -> Judged:
    """The step failed: the probe ends with `finding`."""
    st.status = StepStatus.FAILED
    return Judged(failure=finding, cause=cause, skip_rest=skip_rest)
