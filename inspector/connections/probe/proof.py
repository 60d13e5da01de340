"""The proof round: every suggestion tried live with the driver it is for, before it is offered.

After the diagnosis and within its one deadline, all at once: the psycopg2 string through
psycopg2, the asyncpg snippet's call through asyncpg, the SQLAlchemy URLs through
`create_engine` / `create_async_engine` with the snippets' `connect_args`. An engine whose URL
reads to exactly what the psycopg2 string (or the asyncpg call) was opened with runs over that
connection, which its `do_connect` is handed, so that a round costs two logins. Each goes to the
address the probe checked (libpq's `hostaddr`; asyncpg's `host`, with the string's host name for
TLS), with the real password in place of `***` and a real CA file in place of a placeholder: the
CA chosen on the page, or in local mode the user's own `sslrootcert`. In shared mode the rules of
isolation.py apply as to the probe's own login: nothing of this server's is used, a pasted CA is
the probe's own temporary file, a path named in the string is never opened.

This module plans the attempts and says what came of them; io.py connects.
"""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from inspector.codegen import url_part
from inspector.connections.drivers import (
    SQLALCHEMY_ASYNCPG_OWN_KWARGS,
    asyncpg_parse,
    asyncpg_setting_names,
    first_line,
    libpq_keywords,
    scrub,
    verifies,
)
from inspector.connections.hosts import is_ip_address
from inspector.connections.parse import DEFAULT_PORT, parse
from inspector.connections.probe import io, isolation
from inspector.connections.probe.args import APPLICATION_NAME, LibpqArgs, comparable
from inspector.connections.probe.model import (
    BUILTIN_STORES,
    AsyncpgArgs,
    AsyncpgAttempt,
    AsyncpgTls,
    Attempt,
    EngineAttempt,
    LibpqAttempt,
    ProbeInput,
    ProbeOutcome,
    ProofDict,
    Tried,
)
from inspector.connections.suggest import CERTIFI_PLACEHOLDER, Plan, with_password

# Each Python driver's suggestion, and how its proof names the driver.
PROVEN_BY = {
    "psycopg2": "psycopg2",
    "asyncpg": "asyncpg",
    "sqlalchemy": "SQLAlchemy's create_engine (psycopg2)",
    "sqlalchemy_asyncpg": "SQLAlchemy's create_async_engine (asyncpg)",
}
# Less time than this left: the attempts are not started.
MIN_SECONDS = 0.05


@dataclass(frozen=True)
class Trust:
    """The CA an attempt trusts in place of the suggestion's `sslrootcert`."""

    libpq_root: str | None  # a file, or "system"
    ca: str  # for asyncpg's context: "certifi" | "system" | PEM text
    cafile: str | None = None  # local mode: the user's own file
    note: str = ""  # said after "connected just now with X": `, trusting ...`


def not_tried(why: str) -> ProofDict:
    return {"status": "not_tried", "detail": f"Not tried, because {why}."}


def prove(
    inp: ProbeInput, outcome: ProbeOutcome | None, target: Plan | None, suggested: dict[str, str]
) -> dict[str, ProofDict]:
    """One proof per suggestion: connected, failed, or not tried and why."""
    why = _why_not(outcome, target)
    left = _deadline(inp) - _now()
    if why is None and left < MIN_SECONDS:
        why = f"no time was left within the {inp.timeout:g} s timeout"
    if why is not None or outcome is None or target is None:
        return {k: not_tried(why or "nothing was probed") for k in suggested}
    reasons = {
        k: "only the psycopg2, asyncpg and SQLAlchemy suggestions are tried live here"
        for k in suggested
    }
    planned: dict[str, Attempt] = {}
    refused: dict[str, Tried] = {}  # the driver refused the suggestion before connecting
    notes: dict[str, str] = {}
    with io.root_cert_file(inp.ca) as page_root:
        for key in [k for k in PROVEN_BY if k in suggested]:  # drivers before their engines
            notes[key] = ""
            try:
                reason, attempt, notes[key] = _plan(
                    key, inp, outcome, target, suggested[key], page_root, planned
                )
            except _SameAsTheLogin as exc:
                refused[key] = Tried(str(exc), same_as_failed="login")
                continue
            except Exception as exc:  # noqa: BLE001 - the driver's own refusal is the answer
                refused[key] = Tried(first_line(exc))
                continue
            if attempt is None:
                reasons[key] = reason or "it cannot be tried here"
            else:
                planned[key] = attempt
        tried = {**refused, **(io.prove_all(planned, _deadline(inp)) if planned else {})}
    out = {k: _judged(k, tried[k], inp, notes[k]) for k in suggested if k in tried}
    none_connected = bool(out) and all(p["status"] == "failed" for p in out.values())
    for key in suggested:
        if key not in out:
            why = reasons[key]
            if none_connected and key not in PROVEN_BY:
                why += ", and the ones tried failed just now (with the same host and user)"
            out[key] = not_tried(why)
    return {k: out[k] for k in suggested}


