"""Test tokens: sign a Supabase user token, an anon or service_role key, or a pasted token with
edited claims (what jwt.io's encoder does), and inspect the result with the key it was signed
with. Pure: PyJWT and cryptography, no I/O.

Claims follow reference/supabase.md: a user token as Auth builds it (§1.2: iss, sub, aud, exp,
iat, email, phone, app_metadata, user_metadata, role, aal, amr, session_id, is_anonymous), an
API key as the legacy keys are (§1.1: iss "supabase", ref, role, iat, exp = iat + 10 years).
The algorithm comes from the key (an HMAC secret HS256, an EC P-256 key ES256, an RSA key
RS256), never from the token being re-signed.
"""

from __future__ import annotations

import json
import time
import uuid
import warnings
from dataclasses import dataclass, replace
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from inspector import supabase
from inspector.codegen import sh_word, url_text
from inspector.endpoint.targets import classify_url, project_base
from inspector.findings import Finding, has_errors, make, ordered
from inspector.textutil import valid_text
from inspector.tokens import mint_codes as codes
from inspector.tokens.decode import decode_jwt, loads
from inspector.tokens.mint_codes import KIND_WORDS, KINDS, MAX_LIFETIME
from inspector.tokens.report import TokenReport
from inspector.tokens.service import inspect_token

DEFAULT_EMAIL = "test@example.com"
_CURVE_ALGS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_FAMILY_ALGS = {
    "hmac": ("HS256", "HS384", "HS512"),
    "rsa": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "ec": tuple(_CURVE_ALGS.values()),
    "okp": ("EdDSA",),
}
# Header members a re-signed token does not keep: the key sets alg and kid; b64/crit would make
# the payload detached.
_DROPPED_HEADER = ("alg", "kid", "b64", "crit", "jku", "x5u", "jwk", "x5c")


class _Refused(Exception):
    """One finding that stops the minting (a key that cannot sign, claims that are no object)."""

    def __init__(self, finding: Finding):
        super().__init__(finding.detail)
        self.finding = finding


@dataclass(frozen=True)
class SigningKey:
    key: Any  # the secret's bytes or a private key object
    family: str  # hmac, rsa, ec, okp
    alg: str
    kid: str | None
    verify_with: str  # what inspect_token verifies with: the secret, or the public PEM
    words: str  # the key described, never the key
    configured: bool = False  # the configured SUPABASE_JWT_SECRET


@dataclass(frozen=True)
class MintReport:
    kind: str
    token: str | None
    header: dict[str, Any] | None
    claims: dict[str, Any] | None
    key: str | None  # the key described
    findings: tuple[Finding, ...]
    inspection: TokenReport | None
    curl: str | None

    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def verified(self) -> bool:
        return self.inspection is not None and self.inspection.verified

    def finding_codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "token": self.token,
            "header": self.header,
            "claims": self.claims,
            "key": self.key,
            "verified": self.verified,
            "findings": [f.to_dict() for f in self.findings],
            "curl": self.curl,
            "inspection": self.inspection.to_dict() if self.inspection else None,
        }


