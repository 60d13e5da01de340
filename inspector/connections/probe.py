"""All of the connection inspector's network I/O, each step bounded by one deadline.

DNS (A and AAAA separately, in daemon threads abandoned at the deadline), TCP to every address
at once (non-blocking connects in one selector), the 8-byte SSLRequest, a TLS handshake that
accepts any certificate (to read the chain), a real libpq login through psycopg2's asynchronous
connection (so the deadline is ours, not `connect_timeout`'s whole seconds) with `hostaddr` set
to the checked address, a first query, and an asyncpg attempt the way the user's driver would.

In shared mode a probe runs with exactly what was pasted: every libpq keyword that libpq would
otherwise fill from a PG* variable or a file of this server is given explicitly (files point at
`NO_FILE`), asyncpg gets explicit arguments and an SSL context built here, a string without a
user is not sent, and file options of the string are never opened (`file_option_ignored`).
In local mode the probe behaves like the user's own psql (environment, ~/.pgpass, client
certificate), and the report says where a password, a certificate or a setting came from.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import getpass
import ipaddress
import math
import os
import select
import selectors
import socket
import ssl
import struct
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psycopg2
import psycopg2.extensions as ext
from asyncpg import connect_utils
from cryptography.hazmat.primitives.serialization import Encoding

from inspector import netpolicy, supabase
from inspector.connections import codes, lint, tlsinfo
from inspector.connections.classify import classify_exception, classify_message
from inspector.connections.parse import SECRET_PARAMS, ParsedConnection
from inspector.findings import Finding, make

SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # 00 00 00 08 04 d2 16 2f
# After one address connects, how long the others may still report before we stop waiting.
TCP_GRACE = 0.25
# libpq keywords that name files on this machine: never taken from input in shared mode.
FILE_PARAMS = lint.FILE_PARAMS
APPLICATION_NAME = "inspector"
# /dev/null is no directory, so nothing can exist below it: libpq finds no file there (and takes
# that as "none", as for a missing ~/.pgpass), and nobody can put one there.
NO_FILE = os.devnull + "/none"
# Shared mode: the libpq keywords (libpq 17's PQconndefaults() with an environment variable) that
# the string may set, with the value used when it does not: libpq's compiled-in default, so that
# no PG* variable of this process fills them. user, password, dbname, host, hostaddr and port are
# set from the string (`_libpq_kwargs`); `service` is a file option (never used).
SHARED_LIBPQ_DEFAULTS = {
    "channel_binding": "prefer",
    "client_encoding": "",
    "options": "",
    "application_name": APPLICATION_NAME,
    "sslmode": "prefer",
    "sslnegotiation": "postgres",
    "sslcompression": "0",
    "sslsni": "1",
    "requirepeer": "",
    "ssl_min_protocol_version": "TLSv1.2",
    "ssl_max_protocol_version": "",
    "krbsrvname": "postgres",
    "gsslib": "",
    "target_session_attrs": "any",
    "load_balance_hosts": "disable",
}
# ... and the ones the string cannot set in shared mode: no file of this server (password file,
# client certificate and key, root certificate, revocation lists), no Kerberos ticket of its.
SHARED_LIBPQ_FORCED = {
    "passfile": NO_FILE,
    "sslcert": NO_FILE,
    "sslkey": NO_FILE,
    "sslrootcert": NO_FILE,
    "sslcrl": NO_FILE,
    "sslcrldir": NO_FILE,
    "sslcertmode": "disable",
    "gssencmode": "disable",
    "gssdelegation": "0",
}
# Authentication methods that would present this server's own Kerberos/SSPI credentials.
_SERVER_CREDENTIAL_AUTH = ("gss", "sspi")
# What the report names when a local probe takes a setting from the environment (keyword, var).
_ENV_SETTINGS = (
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcrl", "PGSSLCRL"),
    ("options", "PGOPTIONS"),
    ("gssencmode", "PGGSSENCMODE"),
    ("channel_binding", "PGCHANNELBINDING"),
    ("require_auth", "PGREQUIREAUTH"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
    ("sslnegotiation", "PGSSLNEGOTIATION"),
    ("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"),
    ("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"),
    ("service", "PGSERVICE"),
)


@dataclass
class Step:
    name: str
    status: str  # ok | failed | warning | skipped
    ms: float
    detail: str
    data: dict[str, Any] = field(default_factory=dict)
    start_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "ms": round(self.ms, 1),
            "start_ms": round(self.start_ms, 1),
            "detail": self.detail,
            "data": self.data,
        }


@dataclass
class Failure:
    step: str
    code: str
    cause: str
    fix: str | None


@dataclass
class ProbeOutcome:
    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tls: dict[str, Any] | None = None
    server: dict[str, Any] | None = None
    failure: Failure | None = None
    connected: bool = False
    total_ms: float = 0.0


class Budget:
    """One deadline for the whole diagnosis."""

    def __init__(self, timeout: float, start: float | None = None):
        self.start = time.monotonic() if start is None else start
        self.deadline = self.start + max(0.05, timeout)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def now_ms(self) -> float:
        return (time.monotonic() - self.start) * 1000


class _Recorder:
    def __init__(self, budget: Budget, outcome: ProbeOutcome):
        self.budget = budget
        self.outcome = outcome

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        st = Step(name, "ok", 0.0, "", start_ms=self.budget.now_ms())
        self.outcome.steps.append(st)  # now, so that steps skipped inside come after it
        t0 = time.monotonic()
        try:
            yield st
        finally:
            st.ms = (time.monotonic() - t0) * 1000

    def skip(self, name: str, why: str) -> None:
        self.outcome.steps.append(Step(name, "skipped", 0.0, why, start_ms=self.budget.now_ms()))

    def fail(self, st: Step, finding: Finding, cause: str) -> None:
        st.status = "failed"
        st.data["code"] = finding.code
        self.outcome.findings.append(finding)
        if self.outcome.failure is None:
            self.outcome.failure = Failure(st.name, finding.code, cause, finding.fix)


# --- DNS -----------------------------------------------------------------------------------------


def resolve(host: str, port: int, timeout: float) -> dict[str, Any]:
    """A and AAAA looked up separately in daemon threads, abandoned at the deadline."""
    results: dict[str, Any] = {}
    done = {fam: threading.Event() for fam in ("A", "AAAA")}

    def lookup(label: str, family: socket.AddressFamily) -> None:
        t0 = time.monotonic()
        try:
            infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
            addrs = list(dict.fromkeys(i[4][0] for i in infos))
            results[label] = {"addresses": addrs, "ms": (time.monotonic() - t0) * 1000}
        except (OSError, UnicodeError) as exc:
            text = getattr(exc, "strerror", None) or str(exc)
            results[label] = {"addresses": [], "error": text, "ms": (time.monotonic() - t0) * 1000}
        finally:
            done[label].set()

    for label, fam in (("A", socket.AF_INET), ("AAAA", socket.AF_INET6)):
        threading.Thread(target=lookup, args=(label, fam), daemon=True, name=f"dns-{label}").start()
    end = time.monotonic() + timeout
    for label in ("A", "AAAA"):
        done[label].wait(max(0.0, end - time.monotonic()))
    out = {}
    for label in ("A", "AAAA"):
        out[label] = dict(
            results.get(label) or {"addresses": [], "error": "no answer in time", "timed_out": True}
        )
    return out


def has_route(address: str) -> bool:
    """Is there a route to `address`? A UDP connect picks a route and sends nothing."""
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.connect((address, 9))
        return True
    except OSError:
        return False


# --- TCP -----------------------------------------------------------------------------------------


def connect_all(
    addresses: list[str], port: int, budget: Budget
) -> tuple[list[dict[str, Any]], socket.socket | None, str | None]:
    """Non-blocking connects to every address at once; the first to connect is kept open."""
    sel = selectors.DefaultSelector()
    results: dict[str, dict[str, Any]] = {}
    socks: dict[str, socket.socket] = {}
    t0 = time.monotonic()
    for addr in addresses:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((addr, port))
        if err in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            socks[addr] = s
            sel.register(s, selectors.EVENT_WRITE, addr)
        else:
            results[addr] = _tcp_result(addr, err, t0)
            s.close()
    chosen: str | None = None
    grace_end: float | None = None
    while socks.keys() - results.keys():
        wait_until = budget.deadline if grace_end is None else min(grace_end, budget.deadline)
        left = wait_until - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(left):
            addr = key.data
            s = socks[addr]
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            sel.unregister(s)
            results[addr] = _tcp_result(addr, err, t0)
            if err == 0 and chosen is None:
                chosen = addr
                grace_end = time.monotonic() + TCP_GRACE
    for addr in addresses:
        if addr not in results:
            results[addr] = {
                "address": addr,
                "family": "IPv6" if ":" in addr else "IPv4",
                "status": "timeout",
                "ms": round((time.monotonic() - t0) * 1000, 1),
                "error": "no answer (SYN not acknowledged)"
                if chosen is None
                else "still waiting when another address answered",
            }
    sel.close()
    keep = socks.pop(chosen) if chosen else None
    for s in socks.values():
        s.close()
    for a in [
        a for a in addresses if a in results and results[a]["status"] == "ok" and a != chosen
    ]:
        results[a]["note"] = "connected too (closed)"
    if keep is not None:
        keep.setblocking(True)
    return [results[a] for a in addresses], keep, chosen


def _tcp_result(addr: str, err: int, t0: float) -> dict[str, Any]:
    status = "ok"
    if err == errno.ECONNREFUSED:
        status = "refused"
    elif err in (errno.ETIMEDOUT,):
        status = "timeout"
    elif err:
        status = "unreachable"
    return {
        "address": addr,
        "family": "IPv6" if ":" in addr else "IPv4",
        "status": status,
        "ms": round((time.monotonic() - t0) * 1000, 1),
        "error": os.strerror(err) if err else None,
    }


# --- the probe -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeInput:
    parsed: ParsedConnection
    driver: str  # resolved: auto | psycopg2 | asyncpg | sqlalchemy | sqlalchemy_asyncpg
    ca: str  # "certifi" | "system" | PEM text
    timeout: float
    policy: netpolicy.ProbePolicy
    host_kind: str
    project_ref: str | None
    started: float | None = None  # when the diagnosis began: the deadline counts from there


def run_probe(inp: ProbeInput) -> ProbeOutcome:
    """Every live step, in order, until one fails or the deadline passes."""
    budget = Budget(inp.timeout, inp.started)
    out = ProbeOutcome()
    rec = _Recorder(budget, out)
    try:
        _run(inp, budget, rec)
    finally:
        out.total_ms = budget.now_ms()
    return out


def _run(inp: ProbeInput, budget: Budget, rec: _Recorder) -> None:
    p = inp.parsed
    target = p.host
    assert target is not None
    host, port = target.host, target.effective_port
    sslmode = lint.ssl_setting(p, "psycopg2") or "prefer"
    if inp.policy.restricted:
        rec.outcome.findings.extend(_ignored_file_options(inp))
    if target.is_socket:
        if inp.policy.restricted:
            _blocked(rec, f"{host or 'the local socket'}: this site does not probe Unix sockets")
            return
        for name in ("dns", "tcp", "ssl_request", "tls"):
            rec.skip(name, "a Unix socket: nothing to resolve or encrypt")
        _login(inp, budget, rec, hostaddr=None, tls_view=None)
        return
    try:
        inp.policy.check_host(host)
    except netpolicy.ProbeBlockedError as exc:
        _blocked(rec, exc.reason)
        return

    # DNS
    with rec.step("dns") as st:
        addresses = _dns(inp, host, port, budget, rec, st)
    if addresses is None:
        return
    # TCP
    with rec.step("tcp") as st:
        sock, chosen = _tcp(inp, addresses, port, budget, rec, st)
    if sock is None:
        return
    try:
        # SSLRequest
        with rec.step("ssl_request") as st:
            answer = _ssl_request(sock, budget, rec, st, sslmode)
        if answer not in (b"S", b"N"):
            return
        # TLS
        tls_view = None
        if answer == b"S":
            with rec.step("tls") as st:
                tls_view = _tls(inp, sock, host, budget, rec, st, sslmode)
                sock = None  # closed by _tls
            if tls_view is None:
                return
        else:
            rec.skip("tls", "the server does not offer TLS")
    finally:
        if sock is not None:
            sock.close()
    _login(inp, budget, rec, hostaddr=chosen, tls_view=tls_view)


def _blocked(rec: _Recorder, reason: str) -> None:
    with rec.step("dns") as st:
        st.detail = f"Refused by this site's probe policy before any packet: {reason}."
        rec.fail(st, make(codes.PROBE_BLOCKED, st.detail), "this site may not probe that host")
    for name in ("tcp", "ssl_request", "tls", "connect", "query"):
        rec.skip(name, "not attempted: blocked by the probe policy")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


def _dns(
    inp: ProbeInput, host: str, port: int, budget: Budget, rec: _Recorder, st: Step
) -> list[str] | None:
    if _is_ip(host):
        st.detail = f"{host} is an IP address: no lookup."
        answers = {
            "A": {"addresses": [host] if ":" not in host else []},
            "AAAA": {"addresses": [host] if ":" in host else []},
        }
    else:
        answers = resolve(host, port, budget.remaining())
    st.data.update(answers)
    a = list(answers["A"]["addresses"])
    aaaa = list(answers["AAAA"]["addresses"])
    if not a and not aaaa:
        timed_out = answers["A"].get("timed_out") and answers["AAAA"].get("timed_out")
        err = answers["A"].get("error") or answers["AAAA"].get("error") or "no address"
        st.detail = (
            f"No answer for {host} within {budget.deadline - budget.start:.1f} s."
            if timed_out
            else f"{host} has no A or AAAA record: {err}."
        )
        msg = f'could not translate host name "{host}" to address: {err}'
        rec.fail(
            st,
            make(codes.DNS_FAILED, f"{st.detail} libpq says: `{msg}`."),
            "the host name does not resolve",
        )
        return None
    allowed, refused = [], []
    for addr in a + aaaa:
        try:
            inp.policy.check_address(addr)
            allowed.append(addr)
        except netpolicy.ProbeBlockedError as exc:
            refused.append(exc.reason)
    st.data["refused_by_policy"] = refused
    if not allowed:
        st.detail = (
            f"Every address of {host} is refused by this site's policy: {'; '.join(refused)}."
        )
        rec.fail(
            st,
            make(codes.PROBE_BLOCKED, st.detail + " Nothing was sent."),
            "this site may not probe that host",
        )
        for name in ("tcp", "ssl_request", "tls", "connect", "query"):
            rec.skip(name, "not attempted: blocked by the probe policy")
        return None
    v6 = [x for x in allowed if ":" in x]
    v4 = [x for x in allowed if ":" not in x]
    routable6 = [x for x in v6 if has_route(x)]
    st.data["ipv6_route"] = bool(routable6) if v6 else None
    if not st.detail:
        st.detail = f"A: {', '.join(a) or 'none'}; AAAA: {', '.join(aaaa) or 'none'}."
    if refused:
        st.detail += f" Skipped by policy: {'; '.join(refused)}."
    if v6 and not routable6 and not v4:
        st.detail += " Only IPv6 addresses, and this machine has no IPv6 route."
        pooler = supabase.session_pooler_host()
        user = supabase.pooler_user(inp.project_ref)
        fix = (
            f"Use the session pooler: host `{pooler}` port 5432, user `{user}` (copy the host "
            "from the dashboard's Connect dialog), or enable the IPv4 add-on, or run from a "
            "network with IPv6."
        )
        rec.fail(
            st,
            make(
                codes.IPV6_ONLY_NO_ROUTE,
                f"{host} resolves only to {', '.join(aaaa)} (no A record) and this machine has no "
                "route to IPv6, so every driver fails with `Network is unreachable`.",
                fix=fix,
            ),
            f"{host} is IPv6-only and this machine cannot reach IPv6",
        )
        for name in ("tcp", "ssl_request", "tls", "connect", "query"):
            rec.skip(name, "not attempted: no reachable address")
        return None
    if v6 and not routable6:
        st.status = "warning"
        st.detail += " No IPv6 route here: only the IPv4 addresses are tried."
    return v4 + routable6


def _tcp(
    inp: ProbeInput, addresses: list[str], port: int, budget: Budget, rec: _Recorder, st: Step
) -> tuple[socket.socket | None, str | None]:
    results, sock, chosen = connect_all(addresses, port, budget)
    st.data["addresses"] = results
    summary = ", ".join(f"{r['address']} {r['status']} ({r['ms']:.0f} ms)" for r in results)
    if sock is not None:
        st.detail = f"Port {port}: {summary}."
        st.data["chosen"] = chosen
        if any(r["status"] != "ok" for r in results):
            st.status = "warning"
        return sock, chosen
    statuses = {r["status"] for r in results}
    if "timeout" in statuses:
        code, cause = codes.TCP_TIMEOUT, f"nothing answered on port {port} in time"
        silent = ", ".join(r["address"] for r in results if r["status"] == "timeout")
        detail = (
            f"No SYN-ACK from {silent}"
            f" port {port} within the timeout: a firewall drops the packets, or the "
            "host is down. libpq would say `timeout expired`."
        )
    elif statuses == {"refused"}:
        code, cause = codes.TCP_REFUSED, f"nothing listens on port {port}"
        detail = (
            f"Every address refused port {port} ({summary}). libpq says `Connection "
            "refused: Is the server running on that host and accepting TCP/IP "
            "connections?`"
        )
    else:
        code, cause = codes.TCP_UNREACHABLE, "the network cannot reach the server"
        detail = f"{summary}."
    st.detail = f"Port {port}: {summary}."
    rec.fail(st, make(code, detail), cause)
    for name in ("ssl_request", "tls", "connect", "query"):
        rec.skip(name, "not attempted: no TCP connection")
    return None, None


def _printable(data: bytes) -> str:
    text = data.decode("latin-1")
    return "".join(c if 32 <= ord(c) < 127 else "." for c in text)


def _error_response_message(data: bytes) -> str | None:
    """The M field of a Postgres ErrorResponse ('E' + length + fields)."""
    if not data.startswith(b"E") or len(data) < 5:
        return None
    fields = data[5:].split(b"\x00")
    parts = {f[:1]: f[1:].decode("utf-8", "replace") for f in fields if f}
    if b"M" not in parts:
        return None
    sev = parts.get(b"S", "FATAL")
    return f"{sev}:  {parts[b'M']}"


def _ssl_request(
    sock: socket.socket, budget: Budget, rec: _Recorder, st: Step, sslmode: str
) -> bytes | None:
    sock.settimeout(max(0.01, budget.remaining()))
    try:
        sock.sendall(SSL_REQUEST)
        answer = sock.recv(1)
    except TimeoutError:
        waited = budget.deadline - budget.start
        st.detail = (
            f"The server accepted the TCP connection but sent nothing back to the 8-byte "
            f"SSLRequest within {waited:.1f} s."
        )
        rec.fail(
            st,
            make(
                codes.NOT_POSTGRES,
                st.detail + " A Postgres server or pooler answers S or N at once: this port is "
                "something else (or a proxy that waits for another protocol).",
            ),
            "the server accepted TCP but never answered like Postgres",
        )
        _skip_rest(rec, "ssl_request")
        return None
    except OSError as exc:
        st.detail = f"The connection broke during the SSLRequest: {exc.strerror or exc}."
        rec.fail(st, make(codes.SERVER_CLOSED, st.detail), "the server hung up at once")
        _skip_rest(rec, "ssl_request")
        return None
    st.data["answer"] = answer.decode("latin-1")
    if answer == b"S":
        st.detail = "Answered S: the server speaks Postgres and offers TLS."
        return answer
    if answer == b"N":
        st.detail = "Answered N: the server speaks Postgres but does not offer TLS."
        if sslmode in ("require", "verify-ca", "verify-full"):
            st.status = "failed"
            finding = make(
                codes.SERVER_NO_SSL,
                f"sslmode={sslmode} needs TLS and the server answered N: libpq stops with "
                "`server does not support SSL, but SSL was required`.",
                severity="error",
                fix="Turn SSL on in the server, or (on a trusted local network only) use "
                "sslmode=disable or prefer.",
            )
            rec.fail(st, finding, "the server does not offer SSL and the client requires it")
            _skip_rest(rec, "ssl_request")
            return None
        st.status = "warning"
        rec.outcome.findings.append(
            make(
                codes.SERVER_NO_SSL,
                f"The server answered N to the SSLRequest: with sslmode={sslmode} the password "
                "and every query travel unencrypted.",
                severity="warning",
            )
        )
        return answer
    more = b""
    with suppress(OSError):
        sock.settimeout(min(0.2, max(0.01, budget.remaining())))
        more = sock.recv(200)
    data = answer + more
    if not answer:
        st.detail = "The server closed the connection without answering the SSLRequest."
        rec.fail(
            st,
            make(
                codes.SERVER_CLOSED,
                st.detail + " libpq says `server closed the connection unexpectedly`.",
            ),
            "the server hung up at once",
        )
        _skip_rest(rec, "ssl_request")
        return None
    pg_error = _error_response_message(data)
    if pg_error:
        c = classify_message(pg_error)
        st.detail = f"Answered with an error instead of S/N: {pg_error}"
        code = c.code if c.code != codes.CONNECT_FAILED else codes.NOT_POSTGRES
        rec.fail(st, make(code, st.detail), c.cause)
        _skip_rest(rec, "ssl_request")
        return None
    what = _printable(data).split("..", 1)[0][:80]
    kind = "an HTTP server" if data.startswith(b"HTTP") or answer == b"H" else "not Postgres"
    if data.startswith(b"\x15\x03") or data.startswith(b"\x16\x03"):
        kind = "a TLS server (it expects a TLS ClientHello, not Postgres)"
    if data.startswith(b"SSH-"):
        kind = "an SSH server"
    st.detail = f"Answered {answer!r} instead of S or N: {kind} (first bytes: `{what}`)."
    rec.fail(
        st,
        make(
            codes.NOT_POSTGRES,
            st.detail + f" libpq says `received invalid response to SSL negotiation: "
            f"{answer.decode('latin-1')}`.",
        ),
        f"{kind} answers on this port, not Postgres",
    )
    _skip_rest(rec, "ssl_request")
    return None


def _skip_rest(rec: _Recorder, after: str) -> None:
    order = ["dns", "tcp", "ssl_request", "tls", "connect", "query"]
    for name in order[order.index(after) + 1 :]:
        rec.skip(name, "not attempted: an earlier step failed")


@dataclass
class TlsView:
    chain: list[Any]
    verdicts: dict[str, tlsinfo.StoreVerdict]
    chosen: str
    version: str | None


def _store_label(ca: str) -> str:
    return ca if ca in ("certifi", "system") else "pasted CA"


def _tls(
    inp: ProbeInput,
    sock: socket.socket,
    host: str,
    budget: Budget,
    rec: _Recorder,
    st: Step,
    sslmode: str,
) -> TlsView | None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with suppress(NotImplementedError):
        ctx.set_alpn_protocols(["postgresql"])
    sock.settimeout(max(0.01, budget.remaining()))
    sni = None if _is_ip(host) else host
    try:
        tls = ctx.wrap_socket(sock, server_hostname=sni)
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        sock.close()
        st.detail = f"The TLS handshake failed: {exc}."
        code = codes.TLS_HANDSHAKE_FAILED
        if isinstance(exc, TimeoutError):
            code = codes.LOGIN_TIMEOUT
            st.detail = "The server answered S but did not finish the TLS handshake in time."
        rec.fail(st, make(code, st.detail), "the TLS handshake did not complete")
        _skip_rest(rec, "tls")
        return None
    try:
        version, cipher, alpn = tls.version(), tls.cipher(), tls.selected_alpn_protocol()
        getter = getattr(tls, "get_unverified_chain", None) or tls._sslobj.get_unverified_chain
        ders = [
            c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
            for c in (getter() or [])
        ]
        if not ders:
            leaf = tls.getpeercert(binary_form=True)
            ders = [leaf] if leaf else []
    finally:
        with suppress(OSError):
            tls.close()
    chain = tlsinfo.load_der_chain(ders)
    infos = [tlsinfo.cert_info(c) for c in chain]
    stores: dict[str, tuple[Any, ...]] = {
        "certifi": tlsinfo.store_certs("certifi"),
        "system": tlsinfo.store_certs("system"),
    }
    if inp.ca not in ("certifi", "system"):
        stores["pasted CA"] = tuple(tlsinfo.load_pem_certs(inp.ca))
    name_host = host
    verdicts = {
        name: tlsinfo.evaluate(chain, anchors, name, name_host) for name, anchors in stores.items()
    }
    chosen = _store_label(inp.ca)
    view = TlsView(chain, verdicts, chosen, version)
    rec.outcome.tls = {
        "version": version,
        "cipher": cipher[0] if cipher else None,
        "alpn": alpn,
        "sni": sni,
        "chain": [i.to_dict() for i in infos],
        "stores": [v.to_dict() for v in verdicts.values()],
        "chosen_store": chosen,
        "sslmodes": _sslmode_table(verdicts, host, inp.host_kind),
    }
    leaf = infos[0] if infos else None
    st.detail = (
        f"{version}, {cipher[0] if cipher else '?'}; certificate {leaf.subject_cn if leaf else '?'}"
        f" issued by {leaf.issuer_cn if leaf else '?'}. {chosen}: {verdicts[chosen].reason}."
    )
    st.data.update(
        {"version": version, "cipher": cipher[0] if cipher else None, "chain_length": len(chain)}
    )
    # Findings: what the chosen store says, weighed by what the client's sslmode checks.
    v = verdicts[chosen]
    for code, reason in v.problems:
        verifies_chain = sslmode in ("verify-ca", "verify-full")
        if code == codes.TLS_HOSTNAME_MISMATCH:
            severity = "error" if sslmode == "verify-full" else "warning"
        else:
            severity = "error" if verifies_chain else "warning"
        note = (
            f" With sslmode={sslmode} the login fails."
            if severity == "error"
            else f" sslmode={sslmode} does not check this, so it connects, unverified."
        )
        rec.outcome.findings.append(
            make(
                code,
                f"{chosen}: {reason}.{note}",
                severity=severity,
                fix=_tls_fix(code, reason, host, v, inp.host_kind),
            )
        )
        if severity == "error" and st.status == "ok":
            st.status = "warning"  # the login step will fail and carry the verdict
    return view


def _tls_fix(code: str, reason: str, host: str, v: tlsinfo.StoreVerdict, kind: str) -> str | None:
    if code in (codes.TLS_UNTRUSTED, codes.TLS_SELF_SIGNED):
        if "Supabase" in reason or kind.startswith("supabase_"):
            return (
                f"Download {supabase.SUPABASE_CA_FILE} (Database Settings -> SSL Configuration) "
                f"and add `sslrootcert={supabase.SUPABASE_CA_FILE}` (or paste it here as the CA)."
            )
        if code == codes.TLS_SELF_SIGNED:
            return (
                "Trust exactly that certificate: save the server's certificate and add "
                "`sslrootcert=server.crt`, or give the server a certificate from a CA you trust."
            )
        return (
            "Give the client the CA that issued the certificate: add "
            "`sslrootcert=/path/to/ca.crt` (or paste the CA here to check it first)."
        )
    if code == codes.TLS_HOSTNAME_MISMATCH:
        return (
            "Connect with a name the certificate holds (listed above), or use sslmode=verify-ca "
            "to check only the chain."
        )
    return None


def _sslmode_table(
    verdicts: dict[str, tlsinfo.StoreVerdict], host: str, kind: str
) -> list[dict[str, Any]]:
    """Which sslmode values would succeed, with which sslrootcert."""
    rows: list[dict[str, Any]] = [
        {
            "sslmode": "require",
            "sslrootcert": None,
            "ok": True,
            "why": "encrypts without checking the certificate (if no root.crt exists)",
        },
    ]
    roots = {
        "certifi": "$(python -m certifi)",
        "system": "system",
        "pasted CA": supabase.SUPABASE_CA_FILE if kind.startswith("supabase_") else "your-ca.crt",
    }
    for name, v in verdicts.items():
        for mode, ok in (("verify-ca", v.chain_ok), ("verify-full", v.full_ok)):
            why = "ok" if ok else v.reason
            if mode == "verify-ca" and ok and not v.name_ok:
                why = "ok: the chain verifies (the host name is not checked)"
            rows.append(
                {"sslmode": mode, "sslrootcert": roots[name], "store": name, "ok": ok, "why": why}
            )
    return rows


# --- login ---------------------------------------------------------------------------------------


@contextmanager
def _root_cert_file(inp: ProbeInput) -> Iterator[str | None]:
    """The chosen CA as a file libpq can read (certifi's and the system's are files already)."""
    if inp.ca == "certifi":
        yield tlsinfo.certifi_path()
        return
    if inp.ca == "system":
        yield tlsinfo.system_path()
        return
    fd, path = tempfile.mkstemp(prefix="inspector-ca-", suffix=".crt")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(inp.ca)
        yield path
    finally:
        with suppress(OSError):
            os.unlink(path)


def _libpq_kwargs(inp: ProbeInput, hostaddr: str | None, rootcert: str | None) -> dict[str, Any]:
    p = inp.parsed
    unknown = {name for name, _ in lint.libpq_unknown_params(p)}
    kw: dict[str, Any] = {k: v for k, v in p.params if k not in unknown and k != "hostaddr"}
    target = p.host
    assert target is not None
    if target.host:
        kw["host"] = target.host
    if target.port:
        kw["port"] = str(target.port)
    if hostaddr:
        kw["hostaddr"] = hostaddr  # libpq must not resolve again: this address was checked
    if p.user:
        kw["user"] = p.user
    if p.password is not None:
        kw["password"] = p.password
    if p.database:
        kw["dbname"] = p.database
    kw.setdefault("application_name", APPLICATION_NAME)
    if inp.policy.restricted:
        return _isolated(kw, target.effective_port, rootcert, inp.timeout)
    mode = kw.get("sslmode", "prefer")
    given = kw.get("sslrootcert")
    own_file = bool(given) and os.path.isfile(given) and inp.ca == "certifi"
    if mode in ("verify-ca", "verify-full") and rootcert and not own_file:
        kw["sslrootcert"] = rootcert
    return kw


@functools.cache
def libpq_knows(keyword: str) -> bool:
    """Does the libpq psycopg2 was built with know this keyword? (sslnegotiation is 17+.)"""
    try:
        ext.parse_dsn(ext.make_dsn(**{keyword: "x"}))
    except psycopg2.ProgrammingError as exc:
        return "invalid connection option" not in str(exc)
    return True


def _isolated(kw: dict[str, Any], port: int, rootcert: str | None, timeout: float):
    """Shared mode: every keyword libpq would take from this process's environment or files is
    set, from the string or to libpq's default, and the file options point at no file."""
    string_root = kw.get("sslrootcert")
    for name in FILE_PARAMS:
        if name in kw and lint.is_file_option(name, str(kw[name])):
            del kw[name]
    kw.setdefault("password", "")  # not PGPASSWORD; libpq sends nothing when asked for one
    kw.setdefault("port", str(port))
    kw.setdefault("dbname", kw.get("user", ""))  # libpq's own default, not PGDATABASE
    # Our deadline governs (asynchronous connect); a value here keeps PGCONNECT_TIMEOUT out.
    kw.setdefault("connect_timeout", str(max(2, math.ceil(timeout))))
    for name, value in SHARED_LIBPQ_DEFAULTS.items():
        if libpq_knows(name):
            kw.setdefault(name, value)
    for name, value in SHARED_LIBPQ_FORCED.items():
        if libpq_knows(name):
            kw[name] = value
    if string_root == "system":
        kw["sslrootcert"] = "system"  # the system's trust store: no file named by the string
    elif kw["sslmode"] in ("verify-ca", "verify-full") and rootcert:
        kw["sslrootcert"] = rootcert  # the CA chosen on the page
    if libpq_knows("require_auth"):
        kw["require_auth"] = _without_server_credentials(str(kw.get("require_auth") or ""))
    return kw


