"""Start-up: the app's own settings from a `.env`, and nothing else of it, into the environment.

`wsgi.py` and `gunicorn.conf.py` call `load_settings()`. python-dotenv's `load_dotenv()` would
export every line of the file, and a PGPASSWORD, PGUSER or PGSSLROOTCERT there would then be in
the environment of every probe, where libpq and asyncpg read them. The app takes only its
INSPECTOR_* settings and SECRET_KEY from the environment (`config.py`); the Supabase values are
read from the file itself when a page asks for them (`configured.py`).
"""

from __future__ import annotations

import os

from dotenv import dotenv_values, find_dotenv


def is_app_setting(name: str) -> bool:
    return name.startswith("INSPECTOR_") or name == "SECRET_KEY"


def load_settings(path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Export the app's settings of `path` (default: the `.env` found from the working
    directory up) that the environment does not set already; return what was exported."""
    if path is None:
        path = find_dotenv(usecwd=True)
    if not path:
        return {}
    exported = {}
    for name, value in dotenv_values(path).items():
        if value is None or not is_app_setting(name) or name in os.environ:
            continue
        os.environ[name] = exported[name] = value
    return exported
