"""The live diagnosis against real servers: every live code of api.md from a real scenario."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from inspector.connections import inspect_connection
from inspector.netpolicy import ProbePolicy
from tests.fixtures.postgres import APP_PASSWORD, PLAIN_PASSWORD, SUPERUSER_PASSWORD

pytestmark = pytest.mark.postgres


def _codes(report) -> set[str]:
    return {f.code for f in report.findings}


# (scenario id, how to build the call, expected verdict status, expected verdict code)
SCENARIOS = [
    (
        "connected_verify_full",
        lambda pg, s: dict(url=pg["tls_ca"].url(sslmode="verify-full"), ca=pg.ca_pem),
        "connected",
        None,
    ),
    (
        "connected_plain",
        lambda pg, s: dict(url=pg["plain"].url(user="plain", password=PLAIN_PASSWORD)),
        "connected",
        None,
    ),
    (
        "dns_failed",
        lambda pg, s: dict(url="postgresql://app:pw@no-such-host.invalid:5432/postgres"),
        "failed",
        "dns_failed",
    ),
    (
        "tcp_refused",
        lambda pg, s: dict(url=f"postgresql://app:pw@127.0.0.1:{s('refused_port')}/postgres"),
        "failed",
        "tcp_refused",
    ),
    (
        "tcp_timeout",
        lambda pg, s: dict(
            url=f"postgresql://app:pw@127.0.0.1:{s('blackhole').port}/postgres", timeout=2
        ),
        "failed",
        "tcp_timeout",
    ),
    ("not_postgres_http", lambda pg, s: dict(url=s("http_peer").url()), "failed", "not_postgres"),
    (
        "not_postgres_silent",
        lambda pg, s: dict(url=s("silent_peer").url(), timeout=1.5),
        "failed",
        "not_postgres",
    ),
    (
        "server_no_ssl",
        lambda pg, s: dict(
            url=pg["plain"].url(user="plain", password=PLAIN_PASSWORD, sslmode="require")
        ),
        "failed",
        "server_no_ssl",
    ),
    (
        "tls_untrusted",
        lambda pg, s: dict(url=pg["tls_ca"].url(sslmode="verify-full"), ca="certifi"),
        "failed",
        "tls_untrusted",
    ),
    (
        "tls_self_signed",
        lambda pg, s: dict(url=pg["tls_self"].url(sslmode="verify-ca"), ca="system"),
        "failed",
        "tls_self_signed",
    ),
    (
        "tls_expired",
        lambda pg, s: dict(url=pg["tls_expired"].url(sslmode="verify-ca"), ca=pg.ca_pem),
        "failed",
        "tls_expired",
    ),
    (
        "tls_hostname_mismatch",
        lambda pg, s: dict(
            url=pg["tls_ca"].url(sslmode="verify-full", host="127.0.0.2"), ca=pg.ca_pem
        ),
        "failed",
        "tls_hostname_mismatch",
    ),
    (
        "ssl_required",
        lambda pg, s: dict(url=pg["tls_ca"].url(sslmode="disable")),
        "failed",
        "ssl_required",
    ),
    (
        "auth_failed",
        lambda pg, s: dict(url=pg["tls_ca"].url(password="wrong-password")),
        "failed",
        "auth_failed",
    ),
    (
        "auth_failed_password_field",
        lambda pg, s: dict(url=pg["tls_ca"].url(password="[YOUR-PASSWORD]"), password="not-it"),
        "failed",
        "auth_failed",
    ),
    (
        "database_not_found",
        lambda pg, s: dict(url=pg["tls_ca"].url(dbname="nosuchdb")),
        "failed",
        "database_not_found",
    ),
    (
        "role_not_found",
        lambda pg, s: dict(
            url=pg["tls_ca"].url(user="ghost", password=None, dbname="trustdb", sslmode="require")
        ),
        "failed",
        "role_not_found",
    ),
    (
        "tenant_not_found_old",
        lambda pg, s: dict(url=s("supavisor_old").url(user="postgres.x")),
        "failed",
        "tenant_not_found",
    ),
    (
        "tenant_not_found_new",
        lambda pg, s: dict(url=s("supavisor_new").url(user="postgres.x", sslmode="require")),
        "failed",
        "tenant_not_found",
    ),
    (
        "too_many_connections_pgbouncer",
        lambda pg, s: dict(url=s("pgbouncer_full").url()),
        "failed",
        "too_many_connections",
    ),
    (
        "probe_blocked_address",
        lambda pg, s: dict(
            url=pg["tls_ca"].url(host="localhost"), policy=ProbePolicy(allowed_hosts=("localhost",))
        ),
        "failed",
        "probe_blocked",
    ),
    (
        "probe_blocked_host",
        lambda pg, s: dict(
            url=pg["tls_ca"].url(), policy=ProbePolicy(allowed_hosts=("*.supabase.co",))
        ),
        "failed",
        "probe_blocked",
    ),
    (
        "asyncpg_connected",
        lambda pg, s: dict(url=pg["tls_ca"].url(sslmode="require"), driver="asyncpg"),
        "connected",
        None,
    ),
    (
        "asyncpg_sslmode_param",
        lambda pg, s: dict(
            url=pg["tls_ca"]
            .url(sslmode="require")
            .replace("postgresql://", "postgresql+asyncpg://")
        ),
        "failed",
        "asyncpg_sslmode_param",
    ),
    (
        "asyncpg_ssl_true",
        lambda pg, s: dict(url=pg["tls_ca"].url(ssl="true"), driver="sqlalchemy_asyncpg"),
        "failed",
        "asyncpg_ssl_true",
    ),
    (
        "asyncpg_dsn_ssl_true",
        lambda pg, s: dict(url=pg["tls_ca"].url(ssl="true"), driver="asyncpg"),
        "failed",
        "asyncpg_ssl_true",
    ),
    (
        "sqlalchemy_asyncpg_connected",
        lambda pg, s: dict(url=pg["tls_ca"].url(ssl="require"), driver="sqlalchemy_asyncpg"),
        "connected",
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "status", "code"),
    [pytest.param(b, st, c, id=i) for i, b, st, c in SCENARIOS],
)
def test_scenario(pg, request, build, status, code):
    kwargs = build(pg, request.getfixturevalue)
    timeout = kwargs.get("timeout", 5)
    t0 = time.monotonic()
    report = inspect_connection(**kwargs)
    elapsed = time.monotonic() - t0
    assert report.verdict["status"] == status, report.verdict
    assert report.verdict["code"] == code, (report.verdict, [s["detail"] for s in report.steps])
    assert elapsed < timeout + 0.5
    if code:
        assert code in _codes(report)
        assert report.has_errors()
        assert report.verdict["summary"].endswith(".")
    else:
        assert "connected" in _codes(report)
        assert report.server["user"]
    # Whatever happened, the password never comes back.
    dumped = repr(report.to_dict())
    for secret in (APP_PASSWORD, PLAIN_PASSWORD, SUPERUSER_PASSWORD, "wrong-password", "not-it"):
        assert secret not in dumped


def test_too_many_connections_for_real(pg):
    tiny = pg["tiny"]
    held = []
    try:
        import psycopg2

        while True:
            try:
                held.append(tiny.connect(user="plain", password=PLAIN_PASSWORD))
            except psycopg2.OperationalError as exc:
                assert "too many clients" in str(exc)
                break
            assert len(held) <= 3
        report = inspect_connection(tiny.url(user="plain", password=PLAIN_PASSWORD))
    finally:
        for c in held:
            c.close()
    assert report.verdict["code"] == "too_many_connections"
    assert "sorry, too many clients already" in report.verdict["summary"] + repr(report.steps)


def test_black_hole_is_bounded(blackhole):
    t0 = time.monotonic()
    report = inspect_connection(f"postgresql://a:b@127.0.0.1:{blackhole.port}/db", timeout=2)
    assert time.monotonic() - t0 < 3.5
    assert report.verdict["code"] == "tcp_timeout"
    tcp = next(s for s in report.steps if s["name"] == "tcp")
    assert tcp["data"]["addresses"][0]["status"] == "timeout"


def test_blocked_probe_sends_nothing():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.3)
    port = listener.getsockname()[1]
    try:
        report = inspect_connection(
            f"postgresql://a:b@localhost:{port}/db",
            policy=ProbePolicy(allowed_hosts=("localhost",)),
        )
        assert report.verdict["code"] == "probe_blocked"
        assert "loopback" in report.verdict["summary"] + repr(report.findings)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def test_tls_report_names_every_store(pg):
    report = inspect_connection(pg["tls_ca"].url(sslmode="verify-full"), ca=pg.ca_pem)
    tls = report.tls
    assert tls["chain"][0]["subject_cn"] == "localhost"
    assert "DNS:localhost" in tls["chain"][0]["sans"]
    stores = {s["store"]: s for s in tls["stores"]}
    assert stores["pasted CA"]["verify_full"] is True
    assert stores["certifi"]["verify_ca"] is False
    assert "Inspector Test Root CA is not in certifi" in stores["certifi"]["reason"]
    modes = {(r["sslmode"], r.get("store")): r["ok"] for r in tls["sslmodes"]}
    assert modes[("verify-full", "pasted CA")] is True
    assert modes[("verify-full", "certifi")] is False
    assert report.server["pg_stat_ssl"]["ssl"] is True
    assert report.suggested["psycopg2"].startswith("postgresql://app:***@127.0.0.1:")


def test_expired_reason_has_dates(pg):
    report = inspect_connection(pg["tls_expired"].url(sslmode="verify-ca"), ca=pg.ca_pem)
    f = next(f for f in report.findings if f.code == "tls_expired")
    assert "expired on 20" in f.detail and "valid from 20" in f.detail


def test_hostname_mismatch_lists_sans(pg):
    report = inspect_connection(
        pg["tls_ca"].url(sslmode="verify-full", host="127.0.0.2"), ca=pg.ca_pem
    )
    f = next(f for f in report.findings if f.code == "tls_hostname_mismatch")
    assert "DNS:localhost" in f.detail and "IP:127.0.0.1" in f.detail


def test_weak_sslmode_only_warns_about_the_chain(pg):
    report = inspect_connection(pg["tls_self"].url(sslmode="require"))
    assert report.verdict["status"] == "connected"
    f = next(f for f in report.findings if f.code == "tls_self_signed")
    assert f.severity.value == "warning"


def test_waterfall_steps_are_ordered_and_timed(pg):
    report = inspect_connection(pg["tls_ca"].url(sslmode="require"))
    names = [s["name"] for s in report.steps]
    assert names == ["dns", "tcp", "ssl_request", "tls", "connect", "query"]
    starts = [s["start_ms"] for s in report.steps]
    assert starts == sorted(starts)
    assert all(s["ms"] >= 0 for s in report.steps)


IPV6_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from inspector.connections import inspect_connection
    r = inspect_connection(
        "postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres", timeout=3
    )
    print(json.dumps(r.to_dict()))
    """
)


