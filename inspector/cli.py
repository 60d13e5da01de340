"""`inspector token|conn|env|serve`: the reports in a terminal, or as JSON; and the local site.

The same commands are `flask inspect ...` (one set of command objects, two groups).
Exit status: the EXIT_* constants below (the README's command-line section documents them).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, NoReturn

import click
from flask.cli import ScriptInfo, with_appcontext

from inspector.tokens.rules import MAX_LEEWAY  # light: PyJWT loads with inspect_token
from inspector.vocabulary import look

if TYPE_CHECKING:
    from flask import Flask

# What the exit status means; a CI job gates on 1, and no other failure may look like it.
EXIT_OK = 0  # no error-level finding
EXIT_ERROR_FINDING = 1  # the report holds an error-level finding
EXIT_USAGE = 2  # click's own: a missing argument, a bad option, an unreadable --key file
EXIT_CANNOT_START = 3  # the configuration cannot work (also wsgi.py's, gunicorn's "no boot")
EXIT_INTERNAL = 4  # the inspector itself failed

_EPILOG = (
    "Exit status: 0 no error-level finding, 1 the report holds an error-level finding, "
    "2 usage error, 3 cannot start (bad configuration), 4 the inspector itself failed."
)


class CannotStart(click.ClickException):
    """The configuration (INSPECTOR_*, .env) cannot work, or the site cannot listen."""

    exit_code = EXIT_CANNOT_START

    def show(self, file: Any = None) -> None:
        click.echo(f"inspector: cannot start: {self.format_message()}", err=True)


# click's own endings (usage errors, --help, Ctrl+C, a closed pipe): click reports them.
_CLICKS_OWN = (click.ClickException, click.exceptions.Exit, click.Abort, EOFError, BrokenPipeError)


class _Group(click.Group):
    """A group whose commands never end in a traceback.

    A bad configuration exits 3 with its one-line reason; any other exception exits 4 with its
    type only: its message or a traceback could quote the input (a token, a password).
    """

    def invoke(self, ctx: click.Context) -> Any:
        from inspector.errors import ConfigError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise CannotStart(str(exc)) from None
        except _CLICKS_OWN:
            raise
        except Exception as exc:
            click.echo(f"inspector: internal error: {type(exc).__name__}", err=True)
            ctx.exit(EXIT_INTERNAL)


def app_from_environment() -> Flask:
    """The app `make run` serves: the app's own settings of the `.env` (found from the working
    directory up) in the environment, real variables winning; then create_app()."""
    from inspector import create_app
    from inspector.startup import load_settings

    load_settings()
    return create_app()


@click.group("inspector", cls=_Group, epilog=_EPILOG)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Why does my Supabase JWT auth or my Postgres connection fail?"""
    # The app is made when a command first needs it (with_appcontext), so --help always works.
    # A caller (a test) may pass its own ScriptInfo as obj.
    if ctx.find_object(ScriptInfo) is None:
        ctx.obj = ScriptInfo(create_app=app_from_environment, set_debug_flag=False)


@click.group("inspect", cls=_Group, epilog=_EPILOG)
def inspect_group() -> None:
    """Inspect a token, a connection string or a .env file."""


