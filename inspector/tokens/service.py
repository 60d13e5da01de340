"""inspect_token: pasted text -> TokenReport. The one service function of the token inspector."""

from __future__ import annotations

import math
import time
from typing import Any

from inspector import supabase
from inspector.findings import Finding, make, ordered
from inspector.netpolicy import LOCAL, ProbePolicy
from inspector.textutil import url_host, url_scheme, valid_text
from inspector.tokens import claims as claims_mod
from inspector.tokens import codes
from inspector.tokens.classify import issuer_family, jwt_kind, key_shape, text_kind
from inspector.tokens.clean import clean_input
from inspector.tokens.decode import decode_jwt
from inspector.tokens.report import TokenReport
from inspector.tokens.snippets import curl_snippet, python_snippet
from inspector.tokens.verify import Signature, family_of, verify

_NOT_A_JWT = {
    "supabase_publishable_key": "an sb_publishable_ API key",
    "supabase_secret_key": "an sb_secret_ API key",
    "supabase_refresh_token": "a refresh token",
    "supabase_access_token_personal": "a personal access token",
    "jwt_secret": "a secret",
    "connection_string": "a connection string",
    "unknown": "not a token",
}


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
    now = time.time() if now is None else float(now)
    leeway = _leeway(leeway)
    audience = audience.strip() if isinstance(audience, str) and audience.strip() else None
    cleaned = clean_input(token if isinstance(token, str) else "")
    text = cleaned.text
    findings: list[Finding] = []
    if cleaned.removed:
        findings.append(make(codes.INPUT_CLEANED, "Removed: " + "; ".join(cleaned.removed) + "."))
    given_ref = supabase.normalize_ref(project) if project and project.strip() else None
    if project and project.strip() and given_ref is None:
        findings.append(
            make(codes.PROJECT_UNREADABLE, f"{project.strip()[:80]!r} names no project ref.")
        )

    if configured_secret == "" and not configured_jwks_url:
        findings.append(make(codes.CONFIGURED_SECRET_MISSING, "The configured .env has none."))
    if configured_secret == "":
        configured_secret = None
    kind = text_kind(text)
    if kind is not None:
        return _not_a_jwt(kind, text, findings, given_ref, now, cleaned.removed)

    decoded = decode_jwt(text)
    header = decoded.header
    claims = decoded.claims
    if decoded.errors:
        kind = "malformed_jwt"
        findings.append(
            make(codes.MALFORMED_TOKEN, "; ".join(decoded.errors) + "." + _pyjwt_says(decoded))
        )
    else:
        kind = jwt_kind(claims)

    token_ref = _token_ref(claims)
    findings.extend(_header_findings(header))
    findings.extend(_kind_findings(kind, text, claims))
    findings.extend(_time_findings(claims, now, leeway, kind))
    findings.extend(_audience_findings(claims, audience))
    if token_ref and given_ref and token_ref != given_ref:
        findings.append(
            make(
                codes.PROJECT_MISMATCH,
                f"The token is from project {token_ref}; the project given is {given_ref}.",
                token_ref=token_ref,
                given_ref=given_ref,
            )
        )

    alg = header.get("alg") if isinstance(header, dict) else None
    jwks_url = _jwks_url(kind, claims, alg)
    if decoded.errors:
        signature = Signature(
            "not_applicable",
            alg if isinstance(alg, str) else None,
            None,
            "the token does not decode, so there is no signature to check",
        )
        key_used = None
    else:
        if (
            configured_jwks_url
            and not (key and key.strip())
            and family_of(alg) in ("rsa", "ec", "okp")
        ):
            key = configured_jwks_url  # the configured project's public keys
        v = verify(
            text,
            header,
            key=key,
            configured_secret=configured_secret,
            claims=claims,
            policy=policy,
            fetch_timeout=fetch_timeout,
        )
        signature = v.signature
        key_used = signature.key_used
        findings.extend(v.findings)
        findings.extend(_signature_findings(signature, kind, jwks_url, alg))

    snippet_leeway = _suggested_leeway(claims, now, leeway)
    snippets = {
        "python": python_snippet(
            kind, header, claims, key_used=key_used, jwks_url=jwks_url, leeway=snippet_leeway
        ),
        "curl": curl_snippet(kind, token_ref or given_ref, claims),
    }
    family = _issuer_words(claims, kind)
    return TokenReport(
        kind=kind,
        project_ref=token_ref or given_ref,
        header=header,
        claims=claims,
        times=claims_mod.times(claims, now),
        signature=signature,
        findings=ordered(_dedupe(findings)),
        snippets=snippets,
        removed=cleaned.removed,
        parts=decoded.parts,
        lifetime=_lifetime(claims, kind, now),
        header_notes=claims_mod.explain(header, claims_mod.HEADER_NOTES),
        claim_notes=claims_mod.explain(claims, claims_mod.CLAIM_NOTES),
        jwks_url=jwks_url,
        issuer=family,
        now=now,
    )


