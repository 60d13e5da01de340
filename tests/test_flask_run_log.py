"""`make run` for real: `flask --app wsgi run` in a subprocess, a few requests carrying secrets
in their query strings, and the server's whole output (werkzeug's request lines included)
searched for them. The query string of every request line is scrubbed whole: a JWT in it is
masked with a space (`eyJh…(212 chars)`), which used to end the scrub and leave `&key=...`."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from inspector.web import logfilter

ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "run-log-jwt-secret-5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a"
KEY = "SECRETKEY-3b9f1c7e5a"
PASSWORD = "Pa55-run-log-8c6a4e2f"
TOKEN = jwt.encode({"sub": "u-1", "role": "authenticated", "exp": 4102444800}, JWT_SECRET)
SECRETS = (KEY, PASSWORD, JWT_SECRET, TOKEN, TOKEN.split(".")[1], TOKEN.split(".")[2])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert proc.poll() is None, "flask run exited"
            assert time.monotonic() < deadline, "flask run did not start"
            time.sleep(0.1)


def _raw(port: int, request_line: str) -> None:
    """A request line as a client wrote it (even one http.client would refuse to send)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"{request_line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        while s.recv(65536):
            pass


@pytest.fixture
def flask_run(tmp_path):
    """The app as `make run` starts it, on a free port; yields (port, log path)."""
    port = _free_port()
    log = tmp_path / "server.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "INSPECTOR_ENV_FILE": str(tmp_path / "none.env"),
        # Keep the developer's own .env out (wsgi.py and `flask` both load one).
        "PYTHON_DOTENV_DISABLED": "1",
        "FLASK_SKIP_DOTENV": "1",
        "PYTHONUNBUFFERED": "1",
    }
    flask = str(Path(sys.executable).parent / "flask")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [flask, "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, proc)
            yield port, log
        finally:
            proc.terminate()
            proc.wait(20)


def test_flask_run_logs_no_query_secret(flask_run):
    port, log = flask_run
    queries = [
        f"/api/v1/token?token={TOKEN}&key={KEY}",
        f"/token?token=Bearer%20{TOKEN}&key={KEY}&password={PASSWORD}",
        f"/connection?url=postgresql://u:{PASSWORD}@db.example.com/x&key={KEY}",
        f'/?a="&key={KEY}',
        f"/nope?{KEY}",
    ]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for path in queries:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.status < 500, (path[:30], r.status)
    conn.close()
    # Bad request lines: werkzeug logs them whole, in its error message and its request line.
    _raw(port, f"GET /token?key={KEY} {PASSWORD} HTTP/1.1")
    _raw(port, f"GET /token?token={TOKEN}&key={KEY}")
    time.sleep(0.5)  # the server logs after it has answered
    text = log.read_text(errors="replace")
    assert "GET /api/v1/token?*** HTTP/1.1" in text, text[-2000:]
    assert "GET /token?*** HTTP/1.1" in text, text[-2000:]
    for secret in SECRETS:
        assert secret not in text, f"{secret[:12]}… in flask run's log:\n{text[-3000:]}"


@pytest.mark.parametrize(
    "line",
    [
        f'127.0.0.1 - - [1/Jan/2026 10:00:00] "GET /api/v1/token?token={TOKEN}&key={KEY} HTTP/1.1"'
        " 405 -",
        # werkzeug colours request lines on a terminal: the escape code touches the method.
        f'127.0.0.1 - - [x] "\x1b[31m\x1b[1mGET /t?token={TOKEN}&key={KEY} HTTP/1.1\x1b[0m" 405 -',
        f'127.0.0.1 - - [x] "GET /t?a=\'&b="&key={KEY} HTTP/1.0" 200 -',
        f"code 400, message Bad request syntax ('GET /t?key={KEY} {PASSWORD} HTTP/1.1')",
        f"code 400, message Bad HTTP/0.9 request type ('GET /t?token={TOKEN}&key={KEY}')",
        f"a link to /token?token={TOKEN}&key={KEY} in a message",
    ],
)
def test_request_line_queries_are_scrubbed_whole(line):
    out = logfilter.scrub_text(line)
    for secret in SECRETS:
        assert secret not in out, out
    assert "?***" in out
