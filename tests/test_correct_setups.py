"""No false alarms (issue 11 §2): a set-up that works gets no error-level finding.

Each row of the table is a connection string (or a `.env`) that is right as it stands. Each is
checked three ways: statically (no error-level finding), by the command line as a real process
(`python -m inspector conn ...` / `env ...`, exit 0) and, where the row can reach the test
clusters, live: the verdict is `connected` (tests/fixtures/postgres.py: `tls_ca` has a
certificate for localhost and 127.0.0.1 from the test CA, password users; its Unix socket trusts
every local user).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest

from inspector.connections import inspect_connection
from inspector.env import inspect_env
from tests.fixtures.paste import paste
from tests.fixtures.postgres import APP_PASSWORD

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
REF = "abcdefghijklmnopqrst"
POOLER = "aws-0-eu-central-1.pooler.supabase.com"
# Roles whose passwords need percent-encoding in a URI (made once in the tls_ca cluster).
ENCODED_ROLES = {"enc_at": "s@f#", "enc_slash": "apples/oranges"}


@dataclass(frozen=True)
class Setup:
    """One correct set-up: the string (with `{port}`, `{ca}`, `{sock}` filled in from the
    cluster), the CLI's extra arguments, and whether it can be probed here."""

    id: str
    url: str
    args: tuple[str, ...] = ()
    live: bool = True
    password: str | None = None
    driver: str = "auto"


SETUPS = [
    Setup(
        "verify-full with sslrootcert in the URL",
        "postgresql://app:{pw}@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={ca}",
    ),
    Setup(
        "verify-ca with sslrootcert, by address",
        "postgresql://app:{pw}@127.0.0.1:{port}/postgres?sslmode=verify-ca&sslrootcert={ca}",
    ),
    Setup(
        "the dashboard's [YOUR-PASSWORD] and the password given apart",
        "postgresql://app:[YOUR-PASSWORD]@localhost:{port}/postgres"
        "?sslmode=verify-full&sslrootcert={ca}",
        args=("--password", APP_PASSWORD),
        password=APP_PASSWORD,
    ),
    Setup(
        "a password percent-encoded already: s%40f%23",
        "postgresql://enc_at:s%40f%23@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={ca}",
    ),
    Setup(
        "a password percent-encoded already: apples%2Foranges",
        "postgresql://enc_slash:apples%2Foranges@localhost:{port}/postgres"
        "?sslmode=verify-full&sslrootcert={ca}",
    ),
    Setup(
        "?ssl=true in a URI (libpq: sslmode=require)",
        "postgresql://app:{pw}@localhost:{port}/postgres?ssl=true",
        driver="psycopg2",
        args=("--driver", "psycopg2"),
    ),
    Setup(
        "the keyword form with verify-full",
        "host=localhost port={port} user=app password={pw} dbname=postgres sslmode=verify-full "
        "sslrootcert={ca}",
    ),
    Setup(
        "a SQLAlchemy URL with verify-full",
        "postgresql+psycopg2://app:{pw}@localhost:{port}/postgres?sslmode=verify-full"
        "&sslrootcert={ca}",
    ),
    Setup(
        "a host name for the certificate, hostaddr for the address",
        "postgresql://app:{pw}@localhost:{port}/postgres?hostaddr=127.0.0.1&sslmode=verify-full"
        "&sslrootcert={ca}",
    ),
    Setup(
        "hostaddr alone is TCP to that address",
        "postgresql://?hostaddr=127.0.0.1&port={port}&user=app&password={pw}&dbname=postgres"
        "&sslmode=require",
    ),
    Setup(
        "the socket directory in the query, the port in the authority",
        "postgresql://app@:{port}/postgres?host={sock}",
    ),
    Setup(
        "a JDBC URL",
        "jdbc:postgresql://localhost:{port}/postgres?user=app&password={pw}&sslmode=verify-full"
        "&sslrootcert={ca}",
    ),
    Setup(
        "a psql command line",
        "PGPASSWORD={pw} psql -h localhost -p {port} -U app -d postgres",
    ),
    Setup(
        "psql with a URI",
        'psql "postgresql://app:{pw}@localhost:{port}/postgres?sslmode=verify-full'
        '&sslrootcert={ca}"',
    ),
    # Static only: hosts this suite cannot reach.
    Setup(
        "Supabase's session pooler, postgres.<ref>, verify-full with its CA",
        f"postgresql://postgres.{REF}:pw-Secret-1@{POOLER}:5432/postgres"
        "?sslmode=verify-full&sslrootcert=prod-ca-2021.crt",
        live=False,
    ),
    Setup(
        "Supabase's transaction pooler from psycopg2",
        f"postgresql://postgres.{REF}:pw-Secret-1@{POOLER}:6543/postgres"
        "?sslmode=verify-full&sslrootcert=prod-ca-2021.crt",
        live=False,
        driver="psycopg2",
        args=("--driver", "psycopg2"),
    ),
    Setup(
        "the README's dashboard string with --password",
        f"postgresql://postgres:[YOUR-PASSWORD]@db.{REF}.supabase.co:5432/postgres",
        args=("--password", "pw-Secret-1"),
        live=False,
        password="pw-Secret-1",
    ),
    Setup(
        "the local Supabase CLI stack",
        "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
        live=False,
    ),
]


