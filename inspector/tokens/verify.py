"""Signature verification in small steps, each of which may end it with a verdict.

header -> key read -> family of key and token -> kid in the JWKS -> try each candidate.

The token's header only says which algorithm it claims; the list passed to PyJWT always comes
from the key (an HMAC secret allows HS*, an EC P-256 key ES256, ...), so `alg` cannot choose.
The key arrives already read (`keys.read_key`, after the service fetched any JWKS URL).
"""

from __future__ import annotations

import binascii
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import get_default_algorithms

from inspector import supabase
from inspector.codegen import py_str
from inspector.findings import Finding, make
from inspector.tokens import codes
from inspector.tokens.decode import b64url_decode
from inspector.tokens.keys import (
    ASYMMETRIC,
    FAMILY_NAMES,
    HMAC_MINIMUM,
    NOT_THE_SECRET,
    Candidate,
    ParsedKey,
    family_of,
    hmac_candidates,
)

_ALGORITHMS = get_default_algorithms()
# The size of a signature, in bytes, for the algorithms whose size does not depend on the key
# (RFC 7518 §3.2 HMAC output, §3.4 R || S; RFC 8037 EdDSA: Ed25519 64, Ed448 114).
SIGNATURE_BYTES = {
    "HS256": (32,),
    "HS384": (48,),
    "HS512": (64,),
    "ES256": (64,),
    "ES256K": (64,),
    "ES384": (96,),
    "ES512": (132,),
    "EdDSA": (64, 114),
    "Ed25519": (64,),
    "Ed448": (114,),
}
_JWKS_PLACEHOLDER = "https://<ref>.supabase.co/auth/v1/.well-known/jwks.json"
CONFIGURED_SECRET = "the configured SUPABASE_JWT_SECRET"


@dataclass(frozen=True)
class Signature:
    status: str
    algorithm: str | None
    key_used: str | None
    detail: str
    key: str | None = None  # a description of the key given, never the key

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "algorithm": self.algorithm,
            "key_used": self.key_used,
            "detail": self.detail,
            "key": self.key,
        }


@dataclass
class Verification:
    signature: Signature
    findings: list[Finding]


def header_problem(header: dict[str, Any] | None) -> Signature | None:
    """The verdict when the header alone settles it (unsigned, no alg, a kid that is no string)."""
    alg = header.get("alg") if isinstance(header, dict) else None
    if isinstance(alg, str) and alg.lower() == "none":
        return Signature("unsigned", alg, None, 'alg "none": there is no signature to check')
    if not isinstance(alg, str) or not alg:
        detail = (
            "the header has no alg: PyJWT raises InvalidAlgorithmError: Algorithm not specified"
        )
        return Signature("invalid", None, None, detail)
    if isinstance(header, dict) and "kid" in header and not isinstance(header["kid"], str):
        detail = (
            "the kid header is not a string: PyJWT raises InvalidTokenError: Key ID header "
            "parameter must be a string"
        )
        return Signature("invalid", alg, None, detail)
    return None


@dataclass
class _Job:
    """One verification: the token, what the key yielded, and the findings so far."""

    token: str
    alg: str
    kid: str | None
    parsed: ParsedKey | None
    candidates: list[Candidate]
    jwks_hint: str | None
    findings: list[Finding] = field(default_factory=list)
    signature_size: int | None = None  # bytes; None when the signature does not decode

    @property
    def family(self) -> str | None:
        return family_of(self.alg)

    @property
    def description(self) -> str:
        return self.parsed.description if self.parsed else CONFIGURED_SECRET

    @property
    def configured(self) -> bool:
        return any(c.configured for c in self.candidates)

    def verdict(self, status: str, detail: str, key_used: str | None = None) -> Verification:
        sig = Signature(status, self.alg, key_used, detail, self.description)
        return Verification(sig, self.findings)


