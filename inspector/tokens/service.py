"""inspect_token: pasted text -> TokenReport. The one service function of the token inspector.

clean -> classify -> (not a JWT: not_jwt.py) -> decode -> the key: pasted (a JWKS URL fetched
by fetch.py, the only I/O) or, with none, found: the publicly known secrets (forgeable.py) and
the issuer's published keys (discovery.py says where, fetch.py fetches, keystate.py reads the
project's signing-key state) -> read the key (keys.py, pure) -> verify.py -> rules.py (with the
clock skew a fetch measured, skew.py) -> report.
"""

from __future__ import annotations

import binascii
import functools
import time
from dataclasses import dataclass, field, replace
from typing import Any

from inspector import supabase
from inspector.codegen import py_str
from inspector.findings import Finding, dedupe, make, ordered
from inspector.netpolicy import LOCAL, ProbeBlockedError, ProbePolicy
from inspector.textutil import upper_first, url_host, valid_text
from inspector.tokens import claims as claims_mod
from inspector.tokens import codes, discovery, forgeable, keys, keystate, rules
from inspector.tokens.classify import (
    is_supabase_issuer,
    issuer_family,
    jwt_kind,
    refresh_token,
    text_kind,
)
from inspector.tokens.clean import Cleaned, clean_input, remove_invisible
from inspector.tokens.decode import Decoded, b64url_decode, decode_jwt
from inspector.tokens.discovery import Discovery, DiscoveryError
from inspector.tokens.fetch import FetchResult, JWKSFetchError, fetch_json, fetch_jwks
from inspector.tokens.keystate import KeyState
from inspector.tokens.not_jwt import not_a_jwt
from inspector.tokens.report import TokenReport
from inspector.tokens.skew import Skew, from_http_date
from inspector.tokens.snippets import curl_snippet, python_snippet
from inspector.tokens.verify import Signature, Verification, header_problem, verify


def inspect_token(
    token: str,
    *,
    key: str | None = None,
    audience: str | None = None,
    project: str | None = None,
    leeway: float = 0,
    configured_secret: str | None = None,
    policy: ProbePolicy = LOCAL,
    fetch_timeout: float = 3.0,
    now: float | None = None,
    configured_jwks_url: str | None = None,
    discover: bool = False,
    public_secrets: bool = False,
    cafile: str | None = None,
    clock: Skew | None = None,
) -> TokenReport:
    """Clean, classify, decode, verify and explain whatever was pasted as a token. Never raises
    on bad input: every problem is a finding in the report.

    `configured_secret=""` means "asked for, but none is configured". `configured_jwks_url`
    (the configured project's JWKS) verifies ES256/RS256 tokens when no key is given.
    With no key at all: `public_secrets` tries an HS* token against the publicly known and
    common weak secrets (no I/O); `discover` fetches the issuer's published keys (its JWKS, or
    through its OpenID configuration) under `policy`, within one `fetch_timeout`. `cafile`: a
    CA to trust for https fetches (tests' own CA); default certifi. `clock`: the skew measured by
    another probe (the request tester's answer), when no fetch here measures one."""
    token, key, audience, project, configured_secret = (
        valid_text(v) for v in (token, key, audience, project, configured_secret)
    )
    cleaned = clean_input(token if isinstance(token, str) else "")
    key, key_removed = remove_invisible(key, "the key") if isinstance(key, str) else (key, None)
    findings = _input_findings(
        cleaned, project, configured_secret == "" and not configured_jwks_url
    )
    if key_removed:
        findings.append(make(codes.KEY_INVISIBLE_CHARACTERS, f"Removed: {key_removed}."))
    req = _Request(
        text=cleaned.text,
        cleaned=cleaned,
        key=key if isinstance(key, str) and key.strip() else None,
        key_cleaned=bool(key_removed),
        audience=audience.strip() if isinstance(audience, str) and audience.strip() else None,
        given_ref=_given_ref(project),
        leeway=rules.clamp_leeway(leeway),
        configured_secret=configured_secret or None,
        configured_jwks_url=configured_jwks_url,
        policy=policy,
        fetch_timeout=fetch_timeout,
        now=time.time() if now is None else float(now),
        discover=bool(discover),
        public_secrets=bool(public_secrets),
        cafile=cafile,
        key_removed=(key_removed,) if key_removed else (),
        clock=clock,
    )
    kind = text_kind(req.text)
    if kind is not None:
        return _not_a_jwt_report(req, kind, findings)
    return _jwt_report(req, findings)


