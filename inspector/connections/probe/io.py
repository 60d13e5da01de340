"""Every socket, ssl, psycopg2 and asyncpg call of the connection inspector, and nothing else.

Each call is bounded by the probe's deadline (a `time.monotonic()` value) and returns facts;
what they mean is `steps.py`'s and `tls.py`'s to say. DNS (A and AAAA separately, in daemon
threads abandoned at the deadline), TCP to every address at once (non-blocking connects in one
selector), the 8-byte SSLRequest, a TLS handshake that accepts any certificate (to read the
chain), the trust stores' files, a real libpq login through psycopg2's asynchronous connection
(so the deadline is ours, not `connect_timeout`'s whole seconds), a first query, an asyncpg
attempt on a private event loop, the proof round (every suggestion tried at once with its own
driver, SQLAlchemy's engines included), and what a local libpq would read from this machine.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import getpass
import os
import select
import selectors
import socket
import ssl
import struct
import tempfile
import threading
import time
import warnings
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import asyncpg
import psycopg2
import psycopg2.extensions as ext
from asyncpg import connect_utils
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning

from inspector.connections import tlsinfo
from inspector.connections.probe.model import (
    AsyncpgArgs,
    AsyncpgAttempt,
    AsyncpgTls,
    Attempt,
    DnsAnswer,
    EngineAttempt,
    Handshake,
    LibpqAttempt,
    Login,
    Machine,
    Query,
    SslReply,
    TcpResult,
    Tried,
)

SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # 00 00 00 08 04 d2 16 2f
# After one address connects, how long the others may still report before we stop waiting.
TCP_GRACE = 0.25
FIRST_QUERY = (
    "select version(), current_user, current_database(), inet_server_addr()::text, "
    "inet_server_port(), current_setting('server_version'), "
    "s.ssl, s.version, s.cipher, s.bits, extract(epoch from now())::float8 "
    "from (select 1) one left join pg_stat_ssl s on s.pid = pg_backend_pid()"
)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


# --- DNS -----------------------------------------------------------------------------------------


def resolve(host: str, port: int, timeout: float) -> dict[str, DnsAnswer]:
    """A and AAAA looked up separately in daemon threads, abandoned at the deadline."""
    results: dict[str, DnsAnswer] = {}
    done = {fam: threading.Event() for fam in ("A", "AAAA")}

    def lookup(label: str, family: socket.AddressFamily) -> None:
        t0 = time.monotonic()
        try:
            infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
            addrs = list(dict.fromkeys(str(i[4][0]) for i in infos))
            results[label] = {"addresses": addrs, "ms": (time.monotonic() - t0) * 1000}
        except (OSError, UnicodeError) as exc:
            text = getattr(exc, "strerror", None) or str(exc)
            results[label] = {"addresses": [], "error": text, "ms": (time.monotonic() - t0) * 1000}
        finally:
            done[label].set()

    for label, fam in (("A", socket.AF_INET), ("AAAA", socket.AF_INET6)):
        threading.Thread(target=lookup, args=(label, fam), daemon=True, name=f"dns-{label}").start()
    end = time.monotonic() + timeout
    for label in ("A", "AAAA"):
        done[label].wait(max(0.0, end - time.monotonic()))
    late: DnsAnswer = {"addresses": [], "error": "no answer in time", "timed_out": True}
    return {label: DnsAnswer(**(results.get(label) or late)) for label in ("A", "AAAA")}


def has_route(address: str) -> bool:
    """Is there a route to `address`? A UDP connect picks a route and sends nothing."""
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.connect((address, 9))
        return True
    except OSError:
        return False


# --- TCP -----------------------------------------------------------------------------------------


def _family(addr: str) -> str:
    return "IPv6" if ":" in addr else "IPv4"


def _tcp_result(addr: str, err: int, t0: float) -> TcpResult:
    status = "ok"
    if err == errno.ECONNREFUSED:
        status = "refused"
    elif err == errno.ETIMEDOUT:
        status = "timeout"
    elif err:
        status = "unreachable"
    return {
        "address": addr,
        "family": _family(addr),
        "status": status,
        "ms": round((time.monotonic() - t0) * 1000, 1),
        "error": os.strerror(err) if err else None,
    }


def connect_all(
    addresses: list[str], port: int, deadline: float
) -> tuple[list[TcpResult], socket.socket | None, str | None]:
    """Non-blocking connects to every address at once; the first to connect is kept open."""
    sel = selectors.DefaultSelector()
    results: dict[str, TcpResult] = {}
    socks: dict[str, socket.socket] = {}
    t0 = time.monotonic()
    for addr in addresses:
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((addr, port))
        if err in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            socks[addr] = s
            sel.register(s, selectors.EVENT_WRITE, addr)
        else:
            results[addr] = _tcp_result(addr, err, t0)
            s.close()
    chosen: str | None = None
    grace_end: float | None = None
    while socks.keys() - results.keys():
        left = (deadline if grace_end is None else min(grace_end, deadline)) - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(left):
            addr = key.data
            err = socks[addr].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            sel.unregister(socks[addr])
            results[addr] = _tcp_result(addr, err, t0)
            if err == 0 and chosen is None:
                chosen = addr
                grace_end = time.monotonic() + TCP_GRACE
    for addr in addresses:
        if addr not in results:
            results[addr] = {
                "address": addr,
                "family": _family(addr),
                "status": "timeout",
                "ms": round((time.monotonic() - t0) * 1000, 1),
                "error": "no answer (SYN not acknowledged)"
                if chosen is None
                else "still waiting when another address answered",
            }
    sel.close()
    keep = socks.pop(chosen) if chosen else None
    for s in socks.values():
        s.close()
    for a in addresses:
        if a != chosen and results[a]["status"] == "ok":
            results[a]["note"] = "connected too (closed)"
    if keep is not None:
        keep.setblocking(True)
    return [results[a] for a in addresses], keep, chosen


# --- the SSLRequest ------------------------------------------------------------------------------


def ssl_request(sock: socket.socket, deadline: float) -> SslReply:
    sock.settimeout(max(0.01, _left(deadline)))
    try:
        sock.sendall(SSL_REQUEST)
        answer = sock.recv(1)
    except TimeoutError:
        return SslReply(timed_out=True)
    except OSError as exc:
        return SslReply(broken=str(exc.strerror or exc))
    if answer in (b"S", b"N"):
        return SslReply(answer)
    more = b""
    with suppress(OSError):
        sock.settimeout(min(0.2, max(0.01, _left(deadline))))
        more = sock.recv(200)
    return SslReply(answer, more)


# --- TLS -----------------------------------------------------------------------------------------


def tls_handshake(sock: socket.socket, sni: str | None, deadline: float) -> Handshake:
    """Closes the socket in every case."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with suppress(NotImplementedError):
        ctx.set_alpn_protocols(["postgresql"])
    sock.settimeout(max(0.01, _left(deadline)))
    try:
        tls = ctx.wrap_socket(sock, server_hostname=sni)
    except OSError as exc:  # ssl.SSLError and TimeoutError are OSErrors
        sock.close()
        return Handshake(error=str(exc), timed_out=isinstance(exc, TimeoutError))
    try:
        cipher = tls.cipher()
        return Handshake(
            tls.version(), cipher[0] if cipher else None, tls.selected_alpn_protocol(), _ders(tls)
        )
    finally:
        with suppress(OSError):
            tls.close()


