"""Supabase's own host shapes, misspelt (issue 12 §3): the direct host under `.com`, the pooler
under `.co`, the project URL's host for the database's, and the pooler's `postgres.<ref>` user on
the direct host. Each gets a finding and the host written right for the suggestions. No I/O.

Facts: supabase.md §6 (direct `db.<ref>.supabase.co`, user `postgres`), §7 (pooler
`aws-N-<region>.pooler.supabase.com`, user `postgres.<ref>`; the dedicated pooler on the direct
host takes `postgres` too).
"""

from __future__ import annotations

import re
from dataclasses import replace

from inspector import supabase
from inspector.connections.hosts import pooler_role
from inspector.connections.parse import HostPort, ParsedConnection
from inspector.connections.stacks import codes
from inspector.findings import Finding
from inspector.vocabulary import HostKind

_DIRECT_UNDER_COM = re.compile(r"^db\.([a-z]{20})\.supabase\.com\Z")
_POOLER_UNDER_CO = re.compile(r"^((?:aws|gcp|fly|azure)-\d+-[a-z0-9-]+)\.pooler\.supabase\.co\Z")
_API_HOST = re.compile(r"^([a-z]{20})\.supabase\.co\Z")


def corrected_host(host: str) -> str | None:
    """The host as Supabase spells it, when `host` is one of its shapes misspelt."""
    h = host.strip().lower().rstrip(".")
    m = _DIRECT_UNDER_COM.match(h)
    if m:
        return f"db.{m.group(1)}.supabase.co"
    m = _POOLER_UNDER_CO.match(h)
    if m:
        return f"{m.group(1)}.pooler.supabase.com"
    m = _API_HOST.match(h)
    if m:
        return f"db.{m.group(1)}.supabase.co"
    return None


def respelt(
    p: ParsedConnection, kind: HostKind, ref: str | None
) -> tuple[ParsedConnection, HostKind, str | None]:
    """The string with its first host written right, and that host's kind and project: what the
    suggestions connect to. Unchanged when nothing is misspelt."""
    h = p.host
    fixed = corrected_host(h.host) if p.ok and h is not None else None
    if h is None or fixed is None:
        return p, kind, ref
    info = supabase.classify_host(fixed, h.effective_port, p.user)
    hosts = (HostPort(fixed, h.port), *p.hosts[1:])
    return replace(p, hosts=hosts), HostKind(info.kind), ref or info.project_ref


def misspelling_findings(p: ParsedConnection, kind: str) -> list[Finding]:
    """The host under the wrong domain; the pooler's user on the direct host."""
    out: list[Finding] = []
    h = p.host
    if h is None:
        return out
    fixed = corrected_host(h.host)
    if fixed is not None:
        out.append(_host_finding(h.host, fixed))
    direct = (HostKind.SUPABASE_DIRECT, HostKind.SUPABASE_DEDICATED_POOLER)
    user_ref = supabase.ref_from_pooler_user(p.user)
    if kind in direct and user_ref and p.user:
        role = pooler_role(p.user)
        out.append(
            codes.POOLER_USER_ON_DIRECT.make(
                f"The user is `{p.user}` on {h.host}:{h.effective_port}: the `.<ref>` suffix "
                "tells Supabase's shared pooler which project to reach, while Postgres on the "
                f"direct host has no role `{p.user}` and answers `password authentication "
                f'failed for user "{p.user}"`.',
                role=role,
                host=h.host,
                user=p.user,
            )
        )
    return out


def _host_finding(host: str, fixed: str) -> Finding:
    if fixed.endswith(".pooler.supabase.com"):
        return codes.POOLER_HOST_UNDER_CO.make(
            f"{host}: Supabase's shared pooler hosts end in .pooler.supabase.com; this name does "
            "not resolve.",
            host=fixed,
        )
    if host.strip().lower().rstrip(".").endswith(".supabase.com"):
        return codes.DIRECT_HOST_UNDER_COM.make(
            f"{host}: the direct database host ends in .supabase.co (the dashboard lives under "
            ".supabase.com); this name does not resolve.",
            host=fixed,
        )
    return codes.PROJECT_URL_AS_DATABASE_HOST.make(
        f"{host} is the project's API host (its URL, https://{host}), which serves HTTPS, not "
        f"Postgres; the database is {fixed}.",
        host=fixed,
    )
