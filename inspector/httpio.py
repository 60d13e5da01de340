"""Pinned HTTP(S) connections under one deadline: the machinery the JWKS fetch
(`tokens/fetch.py`) and the request tester (`endpoint/io.py`) share.

A connection goes to an address that was already checked against the probe policy (never to
whatever the name resolves to later), verifies TLS against the URL's hostname (SNI), and every
step (connect, TLS, request, headers, body) waits only for what is left of one deadline; the
whole response, headers included, stops at a byte cap.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from inspector.netpolicy import ProbeBlockedError, ProbePolicy

MAX_BODY = 256 * 1024
# The status line and headers may add this much; past MAX_RESPONSE in all, reading stops.
MAX_HEAD = 32 * 1024
MAX_RESPONSE = MAX_BODY + MAX_HEAD


class HTTPIOError(Exception):
    """The request could not be made or its answer read; the message says why, for a finding."""


class ResolveError(HTTPIOError):
    """The host name does not resolve (or not in time)."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class ResponseTooLargeError(HTTPIOError):
    """The response went on past the byte cap."""


class DeadlinePassedError(TimeoutError):
    """The one deadline passed (connect, TLS, request, headers and body together)."""


_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="http-dns")


def resolve(host: str, port: int, timeout: float) -> list[str]:
    """The addresses of `host`, in the resolver's order, without repeats. ResolveError."""
    # getaddrinfo has no timeout of its own: bound it by waiting on a worker thread.
    future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except FutureTimeout as exc:
        raise ResolveError(
            f"resolving {host} took longer than {timeout:.1f} s", timed_out=True
        ) from exc
    except OSError as exc:
        raise ResolveError(f"{host} does not resolve ({exc.strerror or exc})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _DeadlineReader(io.RawIOBase):
    """The socket as http.client reads it: each recv waits only for what is left of the one
    deadline (a socket timeout alone is per read: a server dripping a header line a second would
    never trip it), and the whole response, headers included, stops at the byte cap."""

    def __init__(self, owner: DeadlineSocket):
        self._owner, self.total = owner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        cap = self._owner.max_response
        if self.total > cap:
            raise ResponseTooLargeError(f"the response is larger than {cap // 1024} KiB")
        sock = self._owner.sock
        sock.settimeout(self._owner.remaining())
        n = sock.recv_into(buffer, min(len(buffer), cap + 1 - self.total))
        self.total += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._owner.reader_closed()
        super().close()


class DeadlineSocket:
    """What http.client needs of a socket (sendall, makefile, close), every call under the one
    deadline. Like a real socket, closing it leaves the fd open to the response reading it."""

    def __init__(self, sock: socket.socket, deadline: float, max_response: int = MAX_RESPONSE):
        self.sock, self.deadline, self.max_response = sock, deadline, max_response
        self._readers, self._closed = 0, False

    def remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlinePassedError("timed out")
        return remaining

    def sendall(self, data: bytes) -> None:
        self.sock.settimeout(self.remaining())  # sendall's timeout covers the whole send
        self.sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_DeadlineReader(self))

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closed and not self._readers:
            self.sock.close()

    def close(self) -> None:
        self._closed = True
        if not self._readers:
            self.sock.close()


def _open(address: str, port: int, deadline: float) -> socket.socket:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlinePassedError("timed out")
    return socket.create_connection((address, port), remaining)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given (already checked) address, TLS verified against the URL's hostname,
    everything within `deadline`."""

    def __init__(
        self,
        host: str,
        port: int,
        address: str,
        deadline: float,
        context: ssl.SSLContext,
        max_response: int = MAX_RESPONSE,
    ):
        super().__init__(
            host, port, timeout=max(0.01, deadline - time.monotonic()), context=context
        )
        self._address, self._ctx, self._deadline = address, context, deadline
        self._max_response = max_response

    def connect(self) -> None:
        sock = _open(self._address, self.port, self._deadline)
        tls = self._ctx.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
        try:
            # CPython counts a handshake's socket timeout as one deadline for the whole
            # handshake, however the server spreads its bytes.
            tls.settimeout(max(0.01, self._deadline - time.monotonic()))
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        self.sock = DeadlineSocket(tls, self._deadline, self._max_response)


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a given (already checked) address, everything within `deadline`."""

    def __init__(
        self, host: str, port: int, address: str, deadline: float, max_response: int = MAX_RESPONSE
    ):
        super().__init__(host, port, timeout=max(0.01, deadline - time.monotonic()))
        self._address, self._deadline, self._max_response = address, deadline, max_response

    def connect(self) -> None:
        sock = _open(self._address, self.port, self._deadline)
        self.sock = DeadlineSocket(sock, self._deadline, self._max_response)


def os_text(exc: BaseException) -> str:
    """An OSError (or a timeout) in a few words, for a finding."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def allowed_addresses(host: str, addresses: list[str], policy: ProbePolicy) -> list[str]:
    """The resolved addresses the policy allows, in order. A host with one address that the
    policy refuses raises that refusal's own reason; several, all refused, one reason for all."""
    allowed = []
    for address in addresses:
        try:
            policy.check_address(address)
            allowed.append(address)
        except ProbeBlockedError:
            if len(addresses) == 1:
                raise
    if not allowed:
        raise ProbeBlockedError(f"every address of {host} is refused by this site's policy")
    return allowed