def _without_server_credentials(require_auth: str) -> str:
    """require_auth that never lets libpq present this server's Kerberos or SSPI credentials."""
    methods = [m.strip() for m in require_auth.split(",") if m.strip()]
    if methods and not methods[0].startswith("!"):
        kept = [m for m in methods if m not in _SERVER_CREDENTIAL_AUTH]
        return ",".join(kept) or "none"
    refused = list(dict.fromkeys(methods + [f"!{m}" for m in _SERVER_CREDENTIAL_AUTH]))
    return ",".join(refused)


_IGNORED_EFFECT = {
    "sslrootcert": "the server's certificate is checked against the CA chosen on this page instead",
    "sslcert": "no client certificate is presented: a server that requires one refuses the probe",
    "sslkey": "no client certificate is presented: a server that requires one refuses the probe",
    "sslcrl": "no certificate revocation list is checked",
    "sslcrldir": "no certificate revocation list is checked",
    "passfile": "no password is read from a file: type it in the password field",
    "service": "the service's settings are not looked up: paste the host, user and the rest",
    "servicefile": "the service's settings are not looked up: paste the host, user and the rest",
}


def _ignored_file_options(inp: ProbeInput) -> list[Finding]:
    """Shared mode: one finding per file option of the string, none of which is opened."""
    out = []
    for name, value in inp.parsed.params:
        if lint.is_file_option(name, value):
            out.append(
                make(
                    codes.FILE_OPTION_IGNORED,
                    f"`{name}={value}` names a file on your machine; this shared site never "
                    "opens a file named in a pasted string (it would be one of the server's "
                    f"files, not yours), so {_IGNORED_EFFECT[name]}.",
                )
            )
    return out


