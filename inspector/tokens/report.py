"""TokenReport: everything the page, the JSON and the CLI show, computed once by the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inspector.findings import Finding, has_errors
from inspector.tokens.claims import span
from inspector.tokens.classify import KIND_LABELS
from inspector.tokens.decode import Part
from inspector.tokens.rules import Lifetime
from inspector.tokens.verify import Signature


@dataclass(frozen=True)
class TokenReport:
    kind: str
    project_ref: str | None
    header: dict[str, Any] | None
    claims: dict[str, Any] | None
    times: dict[str, dict[str, Any]]
    signature: Signature
    findings: tuple[Finding, ...]
    snippets: dict[str, str | None]
    removed: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    lifetime: Lifetime | None = None
    header_notes: dict[str, str] = field(default_factory=dict)
    claim_notes: dict[str, str] = field(default_factory=dict)
    jwks_url: str | None = None
    issuer: str | None = None  # the issuer family in words ("Supabase Auth", "Auth0", ...)
    now: float = 0.0

    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def is_jwt(self) -> bool:
        return bool(self.parts)

    @property
    def verified(self) -> bool:
        return self.signature.status == "valid"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def token_text(self) -> str:
        """The cleaned compact token (for the coloured parts on the page)."""
        return ".".join(p.text for p in self.parts)

    @property
    def lifetime_text(self) -> str | None:
        seconds = self.lifetime["seconds"] if self.lifetime else None
        return span(seconds) if seconds is not None else None

    @property
    def default_lifetime_text(self) -> str | None:
        seconds = self.lifetime["default_seconds"] if self.lifetime else None
        return span(seconds) if seconds else None

    def finding_codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": KIND_LABELS.get(self.kind, self.kind),
            "project_ref": self.project_ref,
            "header": self.header,
            "claims": self.claims,
            "times": self.times,
            "signature": self.signature.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "snippets": dict(self.snippets),
            "cleaned": {"removed": list(self.removed)},
            "parts": [p.to_dict() for p in self.parts],
            "lifetime": self.lifetime,
            "explanations": {"header": self.header_notes, "claims": self.claim_notes},
            "jwks_url": self.jwks_url,
            "issuer": self.issuer,
            "verified": self.verified,
        }
