"""Shared mode: a probe runs with exactly what was pasted, nothing of this server's.

Every libpq keyword that libpq would otherwise fill from a PG* variable or a file of this server
is given explicitly (files point at `NO_FILE`), asyncpg gets explicit arguments and an SSL
context built by io.py, a string without a user is not sent, and file options of the string are
never opened (`file_option_ignored`). No I/O here: these are the arguments and the findings.
"""

from __future__ import annotations

import math
import os
import ssl
from typing import Any

import asyncpg
from asyncpg import connect_utils

from inspector.connections import codes
from inspector.connections.drivers import (
    FILE_PARAMS,
    SSLMODES,
    asyncpg_connect_params,
    asyncpg_reading,
    is_file_option,
    libpq_knows,
    verifies,
)
from inspector.connections.hosts import is_ip_address
from inspector.connections.parse import SECRET_PARAMS, ParsedConnection
from inspector.connections.probe.args import APPLICATION_NAME, LibpqArgs
from inspector.connections.probe.model import AsyncpgArgs, AsyncpgTls, ProbeInput
from inspector.findings import Finding, make
from inspector.redact import MASK

# /dev/null is no directory, so nothing can exist below it: libpq finds no file there (and takes
# that as "none", as for a missing ~/.pgpass), and nobody can put one there.
NO_FILE = os.devnull + "/none"
# The libpq keywords (libpq 17's PQconndefaults() with an environment variable) that the string
# may set, with the value used when it does not: libpq's compiled-in default, so that no PG*
# variable of this process fills them. user, password, dbname, host, hostaddr and port are set
# from the string (`args.libpq_kwargs`); `service` is a file option (never used).
SHARED_LIBPQ_DEFAULTS = {
    "channel_binding": "prefer",
    "client_encoding": "",
    "options": "",
    "application_name": APPLICATION_NAME,
    "sslmode": "prefer",
    "sslnegotiation": "postgres",
    "sslcompression": "0",
    "sslsni": "1",
    "requirepeer": "",
    "ssl_min_protocol_version": "TLSv1.2",
    "ssl_max_protocol_version": "",
    "krbsrvname": "postgres",
    "gsslib": "",
    "target_session_attrs": "any",
    "load_balance_hosts": "disable",
}
# ... and the ones the string cannot set: no file of this server (password file, client
# certificate and key, root certificate, revocation lists), no Kerberos ticket of its.
SHARED_LIBPQ_FORCED = {
    "passfile": NO_FILE,
    "sslcert": NO_FILE,
    "sslkey": NO_FILE,
    "sslrootcert": NO_FILE,
    "sslcrl": NO_FILE,
    "sslcrldir": NO_FILE,
    "sslcertmode": "disable",
    "gssencmode": "disable",
    "gssdelegation": "0",
}
# Authentication methods that would present this server's own Kerberos/SSPI credentials.
_SERVER_CREDENTIAL_AUTH = ("gss", "sspi")
# What a file option of the string would have done, said when it is not opened.
_IGNORED_EFFECT = {
    "sslrootcert": "the server's certificate is checked against the CA chosen on this page instead",
    "sslcert": "no client certificate is presented: a server that requires one refuses the probe",
    "sslkey": "no client certificate is presented: a server that requires one refuses the probe",
    "sslcrl": "no certificate revocation list is checked",
    "sslcrldir": "no certificate revocation list is checked",
    "passfile": "no password is read from a file: type it in the password field",
    "service": "the service's settings are not looked up: paste the host, user and the rest",
    "servicefile": "the service's settings are not looked up: paste the host, user and the rest",
}


# --- libpq ---------------------------------------------------------------------------------------


