"""The rules a token's header and claims are judged by: one function per rule, named for it.

Like PyJWT's `api_jwt.py` (one `_validate_*` per claim), each `check_*` looks at one claim or
header field and returns its findings; `claim_findings()` runs them in the report's order.
Nothing here does I/O or verifies a signature (that is `verify.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypedDict

from inspector import supabase
from inspector.findings import Finding, make
from inspector.textutil import url_host
from inspector.tokens import codes
from inspector.tokens.claims import iso, span
from inspector.tokens.classify import issuer_family
from inspector.tokens.skew import SERVER, THIS_MACHINE, Skew

Claims = dict[str, Any]

# The largest clock skew (seconds) anyone may ask for: the form, the JSON API, the CLI and the
# service all use this one ceiling.
MAX_LEEWAY = 365 * 86400

# A JWT time above this is milliseconds (as seconds it would be after the year 5000).
MILLISECONDS_ABOVE = 1e11

LEGACY_KEY_KINDS = ("supabase_anon_key", "supabase_service_role_key")
SUPABASE_JWT_KINDS = ("supabase_user_token", *LEGACY_KEY_KINDS)

_PYJWT_NOT_AN_INTEGER = {
    "exp": "DecodeError: Expiration Time claim (exp) must be an integer.",
    "nbf": "DecodeError: Not Before claim (nbf) must be an integer.",
    "iat": "InvalidIssuedAtError: Issued At claim (iat) must be an integer.",
}


def clamp_leeway(value: Any) -> float:
    """A usable leeway: a finite number of seconds in 0..MAX_LEEWAY (anything else is 0)."""
    try:
        v = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(v) or v < 0:
        return 0.0
    return min(v, float(MAX_LEEWAY))


def _number(value: object) -> float | None:
    """A JSON number (not a bool), as it is; None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def seconds(claims: Claims, name: str) -> float | None:
    """A time claim that is a number of seconds (not milliseconds); None otherwise."""
    v = _number(claims.get(name))
    return v if v is not None and v <= MILLISECONDS_ABOVE else None


def milliseconds_claims(claims: Claims) -> list[str]:
    """The time claims that look like milliseconds, in the order they are reported."""
    return [
        n for n in ("exp", "iat", "nbf") if (v := _number(claims.get(n))) and v > MILLISECONDS_ABOVE
    ]


# --- header --------------------------------------------------------------------------------------


def check_alg(header: Claims) -> list[Finding]:
    """alg_none: an unsigned token."""
    alg = header.get("alg")
    if not (isinstance(alg, str) and alg.lower() == "none"):
        return []
    detail = (
        'The header says alg "none": anyone can write such a token. PyJWT with an algorithms '
        "list refuses it (InvalidAlgorithmError: The specified alg value is not allowed)."
    )
    return [make(codes.ALG_NONE, detail)]


def check_key_references(header: Claims) -> list[Finding]:
    """header_key_reference: jku, x5u or jwk name a key the token chose itself."""
    refs = [n for n in ("jku", "x5u", "jwk") if n in header]
    if not refs:
        return []
    names = ", ".join(refs)
    detail = f"The header carries {names}: an attacker controls these."
    return [make(codes.HEADER_KEY_REFERENCE, detail, names=names)]


# --- what kind of token ----------------------------------------------------------------------


def check_demo_key(text: str) -> list[Finding]:
    """known_demo_key: a key published in the Supabase docs."""
    demo = supabase.KNOWN_DEMO_KEYS.get(text)
    if not demo:
        return []
    return [make(codes.KNOWN_DEMO_KEY, f"This is {demo}, published in the Supabase docs.")]


def check_role(kind: str, claims: Claims) -> list[Finding]:
    """anon_key_not_session, service_role_key, anonymous_user: what the role means."""
    if kind == "supabase_anon_key":
        detail = (
            "role anon, no sub and no session_id: Postgres sees the anon role and auth.uid() is "
            "null, so RLS policies for signed-in users deny access."
        )
        return [make(codes.ANON_KEY_NOT_SESSION, detail)]
    if kind == "supabase_service_role_key":
        detail = "role service_role: PostgREST runs as a role with BYPASSRLS."
        return [make(codes.SERVICE_ROLE_KEY, detail)]
    if kind == "supabase_user_token" and claims.get("is_anonymous") is True:
        detail = "is_anonymous is true (amr method anonymous): a guest from signInAnonymously()."
        return [make(codes.ANONYMOUS_USER, detail)]
    return []


