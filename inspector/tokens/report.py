"""TokenReport: everything the page, the JSON and the CLI show, computed once by the service.

What a face needs to decide (is it verified, which parts are broken, is the token expired or not
yet valid, which words and looks its kind and signature have) is decided here; the templates,
the JSON and the CLI only format it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from inspector.findings import Finding, Severity, has_errors
from inspector.textutil import lower_first, upper_first
from inspector.tokens import codes
from inspector.tokens.claims import span
from inspector.tokens.classify import RefreshToken
from inspector.tokens.decode import Part
from inspector.tokens.discovery import Discovery
from inspector.tokens.keystate import KeyState
from inspector.tokens.rules import Lifetime
from inspector.tokens.skew import Skew
from inspector.tokens.verify import Signature
from inspector.vocabulary import Outcome, SignatureStatus, TokenKind, look


@dataclass(frozen=True)
class Headline:
    """The answer in one line, first on the page, in the JSON and in the CLI's output.

    `tone` is its look (`ok`, `error`, `warning`, `muted`); `code` the finding it stands for,
    whose detail and fix it carries (the page and the CLI then list that finding no more)."""

    tone: str
    text: str
    detail: str | None = None
    fix: str | None = None
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields, and the icon of its tone (the page's live check draws it)."""
        return asdict(self) | {"icon": look(self.tone)[1]}


