"""A live check of a .env counts as probes (issue 9 §4): its database URLs are probed a few at a
time, each through the worker's probe slots, all within one deadline. Against a real loopback
server that accepts connections and never answers, counting what it sees."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import ExitStack, suppress

import pytest

from inspector.env import ENV_PROBES_AT_ONCE, inspect_env
from inspector.web.limits import probe_slot
from tests.fixtures.servers import Peer, _serve

TIMEOUT = 2.0
SLACK = 1.0  # thread hand-offs and a busy 2-CPU machine


class CountingBlackHole:
    """Accepts every connection, never sends a byte; counts connections, and the most open at
    once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = self.most = self.total = 0
        self.peer: Peer = _serve(self._handle)

    def _handle(self, conn: socket.socket) -> None:
        with self.lock:
            self.open += 1
            self.total += 1
            self.most = max(self.most, self.open)
        try:
            conn.settimeout(30)
            with suppress(OSError):
                while conn.recv(1024):
                    pass
        finally:
            with self.lock:
                self.open -= 1

    def env_text(self, n: int) -> str:
        """`n` different database URLs, all to this black hole."""
        return "\n".join(
            f"DB_URL_{i}=postgresql://user{i}:pw@127.0.0.1:{self.peer.port}/db{i}?sslmode=disable"
            for i in range(n)
        )


@pytest.fixture
def hole():
    h = CountingBlackHole()
    yield h
    h.peer.stop()


def outcomes(report: dict) -> dict[str, int]:
    """How many URLs were probed, not probed for want of time, not probed for want of a slot."""
    seen = {"probed": 0, "late": 0, "busy": 0}
    for v in report["variables"]:
        busy = [f for f in v["findings"] if f["code"] == "probe_busy"]
        if not busy:
            seen["probed"] += 1
        elif "deadline" in busy[0]["detail"]:
            seen["late"] += 1
        else:
            seen["busy"] += 1
    return seen


def test_forty_black_holed_urls_take_one_deadline(hole):
    """Issue 9: forty black-holed URLs took 25 s against a 5 s timeout, and one request opened
    connections without bound."""
    start = time.monotonic()
    report = inspect_env(hole.env_text(40), probe=True, timeout=TIMEOUT).to_dict()
    elapsed = time.monotonic() - start
    assert elapsed < TIMEOUT + SLACK
    seen = outcomes(report)
    assert seen["probed"] == ENV_PROBES_AT_ONCE
    assert seen["late"] == 40 - ENV_PROBES_AT_ONCE
    assert hole.total <= ENV_PROBES_AT_ONCE and hole.most <= ENV_PROBES_AT_ONCE
    assert report["probed"] is True


def test_quick_urls_all_get_their_turn(unused_port):
    """Refused ports answer at once: every lane moves on, and all twenty are probed."""
    text = "\n".join(
        f"DB_URL_{i}=postgresql://u:pw@127.0.0.1:{unused_port}/db{i}" for i in range(20)
    )
    report = inspect_env(text, probe=True, timeout=TIMEOUT).to_dict()
    assert outcomes(report) == {"probed": 20, "late": 0, "busy": 0}
    assert all("tcp_refused" in {f["code"] for f in v["findings"]} for v in report["variables"])


def test_env_probes_take_the_sites_probe_slots(make_app, hole):
    """With two slots per worker, an env check never has more than two probes out, whatever
    its own concurrency; URLs that find no slot say so."""
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=2, INSPECTOR_PROBE_TIMEOUT=TIMEOUT)
    start = time.monotonic()
    r = app.test_client().post("/api/v1/env", json={"text": hole.env_text(12), "probe": True})
    elapsed = time.monotonic() - start
    assert r.status_code == 200 and elapsed < TIMEOUT + SLACK
    seen = outcomes(r.get_json())
    assert seen["probed"] <= 2 and seen["busy"] >= 1
    assert hole.most <= 2


def test_env_check_on_a_busy_site_is_told_busy_at_once(make_app, hole):
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=2, INSPECTOR_PROBE_TIMEOUT=TIMEOUT)
    with app.app_context(), ExitStack() as held:
        for _ in range(2):
            held.enter_context(probe_slot())
        start = time.monotonic()
        r = app.test_client().post("/api/v1/env", json={"text": hole.env_text(8), "probe": True})
        elapsed = time.monotonic() - start
    assert r.status_code == 200
    assert outcomes(r.get_json()) == {"probed": 0, "late": 0, "busy": 8}
    assert elapsed < 1.0 and hole.total == 0
    finding = r.get_json()["variables"][0]["findings"][-1]
    assert finding["code"] == "probe_busy" and "too many probes" in finding["detail"]


def test_a_running_env_check_makes_a_connection_probe_busy(make_app, hole):
    """The other way round: the env check's probes hold slots a connection probe would need."""
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=2, INSPECTOR_PROBE_TIMEOUT=TIMEOUT)
    env_done = threading.Event()

    def env_check() -> None:
        app.test_client().post("/api/v1/env", json={"text": hole.env_text(2), "probe": True})
        env_done.set()

    thread = threading.Thread(target=env_check)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while hole.open < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hole.open == 2 and not env_done.is_set()
        start = time.monotonic()
        url = f"postgresql://u:pw@127.0.0.1:{hole.peer.port}/other?sslmode=disable"
        d = app.test_client().post("/api/v1/connection", json={"url": url}).get_json()
        assert d["verdict"]["code"] == "probe_busy"
        assert time.monotonic() - start < 1.0
    finally:
        thread.join(TIMEOUT + SLACK)
    assert env_done.is_set()


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
