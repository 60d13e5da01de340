"""The `inspector` command (and `flask inspect`, the same commands): exit statuses, no traceback.

0 no error-level finding, 1 the report holds one, 2 usage error, 3 cannot start, 4 the inspector
itself failed. The real-process tests run `python -m inspector` from a directory outside the
checkout, with an environment that holds nothing of the developer's.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from inspector import cli

ROOT = Path(__file__).resolve().parent.parent
SECRET = "cli-test-jwt-secret-with-at-least-32-bytes"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _user_token(exp_in: int) -> str:
    now = int(time.time())
    claims = {"sub": "u1", "role": "authenticated", "aud": "authenticated", "iat": now - 60}
    return jwt.encode({**claims, "exp": now + exp_in}, SECRET, algorithm="HS256")


# The claims are the raw JSON text {"sub":"\ud800"}: a lone surrogate, which no UTF-8 output takes.
SURROGATE_TOKEN = ".".join(
    [_b64(b'{"alg":"HS256","typ":"JWT"}'), _b64(b'{"sub":"\\ud800"}'), _b64(b"sig")]
)


@pytest.fixture
def invoke(make_app):
    """Invoke `inspector ...` in-process, on the test app (the developer's .env stays out)."""

    def _invoke(*args: str, **overrides):
        info = ScriptInfo(create_app=lambda: make_app(**overrides), set_debug_flag=False)
        return CliRunner().invoke(cli.main, list(args), obj=info, prog_name="inspector")

    return _invoke


def test_help_lists_the_commands_and_the_exit_statuses(invoke):
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("token", "conn", "env", "serve"):
        assert f"  {name} " in result.output
    assert "4 the inspector itself failed" in " ".join(result.output.split())


def test_flask_inspect_is_the_same_commands(runner):
    assert cli.inspect_group.commands == cli.main.commands
    for name in ("token", "conn", "env", "serve"):
        assert cli.inspect_group.commands[name] is cli.main.commands[name]
    assert "serve" in runner.invoke(args=["inspect", "--help"]).output


@pytest.mark.parametrize("exp_in,status", [(600, 0), (-600, 1)], ids=["valid", "expired"])
def test_token_exit_status_follows_the_report(invoke, exp_in, status):
    args = ("token", _user_token(exp_in), "--key", SECRET, "--audience", "authenticated")
    assert invoke(*args).exit_code == status
    report = json.loads(invoke(*args, "--json").stdout)
    has_error = any(f["severity"] == "error" for f in report["findings"])
    assert status == (1 if has_error else 0)


@pytest.mark.parametrize(
    "args",
    [
        ("token",),
        ("nope",),
        ("conn", "postgresql://h/db", "--driver", "cobol"),
        ("serve", "--port", "0"),
    ],
)
def test_usage_errors_exit_2(invoke, args):
    assert invoke(*args).exit_code == 2


def test_bad_configuration_exits_3(invoke):
    result = invoke("token", _user_token(600), INSPECTOR_MODE="bogus")
    assert result.exit_code == 3
    assert result.stderr == (
        "inspector: cannot start: INSPECTOR_MODE must be 'local' or 'shared', got 'bogus'\n"
    )
    assert result.stdout == ""


def _crash(*args, **kwargs):
    raise RuntimeError(f"crashed on {SECRET}")


@pytest.mark.parametrize("command", ["inspector", "flask inspect"])
def test_a_crash_is_one_line_and_exit_4(invoke, runner, monkeypatch, command):
    """The safety net itself: a service that fails (a bug) is a line with its type, nothing else."""
    monkeypatch.setattr("inspector.tokens.inspect_token", _crash)
    args = ["token", _user_token(600), "--key", SECRET]
    result = invoke(*args) if command == "inspector" else runner.invoke(args=["inspect", *args])
    assert result.exit_code == 4
    assert result.stderr == "inspector: internal error: RuntimeError\n"
    assert SECRET not in result.output


# ---------- a real process: `python -m inspector` outside the checkout ----------


def _run(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "PYTHONPATH": str(ROOT),
        "LC_ALL": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "inspector", *args],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_process_reads_dotenv_of_the_working_directory_and_a_bad_one_exits_3(tmp_path):
    (tmp_path / ".env").write_text("INSPECTOR_MODE=bogus\n")
    result = _run(tmp_path, "token", _user_token(600))
    assert result.returncode == 3
    assert result.stderr == (
        "inspector: cannot start: INSPECTOR_MODE must be 'local' or 'shared', got 'bogus'\n"
    )


def test_process_a_token_that_cannot_be_printed_never_shows_a_traceback(tmp_path):
    """A lone surrogate in the claims: a report (0/1) once the service cleans it, else exit 4."""
    result = _run(tmp_path, "token", SURROGATE_TOKEN)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode in (0, 1, 4), result.stderr
    if result.returncode == 4:
        assert result.stderr.startswith("inspector: internal error: ")
        assert result.stderr.count("\n") == 1
        assert SURROGATE_TOKEN not in result.stderr


def test_process_env_file_not_utf8_is_a_finding_and_a_directory_a_usage_error(tmp_path):
    bad = tmp_path / "bad.env"
    bad.write_bytes(b"SUPABASE_URL=\xff\xfe\n")
    result = _run(tmp_path, "env", "--file", str(bad))
    assert result.returncode == 1
    assert "env_file_missing" in result.stdout
    assert "is not UTF-8 text" in result.stdout
    assert "Traceback" not in result.stderr
    result = _run(tmp_path, "env", "--file", str(tmp_path))
    assert result.returncode == 2
    assert f"Error: no .env file at {tmp_path}" in result.stderr
    assert "Traceback" not in result.stderr


def test_process_serve_on_a_busy_port_exits_3(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(tmp_path, "serve", "--port", str(port))
    assert result.returncode == 3
    assert result.stderr.endswith(f"inspector: cannot start: cannot listen on 127.0.0.1:{port}\n")
    assert "Traceback" not in result.stderr
