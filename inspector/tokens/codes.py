"""The token inspector's finding codes (api.md, token section), each defined once.

Fix texts name the exact change. `{placeholders}` are filled by `findings.make(..., **fmt)`.
Where one code covers situations that need their own title, fix or severity, each is a named
`Variant` at the end of this module; call sites never override the catalog's text.
"""

from __future__ import annotations

from inspector.findings import Variant, define


def _d(code: str, severity: str, title: str, fix: str | None = None) -> str:
    return define(code, severity, title, fix, area="token")


# Input.
INPUT_CLEANED = _d(
    "input_cleaned",
    "info",
    "Extra text around the token was removed",
    "Pass only the token itself to jwt.decode(): strip the `Bearer ` prefix, quotes and "
    'whitespace, e.g. `token = header.removeprefix("Bearer ").strip()`.',
)
MALFORMED_TOKEN = _d(
    "malformed_token",
    "error",
    "The token is not a well-formed JWT",
    "Copy the whole token again: a JWT is three base64url parts joined by dots "
    "(header.payload.signature), with nothing cut off or added.",
)
TOKEN_TRUNCATED = _d(
    "token_truncated",
    "error",
    "The token was cut off",
    "Copy the whole token again: no key verifies a cut-off token. If your code stores or sends "
    "it, check what shortens it (a column or variable length, a cookie size limit, a log line, a "
    "UI that shows `eyJ...…`).",
)
WRONG_INSPECTOR = _d(
    "wrong_inspector",
    "warning",
    "This is not a token",
    None,
)

# Kinds.
ALG_NONE = _d(
    "alg_none",
    "error",
    'The token is unsigned (alg "none")',
    'Never accept it: decode with an explicit list such as algorithms=["HS256"] or ["ES256"], '
    "which rejects unsigned tokens.",
)
SERVICE_ROLE_KEY = _d(
    "service_role_key",
    "warning",
    "This is the service_role key: it bypasses Row Level Security",
    "Keep it on the server only (never in a browser, a mobile app or a NEXT_PUBLIC_/VITE_/"
    "EXPO_PUBLIC_ variable); rotate it in the dashboard if it was ever exposed.",
)
ANON_KEY_NOT_SESSION = _d(
    "anon_key_not_session",
    "warning",
    "This is the project's anon key, not a user's session token",
    "Send the user's access token instead: `(await supabase.auth.getSession()).data.session"
    ".access_token` in the browser, as `Authorization: Bearer <access_token>`.",
)
API_KEY_NOT_JWT = _d(
    "api_key_not_jwt",
    "warning",
    "sb_ API keys are not JWTs",
    "Send it only as the `apikey` header; put a user's access token (a JWT) in "
    "`Authorization: Bearer`, never the sb_ key. It cannot be decoded or verified with PyJWT.",
)
REFRESH_TOKEN_NOT_ACCESS = _d(
    "refresh_token_not_access",
    "warning",
    "This is a refresh token, not an access token",
    "Use `session.access_token` (a JWT) for API calls; a refresh token is opaque, single-use, "
    "and only goes to `supabase.auth.refreshSession({ refresh_token })`.",
)
PERSONAL_ACCESS_TOKEN = _d(
    "personal_access_token",
    "warning",
    "This is a Supabase personal access token (Management API)",
    "It is for https://api.supabase.com (the CLI, the Management API), not for your project's "
    "REST/Auth APIs; keep it out of apps and revoke it at supabase.com/dashboard/account/tokens "
    "if it leaked.",
)
ANONYMOUS_USER = _d(
    "anonymous_user",
    "info",
    "The user signed in anonymously",
    "Anonymous users have the `authenticated` role: in RLS policies check "
    "`(auth.jwt()->>'is_anonymous')::boolean` to tell them apart from permanent users.",
)
OTHER_ISSUER = _d(
    "other_issuer",
    "info",
    "Issued by {family}, not by Supabase Auth",
    "Verify it with {family}'s keys (its JWKS), not a Supabase secret.",
)
KNOWN_DEMO_KEY = _d(
    "known_demo_key",
    "warning",
    "This is a publicly known demo key",
    "It is only for the local CLI stack or the self-hosting example: anyone can mint tokens for "
    "it. Generate your own JWT secret and keys before exposing the project.",
)

