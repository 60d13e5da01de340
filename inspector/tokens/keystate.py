"""A project's signing-key state, read from its JWKS and the token's header. Pure.

Supabase publishes only the public halves of its asymmetric signing keys: the current one, any
standby key (created, not yet rotated to) and previously used ones still trusted; never the
legacy JWT secret or a shared-secret key. So an empty JWKS means "legacy secret only", and a
token whose `kid` is missing from the JWKS was signed by a key that was rotated away and revoked
(or by another project). Which published key is current cannot be read from the JWKS itself: the
token's own `kid` says which one signed it; the others are standby or previously used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.findings import Finding, make
from inspector.tokens import codes
from inspector.tokens.keys import ParsedKey, family_of

LEGACY_SECRET_ONLY = "legacy_secret_only"
SIGNING_KEYS = "signing_keys"
KID_NOT_PUBLISHED = "kid_not_published"


@dataclass(frozen=True)
class KeyState:
    state: str  # legacy_secret_only | signing_keys | kid_not_published
    jwks_url: str
    kids: tuple[str, ...]  # the kids the JWKS publishes
    token_kid: str | None
    others: tuple[str, ...]  # published kids besides the token's: standby or previously used

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "jwks_url": self.jwks_url,
            "kids": list(self.kids),
            "token_kid": self.token_kid,
            "others": list(self.others),
        }


def _kids(kids: tuple[str, ...]) -> str:
    return ", ".join(kids[:6]) + (", ..." if len(kids) > 6 else "") if kids else "none"


def key_state(
    jwks: ParsedKey, alg: str, kid: object, jwks_url: str
) -> tuple[KeyState, list[Finding]]:
    """The state and the findings that explain it (their fixes carry the advice)."""
    kids = tuple(c.kid for c in jwks.candidates if c.kid)
    token_kid = kid if isinstance(kid, str) else None
    others = tuple(k for k in kids if k != token_kid)
    hmac = family_of(alg) == "hmac"
    if not jwks.jwks_size:
        if hmac:
            detail = (
                f"The JWKS at {jwks_url} is empty: the project signs with its legacy JWT secret "
                f"only (no JWKS ever publishes it), so this {alg} token verifies with that "
                "secret alone."
            )
            state = KeyState(LEGACY_SECRET_ONLY, jwks_url, (), token_kid, ())
            return state, [make(codes.LEGACY_SECRET_ONLY, detail)]
        detail = (
            f'The token\'s kid is "{token_kid}"; the JWKS at {jwks_url} is empty: the project '
            "signs with its legacy secret only now, so the key that signed this token was "
            "revoked, or the token comes from another project or stack. PyJWKClient raises "
            "PyJWKSetError: The JWK Set did not contain any keys."
        )
        state = KeyState(KID_NOT_PUBLISHED, jwks_url, (), token_kid, ())
        return state, [make(codes.KID_NOT_PUBLISHED, detail)]
    if hmac:
        detail = (
            f"The JWKS at {jwks_url} publishes {len(kids) or jwks.jwks_size} signing key"
            f"{'s' if (len(kids) or jwks.jwks_size) != 1 else ''} (kid {_kids(kids)}), yet this "
            f"token is {alg}: signed with the legacy secret. Either those keys are standby (not "
            "rotated to yet), or this token was issued before the rotation."
        )
        state = KeyState(SIGNING_KEYS, jwks_url, kids, token_kid, kids)
        return state, [codes.HMAC_TOKEN_WITH_SIGNING_KEYS.make(detail)]
    if token_kid is not None and token_kid not in kids:
        detail = (
            f'The token\'s kid is "{token_kid}"; the JWKS at {jwks_url} publishes kid '
            f"{_kids(kids)}: the key that signed this token was rotated away and revoked, or "
            "the token comes from another project. PyJWKClient raises PyJWKClientError: Unable "
            f'to find a signing key that matches: "{token_kid}".'
        )
        state = KeyState(KID_NOT_PUBLISHED, jwks_url, kids, token_kid, others)
        return state, [make(codes.KID_NOT_PUBLISHED, detail)]
    state = KeyState(SIGNING_KEYS, jwks_url, kids, token_kid, others)
    if not others or token_kid is None:
        return state, []
    if len(others) == 1:
        what = (
            f"kid {others[0]}: a standby key (the next one after a rotation) or a previously "
            "used one"
        )
    else:
        what = f"{len(others)} other keys, kid {_kids(others)}: standby or previously used keys"
    detail = (
        f'kid "{token_kid}" signed this token; the JWKS at {jwks_url} also publishes {what}, '
        "still trusted."
    )
    return state, [make(codes.SIGNING_KEYS_STANDBY, detail)]
