"""Every command line the README shows runs, with the exit status the README shows (issue 11 §2).

The commands are the lines of the README's ```sh blocks that run this tool: `inspector ...`,
`flask ... inspect ...` (also at the end of a pipe) and `curl` against the site
(`127.0.0.1:5000`). Each carries its expected status in a comment, `# exit N`, on its line or on
the comment lines just after it; `inspector serve` says `(runs until Ctrl+C)` and is started,
asked for /healthz and stopped. A curl command's output comments name codes
(`"code": "tcp_refused"`): each must be in the real answer.

They run in bash as real processes, in a directory of their own holding the files they name
(token.txt, .env, .env.production, app.py), with the variables they name set to values this suite
controls: $DATABASE_URL is the TLS test cluster, $SUPABASE_JWT_SECRET signs $ACCESS_TOKEN and the
project's keys, and the hosts stand for local servers:
  127.0.0.1:5000             -> an `inspector serve` of this checkout on a free port
  http://127.0.0.1:8000      -> the loopback backend (tests/fixtures/backend.py: jwt.decode with
                                the secret)
  https://<ref>.supabase.co  -> the same backend's Supabase-shaped /auth/v1/user (in `--project`)
Lines no local server can stand for are ILLUSTRATIONS, listed below with why.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

import jwt
import pytest

from tests.fixtures.postgres import APP_PASSWORD

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REF = "abcdefghijklmnopqrst"
SECRET = "readme-test-jwt-secret-with-at-least-32-characters"
# README lines shown as illustrations only, by their command's start: why no local server can
# stand for them. Keep this short: a command that can run here runs.
ILLUSTRATIONS: dict[str, str] = {}
_SELECTED = re.compile(
    r"(?:^|\|\s*)(?:inspector\s|flask\s.*\binspect\s)|^curl\s.*127\.0\.0\.1:5000"
)


@dataclass(frozen=True)
class Command:
    line: int  # where it starts in README.md
    text: str  # the command, continuation lines joined
    exit: int | None  # from `# exit N`
    server: bool  # `(runs until Ctrl+C)`
    shows: tuple[str, ...]  # the codes its output comments name

    @property
    def id(self) -> str:
        return f"L{self.line}: {self.text[:60]}"


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of one shell line: a `#` outside quotes that starts a word."""
    quote_char = None
    for i, c in enumerate(line):
        if quote_char:
            if c == quote_char:
                quote_char = None
            elif c == "\\" and quote_char == '"':
                continue
        elif c in "'\"":
            quote_char = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def readme_commands() -> list[Command]:
    lines = README.read_text(encoding="utf-8").splitlines()
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            start = i
            code, comment = _split_comment(lines[i])
            comments = [comment]
            while code.endswith("\\") and i + 1 < len(lines):
                i += 1
                more, comment = _split_comment(lines[i])
                code = code[:-1].rstrip() + " " + more.strip()
                comments.append(comment)
            while i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#"):
                i += 1  # the output it shows
                comments.append(lines[i].lstrip()[1:].strip())
            i += 1
            if not code.strip() or not _SELECTED.search(code.strip()):
                continue
            said = " ".join(comments)
            m = re.search(r"\bexit (\d)\b", said)
            commands.append(
                Command(
                    line=start + 1,
                    text=code.strip(),
                    exit=int(m.group(1)) if m else None,
                    server="runs until Ctrl+C" in said,
                    shows=tuple(re.findall(r'"code": "([a-z0-9_]+)"', said)),
                )
            )
        i += 1
    return commands


COMMANDS = readme_commands()


def _illustration(cmd: Command) -> bool:
    return any(cmd.text.startswith(start) for start in ILLUSTRATIONS)


def test_the_readme_shows_commands_and_each_its_exit_status():
    assert len(COMMANDS) >= 15
    unmarked = [c.id for c in COMMANDS if c.exit is None and not c.server and not _illustration(c)]
    assert unmarked == [], "add `# exit N` (or `(runs until Ctrl+C)`) to these README lines"
    for start in ILLUSTRATIONS:
        assert any(c.text.startswith(start) for c in COMMANDS), f"no README line {start!r}"


# ---------- the world the commands run in ----------


def _token(claims: dict, secret: str = SECRET) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now, **claims}, secret, algorithm="HS256")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class World:
    cwd: Path
    env: dict[str, str]
    site: str  # 127.0.0.1:<port> of the served instance
    backend: str  # http://127.0.0.1:<port> of the loopback backend

    def command(self, cmd: Command) -> str:
        return (
            cmd.text.replace("127.0.0.1:5000", self.site)
            .replace("http://127.0.0.1:8000", self.backend)
            .replace("https://<ref>.supabase.co", self.backend)
        )


