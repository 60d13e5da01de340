"""The token inspector: pasted text -> TokenReport (PyJWT lives here; no Flask).

`inspect_token()` is the one service function; `classify_secret()` says what a would-be key or
secret is ("jwt", "hmac_secret", "publishable_key", "pem_public_key", ...).
"""

from inspector.tokens.classify import classify_secret, key_shape
from inspector.tokens.report import TokenReport
from inspector.tokens.service import inspect_token
from inspector.tokens.verify import Signature

__all__ = ["TokenReport", "Signature", "classify_secret", "inspect_token", "key_shape"]