def verify(
    token: str,
    header: dict[str, Any] | None,
    key: ParsedKey | None,
    *,
    configured_secret: str | None,
    jwks_hint: str | None = None,
) -> Verification:
    """Check the signature of a JWT whose header decoded, with the key read and/or the secret.

    `jwks_hint`: the issuer's JWKS URL, named in the fix when an HMAC secret meets an ES256 token.
    """
    problem = header_problem(header)
    if problem is not None:
        return Verification(problem, [])
    assert isinstance(header, dict)  # header_problem found an alg in it
    alg: str = header["alg"]
    size = _signature_size(token)
    if key is None and not configured_secret:
        detail = "no key given: the signature was not checked"
        cut = cut_off(alg, size, token.rpartition(".")[2])
        found = [make(codes.TOKEN_TRUNCATED, cut)] if cut else []
        return Verification(Signature("not_checked", alg, None, detail), found)
    candidates = list(key.candidates) if key else []
    if configured_secret:
        candidates += hmac_candidates(configured_secret, "configured_secret", first_only=True)
    kid = header.get("kid")
    job = _Job(token, alg, kid, key, candidates, jwks_hint, list(key.findings) if key else [])
    job.signature_size = size
    done: Verification | None = None
    for step in _STEPS:
        done = step(job)
        if done is not None:
            break
    done = done or _try_candidates(job)
    # A cut-off signature is said whatever settled the verdict (a wrong key type, a missing kid).
    cut = cut_off(alg, size, token.rpartition(".")[2])
    if cut and not any(f.code == codes.TOKEN_TRUNCATED for f in job.findings):
        job.findings.append(make(codes.TOKEN_TRUNCATED, cut))
    return done


def _signature_size(token: str) -> int | None:
    try:
        return len(b64url_decode(token.rpartition(".")[2]))
    except (binascii.Error, ValueError):
        return None


def _chars(n: int) -> int:
    """The length of n bytes in unpadded base64url."""
    return (4 * n + 2) // 3


def cut_off(alg: str, size: int | None, segment: str, key_bytes: int | None = None) -> str | None:
    """Why a signature of `size` bytes is too short for `alg` (the token was cut off), or None.

    Most algorithms have one size whatever the key; an RSA signature is as long as the key's
    modulus (`key_bytes`, when a key is known). A longer signature is no cut: that is left to
    verification.
    """
    if size is None:
        return None
    if size == 0:
        return f"The token ends with an empty signature: its {alg} signature was cut off."
    sizes = SIGNATURE_BYTES.get(alg)
    if sizes is None and key_bytes and family_of(alg) == "rsa":
        # RSA moduli are whole multiples of 64 bytes (1024, 1536, 2048, ... bits) in practice:
        # a shorter signature of another size lost its end, not a key of another size.
        sizes = (key_bytes,) if size % 64 else ()
    if not sizes or size >= max(sizes) or size in sizes:
        return None
    want = min(s for s in sizes if s > size)
    missing = _chars(want) - len(segment.rstrip("="))
    return (
        f"The signature is {size} bytes; a{'n' if alg[0] in 'EHR' else ''} {alg} signature "
        f"{'with this key ' if key_bytes else ''}is {want} ({_chars(want)} characters): the token "
        f"ends {missing} character{'s' if missing != 1 else ''} early. PyJWT can only say "
        "InvalidSignatureError: Signature verification failed."
    )


# --- the steps before trying: each returns a verdict or None (go on) -------------------------


def _unreadable_key(job: _Job) -> Verification | None:
    """A key that yields nothing to try, and no configured secret beside it."""
    parsed = job.parsed
    if parsed is None or not parsed.error or job.candidates:
        return None
    if not parsed.findings:  # api keys and failed fetches already said what they are
        job.findings.append(make(codes.KEY_UNREADABLE, f"{job.description}: {parsed.error}."))
    return job.verdict("bad_key", f"{job.description}: {parsed.error}")