@dataclass(frozen=True)
class _Request:
    """What inspect_token was asked, cleaned once."""

    text: str
    cleaned: Cleaned
    key: str | None
    key_cleaned: bool  # invisible characters were removed from the key (key_invisible_characters)
    audience: str | None
    given_ref: str | None
    leeway: float
    configured_secret: str | None
    configured_jwks_url: str | None
    policy: ProbePolicy
    fetch_timeout: float
    now: float
    discover: bool = False
    public_secrets: bool = False
    cafile: str | None = None
    key_removed: tuple[str, ...] = ()
    clock: Skew | None = None  # measured elsewhere

    @property
    def keyless(self) -> bool:
        """Nothing to verify with was given: the keys may be found instead."""
        return self.key is None and not self.configured_secret and not self.configured_jwks_url


def _given_ref(project: str | None) -> str | None:
    return supabase.normalize_ref(project) if project and project.strip() else None


def _input_findings(cleaned: Cleaned, project: str | None, secret_missing: bool) -> list[Finding]:
    """input_cleaned, project_unreadable, configured_secret_missing: about the input itself."""
    out = []
    if cleaned.removed:
        out.append(make(codes.INPUT_CLEANED, "Removed: " + "; ".join(cleaned.removed) + "."))
    if project and project.strip() and _given_ref(project) is None:
        detail = f"{project.strip()[:80]!r} names no project ref."
        out.append(make(codes.PROJECT_UNREADABLE, detail))
    if secret_missing:
        out.append(make(codes.CONFIGURED_SECRET_MISSING, "The configured .env has none."))
    return out


def _not_a_jwt_report(req: _Request, kind: str, findings: list[Finding]) -> TokenReport:
    what, more = not_a_jwt(kind, req.text)
    return TokenReport(
        kind=kind,
        project_ref=req.given_ref,
        header=None,
        claims=None,
        times={},
        signature=Signature("not_applicable", None, None, f"{what}: not a JWT, nothing to verify"),
        findings=ordered(findings + more),
        snippets={
            "python": python_snippet(kind, None, None, key_used=None, jwks_url=None, leeway=0),
            "curl": curl_snippet(kind, req.given_ref, None),
        },
        removed=req.cleaned.removed,
        now=req.now,
        refresh=refresh_token(req.text) if kind == "supabase_refresh_token" else None,
        key_removed=req.key_removed,
    )


def _jwt_report(req: _Request, findings: list[Finding]) -> TokenReport:
    decoded = decode_jwt(req.text)
    header, claims = decoded.header, decoded.claims
    if decoded.errors:
        kind = "malformed_jwt"
        detail = "; ".join(decoded.errors) + "." + _pyjwt_says(decoded)
        code = codes.TOKEN_TRUNCATED if decoded.truncated else codes.MALFORMED_TOKEN
        findings.append(make(code, detail))
    else:
        kind = jwt_kind(claims)
    alg = header.get("alg") if isinstance(header, dict) else None
    jwks_url = _jwks_url(kind, claims, alg)
    if decoded.errors and not _signed_anyway(decoded):
        detail = "the token does not decode, so there is no signature to check"
        if decoded.truncated:
            detail = "the token was cut off, so there is no whole signature to check"
        signature = Signature("not_applicable", alg if isinstance(alg, str) else None, None, detail)
        checked = _Checked(Verification(signature, []))
    else:
        checked = _verify(req, header, claims, kind)
        signature = checked.verification.signature
    if checked.skew is None and req.clock is not None:
        checked = replace(checked, skew=req.clock)
    # The claims are judged after any fetch: its answer read the server's clock too.
    findings += rules.claim_findings(
        header,
        claims,
        kind=kind,
        text=req.text,
        now=req.now,
        leeway=req.leeway,
        audience=req.audience,
        given_ref=req.given_ref,
        skew=checked.skew,
    )
    if signature.status != "not_applicable":
        findings += checked.verification.findings + _signature_findings(signature, jwks_url, alg)
    findings += checked.findings
    token_ref = rules.token_ref(claims)
    found_url = checked.discovery.jwks_url if checked.discovery else None
    python = python_snippet(
        kind,
        header,
        claims,
        key_used=signature.key_used,
        jwks_url=found_url or jwks_url,
        leeway=rules.suggested_leeway(claims, req.now, req.leeway, checked.skew),
    )
    return TokenReport(
        kind=kind,
        project_ref=token_ref or req.given_ref,
        header=header,
        claims=claims,
        times=claims_mod.times(claims, req.now),
        signature=signature,
        findings=ordered(dedupe(findings)),
        snippets={"python": python, "curl": curl_snippet(kind, token_ref or req.given_ref, claims)},
        removed=req.cleaned.removed,
        parts=decoded.parts,
        lifetime=rules.lifetime(claims, kind, req.now),
        header_notes=claims_mod.explain(header, claims_mod.HEADER_NOTES),
        claim_notes=claims_mod.explain(claims, claims_mod.CLAIM_NOTES),
        jwks_url=jwks_url,
        issuer=_issuer_words(claims, kind),
        now=req.now,
        discovery=checked.discovery,
        key_state=checked.key_state,
        clock=checked.skew,
        key_removed=req.key_removed,
    )


