"""What each live step's facts mean: the step's status and detail, and its findings. No I/O.

Each function takes the `Step` being recorded and the facts io.py gathered for it, fills the
step's detail, status and data, and returns a `Judged`: the findings, and the failure that ends
the probe (with the steps after it skipped, and why). The TLS step's judgement is tls.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspector import netpolicy, supabase
from inspector.connections import codes
from inspector.connections.classify import classify_exception, classify_message
from inspector.connections.drivers import scrub
from inspector.connections.hosts import pooler_role
from inspector.connections.probe.io import Login, Query, SslReply
from inspector.connections.probe.model import DnsAnswer, ProbeInput, ServerInfo, Step, TcpResult
from inspector.connections.probe.tls import TlsView, tls_problem
from inspector.findings import Finding, make
from inspector.vocabulary import StepStatus

EARLIER_FAILED = "not attempted: an earlier step failed"
POLICY_BLOCKED = "not attempted: blocked by the probe policy"


@dataclass
class Judged:
    """What a step's facts mean."""

    findings: list[Finding] = field(default_factory=list)  # said, the probe goes on
    failure: Finding | None = None  # the probe ends here
    cause: str = ""  # the failure in a few words, for the verdict
    skip_rest: str | None = None  # the steps after this one are not attempted: why
    supersedes: bool = False  # the failure replaces earlier findings of its code and severity


def _fail(st: Step, finding: Finding, cause: str, skip_rest: str | None = None) -> Judged:
    st.status = StepStatus.FAILED
    return Judged(failure=finding, cause=cause, skip_rest=skip_rest)


# --- before any packet ---------------------------------------------------------------------------


