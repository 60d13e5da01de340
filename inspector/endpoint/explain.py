"""What a server's answer says, and what it means next to this inspector's own diagnosis of the
same token. Pure: status, headers and body in; a reading and findings out.

`read_answer` finds the server's own words (FastAPI's `{"detail": ...}`, PostgREST's
`{"code": "PGRST301", "message": ...}`, Auth's `{"code": 403, "error_code": "bad_jwt",
"msg": ...}`, the gateway's `{"message": "Invalid API key"}`, Edge Functions' `sb-error-code`,
`WWW-Authenticate: Bearer error="invalid_token", error_description=...`) and names the reason in
one word.
`answer_findings` ties that reason to the token's report: "the token verifies with the key you
gave, your server rejects its signature: your server verifies with another key".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from inspector.endpoint import codes
from inspector.findings import Finding, Severity, make
from inspector.tokens.decode import loads
from inspector.tokens.report import TokenReport

# The reasons a server gives, in one word each.
REASONS = (
    "signature",  # the signature does not verify with the server's key
    "algorithm",  # the token's alg is not one the server allows
    "audience",  # the aud claim is not the one expected (or none was expected)
    "audience_missing",  # the server wants an aud claim, the token has none
    "expired",
    "not_yet_valid",
    "malformed",  # what the server got is not a JWT
    "no_credentials",  # the server saw no token at all
    "key_not_found",  # no key of the server's fits the token (kid, key type)
    "api_key_invalid",
    "api_key_missing",
    "user_not_found",
    "session_ended",
    "invalid",  # rejected, without saying why
)

# Message text -> reason, first match wins (order matters: "Signature has expired" is expiry,
# "signature is invalid: signing method ES256 is invalid" is the algorithm).
_TEXT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(rx, re.I))
    for reason, rx in (
        ("api_key_missing", r"no api ?key found|missing.{0,10}api ?key"),
        ("api_key_invalid", r"invalid api ?key|legacy api keys are disabled"),
        ("user_not_found", r"user from sub claim in jwt does not exist|user not found"),
        ("session_ended", r"session from session_id claim|session is no longer valid"),
        (
            "algorithm",
            r"alg(orithm)? value is not allowed|signing method \S+ is invalid|JOSEAlgNotAllowed"
            r"|wrong or unsupported encoding algorithm|unsupported \"?alg\"?|algorithm not allowed"
            r"|must be (?:one )?of type CryptoKey|InvalidAlgorithmError",
        ),
        ("audience_missing", r"missing the \"aud\" claim|missing '?aud'? claim"),
        ("audience", r"invalid audience|not in audience|unexpected \"aud\"|claim '?aud'?"),
        ("expired", r"expired|ExpiredSignature"),
        ("not_yet_valid", r"not yet valid|issued at future|issued in the future|Immature"),
        (
            "malformed",
            r"not enough segments|expected 3 parts|invalid number of (?:parts|segments)"
            r"|invalid (?:header|payload) (?:padding|string)|invalid compact jws"
            r"|invalid jwt structure|couldn'?t be decoded|token is malformed|invalid crypto padding"
            r"|protected header formatting|empty jwt|JWSInvalid\b|DecodeError",
        ),
        (
            "key_not_found",
            r"unrecognized jwt kid|unable to find a signing key|no applicable key"
            r"|JWKSNoMatchingKey|no suitable key",
        ),
        (
            "signature",
            r"signature verification failed|JWSInvalidSignature|signature is invalid"
            r"|invalid (?:jwt )?signature|bad_signature|cryptographic operation failed"
            r"|SignatureVerificationFailed",
        ),
        (
            "no_credentials",
            r"^not authenticated\.?$|requires a valid bearer token|missing authorization"
            r"|authorization header (?:is )?missing|no authorization|credentials are not provided"
            r"|anonymous access is disabled|no auth header",
        ),
        ("invalid", r"invalid (?:jwt|token)|invalid_token|unauthorized|bad_jwt|not authorized"),
    )
)
# Codes that say the reason themselves.
_AUTH_CODES = {
    "no_authorization": "no_credentials",
    "user_not_found": "user_not_found",
    "session_not_found": "session_ended",
    "session_expired": "session_ended",
    "bad_jwt": "invalid",
    "not_admin": "invalid",
}
_EDGE_CODES = {
    "UNAUTHORIZED_NO_AUTH_HEADER": "no_credentials",
    "UNAUTHORIZED_INVALID_JWT_FORMAT": "malformed",
    "UNAUTHORIZED_UNSUPPORTED_TOKEN_ALGORITHM": "algorithm",
    "UNAUTHORIZED_MISSING_API_KEY": "api_key_missing",
    "UNAUTHORIZED_LEGACY_JWT": "invalid",
    "UNAUTHORIZED_ASYMMETRIC_JWT": "invalid",
}
_POSTGREST_CODES = {"PGRST302": "no_credentials", "PGRST301": "invalid", "PGRST303": "invalid"}
_WWW_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
MESSAGE_CAP = 300


@dataclass(frozen=True)
class ServerSays:
    """The server's own words about the token, and their reason in one word."""

    reason: str | None  # one of REASONS, or None: nothing about the token
    source: str  # fastapi, postgrest, auth, edge_functions, gateway, www_authenticate, text
    message: str  # the words (capped; the caller masks secrets in them)
    code: str | None = None  # PGRST301, bad_jwt, UNAUTHORIZED_LEGACY_JWT, ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "source": self.source,
            "message": self.message,
            "code": self.code,
        }


