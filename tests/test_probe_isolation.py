"""A probe uses only what the user pasted (issue 9 §1), shown by performing each attack for real.

The server account is real: a HOME with ~/.pgpass, ~/.postgresql/postgresql.crt|key and
root.crt, and PG* variables in the process environment. The host probed is a real loopback
peer (tests/fixtures/recording_peer.py) that records the user of each startup packet, the
password it is sent and the client certificate it is shown. In shared mode none of the server's
credentials or settings may reach it; in local mode the probe does what psql would, and the
report says where the password and the certificate came from. The static lint never touches
the filesystem or the environment, in any mode. A shared-mode asyncpg attempt keeps the URL's
port. And `wsgi.py` keeps the PG* lines of a `.env` out of the environment.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from inspector.connections import inspect_connection
from inspector.netpolicy import LOCAL, ProbePolicy
from tests.fixtures.postgres import KeyCert, make_ca
from tests.fixtures.recording_peer import RecordingPeer, make_client_cert, recording_peer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ProbePolicy(
    allowed_hosts=("localhost",), allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)
)
PGPASS_SECRET = "pgpass-secret-1"
ENV_SECRET = "env-secret-2"
FILE_SECRET = "passfile-secret-3"
SERVER_SECRETS = (PGPASS_SECRET, ENV_SECRET, FILE_SECRET)
ASYNC_DRIVERS = ("asyncpg", "sqlalchemy_asyncpg")


@pytest.fixture(scope="module")
def client_ca() -> KeyCert:
    """The CA of client certificates the recording peer accepts (and records)."""
    return make_ca("Client Certificate CA")


@pytest.fixture
def rec_peer(client_ca) -> Iterator[RecordingPeer]:
    """A TLS recording peer, started per test so that its logins are the test's own."""
    peer = recording_peer(client_ca=client_ca)
    try:
        yield peer
    finally:
        peer.stop()


