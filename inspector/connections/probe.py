"""All of the connection inspector's network I/O, each step bounded by one deadline.

DNS (A and AAAA separately, in daemon threads abandoned at the deadline), TCP to every address
at once (non-blocking connects in one selector), the 8-byte SSLRequest, a TLS handshake that
accepts any certificate (to read the chain), a real libpq login through psycopg2's asynchronous
connection (so the deadline is ours, not `connect_timeout`'s whole seconds) with `hostaddr` set
to the checked address, a first query, and an asyncpg attempt the way the user's driver would.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import select
import selectors
import socket
import ssl
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import psycopg2
import psycopg2.extensions as ext

from inspector import netpolicy, supabase
from inspector.connections import codes, lint, tlsinfo
from inspector.connections.classify import classify_exception, classify_message
from inspector.connections.parse import ParsedConnection
from inspector.findings import Finding, make

SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # 00 00 00 08 04 d2 16 2f
# After one address connects, how long the others may still report before we stop waiting.
TCP_GRACE = 0.25
# libpq keywords that name files on this machine: never taken from input in shared mode.
FILE_PARAMS = (
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "passfile",
    "service",
    "servicefile",
)
APPLICATION_NAME = "inspector"


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
        for name in FILE_PARAMS:
            kw.pop(name, None)
    mode = kw.get("sslmode", "prefer")
    given = kw.get("sslrootcert")
    own_file = bool(given) and os.path.isfile(given) and inp.ca == "certifi"
    if mode in ("verify-ca", "verify-full") and rootcert and not own_file:
        kw["sslrootcert"] = rootcert
    return kw


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
    with _root_cert_file(inp) as rootcert:
        kw = _libpq_kwargs(inp, hostaddr, rootcert)
        conn = None
        connected = False
        with rec.step("connect") as st:
            shown = {k: ("***" if k == "password" else v) for k, v in kw.items()}
            st.data["params"] = shown
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
        _asyncpg_attempt(inp, budget, rec, hostaddr)
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


def _asyncpg_attempt(inp: ProbeInput, budget: Budget, rec: _Recorder, hostaddr: str | None) -> None:
    p = inp.parsed
    with rec.step("connect_asyncpg") as st:
        left = budget.remaining()
        if left <= 0.05:
            st.status = "skipped"
            st.detail = "No time left for the asyncpg attempt."
            return
        if inp.driver == "sqlalchemy_asyncpg":
            kwargs, error = lint.sqlalchemy_asyncpg_kwargs(p)
            how = "create_connect_args(make_url(url)) handed to asyncpg.connect()"
            args: tuple[Any, ...] = ()
            if error:
                st.detail = f"SQLAlchemy's asyncpg dialect: {error}"
                rec.fail(st, make(codes.DRIVER_FAILED, st.detail), "SQLAlchemy rejects the URL")
                return
        else:
            dsn = lint.sqlalchemy_url(p, None)
            kwargs = {"password": p.password} if p.password_from_field else {}
            args = (dsn,)
            how = "asyncpg.connect(dsn)"
        if inp.policy.restricted and hostaddr:
            kwargs["host"] = hostaddr  # connect only to the checked address
        kwargs.pop("timeout", None)
        st.data["how"] = how
        st.data["kwargs"] = {k: ("***" if k == "password" else repr(v)) for k, v in kwargs.items()}
        try:
            _run_async(_asyncpg_connect(args, kwargs, left), left + 0.2)
            st.detail = f"asyncpg connected ({how})."
        except BaseException as exc:  # noqa: BLE001 - whatever the driver raises is the finding
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
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


def _run_async(coro: Any, limit: float) -> Any:
    """Run a coroutine on a private event loop in a thread abandoned after `limit` seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        try:
            box["value"] = loop.run_until_complete(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc
        finally:
            with suppress(Exception):
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
