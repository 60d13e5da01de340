"""Find the token in whatever was pasted: headers, quotes, curl, JSON, cookies, URLs."""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from inspector.tokens.decode import loads

_JWT_IN_TEXT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*")
_AUTH_PREFIX = re.compile(r"^(?:authorization|apikey|x-api-key)\s*:\s*", re.I)
_BEARER = re.compile(r"^bearer\s+", re.I)
_ENV_ASSIGN = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", re.S)
_COOKIE = re.compile(r"^(sb-[a-z0-9-]+-auth-token(?:\.\d+)?)\s*=\s*(.*)$", re.S)
_QUOTES = ("\"'`", "\u201c\u201d\u2018\u2019")
_TOKEN_KEYS = ("access_token", "accessToken", "token", "jwt", "id_token", "apikey", "key")
_WS = re.compile(r"\s+")
_BARE_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2}\Z")


# Characters no token or key holds, which copying adds: a byte-order mark (an editor saving
# "UTF-8 with BOM"), zero-width spaces (web pages and chats break long words with them), bidi
# marks. Removed wherever they are; Python's str.strip() keeps every one of them.
INVISIBLE = {
    "\ufeff": "byte-order mark (U+FEFF)",
    "\u200b": "zero-width space (U+200B)",
    "\u200c": "zero-width non-joiner (U+200C)",
    "\u200d": "zero-width joiner (U+200D)",
    "\u2060": "word joiner (U+2060)",
    "\u00ad": "soft hyphen (U+00AD)",
    "\u200e": "left-to-right mark (U+200E)",
    "\u200f": "right-to-left mark (U+200F)",
    **{
        chr(c): f"bidi control (U+{c:04X})"
        for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
    },
}
# Spaces that are not ASCII spaces (Python's str.strip() removes them silently): named, and
# removed at the ends of the text only.
NO_BREAK_SPACES = {
    "\u00a0": "no-break space (U+00A0)",
    "\u202f": "narrow no-break space (U+202F)",
    "\u2007": "figure space (U+2007)",
    "\u3000": "ideographic space (U+3000)",
}
_INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE) + "]")
_NO_BREAK_RE = re.compile("[" + "".join(NO_BREAK_SPACES) + "]")


def _count(n: int, name: str) -> str:
    return f"a {name}" if n == 1 else f"{n} " + name.replace(" (", "s (", 1)


def remove_invisible(text: str, what: str = "the token") -> tuple[str, str | None]:
    """`text` without invisible characters (anywhere) and no-break spaces (at its ends), and
    what was removed, in words ("a byte-order mark (U+FEFF) before the token"), or None.

    Linear in the length of the text, whatever it holds.
    """
    found: list[str] = []
    if _INVISIBLE_RE.search(text):
        visible = [i for i, c in enumerate(text) if not (c.isspace() or c in INVISIBLE)]
        first, last = (visible[0], visible[-1]) if visible else (len(text), len(text))
        counts: dict[tuple[str, str], int] = {}
        for m in _INVISIBLE_RE.finditer(text):
            i = m.start()
            where = "before" if i < first else "after" if i > last else "inside"
            key = (INVISIBLE[m.group()], where)
            counts[key] = counts.get(key, 0) + 1
        text = _INVISIBLE_RE.sub("", text)
        found += [f"{_count(n, name)} {where} {what}" for (name, where), n in counts.items()]
    if _NO_BREAK_RE.search(text):
        core = text.strip()
        head = text.index(core) if core else len(text)
        lead, trail = text[:head], text[head + len(core) :]
        spaces = _NO_BREAK_RE.findall(lead + trail)
        for c in dict.fromkeys(spaces):
            found.append(f"{_count(spaces.count(c), NO_BREAK_SPACES[c])} around {what}")
        text = _NO_BREAK_RE.sub("", lead) + core + _NO_BREAK_RE.sub("", trail)
    return text, "; ".join(found) if found else None


@dataclass(frozen=True)
class Cleaned:
    """The token text and, in order, what was removed around it."""

    text: str
    removed: tuple[str, ...] = ()
    wrapper: str | None = None  # "curl", "json", "cookie", "url", "header", "env"


def clean_input(raw: str) -> Cleaned:
    """Strip what is not the token and say what was removed (never raises)."""
    text = raw if isinstance(raw, str) else ""
    if _BARE_JWT.match(text):
        return Cleaned(text=text)  # the common case: a bare token, nothing to strip
    removed: list[str] = []
    wrapper: str | None = None
    text, invisible = remove_invisible(text)
    if invisible:
        removed.append(invisible)
    stripped = text.strip()
    if stripped != text and text:
        removed.append("surrounding whitespace")
    text = stripped

    for _ in range(4):  # wrappers can nest: a curl command with a quoted Bearer header
        step = _unwrap(text)
        if step is None:
            break
        text, what, kind = step
        removed.append(what)
        wrapper = wrapper or kind

    text, more = _strip_simple(text)
    removed.extend(more)
    # A token split over several lines (a terminal or an email wrapped it).
    if _WS.search(text):
        joined = _WS.sub("", text)
        if _looks_like_jwt(joined) or (
            joined.startswith(("sb_", "sbp_")) and len(text.split()) <= 3
        ):
            text = joined
            removed.append("line breaks and spaces inside the token")
    return Cleaned(text=text, removed=tuple(dict.fromkeys(removed)), wrapper=wrapper)


def _looks_like_jwt(text: str) -> bool:
    return text.startswith("eyJ") and text.count(".") >= 1 and not _WS.search(text)


