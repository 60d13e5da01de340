"""The verdict: one answer for the whole diagnosis (connected, failed where and why, not probed).

`static_verdict` answers when nothing was sent, `probe_verdict` after a live probe,
`refused_verdict` when a probe could not run (busy, blocked); `with_remaining_errors` adds what
still fails for the user's setup to a probe that connected.
"""

from __future__ import annotations

from typing import TypedDict

from inspector.connections import codes
from inspector.connections.probe import ProbeOutcome, ServerInfo
from inspector.findings import Finding, Severity, ordered
from inspector.textutil import lower_first
from inspector.vocabulary import StepName, VerdictStatus

# Static findings that make a login pointless: it could only fail (and on Supabase, repeated
# failures get an IP banned), so no packet is sent.
BLOCKING_CODES = (codes.DSN_UNPARSEABLE, codes.PASSWORD_PLACEHOLDER)

# A login that fails on the server's certificate fails in its TLS handshake: the verdict names
# that step, the cause, not the login around it.
TLS_CAUSES = frozenset(
    {
        codes.TLS_UNTRUSTED,
        codes.TLS_SELF_SIGNED,
        codes.TLS_EXPIRED,
        codes.TLS_HOSTNAME_MISMATCH,
        codes.VERIFY_WITHOUT_ROOT_CERT,
    }
)
_LOGIN_STEPS = (StepName.CONNECT, StepName.CONNECT_ASYNCPG)
BLOCKED_BY_POLICY = "Blocked by this site's probe policy"


class Verdict(TypedDict):
    status: VerdictStatus
    code: str | None  # the code of the finding that explains the failure (null when connected)
    summary: str
    fix: str | None
    step: StepName | None  # the step that failed


def blocking(findings: list[Finding]) -> Finding | None:
    """The static finding that stops a probe before it starts, if any."""
    return next((f for f in findings if f.code in BLOCKING_CODES), None)


def _first_error(findings: list[Finding]) -> Finding | None:
    return next((f for f in ordered(findings) if f.severity is Severity.ERROR), None)


def static_verdict(
    findings: list[Finding], *, probe_asked: bool, supabase_host: bool = False
) -> Verdict:
    """No packet was sent: a probe was not asked for, or a blocking finding stopped it.
    `supabase_host`: a hosted Supabase project's (whose pooler bans an IP that fails often)."""
    stop = blocking(findings)
    if stop is not None and probe_asked:
        ban = " (and repeated failures get an IP banned)" if supabase_host else ""
        return Verdict(
            status=VerdictStatus.FAILED,
            code=stop.code,
            summary=f"Not probed: a login with it could only fail{ban}.",
            fix=stop.fix,
            step=None,
        )
    first = _first_error(findings)
    summary = "Static checks only: no packet was sent."
    if first is not None:
        summary = f"Static checks only: {lower_first(first.title)}."
    return Verdict(
        status=VerdictStatus.NOT_PROBED,
        code=first.code if first else None,
        summary=summary,
        fix=first.fix if first else None,
        step=None,
    )


def probe_verdict(outcome: ProbeOutcome, user: str | None, database: str | None) -> Verdict:
    """After a live probe: the first failing step and its cause, or the login that worked."""
    if outcome.failure is not None:
        f = outcome.failure
        step = StepName.TLS if f.code in TLS_CAUSES and f.step in _LOGIN_STEPS else f.step
        summary = f"The {step.label} failed: {f.cause}."
        if f.code == codes.PROBE_BLOCKED:
            summary = f"{BLOCKED_BY_POLICY}: {f.cause}."
        return Verdict(
            status=VerdictStatus.FAILED, code=f.code, summary=summary, fix=f.fix, step=step
        )
    if outcome.connected:
        return Verdict(
            status=VerdictStatus.CONNECTED,
            code=None,
            summary=_connected_summary(outcome.server, user, database, outcome.total_ms),
            fix=None,
            step=None,
        )
    return Verdict(  # pragma: no cover - every probe sets a failure or connects
        status=VerdictStatus.FAILED,
        code=codes.CONNECT_FAILED,
        summary="The diagnosis did not finish.",
        fix=None,
        step=None,
    )


def _connected_summary(
    server: ServerInfo | None, user: str | None, database: str | None, total_ms: float
) -> str:
    who = server["user"] if server else user
    where = server["database"] if server else database
    version = server["version_short"] if server else "PostgreSQL"
    return f"Connected as {who} to {where} ({version}) in {total_ms:.0f} ms."


def with_remaining_errors(verdict: Verdict, findings: list[Finding]) -> Verdict:
    """A probe that connected, with the errors that remain for the user's own setup (their
    driver, their sslmode) said after it."""
    if verdict["status"] != VerdictStatus.CONNECTED:
        return verdict
    left = [f for f in ordered(findings) if f.severity is Severity.ERROR]
    if not left:
        return verdict
    many = len(left) > 1
    return Verdict(
        status=verdict["status"],
        code=verdict["code"],
        summary=verdict["summary"]
        + f" But {len(left)} error{'s' if many else ''} remain{'' if many else 's'} for your "
        f"setup: {lower_first(left[0].title)}.",
        fix=left[0].fix,
        step=verdict["step"],
    )


def refused_verdict(finding: Finding) -> Verdict:
    """A live probe that could not run: blocked by the site's policy, or no probe slot free."""
    return Verdict(
        status=(
            VerdictStatus.FAILED
            if finding.code == codes.PROBE_BLOCKED
            else VerdictStatus.NOT_PROBED
        ),
        code=finding.code,
        summary=finding.detail,
        fix=finding.fix,
        step=None,
    )
