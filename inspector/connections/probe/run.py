"""The probe: the budget, the recorder, and the order of the steps.

DNS, TCP, the SSLRequest, TLS, a libpq login with `hostaddr` set to the checked address, a first
query, and (for asyncpg drivers) an asyncpg attempt the way the user's driver would: each step
asks io.py for its facts and steps.py (or tls.py) what they mean, until one fails or the one
deadline passes. In shared mode the arguments come from isolation.py; in local mode the report
says where a password, a certificate or a setting came from (local.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from inspector import netpolicy
from inspector.connections import codes
from inspector.connections.drivers import ASYNCPG_DRIVERS, sqlalchemy_asyncpg_kwargs, ssl_setting
from inspector.connections.hosts import is_ip_address, is_supabase_cloud
from inspector.connections.probe import args, io, isolation, local, login, steps, tls
from inspector.connections.probe.model import (
    BUILTIN_STORES,
    OWN_ROOT_STORE,
    Failure,
    Judged,
    Login,
    ProbeInput,
    ProbeOutcome,
    Step,
    after,
    store_label,
)
from inspector.connections.tlsinfo import Anchors, anchors_of, load_pem_certs
from inspector.findings import Finding
from inspector.vocabulary import StepName, StepStatus

if TYPE_CHECKING:
    from socket import socket

N = StepName


class Budget:
    """One deadline for the whole diagnosis."""

    def __init__(self, timeout: float, start: float | None = None):
        self.start = time.monotonic() if start is None else start
        self.deadline = self.start + max(0.05, timeout)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def now_ms(self) -> float:
        return (time.monotonic() - self.start) * 1000

    @property
    def seconds(self) -> float:
        return self.deadline - self.start


class Recorder:
    """Records the steps in order and what they found, in the words of the host (Supabase's own
    advice only for its hosted projects: `codes.for_host`); the first failure is the verdict's."""

    def __init__(self, budget: Budget, outcome: ProbeOutcome, supabase_host: bool = False):
        self.budget = budget
        self.outcome = outcome
        self.supabase_host = supabase_host

    @contextmanager
    def step(self, name: StepName) -> Iterator[Step]:
        st = Step(name, start_ms=self.budget.now_ms())
        self.outcome.steps.append(st)  # now, so that steps skipped inside come after it
        t0 = time.monotonic()
        try:
            yield st
        finally:
            st.ms = (time.monotonic() - t0) * 1000

    def skip(self, name: StepName, why: str) -> None:
        st = Step(name, StepStatus.SKIPPED, detail=why, start_ms=self.budget.now_ms())
        self.outcome.steps.append(st)

    def judge(self, st: Step, judged: Judged) -> bool:
        """Apply a step's judgement; True when the probe goes on."""
        self.outcome.findings.extend(codes.for_host(f, self.supabase_host) for f in judged.findings)
        if judged.failure is not None:
            if judged.supersedes:
                f = judged.failure
                self.outcome.findings[:] = [
                    g for g in self.outcome.findings if (g.code, g.severity) != (f.code, f.severity)
                ]
            self.fail(st, judged.failure, judged.cause)
        if judged.skip_rest is not None:
            for name in after(st.name):
                self.skip(name, judged.skip_rest)
        return judged.failure is None

    def fail(self, st: Step, finding: Finding, cause: str) -> None:
        finding = codes.for_host(finding, self.supabase_host)
        st.status = StepStatus.FAILED
        st.data["code"] = finding.code
        self.outcome.findings.append(finding)
        if self.outcome.failure is None:
            self.outcome.failure = Failure(st.name, finding.code, cause, finding.fix)


def run_probe(inp: ProbeInput) -> ProbeOutcome:
    """Every live step, in order, until one fails or the deadline passes."""
    budget = Budget(inp.timeout, inp.started)
    out = ProbeOutcome()
    try:
        _run(inp, budget, Recorder(budget, out, is_supabase_cloud(inp.host_kind)))
    finally:
        out.total_ms = budget.now_ms()
    return out


def _run(inp: ProbeInput, budget: Budget, rec: Recorder) -> None:
    target = inp.parsed.host
    assert target is not None
    host = target.host
    if inp.policy.restricted:
        rec.outcome.findings.extend(isolation.ignored_file_options(inp.parsed))
    if target.is_socket:
        if inp.policy.restricted:
            reason = f"{host or 'the local socket'}: this site does not probe Unix sockets"
            _blocked(rec, reason)
            return
        for name in (N.DNS, N.TCP, N.SSL_REQUEST, N.TLS):
            rec.skip(name, "a Unix socket: nothing to resolve or encrypt")
        _login(inp, budget, rec, hostaddr=None, tls_view=None)
        return
    try:
        inp.policy.check_host(host)
    except netpolicy.ProbeBlockedError as exc:
        _blocked(rec, exc.reason)
        return
    with rec.step(N.DNS) as st:
        addresses = _dns(inp, host, target.effective_port, budget, rec, st)
    if not addresses:
        return
    with rec.step(N.TCP) as st:
        results, sock, chosen = io.connect_all(addresses, target.effective_port, budget.deadline)
        if not rec.judge(st, steps.tcp(st, target.effective_port, results, chosen)):
            return
    assert sock is not None
    rec.outcome.address = chosen
    went_on, tls_view = _encryption(inp, sock, host, budget, rec)
    if went_on:
        _login(inp, budget, rec, hostaddr=chosen, tls_view=tls_view)


