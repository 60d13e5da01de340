"""What the drivers are handed for a login: libpq's keywords and asyncpg.connect()'s arguments,
as the user's program would pass them (local mode; shared mode pins the rest in isolation.py),
and how the report shows them (secrets masked)."""

from __future__ import annotations

from typing import Any

from inspector.connections.drivers import libpq_unknown_params, sqlalchemy_url, verifies
from inspector.connections.probe.model import AsyncpgArgs, AsyncpgTls, ProbeInput
from inspector.redact import MASK

APPLICATION_NAME = "inspector"
LibpqArgs = dict[str, str]  # libpq keyword -> value, as psycopg2.connect(**kw) takes them


def libpq_kwargs(inp: ProbeInput, hostaddr: str | None) -> LibpqArgs:
    """The string's own settings (without the ones libpq rejects), at the checked address."""
    p = inp.parsed
    target = p.host
    assert target is not None
    unknown = {name for name, _ in libpq_unknown_params(p)}
    kw: LibpqArgs = {k: v for k, v in p.libpq_params if k not in unknown and k != "hostaddr"}
    if target.host:
        kw["host"] = target.host
    if target.port:
        kw["port"] = str(target.port)
    if hostaddr:
        kw["hostaddr"] = hostaddr  # libpq must not resolve again: this address was checked
    if p.user:
        kw["user"] = p.user
    if p.password is not None:
        kw["password"] = p.password
    if p.database:
        kw["dbname"] = p.database
    kw.setdefault("application_name", APPLICATION_NAME)
    return kw


def with_page_ca(kw: LibpqArgs, ca: str, rootcert: str | None, own_root: bool) -> LibpqArgs:
    """Local mode: a verifying sslmode checks against the CA chosen on the page, unless the
    string names its own root certificate file (`own_root`: it exists) and the page kept the
    default."""
    if verifies(kw.get("sslmode", "prefer")) and rootcert and not (own_root and ca == "certifi"):
        return {**kw, "sslrootcert": rootcert}
    return kw


def asyncpg_call(inp: ProbeInput, opts: AsyncpgArgs) -> tuple[tuple[Any, ...], AsyncpgArgs]:
    """Local mode: asyncpg.connect()'s (args, kwargs) as the user's program would call it:
    SQLAlchemy's dialect's keyword arguments, or the URI itself."""
    if inp.driver == "sqlalchemy_asyncpg":
        return (), dict(opts)
    p = inp.parsed
    return (sqlalchemy_url(p, None),), ({"password": p.password} if p.password_from_field else {})


def asyncpg_how(driver: str, *, isolated: bool) -> str:
    """How asyncpg is called, in words, for the step's detail."""
    if driver == "sqlalchemy_asyncpg":
        how = "create_connect_args(make_url(url)) handed to asyncpg.connect()"
    elif isolated:
        how = "asyncpg.connect(**the settings asyncpg reads from the string)"
    else:
        how = "asyncpg.connect(dsn)"
    return how + (" at the checked address, nothing taken from this server" if isolated else "")


# The page's CA as a temporary file: a new name each time it is written.
PAGE_CA = "<the CA chosen on the page>"


def comparable(kw: dict[str, Any], page_root: str | None) -> dict[str, str]:
    """libpq keywords as one login compares with another (the proof round never sends again a
    login that failed with the same ones): the timeout aside, the page's temporary CA file by
    what it holds."""
    out = {k: str(v) for k, v in kw.items() if k != "connect_timeout"}
    if page_root is not None and out.get("sslrootcert") == page_root:
        out["sslrootcert"] = PAGE_CA
    return out


def shown_kwarg(name: str, value: Any) -> str:
    """An asyncpg keyword argument as the report shows it."""
    if name == "password":
        return MASK
    if isinstance(value, AsyncpgTls):
        return value.description
    return repr(value)
