"""Reading a pasted key: what it is, and the concrete keys (candidates) to verify with. Pure.

Every candidate carries the algorithms its KEY allows (an HMAC secret HS*, an EC P-256 key
ES256, ...), never the token's. A JWKS URL is fetched by the service (`tokens/fetch.py`) before
its document is read here: nothing in this module does I/O.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from inspector import supabase
from inspector.findings import Finding, make
from inspector.tokens import codes
from inspector.tokens.classify import jwt_kind, key_shape
from inspector.tokens.decode import decode_jwt, loads

HMAC_ALGS = ("HS256", "HS384", "HS512")
RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGS_BY_CURVE = {
    "secp256r1": ("ES256",),
    "secp384r1": ("ES384",),
    "secp521r1": ("ES512",),
    "secp256k1": ("ES256K",),
}
EC_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
OKP_ALGS = ("EdDSA",)
HMAC_MINIMUM = {"HS256": 32, "HS384": 48, "HS512": 64}

FAMILY_NAMES = {
    "hmac": "an HMAC secret",
    "rsa": "an RSA key",
    "ec": "an EC key",
    "okp": "an EdDSA key",
}
ASYMMETRIC = ("rsa", "ec", "okp")

# The forms of an HMAC secret tried, in order: form -> (key_used suffix, words).
FORMS = {
    "as_given": ("", "as given"),
    "trimmed": ("_trimmed", "trimmed of quotes and whitespace"),
    "base64": ("_base64_decoded", "base64-decoded"),
    "base64url": ("_base64_decoded", "base64url-decoded"),
    "hex": ("_hex_decoded", "hex-decoded"),
}

# Key shapes that are no verification key at all: (shape, words).
API_KEY_SHAPES = {
    "publishable_key": "an sb_publishable_ API key",
    "secret_key": "an sb_secret_ API key",
    "personal_access_token": "an sbp_ personal access token",
}
# Readable as a secret, but never the JWT secret: a JWT (the anon/service_role key) or an API key.
NOT_THE_SECRET = ("jwt", *API_KEY_SHAPES)
PEM_SHAPES = ("pem_public_key", "pem_private_key", "certificate")
URL_SHAPES = ("jwks_url", "url")

_HEX = set(string.hexdigits)
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def family_of(alg: object) -> str | None:
    """The key family an algorithm name needs: hmac, rsa, ec or okp."""
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


def needs_fetch(text: str | None) -> bool:
    """Whether this key is a URL the service fetches (a JWKS URL) before it can be read.

    The one answer for the service, the token view's probe slot and the probe rate limit.
    """
    return key_shape(text or "") in URL_SHAPES


def is_public_key(text: str | None) -> bool:
    """A key that is no secret: a JWKS URL, a PEM public key or certificate, a JWK or JWKS with
    no private or symmetric part. (The token page sends these back into its form.)"""
    shape = key_shape(text or "")
    if shape in URL_SHAPES:
        return True
    if shape in ("pem_public_key", "certificate"):
        return "PRIVATE KEY" not in (text or "").upper()
    if shape not in ("jwk", "jwks"):
        return False
    try:
        doc = loads((text or "").strip())
    except ValueError:
        return False
    jwks = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else doc
    jwks = jwks if isinstance(jwks, list) else [jwks]
    return all(
        isinstance(k, dict) and k.get("kty") in ("RSA", "EC", "OKP") and not _PRIVATE & set(k)
        for k in jwks
    )


# The members of a JWK that hold a private (or symmetric) key.
_PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True)
class Candidate:
    """One concrete key to try, with the algorithms the KEY allows."""

    origin: str  # "secret" (an HMAC secret in the Key box), "configured_secret", "pem", "jwk"
    key: Any
    algorithms: tuple[str, ...]
    family: str
    form: str = ""  # an HMAC secret's form (a FORMS key); "" for keys read as they are
    kid: str | None = None
    index: int = 0  # its place in a JWKS: the label of a JWK without a kid
    source: str | None = None  # HMAC as given: its other forms are made only if it fails
    raw_hmac: bool = False  # bytes already known not to be a PEM or JWK
    private: bool = False  # read from a private key (`key` is its public half)

    @property
    def label(self) -> str:
        """The `key_used` of the JSON: secret, secret_trimmed, jwk:<kid>, pem, ..."""
        if self.origin == "jwk":
            return f"jwk:{self.kid}" if self.kid else f"jwk:#{self.index + 1}"
        return self.origin + (FORMS[self.form][0] if self.form else "")

    @property
    def form_words(self) -> str:
        return FORMS[self.form][1] if self.form else ""

    @property
    def configured(self) -> bool:
        return self.origin == "configured_secret"

    @property
    def as_given(self) -> bool:
        return self.form in ("as_given", "")


@dataclass(frozen=True)
class ParsedKey:
    """What the pasted key is (`shape`, `description`) and the candidates it yields."""

    shape: str | None
    description: str
    candidates: tuple[Candidate, ...] = ()
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    is_jwks: bool = False
    jwks_size: int = 0


def read_key(text: str) -> ParsedKey:
    """Read whatever was pasted as the key. Never raises; problems are in .error/.findings.

    A URL is not read here: the service fetches it and passes the document to
    `read_fetched_jwks` (or the failure to `unfetched`).
    """
    shape = key_shape(text)
    if shape is None:
        return ParsedKey(None, "no key", error="the key is empty")
    if shape in PEM_SHAPES:
        return _read_pem(text)
    if shape in ("jwk", "jwks"):
        return read_jwks(loads(text.strip()), "JWKS" if shape == "jwks" else "JWK")
    if shape in URL_SHAPES:
        url = text.strip()
        return ParsedKey("jwks_url", f"JWKS URL {url}", error="the URL was not fetched")
    if shape == "jwt":
        return ParsedKey(
            "jwt",
            "a JWT (an API key or token), not a secret",
            tuple(hmac_candidates(text.strip(), first_only=True)),
            (_key_is_jwt(text.strip()),),
        )
    if shape in API_KEY_SHAPES:
        # A readable secret, just not the JWT secret: tried as one, so the verdict is "invalid"
        # (it does not verify), never "bad_key" (a key that cannot be read at all).
        what = API_KEY_SHAPES[shape]
        found = make(codes.KEY_IS_API_KEY, f"The Key box holds {what}, not the JWT secret.")
        tried = (replace(c, raw_hmac=True) for c in hmac_candidates(text.strip(), first_only=True))
        return ParsedKey(shape, what, tuple(tried), (found,))
    stripped = text.strip().strip("\"'").strip()
    n = len(stripped.encode("utf-8"))
    first = [replace(c, raw_hmac=True) for c in hmac_candidates(text, first_only=True)]
    return ParsedKey("hmac_secret", f"HMAC secret, {n} bytes", tuple(first))


def _key_is_jwt(text: str) -> Finding:
    """key_is_jwt, named by what the JWT is (the anon or service_role key)."""
    kind = jwt_kind(decode_jwt(text).claims)
    if kind == "supabase_anon_key":
        return codes.KEY_IS_ANON_KEY.make("The Key box holds an anon key (a JWT).")
    if kind == "supabase_service_role_key":
        detail = "The Key box holds a service_role key (a JWT)."
        return codes.KEY_IS_SERVICE_ROLE_KEY.make(detail)
    return make(codes.KEY_IS_JWT, "The Key box holds a JWT.")


def read_fetched_jwks(document: Any, url: str) -> ParsedKey:
    """The document fetched from a JWKS URL, read as a JWKS (or a JWK)."""
    pk = read_jwks(document, f"JWKS from {url}")
    return ParsedKey(
        "jwks_url", pk.description, pk.candidates, pk.findings, pk.error, pk.is_jwks, pk.jwks_size
    )


def unfetched(url: str, reason: str, *, blocked: bool) -> ParsedKey:
    """A JWKS URL that could not be fetched (`blocked`: the probe policy refused it)."""
    code = codes.JWKS_FETCH_BLOCKED if blocked else codes.JWKS_FETCH_FAILED
    return ParsedKey(
        "jwks_url", f"JWKS URL {url}", findings=(make(code, f"{url}: {reason}."),), error=reason
    )


# --- HMAC secrets -----------------------------------------------------------------------------


def _hmac_forms(secret: str) -> Iterator[tuple[str, bytes | None]]:
    """(form, bytes) of an HMAC secret, in the order they are tried (None: not that form)."""
    yield "as_given", secret.encode("utf-8")
    t = secret.strip().strip("\"'").strip()
    yield "trimmed", t.encode("utf-8")
    padded = t + "=" * (-len(t) % 4)
    if len(t) >= 16 and _B64.match(t) and len(t.rstrip("=")) % 4 != 1:
        yield "base64", _decoded(base64.b64decode, padded)
    if len(t) >= 16 and _B64URL.match(t) and ("-" in t or "_" in t):
        yield "base64url", _decoded(base64.urlsafe_b64decode, padded)
    if len(t) >= 32 and len(t) % 2 == 0 and set(t) <= _HEX:
        yield "hex", bytes.fromhex(t)


def _decoded(decode: Callable[[str], bytes], text: str) -> bytes | None:
    try:
        return decode(text)
    except (binascii.Error, ValueError):
        return None


def hmac_candidates(
    secret: str, origin: str = "secret", *, first_only: bool = False
) -> list[Candidate]:
    """The forms of a secret to try; `first_only`: just "as given" (the rest come lazily)."""
    if first_only:
        raw = secret.encode("utf-8")
        if not raw:
            return []
        return [Candidate(origin, raw, HMAC_ALGS, "hmac", form="as_given", source=secret)]
    out: list[Candidate] = []
    seen: set[bytes] = set()
    for form, value in _hmac_forms(secret):
        if value and value not in seen:
            seen.add(value)
            out.append(Candidate(origin, value, HMAC_ALGS, "hmac", form=form))
    return out


# --- JWK and JWKS -----------------------------------------------------------------------------


_PRIVATE_KEYS = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)


def _jwk_algorithms(obj: dict[str, Any], pk: jwt.PyJWK, key: Any) -> tuple[str, ...]:
    """The algorithms a JWK allows: its `alg` when it has one, else all its key type allows.

    RFC 7517 makes `alg` optional; PyJWK then assumes RS256 for every RSA key, so an RSA JWK
    without `alg` would refuse RS384/512 and PS256/384/512 tokens it verifies.
    """
    if isinstance(obj.get("alg"), str):
        return (pk.algorithm_name,)
    if isinstance(key, rsa.RSAPublicKey):
        return RSA_ALGS
    if isinstance(key, ec.EllipticCurvePublicKey):
        return EC_ALGS_BY_CURVE.get(key.curve.name, (pk.algorithm_name,))
    return (pk.algorithm_name,)


def _jwk_candidate(obj: dict[str, Any], index: int) -> tuple[Candidate | None, str | None]:
    try:
        pk = jwt.PyJWK(obj)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        return None, f"key {index + 1}: {exc}"
    kid = obj.get("kid") if isinstance(obj.get("kid"), str) else None
    key, private = pk.key, isinstance(pk.key, _PRIVATE_KEYS)
    if private:
        key = key.public_key()  # verifying needs only the public half (RSA's cannot verify)
    family = "hmac" if obj.get("kty") == "oct" else (family_of(pk.algorithm_name) or "other")
    algorithms = _jwk_algorithms(obj, pk, key)
    cand = Candidate("jwk", key, algorithms, family, kid=kid, index=index, private=private)
    return cand, None


def _private_jwk_finding(candidates: tuple[Candidate, ...], source: str) -> Finding | None:
    """key_is_private for the private JWKs among the candidates (one finding for them all)."""
    private = [c for c in candidates if c.private]
    if not private:
        return None
    names = ", ".join(c.label.removeprefix("jwk:") for c in private[:6])
    if all(_is_local_cli_key(c.key) for c in private):
        detail = f"{source}: {names} is the CLI's default signing key, private part included."
        return codes.KNOWN_PRIVATE_KEY.make(detail)
    many = len(private) > 1
    detail = (
        f"{source}: {'keys' if many else 'key'} {names} {'hold' if many else 'holds'} the "
        "private part (`d`); only the public part was used to verify."
    )
    return make(codes.KEY_IS_PRIVATE, detail)


def _is_local_cli_key(key: Any) -> bool:
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    if key.curve.name != "secp256r1":
        return False
    x = key.public_numbers().x.to_bytes(32, "big")
    return base64.urlsafe_b64encode(x).rstrip(b"=").decode() == supabase.LOCAL_CLI_SIGNING_KEY_X


def _jwk_label(obj: dict[str, Any]) -> str:
    bits = ", ".join(v for v in (obj.get(n) for n in ("kty", "crv", "alg")) if isinstance(v, str))
    if obj.get("kty") != "oct" and "d" in obj:
        bits += ", private"
    kid = obj.get("kid")
    return f"{bits}{', kid ' + kid if isinstance(kid, str) else ''}"


def read_jwks(doc: Any, source: str) -> ParsedKey:
    """A parsed JSON document as a JWKS (`{"keys": [...]}`), a JSON array of JWKs (the CLI's
    `signing_keys.json`) or a single JWK."""
    if isinstance(doc, list):
        doc, source = {"keys": doc}, source.replace("JWKS", "JWK array")
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        keys = [k for k in doc["keys"] if isinstance(k, dict)]
        read = [_jwk_candidate(k, i) for i, k in enumerate(keys)]
        candidates = tuple(c for c, _ in read if c)
        problems = [e for _, e in read if e]
        kids = [c.kid for c in candidates if c.kid]
        description = f"{source} with {len(keys)} key{'s' if len(keys) != 1 else ''}" + (
            f" (kid {', '.join(kids[:6])})" if kids else ""
        )
        error = None
        if keys and not candidates:
            error = "none of its keys can be read: " + "; ".join(problems[:3])
        private = _private_jwk_finding(candidates, source)
        return ParsedKey(
            "jwks",
            description,
            candidates,
            (private,) if private else (),
            error=error,
            is_jwks=True,
            jwks_size=len(keys),
        )
    if isinstance(doc, dict) and "kty" in doc:
        cand, err = _jwk_candidate(doc, 0)
        description = f"{source.replace('JWKS', 'JWK')} ({_jwk_label(doc)})"
        private = _private_jwk_finding((cand,) if cand else (), "The JWK")
        return ParsedKey(
            "jwk", description, (cand,) if cand else (), (private,) if private else (), error=err
        )
    return ParsedKey("jwks", source, error="the document is neither a JWK nor a JWKS ({keys: []})")


# --- PEM, certificates, SSH -------------------------------------------------------------------


def _describe_public(pub: Any) -> tuple[str, str, tuple[str, ...]]:
    """(family, description, algorithms) of a cryptography public key."""
    if isinstance(pub, rsa.RSAPublicKey):
        return "rsa", f"RSA {pub.key_size}-bit public key", RSA_ALGS
    if isinstance(pub, ec.EllipticCurvePublicKey):
        curve = pub.curve.name
        label = EC_CURVE_NAMES.get(curve, curve)
        return "ec", f"EC {label} public key", EC_ALGS_BY_CURVE.get(curve, ())
    if isinstance(pub, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return "okp", "EdDSA public key", OKP_ALGS
    return "other", f"{type(pub).__name__}", ()


def _public_key(text: str, shape: str) -> ParsedKey:
    data = text.strip().encode("utf-8")
    if shape == "certificate":
        cert = x509.load_pem_x509_certificate(data)
        fam, desc, algs = _describe_public(cert.public_key())
        subject = cert.subject.rfc4514_string() or "(no subject)"
        return ParsedKey(
            shape,
            f"{desc} from an X.509 certificate ({subject})",
            (Candidate("pem", cert.public_key(), algs, fam),),
        )
    if shape == "pem_private_key":
        pub = serialization.load_pem_private_key(data, password=None).public_key()
        fam, desc, algs = _describe_public(pub)
        detail = f"A PEM private key was pasted; only its public half ({desc}) was used."
        found = make(codes.KEY_IS_PRIVATE, detail)
        cand = Candidate("pem", pub, algs, fam, private=True)
        return ParsedKey(shape, f"{desc} (from a private key)", (cand,), (found,))
    if text.strip().startswith(("ssh-", "ecdsa-sha2-")):
        pub = serialization.load_ssh_public_key(data)
    else:
        pub = serialization.load_pem_public_key(data)
    fam, desc, algs = _describe_public(pub)
    return ParsedKey(shape, f"{desc} (PEM)", (Candidate("pem", pub, algs, fam),))


def _read_pem(text: str) -> ParsedKey:
    shape = key_shape(text) or "pem_public_key"
    try:
        return _public_key(text, shape)
    except (ValueError, TypeError, jwt.InvalidKeyError) as exc:
        reason = str(exc).split(". See https")[0] or type(exc).__name__
        return ParsedKey(shape, "a PEM block", error=f"it does not load as a key ({reason})")
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm and friends
        return ParsedKey(shape, "a PEM block", error=f"it does not load as a key ({exc})")
