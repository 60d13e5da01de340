"""The request tester's finding codes (area "request"), each defined once.

Two families: what happened to the request itself (sent, blocked, no answer), and what the
server's answer means once read next to this inspector's own diagnosis of the same token.
`{placeholders}` are filled by `findings.make(..., **fmt)`; a case of a code that needs its own
title or fix is a named `Variant` at the end.
"""

from __future__ import annotations

from inspector.findings import Variant, define


def _d(code: str, severity: str, title: str, fix: str | None = None) -> str:
    return define(code, severity, title, fix, area="request")


# --- the request itself ----------------------------------------------------------------------

REQUEST_BLOCKED = _d(
    "request_blocked",
    "error",
    "This site may not send a request there",
    "This shared site only sends requests to allow-listed hosts (INSPECTOR_ALLOWED_HOSTS), over "
    "https, never to private or loopback addresses: run the inspector locally for other hosts.",
)
REQUEST_NOT_SENT = _d(
    "request_not_sent",
    "error",
    "The request could not be sent",
    None,
)
REQUEST_FAILED = _d(
    "request_failed",
    "error",
    "The server could not be reached",
    "Check the URL (scheme, host, port) and that the server runs and is reachable from here.",
)
REQUEST_TIMED_OUT = _d(
    "request_timed_out",
    "error",
    "No complete answer within the time allowed",
    "Check that the server answers at all (a firewall that drops packets looks like this), or "
    "give it a longer timeout.",
)
TOKEN_SENT_IN_CLEAR = _d(
    "token_sent_in_clear",
    "warning",
    "The token went over plain http to another machine",
    "Use https for anything that carries a token: anyone on the network path can read it.",
)
APIKEY_NOT_SENT = _d(
    "apikey_not_sent",
    "warning",
    "No apikey was sent to this Supabase URL",
    "Supabase's gateway wants the project's publishable (or anon) key in the `apikey` header "
    "beside `Authorization: Bearer`: paste it in the apikey box.",
)
BODY_TRUNCATED = _d(
    "body_truncated",
    "info",
    "The answer's body was cut at the byte cap",
    None,
)
BODY_INCOMPLETE = _d(
    "body_incomplete",
    "warning",
    "The answer's body did not arrive in time",
    "The server sent its status and headers but not its whole body within the deadline.",
)

# --- the answer -----------------------------------------------------------------------------