def _empty_jwks(job: _Job) -> Verification | None:
    parsed = job.parsed
    if parsed is None or not parsed.is_jwks or parsed.jwks_size:
        return None
    job.findings.append(make(codes.JWKS_EMPTY, f"{job.description}: its keys list is empty."))
    if job.configured:
        return None
    return job.verdict("key_not_found", f"{job.description}: no keys")


def _wrong_family(job: _Job) -> Verification | None:
    """No candidate of the token's key family (an HMAC secret for an ES256 token, ...)."""
    if any(c.family == job.family for c in job.candidates):
        return None
    families = sorted({c.family for c in job.candidates})
    given = " / ".join(FAMILY_NAMES.get(f, f) for f in families) or "no usable key"
    if job.parsed and job.parsed.shape in NOT_THE_SECRET:
        given = f"{job.parsed.description}, read as an HMAC secret"
    alg = job.alg
    if job.family == "hmac":
        detail = f"The token is {alg} (HMAC); the key is {given}."
        job.findings.append(make(codes.SYMMETRIC_TOKEN_WITH_PUBLIC_KEY, detail))
    elif "hmac" in families and job.family in ASYMMETRIC:
        detail = (
            f"The token is {alg}; the key is {given}. PyJWT with "
            'algorithms=["HS256"] raises InvalidAlgorithmError: The specified alg value is not '
            "allowed."
        )
        jwks_url = job.jwks_hint or _JWKS_PLACEHOLDER
        job.findings.append(
            make(
                codes.ASYMMETRIC_TOKEN_NEEDS_JWKS,
                detail,
                jwks_url=py_str(jwks_url),
                alg=py_str(str(alg)),
            )
        )
    else:
        family = FAMILY_NAMES.get(job.family or "", "a key")
        detail = f"The token is {alg}; the key is {given}."
        job.findings.append(codes.KEY_FAMILY_MISMATCH.make(detail, family=family, alg=alg))
    _known_secret_findings(job)
    return job.verdict("wrong_key_type", f"a {alg} token cannot be verified with {given}")


def _kid_not_found(job: _Job) -> Verification | None:
    """A JWKS is searched by the token's kid; keep only the matching keys (and the secret)."""
    parsed = job.parsed
    if parsed is None or not parsed.is_jwks or (job.configured and job.family == "hmac"):
        return None
    usable = [c for c in job.candidates if c.family == job.family]
    matching = [c for c in usable if c.kid == job.kid] if isinstance(job.kid, str) else usable
    if matching:
        job.candidates = matching + [c for c in usable if c not in matching and c.configured]
        return None
    kids = ", ".join(c.kid or "?" for c in usable) or "none"
    detail = (
        f'The token\'s kid is "{job.kid}"; {job.description} has kid {kids}. PyJWKClient '
        f'raises PyJWKClientError: Unable to find a signing key that matches: "{job.kid}".'
    )
    job.findings.append(make(codes.KEY_NOT_FOUND, detail))
    return job.verdict("key_not_found", f'no key with kid "{job.kid}"')


def _truncated(job: _Job) -> Verification | None:
    """A signature too short for the algorithm (and, for RSA, for every key left to try): no
    key can verify it, so none is blamed."""
    rsa_bytes = [
        (c.key.key_size + 7) // 8
        for c in job.candidates
        if c.family == job.family and isinstance(c.key, rsa.RSAPublicKey)
    ]
    segment = job.token.rpartition(".")[2]
    key_bytes = min(rsa_bytes) if rsa_bytes else None
    cut = cut_off(job.alg, job.signature_size, segment, key_bytes)
    if cut is None:
        return None
    job.findings.append(make(codes.TOKEN_TRUNCATED, cut))
    return job.verdict("invalid", "the signature was cut off: no key can verify it")


_STEPS: tuple[Callable[[_Job], Verification | None], ...] = (
    _unreadable_key,
    _empty_jwks,
    _wrong_family,
    _kid_not_found,
    _truncated,
)


# --- trying the candidates -------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    label: str
    message: str  # PyJWT's words, or why the key does not allow the algorithm
    alg_not_allowed: bool = False


