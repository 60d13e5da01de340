"""ConnectionReport: what the page, the JSON API and the CLI render.

`to_dict()` is api.md's JSON. The properties below it are the page's view of the same report
(the heading of the verdict, the certificate cards, the trust per store, the rows of the server
and parsed tables, the strings per driver and what their proof says): decided here, so the
template only formats them. `revealed()` is the suggestions with the password in, for the CLI's
`--reveal`; nothing that renders HTML calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, TypedDict

from inspector.connections import codes
from inspector.connections.parse import DEFAULT_PORT, ParsedConnection
from inspector.connections.probe import ServerInfo, StepDict, TlsReport
from inspector.connections.probe.model import ProofDict
from inspector.connections.probe.proof import not_tried
from inspector.connections.stacks.names import STACK_SNIPPET_LABELS, STACK_URL_LABELS
from inspector.connections.suggest import password_at, with_password
from inspector.connections.verdict import (
    BLOCKED_BY_POLICY,
    Verdict,
    refused_verdict,
    static_verdict,
)
from inspector.findings import Finding, Severity, has_errors, make, ordered
from inspector.vocabulary import HostKind, StepName, StepStatus, VerdictStatus

# The strings and snippets per driver, in the page's order, with their headings.
_URL_LABELS = (
    ("psycopg2", "psycopg2 URL"),
    ("asyncpg", "asyncpg URL"),
    ("sqlalchemy", "SQLAlchemy (psycopg2) URL"),
    ("sqlalchemy_asyncpg", "SQLAlchemy + asyncpg URL"),
    *STACK_URL_LABELS,
)
_SNIPPET_LABELS = (
    ("psycopg2", "psycopg2"),
    ("asyncpg", "asyncpg"),
    ("sqlalchemy", "SQLAlchemy"),
    ("sqlalchemy_asyncpg", "SQLAlchemy + asyncpg"),
    *STACK_SNIPPET_LABELS,
)


@dataclass(frozen=True)
class Headline:
    """The verdict as the page heads it: `status` picks its look (the `verdict` macro)."""

    status: str
    title: str
    summary: str
    fix: str | None = None
    code: str | None = None


class CertCard(TypedDict):
    """A certificate as the `cert_chain` macro draws it."""

    subject: str
    issuer: str
    not_before: str
    not_after: str
    expired: bool  # outside its validity dates (expired or not yet valid)
    self_signed: bool
    san: list[str]
    key: str
    sha256: str


class TrustMark(TypedDict):
    ok: bool  # the chain verifies against the store, host name included
    detail: str


# What a proof's status is called beside a suggestion.
_PROOF_WORDS = {"connected": "connected just now", "failed": "failed", "not_tried": "not tried"}


@dataclass(frozen=True)
class Offer:
    """One suggested string or snippet as the page shows it: split around the password's `***`
    (the page's script puts the typed password there when it is copied), with its proof."""

    key: str
    label: str
    text: str
    at: int | None  # where the `***` of the password starts (None: the text has none)
    proof: ProofDict
    code: bool = False

    @property
    def before(self) -> str:
        return self.text if self.at is None else self.text[: self.at]

    @property
    def after(self) -> str:
        return "" if self.at is None else self.text[self.at + 3 :]

    @property
    def status(self) -> str:
        return self.proof["status"]

    @property
    def status_word(self) -> str:
        return _PROOF_WORDS.get(self.status, self.status)


def _no_verdict() -> Verdict:
    return static_verdict([], probe_asked=False)


@dataclass(frozen=True)
class ConnectionReport:
    parsed: ParsedConnection
    host_kind: HostKind
    project_ref: str | None
    findings: tuple[Finding, ...]
    steps: tuple[StepDict, ...] = ()
    tls: TlsReport | None = None
    server: ServerInfo | None = None
    verdict: Verdict = field(default_factory=_no_verdict)
    suggested: dict[str, str] = field(default_factory=dict)
    snippets: dict[str, str] = field(default_factory=dict)
    suggested_proof: dict[str, ProofDict] = field(default_factory=dict)
    suggested_note: str | None = None  # where to get the CA file the suggestions name
    driver: str = "auto"
    driver_reading: dict[str, str] = field(default_factory=dict)
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
            "host_kind_outcome": self.host_kind.outcome,
            "project_ref": self.project_ref,
            "findings": [f.to_dict() for f in self.findings],
            "steps": [dict(s) for s in self.steps],
            "tls": self.tls,
            "server": self.server,
            "verdict": {**self.verdict, "outcome": self.verdict["status"].outcome},
            "suggested": dict(self.suggested),
            "suggested_proof": {k: dict(v) for k, v in self.suggested_proof.items()},
            "snippets": dict(self.snippets),
            "driver": self.driver,
            "driver_reading": dict(self.driver_reading),
            "timeout": self.timeout,
            "total_ms": round(self.total_ms, 1),
        }

    def with_probe_refused(self, code: str, detail: str) -> ConnectionReport:
        """The same static report, with a live probe that could not run (busy, blocked)."""
        finding = make(code, detail)
        why = "no live probe ran: " + finding.title[:1].lower() + finding.title[1:]
        return replace(
            self,
            findings=ordered([*self.findings, finding]),
            verdict=refused_verdict(finding),
            suggested_proof={k: not_tried(why) for k in self.suggested},
        )

    def revealed(self) -> tuple[dict[str, str], dict[str, str]]:
        """(strings, snippets) with the password in place of `***`, percent-encoded: for a
        terminal the user asked it of (`inspector conn --reveal`), never for a page."""
        pw = self.parsed.password
        strings = {k: with_password(v, v, pw) for k, v in self.suggested.items()}
        snippets = {
            k: with_password(v, self.suggested.get(k, ""), pw) if k in self.suggested else v
            for k, v in self.snippets.items()
        }
        return strings, snippets

    # --- the page's view ------------------------------------------------------------------------

    @property
    def failing_finding(self) -> Finding | None:
        """The finding the verdict's code names (the one that explains the failure)."""
        code = self.verdict["code"]
        return next((f for f in self.findings if f.code == code), None)

    @property
    def headline(self) -> Headline:
        """The answer first: connected; failed at the step that caused it (or blocked by this
        site's policy); an error that stands, not probed; or not probed."""
        return self._answer()[0]

    @property
    def findings_after_headline(self) -> tuple[Finding, ...]:
        """The findings the page and the CLI list below the headline: all but the one it says."""
        said = self._answer()[1]
        return tuple(f for f in self.findings if f is not said)

    def _answer(self) -> tuple[Headline, Finding | None]:
        v = self.verdict
        if v["status"] == VerdictStatus.CONNECTED:
            said = next((f for f in self.findings if f.code == codes.CONNECTED), None)
            return Headline(v["status"], "Connected", v["summary"]), said
        failed = self.failing_finding
        if v["status"] == VerdictStatus.FAILED:
            step = StepName.of(v["step"]) if v["step"] else None
            if v["code"] == codes.PROBE_BLOCKED:
                title = BLOCKED_BY_POLICY
            else:
                where = f"Failed at {step.phrase}: " if step is not None else ""
                title = where + (failed.title if failed is not None else str(v["code"]))
            # A step failed: its finding says why (the verdict's summary repeats the title), less
            # what the failed step's row says already; nothing sent: the finding, then why.
            summary = v["summary"]
            if failed is not None and failed.detail:
                summary = self._beyond_step(failed.detail) if step else f"{failed.detail} {summary}"
            return Headline(v["status"], title, summary, v["fix"], v["code"]), failed
        # Not probed: an error that stands is the answer, never an amber "not probed".
        error = next((f for f in self.findings if f.severity is Severity.ERROR), None)
        if error is not None:
            why = (
                v["summary"] if v["code"] == codes.PROBE_BUSY else "Not probed: static checks only."
            )
            summary = f"{error.detail} {why}" if error.detail else why
            return Headline(Severity.ERROR, error.title, summary, error.fix, error.code), error
        if v["code"] == codes.PROBE_BUSY:
            return Headline(
                StepStatus.WARNING, "Probe skipped: too busy", v["summary"], v["fix"], v["code"]
            ), failed
        return Headline(
            VerdictStatus.NOT_PROBED, "Not probed", v["summary"], v["fix"], v["code"]
        ), failed

    def _beyond_step(self, detail: str) -> str:
        """A failure's detail after the failed step's own detail, which it starts with (the step
        saw `libpq: ...`; the finding adds why)."""
        seen = next((s["detail"] for s in self.steps if s["status"] == StepStatus.FAILED), "")
        rest = detail.removeprefix(seen).strip() if seen else detail
        return rest or detail

    @property
    def host_kind_label(self) -> str:
        return self.host_kind.label

    @property
    def certificates(self) -> list[CertCard]:
        """The chain the server sent, leaf first, as certificate cards."""
        return [
            {
                "subject": c["subject"],
                "issuer": c["issuer"],
                "not_before": c["not_before"],
                "not_after": c["not_after"],
                "expired": c["expired"] or c["not_yet_valid"],
                "self_signed": c["self_signed"],
                "san": c["sans"],
                "key": c["key"],
                "sha256": c["sha256"],
            }
            for c in (self.tls["chain"] if self.tls else [])
        ]

    @property
    def trust(self) -> dict[str, TrustMark]:
        """Per trust store: does the chain verify (verify-full), and why (not)."""
        stores = self.tls["stores"] if self.tls else []
        return {s["store"]: {"ok": s["verify_full"], "detail": s["reason"]} for s in stores}

    @property
    def server_rows(self) -> list[tuple[str, object]]:
        """The server's answers to the first query, as (label, value) rows."""
        s = self.server
        if s is None:
            return []
        pg_ssl = s["pg_stat_ssl"]
        stat = f"ssl={pg_ssl['ssl']}"
        if pg_ssl["ssl"]:
            stat += f", {pg_ssl['version']}, {pg_ssl['cipher']}, {pg_ssl['bits']} bits"
        return [
            ("version", s["version"]),
            ("user", s["user"]),
            ("database", s["database"]),
            ("address", (s["address"] or "socket") + (f":{s['port']}" if s["port"] else "")),
            ("TLS", (s["ssl_version"] or "in use") if s["ssl_in_use"] else "not in use"),
            ("pg_stat_ssl", stat),
        ]

    @property
    def parsed_rows(self) -> list[tuple[str, str]]:
        """What the string says, password masked, as (label, value) rows."""
        p = self.parsed.to_dict()
        hosts = self.parsed.hosts
        rows = [
            ("format", p["format"]),
            ("scheme", p["scheme"] or "—"),
            ("driver in scheme", p["driver"] or "—"),
            ("user", p["user"] or "—"),
            ("password", p["password"] or "none"),
            ("hosts", ", ".join(h.host for h in hosts) if hosts else "—"),
            ("ports", ", ".join(str(h.port or DEFAULT_PORT) for h in hosts) if hosts else "—"),
            ("database", p["database"] or "—"),
        ]
        rows += [(f"?{k}", v) for k, v in p["params"].items()]
        return rows + [(f"{self.driver}: {k}", v) for k, v in self.driver_reading.items()]

    def _offers(self, code: bool) -> list[Offer]:
        labels = _SNIPPET_LABELS if code else _URL_LABELS
        texts = self.snippets if code else self.suggested
        out = []
        for key, label in labels:
            text = texts.get(key)
            if not text:
                continue
            proof = self.suggested_proof.get(key) or not_tried("it was not tried")
            at = password_at(text, self.suggested.get(key, ""))
            out.append(Offer(key, label, text, at, proof, code))
        return out

    @property
    def offers(self) -> list[Offer]:
        """The strings per driver offered as fixes: connected just now, or not tried (why)."""
        return [o for o in self._offers(code=False) if o.status != "failed"]

    @property
    def offered_code(self) -> list[Offer]:
        return [o for o in self._offers(code=True) if o.status != "failed"]

    @property
    def failed_offers(self) -> list[Offer]:
        """Suggestions tried just now that failed: shown with why, never as the fix."""
        return [o for o in self._offers(False) + self._offers(True) if o.status == "failed"]

    @property
    def fix_heading(self) -> str:
        statuses = {p["status"] for p in self.suggested_proof.values()}
        if "connected" in statuses:
            return "Strings that work"
        if "failed" in statuses:
            return "Suggested strings: the ones tried just now failed"
        return "Suggested strings"

    @property
    def suggestions(self) -> list[tuple[str, str]]:
        """(heading, string) per driver: the strings that work."""
        return [(label, self.suggested[k]) for k, label in _URL_LABELS if self.suggested.get(k)]

    @property
    def code_snippets(self) -> list[tuple[str, str]]:
        """(heading, code) per driver."""
        return [(label, self.snippets[k]) for k, label in _SNIPPET_LABELS if self.snippets.get(k)]
