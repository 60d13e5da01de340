"""A driver's failure -> a finding code and a one-sentence cause (reference/errors.md B and C).

psycopg2 gives `OperationalError` with no SQLSTATE on connect failures: the text is the only
thing to match, and libpq joins the messages of every attempt, so a pattern may be anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspector.connections import codes


@dataclass(frozen=True)
class Classified:
    code: str
    cause: str
    message: str  # the relevant line of the driver's text


_RULES: list[tuple[str, re.Pattern[str], str]] = [
    # Poolers first: their FATALs would otherwise look like generic server errors.
    (
        codes.TENANT_NOT_FOUND,
        re.compile(r"Tenant or user not found|\(ENOTFOUND\) tenant/user ?(\S*) not found", re.I),
        "the pooler has no tenant for this user name on this host (wrong user.<ref>, region or "
        "aws-N cluster)",
    ),
    (
        codes.TOO_MANY_CONNECTIONS,
        re.compile(
            r"sorry, too many clients already|remaining connection slots are reserved|"
            r"Max client connections reached|\(EMAXCONN(?:SESSION)?\)|MaxClientsInSessionMode|"
            r"max clients reached|no more connections allowed \(max_client_conn\)|"
            r"client connections exceeded|too many connections for role",
            re.I,
        ),
        "every connection slot is taken",
    ),
    (
        codes.SSL_REQUIRED,
        re.compile(
            r"SSL connection is required|\(ESSLREQUIRED\)|FATAL:\s+SSL required|"
            r"no pg_hba\.conf entry for host \"[^\"]*\", user \"[^\"]*\", database \"[^\"]*\", "
            r"(?:no encryption|SSL off)",
        ),
        "the server only accepts this user over SSL and the client connected without it",
    ),
    (
        codes.NO_HBA_ENTRY,
        re.compile(r"no pg_hba\.conf entry for host|pg_hba\.conf rejects connection"),
        "the server's pg_hba.conf has no line that lets this user in from this address",
    ),
    (
        codes.AUTH_FAILED,
        re.compile(r"password authentication failed for user|FATAL:\s+password authentication"),
        "the server refused the password (it says the same when the user does not exist)",
    ),
    (
        codes.NO_PASSWORD,
        re.compile(r"fe_sendauth: no password supplied|password is required"),
        "the server asked for a password and the string has none",
    ),
    (
        codes.DATABASE_NOT_FOUND,
        re.compile(r'database "([^"]+)" does not exist|no such database: '),
        "the database named in the string does not exist on this server",
    ),
    (
        codes.ROLE_NOT_FOUND,
        re.compile(r'role "([^"]+)" does not exist|FATAL:\s+no such user'),
        "the user named in the string does not exist on this server",
    ),
    (
        codes.POOLER_ERROR,
        re.compile(
            r"\(E[A-Z]+\) |Circuit breaker open|server login has been failing|query_wait_timeout|"
            r"unsupported startup parameter|Unable to check out connection|Address not in tenant",
            re.I,
        ),
        "the pooler refused the connection",
    ),
    (
        codes.SERVER_NO_SSL,
        re.compile(r"server does not support SSL, but SSL was required|rejected SSL upgrade"),
        "the client requires SSL and the server does not offer it",
    ),
    (
        codes.TLS_HOSTNAME_MISMATCH,
        re.compile(
            r'server certificate for "[^"]*"(?: \(and \d+ other names?\))? does not match host '
            r"name|Hostname mismatch|IP address mismatch"
        ),
        "the certificate does not name the host in the string",
    ),
    (
        codes.TLS_EXPIRED,
        re.compile(r"certificate has expired|certificate is not yet valid"),
        "the server's certificate is outside its validity dates",
    ),
    (
        codes.TLS_SELF_SIGNED,
        re.compile(r"self.signed certificate(?! in certificate chain)"),
        "the server's certificate is self-signed and not trusted",
    ),
    (
        codes.TLS_UNTRUSTED,
        re.compile(
            r"certificate verify failed|self.signed certificate in certificate chain|"
            r"unable to get local issuer certificate|root certificate file \"[^\"]*\" does not "
            r"exist|CERTIFICATE_VERIFY_FAILED"
        ),
        "the client could not verify the server's certificate chain with its root certificates",
    ),
    (
        codes.NOT_POSTGRES,
        re.compile(
            r"received invalid response to SSL negotiation|expected authentication request from "
            r"server, but received|invalid response to GSSAPI negotiation"
        ),
        "something other than Postgres answered on this port",
    ),
    (
        codes.DNS_FAILED,
        re.compile(
            r'could not translate host name "[^"]+" to address|Name or service not known|'
            r"nodename nor servname|Temporary failure in name resolution"
        ),
        "the host name does not resolve",
    ),
    (
        codes.TCP_REFUSED,
        re.compile(r"Connection refused|ConnectionRefusedError|Connect call failed"),
        "nothing listens on this port (or a firewall rejects it)",
    ),
    (
        codes.TCP_UNREACHABLE,
        re.compile(
            r"Network is unreachable|No route to host|Cannot assign requested address|"
            r"Address family not supported"
        ),
        "this machine has no route to the server's address",
    ),
    (
        codes.LOGIN_TIMEOUT,
        re.compile(r"timeout expired|Connection timed out|TimeoutError|timed out"),
        "the server did not finish the login in time",
    ),
    (
        codes.SERVER_CLOSED,
        re.compile(
            r"server closed the connection unexpectedly|SSL connection has been closed "
            r"unexpectedly|SSL SYSCALL error: EOF detected|ConnectionResetError|"
            r"connection was closed in the middle of operation"
        ),
        "the server hung up during the handshake",
    ),
]


def relevant_line(text: str, pattern: re.Pattern[str] | None = None) -> str:
    """The line that matters: the FATAL or the matched one, without libpq's hint lines."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if pattern is not None:
        for ln in lines:
            if pattern.search(ln):
                return ln
    for ln in lines:
        if "FATAL" in ln:
            return ln
    return lines[0] if lines else text.strip()