def _try_candidates(job: _Job) -> Verification:
    """Try each candidate of the token's family; an HMAC secret's other forms only if needed."""
    failures: list[_Failure] = []
    weak_notes: list[str] = []
    queue = [c for c in job.candidates if c.family == job.family]
    i = 0
    while i < len(queue):
        cand = queue[i]
        i += 1
        if job.alg not in cand.algorithms:
            allows = f"the key allows {', '.join(cand.algorithms)}, not {job.alg}"
            failures.append(_Failure(cand.label, allows, alg_not_allowed=True))
            continue
        ok, err, notes = _try(job.token, cand, job.alg)
        if cand.as_given or ok:
            weak_notes.extend(notes)
        if ok:
            return _verified(job, cand, weak_notes)
        if err:
            failures.append(_Failure(cand.label, err))
        if cand.source is not None:
            # the secret as given failed: now try it trimmed, base64- and hex-decoded
            queue[i:i] = hmac_candidates(cand.source, cand.origin)[1:]
    return _not_verified(job, queue, failures, weak_notes)


def _verified(job: _Job, cand: Candidate, weak_notes: list[str]) -> Verification:
    if cand.form == "trimmed":
        detail = "The secret as given fails; without quotes/whitespace it works."
        job.findings.append(make(codes.KEY_NEEDS_TRIM, detail))
    elif cand.form in ("base64", "base64url"):
        detail = f"The token verifies with the {cand.form_words} bytes of the secret, not its text."
        job.findings.append(make(codes.KEY_BASE64_DECODED, detail))
    elif cand.form == "hex":
        detail = "The token verifies with the hex-decoded bytes."
        job.findings.append(make(codes.KEY_HEX_DECODED, detail))
    _weak_findings(job, [cand], weak_notes)
    if cand.family == "hmac" and isinstance(cand.key, bytes):
        text = cand.key.decode("utf-8", "replace").strip()
        _known_secret(job, text)
    _known_secret_findings(job)
    detail = f"verified with {_candidate_words(cand, job.description)} ({job.alg})"
    return job.verdict("valid", detail, cand.label)


def _not_verified(
    job: _Job, tried: list[Candidate], failures: list[_Failure], weak_notes: list[str]
) -> Verification:
    _weak_findings(job, tried, weak_notes)
    alg = job.alg
    if job.parsed and job.parsed.shape in NOT_THE_SECRET:
        status = "invalid"  # key_is_jwt / key_is_api_key already say why
    elif failures and all(f.alg_not_allowed for f in failures):
        status = "wrong_key_type"
        detail = "; ".join(f"{f.label}: {f.message}" for f in failures[:3]) + "."
        job.findings.append(codes.KEY_ALGORITHM_NOT_ALLOWED.make(detail, alg=alg))
    else:
        status = "invalid"
        forms = ", ".join(dict.fromkeys(c.form_words for c in tried if c.form)) or None
        what = job.description + (f" (tried: {forms})" if forms else "")
        pyjwt = next((f.message for f in failures if "Signature" in f.message), None)
        detail = f"{what} does not verify this {alg} token." + (
            f" PyJWT: {pyjwt}." if pyjwt else ""
        )
        if job.family == "hmac":
            job.findings.append(make(codes.SIGNATURE_INVALID, detail))
        else:
            job.findings.append(codes.ASYMMETRIC_SIGNATURE_INVALID.make(detail))
    _known_secret_findings(job)
    first = failures[0].message if failures else "signature verification failed"
    return job.verdict(status, first)


