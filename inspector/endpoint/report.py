"""RequestReport: what was sent, what came back, what it means; computed once by the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inspector.endpoint.explain import ServerSays
from inspector.findings import Finding, has_errors
from inspector.tokens.report import TokenReport

# How the exchange ended, in one word: (label, outcome for renderers).
OUTCOMES = {
    "accepted": ("accepted", "good"),
    "rejected": ("rejected", "bad"),
    "redirected": ("redirect (not followed)", "neutral"),
    "other": ("other answer", "neutral"),
    "failed": ("no answer", "bad"),
    "blocked": ("blocked by this site's policy", "bad"),
    "not_sent": ("not sent", "bad"),
}
SHOWN_HEADERS = ("www-authenticate", "sb-error-code", "x-sb-error-code", "content-type", "date")


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    target: str  # endpoint.targets kinds: own_api, supabase_rest, supabase_auth, ...
    target_words: str
    headers: dict[str, str]  # the token and the apikey masked
    sent: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "target": self.target,
            "target_label": self.target_words,
            "headers": dict(self.headers),
            "sent": self.sent,
            "follows_redirects": False,
        }


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    ms: float
    address: str
    headers: dict[str, str]  # only the ones that matter (SHOWN_HEADERS and location), masked
    body_excerpt: str  # masked, at most EXCERPT characters
    body_bytes: int  # bytes read (at most the cap)
    truncated: bool  # the body went on past the cap
    incomplete: bool  # the deadline passed while the body was arriving
    excerpt_cut: bool  # the excerpt shows less than what was read

    @property
    def location(self) -> str | None:
        return self.headers.get("location")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "ms": round(self.ms, 1),
            "address": self.address,
            "headers": dict(self.headers),
            "body_excerpt": self.body_excerpt,
            "body_bytes": self.body_bytes,
            "truncated": self.truncated,
            "incomplete": self.incomplete,
            "excerpt_cut": self.excerpt_cut,
        }


@dataclass(frozen=True)
class RequestReport:
    mode: str  # "request" (the user's endpoint) or "auth_check" (GET /auth/v1/user)
    request: SentRequest
    response: Response | None
    outcome: str  # an OUTCOMES key
    findings: tuple[Finding, ...]
    token: TokenReport
    server_says: ServerSays | None = None
    explained: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def has_errors(self) -> bool:
        """An error-level finding about the exchange (the token's own findings are its report's)."""
        return has_errors(self.findings)

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome][0]

    @property
    def outcome_tone(self) -> str:
        return OUTCOMES[self.outcome][1]

    def finding_codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "outcome_tone": self.outcome_tone,
            "request": self.request.to_dict(),
            "response": self.response.to_dict() if self.response else None,
            "server_says": self.server_says.to_dict() if self.server_says else None,
            "findings": [f.to_dict() for f in self.findings],
            "explained": [dict(e) for e in self.explained],
            "token": self.token.to_dict(),
        }