def _ders(tls: ssl.SSLSocket) -> tuple[bytes, ...]:
    """The chain the server sent (Python 3.13's get_unverified_chain, or the same call on the
    SSL object before it), else the leaf alone."""
    getter = getattr(tls, "get_unverified_chain", None) or getattr(
        getattr(tls, "_sslobj", None), "get_unverified_chain", None
    )
    der = ssl._ssl.ENCODING_DER  # type: ignore[attr-defined]
    ders = tuple(
        c if isinstance(c, bytes) else c.public_bytes(der) for c in ((getter and getter()) or [])
    )
    if ders:
        return ders
    peer = tls.getpeercert(binary_form=True)
    return (peer,) if peer else ()


def certifi_path() -> str:
    import certifi

    return certifi.where()


def system_path() -> str | None:
    paths = ssl.get_default_verify_paths()
    for p in (paths.cafile, paths.openssl_cafile):
        if p and os.path.isfile(p):
            return p
    return None


@functools.lru_cache(maxsize=8)
def _file_anchors(path: str, mtime: float) -> tlsinfo.Anchors:
    with open(path, "rb") as fh, warnings.catch_warnings():
        # Some public bundles hold an old root with a negative serial: still a root to judge by.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return tlsinfo.anchors_of(tuple(tlsinfo.load_pem_certs(fh.read())))


