"""Values as data inside generated code and commands: one encoder per target.

Every value that comes from a token, a key, a URL or a `.env` and goes into a snippet passes
through one of these, so a hostile `alg`, `iss` or host can only ever be a string the snippet
passes along, never code it runs. `py_str`, `url_part` and `url_text` write printable ASCII only
(no newline, NUL, escape sequence or bidi control reaches a page, a terminal or a clipboard);
`sh_word` keeps its input's characters, so give it `url_text` output.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from urllib.parse import quote

# The backtick too: findings show code between backticks, so one inside a literal would end it.
_PY_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "`": "\\x60",
}
# Printable ASCII without the space: what may stand unencoded in URL text.
_URL_TEXT_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def py_str(value: str) -> str:
    """A double-quoted Python literal that evaluates to exactly `value` (NUL, lone surrogates
    and non-ASCII included), written in printable ASCII only."""
    out = []
    for ch in value:
        if ch in _PY_ESCAPES:
            out.append(_PY_ESCAPES[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            o = ord(ch)
            out.append(
                f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"
            )
    return '"' + "".join(out) + '"'


def py_number(value: float) -> str | None:
    """A Python literal for a finite number (`25`, `2.5`), or None (`inf` is no literal)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if not math.isfinite(value):
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def url_part(value: str, safe: str = "") -> str:
    """One component of a URL (user, host, database, query key or value), percent-encoded so
    that no `@ : / ? # & , =` in it can end the component."""
    return quote(value, safe=safe, errors="surrogatepass")


def url_text(url: str) -> str:
    """A whole URL with what a URL cannot hold (space, controls, non-ASCII) percent-encoded;
    its own `%xx`, `/`, `?` and `&` stay as they are."""
    return quote(url, safe=_URL_TEXT_SAFE, errors="surrogatepass")


def sh_word(value: str) -> str:
    """One shell word that the shell reads back as exactly `value`: no expansion of `$( )`,
    backticks or variables. Pass URLs through `url_text` first (a shell word cannot hold NUL or
    a lone surrogate)."""
    if "\x00" in value:
        raise ValueError("a shell word cannot hold a NUL character")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("a shell word cannot hold a lone surrogate (no encoding writes one)")
    return shlex.quote(value)


# --- other languages (the stacks' snippets: inspector/connections/stacks/) -------------------

# JSON strings are JavaScript strings; the backtick and DEL are escaped too (findings show code
# between backticks), U+2028/2029 and lone surrogates come out as \u escapes with the rest.
_JS_EXTRA = {"`": "\\u0060", "\x7f": "\\u007f"}


def js_str(value: str) -> str:
    """A double-quoted JavaScript (and TypeScript) literal that evaluates to exactly `value`,
    lone surrogates included, in printable ASCII only."""
    out = json.dumps(value, ensure_ascii=True)
    return "".join(_JS_EXTRA.get(ch, ch) for ch in out)


_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def go_str(value: str) -> str:
    """A Go interpreted string literal holding `value` as UTF-8 bytes (a lone surrogate as the
    bytes Python's `surrogatepass` gives it: Go's \\u cannot name one), printable ASCII only."""
    out = []
    for ch in value:
        o = ord(ch)
        if ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif ch == "`":
            out.append("\\x60")
        elif " " <= ch <= "~":
            out.append(ch)
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("".join(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    return '"' + "".join(out) + '"'


def java_str(value: str) -> str:
    """A Java string literal for `value` (UTF-16: lone surrogates kept), printable ASCII only.
    Java turns \\uXXXX into characters before it reads the source, so a \\u escape never names
    an ASCII character here: control characters, DEL and the backtick are octal escapes."""
    out = []
    for ch in value:
        o = ord(ch)
        if ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif ch == "`" or o < 0x20 or o == 0x7F:
            out.append(f"\\{o:03o}")
        elif o < 0x80:
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            units = ch.encode("utf-16-be")
            out.append("".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in (0, 2)))
    return '"' + "".join(out) + '"'


def cs_str(value: str) -> str:
    """A C# regular string literal for `value` (UTF-16: lone surrogates kept), printable ASCII
    only; never the variable-length \\x escape."""
    out = []
    for ch in value:
        o = ord(ch)
        if ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif " " <= ch <= "~" and ch != "`":
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    return '"' + "".join(out) + '"'


# What a double-quoted .env value would read as something else (python-dotenv and Node's dotenv:
# escapes, `${VAR}` expansion, the closing quote), and is no separator in a URL, so its `%xx`
# means the same to every URL parser.
_ENV_URL_ESCAPES = {"\\": "%5C", '"': "%22", "$": "%24", "`": "%60", "'": "%27"}


def env_url(url: str) -> str:
    """A URL as a double-quoted `.env` value (`"postgresql://..."`): printable ASCII (`url_text`),
    with the characters a .env line would read (quotes, `\\`, `$`) percent-encoded."""
    text = url_text(url)
    return '"' + "".join(_ENV_URL_ESCAPES.get(ch, ch) for ch in text) + '"'


_NPGSQL_PLAIN = re.compile(r"[A-Za-z0-9._:/<>@+\-]+")


def npgsql_value(value: str) -> str:
    """One value of an ADO.NET connection string (Npgsql's `Key=value;`): bare when it is plain,
    else in double quotes with its own double quotes doubled (DbConnectionStringBuilder's rule),
    so no `;` or `=` in it can start another keyword."""
    if _NPGSQL_PLAIN.fullmatch(value):
        return value
    return '"' + value.replace('"', '""') + '"'