def reason_of(text: str) -> str | None:
    """The reason a message gives, by its words."""
    for reason, rx in _TEXT_RULES:
        if rx.search(text):
            return reason
    return None


def read_answer(status: int, headers: dict[str, str], body: str) -> ServerSays | None:
    """The server's words about the token: from a JSON body's fields, the `sb-error-code` and
    `WWW-Authenticate` headers, or a short text body. None when it says nothing."""
    data = _json_object(body)
    said = _from_json(data) if data is not None else None
    edge = headers.get("sb-error-code") or headers.get("x-sb-error-code")
    if said is None and edge:
        said = ServerSays(
            _EDGE_CODES.get(edge) or _AUTH_CODES.get(edge), "edge_functions", edge, edge
        )
    elif said is not None and edge and said.code is None:
        said = ServerSays(said.reason, said.source, said.message, edge)
    www = _www_authenticate(headers.get("www-authenticate", ""))
    if said is None and www is not None:
        said = www
    elif said is not None and said.reason in (None, "invalid") and www and www.reason:
        # A JSON body that only says "invalid": the header may say why.
        said = ServerSays(www.reason, said.source, said.message, said.code)
    if said is None and data is None and body.strip() and len(body) <= 2048:
        text = body.strip()
        reason = reason_of(text)
        if reason is not None or status in (401, 403):
            said = ServerSays(reason, "text", text[:MESSAGE_CAP])
    if said is None:
        return None
    if said.reason is None and status in (401, 403):
        said = ServerSays("invalid", said.source, said.message, said.code)
    return said


def _json_object(body: str) -> dict[str, Any] | None:
    text = body.strip()
    if not text.startswith("{"):
        return None
    try:
        data = loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _text(value: Any) -> str | None:
    return value[:MESSAGE_CAP] if isinstance(value, str) and value.strip() else None


def _from_json(data: dict[str, Any]) -> ServerSays | None:
    code = data.get("code")
    message = _text(data.get("message")) or _text(data.get("msg"))
    if isinstance(code, str) and code.startswith("PGRST"):
        words = message or code
        return ServerSays(
            reason_of(words) or _POSTGREST_CODES.get(code), "postgrest", words, code[:20]
        )
    error_code = data.get("error_code")
    if isinstance(error_code, str) or (isinstance(code, str) and code in _AUTH_CODES):
        name = error_code if isinstance(error_code, str) else str(code)
        words = message or name
        return ServerSays(reason_of(words) or _AUTH_CODES.get(name), "auth", words, name[:40])
    if isinstance(code, str) and code in _EDGE_CODES:
        words = message or code
        return ServerSays(_EDGE_CODES[code] or reason_of(words), "edge_functions", words, code)
    detail = _text(data.get("detail"))
    if detail is not None:
        return ServerSays(reason_of(detail), "fastapi", detail)
    if message is not None:
        source = "gateway" if re.search(r"api ?key", message, re.I) else "json"
        return ServerSays(reason_of(message), source, message)
    oauth = _text(data.get("error_description")) or _text(data.get("error"))
    if oauth is not None:
        return ServerSays(reason_of(oauth), "json", oauth)
    return None


