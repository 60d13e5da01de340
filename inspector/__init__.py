"""The inspector: why does my Supabase JWT auth or my Postgres connection fail?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

_PACKAGE = Path(__file__).resolve().parent


def _site_dir(name: str) -> str:
    """`templates` or `static`: inside the installed package (the wheel puts them there), else
    the checkout's top-level folder."""
    installed = _PACKAGE / name
    return str(installed if installed.is_dir() else _PACKAGE.parent / name)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then the environment (INSPECTOR_*), then `config`; then the parts, in order."""
    from inspector import config as settings
    from inspector.web import (
        csrf,
        register_blueprints,
        register_cli,
        register_error_handlers,
        register_security,
    )

    app = Flask(
        __name__,
        template_folder=_site_dir("templates"),
        static_folder=_site_dir("static"),
    )
    app.config.update(settings.load(config))
    csrf.init_app(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app
