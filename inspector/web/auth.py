"""Shared mode's access gate: the team-password login page.

The session holds only a mark derived from SECRET_KEY and the password (HMAC), never the
password: changing either signs everyone out. The gate itself lives in web/security.py.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import DataRequired

bp = Blueprint("auth", __name__)

_SESSION_KEY = "gate"


class LoginForm(FlaskForm):
    password = PasswordField("Team password", validators=[DataRequired("Enter the password.")])
    next = HiddenField()


def _digest(value: str) -> bytes:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()


def _mark() -> str:
    return _digest("inspector-gate:" + current_app.config["INSPECTOR_ACCESS_PASSWORD"]).hex()


def password_matches(candidate: str) -> bool:
    """Constant-time: both sides are HMAC digests of equal length, compared with compare_digest."""
    expected = current_app.config.get("INSPECTOR_ACCESS_PASSWORD") or ""
    if not expected:
        return False
    return hmac.compare_digest(_digest(candidate), _digest(expected))


def signed_in() -> bool:
    mark = session.get(_SESSION_KEY)
    return isinstance(mark, str) and hmac.compare_digest(mark.encode(), _mark().encode())


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in; anything else goes home."""
    home = url_for("home.index")
    if not target or not isinstance(target, str) or len(target) > 512:
        return home
    if any(c in target for c in "\\\r\n\t\x00") or not target.startswith("/"):
        return home
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return home
    if parts.path == url_for("auth.login"):
        return home
    return target


@bp.app_context_processor
def _sign_out_offer() -> dict[str, bool]:
    """Pages show "Sign out" only on a password-gated site to someone signed in."""
    gated = current_app.config["INSPECTOR_MODE"] == "shared" and bool(
        current_app.config.get("INSPECTOR_ACCESS_PASSWORD")
    )
    return {"offer_sign_out": gated and signed_in()}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_app.config["INSPECTOR_MODE"] != "shared" or not current_app.config.get(
        "INSPECTOR_ACCESS_PASSWORD"
    ):
        abort(404)
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        if password_matches(form.password.data or ""):
            target = safe_next(form.next.data)
            session.clear()  # no fixation: a fresh session after signing in
            session[_SESSION_KEY] = _mark()
            session.permanent = True
            return redirect(target)
        current_app.logger.warning("failed sign-in from %s", request.remote_addr)
        form.password.errors = ["That is not the team password."]
        status = 401
    form.password.data = None  # never echo it back into the page
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    session.clear()
    if current_app.config.get("INSPECTOR_ACCESS_PASSWORD"):
        return redirect(url_for("auth.login"))
    return redirect(url_for("home.index"))
