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


# ---------- flask inspect env ----------


@inspect_group.command("env")
@click.option(
    "--file",
    "file_",
    metavar="PATH",
    help="The .env file to check ('-' reads standard input). Default: INSPECTOR_ENV_FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
@click.option("--probe", is_flag=True, help="Also probe each database URL live.")
def env_command(file_: str | None, as_json: bool, probe: bool) -> None:
    """Cross-check a .env: exit 1 when an error-level finding is present (a deploy gate)."""
    from pathlib import Path

    from flask import current_app

    from inspector.envcheck import inspect_env

    timeout = float(current_app.config["INSPECTOR_PROBE_TIMEOUT"])
    if file_ == "-":
        text = click.get_text_stream("stdin").read()
        report = inspect_env(text, probe=probe, timeout=timeout)
    else:
        path = Path(file_ or current_app.config["INSPECTOR_ENV_FILE"])
        if not path.is_file():
            hint = "" if file_ else " (INSPECTOR_ENV_FILE); pass --file PATH"
            raise click.UsageError(f"no .env file at {path}{hint}")
        report = inspect_env(path=path, probe=probe, timeout=timeout)
    emit(report, as_json, _env_lines)


def _env_lines(report) -> list[str]:
    head = report.source + (f" (modified {report.modified})" if report.modified else "")
    lines = [head, report.summary(), ""]
    if report.findings:
        lines += finding_lines(report.findings)
        lines.append("")
    for v in report.variables:
        if not v.recognised and not v.findings:
            continue
        public = " [public]" if v.public else ""
        lines.append(f"{v.name}{public}: {v.description}  {v.masked}")
        lines += finding_lines(v.findings, indent="  ")
    return lines
