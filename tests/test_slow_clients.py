"""Slow clients against gunicorn directly (issue 9 §4): why the README requires a buffering
proxy in front of a shared site.

gunicorn's gthread worker reads a request's headers and body in a server thread, with no
deadline of its own: a client that drips its headers holds that thread for as long as it likes.
This shows it for real against `gunicorn -c gunicorn.conf.py wsgi:app` (two threads, so two slow
clients are enough), and shows the site answering again once they go: the cure is a proxy
that reads whole requests before passing them on (nginx buffers bodies by default and drops
slow senders after client_header_timeout / client_body_timeout), not anything in the app.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from contextlib import suppress

import pytest

from tests.fixtures.gunicorn import instances

ENV = {"INSPECTOR_WORKERS": "1", "INSPECTOR_THREADS": "2"}


def healthz(port: int, timeout: float) -> int | None:
    """/healthz's status, or None when no answer came within `timeout`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    except TimeoutError:
        return None
    finally:
        conn.close()


class SlowClient:
    """Sends a request line, then one header line every `interval` seconds, never the end."""

    def __init__(self, port: int, interval: float = 0.3) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drip, args=(interval,), daemon=True)
        self.thread.start()

    def _drip(self, interval: float) -> None:
        n = 0
        with suppress(OSError):
            while not self.stop.wait(interval):
                self.sock.sendall(f"X-Slow-{n}: 1\r\n".encode())
                n += 1

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with instances(tmp_path_factory.mktemp("slow"), ENV, count=1) as (instance,):
        yield instance


def test_dripping_clients_hold_gunicorns_threads(site):
    assert healthz(site.port, 5) == 200
    slow = [SlowClient(site.port) for _ in range(2)]
    try:
        time.sleep(0.5)  # both are being read by a server thread now
        assert healthz(site.port, 2.0) is None  # every thread is held: nobody else is served
    finally:
        for c in slow:
            c.close()
    deadline = time.monotonic() + 10
    while (status := healthz(site.port, 2.0)) != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == 200  # and the site comes back once the slow clients go
