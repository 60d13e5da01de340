"""Every fix is proven before it is offered (issue 11 §1).

Against the real TLS PostgreSQL whose certificate comes from the test CA (which certifi does not
hold): each suggested string and snippet of the four Python drivers is taken as a user takes it
(the password typed in and percent-encoded, the CA saved as a file where the suggestion names
one), run for real in a fresh interpreter with the real driver, and `select 1` must answer. The
proof round says so first (`suggested_proof`); a suggestion that fails is never offered as the
fix; shared mode's isolation rules hold for the proof's logins too; the CLI's `--reveal` prints
strings that connect.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest

from inspector.connections import inspect_connection
from inspector.connections.probe import ProbeInput, run_probe
from inspector.connections.probe.proof import prove
from inspector.connections.suggest import CA_PLACEHOLDER
from inspector.netpolicy import ProbePolicy
from tests.fixtures.postgres import APP_PASSWORD, SUPERUSER_PASSWORD, make_ca

pytestmark = pytest.mark.postgres

PYTHON_DRIVERS = ("psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg")
SHARED = ProbePolicy(
    allowed_hosts=("localhost",), allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)
)
# A password with every character a URL gives a meaning to, and one outside ASCII.
ODD_USER = "proof user"
ODD_PASSWORD = "p@ss:w/rd?#%&= é"


@pytest.fixture(scope="module")
def ca_file(pg, tmp_path_factory) -> Path:
    """The test CA saved as a file, as a user saves the CA they were given."""
    path = tmp_path_factory.mktemp("ca") / "ca.crt"
    path.write_text(pg.ca_pem)
    return path


@pytest.fixture(scope="module")
def odd_role(pg):
    """A role whose name and password need percent-encoding in a URL."""
    conn = pg["tls_ca"].connect(user="postgres", password=SUPERUSER_PASSWORD, sslmode="require")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"""CREATE ROLE "{ODD_USER}" LOGIN PASSWORD %s""", (ODD_PASSWORD,))
    try:
        yield ODD_USER, ODD_PASSWORD
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP ROLE "{ODD_USER}"')
        conn.close()


# --- as a user takes a suggestion ---------------------------------------------------------------


def as_copied(text: str, password: str, ca: Path | None = None) -> str:
    """The suggestion with the password typed in, percent-encoded, and the CA file the user
    saved written where the suggestion holds the placeholder."""
    assert text.count(":***@") == 1, text
    text = text.replace(":***@", f":{quote(password, safe='')}@")
    if ca is not None:
        text = text.replace(CA_PLACEHOLDER, str(ca))
    return text


# Run in a fresh interpreter: the string or snippet, then `select 1` on what it made.
_RUNNER = textwrap.dedent(
    """
    import ast, asyncio, json, sys

    job = json.loads(sys.stdin.read())
    kind, driver, text = job["kind"], job["driver"], job["text"]

    async def main():
        scope = {}
        if kind == "snippet":
            code = compile(text, "<snippet>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(code, scope)
            if asyncio.iscoroutine(result):
                await result
        if driver == "psycopg2":
            import psycopg2
            conn = scope.get("conn") or psycopg2.connect(text)
            cur = conn.cursor()
            cur.execute("select 1")
            value = cur.fetchone()[0]
            conn.close()
        elif driver == "asyncpg":
            import asyncpg
            conn = scope.get("conn") or await asyncpg.connect(text)
            value = await conn.fetchval("select 1")
            await conn.close()
        elif driver == "sqlalchemy":
            from sqlalchemy import create_engine, text as sql
            engine = scope.get("engine") or create_engine(text)
            with engine.connect() as conn:
                value = conn.execute(sql("select 1")).scalar()
            engine.dispose()
        else:
            from sqlalchemy import text as sql
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = scope.get("engine") or create_async_engine(text)
            async with engine.connect() as conn:
                value = (await conn.execute(sql("select 1"))).scalar()
            await engine.dispose()
        print(json.dumps(value))

    asyncio.run(main())
    """
)


def run_as_user(kind: str, driver: str, text: str, home: Path) -> subprocess.CompletedProcess:
    """The copied text run with the real driver: `-I` and a HOME of its own, no PG* variables
    (so nothing but what was copied can make it connect)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-I", "-c", _RUNNER],
        input=json.dumps({"kind": kind, "driver": driver, "text": text}),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def assert_each_connects(report, password: str, home: Path, ca: Path | None = None) -> None:
    for driver in PYTHON_DRIVERS:
        for kind, text in (
            ("string", report.suggested[driver]),
            ("snippet", report.snippets[driver]),
        ):
            done = run_as_user(kind, driver, as_copied(text, password, ca), home)
            assert done.returncode == 0, (driver, kind, text, done.stderr[-2000:])
            assert json.loads(done.stdout.strip().splitlines()[-1]) == 1


def assert_proven(report) -> None:
    for driver in PYTHON_DRIVERS:
        proof = report.suggested_proof[driver]
        assert proof["status"] == "connected", (driver, proof)
        assert proof["detail"].startswith("Connected just now with "), proof


# --- proven, then run as a user would ----------------------------------------------------------


def test_verify_full_with_the_ca_pasted(pg, ca_file, tmp_path):
    """The issue's case: verify-full, the CA pasted. Every suggestion names a CA file, is
    proven, and connects when copied with the CA saved where it says."""
    url = pg["tls_ca"].url(sslmode="verify-full")
    report = inspect_connection(url, ca=pg.ca_pem)
    assert report.verdict["status"] == "connected"
    for driver in ("psycopg2", "asyncpg", "sqlalchemy"):
        assert f"sslrootcert={CA_PLACEHOLDER}" in report.suggested[driver]
    for driver in ("asyncpg", "sqlalchemy_asyncpg"):
        assert f'ssl.create_default_context(cafile="{CA_PLACEHOLDER}")' in report.snippets[driver]
        assert "ssl=ctx" in report.snippets[driver] or '"ssl": ctx' in report.snippets[driver]
    assert "the CA you pasted" in report.suggested_proof["psycopg2"]["detail"]
    assert CA_PLACEHOLDER in report.suggested_note
    assert_proven(report)
    assert_each_connects(report, APP_PASSWORD, tmp_path, ca_file)


def test_the_users_own_sslrootcert_in_local_mode(pg, ca_file, tmp_path):
    url = pg["tls_ca"].url(sslmode="verify-full", sslrootcert=str(ca_file))
    report = inspect_connection(url)  # the page's CA left at certifi: the file in the string
    assert report.verdict["status"] == "connected"
    assert f"sslrootcert={quote(str(ca_file), safe='/')}" in report.suggested["psycopg2"]
    assert f"cafile={json.dumps(str(ca_file))}" in report.snippets["asyncpg"]
    assert_proven(report)
    assert_each_connects(report, APP_PASSWORD, tmp_path)


def test_verify_ca(pg, ca_file, tmp_path):
    """verify-ca: the chain only; the asyncpg contexts check no host name."""
    url = pg["tls_ca"].url(sslmode="verify-ca", host="127.0.0.2")  # a name the cert lacks
    report = inspect_connection(url, ca=pg.ca_pem)
    assert "sslmode=verify-ca" in report.suggested["psycopg2"]
    assert "ctx.check_hostname = False" in report.snippets["asyncpg"]
    assert_proven(report)
    assert_each_connects(report, APP_PASSWORD, tmp_path, ca_file)


def test_require(pg, tmp_path):
    report = inspect_connection(pg["tls_ca"].url(sslmode="require"))
    assert_proven(report)
    assert_each_connects(report, APP_PASSWORD, tmp_path)


def test_a_password_and_user_that_need_encoding(pg, odd_role, ca_file, tmp_path):
    user, password = odd_role
    url = pg["tls_ca"].url(user=user, password=password, sslmode="verify-full")
    report = inspect_connection(url, ca=pg.ca_pem)
    assert report.verdict["status"] == "connected"
    assert_proven(report)
    assert_each_connects(report, password, tmp_path, ca_file)


def test_the_password_from_the_field(pg, ca_file, tmp_path):
    url = pg["tls_ca"].url(password="[YOUR-PASSWORD]", sslmode="verify-full")
    report = inspect_connection(url, password=APP_PASSWORD, ca=pg.ca_pem)
    assert_proven(report)
    assert_each_connects(report, APP_PASSWORD, tmp_path, ca_file)


# --- what is not proven is not offered ----------------------------------------------------------


def test_a_wrong_password_fails_every_proof_and_nothing_is_offered(pg, client):
    url = pg["tls_ca"].url(password="not-the-password", sslmode="verify-full")
    report = inspect_connection(url, ca=pg.ca_pem)
    for driver in PYTHON_DRIVERS:
        proof = report.suggested_proof[driver]
        assert proof["status"] == "failed", proof
        assert "password authentication failed" in proof["detail"]
        assert "not-the-password" not in proof["detail"]
    # One new login only (asyncpg's own call): the others read to settings that failed just
    # now, and are not sent again (a pooler bans an address after repeated failures).
    for driver in ("psycopg2", "sqlalchemy", "sqlalchemy_asyncpg"):
        assert "not sent again" in report.suggested_proof[driver]["detail"]
    assert "not sent again" not in report.suggested_proof["asyncpg"]["detail"]
    offered = report.offers + report.offered_code
    assert [o for o in offered if o.key in PYTHON_DRIVERS] == []
    assert all(o.status == "not_tried" for o in offered)  # the other stacks': not tried here
    assert {o.key for o in report.failed_offers} == set(PYTHON_DRIVERS)
    assert report.fix_heading != "Strings that work"

    html = client.post("/connection", data={"url": url, "ca": "pem", "ca_pem": pg.ca_pem}).get_data(
        as_text=True
    )
    fixes = html.split('id="fix-title"', 1)[1]
    assert "Strings that work" not in fixes.split("</h2>", 1)[0]
    offered, failed = fixes.split('class="failed-offers"', 1)
    assert 'data-proof="failed"' not in offered  # none shown as the fix
    assert failed.count('data-proof="failed"') == 2 * len(PYTHON_DRIVERS)
    assert "not-the-password" not in html


def test_a_ca_that_is_not_here_is_not_tried(pg):
    """verify-full with certifi: the suggestion names the CA to get; nothing can try it."""
    report = inspect_connection(pg["tls_ca"].url(sslmode="verify-full"))
    assert f"sslrootcert={CA_PLACEHOLDER}" in report.suggested["psycopg2"]
    for driver in PYTHON_DRIVERS:
        proof = report.suggested_proof[driver]
        assert proof["status"] == "not_tried", proof
        assert "a CA file this diagnosis does not have" in proof["detail"]


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"probe": False}, "nothing was sent"),
        ({"url": "postgresql://app:pw@127.0.0.1:1/postgres"}, "stopped before a login"),
        ({"url": "not a connection string"}, "examples"),
    ],
)
def test_not_tried_and_why(pg, kw, why):
    args = {"url": pg["tls_ca"].url(sslmode="require"), **kw}
    report = inspect_connection(args.pop("url"), **args)
    for proof in report.suggested_proof.values():
        assert proof["status"] == "not_tried" and why in proof["detail"], proof