# --- not a JWT -------------------------------------------------------------------------------


def _not_a_jwt(
    kind: str,
    text: str,
    findings: list[Finding],
    given_ref: str | None,
    now: float,
    removed: tuple[str, ...],
) -> TokenReport:
    detail_what = _NOT_A_JWT.get(kind, "not a JWT")
    if kind in ("supabase_publishable_key", "supabase_secret_key"):
        which = "publishable" if kind == "supabase_publishable_key" else "secret"
        findings.append(
            make(
                codes.API_KEY_NOT_JWT,
                f"This is an sb_{which}_ key ({len(text)} characters). PyJWT says DecodeError: "
                "Not enough segments; PostgREST answers 'Expected 3 parts in JWT; got 1' when it "
                "is sent as a Bearer token.",
            )
        )
        if kind == "supabase_secret_key":
            findings.append(
                make(
                    codes.SERVICE_ROLE_KEY,
                    "sb_secret_ keys act as service_role: they bypass Row Level Security.",
                    title="This is a secret key: it bypasses Row Level Security",
                )
            )
        if text in (supabase.LOCAL_CLI_PUBLISHABLE_KEY, supabase.LOCAL_CLI_SECRET_KEY):
            findings.append(
                make(codes.KNOWN_DEMO_KEY, "It is the Supabase CLI local stack's default key.")
            )
    elif kind == "supabase_refresh_token":
        findings.append(
            make(
                codes.REFRESH_TOKEN_NOT_ACCESS,
                f"{len(text)} characters, no dots: the shape of a Supabase refresh token. PyJWT "
                "says DecodeError: Not enough segments.",
            )
        )
    elif kind == "supabase_access_token_personal":
        findings.append(
            make(
                codes.PERSONAL_ACCESS_TOKEN,
                "sbp_ tokens act as your account on every project: not a project API key.",
            )
        )
    elif kind == "jwt_secret":
        findings.append(
            make(
                codes.WRONG_INSPECTOR,
                f"This looks like an HMAC secret ({len(text.encode())} bytes), not a token.",
                title="This looks like a JWT secret, not a token",
                fix="Paste the token (eyJ...) in the Token box and this secret in the Key box.",
            )
        )
        if text in supabase.KNOWN_PUBLIC_SECRETS:
            findings.append(
                make(
                    codes.KNOWN_PUBLIC_SECRET,
                    f"It is the JWT secret of {supabase.KNOWN_PUBLIC_SECRETS[text]}.",
                )
            )
    elif kind == "connection_string":
        scheme = url_scheme(text) if "://" in text else "key=value"
        findings.append(
            make(
                codes.WRONG_INSPECTOR,
                f"This is a Postgres connection string ({scheme or 'key=value'}), not a token.",
                title="This is a connection string, not a token",
                fix="Use the Connection inspector (/connection) for connection strings.",
            )
        )
    else:
        shape = key_shape(text)
        if shape in ("pem_public_key", "pem_private_key", "certificate", "jwk", "jwks"):
            what = {
                "pem_public_key": "a public key",
                "pem_private_key": "a PRIVATE key",
                "certificate": "a certificate",
                "jwk": "a JWK",
                "jwks": "a JWKS",
            }[shape]
            findings.append(
                make(
                    codes.WRONG_INSPECTOR,
                    f"This is {what}, which verifies tokens; it is not one.",
                    title="This is a key, not a token",
                    fix="Paste it in the Key box, and the token (eyJ...) in the Token box.",
                )
            )
        elif not text:
            findings.append(
                make(
                    codes.MALFORMED_TOKEN,
                    "Nothing was pasted (or only whitespace, quotes or a Bearer prefix).",
                    title="There is no token",
                    fix="Paste the token: in supabase-js it is "
                    "`(await supabase.auth.getSession()).data.session.access_token`.",
                )
            )
        else:
            findings.append(
                make(
                    codes.MALFORMED_TOKEN,
                    f"{len(text)} characters with no dots: not a JWT (header.payload.signature), "
                    "nor an sb_ key, a refresh token or a connection string. PyJWT says "
                    "DecodeError: Not enough segments.",
                )
            )
    sig = Signature("not_applicable", None, None, f"{detail_what}: not a JWT, nothing to verify")
    snippets = {
        "python": python_snippet(kind, None, None, key_used=None, jwks_url=None, leeway=0),
        "curl": curl_snippet(kind, given_ref, None),
    }
    return TokenReport(
        kind=kind,
        project_ref=given_ref,
        header=None,
        claims=None,
        times={},
        signature=sig,
        findings=ordered(findings),
        snippets=snippets,
        removed=removed,
        now=now,
    )