# --- where a local probe's settings come from ---------------------------------------------------


def _tilde(path: str | os.PathLike[str]) -> str:
    text = str(path)
    home = _home()
    if home is not None and text.startswith(str(home) + os.sep):
        return "~" + text[len(str(home)) :]
    return text


def _home() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None


def _dot_postgresql(name: str) -> Path | None:
    home = _home()
    return None if home is None else home / ".postgresql" / name


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return None


def _password_file_entry(
    passfile: Path, host: str, port: str, dbname: str, user: str
) -> tuple[str | None, str | None]:
    """(password, why none) from a libpq password file, by the rules libpq and asyncpg share."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = connect_utils._read_password_from_pgpass(
            passfile=passfile, hosts=[host or "localhost"], ports=[port], database=dbname, user=user
        )
    if found is None and caught:
        return None, str(caught[0].message)
    return found, None


def local_sources(inp: ProbeInput, kw: dict[str, Any]) -> list[Finding]:
    """Local mode: what libpq (and asyncpg) will take from the environment and this machine's
    files for what the string leaves out, said as findings (psql would do the same)."""
    env = os.environ
    out: list[Finding] = []
    taken: list[str] = []
    user = kw.get("user")
    if not user:
        user = env.get("PGUSER") or ""
        if user:
            taken.append(f"user `{user}` from PGUSER")
        else:
            user = _os_user() or ""
            taken.append(
                f"user `{user}` from the account running the inspector (the string names none)"
            )
    dbname = kw.get("dbname")
    if not dbname:
        dbname = env.get("PGDATABASE") or user
        if env.get("PGDATABASE"):
            taken.append(f"database `{dbname}` from PGDATABASE")
    for keyword, var in _ENV_SETTINGS:
        if keyword not in kw and env.get(var):
            taken.append(f"{keyword}={env[var]} from {var}")
    mode = kw.get("sslmode") or env.get("PGSSLMODE") or "prefer"
    if mode != "disable" and "sslrootcert" not in kw and not env.get("PGSSLROOTCERT"):
        root = _dot_postgresql("root.crt")
        if root is not None and root.is_file():
            taken.append(
                f"sslrootcert {_tilde(root)} (it exists, so libpq checks the server's certificate "
                f"against it even with sslmode={mode})"
            )
    if taken:
        out.append(
            make(
                codes.ENVIRONMENT_SETTING_USED,
                "Not in the string, taken as psql would take it: " + "; ".join(taken) + ".",
            )
        )
    if "password" not in kw:
        if env.get("PGPASSWORD"):
            out.append(
                make(
                    codes.PASSWORD_SOURCE,
                    "The password is PGPASSWORD's (the string has none): libpq and asyncpg send "
                    "it, as psql would.",
                )
            )
        else:
            out += _password_file_source(kw, user, dbname)
    out += _client_cert_source(kw, mode)
    return out


def _password_file_source(kw: dict[str, Any], user: str, dbname: str) -> list[Finding]:
    env = os.environ
    named = kw.get("passfile") or env.get("PGPASSFILE")
    home = _home()
    if named:
        passfile = Path(named)
        where = f"the password file {_tilde(passfile)}" + (
            " (passfile in the string)" if kw.get("passfile") else " (PGPASSFILE)"
        )
    elif home is not None:
        passfile = home / ".pgpass"
        where = _tilde(passfile)
    else:
        return []
    host = str(kw.get("host") or "")
    if host.startswith("/") or not host:
        host = "localhost"  # libpq matches socket connections as localhost
    port = str(kw.get("port") or "5432")
    try:
        found, why = _password_file_entry(passfile, host, port, dbname, user)
    except (OSError, ValueError):
        return []
    if found is not None:
        return [
            make(
                codes.PASSWORD_SOURCE,
                f"The password is from {where}: its line for {host}:{port}:{dbname}:{user} "
                "(the string has none). libpq and asyncpg use it, as psql would.",
            )
        ]
    if why:
        return [make(codes.PASSWORD_SOURCE, f"{where} is not used: {why}.")]
    return []


def _client_cert_source(kw: dict[str, Any], mode: str) -> list[Finding]:
    env = os.environ
    if mode == "disable" or (kw.get("sslcertmode") or env.get("PGSSLCERTMODE")) == "disable":
        return []
    if kw.get("sslcert"):
        cert, origin = Path(str(kw["sslcert"])), "sslcert in the string"
    elif env.get("PGSSLCERT"):
        cert, origin = Path(env["PGSSLCERT"]), "PGSSLCERT"
    else:
        default = _dot_postgresql("postgresql.crt")
        if default is None:
            return []
        cert, origin = default, "libpq's default path"
    if not cert.is_file():
        return []
    if kw.get("sslkey"):
        key = Path(str(kw["sslkey"]))
    elif env.get("PGSSLKEY"):
        key = Path(env["PGSSLKEY"])
    else:
        key = _dot_postgresql("postgresql.key") or Path("postgresql.key")
    return [
        make(
            codes.CLIENT_CERT_SOURCE,
            f"The client certificate {_tilde(cert)} (from {origin}, key {_tilde(key)}) is "
            "presented when the server asks for one, as psql would.",
        )
    ]


def _wait(conn: Any, budget: Budget) -> bool:
    """Drive an async psycopg2 connection or query to the end; False when out of time."""

    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return True
        left = budget.remaining()
        if left <= 0:
            return False
        fd = conn.fileno()
        if state == ext.POLL_READ:
            r, _, _ = _select([fd], [], left)
        elif state == ext.POLL_WRITE:
            _, r, _ = _select([], [fd], left)
        else:  # pragma: no cover - psycopg2 only returns the three states
            raise RuntimeError(f"unexpected poll state {state}")
        if not r and budget.remaining() <= 0:
            return False


def _select(r: list[int], w: list[int], timeout: float):

    return select.select(r, w, [], timeout)


_QUERY = (
    "select version(), current_user, current_database(), inet_server_addr()::text, "
    "inet_server_port(), current_setting('server_version'), "
    "s.ssl, s.version, s.cipher, s.bits "
    "from (select 1) one left join pg_stat_ssl s on s.pid = pg_backend_pid()"
)


def _login(
    inp: ProbeInput, budget: Budget, rec: _Recorder, hostaddr: str | None, tls_view: TlsView | None
) -> None:
    p = inp.parsed
    if inp.policy.restricted and _not_sendable(inp, rec):
        return
    with _root_cert_file(inp) as rootcert:
        kw = _libpq_kwargs(inp, hostaddr, rootcert)
        if not inp.policy.restricted:
            rec.outcome.findings.extend(local_sources(inp, kw))
        conn = None
        connected = False
        with rec.step("connect") as st:
            st.data["params"] = _shown_params(inp, kw)
            if inp.policy.restricted:
                st.data["pinned"] = sorted(
                    k
                    for k in (*SHARED_LIBPQ_DEFAULTS, *SHARED_LIBPQ_FORCED)
                    if k in kw and k not in st.data["params"]
                )
            if budget.remaining() <= 0:
                st.detail = "No time left for the login."
                rec.fail(st, make(codes.PROBE_OUT_OF_TIME, st.detail), "the time ran out")
            else:
                try:
                    conn = psycopg2.connect(**kw, async_=True)
                    if _wait(conn, budget):
                        connected = True
                        st.detail = _connected_detail(conn, kw)
                    else:
                        st.detail = (
                            "The login did not finish before the deadline (TCP and the SSLRequest "
                            "went through; the startup or authentication stalled)."
                        )
                        rec.fail(
                            st,
                            make(codes.LOGIN_TIMEOUT, st.detail),
                            "the login did not finish in time",
                        )
                except (psycopg2.Error, ValueError) as exc:
                    _login_failed(inp, rec, st, str(exc), tls_view)
        if connected and conn is not None:
            _query(conn, budget, rec, kw)
        else:
            rec.skip("query", "not attempted: no connection")
        if conn is not None:
            with suppress(Exception):
                conn.close()
    if inp.driver in lint.ASYNCPG_DRIVERS:
        _asyncpg_attempt(inp, budget, rec, hostaddr, tls_offered=tls_view is not None)
    if rec.outcome.failure is None and connected:
        rec.outcome.connected = True
        server = rec.outcome.server or {}
        rec.outcome.findings.append(
            make(
                codes.CONNECTED,
                f"Logged in as {server.get('user') or p.user} to {server.get('database') or '?'} "
                f"on {server.get('version_short') or 'PostgreSQL'}"
                + (
                    f" over {server['ssl_version']}"
                    if server.get("ssl_version")
                    else " without TLS"
                    if server.get("ssl_in_use") is False
                    else ""
                )
                + f" in {rec.outcome.steps[-1].start_ms + rec.outcome.steps[-1].ms:.0f} ms.",
            )
        )


def _not_sendable(inp: ProbeInput, rec: _Recorder) -> bool:
    """Shared mode: a login that could only go out with the server's own user name, or while
    libpq would read the server's service file, is not attempted."""
    reason = None
    if not inp.parsed.user:
        code = codes.USER_MISSING
        detail = (
            "Not attempted: the string names no user. libpq and asyncpg would send PGUSER or the "
            "name of the account running them; this shared site never sends its own, so give the "
            "user in the string."
        )
        reason = "the string names no user"
    elif os.environ.get("PGSERVICE"):
        code = codes.PROBE_BLOCKED
        detail = (
            "Not attempted: this site's process has PGSERVICE set, and libpq would read the "
            "server's service file for every probe."
        )
        reason = "this site is misconfigured for probing"
    if reason is None:
        return False
    with rec.step("connect") as st:
        st.detail = detail
        fix = "The site's operator must unset PGSERVICE." if code == codes.PROBE_BLOCKED else None
        rec.fail(st, make(code, detail, severity="error", **({"fix": fix} if fix else {})), reason)
    rec.skip("query", "not attempted: no login")
    if inp.driver in lint.ASYNCPG_DRIVERS:
        rec.skip("connect_asyncpg", "not attempted: no login")
    return True