def test_other_stacks_are_said_not_tried(pg):
    report = inspect_connection(pg["tls_ca"].url(sslmode="require"))
    assert set(report.suggested_proof) == set(report.suggested)
    for key in set(report.suggested) - set(PYTHON_DRIVERS):
        assert report.suggested_proof[key]["status"] == "not_tried"


# --- one deadline --------------------------------------------------------------------------------


def test_the_proof_round_keeps_the_diagnosis_deadline(pg):
    c = pg["tls_ca"]
    p_url = c.url(sslmode="require")
    from inspector.connections.hosts import host_info
    from inspector.connections.parse import parse
    from inspector.connections.suggest import plan, suggest
    from inspector.netpolicy import LOCAL

    p = parse(p_url)
    kind, ref = host_info(p)
    inp = ProbeInput(p, "auto", "certifi", 5.0, LOCAL, kind, ref, time.monotonic())
    outcome = run_probe(inp)
    suggested, _ = suggest(p, kind, ref, set(), outcome.tls, False)
    target = plan(p, kind, ref, set(), outcome.tls, False)
    late = replace(inp, started=time.monotonic() - 5.0)  # the deadline has passed
    for proof in prove(late, outcome, target, suggested).values():
        assert proof["status"] == "not_tried" and "no time was left" in proof["detail"]
    t0 = time.monotonic()
    report = inspect_connection(p_url, timeout=1.0)
    assert time.monotonic() - t0 < 1.5
    assert report.suggested_proof["psycopg2"]["status"] == "connected"


