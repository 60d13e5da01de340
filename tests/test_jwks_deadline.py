"""The JWKS fetch has one deadline for connect, TLS, request, headers and body, and one byte cap
for the whole response (issue 9 §4): real loopback servers that drip or never stop."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from inspector.netpolicy import LOCAL
from inspector.tokens import inspect_token
from inspector.tokens.fetch import MAX_RESPONSE, JWKSFetchError, fetch_jwks
from tests.fixtures import slow_http
from tests.fixtures.keys import https_jwks_server
from tests.fixtures.servers import Peer

# What a fetch may take past its deadline: thread hand-offs and a busy 2-CPU machine.
SLACK = 0.75


@pytest.fixture
def peer() -> Iterator[Callable[[Peer], Peer]]:
    started: list[Peer] = []

    def start(p: Peer) -> Peer:
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def timed_fetch(url: str, timeout: float, **kw) -> tuple[float, JWKSFetchError]:
    start = time.monotonic()
    with pytest.raises(JWKSFetchError) as info:
        fetch_jwks(url, LOCAL, timeout, **kw)
    return time.monotonic() - start, info.value


def test_header_drip_ends_at_the_deadline(peer):
    """One header line a second: each read is quick, the whole answer never comes. Before the
    one deadline this held a request for a minute."""
    p = peer(slow_http.header_drip_server(interval=1.0))
    elapsed, err = timed_fetch(f"http://127.0.0.1:{p.port}/jwks.json", 2.5)
    assert 2.5 - 0.1 <= elapsed < 2.5 + SLACK
    assert "no complete answer within 2.5 s" in str(err)


def test_body_drip_ends_at_the_deadline(peer):
    p = peer(slow_http.body_drip_server(interval=0.2))
    elapsed, err = timed_fetch(f"http://127.0.0.1:{p.port}/jwks.json", 1.5)
    assert elapsed < 1.5 + SLACK
    assert "no complete answer within 1.5 s" in str(err)


def test_slow_tls_handshake_ends_at_the_deadline(peer, tmp_path):
    """A real TLS server behind a proxy that passes its bytes on 16 at a time, ten times a
    second: the handshake alone would take many seconds."""
    with https_jwks_server(tmp_path) as server:
        url = server.serve("/jwks.json", {"keys": []})
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        p = peer(slow_http.dripping_proxy(("127.0.0.1", port)))
        slow = f"https://127.0.0.1:{p.port}/jwks.json"
        elapsed, err = timed_fetch(slow, 1.5, cafile=server.cafile)
        assert elapsed < 1.5 + SLACK
        assert "no complete answer within 1.5 s" in str(err)
        # The same server without the drip answers: the proxy, not TLS, was the problem.
        fast = url.replace("localhost", "127.0.0.1")
        assert fetch_jwks(fast, LOCAL, 3.0, cafile=server.cafile).document == {"keys": []}


def test_endless_body_is_cut_by_the_cap(peer):
    p = peer(slow_http.endless_body_server())
    elapsed, err = timed_fetch(f"http://127.0.0.1:{p.port}/jwks.json", 5.0)
    assert "larger than 256 KiB" in str(err)
    assert elapsed < 2.0  # stopped by the cap, not by the deadline


def test_endless_headers_are_cut_by_the_cap(peer):
    """Header lines under http.client's own line limit, without end: only a cap on the whole
    response stops them."""
    p = peer(slow_http.endless_headers_server())
    elapsed, err = timed_fetch(f"http://127.0.0.1:{p.port}/jwks.json", 5.0)
    assert f"larger than {MAX_RESPONSE // 1024} KiB" in str(err)
    assert elapsed < 2.0


def test_token_inspection_with_a_dripping_jwks_url_is_bounded(kit, peer):
    """The same, end to end: a finding, within the inspection's fetch timeout."""
    p = peer(slow_http.header_drip_server(interval=0.5))
    start = time.monotonic()
    report = inspect_token(
        kit.mint.user(kit.es, "ES256"),
        key=f"http://127.0.0.1:{p.port}/.well-known/jwks.json",
        fetch_timeout=1.5,
    )
    assert time.monotonic() - start < 1.5 + SLACK
    finding = next(f for f in report.findings if f.code == "jwks_fetch_failed")
    assert "no complete answer within 1.5 s" in finding.detail