def _try(token: str, cand: Candidate, alg: str) -> tuple[bool, str | None, list[str]]:
    """(verified, PyJWT-style error text, key-length warnings).

    PyJWT's own algorithm objects do the work (prepare_key, check_key_length, verify), called
    directly: the token's alg is only looked up after it was found in the KEY's algorithm list,
    and this skips re-decoding the parts (PyJWS re-validates every base64 character in Python,
    the slowest step of a request). Warnings are caught, never printed.
    """
    if alg not in cand.algorithms:
        return False, "InvalidAlgorithmError: The specified alg value is not allowed", []
    alg_obj = _ALGORITHMS.get(alg)
    if alg_obj is None:
        return False, "InvalidAlgorithmError: Algorithm not supported", []
    signing_input, _, sig_text = token.rpartition(".")
    try:
        signature = b64url_decode(sig_text)
    except (binascii.Error, ValueError):
        return False, "DecodeError: Invalid crypto padding", []
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # PyJWT's HMAC prepare_key only re-checks that the bytes are no PEM/JWK (it
            # parses them as such on every call); classify.key_shape already said they are not.
            key = cand.key if cand.raw_hmac else alg_obj.prepare_key(cand.key)
            check = getattr(alg_obj, "check_key_length", None)  # PyJWT >= 2.11
            message = check(key) if check else None
            if message:
                notes.append(message)
            ok = bool(alg_obj.verify(signing_input.encode("utf-8"), key, signature))
            err = None if ok else "InvalidSignatureError: Signature verification failed"
        except jwt.PyJWTError as exc:
            ok, err = False, f"{type(exc).__name__}: {exc}"
        except (TypeError, ValueError) as exc:
            ok, err = False, f"{type(exc).__name__}: {exc}"
    notes += [
        str(w.message) for w in caught if issubclass(w.category, jwt.InsecureKeyLengthWarning)
    ]
    return ok, err, notes


# --- words and facts about the key -----------------------------------------------------------


def _candidate_words(cand: Candidate, description: str) -> str:
    if cand.configured:
        return f"{CONFIGURED_SECRET} ({cand.form_words})"
    if cand.family == "hmac" and cand.form:
        return f"the HMAC secret {cand.form_words}"
    if cand.origin == "jwk":
        return f"the JWK {cand.label.removeprefix('jwk:')} of the {description}"
    return f"the {description}"


def _weak_findings(job: _Job, cands: list[Candidate], notes: list[str]) -> None:
    """weak_secret, weak_key: once per report."""
    if any(f.code in (codes.WEAK_SECRET, codes.WEAK_KEY) for f in job.findings):
        return
    minimum = HMAC_MINIMUM.get(job.alg, 32)
    hmac = [c for c in cands if c.family == "hmac"]
    first = next((c for c in hmac if not c.configured), hmac[0] if hmac else None)
    if first is not None:
        n = len(first.key) if isinstance(first.key, bytes) else 0
        if n < minimum or notes:
            note = next((x for x in notes if "HMAC" in x), None)
            detail = note or f"The secret is {n} bytes; {job.alg} needs at least {minimum}."
            job.findings.append(make(codes.WEAK_SECRET, detail, minimum=minimum))
    for c in cands:
        if isinstance(c.key, rsa.RSAPublicKey) and c.key.key_size < 2048:
            job.findings.append(make(codes.WEAK_KEY, f"The RSA key is {c.key.key_size} bits."))
            break


def _known_secret(job: _Job, text: str) -> bool:
    """known_public_secret, when `text` is a published demo secret (once per report)."""
    if text not in supabase.KNOWN_PUBLIC_SECRETS:
        return False
    if not any(f.code == codes.KNOWN_PUBLIC_SECRET for f in job.findings):
        detail = f"It is the JWT secret of {supabase.KNOWN_PUBLIC_SECRETS[text]}."
        job.findings.append(make(codes.KNOWN_PUBLIC_SECRET, detail))
    return True


def _known_secret_findings(job: _Job) -> None:
    """Facts about a pasted HMAC secret that hold whatever the outcome (known demo secrets)."""
    parsed = job.parsed
    if parsed is None or parsed.shape != "hmac_secret":
        return
    for c in parsed.candidates:
        if _known_secret(job, (c.source or "").strip().strip("\"'").strip()):
            return
