"""The request tester on the token page (`POST /token/request`) and its JSON twin
`POST /api/v1/request`.

The panel's fields (endpoint, method, apikey) belong to the token form (their `form` attribute
names it), so one submit carries the token, its key and project, and the request to make: the
page then shows the token's report and, beside it, the server's answer. Its "Ask Supabase Auth"
button asks `GET <project>/auth/v1/user`. Both take a probe slot and this site's probe policy.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, g, request
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from inspector import supabase
from inspector.configured import configured_allowed, configured_values
from inspector.endpoint import ProjectConfig, RequestReport, ask_auth
from inspector.endpoint import service as endpoint_service
from inspector.endpoint.targets import METHODS
from inspector.errors import ApiError, ConfiguredSecretRefusedError, ProbeCapacityError
from inspector.tokens import MAX_LEEWAY
from inspector.web import api
from inspector.web import token as token_view
from inspector.web.limits import current_policy, probe_slot, probe_timeout

bp = Blueprint("tester", __name__)
ASK_AUTH = "ask_auth"  # the name of the "Ask Supabase Auth" button


class TesterFields(FlaskForm):
    """The request tester's own fields; they are posted with the token form (its CSRF token and
    CSRFProtect's check of every POST cover them)."""

    class Meta:
        csrf = False

    url = StringField(
        "Endpoint",
        description="Your API's URL, or your project's REST or Auth URL "
        "(https://<ref>.supabase.co/rest/v1/<table>).",
    )
    method = SelectField("Method", choices=[SelectChoice(m, m) for m in METHODS], default="GET")
    apikey = StringField(
        "apikey (optional)",
        description="The project's publishable or anon key, sent as the apikey header. Empty: "
        "in local mode, the configured one goes to its own project's URLs. Never shown again.",
    )


@dataclass
class Panel:
    """What templates/token/_request.html shows."""

    fields: TesterFields
    report: RequestReport | None = None


@bp.app_template_global("tester_panel")
def tester_panel() -> Panel:
    """The panel of this request: the one a request test filled, else fresh fields (keeping
    the endpoint and method the token form posted)."""
    panel = g.get("tester_panel")
    if panel is None:
        panel = Panel(TesterFields() if request.method == "POST" else TesterFields(formdata=None))
        panel.fields.apikey.data = ""
    return panel


def _configured() -> tuple[ProjectConfig, str | None, str | None]:
    """(the project's URL and publishable/anon key, SUPABASE_JWT_SECRET, its JWKS URL) from the
    configured .env, where this site may use them."""
    if not configured_allowed(current_app.config):
        return ProjectConfig(), None, None
    values = configured_values(current_app.config.get("INSPECTOR_ENV_FILE"))
    config = ProjectConfig.from_values(values)
    secret = values.get("SUPABASE_JWT_SECRET") or None
    return config, secret, supabase.jwks_url_of_project(config.url)


def run_request(
    token: str,
    *,
    url: str | None,
    method: str,
    apikey: str | None,
    key: str | None,
    audience: str | None,
    project: str | None,
    leeway: float | None,
    use_configured_secret: bool,
    timeout: float | None,
    auth_check: bool,
) -> RequestReport:
    """test_request (or ask_auth) with this site's policy, timeout bound and probe slot.
    ConfiguredSecretRefusedError (403) or ProbeCapacityError (503 busy) when it cannot run."""
    if use_configured_secret and not configured_allowed(current_app.config):
        raise ConfiguredSecretRefusedError(token_view.REFUSED_MESSAGE)
    config, secret, jwks_url = _configured()
    kwargs: dict[str, Any] = dict(
        apikey=apikey or None,
        project_config=config,
        key=key or None,
        audience=audience or None,
        project=project or None,
        leeway=leeway or 0,
        configured_secret=(secret or "") if use_configured_secret else None,
        configured_jwks_url=jwks_url if use_configured_secret else None,
        policy=current_policy(),
        timeout=probe_timeout(timeout),
    )
    with probe_slot():
        if auth_check:
            return ask_auth(token, **kwargs)
        return endpoint_service.test_request(url or "", token, method=method, **kwargs)


@bp.post("/token/request")
def page():
    form = token_view.TokenForm()
    fields = TesterFields()
    report = None
    auth_check = bool(request.form.get(ASK_AUTH))
    if form.validate_on_submit() and fields.validate():
        report = _run_form(form, fields, auth_check)
    fields.apikey.data = ""
    g.tester_panel = Panel(fields, report)
    return token_view._render(form, report.token if report else None)


def _run_form(
    form: token_view.TokenForm, fields: TesterFields, auth_check: bool
) -> RequestReport | None:
    if not (form.token.data or "").strip():
        form.token.errors = ["Paste the token to send."]
        return None
    if not auth_check and not (fields.url.data or "").strip():
        fields.url.errors = ["Give the endpoint to call."]
        return None
    try:
        return run_request(
            form.token.data,
            url=fields.url.data,
            method=fields.method.data or "GET",
            apikey=fields.apikey.data,
            key=form.key.data,
            audience=form.audience.data,
            project=form.project.data,
            leeway=form.leeway.data,
            use_configured_secret=bool(form.use_configured_secret.data),
            timeout=None,
            auth_check=auth_check,
        )
    except ConfiguredSecretRefusedError as exc:
        form.use_configured_secret.errors = [exc.message]
    except ProbeCapacityError as exc:
        fields.url.errors = [exc.message]
    return None


@api.bp.post("/request")
def api_request():
    data = api.json_body()
    token = api.field(data, "token", required=True)
    auth_check = bool(api.field(data, "auth_check", bool))
    url = api.field(data, "url", required=not auth_check)
    method = (api.field(data, "method") or "GET").upper()
    if method not in METHODS:
        raise ApiError(f"the field 'method' must be one of {', '.join(METHODS)}")
    leeway = api.field(data, "leeway", (int, float))
    if leeway is not None and (not math.isfinite(leeway) or not 0 <= leeway <= MAX_LEEWAY):
        raise ApiError(f"the field 'leeway' must be between 0 and {MAX_LEEWAY}")
    report = run_request(
        token,
        url=url,
        method=method,
        apikey=api.field(data, "apikey"),
        key=api.field(data, "key"),
        audience=api.field(data, "audience"),
        project=api.field(data, "project"),
        leeway=leeway,
        use_configured_secret=bool(api.field(data, "use_configured_secret", bool)),
        timeout=api.field(data, "timeout", (int, float)),
        auth_check=auth_check,
    )
    body = json.dumps(report.to_dict(), separators=(",", ":"), default=str)
    return current_app.response_class(body, mimetype="application/json")