def _blocked(rec: Recorder, reason: str) -> None:
    with rec.step(N.DNS) as st:
        rec.judge(st, steps.blocked(st, reason))


def _dns(
    inp: ProbeInput, host: str, port: int, budget: Budget, rec: Recorder, st: Step
) -> list[str]:
    """The addresses to connect to (none when the step failed)."""
    if is_ip_address(host):
        answers = steps.literal_answers(st, host)
    else:
        answers = io.resolve(host, port, budget.remaining())
    if not rec.judge(st, steps.dns_answers(st, host, answers, budget.seconds)):
        return []
    found = list(answers["A"]["addresses"]) + list(answers["AAAA"]["addresses"])
    allowed, judged = steps.dns_allowed(st, host, found, inp.policy)
    if not rec.judge(st, judged):
        return []
    routable6 = [x for x in allowed if ":" in x and io.has_route(x)]
    addresses, judged = steps.dns_reachable(st, host, allowed, routable6, inp.project_ref)
    rec.judge(st, judged)
    return addresses


def _encryption(
    inp: ProbeInput, sock: socket, host: str, budget: Budget, rec: Recorder
) -> tuple[bool, tls.TlsView | None]:
    """The SSLRequest, and the TLS handshake when the server offers it: (the probe goes on,
    the TLS view or None without TLS). Closes the socket."""
    sslmode = ssl_setting(inp.parsed, "psycopg2") or "prefer"
    try:
        with rec.step(N.SSL_REQUEST) as st:
            reply = io.ssl_request(sock, budget.deadline)
            if not rec.judge(st, steps.ssl_request(st, reply, sslmode, budget.seconds)):
                return False, None
        if reply.answer == b"N":
            rec.skip(N.TLS, "the server does not offer TLS")
            return True, None
        rec.outcome.tls_offered = True
        with rec.step(N.TLS) as st:
            view = _tls(inp, sock, host, sslmode, budget, rec, st)
        return view is not None, view
    finally:
        sock.close()  # the TLS step closed it already: closing again does nothing


def _tls(
    inp: ProbeInput,
    sock: socket,
    host: str,
    sslmode: str,
    budget: Budget,
    rec: Recorder,
    st: Step,
) -> tls.TlsView | None:
    sni = None if is_ip_address(host) else host
    hs = io.tls_handshake(sock, sni, budget.deadline)
    if hs.error is not None:
        rec.judge(st, tls.handshake_failed(st, hs))
        return None
    stores, chosen = _trust_stores(inp)
    view, report, findings = tls.judge_chain(
        st, hs, sni, stores, host, chosen, sslmode, inp.host_kind, _own_root(inp)
    )
    rec.outcome.tls = report
    rec.outcome.findings.extend(findings)
    return view


def _own_root(inp: ProbeInput) -> str | None:
    """Local mode, the page's CA left at certifi: the string's own `sslrootcert`, when libpq
    will trust it (`system`, or a file that exists); the login then checks against it too
    (`args.with_page_ca`). A shared site never opens a file named in the string."""
    root = inp.parsed.libpq_param("sslrootcert")
    if inp.policy.restricted or inp.ca != "certifi" or not root:
        return None
    return root if root == "system" or io.is_file(root) else None


def _trust_stores(inp: ProbeInput) -> tuple[dict[str, Anchors], str]:
    """The stores the chain is judged against, and the one the login trusts: the page's CA, or
    the string's own sslrootcert (`_own_root`)."""
    stores = {name: io.store_certs(name) for name in BUILTIN_STORES}
    if inp.ca not in BUILTIN_STORES:
        stores[store_label(inp.ca)] = anchors_of(tuple(load_pem_certs(inp.ca)))
        return stores, store_label(inp.ca)
    root = _own_root(inp)
    if root == "system":
        return stores, "system"
    if root is not None:
        stores[OWN_ROOT_STORE] = io.file_certs(root)
        return stores, OWN_ROOT_STORE
    return stores, inp.ca


# --- the login -----------------------------------------------------------------------------------


def _login(
    inp: ProbeInput,
    budget: Budget,
    rec: Recorder,
    hostaddr: str | None,
    tls_view: tls.TlsView | None,
) -> None:
    """The libpq login and the first query, then the asyncpg attempt for asyncpg drivers."""
    if inp.policy.restricted and _refused(inp, rec):
        return
    connected = _libpq(inp, budget, rec, hostaddr, tls_view)
    if inp.driver in ASYNCPG_DRIVERS:
        _asyncpg(inp, budget, rec, hostaddr, tls_offered=tls_view is not None)
    if rec.outcome.failure is None and connected:
        rec.outcome.connected = True
        last = rec.outcome.steps[-1]
        finding = login.connected(rec.outcome.server, inp.parsed.user, last.start_ms + last.ms)
        rec.outcome.findings.append(finding)


