"""What the login steps' facts mean: the libpq login, the first query, the asyncpg attempt the
way the user's driver would, and the `connected` finding. No I/O (io.py logged in)."""

from __future__ import annotations

from typing import Any

from inspector import supabase
from inspector.connections import codes
from inspector.connections.classify import classify_asyncpg, classify_message, missing_root_cert
from inspector.connections.drivers import scrub
from inspector.connections.hosts import pooler_role
from inspector.connections.probe.model import (
    Judged,
    Login,
    ProbeInput,
    Query,
    ServerInfo,
    Step,
    failed,
)
from inspector.connections.probe.tls import TlsView, tls_problem
from inspector.findings import Finding, make
from inspector.vocabulary import StepStatus


def out_of_time(st: Step) -> Judged:
    st.detail = "No time left for the login."
    return failed(st, make(codes.PROBE_OUT_OF_TIME, st.detail), "the time ran out")


def refused_login(st: Step, finding: Finding, cause: str) -> Judged:
    """Shared mode: a login that is not sent at all (`isolation.login_refusal`)."""
    st.detail = finding.detail
    return failed(st, finding, cause)


def login(
    st: Step, result: Login, sslmode: str, inp: ProbeInput, tls_view: TlsView | None
) -> Judged:
    if result.timed_out:
        st.detail = (
            "The login did not finish before the deadline (TCP and the SSLRequest went through; "
            "the startup or authentication stalled)."
        )
        return failed(st, make(codes.LOGIN_TIMEOUT, st.detail), "the login did not finish in time")
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
    st.detail = f"libpq: `{c.message}`."
    because = f"Cause: {cause}."
    # libpq says only "certificate verify failed": our own reading of the chain knows why (said
    # once, here; the TLS step and the stores table name the store's verdict).
    if code in _CHAIN_CODES and tls_view is not None and not missing_root_cert(text):
        v = tls_view.verdict
        if v.code:
            chain_problem = None
            if code != codes.TLS_HOSTNAME_MISMATCH:
                chain_problem = next(
                    ((pc, r) for pc, r in v.problems if pc != codes.TLS_HOSTNAME_MISMATCH), None
                )
            if chain_problem:
                code, cause = chain_problem
            because = f"{tls_view.chosen}: {cause if chain_problem else v.reason}."
    if code == codes.TLS_UNTRUSTED and missing_root_cert(text):
        code = codes.VERIFY_WITHOUT_ROOT_CERT
        cause = "verify-ca/verify-full needs a root certificate file and there is none"
        because = f"Cause: {cause}."
    detail = f"{st.detail} {because}"
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
        return None, failed(st, make(codes.LOGIN_TIMEOUT, st.detail), "the server is too slow")
    if result.row is None:
        # A pooler or a restricted role may refuse pg_stat_ssl: the login itself worked.
        lines = (result.error or "").strip().splitlines()
        st.status = StepStatus.WARNING
        st.detail = f"The first query failed: {lines[0] if lines else 'no row'}"
        return None, Judged()
    version, user, db, addr, port, sv, ssl_on, ssl_ver, cipher, bits, server_now = result.row
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
        "clock_skew_s": _skew(server_now, result.local_time),
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
    return failed(st, make(codes.DRIVER_FAILED, st.detail), "SQLAlchemy rejects the URL")


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
    return failed(st, make(classify_asyncpg(exc, first), st.detail), cause)


def _skew(server_now: Any, local_time: float | None) -> float | None:
    """The server's now() against this machine's clock, in seconds (> 0: this one is behind)."""
    if not isinstance(server_now, int | float) or local_time is None:
        return None
    return round(float(server_now) - local_time, 3)
