"""inspect_token: pasted text -> TokenReport. The one service function of the token inspector.

clean -> classify -> (not a JWT: not_jwt.py) -> decode -> rules.py -> fetch a JWKS URL
(fetch.py, the only I/O) -> read the key (keys.py, pure) -> verify.py -> report.
"""

from __future__ import annotations

import binascii
import time
from dataclasses import dataclass, replace

from inspector import supabase
from inspector.findings import Finding, dedupe, make, ordered
from inspector.netpolicy import LOCAL, ProbeBlockedError, ProbePolicy
from inspector.textutil import valid_text
from inspector.tokens import claims as claims_mod
from inspector.tokens import codes, keys, rules
from inspector.tokens.classify import is_supabase_issuer, issuer_family, jwt_kind, text_kind
from inspector.tokens.clean import Cleaned, clean_input, remove_invisible
from inspector.tokens.decode import Decoded, b64url_decode, decode_jwt
from inspector.tokens.fetch import JWKSFetchError, fetch_jwks
from inspector.tokens.not_jwt import not_a_jwt
from inspector.tokens.report import TokenReport
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
) -> TokenReport:
    """Clean, classify, decode, verify and explain whatever was pasted as a token. Never raises
    on bad input: every problem is a finding in the report.

    `configured_secret=""` means "asked for, but none is configured". `configured_jwks_url`
    (the configured project's JWKS) verifies ES256/RS256 tokens when no key is given."""
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
    findings += rules.claim_findings(
        header,
        claims,
        kind=kind,
        text=req.text,
        now=req.now,
        leeway=req.leeway,
        audience=req.audience,
        given_ref=req.given_ref,
    )
    alg = header.get("alg") if isinstance(header, dict) else None
    jwks_url = _jwks_url(kind, claims, alg)
    if decoded.errors and not _signed_anyway(decoded):
        detail = "the token does not decode, so there is no signature to check"
        if decoded.truncated:
            detail = "the token was cut off, so there is no whole signature to check"
        signature = Signature("not_applicable", alg if isinstance(alg, str) else None, None, detail)
    else:
        v = _verify(req, header, claims)
        signature = v.signature
        findings += v.findings + _signature_findings(signature, jwks_url, alg)
    token_ref = rules.token_ref(claims)
    python = python_snippet(
        kind,
        header,
        claims,
        key_used=signature.key_used,
        jwks_url=jwks_url,
        leeway=rules.suggested_leeway(claims, req.now, req.leeway),
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
    )


# --- the signature: fetch (if a URL), read the key, verify -----------------------------------


def _verify(
    req: _Request, header: rules.Claims | None, claims: rules.Claims | None
) -> Verification:
    problem = header_problem(header)
    if problem is not None:
        return Verification(problem, [])  # nothing to verify: no key is read, nothing fetched
    key = req.key
    alg = header.get("alg") if isinstance(header, dict) else None
    if req.configured_jwks_url and key is None and keys.family_of(alg) in keys.ASYMMETRIC:
        key = req.configured_jwks_url  # the configured project's public keys
    iss = claims.get("iss") if isinstance(claims, dict) else None
    parsed = _read_key(key, req.policy, req.fetch_timeout)
    if parsed is not None and req.key_cleaned and key is req.key:
        parsed = replace(parsed, description=f"{parsed.description}, invisible characters removed")
    return verify(
        req.text,
        header,
        parsed,
        configured_secret=req.configured_secret,
        jwks_hint=supabase.jwks_url_from_issuer(iss) if is_supabase_issuer(iss) else None,
    )


def _read_key(key: str | None, policy: ProbePolicy, timeout: float) -> keys.ParsedKey | None:
    """The key read; a JWKS URL is fetched first (under the policy), then its document read."""
    if key is None:
        return None
    if not keys.needs_fetch(key):
        return keys.read_key(key)
    url = key.strip()
    try:
        result = fetch_jwks(url, policy, timeout)
    except ProbeBlockedError as exc:
        return keys.unfetched(url, exc.reason, blocked=True)
    except JWKSFetchError as exc:
        return keys.unfetched(url, str(exc), blocked=False)
    return keys.read_fetched_jwks(result.document, url)


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
