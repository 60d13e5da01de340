"""JWT libraries: PyJWT, python-jose, Authlib (Python); jose, jsonwebtoken (JavaScript).

Texts from reference/pasted-errors.md §1-5a and errors.md Part A. Exception class names are the
surest sign (messages drift between versions); a module path (`jose.exceptions.`) beats a bare
class, which beats a bare message.
"""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import p

PATTERNS = (
    # PyJWT (messages without the final period python-jose adds).
    p("pyjwt", c.JWT_SIGNATURE_FAILED, r"jwt\.exceptions\.InvalidSignatureError", 35),
    p("pyjwt", c.JWT_SIGNATURE_FAILED, r"InvalidSignatureError", 30),
    p("pyjwt", c.JWT_SIGNATURE_FAILED, r"Signature verification failed(?!\.)", 20, cs=True),
    p("pyjwt", c.JWT_EXPIRED, r"jwt\.exceptions\.ExpiredSignatureError", 35),
    p("pyjwt", c.JWT_EXPIRED, r"ExpiredSignatureError", 28),
    p("pyjwt", c.JWT_EXPIRED, r"Signature has expired(?!\.)", 20, cs=True),
    p("pyjwt", c.JWT_NOT_YET_VALID, r"ImmatureSignatureError", 30),
    p("pyjwt", c.JWT_NOT_YET_VALID, r"The token is not yet valid", 25),
    p("pyjwt", c.JWT_AUDIENCE, r"InvalidAudienceError", 30),
    p("pyjwt", c.JWT_AUDIENCE, r"Invalid audience", 20),
    p("pyjwt", c.JWT_AUDIENCE, r"Audience doesn't match", 25),
    p("pyjwt", c.JWT_AUDIENCE_MISSING, r"Token is missing the \"aud\" claim", 35),
    p("pyjwt", c.JWT_ISSUER, r"InvalidIssuerError", 30),
    p("pyjwt", c.JWT_ISSUER, r"Invalid issuer", 20),
    p("pyjwt", c.JWT_MALFORMED, r"Not enough segments", 25),
    p("pyjwt", c.JWT_MALFORMED, r"Invalid header padding", 25),
    p("pyjwt", c.JWT_MALFORMED, r"Invalid header string", 25),
    p("pyjwt", c.JWT_MALFORMED, r"Invalid payload padding", 25),
    p("pyjwt", c.JWT_MALFORMED, r"Invalid crypto padding", 25),
    p("pyjwt", c.JWT_ALGORITHM, r"InvalidAlgorithmError", 30),
    p("pyjwt", c.JWT_ALGORITHM, r"The specified alg value is not allowed", 30),
    p("pyjwt", c.JWT_ALGORITHM, r"Could not parse the provided public key", 30),
    p("pyjwt", c.JWT_ALGORITHM, r"should not be used as an HMAC secret", 30),
    p("pyjwt", c.JWT_ALGORITHM, r"does not match the key's algorithm", 30),
    p("pyjwt", c.JWT_ALGORITHMS_MISSING, r"pass in a value for the \"algorithms\" argument", 35),
    p("pyjwt", c.KEY_NOT_FOUND, r"Unable to find a signing key that matches", 35),
    p("pyjwt", c.JWKS_EMPTY, r"The JWK Set did not contain any keys", 35),
    # python-jose: `jose.exceptions.<Class>`; messages end with a period.
    p("python-jose", c.JWT_SIGNATURE_FAILED, r"jose\.exceptions\.JWSSignatureError", 36),
    p("python-jose", c.JWT_SIGNATURE_FAILED, r"JWSSignatureError", 31),
    p("python-jose", c.JWT_SIGNATURE_FAILED, r"jose\.exceptions\.\w{2,20}: Signature verif", 36),
    p("python-jose", c.JWT_SIGNATURE_FAILED, r"Signature verification failed\.", 25, cs=True),
    p("python-jose", c.JWT_EXPIRED, r"jose\.exceptions\.ExpiredSignatureError", 36),
    p("python-jose", c.JWT_EXPIRED, r"Signature has expired\.", 25, cs=True),
    p("python-jose", c.JWT_AUDIENCE, r"JWTClaimsError: Invalid audience", 33),
    p("python-jose", c.JWT_ISSUER, r"JWTClaimsError: Invalid issuer", 33),
    p("python-jose", c.JWT_MALFORMED, r"jose\.exceptions\.JWTError: Not enough segments", 36),
    p("python-jose", c.JWT_MALFORMED, r"JWTError: Not enough segments", 33),
    p("python-jose", c.JWT_ALGORITHM, r"JWTError: The specified alg value is not allowed", 33),
    p("python-jose", c.JWT_ALGORITHM, r"JWKError: Unable to load PEM file", 33),
    p("cryptography", c.JWT_ALGORITHM, r"Unable to load PEM file", 22),
    # Authlib: `<error>: <description>`.
    p("authlib", c.JWT_SIGNATURE_FAILED, r"BadSignatureError", 32),
    p("authlib", c.JWT_SIGNATURE_FAILED, r"bad_signature", 30),
    p("authlib", c.JWT_EXPIRED, r"ExpiredTokenError", 32),
    p("authlib", c.JWT_EXPIRED, r"expired_token", 30),
    p("authlib", c.JWT_AUDIENCE, r"Invalid claim 'aud'", 30),
    p("authlib", c.JWT_NOT_YET_VALID, r"The token is not valid yet", 30),
    p("authlib", c.JWT_NOT_YET_VALID, r"The token is not valid as it was issued in the future", 30),
    p("authlib", c.JWT_MALFORMED, r"Invalid input segments length", 30),
    # jose (JavaScript: Edge Functions, Node).
    p("jose", c.JWT_SIGNATURE_FAILED, r"JWSSignatureVerificationFailed", 36),
    p("jose", c.JWT_SIGNATURE_FAILED, r"signature verification failed", 18, cs=True),
    p("jose", c.JWT_EXPIRED, r"JWTExpired", 36, cs=True),
    p("jose", c.JWT_EXPIRED, r"\"exp\" claim timestamp check failed", 32),
    p("jose", c.JWT_NOT_YET_VALID, r"\"nbf\" claim timestamp check failed", 32),
    p("jose", c.JWT_NOT_YET_VALID, r"\"iat\" claim timestamp check failed", 32),
    p("jose", c.JWT_AUDIENCE, r"unexpected \"aud\" claim value", 32),
    p("jose", c.JWT_ISSUER, r"unexpected \"iss\" claim value", 32),
    p("jose", c.JWT_MALFORMED, r"Invalid Compact JWS", 32),
    p("jose", c.JWT_ALGORITHM, r"JOSEAlgNotAllowed", 36),
    p("jose", c.JWT_ALGORITHM, r"\"alg\" \(Algorithm\) Header Parameter value not allowed", 32),
    p("jose", c.JWT_ALGORITHM, r"Unsupported \"alg\" value for a JSON Web Key Set", 36),
    p("jose", c.JWT_ALGORITHM, r"algorithm must be (?:one )?of type CryptoKey", 36),
    p("jose", c.KEY_NOT_FOUND, r"JWKSNoMatchingKey", 36),
    p("jose", c.KEY_NOT_FOUND, r"no applicable key found in the JSON Web Key Set", 32),
    # jsonwebtoken (Node): lower-case messages.
    p("jsonwebtoken", c.JWT_SIGNATURE_FAILED, r"JsonWebTokenError: invalid signature", 33),
    p("jsonwebtoken", c.JWT_SIGNATURE_FAILED, r"invalid signature", 15, cs=True),
    p("jsonwebtoken", c.JWT_EXPIRED, r"TokenExpiredError", 33),
    p("jsonwebtoken", c.JWT_EXPIRED, r"jwt expired", 25, cs=True),
    p("jsonwebtoken", c.JWT_NOT_YET_VALID, r"NotBeforeError", 33),
    p("jsonwebtoken", c.JWT_AUDIENCE, r"jwt audience invalid", 30),
    p("jsonwebtoken", c.JWT_ISSUER, r"jwt issuer invalid", 30),
    p("jsonwebtoken", c.JWT_MALFORMED, r"jwt malformed", 30),
    p("jsonwebtoken", c.JWT_ALGORITHM, r"JsonWebTokenError: invalid algorithm", 33),
    p("jsonwebtoken", c.JWT_MISSING, r"jwt must be provided", 30),
    # golang-jwt (Go services; Supabase Auth quotes it, see supabase_http.py).
    p("golang-jwt", c.JWT_MALFORMED, r"token contains an invalid number of segments", 30),
    p("golang-jwt", c.JWT_MALFORMED, r"invalid number of segments", 22),
    # FastAPI's HTTPBearer: no (or a non-Bearer) Authorization header.
    p("fastapi", c.JWT_MISSING, r"\"detail\"\s{0,3}:\s{0,3}\"Not authenticated\"", 30),
)
