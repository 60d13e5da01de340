"""The explain page `/explain` and its JSON twin `POST /api/v1/explain`.

Both read the pasted text, call `explain` once and render the same report. The pasted text is
never sent back (it may hold passwords and keys): the report's masked excerpts stand in for it.
A match's `next` is a button that POSTs the (masked) value to that inspector's page.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from inspector.explain import ExplainReport, explain
from inspector.web import api

bp = Blueprint("explain", __name__)

# The page each `next` opens, and the name of the field its value goes in.
NEXT_FIELDS = {"token": "token", "connection": "url"}
NEXT_LABELS = {
    "token": ("Inspect this token", "Open the token inspector"),
    "connection": ("Inspect this connection string", "Open the connection inspector"),
}


class ExplainForm(FlaskForm):
    text = TextAreaField(
        "Error message, log or traceback",
        validators=[DataRequired("Paste the error message, a log excerpt or a whole traceback.")],
        description="As it was printed: the exception line, the JSON body of the failing "
        "response, or the whole traceback. Tokens and passwords in it are masked, never shown.",
    )


def _render(form: ExplainForm, report: ExplainReport | None):
    form.text.data = ""  # never sent back: it may hold secrets
    return render_template(
        "explain/page.html",
        form=form,
        report=report,
        next_fields=NEXT_FIELDS,
        next_labels=NEXT_LABELS,
    )


@bp.route("/explain", methods=["GET", "POST"])
def page():
    form = ExplainForm()
    report = explain(form.text.data or "") if form.validate_on_submit() else None
    return _render(form, report)


@api.bp.post("/explain")
def api_explain():
    data = api.json_body()
    text = api.field(data, "text", required=True)
    return explain(text).to_dict()