def check_iss(kind: str, claims: Claims) -> list[Finding]:
    """other_issuer: a token of another identity provider."""
    if kind != "jwt":
        return []
    iss = claims.get("iss")
    family = issuer_family(iss)
    if family:
        return [make(codes.OTHER_ISSUER, f"iss is {iss!r}: a {family} token.", family=family)]
    if isinstance(iss, str) and iss.startswith("http"):
        detail = f"iss is {iss[:120]!r}: not Supabase Auth's https://<ref>.supabase.co/auth/v1."
        return [make(codes.OTHER_ISSUER, detail, family=url_host(iss) or iss)]
    return []


# --- times -----------------------------------------------------------------------------------


def check_numeric_dates(claims: Claims) -> list[Finding]:
    """malformed_token: exp, nbf or iat that is no number (PyJWT refuses the token)."""
    out = []
    for name in ("exp", "nbf", "iat"):
        v = claims.get(name)
        if v is not None and _number(v) is None:
            detail = (
                f"{name} is {type(v).__name__} {str(v)[:40]!r}, not a number of seconds. "
                f"PyJWT raises {_PYJWT_NOT_AN_INTEGER[name]}"
            )
            out.append(codes.TIME_CLAIM_NOT_NUMBER.make(detail, claim=name))
    return out


def check_milliseconds(claims: Claims) -> list[Finding]:
    """exp_in_milliseconds: times minted with Date.now() instead of seconds."""
    ms = milliseconds_claims(claims)
    if not ms:
        return []
    value = claims[ms[0]]
    detail = (
        f"{', '.join(ms)} = {value}: as seconds that is after year 5000; as milliseconds it is "
        f"{iso(float(value) / 1000)}."
        + (" PyJWT accepts it as never expiring." if "exp" in ms else "")
    )
    if "exp" in ms:
        return [make(codes.EXP_IN_MILLISECONDS, detail)]
    return [codes.TIME_IN_MILLISECONDS.make(detail, claim=ms[0])]


def _measured(skew: Skew | None) -> str:
    """The measured skew as a sentence opening ("Measured just now: ...")."""
    assert skew is not None
    return f" Measured just now: {skew.words} ({skew.how})"


def _ahead_words(skew: Skew | None, ahead: float) -> str:
    """What the measured skew says of a token time `ahead` seconds past this machine's clock."""
    if skew is None:
        return ""
    if skew.behind == THIS_MACHINE:
        accounts = abs(skew.seconds - ahead) <= max(5.0, skew.uncertainty + 1)
        return _measured(skew) + (": that accounts for it." if accounts else ".")
    if skew.behind == SERVER:
        return _measured(skew) + ": the clock of whoever issued the token is further ahead still."
    return _measured(skew) + ": so the clock of whoever issued the token is ahead."


def _ahead_leeway(ahead: float, skew: Skew | None) -> int:
    """The leeway to suggest for a token time `ahead` of this machine: it, or the measured skew."""
    needed = math.ceil(ahead) + 5
    if skew is not None and skew.behind == THIS_MACHINE:
        return max(needed, skew.leeway)
    return needed


def check_exp(
    claims: Claims, kind: str, now: float, leeway: float, skew: Skew | None = None
) -> list[Finding]:
    """token_expired: exp is past (beyond the leeway); with a measured skew, whether the
    server's clock agrees."""
    exp = seconds(claims, "exp")
    if exp is None or exp > now - leeway:
        return []
    late = now - exp
    detail = f"exp {iso(exp)}: expired {span(late)} ago" + (
        f" (leeway {leeway:g} s)" if leeway else ""
    )
    pyjwt = " PyJWT raises ExpiredSignatureError: Signature has expired."
    if skew is not None and skew.behind == SERVER and -skew.seconds >= late:
        # This machine is ahead by more than the token is late: by the server's clock it is valid.
        left = -skew.seconds - late
        detail += f".{_measured(skew)}: by its clock the token expires in {span(left)}." + pyjwt
        return [codes.EXPIRED_BY_SKEW.make(detail, leeway=max(skew.leeway, math.ceil(late) + 5))]
    if skew is not None:
        if skew.behind == SERVER:
            detail += f".{_measured(skew)}: by its clock it expired {span(late + skew.seconds)} ago"
        elif skew.behind == THIS_MACHINE:
            detail += f".{_measured(skew)}: by its clock it expired even longer ago"
        else:
            detail += f".{_measured(skew)}: the token really expired"
    detail += "." + pyjwt
    if kind in LEGACY_KEY_KINDS:
        return [codes.LEGACY_KEY_EXPIRED.make(detail)]
    return [make(codes.TOKEN_EXPIRED, detail)]


