"""The token inspector's only network I/O: fetching a JWKS URL under the probe policy.

Resolve once, check every address with the policy, connect only to a checked address, verify TLS
against the hostname (SNI), follow no redirects, read a bounded body, all within one deadline.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import certifi

from inspector import supabase
from inspector.netpolicy import ProbeBlockedError, ProbePolicy
from inspector.tokens.decode import loads

MAX_BODY = 256 * 1024
# The status line and headers may add this much; past MAX_RESPONSE in all, reading stops.
MAX_HEAD = 32 * 1024
MAX_RESPONSE = MAX_BODY + MAX_HEAD


class JWKSFetchError(Exception):
    """The JWKS could not be fetched or read; the message says why, for a finding."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    address: str
    status: int
    document: Any
    ms: float


_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="jwks-dns")


def _resolve(host: str, port: int, timeout: float) -> list[str]:
    # getaddrinfo has no timeout of its own: bound it by waiting on a worker thread.
    future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except FutureTimeout as exc:
        raise JWKSFetchError(f"resolving {host} took longer than {timeout:.1f} s") from exc
    except OSError as exc:
        raise JWKSFetchError(f"{host} does not resolve ({exc.strerror or exc})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _DeadlinePassedError(TimeoutError):
    """The whole fetch's deadline passed (connect, TLS, request, headers and body together)."""


class _ResponseTooLargeError(JWKSFetchError):
    pass


class _DeadlineReader(io.RawIOBase):
    """The socket as http.client reads it: each recv waits only for what is left of the one
    deadline (a socket timeout alone is per read: a server dripping a header line a second would
    never trip it), and the whole response, headers included, stops at MAX_RESPONSE bytes."""

    def __init__(self, owner: _DeadlineSocket):
        self._owner, self.total = owner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.total > MAX_RESPONSE:
            raise _ResponseTooLargeError(f"the response is larger than {MAX_RESPONSE // 1024} KiB")
        sock = self._owner.sock
        sock.settimeout(self._owner.remaining())
        n = sock.recv_into(buffer, min(len(buffer), MAX_RESPONSE + 1 - self.total))
        self.total += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._owner.reader_closed()
        super().close()


class _DeadlineSocket:
    """What http.client needs of a socket (sendall, makefile, close), every call under the one
    deadline. Like a real socket, closing it leaves the fd open to the response reading it."""

    def __init__(self, sock: socket.socket, deadline: float):
        self.sock, self.deadline = sock, deadline
        self._readers, self._closed = 0, False

    def remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlinePassedError("timed out")
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
        raise _DeadlinePassedError("timed out")
    return socket.create_connection((address, port), remaining)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given (already checked) address, TLS verified against the URL's hostname,
    everything within `deadline`."""

    def __init__(self, host: str, port: int, address: str, deadline: float, context):
        super().__init__(
            host, port, timeout=max(0.01, deadline - time.monotonic()), context=context
        )
        self._address, self._ctx, self._deadline = address, context, deadline

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
        self.sock = _DeadlineSocket(tls, self._deadline)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, deadline: float):
        super().__init__(host, port, timeout=max(0.01, deadline - time.monotonic()))
        self._address, self._deadline = address, deadline

    def connect(self) -> None:
        sock = _open(self._address, self.port, self._deadline)
        self.sock = _DeadlineSocket(sock, self._deadline)


def fetch_jwks(
    url: str,
    policy: ProbePolicy,
    timeout: float = 3.0,
    *,
    cafile: str | None = None,
) -> FetchResult:
    """GET the JWKS document. Raises ProbeBlockedError (policy) or JWKSFetchError."""
    start = time.monotonic()
    deadline = start + timeout
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as exc:
        raise JWKSFetchError(f"{url!r} is not a URL that can be read") from exc
    scheme = parts.scheme.lower()
    if not host:
        raise JWKSFetchError(f"{url!r} has no host name")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise JWKSFetchError(f"the port in {url!r} is not a number") from exc
    if scheme in ("http", "https"):
        policy.check_host(host)
    if scheme == "http":
        # Plain http only for a local stack on this machine, and never on a shared site.
        if policy.restricted or not supabase.is_loopback_host(host):
            raise JWKSFetchError(
                "only https JWKS URLs are fetched (plain http only for loopback in local mode)"
            )
    elif scheme != "https":
        raise JWKSFetchError(f"the scheme {scheme!r} is not https")
    addresses = _resolve(host, port, max(0.05, deadline - time.monotonic()))
    if not addresses:
        raise JWKSFetchError(f"{host} resolves to no address")
    checked = []
    for a in addresses:
        try:
            policy.check_address(a)
            checked.append(a)
        except ProbeBlockedError:
            if len(addresses) == 1:
                raise
    if not checked:
        raise ProbeBlockedError(f"every address of {host} is refused by this site's policy")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    last_error: Exception | None = None
    for address in checked:
        if deadline - time.monotonic() <= 0:
            break
        if scheme == "https":
            ctx = ssl.create_default_context(cafile=cafile or certifi.where())
            conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
                host, port, address, deadline, ctx
            )
        else:
            conn = _PinnedHTTPConnection(host, port, address, deadline)
        resp: http.client.HTTPResponse | None = None
        try:
            conn.request(
                "GET",
                path,
                headers={
                    "Accept": "application/json",
                    "User-Agent": "supabase-inspector",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            resp = conn.getresponse()
            body = resp.read(MAX_BODY + 1)
            status = resp.status
        except ssl.SSLCertVerificationError as exc:
            last_error = JWKSFetchError(
                f"TLS certificate of {host} not trusted ({exc.verify_message or exc.reason})"
            )
            continue
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline:
                # Connect, TLS, headers and body share the one deadline: no other address
                # gets a turn after it.
                last_error = JWKSFetchError(
                    f"{address} port {port}: no complete answer within {timeout:.1f} s"
                )
                break
            last_error = JWKSFetchError(f"{address} port {port}: {_os_text(exc)}")
            continue
        finally:
            if resp is not None:
                resp.close()  # a body cut at the cap is not read to its end
            conn.close()
        ms = (time.monotonic() - start) * 1000
        if 300 <= status < 400:
            raise JWKSFetchError(f"HTTP {status}: a redirect (redirects are not followed)")
        if status != 200:
            raise JWKSFetchError(f"HTTP {status} from {host}")
        if len(body) > MAX_BODY:
            raise JWKSFetchError(f"the response is larger than {MAX_BODY // 1024} KiB")
        try:
            document = loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise JWKSFetchError("the response is not JSON") from exc
        return FetchResult(url=url, address=address, status=status, document=document, ms=ms)
    if last_error is not None:
        raise last_error
    raise JWKSFetchError(f"no answer within {timeout:.1f} s")


def _os_text(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