def _now() -> float:
    return time.monotonic()


def _deadline(inp: ProbeInput) -> float:
    """The diagnosis's own deadline (run.Budget's)."""
    start = inp.started if inp.started is not None else _now()
    return start + max(0.05, inp.timeout)


def _why_not(outcome: ProbeOutcome | None, target: Plan | None) -> str | None:
    if target is None:
        return "the string could not be read: these are examples"
    if outcome is None:
        return "nothing was sent (static checks only)"
    if not outcome.login_sent:
        f = outcome.failure
        if f is not None:
            return f"the diagnosis stopped before a login, at {f.step.phrase} ({f.cause})"
        return "the diagnosis sent no login"
    return None


# --- planning -------------------------------------------------------------------------------------


def _plan(
    key: str,
    inp: ProbeInput,
    outcome: ProbeOutcome,
    target: Plan,
    text: str,
    page_root: str | None,
    planned: dict[str, Attempt],
) -> tuple[str | None, Attempt | None, str]:
    """(why not, the attempt, what its proof says about the CA). `planned`: the attempts so
    far, whose connection an engine may share."""
    probed = inp.parsed.host
    assert probed is not None
    if len(target.hosts) != 1:
        return "it names several hosts, and the diagnosis checked the first only", None, ""
    host, port = target.hosts[0]
    if host != probed.host or (port or DEFAULT_PORT) != probed.effective_port:
        return f"it goes to {host}, which this diagnosis did not check", None, ""
    trust: Trust | None = None
    if verifies(target.mode):
        trust, why = _trust(target, inp, page_root)
        if trust is None:
            return why, None, ""
    password = inp.parsed.password
    url = with_password(text, text, password)
    pin = _Pin(inp, outcome, target, trust)
    if key == "psycopg2":
        kw = pin.libpq(libpq_keywords(url))
        failed = outcome.failed_login
        page = page_root if inp.ca not in BUILTIN_STORES else None
        if failed is not None and comparable(kw, page) == failed[0]:
            raise _SameAsTheLogin(_libpq_error(failed[1]))
        attempt: Attempt = LibpqAttempt(kw)
    elif key == "sqlalchemy":
        lead = planned.get("psycopg2")
        if isinstance(lead, LibpqAttempt):
            attempt = EngineAttempt(url, {}, pin.libpq, False, "psycopg2", _same_libpq(lead.kw))
        elif outcome.failed_login is not None:  # never sent again if it reads to that login
            page = page_root if inp.ca not in BUILTIN_STORES else None
            failed_kw, error = outcome.failed_login
            as_login = _same_comparable(failed_kw, page)
            attempt = EngineAttempt(url, {}, pin.libpq, False, None, as_login, _libpq_error(error))
        else:
            attempt = EngineAttempt(url, {}, pin.libpq, False)
    elif key == "asyncpg":
        attempt = pin.asyncpg(url)
    else:
        call = planned.get("asyncpg")
        same = _same_asyncpg(call) if isinstance(call, AsyncpgAttempt) else None
        args = pin.engine_connect_args()
        attempt = EngineAttempt(url, args, pin.dialect(url), True, "asyncpg", same)
    return None, attempt, trust.note if trust else ""


class _SameAsTheLogin(Exception):
    """The diagnosis's own login failed just now with exactly these settings: not sent again."""


def _libpq_error(message: str) -> str:
    """libpq's message as a proof says a driver's error: `TypeName: first line`."""
    lines = message.strip().splitlines()
    return f"OperationalError: {lines[0] if lines else 'the login failed'}"