def mint_token(
    kind: str,
    *,
    key: str | None = None,
    configured_secret: str | None = None,
    alg: str | None = None,
    kid: str | None = None,
    project: str | None = None,
    sub: str | None = None,
    email: str | None = None,
    session_id: str | None = None,
    audience: str | None = None,
    role: str | None = None,
    lifetime: float | None = None,
    claims: str | dict[str, Any] | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    now: float | None = None,
) -> MintReport:
    """Sign a token of `kind` (KINDS) with the key given, or with `configured_secret` when no
    key is given; then inspect it with that same key. Bad input is a finding, never an error.
    `claims` (JSON text or a dict) is merged over the made claims; for `resign` it replaces the
    pasted token's claims whole."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if lifetime is not None and not -MAX_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise ValueError(f"lifetime must be between -{MAX_LIFETIME} and {MAX_LIFETIME} seconds")
    key, kid, project, endpoint = (valid_text(v) for v in (key, kid, project, endpoint))
    issued = int(time.time() if now is None else now)
    ref = supabase.normalize_ref(project) if project else None
    try:
        signing = _signing_key(key, configured_secret, alg, kid)
        header, payload, notes = _content(
            kind,
            signing,
            issued,
            ref,
            project,
            sub,
            email,
            session_id,
            audience,
            role,
            lifetime,
            claims,
            token,
        )
    except _Refused as exc:
        return MintReport(kind, None, None, None, None, (exc.finding,), None, None)
    minted = _sign(payload, signing, header)
    aud = payload.get("aud") if isinstance(payload.get("aud"), str) else None
    inspection = inspect_token(
        minted,
        key=None if signing.configured else signing.verify_with,
        configured_secret=signing.verify_with if signing.configured else None,
        audience=aud,
        project=ref,
        now=issued,
    )
    decoded = decode_jwt(minted)
    findings = [make(codes.MINTED, _minted_words(kind, signing)), *notes]
    if signing.family != "hmac" and not signing.kid:
        findings.append(
            make(codes.MINT_KID_MISSING, f"The {signing.alg} token's header has no kid.")
        )
    if not inspection.verified:
        findings.append(make(codes.MINT_NOT_VERIFIED, inspection.signature.detail))
    return MintReport(
        kind=kind,
        token=minted,
        header=decoded.header,
        claims=decoded.claims,
        key=signing.words,
        findings=ordered(findings),
        inspection=inspection,
        curl=curl_line(endpoint, minted),
    )


# --- the key ---------------------------------------------------------------------------------


def _signing_key(
    text: str | None, configured: str | None, alg: str | None, kid: str | None
) -> SigningKey:
    kid = kid.strip() if isinstance(kid, str) and kid.strip() else None
    if isinstance(text, str) and text.strip():
        signing = _read_key(text.strip(), kid)
    elif configured:
        signing = SigningKey(
            configured.encode(),
            "hmac",
            "HS256",
            kid,
            configured,
            f"the configured SUPABASE_JWT_SECRET ({len(configured.encode())} bytes)",
            configured=True,
        )
    else:
        raise _Refused(make(codes.MINT_KEY_MISSING, "No key was given and none is configured."))
    if alg and alg.strip():
        wanted = alg.strip()
        if wanted not in _FAMILY_ALGS[signing.family] or (
            signing.family == "ec" and wanted != signing.alg
        ):
            detail = f"{wanted[:20]!r} cannot be signed with {signing.words}."
            raise _Refused(make(codes.MINT_ALG_MISMATCH, detail))
        signing = replace(signing, alg=wanted)
    return signing


def _read_key(text: str, kid: str | None) -> SigningKey:
    if text.startswith("-----BEGIN"):
        return _read_pem(text, kid)
    if text.startswith("{"):
        return _read_jwk(text, kid)
    secret = text.encode()
    return SigningKey(secret, "hmac", "HS256", kid, text, f"an HMAC secret ({len(secret)} bytes)")


def _read_pem(text: str, kid: str | None) -> SigningKey:
    if "PRIVATE KEY" not in text.split("\n", 1)[0]:
        detail = "This PEM block is a public key or a certificate."
        raise _Refused(make(codes.MINT_KEY_NOT_PRIVATE, detail))
    try:
        private = serialization.load_pem_private_key(text.encode(), password=None)
    except TypeError as exc:
        detail = "The private key is encrypted: decrypt it first (openssl pkey -in key.pem)."
        raise _Refused(make(codes.MINT_KEY_UNREADABLE, detail)) from exc
    except ValueError as exc:
        detail = "The PEM block does not hold a private key that can be read."
        raise _Refused(make(codes.MINT_KEY_UNREADABLE, detail)) from exc
    return _private(private, kid, "PEM")


def _read_jwk(text: str, kid: str | None) -> SigningKey:
    try:
        data = loads(text)
    except ValueError as exc:
        raise _Refused(make(codes.MINT_KEY_UNREADABLE, "The key is not valid JSON.")) from exc
    if isinstance(data, dict) and isinstance(data.get("keys"), list):
        private = [k for k in data["keys"] if isinstance(k, dict) and "d" in k]
        chosen = [k for k in private if kid is None or k.get("kid") == kid]
        if not chosen:
            which = "with that kid " if private else ""
            detail = f"The JWKS has no private key {which}(a JWK with d)."
            raise _Refused(make(codes.MINT_KEY_NOT_PRIVATE, detail))
        data = chosen[0]
    if not isinstance(data, dict) or not isinstance(data.get("kty"), str):
        raise _Refused(make(codes.MINT_KEY_UNREADABLE, "The JSON is not a JWK (no kty)."))
    if data["kty"] == "oct":
        try:
            secret = jwt.PyJWK(data, algorithm=data.get("alg") or "HS256").key
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise _Refused(make(codes.MINT_KEY_UNREADABLE, "The oct JWK cannot be read.")) from exc
        words = f"an HMAC secret from a JWK ({len(secret)} bytes)"
        shown = secret.decode("latin-1")
        return SigningKey(secret, "hmac", "HS256", kid or data.get("kid"), shown, words)
    if "d" not in data:
        detail = "This JWK has no d member: it is the public half."
        raise _Refused(make(codes.MINT_KEY_NOT_PRIVATE, detail))
    try:
        private = jwt.PyJWK(data).key
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise _Refused(make(codes.MINT_KEY_UNREADABLE, "The JWK cannot be read.")) from exc
    jwk_kid = data.get("kid") if isinstance(data.get("kid"), str) else None
    return _private(private, kid or jwk_kid, "JWK")


def _private(private: Any, kid: str | None, form: str) -> SigningKey:
    if isinstance(private, ec.EllipticCurvePrivateKey):
        curve = private.curve.name
        alg = _CURVE_ALGS.get(curve)
        if alg is None:
            detail = f"The EC curve {curve} has no JWT algorithm PyJWT signs with here."
            raise _Refused(make(codes.MINT_KEY_UNREADABLE, detail))
        family, words = "ec", f"an EC {curve} private key ({form})"
    elif isinstance(private, rsa.RSAPrivateKey):
        family, alg = "rsa", "RS256"
        words = f"an RSA {private.key_size}-bit private key ({form})"
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        family, alg, words = "okp", "EdDSA", f"an Ed25519 private key ({form})"
    else:
        detail = "Only EC (P-256/384/521), RSA and Ed25519 private keys sign JWTs here."
        raise _Refused(make(codes.MINT_KEY_UNREADABLE, detail))
    public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return SigningKey(private, family, alg, kid, public, words)


# --- the claims ------------------------------------------------------------------------------


def _content(
    kind: str,
    signing: SigningKey,
    issued: int,
    ref: str | None,
    project: str | None,
    sub: str | None,
    email: str | None,
    session_id: str | None,
    audience: str | None,
    role: str | None,
    lifetime: float | None,
    claims: str | dict[str, Any] | None,
    token: str | None,
) -> tuple[dict[str, Any], dict[str, Any], list[Finding]]:
    """(header members beyond alg/typ, payload, notes)."""
    extra = _claims_object(claims)
    header: dict[str, Any] = {}
    notes: list[Finding] = []
    if kind == "resign":
        old_header, old_claims = _pasted(token)
        header = {k: v for k, v in old_header.items() if k not in _DROPPED_HEADER}
        payload = dict(extra) if extra is not None else dict(old_claims)
        if lifetime is not None:
            payload.update(iat=issued, exp=int(issued + lifetime))
        dropped = old_header.get("kid")
        detail = f"Signed again {signing.alg} with {signing.words}"
        detail += "; its claims as edited." if extra is not None else "; its claims unchanged."
        if dropped and not signing.kid:
            detail += " The old kid was dropped (it named the old key)."
        notes.append(make(codes.MINT_RESIGNED, detail))
    elif kind == "user":
        payload = _user_claims(issued, ref, project, sub, email, session_id, audience, role)
        payload["exp"] = int(issued + (3600 if lifetime is None else lifetime))
        payload.update(extra or {})
    else:
        payload = _api_key_claims(kind, issued, ref, lifetime)
        payload.update(extra or {})
    if signing.kid:
        header["kid"] = signing.kid
    return header, payload, notes


def _claims_object(claims: str | dict[str, Any] | None) -> dict[str, Any] | None:
    if claims is None or (isinstance(claims, str) and not claims.strip()):
        return None
    if isinstance(claims, dict):
        return claims
    try:
        data = loads(valid_text(claims))
    except ValueError as exc:
        raise _Refused(make(codes.MINT_CLAIMS_INVALID, f"Not JSON: {exc}."[:300])) from exc
    if not isinstance(data, dict):
        detail = f"The JSON is {type(data).__name__.replace('dict', 'an object')}, not an object."
        raise _Refused(make(codes.MINT_CLAIMS_INVALID, detail))
    return data


def _pasted(token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    from inspector.tokens.clean import clean_input

    text = clean_input(valid_text(token or "")).text
    decoded = decode_jwt(text)
    if not text or decoded.errors or decoded.header is None or decoded.claims is None:
        why = "; ".join(decoded.errors) if decoded.errors else "no token was given"
        raise _Refused(make(codes.MINT_TOKEN_UNREADABLE, f"{why[:300]}."))
    return decoded.header, decoded.claims


def _user_claims(
    issued: int,
    ref: str | None,
    project: str | None,
    sub: str | None,
    email: str | None,
    session_id: str | None,
    audience: str | None,
    role: str | None,
) -> dict[str, Any]:
    """The claims Auth's GenerateAccessToken writes, in the order a real token has them."""
    return {
        "iss": _issuer(ref, project),
        "sub": sub or str(uuid.uuid4()),
        "aud": audience or "authenticated",
        "exp": issued + supabase.DEFAULT_ACCESS_TOKEN_LIFETIME,
        "iat": issued,
        "email": DEFAULT_EMAIL if email is None else email,
        "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {},
        "role": role or "authenticated",
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": issued}],
        "session_id": session_id or str(uuid.uuid4()),
        "is_anonymous": False,
    }


