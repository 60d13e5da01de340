"""inspect_connection: a connection string -> `ConnectionReport`. No Flask here.

Parse, lint with the drivers' own parsers, then (unless `probe=False`, or a finding makes a
login pointless) diagnose live within `timeout`; merge what the probe saw with the static
findings, give the verdict, and suggest the strings that work: when the probe reached a login,
each is tried live with its own driver within the same deadline (`suggested_proof`).
"""

from __future__ import annotations

import time
from dataclasses import replace

from inspector import netpolicy
from inspector.connections import codes
from inspector.connections.drivers import DRIVERS, resolve_driver
from inspector.connections.hosts import host_info, is_remote, is_supabase_cloud
from inspector.connections.lint import static_findings
from inspector.connections.misspellings import respelt
from inspector.connections.parse import parse
from inspector.connections.probe import ProbeInput, run_probe
from inspector.connections.probe.model import BUILTIN_STORES, ProbeOutcome
from inspector.connections.probe.proof import prove
from inspector.connections.report import ConnectionReport
from inspector.connections.stacks import registry as stacks
from inspector.connections.suggest import ca_note, plan, suggest
from inspector.connections.tlsinfo import load_pem_certs
from inspector.connections.verdict import (
    blocking,
    probe_verdict,
    static_verdict,
    with_remaining_errors,
)
from inspector.findings import Finding, make, ordered

MAX_TIMEOUT = 30.0
DEFAULT_TIMEOUT = 5.0


def static_report(
    url: str, *, password: str | None = None, driver: str = "auto"
) -> ConnectionReport:
    """Parse and lint only: no network. The helper for `.env` checks."""
    return inspect_connection(url, password=password, driver=driver, probe=False)


def inspect_connection(
    url: str,
    *,
    password: str | None = None,
    driver: str = "auto",
    ca: str = "certifi",
    timeout: float = DEFAULT_TIMEOUT,
    probe: bool = True,
    policy: netpolicy.ProbePolicy = netpolicy.LOCAL,
    stack_hint: tuple[str, str] | None = None,
) -> ConnectionReport:
    """The whole diagnosis; never raises for bad input, bounded by `timeout` (+ a little).

    `stack_hint`: (driver, why) for `auto` from outside the string (the `.env` names a
    DIRECT_URL beside it: Prisma); the string's own telltales win."""
    started = time.monotonic()
    text, pw = _text(url), _text(password) or None
    p = stacks.read_npgsql(text, pw) or parse(text, pw)
    p = stacks.read_jdbc(text, pw, p) or p  # a JDBC URL parse() did not convert
    driver = driver if driver in DRIVERS else "auto"
    drv = resolve_driver(p, driver) if p.ok else driver
    drv, guessed = stacks.guess(p, drv, stack_hint)
    timeout = _bounded(timeout)
    kind, ref = host_info(p)
    findings = static_findings(p, drv, kind, ref) + stacks.findings(p, drv, kind, ref)
    findings += [guessed] if guessed else []
    ca, ca_findings = _check_ca(_text(ca) if isinstance(ca, str) else "certifi")
    findings += ca_findings
    report = ConnectionReport(
        parsed=p, host_kind=kind, project_ref=ref, findings=(), driver=drv, timeout=timeout
    )
    inp = ProbeInput(p, drv, ca, timeout, policy, kind, ref, started)
    outcome: ProbeOutcome | None = None
    if not probe or blocking(findings) is not None:
        verdict = static_verdict(findings, probe_asked=probe, supabase_host=is_supabase_cloud(kind))
    else:
        outcome = run_probe(inp)
        findings = _merge(findings, outcome.findings)
        findings = stacks.after_probe(findings, p, drv, kind, ref, outcome.tls)
        verdict = probe_verdict(outcome, p.user, p.database)
        report = replace(
            report,
            steps=tuple(s.to_dict() for s in outcome.steps),
            tls=outcome.tls,
            server=outcome.server,
            total_ms=outcome.total_ms,
        )
    shown = {f.code for f in findings}
    remote = is_remote(kind, p) if p.ok else True
    sp, skind, sref = respelt(p, kind, ref)  # a misspelt Supabase host, written right
    suggested, snippets = suggest(sp, skind, sref, shown, report.tls, remote)
    target = plan(sp, skind, sref, shown, report.tls, remote)
    more, more_code = stacks.suggestions(
        sp, skind, sref, shown, report.tls, remote, suggested.get("psycopg2", "")
    )
    return replace(
        report,
        findings=ordered(findings),
        verdict=with_remaining_errors(verdict, findings),
        suggested={**suggested, **more},
        snippets={**snippets, **more_code},
        driver_reading=stacks.reading(p, drv, kind, ref),
        suggested_proof=prove(inp, outcome, target, {**suggested, **more}),
        suggested_note=ca_note(target, p.param("sslrootcert") if p.ok else None),
    )


def _text(value: object) -> str:
    """Any input as clean text: lone surrogates (not encodable) become `?`."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode("utf-8", "replace")


def _bounded(timeout: float) -> float:
    try:
        return max(0.1, min(float(timeout), MAX_TIMEOUT))
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT


def _check_ca(ca: str) -> tuple[str, list[Finding]]:
    """The CA to trust: certifi, the system's, or a pasted PEM that holds a certificate."""
    if ca in BUILTIN_STORES or (ca and load_pem_certs(ca)):
        return ca, []
    return "certifi", [
        make(
            codes.CA_UNREADABLE,
            "The pasted CA holds no PEM certificate (-----BEGIN CERTIFICATE-----); certifi was "
            "used instead.",
        )
    ]


def _merge(static: list[Finding], live: list[Finding]) -> list[Finding]:
    """Live evidence replaces a static finding of the same code, keeping its specific fix."""
    fixes = {f.code: f.fix for f in static}
    live_codes = {f.code for f in live}
    merged = [f for f in static if f.code not in live_codes]
    for f in live:
        if f.code in fixes and fixes[f.code]:
            f = replace(f, fix=fixes[f.code])
        merged.append(f)
    return merged