def _shown_params(inp: ProbeInput, kw: dict[str, Any]) -> dict[str, Any]:
    """The login's parameters, password masked; in shared mode without the pinned defaults."""
    pinned = {**SHARED_LIBPQ_DEFAULTS, **SHARED_LIBPQ_FORCED} if inp.policy.restricted else {}
    given = {k for k, _ in inp.parsed.params}
    return {
        k: ("***" if v else "") if k in SECRET_PARAMS else v
        for k, v in kw.items()
        if k not in pinned or k in given or (k == "sslrootcert" and v != NO_FILE)
    }


def _connected_detail(conn: Any, kw: dict[str, Any]) -> str:
    info = conn.info
    ssl_txt = f"TLS {info.ssl_attribute('protocol')}" if info.ssl_in_use else "no TLS"
    return (
        f"libpq logged in (sslmode={kw.get('sslmode', 'prefer')}, {ssl_txt}, server "
        f"{info.server_version})."
    )


def _login_failed(
    inp: ProbeInput, rec: _Recorder, st: Step, text: str, tls_view: TlsView | None
) -> None:
    text = lint.scrub(text, inp.parsed.password)
    c = classify_message(text)
    st.data["error"] = text.strip()
    code, cause = c.code, c.cause
    detail = f"libpq: `{c.message}`"
    fix = None
    # libpq says only "certificate verify failed": our own reading of the chain knows why.
    if (
        code
        in (
            codes.TLS_UNTRUSTED,
            codes.TLS_EXPIRED,
            codes.TLS_SELF_SIGNED,
            codes.TLS_HOSTNAME_MISMATCH,
        )
        and tls_view is not None
    ):
        v = tls_view.verdicts.get(tls_view.chosen)
        if v is not None and v.code and "root certificate file" not in text:
            if code != codes.TLS_HOSTNAME_MISMATCH:
                chain_problem = next(
                    ((pc, r) for pc, r in v.problems if pc != codes.TLS_HOSTNAME_MISMATCH), None
                )
                if chain_problem:
                    code = chain_problem[0]
                    cause = chain_problem[1]
            detail += f" ({tls_view.chosen}: {v.reason})"
    if code == codes.TLS_UNTRUSTED and "root certificate file" in text:
        code = codes.VERIFY_WITHOUT_ROOT_CERT
        cause = "verify-ca/verify-full needs a root certificate file and there is none"
    if code == codes.TENANT_NOT_FOUND:
        fix = _tenant_fix(inp)
    if code in (codes.TLS_UNTRUSTED, codes.TLS_SELF_SIGNED) and tls_view is not None:
        fix = _tls_fix(code, cause, "", tls_view.verdicts[tls_view.chosen], inp.host_kind)
    st.detail = detail + "."
    finding = make(code, st.detail + f" Cause: {cause}.", **({"fix": fix} if fix else {}))
    # The TLS step may already have said the same thing as a finding: keep one.
    rec.outcome.findings[:] = [
        f for f in rec.outcome.findings if not (f.code == code and f.severity == finding.severity)
    ]
    rec.fail(st, finding, cause)