def _www_authenticate(value: str) -> ServerSays | None:
    if not value.strip():
        return None
    params = {
        m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _WWW_PARAM.finditer(value)
    }
    description = params.get("error_description")
    error = params.get("error")
    if description:
        return ServerSays(reason_of(description), "www_authenticate", description[:MESSAGE_CAP])
    if error:
        return ServerSays(reason_of(error) or "invalid", "www_authenticate", error[:MESSAGE_CAP])
    return None


# --- what it means, next to the token's own diagnosis ----------------------------------------


@dataclass(frozen=True)
class Answered:
    """What the findings need of the answer (already masked)."""

    status: int
    reason: str
    ms: float
    location: str | None
    body_json: dict[str, Any] | None = None


def answer_findings(
    answer: Answered,
    says: ServerSays | None,
    token: TokenReport,
    *,
    who: str,
    auth_check: bool = False,
) -> list[Finding]:
    """The findings of one answer. `who` names the server in a sentence ("your server",
    "Supabase Auth", "the project's REST API")."""
    status = answer.status
    heard = _heard(who, answer, says)
    if 200 <= status < 300:
        return _accepted(answer, token, heard, auth_check)
    if 300 <= status < 400:
        where = answer.location or "(no Location header)"
        return [make(codes.REDIRECT_NOT_FOLLOWED, f"{heard} The redirect goes to {where}.")]
    reason = says.reason if says is not None else None
    if status >= 500:
        return [make(codes.SERVER_ERROR, heard, status=status)]
    if reason is None and status not in (401, 403):
        return [make(codes.SERVER_OTHER_ANSWER, heard, status=status)]
    return [_rejected(reason or "invalid", heard, token, auth_check)]


def _heard(who: str, answer: Answered, says: ServerSays | None) -> str:
    line = f"{who[:1].upper()}{who[1:]} answered {answer.status}"
    if answer.reason:
        line += f" {answer.reason}"
    if says is not None and says.message:
        code = f" ({says.code})" if says.code and says.code not in says.message else ""
        line += f": “{_plain(says.message)}”{code}"
    return line + f" in {answer.ms:.0f} ms."


def _plain(text: str, cap: int = MESSAGE_CAP) -> str:
    """Text for a sentence: one line, no backticks (findings show `code` between them)."""
    flat = re.sub(r"[\x00-\x1f\x7f`]+", " ", text).strip()
    return flat if len(flat) <= cap else flat[: cap - 1] + "…"


def _accepted(answer: Answered, token: TokenReport, heard: str, auth_check: bool) -> list[Finding]:
    out = []
    if auth_check:
        user = answer.body_json.get("id") if answer.body_json else None
        detail = heard + (f" It returned the user {_plain(str(user), 80)}." if user else "")
        out.append(codes.AUTH_ACCEPTS.make(detail))
    else:
        out.append(make(codes.SERVER_ACCEPTED, heard))
    faults = [f for f in token.findings if f.severity is Severity.ERROR]
    if faults:
        listed = "; ".join(f"{f.title} ({f.code})" for f in faults[:4])
        detail = f"It accepted the token; this inspector says: {listed}."
        variant = codes.AUTH_ACCEPTS_WHAT_WE_REJECT if auth_check else None
        out.append(
            variant.make(detail) if variant else make(codes.SERVER_ACCEPTS_WHAT_WE_REJECT, detail)
        )
    return out


def _alg(token: TokenReport) -> str | None:
    alg = token.header.get("alg") if isinstance(token.header, dict) else None
    return alg if isinstance(alg, str) and re.fullmatch(r"[A-Za-z]{2,5}\d{0,3}", alg) else None


def _our_key(token: TokenReport) -> str:
    used = token.signature.key_used or ""
    if used.startswith("configured_secret"):
        return "the configured SUPABASE_JWT_SECRET"
    if used.startswith("secret"):
        return "the key given here"
    if used == "pem":
        return "the public key given here"
    if used.startswith("jwk:"):
        return f"the JWKS key {_plain(used[4:], 60)}"
    return "the key given here"


