"""The token page `/token` and its JSON twin `POST /api/v1/token`.

Both parse their input, call `inspect_token` once and render the same report. The key is never
sent back into the page (the report describes it); a JWKS URL is the only key echoed.
"""

from __future__ import annotations

import json
import math

from flask import Blueprint, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from inspector import supabase
from inspector.configured import configured_values
from inspector.tokens import MAX_LEEWAY, TokenReport, inspect_token, needs_fetch
from inspector.tokens.classify import KIND_LABELS
from inspector.web import api
from inspector.web.limits import ProbeCapacityError, current_policy, probe_slot, probe_timeout

bp = Blueprint("token", __name__)

SECRET_KINDS = frozenset(
    {
        "supabase_secret_key",
        "supabase_refresh_token",
        "supabase_access_token_personal",
        "jwt_secret",
        "connection_string",
        "unknown",
    }
)


class TokenForm(FlaskForm):
    token = TextAreaField(
        "Token",
        description="A JWT, an Authorization header, a curl command, a JSON blob with "
        "access_token, an auth cookie value, or an API key.",
    )
    key = TextAreaField(
        "Key (optional)",
        description="The JWT secret, a PEM public key or certificate, a JWK or JWKS, or a JWKS "
        "URL. Never shown again.",
    )
    audience = StringField(
        "Expected audience (optional)", description='Supabase user tokens: "authenticated".'
    )
    project = StringField(
        "Project (optional)", description="https://<ref>.supabase.co or the 20-letter ref."
    )
    leeway = FloatField(
        "Leeway in seconds (optional)",
        validators=[Optional(), NumberRange(min=0, max=MAX_LEEWAY)],
        description="Clock skew to allow on exp, nbf and iat, as jwt.decode(leeway=...).",
    )
    use_configured_secret = BooleanField(
        "Verify with the configured SUPABASE_JWT_SECRET (or SUPABASE_URL's JWKS)",
        description="From the .env this inspector reads; the value is never shown. ES256/RS256 "
        "tokens are checked against the configured project's JWKS.",
    )


class ConfiguredSecretRefusedError(Exception):
    """Shared mode without INSPECTOR_ALLOW_CONFIGURED_SECRETS: the server's secret stays unused."""


def configured_allowed() -> bool:
    cfg = current_app.config
    return cfg["INSPECTOR_MODE"] == "local" or bool(cfg["INSPECTOR_ALLOW_CONFIGURED_SECRETS"])


def _configured() -> tuple[str | None, str | None]:
    """(SUPABASE_JWT_SECRET, the JWKS URL of SUPABASE_URL's project) from the configured env."""
    values = configured_values(current_app.config.get("INSPECTOR_ENV_FILE"))
    jwks_url = supabase.jwks_url_of_project(values.get("SUPABASE_URL"))
    return values.get("SUPABASE_JWT_SECRET") or None, jwks_url


def configured_secret_available() -> bool:
    return configured_allowed() and any(_configured())


def _configured_secret(requested: bool) -> tuple[str | None, str | None]:
    """(secret, JWKS URL) when asked for; secret '' = asked, none configured."""
    if not requested:
        return None, None
    if not configured_allowed():
        raise ConfiguredSecretRefusedError(
            "this shared site does not verify with its own SUPABASE_JWT_SECRET "
            "(INSPECTOR_ALLOW_CONFIGURED_SECRETS is off): paste the key instead"
        )
    secret, jwks_url = _configured()
    return secret or "", jwks_url


def run_inspection(
    token: str,
    key: str | None,
    audience: str | None,
    project: str | None,
    leeway: float | None,
    configured_secret: str | None,
    configured_jwks_url: str | None = None,
) -> TokenReport:
    """inspect_token with this site's probe policy; a JWKS URL takes a probe slot."""
    kwargs = dict(
        key=key or None,
        audience=audience or None,
        project=project or None,
        leeway=leeway or 0,
        configured_secret=configured_secret,
        configured_jwks_url=configured_jwks_url,
        policy=current_policy(),
        fetch_timeout=min(probe_timeout(None), 5.0),
    )
    if configured_jwks_url or needs_fetch(key):
        with probe_slot():
            return inspect_token(token, **kwargs)
    return inspect_token(token, **kwargs)


def _render(form: TokenForm, report: TokenReport | None, status: int = 200):
    # The key is described by the report, never repeated; a URL (fetched) is not a secret.
    if not needs_fetch(form.key.data):
        form.key.data = ""
    # A secret pasted into the token box (an sb_secret_ key, a JWT secret, a connection string
    # with its password...) is not sent back either: the report says what it was. Not inspected
    # (another field failed validation): judged all the same (offline: no key is used).
    if report is None and (form.token.data or "").strip():
        kind = inspect_token(form.token.data).kind
    else:
        kind = report.kind if report is not None else None
    if kind in SECRET_KINDS:
        form.token.data = ""
    return (
        render_template(
            "token/page.html",
            form=form,
            report=report,
            kind_labels=KIND_LABELS,
            show_configured=configured_secret_available(),
        ),
        status,
    )


def _inspect_form(form: TokenForm) -> TokenReport:
    try:
        configured = _configured_secret(bool(form.use_configured_secret.data))
    except ConfiguredSecretRefusedError as exc:
        form.use_configured_secret.errors = [str(exc)]
        configured = (None, None)
    args = (
        form.token.data or "",
        form.key.data,
        form.audience.data,
        form.project.data,
        form.leeway.data,
        *configured,
    )
    try:
        return run_inspection(*args)
    except ProbeCapacityError as exc:
        form.key.errors = [str(exc)]
        return run_inspection(args[0], None, *args[2:5], configured[0])


@bp.route("/token", methods=["GET", "POST"])
def page():
    form = TokenForm()
    report = None
    if form.validate_on_submit():
        report = _inspect_form(form)
        # "Verify with the project's JWKS" button: re-run with the derived URL as the key.
        if request.form.get("fetch_jwks") and report.jwks_url and not (form.key.data or "").strip():
            form.key.data = report.jwks_url
            report = _inspect_form(form)
    return _render(form, report)


def render_from_paste(text: str):
    """The home page's paste box sent a token here: inspect it and show this page."""
    form = TokenForm(formdata=None, data={"token": text})
    return _render(form, _inspect_form(form))


@api.bp.post("/token")
def api_token():
    data = api.json_body()
    token = api.field(data, "token", required=True)
    key = api.field(data, "key")
    audience = api.field(data, "audience")
    project = api.field(data, "project")
    leeway = api.field(data, "leeway", (int, float))
    if leeway is not None and (not math.isfinite(leeway) or not 0 <= leeway <= MAX_LEEWAY):
        raise api.BadRequestError(f"the field 'leeway' must be between 0 and {MAX_LEEWAY}")
    requested = bool(api.field(data, "use_configured_secret", bool))
    try:
        configured = _configured_secret(requested)
    except ConfiguredSecretRefusedError as exc:
        raise api.BadRequestError(str(exc), status=403, code="forbidden") from exc
    try:
        report = run_inspection(token, key, audience, project, leeway, *configured)
    except ProbeCapacityError as exc:
        raise api.BadRequestError(str(exc), status=503, code="busy") from exc
    # Serialised here rather than by jsonify: no key sorting (the report's order is the
    # contract's order), a third of the cost on the hot path.
    body = json.dumps(report.to_dict(), separators=(",", ":"), default=str)
    return current_app.response_class(body, mimetype="application/json")
