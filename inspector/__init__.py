"""The inspector: why does my Supabase JWT auth or my Postgres connection fail?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

_ROOT = Path(__file__).resolve().parent.parent


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
        template_folder=str(_ROOT / "templates"),
        static_folder=str(_ROOT / "static"),
    )
    app.config.update(settings.load(config))
    csrf.init_app(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app