# --- the signature: the key (pasted, fetched or found), read, verified -----------------------


@dataclass(frozen=True)
class _Checked:
    """The verification, and what finding the keys learnt on the way."""

    verification: Verification
    findings: list[Finding] = field(default_factory=list)  # discovery, key state, clock
    discovery: Discovery | None = None
    key_state: KeyState | None = None
    skew: Skew | None = None


def _verify(
    req: _Request, header: rules.Claims | None, claims: rules.Claims | None, kind: str
) -> _Checked:
    problem = header_problem(header)
    if problem is not None:
        # nothing to verify: no key is read, nothing fetched
        return _Checked(Verification(problem, []))
    assert isinstance(header, dict)  # header_problem found an alg in it
    alg: str = header["alg"]
    iss = claims.get("iss") if isinstance(claims, dict) else None
    jwks_hint = supabase.jwks_url_from_issuer(iss) if is_supabase_issuer(iss) else None
    if req.keyless and (req.public_secrets or req.discover):
        return _found_keys(req, header, claims, kind, alg, jwks_hint)
    key = req.key
    if req.configured_jwks_url and key is None and keys.family_of(alg) in keys.ASYMMETRIC:
        key = req.configured_jwks_url  # the configured project's public keys
    parsed, answer = _read_key(key, req)
    if parsed is not None and req.key_cleaned and key is req.key:
        parsed = replace(parsed, description=f"{parsed.description}, invisible characters removed")
    v = verify(
        req.text, header, parsed, configured_secret=req.configured_secret, jwks_hint=jwks_hint
    )
    skew = _skew(answer)
    return _Checked(v, _skew_findings(skew, answer), skew=skew)


def _read_key(key: str | None, req: _Request) -> tuple[keys.ParsedKey | None, FetchResult | None]:
    """The key read; a JWKS URL is fetched first (under the policy), then its document read."""
    if key is None:
        return None, None
    if not keys.needs_fetch(key):
        return keys.read_key(key), None
    url = key.strip()
    try:
        result = fetch_jwks(url, req.policy, req.fetch_timeout, cafile=req.cafile)
    except ProbeBlockedError as exc:
        return keys.unfetched(url, exc.reason, blocked=True), None
    except JWKSFetchError as exc:
        return keys.unfetched(url, str(exc), blocked=False), None
    return _read_answer(result, url), result