@dataclass(frozen=True)
class TokenReport:
    kind: str
    project_ref: str | None
    header: dict[str, Any] | None
    claims: dict[str, Any] | None
    times: dict[str, dict[str, Any]]
    signature: Signature
    findings: tuple[Finding, ...]
    snippets: dict[str, str | None]
    removed: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    lifetime: Lifetime | None = None
    header_notes: dict[str, str] = field(default_factory=dict)
    claim_notes: dict[str, str] = field(default_factory=dict)
    jwks_url: str | None = None
    issuer: str | None = None  # the issuer family in words ("Supabase Auth", "Auth0", ...)
    now: float = 0.0
    discovery: Discovery | None = None  # how the keys were found when none was pasted
    key_state: KeyState | None = None  # the project's signing keys, from its JWKS
    clock: Skew | None = None  # this machine's clock against the server a fetch talked to
    refresh: RefreshToken | None = None  # what a refresh token's format says
    key_removed: tuple[str, ...] = ()  # invisible characters removed from the key

    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def is_jwt(self) -> bool:
        return bool(self.parts)

    @property
    def verified(self) -> bool:
        return self.signature.status == SignatureStatus.VALID

    @property
    def kind_term(self) -> TokenKind | None:
        return TokenKind.of(self.kind)

    @property
    def kind_label(self) -> str:
        term = self.kind_term
        return term.label if term is not None else self.kind

    @property
    def kind_outcome(self) -> Outcome:
        term = self.kind_term
        return term.outcome if term is not None else Outcome.NEUTRAL

    @property
    def signature_label(self) -> str:
        """The signature's status in words ("not checked")."""
        term = SignatureStatus.of(self.signature.status)
        return term.label if term is not None else self.signature.status.replace("_", " ")

    def signature_dict(self) -> dict[str, Any]:
        """The signature for the JSON: its fields, and the outcome, label and look of its
        status (what the page's live check draws the badge from)."""
        term = SignatureStatus.of(self.signature.status)
        tone, icon = look(self.signature.status)
        return self.signature.to_dict() | {
            "outcome": term.outcome if term is not None else Outcome.NEUTRAL,
            "label": self.signature_label,
            "tone": tone,
            "icon": icon,
        }

    @property
    def broken_parts(self) -> tuple[Part, ...]:
        """The parts of the token that do not decode (each says why)."""
        return tuple(p for p in self.parts if not p.ok)

    @property
    def offers_jwks(self) -> bool:
        """Not verified, and the issuer publishes a JWKS the page can offer to fetch."""
        return bool(self.jwks_url) and not self.verified

    @property
    def timeline(self) -> Timeline | None:
        return timeline(self.times, self.now)

    @property
    def token_text(self) -> str:
        """The cleaned compact token (for the coloured parts on the page)."""
        return ".".join(p.text for p in self.parts)

    @property
    def lifetime_text(self) -> str | None:
        seconds = self.lifetime["seconds"] if self.lifetime else None
        return span(seconds) if seconds is not None else None

    @property
    def default_lifetime_text(self) -> str | None:
        seconds = self.lifetime["default_seconds"] if self.lifetime else None
        return span(seconds) if seconds else None

    def finding_codes(self) -> list[str]:
        return [f.code for f in self.findings]

    @property
    def truncated(self) -> bool:
        """The token was cut off (token_truncated)."""
        return any(f.code == codes.TOKEN_TRUNCATED for f in self.findings)

    def refresh_dict(self) -> dict[str, Any] | None:
        r = self.refresh
        if r is None:
            return None
        return {
            "format": r.format,
            "session_id": r.session_id,
            "counter": r.counter,
            "checksum_ok": r.checksum_ok,
        }

    # --- the answer first --------------------------------------------------------------------

    @property
    def headline(self) -> Headline:
        """Valid / invalid / not verified, what verified it, the kind, the project, the expiry:
        "Valid Supabase user access token, project X, verified with the HMAC secret as given
        (HS256), expires in 59 min"; "Signature invalid: the key pasted is the anon key, not the
        JWT secret"."""
        return self._answer()[0]

    @property
    def findings_after_headline(self) -> tuple[Finding, ...]:
        """The findings the page and the CLI list below the headline: all but its own."""
        said = self._answer()[1]
        return tuple(f for f in self.findings if f is not said)

    def _answer(self) -> tuple[Headline, Finding | None]:
        sig = self.signature
        status = SignatureStatus.of(sig.status)
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        if status in (None, SignatureStatus.NOT_APPLICABLE):
            # Not a JWT, or one that does not decode: the first problem says what it is.
            first = next((f for f in self.findings if f.severity is not Severity.INFO), None)
            if first is None:
                return Headline("muted", upper_first(sig.detail)), None
            return _said(first.severity.value, first.title, first), first
        if status is SignatureStatus.VALID:
            if errors:
                e = errors[0]
                return _said("error", f"Signature valid, but {lower_first(e.title)}", e), e
            # The line says how it was verified: signature_valid's detail, so its finding.
            valid = self._finding(codes.SIGNATURE_VALID)
            facts = self._facts(f"Valid {self.kind_label}", sig.detail)
            return Headline("ok", facts, code=codes.SIGNATURE_VALID), valid
        if status is SignatureStatus.NOT_CHECKED:
            if errors:
                e = errors[0]
                return _said("error", f"{e.title} (the signature was not checked)", e), e
            unchecked = self._finding(codes.SIGNATURE_NOT_CHECKED)
            facts = self._facts(f"Not verified: {self.kind_label}", sig.algorithm)
            if unchecked is None:
                return Headline("muted", facts), None
            return _said("muted", facts, unchecked), unchecked
        # Checked, not verified: the key's problem first, then the claims'.
        prefix = "Signature invalid" if status is SignatureStatus.INVALID else "Not verified"
        key_errors = [f for f in errors if f.code in codes.SIGNATURE_CODES]
        if not (key_errors or errors):
            return Headline("error", f"{prefix}: {sig.detail}"), None
        decisive = (key_errors or errors)[0]
        return _said("error", f"{prefix}: {lower_first(decisive.title)}", decisive), decisive

    def _finding(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def _facts(self, lead: str, how: str | None) -> str:
        """The line of facts: lead, project, how it was (or was not) verified, the expiry."""
        parts = [lead]
        if self.project_ref:
            parts.append(f"project {self.project_ref}")
        if how:
            parts.append(how)
        exp = self.times.get("exp")
        if isinstance(exp, Mapping) and exp.get("relative"):
            parts.append(str(exp["relative"]))
        elif self.claims is not None and "exp" not in self.claims:
            parts.append("no expiry")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "kind_outcome": self.kind_outcome,
            "project_ref": self.project_ref,
            "header": self.header,
            "claims": self.claims,
            "times": self.times,
            "signature": self.signature_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "snippets": dict(self.snippets),
            "cleaned": {"removed": list(self.removed)},
            "parts": [p.to_dict() for p in self.parts],
            "lifetime": self.lifetime,
            "explanations": {"header": self.header_notes, "claims": self.claim_notes},
            "jwks_url": self.jwks_url,
            "issuer": self.issuer,
            "verified": self.verified,
            "headline": self.headline.to_dict(),
            "truncated": self.truncated,
            "refresh_token": self.refresh_dict(),
            "key_cleaned": {"removed": list(self.key_removed)},
            "discovery": self.discovery.to_dict() if self.discovery else None,
            "key_state": self.key_state.to_dict() if self.key_state else None,
            "clock": self.clock.to_dict() if self.clock else None,
        }


def _said(tone: str, text: str, finding: Finding) -> Headline:
    """A headline that says `finding` (its detail and fix) in the words `text`."""
    return Headline(tone, text, finding.detail or None, finding.fix, finding.code)


# ---------- the lifetime picture: issued, not before, now, expires ----------


@dataclass(frozen=True)
class Mark:
    """A labelled point on the lifetime bar; x is a percentage of the width ("12.34%")."""

    x: str
    label: str
    label_y: int
    anchor: str  # start | middle | end (labels near an edge stay inside the picture)
    line: bool = True