def classify_message(text: str) -> Classified:
    """The code for a driver's error text (`connect_failed` when nothing matches).

    libpq joins the messages of every attempt; the first attempt's message is the cause (with
    sslmode=prefer the retry without SSL often fails for a secondary reason), so lines are
    tried in order and the first line any rule matches decides.
    """
    for line in [ln for ln in text.splitlines() if ln.strip()] or [text]:
        for code, rx, cause in _RULES:
            if rx.search(line):
                return Classified(code, cause, line.strip())
    return Classified(codes.CONNECT_FAILED, "the driver reported an error", relevant_line(text))


def classify_exception(exc: BaseException) -> Classified:
    """Exception class first where it says more than the text, then the text."""
    name = type(exc).__name__
    text = str(exc) or name
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError") and (
        "password" in text
    ):
        return Classified(codes.AUTH_FAILED, "the server refused the password", text.strip())
    if name == "InvalidCatalogNameError":
        return Classified(codes.DATABASE_NOT_FOUND, "the database does not exist", text.strip())
    if name == "TooManyConnectionsError":
        return Classified(codes.TOO_MANY_CONNECTIONS, "every slot is taken", text.strip())
    if name in ("TimeoutError", "CancelledError"):
        return Classified(codes.LOGIN_TIMEOUT, "the login did not finish in time", name)
    c = classify_message(f"{name}: {text}")
    return c


def missing_root_cert(text: str) -> bool:
    """libpq's or asyncpg's `root certificate file ... does not exist` (verify-ca/verify-full
    with no sslrootcert): not an untrusted server, a missing file."""
    return "root certificate file" in text


def classify_asyncpg(exc: BaseException, text: str) -> str:
    """The code for what asyncpg raised (`text`: its first line, `Type: message`): its own
    argument and DSN errors first, then as any driver's failure (`driver_failed` at worst)."""
    if isinstance(exc, TypeError) and "sslmode" in text:
        return codes.ASYNCPG_SSLMODE_PARAM
    if "sslmode` parameter must be one of" in text:
        return codes.ASYNCPG_SSL_TRUE
    if missing_root_cert(text):
        return codes.VERIFY_WITHOUT_ROOT_CERT
    if isinstance(exc, TypeError):
        return codes.UNKNOWN_PARAMETER
    if 'parameter "ssl" cannot be changed now' in text or (
        'unrecognized configuration parameter "ssl"' in text
    ):
        return codes.ASYNCPG_SSL_TRUE  # asyncpg's DSN parser sent ?ssl=true as a server setting
    if "unrecognized configuration parameter" in text:
        return codes.UNKNOWN_PARAMETER
    c = classify_exception(exc)
    return c.code if c.code != codes.CONNECT_FAILED else codes.DRIVER_FAILED
