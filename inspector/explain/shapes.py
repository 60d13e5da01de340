"""Shapes inside an error line that make a code more exact (an IPv6 address, Supabase's direct
host). Linear regexes only; no I/O."""

from __future__ import annotations

import re

# A run of hex digits and colons with two colons or more (2600:1f1e:…, ::1, [2406:da14::1]),
# or the start of an address in parentheses as libpq prints it, even when redacted (2a05:d0xx…).
_HEXCOLON = re.compile(r"(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,8}(?![\w:])", re.I)
_PAREN_V6 = re.compile(r"\(\s{0,3}[0-9a-f]{1,4}:[0-9a-f]", re.I)
# db.<ref>.supabase.co, with the ref as people redact it (xxxx, {PROJECT_ID}, <ref>, ***).
DIRECT_HOST = re.compile(r"\bdb\.[a-z0-9_{}<>*-]{1,40}\.supabase\.co\b", re.I)
_CLOCK = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")


def has_ipv6_address(line: str) -> bool:
    for m in _HEXCOLON.finditer(line):
        text = m.group(0)
        if _CLOCK.match(text):
            continue  # 12:34:56 is a time
        if "::" in text or any(c in "abcdefABCDEF" for c in text):
            return True
    return bool(_PAREN_V6.search(line))


def ipv6_unreachable(line: str) -> str | None:
    """`ipv6_unreachable` when the unreachable address is IPv6 or Supabase's IPv6-only host."""
    if has_ipv6_address(line) or DIRECT_HOST.search(line):
        return "ipv6_unreachable"
    return None
