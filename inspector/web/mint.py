"""Test tokens: the "make a token" panel (`POST /token/mint`) and `POST /api/v1/mint`.

Local mode only, unless INSPECTOR_ALLOW_MINT turns it on for a shared site (404 otherwise); a
shared site never signs with its configured SUPABASE_JWT_SECRET. The minted token opens in the
token page at once, with its report (it verifies with the key it was signed with) and the curl
line that calls the endpoint with it. The key is never shown again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, g, request
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from inspector.configured import configured_values
from inspector.errors import ApiError, ConfiguredSecretRefusedError
from inspector.tokens.decode import decode_jwt
from inspector.tokens.mint import KINDS, MAX_LIFETIME, MintReport, mint_token
from inspector.web import api
from inspector.web import token as token_view

bp = Blueprint("mint", __name__)
PREFIX = "mint-"  # the panel shares the page with the token form: its own names and ids
LOAD_CLAIMS = "load_claims"
MINT_REFUSED_MESSAGE = (
    "a shared site never signs with its own SUPABASE_JWT_SECRET (whatever its settings): "
    "paste a key instead"
)
KIND_CHOICES = [
    ("user", "User token (role authenticated)"),
    ("anon", "anon key"),
    ("service_role", "service_role key"),
    ("resign", "Re-sign the token below with edited claims"),
]


def mint_allowed() -> bool:
    cfg = current_app.config
    return cfg["INSPECTOR_MODE"] == "local" or bool(cfg.get("INSPECTOR_ALLOW_MINT"))


class MintForm(FlaskForm):
    """The panel's fields, names prefixed (PREFIX). The form's CSRF token is the site's usual
    `csrf_token` field, which CSRFProtect checks on every POST."""

    class Meta:
        csrf = False

    kind = SelectField(
        "What to make",
        choices=[SelectChoice(v, label) for v, label in KIND_CHOICES],
        default="user",
    )
    key = TextAreaField(
        "Signing key",
        description="The JWT secret (HS256), or a private key: PEM or a private JWK/JWKS "
        "(ES256/RS256). Never shown again.",
    )
    use_configured_secret = BooleanField("Sign with the configured SUPABASE_JWT_SECRET")
    kid = StringField("kid (optional)", description="The signing key's id, for JWKS verifiers.")
    project = StringField(
        "Project (optional)",
        description="https://<ref>.supabase.co or the ref: sets iss (user) or ref (API keys).",
    )
    sub = StringField("sub (optional)", description="The user's id; a new UUID when empty.")
    email = StringField("email (optional)")
    lifetime = IntegerField(
        "Lifetime in seconds (optional)",
        validators=[Optional(), NumberRange(min=-MAX_LIFETIME, max=MAX_LIFETIME)],
        description="User tokens 3600, API keys 10 years; negative: already expired.",
    )
    claims = TextAreaField(
        "Claims (JSON, optional)",
        description="Merged over the claims made; for a re-sign, the token's whole payload.",
    )
    token = TextAreaField("Token to re-sign", description="Only for a re-sign.")
    endpoint = StringField(
        "Your endpoint (optional)", description="For the curl line that calls it with the token."
    )


@dataclass
class Panel:
    """What templates/token/_mint.html shows."""

    form: MintForm
    report: MintReport | None = None
    configured: bool = False  # offer "sign with the configured secret" (local, one configured)


@bp.app_template_global("mint_panel")
def mint_panel() -> Panel | None:
    """The panel of this request (None where minting is off)."""
    if not mint_allowed():
        return None
    panel = g.get("mint_panel") or Panel(MintForm(formdata=None, prefix=PREFIX))
    panel.configured = current_app.config["INSPECTOR_MODE"] == "local" and bool(
        configured_values(current_app.config.get("INSPECTOR_ENV_FILE")).get("SUPABASE_JWT_SECRET")
    )
    return panel


def _configured_secret(requested: bool) -> str | None:
    if not requested:
        return None
    if current_app.config["INSPECTOR_MODE"] != "local":
        raise ConfiguredSecretRefusedError(MINT_REFUSED_MESSAGE)
    values = configured_values(current_app.config.get("INSPECTOR_ENV_FILE"))
    return values.get("SUPABASE_JWT_SECRET") or ""


def run_mint(kind: str, *, use_configured_secret: bool = False, **fields: object) -> MintReport:
    """mint_token with this site's rules for the configured secret (a shared site:
    ConfiguredSecretRefusedError, 403, even with INSPECTOR_ALLOW_CONFIGURED_SECRETS)."""
    secret = _configured_secret(use_configured_secret)
    return mint_token(kind, configured_secret=secret, **fields)  # type: ignore[arg-type]


@bp.post("/token/mint")
def page():
    if not mint_allowed():
        abort(404)
    form = MintForm(prefix=PREFIX)
    report = None
    if request.form.get(LOAD_CLAIMS):
        _load_claims(form)
    elif form.validate_on_submit():
        report = _mint_form(form)
    form.key.data = ""
    g.mint_panel = Panel(form, report)
    data = {}
    if report is not None and report.token:
        aud = report.claims.get("aud") if report.claims else None
        data = {
            "token": report.token,
            "audience": aud if isinstance(aud, str) else "",
            "project": form.project.data or "",
        }
    token_form = token_view.TokenForm(formdata=None, data=data)
    return token_view._render(token_form, report.inspection if report else None)


def _load_claims(form: MintForm) -> None:
    """The re-sign's first step: the pasted token's claims into the claims box, to edit."""
    decoded = decode_jwt((form.token.data or "").strip())
    if decoded.claims is None:
        form.token.errors = ["Paste a whole JWT to load its claims."]
        return
    form.kind.data = "resign"
    form.claims.data = json.dumps(decoded.claims, indent=2, ensure_ascii=False)


def _mint_form(form: MintForm) -> MintReport | None:
    try:
        return run_mint(
            form.kind.data or "user",
            use_configured_secret=bool(form.use_configured_secret.data),
            key=form.key.data,
            kid=form.kid.data,
            project=form.project.data,
            sub=form.sub.data or None,
            email=form.email.data or None,
            lifetime=form.lifetime.data,
            claims=form.claims.data,
            token=form.token.data,
            endpoint=form.endpoint.data,
        )
    except ConfiguredSecretRefusedError as exc:
        form.use_configured_secret.errors = [exc.message]
        return None


@api.bp.post("/mint")
def api_mint():
    if not mint_allowed():
        abort(404)
    data = api.json_body()
    kind = api.field(data, "kind") or "user"
    if kind not in KINDS:
        raise ApiError(f"the field 'kind' must be one of {', '.join(KINDS)}")
    lifetime = api.field(data, "lifetime", (int, float))
    if lifetime is not None and not -MAX_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise ApiError(f"the field 'lifetime' must be between -{MAX_LIFETIME} and {MAX_LIFETIME}")
    claims = data.get("claims")
    if claims is not None and not isinstance(claims, dict | str):
        raise ApiError("the field 'claims' must be a JSON object (or its text)")
    fields = {
        name: api.field(data, name)
        for name in ("key", "alg", "kid", "project", "sub", "email", "session_id", "audience")
    }
    fields.update(role=api.field(data, "role"), token=api.field(data, "token"))
    report = run_mint(
        kind,
        use_configured_secret=bool(api.field(data, "use_configured_secret", bool)),
        lifetime=lifetime,
        claims=claims,
        endpoint=api.field(data, "endpoint"),
        **fields,
    )
    body = json.dumps(report.to_dict(), separators=(",", ":"), default=str)
    return current_app.response_class(body, mimetype="application/json")
