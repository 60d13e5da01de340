"""The web face: blueprints, forms, the JSON twin, security, error pages.

Views parse input, call one service function and render; they never import jwt, psycopg2 or socket.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def register_blueprints(app: Flask) -> None:
    from inspector.web import api, auth, connection, env, home, token

    for module in (home, token, connection, env, auth):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)


def register_security(app: Flask) -> None:
    from inspector.web import security

    security.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from inspector.web import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    from inspector.cli import inspect_group

    app.cli.add_command(inspect_group)
