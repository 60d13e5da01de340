"""explain(text): which known errors a pasted message, log or traceback holds, innermost first.

Steps: cap the text; undo JSON string escapes (`\\"`, `\\n`) so a logged JSON body reads like
the message; try every pattern whose needle occurs; place each hit in its exception chain
(Python's "direct cause" sections, Node's `[cause]:`); rank by depth, then specificity, then
position; keep each code once. Then the tokens and connection strings in the text, masked.
No I/O, never raises for any text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from inspector.explain import codes
from inspector.explain.codes import explanation
from inspector.explain.found import Found, find, mask_text
from inspector.explain.patterns import Pattern
from inspector.explain.report import ExplainReport, Match, Next
from inspector.explain.sources import CAUSE_MARKER, PATTERNS, PYTHON_CHAIN, client_of
from inspector.findings import Finding, make
from inspector.textutil import valid_text

# Characters read: the app's default body limit. A longer text is read at both ends (a Python
# traceback's innermost cause is at its start, its outermost exception at its end).
MAX_TEXT = 65536
MAX_MATCHES = 6
MAX_HITS_PER_PATTERN = 20
EXCERPT = 300  # characters of the line shown around a match
_ASYMMETRIC = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "EdDSA")
_UNESCAPE = re.compile(r"\\[\"nrt]")
_UNESCAPED = {'\\"': '"', "\\n": "\n", "\\r": "", "\\t": "\t"}


@dataclass(frozen=True)
class _Hit:
    pattern: Pattern
    code: str
    source: str
    depth: int
    start: int
    end: int


def explain(text: str) -> ExplainReport:
    """The known errors in `text`, most specific (innermost cause) first; never raises."""
    raw = valid_text(text) if isinstance(text, str) else ""
    body, truncated = _cap(raw)
    scan = _normalise(body)
    hits = _rank(_hits(scan))[:MAX_MATCHES]
    found = find(scan)
    matches = [_match(h, scan, found) for h in hits]
    matches = _asymmetric_token_rule(matches, found)[:MAX_MATCHES]
    if not matches:
        matches = [_no_match(found)]
    return ExplainReport(
        matches=tuple(matches),
        tokens=found.tokens,
        connection_strings=found.connection_strings,
        findings=tuple(_findings(matches, found, truncated)),
        truncated=truncated,
    )


def recognises(text: str) -> bool:
    """Whether `text` holds a known error (cheap: patterns only, nothing is classified)."""
    raw = valid_text(text) if isinstance(text, str) else ""
    return next(_hits(_normalise(_cap(raw)[0])), None) is not None


def _cap(text: str) -> tuple[str, bool]:
    if len(text) <= MAX_TEXT:
        return text, False
    half = MAX_TEXT // 2
    return f"{text[:half]}\n…\n{text[-half:]}", True


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n")
    if "\\" not in text:
        return text
    return _UNESCAPE.sub(lambda m: _UNESCAPED[m.group(0)], text)


class _Chain:
    """How deep a position sits in an exception chain (0: outermost)."""

    def __init__(self, text: str) -> None:
        self._python = [m.start() for m in PYTHON_CHAIN.finditer(text)]
        self._causes = [m.start() for m in CAUSE_MARKER.finditer(text)]

    def depth(self, pos: int) -> int:
        # Python prints the cause first: each separator after a position wraps it once more.
        # Node prints the cause after `[cause]:`: each marker before a position is one level in.
        later = len(self._python) - bisect.bisect_right(self._python, pos)
        return later + bisect.bisect_right(self._causes, pos)


def _hits(scan: str) -> Iterator[_Hit]:
    low = scan.lower()
    chain: _Chain | None = None
    client: str | None = None
    for pat in PATTERNS:
        if pat.needle not in low:
            continue
        for n, m in enumerate(pat.regex.finditer(scan)):
            if n >= MAX_HITS_PER_PATTERN:
                break
            if chain is None:
                chain = _Chain(scan)
                client = client_of(low)
            code = pat.code
            if pat.refine is not None:
                code = pat.refine(_near(scan, m.start(), m.end())) or code
            source = pat.source or client or "postgres"
            yield _Hit(pat, code, source, chain.depth(m.start()), m.start(), m.end())


def _rank(hits: Iterator[_Hit]) -> list[_Hit]:
    """Innermost first, then the most specific, then the earliest; each code once."""
    every = list(hits)
    worded = {h.source for h in every if not h.pattern.fallback}
    every = [h for h in every if not (h.pattern.fallback and h.source in worded)]
    best: dict[str, _Hit] = {}
    for h in sorted(every, key=lambda h: (-h.depth, -h.pattern.specificity, h.start)):
        best.setdefault(h.code, h)
    return list(best.values())


def _line(scan: str, pos: int) -> tuple[str, int]:
    """The line holding `pos`, and where it starts."""
    start = scan.rfind("\n", 0, pos) + 1
    end = scan.find("\n", pos)
    return scan[start : end if end >= 0 else len(scan)], start


def _near(scan: str, start: int, end: int, reach: int = 300) -> str:
    """The match's line, at most `reach` characters either side of it."""
    line, line_start = _line(scan, start)
    lo = max(0, start - line_start - reach)
    return line[lo : end - line_start + reach]


