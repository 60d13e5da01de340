"""The WSGI entry point: the only place with start-up side effects."""

import sys

from inspector import create_app
from inspector.config import ConfigError
from inspector.startup import load_settings

# The app's settings from .env; its PG* lines stay out of the environment probes run in.
load_settings()
try:
    app = create_app()
except ConfigError as exc:
    print(f"inspector: cannot start: {exc}", file=sys.stderr)
    # 3 is gunicorn's "worker failed to boot": its master stops instead of respawning forever.
    raise SystemExit(3) from None
