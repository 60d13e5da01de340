"""The request tester's only I/O: one HTTP(S) request to the user's endpoint, under the probe
policy.

The rules of the JWKS fetch (tokens/fetch.py), with the same pinned connections and deadline
socket (inspector/httpio.py) rather than copies of them: resolve once, check every address
with the policy, connect only to a checked address, verify TLS against the URL's hostname,
follow no redirect, one deadline for DNS, connect, TLS, request, headers and body together, and
a byte cap on what is read. A second address is tried only when the first one could not be
connected to: once a request went out, the token is never sent again.
"""

from __future__ import annotations

import http.client
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi

from inspector.endpoint.targets import METHODS

# The JWKS fetch's connection machinery: one implementation of "pinned, under one deadline".
from inspector.httpio import (
    HTTPIOError,
    PinnedHTTPConnection,
    PinnedHTTPSConnection,
    ResolveError,
    allowed_addresses,
    os_text,
    resolve,
)
from inspector.netpolicy import ProbeBlockedError, ProbePolicy

MAX_READ = 64 * 1024  # body bytes read at most; the rest is left unread


class RequestFailedError(Exception):
    """No answer: the URL cannot be used, the host does not resolve, nothing listens, TLS
    fails, or the deadline passed. The message says why, for a finding."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class RawAnswer:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # as received, in order
    body: bytes  # at most MAX_READ bytes
    truncated: bool  # the body went on past MAX_READ
    incomplete: bool  # the deadline passed (or the peer hung up) before the body ended
    address: str
    ms: float
    local_time: float | None = None  # this machine's clock halfway to the headers (epoch s)
    rtt: float = 0.0  # seconds from sending the request to the headers

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


def send(
    method: str,
    url: str,
    headers: dict[str, str],
    policy: ProbePolicy,
    timeout: float,
    *,
    cafile: str | None = None,
) -> RawAnswer:
    """Send one request. ProbeBlockedError (the policy refused it: nothing was sent) or
    RequestFailedError (no answer)."""
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {', '.join(METHODS)}")
    start = time.monotonic()
    deadline = start + timeout
    scheme, host, port, path = _split(url)
    policy.check_host(host)
    if scheme == "http" and policy.restricted:
        raise ProbeBlockedError("this site sends tokens over https only")
    try:
        addresses = resolve(host, port, max(0.05, deadline - time.monotonic()))
    except ResolveError as exc:
        raise RequestFailedError(str(exc), timed_out=exc.timed_out) from exc
    checked = _checked(addresses, policy, host)
    last: RequestFailedError | None = None
    for address in checked:
        if deadline - time.monotonic() <= 0:
            break
        conn = _connection(scheme, host, port, address, deadline, cafile)
        try:
            try:
                conn.connect()
            except ssl.SSLCertVerificationError as exc:
                why = exc.verify_message or exc.reason
                last = RequestFailedError(f"the TLS certificate of {host} is not trusted ({why})")
                continue
            except (OSError, ssl.SSLError) as exc:
                last = _failure(address, port, exc, deadline, timeout)
                if last.timed_out:
                    break
                continue
            return _exchange(conn, method, path, headers, address, start, deadline, timeout)
        finally:
            conn.close()
    raise last or RequestFailedError(f"no answer within {timeout:.1f} s", timed_out=True)


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError as exc:
        raise RequestFailedError(f"{url[:200]!r} is not a URL that can be used") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RequestFailedError("only http and https URLs can be called")
    if not host:
        raise RequestFailedError("the URL has no host name")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _checked(addresses: list[str], policy: ProbePolicy, host: str) -> list[str]:
    if not addresses:
        raise RequestFailedError(f"{host} resolves to no address")
    return allowed_addresses(host, addresses, policy)


def _connection(
    scheme: str, host: str, port: int, address: str, deadline: float, cafile: str | None
) -> http.client.HTTPConnection:
    if scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile or certifi.where())
        return PinnedHTTPSConnection(host, port, address, deadline, ctx)
    return PinnedHTTPConnection(host, port, address, deadline)


def _exchange(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    address: str,
    start: float,
    deadline: float,
    timeout: float,
) -> RawAnswer:
    port = conn.port
    try:
        sent = time.time()  # the server's Date is read against this machine's clock
        conn.request(method, path, headers={**headers, "Connection": "close"})
        resp = conn.getresponse()
        answered = time.time()
    except (OSError, http.client.HTTPException, HTTPIOError) as exc:
        raise _failure(address, port, exc, deadline, timeout) from exc
    try:
        body, truncated, incomplete = _read_body(resp)
    finally:
        resp.close()  # a body cut at the cap is not read to its end
    return RawAnswer(
        status=resp.status,
        reason=resp.reason or "",
        headers=tuple(resp.getheaders()),
        body=body,
        truncated=truncated,
        incomplete=incomplete,
        address=address,
        ms=(time.monotonic() - start) * 1000,
        local_time=(sent + answered) / 2,
        rtt=answered - sent,
    )


def _read_body(resp: http.client.HTTPResponse) -> tuple[bytes, bool, bool]:
    """At most MAX_READ bytes, and whether there was more, or the body did not end in time.
    What arrived before the deadline is kept: a dripping body still shows its beginning."""
    chunks: list[bytes] = []
    total = 0
    try:
        while total <= MAX_READ:
            chunk = resp.read1(MAX_READ + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (OSError, http.client.HTTPException, HTTPIOError):
        body = b"".join(chunks)
        return body[:MAX_READ], len(body) > MAX_READ, True
    body = b"".join(chunks)
    return body[:MAX_READ], len(body) > MAX_READ, False


def _failure(
    address: str, port: int, exc: BaseException, deadline: float, timeout: float
) -> RequestFailedError:
    if time.monotonic() >= deadline or isinstance(exc, TimeoutError):
        return RequestFailedError(
            f"{_where(address, port)}: no complete answer within {timeout:.1f} s", timed_out=True
        )
    if isinstance(exc, http.client.BadStatusLine | http.client.LineTooLong):
        return RequestFailedError(f"{_where(address, port)}: the answer is not HTTP")
    if isinstance(exc, HTTPIOError):
        return RequestFailedError(f"{_where(address, port)}: {exc}")
    if isinstance(exc, ssl.SSLError):
        return RequestFailedError(f"{_where(address, port)}: TLS failed ({exc.reason or exc})")
    return RequestFailedError(f"{_where(address, port)}: {os_text(exc)}")


def _where(address: str, port: int) -> str:
    shown = f"[{address}]" if ":" in address else address
    return f"{shown} port {port}"
