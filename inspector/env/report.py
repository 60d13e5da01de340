"""EnvReport: what the page, the JSON API and the CLI render (every count and filter is here,
so the templates only present it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from inspector.env import codes as C
from inspector.env.names import Role
from inspector.env.values import Kind, Var, describe, mask_value, recognised
from inspector.env.words import count
from inspector.findings import Finding, dedupe, has_errors, ordered
from inspector.vocabulary import Outcome


@dataclass(frozen=True)
class EnvVariable:
    """One variable: what its name says, what its value really is, masked."""

    name: str
    kind: Kind  # what the value holds: a token kind of api.md, or connection_string, url, ...
    expected: Role | None  # what the name says, None when the name is not recognised
    masked: str
    description: str
    public: bool
    project_ref: str | None
    line: int | None
    findings: tuple[Finding, ...] = ()

    @classmethod
    def of(cls, v: Var) -> EnvVariable:
        """The variable as reported: masked, described, its findings once each, worst first."""
        return cls(
            name=v.name,
            kind=v.kind,
            expected=v.expected,
            masked=mask_value(v.value, v.kind, v.expected),
            description=describe(v),
            public=v.public_prefix is not None,
            project_ref=v.project_ref,
            line=v.entry.line,
            findings=ordered(dedupe(v.findings)),
        )

    @property
    def expected_label(self) -> str | None:
        return self.expected.label if self.expected else None

    @property
    def recognised(self) -> bool:
        return recognised(self.expected, self.kind)

    @property
    def outcome(self) -> Outcome:
        """How the kind reads: a malformed JWT is bad, the rest neutral."""
        return self.kind.outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "outcome": self.outcome.value,
            "expected": self.expected.value if self.expected else None,
            "masked": self.masked,
            "description": self.description,
            "public": self.public,
            "project_ref": self.project_ref,
            "line": self.line,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class EnvReport:
    source: str  # "pasted" or the file's path
    modified: str | None  # the file's last-modified time (ISO 8601, UTC)
    variables: tuple[EnvVariable, ...]
    findings: tuple[Finding, ...]  # about the file and how the variables fit together
    project_ref: str | None = None
    probed: bool = False

    def all_findings(self) -> tuple[Finding, ...]:
        """The overall findings, then every variable's."""
        return self.findings + tuple(f for v in self.variables for f in v.findings)

    def ordered_findings(self) -> tuple[Finding, ...]:
        """Every finding, most severe first (the page's headline is the first)."""
        return ordered(self.all_findings())

    def has_errors(self) -> bool:
        return has_errors(self.all_findings())

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity.value for f in self.all_findings())
        return {"error": c["error"], "warning": c["warning"], "info": c["info"]}

    @property
    def known_variables(self) -> tuple[EnvVariable, ...]:
        """The Supabase and Postgres variables (by name or by value): the page's table."""
        return tuple(v for v in self.variables if v.recognised)

    @property
    def other_variables(self) -> tuple[EnvVariable, ...]:
        """The rest, listed apart."""
        return tuple(v for v in self.variables if not v.recognised)

    @property
    def listed_variables(self) -> tuple[EnvVariable, ...]:
        """What a terminal lists: the known ones, and any other that has a finding."""
        return tuple(v for v in self.variables if v.recognised or v.findings)

    def others_summary(self) -> str:
        """`3 other variables (not Supabase or Postgres)`."""
        return f"{count(len(self.other_variables), 'other variable')} (not Supabase or Postgres)"

    def tally(self) -> str:
        """`7 variables, 6 recognised · project <ref> · 2 errors, 1 warning`."""
        if any(f.code == C.ENV_FILE_MISSING for f in self.findings):
            return f"{self.source}: not found or not readable"
        known = len(self.known_variables)
        parts = [f"{count(len(self.variables), 'variable')}, {known} recognised"]
        if self.project_ref:
            parts.append(f"project {self.project_ref}")
        problems = [count(n, k) for k, n in self.counts().items() if n and k != "info"]
        parts.append(", ".join(problems) if problems else "no problems found")
        return " · ".join(parts)

    def summary(self) -> str:
        """One line for the home page: how many variables, which project, what is wrong first."""
        first = next((f for f in self.ordered_findings() if f.severity.rank < 2), None)
        if first is None or first.code == C.ENV_FILE_MISSING:
            return self.tally() + "."
        return f"{self.tally()} (first: {first.title})."

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "modified": self.modified,
            "project_ref": self.project_ref,
            "probed": self.probed,
            "summary": self.summary(),
            "counts": self.counts(),
            "variables": [v.to_dict() for v in self.variables],
            "findings": [f.to_dict() for f in self.findings],
        }