# Times.
TOKEN_EXPIRED = _d(
    "token_expired",
    "error",
    "The token has expired",
    "Get a fresh token: supabase-js refreshes sessions itself; call `supabase.auth.getSession()` "
    "just before the request (or `refreshSession()`), rather than storing the access token.",
)
TOKEN_NOT_YET_VALID = _d(
    "token_not_yet_valid",
    "error",
    "The token is not valid yet (nbf is in the future)",
    "Sync the clocks (NTP) or pass a leeway, e.g. `jwt.decode(..., leeway=30)`.",
)
ISSUED_IN_FUTURE = _d(
    "issued_in_future",
    "error",
    "The token was issued in the future (clock skew)",
    "PyJWT raises ImmatureSignatureError for it: sync this machine's clock (NTP) or pass "
    "`leeway=` a few seconds more than the skew.",
)
EXP_IN_MILLISECONDS = _d(
    "exp_in_milliseconds",
    "error",
    "exp looks like milliseconds, not seconds",
    "JWT times are seconds since 1970: mint with `int(time.time()) + 3600`, not "
    "`Date.now() + 3600000`.",
)
NO_EXPIRY = _d(
    "no_expiry",
    "warning",
    "The token never expires (no exp claim)",
    'Mint tokens with an `exp` claim, and verify with `options={"require": ["exp"]}` so '
    "PyJWT refuses tokens without one.",
)
LIFETIME_UNUSUAL = _d(
    "lifetime_unusual",
    "info",
    "The token's lifetime differs from Supabase's default",
    None,
)

# Audience and project.
AUDIENCE_REQUIRED = _d(
    "audience_required",
    "warning",
    "The token has an audience: the verifier must pass it",
    'Pass `audience="{aud}"` to jwt.decode(); without it PyJWT raises '
    "InvalidAudienceError: Invalid audience.",
)
AUDIENCE_MISMATCH = _d(
    "audience_mismatch",
    "error",
    "The audience asked for differs from the token's",
    'Verify with `audience="{aud}"` (the token\'s aud), or issue the token for the audience you '
    "expect.",
)
AUDIENCE_MISSING = _d(
    "audience_missing",
    "error",
    "An audience was asked for, but the token has no aud claim",
    "Drop `audience=` when verifying API keys (anon/service_role have no aud); PyJWT raises "
    'MissingRequiredClaimError: Token is missing the "aud" claim.',
)
PROJECT_MISMATCH = _d(
    "project_mismatch",
    "error",
    "The token belongs to another Supabase project",
    "Use the keys and secret of project {token_ref} with this token, or get a token from project "
    "{given_ref}.",
)
PROJECT_UNREADABLE = _d(
    "project_unreadable",
    "warning",
    "The project given is not a project ref or URL",
    "Give the project as `https://<ref>.supabase.co` or the 20-letter ref.",
)

