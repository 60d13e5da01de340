"""The connection inspector's page (placeholder until its issue lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("connection", __name__)


@bp.route("/connection", methods=["GET", "POST"])
def page():
    return render_template("placeholder.html", name="connection")


def render_from_paste(text: str):
    return render_template("placeholder.html", name="connection")
