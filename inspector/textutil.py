"""Small text helpers every inspector shares."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def valid_text(value: Any) -> Any:
    """Text that can be encoded: a lone surrogate (from a broken paste) becomes '?'."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def lower_first(text: str) -> str:
    """`The pooler...` -> `the pooler...` (inside a sentence); `SQLAlchemy...`, `TLS...` stay."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    """`no key given...` -> `No key given...` (a sentence's start)."""
    return text[:1].upper() + text[1:]


def url_host(url: str) -> str:
    """The host of a URL, or '' when it has none or cannot be split (e.g. a stray '[')."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def url_scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme
    except ValueError:
        return ""
