"""The probe's data: what it is given, the steps it records and what it found. No I/O, no rules.

The JSON shapes (`StepDict`, `TlsReport`, `ServerInfo`) are api.md's `steps`, `tls` and `server`.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

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

    @property
    def verifies(self) -> bool:
        return verifies(self.mode)

    @property
    def description(self) -> str:
        if self.verifies:
            return f"SSLContext({self.mode}, trusting {store_label(self.ca)})"
        return f"SSLContext({self.mode}, no verification)"


AsyncpgArgs = dict[str, Any]  # asyncpg.connect()'s keyword arguments, as the driver takes them


@dataclass(frozen=True)
class Machine:
    """This machine as a local libpq sees it, read once by io.py: the PG* variables, the home
    directory, the name of the account running the inspector."""

    env: dict[str, str]
    home: Path | None
    os_user: str | None