def _tenant_fix(inp: ProbeInput) -> str:
    p = inp.parsed
    user = p.user or "postgres"
    role = user.rsplit(".", 1)[0] if "." in user else user
    want = supabase.pooler_user(inp.project_ref or supabase.ref_from_pooler_user(user), role)
    return (
        f"Use the user `{want}` and copy the pooler host (`aws-N-<region>.pooler.supabase.com`) "
        "from the dashboard's Connect dialog exactly: the cluster index N and the region must be "
        "your project's (aws-0 is not a safe guess)."
    )


def _query(conn: Any, budget: Budget, rec: _Recorder, kw: dict[str, Any]) -> None:
    with rec.step("query") as st:
        try:
            cur = conn.cursor()
            cur.execute(_QUERY)
            if not _wait(conn, budget):
                st.detail = "The first query did not finish in time."
                rec.fail(st, make(codes.LOGIN_TIMEOUT, st.detail), "the server is too slow")
                return
            row = cur.fetchone()
        except psycopg2.Error as exc:
            # A pooler or a restricted role may refuse pg_stat_ssl: retry the basics.
            st.status = "warning"
            st.detail = f"The first query failed: {str(exc).strip().splitlines()[0]}"
            return
        version, user, db, addr, port, sv, ssl_on, ssl_ver, cipher, bits = row
        info = conn.info
        rec.outcome.server = {
            "version": version,
            "version_short": f"PostgreSQL {sv}",
            "server_version": sv,
            "user": user,
            "database": db,
            "address": addr,
            "port": port,
            "ssl_in_use": bool(info.ssl_in_use),
            "ssl_version": info.ssl_attribute("protocol") if info.ssl_in_use else None,
            "pg_stat_ssl": {"ssl": ssl_on, "version": ssl_ver, "cipher": cipher, "bits": bits},
            "sslmode": kw.get("sslmode", "prefer"),
        }
        st.detail = f"{sv}; user {user}, database {db}; pg_stat_ssl: ssl={ssl_on} {ssl_ver or ''}."


