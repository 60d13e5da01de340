"""The web face: blueprints, forms, the JSON twin, security, error pages.

Views parse input, call one service function and render; they never import jwt, psycopg2 or socket.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def register_blueprints(app: Flask) -> None:
    """The blueprints, and what their templates read from the vocabulary and the reports."""
    from inspector.web import api, auth, connection, env, explain, home, mint, tester, token

    for module in (home, token, connection, env, explain, auth, tester, mint):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    register_template_helpers(app)


def register_template_helpers(app: Flask) -> None:
    """`look(status)`: (tone, icon) of any status word; `timeline(times, now)`: the lifetime
    picture, placed; `step_short(name)`: a step's name in the waterfall's narrow column.
    Decided in Python, so a template only formats."""
    from inspector.tokens.report import timeline
    from inspector.vocabulary import StepName, look

    app.jinja_env.globals.update(look=look, timeline=timeline, step_short=StepName.short_of)


def register_security(app: Flask) -> None:
    from inspector.web import security

    security.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from inspector.web import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    from inspector.cli import inspect_group

    app.cli.add_command(inspect_group)