SERVER_ACCEPTED = _d(
    "server_accepted",
    "info",
    "The server accepts the token",
    None,
)
SERVER_ACCEPTS_WHAT_WE_REJECT = _d(
    "server_accepts_what_we_reject",
    "warning",
    "The server accepts a token this inspector finds fault with",
    "If the fault is the signature: the server does not verify it (verify_signature off?) or "
    "verifies with another key than the one given here; if it is expiry or audience: the server "
    "does not check that claim. Tighten the server's check before it accepts forged tokens.",
)
SERVER_USES_OTHER_KEY = _d(
    "server_uses_other_key",
    "error",
    "Your server verifies with another key",
    "Give your server the key that verifies the token here: the project's JWT secret as its raw "
    "string (not the anon or service_role key, not base64-decoded), or for ES256/RS256 tokens "
    "the project's JWKS. Check which variable it reads at start-up, and restart it.",
)
SERVER_REJECTS_SIGNATURE = _d(
    "server_rejects_signature",
    "error",
    "The server rejects the token's signature",
    "Verify with the key of the project that issued the token: its Legacy JWT Secret for HS256 "
    "tokens, its JWKS for ES256/RS256 ones.",
)
SERVER_REJECTS_ALGORITHM = _d(
    "server_rejects_algorithm",
    "error",
    "The server does not accept this token's algorithm ({alg})",
    "Verify {alg} tokens with the project's JWKS (`jwt.PyJWKClient(<iss>/.well-known/jwks.json)`, "
    'algorithms=["{alg}"]); keep HS256 with the JWT secret for the legacy anon/service_role keys.',
)
SERVER_AUDIENCE_REJECTED = _d(
    "server_audience_rejected",
    "error",
    "The server rejects the token's audience",
    'Pass the token\'s audience to the verifier: `jwt.decode(..., audience="{aud}")`; without '
    "`audience=` PyJWT rejects every token that has an aud claim.",
)
SERVER_REQUIRES_AUDIENCE = _d(
    "server_requires_audience",
    "error",
    "The server requires an aud claim this token does not have",
    'Send a user\'s access token (aud "authenticated", from `supabase.auth.getSession()`); the '
    "anon and service_role keys have no aud.",
)
SERVER_TOKEN_EXPIRED = _d(
    "server_token_expired",
    "error",
    "The server says the token has expired",
    "Send a fresh access token: supabase-js refreshes sessions itself; read "
    "`(await supabase.auth.getSession()).data.session.access_token` just before the request.",
)
SERVER_TOKEN_NOT_YET_VALID = _d(
    "server_token_not_yet_valid",
    "error",
    "The server says the token is not valid yet",
    "The server's clock is behind the issuer's: sync it (NTP), or pass a few seconds of "
    "`leeway=` to jwt.decode().",
)
SERVER_CANNOT_READ_TOKEN = _d(
    "server_cannot_read_token",
    "error",
    "The server could not read the token as a JWT",
    "What was sent is a well-formed JWT: something between changes it (a proxy, a second "
    "`Bearer ` prefix, quotes), or the server reads another header or a cookie.",
)
SERVER_SAW_NO_TOKEN = _d(
    "server_saw_no_token",
    "error",
    "The server did not see the token",
    "The request carried `Authorization: Bearer <token>`: something between drops that header "
    "(a proxy; Apache mod_wsgi needs `WSGIPassAuthorization On`), or the server expects another "
    "header, a cookie or another scheme.",
)
SERVER_KEY_NOT_FOUND = _d(
    "server_key_not_found",
    "error",
    "The server has no key for this token",
    "Verify with the JWKS of the project that issued the token (<iss>/.well-known/jwks.json); an "
    "HS256 token is verified with the JWT secret, which no JWKS publishes.",
)
SERVER_REJECTED = _d(
    "server_rejected",
    "error",
    "The server rejects the token",
    "Compare the server's check with the PyJWT call below (key, algorithms, audience): that call "
    "is what accepts this token.",
)
APIKEY_REJECTED = _d(
    "apikey_rejected",
    "error",
    "The gateway rejects the apikey",
    "Send the publishable (or anon) key of the same project as the URL: copy both from "
    "Project Settings > API Keys.",
)
APIKEY_MISSING = _d(
    "apikey_missing",
    "error",
    "The gateway found no apikey",
    "Send the project's publishable (or anon) key in the `apikey` header; the user's token goes "
    "in `Authorization: Bearer`.",
)
AUTH_USER_NOT_FOUND = _d(
    "auth_user_not_found",
    "error",
    "Supabase Auth knows no user with this token's sub",
    "The user was deleted, the database was reset, or the token is from another project: sign "
    "in again against this project.",
)
SERVER_SESSION_ENDED = _d(
    "server_session_ended",
    "error",
    "The token's session has ended",
    "The user signed out, or the session was revoked or timed out: the token's signature is "
    "fine, but Auth no longer honours it. Sign in again.",
)
AUTH_PROJECT_UNKNOWN = _d(
    "auth_project_unknown",
    "error",
    "Which project's Auth to ask is not known",
    "Give the project (https://<ref>.supabase.co or the 20-letter ref) in the Project box.",
)
REDIRECT_NOT_FOLLOWED = _d(
    "redirect_not_followed",
    "warning",
    "The server answered with a redirect (not followed)",
    "Call the final URL directly: clients drop `Authorization` on a redirect to another host, "
    "many turn a POST into a GET, and an http-to-https redirect has already sent the token in "
    "clear.",
)
SERVER_ERROR = _d(
    "server_error",
    "warning",
    "The server failed ({status})",
    "Read the server's log: a JWT library raising an unexpected error (an HMAC secret for an "
    "ES256 token in authlib or python-jose, a missing claim the code reads) often ends as a 500.",
)
SERVER_OTHER_ANSWER = _d(
    "server_other_answer",
    "info",
    "The server answered {status}: not an answer about the token",
    None,
)

# --- cases with their own words --------------------------------------------------------------

AUTH_ACCEPTS = Variant(SERVER_ACCEPTED, title="Supabase Auth accepts the token")
AUTH_ACCEPTS_WHAT_WE_REJECT = Variant(
    SERVER_ACCEPTS_WHAT_WE_REJECT,
    title="Supabase Auth accepts a token this inspector finds fault with",
    fix="Auth is the project's own verdict: where the signature is the fault here, the key given "
    "here is not the project's JWT secret (or JWKS).",
)
AUTH_USES_OTHER_KEY = Variant(
    SERVER_USES_OTHER_KEY,
    title="Supabase Auth verifies with another key",
    fix="The key given here verifies the token, but the project does not sign with it: the token "
    "is from another project, or the project's secret was rotated. Use this project's JWT "
    "secret (or JWKS) and a token it issued.",
)
ALGORITHM_HS_NOT_ALLOWED = Variant(
    SERVER_REJECTS_ALGORITHM,
    fix="The token is HS256, signed with the legacy JWT secret: let the server accept HS256 with "
    "that secret for such tokens, or move the project to signing keys so Auth issues ES256.",
)
TOKEN_IS_NOT_JWT = Variant(
    SERVER_CANNOT_READ_TOKEN,
    fix="Send a user's access token (a JWT, from `supabase.auth.getSession()`) in "
    "`Authorization: Bearer`; keys that are not JWTs go in `apikey` only.",
)
SERVER_CLOCK_AHEAD = Variant(
    SERVER_TOKEN_EXPIRED,
    title="The server says the token has expired; by this machine's clock it has not",
    fix="The two clocks disagree: sync the server's clock (NTP), or allow a few seconds of "
    "`leeway=` in its jwt.decode().",
)