@pytest.fixture(scope="module")
def cluster(pg):
    """The tls_ca cluster, with the roles whose passwords need encoding."""
    c = pg["tls_ca"]
    conn = psycopg2.connect(host=str(c.socket_dir), port=c.port, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        for role, password in ENCODED_ROLES.items():
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD %s', (password,))
    conn.close()
    return c


@pytest.fixture(scope="module")
def ca_file(pg, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "test-ca.crt"
    path.write_text(pg.ca_pem)
    return path


def _filled(setup: Setup, cluster, ca_file: Path) -> str:
    return (
        setup.url.replace("{pw}", quote(APP_PASSWORD, safe=""))
        .replace("{port}", str(cluster.port))
        .replace("{ca}", str(ca_file))
        .replace("{sock}", quote(str(cluster.socket_dir), safe=""))
    )


def _errors(findings) -> list[str]:
    return [f"{f.code}: {f.detail}" for f in findings if f.severity.value == "error"]


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m inspector ...` as a real process, with no PG* variable of this machine."""
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
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("setup", SETUPS, ids=[s.id for s in SETUPS])
def test_no_error_statically(setup, cluster, ca_file):
    url = _filled(setup, cluster, ca_file)
    report = inspect_connection(url, password=setup.password, driver=setup.driver, probe=False)
    assert report.parsed.ok, report.parsed.error
    assert _errors(report.findings) == []


@pytest.mark.parametrize(
    "setup", [s for s in SETUPS if s.live], ids=[s.id for s in SETUPS if s.live]
)
def test_connected_live(setup, cluster, ca_file):
    url = _filled(setup, cluster, ca_file)
    report = inspect_connection(url, password=setup.password, driver=setup.driver, timeout=10)
    assert report.verdict["status"] == "connected", report.verdict
    assert _errors(report.findings) == []
    assert "remains" not in report.verdict["summary"]


@pytest.mark.parametrize("setup", SETUPS, ids=[s.id for s in SETUPS])
def test_cli_exit_0(setup, cluster, ca_file, tmp_path):
    url = _filled(setup, cluster, ca_file)
    probe = () if setup.live else ("--no-probe",)
    result = _run(tmp_path, "conn", url, *setup.args, *probe, "--timeout", "10", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = json.loads(result.stdout)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    if setup.live:
        assert report["verdict"]["status"] == "connected"


# ---------- .env: verify-full with sslrootcert, probed; line endings ----------


def _env_text(cluster, ca_file: Path) -> str:
    url = (
        f"postgresql://app:{quote(APP_PASSWORD, safe='')}@localhost:{cluster.port}/postgres"
        f"?sslmode=verify-full&sslrootcert={ca_file}"
    )
    return f"DATABASE_URL={url}\n"


def test_env_probe_with_sslrootcert_connects(cluster, ca_file, tmp_path):
    text = _env_text(cluster, ca_file)
    report = inspect_env(text, probe=True, timeout=10)
    assert _errors(report.findings) == []
    assert all(_errors(v.findings) == [] for v in report.variables)
    env_file = tmp_path / ".env.production"
    env_file.write_text(text)
    result = _run(tmp_path, "env", "--file", str(env_file), "--probe", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "tls_untrusted" not in result.stdout


def _codes(report) -> set[str]:
    return {f.code for f in report.findings}


LF_ENV = f"SUPABASE_URL=https://{REF}.supabase.co\nDATABASE_URL=postgresql://u@localhost/db\n"


def test_a_pasted_lf_env_posted_by_a_browser_has_no_crlf_warning(client):
    """A browser submits a textarea's line breaks as CR LF whatever was pasted: the form's
    report equals the API's for the LF text."""
    as_browser_sends = LF_ENV.replace("\n", "\r\n")
    page = client.post("/env", data={"text": as_browser_sends})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "env_crlf_line_endings" not in html
    api = client.post("/api/v1/env", json={"text": LF_ENV}).get_json()
    assert "env_crlf_line_endings" not in {f["code"] for f in api["findings"]}
    home = paste(client, as_browser_sends)
    assert "env_crlf_line_endings" not in home.get_data(as_text=True)


def test_crlf_is_still_said_where_the_text_really_has_it(client, tmp_path):
    crlf = LF_ENV.replace("\n", "\r\n")
    api = client.post("/api/v1/env", json={"text": crlf}).get_json()
    assert "env_crlf_line_endings" in {f["code"] for f in api["findings"]}
    on_disk = tmp_path / ".env"
    on_disk.write_bytes(crlf.encode())
    assert "env_crlf_line_endings" in _codes(inspect_env(path=on_disk))
    result = _run(tmp_path, "env", "--file", str(on_disk))
    assert "env_crlf_line_endings" in result.stdout
    lf = tmp_path / "lf.env"
    lf.write_text(LF_ENV)
    assert "env_crlf_line_endings" not in _codes(inspect_env(path=lf))
