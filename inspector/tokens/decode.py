"""Decode a JWT part by part without giving up: what decodes is kept, what fails is named."""

from __future__ import annotations

import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

_URL2STD = bytes.maketrans(b"-_", b"+/")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
PART_NAMES = ("header", "payload", "signature")
# Deeper JSON is refused whatever the stack depth at hand (the json module's own limit is the
# interpreter's recursion limit, so it depends on the caller; every later reader, a template,
# json.dumps, would hit it at another depth).
MAX_DEPTH = 500
# A JSON escape of half a surrogate pair (\ud800-\udfff): json.loads pairs the halves that
# belong together; one left alone is no Unicode text (UTF-8 cannot encode it). Rewritten in the
# JSON text as an escaped backslash, so the string holds the six characters `\ud800` instead.
# An escape is a backslash after an even run of them; a high half right before a low one is a
# pair and stays.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(
    r"(?<!\\)((?:\\\\)*)\\u(?:([dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|([dD][89a-fA-F][0-9a-fA-F]{2}))"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CUT_OFF = "it was cut off"


@dataclass(frozen=True)
class Part:
    name: str
    text: str
    ok: bool
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "length": len(self.text), "ok": self.ok, "error": self.error}


@dataclass(frozen=True)
class Decoded:
    """The parts of a compact JWS and whatever of them decoded."""

    segments: int
    parts: tuple[Part, ...]
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    signature: bytes | None = None
    errors: tuple[str, ...] = field(default_factory=tuple)
    truncated: bool = False  # the errors say the token was cut off at the end

    @property
    def ok(self) -> bool:
        return not self.errors


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large for JSON")
    return value


def loads(text: str | bytes) -> Any:
    """Strict json.loads: NaN/Infinity and overflowing numbers are refused (JSON has neither,
    and they could not be sent back as JSON), nesting deeper than MAX_DEPTH is a ValueError
    too. A lone surrogate escape comes back as its six characters (`\\ud800` as text), so
    every string can be shown, encoded and sent back as JSON."""
    if isinstance(text, bytes):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
    if _MAYBE_SURROGATE.search(text):
        text = _escape_lone_surrogates(text)
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    return value


def _escape_lone_surrogates(text: str) -> str:
    def lone(m: re.Match[str]) -> str:
        return m.group(0) if m.group(2) else f"{m.group(1)}\\\\u{m.group(3).lower()}"

    text = _SURROGATE_ESCAPE.sub(lone, text)
    # Raw ones (only a str can hold them): the same six characters.
    return _LONE_SURROGATE.sub(lambda m: f"\\\\u{ord(m.group()):04x}", text)


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def b64url_decode(segment: str) -> bytes:
    """Strict base64url (padding optional); binascii.Error/ValueError when it is not."""
    if not _B64URL.match(segment):
        bad = sorted({c for c in segment if not (c.isalnum() or c in "-_=")})
        raise ValueError(f"characters outside base64url: {' '.join(repr(c) for c in bad[:5])}")
    s = segment.rstrip("=")
    if len(s) % 4 == 1:
        raise ValueError(f"{len(s)} characters is not a possible base64url length (cut off?)")
    # The alphabet was checked above, so the C decoder can take it straight (hot path).
    return binascii.a2b_base64((s + "=" * (-len(s) % 4)).encode("ascii").translate(_URL2STD))


def _json_object(name: str, segment: str) -> tuple[dict[str, Any] | None, str | None]:
    if not segment:
        return None, f"the {name} is empty"
    try:
        raw = b64url_decode(segment)
    except (binascii.Error, ValueError) as exc:
        return None, f"the {name} is not base64url ({exc})"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, f"the {name} decodes to bytes that are not UTF-8 text"
    try:
        value = loads(text)
    except ValueError as exc:
        pos = getattr(exc, "pos", None)
        if isinstance(pos, int) and pos >= len(text.rstrip()) and text.lstrip()[:1] in "{[":
            return None, f"the {name}'s JSON stops after {len(text)} characters: {_CUT_OFF}"
        return None, f"the {name} is not JSON ({exc.args[0] if exc.args else exc})"
    if not isinstance(value, dict):
        return None, f"the {name} is JSON but not an object (a {type(value).__name__})"
    return value, None


# No JWT holds "..." (two empty parts in a row) or "…": a shortened display (a dashboard, a log
# line, `eyJhbGci…XVCJ9`) does.
ELLIPSIS = re.compile(r"\.\.\.|\u2026")


def _impossible_length(segment: str) -> bool:
    """No base64url text has 4k+1 characters: a segment of that length lost its end."""
    return len(segment.rstrip("=")) % 4 == 1


def decode_jwt(token: str) -> Decoded:
    """Split at dots and decode each part; never raises."""
    errors: list[str] = []
    shortened = ELLIPSIS.search(token)
    if shortened:
        mark = shortened.group()
        errors.append(f"it holds '{mark}': this is a shortened display of the token, not the token")
        if token.endswith(mark):  # what comes before the mark is still the token's beginning
            token = token.removesuffix(mark).rstrip(".")
    segments = token.split(".")
    n = len(segments)
    if n == 5:
        errors.append(
            "5 parts: this is an encrypted token (JWE); it cannot be read without the "
            "decryption key, and Supabase never issues JWEs"
        )
    elif n != 3:
        errors.append(
            f"{n} part{'s' if n != 1 else ''} separated by dots, a JWT has 3 "
            "(header.payload.signature)"
            + (": the signature part is missing (cut off?)" if n == 2 else "")
        )
    header, herr = _json_object("header", segments[0]) if n >= 1 else (None, None)
    claims, perr = _json_object("payload", segments[1]) if n >= 2 else (None, None)
    sig: bytes | None = None
    serr = None
    if n >= 3:
        try:
            sig = b64url_decode(segments[2])
        except (binascii.Error, ValueError) as exc:
            serr = f"the signature is not base64url ({exc})"
    parts = []
    for i, (name, err) in enumerate(zip(PART_NAMES, (herr, perr, serr), strict=True)):
        if i < n:
            parts.append(Part(name, segments[i], err is None, err))
    if n > 3 and n != 5:
        parts.append(Part("extra", ".".join(segments[3:]), False, "unexpected extra parts"))
    errors.extend(e for e in (herr, perr, serr) if e)
    return Decoded(
        segments=n,
        parts=tuple(parts),
        header=header,
        claims=claims,
        signature=sig,
        errors=tuple(errors),
        truncated=bool(shortened) or _cut_at_the_end(segments, herr, perr, serr),
    )


def _cut_at_the_end(
    segments: list[str], herr: str | None, perr: str | None, serr: str | None
) -> bool:
    """Whether what is wrong is only that the last segment lost its end: a signature of an
    impossible length, or (no signature at all) a payload whose JSON stops short."""
    if herr:
        return False
    if len(segments) == 3:
        return not perr and serr is not None and _impossible_length(segments[2])
    if len(segments) == 2:
        return perr is not None and (_impossible_length(segments[1]) or perr.endswith(_CUT_OFF))
    return False