def _write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@dataclass
class Account:
    """The account running the inspector, and what libpq and asyncpg would take from it."""

    home: Path
    cert: KeyCert  # ~/.postgresql/postgresql.crt and .key

    @property
    def cert_der(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.cert.cert.public_bytes(Encoding.DER)


def _clear_pg_environment(monkeypatch) -> None:
    for name in list(os.environ):
        if name.startswith("PG"):
            monkeypatch.delenv(name)


@pytest.fixture
def account(tmp_path, monkeypatch, client_ca) -> Account:
    """A real HOME: ~/.pgpass matching every host, a client certificate the peer accepts, and a
    root.crt (`root_ca`, set per test) in ~/.postgresql/."""
    _clear_pg_environment(monkeypatch)
    home = tmp_path / "home"
    _write(home / ".pgpass", f"*:*:*:*:{PGPASS_SECRET}\n")
    cert = make_client_cert("server-account", client_ca)
    _write(home / ".postgresql" / "postgresql.crt", cert.cert_pem)
    _write(home / ".postgresql" / "postgresql.key", cert.key_pem)
    # A CA that signed nothing the peer shows: a probe that read it would fail to verify.
    _write(home / ".postgresql" / "root.crt", make_ca("Unrelated Root").cert_pem)
    monkeypatch.setenv("HOME", str(home))
    return Account(home, cert)


@pytest.fixture
def trusted_root(account, rec_peer) -> None:
    """The account's root.crt is the peer's CA, as a psql user's would be: a probe that read it
    would verify the peer and go on to the login."""
    _write(account.home / ".postgresql" / "root.crt", rec_peer.ca_pem)


def _url(peer: RecordingPeer, driver: str, user: str | None = "alice", **params: str) -> str:
    url = peer.url(user, **params)
    if driver == "sqlalchemy_asyncpg":
        url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    return url


def _probe(url: str, driver: str, policy=SHARED, **kw):
    kw.setdefault("timeout", 5)
    return inspect_connection(url, driver=driver, policy=policy, **kw)


def _codes(report) -> set[str]:
    return {f.code for f in report.findings}


def _step(report, name: str) -> dict:
    return next(s for s in report.steps if s["name"] == name)


def _assert_nothing_of_the_server(peer: RecordingPeer, report, driver: str) -> None:
    logins = peer.logins  # the probe's, and the proof round's (its suggestions name `postgres`)
    for login in logins:
        assert login.password in (None, ""), "a password the string does not hold was sent"
        assert login.client_cert is None, "the server's client certificate was presented"
        assert login.user == "alice", login.params
        assert login.params.get("database") in ("alice", "postgres"), login.params
        assert "options" not in login.params or login.params["options"] == ""
    assert logins, f"no login reached the peer: {report.verdict}"
    assert any(login.by_libpq for login in logins), "libpq's login never reached the peer"
    if driver in ASYNC_DRIVERS:
        assert any(not login.by_libpq for login in logins), (
            f"asyncpg's login never reached the peer: {_step(report, 'connect_asyncpg')}"
        )
    text = json.dumps(report.to_dict())
    for secret in SERVER_SECRETS:
        assert secret not in text


# --- shared mode: the server's credentials ---------------------------------------------------


@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg", "sqlalchemy_asyncpg"])
@pytest.mark.parametrize("password_from", ["PGPASSWORD", "~/.pgpass"])
def test_shared_probe_sends_none_of_the_servers_credentials(
    account, trusted_root, rec_peer, monkeypatch, driver, password_from
):
    if password_from == "PGPASSWORD":
        monkeypatch.setenv("PGPASSWORD", ENV_SECRET)
    monkeypatch.setenv("PGUSER", "server-user")
    report = _probe(_url(rec_peer, driver), driver, ca=rec_peer.ca_pem)
    _assert_nothing_of_the_server(rec_peer, report, driver)
    assert report.verdict["code"] == "no_password"
    assert not {"password_source", "client_cert_source"} & _codes(report)


@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg", "sqlalchemy_asyncpg"])
def test_shared_probe_takes_no_setting_from_the_environment(account, rec_peer, monkeypatch, driver):
    """PG* variables that would change the login: each must stay out of it."""
    for name, value in {
        "PGSSLMODE": "disable",  # TLS off
        "PGGSSENCMODE": "require",  # libpq would stop before any startup packet
        "PGREQUIREAUTH": "gss",  # libpq would refuse the password request
        "PGDATABASE": "server-db",
        "PGOPTIONS": "-c search_path=server",
        "PGAPPNAME": "server-app",
        "PGPORT": "1",  # asyncpg would knock on port 1
        "PGSSLNEGOTIATION": "direct",
        "PGTARGETSESSIONATTRS": "read-only",
        "PGCONNECT_TIMEOUT": "not-a-number",
        "PGSSLCERT": str(account.home / ".postgresql" / "postgresql.crt"),
        "PGSSLKEY": str(account.home / ".postgresql" / "postgresql.key"),
        "PGSSLROOTCERT": str(account.home / ".postgresql" / "root.crt"),
    }.items():
        monkeypatch.setenv(name, value)
    report = _probe(_url(rec_peer, driver), driver, ca=rec_peer.ca_pem)
    _assert_nothing_of_the_server(rec_peer, report, driver)
    libpq = [login for login in rec_peer.logins if login.by_libpq]
    assert libpq[0].tls, "PGSSLMODE reached libpq"
    assert all(login.tls for login in rec_peer.logins if not login.by_libpq)


def test_shared_probe_sends_no_os_user_name(account, rec_peer, monkeypatch):
    monkeypatch.setenv("PGUSER", "server-user")
    monkeypatch.setenv("PGPASSWORD", ENV_SECRET)
    report = _probe(_url(rec_peer, "asyncpg", user=None), "asyncpg")
    assert rec_peer.logins == []
    assert report.verdict["code"] == "user_missing"
    assert report.verdict["step"] == "connect"
    assert _step(report, "connect_asyncpg")["status"] == "skipped"
    missing = next(f for f in report.findings if f.code == "user_missing")
    assert missing.severity.value == "error"
    # DNS, TCP, the SSLRequest and TLS still ran: only the login was held back.
    assert _step(report, "tls")["status"] in ("ok", "warning")


@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg", "sqlalchemy_asyncpg"])
@pytest.mark.parametrize(
    "option",
    ["passfile", "sslcert", "sslrootcert", "sslcrl"],
)
def test_shared_probe_never_opens_a_pasted_file(account, rec_peer, tmp_path, driver, option):
    files = {
        "passfile": _write(tmp_path / "pgpass", f"*:*:*:*:{FILE_SECRET}\n"),
        "sslcert": _write(tmp_path / "client.crt", account.cert.cert_pem),
        "sslkey": _write(tmp_path / "client.key", account.cert.key_pem),
        # Not the peer's CA: read with sslmode=require, it would make the handshake fail.
        "sslrootcert": _write(tmp_path / "ca.crt", make_ca("Pasted Root").cert_pem),
        "sslcrl": _write(tmp_path / "root.crl", "not a CRL\n"),
    }
    names = [option] + (["sslkey"] if option == "sslcert" else [])
    params = {name: str(files[name]) for name in names}
    mode_key = "ssl" if driver == "sqlalchemy_asyncpg" else "sslmode"
    params[mode_key] = "require"
    report = _probe(_url(rec_peer, driver, **params), driver, ca=rec_peer.ca_pem)
    if driver == "sqlalchemy_asyncpg" and option != "passfile":
        # SQLAlchemy hands sslcert=... to asyncpg.connect(), which has no such argument: the
        # app fails the same way, before any file is read.
        assert "TypeError" in _step(report, "connect_asyncpg")["data"]["error"]
        rec_peer.logins[:] = [login for login in rec_peer.logins if login.by_libpq]
        driver = "psycopg2"
    _assert_nothing_of_the_server(rec_peer, report, driver)
    assert all(login.tls for login in rec_peer.logins if not login.by_libpq)
    ignored = [f for f in report.findings if f.code == "file_option_ignored"]
    assert sorted(f.detail.split("`")[1].split("=")[0] for f in ignored) == sorted(names)
    for f in ignored:
        assert "never opens a file named in a pasted string" in f.detail


def _libpq_conndefaults() -> list[tuple[str, str | None]]:
    """(keyword, environment variable) of every option the bundled libpq knows, from libpq's
    own PQconndefaults()."""
    import ctypes

    import psycopg2

    libs = Path(psycopg2.__file__).parent.parent / "psycopg2_binary.libs"
    lib = ctypes.CDLL(str(next(libs.glob("libpq-*.so*"))))

    class Option(ctypes.Structure):
        _fields_ = [
            ("keyword", ctypes.c_char_p),
            ("envvar", ctypes.c_char_p),
            ("compiled", ctypes.c_char_p),
            ("val", ctypes.c_char_p),
            ("label", ctypes.c_char_p),
            ("dispchar", ctypes.c_char_p),
            ("dispsize", ctypes.c_int),
        ]

    lib.PQconndefaults.restype = ctypes.POINTER(Option)
    lib.PQconninfoFree.argtypes = [ctypes.POINTER(Option)]
    options = lib.PQconndefaults()
    out, i = [], 0
    while options[i].keyword:
        env = options[i].envvar
        out.append((options[i].keyword.decode(), env.decode() if env else None))
        i += 1
    lib.PQconninfoFree(options)
    return out


def test_shared_login_sets_every_keyword_libpq_would_take_from_the_environment():
    """A libpq upgrade that adds a PG* variable fails here until the probe pins it."""
    from inspector.connections import probe

    from_string = {"user", "password", "dbname", "host", "hostaddr", "port", "connect_timeout"}
    pinned = {*probe.SHARED_LIBPQ_DEFAULTS, *probe.SHARED_LIBPQ_FORCED, "require_auth"}
    with_env = {kw for kw, env in _libpq_conndefaults() if env}
    assert with_env - pinned - from_string == {"service"}  # a file option: never passed


def test_shared_probe_refuses_to_log_in_while_pgservice_is_set(account, rec_peer, monkeypatch):
    _write(account.home / ".pg_service.conf", f"[server]\npassword={ENV_SECRET}\n")
    monkeypatch.setenv("PGSERVICE", "server")
    report = _probe(_url(rec_peer, "psycopg2"), "psycopg2", ca=rec_peer.ca_pem)
    assert rec_peer.logins == []
    assert report.verdict["code"] == "probe_blocked" and report.verdict["step"] == "connect"
    assert "PGSERVICE" in report.verdict["fix"]


@pytest.mark.parametrize(
    ("pasted", "sent"),
    [
        ("", "!gss,!sspi"),
        ("!md5", "!md5,!gss,!sspi"),
        ("!gss", "!gss,!sspi"),
        ("scram-sha-256,gss", "scram-sha-256"),
        ("gss", "none"),
        ("password", "password"),
    ],
)
def test_shared_login_never_offers_the_servers_kerberos_credentials(pasted, sent):
    from inspector.connections.probe import (
        without_server_credentials as _without_server_credentials,
    )

    assert _without_server_credentials(pasted) == sent


# --- shared mode: asyncpg keeps the URL's port -------------------------------------------------


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_shared_asyncpg_attempt_keeps_the_port(rec_peer, monkeypatch, driver):
    _clear_pg_environment(monkeypatch)
    assert rec_peer.port != 5432
    report = _probe(_url(rec_peer, driver, password="pw"), driver, ca=rec_peer.ca_pem)
    attempt = _step(report, "connect_asyncpg")
    assert "password authentication failed" in attempt["data"]["error"], attempt
    asyncpg_logins = [login for login in rec_peer.logins if not login.by_libpq]
    # The attempt's login, then the proof round's (its suggestions on the same port).
    assert asyncpg_logins and {login.password for login in asyncpg_logins} == {"pw"}
    assert attempt["data"]["kwargs"]["port"] == repr(rec_peer.port)


@pytest.mark.parametrize("driver", ASYNC_DRIVERS)
def test_shared_asyncpg_verifies_the_name_of_the_string(rec_peer, monkeypatch, driver):
    """asyncpg connects to the checked address, and checks the certificate against the host
    name of the string (as libpq does with host and hostaddr)."""
    _clear_pg_environment(monkeypatch)
    url = _url(rec_peer, driver, password="pw", **{"sslmode": "verify-full"}).replace(
        "127.0.0.1", "localhost"
    )
    if driver == "sqlalchemy_asyncpg":
        url = url.replace("sslmode=", "ssl=")
    report = _probe(url, driver, ca=rec_peer.ca_pem)
    attempt = _step(report, "connect_asyncpg")
    assert "password authentication failed" in attempt["data"]["error"], attempt
    assert attempt["data"]["kwargs"]["host"] == repr("127.0.0.1")
    assert "verify-full" in attempt["data"]["kwargs"]["ssl"]
    assert all(login.tls for login in rec_peer.logins if not login.by_libpq)


# --- local mode: like psql, and the report says so -----------------------------------------------


@pytest.mark.parametrize(
    ("env", "sent", "said"),
    [
        ({}, PGPASS_SECRET, "from ~/.pgpass"),
        ({"PGPASSWORD": ENV_SECRET}, ENV_SECRET, "PGPASSWORD"),
    ],
)
def test_local_probe_says_where_the_password_came_from(
    account, trusted_root, rec_peer, monkeypatch, env, sent, said
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    report = _probe(_url(rec_peer, "psycopg2"), "psycopg2", policy=LOCAL)
    assert rec_peer.logins and rec_peer.logins[0].password == sent  # what psql would send
    source = next(f for f in report.findings if f.code == "password_source")
    assert said in source.detail and source.severity.value == "info"
    assert sent not in json.dumps(report.to_dict())


def test_local_probe_says_where_the_certificate_and_the_user_came_from(
    account, trusted_root, rec_peer, monkeypatch
):
    monkeypatch.setenv("PGUSER", "server-user")
    report = _probe(_url(rec_peer, "psycopg2", user=None), "psycopg2", policy=LOCAL)
    first = rec_peer.logins[0]
    assert first.user == "server-user" and first.client_cert == account.cert_der
    cert = next(f for f in report.findings if f.code == "client_cert_source")
    assert "~/.postgresql/postgresql.crt" in cert.detail and "~/.postgresql/postgresql.key" in (
        cert.detail
    )
    taken = next(f for f in report.findings if f.code == "environment_setting_used")
    assert "user `server-user` from PGUSER" in taken.detail
    assert "~/.postgresql/root.crt" in taken.detail
    assert "user_missing" in _codes(report)  # static: the string names none


def test_local_probe_names_a_password_file_it_cannot_use(account, rec_peer):
    (account.home / ".pgpass").chmod(0o644)
    report = _probe(_url(rec_peer, "psycopg2"), "psycopg2", policy=LOCAL)
    source = next(f for f in report.findings if f.code == "password_source")
    assert "~/.pgpass is not used" in source.detail and "group or world access" in source.detail


# --- the static lint never touches the filesystem or the environment -------------------------------

_AUDIT = threading.local()


def _audit(event: str, args: tuple) -> None:
    if event == "open" and getattr(_AUDIT, "opened", None) is not None:
        _AUDIT.opened.append(str(args[0]))


sys.addaudithook(_audit)


def _static(url: str, driver: str, *hidden: str) -> tuple[str, list[str]]:
    """The static report as JSON (with `hidden` strings replaced) and the files it opened."""
    _AUDIT.opened = []
    try:
        report = inspect_connection(url, driver=driver, probe=False)
    finally:
        opened, _AUDIT.opened = _AUDIT.opened, None
    text = json.dumps(report.to_dict())
    for h in hidden:  # the path itself, wherever the string is echoed (a URL part: encoded)
        for echo in (h, quote(h, safe="")):
            text = re.sub(re.escape(echo) + r"(?![\w./%-])", "<file>", text)
    return text, opened


def _mode(driver: str, mode: str) -> str:
    key = "ssl" if driver == "sqlalchemy_asyncpg" else "sslmode"
    scheme = "postgresql+asyncpg" if driver == "sqlalchemy_asyncpg" else "postgresql"
    return f"{scheme}://u:p@db.example.com:5432/db?{key}={mode}"


@pytest.mark.parametrize("driver", ["asyncpg", "sqlalchemy_asyncpg", "psycopg2", "auto"])
@pytest.mark.parametrize("mode", ["require", "verify-full"])
@pytest.mark.parametrize("option", ["sslrootcert", "sslcert", "sslcrl", "passfile", "service"])
def test_static_lint_is_no_file_oracle(driver, mode, option):
    """A missing file, an unreadable one and a directory: one answer, and nothing opened."""
    answers = set()
    for path in ("/nonexistent", "/etc/shadow", "/root"):
        text, opened = _static(f"{_mode(driver, mode)}&{option}={path}", driver, path)
        answers.add(text)
        assert path not in opened
    assert len(answers) == 1


@pytest.mark.parametrize("driver", ["asyncpg", "sqlalchemy_asyncpg", "psycopg2"])
def test_static_lint_does_not_say_whether_a_key_pair_matches(tmp_path, client_ca, driver):
    cert = make_client_cert("pair", client_ca)
    other = make_client_cert("other", client_ca)
    crt = _write(tmp_path / "c.crt", cert.cert_pem)
    pairs = {
        "matching": _write(tmp_path / "c.key", cert.key_pem),
        "another key": _write(tmp_path / "o.key", other.key_pem),
        "no key": tmp_path / "missing.key",
    }
    answers = set()
    for key in pairs.values():
        url = f"{_mode(driver, 'require')}&sslcert={crt}&sslkey={key}"
        text, opened = _static(url, driver, str(key))
        answers.add(text)
        assert not {str(crt), str(key)} & set(opened)
    assert len(answers) == 1


@pytest.mark.parametrize("driver", ["asyncpg", "sqlalchemy_asyncpg", "psycopg2", "auto"])
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://db.example.com/db",
        "postgresql:///db",
        "postgresql://u@db.example.com/db?sslmode=verify-full",
        "postgresql://u:p@ss@db.example.com/db?sslmode=require",  # the drivers' views of it
        "postgresql://u:p@ss@db.example.com/db?ssl=true&sslmode=prefer",
    ],
)
def test_static_lint_reads_no_environment_and_no_home(account, tmp_path, monkeypatch, driver, url):
    if driver == "sqlalchemy_asyncpg":
        url = url.replace("postgresql://", "postgresql+asyncpg://").replace("sslmode=", "ssl=")
    empty = tmp_path / "empty-home"
    empty.mkdir()
    monkeypatch.setenv("HOME", str(empty))
    clean, _ = _static(url, driver)
    monkeypatch.setenv("HOME", str(account.home))
    for name, value in {
        "PGUSER": "server-user",
        "PGPASSWORD": ENV_SECRET,
        "PGDATABASE": "server-db",
        "PGHOST": "server-host",
        "PGPORT": "1",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/nonexistent",
        "PGSERVICE": "server-service",
        "PGSERVICEFILE": str(account.home / "services"),
        "PGTARGETSESSIONATTRS": "nonsense",
    }.items():
        monkeypatch.setenv(name, value)
    loaded, opened = _static(url, driver)
    assert loaded == clean
    assert not [f for f in opened if f.startswith(str(account.home))]