def emit(report, as_json: bool, text_lines) -> NoReturn:
    """Print the report (JSON or text) and exit 1 when it holds an error-level finding."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in text_lines(report):
            click.echo(line)
    raise SystemExit(EXIT_ERROR_FINDING if report.has_errors() else EXIT_OK)


# The findings are written once for every face, in the pages' words ("paste it in the Key box");
# a terminal says the option instead. The one table of those words.
_FIELD_OPTIONS = {
    "Key box": ("--key", "with --key"),
    "Token box": ("TOKEN", "as the TOKEN argument"),
    "Project box": ("--project", "with --project"),
    "apikey box": ("--apikey", "with --apikey"),
    "password field": ("--password", "with --password"),
    "CA field": ("--ca", "with --ca FILE"),
}
_FIELDS = "|".join(re.escape(f) for f in _FIELD_OPTIONS)
_VERB_WHAT_FIELD = re.compile(
    rf"\b(?P<verb>[Pp]aste|[Tt]ype) (?P<what>\S+(?: \S+){{0,7}}?) in the (?P<field>{_FIELDS})\b"
)
_IN_FIELD = re.compile(rf"\bin the (?P<field>{_FIELDS})\b")
_FIELD_HOLDS = re.compile(rf"\bThe (?P<field>{_FIELDS}) holds\b")


def for_terminal(text: str) -> str:
    """A finding's text with the pages' fields named as this command's options: "Paste the key
    in the Key box" -> "Pass the key with --key"; the page's button is not here."""
    text = text.replace(" (or use the button)", "")
    text = _FIELD_HOLDS.sub(lambda m: f"{_FIELD_OPTIONS[m['field']][0]} holds", text)
    text = _VERB_WHAT_FIELD.sub(
        lambda m: (
            ("P" if m["verb"][0].isupper() else "p")
            + f"ass {m['what']} {_FIELD_OPTIONS[m['field']][1]}"
        ),
        text,
    )
    return _IN_FIELD.sub(lambda m: _FIELD_OPTIONS[m["field"]][1], text)


def finding_lines(findings, indent: str = "") -> list[str]:
    """A terminal rendering of findings, most severe first (the report already ordered them)."""
    lines = []
    for f in findings:
        d = f.to_dict() if hasattr(f, "to_dict") else f
        mark = f"{look(d['severity'])[1]} {d['severity']:<7}"
        lines.append(f"{indent}{mark} [{d['code']}] {for_terminal(d['title'])}")
        if d.get("detail"):
            lines.append(f"{indent}    {for_terminal(d['detail'])}")
        if d.get("fix"):
            lines.append(f"{indent}    fix: {for_terminal(d['fix'])}")
    return lines


def headline_lines(
    status: str, text: str, detail: str | None, fix: str | None, code: str | None
) -> list[str]:
    """The answer first, as the page heads it: the report's headline; `status` (a status word
    or a tone) picks its mark."""
    lines = [f"{look(status, 'info')[1]} {for_terminal(text)}" + (f"  [{code}]" if code else "")]
    if detail:
        lines.append(f"    {for_terminal(detail)}")
    if fix:
        lines.append(f"    fix: {for_terminal(fix)}")
    return lines


# ---------- inspector env ----------