# --- asyncpg, the way the user's driver would --------------------------------------------------


def _asyncpg_attempt(
    inp: ProbeInput, budget: Budget, rec: _Recorder, hostaddr: str | None, tls_offered: bool
) -> None:
    p = inp.parsed
    with rec.step("connect_asyncpg") as st:
        left = budget.remaining()
        if left <= 0.05:
            st.status = "skipped"
            st.detail = "No time left for the asyncpg attempt."
            return
        args: tuple[Any, ...] = ()
        kwargs: dict[str, Any] = {}
        if inp.driver == "sqlalchemy_asyncpg":
            opts, error = lint.sqlalchemy_asyncpg_kwargs(p)
            how = "create_connect_args(make_url(url)) handed to asyncpg.connect()"
            if error:
                st.detail = f"SQLAlchemy's asyncpg dialect: {error}"
                rec.fail(st, make(codes.DRIVER_FAILED, st.detail), "SQLAlchemy rejects the URL")
                return
        else:
            opts = {}
            how = "asyncpg.connect(dsn)"
        try:
            if inp.policy.restricted:
                kwargs = _asyncpg_isolated(inp, opts, hostaddr, tls_offered)
                if inp.driver != "sqlalchemy_asyncpg":
                    how = "asyncpg.connect(**the settings asyncpg reads from the string)"
                how += " at the checked address, nothing taken from this server"
            elif inp.driver == "sqlalchemy_asyncpg":
                kwargs = opts
            else:
                args = (lint.sqlalchemy_url(p, None),)
                kwargs = {"password": p.password} if p.password_from_field else {}
            kwargs.pop("timeout", None)
            st.data["how"] = how
            st.data["kwargs"] = {k: _shown_kwarg(k, v) for k, v in kwargs.items()}
            _run_async(_asyncpg_connect(args, kwargs, left), left + 0.2)
            st.detail = f"asyncpg connected ({how})."
        except BaseException as exc:  # noqa: BLE001 - whatever the driver raises is the finding
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            st.data.setdefault("how", how)
            text = lint.scrub(f"{type(exc).__name__}: {exc}", p.password)
            first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
            st.data["error"] = first
            code = _asyncpg_code(exc, first)
            st.detail = f"asyncpg ({how}) fails: `{first}`."
            libpq_ok = not any(
                s.name == "connect" and s.status == "failed" for s in rec.outcome.steps
            )
            if libpq_ok:
                st.detail += " libpq connects with the same string: the difference is the driver."
            rec.fail(
                st,
                make(code, st.detail),
                "your driver rejects what libpq accepts" if libpq_ok else "asyncpg fails too",
            )