@dataclass(frozen=True)
class Timeline:
    """The lifetime picture, decided and placed: `_macros.html`'s `lifetime_bar` only draws it.

    Positions are percentages of the width, so the labels keep their size on a phone."""

    state: str  # valid | expired | pending
    summary: str  # the picture in words (its aria-label)
    bar_class: str  # span-valid | span-expired | span-pending | span-open (no expiry)
    bar_x: str
    bar_width: str
    overrun: tuple[str, str] | None  # (x, width) of the time past expiry, when expired
    marks: tuple[Mark, ...]
    now: Mark | None
    legend: tuple[tuple[str, str, str, str], ...]  # (label, claim, relative, iso)


def _value(times: Mapping[str, Any], claim: str, name: str = "value") -> Any:
    entry = times.get(claim) or {}
    return entry.get(name) if isinstance(entry, Mapping) else None


def _percent(x: Any) -> str:
    return f"{x:.2f}%"


def _text(times: Mapping[str, Any], claim: str, name: str) -> str:
    value = _value(times, claim, name)
    return "" if value is None else str(value)


def timeline(times: Mapping[str, Any] | None, now: Any = None) -> Timeline | None:
    """The picture of the `times` of a report ({"iat"|"nbf"|"exp": {"value", "iso",
    "relative"}}) at `now` (epoch seconds; or times["now"]["value"]); None without iat, nbf or
    exp."""
    if not times:
        return None
    iat, nbf, exp = (_value(times, c) for c in ("iat", "nbf", "exp"))
    if now is None and times.get("now"):
        now = _value(times, "now")
    if iat is None and nbf is None and exp is None:
        return None
    points = [v for v in (iat, nbf, exp, now) if v is not None]
    lo, hi = min(points), max(points)
    width = (hi - lo) if hi > lo else 1

    def pos(v: Any) -> Any:
        return 3 + 94 * (v - lo) / width

    def pct(v: Any) -> str:
        return _percent(pos(v))

    def anchor(v: Any) -> str:
        p = pos(v)
        return "start" if p < 14 else ("end" if p > 86 else "middle")

    start = max(v for v in (iat, nbf) if v is not None) if (iat, nbf) != (None, None) else lo
    state = "valid"
    if now is not None and exp is not None and now > exp:
        state = "expired"
    elif now is not None and nbf is not None and now < nbf:
        state = "pending"

    words = []
    if iat is not None:
        words.append(f"Issued {_text(times, 'iat', 'relative')}. ")
    if nbf is not None:
        words.append(f"Not valid before {_text(times, 'nbf', 'relative')}. ")
    words.append(f"Expires {_text(times, 'exp', 'relative')}." if exp is not None else "No expiry.")
    if state == "expired":
        words.append(" Expired now.")
    elif state == "pending":
        words.append(" Not valid yet.")
    elif now is not None:
        words.append(" Valid now.")

    sx = pos(start)
    overrun = None
    if exp is not None:
        ex = pos(exp)
        bar_class, bar_width = f"span-{state}", _percent(max(ex - sx, 0.4))
        if state == "expired":
            overrun = (_percent(ex), _percent(94 * (now - exp) / width))
    else:
        bar_class, bar_width = "span-open", _percent(99 - sx)

    marks = []
    if iat is not None:
        marks.append(Mark(pct(iat), "issued", 18, anchor(iat)))
    if nbf is not None and nbf != iat:
        marks.append(Mark(pct(nbf), "not before", 18 if iat is None else 66, anchor(nbf)))
    if exp is not None:
        label = "expired" if state == "expired" else "expires"
        marks.append(Mark(pct(exp), label, 18, anchor(exp)))
    else:
        marks.append(Mark("97%", "no expiry", 18, "end", line=False))

    now_mark = None
    if now is not None:
        # "now" goes below the bar unless the "not before" label is there; then above, unless
        # "issued" or "expires" is there too (then below anyway: rare and still legible).
        pn = 94 * (now - lo) / width
        below_taken = (
            nbf is not None
            and nbf != iat
            and iat is not None
            and abs(pn - 94 * (nbf - lo) / width) < 14
        )
        above_taken = (iat is not None and abs(pn - 94 * (iat - lo) / width) < 10) or (
            exp is not None and abs(pn - 94 * (exp - lo) / width) < 10
        )
        label_y = 18 if below_taken and not above_taken else 66
        now_mark = Mark(pct(now), "now", label_y, anchor(now))

    legend = tuple(
        (label, claim, _text(times, claim, "relative"), _text(times, claim, "iso"))
        for claim, label in (("iat", "Issued"), ("nbf", "Not before"), ("exp", "Expires"))
        if times.get(claim)
    )
    return Timeline(
        state=state,
        summary="".join(words),
        bar_class=bar_class,
        bar_x=_percent(sx),
        bar_width=bar_width,
        overrun=overrun,
        marks=tuple(marks),
        now=now_mark,
        legend=legend,
    )
