"""Values as data inside generated code and commands: one encoder per target.

Every value that comes from a token, a key, a URL or a `.env` and goes into a snippet passes
through one of these, so a hostile `alg`, `iss` or host can only ever be a string the snippet
passes along, never code it runs. `py_str`, `url_part` and `url_text` write printable ASCII only
(no newline, NUL, escape sequence or bidi control reaches a page, a terminal or a clipboard);
`sh_word` keeps its input's characters, so give it `url_text` output.
"""

from __future__ import annotations

import math
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
    backticks or variables. Pass URLs through `url_text` first (a shell word cannot hold NUL)."""
    if "\x00" in value:
        raise ValueError("a shell word cannot hold a NUL character")
    return shlex.quote(value)