def _found_keys(
    req: _Request,
    header: dict[str, Any],
    claims: rules.Claims | None,
    kind: str,
    alg: str,
    jwks_hint: str | None,
) -> _Checked:
    """No key was given: an HMAC token is tried against the secrets anyone knows; the issuer's
    published keys verify an asymmetric one (and tell a Supabase project's key state)."""
    hmac_token = keys.family_of(alg) == "hmac"
    v = verify(req.text, header, None, configured_secret=None, jwks_hint=jwks_hint)
    if hmac_token and req.public_secrets:
        hit = forgeable.find_secret(req.text, alg)
        if hit is not None:
            v = _forgeable(alg, hit)
    if not req.discover:
        return _Checked(v)
    found = _discover(req, claims, kind, alg)
    if found is None:
        return _Checked(v)
    where, jwks, answers, failure = found
    skew = next((s for s in map(_skew, reversed(answers)) if s is not None), None)
    extra = ([failure] if failure else []) + _skew_findings(skew, answers[-1] if answers else None)
    jwks_url = where.jwks_url
    if jwks is None or jwks_url is None:
        return _Checked(v, extra, where, skew=skew)
    state, state_findings = keystate.key_state(jwks, alg, header.get("kid"), jwks_url)
    extra = state_findings + extra
    if hmac_token:
        return _Checked(v, extra, where, state, skew)  # a JWKS holds no HMAC secret
    v = verify(req.text, header, jwks, configured_secret=None, jwks_hint=jwks_hint)
    if state.state == keystate.KID_NOT_PUBLISHED:
        # kid_not_published says it, with the project's key state: not key_not_found again
        replaced = (codes.KEY_NOT_FOUND, codes.JWKS_EMPTY)
        v = Verification(v.signature, [f for f in v.findings if f.code not in replaced])
    if v.signature.status == "valid":
        kid = (v.signature.key_used or "").removeprefix("jwk:")
        detail = f"verified with the key {kid} from {jwks_url} ({alg})"
        v = Verification(replace(v.signature, detail=detail), v.findings)
        where = replace(where, kid=kid)
        via = f" (named by {where.config_url})" if where.config_url else ""
        cached = " (cached)" if where.cached else ""
        said = f"No key was pasted: the key {kid} was found at {jwks_url}{via}{cached}."
        extra.insert(0, make(codes.VERIFIED_WITH_DISCOVERED_KEY, said, jwks_url=py_str(jwks_url)))
    return _Checked(v, extra, where, state, skew)


def _forgeable(alg: str, hit: forgeable.PublicSecret) -> Verification:
    """The verdict for a token signed with a secret anyone knows: valid, and forgeable."""
    words = hit.words
    detail = (
        f"The signature verifies with {words}: anyone can sign tokens like this one, and a "
        "verifier configured with that secret accepts them."
    )
    if hit.published:
        finding = make(codes.FORGEABLE_SECRET, detail)
    else:
        finding = codes.WEAK_FORGEABLE_SECRET.make(detail)
    how = f"verified with {words} ({alg})"
    sig = Signature("valid", alg, "public_secret", how, hit.description)
    return Verification(sig, [finding])


_Found = tuple[Discovery, keys.ParsedKey | None, list[FetchResult], Finding | None]


def _discover(req: _Request, claims: rules.Claims | None, kind: str, alg: str) -> _Found | None:
    """Fetch the issuer's JWKS (through its OpenID configuration for other issuers), all within
    one deadline: (how, the JWKS read, the answers, the finding when it failed)."""
    plan = discovery.plan(claims, alg, kind)
    if plan is None:
        return None
    deadline = time.monotonic() + req.fetch_timeout
    answers: list[FetchResult] = []
    url = plan.jwks_url or plan.config_url or ""
    where = Discovery("failed", plan.issuer, plan.family, plan.jwks_url, plan.config_url)
    try:
        if plan.jwks_url is None:
            assert plan.config_url is not None
            doc = fetch_json(plan.config_url, req.policy, _left(deadline), cafile=req.cafile)
            answers.append(doc)
            url = discovery.jwks_uri(doc.document, plan.issuer, plan.config_url)
            where = replace(where, jwks_url=url)
        result = fetch_jwks(url, req.policy, _left(deadline), cafile=req.cafile)
        answers.append(result)
    except ProbeBlockedError as exc:
        detail = f"{url}: {exc.reason}."
        blocked = replace(where, status="blocked", detail=exc.reason)
        return blocked, None, answers, codes.DISCOVERY_BLOCKED.make(detail)
    except JWKSFetchError as exc:
        detail = f"{url}: {exc}."
        return replace(where, detail=str(exc)), None, answers, make(codes.DISCOVERY_FAILED, detail)
    except DiscoveryError as exc:
        failed = replace(where, status=exc.status, detail=exc.finding.detail)
        return failed, None, answers, exc.finding
    cached = all(a.cached for a in answers)
    found = replace(where, status="found", cached=cached)
    return found, _read_answer(result, url), answers, None


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