needs_netns = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare"
)


def run_in_netns(bind: tuple, script: str, *, setup: str = "") -> dict:
    """Run `script` (Python) in a fresh network and mount namespace, with `bind` = (our file,
    the system file it stands in for) bind-mounted; the last line it prints, as JSON."""
    import json

    ours, theirs = bind
    shell = (
        f"mount --bind {ours} {theirs} && ip link set lo up && {setup}"
        f'{sys.executable} -c "$INSPECTOR_SCRIPT"'
    )
    proc = subprocess.run(
        ["unshare", "--net", "--mount", "sh", "-c", shell],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.getcwd(),
        env={**os.environ, "INSPECTOR_SCRIPT": script},
    )
    if proc.returncode != 0 and "Operation not permitted" in proc.stderr:
        pytest.skip("namespaces are not allowed here")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@needs_netns
def test_ipv6_only_no_route(tmp_path):
    """A network namespace without IPv6 and a name with only an AAAA record: for real."""
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n2001:db8::7 db.abcdefghijklmnopqrst.supabase.co\n")
    out = run_in_netns(
        (hosts, "/etc/hosts"),
        IPV6_SCRIPT,
        setup="sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 && ",
    )
    assert out["verdict"]["code"] == "ipv6_only_no_route"
    dns = out["steps"][0]
    assert dns["data"]["AAAA"]["addresses"] == ["2001:db8::7"]
    assert dns["data"]["A"]["addresses"] == []
    finding = next(f for f in out["findings"] if f["code"] == "ipv6_only_no_route")
    assert (
        "pooler.supabase.com" in finding["fix"]
        and "postgres.abcdefghijklmnopqrst" in finding["fix"]
    )
    assert "pooler.supabase.com" in out["suggested"]["psycopg2"]
    assert "postgres.abcdefghijklmnopqrst:***@" in out["suggested"]["psycopg2"]


