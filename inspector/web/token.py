"""The token page `/token` and its JSON twin `POST /api/v1/token`.

Both parse their input, call `inspect_token` once and render the same report. The form comes
back as it was sent, less its secrets (`_render`): a public key, a JWKS or its URL stay; a secret
key only on the local site.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace

from flask import Blueprint, Response, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from inspector import supabase
from inspector.configured import configured_allowed, configured_values
from inspector.errors import BUSY_MESSAGE, ApiError, ConfiguredSecretRefusedError
from inspector.tokens import MAX_LEEWAY, TokenReport, inspect_token, is_public_key, needs_fetch
from inspector.vocabulary import TokenKind
from inspector.web import api
from inspector.web.home import pasted
from inspector.web.limits import current_policy, probe_slot, probe_timeout, slots
from inspector.web.security import is_shared

bp = Blueprint("token", __name__)

# A pasted text of these kinds is a secret (or not a token at all): never sent back into the form.
SECRET_KINDS = frozenset(
    {
        TokenKind.SUPABASE_SECRET_KEY,
        TokenKind.SUPABASE_REFRESH_TOKEN,
        TokenKind.SUPABASE_ACCESS_TOKEN_PERSONAL,
        TokenKind.JWT_SECRET,
        TokenKind.CONNECTION_STRING,
        TokenKind.UNKNOWN,
    }
)
REFUSED_MESSAGE = (
    "this shared site does not verify with its own SUPABASE_JWT_SECRET "
    "(INSPECTOR_ALLOW_CONFIGURED_SECRETS is off): paste the key instead"
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
    discover = BooleanField(
        "Discover keys",
        default=True,
        description="With no key: fetch the issuer's published keys (a Supabase project's JWKS, "
        "another issuer's through its OpenID configuration) and try the publicly known secrets.",
    )
    use_configured_secret = BooleanField(
        "Verify with the configured SUPABASE_JWT_SECRET (or SUPABASE_URL's JWKS)",
        description="From the .env this inspector reads; the value is never shown. ES256/RS256 "
        "tokens are checked against the configured project's JWKS.",
    )


def _configured() -> tuple[str | None, str | None]:
    """(SUPABASE_JWT_SECRET, the JWKS URL of SUPABASE_URL's project) from the configured env."""
    values = configured_values(current_app.config.get("INSPECTOR_ENV_FILE"))
    jwks_url = supabase.jwks_url_of_project(values.get("SUPABASE_URL"))
    return values.get("SUPABASE_JWT_SECRET") or None, jwks_url


def discover_default() -> bool:
    """Whether keys are discovered when the request does not say (INSPECTOR_DISCOVER_KEYS)."""
    return bool(current_app.config.get("INSPECTOR_DISCOVER_KEYS", True))


def configured_secret_available() -> bool:
    return configured_allowed(current_app.config) and any(_configured())


def _configured_secret(requested: bool) -> tuple[str | None, str | None]:
    """(secret, JWKS URL) when asked for; secret '' = asked, none configured.
    ConfiguredSecretRefusedError (403) when this site may not use them."""
    if not requested:
        return None, None
    if not configured_allowed(current_app.config):
        raise ConfiguredSecretRefusedError(REFUSED_MESSAGE)
    secret, jwks_url = _configured()
    return secret or "", jwks_url


@dataclass(frozen=True)
class TokenRequest:
    """What the form or the JSON body asks for: inspect_token's arguments, read and typed."""

    token: str
    key: str | None = None
    audience: str | None = None
    project: str | None = None
    leeway: float | None = None
    configured_secret: str | None = None
    configured_jwks_url: str | None = None
    discover: bool = False

    @property
    def fetches(self) -> bool:
        """Inspecting it may read a JWKS URL (the key given, the configured project's, or the
        issuer's published keys, found for a token without a key)."""
        if self.configured_jwks_url or needs_fetch(self.key):
            return True
        return self.discover and not (self.key or "").strip() and not self.configured_secret

    def offline(self) -> TokenRequest:
        """The same request without the key, the configured JWKS URL and discovery: nothing is
        fetched."""
        return replace(self, key=None, configured_jwks_url=None, discover=False)


def _inspect(req: TokenRequest) -> TokenReport:
    return inspect_token(
        req.token,
        key=req.key or None,
        audience=req.audience or None,
        project=req.project or None,
        leeway=req.leeway or 0,
        configured_secret=req.configured_secret,
        configured_jwks_url=req.configured_jwks_url,
        policy=current_policy(),
        fetch_timeout=min(probe_timeout(None), 5.0),
        discover=req.discover,
        public_secrets=True,  # no I/O: a token without a key is always tried against them
    )


def run_inspection(req: TokenRequest) -> TokenReport:
    """inspect_token with this site's probe policy; a fetch takes a probe slot
    (ProbeCapacityError, the API's 503 `busy`, when none is free). Keys found for a token
    without one were not asked for: with every slot taken it is inspected without them."""
    if not req.fetches:
        return _inspect(req)
    if not (req.configured_jwks_url or needs_fetch(req.key)):
        with slots().hold() as held:
            if held:
                return _inspect(req)
        return _inspect(replace(req, discover=False))
    with probe_slot():
        return _inspect(req)


def _render(form: TokenForm, report: TokenReport | None, status: int = 200) -> tuple[str, int]:
    # What is no secret comes back as it was sent: the token, a public key, a JWKS or its URL,
    # the audience, the project. A secret (the key as an HMAC or private key, an sb_secret_ key,
    # a JWT secret or a connection string pasted as the token) comes back only on the local site
    # after an inspection (the page is no-store); a shared site describes it in the report and
    # never repeats it, and neither does a form that failed validation.
    keep_secrets = report is not None and not is_shared()
    if not keep_secrets and not is_public_key(form.key.data):
        form.key.data = ""
    kind: str | None = None
    if report is not None:
        kind = report.kind
    elif (form.token.data or "").strip():
        kind = inspect_token(form.token.data).kind  # offline: no key is used
    if kind in SECRET_KINDS and not keep_secrets:
        form.token.data = ""
    return (
        render_template(
            "token/page.html",
            form=form,
            report=report,
            show_configured=configured_secret_available(),
        ),
        status,
    )


def _inspect_form(form: TokenForm) -> TokenReport:
    """The page's inspection. What the API refuses, the page explains beside its field and
    inspects without it: the configured secret where it is not allowed, a JWKS URL while every
    probe slot is taken."""
    requested = bool(form.use_configured_secret.data)
    if requested and not configured_allowed(current_app.config):
        form.use_configured_secret.errors = [REFUSED_MESSAGE]
        requested = False
    secret, jwks_url = _configured_secret(requested)
    req = TokenRequest(
        form.token.data or "",
        form.key.data,
        form.audience.data,
        form.project.data,
        form.leeway.data,
        secret,
        jwks_url,
        bool(form.discover.data),
    )
    if not req.fetches:
        return _inspect(req)
    with slots().hold() as held:
        if held:
            return _inspect(req)
    form.key.errors = [BUSY_MESSAGE]
    return _inspect(req.offline())


@bp.route("/token", methods=["GET", "POST"])
def page() -> tuple[str, int]:
    text = pasted()
    if text is not None:  # the home page's paste box
        return render_from_paste(text)
    form = TokenForm()
    if request.method == "GET":
        form.discover.data = discover_default()
    report = None
    if form.validate_on_submit():
        report = _inspect_form(form)
        # "Verify with the project's JWKS" button: re-run with the derived URL as the key.
        if request.form.get("fetch_jwks") and report.jwks_url and not (form.key.data or "").strip():
            form.key.data = report.jwks_url
            report = _inspect_form(form)
    return _render(form, report)


def render_from_paste(text: str) -> tuple[str, int]:
    """The home page's paste box sent a token here (`home.pasted`): inspect it, show this page."""
    form = TokenForm(formdata=None, data={"token": text, "discover": discover_default()})
    return _render(form, _inspect_form(form))


@api.bp.post("/token")
def api_token() -> Response:
    data = api.json_body()
    token = api.field(data, "token", required=True)
    key = api.field(data, "key")
    audience = api.field(data, "audience")
    project = api.field(data, "project")
    leeway = api.field(data, "leeway", (int, float))
    if leeway is not None and (not math.isfinite(leeway) or not 0 <= leeway <= MAX_LEEWAY):
        raise ApiError(f"the field 'leeway' must be between 0 and {MAX_LEEWAY}")
    requested = bool(api.field(data, "use_configured_secret", bool))
    discover = api.field(data, "discover", bool)
    discover = discover_default() if discover is None else discover
    secret, jwks_url = _configured_secret(requested)
    report = run_inspection(
        TokenRequest(token, key, audience, project, leeway, secret, jwks_url, discover)
    )
    # Serialised here rather than by jsonify: no key sorting (the report's order is the
    # contract's order), a third of the cost on the hot path.
    body = json.dumps(report.to_dict(), separators=(",", ":"), default=str)
    return current_app.response_class(body, mimetype="application/json")
