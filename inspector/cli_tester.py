"""`inspector request` and `inspector mint`: the request tester and test tokens in a terminal.

Registered by inspector/cli.py beside `token`; the same exit statuses (0 no error-level finding,
1 one, 2 usage, 3 cannot start, 4 internal).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

# Light modules only: `inspector --help` loads this one (PyJWT loads with the commands' work).
from inspector.endpoint.targets import METHODS
from inspector.tokens.mint_codes import KINDS, MAX_LIFETIME


def _text_arg(value: str | None, param: str, *, stdin: bool = True) -> str | None:
    """'-' reads standard input, '@PATH' a file; anything else is the value itself."""
    if value is None:
        return None
    if stdin and value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {path}: {exc}", param_hint=param) from exc
    return value


# ---------- inspector request ----------


@click.command("request")
@click.argument("url", metavar="URL", required=False)
@click.option(
    "--token", metavar="T", required=True, help="The token to send ('-' stdin, '@PATH' a file)."
)
@click.option(
    "--method",
    type=click.Choice(METHODS, case_sensitive=False),
    default="GET",
    show_default=True,
)
@click.option(
    "--apikey",
    metavar="K",
    help="Sent as the apikey header. Without it, the configured publishable/anon key goes to "
    "its own project's URLs.",
)
@click.option(
    "--auth",
    "auth_check",
    is_flag=True,
    help="Ask Supabase Auth itself (GET <project>/auth/v1/user) instead of calling URL.",
)
@click.option("--key", metavar="KEY", help="Judge the token with this key too ('@PATH').")
@click.option("--audience", metavar="AUD", help="The audience the token is judged against.")
@click.option("--project", metavar="REF", help="https://<ref>.supabase.co, the ref, or a URL.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=30),
    default=None,
    help="Seconds for the whole request (default INSPECTOR_PROBE_TIMEOUT).",
)
@click.option("--ca", metavar="FILE", help="A CA file to trust for https (default: certifi).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
@with_appcontext
def request_command(
    url: str | None,
    token: str,
    method: str,
    apikey: str | None,
    auth_check: bool,
    key: str | None,
    audience: str | None,
    project: str | None,
    timeout: float | None,
    ca: str | None,
    as_json: bool,
) -> None:
    """Send TOKEN to URL as a client does and explain the answer: exit 1 when the server
    rejects it (an error-level finding)."""
    from flask import current_app

    from inspector import netpolicy
    from inspector.cli import emit
    from inspector.endpoint import ask_auth
    from inspector.endpoint import service as endpoint

    if not url and not auth_check:
        raise click.UsageError("give the URL to call, or --auth to ask Supabase Auth")
    if url and auth_check:
        raise click.UsageError("--auth asks the project's Auth: give no URL with it")
    if ca is not None and not Path(ca).is_file():
        raise click.BadParameter(f"no file at {ca}", param_hint="--ca")
    kwargs = dict(
        apikey=apikey,
        project_config=_project_config(current_app.config),
        key=_text_arg(key, "--key", stdin=False),
        audience=audience,
        project=project,
        policy=netpolicy.from_settings(current_app.config),
        timeout=timeout or float(current_app.config["INSPECTOR_PROBE_TIMEOUT"]),
        cafile=ca,
    )
    text = _text_arg(token, "--token") or ""
    if auth_check:
        report = ask_auth(text, **kwargs)
    else:
        report = endpoint.test_request(url or "", text, method=method.upper(), **kwargs)
    emit(report, as_json, _request_lines)


def _project_config(config):
    from inspector.configured import configured_allowed, configured_values
    from inspector.endpoint import ProjectConfig

    if not configured_allowed(config):
        return ProjectConfig()
    return ProjectConfig.from_values(configured_values(config.get("INSPECTOR_ENV_FILE")))


def _request_lines(report) -> list[str]:
    from inspector.cli import finding_lines

    req, resp = report.request, report.response
    lines = [f"{report.outcome_label.upper()}: {req.method} {req.url or '(no URL)'}"]
    lines.append(f"  {req.target_words}" + ("" if req.sent else " - nothing was sent"))
    for name, value in req.headers.items():
        lines.append(f"  sent {name}: {value}")
    if resp is not None:
        lines.append("")
        lines.append(f"{resp.status} {resp.reason} in {resp.ms:.0f} ms from {resp.address}")
        for name, value in resp.headers.items():
            lines.append(f"  {name}: {value}")
        if resp.body_excerpt:
            cut = " (cut)" if resp.excerpt_cut or resp.truncated else ""
            lines.append(f"body{cut}:")
            lines += ["  " + ln for ln in resp.body_excerpt.splitlines()[:40]]
    lines.append("")
    lines += finding_lines(report.findings)
    sig = report.token.signature
    lines.append("")
    lines.append(
        f"the token here: {report.token.kind_label}; signature {sig.status} - {sig.detail}"
    )
    for m in report.explained:
        lines.append(f"explainer: [{m['code']}] {m['title']}")
    return lines


# ---------- inspector mint ----------


@click.command("mint")
@click.argument("kind", type=click.Choice(KINDS), default="user", required=False)
@click.option(
    "--key", metavar="KEY", help="JWT secret, PEM private key, private JWK/JWKS ('@PATH')."
)
@click.option(
    "--configured-secret",
    "configured_secret",
    is_flag=True,
    help="Sign with SUPABASE_JWT_SECRET from the configured .env (local mode).",
)
@click.option("--alg", metavar="ALG", help="Only where the key allows several (HS384, PS256...).")
@click.option("--kid", metavar="KID", help="The key's id, written in the header.")
@click.option("--project", metavar="REF", help="Sets iss (user token) or ref (API keys).")
@click.option("--sub", metavar="ID")
@click.option("--email", metavar="EMAIL")
@click.option("--session-id", "session_id", metavar="ID")
@click.option("--audience", metavar="AUD", help='Default "authenticated".')
@click.option("--role", metavar="ROLE", help='Default "authenticated" (user tokens).')
@click.option(
    "--lifetime",
    type=click.IntRange(-MAX_LIFETIME, MAX_LIFETIME),
    default=None,
    help="Seconds (user 3600, API keys 10 years); negative: already expired.",
)
@click.option("--claims", metavar="JSON", help="Claims merged over the made ones ('@PATH').")
@click.option("--token", metavar="T", help="resign: the token to re-sign ('-' stdin, '@PATH').")
@click.option("--endpoint", metavar="URL", help="For the curl line that calls it with the token.")
@click.option("--quiet", is_flag=True, help="Print only the token.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as api.md's JSON.")
@with_appcontext
def mint_command(
    kind: str,
    key: str | None,
    configured_secret: bool,
    alg: str | None,
    kid: str | None,
    project: str | None,
    sub: str | None,
    email: str | None,
    session_id: str | None,
    audience: str | None,
    role: str | None,
    lifetime: int | None,
    claims: str | None,
    token: str | None,
    endpoint: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Sign a test token (user, anon, service_role) or re-sign one (resign --token T --claims
    JSON), and inspect it with its key: exit 1 when it cannot be made."""
    from flask import current_app

    from inspector.cli import EXIT_ERROR_FINDING, EXIT_OK, emit
    from inspector.configured import configured_values
    from inspector.tokens.mint import mint_token

    cfg = current_app.config
    if cfg["INSPECTOR_MODE"] != "local" and not cfg.get("INSPECTOR_ALLOW_MINT"):
        raise click.UsageError("minting is off on a shared site (INSPECTOR_ALLOW_MINT)")
    secret = None
    if configured_secret:
        if cfg["INSPECTOR_MODE"] != "local":
            raise click.UsageError("a shared site never signs with its own SUPABASE_JWT_SECRET")
        secret = configured_values(cfg.get("INSPECTOR_ENV_FILE")).get("SUPABASE_JWT_SECRET")
        if not secret:
            raise click.UsageError("no SUPABASE_JWT_SECRET in the configured .env")
    if kind == "resign" and not token:
        raise click.UsageError("resign needs --token")
    report = mint_token(
        kind,
        key=_text_arg(key, "--key", stdin=False),
        configured_secret=secret,
        alg=alg,
        kid=kid,
        project=project,
        sub=sub,
        email=email,
        session_id=session_id,
        audience=audience,
        role=role,
        lifetime=lifetime,
        claims=_text_arg(claims, "--claims", stdin=False),
        token=_text_arg(token, "--token"),
        endpoint=endpoint,
    )
    if quiet and not as_json:
        if report.token:
            click.echo(report.token)
        raise SystemExit(EXIT_ERROR_FINDING if report.has_errors() else EXIT_OK)
    emit(report, as_json, _mint_lines)


def _mint_lines(report) -> list[str]:
    import json

    from inspector.cli import finding_lines

    lines = [report.token] if report.token else []
    lines.append("")
    lines += finding_lines(report.findings)
    if report.inspection is not None:
        sig = report.inspection.signature
        lines.append("")
        lines.append(f"{report.inspection.kind_label}; signature {sig.status} - {sig.detail}")
        lines.append(f"header: {json.dumps(report.header, ensure_ascii=False)}")
        lines.append(f"claims: {json.dumps(report.claims, ensure_ascii=False)}")
    if report.curl:
        lines.append("")
        lines.append("curl:")
        lines += ["  " + ln for ln in report.curl.splitlines()]
    return lines