def _same_comparable(
    failed: dict[str, str], page_root: str | None
) -> Callable[[dict[str, Any]], bool]:
    """Would libpq be sent the keywords of the login that failed (`args.comparable`)?"""
    return lambda sent: comparable(sent, page_root) == failed


def _same_libpq(opened: LibpqArgs) -> Callable[[dict[str, Any]], bool]:
    """Are these libpq keywords the ones `opened` was connected with (its timeout aside)?"""

    def key(kw: dict[str, Any]) -> dict[str, str]:
        return {k: str(v) for k, v in kw.items() if k != "connect_timeout"}

    return lambda sent: key(sent) == key(opened)


def _asyncpg_reading(args: tuple[Any, ...], kwargs: AsyncpgArgs) -> tuple[Any, ...]:
    """What asyncpg.connect(*args, **kwargs) connects to and with, by asyncpg's own parser
    (the contexts it would build from an sslmode, by their sslmode)."""
    names = asyncpg_setting_names()
    skip = {*SQLALCHEMY_ASYNCPG_OWN_KWARGS, "timeout", "async_creator_fn"}
    parsed = {k: v for k, v in kwargs.items() if k in names}
    rest = sorted((k, repr(v)) for k, v in kwargs.items() if k not in names and k not in skip)
    addrs, params = asyncpg_parse(dsn=args[0] if args else None, **parsed)
    if isinstance(params.ssl, ssl.SSLContext):
        params = params._replace(ssl=("context", params.sslmode))
    return tuple(addrs), params, rest


def _same_asyncpg(call: AsyncpgAttempt) -> Callable[[dict[str, Any]], bool]:
    """Does asyncpg read these arguments as the asyncpg call's own?"""

    def same(sent: dict[str, Any]) -> bool:
        try:
            return _asyncpg_reading((), sent) == _asyncpg_reading(call.args, call.kwargs)
        except Exception:  # noqa: BLE001 - unreadable: let the engine connect by itself
            return False

    return same


def _trust(target: Plan, inp: ProbeInput, page_root: str | None) -> tuple[Trust | None, str]:
    """The CA in place of the suggestion's `sslrootcert` (None: none here, and why)."""
    root = target.root
    own = inp.parsed.param("sslrootcert")
    restricted = inp.policy.restricted
    pasted = inp.ca not in BUILTIN_STORES
    page = "the CA you pasted" if pasted else f"{inp.ca}'s store"
    if root is None:
        return Trust(page_root, inp.ca), ""
    if root == "system":
        return Trust("system", "system"), ""
    if root == CERTIFI_PLACEHOLDER:
        return Trust(
            io.certifi_path(), "certifi", note=f", trusting certifi's bundle as {root}"
        ), ""
    if root == own and not restricted:
        return Trust(root, inp.ca, cafile=root), ""
    if root == own:
        note = (
            f", trusting {page} in place of {root} (this site never opens a file named in a "
            "pasted string)"
        )
        return Trust(page_root, inp.ca, note=note), ""
    if pasted:
        return Trust(page_root, inp.ca, note=f", trusting the CA you pasted as {root}"), ""
    why = (
        f"it names {root}, a CA file this diagnosis does not have: paste that CA on the page "
        "(“a CA I paste below”, or --ca FILE) to try it"
    )
    return None, why