def _shown_kwarg(name: str, value: Any) -> str:
    if name == "password":
        return "***"
    if isinstance(value, _NamedContext):
        return value.description
    return repr(value)


class _NamedContext(ssl.SSLContext):
    """An SSL context for asyncpg that checks the certificate against (and sends as SNI) the
    host name of the string while asyncpg connects to the checked address, as libpq does with
    host and hostaddr. Built here: no file of this server's is read."""

    server_name: str | None = None
    description: str = "SSLContext"

    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):
        name = self.server_name or server_hostname
        return super().wrap_bio(incoming, outgoing, server_side, name, session)


def _asyncpg_ssl(
    inp: ProbeInput, mode: str, tls_offered: bool, template: Any
) -> _NamedContext | bool:
    """What asyncpg would build from the sslmode, with the page's CA in place of root
    certificate files. prefer and allow take TLS when the server offered it (the SSLRequest
    step saw), as asyncpg would end up doing."""
    if mode == "disable" or (mode in ("allow", "prefer") and not tls_offered):
        return False
    ctx = _NamedContext(ssl.PROTOCOL_TLS_CLIENT)
    host = inp.parsed.host.host if inp.parsed.host else None
    ctx.server_name = None if host is None or _is_ip(host) else host
    if isinstance(template, ssl.SSLContext):  # the string's ssl_min/max_protocol_version
        ctx.minimum_version = template.minimum_version
        ctx.maximum_version = template.maximum_version
    with suppress(NotImplementedError):
        ctx.set_alpn_protocols(["postgresql"])
    if mode in ("verify-ca", "verify-full"):
        ctx.check_hostname = mode == "verify-full"
        ctx.verify_mode = ssl.CERT_REQUIRED
        if inp.ca == "certifi":
            ctx.load_verify_locations(cafile=tlsinfo.certifi_path())
        elif inp.ca == "system":
            ctx.set_default_verify_paths()
        else:
            certs = tlsinfo.load_pem_certs(inp.ca)
            ctx.load_verify_locations(cadata=b"".join(c.public_bytes(Encoding.DER) for c in certs))
        ctx.description = f"SSLContext({mode}, trusting {_store_label(inp.ca)})"
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.description = f"SSLContext({mode}, no verification)"
    return ctx


