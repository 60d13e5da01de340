"""Tokens anyone can mint: an HS256/384/512 token tried, without any key, against the secrets
everyone knows. Pure.

Those are the publicly known secrets (the Supabase CLI local stack's and the self-hosting
example's, from `inspector.supabase`; jwt.io's defaults) and a small bundled list of common weak
words (`weak_secrets.txt`, shipped in the wheel). A hit means whoever holds the token's issuer
name can sign tokens it accepts. Only the HMAC family is tried, with the token's HS algorithm: an
HMAC secret allows HS* and nothing else.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
from dataclasses import dataclass
from importlib import resources

from inspector import supabase
from inspector.tokens.decode import b64url_decode

WEAK_SECRETS_FILE = "weak_secrets.txt"

# Published secrets besides Supabase's own: secret -> where it is published.
JWT_IO_SECRETS: dict[str, str] = {
    "a-string-secret-at-least-256-bits-long": "jwt.io's default HS256 example",
    "your-256-bit-secret": "jwt.io's earlier default HS256 example",
    "your-384-bit-secret": "jwt.io's earlier default HS384 example",
    "your-512-bit-secret": "jwt.io's earlier default HS512 example",
}

_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


@dataclass(frozen=True)
class PublicSecret:
    """A secret anyone may know, and why."""

    secret: str
    source: str | None  # where it is published; None: a common weak word

    @property
    def published(self) -> bool:
        return self.source is not None

    @property
    def words(self) -> str:
        """The secret in words for a finding: named when published, masked when a weak word
        (it may still be someone's real secret elsewhere)."""
        if self.source is not None:
            return f"`{self.secret}`, the publicly known secret of {self.source}"
        n = len(self.secret)
        shown = self.secret[:2] + "…" if n > 3 else "…"
        return (
            f"a common weak secret from the inspector's list of {len(weak_words())} "
            f'({n} character{"s" if n != 1 else ""}, "{shown}")'
        )

    @property
    def description(self) -> str:
        """The key for the report's signature (`signature.key`), never the secret itself."""
        if self.source is not None:
            return f"a publicly known secret ({self.source})"
        return "a common weak secret (found without a key)"


@functools.lru_cache(maxsize=1)
def weak_words() -> tuple[str, ...]:
    """The bundled list of common weak secrets, in its order."""
    text = resources.files(__package__).joinpath(WEAK_SECRETS_FILE).read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(dict.fromkeys(w for w in lines if w and not w.startswith("#")))


@functools.lru_cache(maxsize=1)
def public_secrets() -> tuple[PublicSecret, ...]:
    """Every secret tried: the published ones first, then the weak words."""
    published = {**supabase.KNOWN_PUBLIC_SECRETS, **JWT_IO_SECRETS}
    out = [PublicSecret(s, source) for s, source in published.items()]
    out += [PublicSecret(w, None) for w in weak_words() if w not in published]
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _keyed(alg: str) -> tuple[tuple[PublicSecret, hmac.HMAC], ...]:
    """Each secret's HMAC, keyed once: trying a token copies it instead of keying it again."""
    digest = _DIGESTS[alg]
    return tuple(
        (s, hmac.new(s.secret.encode("utf-8"), digestmod=digest)) for s in public_secrets()
    )


def find_secret(token: str, alg: object) -> PublicSecret | None:
    """The publicly known or weak secret that signed this HS* token, or None."""
    if not isinstance(alg, str) or alg not in _DIGESTS:
        return None
    signing_input, _, sig_text = token.rpartition(".")
    if not signing_input:
        return None
    try:
        signature = b64url_decode(sig_text)
    except (binascii.Error, ValueError):
        return None
    if len(signature) != _DIGESTS[alg]().digest_size:
        return None
    data = signing_input.encode("utf-8")
    for secret, keyed in _keyed(alg):
        mac = keyed.copy()
        mac.update(data)
        if hmac.compare_digest(mac.digest(), signature):
            return secret
    return None
