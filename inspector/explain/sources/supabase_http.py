"""Supabase's HTTP side: PostgREST (the Data API), Auth, the API gateway, Edge Functions,
supabase-js. Texts from reference/pasted-errors.md §5-8 (PostgREST v12 and v13+ wording both
appear in pastes from hosted projects)."""

from __future__ import annotations

from inspector.explain import codes as c
from inspector.explain.patterns import p

PATTERNS = (
    # PostgREST: a PGRST code is the least specific sign; its message says which failure.
    p("postgrest", c.JWT_SIGNATURE_FAILED, r"\bPGRST301\b", 10, fallback=True),
    p("postgrest", c.JWT_SIGNATURE_FAILED, r"JWSInvalidSignature", 36),
    p("postgrest", c.JWT_SIGNATURE_FAILED, r"JWT cryptographic operation failed", 34),
    p("postgrest", c.JWT_MALFORMED, r"Expected 3 parts in JWT; got", 38),
    p("postgrest", c.JWT_MALFORMED, r"Invalid number of parts: Expected 3 parts", 38),
    p("postgrest", c.JWT_MALFORMED, r"Wrong number of '\.' periods in JWT", 38),
    p("postgrest", c.JWT_MALFORMED, r"Empty JWT is sent in Authorization header", 38),
    p("postgrest", c.JWT_MALFORMED, r"JWT couldn't be decoded", 34),
    p("postgrest", c.JWT_MALFORMED, r"Unsupported token type", 30),
    p("postgrest", c.JWT_MALFORMED, r"CompactDecodeError", 34),
    p("postgrest", c.JWT_ALGORITHM, r"Wrong or unsupported encoding algorithm", 36),
    p("postgrest", c.KEY_NOT_FOUND, r"No suitable key or wrong key type", 34),
    p("postgrest", c.JWT_EXPIRED, r"\bPGRST303\b", 8, fallback=True),
    p("postgrest", c.JWT_EXPIRED, r"JWT expired", 34, cs=True),
    p("postgrest", c.JWT_NOT_YET_VALID, r"JWT not yet valid", 34),
    p("postgrest", c.JWT_NOT_YET_VALID, r"JWT issued at future", 34),
    p("postgrest", c.JWT_AUDIENCE, r"JWT not in audience", 34),
    p("postgrest", c.JWT_MISSING, r"\bPGRST302\b", 20),
    p("postgrest", c.JWT_MISSING, r"Anonymous access is disabled", 34),
    p("postgrest", c.POSTGREST_JWT_SECRET_MISSING, r"\bPGRST300\b", 20),
    p("postgrest", c.POSTGREST_JWT_SECRET_MISSING, r"Server lacks JWT secret", 36),
    # Supabase Auth (GoTrue): `invalid JWT: unable to parse or verify signature, <golang-jwt>`.
    p("supabase-auth", c.JWT_SIGNATURE_FAILED, r"unable to parse or verify signature", 22),
    p("supabase-auth", c.JWT_SIGNATURE_FAILED, r"token signature is invalid", 30),
    p("supabase-auth", c.JWT_SIGNATURE_FAILED, r"\"bad_jwt\"", 12, fallback=True),
    p("supabase-auth", c.JWT_ALGORITHM, r"signing method \w{2,10} is invalid", 38),
    p("supabase-auth", c.JWT_EXPIRED, r"token is expired", 32),
    p("supabase-auth", c.JWT_MALFORMED, r"token is malformed", 32),
    p("supabase-auth", c.JWT_MISSING, r"This endpoint requires a valid Bearer token", 34),
    p("supabase-auth", c.USER_TOKEN_REQUIRED, r"invalid claim: missing sub claim", 36),
    p("supabase-auth", c.USER_TOKEN_REQUIRED, r"sub claim must be a UUID", 34),
    p("supabase-auth", c.AUTH_SESSION_ENDED, r"Session from session_id claim in JWT does not", 36),
    p("supabase-auth", c.AUTH_SESSION_ENDED, r"Session is no longer valid", 34),
    p("supabase-auth", c.AUTH_SESSION_ENDED, r"\"session_not_found\"", 26),
    p("supabase-auth", c.REFRESH_TOKEN_REJECTED, r"Invalid Refresh Token", 36),
    p("supabase-auth", c.REFRESH_TOKEN_REJECTED, r"Refresh token is not valid", 34),
    p("supabase-auth", c.REFRESH_TOKEN_REJECTED, r"refresh_token_not_found", 30),
    p("supabase-auth", c.REFRESH_TOKEN_REJECTED, r"refresh_token_already_used", 30),
    # supabase-js `auth.getClaims()`.
    p("supabase-js", c.JWT_MALFORMED, r"Invalid JWT structure", 32),
    p("supabase-js", c.JWT_EXPIRED, r"JWT has expired", 32),
    p("supabase-js", c.JWT_SIGNATURE_FAILED, r"Invalid JWT signature", 32),
    # The API gateway (keys).
    p("supabase-gateway", c.LEGACY_KEYS_DISABLED, r"Legacy API keys are disabled", 45),
    p("supabase-gateway", c.API_KEY_INVALID, r"Invalid API key", 30),
    p("supabase-gateway", c.API_KEY_INVALID, r"Double check your Supabase", 28),
    p("supabase-gateway", c.API_KEY_MISSING, r"No API key found in request", 36),
    p("supabase-gateway", c.API_KEY_MISSING, r"UNAUTHORIZED_MISSING_API_KEY", 40),
    p("supabase-gateway", c.DNS_UNRESOLVED, r"name resolution failed", 24),
    # Edge Functions' gateway (verify_jwt), `sb-error-code` values and its older JSON bodies.
    p("edge-functions", c.JWT_MALFORMED, r"UNAUTHORIZED_INVALID_JWT_FORMAT", 45),
    p("edge-functions", c.JWT_MISSING, r"UNAUTHORIZED_NO_AUTH_HEADER", 45),
    p("edge-functions", c.JWT_MISSING, r"Missing authorization header", 30),
    p("edge-functions", c.EDGE_FUNCTION_JWT_REJECTED, r"UNAUTHORIZED_LEGACY_JWT", 45),
    p("edge-functions", c.EDGE_FUNCTION_JWT_REJECTED, r"UNAUTHORIZED_ASYMMETRIC_JWT", 45),
    p("edge-functions", c.JWT_ALGORITHM, r"UNAUTHORIZED_UNSUPPORTED_TOKEN_ALGORITHM", 45),
    p(
        "edge-functions",
        c.EDGE_FUNCTION_JWT_REJECTED,
        r"message[\"']?\s{0,3}:\s{0,3}[\"']Invalid JWT[\"']",
        26,
    ),
)
