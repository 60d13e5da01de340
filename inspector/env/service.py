""".env text -> EnvReport: what each variable really holds, and whether they belong together.

The text is parsed with python-dotenv's own parser (`parse`); each value is named by the token
or the connection inspector (`values`); each variable is checked on its own (`checks`), then
against the others (`cross`): does the JWT secret verify the keys, are the keys what their names
say, do all values name the same project, and does a secret sit in a variable that ships to the
browser.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from inspector.env import codes as C
from inspector.env.checks import check_variable
from inspector.env.cross import cross_keys, cross_refs, cross_secret, main_project
from inspector.env.parse import parse_env
from inspector.env.report import EnvReport, EnvVariable
from inspector.env.stacks import cross_pairs, hints
from inspector.env.values import Var, attach_connection, read_value
from inspector.findings import Finding, make, ordered
from inspector.netpolicy import LOCAL, ProbePolicy
from inspector.textutil import valid_text
from inspector.vocabulary import TokenKind

if TYPE_CHECKING:
    from inspector.connections.report import ConnectionReport

# A live check of a .env probes its database URLs this many at a time, all within one deadline
# (the probe timeout): forty black-holed URLs once took 25 s against a 5 s timeout.
ENV_PROBES_AT_ONCE = 4
# A URL whose turn comes with less than this left of the deadline is not probed at all: a
# probe cut that short would report a timeout that says nothing about the host.
MIN_PROBE_SECONDS = 1.0

# Where a live probe takes its place: entered before each probe, it gives True when the probe
# may run now and False when every slot is busy (the web layer's probe slots; None: always).
ProbeGate = Callable[[], AbstractContextManager[bool]]


@dataclass(frozen=True)
class _Probing:
    """How the database URLs are inspected: live or not, under which policy, within what."""

    live: bool
    policy: ProbePolicy
    timeout: float
    gate: ProbeGate | None


def inspect_env(
    text: str | None = None,
    *,
    path: str | Path | None = None,
    probe: bool = False,
    policy: ProbePolicy = LOCAL,
    timeout: float = 5.0,
    gate: ProbeGate | None = None,
) -> EnvReport:
    """Inspect `.env` text (wins when given) or the file at `path`. Never raises on bad input.

    `probe=True` also probes each database URL live, under `policy`: ENV_PROBES_AT_ONCE at a
    time, each through `gate`, all of them within the one `timeout`.
    """
    modified = None
    if text is None:
        if path is None:
            raise TypeError("inspect_env needs text or path")
        source = str(path)
        try:
            p = Path(path)
            raw = p.read_bytes()
            modified = datetime.fromtimestamp(p.stat().st_mtime, UTC).isoformat(timespec="seconds")
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            why = (
                "is not UTF-8 text"
                if isinstance(exc, UnicodeDecodeError)
                else (exc.strerror or type(exc).__name__).lower()
            )
            finding = make(C.ENV_FILE_MISSING, f"{source}: {why}.")
            return EnvReport(source, modified, (), (finding,), probed=probe)
    else:
        source = "pasted"
    probing = _Probing(probe, policy, timeout, gate)
    return _check(valid_text(text), probing, source, modified)


def _check(text: str, probing: _Probing, source: str, modified: str | None) -> EnvReport:
    parsed = parse_env(text)
    findings: list[Finding] = list(parsed.findings)
    variables = [read_value(entry) for entry in parsed.entries]
    _inspect_connections([v for v in variables if v.kind is TokenKind.CONNECTION_STRING], probing)
    main = main_project(variables)
    for var in variables:
        findings.extend(check_variable(var, main))
    findings.extend(cross_keys(variables, main))
    findings.extend(cross_secret(variables, main, probing.policy))
    findings.extend(cross_refs(variables, main))
    findings.extend(cross_pairs(variables))
    reported = tuple(EnvVariable.of(v) for v in variables)
    if reported and not any(v.recognised for v in reported):
        detail = (
            f"None of the {len(reported)} variables looks like a Supabase URL, key, secret or "
            "database URL, by name or by value."
        )
        findings.append(make(C.ENV_NO_SUPABASE_VARIABLES, detail))
    elif not reported and not findings:
        findings.append(make(C.ENV_NO_SUPABASE_VARIABLES, "The text defines no variables at all."))
    return EnvReport(
        source=source,
        modified=modified,
        variables=reported,
        findings=ordered(findings),
        project_ref=main,
        probed=probing.live,
    )


# ---------------------------------------------------------------------------------------------
# The database URLs: linted, and probed live when asked


def _inspect_connections(pending: list[Var], probing: _Probing) -> None:
    """Lint (and, when asked, probe) every database URL, each distinct URL once."""
    from inspector.connections import inspect_connection

    urls = list(dict.fromkeys(v.value.strip() for v in pending))
    by_name = hints([v.name for v in pending])  # a DIRECT_URL beside DATABASE_URL: Prisma
    hint = {v.value.strip(): by_name[v.name] for v in reversed(pending) if v.name in by_name}
    if probing.live and urls:
        reports = _probe_all(urls, probing, hint)
    else:
        reports = {
            url: inspect_connection(
                url, probe=False, policy=probing.policy, stack_hint=hint.get(url)
            )
            for url in urls
        }
    for var in pending:
        attach_connection(var, reports[var.value.strip()])


def _probe_all(
    urls: list[str], probing: _Probing, hint: dict[str, tuple[str, str]] | None = None
) -> dict[str, ConnectionReport]:
    """Probe the URLs ENV_PROBES_AT_ONCE at a time, each taking a probe slot, all within one
    deadline; a URL that gets no slot, or whose turn comes too late, is reported not probed."""
    deadline = time.monotonic() + probing.timeout
    queue = list(reversed(urls))
    lock = threading.Lock()
    reports: dict[str, ConnectionReport] = {}

    def lane() -> None:
        while True:
            with lock:
                if not queue:
                    return
                url = queue.pop()
            report = _probe_one(url, deadline, len(urls), probing, (hint or {}).get(url))
            with lock:
                reports[url] = report

    lanes = min(ENV_PROBES_AT_ONCE, len(urls))
    if lanes == 1:
        lane()
    else:
        with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="env-probe") as pool:
            for future in [pool.submit(lane) for _ in range(lanes)]:
                future.result()
    return reports


def _probe_one(
    url: str,
    deadline: float,
    count: int,
    probing: _Probing,
    stack_hint: tuple[str, str] | None = None,
) -> ConnectionReport:
    from inspector.connections import codes as conn_codes
    from inspector.connections import inspect_connection

    def not_probed(detail: str) -> ConnectionReport:
        static = inspect_connection(url, probe=False, policy=probing.policy, stack_hint=stack_hint)
        return static.with_probe_refused(conn_codes.PROBE_BUSY, detail)

    def too_late() -> bool:
        return deadline - time.monotonic() < min(MIN_PROBE_SECONDS, probing.timeout)

    late = (
        f"Not probed: a live check of a .env has one {probing.timeout:.1f} s deadline for all "
        f"its database URLs ({count} here, {ENV_PROBES_AT_ONCE} at a time), and it had "
        "passed before this one's turn. Probe it on the connection page."
    )
    if too_late():
        return not_probed(late)
    with probing.gate() if probing.gate else nullcontext(True) as may:
        if not may:
            return not_probed("Not probed: too many probes are running on this site.")
        if too_late():  # the wait for a slot took the rest
            return not_probed(late)
        remaining = deadline - time.monotonic()
        return inspect_connection(
            url, probe=True, policy=probing.policy, timeout=remaining, stack_hint=stack_hint
        )