# --- wsgi.py: the .env's PG* lines stay out of the environment --------------------------------------


def test_wsgi_exports_only_the_apps_settings_from_dotenv(tmp_path, rec_peer):
    """The real start-up in a real working directory with a real .env: the app's settings take
    effect, the PG* lines reach neither the environment nor the host probed."""
    _write(
        tmp_path / ".env",
        "INSPECTOR_MODE=shared\n"
        "SECRET_KEY=3f1c0a9b8e7d6c5b4a39281706f5e4d3\n"
        "INSPECTOR_TRUSTED_USER_HEADER=X-Test-User\n"
        "INSPECTOR_ALLOWED_HOSTS=localhost\n"
        "INSPECTOR_ALLOWED_NETWORKS=127.0.0.0/8\n"
        f"PGPASSWORD={ENV_SECRET}\n"
        "PGUSER=dotenv-user\n"
        "PGSSLMODE=disable\n"
        f"DATABASE_URL=postgresql://x:{ENV_SECRET}@db.example.com/db\n",
    )
    script = (
        "import json, os, sys\n"
        "import wsgi\n"
        "r = wsgi.app.test_client().post('/api/v1/connection', json={'url': sys.argv[1]},\n"
        "    headers={'X-Test-User': 'tester'})\n"
        "print(json.dumps({'environ': sorted(k for k in os.environ if k.startswith('PG')\n"
        "    or k == 'DATABASE_URL'), 'mode': wsgi.app.config['INSPECTOR_MODE'],\n"
        "    'status': r.status_code, 'report': r.get_json()}))\n"
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", script, rec_peer.url("alice")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["mode"] == "shared"  # INSPECTOR_* and SECRET_KEY still come from .env
    assert out["environ"] == []
    assert out["status"] == 200
    logins = rec_peer.logins
    assert logins and logins[0].tls and logins[0].user == "alice"
    assert all(login.password in (None, "") for login in logins)
    assert ENV_SECRET not in json.dumps(out["report"])


def _serve_command(how: str, tmp_path: Path, port: int) -> list[str]:
    venv_bin = Path(sys.executable).parent
    if how == "gunicorn":
        # Deployed as a team would: the config file beside the .env, the server started there.
        conf = _write(tmp_path / "gunicorn.conf.py", (ROOT / "gunicorn.conf.py").read_text())
        return [str(venv_bin / "gunicorn"), "-c", str(conf), "wsgi:app"]
    if how == "make run":
        make = subprocess.run(
            ["make", "-n", "--no-print-directory", "-C", str(ROOT), "run"]
            + [f"PORT={port}", f"VENV={venv_bin.parent}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return ["sh", "-c", make]  # the Makefile's own line, run from the .env's directory
    return [sys.executable, "-m", "inspector", "serve", "--port", str(port)]


@pytest.mark.parametrize("how", ["gunicorn", "make run", "inspector serve"])
def test_servers_keep_dotenv_pg_variables_from_the_probe(tmp_path, rec_peer, how):
    """The real servers, started in a directory with a real .env. Local mode, where a probe
    does take PGPASSWORD from the environment: so if the server (gunicorn's master or worker,
    `flask run`'s own .env loading, the `inspector` command) exported the .env's PGPASSWORD,
    the peer would receive it."""
    _write(tmp_path / ".env", f"PGPASSWORD={ENV_SECRET}\nPGUSER=dotenv-user\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "INSPECTOR_BIND": f"127.0.0.1:{port}",
        "INSPECTOR_WORKERS": "1",
        "INSPECTOR_ACCESS_LOG": "",
    }
    proc = subprocess.Popen(
        _serve_command(how, tmp_path, port),
        cwd=tmp_path,
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
                assert time.monotonic() < deadline, f"{how} did not start"
                assert proc.poll() is None, f"{how} exited"
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        body = json.dumps({"url": rec_peer.url("alice"), "driver": "asyncpg"})
        conn.request("POST", "/api/v1/connection", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        report = json.loads(r.read())
        conn.close()
    finally:
        proc.terminate()
        proc.wait(20)
    assert r.status == 200
    logins = rec_peer.logins
    assert logins and {login.user for login in logins} == {"alice"}
    assert all(login.password in (None, "") for login in logins), "the .env's PGPASSWORD was sent"
    assert "password_source" not in {f["code"] for f in report["findings"]}