# --- a JWT -----------------------------------------------------------------------------------


def _pyjwt_says(decoded) -> str:
    if decoded.segments < 3:
        return " PyJWT says DecodeError: Not enough segments."
    first = next((p for p in decoded.parts if not p.ok), None)
    if first is None:
        return ""
    if first.name == "header":
        if "base64url" in (first.error or ""):
            return " PyJWT says DecodeError: Invalid header padding."
        return " PyJWT says DecodeError: Invalid header string."
    if first.name == "payload":
        if "base64url" in (first.error or ""):
            return " PyJWT says DecodeError: Invalid payload padding."
        return " PyJWT says DecodeError: Invalid payload string."
    if first.name == "signature":
        return " PyJWT says DecodeError: Invalid crypto padding."
    return ""


def _token_ref(claims: dict[str, Any] | None) -> str | None:
    if not isinstance(claims, dict):
        return None
    ref = claims.get("ref")
    if isinstance(ref, str) and supabase.REF_RE.match(ref):
        return ref
    return supabase.ref_from_issuer(claims.get("iss"))


def _header_findings(header: dict[str, Any] | None) -> list[Finding]:
    if not isinstance(header, dict):
        return []
    out = []
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        out.append(
            make(
                codes.ALG_NONE,
                'The header says alg "none": anyone can write such a token. PyJWT with an '
                "algorithms list refuses it (InvalidAlgorithmError: The specified alg value is "
                "not allowed).",
            )
        )
    refs = [n for n in ("jku", "x5u", "jwk") if n in header]
    if refs:
        out.append(
            make(
                codes.HEADER_KEY_REFERENCE,
                f"The header carries {', '.join(refs)}: an attacker controls these.",
                names=", ".join(refs),
            )
        )
    return out


def _kind_findings(kind: str, text: str, claims: dict[str, Any] | None) -> list[Finding]:
    out: list[Finding] = []
    c = claims if isinstance(claims, dict) else {}
    demo = supabase.KNOWN_DEMO_KEYS.get(text)
    if demo:
        out.append(make(codes.KNOWN_DEMO_KEY, f"This is {demo}, published in the Supabase docs."))
    if kind == "supabase_anon_key":
        out.append(
            make(
                codes.ANON_KEY_NOT_SESSION,
                "role anon, no sub and no session_id: Postgres sees the anon role and "
                "auth.uid() is null, so RLS policies for signed-in users deny access.",
            )
        )
    elif kind == "supabase_service_role_key":
        out.append(
            make(
                codes.SERVICE_ROLE_KEY,
                "role service_role: PostgREST runs as a role with BYPASSRLS.",
            )
        )
    elif kind == "supabase_user_token":
        if c.get("is_anonymous") is True:
            out.append(
                make(
                    codes.ANONYMOUS_USER,
                    "is_anonymous is true (amr method anonymous): a guest from "
                    "signInAnonymously().",
                )
            )
    elif kind == "jwt":
        iss = c.get("iss")
        family = issuer_family(iss)
        if family:
            out.append(
                make(codes.OTHER_ISSUER, f"iss is {iss!r}: a {family} token.", family=family)
            )
        elif isinstance(iss, str) and iss.startswith("http"):
            host = url_host(iss) or iss
            out.append(
                make(
                    codes.OTHER_ISSUER,
                    f"iss is {iss[:120]!r}: not Supabase Auth's https://<ref>.supabase.co/auth/v1.",
                    family=host,
                )
            )
    return out


