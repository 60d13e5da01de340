"""Signature verification: read the key, choose algorithms from the KEY, try each form of it.

The token's header only says which algorithm it claims; the list passed to PyJWT always comes
from the key (an HMAC secret allows HS*, an EC P-256 key ES256, ...), so `alg` cannot choose.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import string
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from inspector import supabase
from inspector.findings import Finding, make
from inspector.netpolicy import LOCAL, ProbeBlockedError, ProbePolicy
from inspector.tokens import codes
from inspector.tokens.classify import key_shape
from inspector.tokens.decode import b64url_decode, loads
from inspector.tokens.fetch import JWKSFetchError, fetch_jwks

HMAC_ALGS = ("HS256", "HS384", "HS512")
RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGS_BY_CURVE = {"secp256r1": ("ES256",), "secp384r1": ("ES384",), "secp521r1": ("ES512",)}
EC_ALGS_BY_CURVE["secp256k1"] = ("ES256K",)
OKP_ALGS = ("EdDSA",)
HMAC_MINIMUM = {"HS256": 32, "HS384": 48, "HS512": 64}

_ALGORITHMS = get_default_algorithms()
_HEX = set(string.hexdigits)
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def family_of(alg: object) -> str | None:
    if not isinstance(alg, str):
        return None
    if alg.startswith("HS"):
        return "hmac"
    if alg.startswith(("RS", "PS")):
        return "rsa"
    if alg.startswith("ES"):
        return "ec"
    if alg in ("EdDSA", "Ed25519", "Ed448"):
        return "okp"
    return None


FAMILY_NAMES = {
    "hmac": "an HMAC secret",
    "rsa": "an RSA key",
    "ec": "an EC key",
    "okp": "an EdDSA key",
}


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


@dataclass(frozen=True)
class Candidate:
    """One concrete key to try, with the algorithms the KEY allows."""

    label: str
    key: Any
    algorithms: tuple[str, ...]
    family: str
    kid: str | None = None
    form: str = ""  # for HMAC: "as given", "trimmed", ...
    source: str | None = None  # HMAC as given: its other forms are made only if it fails
    raw_hmac: bool = False  # bytes already known not to be a PEM or JWK


@dataclass
class ParsedKey:
    shape: str | None
    description: str
    candidates: list[Candidate] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    is_jwks: bool = False
    jwks_size: int = 0
    status_override: str | None = None


def _describe_public(pub: Any) -> tuple[str, str, tuple[str, ...]]:
    """(family, description, algorithms) of a cryptography public key."""
    if isinstance(pub, rsa.RSAPublicKey):
        return "rsa", f"RSA {pub.key_size}-bit public key", RSA_ALGS
    if isinstance(pub, ec.EllipticCurvePublicKey):
        curve = pub.curve.name
        algs = EC_ALGS_BY_CURVE.get(curve, ())
        label = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(curve, curve)
        return "ec", f"EC {label} public key", algs
    if isinstance(pub, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return "okp", "EdDSA public key", OKP_ALGS
    return "other", f"{type(pub).__name__}", ()


def _hmac_forms(secret: str, prefix: str) -> list[tuple[str, bytes, str]]:
    """The forms of an HMAC secret to try, in order: (key_used, bytes, description)."""
    forms: list[tuple[str, bytes, str]] = []
    seen: set[bytes] = set()

    def add(label: str, value: bytes, form: str) -> None:
        if value and value not in seen:
            seen.add(value)
            forms.append((label, value, form))

    add(prefix, secret.encode("utf-8"), "as given")
    trimmed = secret.strip().strip("\"'").strip()
    add(f"{prefix}_trimmed", trimmed.encode("utf-8"), "trimmed of quotes and whitespace")
    t = trimmed
    if len(t) >= 16 and _B64.match(t) and len(t.rstrip("=")) % 4 != 1:
        with contextlib.suppress(binascii.Error, ValueError):
            add(
                f"{prefix}_base64_decoded",
                base64.b64decode(t + "=" * (-len(t) % 4)),
                "base64-decoded",
            )
    if len(t) >= 16 and _B64URL.match(t) and ("-" in t or "_" in t):
        with contextlib.suppress(binascii.Error, ValueError):
            add(
                f"{prefix}_base64_decoded",
                base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)),
                "base64url-decoded",
            )
    if len(t) >= 32 and len(t) % 2 == 0 and set(t) <= _HEX:
        add(f"{prefix}_hex_decoded", bytes.fromhex(t), "hex-decoded")
    return forms


def hmac_candidates(
    secret: str, prefix: str = "secret", *, first_only: bool = False
) -> list[Candidate]:
    """The forms of a secret to try; `first_only`: just "as given" (the rest come lazily)."""
    if first_only:
        raw = secret.encode("utf-8")
        if raw:
            return [Candidate(prefix, raw, HMAC_ALGS, "hmac", form="as given", source=secret)]
    return [
        Candidate(label, value, HMAC_ALGS, "hmac", form=form)
        for label, value, form in _hmac_forms(secret, prefix)
    ]


def _jwk_candidate(obj: dict[str, Any], index: int) -> tuple[Candidate | None, str | None]:
    try:
        pk = jwt.PyJWK(obj)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        return None, f"key {index + 1}: {exc}"
    kid = obj.get("kid") if isinstance(obj.get("kid"), str) else None
    label = f"jwk:{kid}" if kid else f"jwk:#{index + 1}"
    if obj.get("kty") == "oct":
        return Candidate(label, pk.key, (pk.algorithm_name,), "hmac", kid=kid), None
    fam = family_of(pk.algorithm_name) or "other"
    return Candidate(label, pk.key, (pk.algorithm_name,), fam, kid=kid), None


def _jwk_label(obj: dict[str, Any]) -> str:
    kty = obj.get("kty")
    crv = obj.get("crv")
    alg = obj.get("alg")
    bits = ", ".join(str(x) for x in (kty, crv, alg) if isinstance(x, str))
    kid = obj.get("kid")
    return f"{bits}{', kid ' + kid if isinstance(kid, str) else ''}"


def parse_jwks_document(doc: Any, source: str) -> ParsedKey:
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        keys = [k for k in doc["keys"] if isinstance(k, dict)]
        pk = ParsedKey("jwks", "", is_jwks=True, jwks_size=len(keys))
        problems = []
        for i, k in enumerate(keys):
            cand, err = _jwk_candidate(k, i)
            if cand:
                pk.candidates.append(cand)
            if err:
                problems.append(err)
        kids = [c.kid for c in pk.candidates if c.kid]
        pk.description = f"{source} with {len(keys)} key{'s' if len(keys) != 1 else ''}" + (
            f" (kid {', '.join(kids[:6])})" if kids else ""
        )
        if keys and not pk.candidates:
            pk.error = "none of its keys can be read: " + "; ".join(problems[:3])
        return pk
    if isinstance(doc, dict) and "kty" in doc:
        cand, err = _jwk_candidate(doc, 0)
        pk = ParsedKey("jwk", f"{source.replace('JWKS', 'JWK')} ({_jwk_label(doc)})")
        if cand:
            pk.candidates.append(cand)
        else:
            pk.error = err
        return pk
    return ParsedKey("jwks", source, error="the document is neither a JWK nor a JWKS ({keys: []})")


def _parse_pem(text: str) -> ParsedKey:
    data = text.strip().encode("utf-8")
    shape = key_shape(text)
    try:
        if shape == "certificate":
            cert = x509.load_pem_x509_certificate(data)
            fam, desc, algs = _describe_public(cert.public_key())
            subject = cert.subject.rfc4514_string() or "(no subject)"
            return ParsedKey(
                shape,
                f"{desc} from an X.509 certificate ({subject})",
                [Candidate("pem", cert.public_key(), algs, fam)],
            )
        if shape == "pem_private_key":
            priv = serialization.load_pem_private_key(data, password=None)
            pub = priv.public_key()
            fam, desc, algs = _describe_public(pub)
            f = make(codes.KEY_IS_PRIVATE, f"A PEM private key was pasted; its {desc} was used.")
            return ParsedKey(
                shape, f"{desc} (from a private key)", [Candidate("pem", pub, algs, fam)], [f]
            )
        if text.strip().startswith(("ssh-", "ecdsa-sha2-")):
            pub = serialization.load_ssh_public_key(data)
        else:
            pub = serialization.load_pem_public_key(data)
        fam, desc, algs = _describe_public(pub)
        return ParsedKey(shape, f"{desc} (PEM)", [Candidate("pem", pub, algs, fam)])
    except (ValueError, TypeError, jwt.InvalidKeyError) as exc:
        reason = str(exc).split(". See https")[0] or type(exc).__name__
        return ParsedKey(shape, "a PEM block", error=f"it does not load as a key ({reason})")
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm and friends
        return ParsedKey(shape, "a PEM block", error=f"it does not load as a key ({exc})")


def parse_key(text: str, policy: ProbePolicy = LOCAL, fetch_timeout: float = 3.0) -> ParsedKey:
    """Read whatever was pasted as the key. Never raises; problems are in .error/.findings."""
    shape = key_shape(text)
    if shape is None:
        return ParsedKey(None, "no key", error="the key is empty")
    if shape in ("pem_public_key", "pem_private_key", "certificate"):
        return _parse_pem(text)
    if shape in ("jwk", "jwks"):
        return parse_jwks_document(loads(text.strip()), "JWKS" if shape == "jwks" else "JWK")
    if shape in ("jwks_url", "url"):
        url = text.strip()
        try:
            result = fetch_jwks(url, policy, fetch_timeout)
        except ProbeBlockedError as exc:
            pk = ParsedKey("jwks_url", f"JWKS URL {url}", error=exc.reason)
            pk.findings.append(make(codes.JWKS_FETCH_BLOCKED, f"{url}: {exc.reason}."))
            pk.status_override = "bad_key"
            return pk
        except JWKSFetchError as exc:
            pk = ParsedKey("jwks_url", f"JWKS URL {url}", error=str(exc))
            pk.findings.append(make(codes.JWKS_FETCH_FAILED, f"{url}: {exc}."))
            pk.status_override = "bad_key"
            return pk
        pk = parse_jwks_document(result.document, f"JWKS from {url}")
        pk.shape = "jwks_url"
        return pk
    if shape == "jwt":
        pk = ParsedKey(
            "jwt",
            "a JWT (an API key or token), not a secret",
            hmac_candidates(text.strip(), first_only=True),
        )
        return pk
    if shape in ("publishable_key", "secret_key", "personal_access_token"):
        what = {
            "publishable_key": "an sb_publishable_ API key",
            "secret_key": "an sb_secret_ API key",
            "personal_access_token": "an sbp_ personal access token",
        }[shape]
        return ParsedKey(shape, what, error=f"{what} cannot verify a JWT")
    stripped = text.strip().strip("\"'").strip()
    n = len(stripped.encode("utf-8"))
    cands = [replace(c, raw_hmac=True) for c in hmac_candidates(text, first_only=True)]
    return ParsedKey("hmac_secret", f"HMAC secret, {n} bytes", cands)


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


@dataclass
class Verification:
    signature: Signature
    findings: list[Finding]
    verified_secret: bytes | None = None


def verify(
    token: str,
    header: dict[str, Any] | None,
    *,
    key: str | None,
    configured_secret: str | None,
    claims: dict[str, Any] | None,
    policy: ProbePolicy = LOCAL,
    fetch_timeout: float = 3.0,
) -> Verification:
    """Check the signature of a JWT whose header decoded."""
    findings: list[Finding] = []
    alg = header.get("alg") if isinstance(header, dict) else None
    kid = header.get("kid") if isinstance(header, dict) else None
    alg_text = alg if isinstance(alg, str) else None
    if isinstance(alg, str) and alg.lower() == "none":
        return Verification(
            Signature("unsigned", alg, None, 'alg "none": there is no signature to check'),
            findings,
        )
    if not alg_text:
        return Verification(
            Signature(
                "invalid",
                None,
                None,
                "the header has no alg: PyJWT raises InvalidAlgorithmError: "
                "Algorithm not specified",
            ),
            findings,
        )
    if isinstance(header, dict) and "kid" in header and not isinstance(kid, str):
        return Verification(
            Signature(
                "invalid",
                alg_text,
                None,
                "the kid header is not a string: PyJWT raises InvalidTokenError: Key ID header "
                "parameter must be a string",
            ),
            findings,
        )
    has_key = bool(key and key.strip())
    if not has_key and not configured_secret:
        return Verification(
            Signature("not_checked", alg_text, None, "no key given: the signature was not checked"),
            findings,
        )
    token_family = family_of(alg_text)
    jwks_hint = _jwks_hint(claims)

    parsed = parse_key(key, policy, fetch_timeout) if has_key else None
    candidates: list[Candidate] = list(parsed.candidates) if parsed else []
    if parsed:
        findings.extend(parsed.findings)
    if configured_secret:
        candidates.extend(hmac_candidates(configured_secret, "configured_secret", first_only=True))
    description = parsed.description if parsed else "the configured SUPABASE_JWT_SECRET"

    # Keys that are not keys at all.
    if parsed and parsed.shape == "jwt":
        findings.append(
            make(
                codes.KEY_IS_JWT,
                "The Key box holds a JWT. The anon/service_role keys are signed WITH the JWT "
                "secret; they are not the secret.",
            )
        )
    if parsed and parsed.shape in ("publishable_key", "secret_key", "personal_access_token"):
        findings.append(make(codes.KEY_IS_API_KEY, f"The Key box holds {parsed.description}."))
    if parsed and parsed.error and not candidates:
        status = parsed.status_override or "bad_key"
        if parsed.shape not in ("publishable_key", "secret_key", "personal_access_token") and not (
            parsed.findings
        ):
            findings.append(make(codes.KEY_UNREADABLE, f"{description}: {parsed.error}."))
        return Verification(
            Signature(status, alg_text, None, f"{description}: {parsed.error}", description),
            findings,
        )
    if parsed and parsed.is_jwks and parsed.jwks_size == 0:
        findings.append(make(codes.JWKS_EMPTY, f"{description}: its keys list is empty."))
        if not any(c.label.startswith("configured") for c in candidates):
            return Verification(
                Signature("key_not_found", alg_text, None, f"{description}: no keys", description),
                findings,
            )

    usable = [c for c in candidates if c.family == token_family]
    if not usable:
        fams = sorted({c.family for c in candidates})
        given = " / ".join(FAMILY_NAMES.get(f, f) for f in fams) or "no usable key"
        if token_family == "hmac":
            findings.append(
                make(
                    codes.SYMMETRIC_TOKEN_WITH_PUBLIC_KEY,
                    f"The token is {alg_text} (HMAC); the key is {given}.",
                )
            )
        elif "hmac" in fams and token_family in ("rsa", "ec", "okp"):
            findings.append(
                make(
                    codes.ASYMMETRIC_TOKEN_NEEDS_JWKS,
                    f"The token is {alg_text}; the key is an HMAC secret. PyJWT with "
                    f'algorithms=["HS256"] raises InvalidAlgorithmError: The specified alg value '
                    "is not allowed.",
                    jwks_url=jwks_hint or "https://<ref>.supabase.co/auth/v1/.well-known/jwks.json",
                    alg=alg_text,
                )
            )
        else:
            findings.append(
                make(
                    codes.KEY_ALGORITHM_MISMATCH,
                    f"The token is {alg_text}; the key is {given}.",
                    fix=f"Use {FAMILY_NAMES.get(token_family or '', 'a key')} for a {alg_text} "
                    "token: the public key of the key pair that signed it.",
                )
            )
        _key_status_findings(parsed, findings)
        return Verification(
            Signature(
                "wrong_key_type",
                alg_text,
                None,
                f"a {alg_text} token cannot be verified with {given}",
                description,
            ),
            findings,
        )

    if parsed and parsed.is_jwks and not (configured_secret and token_family == "hmac"):
        matching = [c for c in usable if c.kid == kid] if isinstance(kid, str) else usable
        if not matching:
            kids = ", ".join(c.kid or "?" for c in usable) or "none"
            findings.append(
                make(
                    codes.KEY_NOT_FOUND,
                    f'The token\'s kid is "{kid}"; {description} has kid {kids}. PyJWKClient '
                    f'raises PyJWKClientError: Unable to find a signing key that matches: "{kid}".',
                )
            )
            return Verification(
                Signature("key_not_found", alg_text, None, f'no key with kid "{kid}"', description),
                findings,
            )
        usable = matching + [c for c in usable if c not in matching and c.label.startswith("conf")]

    errors: list[str] = []
    weak_notes: list[str] = []
    queue = list(usable)
    i = 0
    while i < len(queue):
        cand = queue[i]
        i += 1
        if alg_text not in cand.algorithms:
            errors.append(
                f"{cand.label}: the key allows {', '.join(cand.algorithms)}, not {alg_text}"
            )
            continue
        ok, err, notes = _try(token, cand, alg_text)
        if cand.form in ("as given", "") or ok:
            weak_notes.extend(notes)
        if ok:
            _success_findings(cand, alg_text, parsed, findings, weak_notes)
            return Verification(
                Signature(
                    "valid",
                    alg_text,
                    cand.label,
                    f"verified with {_cand_text(cand, description)} ({alg_text})",
                    description,
                ),
                findings,
                verified_secret=cand.key if cand.family == "hmac" else None,
            )
        if err:
            errors.append(f"{cand.label}: {err}")
        if cand.source is not None:
            # the secret as given failed: now try it trimmed, base64- and hex-decoded
            queue[i:i] = hmac_candidates(cand.source, cand.label)[1:]

    usable = queue
    _weak_findings(usable, alg_text, weak_notes, findings)
    if parsed and parsed.shape in ("jwt", "publishable_key", "secret_key"):
        status = "bad_key"
    elif all("allows" in e for e in errors) and errors:
        status = "wrong_key_type"
        findings.append(
            make(
                codes.KEY_ALGORITHM_MISMATCH,
                "; ".join(errors[:3]) + ".",
                fix=f"Use the key that matches {alg_text} (a {alg_text} key pair's public key).",
            )
        )
    else:
        status = "invalid"
        tried = ", ".join(dict.fromkeys(c.form or c.label for c in usable if c.form)) or None
        detail = f"{description}" + (f" (tried: {tried})" if tried else "")
        pyjwt = next((e.split(": ", 1)[1] for e in errors if "Signature" in e), None)
        findings.append(
            make(
                codes.SIGNATURE_INVALID,
                f"{detail} does not verify this {alg_text} token."
                + (f" PyJWT: {pyjwt}." if pyjwt else ""),
                fix=None
                if token_family == "hmac"
                else "Use the JWKS of the project that issued the token "
                "(<iss>/.well-known/jwks.json); a stale cached JWKS also causes this.",
            )
        )
    _key_status_findings(parsed, findings)
    first = errors[0].split(": ", 1)[1] if errors else "signature verification failed"
    return Verification(Signature(status, alg_text, None, first, description), findings)


def _cand_text(cand: Candidate, description: str) -> str:
    if cand.label.startswith("configured_secret"):
        return f"the configured SUPABASE_JWT_SECRET ({cand.form})"
    if cand.family == "hmac" and cand.form:
        return f"the HMAC secret {cand.form}"
    if cand.label.startswith("jwk:"):
        return f"the JWK {cand.label[4:]} of the {description}"
    return f"the {description}"


def _success_findings(
    cand: Candidate,
    alg: str,
    parsed: ParsedKey | None,
    findings: list[Finding],
    weak_notes: list[str],
) -> None:
    label = cand.label
    if label.endswith("_trimmed"):
        findings.append(
            make(
                codes.KEY_NEEDS_TRIM,
                "The secret as given fails; without quotes/whitespace it works.",
            )
        )
    elif label.endswith("_base64_decoded"):
        findings.append(
            make(
                codes.KEY_BASE64_DECODED,
                f"The token verifies with the {cand.form} bytes of the secret, not its text.",
            )
        )
    elif label.endswith("_hex_decoded"):
        findings.append(
            make(codes.KEY_HEX_DECODED, "The token verifies with the hex-decoded bytes.")
        )
    _weak_findings([cand], alg, weak_notes, findings)
    if cand.family == "hmac":
        text = cand.key.decode("utf-8", "replace").strip() if isinstance(cand.key, bytes) else ""
        if text in supabase.KNOWN_PUBLIC_SECRETS:
            findings.append(
                make(
                    codes.KNOWN_PUBLIC_SECRET,
                    f"It is the JWT secret of {supabase.KNOWN_PUBLIC_SECRETS[text]}.",
                )
            )
    _key_status_findings(parsed, findings)


def _weak_findings(
    cands: list[Candidate], alg: str, notes: list[str], findings: list[Finding]
) -> None:
    if any(f.code in (codes.WEAK_SECRET, codes.WEAK_KEY) for f in findings):
        return
    minimum = HMAC_MINIMUM.get(alg, 32)
    hm = [c for c in cands if c.family == "hmac" and not c.label.startswith("configured")]
    hm = hm or [c for c in cands if c.family == "hmac"]
    if hm:
        n = len(hm[0].key) if isinstance(hm[0].key, bytes) else 0
        if n < minimum or notes:
            note = next((x for x in notes if "HMAC" in x), None)
            findings.append(
                make(
                    codes.WEAK_SECRET,
                    note or f"The secret is {n} bytes; {alg} needs at least {minimum}.",
                    minimum=minimum,
                )
            )
    for c in cands:
        if isinstance(c.key, rsa.RSAPublicKey) and c.key.key_size < 2048:
            findings.append(make(codes.WEAK_KEY, f"The RSA key is {c.key.key_size} bits."))
            break


def _key_status_findings(parsed: ParsedKey | None, findings: list[Finding]) -> None:
    """Facts about the key that hold whatever the outcome (known demo secrets)."""
    if parsed is None or parsed.shape != "hmac_secret" or not parsed.candidates:
        return
    if any(f.code == codes.KNOWN_PUBLIC_SECRET for f in findings):
        return
    for c in parsed.candidates:
        text = (c.source or "").strip().strip("\"'").strip()
        if text in supabase.KNOWN_PUBLIC_SECRETS:
            findings.append(
                make(
                    codes.KNOWN_PUBLIC_SECRET,
                    f"It is the JWT secret of {supabase.KNOWN_PUBLIC_SECRETS[text]}.",
                )
            )
            return


def _jwks_hint(claims: dict[str, Any] | None) -> str | None:
    if not isinstance(claims, dict):
        return None
    iss = claims.get("iss")
    ref = supabase.ref_from_issuer(iss)
    if ref:
        return supabase.jwks_url_for(ref)
    if isinstance(iss, str) and iss.rstrip("/").endswith("/auth/v1"):
        return supabase.jwks_url_from_issuer(iss) or (iss.rstrip("/") + "/.well-known/jwks.json")
    return None