def store_certs(store: str) -> tlsinfo.Anchors:
    """The trust anchors of "certifi" or "system" (cached per file version)."""
    path = certifi_path() if store == "certifi" else system_path()
    if not path:
        return tlsinfo.anchors_of(())
    return _file_anchors(path, os.path.getmtime(path))


def file_certs(path: str) -> tlsinfo.Anchors:
    """The trust anchors of a CA file (a string's own sslrootcert, local mode); none when it
    cannot be read."""
    try:
        return _file_anchors(path, os.path.getmtime(path))
    except (OSError, ValueError):
        return tlsinfo.anchors_of(())


# --- the libpq login and the first query ---------------------------------------------------------


@contextmanager
def root_cert_file(ca: str) -> Iterator[str | None]:
    """The chosen CA as a file libpq can read (certifi's and the system's are files already)."""
    if ca == "certifi":
        yield certifi_path()
        return
    if ca == "system":
        yield system_path()
        return
    fd, path = tempfile.mkstemp(prefix="inspector-ca-", suffix=".crt")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(ca)
        yield path
    finally:
        with suppress(OSError):
            os.unlink(path)


def libpq_login(kw: dict[str, str], deadline: float) -> Login:
    conn = None
    try:
        conn = psycopg2.connect(**kw, async_=True)
        if not _wait(conn, deadline):
            close(conn)
            return Login(timed_out=True)
    except (psycopg2.Error, ValueError) as exc:
        close(conn)
        return Login(error=str(exc))
    info = conn.info
    protocol = info.ssl_attribute("protocol") if info.ssl_in_use else None
    return Login(
        conn,
        ssl_in_use=bool(info.ssl_in_use),
        ssl_protocol=protocol,
        server_version=info.server_version,
    )


def first_query(conn: Any, deadline: float) -> Query:
    try:
        cur = conn.cursor()
        sent = time.time()  # this machine's clock, to set against the server's now()
        cur.execute(FIRST_QUERY)
        if not _wait(conn, deadline):
            return Query(timed_out=True)
        answered = time.time()
        row = cur.fetchone()
        return Query(
            tuple(row) if row is not None else None,
            local_time=(sent + answered) / 2,
            rtt=answered - sent,
        )
    except psycopg2.Error as exc:
        return Query(error=str(exc))


def close(conn: Any) -> None:
    if conn is not None:
        with suppress(Exception):
            conn.close()


def _wait(conn: Any, deadline: float) -> bool:
    """Drive an async psycopg2 connection or query to the end; False when out of time."""
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return True
        left = _left(deadline)
        if left <= 0:
            return False
        fd = conn.fileno()
        if state == ext.POLL_READ:
            ready, _, _ = select.select([fd], [], [], left)
        elif state == ext.POLL_WRITE:
            _, ready, _ = select.select([], [fd], [], left)
        else:  # pragma: no cover - psycopg2 only returns the three states
            raise RuntimeError(f"unexpected poll state {state}")
        if not ready and _left(deadline) <= 0:
            return False


# --- asyncpg -------------------------------------------------------------------------------------


class _NamedContext(ssl.SSLContext):
    """An SSL context that checks the certificate against (and sends as SNI) the string's host
    name while asyncpg connects to the checked address."""

    server_name: str | None = None

    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):
        name = self.server_name or server_hostname
        return super().wrap_bio(incoming, outgoing, server_side, name, session)


