"""Local mode: where a probe's settings come from, when the string leaves them out. No I/O.

A local probe behaves like the user's own psql: libpq (and asyncpg) fill what the string leaves
out from the environment and this machine's files. `plan` says what libpq would look up (from
the string and io.py's `Machine`), io.py looks, and `sources` says it as findings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from inspector.connections import codes
from inspector.connections.probe.args import LibpqArgs
from inspector.connections.probe.model import Machine
from inspector.findings import Finding, make

# What the report names when a local probe takes a setting from the environment (keyword, var).
ENV_SETTINGS = (
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcrl", "PGSSLCRL"),
    ("options", "PGOPTIONS"),
    ("gssencmode", "PGGSSENCMODE"),
    ("channel_binding", "PGCHANNELBINDING"),
    ("require_auth", "PGREQUIREAUTH"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
    ("sslnegotiation", "PGSSLNEGOTIATION"),
    ("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"),
    ("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"),
    ("service", "PGSERVICE"),
)


@dataclass(frozen=True)
class PasswordLookup:
    """The password file libpq would read, and the line it would look for."""

    passfile: Path
    where: str  # how the report names the file
    host: str
    port: str
    dbname: str
    user: str


@dataclass(frozen=True)
class Lookups:
    """What a local libpq would take from the environment and look up on this machine."""

    home: Path | None
    mode: str
    taken: tuple[str, ...]  # settings taken from the environment
    root: Path | None  # ~/.postgresql/root.crt, if libpq would check the server against it
    password_from_env: bool  # PGPASSWORD
    password_file: PasswordLookup | None
    cert: Path | None  # the client certificate libpq would present, if it exists
    cert_origin: str
    key: Path

    def paths(self) -> tuple[Path, ...]:
        """The files whose existence matters."""
        return tuple(p for p in (self.root, self.cert) if p is not None)


def _tilde(path: str | os.PathLike[str], home: Path | None) -> str:
    text = str(path)
    if home is not None and text.startswith(str(home) + os.sep):
        return "~" + text[len(str(home)) :]
    return text


def _dot_postgresql(home: Path | None, name: str) -> Path | None:
    return None if home is None else home / ".postgresql" / name


def plan(kw: LibpqArgs, machine: Machine) -> Lookups:
    """What libpq would read for what the string (`kw`) leaves out."""
    env, home = machine.env, machine.home
    taken: list[str] = []
    user = kw.get("user")
    if not user:
        user = env.get("PGUSER") or ""
        if user:
            taken.append(f"user `{user}` from PGUSER")
        else:
            user = machine.os_user or ""
            taken.append(
                f"user `{user}` from the account running the inspector (the string names none)"
            )
    dbname = kw.get("dbname")
    if not dbname:
        dbname = env.get("PGDATABASE") or user
        if env.get("PGDATABASE"):
            taken.append(f"database `{dbname}` from PGDATABASE")
    for keyword, var in ENV_SETTINGS:
        if keyword not in kw and env.get(var):
            taken.append(f"{keyword}={env[var]} from {var}")
    mode = kw.get("sslmode") or env.get("PGSSLMODE") or "prefer"
    root = None
    if mode != "disable" and "sslrootcert" not in kw and not env.get("PGSSLROOTCERT"):
        root = _dot_postgresql(home, "root.crt")
    cert, origin, key = _client_cert(kw, machine, mode)
    return Lookups(
        home=home,
        mode=mode,
        taken=tuple(taken),
        root=root,
        password_from_env="password" not in kw and bool(env.get("PGPASSWORD")),
        password_file=None if "password" in kw else _password_file(kw, machine, user, dbname),
        cert=cert,
        cert_origin=origin,
        key=key,
    )


def _password_file(
    kw: LibpqArgs, machine: Machine, user: str, dbname: str
) -> PasswordLookup | None:
    if machine.env.get("PGPASSWORD"):
        return None
    named = kw.get("passfile") or machine.env.get("PGPASSFILE")
    if named:
        passfile = Path(named)
        where = f"the password file {_tilde(passfile, machine.home)}" + (
            " (passfile in the string)" if kw.get("passfile") else " (PGPASSFILE)"
        )
    elif machine.home is not None:
        passfile = machine.home / ".pgpass"
        where = _tilde(passfile, machine.home)
    else:
        return None
    host = str(kw.get("host") or "")
    if host.startswith("/") or not host:
        host = "localhost"  # libpq matches socket connections as localhost
    return PasswordLookup(passfile, where, host, str(kw.get("port") or "5432"), dbname, user)


def _client_cert(kw: LibpqArgs, machine: Machine, mode: str) -> tuple[Path | None, str, Path]:
    """(certificate, where its name came from, key) libpq would present when asked."""
    env, home = machine.env, machine.home
    key = _dot_postgresql(home, "postgresql.key") or Path("postgresql.key")
    if kw.get("sslkey"):
        key = Path(str(kw["sslkey"]))
    elif env.get("PGSSLKEY"):
        key = Path(env["PGSSLKEY"])
    if mode == "disable" or (kw.get("sslcertmode") or env.get("PGSSLCERTMODE")) == "disable":
        return None, "", key
    if kw.get("sslcert"):
        return Path(str(kw["sslcert"])), "sslcert in the string", key
    if env.get("PGSSLCERT"):
        return Path(env["PGSSLCERT"]), "PGSSLCERT", key
    return _dot_postgresql(home, "postgresql.crt"), "libpq's default path", key


def sources(
    look: Lookups, existing: frozenset[Path], password_entry: tuple[str | None, str | None] | None
) -> list[Finding]:
    """The findings: settings taken from the environment, where the password and the client
    certificate come from. `existing`: which of `look.paths()` are files; `password_entry`:
    (password, why none) from the password file, None when it could not be read."""
    out: list[Finding] = []
    taken = list(look.taken)
    if look.root is not None and look.root in existing:
        taken.append(
            f"sslrootcert {_tilde(look.root, look.home)} (it exists, so libpq checks the "
            f"server's certificate against it even with sslmode={look.mode})"
        )
    if taken:
        out.append(
            make(
                codes.ENVIRONMENT_SETTING_USED,
                "Not in the string, taken as psql would take it: " + "; ".join(taken) + ".",
            )
        )
    if look.password_from_env:
        out.append(
            make(
                codes.PASSWORD_SOURCE,
                "The password is PGPASSWORD's (the string has none): libpq and asyncpg send "
                "it, as psql would.",
            )
        )
    elif look.password_file is not None and password_entry is not None:
        out += _password_file_source(look.password_file, *password_entry)
    if look.cert is not None and look.cert in existing:
        out.append(
            make(
                codes.CLIENT_CERT_SOURCE,
                f"The client certificate {_tilde(look.cert, look.home)} (from "
                f"{look.cert_origin}, key {_tilde(look.key, look.home)}) is presented when the "
                "server asks for one, as psql would.",
            )
        )
    return out


def _password_file_source(pf: PasswordLookup, found: str | None, why: str | None) -> list[Finding]:
    if found is not None:
        return [
            make(
                codes.PASSWORD_SOURCE,
                f"The password is from {pf.where}: its line for "
                f"{pf.host}:{pf.port}:{pf.dbname}:{pf.user} (the string has none). libpq and "
                "asyncpg use it, as psql would.",
            )
        ]
    if why:
        return [make(codes.PASSWORD_SOURCE, f"{pf.where} is not used: {why}.")]
    return []