def _refused(inp: ProbeInput, rec: Recorder) -> bool:
    """Shared mode: a login that is not sent at all (no user, or PGSERVICE set here)."""
    refusal = isolation.login_refusal(inp.parsed, io.this_machine().env.get("PGSERVICE"))
    if refusal is None:
        return False
    with rec.step(N.CONNECT) as st:
        rec.judge(st, login.refused_login(st, *refusal))
    rec.skip(N.QUERY, "not attempted: no login")
    if inp.driver in ASYNCPG_DRIVERS:
        rec.skip(N.CONNECT_ASYNCPG, "not attempted: no login")
    return True


def _libpq(
    inp: ProbeInput,
    budget: Budget,
    rec: Recorder,
    hostaddr: str | None,
    tls_view: tls.TlsView | None,
) -> bool:
    """The libpq login and the first query; True when libpq logged in."""
    target = inp.parsed.host
    assert target is not None
    with io.root_cert_file(inp.ca) as rootcert:
        kw = args.libpq_kwargs(inp, hostaddr)
        if inp.policy.restricted:
            kw = isolation.isolate_libpq(kw, target.effective_port, rootcert, inp.timeout)
        else:
            own_root = io.is_file(kw.get("sslrootcert")) or kw.get("sslrootcert") == "system"
            kw = args.with_page_ca(kw, inp.ca, rootcert, own_root)
            rec.outcome.findings.extend(_local_sources(kw))
        with rec.step(N.CONNECT) as st:
            st.data["params"] = isolation.shown_params(inp, kw)
            if inp.policy.restricted:
                st.data["pinned"] = isolation.pinned_keywords(kw, st.data["params"])
            if budget.remaining() <= 0:
                rec.judge(st, login.out_of_time(st))
                result = Login()
            else:
                rec.outcome.login_sent = True
                result = io.libpq_login(kw, budget.deadline)
                if result.error is not None:
                    page_root = rootcert if inp.ca not in BUILTIN_STORES else None
                    rec.outcome.failed_login = args.comparable(kw, page_root), result.error
                sslmode = kw.get("sslmode", "prefer")
                rec.judge(st, login.login(st, result, sslmode, inp, tls_view))
        if result.conn is None:
            rec.skip(N.QUERY, "not attempted: no connection")
            return False
        try:
            with rec.step(N.QUERY) as st:
                query = io.first_query(result.conn, budget.deadline)
                server, judged = login.query(st, query, kw, result)
                rec.outcome.server = server
                rec.judge(st, judged)
        finally:
            io.close(result.conn)
    return True


def _local_sources(kw: args.LibpqArgs) -> list[Finding]:
    """Local mode: what libpq will take from the environment and this machine's files."""
    look = local.plan(kw, io.this_machine())
    existing = frozenset(p for p in look.paths() if io.is_file(p))
    entry = None
    pf = look.password_file
    if pf is not None:
        try:
            entry = io.password_file_entry(pf.passfile, pf.host, pf.port, pf.dbname, pf.user)
        except (OSError, ValueError):
            entry = None
    return local.sources(look, existing, entry)


# --- asyncpg, the way the user's driver would --------------------------------------------------


def _asyncpg(
    inp: ProbeInput, budget: Budget, rec: Recorder, hostaddr: str | None, tls_offered: bool
) -> None:
    p = inp.parsed
    with rec.step(N.CONNECT_ASYNCPG) as st:
        left = budget.remaining()
        if left <= 0.05:
            login.no_time_for_asyncpg(st)
            return
        opts: args.AsyncpgArgs = {}
        if inp.driver == "sqlalchemy_asyncpg":
            opts, error = sqlalchemy_asyncpg_kwargs(p)
            if error:
                rec.judge(st, login.dialect_refused(st, error))
                return
        how = args.asyncpg_how(inp.driver, isolated=False)
        try:
            if inp.policy.restricted:
                positional: tuple[Any, ...] = ()
                kwargs = isolation.isolate_asyncpg(inp, opts, hostaddr, tls_offered)
                how = args.asyncpg_how(inp.driver, isolated=True)
            else:
                positional, kwargs = args.asyncpg_call(inp, opts)
            kwargs.pop("timeout", None)
            st.data["how"] = how
            st.data["kwargs"] = {k: args.shown_kwarg(k, v) for k, v in kwargs.items()}
            io.asyncpg_login(positional, kwargs, left)
            judged = login.asyncpg_connected(st, how)
        except BaseException as exc:  # noqa: BLE001 - whatever the driver raises is the finding
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            libpq_ok = not any(
                s.name == N.CONNECT and s.status == StepStatus.FAILED for s in rec.outcome.steps
            )
            judged = login.asyncpg_failed(st, exc, how, p.password, libpq_ok)
        rec.judge(st, judged)
