"""What each live step's facts mean: the step's status and detail, and its findings. No I/O.

Each function takes the `Step` being recorded and the facts io.py gathered for it, fills the
step's detail, status and data, and returns a `Judged`: the findings, and the failure that ends
the probe (with the steps after it skipped, and why). This module: DNS, TCP, the SSLRequest;
the TLS step is tls.py's, the logins login.py's.
"""

from __future__ import annotations

from inspector import netpolicy, supabase
from inspector.connections import codes
from inspector.connections.classify import classify_message
from inspector.connections.drivers import TLS_ONLY_SSLMODES
from inspector.connections.probe.model import (
    EARLIER_FAILED,
    POLICY_BLOCKED,
    DnsAnswer,
    Judged,
    SslReply,
    Step,
    TcpResult,
    failed,
)
from inspector.findings import make
from inspector.vocabulary import StepStatus

# --- before any packet ---------------------------------------------------------------------------


def blocked(st: Step, reason: str) -> Judged:
    """The site's probe policy refuses the host itself."""
    st.detail = f"Refused by this site's probe policy before any packet: {reason}."
    finding = make(codes.PROBE_BLOCKED, st.detail)
    return failed(st, finding, "this site may not probe that host", POLICY_BLOCKED)


# --- DNS -----------------------------------------------------------------------------------------


def literal_answers(st: Step, host: str) -> dict[str, DnsAnswer]:
    """An IP address is its own answer."""
    st.detail = f"{host} is an IP address: no lookup."
    return {
        "A": {"addresses": [host] if ":" not in host else []},
        "AAAA": {"addresses": [host] if ":" in host else []},
    }


def dns_answers(st: Step, host: str, answers: dict[str, DnsAnswer], waited: float) -> Judged:
    """The A and AAAA answers: a failure when there is no address at all."""
    st.data.update({"A": answers["A"], "AAAA": answers["AAAA"]})
    if answers["A"]["addresses"] or answers["AAAA"]["addresses"]:
        return Judged()
    a, aaaa = answers["A"], answers["AAAA"]
    timed_out = a.get("timed_out") and aaaa.get("timed_out")
    err = a.get("error") or aaaa.get("error") or "no address"
    st.detail = (
        f"No answer for {host} within {waited:.1f} s."
        if timed_out
        else f"{host} has no A or AAAA record: {err}."
    )
    msg = f'could not translate host name "{host}" to address: {err}'
    finding = make(codes.DNS_FAILED, f"{st.detail} libpq says: `{msg}`.")
    return failed(st, finding, "the host name does not resolve")


def dns_allowed(
    st: Step, host: str, addresses: list[str], policy: netpolicy.ProbePolicy
) -> tuple[list[str], Judged]:
    """The addresses the site's policy lets the probe reach (a failure when none)."""
    allowed, refused = [], []
    for addr in addresses:
        try:
            policy.check_address(addr)
            allowed.append(addr)
        except netpolicy.ProbeBlockedError as exc:
            refused.append(exc.reason)
    st.data["refused_by_policy"] = refused
    if allowed:
        return allowed, Judged()
    st.detail = f"Every address of {host} is refused by this site's policy: {'; '.join(refused)}."
    finding = make(codes.PROBE_BLOCKED, st.detail + " Nothing was sent.")
    return [], failed(st, finding, "this site may not probe that host", POLICY_BLOCKED)


def dns_reachable(
    st: Step, host: str, allowed: list[str], routable6: list[str], project_ref: str | None
) -> tuple[list[str], Judged]:
    """The addresses to try: IPv4 ones, and IPv6 ones this machine has a route to."""
    a, aaaa = st.data["A"]["addresses"], st.data["AAAA"]["addresses"]
    refused = st.data["refused_by_policy"]
    v6 = [x for x in allowed if ":" in x]
    v4 = [x for x in allowed if ":" not in x]
    st.data["ipv6_route"] = bool(routable6) if v6 else None
    if not st.detail:
        st.detail = f"A: {', '.join(a) or 'none'}; AAAA: {', '.join(aaaa) or 'none'}."
    if refused:
        st.detail += f" Skipped by policy: {'; '.join(refused)}."
    if v6 and not routable6 and not v4:
        st.detail += " Only IPv6 addresses, and this machine has no IPv6 route."
        finding = codes.IPV6_ONLY_USE_POOLER.make(
            f"{host} resolves only to {', '.join(aaaa)} (no A record) and this machine has no "
            "route to IPv6, so every driver fails with `Network is unreachable`.",
            pooler=supabase.session_pooler_host(),
            user=supabase.pooler_user(project_ref),
        )
        cause = f"{host} is IPv6-only and this machine cannot reach IPv6"
        return [], failed(st, finding, cause, "not attempted: no reachable address")
    if v6 and not routable6:
        st.status = StepStatus.WARNING
        st.detail += " No IPv6 route here: only the IPv4 addresses are tried."
    return v4 + routable6, Judged()


