"""ConnectionReport: what the page, the JSON API and the CLI render."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from inspector.connections import codes
from inspector.connections.parse import ParsedConnection
from inspector.findings import Finding, has_errors, make, ordered


@dataclass(frozen=True)
class ConnectionReport:
    parsed: ParsedConnection
    host_kind: str
    project_ref: str | None
    findings: tuple[Finding, ...]
    steps: tuple[dict[str, Any], ...] = ()
    tls: dict[str, Any] | None = None
    server: dict[str, Any] | None = None
    verdict: dict[str, Any] = field(default_factory=dict)
    suggested: dict[str, str] = field(default_factory=dict)
    snippets: dict[str, str] = field(default_factory=dict)
    driver: str = "auto"
    timeout: float = 5.0
    total_ms: float = 0.0

    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def masked_url(self) -> str:
        return self.parsed.masked

    def to_dict(self) -> dict[str, Any]:
        return {
            "parsed": self.parsed.to_dict(),
            "host_kind": self.host_kind,
            "project_ref": self.project_ref,
            "findings": [f.to_dict() for f in self.findings],
            "steps": [dict(s) for s in self.steps],
            "tls": self.tls,
            "server": self.server,
            "verdict": dict(self.verdict),
            "suggested": dict(self.suggested),
            "snippets": dict(self.snippets),
            "driver": self.driver,
            "timeout": self.timeout,
            "total_ms": round(self.total_ms, 1),
        }

    def with_probe_refused(self, code: str, detail: str) -> ConnectionReport:
        """The same static report, with a live probe that could not run (busy, blocked)."""
        finding = make(code, detail)
        return replace(
            self,
            findings=ordered([*self.findings, finding]),
            verdict={
                "status": "failed" if code == codes.PROBE_BLOCKED else "not_probed",
                "code": code,
                "summary": detail,
                "fix": finding.fix,
                "step": None,
            },
        )