def _issuer(ref: str | None, project: str | None) -> str:
    if ref:
        return f"{supabase.project_url(ref)}{supabase.AUTH_PATH}"
    base = project_base(project)
    return f"{base}{supabase.AUTH_PATH}" if base else supabase.LOCAL_AUTH_ISSUER


def _api_key_claims(
    role: str, issued: int, ref: str | None, lifetime: float | None
) -> dict[str, Any]:
    """A legacy API key: iss "supabase" and the ref for a hosted project, "supabase-demo" (as the
    local stack's keys) without one; exp 10 years after iat."""
    claims: dict[str, Any] = {"iss": "supabase", "ref": ref} if ref else {"iss": "supabase-demo"}
    span = supabase.LEGACY_KEY_LIFETIME if lifetime is None else lifetime
    claims.update(role=role, iat=issued, exp=int(issued + span))
    return claims


# --- signing and the curl line ---------------------------------------------------------------


def _sign(payload: dict[str, Any], signing: SigningKey, header: dict[str, Any]) -> str:
    # PyJWS, not jwt.encode: jwt.io's encoder signs any claims (an `iss` that is a number too);
    # judging them is the inspection's job.
    body = json.dumps(payload, separators=(",", ":")).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)  # weak_secret says it
        return jwt.PyJWS().encode(body, signing.key, algorithm=signing.alg, headers=header or None)


def _minted_words(kind: str, signing: SigningKey) -> str:
    kid = f", kid {signing.kid[:80]!r}" if signing.kid else ""
    words = KIND_WORDS[kind]
    return f"{words[:1].upper()}{words[1:]}, {signing.alg}{kid}, signed with {signing.words}."


def curl_line(endpoint: str | None, token: str) -> str:
    """The curl command that calls `endpoint` with the token (an `$API_URL` placeholder without
    one); `apikey` too when the endpoint is a Supabase URL. Every value is one shell word."""
    url = sh_word(url_text(endpoint.strip())) if endpoint and endpoint.strip() else '"$API_URL"'
    # The token is PyJWS's output (base64url and dots): one word as it is.
    lines = [f"curl -i {url}", f"  -H {sh_word('Authorization: Bearer ' + token)}"]
    if endpoint and classify_url(endpoint).is_supabase:
        lines.append('  -H "apikey: $SUPABASE_ANON_KEY"')
    return " \\\n".join(lines)