# --- TCP -----------------------------------------------------------------------------------------


def tcp(st: Step, port: int, results: list[TcpResult], chosen: str | None) -> Judged:
    st.data["addresses"] = results
    summary = ", ".join(f"{r['address']} {r['status']} ({r['ms']:.0f} ms)" for r in results)
    st.detail = f"Port {port}: {summary}."
    if chosen is not None:
        st.data["chosen"] = chosen
        if any(r["status"] != "ok" for r in results):
            st.status = StepStatus.WARNING
        return Judged()
    statuses = {r["status"] for r in results}
    if "timeout" in statuses:
        code, cause = codes.TCP_TIMEOUT, f"nothing answered on port {port} in time"
        silent = ", ".join(r["address"] for r in results if r["status"] == "timeout")
        detail = (
            f"No SYN-ACK from {silent} port {port} within the timeout: a firewall drops the "
            "packets, or the host is down. libpq would say `timeout expired`."
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
    return failed(st, make(code, detail), cause, "not attempted: no TCP connection")


# --- the SSLRequest ------------------------------------------------------------------------------


def ssl_request(st: Step, reply: SslReply, sslmode: str, waited: float) -> Judged:
    """S or N (the server speaks Postgres), else what answered instead."""
    if reply.timed_out:
        st.detail = (
            f"The server accepted the TCP connection but sent nothing back to the 8-byte "
            f"SSLRequest within {waited:.1f} s."
        )
        finding = make(
            codes.NOT_POSTGRES,
            st.detail + " A Postgres server or pooler answers S or N at once: this port is "
            "something else (or a proxy that waits for another protocol).",
        )
        cause = "the server accepted TCP but never answered like Postgres"
        return failed(st, finding, cause, EARLIER_FAILED)
    if reply.broken is not None:
        st.detail = f"The connection broke during the SSLRequest: {reply.broken}."
        return failed(
            st, make(codes.SERVER_CLOSED, st.detail), "the server hung up at once", EARLIER_FAILED
        )
    st.data["answer"] = reply.answer.decode("latin-1")
    if reply.answer == b"S":
        st.detail = "Answered S: the server speaks Postgres and offers TLS."
        return Judged()
    if reply.answer == b"N":
        return _no_ssl(st, sslmode)
    return _not_postgres(st, reply)


def _no_ssl(st: Step, sslmode: str) -> Judged:
    st.detail = "Answered N: the server speaks Postgres but does not offer TLS."
    if sslmode in TLS_ONLY_SSLMODES:
        finding = codes.SERVER_NO_SSL_REQUIRED.make(
            f"sslmode={sslmode} needs TLS and the server answered N: libpq stops with "
            "`server does not support SSL, but SSL was required`."
        )
        cause = "the server does not offer SSL and the client requires it"
        return failed(st, finding, cause, EARLIER_FAILED)
    st.status = StepStatus.WARNING
    finding = make(
        codes.SERVER_NO_SSL,
        f"The server answered N to the SSLRequest: with sslmode={sslmode} the password "
        "and every query travel unencrypted.",
    )
    return Judged(findings=[finding])


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


def _printable(data: bytes) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "." for c in data.decode("latin-1"))


def _not_postgres(st: Step, reply: SslReply) -> Judged:
    """Something answered the SSLRequest with neither S nor N: closed, a Postgres error, or
    another protocol (HTTP, TLS, SSH)."""
    answer, data = reply.answer, reply.answer + reply.more
    if not answer:
        st.detail = "The server closed the connection without answering the SSLRequest."
        finding = make(
            codes.SERVER_CLOSED,
            st.detail + " libpq says `server closed the connection unexpectedly`.",
        )
        return failed(st, finding, "the server hung up at once", EARLIER_FAILED)
    pg_error = _error_response_message(data)
    if pg_error:
        c = classify_message(pg_error)
        st.detail = f"Answered with an error instead of S/N: {pg_error}"
        code = c.code if c.code != codes.CONNECT_FAILED else codes.NOT_POSTGRES
        return failed(st, make(code, st.detail), c.cause, EARLIER_FAILED)
    what = _printable(data).split("..", 1)[0][:80]
    kind = "an HTTP server" if data.startswith(b"HTTP") or answer == b"H" else "not Postgres"
    if data.startswith(b"\x15\x03") or data.startswith(b"\x16\x03"):
        kind = "a TLS server (it expects a TLS ClientHello, not Postgres)"
    if data.startswith(b"SSH-"):
        kind = "an SSH server"
    st.detail = f"Answered {answer!r} instead of S or N: {kind} (first bytes: `{what}`)."
    finding = make(
        codes.NOT_POSTGRES,
        st.detail + f" libpq says `received invalid response to SSL negotiation: "
        f"{answer.decode('latin-1')}`.",
    )
    return failed(st, finding, f"{kind} answers on this port, not Postgres", EARLIER_FAILED)
