"""The probe policy: which hosts and addresses shared mode may reach (local mode: all)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector import netpolicy
from inspector.netpolicy import LOCAL, ProbeBlockedError, ProbePolicy


def shared(hosts="*.supabase.co,*.supabase.com", networks="") -> ProbePolicy:
    return netpolicy.from_settings(
        {
            "INSPECTOR_MODE": "shared",
            "INSPECTOR_ALLOWED_HOSTS": hosts,
            "INSPECTOR_ALLOWED_NETWORKS": networks,
        }
    )


BLOCKED_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("10.0.0.5", "private"),
    ("172.16.3.4", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("169.254.10.10", "link-local"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.10", "private"),  # documentation range
    ("198.18.0.1", "private"),  # benchmarking range
    # IPv4 inside IPv6: judged by the IPv4 address they lead to.
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:7f00:1", "loopback"),
    ("::ffff:10.1.2.3", "private"),
    ("::ffff:169.254.169.254", "metadata"),
    ("::127.0.0.1", "127.0.0.1"),
    ("2002:7f00:1::", "127.0.0.1"),  # 6to4
    ("2002:a00:1::1", "10.0.0.1"),
    ("2002:a9fe:a9fe::", "169.254.169.254"),
    ("64:ff9b::7f00:1", "127.0.0.1"),  # NAT64 well-known prefix
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
    ("64:ff9b::10.0.0.1", "10.0.0.1"),
    ("64:ff9b:1::a00:1", "10.0.0.1"),  # NAT64 local-use prefix
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo
    ("not-an-address", "not an IP address"),
    ("", "not an IP address"),
]


@pytest.mark.parametrize("address,reason", BLOCKED_ADDRESSES)
def test_shared_mode_refuses_non_public_addresses(address, reason):
    with pytest.raises(ProbeBlockedError, match=reason):
        shared().check_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "2002:808:808::1",
        "64:ff9b::808:808",
    ],
)
def test_shared_mode_accepts_public_addresses(address):
    shared().check_address(address)


@pytest.mark.parametrize("address", [a for a, _ in BLOCKED_ADDRESSES if a and a[0].isdigit()])
def test_local_mode_probes_anything(address):
    LOCAL.check_address(address)
    LOCAL.check_host(address)
    assert not LOCAL.restricted


@pytest.mark.parametrize(
    "networks,address",
    [
        ("127.0.0.0/8", "127.0.0.1"),
        ("10.0.0.0/8", "10.20.30.40"),
        ("10.0.0.0/8", "::ffff:10.20.30.40"),
        ("10.0.0.0/8", "64:ff9b::a14:1e28"),
        ("fd12:3456::/32", "fd12:3456::9"),
        ("100.64.0.0/10", "100.70.0.1"),
        ("169.254.169.254/32", "169.254.169.254"),
    ],
)
def test_allowed_networks_open_private_addresses(networks, address):
    shared(networks=networks).check_address(address)


@pytest.mark.parametrize(
    "networks,address",
    [
        ("0.0.0.0/0", "169.254.169.254"),
        ("169.254.0.0/16", "169.254.169.254"),
        ("::/0", "fd00:ec2::254"),
        ("100.64.0.0/10", "100.100.100.200"),
    ],
)
def test_metadata_needs_the_exact_address_allowed(networks, address):
    with pytest.raises(ProbeBlockedError, match="metadata"):
        shared(networks=networks).check_address(address)


@pytest.mark.parametrize(
    "networks,address",
    [("10.0.0.0/8", "10.0.0.1"), ("10.0.0.0/8", "127.0.0.1"), ("192.168.0.0/16", "10.0.0.1")],
)
def test_allowed_network_opens_only_itself(networks, address):
    policy = shared(networks=networks)
    if ipaddress.ip_address(address) in ipaddress.ip_network(networks):
        policy.check_address(address)
    else:
        with pytest.raises(ProbeBlockedError):
            policy.check_address(address)


@pytest.mark.parametrize(
    "host,normalised",
    [
        ("db.abcdefghijklmnopqrst.supabase.co", "db.abcdefghijklmnopqrst.supabase.co"),
        ("DB.ABCDEFGHIJKLMNOPQRST.SUPABASE.CO", "db.abcdefghijklmnopqrst.supabase.co"),
        ("db.abcdefghijklmnopqrst.supabase.co.", "db.abcdefghijklmnopqrst.supabase.co"),
        ("aws-0-eu-central-1.pooler.supabase.com", "aws-0-eu-central-1.pooler.supabase.com"),
        # Full-width letters and an ideographic dot: the resolver folds them the same way.
        ("ｄｂ.abcdefghijklmnopqrst.supabase。co", "db.abcdefghijklmnopqrst.supabase.co"),
        ("  db.x.supabase.co  ", "db.x.supabase.co"),
    ],
)
def test_allowed_host_names(host, normalised):
    assert shared().check_host(host) == normalised


@pytest.mark.parametrize(
    "host,reason",
    [
        ("supabase.co", "allow-list"),  # the pattern is for names under it
        ("evil.com", "allow-list"),
        ("db.x.supabase.co.evil.com", "allow-list"),
        ("evilsupabase.co", "allow-list"),
        ("localhost", "allow-list"),
        ("metadata.google.internal", "allow-list"),
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("169.254.169.254", "metadata"),
        ("[fd00:ec2::254]", "metadata"),
        ("10.0.0.1", "private"),
        # What the C resolver reads as 127.0.0.1.
        ("127.1", "loopback"),
        ("2130706433", "loopback"),
        ("0x7f.1", "loopback"),
        ("0x7f000001", "loopback"),
        ("017700000001", "loopback"),
        # A public address literal is still not on the host allow-list.
        ("8.8.8.8", "allow-list"),
        ("/var/run/postgresql", "socket"),
        ("", "no host"),
        ("   ", "no host"),
        ("db x.supabase.co", "not a valid host name"),
        ("evil.com/.supabase.co", "not a valid host name"),
        ("user@db.x.supabase.co", "not a valid host name"),
        ("db.x.supabase.co:5432", "not a valid host name"),
        ("-x.supabase.co", "not a valid host name"),
        ("a..supabase.co", "not a valid host name"),
        ("db.x.supabase.co\x00.evil.com", "not a valid host name"),
    ],
)
def test_refused_hosts(host, reason):
    with pytest.raises(ProbeBlockedError, match=reason):
        shared().check_host(host)


@pytest.mark.parametrize(
    "hosts,networks,host",
    [
        ("*", "", "example.org"),
        ("db.internal.example", "", "DB.Internal.Example."),
        ("", "127.0.0.0/8", "127.0.0.1"),
        ("", "10.0.0.0/8", "10.1.1.1"),
        ("8.8.8.8", "", "8.8.8.8"),
        ("*.Supabase.CO.", "", "db.x.supabase.co"),
    ],
)
def test_configured_allow_lists(hosts, networks, host):
    shared(hosts, networks).check_host(host)


def test_star_still_checks_addresses():
    policy = shared("*")
    policy.check_host("anything.example")
    with pytest.raises(ProbeBlockedError, match="loopback"):
        policy.check_host("127.0.0.1")
    with pytest.raises(ProbeBlockedError, match="private"):
        policy.check_addresses(["8.8.8.8", "10.0.0.1"])


def test_empty_allow_list_refuses_every_name():
    policy = shared("", "")
    assert policy.restricted
    with pytest.raises(ProbeBlockedError):
        policy.check_host("db.x.supabase.co")


def test_from_settings_local_is_unrestricted():
    assert netpolicy.from_settings({"INSPECTOR_MODE": "local"}) is LOCAL


def test_bad_network_is_a_value_error():
    with pytest.raises(ValueError):
        netpolicy.parse_networks("10.0.0.0/33")


def test_error_carries_reason():
    with pytest.raises(ProbeBlockedError) as info:
        shared().check_address("127.0.0.1")
    assert info.value.reason == str(info.value)
    assert "127.0.0.1" in info.value.reason


@given(st.ip_addresses())
def test_every_address_is_judged_without_crashing(ip):
    """Any address either passes (and is then global or wraps a global address) or is refused."""
    policy = shared()
    try:
        policy.check_address(str(ip))
    except ProbeBlockedError:
        return
    assert not ip.is_private and not ip.is_loopback and not ip.is_multicast


@given(st.text(max_size=80))
def test_any_host_text_is_judged_without_crashing(text):
    try:
        name = shared("*").check_host(text)
    except ProbeBlockedError:
        return
    assert name == name.lower() and not name.endswith(".")


# --- end to end: the probes obey the policy before any packet -------------------------------

import socket  # noqa: E402
import time  # noqa: E402

from tests.fixtures.listener import listener  # noqa: E402

SECRET_KEY = "3f1c0a9b8e7d6c5b4a39281706f5e4d3"
SHARED_APP = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": SECRET_KEY,
    "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
}
USER = {"X-Forwarded-User": "ana"}
TOKEN = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0."
    "eyJzdWIiOiIxIiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQiLCJhdWQiOiJhdXRoZW50aWNhdGVkIn0."
    "c2lnbmF0dXJl"
)


def _codes(report_json) -> set[str]:
    return {f["code"] for f in report_json["findings"]}


def test_local_mode_control_the_listener_sees_a_probe():
    """The listener does notice a probe: so the shared-mode tests below can fail."""
    from inspector.connections import inspect_connection

    with listener() as (port, connections):
        inspect_connection(f"postgresql://u:p@127.0.0.1:{port}/db", timeout=0.5, policy=LOCAL)
        assert connections() >= 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "[::ffff:127.0.0.1]"])
def test_shared_connection_probe_to_loopback_is_blocked(host):
    from inspector.connections import inspect_connection

    with listener() as (port, connections):
        start = time.monotonic()
        report = inspect_connection(
            f"postgresql://u:p@{host}:{port}/db", timeout=5, policy=shared("*")
        ).to_dict()
        assert "probe_blocked" in _codes(report)
        assert report["verdict"]["code"] == "probe_blocked"
        assert time.monotonic() - start < 2
        assert connections() == 0


def test_shared_connection_probe_to_ipv6_loopback_is_blocked():
    from inspector.connections import inspect_connection

    with listener(socket.AF_INET6, "::1") as (port, connections):
        report = inspect_connection(
            f"postgresql://u:p@[::1]:{port}/db", timeout=5, policy=shared("*")
        ).to_dict()
        assert "probe_blocked" in _codes(report)
        assert connections() == 0


@pytest.mark.parametrize(
    "host", ["10.1.2.3", "169.254.169.254", "[fd00:ec2::254]", "100.64.0.1", "0.0.0.0"]
)
def test_shared_connection_probe_to_private_or_metadata_is_blocked_before_any_packet(host):
    from inspector.connections import inspect_connection

    start = time.monotonic()
    report = inspect_connection(
        f"postgresql://u:p@{host}:5432/postgres", timeout=5, policy=shared("*")
    ).to_dict()
    # A connection attempt to a black hole would take the whole timeout.
    assert time.monotonic() - start < 2
    assert "probe_blocked" in _codes(report)
    steps = {s["name"]: s["status"] for s in report["steps"]}
    assert steps.get("tcp") in (None, "skipped")


def test_shared_connection_probe_off_the_allow_list_is_blocked():
    from inspector.connections import inspect_connection

    report = inspect_connection(
        "postgresql://u:p@db.example.com:5432/postgres", timeout=5, policy=shared()
    ).to_dict()
    assert "probe_blocked" in _codes(report)


def test_shared_site_connection_page_and_api_block_loopback(make_app):
    app = make_app(**SHARED_APP)
    c = app.test_client()
    with listener() as (port, connections):
        url = f"postgresql://u:p@127.0.0.1:{port}/db"
        r = c.post("/api/v1/connection", json={"url": url, "timeout": 2}, headers=USER)
        assert r.status_code == 200
        assert "probe_blocked" in _codes(r.get_json())
        r = c.post("/connection", data={"url": url, "timeout": "2"}, headers=USER)
        assert r.status_code == 200 and b"probe_blocked" in r.data
        assert connections() == 0


def test_local_mode_control_the_listener_sees_a_jwks_fetch():
    from inspector.tokens import inspect_token

    with listener() as (port, connections):
        inspect_token(
            TOKEN, key=f"http://127.0.0.1:{port}/jwks.json", policy=LOCAL, fetch_timeout=0.5
        )
        assert connections() >= 1


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_shared_jwks_fetch_from_loopback_is_blocked(scheme, host):
    from inspector.tokens import inspect_token

    with listener() as (port, connections):
        report = inspect_token(
            TOKEN, key=f"{scheme}://{host}:{port}/jwks.json", policy=shared("*"), fetch_timeout=3
        ).to_dict()
        codes = _codes(report)
        # Plain http is refused outright on a shared site (jwks_fetch_failed) unless the
        # address literal is refused first; https reaches the address check.
        expected = {"jwks_fetch_blocked", "probe_blocked"}
        if scheme == "http":
            expected.add("jwks_fetch_failed")
        assert codes & expected, codes
        assert connections() == 0


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.1", "[fd00:ec2::254]"])
def test_shared_jwks_fetch_from_metadata_or_private_is_blocked(host):
    from inspector.tokens import inspect_token

    start = time.monotonic()
    report = inspect_token(
        TOKEN, key=f"https://{host}/jwks.json", policy=shared("*"), fetch_timeout=3
    ).to_dict()
    assert time.monotonic() - start < 2
    assert _codes(report) & {"jwks_fetch_blocked", "probe_blocked"}


def test_shared_site_token_api_blocks_loopback_jwks(make_app):
    app = make_app(INSPECTOR_ALLOWED_HOSTS="*", **SHARED_APP)
    c = app.test_client()
    with listener() as (port, connections):
        r = c.post(
            "/api/v1/token",
            json={"token": TOKEN, "key": f"https://localhost:{port}/j"},
            headers=USER,
        )
        assert r.status_code == 200
        assert _codes(r.get_json()) & {"jwks_fetch_blocked", "probe_blocked"}
        assert connections() == 0