def blocked(st: Step, reason: str) -> Judged:
    """The site's probe policy refuses the host itself."""
    st.detail = f"Refused by this site's probe policy before any packet: {reason}."
    finding = make(codes.PROBE_BLOCKED, st.detail)
    return _fail(st, finding, "this site may not probe that host", POLICY_BLOCKED)


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
    return _fail(st, finding, "the host name does not resolve")


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
    return [], _fail(st, finding, "this site may not probe that host", POLICY_BLOCKED)


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
        return [], _fail(st, finding, cause, "not attempted: no reachable address")
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
    return _fail(st, make(code, detail), cause, "not attempted: no TCP connection")


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
        return _fail(st, finding, cause, EARLIER_FAILED)
    if reply.broken is not None:
        st.detail = f"The connection broke during the SSLRequest: {reply.broken}."
        return _fail(
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
    if sslmode in ("require", "verify-ca", "verify-full"):
        finding = codes.SERVER_NO_SSL_REQUIRED.make(
            f"sslmode={sslmode} needs TLS and the server answered N: libpq stops with "
            "`server does not support SSL, but SSL was required`."
        )
        cause = "the server does not offer SSL and the client requires it"
        return _fail(st, finding, cause, EARLIER_FAILED)
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
        return _fail(st, finding, "the server hung up at once", EARLIER_FAILED)
    pg_error = _error_response_message(data)
    if pg_error:
        c = classify_message(pg_error)
        st.detail = f"Answered with an error instead of S/N: {pg_error}"
        code = c.code if c.code != codes.CONNECT_FAILED else codes.NOT_POSTGRES
        return _fail(st, make(code, st.detail), c.cause, EARLIER_FAILED)
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
    return _fail(st, finding, f"{kind} answers on this port, not Postgres", EARLIER_FAILED)


# --- the libpq login and the first query ---------------------------------------------------------


def out_of_time(st: Step) -> Judged:
    st.detail = "No time left for the login."
    return _fail(st, make(codes.PROBE_OUT_OF_TIME, st.detail), "the time ran out")


def refused_login(st: Step, finding: Finding, cause: str) -> Judged:
    """Shared mode: a login that is not sent at all (`isolation.login_refusal`)."""
    st.detail = finding.detail
    return _fail(st, finding, cause)


def login(
    st: Step, result: Login, sslmode: str, inp: ProbeInput, tls_view: TlsView | None
) -> Judged:
    if result.timed_out:
        st.detail = (
            "The login did not finish before the deadline (TCP and the SSLRequest went through; "
            "the startup or authentication stalled)."
        )
        return _fail(st, make(codes.LOGIN_TIMEOUT, st.detail), "the login did not finish in time")
    if result.error is not None:
        return _login_failed(st, result.error, inp, tls_view)
    ssl_txt = f"TLS {result.ssl_protocol}" if result.ssl_in_use else "no TLS"
    st.detail = f"libpq logged in (sslmode={sslmode}, {ssl_txt}, server {result.server_version})."
    return Judged()


_CHAIN_CODES = (
    codes.TLS_UNTRUSTED,
    codes.TLS_EXPIRED,
    codes.TLS_SELF_SIGNED,
    codes.TLS_HOSTNAME_MISMATCH,
)


def _login_failed(st: Step, text: str, inp: ProbeInput, tls_view: TlsView | None) -> Judged:
    """libpq's message, classified; a TLS failure told by our own reading of the chain."""
    p = inp.parsed
    text = scrub(text, p.password)
    c = classify_message(text)
    st.data["error"] = text.strip()
    code, cause = c.code, c.cause
    detail = f"libpq: `{c.message}`"
    # libpq says only "certificate verify failed": our own reading of the chain knows why.
    if code in _CHAIN_CODES and tls_view is not None and "root certificate file" not in text:
        v = tls_view.verdict
        if v.code and code != codes.TLS_HOSTNAME_MISMATCH:
            chain_problem = next(
                ((pc, r) for pc, r in v.problems if pc != codes.TLS_HOSTNAME_MISMATCH), None
            )
            if chain_problem:
                code, cause = chain_problem
        if v.code:
            detail += f" ({tls_view.chosen}: {v.reason})"
    if code == codes.TLS_UNTRUSTED and "root certificate file" in text:
        code = codes.VERIFY_WITHOUT_ROOT_CERT
        cause = "verify-ca/verify-full needs a root certificate file and there is none"
    st.detail = detail + "."
    detail = st.detail + f" Cause: {cause}."
    if code == codes.TENANT_NOT_FOUND:
        user = p.user or "postgres"
        ref = inp.project_ref or supabase.ref_from_pooler_user(user)
        want = supabase.pooler_user(ref, pooler_role(user))
        finding = codes.TENANT_NOT_FOUND_FOR_USER.make(detail, user=want)
    elif code in (codes.TLS_UNTRUSTED, codes.TLS_SELF_SIGNED) and tls_view is not None:
        finding = tls_problem(code, cause, inp.host_kind).checked.make(detail)
    else:
        finding = make(code, detail)
    st.status = StepStatus.FAILED
    # The TLS step may already have said the same thing as a finding: keep one.
    return Judged(failure=finding, cause=cause, supersedes=True)


def query(
    st: Step, result: Query, kw: dict[str, str], login: Login
) -> tuple[ServerInfo | None, Judged]:
    """The first query: the server's version, the user and database, pg_stat_ssl."""
    if result.timed_out:
        st.detail = "The first query did not finish in time."
        return None, _fail(st, make(codes.LOGIN_TIMEOUT, st.detail), "the server is too slow")
    if result.row is None:
        # A pooler or a restricted role may refuse pg_stat_ssl: the login itself worked.
        lines = (result.error or "").strip().splitlines()
        st.status = StepStatus.WARNING
        st.detail = f"The first query failed: {lines[0] if lines else 'no row'}"
        return None, Judged()
    version, user, db, addr, port, sv, ssl_on, ssl_ver, cipher, bits = result.row
    server: ServerInfo = {
        "version": version,
        "version_short": f"PostgreSQL {sv}",
        "server_version": sv,
        "user": user,
        "database": db,
        "address": addr,
        "port": port,
        "ssl_in_use": login.ssl_in_use,
        "ssl_version": login.ssl_protocol,
        "pg_stat_ssl": {"ssl": ssl_on, "version": ssl_ver, "cipher": cipher, "bits": bits},
        "sslmode": kw.get("sslmode", "prefer"),
    }
    st.detail = f"{sv}; user {user}, database {db}; pg_stat_ssl: ssl={ssl_on} {ssl_ver or ''}."
    return server, Judged()


def connected(server: ServerInfo | None, user: str | None, ended_ms: float) -> Finding:
    """The `connected` finding of a probe that logged in and met no failure."""
    who, database, version, over = user, "?", "PostgreSQL", ""
    if server is not None:
        who = server["user"] or user
        database = server["database"] or "?"
        version = server["version_short"] or version
        if server["ssl_version"]:
            over = f" over {server['ssl_version']}"
        elif server["ssl_in_use"] is False:
            over = " without TLS"
    return make(
        codes.CONNECTED,
        f"Logged in as {who} to {database} on {version}{over} in {ended_ms:.0f} ms.",
    )


# --- asyncpg -------------------------------------------------------------------------------------


def no_time_for_asyncpg(st: Step) -> None:
    st.status = StepStatus.SKIPPED
    st.detail = "No time left for the asyncpg attempt."


def dialect_refused(st: Step, error: str) -> Judged:
    st.detail = f"SQLAlchemy's asyncpg dialect: {error}"
    return _fail(st, make(codes.DRIVER_FAILED, st.detail), "SQLAlchemy rejects the URL")


def asyncpg_connected(st: Step, how: str) -> Judged:
    st.detail = f"asyncpg connected ({how})."
    return Judged()


def asyncpg_failed(
    st: Step, exc: BaseException, how: str, password: str | None, libpq_ok: bool
) -> Judged:
    """What asyncpg raised, the way the user's driver would: the finding is its message."""
    st.data.setdefault("how", how)
    text = scrub(f"{type(exc).__name__}: {exc}", password)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    st.data["error"] = first
    st.detail = f"asyncpg ({how}) fails: `{first}`."
    if libpq_ok:
        st.detail += " libpq connects with the same string: the difference is the driver."
    cause = "your driver rejects what libpq accepts" if libpq_ok else "asyncpg fails too"
    return _fail(st, make(_asyncpg_code(exc, first), st.detail), cause)


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
