"""The checks on one variable at a time: repeats, references, emptiness, padding, a secret in a
public variable, and whether a key or URL slot holds what its name says."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from inspector.env import codes as C
from inspector.env.names import KEY_ROLES, PUBLIC_PREFIXES, Role
from inspector.env.values import (
    API_KEY_KINDS,
    SERVICE_KINDS,
    ValueKind,
    Var,
    bare,
    is_http_url,
    phrase,
)
from inspector.findings import Finding, make
from inspector.redact import redact_text
from inspector.vocabulary import TokenKind

if TYPE_CHECKING:
    from inspector.connections.report import ConnectionReport


def check_variable(var: Var, main_ref: str | None) -> list[Finding]:
    """Add the variable's own findings to it; return the findings about the file (an empty JWT
    secret, said once for the file)."""
    dash = C.dashboards(var.project_ref or main_ref)
    if len(var.entry.lines) > 1:
        lines = var.entry.lines
        var.findings.append(
            make(
                C.ENV_DUPLICATE_VARIABLE,
                f"{var.name} is set on lines {', '.join(map(str, lines))}: python-dotenv "
                f"uses line {lines[-1]}, which is what is checked here.",
            )
        )
    if var.entry.unresolved:
        refs = ", ".join("${" + n + "}" for n in var.entry.unresolved)
        var.findings.append(
            make(
                C.ENV_INTERPOLATION_UNRESOLVED,
                f"{var.name} refers to {refs}, which no earlier line of the file defines; "
                "checked here as empty.",
            )
        )
    if var.kind is ValueKind.EMPTY:
        return _empty(var, dash)
    if var.expected is not None or var.kind not in (ValueKind.TEXT, ValueKind.URL):
        _padding(var)
    _public(var, dash)
    if var.expected in KEY_ROLES:
        _key_slot(var, dash)
    if var.expected is Role.URL:
        _url_slot(var, dash)
    return []


def _empty(var: Var, dash: dict[str, str]) -> list[Finding]:
    if var.expected is Role.JWT_SECRET:
        return [make(C.JWT_SECRET_EMPTY, f"{var.name} is declared with no value.", **dash)]
    if var.expected is not None:
        var.findings.append(
            make(
                C.VALUE_EMPTY,
                f"{var.name} should hold {var.expected.phrase}, and holds nothing.",
            )
        )
    return []


def _padding(var: Var) -> None:
    """Quotes or blanks the app receives as part of the value; or blanks other loaders keep."""
    problems = _padding_problems(var.value)
    if problems:
        var.findings.append(
            make(
                C.VALUE_QUOTED_OR_PADDED,
                f"{var.name}'s value {' and '.join(problems)}: the app receives those "
                "characters as part of the value.",
            )
        )
        return
    # The parsed value is clean, but the line as written has trailing blanks or a CR: other
    # loaders (docker --env-file, `source .env`) keep them.
    line = var.entry.raw.rstrip("\r\n")  # a CR LF file is env_crlf_line_endings, said once
    unquoted = not line.split("=", 1)[-1].lstrip().startswith(("'", '"'))
    if unquoted and " #" not in line and line != line.rstrip(" \t"):
        var.findings.append(
            C.TRAILING_BLANKS.make(
                f"Line {var.entry.line} ({var.name}) ends with blanks after the value: "
                "python-dotenv drops them, but docker --env-file and `source .env` keep them."
            )
        )


def _padding_problems(value: str) -> list[str]:
    problems = []
    if value != value.strip():
        ends = []
        if value[:1].isspace():
            ends.append("starts")
        if value[-1:].isspace():
            ends.append("ends")
        what = "a carriage return (\\r)" if "\r" in (value[:1], value[-1:]) else "whitespace"
        problems.append(f"{' and '.join(ends)} with {what}")
    stripped = value.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'`":
        problems.append("still has quotes around it after parsing (quotes inside quotes)")
    elif stripped[:1] in "\"'`" or stripped[-1:] in "\"'`":
        problems.append("starts or ends with a stray quote")
    return problems


def _public(var: Var, dash: dict[str, str]) -> None:
    """A secret in a variable that a framework ships to the browser."""
    if var.public_prefix is None:
        return
    holds = _secret_held(var)
    if holds is None:
        return
    who = PUBLIC_PREFIXES[var.public_prefix]
    var.findings.append(
        make(
            C.SECRET_IN_PUBLIC_VARIABLE,
            f"{var.name} holds {holds}, and {who} puts every {var.public_prefix} variable "
            "into the JavaScript it sends to browsers.",
            **dash,
        )
    )


def _secret_held(var: Var) -> str | None:
    """The secret the variable holds, in a few words; None when it holds none."""
    if var.kind in SERVICE_KINDS or var.kind is TokenKind.SUPABASE_ACCESS_TOKEN_PERSONAL:
        return var.kind.phrase
    if var.expected is Role.JWT_SECRET and var.kind is TokenKind.JWT_SECRET:
        return "the JWT secret"
    if var.expected is Role.JWT_SECRET and var.kind is ValueKind.PEM_PRIVATE_KEY:
        return "a private key"
    if var.expected is Role.DB_PASSWORD:
        return "the database password"
    if var.kind is TokenKind.CONNECTION_STRING and _has_password(var.conn):
        return "a connection string with its password"
    return None


def _has_password(conn: ConnectionReport | None) -> bool:
    if conn is None:
        return False
    try:
        return bool(conn.to_dict()["parsed"]["password"])
    except (KeyError, TypeError):
        return False


def _key_slot(var: Var, dash: dict[str, str]) -> None:
    """A key variable that holds no API key at all (the wrong key is for the cross-checks)."""
    assert var.expected is not None
    if var.kind in API_KEY_KINDS:
        return  # right or wrong role: decided with the other keys in cross.cross_keys()
    if var.kind is TokenKind.SUPABASE_USER_TOKEN:
        var.findings.append(
            make(
                C.KEY_IS_USER_TOKEN,
                f"{var.name} should hold {var.expected.phrase}, and holds a user's session "
                "access token: it stops working when it expires.",
                **dash,
            )
        )
        return
    var.findings.append(
        make(
            C.KEY_UNRECOGNISED,
            f"{var.name} should hold {var.expected.phrase}, and holds {phrase(var.kind)}.",
            **dash,
        )
    )


def _url_slot(var: Var, dash: dict[str, str]) -> None:
    """The project URL: an http(s) URL with no path."""
    text = bare(var.value)
    if not is_http_url(text):
        var.findings.append(
            make(
                C.SUPABASE_URL_INVALID,
                f"{var.name} holds {phrase(var.kind)}, not https://<ref>.supabase.co.",
                **dash,
            )
        )
        return
    # The path alone: a query string could carry a key (…?apikey=eyJ…), never shown.
    path = re.split(r"[?#]", re.sub(r"^[a-z]+://[^/?#]*", "", text, flags=re.I), maxsplit=1)[0]
    if path.rstrip("/"):
        var.findings.append(
            make(
                C.SUPABASE_URL_HAS_PATH,
                f"{var.name} ends in {redact_text(path[:60])!r}; supabase-js and "
                "supabase-py append /rest/v1, /auth/v1 and /storage/v1 themselves.",
            )
        )