@dataclass(frozen=True)
class _Pin:
    """What every attempt is given besides its suggestion: the checked address, the CA, and in
    shared mode isolation.py's explicit settings."""

    inp: ProbeInput
    outcome: ProbeOutcome
    target: Plan
    trust: Trust | None

    @property
    def port(self) -> int:
        return self.target.hosts[0][1] or DEFAULT_PORT

    def _seconds(self) -> str:
        """libpq's connect_timeout for a blocking connect: the time left (at least libpq's 2)."""
        return str(max(2, math.ceil(_deadline(self.inp) - _now())))

    def libpq(self, kw: dict[str, Any]) -> LibpqArgs:
        """libpq's keywords as read from the suggestion, at the checked address."""
        out: LibpqArgs = {k: str(v) for k, v in kw.items() if v is not None}
        if self.outcome.address:
            out["hostaddr"] = self.outcome.address
        out.setdefault("application_name", APPLICATION_NAME)
        out.setdefault("connect_timeout", self._seconds())
        root = self.trust.libpq_root if self.trust else None
        if self.inp.policy.restricted:
            return isolation.isolate_libpq(out, self.port, root, self.inp.timeout)
        if root is not None:
            out["sslrootcert"] = root
        return out

    def _tls(self, mode: str) -> AsyncpgTls:
        host = self.target.hosts[0][0]
        trust = self.trust or Trust(None, self.inp.ca)
        name = None if is_ip_address(host) else host
        return AsyncpgTls(mode, name, trust.ca, cafile=trust.cafile)

    def _address(self) -> AsyncpgArgs:
        """asyncpg to the checked address (the host name stays in the SSL context)."""
        if not self.outcome.address:
            return {}
        return {"host": self.outcome.address, "port": self.port}

    def asyncpg(self, url: str) -> Attempt:
        """The asyncpg snippet's call: the URL, its SSL context, the pooler's setting."""
        extra: AsyncpgArgs = {}
        if self.target.ssl_context and self.target.mode:
            extra["ssl"] = self._tls(self.target.mode)
        if self.target.transaction_pooler:
            extra["statement_cache_size"] = 0
        if not self.inp.policy.restricted:
            return AsyncpgAttempt((url,), {**extra, **self._address()})
        inp = replace(self.inp, parsed=parse(url), driver="asyncpg", ca=self._ca())
        kwargs = isolation.isolate_asyncpg(inp, {}, self.outcome.address, self.outcome.tls_offered)
        return AsyncpgAttempt((), {**kwargs, **extra})

    def _ca(self) -> str:
        return self.trust.ca if self.trust else self.inp.ca

    def engine_connect_args(self) -> dict[str, Any]:
        """The SQLAlchemy+asyncpg snippet's connect_args."""
        args: dict[str, Any] = {}
        if self.target.ssl_context and self.target.mode:
            args["ssl"] = self._tls(self.target.mode)
        if self.target.transaction_pooler:
            from uuid import uuid4

            args.update(
                statement_cache_size=0,
                prepared_statement_cache_size=0,
                prepared_statement_name_func=lambda: f"__asyncpg_{uuid4()}__",
            )
        return args

    def dialect(self, url: str) -> Callable[[dict[str, Any]], AsyncpgArgs]:
        """What SQLAlchemy's asyncpg dialect hands asyncpg.connect(), at the checked address
        (in shared mode, isolated as the probe's own asyncpg attempt)."""

        def prepare(cparams: dict[str, Any]) -> AsyncpgArgs:
            if not self.inp.policy.restricted:
                return {**cparams, **self._address()}
            inp = replace(self.inp, parsed=parse(url), driver="sqlalchemy_asyncpg", ca=self._ca())
            return isolation.isolate_asyncpg(
                inp, cparams, self.outcome.address, self.outcome.tls_offered
            )

        return prepare


# --- what came of them -----------------------------------------------------------------------


def _judged(key: str, tried: Tried, inp: ProbeInput, note: str) -> ProofDict:
    by = PROVEN_BY[key]
    if tried.ok:
        over = ""
        if tried.shared:
            lead = "psycopg2 string" if key == "sqlalchemy" else "asyncpg call"
            over = f", over the {lead}'s connection (the URL reads to its very settings)"
        return {
            "status": "connected",
            "detail": f"Connected just now with {by} and ran `select 1` in {tried.ms:.0f} ms"
            f"{note}{over}.",
        }
    if tried.timed_out:
        return {
            "status": "failed",
            "detail": f"Not connected with {by} before the diagnosis's {inp.timeout:g} s "
            "deadline: not proven.",
        }
    password = inp.parsed.password
    text = scrub(tried.error or "", password)
    if password:
        text = scrub(text, url_part(password))
    same = ""
    if tried.same_as_failed == "login":
        same = " (the diagnosis's own login, with these very settings: not sent again)"
    elif tried.same_as_failed:
        lead = "psycopg2 string" if key == "sqlalchemy" else "asyncpg call"
        same = f" (it reads to the {lead}'s very settings, which failed: not sent again)"
    return {"status": "failed", "detail": f"Failed just now with {by}{note}{same}: `{text}`."}