# Keys and signature.
SIGNATURE_VALID = _d(
    "signature_valid",
    "info",
    "The signature is valid",
    None,
)
SIGNATURE_NOT_CHECKED = _d(
    "signature_not_checked",
    "info",
    "The signature was not checked: header and claims are unverified",
    "Paste the key in the Key box: the JWT secret (Project Settings > JWT Keys), a public key, "
    "or the project's JWKS URL.",
)
SIGNATURE_INVALID = _d(
    "signature_invalid",
    "error",
    "The key does not verify this token",
    "Use the JWT secret of the project that issued the token (Project Settings > JWT Keys > "
    "Legacy JWT Secret), not the anon/service_role key or another project's secret.",
)
KEY_IS_JWT = _d(
    "key_is_jwt",
    "error",
    "The key pasted is a JWT (an API key), not the JWT secret",
    "The anon and service_role keys are tokens signed with the secret, not the secret: set "
    "SUPABASE_JWT_SECRET to the Legacy JWT Secret from Project Settings > JWT Keys.",
)
KEY_IS_API_KEY = _d(
    "key_is_api_key",
    "error",
    "The key pasted is an sb_ API key, not a verification key",
    "sb_publishable_/sb_secret_ keys cannot verify JWTs: use the project's JWKS URL "
    "(https://<ref>.supabase.co/auth/v1/.well-known/jwks.json) or the Legacy JWT Secret.",
)
KEY_NEEDS_TRIM = _d(
    "key_needs_trim",
    "warning",
    "The key verifies only after stripping quotes or whitespace",
    "Remove the quotes/spaces/newline around the secret where it is stored (e.g. "
    "`SUPABASE_JWT_SECRET=value` in .env, no trailing space), or `.strip()` it when reading.",
)
KEY_INVISIBLE_CHARACTERS = _d(
    "key_invisible_characters",
    "warning",
    "The key held invisible characters; they were removed",
    "Remove them where the key is stored: a byte-order mark comes from an editor saving "
    '"UTF-8 with BOM", zero-width and no-break spaces from copying a web page or a chat. '
    '`.strip()` keeps them; `"".join(c for c in key if c.isprintable()).strip()` drops them.',
)
KEY_BASE64_DECODED = _d(
    "key_base64_decoded",
    "warning",
    "The secret verifies only when base64-decoded",
    "Supabase signs with the secret's raw text: if your verifier base64-decodes it, pass the "
    "string as-is; if you minted tokens with the decoded bytes, re-mint with the raw string.",
)
KEY_HEX_DECODED = _d(
    "key_hex_decoded",
    "warning",
    "The secret verifies only when hex-decoded",
    "Supabase signs with the secret's raw text: whoever minted this token treated the secret as "
    "hex. Re-mint with the raw string (a known self-hosting key-generator pitfall).",
)
KEY_IS_PRIVATE = _d(
    "key_is_private",
    "error",
    "A private key was pasted: it must never leave its server",
    "Rotate it: whoever has it can sign tokens your project accepts. Create a new signing key "
    "(Project Settings > JWT Keys), revoke this one, and verify only with the public key or the "
    "project's JWKS URL (https://<ref>.supabase.co/auth/v1/.well-known/jwks.json).",
)
KEY_UNREADABLE = _d(
    "key_unreadable",
    "error",
    "The key cannot be read",
    "Paste an HMAC secret, a PEM public key or certificate (-----BEGIN PUBLIC KEY-----), a JWK or "
    "JWKS JSON object, or an https JWKS URL.",
)
KEY_NOT_FOUND = _d(
    "key_not_found",
    "error",
    "The JWKS has no key for this token's kid",
    "Use the JWKS of the project that issued the token; if the key was just created, wait for "
    "caches (up to 20 min); an HS256 token with a kid is signed by the legacy secret, "
    "which no JWKS publishes.",
)
KEY_ALGORITHM_MISMATCH = _d(
    "key_algorithm_mismatch",
    "error",
    "The key is of a different type than the token's algorithm",
    None,
)
WEAK_KEY = _d(
    "weak_key",
    "warning",
    "The RSA key is shorter than 2048 bits",
    "Use an RSA key of 2048 bits or more, or ES256 (P-256) as Supabase recommends.",
)
ASYMMETRIC_TOKEN_NEEDS_JWKS = _d(
    "asymmetric_token_needs_jwks",
    "error",
    "This token is signed with an asymmetric key: an HMAC secret cannot verify it",
    "Verify with the project's public keys: `jwt.PyJWKClient({jwks_url})` and "
    "`algorithms=[{alg}]` (the JWT secret only verifies HS256 tokens).",
)
SYMMETRIC_TOKEN_WITH_PUBLIC_KEY = _d(
    "symmetric_token_with_public_key",
    "error",
    "This HS256 token needs the JWT secret, not a public key",
    "Verify with the Legacy JWT Secret (Project Settings > JWT Keys) and "
    'algorithms=["HS256"]; public keys and JWKS only verify ES256/RS256 tokens.',
)
JWKS_EMPTY = _d(
    "jwks_empty",
    "error",
    "The JWKS has no keys",
    "The project still signs with the legacy JWT secret (it is never published in a JWKS): "
    "verify HS256 tokens with SUPABASE_JWT_SECRET, or migrate to signing keys in Project "
    "Settings > JWT Keys.",
)
JWKS_FETCH_FAILED = _d(
    "jwks_fetch_failed",
    "error",
    "The JWKS URL could not be fetched",
    "Check the URL (https://<ref>.supabase.co/auth/v1/.well-known/jwks.json) and that this machine "
    "can reach it, or paste the JWKS JSON itself.",
)
JWKS_FETCH_BLOCKED = _d(
    "jwks_fetch_blocked",
    "error",
    "This site may not fetch that JWKS URL",
    "This shared site only fetches from its allow-list: paste the JWKS JSON itself, or run the "
    "inspector locally.",
)
JWKS_URL_AVAILABLE = _d(
    "jwks_url_available",
    "info",
    "The project's JWKS URL can verify this token",
    "Paste {jwks_url} in the Key box (or use the button) to verify with the project's public keys.",
)
WEAK_SECRET = _d(
    "weak_secret",
    "warning",
    "The HMAC secret is shorter than {minimum} bytes",
    "Use a random secret of at least {minimum} bytes, e.g. "
    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.",
)
KNOWN_PUBLIC_SECRET = _d(
    "known_public_secret",
    "warning",
    "The secret is a publicly known demo secret",
    "Anyone can mint valid tokens with it: set your own random JWT secret (at least 32 "
    "characters) and re-generate the anon and service_role keys with it.",
)
HEADER_KEY_REFERENCE = _d(
    "header_key_reference",
    "warning",
    "The token names its own verification key ({names})",
    "Never fetch or trust keys named by the token itself: verify with a key or JWKS URL you "
    "configured.",
)
CONFIGURED_SECRET_MISSING = _d(
    "configured_secret_missing",
    "warning",
    "No SUPABASE_JWT_SECRET is configured",
    "Set SUPABASE_JWT_SECRET in the .env the inspector reads, or paste the secret in the Key box.",
)