def _rejected(reason: str, heard: str, token: TokenReport, auth_check: bool) -> Finding:
    sig = token.signature.status
    alg = _alg(token)
    claims = token.claims if isinstance(token.claims, dict) else {}
    if reason == "signature":
        return _signature(heard, token, auth_check)
    if reason == "algorithm" and alg:
        if alg.upper().startswith("HS"):
            return codes.ALGORITHM_HS_NOT_ALLOWED.make(
                f"{heard} The token is {alg}, signed with an HMAC secret; the server allows "
                "only other algorithms (an asymmetric key or a JWKS).",
                alg=alg,
            )
        return make(
            codes.SERVER_REJECTS_ALGORITHM,
            f"{heard} The token is {alg} (signed with the project's signing key); the server "
            'allows only other algorithms, typically algorithms=["HS256"] with the JWT secret.',
            alg=alg,
        )
    if reason in ("audience", "audience_missing"):
        aud = claims.get("aud")
        if aud is None or reason == "audience_missing":
            what = "it has none" if aud is None else f"it has {_plain(str(aud), 80)!r}"
            kind = f" ({token.kind_label})" if aud is None else ""
            return make(codes.SERVER_REQUIRES_AUDIENCE, f"{heard} The token's aud: {what}{kind}.")
        shown = aud if isinstance(aud, str) else (aud[0] if isinstance(aud, list) and aud else "")
        return make(
            codes.SERVER_AUDIENCE_REJECTED,
            f"{heard} The token's aud is {_plain(str(aud), 80)!r}.",
            aud=_plain(str(shown), 60) or "authenticated",
        )
    if reason == "expired":
        if "token_expired" in token.finding_codes():
            return make(codes.SERVER_TOKEN_EXPIRED, f"{heard} It has: this inspector agrees.")
        return codes.SERVER_CLOCK_AHEAD.make(heard)
    if reason == "not_yet_valid":
        return make(codes.SERVER_TOKEN_NOT_YET_VALID, heard)
    if reason == "malformed":
        if not token.is_jwt or token.kind == "malformed_jwt":
            return codes.TOKEN_IS_NOT_JWT.make(f"{heard} What was sent is {token.kind_label}.")
        return make(codes.SERVER_CANNOT_READ_TOKEN, heard)
    if reason == "no_credentials":
        return make(codes.SERVER_SAW_NO_TOKEN, heard)
    if reason == "key_not_found":
        kid = token.header.get("kid") if isinstance(token.header, dict) else None
        about = (
            f" The token's kid is {_plain(str(kid), 60)!r}." if kid else " The token has no kid."
        )
        return make(codes.SERVER_KEY_NOT_FOUND, heard + about)
    if reason == "api_key_invalid":
        return make(codes.APIKEY_REJECTED, heard)
    if reason == "api_key_missing":
        return make(codes.APIKEY_MISSING, heard)
    if reason == "user_not_found":
        return make(codes.AUTH_USER_NOT_FOUND, heard)
    if reason == "session_ended":
        return make(codes.SERVER_SESSION_ENDED, heard)
    # Rejected without a reason: the token's own worst finding is the likeliest one.
    worst = next((f for f in token.findings if f.severity is not Severity.INFO), None)
    if worst is not None:
        tie = f" This inspector's diagnosis of the token: {worst.title} ({worst.code})."
    elif sig == "valid":
        tie = (
            " The token verifies here and has no fault: compare the server's key, algorithms "
            "and audience with the PyJWT call below."
        )
    else:
        tie = ""
    return make(codes.SERVER_REJECTED, heard + tie)


def _signature(heard: str, token: TokenReport, auth_check: bool) -> Finding:
    sig = token.signature.status
    if sig == "valid":
        ours = _our_key(token)
        detail = f"The token verifies with {ours}. {heard} It rejects the signature: it checks "
        detail += "it with a different key."
        if auth_check:
            return codes.AUTH_USES_OTHER_KEY.make(detail)
        return make(codes.SERVER_USES_OTHER_KEY, detail)
    if sig == "not_checked":
        tie = (
            " No key was given here: paste the project's JWT secret or JWKS URL in the Key box "
            "to see whether the token or the server is wrong."
        )
    else:
        worst = next((f for f in token.findings if f.severity is Severity.ERROR), None)
        tie = " The key given here does not verify it either"
        tie += f": {worst.title} ({worst.code})." if worst else "."
        if sig == "invalid":
            tie += " The token was signed with another key (another project's, or one rotated)."
    return make(codes.SERVER_REJECTS_SIGNATURE, heard + tie)