# --- shared mode: the proof's logins use what was pasted, nothing of this server's ----------------


def test_shared_mode_proves_with_the_pasted_ca_never_a_path(pg, ca_file, tmp_path):
    c = pg["tls_ca"]
    wrong = tmp_path / "other-ca.crt"
    wrong.write_text(make_ca("Not The Server's CA").cert_pem)
    # The string names a file (here: one that would fail); the pasted CA is what is used.
    url = c.url(host="localhost", sslmode="verify-full", sslrootcert=str(wrong))
    report = inspect_connection(url, ca=pg.ca_pem, policy=SHARED)
    assert report.verdict["status"] == "connected"
    assert_proven(report)
    assert (
        "never opens a file named in a pasted string"
        in report.suggested_proof["psycopg2"]["detail"]
    )
    # ... and the right file named in the string is not opened either: certifi is used.
    url = c.url(host="localhost", sslmode="verify-full", sslrootcert=str(ca_file))
    report = inspect_connection(url, policy=SHARED)
    for driver in PYTHON_DRIVERS:
        assert report.suggested_proof[driver]["status"] == "failed", report.suggested_proof


def test_shared_mode_proof_takes_no_password_from_the_environment(pg, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", APP_PASSWORD)
    url = pg["tls_ca"].url(host="localhost", password=None, sslmode="require")
    report = inspect_connection(url, policy=SHARED)
    for driver in PYTHON_DRIVERS:
        assert report.suggested_proof[driver]["status"] == "failed", report.suggested_proof
    local = inspect_connection(url)  # psql would take PGPASSWORD: so does a local probe
    assert local.suggested_proof["psycopg2"]["status"] == "connected"


# --- the faces ---------------------------------------------------------------------------------


def test_the_json_carries_the_proof_beside_suggested(pg, client):
    url = pg["tls_ca"].url(sslmode="verify-full")
    data = client.post("/api/v1/connection", json={"url": url, "ca": pg.ca_pem}).get_json()
    assert set(data["suggested_proof"]) == set(data["suggested"])
    for driver in PYTHON_DRIVERS:
        assert isinstance(data["suggested"][driver], str)  # `suggested` keeps its shape
        assert data["suggested_proof"][driver]["status"] == "connected"
        assert set(data["suggested_proof"][driver]) == {"status", "detail"}
    assert APP_PASSWORD not in json.dumps(data)


def test_the_page_marks_the_passwords_place_and_never_renders_it(pg, client):
    url = pg["tls_ca"].url(sslmode="verify-full")
    html = client.post("/connection", data={"url": url, "ca": "pem", "ca_pem": pg.ca_pem}).get_data(
        as_text=True
    )
    assert APP_PASSWORD not in html
    assert html.count('data-password-slot="1"') >= 2 * len(PYTHON_DRIVERS)
    assert "connected just now" in html
    assert "Strings that work" in html


def test_cli_reveal_prints_strings_that_connect(pg, runner, ca_file, tmp_path):
    url = pg["tls_ca"].url(sslmode="verify-full")
    hidden = runner.invoke(args=["inspect", "conn", url, "--ca", str(ca_file)])
    assert APP_PASSWORD not in hidden.output
    out = runner.invoke(args=["inspect", "conn", url, "--ca", str(ca_file), "--reveal"])
    assert out.exit_code == 0, out.output
    [line] = [ln for ln in out.output.splitlines() if ln.startswith("  psycopg2: ")]
    printed = line.split(": ", 1)[1].replace(CA_PLACEHOLDER, str(ca_file))
    assert quote(APP_PASSWORD, safe="") in printed
    conn = psycopg2.connect(printed)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()
    assert "connected just now" in out.output.lower() or "Connected just now" in out.output
    data = json.loads(
        runner.invoke(
            args=["inspect", "conn", url, "--ca", str(ca_file), "--reveal", "--json"]
        ).output
    )
    done = run_as_user(
        "snippet",
        "sqlalchemy_asyncpg",
        data["snippets"]["sqlalchemy_asyncpg"].replace(CA_PLACEHOLDER, str(ca_file)),
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