def _time_findings(
    claims: dict[str, Any] | None, now: float, leeway: float, kind: str
) -> list[Finding]:
    if not isinstance(claims, dict):
        return []
    out: list[Finding] = []
    is_num = claims_mod.is_number
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    ms = [n for n, v in (("exp", exp), ("iat", iat), ("nbf", nbf)) if is_num(v) and v > 1e11]
    for name, v in (("exp", exp), ("nbf", nbf), ("iat", iat)):
        if v is not None and not is_num(v):
            out.append(
                make(
                    codes.MALFORMED_TOKEN,
                    f"{name} is {type(v).__name__} {str(v)[:40]!r}, not a number of seconds. "
                    "PyJWT raises "
                    + (
                        "DecodeError: Expiration Time claim (exp) must be an integer."
                        if name == "exp"
                        else "DecodeError: Not Before claim (nbf) must be an integer."
                        if name == "nbf"
                        else "InvalidIssuedAtError: Issued At claim (iat) must be an integer."
                    ),
                    title=f"The {name} claim is not a number",
                    fix=f"Mint {name} as seconds since 1970 (an integer), e.g. `int(time.time())`.",
                )
            )
    if ms:
        as_date = claims_mod.iso(float(claims[ms[0]]) / 1000)
        out.append(
            make(
                codes.EXP_IN_MILLISECONDS,
                f"{', '.join(ms)} = {claims[ms[0]]}: as seconds that is after year 5000; as "
                f"milliseconds it is {as_date}."
                + (" PyJWT accepts it as never expiring." if "exp" in ms else ""),
                title=None if "exp" in ms else f"{ms[0]} looks like milliseconds, not seconds",
            )
        )
    if is_num(exp) and "exp" not in ms and exp <= now - leeway:
        out.append(
            make(
                codes.TOKEN_EXPIRED,
                f"exp {claims_mod.iso(exp)}: expired {claims_mod.span(now - exp)} ago"
                + (f" (leeway {leeway:g} s)" if leeway else "")
                + ". PyJWT raises ExpiredSignatureError: Signature has expired.",
                fix=(
                    "Legacy API keys live 10 years: this key was replaced; copy the current one "
                    "from Project Settings > API Keys."
                    if kind in ("supabase_anon_key", "supabase_service_role_key")
                    else None
                ),
            )
        )
    if is_num(nbf) and "nbf" not in ms and nbf > now + leeway:
        out.append(
            make(
                codes.TOKEN_NOT_YET_VALID,
                f"nbf {claims_mod.iso(nbf)}: valid in {claims_mod.span(nbf - now)}. PyJWT raises "
                "ImmatureSignatureError: The token is not yet valid (nbf).",
                fix=f"Sync the clocks (NTP) or pass `leeway={math.ceil(nbf - now) + 5}` to "
                "jwt.decode().",
            )
        )
    if is_num(iat) and "iat" not in ms and iat > now + leeway:
        out.append(
            make(
                codes.ISSUED_IN_FUTURE,
                f"iat {claims_mod.iso(iat)} is {claims_mod.span(iat - now)} ahead of this "
                "machine's clock. PyJWT raises ImmatureSignatureError: The token is not yet "
                "valid (iat).",
                fix=f"Sync this machine's clock (NTP), or pass `leeway={math.ceil(iat - now) + 5}` "
                "to jwt.decode().",
            )
        )
    if "exp" not in claims or exp is None:
        out.append(
            make(
                codes.NO_EXPIRY,
                "There is no exp claim: PyJWT accepts the token forever.",
            )
        )
    if is_num(exp) and is_num(iat) and not ms:
        life = exp - iat
        default = _default_lifetime(kind)
        if default and life > 0 and abs(life - default) > 1:
            what = (
                "user access tokens live 1 h by default (at most 1 week)"
                if kind == "supabase_user_token"
                else "legacy API keys live exactly 10 years"
            )
            out.append(
                make(
                    codes.LIFETIME_UNUSUAL,
                    f"Lifetime {claims_mod.span(life)}; {what}.",
                    severity="warning"
                    if kind == "supabase_user_token" and life > supabase.MAX_ACCESS_TOKEN_LIFETIME
                    else None,
                    fix="Check Auth's JWT expiry setting (Project Settings > JWT Keys), or who "
                    "minted this token."
                    if kind == "supabase_user_token"
                    else None,
                )
            )
    return out


def _default_lifetime(kind: str) -> int | None:
    if kind == "supabase_user_token":
        return supabase.DEFAULT_ACCESS_TOKEN_LIFETIME
    if kind in ("supabase_anon_key", "supabase_service_role_key"):
        return supabase.LEGACY_KEY_LIFETIME
    return None


