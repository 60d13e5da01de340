"""The connection inspector: a connection string -> `ConnectionReport`. No Flask here.

`inspect_connection()` parses, lints with the drivers' own parsers, then (unless `probe=False`)
diagnoses live within `timeout`: DNS, TCP, SSLRequest, TLS, a real login and a first query.
`static_report()` is the probe-free helper other inspectors use (e.g. for `DATABASE_URL`).
"""

from __future__ import annotations

import time
from dataclasses import replace

from inspector import netpolicy, supabase
from inspector.connections import codes
from inspector.connections.lint import DRIVERS, is_remote, resolve_driver, static_findings
from inspector.connections.parse import ParsedConnection, parse
from inspector.connections.probe import ProbeInput, run_probe
from inspector.connections.report import ConnectionReport
from inspector.connections.suggest import suggest
from inspector.connections.tlsinfo import load_pem_certs
from inspector.findings import Finding, make, ordered

__all__ = ["ConnectionReport", "inspect_connection", "static_report", "MAX_TIMEOUT"]

MAX_TIMEOUT = 30.0
_STEP_LABEL = {
    "dns": "DNS lookup",
    "tcp": "TCP connection",
    "ssl_request": "SSLRequest",
    "tls": "TLS handshake",
    "connect": "login",
    "query": "first query",
    "connect_asyncpg": "asyncpg login",
}


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


def _text(value: object) -> str:
    """Any input as clean text: lone surrogates (not encodable) become `?`."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode("utf-8", "replace")


def _lower_first(text: str) -> str:
    """`The pooler...` -> `the pooler...`; `SQLAlchemy...` and `TLS...` stay."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _host_info(p: ParsedConnection) -> tuple[str, str | None]:
    h = p.host
    if not p.ok or h is None:
        return "other", None
    info = supabase.classify_host(h.host or None, h.effective_port, p.user)
    ref = (
        info.project_ref
        or supabase.ref_from_pooler_user(p.user)
        or supabase.ref_from_options(p.param("options"))
    )
    return info.kind, ref


def _check_ca(ca: str) -> tuple[str, list[Finding]]:
    if ca in ("certifi", "system"):
        return ca, []
    if ca and load_pem_certs(ca):
        return ca, []
    return "certifi", [
        make(
            codes.CA_UNREADABLE,
            "The pasted CA holds no PEM certificate (-----BEGIN CERTIFICATE-----); certifi was "
            "used instead.",
        )
    ]


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
    timeout: float = 5.0,
    probe: bool = True,
    policy: netpolicy.ProbePolicy = netpolicy.LOCAL,
) -> ConnectionReport:
    """The whole diagnosis; never raises for bad input, bounded by `timeout` (+ a little)."""
    started = time.monotonic()
    p = parse(_text(url), _text(password) or None)
    driver = driver if driver in DRIVERS else "auto"
    drv = resolve_driver(p, driver) if p.ok else driver
    try:
        timeout = max(0.1, min(float(timeout), MAX_TIMEOUT))
    except (TypeError, ValueError):
        timeout = 5.0
    kind, ref = _host_info(p)
    findings = static_findings(p, drv, kind, ref)
    ca, ca_findings = _check_ca(_text(ca) if isinstance(ca, str) else "certifi")
    findings += ca_findings
    steps: list[dict] = []
    tls = server = None
    total_ms = 0.0
    blocking = next(
        (f for f in findings if f.code in (codes.DSN_UNPARSEABLE, codes.PASSWORD_PLACEHOLDER)),
        None,
    )
    if not probe or blocking is not None:
        first_error = next((f for f in ordered(findings) if f.severity.value == "error"), None)
        if blocking is not None and probe:
            summary = (
                f"Not probed: {_lower_first(blocking.title)}; a login with it could only fail "
                "(and repeated failures get an IP banned)."
            )
            verdict = {
                "status": "failed",
                "code": blocking.code,
                "summary": summary,
                "fix": blocking.fix,
                "step": None,
            }
        else:
            summary = "Static checks only: no packet was sent."
            if first_error is not None:
                summary = f"Static checks only: {_lower_first(first_error.title)}."
            verdict = {
                "status": "not_probed",
                "code": first_error.code if first_error else None,
                "summary": summary,
                "fix": first_error.fix if first_error else None,
                "step": None,
            }
    else:
        outcome = run_probe(ProbeInput(p, drv, ca, timeout, policy, kind, ref, started))
        total_ms = outcome.total_ms
        steps = [s.to_dict() for s in outcome.steps]
        tls, server = outcome.tls, outcome.server
        findings = _merge(findings, outcome.findings)
        if outcome.failure is not None:
            f = outcome.failure
            label = _STEP_LABEL.get(f.step, f.step)
            verdict = {
                "status": "failed",
                "code": f.code,
                "summary": f"The {label} failed: {f.cause}.",
                "fix": f.fix,
                "step": f.step,
            }
        elif outcome.connected:
            s = server or {}
            verdict = {
                "status": "connected",
                "code": None,
                "summary": (
                    f"Connected as {s.get('user', p.user)} to {s.get('database', p.database)} "
                    f"({s.get('version_short', 'PostgreSQL')}) in {total_ms:.0f} ms."
                ),
                "fix": None,
                "step": None,
            }
        else:  # pragma: no cover - every path sets a failure or connects
            verdict = {
                "status": "failed",
                "code": codes.CONNECT_FAILED,
                "summary": "The diagnosis did not finish.",
                "fix": None,
                "step": None,
            }
    if verdict["status"] == "connected":
        left = [f for f in ordered(findings) if f.severity.value == "error"]
        if left:
            verdict["summary"] += (
                f" But {len(left)} error{'s' if len(left) > 1 else ''} remain"
                f"{'' if len(left) > 1 else 's'} for your setup: {_lower_first(left[0].title)}."
            )
            verdict["fix"] = left[0].fix
    codes_seen = {f.code for f in findings}
    suggested, snippets = suggest(
        p, kind, ref, codes_seen, tls, is_remote(kind, p) if p.ok else True
    )
    return ConnectionReport(
        parsed=p,
        host_kind=kind,
        project_ref=ref,
        findings=ordered(findings),
        steps=tuple(steps),
        tls=tls,
        server=server,
        verdict=verdict,
        suggested=suggested,
        snippets=snippets,
        driver=drv,
        timeout=timeout,
        total_ms=total_ms,
    )
