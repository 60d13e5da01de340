"""Finding and Severity: the vocabulary every inspector speaks.

Each finding code is defined once, with its severity, title and default fix, by `define()` in the
catalog module of its inspector (`inspector/tokens/codes.py`, `inspector/connections/codes.py`,
`inspector/env/codes.py`). Code elsewhere refers to a code by its name and builds a `Finding` with
`make()`. `catalog()` gathers every code, e.g. for the README's table.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Code:
    """A finding code as the catalog defines it."""

    code: str
    severity: Severity
    title: str
    fix: str | None
    area: str


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    title: str
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }


_CATALOG: dict[str, Code] = {}

# The modules that define codes; imported lazily by catalog() so that nothing here imports them.
CATALOG_MODULES = (
    "inspector.tokens.codes",
    "inspector.connections.codes",
    "inspector.env.codes",
    "inspector.endpoint.codes",
    "inspector.tokens.mint_codes",
    "inspector.explain.codes",
)


class UnknownCodeError(KeyError):
    """A finding was made with a code that no catalog defines (a bug, not bad input)."""


def define(
    code: str, severity: Severity | str, title: str, fix: str | None = None, *, area: str
) -> str:
    """Register a code once; returns the code so modules can keep it as a constant."""
    sev = Severity(severity)
    existing = _CATALOG.get(code)
    if existing is not None and (existing.severity, existing.title, existing.fix) != (
        sev,
        title,
        fix,
    ):
        raise ValueError(f"finding code {code!r} defined twice with different texts")
    _CATALOG[code] = Code(code, sev, title, fix, area)
    return code


def catalog() -> dict[str, Code]:
    """Every defined code, in definition order."""
    for name in CATALOG_MODULES:
        importlib.import_module(name)
    return dict(_CATALOG)


def make(
    code: str,
    detail: str,
    *,
    fix: str | None = None,
    severity: Severity | str | None = None,
    title: str | None = None,
    **fmt: Any,
) -> Finding:
    """Build a Finding from the catalog; `fix`/`severity`/`title` override the catalog's text.

    `fmt` fills `{placeholders}` in the catalog's title and fix.
    """
    entry = _CATALOG.get(code)
    if entry is None:
        raise UnknownCodeError(code)
    the_fix = fix if fix is not None else entry.fix
    if the_fix is not None and fmt:
        the_fix = the_fix.format(**fmt)
    the_title = title if title is not None else entry.title
    if fmt:
        the_title = the_title.format(**fmt)
    return Finding(
        code=code,
        severity=Severity(severity) if severity is not None else entry.severity,
        title=the_title,
        detail=detail,
        fix=the_fix,
    )


def ordered(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Most severe first; stable within a severity."""
    return tuple(sorted(findings, key=lambda f: f.severity.rank))


def dedupe(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """The findings without repeats of the same code and detail, first occurrence kept."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        key = (f.code, f.detail)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def worst(findings: list[Finding] | tuple[Finding, ...]) -> Severity | None:
    return min((f.severity for f in findings), key=lambda s: s.rank, default=None)


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


@dataclass(frozen=True)
class Variant:
    """A named case of a code with its own title, fix or severity; the JSON keeps the code.

    Where one code covers several situations (`wrong_inspector` for a secret, a connection string
    or a key), each situation's text is written once, in its package's catalog next to its code,
    rather than at the place that reports it. `None` keeps the catalog's text.
    """

    code: str
    title: str | None = None
    fix: str | None = None
    severity: str | None = None

    def make(self, detail: str, **fmt: Any) -> Finding:
        return make(
            self.code, detail, title=self.title, fix=self.fix, severity=self.severity, **fmt
        )
