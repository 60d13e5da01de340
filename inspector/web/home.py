"""Home: one paste box that sends anything to the right inspector.

The inspector answers at its own URL: the home page answers a paste with a 307 to that page, so
the browser sends the same body there (its tab is then marked, and a reload asks that page
again). Nothing pasted goes into a URL or the session. The token and connection pages read the
paste box's field (`pasted()`); the env and explain pages' own field has its name.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from inspector.paste import detect_paste

bp = Blueprint("home", __name__)

PASTE_FIELD = "text"
# The page that inspects each kind of paste (inspector.paste.detect_paste's answers).
PAGES = {
    "token": "token.page",
    "connection": "connection.page",
    "env": "env.page",
    "error": "explain.page",
}


class PasteForm(FlaskForm):
    text = TextAreaField(
        "Paste anything",
        validators=[DataRequired("Paste a token, a key, a connection string or a .env file.")],
        description="A JWT or Authorization header, an API key, a connection string, .env text, "
        "or an error message.",
    )


@bp.route("/", methods=["GET", "POST"])
def index() -> str | Response:
    form = PasteForm()
    if form.validate_on_submit():
        return redirect(url_for(PAGES[detect_paste(form.text.data)]), code=307)
    return render_template("home/index.html", form=form, env_summary=_env_summary())


def pasted() -> str | None:
    """The home page's paste, sent on to this page by its 307 (None: not a paste)."""
    if request.method != "POST":
        return None
    return request.form.get(PASTE_FIELD)


def _env_summary():
    """Local mode: a one-line summary of the configured .env (None when not available)."""
    from inspector.web import env

    summary = getattr(env, "configured_summary", None)
    if summary is None or current_app.config["INSPECTOR_MODE"] != "local":
        return None
    return summary()