def _audience_findings(claims: dict[str, Any] | None, audience: str | None) -> list[Finding]:
    if not isinstance(claims, dict):
        return []
    aud = claims.get("aud")
    auds = (
        [aud]
        if isinstance(aud, str)
        else [a for a in aud if isinstance(a, str)]
        if isinstance(aud, list)
        else []
    )
    shown = aud if isinstance(aud, str) else (auds[0] if auds else "")
    if aud is not None and audience is None and auds:
        return [
            make(
                codes.AUDIENCE_REQUIRED,
                f"aud is {aud!r}. jwt.decode() without audience= raises InvalidAudienceError: "
                "Invalid audience.",
                aud=shown,
            )
        ]
    if aud is not None and audience is not None and audience not in auds:
        return [
            make(
                codes.AUDIENCE_MISMATCH,
                f"The token's aud is {aud!r}; {audience!r} was asked for. PyJWT raises "
                "InvalidAudienceError: Audience doesn't match.",
                aud=shown,
            )
        ]
    if aud is None and audience is not None:
        return [
            make(
                codes.AUDIENCE_MISSING,
                f"{audience!r} was asked for, and the token has no aud claim.",
            )
        ]
    return []


def _signature_findings(
    sig: Signature, kind: str, jwks_url: str | None, alg: object
) -> list[Finding]:
    out: list[Finding] = []
    if sig.status == "valid":
        out.append(make(codes.SIGNATURE_VALID, f"Signature {sig.detail}."))
    elif sig.status == "not_checked":
        out.append(make(codes.SIGNATURE_NOT_CHECKED, "No key was given."))
    if jwks_url and sig.status in ("not_checked", "wrong_key_type", "bad_key"):
        out.append(
            make(
                codes.JWKS_URL_AVAILABLE,
                f"This {alg} token's issuer publishes its public keys at {jwks_url}.",
                jwks_url=jwks_url,
            )
        )
    return out


def _jwks_url(kind: str, claims: dict[str, Any] | None, alg: object) -> str | None:
    """For a Supabase user token with an https iss and an asymmetric alg: its JWKS URL."""
    if kind not in ("supabase_user_token", "supabase_anon_key", "supabase_service_role_key"):
        return None
    if family_of(alg) in (None, "hmac") or not isinstance(claims, dict):
        return None
    iss = claims.get("iss")
    ref = supabase.ref_from_issuer(iss)
    if ref:
        return supabase.jwks_url_for(ref)
    if isinstance(iss, str) and iss.startswith("http://") and iss.rstrip("/").endswith("/auth/v1"):
        # the local CLI stack's issuer (http://127.0.0.1:54321/auth/v1): loopback only
        host = url_host(iss)
        if supabase.is_loopback_host(host):
            return iss.rstrip("/") + "/.well-known/jwks.json"
        return None
    return supabase.jwks_url_from_issuer(iss)


def _issuer_words(claims: dict[str, Any] | None, kind: str) -> str | None:
    if kind.startswith("supabase_"):
        return "Supabase Auth" if kind == "supabase_user_token" else "Supabase (API key)"
    if isinstance(claims, dict):
        return issuer_family(claims.get("iss"))
    return None


def _suggested_leeway(claims: dict[str, Any] | None, now: float, leeway: float) -> float:
    """The leeway a snippet should pass: the user's, or enough for a small clock skew."""
    if not isinstance(claims, dict):
        return leeway
    skew = 0.0
    for name in ("iat", "nbf"):
        v = claims.get(name)
        if claims_mod.is_number(v) and v < 1e11 and 0 < v - now <= 300:
            skew = max(skew, v - now)
    return max(leeway, math.ceil(skew) + 5) if skew else leeway


def _lifetime(claims: dict[str, Any] | None, kind: str, now: float) -> dict[str, Any] | None:
    if not isinstance(claims, dict):
        return None
    num = claims_mod.is_number
    iat, nbf, exp = (claims.get(n) for n in ("iat", "nbf", "exp"))
    iat = iat if num(iat) and iat < 1e11 else None
    nbf = nbf if num(nbf) and nbf < 1e11 else None
    exp = exp if num(exp) and exp < 1e11 else None
    if iat is None and exp is None and nbf is None:
        return None
    return {
        "issued_at": iat,
        "not_before": nbf,
        "expires_at": exp,
        "now": now,
        "seconds": (exp - iat) if exp is not None and iat is not None else None,
        "remaining": (exp - now) if exp is not None else None,
        "default_seconds": _default_lifetime(kind),
    }


def _leeway(value: Any) -> float:
    try:
        v = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(v) or v < 0:
        return 0.0
    return min(v, 10 * 365 * 86400.0)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        k = (f.code, f.detail)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out
