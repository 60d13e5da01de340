""".env text -> entries, with python-dotenv's own parser (never by loading it into `os.environ`).

`${NAME}` references are resolved from the earlier lines of the text alone: resolving them from
`os.environ` would show the server's own secrets to whoever pastes a reference to them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream
from dotenv.variables import Variable, parse_variables

from inspector.env import codes as C
from inspector.findings import Finding, make


@dataclass(frozen=True)
class Entry:
    """One variable as the file sets it (the last of its lines wins, as in python-dotenv)."""

    name: str
    value: str
    line: int | None
    raw: str  # its line(s) as written, for the padding check (never shown)
    lines: tuple[int, ...] = ()  # every line that sets it
    unresolved: tuple[str, ...] = ()  # ${NAME} references no earlier line defines


@dataclass(frozen=True)
class ParsedEnv:
    entries: tuple[Entry, ...]
    findings: tuple[Finding, ...]  # lines python-dotenv skips; CR LF line endings


def parse_env(text: str) -> ParsedEnv:
    """The variables of `.env` text in the order they first appear, and what the parser skips."""
    # The bindings give lines and errors, dotenv_values the values python-dotenv would set.
    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    resolved: dict[str, str | None] = {}
    entries: dict[str, Entry] = {}
    findings: list[Finding] = []
    for b in parse_stream(io.StringIO(text)):
        if b.error:
            findings.append(_unparseable(b, values))
            continue
        if b.key is None:
            continue
        value, unresolved = _interpolate(b.value, resolved)
        resolved[b.key] = value
        earlier = entries.get(b.key)
        entries[b.key] = Entry(
            name=b.key,
            value=value or "",
            line=b.original.line,
            raw=b.original.string,
            lines=(earlier.lines if earlier else ()) + (b.original.line,),
            unresolved=unresolved,
        )
    if "\r\n" in text:
        findings.append(
            make(
                C.ENV_CRLF_LINE_ENDINGS,
                "Every line ends in CR LF; a CR left at the end of a value changes it "
                "(an HMAC secret then signs differently, a key no longer matches).",
            )
        )
    return ParsedEnv(tuple(entries.values()), tuple(findings))


def _interpolate(
    value: str | None, resolved: dict[str, str | None]
) -> tuple[str | None, tuple[str, ...]]:
    """The value with `${NAME}` filled from the earlier lines, and the names none defines."""
    if value is None or "${" not in value:
        return value, ()
    atoms = list(parse_variables(value))
    unresolved = tuple(
        a.name
        for a in atoms
        if isinstance(a, Variable) and a.name not in resolved and a.default is None
    )
    return "".join(a.resolve(resolved) for a in atoms), unresolved


def _unparseable(b: Binding, values: dict[str, str | None]) -> Finding:
    names = re.findall(r"(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=", b.original.string)
    first = b.original.line
    count = b.original.string.count("\n") or 1
    span = f"line {first}" if count == 1 else f"lines {first}-{first + count - 1}"
    lost = [n for n in names if n not in values]
    detail = f"{span}: python-dotenv cannot parse this and skips it"
    if lost:
        detail += f", so {', '.join(lost)} {'is' if len(lost) == 1 else 'are'} not set"
    return make(C.ENV_UNPARSEABLE_LINE, detail + ".")