def _ssl_context(spec: AsyncpgTls) -> _NamedContext:
    ctx = _NamedContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.server_name = spec.server_name
    if spec.minimum_version is not None:
        ctx.minimum_version = spec.minimum_version
    if spec.maximum_version is not None:
        ctx.maximum_version = spec.maximum_version
    with suppress(NotImplementedError):
        ctx.set_alpn_protocols(["postgresql"])
    if not spec.verifies:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx.check_hostname = spec.mode == "verify-full"
    ctx.verify_mode = ssl.CERT_REQUIRED
    if spec.cafile is not None:
        ctx.load_verify_locations(cafile=spec.cafile)
    elif spec.ca == "certifi":
        ctx.load_verify_locations(cafile=certifi_path())
    elif spec.ca == "system":
        ctx.set_default_verify_paths()
    else:
        certs = tlsinfo.load_pem_certs(spec.ca)
        ctx.load_verify_locations(cadata=b"".join(c.public_bytes(Encoding.DER) for c in certs))
    return ctx


def _with_contexts(kwargs: AsyncpgArgs) -> AsyncpgArgs:
    return {k: _ssl_context(v) if isinstance(v, AsyncpgTls) else v for k, v in kwargs.items()}


def asyncpg_login(args: tuple[Any, ...], kwargs: AsyncpgArgs, limit: float) -> None:
    """asyncpg.connect() and a `select 1`, within `limit` seconds; raises what asyncpg raises."""
    _run_async(_asyncpg_connect(args, _with_contexts(kwargs), limit), limit + 0.2)


async def _asyncpg_connect(args: tuple[Any, ...], kwargs: AsyncpgArgs, timeout: float) -> None:
    conn = await asyncio.wait_for(asyncpg.connect(*args, timeout=timeout, **kwargs), timeout)
    try:
        await asyncio.wait_for(conn.fetchval("select 1"), max(0.05, timeout))
    finally:
        try:
            await asyncio.wait_for(conn.close(), 1.0)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            # A slow or broken close must not leak the socket: drop it, and let the loop run
            # once so the transport really closes before the loop does.
            conn.terminate()
            await asyncio.sleep(0)


class _TrackingLoop(asyncio.SelectorEventLoop):
    """An event loop that remembers every transport it makes, so that none outlives it: a
    driver that gives up on a login (or a TLS shutdown the server never answers) may leave a
    transport closing when the attempt ends."""

    def __init__(self) -> None:
        super().__init__()
        self.transports: list[asyncio.Transport] = []

    async def create_connection(self, *args: Any, **kwargs: Any) -> Any:
        transport, protocol = await super().create_connection(*args, **kwargs)
        self.transports.append(transport)
        return transport, protocol

    async def start_tls(self, transport: Any, *args: Any, **kwargs: Any) -> Any:
        tls = await super().start_tls(transport, *args, **kwargs)
        if tls is not None:
            self.transports.append(tls)
        return tls

    def abort_transports(self) -> None:
        for transport in reversed(self.transports):
            with suppress(Exception):
                transport.abort()
        for _ in range(3):  # the sockets close on the loop's next turns
            self.run_until_complete(asyncio.sleep(0))


