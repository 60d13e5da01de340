"""Where a token's keys are published, and whether an OpenID configuration may be believed. Pure:
the service fetches (`tokens/fetch.py`), this decides which URL to ask and reads the answer.

A Supabase issuer publishes its JWKS at `<iss>/.well-known/jwks.json` (a legacy API key, whose
`iss` is just "supabase", at its project's); any other issuer through OpenID Connect Discovery
1.0: `<iss>/.well-known/openid-configuration`, whose `issuer` must be the token's `iss` exactly
(§4.3) and whose `jwks_uri` must be https. The local CLI stack's issuer
(`http://127.0.0.1:54321/auth/v1`) is the one plain-http issuer; the fetch allows it on loopback
in local mode only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from inspector import supabase
from inspector.findings import Finding, make
from inspector.tokens import codes
from inspector.tokens.classify import is_supabase_issuer, issuer_family
from inspector.tokens.keys import family_of

OIDC_PATH = "/.well-known/openid-configuration"
SUPABASE_FAMILY = "Supabase Auth"

# Google's ID tokens carry either form of its issuer (its discovery document names the first).
_EQUIVALENT_ISSUERS = {"accounts.google.com": "https://accounts.google.com"}
# Azure AD v1 tokens are issued by sts.windows.net, whose configuration login.microsoftonline.com
# serves (with `issuer` https://sts.windows.net/<tenant>/).
_AZURE_V1 = re.compile(r"^https://sts\.windows\.net/([^/]+)/?$")


@dataclass(frozen=True)
class Plan:
    """Where to look: the JWKS URL at once (a Supabase issuer), or the OpenID configuration
    that names it."""

    issuer: str
    family: str | None
    jwks_url: str | None = None
    config_url: str | None = None


@dataclass(frozen=True)
class Discovery:
    """How the keys were looked for, for the report: `status` is `found`, `failed`, `blocked`
    (the site's policy) or `issuer_mismatch`."""

    status: str
    issuer: str
    family: str | None
    jwks_url: str | None
    config_url: str | None = None
    cached: bool = False
    detail: str | None = None
    kid: str | None = None  # the key that verified the token

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "issuer": self.issuer,
            "family": self.family,
            "jwks_url": self.jwks_url,
            "config_url": self.config_url,
            "cached": self.cached,
            "detail": self.detail,
            "kid": self.kid,
        }


class DiscoveryError(Exception):
    """The OpenID configuration cannot be used; `finding` says why."""

    def __init__(self, finding: Finding, status: str = "failed"):
        super().__init__(finding.detail)
        self.finding = finding
        self.status = status


SUPABASE_KINDS = ("supabase_user_token", "supabase_anon_key", "supabase_service_role_key")


def plan(claims: dict[str, Any] | None, alg: object, kind: str) -> Plan | None:
    """Where this token's keys would be published, or None (no issuer to ask, or none whose
    keys could verify it: no JWKS holds another issuer's HMAC secret)."""
    if not isinstance(claims, dict):
        return None
    iss = claims.get("iss")
    if is_supabase_issuer(iss) or kind in SUPABASE_KINDS:
        url = supabase.jwks_url_from_issuer(iss)
        if url is None and kind in SUPABASE_KINDS:
            ref = claims.get("ref")
            url = (
                supabase.jwks_url_for(ref)
                if isinstance(ref, str) and supabase.REF_RE.match(ref)
                else None
            )
        if url is None:
            return None
        return Plan(iss if isinstance(iss, str) else url, SUPABASE_FAMILY, jwks_url=url)
    if family_of(alg) == "hmac" or not isinstance(iss, str):
        return None
    config_url = config_url_of(iss)
    if config_url is None:
        return None
    return Plan(iss, issuer_family(iss), config_url=config_url)


def config_url_of(iss: str) -> str | None:
    """The OpenID configuration URL of an issuer (https only), or None."""
    if len(iss) >= 300:
        return None
    base = _EQUIVALENT_ISSUERS.get(iss, iss)
    m = _AZURE_V1.match(base)
    if m:
        return f"https://login.microsoftonline.com/{m.group(1)}{OIDC_PATH}"
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        return None
    return base.rstrip("/") + OIDC_PATH


def same_issuer(document_issuer: object, iss: str) -> bool:
    """OpenID Connect Discovery §4.3: the configuration's issuer is exactly the token's."""
    if not isinstance(document_issuer, str):
        return False
    return document_issuer == iss or document_issuer == _EQUIVALENT_ISSUERS.get(iss)


def jwks_uri(document: Any, iss: str, config_url: str) -> str:
    """The `jwks_uri` of an OpenID configuration, once it is known to be the token issuer's.
    DiscoveryError when the document is no configuration, names another issuer, or points at a
    JWKS that is not https."""
    if not isinstance(document, dict):
        detail = f"{config_url}: the answer is not a JSON object."
        raise DiscoveryError(make(codes.DISCOVERY_FAILED, detail))
    named = document.get("issuer")
    if not same_issuer(named, iss):
        shown = repr(named)[:160] if named is not None else "no issuer"
        detail = (
            f"{config_url} names {shown} as its issuer; the token's iss is {iss[:160]!r}. A "
            "verifier must not use these keys: PyJWT with issuer= raises InvalidIssuerError: "
            "Invalid issuer."
        )
        raise DiscoveryError(make(codes.ISSUER_MISMATCH_IN_DISCOVERY, detail), "issuer_mismatch")
    uri = document.get("jwks_uri")
    if not isinstance(uri, str) or not uri:
        raise DiscoveryError(make(codes.DISCOVERY_FAILED, f"{config_url} has no jwks_uri."))
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme != "https":
        detail = f"{config_url}: its jwks_uri {uri[:160]!r} is not an https URL."
        raise DiscoveryError(make(codes.DISCOVERY_FAILED, detail))
    return uri