# Keys found for you: discovery, key state, forgeable tokens, the measured clock skew.
VERIFIED_WITH_DISCOVERED_KEY = _d(
    "verified_with_discovered_key",
    "info",
    "Verified with the issuer's published keys (no key was pasted)",
    "Verify the same way in your code: `jwt.PyJWKClient({jwks_url}, lifespan=600)` and "
    "`get_signing_key_from_jwt(token)` (it caches the keys no longer than Supabase's edge does "
    "and refetches on an unknown kid); in supabase-js, `supabase.auth.getClaims()`.",
)
DISCOVERY_FAILED = _d(
    "discovery_failed",
    "warning",
    "The issuer's published keys could not be fetched",
    "Paste the key in the Key box (the JWKS JSON, a PEM public key, or the JWT secret), or check "
    "that this machine can reach the URL named above.",
)
ISSUER_MISMATCH_IN_DISCOVERY = _d(
    "issuer_mismatch_in_discovery",
    "error",
    "The issuer's OpenID configuration names another issuer",
    "A token's iss must be exactly the `issuer` of its OpenID configuration (a trailing slash "
    "counts): its keys are not used otherwise. Check who issued the token, verify with the keys "
    "of the issuer you expect, and pass `issuer=` to jwt.decode().",
)
KID_NOT_PUBLISHED = _d(
    "kid_not_published",
    "error",
    "The key that signed this token is not published (rotated or revoked)",
    "Get a fresh token (sign in again, or refresh the session): it is signed with the current "
    "key. After a rotation caches keep the old JWKS up to 20 min; revoke a previously used key "
    "only after the access-token lifetime + 15 min. A token of another project needs that "
    "project's keys.",
)
SIGNING_KEYS_STANDBY = _d(
    "signing_keys_standby",
    "info",
    "The project publishes other signing keys too (standby or previously used)",
    "Verifiers must pick the key by kid and refetch the JWKS on an unknown one, caching it no "
    "longer than Supabase does (10 min): `jwt.PyJWKClient(url, lifespan=600)` in PyJWT, "
    "`supabase.auth.getClaims()` in supabase-js. Wait 20 min after creating a standby key "
    "before rotating to it.",
)
LEGACY_SECRET_ONLY = _d(
    "legacy_secret_only",
    "info",
    "The project signs with the legacy JWT secret only (its JWKS is empty)",
    "To move to signing keys: Project Settings > JWT Keys > Migrate JWT secret (it imports the "
    "secret and creates a standby ES256 key), wait 20 min for caches, Rotate keys, verify with "
    "the JWKS (`supabase.auth.getClaims()` in supabase-js, `jwt.PyJWKClient(url, lifespan=600)` "
    "in Python), then revoke the legacy secret after the access-token lifetime + 15 min "
    "(disable the anon and service_role keys first).",
)
FORGEABLE_SECRET = _d(
    "forgeable_secret",
    "error",
    "Anyone can mint this token: it is signed with a publicly known secret",
    "Set your own random JWT secret (at least 32 characters, e.g. `python -c 'import secrets; "
    "print(secrets.token_urlsafe(48))'`) and re-issue the keys signed with it (self-hosted: "
    "JWT_SECRET, ANON_KEY, SERVICE_ROLE_KEY), or migrate to asymmetric signing keys; accept "
    "tokens signed with a published secret only from a local stack.",
)
CLOCK_SKEW_MEASURED = _d(
    "clock_skew_measured",
    "warning",
    "The clocks disagree by {amount}",
    "Sync this machine's clock (NTP: `timedatectl set-ntp true`, or `sudo chronyc makestep`); "
    "until then verify with `leeway={leeway}`.",
)

