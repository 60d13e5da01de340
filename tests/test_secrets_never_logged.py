"""Secrets never reach a log, a response header or a cookie: a full round of inspections with
known secrets, through the pages and the API, with every log captured at DEBUG; then the same
through a real werkzeug server and a real gunicorn with their access logs."""

from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import jwt
import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.serving import make_server

from inspector.redact import redact_text
from inspector.web import logfilter
from tests.fixtures.paste import paste

ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "team-jwt-secret-4c6f2b7e9d1a3f5b8c0e2d4f6a8b0c2e"
DB_PASSWORD = "Pa55-w0rd-9f8e7d6c5b4a"
SB_SECRET = "sb_secret_Q2hY4u9mZk3XrT7wLp0sNvB1"
SHAPELESS = "plain words that are secret 73b1"  # no shape at all: only the request knows it
NOW = int(time.time())
USER_TOKEN = jwt.encode(
    {
        "sub": "7f0e9c1a-0000-4000-8000-000000000001",
        "role": "authenticated",
        "aud": "authenticated",
        "iss": "https://abcdefghijklmnopqrst.supabase.co/auth/v1",
        "iat": NOW - 60,
        "exp": NOW + 3600,
        "session_id": "s-1",
    },
    JWT_SECRET,
    algorithm="HS256",
)
SERVICE_KEY = jwt.encode(
    {
        "iss": "supabase",
        "ref": "abcdefghijklmnopqrst",
        "role": "service_role",
        "iat": NOW - 60,
        "exp": NOW + 10**8,
    },
    JWT_SECRET,
    algorithm="HS256",
)
DB_URL = f"postgresql://postgres.abcdefghijklmnopqrst:{DB_PASSWORD}@127.0.0.1:1/postgres"
ENV_TEXT = (
    "SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co\n"
    f"SUPABASE_JWT_SECRET={JWT_SECRET}\n"
    f"SUPABASE_SERVICE_ROLE_KEY={SERVICE_KEY}\n"
    f"SUPABASE_SECRET_KEY={SB_SECRET}\n"
    f"DATABASE_URL={DB_URL}\n"
    f"NEXT_PUBLIC_SUPABASE_ANON_KEY={SERVICE_KEY}\n"
)
SECRETS = {
    "jwt secret": JWT_SECRET,
    "db password": DB_PASSWORD,
    "sb secret": SB_SECRET,
    "user token": USER_TOKEN,
    "service key": SERVICE_KEY,
    # the signature alone is enough to reuse nothing, but the body+signature is the token
    "user token body": USER_TOKEN.split(".", 1)[1],
}


def assert_no_secret(text: str, where: str, extra: dict[str, str] | None = None):
    for name, secret in {**SECRETS, **(extra or {})}.items():
        assert secret not in text, f"{name} found in {where}"


# --- the scrubber itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    "message,secret",
    [
        (f"token was {USER_TOKEN}", USER_TOKEN),
        (f"Authorization: Bearer {USER_TOKEN}", USER_TOKEN),
        (f"key {SB_SECRET} refused", SB_SECRET),
        (f"KEY_{SB_SECRET}", SB_SECRET),
        (f"connecting to {DB_URL}", DB_PASSWORD),
        ("postgresql://postgres:p@ss#w0rd@db.x.supabase.co:5432/postgres", "p@ss#w0rd"),
        (f"host=db user=postgres password={DB_PASSWORD} dbname=postgres", DB_PASSWORD),
        (f"host=db password='{DB_PASSWORD} x' dbname=postgres", DB_PASSWORD),
        (f'{{"password": "{DB_PASSWORD}"}}', DB_PASSWORD),
        (f'{{"key": "{JWT_SECRET}"}}', JWT_SECRET),
        (f"SUPABASE_JWT_SECRET={JWT_SECRET}", JWT_SECRET),
        (f"export PGPASSWORD={DB_PASSWORD}", DB_PASSWORD),
        (f'"GET /token?token={USER_TOKEN[:20]}abc HTTP/1.1" 200', USER_TOKEN[:20]),
        ('"GET /env?password=hunter2hunter2 HTTP/1.1" 200', "hunter2hunter2"),
        (f"Error handling request /x?secret={DB_PASSWORD}", DB_PASSWORD),
        (f"a JWE {USER_TOKEN}.part4.part5", "part4.part5"),
    ],
)
def test_scrub_masks_shaped_secrets(message, secret):
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, (), None)
    logfilter.SecretFilter().filter(record)
    assert secret not in record.getMessage()


