"""The environment page `/env` and its JSON twin `POST /api/v1/env`.

Local mode shows the configured `.env` (INSPECTOR_ENV_FILE, read afresh on every request) and a
paste box; shared mode only the paste box, unless INSPECTOR_ALLOW_CONFIGURED_SECRETS is on.
The pasted text is never echoed back into the page: the report shows masked values only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired

from inspector.configured import configured_allowed
from inspector.env import EnvReport, inspect_env
from inspector.web import api
from inspector.web.limits import current_policy, probe_timeout, slots

bp = Blueprint("env", __name__)


class EnvForm(FlaskForm):
    text = TextAreaField(
        ".env text",
        validators=[DataRequired("Paste the contents of a .env file.")],
        description="The whole file, or the lines you care about. Values come back masked; "
        "nothing is stored.",
    )
    probe = BooleanField(
        "Also probe each database URL live",
        description="DNS, TCP, TLS and a real login for every Postgres URL (slower).",
    )


@dataclass(frozen=True)
class EnvSummary:
    """The home page's line about the configured `.env`."""

    text: str
    has_errors: bool
    path: str


def configured_path() -> Path | None:
    name = current_app.config.get("INSPECTOR_ENV_FILE")
    return Path(name) if name else None


def configured_report(probe: bool = False) -> EnvReport | None:
    """The configured file, inspected now (None when not allowed or not set)."""
    path = configured_path()
    if not configured_allowed(current_app.config) or path is None:
        return None
    return _inspect(None, path, probe)


def configured_summary() -> EnvSummary | None:
    """One line about the configured `.env` for the home page; None when there is no file."""
    path = configured_path()
    if not configured_allowed(current_app.config) or path is None or not path.is_file():
        return None
    report = _inspect(None, path, False)
    return EnvSummary(f"{path}: {report.summary()}", report.has_errors(), str(path))


def _inspect(text: str | None, path: Path | None, probe: bool) -> EnvReport:
    if not probe:
        return inspect_env(text, path=path)
    # Each database URL's probe takes one of this worker's probe slots (a URL that finds them
    # all busy is reported `probe_busy`), and all of them share the one probe timeout.
    return inspect_env(
        text,
        path=path,
        probe=True,
        policy=current_policy(),
        timeout=probe_timeout(None),
        gate=slots().hold,
    )


def _render(form: EnvForm, report: EnvReport | None, status: int = 200):
    path = configured_path()
    show_configured = configured_allowed(current_app.config) and path is not None
    configured = None
    if report is None and show_configured:
        configured = _inspect(None, path, False)
    # Never send the pasted text back: the report's masked values stand in for it.
    form.text.data = ""
    return (
        render_template(
            "env/page.html",
            form=form,
            report=report,
            configured=configured,
            configured_path=str(path) if show_configured else None,
            configured_exists=bool(path and path.is_file()) if show_configured else False,
        ),
        status,
    )


def from_textarea(text: str) -> str:
    """A form's textarea text with LF line breaks. Browsers submit every line break of a
    textarea as CR LF (HTML's form encoding), whatever the pasted text had: a CR LF from a form
    says nothing about the user's file, so only a file or an API body can show one."""
    return text.replace("\r\n", "\n")


@bp.route("/env", methods=["GET", "POST"])
def page():
    form = EnvForm()
    report = None
    if form.validate_on_submit():
        report = _inspect(from_textarea(form.text.data), None, bool(form.probe.data))
    return _render(form, report)


@api.bp.post("/env")
def api_env():
    data = api.json_body()
    text = api.field(data, "text")
    probe = bool(api.field(data, "probe", bool))
    if text is None:
        if not configured_allowed(current_app.config):
            raise api.BadRequestError(
                "send the .env text in the field 'text': this shared site does not read its "
                "own .env (INSPECTOR_ALLOW_CONFIGURED_SECRETS is off)"
            )
        path = configured_path()
        if path is None:
            raise api.BadRequestError("send the .env text in 'text': no INSPECTOR_ENV_FILE is set")
        report = _inspect(None, path, probe)
    else:
        report = _inspect(text, None, probe)
    return report.to_dict()
