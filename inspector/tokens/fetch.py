"""The token inspector's only network I/O: fetching a JWKS URL under the probe policy.

Resolve once, check every address with the policy, connect only to a checked address, verify TLS
against the hostname (SNI), follow no redirects, read a bounded body, all within one deadline.
"""

from __future__ import annotations

import http.client
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
    return list(dict.fromkeys(info[4][0] for info in infos))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given (already checked) address, TLS verified against the URL's hostname."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._ctx = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


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
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if scheme == "https":
            ctx = ssl.create_default_context(cafile=cafile or certifi.where())
            conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
                host, port, address, remaining, ctx
            )
        else:
            conn = _PinnedHTTPConnection(host, port, address, remaining)
        try:
            conn.request(
                "GET",
                path,
                headers={
                    "Accept": "application/json",
                    "User-Agent": "supabase-inspector",
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
            last_error = JWKSFetchError(f"{address} port {port}: {_os_text(exc)}")
            continue
        finally:
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
