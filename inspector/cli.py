"""`flask inspect token|conn|env`: the same reports in a terminal, or as JSON.

Exit status: 1 when an error-level finding is present, 0 otherwise, 2 for usage errors (click's).
"""

from __future__ import annotations

import json

import click


@click.group("inspect")
def inspect_group() -> None:
    """Inspect a token, a connection string or a .env file."""


def emit(report, as_json: bool, text_lines) -> None:
    """Print the report (JSON or text) and exit 1 when it holds an error-level finding."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in text_lines(report):
            click.echo(line)
    raise SystemExit(1 if report.has_errors() else 0)


_SEVERITY_MARK = {"error": "✖ error  ", "warning": "▲ warning", "info": "ℹ info   "}


def finding_lines(findings, indent: str = "") -> list[str]:
    """A terminal rendering of findings, most severe first (the report already ordered them)."""
    lines = []
    for f in findings:
        d = f.to_dict() if hasattr(f, "to_dict") else f
        mark = _SEVERITY_MARK.get(d["severity"], d["severity"])
        lines.append(f"{indent}{mark} [{d['code']}] {d['title']}")
        if d.get("detail"):
            lines.append(f"{indent}    {d['detail']}")
        if d.get("fix"):
            lines.append(f"{indent}    fix: {d['fix']}")
    return lines