@pytest.fixture(scope="module")
def world(pg, _backend_server, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("readme")
    cluster = pg["tls_ca"]
    anon = _token({"iss": "supabase", "ref": REF, "role": "anon", "exp": int(time.time()) + 10**8})
    service = _token(
        {"iss": "supabase", "ref": REF, "role": "service_role", "exp": int(time.time()) + 10**8}
    )
    access = _token(
        {
            "iss": f"https://{REF}.supabase.co/auth/v1",
            "sub": "0b2f1bfa-7a5e-4a5e-9a4e-3c5f9d6a1e21",
            "aud": "authenticated",
            "role": "authenticated",
            "email": "user@example.com",
            "session_id": "5d8c0a34-0d6b-4a7e-8d6e-1f1f7f0c2b11",
            "exp": int(time.time()) + 3600,
        }
    )
    database_url = (
        f"postgresql+asyncpg://app:{quote(APP_PASSWORD, safe='')}@localhost:{cluster.port}"
        "/postgres?ssl=require"
    )
    env_lines = (
        f"SUPABASE_URL=https://{REF}.supabase.co\n"
        f"SUPABASE_ANON_KEY={anon}\n"
        f"SUPABASE_SERVICE_ROLE_KEY={service}\n"
        f"SUPABASE_JWT_SECRET={SECRET}\n"
        f"DATABASE_URL={database_url}\n"
    )
    (cwd / ".env").write_text(env_lines)
    (cwd / ".env.production").write_text(env_lines)
    (cwd / "token.txt").write_text(access + "\n")
    (cwd / "app.py").write_text(
        "import sys\n"
        "print('Traceback (most recent call last):', file=sys.stderr)\n"
        "print('psycopg2.OperationalError: connection to server at \"aws-0-eu-central-1.pooler."
        "supabase.com\" (3.65.0.1), port 5432 failed: FATAL:  Tenant or user not found',"
        " file=sys.stderr)\n"
        "sys.exit(1)\n"
    )
    shims = cwd / "bin"
    shims.mkdir()
    # `inspector` as installed (`pipx install .`): this checkout's `python -m inspector`.
    (shims / "inspector").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m inspector "$@"\n')
    (shims / "inspector").chmod(0o755)
    venv_bin = Path(sys.executable).parent
    env = {
        "PATH": f"{shims}:{venv_bin}:/usr/bin:/bin",
        "HOME": str(cwd),
        "PYTHONPATH": str(ROOT),
        "LC_ALL": "C.UTF-8",
        "INSPECTOR_DISCOVER_KEYS": "0",  # nothing leaves this machine
        "SUPABASE_URL": f"https://{REF}.supabase.co",
        "SUPABASE_ANON_KEY": anon,
        "SUPABASE_SERVICE_ROLE_KEY": service,
        "SUPABASE_JWT_SECRET": SECRET,
        "ACCESS_TOKEN": access,
        "DATABASE_URL": database_url,
        "PGPASSWORD": APP_PASSWORD,
    }
    backend = _backend_server
    backend.reset()
    backend.verifier.key = SECRET
    backend.project.secret = SECRET
    backend.project.apikey = anon
    port = _free_port()
    try:
        with _serving(["inspector", "serve", "--port", str(port)], port, cwd, env):
            yield World(cwd, env, f"127.0.0.1:{port}", backend.base.rstrip("/"))
    finally:
        backend.reset()


@contextmanager
def _serving(argv: list[str], port: int, cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """A site started, /healthz answered, then stopped (its stderr in a log file)."""
    log = cwd / f"serve-{port}.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, log)
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the site exited {proc.returncode}: {log.read_text()}")
        try:
            with urlopen(url, timeout=1) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s: {log.read_text()}")


def _run(world: World, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=world.cwd,
        env=world.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.id for c in COMMANDS])
def test_readme_command(world, cmd):
    if _illustration(cmd):
        pytest.skip(ILLUSTRATIONS[next(s for s in ILLUSTRATIONS if cmd.text.startswith(s))])
    command = world.command(cmd)
    if cmd.server:
        port = _free_port()
        with _serving(["bash", "-c", f"exec {command} --port {port}"], port, world.cwd, world.env):
            pass
        return
    result = _run(world, command)
    shown = f"$ {command}\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == cmd.exit, shown
    assert "Traceback" not in result.stderr, shown
    for code in cmd.shows:
        assert f'"code": "{code}"' in result.stdout.replace('":"', '": "'), shown
    if "--json" in command or command.startswith("curl"):
        json.loads(result.stdout)