def test_scrub_masks_args_and_tracebacks():
    try:
        raise ValueError(f"bad value {DB_URL}")
    except ValueError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed for %s", (USER_TOKEN,), sys.exc_info()
        )
    logfilter.SecretFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "failed for" in text and "ValueError" in text
    assert_no_secret(text, "formatted record")


def test_request_secrets_are_masked_whatever_their_shape():
    logfilter.install()
    token = logfilter.set_request_secrets(logfilter.secrets_in({"key": f"  {SHAPELESS}  "}))
    try:
        record = logging.getLogger("inspector.test").makeRecord(
            "inspector.test", logging.INFO, __file__, 1, "key is %s", (SHAPELESS,), None
        )
    finally:
        logfilter.reset_request_secrets(token)
    assert SHAPELESS not in record.getMessage()


def test_secrets_in_reads_the_secret_fields():
    found = logfilter.secrets_in(
        {
            "token": f"Bearer {USER_TOKEN}",
            "key": f'"{JWT_SECRET}"',
            "text": ENV_TEXT,
            "audience": "authenticated",
            "driver": "psycopg2",
        }
    )
    assert USER_TOKEN in found and JWT_SECRET in found and SB_SECRET in found
    assert "authenticated" not in found and "psycopg2" not in found


def test_redact_text_longest_secret_first():
    out = redact_text(f"x {JWT_SECRET} y", ("team-jwt", JWT_SECRET))
    assert "4c6f2b7e" not in out


# --- a full round through the app -----------------------------------------------------------