def _strip_simple(text: str) -> tuple[str, list[str]]:
    removed = []
    for _ in range(4):
        before = text
        m = _AUTH_PREFIX.match(text)
        if m:
            removed.append(f"the `{m.group(0).strip()}` header name")
            text = text[m.end() :].strip()
        m = _BEARER.match(text)
        if m:
            removed.append("the `Bearer ` prefix")
            text = text[m.end() :].strip()
        if len(text) >= 2 and any(text[0] in q and text[-1] in q for q in _QUOTES):
            removed.append("quotes")
            text = text[1:-1].strip()
        if text.endswith((",", ";")) and len(text) > 1:
            removed.append(f"a trailing `{text[-1]}`")
            text = text[:-1].strip()
        if text == before:
            break
    return text, removed


def _unwrap(text: str) -> tuple[str, str, str] | None:
    """One layer of wrapping removed, as (inner text, what was removed, wrapper kind)."""
    if not text:
        return None
    low = text[:8].lower()
    if low.startswith("curl ") or low.startswith("curl\t"):
        found = _from_curl(text)
        if found:
            return found, "a curl command around the token (taken from its header)", "curl"
    if text[0] in "{[":
        found = _from_json(text)
        if found:
            return found, "a JSON object around the token", "json"
    if "auth-token" in text and (";" in text or text.lower().startswith("cookie:")):
        cookie = _from_cookie_header(text)
        if cookie:
            return cookie[0], f"a Cookie header around the token ({cookie[1]})", "cookie"
    m = _COOKIE.match(text)
    if m:
        found = _from_cookie_value(m.group(2).strip())
        if found:
            return found, f"the `{m.group(1)}` cookie around the token", "cookie"
    if text.startswith("base64-"):
        found = _from_cookie_value(text)
        if found:
            return found, "the Supabase auth cookie encoding (base64- JSON)", "cookie"
    if "access_token=" in text and ("#" in text or "?" in text or text.startswith("access_token")):
        found = _from_url(text)
        if found:
            return found, "the URL around the token (its access_token parameter)", "url"
    m = _ENV_ASSIGN.match(text)
    if m and "\n" not in text.strip():
        value = m.group(2).strip()
        if value and (_looks_like_jwt(value.strip("\"'")) or value.strip("\"'").startswith("sb")):
            return value, f"the `{m.group(1)}=` variable name", "env"
    return None


def _from_curl(text: str) -> str | None:
    try:
        words = shlex.split(text.replace("\\\n", " "))
    except ValueError:
        words = text.split()
    headers = []
    for i, w in enumerate(words):
        if w in ("-H", "--header") and i + 1 < len(words):
            headers.append(words[i + 1])
        elif w.startswith("-H") and len(w) > 2:
            headers.append(w[2:])
    auth = [h for h in headers if h.lower().startswith("authorization")]
    api = [h for h in headers if h.lower().startswith("apikey")]
    for h in auth + api:
        value = h.split(":", 1)[1].strip() if ":" in h else ""
        if value and not value.startswith("$"):
            return value
    m = _JWT_IN_TEXT.search(text)
    return m.group(0) if m else None


def _find_token(obj: object, depth: int = 0) -> str | None:
    if depth > 6:
        return None
    if isinstance(obj, str):
        return obj if obj else None
    if isinstance(obj, list):
        # supabase-js v1 cookie: [access_token, refresh_token, ...]
        for item in obj:
            found = _find_token(item, depth + 1) if isinstance(item, (dict, list)) else None
            if found:
                return found
            if isinstance(item, str) and item:
                return item
        return None
    if isinstance(obj, dict):
        for k in _TOKEN_KEYS:
            v = obj.get(k)
            if isinstance(v, str) and v:
                return v
        for k in ("currentSession", "session", "data", "headers"):
            if k in obj:
                found = _find_token(obj[k], depth + 1)
                if found:
                    return found
        for k, v in obj.items():
            if isinstance(k, str) and k.lower() == "authorization" and isinstance(v, str):
                return v
    return None


def _from_json(text: str) -> str | None:
    try:
        obj = loads(text)
    except ValueError:
        return None
    if isinstance(obj, dict) and "kty" in obj or isinstance(obj, dict) and "keys" in obj:
        return None  # a JWK/JWKS: the classifier names it
    found = _find_token(obj)
    return found if found and found != text else None


_COOKIE_PAIR = re.compile(r"(sb-[a-z0-9-]+-auth-token)(?:\.(\d+))?\s*=\s*([^;\s]*)")


def _from_cookie_header(text: str) -> tuple[str, str] | None:
    """`Cookie: a=b; sb-<ref>-auth-token.0=...; sb-<ref>-auth-token.1=...`: @supabase/ssr
    splits a large session cookie into numbered chunks; joined in order they are one value."""
    chunks: dict[str, dict[int, str]] = {}
    for name, index, value in _COOKIE_PAIR.findall(text):
        chunks.setdefault(name, {})[int(index) if index else -1] = value
    for name, parts in chunks.items():
        value = parts[-1] if -1 in parts else "".join(parts[i] for i in sorted(parts))
        found = _from_cookie_value(value)
        if found:
            n = len(parts)
            return found, f"`{name}`" + (f", {n} chunks joined" if n > 1 else "")
    return None


def _from_cookie_value(value: str) -> str | None:
    value = value.strip().strip("\"'")
    if "%" in value:
        value = unquote(value)
    if value.startswith("base64-"):
        b = value[len("base64-") :]
        try:
            value = base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
    if value[:1] in "{[":
        return _from_json(value)
    return value or None


def _from_url(text: str) -> str | None:
    for part in re.split(r"[#?]", text):
        if "access_token=" in part:
            values = parse_qs(part, keep_blank_values=False).get("access_token")
            if values and values[0]:
                return values[0]
    return None
