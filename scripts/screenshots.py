"""Screenshots of every page, light and dark, narrow and wide, with real example input.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--pages home,token,...]

Starts the app on a free loopback port, drives the system's Chromium with Playwright, fills each
inspector with example input made on the spot (a freshly minted, expired Supabase-style token; a
connection string to a refused loopback port; a .env with mismatched keys; a traceback) and saves
one viewport PNG per page, theme and width: `<page>-<light|dark>-<narrow|wide>.png`.
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jwt  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from inspector import create_app  # noqa: E402
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

WIDTHS = {"narrow": {"width": 390, "height": 844}, "wide": {"width": 1366, "height": 900}}
THEMES = ("light", "dark")
REF = "abcdefghijklmnopqrst"
SECRET = "a-project-jwt-secret-that-is-long-enough-123"

# supabase/cli#1910 (pasted-errors.md §9.2): SQLAlchemy over psycopg2 to the IPv6-only direct host
# from an IPv4-only network, printed as Python prints the chain (frames of SQLAlchemy 2.1).
EXPLAIN_TRACEBACK = """Traceback (most recent call last):
  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 154, in __init__
    self._dbapi_connection = engine.raw_connection()
  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/pool/base.py", line 943, in __connect
    self.dbapi_connection = connection = pool._invoke_creator(self)
  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/default.py", line 869, in connect
    return self.loaded_dbapi.connect(*cargs, **cparams)
  File "/app/.venv/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
psycopg2.OperationalError: connection to server at "db.abcdefghijklmnopqrst.supabase.co" \
(2a05:d014:1c06:5f00:4c43:2a1c:6b3e:91d7), port 5432 failed: Network is unreachable
\tIs the server running on that host and accepting TCP/IP connections?


The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/main.py", line 14, in <module>
    with engine.connect() as conn:
  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 3279, in connect
    return self._connection_cls(self)
sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \
"db.abcdefghijklmnopqrst.supabase.co" (2a05:d014:1c06:5f00:4c43:2a1c:6b3e:91d7), port 5432 \
failed: Network is unreachable
\tIs the server running on that host and accepting TCP/IP connections?

(Background on this error at: https://sqlalche.me/e/21/e3q8)
"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def examples(tls_url: str | None = None) -> dict[str, dict[str, str]]:
    """Example inputs, minted now, so times read naturally ("expired 3 h ago").

    `tls_url`: a real local PostgreSQL with TLS from a test CA (certifi does not trust it: the
    CERTIFICATE_VERIFY_FAILED story); without it, a refused loopback port."""
    now = int(time.time())
    user_token = jwt.encode(
        {
            "iss": f"https://{REF}.supabase.co/auth/v1",
            "sub": "8d7c2f7e-1c2b-4c4e-9d61-3f0b5f1e2a10",
            "aud": "authenticated",
            "exp": now - 3 * 3600 - 12 * 60,
            "iat": now - 4 * 3600 - 12 * 60,
            "email": "dev@example.com",
            "role": "authenticated",
            "aal": "aal1",
            "session_id": "0f4c3a8e-6a0b-4e59-9a7e-5b1d6d0c9e21",
            "is_anonymous": False,
        },
        SECRET,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    anon = jwt.encode(
        {
            "iss": "supabase",
            "ref": REF,
            "role": "anon",
            "iat": now - 86400,
            "exp": now + 315_360_000,
        },
        SECRET,
        algorithm="HS256",
    )
    service = jwt.encode(
        {
            "iss": "supabase",
            "ref": REF,
            "role": "service_role",
            "iat": now - 86400,
            "exp": now + 315_360_000,
        },
        SECRET,
        algorithm="HS256",
    )
    env_text = (
        f"SUPABASE_URL=https://{REF}.supabase.co\n"
        f"SUPABASE_ANON_KEY={anon}\n"
        f"NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY={service}\n"
        f'SUPABASE_JWT_SECRET="{anon}"\n'
        "DATABASE_URL=postgres://postgres:[YOUR-PASSWORD]@db.zyxwvutsrqponmlkjihg.supabase.co:5432/postgres\n"
    )
    return {
        "token": {"token": f"Bearer {user_token}", "key": SECRET, "audience": "authenticated"},
        "connection": {
            "url": tls_url or "postgresql://postgres:hunter2@127.0.0.1:1/postgres?sslmode=require"
        },
        "env": {"text": env_text},
        "explain": {"text": EXPLAIN_TRACEBACK},
    }


def start_tls_postgres():
    """A real PostgreSQL with TLS (the test suite's `tls_ca` cluster), or None if unavailable."""
    try:
        from tests.fixtures.postgres import pg_available, start_test_clusters

        if not pg_available():
            return None
        return start_test_clusters(("tls_ca",))
    except Exception as exc:  # noqa: BLE001 - the refused port is a fine fallback
        print(f"no local PostgreSQL for the connection page ({exc}); using a refused port")
        return None


def fill_and_submit(page, form_id: str, values: dict[str, str]) -> bool:
    """Fill the named fields of form `form_id` and submit it; False if the form is not there."""
    form = page.locator(f"form#{form_id}")
    if form.count() == 0:
        # Fall back to the form that holds the first field.
        first = next(iter(values), None)
        form = page.locator(f'form:has([name="{first}"])') if first else form
    if form.count() == 0:
        return False
    form = form.first
    for name, value in values.items():
        field = form.locator(f'[name="{name}"]')
        if field.count():
            field.first.fill(value)
    with page.expect_navigation():
        form.locator('button[type="submit"], input[type="submit"]').first.click()
    return True


def shoot(base: str, out: Path, pages: list[str], tls_url: str | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    inputs = examples(tls_url)
    made: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for theme in THEMES:
            for width_name, viewport in WIDTHS.items():
                context = browser.new_context(
                    base_url=base, viewport=viewport, color_scheme=theme, reduced_motion="reduce"
                )
                page = context.new_page()
                for name in pages:
                    if name == "home":
                        page.goto("/")
                    else:
                        page.goto(f"/{name}")
                        fill_and_submit(page, f"{name}-form", inputs.get(name, {}))
                    page.wait_for_load_state("load")
                    path = out / f"{name}-{theme}-{width_name}.png"
                    page.screenshot(path=str(path), full_page=False)
                    made.append(path)
                context.close()
        browser.close()
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--pages", default="home,token,connection,env,explain")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: run `make system-deps`", file=sys.stderr)
        return 1
    # The developer's own configuration stays out of the pictures.
    for name in ("SUPABASE_JWT_SECRET", "SUPABASE_URL", "DATABASE_URL", "INSPECTOR_MODE"):
        os.environ.pop(name, None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "INSPECTOR_MODE": "local",
                "INSPECTOR_ENV_FILE": str(Path(tmp) / "missing.env"),
                "INSPECTOR_PROBE_TIMEOUT": 2.0,
            }
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        clusters = start_tls_postgres() if "connection" in args.pages else None
        try:
            tls_url = clusters["tls_ca"].url(sslmode="verify-full") if clusters else None
            made = shoot(f"http://127.0.0.1:{port}", out, args.pages.split(","), tls_url)
        finally:
            server.shutdown()
            if clusters:
                from tests.fixtures.postgres import stop_test_clusters

                stop_test_clusters(clusters)
    for path in made:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