@pytest.fixture
def capture(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("inspector", "werkzeug", "flask-limiter", "flask_wtf.csrf"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _round(c, app):
    """Every inspector, every way in, with secrets; plus error paths that see the secrets."""
    yield c.post(
        "/token",
        data={"token": f"Bearer {USER_TOKEN}", "key": JWT_SECRET, "audience": "authenticated"},
    )
    yield c.post("/token", data={"token": SERVICE_KEY, "key": SB_SECRET})
    yield c.post("/token", data={"token": USER_TOKEN, "key": SHAPELESS})
    yield c.post(
        "/api/v1/token", json={"token": USER_TOKEN, "key": JWT_SECRET, "audience": "authenticated"}
    )
    yield c.post("/api/v1/token", json={"token": SB_SECRET, "key": SERVICE_KEY})
    # The paste box answers with a 307 to the inspector's page; the browser posts there.
    for text in (USER_TOKEN, DB_URL, ENV_TEXT):
        landed = paste(c, text)
        yield from landed.history
        yield landed
    yield c.post("/connection", data={"url": DB_URL, "password": DB_PASSWORD, "timeout": "1"})
    yield c.post(
        "/api/v1/connection", json={"url": DB_URL, "password": DB_PASSWORD, "probe": False}
    )
    yield c.post("/api/v1/connection", json={"url": DB_URL, "timeout": 1})
    yield c.post("/env", data={"text": ENV_TEXT})
    yield c.post("/api/v1/env", json={"text": ENV_TEXT})
    # Errors that carry the secrets in.
    yield c.post(
        "/api/v1/token", data=f'{{"token": "{USER_TOKEN}"', content_type="application/json"
    )
    yield c.post("/api/v1/token", json={"token": 1, "key": JWT_SECRET})
    yield c.post("/api/v1/token", data=f"token={USER_TOKEN}")
    yield c.post("/", data={"text": ENV_TEXT * 400})  # 413
    yield c.get(f"/token?token={USER_TOKEN}&key={JWT_SECRET}")
    yield c.get(f"/{DB_PASSWORD}")
    yield c.post("/debug-log", data={"key": SHAPELESS, "password": DB_PASSWORD})


def _add_logging_route(app):
    """A view that logs what it was sent, as careless code would, at every level."""
    from flask import request

    def debug_log():
        log = app.logger
        for k, v in request.form.items():
            log.debug("field %s=%s", k, v)
            log.warning("field %s was %r", k, v)
        try:
            raise RuntimeError(f"could not use {request.form.get('key')}")
        except RuntimeError:
            log.exception("careless")
        logging.getLogger("some.library").info("library saw %s", request.form.get("password"))
        return "logged"

    app.add_url_rule("/debug-log", "debug_log", debug_log, methods=["POST"])


@pytest.mark.parametrize("mode", ["local", "shared"])
def test_full_round_leaves_no_secret_in_logs_headers_or_cookies(make_app, capture, mode):
    extra = (
        {
            "INSPECTOR_MODE": "shared",
            "SECRET_KEY": "3f1c0a9b8e7d6c5b4a39281706f5e4d3",
            "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
            "INSPECTOR_RATE_LIMIT": "1000/minute",
        }
        if mode == "shared"
        else {}
    )
    app = make_app(INSPECTOR_MAX_BODY=4096, **extra)
    _add_logging_route(app)
    c = app.test_client()
    if mode == "shared":
        c.environ_base["HTTP_X_FORWARDED_USER"] = "ana"
    statuses = []
    for r in _round(c, app):
        statuses.append(r.status_code)
        assert_no_secret(str(r.headers), f"headers of {r.request.path}", {"shapeless": SHAPELESS})
        for cookie in r.headers.getlist("Set-Cookie"):
            assert_no_secret(cookie, "a cookie", {"shapeless": SHAPELESS})
        assert r.status_code != 500
    assert 413 in statuses and 400 in statuses and 404 in statuses
    # The careless view did log, and what it logged is masked.
    text = capture.text
    assert "careless" in text and "field key" in text and "RuntimeError" in text
    assert_no_secret(text, "the captured logs", {"shapeless": SHAPELESS})
    for record in capture.records:
        assert_no_secret(record.getMessage(), f"record {record.name}", {"shapeless": SHAPELESS})
    cookie = c.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is not None:
        data = URLSafeTimedSerializer(
            app.config["SECRET_KEY"],
            salt="cookie-session",
            signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
        ).loads(cookie.value)
        assert set(data) <= {"csrf_token", "gate", "_permanent"}


# --- real servers and their access logs -----------------------------------------------------


def test_werkzeug_access_log_has_no_query_or_secret(make_app, capture):
    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        conn.request("GET", f"/token?token={USER_TOKEN}&password={DB_PASSWORD}")
        conn.getresponse().read()
        conn.request(
            "POST",
            "/api/v1/token",
            body=json.dumps({"token": USER_TOKEN, "key": JWT_SECRET}),
            headers={"Content-Type": "application/json"},
        )
        conn.getresponse().read()
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    lines = [r.getMessage() for r in capture.records if r.name == "werkzeug"]
    assert any("GET /token?" in line for line in lines), lines
    assert any("POST /api/v1/token" in line for line in lines), lines
    assert_no_secret("\n".join(lines), "werkzeug's access log")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_logs_have_no_secret(tmp_path):
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "INSPECTOR_ENV_FILE": str(tmp_path / "none.env"),
        "INSPECTOR_BIND": f"127.0.0.1:{port}",
        "INSPECTOR_WORKERS": "1",
        "INSPECTOR_ACCESS_LOG": str(access),
        "INSPECTOR_LOG_LEVEL": "debug",
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--error-logfile",
            str(errors),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                assert proc.poll() is None, "gunicorn exited"
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        for method, path, body in [
            ("GET", f"/token?token={USER_TOKEN}&password={DB_PASSWORD}", None),
            ("POST", "/api/v1/token", {"token": f"Bearer {USER_TOKEN}", "key": JWT_SECRET}),
            ("POST", "/api/v1/env", {"text": ENV_TEXT}),
            ("POST", "/api/v1/connection", {"url": DB_URL, "probe": False}),
            ("GET", f"/{SB_SECRET}", None),
        ]:
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {USER_TOKEN}",
                "Referer": f"http://x/?k={JWT_SECRET}",
            }
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            r = conn.getresponse()
            r.read()
            assert r.status != 500
            assert_no_secret(str(r.headers), f"gunicorn response headers for {path[:20]}")
        conn.close()
    finally:
        proc.terminate()
        proc.wait(20)
    access_text = access.read_text()
    assert "GET /token" in access_text and "POST /api/v1/token" in access_text
    assert_no_secret(access_text, "gunicorn's access log")
    assert_no_secret(errors.read_text(), "gunicorn's error log")
