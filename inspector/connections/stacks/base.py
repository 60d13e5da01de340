"""What every stack builds on: how a finding is read (`Reading`), what a suggestion connects to
(`Target`), and the URL and option pieces the stacks share. No I/O.

The target (host, user, sslmode and CA) is decided once, by the rules of `suggest.py` that the
Python drivers' strings follow, then each stack writes it in its own terms.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector import supabase
from inspector.connections import suggest
from inspector.connections.hosts import is_remote, is_supabase_cloud
from inspector.connections.parse import DEFAULT_PORT, ParsedConnection
from inspector.connections.probe import TlsReport
from inspector.findings import Finding, Variant

# What a stack's findings use for the CA in their fixes.
OTHER_CA = "/path/to/ca.crt"
# The `aws-N-<region>` pooler host when it cannot be known from the string.
POOLER_HINT = supabase.SESSION_POOLER_HOST_HINT


@dataclass(frozen=True)
class Reading:
    """A parsed string with what the lint knows of its host, for a stack's findings."""

    p: ParsedConnection
    kind: str
    ref: str | None

    @property
    def supabase(self) -> bool:
        return is_supabase_cloud(self.kind)

    @property
    def remote(self) -> bool:
        return is_remote(self.kind, self.p)

    @property
    def transaction(self) -> bool:
        return supabase.is_transaction_pooler(self.kind)

    @property
    def port(self) -> int:
        return self.p.host.effective_port if self.p.host else DEFAULT_PORT

    @property
    def ca(self) -> str:
        """The CA file a fix names: Supabase's, or a placeholder path."""
        return supabase.SUPABASE_CA_FILE if self.supabase else OTHER_CA

    def param(self, name: str) -> str | None:
        return self.p.param(name)

    def make(self, variant: Variant, detail: str, **fmt: str) -> Finding:
        """A finding of `variant`, its texts always formatted (`{ca}` filled in)."""
        return variant.make(detail, ca=self.ca, **fmt)


@dataclass(frozen=True)
class Target:
    """What every suggested string connects to, with which TLS."""

    p: ParsedConnection
    kind: str
    ref: str | None
    user: str
    hosts: tuple[tuple[str, int | None], ...]
    database: str
    mode: str | None  # the libpq sslmode the Python strings carry (None: the string had none)
    root: str | None  # a CA file, "system" (the system's store) or None

    @property
    def transaction(self) -> bool:
        return supabase.is_transaction_pooler(self.kind)

    @property
    def supabase(self) -> bool:
        return is_supabase_cloud(self.kind)

    @property
    def host(self) -> str:
        return self.hosts[0][0]

    @property
    def port(self) -> int:
        return self.hosts[0][1] or DEFAULT_PORT

    @property
    def ca_file(self) -> str | None:
        """The CA file to trust, or None (the driver's own store, or no verification)."""
        if self.root and self.root != "system" and not self.root.startswith("/path/to/certifi"):
            return self.root
        return None

    @property
    def verify(self) -> str | None:
        """`verify-full` / `verify-ca` when the target checks the certificate, else None."""
        return self.mode if self.mode in ("verify-full", "verify-ca") else None

    @property
    def tls(self) -> bool:
        return self.mode not in (None, "disable")

    def param(self, name: str) -> str | None:
        return self.p.param(name)

    def url(self, params: list[tuple[str, str]], scheme: str = "postgresql") -> str:
        """A postgresql:// URI of the target with these query parameters, every part encoded."""
        return suggest._libpq_url(scheme, self.user, list(self.hosts), self.database, params)

    def kept(self, names: tuple[str, ...]) -> list[tuple[str, str]]:
        """The string's own parameters among `names`, in their order."""
        return [(k, v) for k, v in self.p.params if k in names]

    def with_port(self, port: int) -> Target:
        """The same target on another port of the same host (the pooler's other mode)."""
        hosts = ((self.host, port),)
        kind = self.kind
        if kind == "supabase_pooler_transaction" and port == supabase.SESSION_POOLER_PORT:
            kind = "supabase_pooler_session"
        elif kind == "supabase_dedicated_pooler" and port == supabase.DIRECT_PORT:
            kind = "supabase_direct"
        return Target(self.p, kind, self.ref, self.user, hosts, self.database, self.mode, self.root)


def target(
    p: ParsedConnection,
    host_kind: str,
    project_ref: str | None,
    finding_codes: set[str],
    tls: TlsReport | None,
    remote: bool,
) -> Target:
    """The suggestion's host, user and TLS, by the rules of suggest.py (give it the string with a
    misspelt Supabase host written right: `misspellings.respelt`)."""
    kind, user, hosts = suggest._target(p, host_kind, project_ref, finding_codes)
    mode, root = suggest._target_ssl(p, host_kind, tls, remote)
    return Target(p, kind, project_ref, user, tuple(hosts), p.database or "postgres", mode, root)