def _asyncpg_isolated(
    inp: ProbeInput, opts: dict[str, Any], hostaddr: str | None, tls_offered: bool
) -> dict[str, Any]:
    """Shared mode: asyncpg.connect() keyword arguments for everything asyncpg would otherwise
    look up in this process's environment or files (PGUSER, PGPASSWORD, PGPORT, PGSSLMODE,
    ~/.pgpass, ~/.postgresql/*), at the checked address and the string's port."""
    p = inp.parsed
    target = p.host
    assert target is not None
    known = lint.asyncpg_connect_params()
    if inp.driver == "sqlalchemy_asyncpg":
        kwargs = {
            k: v for k, v in opts.items() if not (k in FILE_PARAMS and k in known)
        }  # passfile, service, servicefile: never opened; other names fail as in the app
        mode = kwargs.get("ssl")
        if mode is None:
            mode = "prefer"
        if isinstance(mode, str) and mode in lint.SSLMODES:
            kwargs["ssl"] = _asyncpg_ssl(inp, mode, tls_offered, None)
        kwargs["port"] = kwargs.get("port") or target.effective_port
        kwargs["password"] = kwargs.get("password") or ""
        kwargs["database"] = kwargs.get("database") or kwargs.get("user") or ""
        kwargs.setdefault("direct_tls", False)
    else:
        addrs, params = lint.asyncpg_reading(p)  # may raise what asyncpg raises for the string
        mode = p.param("sslmode") or "prefer"
        password = p.password if p.password_from_field else params.password
        kwargs = {
            "user": params.user,
            "password": password or "",
            "database": params.database or params.user,
            "port": addrs[0][1] if addrs and isinstance(addrs[0], tuple) else target.effective_port,
            "ssl": _asyncpg_ssl(inp, mode, tls_offered, params.ssl),
            "direct_tls": params.ssl_negotiation == connect_utils.SSLNegotiation.direct,
            "server_settings": params.server_settings,
            "target_session_attrs": getattr(
                params.target_session_attrs, "value", params.target_session_attrs
            ),
            "gsslib": params.gsslib,
        }
        if params.krbsrvname:
            kwargs["krbsrvname"] = params.krbsrvname
    kwargs.setdefault("target_session_attrs", "any")
    kwargs.setdefault("krbsrvname", "postgres")
    kwargs.setdefault("gsslib", "gssapi")
    if not kwargs.get("user"):
        raise asyncpg.ClientConfigurationError(
            "the string names no user (asyncpg would send PGUSER or the OS user name)"
        )
    kwargs["host"] = hostaddr or target.host  # connect only to the checked address
    return kwargs


def _asyncpg_code(exc: BaseException, text: str) -> str:
    if isinstance(exc, TypeError) and "sslmode" in text:
        return codes.ASYNCPG_SSLMODE_PARAM
    if "sslmode` parameter must be one of" in text:
        return codes.ASYNCPG_SSL_TRUE
    if "root certificate file" in text:
        return codes.VERIFY_WITHOUT_ROOT_CERT
    if isinstance(exc, TypeError):
        return codes.UNKNOWN_PARAMETER
    if 'parameter "ssl" cannot be changed now' in text or (
        'unrecognized configuration parameter "ssl"' in text
    ):
        return codes.ASYNCPG_SSL_TRUE  # asyncpg's DSN parser sent ?ssl=true as a server setting
    if "unrecognized configuration parameter" in text:
        return codes.UNKNOWN_PARAMETER
    c = classify_exception(exc)
    return c.code if c.code != codes.CONNECT_FAILED else codes.DRIVER_FAILED


async def _asyncpg_connect(args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float) -> None:
    conn = await asyncio.wait_for(asyncpg.connect(*args, timeout=timeout, **kwargs), timeout)
    try:
        await asyncio.wait_for(conn.fetchval("select 1"), max(0.05, timeout))
    finally:
        try:
            await asyncio.wait_for(conn.close(), 1.0)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            # A slow or broken close must not leak the socket: drop it, and let the loop run
            # once so the transport really closes before the loop does.
            conn.terminate()
            await asyncio.sleep(0)


class _TrackingLoop(asyncio.SelectorEventLoop):
    """An event loop that remembers every transport it makes, so that none outlives it: a
    driver that gives up on a login (or a TLS shutdown the server never answers) may leave a
    transport closing when the attempt ends."""

    def __init__(self) -> None:
        super().__init__()
        self.transports: list[asyncio.BaseTransport] = []

    async def create_connection(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        transport, protocol = await super().create_connection(*args, **kwargs)
        self.transports.append(transport)
        return transport, protocol

    async def start_tls(self, transport: Any, *args: Any, **kwargs: Any) -> Any:
        tls = await super().start_tls(transport, *args, **kwargs)
        if tls is not None:
            self.transports.append(tls)
        return tls

    def abort_transports(self) -> None:
        for transport in reversed(self.transports):
            with suppress(Exception):
                transport.abort()  # type: ignore[attr-defined]
        for _ in range(3):  # the sockets close on the loop's next turns
            self.run_until_complete(asyncio.sleep(0))


def _run_async(coro: Any, limit: float) -> Any:
    """Run a coroutine on a private event loop in a thread abandoned after `limit` seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        loop = _TrackingLoop()
        try:
            box["value"] = loop.run_until_complete(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc
        finally:
            with suppress(Exception):
                loop.abort_transports()
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    t = threading.Thread(target=target, daemon=True, name="asyncpg-attempt")
    t.start()
    t.join(limit)
    if t.is_alive():
        raise TimeoutError("asyncpg did not finish in time")
    if "error" in box:
        raise box["error"]
    return box.get("value")