def check_nbf(claims: Claims, now: float, leeway: float, skew: Skew | None = None) -> list[Finding]:
    """token_not_yet_valid: nbf is ahead (beyond the leeway)."""
    nbf = seconds(claims, "nbf")
    if nbf is None or nbf <= now + leeway:
        return []
    detail = (
        f"nbf {iso(nbf)}: valid in {span(nbf - now)}.{_ahead_words(skew, nbf - now)} PyJWT "
        "raises ImmatureSignatureError: The token is not yet valid (nbf)."
    )
    return [codes.NOT_YET_VALID_BY.make(detail, leeway=_ahead_leeway(nbf - now, skew))]


def check_iat(claims: Claims, now: float, leeway: float, skew: Skew | None = None) -> list[Finding]:
    """issued_in_future: iat is ahead of this machine's clock (beyond the leeway)."""
    iat = seconds(claims, "iat")
    if iat is None or iat <= now + leeway:
        return []
    detail = (
        f"iat {iso(iat)} is {span(iat - now)} ahead of this machine's clock."
        f"{_ahead_words(skew, iat - now)} PyJWT raises ImmatureSignatureError: The token is not "
        "yet valid (iat)."
    )
    return [codes.ISSUED_AHEAD_BY.make(detail, leeway=_ahead_leeway(iat - now, skew))]


def check_exp_present(claims: Claims) -> list[Finding]:
    """no_expiry: no exp claim at all."""
    if claims.get("exp") is not None:
        return []
    return [make(codes.NO_EXPIRY, "There is no exp claim: PyJWT accepts the token forever.")]


def default_lifetime(kind: str) -> int | None:
    """How long Supabase makes a token of this kind live, in seconds."""
    if kind == "supabase_user_token":
        return supabase.DEFAULT_ACCESS_TOKEN_LIFETIME
    if kind in LEGACY_KEY_KINDS:
        return supabase.LEGACY_KEY_LIFETIME
    return None


def check_lifetime(claims: Claims, kind: str) -> list[Finding]:
    """lifetime_unusual: exp - iat differs from Supabase's default for this kind."""
    exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
    default = default_lifetime(kind)
    if exp is None or iat is None or milliseconds_claims(claims) or not default:
        return []
    life = exp - iat
    if life <= 0 or abs(life - default) <= 1:
        return []
    if kind != "supabase_user_token":
        detail = f"Lifetime {span(life)}; legacy API keys live exactly 10 years."
        return [make(codes.LIFETIME_UNUSUAL, detail)]
    detail = f"Lifetime {span(life)}; user access tokens live 1 h by default (at most 1 week)."
    too_long = life > supabase.MAX_ACCESS_TOKEN_LIFETIME
    return [
        (codes.USER_LIFETIME_TOO_LONG if too_long else codes.USER_LIFETIME_UNUSUAL).make(detail)
    ]


# --- audience and project --------------------------------------------------------------------