def _on_private_loop(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to its end on an event loop of its own, no transport outliving it."""
    loop = _TrackingLoop()
    try:
        loop.run_until_complete(coro)
    finally:
        with suppress(Exception):
            loop.abort_transports()
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _run_async(coro: Coroutine[Any, Any, None], limit: float) -> None:
    """Run a coroutine on a private event loop in a thread abandoned after `limit` seconds."""
    box: dict[str, BaseException] = {}

    def target() -> None:
        try:
            _on_private_loop(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True, name="asyncpg-attempt")
    t.start()
    t.join(limit)
    if t.is_alive():
        raise TimeoutError("asyncpg did not finish in time")
    if "error" in box:
        raise box["error"]


# --- the proof round -----------------------------------------------------------------------------


def prove_all(attempts: dict[str, Attempt], deadline: float) -> dict[str, Tried]:
    """Every attempt at once, all bounded by one deadline. An engine that `shares` another
    attempt's connection runs after it in the same thread (over its connection, when its `reuse`
    agrees), every other one in a daemon thread of its own; an attempt still running at the
    deadline is abandoned (its driver's own timeout ends it later)."""
    followers = {
        a.shares: name
        for name, a in attempts.items()
        if isinstance(a, EngineAttempt) and a.shares in attempts and a.shares != name
    }
    boxes: dict[str, dict[str, Any]] = {name: {} for name in attempts}
    threads = []
    for name in attempts:
        if name in followers.values():
            continue
        group = [name] + ([followers[name]] if name in followers else [])
        job = [(key, attempts[key], boxes[key]) for key in group]
        threads.append(
            threading.Thread(target=_group, args=(job, deadline), daemon=True, name=f"proof-{name}")
        )
    for t in threads:
        t.start()
    for t in threads:
        t.join(_left(deadline) + 0.05)
    return {name: box.get("tried") or Tried(timed_out=True) for name, box in boxes.items()}


_Job = list[tuple[str, Attempt, dict[str, Any]]]


def _group(job: _Job, deadline: float) -> None:
    """One attempt, or a driver's attempt and the engine that may run over its connection."""
    first = job[0][1]
    if isinstance(first, AsyncpgAttempt):
        try:
            _on_private_loop(_asyncpg_group(job, deadline))
        except BaseException as exc:  # noqa: BLE001 - the loop itself failed: say so
            for _, _, box in job:
                box.setdefault("tried", Tried(_first_line(exc)))
        return
    if isinstance(first, EngineAttempt):
        _tried(job[0][2], lambda: _engine(first, deadline, None, job[0][2], first.failed))
        return
    assert isinstance(first, LibpqAttempt)
    conn = None

    def connect() -> None:
        nonlocal conn
        conn = _libpq_select_one(first.kw)

    try:
        _tried(job[0][2], connect)
        failed = job[0][2]["tried"].error
        for _, follower, box in job[1:]:
            assert isinstance(follower, EngineAttempt)
            _tried(box, lambda f=follower, b=box: _engine(f, deadline, conn, b, failed))
    finally:
        close(conn)


class _SameSettingsFailed(Exception):
    """An engine's driver parameters are those of the attempt that failed just now: the login is
    not sent again (a pooler bans an address after repeated failures)."""


def _failed_before(exc: BaseException, t0: float) -> Tried:
    ms = (time.monotonic() - t0) * 1000
    if isinstance(exc, _SameSettingsFailed):
        error, who = exc.args
        return Tried(error, ms=ms, same_as_failed=who)
    return Tried(_first_line(exc), ms=ms)


def _tried(box: dict[str, Any], run: Any) -> None:
    """Run one attempt, and say how it ended in `box`."""
    t0 = time.monotonic()
    try:
        run()
    except BaseException as exc:  # noqa: BLE001 - whatever the driver raises is the answer
        box["tried"] = _failed_before(exc, t0)
        return
    shared = box.get("shared") is not None
    box["tried"] = Tried(ms=(time.monotonic() - t0) * 1000, shared=shared)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()


def _libpq_select_one(kw: dict[str, str]) -> Any:
    """psycopg2.connect(**kw) and `select 1`, as the user's program would (blocking: libpq's
    connect_timeout in `kw` bounds it); the connection stays open for an engine to share."""
    conn = psycopg2.connect(**kw)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
            cur.fetchone()
        conn.rollback()
    except BaseException:
        close(conn)
        raise
    return conn


def _listener(
    attempt: EngineAttempt,
    deadline: float,
    shared: Any,
    box: dict[str, Any],
    is_async: bool,
    failed: str | None,
) -> Any:
    """The engine's `do_connect`: SQLAlchemy's parameters for its driver, as `prepare` says,
    over the shared connection when `reuse` agrees they are the ones it was opened with; none
    at all when they are those of the attempt that failed (`failed`: its error)."""

    def listener(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        sent = attempt.prepare(dict(cparams))
        same = attempt.reuse is not None and attempt.reuse(sent)
        if same and failed is not None:
            raise _SameSettingsFailed(failed, "login" if failed == attempt.failed else "lead")
        use = shared is not None and same
        if is_async:
            sent = _with_contexts(sent)
            sent["timeout"] = max(0.05, _left(deadline))  # asyncpg's own connect timeout
            if use:

                async def handed(*args: Any, **kwargs: Any) -> Any:
                    return shared

                sent["async_creator_fn"] = handed
        cparams.clear()
        cparams.update(sent)
        if use:
            box["shared"] = True
        return shared if use and not is_async else None

    return listener


def _engine(
    attempt: EngineAttempt,
    deadline: float,
    shared: Any,
    box: dict[str, Any],
    failed: str | None = None,
) -> None:
    """create_engine(url, connect_args=...) and `select 1` (NullPool: nothing kept open)."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(attempt.url, connect_args=attempt.connect_args, poolclass=NullPool)
    event.listen(engine, "do_connect", _listener(attempt, deadline, shared, box, False, failed))
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1")).scalar_one()
    finally:
        engine.dispose()


async def _asyncpg_group(job: _Job, deadline: float) -> None:
    """asyncpg.connect() and `select 1`, then the engine that may run over that connection."""
    (_, first, box), followers = job[0], job[1:]
    assert isinstance(first, AsyncpgAttempt)
    conn = None
    t0 = time.monotonic()
    try:
        left = max(0.05, _left(deadline))
        kwargs = _with_contexts(first.kwargs)
        conn = await asyncio.wait_for(asyncpg.connect(*first.args, timeout=left, **kwargs), left)
        await asyncio.wait_for(conn.fetchval("select 1"), max(0.05, _left(deadline)))
        box["tried"] = Tried(ms=(time.monotonic() - t0) * 1000)
    except BaseException as exc:  # noqa: BLE001 - whatever the driver raises is the answer
        box["tried"] = Tried(_first_line(exc), ms=(time.monotonic() - t0) * 1000)
    failed = box["tried"].error
    try:
        for _, follower, fbox in followers:
            assert isinstance(follower, EngineAttempt)
            t1 = time.monotonic()
            try:
                await _async_engine(follower, deadline, conn, fbox, failed)
            except BaseException as exc:  # noqa: BLE001
                fbox["tried"] = _failed_before(exc, t1)
            else:
                ms = (time.monotonic() - t1) * 1000
                fbox["tried"] = Tried(ms=ms, shared=fbox.get("shared") is not None)
    finally:
        if conn is not None and not conn.is_closed():
            with suppress(Exception):
                await asyncio.wait_for(conn.close(), 1.0)
            if not conn.is_closed():
                conn.terminate()


async def _async_engine(
    attempt: EngineAttempt, deadline: float, shared: Any, box: dict[str, Any], failed: str | None
) -> None:
    """create_async_engine(url, connect_args=...) and `select 1`, within the deadline."""
    from sqlalchemy import event, text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(attempt.url, connect_args=attempt.connect_args, poolclass=NullPool)
    listener = _listener(attempt, deadline, shared, box, True, failed)
    event.listen(engine.sync_engine, "do_connect", listener)

    async def select_one() -> None:
        async with engine.connect() as conn:
            (await conn.execute(text("select 1"))).scalar_one()

    try:
        await asyncio.wait_for(select_one(), max(0.05, _left(deadline)))
    finally:
        with suppress(Exception):
            await asyncio.wait_for(engine.dispose(), 1.0)


# --- this machine, as a local libpq reads it ----------------------------------------------------


def this_machine() -> Machine:
    """The PG* environment, the home directory and the OS user name, read once."""
    try:
        home: Path | None = Path.home()
    except (RuntimeError, KeyError):
        home = None
    try:
        user: str | None = getpass.getuser()
    except (OSError, KeyError, ImportError):
        user = None
    env = {k: v for k, v in os.environ.items() if k.startswith("PG")}
    return Machine(env, home, user)


def is_file(path: str | Path | None) -> bool:
    return path is not None and str(path) != "" and os.path.isfile(path)


def password_file_entry(
    passfile: Path, host: str, port: str, dbname: str, user: str
) -> tuple[str | None, str | None]:
    """(password, why none) from a libpq password file, by the rules libpq and asyncpg share
    (asyncpg's reader: it also refuses a file others may read). Raises OSError, ValueError."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = connect_utils._read_password_from_pgpass(
            passfile=passfile, hosts=[host or "localhost"], ports=[port], database=dbname, user=user
        )
    if found is None and caught:
        return None, str(caught[0].message)
    return found, None
