"""Home: one paste box that sends anything to the right inspector."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from inspector.paste import detect_paste

bp = Blueprint("home", __name__)


class PasteForm(FlaskForm):
    text = TextAreaField(
        "Paste anything",
        validators=[DataRequired("Paste a token, a key, a connection string or a .env file.")],
        description="A JWT or Authorization header, an API key, a connection string, .env text, "
        "or an error message.",
    )


@bp.route("/", methods=["GET", "POST"])
def index():
    form = PasteForm()
    if form.validate_on_submit():
        target = detect_paste(form.text.data)
        from inspector.web import connection, env, explain, token

        view = {"token": token, "connection": connection, "env": env, "error": explain}[target]
        return view.render_from_paste(form.text.data)
    return render_template("home/index.html", form=form, env_summary=_env_summary())


def _env_summary():
    """Local mode: a one-line summary of the configured .env (None when not available)."""
    from inspector.web import env

    summary = getattr(env, "configured_summary", None)
    if summary is None or current_app.config["INSPECTOR_MODE"] != "local":
        return None
    return summary()