@click.command("env")
@click.option(
    "--file",
    "file_",
    metavar="PATH",
    help="The .env file to check ('-' reads standard input). Default: INSPECTOR_ENV_FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
@click.option("--probe", is_flag=True, help="Also probe each database URL live.")
@with_appcontext
def env_command(file_: str | None, as_json: bool, probe: bool) -> None:
    """Cross-check a .env: exit 1 when an error-level finding is present (a deploy gate)."""
    from pathlib import Path

    from flask import current_app

    from inspector.env import inspect_env

    timeout = float(current_app.config["INSPECTOR_PROBE_TIMEOUT"])
    if file_ == "-":
        with click.open_file("-") as stdin:
            text = stdin.read()
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
    for v in report.listed_variables:
        public = " [public]" if v.public else ""
        lines.append(f"{v.name}{public}: {v.description}  {v.masked}")
        lines += finding_lines(v.findings, indent="  ")
    return lines


# ---------- inspector token ----------


@click.command("token")
@click.argument("token", metavar="TOKEN")
@click.option(
    "--key",
    metavar="KEY",
    help="HMAC secret, PEM public key or certificate, JWK/JWKS JSON, or a JWKS URL "
    "('@PATH' reads a file).",
)
@click.option("--audience", metavar="AUD", help='The audience to expect, e.g. "authenticated".')
@click.option("--project", metavar="REF", help="https://<ref>.supabase.co or the 20-letter ref.")
@click.option(
    "--leeway",
    type=click.FloatRange(min=0, max=MAX_LEEWAY),
    default=0,
    show_default=True,
    help="Seconds of clock skew to allow on exp, nbf and iat.",
)
@click.option(
    "--discover/--no-discover",
    default=None,
    help="With no --key, fetch the issuer's published keys (its JWKS, or through its OpenID "
    "configuration). Default: INSPECTOR_DISCOVER_KEYS (on).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
@with_appcontext
def token_command(
    token: str,
    key: str | None,
    audience: str | None,
    project: str | None,
    leeway: float,
    discover: bool | None,
    as_json: bool,
) -> None:
    """Decode, classify and verify TOKEN ('-' reads standard input): exit 1 on an error finding."""
    import sys
    from pathlib import Path

    from flask import current_app

    from inspector.tokens import inspect_token

    if token == "-":
        token = sys.stdin.read()
    if key and key.startswith("@"):
        path = Path(key[1:])
        try:
            key = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--key") from exc
    from inspector import netpolicy

    timeout = min(float(current_app.config["INSPECTOR_PROBE_TIMEOUT"]), 5.0)
    if discover is None:
        discover = bool(current_app.config["INSPECTOR_DISCOVER_KEYS"])
    report = inspect_token(
        token,
        key=key,
        audience=audience,
        project=project,
        leeway=leeway,
        fetch_timeout=timeout,
        policy=netpolicy.from_settings(current_app.config),
        discover=discover,
        public_secrets=True,
    )
    emit(report, as_json, _token_lines)


def _token_lines(report) -> list[str]:
    import json

    sig = report.signature
    h = report.headline
    lines = headline_lines(h.tone, h.text, h.detail, h.fix, h.code)
    lines.append(f"{report.kind_label}  [{report.kind}]")
    if report.project_ref:
        lines.append(f"project: {report.project_ref}")
    if report.removed:
        lines.append("cleaned: removed " + "; ".join(report.removed))
    lines.append(f"{look(sig.status)[1]} signature: {report.signature_label} - {sig.detail}")
    if sig.key:
        lines.append(f"key: {sig.key}" + (f" (verified as {sig.key_used})" if sig.key_used else ""))
    found = report.discovery
    if found is not None:
        cached = " (cached)" if found.cached else ""
        where = f"{found.jwks_url}{cached}" if found.status == "found" else found.detail
        lines.append(f"keys found: {where}" if found.status == "found" else f"keys: {where}")
    if report.key_state is not None:
        lines.append(f"signing keys: {report.key_state.state.replace('_', ' ')}")
    if report.clock is not None:
        lines.append(f"clock: {report.clock.words} ({report.clock.how})")
    lines.append("")
    if report.findings_after_headline:
        lines += finding_lines(report.findings_after_headline)
        lines.append("")
    label = "" if report.verified else " (unverified)"
    if report.header is not None:
        lines.append(f"header{label}: {json.dumps(report.header, ensure_ascii=False)}")
    if report.claims is not None:
        lines.append(f"claims{label}:")
        for name, value in report.claims.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"  {name}: {shown}")
            when = report.times.get(name)
            if when:
                lines.append(f"      {when['iso']} ({when['relative']})")
            note = report.claim_notes.get(name)
            if note:
                lines.append(f"      {note}")
    if report.lifetime_text:
        default = report.default_lifetime_text
        lines.append(
            f"lifetime: {report.lifetime_text}"
            + (f" (Supabase default for this kind: {default})" if default else "")
        )
    lines.append("")
    lines.append("python:")
    lines += ["  " + ln for ln in report.snippets["python"].splitlines()]
    if report.snippets.get("curl"):
        lines.append("curl:")
        lines += ["  " + ln for ln in report.snippets["curl"].splitlines()]
    return lines


# ---------- inspector conn ----------


@click.command("conn")
@click.argument("url", metavar="URL")
@click.option("--password", metavar="P", help="Replaces the password (or [YOUR-PASSWORD]).")
@click.option(
    "--driver",
    # connections.DRIVERS, written out: importing it would load every driver at start-up.
    type=click.Choice(
        ["auto", "psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg"]
        + ["node_postgres", "postgresjs", "drizzle_postgresjs", "drizzle_node_postgres"]
        + ["prisma", "prisma7", "psycopg3", "pgx", "jdbc", "npgsql"]
    ),
    default="auto",
    show_default=True,
    help="The driver your app uses (its own parser judges the string).",
)
@click.option(
    "--ca",
    metavar="FILE",
    default="certifi",
    show_default=True,
    help="CA to trust: 'certifi', 'system', or a PEM file (e.g. prod-ca-2021.crt).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=30),
    default=None,
    help="Seconds for the whole live diagnosis (default INSPECTOR_PROBE_TIMEOUT).",
)
@click.option("--no-probe", is_flag=True, help="Static checks only: send nothing.")
@click.option(
    "--reveal",
    is_flag=True,
    help="Print the suggested strings with the password in (percent-encoded), to copy.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
@with_appcontext
def conn_command(
    url: str,
    password: str | None,
    driver: str,
    ca: str,
    timeout: float | None,
    no_probe: bool,
    reveal: bool,
    as_json: bool,
) -> None:
    """Diagnose the connection string URL ('-' reads standard input): exit 1 on an error finding."""
    import sys
    from pathlib import Path

    from flask import current_app

    from inspector import netpolicy
    from inspector.connections import inspect_connection

    if url == "-":
        url = sys.stdin.read()
    if ca not in ("certifi", "system"):
        try:
            ca = Path(ca).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {ca}: {exc}", param_hint="--ca") from exc
    report = inspect_connection(
        url,
        password=password,
        driver=driver,
        ca=ca,
        timeout=timeout or float(current_app.config["INSPECTOR_PROBE_TIMEOUT"]),
        probe=not no_probe,
        policy=netpolicy.from_settings(current_app.config),
    )
    if reveal:  # asked for in this terminal: the strings as they will be pasted
        from dataclasses import replace

        strings, code = report.revealed()
        report = replace(report, suggested=strings, snippets=code)
    emit(report, as_json, _conn_lines)


def _conn_lines(report) -> list[str]:
    d = report.to_dict()
    h = report.headline
    lines = headline_lines(h.status, h.title, h.summary, h.fix, h.code)
    lines.append("")
    lines.append(f"string:    {d['parsed']['masked']}")
    lines.append(
        f"host kind: {d['host_kind']}"
        + (f"  (project {d['project_ref']})" if d["project_ref"] else "")
    )
    lines.append(f"driver:    {d['driver']}")
    if d["steps"]:
        lines.append("")
        lines.append("steps:")
        for s in d["steps"]:
            mark = look(s["status"])[1]
            ms = "" if s["status"] == "skipped" else f"{s['ms']:8.1f} ms"
            lines.append(f"  {mark} {s['name']:<16}{ms:>11}  {s['detail']}")
    tls = d.get("tls")
    if tls:
        lines.append("")
        lines.append(f"tls: {tls.get('version')} {tls.get('cipher') or ''}")
        for c in tls["chain"]:
            lines.append(f"  cert: {c['subject']}  issued by {c['issuer']}")
            lines.append(f"        {c['not_before']} -> {c['not_after']}; {', '.join(c['sans'])}")
        for s in tls["stores"]:
            ok = (
                "verify-full ok"
                if s["verify_full"]
                else ("verify-ca ok" if s["verify_ca"] else "fails")
            )
            lines.append(f"  {s['store']}: {ok} ({s['reason']})")
    if report.findings_after_headline:
        lines.append("")
        lines += finding_lines(report.findings_after_headline)
    lines.append("")
    lines.append("suggested:")
    proofs = d["suggested_proof"]
    for name, value in d["suggested"].items():
        proof = proofs.get(name) or {"status": "not_tried", "detail": ""}
        failed = " (failed just now: not a fix)" if proof["status"] == "failed" else ""
        lines.append(f"  {name}{failed}: {value}")
        if proof["detail"]:
            lines.append(f"      {look(proof['status'])[1]} {proof['detail']}")
    if report.suggested_note:
        lines.append(f"  {report.suggested_note}")
    return lines


# ---------- inspector explain ----------


@click.command("explain")
@click.argument("text", metavar="TEXT")
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
def explain_command(text: str, as_json: bool) -> None:
    """Explain an error message, log or traceback (TEXT, '-' reads standard input, e.g.
    `python app.py 2>&1 | inspector explain -`): exit 1 when a known error is found."""
    from inspector.explain import MAX_TEXT, explain

    if text == "-":
        with click.open_file("-", "rb") as stdin:
            text = read_both_ends(stdin, MAX_TEXT)
    emit(explain(text), as_json, _explain_lines)


def read_both_ends(stream: Any, limit: int) -> str:
    """A stream as text (undecodable bytes replaced): all of it when it holds `limit` characters
    or fewer, else its first and last `limit // 2` (a long log stays bounded in memory)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    half = limit // 2
    head, tail, total = "", "", 0
    while True:
        chunk = stream.read(65536)
        text = decoder.decode(chunk or b"", final=not chunk)
        total += len(text)
        if len(head) < half:
            head, text = head + text[: half - len(head)], text[half - len(head) :]
        tail = (tail + text)[-half:]
        if not chunk:
            break
    return head + tail if total <= limit else f"{head}\n…\n{tail}"


def _explain_lines(report) -> list[str]:
    lines = []
    for m in report.matches:
        lines.append(f"{'✖' if report.recognised else 'ℹ'} [{m.code}] {m.title}")
        if report.recognised:
            lines.append(f"    from:  {m.source_label} ({m.source})")
        if m.excerpt:
            lines.append(f"    seen:  {m.excerpt}")
        lines.append(f"    cause: {m.cause}")
        lines.append(f"    fix:   {m.fix}")
        if m.next is not None:
            lines.append(f"    next:  {_next_command(m.next, report)}")
        lines.append("")
    found = [f"  {t.kind_label}: {t.masked}" for t in report.tokens]
    found += [f"  connection string ({s.host_kind}): {s.masked}" for s in report.connection_strings]
    if found:
        lines += ["found in the text:", *found, ""]
    lines += finding_lines(report.notes)
    return lines


def _next_command(n, report) -> str:
    """The command to run next; a token is named by its masked form (this may be a CI log)."""
    if n.page == "connection":
        if not n.input:
            return "inspector conn URL"
        has_password = any(s.has_password for s in report.connection_strings if s.masked == n.input)
        return f"inspector conn '{n.input}'" + (" --password PASSWORD" if has_password else "")
    masked = next((t.masked for t in report.tokens if t.next and t.next.input == n.input), None)
    return "inspector token TOKEN" + (f"  (the token {masked} in the text)" if masked else "")


# ---------- inspector serve ----------


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. The local site is for this machine: keep the default.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int) -> None:
    """Serve the local site, as `make run` does (Werkzeug's server; shared mode: gunicorn)."""
    from werkzeug.serving import make_server

    app = ctx.ensure_object(ScriptInfo).load_app()
    try:
        server = make_server(host, port, app, threaded=True)
    except SystemExit:  # Werkzeug has printed why (e.g. the port is in use)
        raise CannotStart(f"cannot listen on {host}:{port}") from None
    server.log_startup()
    click.echo("Press CTRL+C to quit", err=True)
    server.serve_forever()  # returns on Ctrl+C


from inspector.cli_tester import mint_command, request_command  # noqa: E402 (light imports)

for _command in (
    token_command,
    conn_command,
    env_command,
    explain_command,
    serve_command,
    request_command,
    mint_command,
):
    main.add_command(_command)
    inspect_group.add_command(_command)
