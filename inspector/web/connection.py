"""The connection page `/connection` and its JSON twin `POST /api/v1/connection`.

Both read their input, call `inspect_connection` once (inside a probe slot, with this site's
probe policy and timeout bound) and render the same report. The form's string comes back with its
password masked; the password field comes back filled only on the local site (`_render`).
"""

from __future__ import annotations

import math

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, PasswordField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import PasswordInput

from inspector.connections import (
    DRIVERS,
    MAX_TIMEOUT,
    ConnectionReport,
    inspect_connection,
    static_report,
)
from inspector.connections.stacks import LABELS as STACK_LABELS
from inspector.connections.stacks import STACK_DRIVERS
from inspector.errors import BUSY_MESSAGE
from inspector.web import api
from inspector.web.home import pasted
from inspector.web.limits import current_policy, probe_timeout, slots
from inspector.web.security import is_shared

bp = Blueprint("connection", __name__)
PROBE_MARK = "probe_field_shown"

DRIVER_CHOICES = [
    ("auto", "Not sure / any"),
    ("psycopg2", "psycopg2 (libpq)"),
    ("asyncpg", "asyncpg"),
    ("sqlalchemy", "SQLAlchemy (psycopg2)"),
    ("sqlalchemy_asyncpg", "SQLAlchemy + asyncpg"),
    *((name, STACK_LABELS[name]) for name in STACK_DRIVERS),
]
CA_CHOICES = [
    ("certifi", "certifi (Python's usual bundle)"),
    ("system", "this system's trust store"),
    ("pem", "a CA I paste below (e.g. prod-ca-2021.crt)"),
]
DRIVER_LABELS = dict(DRIVER_CHOICES) | {"auto": "any driver"}


class ConnectionForm(FlaskForm):
    url = TextAreaField(
        "Connection string",
        description="postgresql://user:password@host:5432/db?sslmode=..., host=... dbname=... "
        "(libpq key=value), or a SQLAlchemy URL.",
    )
    password = PasswordField(
        "Password (optional)",
        description="Replaces the password in the string, e.g. [YOUR-PASSWORD]. Never shown again.",
    )
    driver = SelectField(
        "Your driver",
        choices=[SelectChoice(v, label) for v, label in DRIVER_CHOICES],
        default="auto",
    )
    ca = SelectField(
        "CA to trust",
        choices=[SelectChoice(v, label) for v, label in CA_CHOICES],
        default="certifi",
    )
    ca_pem = TextAreaField(
        "CA certificate (PEM)",
        description="Only with “a CA I paste below”: -----BEGIN CERTIFICATE----- ...",
    )
    timeout = FloatField(
        "Timeout (seconds)",
        validators=[Optional(), NumberRange(min=0.5, max=MAX_TIMEOUT)],
        description="The whole live diagnosis ends within this.",
    )
    probe = BooleanField(
        "Probe it live (DNS, TCP, TLS, a real login)",
        default=True,
        description="Off: static checks only, nothing is sent.",
    )


def run_inspection(
    url: str,
    *,
    password: str | None,
    driver: str,
    ca: str,
    timeout: float | None,
    probe: bool,
) -> ConnectionReport:
    """inspect_connection with this site's policy and bounds; a live probe takes a slot (when
    every slot is taken, the static report says `probe_busy`)."""
    password, ca = password or None, ca or "certifi"
    if not probe:
        return inspect_connection(url, password=password, driver=driver, ca=ca, probe=False)
    with slots().hold() as held:
        if held:
            return inspect_connection(
                url,
                password=password,
                driver=driver,
                ca=ca,
                probe=True,
                timeout=probe_timeout(timeout),
                policy=current_policy(),
            )
    static = inspect_connection(url, password=password, driver=driver, ca=ca, probe=False)
    return static.with_probe_refused("probe_busy", f"Not probed: {BUSY_MESSAGE}.")


def _render(form: ConnectionForm, report: ConnectionReport | None):
    # The form comes back as it was sent (driver, CA, CA PEM, timeout), the string with its
    # password masked. The password field keeps what was typed in it on the local site after an
    # inspection (the page is no-store); a shared site, or a form that failed validation, never
    # sends it back.
    keep_password = report is not None and not is_shared() and bool(form.password.data)
    if keep_password:
        form.password.widget = PasswordInput(hide_value=False)
    else:
        form.password.data = ""
    if report is not None:
        form.url.data = report.parsed.masked or ""
    elif form.url.data:
        # Not inspected (another field failed validation): masked all the same, by the parser
        # a run uses (no network).
        form.url.data = static_report(form.url.data).parsed.masked or ""
    return render_template(
        "connection/page.html",
        form=form,
        report=report,
        data=report.to_dict() if report is not None else None,
        driver_labels=DRIVER_LABELS,
        password_removed=bool(report and report.parsed.password is not None) and not keep_password,
        probe_mark=PROBE_MARK,
    )


def _inspect_form(form: ConnectionForm, probe: bool | None = None) -> ConnectionReport:
    ca = form.ca.data or "certifi"
    if ca == "pem":
        ca = form.ca_pem.data or ""
    return run_inspection(
        form.url.data or "",
        password=form.password.data,
        driver=form.driver.data or "auto",
        ca=ca,
        timeout=form.timeout.data,
        probe=bool(form.probe.data) if probe is None else probe,
    )


@bp.route("/connection", methods=["GET", "POST"])
def page():
    text = pasted()
    if text is not None:  # the home page's paste box
        return render_from_paste(text)
    form = ConnectionForm()
    report = None
    if form.validate_on_submit():
        if (form.url.data or "").strip():
            # An unticked box sends nothing: only our own page says "unticked" (PROBE_MARK);
            # a client posting the API's field names without `probe` gets the default, a probe.
            probe = None if PROBE_MARK in request.form else True
            report = _inspect_form(form, probe)
        else:
            form.url.errors = ["Paste a connection string."]
    return _render(form, report)


def render_from_paste(text: str):
    """The home page's paste box sent a connection string here (`home.pasted`): inspect it."""
    form = ConnectionForm(formdata=None, data={"url": text, "probe": True})
    return _render(form, _inspect_form(form))


@api.bp.post("/connection")
def api_connection():
    data = api.json_body()
    url = api.field(data, "url", required=True)
    password = api.field(data, "password")
    driver = api.field(data, "driver") or "auto"
    if driver not in DRIVERS:
        raise api.BadRequestError(f"the field 'driver' must be one of {', '.join(DRIVERS)}")
    ca = api.field(data, "ca") or "certifi"
    timeout = api.field(data, "timeout", (int, float))
    if timeout is not None and (not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT):
        raise api.BadRequestError(
            f"the field 'timeout' must be above 0 and at most {MAX_TIMEOUT:g}"
        )
    probe = api.field(data, "probe", bool)
    report = run_inspection(
        url,
        password=password,
        driver=driver,
        ca=ca,
        timeout=timeout,
        probe=True if probe is None else probe,
    )
    return report.to_dict()
