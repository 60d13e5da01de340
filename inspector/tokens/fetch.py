"""The token inspector's only network I/O: GETting a JWKS (or an OpenID configuration) under the
probe policy, and a short-lived cache of the answers.

Resolve once, check every address with the policy, connect only to a checked address, verify TLS
against the hostname (SNI), follow no redirects, read a bounded body, all within one deadline
(the connections are `inspector.httpio`'s). The answer's HTTP `Date` is kept with this machine's
clock at that moment, so the caller can measure the skew (`tokens/skew.py`).

Answers are cached per URL for their `Cache-Control: max-age` (at most MAX_TTL, DEFAULT_TTL
without one; never with `no-store`/`no-cache`), so checking ten tokens fetches once. The policy
is applied on every call: a cached answer is served only if its URL and the address it came
from still pass, so nothing a site's policy refuses is ever served from the cache.
"""

from __future__ import annotations

import http.client
import re
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import certifi

from inspector import httpio, supabase
from inspector.httpio import MAX_BODY, MAX_HEAD, MAX_RESPONSE
from inspector.netpolicy import ProbePolicy
from inspector.tokens.decode import loads

__all__ = [
    "MAX_BODY",
    "MAX_HEAD",
    "MAX_RESPONSE",
    "FetchResult",
    "JWKSFetchError",
    "cache_ttl",
    "clear_cache",
    "fetch_json",
    "fetch_jwks",
]

# How long an answer is kept: its max-age, at most MAX_TTL (Supabase sends 600, as its edge
# caches); DEFAULT_TTL when it says nothing (PyJWKClient's default lifespan).
DEFAULT_TTL = 300.0
MAX_TTL = 600.0
CACHE_SIZE = 256


class JWKSFetchError(Exception):
    """The JWKS could not be fetched or read; the message says why, for a finding."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    address: str
    status: int
    document: Any
    ms: float
    date: str | None = None  # the answer's HTTP Date header, as sent
    local_time: float | None = None  # this machine's clock (epoch s) halfway to the headers
    rtt: float = 0.0  # seconds from sending the request to the headers
    cached: bool = False  # served from the cache: nothing was sent
    ttl: float = 0.0  # seconds the answer may be kept


# --- the cache -------------------------------------------------------------------------------


_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.I)
_NO_CACHE = re.compile(r"(?:^|[,\s])(no-store|no-cache)\b", re.I)


def cache_ttl(cache_control: str | None, age: str | None = None) -> float:
    """Seconds an answer with these headers may be kept (0: not at all)."""
    if cache_control and _NO_CACHE.search(cache_control):
        return 0.0
    m = _MAX_AGE.search(cache_control or "")
    ttl = min(float(m.group(1)), MAX_TTL) if m else DEFAULT_TTL
    if age and age.strip().isdigit():
        ttl -= float(age.strip())
    return max(0.0, ttl)


class _Cache:
    """Answers by (URL, CA file), least recently used dropped first; thread-safe."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple[str, str | None], tuple[float, FetchResult]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str | None]) -> FetchResult | None:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: tuple[str, str | None], result: FetchResult) -> None:
        if result.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + result.ttl, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _Cache(CACHE_SIZE)


def clear_cache() -> None:
    """Forget every cached answer (tests; a site that just rotated keys restarts anyway)."""
    _cache.clear()


# --- the fetch -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str


def _target(url: str, policy: ProbePolicy) -> _Target:
    """The URL read and judged before any packet: JWKSFetchError or ProbeBlockedError."""
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
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(url, scheme, host, port, path)


def fetch_json(
    url: str,
    policy: ProbePolicy,
    timeout: float = 3.0,
    *,
    cafile: str | None = None,
    use_cache: bool = True,
) -> FetchResult:
    """GET a JSON document (a JWKS, an OpenID configuration), or its cached answer.
    Raises ProbeBlockedError (policy) or JWKSFetchError."""
    start = time.monotonic()
    target = _target(url, policy)
    key = (url, cafile)
    cached = _cache.get(key) if use_cache else None
    if cached is not None:
        policy.check_address(cached.address)  # the policy of now, not of when it was fetched
        return replace(cached, cached=True, ms=(time.monotonic() - start) * 1000)
    try:
        result = _get(target, policy, start, start + timeout, timeout, cafile)
    except httpio.HTTPIOError as exc:
        raise JWKSFetchError(str(exc)) from exc
    if use_cache:
        _cache.put(key, result)
    return result


def fetch_jwks(
    url: str,
    policy: ProbePolicy,
    timeout: float = 3.0,
    *,
    cafile: str | None = None,
    use_cache: bool = True,
) -> FetchResult:
    """GET the JWKS document. Raises ProbeBlockedError (policy) or JWKSFetchError."""
    return fetch_json(url, policy, timeout, cafile=cafile, use_cache=use_cache)


def _checked_addresses(host: str, port: int, policy: ProbePolicy, deadline: float) -> list[str]:
    addresses = httpio.resolve(host, port, max(0.05, deadline - time.monotonic()))
    if not addresses:
        raise JWKSFetchError(f"{host} resolves to no address")
    return httpio.allowed_addresses(host, addresses, policy)


def _get(
    t: _Target,
    policy: ProbePolicy,
    start: float,
    deadline: float,
    timeout: float,
    cafile: str | None,
) -> FetchResult:
    host, port = t.host, t.port
    last_error: Exception | None = None
    for address in _checked_addresses(host, port, policy, deadline):
        if deadline - time.monotonic() <= 0:
            break
        if t.scheme == "https":
            ctx = ssl.create_default_context(cafile=cafile or certifi.where())
            conn: http.client.HTTPConnection = httpio.PinnedHTTPSConnection(
                host, port, address, deadline, ctx
            )
        else:
            conn = httpio.PinnedHTTPConnection(host, port, address, deadline)
        resp: http.client.HTTPResponse | None = None
        try:
            conn.connect()
            sent = time.time()
            conn.request(
                "GET",
                t.path,
                headers={
                    "Accept": "application/json",
                    "User-Agent": "supabase-inspector",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            resp = conn.getresponse()
            answered = time.time()
            body = resp.read(MAX_BODY + 1)
            status = resp.status
            date, ttl = (
                resp.getheader("Date"),
                cache_ttl(resp.getheader("Cache-Control"), resp.getheader("Age")),
            )
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
            last_error = JWKSFetchError(f"{address} port {port}: {httpio.os_text(exc)}")
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
        return FetchResult(
            url=t.url,
            address=address,
            status=status,
            document=document,
            ms=ms,
            date=date,
            local_time=(sent + answered) / 2,
            rtt=answered - sent,
            ttl=ttl,
        )
    if last_error is not None:
        raise last_error
    raise JWKSFetchError(f"no answer within {timeout:.1f} s")
