"""The token inspector: pasted text -> TokenReport (PyJWT lives here; no Flask).

`inspect_token()` is the one service function; `classify_secret()` says what a would-be key or
secret is ("jwt", "hmac_secret", "publishable_key", "pem_public_key", ...); `needs_fetch()` says
whether a key is a URL that inspecting will fetch; `is_public_key()` whether a key is no secret
(a JWKS URL, a public key or JWKS); `MAX_LEEWAY` is the largest leeway accepted.

Names load on first use (PEP 562), so `from inspector.tokens.rules import MAX_LEEWAY` (the CLI's
option) does not import PyJWT and cryptography.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inspector.tokens.classify import classify_secret, key_shape
    from inspector.tokens.keys import is_public_key, needs_fetch
    from inspector.tokens.report import TokenReport
    from inspector.tokens.rules import MAX_LEEWAY
    from inspector.tokens.service import inspect_token
    from inspector.tokens.verify import Signature

_HOMES = {
    "MAX_LEEWAY": "rules",
    "Signature": "verify",
    "TokenReport": "report",
    "classify_secret": "classify",
    "inspect_token": "service",
    "is_public_key": "keys",
    "key_shape": "classify",
    "needs_fetch": "keys",
}

__all__ = [
    "MAX_LEEWAY",
    "Signature",
    "TokenReport",
    "classify_secret",
    "inspect_token",
    "is_public_key",
    "key_shape",
    "needs_fetch",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