def _excerpt(scan: str, hit: _Hit, secrets: tuple[str, ...]) -> str:
    """The match in its line, every secret masked, at most about EXCERPT characters."""
    line, line_start = _line(scan, hit.start)
    # Masked whole before it is cut, so no token or password is cut in two and left readable.
    masked = mask_text(line, secrets)
    said = scan[hit.start : min(hit.end, hit.start + 60)]
    at = masked.find(said)
    if at < 0:
        at = min(hit.start - line_start, len(masked))
    lo = max(0, min(at - EXCERPT // 3, len(masked) - EXCERPT))  # a short line shows whole
    hi = min(len(masked), lo + EXCERPT)
    cut = masked[lo:hi].strip()
    return ("…" if lo > 0 else "") + cut + ("…" if hi < len(masked) else "")


def _next_for(page: str | None, found: Found) -> Next | None:
    if page == codes.CONNECTION:
        for s in found.connection_strings:
            return s.next
        return Next(page)
    if page == codes.TOKEN:
        offers = [t for t in found.tokens if t.next and t.next.input]
        jwts = [t for t in offers if t.masked.startswith("eyJ")]
        for t in jwts or offers:
            return t.next
        return Next(page)
    return None


def _match(hit: _Hit, scan: str, found: Found) -> Match:
    e = explanation(hit.code)
    return Match(
        code=e.code,
        source=hit.source,
        title=e.title,
        cause=e.cause,
        fix=e.fix,
        next=_next_for(e.page, found),
        excerpt=_excerpt(scan, hit, found.secrets),
        depth=hit.depth,
    )


def _asymmetric_token_rule(matches: list[Match], found: Found) -> list[Match]:
    """A bad signature on an ES256/RS256 token is most often an HS256 verifier: say so first."""
    codes_seen = {m.code for m in matches}
    if codes.JWT_SIGNATURE_FAILED not in codes_seen or codes.JWT_ALGORITHM in codes_seen:
        return matches
    alg = next((t.algorithm for t in found.tokens if t.algorithm in _ASYMMETRIC), None)
    if alg is None:
        return matches
    at = next(i for i, m in enumerate(matches) if m.code == codes.JWT_SIGNATURE_FAILED)
    sig = matches[at]
    e = explanation(codes.JWT_ALGORITHM)
    algorithm = Match(
        code=e.code,
        source=sig.source,
        title=e.title,
        cause=f"The token in the text is signed with {alg}, and the verifier reports a bad "
        f"signature: it is most likely checking it with the HS256 JWT secret. {e.cause}",
        fix=e.fix,
        next=sig.next,
        excerpt=sig.excerpt,
        depth=sig.depth,
    )
    return [*matches[:at], algorithm, *matches[at:]]


def _no_match(found: Found) -> Match:
    e = explanation(codes.NO_MATCH)
    offer = next((s.next for s in found.connection_strings), None) or next(
        (t.next for t in found.tokens if t.next and t.next.input), None
    )
    return Match(
        code=e.code,
        source="unknown",
        title=e.title,
        cause=e.cause,
        fix=e.fix,
        next=offer,
        excerpt="",
    )


def _findings(matches: list[Match], found: Found, truncated: bool) -> list[Finding]:
    out: list[Finding] = []
    for m in matches:
        if m.code == codes.NO_MATCH:
            out.append(make(m.code, m.cause))
            continue
        seen = f" Recognised in: {m.excerpt}" if m.excerpt else ""
        out.append(make(m.code, f"{m.cause}{seen}", fix=m.fix, severity="error", title=m.title))
    if found.secret_notes:
        out.append(make(codes.SECRET_IN_TEXT, "It holds " + "; ".join(found.secret_notes) + "."))
    if truncated:
        out.append(
            make(
                codes.TEXT_TRUNCATED,
                f"The text is longer than {MAX_TEXT // 1024} KiB: its first and last "
                f"{MAX_TEXT // 2048} KiB were read.",
            )
        )
    return out