def isolate_libpq(kw: LibpqArgs, port: int, rootcert: str | None, timeout: float) -> LibpqArgs:
    """Every keyword libpq would take from this process's environment or files is set, from the
    string or to libpq's default, and the file options point at no file."""
    string_root = kw.get("sslrootcert")
    kw = {k: v for k, v in kw.items() if not (k in FILE_PARAMS and is_file_option(k, str(v)))}
    kw.setdefault("password", "")  # not PGPASSWORD; libpq sends nothing when asked for one
    kw.setdefault("port", str(port))
    kw.setdefault("dbname", kw.get("user", ""))  # libpq's own default, not PGDATABASE
    # Our deadline governs (asynchronous connect); a value here keeps PGCONNECT_TIMEOUT out.
    kw.setdefault("connect_timeout", str(max(2, math.ceil(timeout))))
    for name, value in SHARED_LIBPQ_DEFAULTS.items():
        if libpq_knows(name):
            kw.setdefault(name, value)
    for name, value in SHARED_LIBPQ_FORCED.items():
        if libpq_knows(name):
            kw[name] = value
    if string_root == "system":
        kw["sslrootcert"] = "system"  # the system's trust store: no file named by the string
    elif verifies(kw["sslmode"]) and rootcert:
        kw["sslrootcert"] = rootcert  # the CA chosen on the page
    if libpq_knows("require_auth"):
        kw["require_auth"] = without_server_credentials(kw.get("require_auth") or "")
    return kw


def without_server_credentials(require_auth: str) -> str:
    """require_auth that never lets libpq present this server's Kerberos or SSPI credentials."""
    methods = [m.strip() for m in require_auth.split(",") if m.strip()]
    if methods and not methods[0].startswith("!"):
        kept = [m for m in methods if m not in _SERVER_CREDENTIAL_AUTH]
        return ",".join(kept) or "none"
    refused = list(dict.fromkeys(methods + [f"!{m}" for m in _SERVER_CREDENTIAL_AUTH]))
    return ",".join(refused)


def shown_params(inp: ProbeInput, kw: LibpqArgs) -> dict[str, str]:
    """The login's keywords as the report shows them: secrets masked; in shared mode without
    the pinned defaults the string did not set."""
    pinned = {**SHARED_LIBPQ_DEFAULTS, **SHARED_LIBPQ_FORCED} if inp.policy.restricted else {}
    given = {k for k, _ in inp.parsed.params}
    return {
        k: (MASK if v else "") if k in SECRET_PARAMS else v
        for k, v in kw.items()
        if k not in pinned or k in given or (k == "sslrootcert" and v != NO_FILE)
    }


def pinned_keywords(kw: LibpqArgs, shown: dict[str, str]) -> list[str]:
    """The keywords set to libpq's defaults (not shown among the login's parameters)."""
    return sorted(
        k for k in (*SHARED_LIBPQ_DEFAULTS, *SHARED_LIBPQ_FORCED) if k in kw and k not in shown
    )


# --- asyncpg -------------------------------------------------------------------------------------


def asyncpg_tls(
    p: ParsedConnection, ca: str, mode: str, tls_offered: bool, template: Any
) -> AsyncpgTls | bool:
    """What asyncpg would build from the sslmode, with the page's CA in place of root
    certificate files. prefer and allow take TLS when the server offered it (the SSLRequest
    step saw), as asyncpg would end up doing."""
    if mode == "disable" or (mode in ("allow", "prefer") and not tls_offered):
        return False
    host = p.host.host if p.host else None
    lowest: ssl.TLSVersion | None = None
    highest: ssl.TLSVersion | None = None
    if isinstance(template, ssl.SSLContext):  # the string's ssl_min/max_protocol_version
        lowest, highest = template.minimum_version, template.maximum_version
    server_name = None if host is None or is_ip_address(host) else host
    return AsyncpgTls(mode, server_name, ca, minimum_version=lowest, maximum_version=highest)


