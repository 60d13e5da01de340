"""A recognised error text: who produces it, the regex, the code it means, how specific it is.

The tables live in `inspector/explain/sources/` (one module per family of producers); this module
only says what a row is. Every regex must stay linear on any input: it starts with a literal
(its *needle*, derived here and checked with a plain substring test before the regex runs),
has no top-level alternation (write one row per alternative), and only bounded repeats of
simple classes after the literal (`[^"\\n]{0,200}`, never `(.*)+`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# `source=None`: the text is the Postgres server's (or a pooler speaking its protocol), framed by
# whichever client printed it; the service names that client from the rest of the text.
SERVER = None

_META = set(".^$*+?{}[]|()")
# Escapes that stand for one literal character.
_ESCAPED_LITERAL = set(" \"'.-:/()[]{}+*?|$^=<>,_@#%&!~`;\\")


@dataclass(frozen=True)
class Pattern:
    source: str | None
    code: str
    regex: re.Pattern[str]
    specificity: int  # higher wins among matches at the same depth of a chain
    needle: str  # lower-case literal the text must hold for the regex to be tried
    refine: Callable[[str], str | None] | None = None  # the matched line -> a more exact code
    # A bare code (PGRST301, 42P05): counts only when no worded message of the same source
    # says more (`Expected 3 parts in JWT` beside PGRST301 is jwt_malformed, not both).
    fallback: bool = False


def needle_of(source: str) -> str:
    """The literal text every match of `source` starts with (lower-case)."""
    s = source
    while s.startswith("\\b"):
        s = s[2:]
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 < len(s) and s[i + 1] in _ESCAPED_LITERAL:
                out.append(s[i + 1])
                i += 2
                continue
            break
        if c in _META:
            break
        out.append(c)
        i += 1
    if i < len(s) and s[i] in "*+?{" and out:
        out.pop()  # a repeat applies to the last literal character: it may be absent
    return "".join(out).lower()


def _has_top_level_alternation(source: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def p(
    source: str | None,
    code: str,
    regex: str,
    specificity: int = 20,
    *,
    cs: bool = False,
    refine: Callable[[str], str | None] | None = None,
    fallback: bool = False,
) -> Pattern:
    """One row of a table. `cs`: match case-sensitively (a message whose case tells its author);
    `fallback`: a bare code that yields to any worded message of the same source."""
    needle = needle_of(regex)
    if len(needle) < 4:
        raise ValueError(f"pattern {regex!r} must start with a literal of 4+ characters")
    if _has_top_level_alternation(regex):
        raise ValueError(f"pattern {regex!r}: one row per alternative, no top-level |")
    flags = 0 if cs else re.IGNORECASE
    return Pattern(source, code, re.compile(regex, flags), specificity, needle, refine, fallback)