def check_aud(claims: Claims, audience: str | None) -> list[Finding]:
    """audience_required (a tip when the audience asked for is the token's), audience_mismatch,
    audience_missing: aud against the audience asked."""
    aud = claims.get("aud")
    if isinstance(aud, str):
        auds = [aud]
    else:
        auds = [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []
    shown = auds[0] if auds else ""
    if aud is not None and audience is None and auds:
        detail = f"aud is {aud!r}, and no audience was given here."
        return [make(codes.AUDIENCE_REQUIRED, detail, aud=shown)]
    if audience is not None and audience in auds:
        # The check here passed the audience; the user's own verifier must do the same: a tip.
        return [codes.AUDIENCE_CHECKED.make(f"aud is {aud!r}, as asked here.", aud=audience)]
    if aud is not None and audience is not None and audience not in auds:
        detail = (
            f"The token's aud is {aud!r}; {audience!r} was asked for. PyJWT raises "
            "InvalidAudienceError: Audience doesn't match."
        )
        return [make(codes.AUDIENCE_MISMATCH, detail, aud=shown)]
    if aud is None and audience is not None:
        detail = f"{audience!r} was asked for, and the token has no aud claim."
        return [make(codes.AUDIENCE_MISSING, detail)]
    return []


def check_project(token_ref: str | None, given_ref: str | None) -> list[Finding]:
    """project_mismatch: the token's project is not the one given."""
    if not (token_ref and given_ref and token_ref != given_ref):
        return []
    detail = f"The token is from project {token_ref}; the project given is {given_ref}."
    return [make(codes.PROJECT_MISMATCH, detail, token_ref=token_ref, given_ref=given_ref)]


def token_ref(claims: Claims | None) -> str | None:
    """The project a token belongs to: its ref claim (legacy keys) or its Supabase issuer."""
    if not isinstance(claims, dict):
        return None
    ref = claims.get("ref")
    if isinstance(ref, str) and supabase.REF_RE.match(ref):
        return ref
    return supabase.ref_from_issuer(claims.get("iss"))


# --- all of them -----------------------------------------------------------------------------

HeaderRule = Callable[[Claims], list[Finding]]
HEADER_RULES: tuple[HeaderRule, ...] = (check_alg, check_key_references)


def claim_findings(
    header: Claims | None,
    claims: Claims | None,
    *,
    kind: str,
    text: str,
    now: float,
    leeway: float,
    audience: str | None,
    given_ref: str | None,
    skew: Skew | None = None,
) -> list[Finding]:
    """Every header and claim rule, in the report's order (`skew`: this machine's clock against
    a server's, when a fetch measured it)."""
    out: list[Finding] = []
    if isinstance(header, dict):
        for rule in HEADER_RULES:
            out += rule(header)
    c = claims if isinstance(claims, dict) else {}
    out += check_demo_key(text) + check_role(kind, c) + check_iss(kind, c)
    if isinstance(claims, dict):
        out += check_numeric_dates(claims) + check_milliseconds(claims)
        out += check_exp(claims, kind, now, leeway, skew) + check_nbf(claims, now, leeway, skew)
        out += check_iat(claims, now, leeway, skew) + check_exp_present(claims)
        out += check_lifetime(claims, kind) + check_aud(claims, audience)
    return out + check_project(token_ref(claims), given_ref)


# --- what the report shows about times ----------------------------------------------------


class Lifetime(TypedDict):
    """The lifetime picture: issued -> now -> expires, in seconds (api.md's `lifetime`)."""

    issued_at: float | None
    not_before: float | None
    expires_at: float | None
    now: float
    seconds: float | None
    remaining: float | None
    default_seconds: int | None


def lifetime(claims: Claims | None, kind: str, now: float) -> Lifetime | None:
    if not isinstance(claims, dict):
        return None
    iat, nbf, exp = (_under_ms(claims.get(n)) for n in ("iat", "nbf", "exp"))
    if iat is None and exp is None and nbf is None:
        return None
    return {
        "issued_at": iat,
        "not_before": nbf,
        "expires_at": exp,
        "now": now,
        "seconds": (exp - iat) if exp is not None and iat is not None else None,
        "remaining": (exp - now) if exp is not None else None,
        "default_seconds": default_lifetime(kind),
    }


def _under_ms(value: object) -> float | None:
    v = _number(value)
    return v if v is not None and v < MILLISECONDS_ABOVE else None


def suggested_leeway(
    claims: Claims | None, now: float, leeway: float, skew: Skew | None = None
) -> float:
    """The leeway a snippet should pass: the user's, or enough for a small clock skew (the
    measured one, when a fetch read the server's clock)."""
    if not isinstance(claims, dict):
        return leeway
    ahead = 0.0
    for name in ("iat", "nbf"):
        v = _under_ms(claims.get(name))
        if v is not None and 0 < v - now <= 300:
            ahead = max(ahead, v - now)
    out = max(leeway, math.ceil(ahead) + 5) if ahead else leeway
    if skew is not None and skew.behind is not None and skew.leeway <= 300 + 5:
        out = max(out, skew.leeway)
    return out
