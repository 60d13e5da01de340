"""ExplainReport: what a pasted error means, and what else the paste held (masked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.explain import codes
from inspector.findings import Finding, has_errors, ordered


@dataclass(frozen=True)
class Next:
    """The inspector to run next, and what to give it (already masked where it must be)."""

    page: str  # "token" | "connection"
    input: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "input": self.input}


@dataclass(frozen=True)
class Match:
    code: str
    source: str
    title: str
    cause: str
    fix: str
    next: Next | None
    excerpt: str  # the line it was recognised in, secrets masked
    depth: int = 0  # how deep in an exception chain (the innermost cause is the deepest)

    @property
    def source_label(self) -> str:
        return codes.SOURCE_LABELS.get(self.source, self.source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "source": self.source,
            "title": self.title,
            "cause": self.cause,
            "fix": self.fix,
            "next": self.next.to_dict() if self.next else None,
            "source_label": self.source_label,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True)
class FoundToken:
    """A JWT or API key inside the text: described, never repeated (unless `next` carries it
    to the token page, which shows it anyway: only for kinds that are not secrets)."""

    kind: str
    kind_label: str
    masked: str
    algorithm: str | None
    project_ref: str | None
    secret: bool  # a secret in itself (sb_secret_, sbp_, refresh token): never echoed
    next: Next | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "masked": self.masked,
            "algorithm": self.algorithm,
            "project_ref": self.project_ref,
            "secret": self.secret,
            "next": self.next.to_dict() if self.next else None,
        }


@dataclass(frozen=True)
class FoundConnection:
    """A connection string inside the text, password masked."""

    masked: str
    host: str | None
    port: int | None
    user: str | None
    host_kind: str
    project_ref: str | None
    has_password: bool
    next: Next

    def to_dict(self) -> dict[str, Any]:
        return {
            "masked": self.masked,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "host_kind": self.host_kind,
            "project_ref": self.project_ref,
            "has_password": self.has_password,
            "next": self.next.to_dict(),
        }


@dataclass(frozen=True)
class ExplainReport:
    """`matches` is never empty: most specific (innermost) first, or the one `no_match`."""

    matches: tuple[Match, ...]
    tokens: tuple[FoundToken, ...] = ()
    connection_strings: tuple[FoundConnection, ...] = ()
    findings: tuple[Finding, ...] = ()
    masked_text: str = ""  # the paste with every secret masked (for the page's text box)
    truncated: bool = False

    @property
    def first(self) -> Match:
        return self.matches[0]

    @property
    def recognised(self) -> bool:
        """A known error was found (the CLI's exit 1)."""
        return self.matches[0].code != codes.NO_MATCH

    def has_errors(self) -> bool:
        return has_errors(self.findings)

    def ordered_findings(self) -> tuple[Finding, ...]:
        return ordered(self.findings)

    @property
    def notes(self) -> tuple[Finding, ...]:
        """The findings about the paste itself (a secret in it, its length), not its errors."""
        matched = {m.code for m in self.matches}
        return tuple(f for f in ordered(self.findings) if f.code not in matched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matches": [m.to_dict() for m in self.matches],
            "found": {
                "tokens": [t.to_dict() for t in self.tokens],
                "connection_strings": [s.to_dict() for s in self.connection_strings],
            },
            "findings": [f.to_dict() for f in ordered(self.findings)],
            "recognised": self.recognised,
            "truncated": self.truncated,
        }
