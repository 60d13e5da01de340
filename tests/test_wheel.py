"""`pip install .` gives an `inspector` command that works from any directory.

The wheel is built from the checkout and installed, with its dependencies (from PyPI, or pip's
cache), into a fresh virtual environment outside the checkout; every command then runs from an
empty directory with an environment that holds nothing of the developer's.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import jwt
import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "wheel-test-jwt-secret-with-at-least-32-bytes"
TITLE = "Supabase JWT &amp; Postgres inspector"


def _pip(*args: str | Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q", *args],
        check=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "-w", dist, ROOT)
    (built,) = dist.glob("inspector-*.whl")
    return built


@pytest.fixture(scope="module")
def bin_dir(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel and its pinned dependencies installed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    _pip("--python", venv / "bin" / "python", "install", wheel)
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> dict:
    """Where and how to run a command: an empty directory, nothing of the developer's."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"}
    return {"cwd": tmp_path, "env": env}


def _inspector(bin_dir: Path, elsewhere: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "inspector"), *args], capture_output=True, text=True, timeout=60, **elsewhere
    )


def _requirements(lines: list[str]) -> list[str]:
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def test_dependencies_are_requirements_txt():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = _requirements((ROOT / "requirements.txt").read_text().splitlines())
    assert project["dependencies"] == pinned


def test_wheel_carries_the_templates_and_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static"):
        on_disk = {
            f"inspector/{p.relative_to(ROOT).as_posix()}"
            for p in (ROOT / folder).rglob("*")
            if p.is_file()
        }
        assert on_disk, folder
        assert on_disk <= names, on_disk - names
    assert "inspector/cli.py" in names
    assert "inspector/tokens/weak_secrets.txt" in names  # package data: the forgeable check's list
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "templates/"))]


def test_installed_command_runs_the_installed_package(bin_dir, elsewhere):
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import inspector; print(inspector.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        **elsewhere,
    ).stdout
    assert Path(where).resolve().is_relative_to(bin_dir.parent.resolve())
    result = _inspector(bin_dir, elsewhere, "--help")
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout and "token" in result.stdout


@pytest.mark.parametrize("exp_in,status", [(600, 0), (-600, 1)], ids=["valid", "expired"])
def test_installed_token_exit_status(bin_dir, elsewhere, exp_in, status):
    now = int(time.time())
    claims = {"sub": "u1", "role": "authenticated", "aud": "authenticated", "exp": now + exp_in}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    args = ("token", token, "--key", SECRET, "--audience", "authenticated")
    result = _inspector(bin_dir, elsewhere, *args, "--json")
    report = json.loads(result.stdout)
    assert result.returncode == (
        1 if any(f["severity"] == "error" for f in report["findings"]) else 0
    )
    assert result.returncode == status
    assert report["signature"]["status"] == "valid"
    assert _inspector(bin_dir, elsewhere, *args).returncode == status


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type", ""), r.read().decode()
    finally:
        conn.close()


def test_installed_serve_renders_the_site(bin_dir, elsewhere):
    port = _free_port()
    proc = subprocess.Popen(
        [str(bin_dir / "inspector"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **elsewhere,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "inspector serve did not start"
                time.sleep(0.1)
        status, _, html = _get(port, "/")
        assert status == 200
        assert f" · {TITLE}</title>" in html
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert stylesheet, html[:500]
        status, content_type, css = _get(port, stylesheet.group(1))
        assert status == 200
        assert content_type.startswith("text/css")
        assert css.strip()
        assert _get(port, "/token")[0] == 200
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()