def isolate_asyncpg(
    inp: ProbeInput, opts: AsyncpgArgs, hostaddr: str | None, tls_offered: bool
) -> AsyncpgArgs:
    """asyncpg.connect() keyword arguments for everything asyncpg would otherwise look up in
    this process's environment or files (PGUSER, PGPASSWORD, PGPORT, PGSSLMODE, ~/.pgpass,
    ~/.postgresql/*), at the checked address and the string's port. Raises what asyncpg raises
    for the string."""
    target = inp.parsed.host
    assert target is not None
    if inp.driver == "sqlalchemy_asyncpg":
        kwargs = _from_dialect(inp, opts, tls_offered, target.effective_port)
    else:
        kwargs = _from_dsn(inp, tls_offered, target.effective_port)
    kwargs.setdefault("target_session_attrs", "any")
    kwargs.setdefault("krbsrvname", "postgres")
    kwargs.setdefault("gsslib", "gssapi")
    if not kwargs.get("user"):
        raise asyncpg.ClientConfigurationError(
            "the string names no user (asyncpg would send PGUSER or the OS user name)"
        )
    kwargs["host"] = hostaddr or target.host  # connect only to the checked address
    return kwargs


def _from_dialect(inp: ProbeInput, opts: AsyncpgArgs, tls_offered: bool, port: int) -> AsyncpgArgs:
    known = asyncpg_connect_params()
    # passfile, service, servicefile: never opened; other names fail as in the app.
    kwargs = {k: v for k, v in opts.items() if not (k in FILE_PARAMS and k in known)}
    mode = kwargs.get("ssl")
    if mode is None:
        mode = "prefer"
    if isinstance(mode, str) and mode in SSLMODES:
        kwargs["ssl"] = asyncpg_tls(inp.parsed, inp.ca, mode, tls_offered, None)
    kwargs["port"] = kwargs.get("port") or port
    kwargs["password"] = kwargs.get("password") or ""
    kwargs["database"] = kwargs.get("database") or kwargs.get("user") or ""
    kwargs.setdefault("direct_tls", False)
    return kwargs


def _from_dsn(inp: ProbeInput, tls_offered: bool, port: int) -> AsyncpgArgs:
    p = inp.parsed
    addrs, params = asyncpg_reading(p)
    mode = p.param("sslmode") or "prefer"
    password = p.password if p.password_from_field else params.password
    kwargs: AsyncpgArgs = {
        "user": params.user,
        "password": password or "",
        "database": params.database or params.user,
        "port": addrs[0][1] if addrs and isinstance(addrs[0], tuple) else port,
        "ssl": asyncpg_tls(p, inp.ca, mode, tls_offered, params.ssl),
        "direct_tls": params.ssl_negotiation == connect_utils.SSLNegotiation.direct,
        "server_settings": params.server_settings,
        "target_session_attrs": getattr(
            params.target_session_attrs, "value", params.target_session_attrs
        ),
        "gsslib": params.gsslib,
    }
    if params.krbsrvname:
        kwargs["krbsrvname"] = params.krbsrvname
    return kwargs


# --- what is not sent ----------------------------------------------------------------------------


def ignored_file_options(p: ParsedConnection) -> list[Finding]:
    """One finding per file option of the string, none of which is opened."""
    return [
        make(
            codes.FILE_OPTION_IGNORED,
            f"`{name}={value}` names a file on your machine; this shared site never "
            "opens a file named in a pasted string (it would be one of the server's "
            f"files, not yours), so {_IGNORED_EFFECT[name]}.",
        )
        for name, value in p.params
        if is_file_option(name, value)
    ]


def login_refusal(p: ParsedConnection, pgservice: str | None) -> tuple[Finding, str] | None:
    """(finding, cause) when a login could only go out with the server's own user name, or
    while libpq would read the server's service file: then it is not attempted."""
    if not p.user:
        detail = (
            "Not attempted: the string names no user. libpq and asyncpg would send PGUSER or the "
            "name of the account running them; this shared site never sends its own, so give the "
            "user in the string."
        )
        return codes.USER_MISSING_NOT_SENT.make(detail), "the string names no user"
    if pgservice:
        detail = (
            "Not attempted: this site's process has PGSERVICE set, and libpq would read the "
            "server's service file for every probe."
        )
        return codes.PGSERVICE_SET.make(detail), "this site is misconfigured for probing"
    return None