# The keys of the answers read lately, by document: a cached answer (the same document object)
# is not parsed again, so a warm discovery costs no more than a pasted key.
_READ: dict[int, tuple[Any, str, keys.ParsedKey]] = {}
_READ_MAX = 64


def _read_answer(result: FetchResult, url: str) -> keys.ParsedKey:
    doc = result.document
    seen = _READ.get(id(doc))
    if seen is not None and seen[0] is doc and seen[1] == url:
        return seen[2]
    parsed = keys.read_fetched_jwks(doc, url)
    if len(_READ) >= _READ_MAX:
        _READ.clear()
    _READ[id(doc)] = (doc, url, parsed)
    return parsed


def _skew(answer: FetchResult | None) -> Skew | None:
    if answer is None:
        return None
    return _skew_of(answer.date, answer.local_time, url_host(answer.url) or "", answer.rtt)


@functools.lru_cache(maxsize=256)
def _skew_of(date: str | None, local_time: float | None, host: str, rtt: float) -> Skew | None:
    return from_http_date(date, local_time, host, rtt)  # a cached answer's: read once


def _skew_findings(skew: Skew | None, answer: FetchResult | None) -> list[Finding]:
    """clock_skew_measured, when a fetch's answer says this machine's clock is off."""
    if skew is None or skew.behind is None or answer is None:
        return []
    detail = f"{upper_first(skew.words)} ({skew.how}, read with {answer.url})."
    return [make(codes.CLOCK_SKEW_MEASURED, detail, amount=skew.amount, leeway=skew.leeway)]


def _signature_findings(sig: Signature, jwks_url: str | None, alg: object) -> list[Finding]:
    out: list[Finding] = []
    if sig.status == "valid":
        out.append(make(codes.SIGNATURE_VALID, f"Signature {sig.detail}."))
    elif sig.status == "not_checked":
        out.append(make(codes.SIGNATURE_NOT_CHECKED, "No key was given."))
    if jwks_url and sig.status in ("not_checked", "wrong_key_type", "bad_key"):
        detail = f"This {alg} token's issuer publishes its public keys at {jwks_url}."
        out.append(make(codes.JWKS_URL_AVAILABLE, detail, jwks_url=jwks_url))
    return out


def _jwks_url(kind: str, claims: rules.Claims | None, alg: object) -> str | None:
    """The report's JWKS URL: for a Supabase token with an asymmetric alg, its issuer's."""
    if kind not in rules.SUPABASE_JWT_KINDS or keys.family_of(alg) not in keys.ASYMMETRIC:
        return None
    return supabase.jwks_url_from_issuer(claims.get("iss")) if isinstance(claims, dict) else None


def _signed_anyway(decoded: Decoded) -> bool:
    """A JWS whose payload is no JSON object (RFC 7520's examples sign a quotation): the header
    and the signature decode, so the signature can be checked as PyJWS does; only the claims
    are missing (jwt.decode refuses it: Invalid payload string)."""
    if decoded.segments != 3 or decoded.truncated or decoded.header is None:
        return False
    if decoded.signature is None or decoded.claims is not None:
        return False
    try:
        b64url_decode(decoded.parts[1].text)
    except (binascii.Error, ValueError):
        return False
    return True


# --- words -----------------------------------------------------------------------------------


def _pyjwt_says(decoded: Decoded) -> str:
    """What PyJWT's decode would raise for a token that does not decode."""
    if decoded.segments < 3:
        return " PyJWT says DecodeError: Not enough segments."
    first = next((p for p in decoded.parts if not p.ok), None)
    if first is None:
        return ""
    padding = "base64url" in (first.error or "")
    if first.name == "header":
        return " PyJWT says DecodeError: Invalid header " + ("padding." if padding else "string.")
    if first.name == "payload":
        return " PyJWT says DecodeError: Invalid payload " + ("padding." if padding else "string.")
    if first.name == "signature":
        return " PyJWT says DecodeError: Invalid crypto padding."
    return ""


def _issuer_words(claims: rules.Claims | None, kind: str) -> str | None:
    if kind.startswith("supabase_"):
        return "Supabase Auth" if kind == "supabase_user_token" else "Supabase (API key)"
    if isinstance(claims, dict):
        return issuer_family(claims.get("iss"))
    return None