# What a signature's verdict rests on: a token that is not verified is headed by the first error
# of these (the report's headline), before the errors of its claims.
SIGNATURE_CODES = frozenset(
    {
        ALG_NONE,
        TOKEN_TRUNCATED,
        SIGNATURE_INVALID,
        KEY_IS_JWT,
        KEY_IS_API_KEY,
        KEY_IS_PRIVATE,
        KEY_UNREADABLE,
        KEY_NOT_FOUND,
        KEY_ALGORITHM_MISMATCH,
        ASYMMETRIC_TOKEN_NEEDS_JWKS,
        SYMMETRIC_TOKEN_WITH_PUBLIC_KEY,
        JWKS_EMPTY,
        JWKS_FETCH_FAILED,
        JWKS_FETCH_BLOCKED,
        KID_NOT_PUBLISHED,
    }
)


# --- Variants: one code, a situation of its own ------------------------------------------------

SECRET_KEY_BYPASSES_RLS = Variant(
    SERVICE_ROLE_KEY, title="This is a secret key: it bypasses Row Level Security"
)
SECRET_NOT_TOKEN = Variant(
    WRONG_INSPECTOR,
    title="This looks like a JWT secret, not a token",
    fix="Paste the token (eyJ...) in the Token box and this secret in the Key box.",
)
CONNECTION_STRING_NOT_TOKEN = Variant(
    WRONG_INSPECTOR,
    title="This is a connection string, not a token",
    fix="Use the Connection inspector (/connection) for connection strings.",
)
KEY_NOT_TOKEN = Variant(
    WRONG_INSPECTOR,
    title="This is a key, not a token",
    fix="Paste it in the Key box, and the token (eyJ...) in the Token box.",
)
NO_TOKEN = Variant(
    MALFORMED_TOKEN,
    title="There is no token",
    fix="Paste the token: in supabase-js it is "
    "`(await supabase.auth.getSession()).data.session.access_token`.",
)
TIME_CLAIM_NOT_NUMBER = Variant(
    MALFORMED_TOKEN,
    title="The {claim} claim is not a number",
    fix="Mint {claim} as seconds since 1970 (an integer), e.g. `int(time.time())`.",
)
TIME_IN_MILLISECONDS = Variant(  # iat or nbf in milliseconds, exp in seconds
    EXP_IN_MILLISECONDS, title="{claim} looks like milliseconds, not seconds"
)
LEGACY_KEY_EXPIRED = Variant(
    TOKEN_EXPIRED,
    fix="Legacy API keys live 10 years: this key was replaced; copy the current one from "
    "Project Settings > API Keys.",
)
NOT_YET_VALID_BY = Variant(
    TOKEN_NOT_YET_VALID,
    fix="Sync the clocks (NTP) or pass `leeway={leeway}` to jwt.decode().",
)
ISSUED_AHEAD_BY = Variant(
    ISSUED_IN_FUTURE,
    fix="Sync this machine's clock (NTP), or pass `leeway={leeway}` to jwt.decode().",
)
_USER_LIFETIME_FIX = (
    "Check Auth's JWT expiry setting (Project Settings > JWT Keys), or who minted this token."
)
USER_LIFETIME_UNUSUAL = Variant(LIFETIME_UNUSUAL, fix=_USER_LIFETIME_FIX)
USER_LIFETIME_TOO_LONG = Variant(LIFETIME_UNUSUAL, fix=_USER_LIFETIME_FIX, severity="warning")
KEY_FAMILY_MISMATCH = Variant(
    KEY_ALGORITHM_MISMATCH,
    fix="Use {family} for a {alg} token: the public key of the key pair that signed it.",
)
KEY_ALGORITHM_NOT_ALLOWED = Variant(
    KEY_ALGORITHM_MISMATCH,
    fix="Use the key that matches {alg} (a {alg} key pair's public key).",
)
KNOWN_PRIVATE_KEY = Variant(
    KEY_IS_PRIVATE,
    title="This is the Supabase CLI's published local signing key",
    fix="Its private part is in the CLI's public source, so rotating it is moot: anyone can sign "
    "with it. Accept its tokens only from a local stack (`supabase start`), never in production.",
    severity="warning",
)
# A JWT pasted as the key, named by what it is (the anon or service_role key).
KEY_IS_ANON_KEY = Variant(KEY_IS_JWT, title="The key pasted is the anon key, not the JWT secret")
KEY_IS_SERVICE_ROLE_KEY = Variant(
    KEY_IS_JWT, title="The key pasted is the service_role key, not the JWT secret"
)
# The token has the audience the check here asked for: a tip for the user's own verifier.
AUDIENCE_CHECKED = Variant(
    AUDIENCE_REQUIRED, title="Your verifier must pass the audience too", severity="info"
)
ASYMMETRIC_SIGNATURE_INVALID = Variant(
    SIGNATURE_INVALID,
    fix="Use the JWKS of the project that issued the token (<iss>/.well-known/jwks.json); a "
    "stale cached JWKS also causes this.",
)
DISCOVERY_BLOCKED = Variant(
    DISCOVERY_FAILED,
    title="This site may not fetch the issuer's published keys",
    fix="This shared site only fetches from its allow-list: paste the key (the JWKS JSON itself, "
    "or a public key), or run the inspector locally.",
)
HMAC_TOKEN_WITH_SIGNING_KEYS = Variant(
    SIGNING_KEYS_STANDBY,
    title="The project has signing keys, but this token is signed with the legacy secret",
    fix="After Rotate keys (Project Settings > JWT Keys) new tokens are ES256/RS256: verify them "
    "with the JWKS (`supabase.auth.getClaims()`, or `jwt.PyJWKClient(url, lifespan=600)`), keep "
    "the legacy secret (then previously used) until the last HS256 token has expired (its "
    "lifetime + 15 min), then revoke it.",
)
WEAK_FORGEABLE_SECRET = Variant(
    FORGEABLE_SECRET, title="Anyone can mint this token: it is signed with a common weak secret"
)
EXPIRED_BY_SKEW = Variant(
    TOKEN_EXPIRED,
    title="The token looks expired only because this machine's clock is ahead",
    fix="Sync this machine's clock (NTP: `timedatectl set-ntp true`): by the server's clock the "
    "token is still valid. Until then pass `leeway={leeway}` to jwt.decode().",
)