def test_concurrent_diagnoses_do_not_interfere(pg):
    results = {}

    def run(name):
        results[name] = inspect_connection(
            pg[name].url(sslmode="require")
            if pg[name].ssl
            else pg[name].url(user="plain", password=PLAIN_PASSWORD)
        )

    threads = [threading.Thread(target=run, args=(n,)) for n in ("tls_ca", "tls_self", "plain")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {n: r.verdict["status"] for n, r in results.items()} == {
        "tls_ca": "connected",
        "tls_self": "connected",
        "plain": "connected",
    }


MANY_SCRIPT = textwrap.dedent(
    """
    import json, time
    from inspector.connections import inspect_connection
    from tests.fixtures.servers import black_hole
    first = black_hole("127.0.0.2")
    port = first.port
    # the same port black-holed on every address the name resolves to
    holes = [first] + [black_hole(f"127.0.0.{i}", port) for i in range(3, 10)]
    t0 = time.monotonic()
    r = inspect_connection(f"postgresql://a:b@many.example.test:{port}/db", timeout=2)
    elapsed = time.monotonic() - t0
    print(json.dumps({"elapsed": elapsed, "report": r.to_dict()}))
    """
)


@needs_netns
def test_many_black_holed_addresses_share_one_deadline(tmp_path):
    """A name with eight addresses, none answering: all tried at once, done within 2 s + 0.5."""
    hosts = tmp_path / "hosts"
    hosts.write_text(
        "127.0.0.1 localhost\n" + "".join(f"127.0.0.{i} many.example.test\n" for i in range(2, 10))
    )
    out = run_in_netns((hosts, "/etc/hosts"), MANY_SCRIPT)
    report = out["report"]
    dns = report["steps"][0]
    assert len(dns["data"]["A"]["addresses"]) == 8
    tcp = report["steps"][1]
    assert len(tcp["data"]["addresses"]) == 8
    assert {a["status"] for a in tcp["data"]["addresses"]} == {"timeout"}
    assert report["verdict"]["code"] == "tcp_timeout"
    assert out["elapsed"] < 2.5


def test_unix_socket_login(pg):
    c = pg["plain"]
    report = inspect_connection(f"host={c.socket_dir} port={c.port} user=app dbname=postgres")
    assert report.host_kind == "local"
    assert report.verdict["status"] == "connected", report.verdict
    assert [s["status"] for s in report.steps[:4]] == ["skipped"] * 4
    assert "unix_socket" in _codes(report)


def test_unix_socket_refused_in_shared_mode(pg):
    c = pg["plain"]
    report = inspect_connection(
        f"host={c.socket_dir} port={c.port} user=app dbname=postgres",
        policy=ProbePolicy(allowed_hosts=("*.supabase.co",)),
    )
    assert report.verdict["code"] == "probe_blocked"


def test_connected_but_wrong_for_the_driver(pg):
    """libpq connects, yet SQLAlchemy would refuse the scheme: the verdict says both."""
    url = pg["tls_ca"].url(sslmode="require").replace("postgresql://", "postgres://")
    report = inspect_connection(url, driver="sqlalchemy")
    assert report.verdict["status"] == "connected"
    assert "SQLAlchemy does not accept" in report.verdict["summary"]
    assert report.has_errors()


SLOW_DNS_SCRIPT = textwrap.dedent(
    """
    import json, socket, time
    from inspector.connections import inspect_connection
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))  # a resolver that takes every question and never answers
    t0 = time.monotonic()
    r = inspect_connection("postgresql://a:b@db.slow-resolver.test:5432/db", timeout=1.5)
    print(json.dumps({"elapsed": time.monotonic() - t0, "report": r.to_dict()}))
    """
)


@needs_netns
def test_silent_resolver_is_abandoned_at_the_deadline(tmp_path):
    """getaddrinfo blocks on a resolver that never answers: the lookup is left behind."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
    out = run_in_netns((resolv, "/etc/resolv.conf"), SLOW_DNS_SCRIPT)
    assert out["elapsed"] < 2.0
    assert out["report"]["verdict"]["code"] == "dns_failed"
    assert "No answer" in out["report"]["steps"][0]["detail"]
