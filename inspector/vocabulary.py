"""The words every face shares: token kinds, signature statuses, host kinds, steps, verdicts.

Each member is its own JSON value (a `StrEnum`), and carries what a renderer needs: a `label`
(a heading: "Supabase anon key (legacy API key)"), a `phrase` (the same thing inside a sentence:
"the anon key"), an `outcome` (good / bad / neutral, also in the JSON) and a `tone`, the look
the pages and the CLI give it (`ok`, `error`, `warning`, `muted`, `info`) with its `icon`.
The templates, `static/js/app.js` (through the JSON's `outcome`) and the CLI read these; no face
keeps a table of its own.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    GOOD = "good"
    BAD = "bad"
    NEUTRAL = "neutral"


# How each tone looks: (css class suffix, icon). The icon goes with a word, never alone.
ICONS = {"ok": "✔", "error": "✖", "warning": "▲", "muted": "–", "info": "ℹ"}
_TONE_OF = {Outcome.GOOD: "ok", Outcome.BAD: "error", Outcome.NEUTRAL: "muted"}


class Term(StrEnum):
    """A StrEnum whose members are (value, label, outcome[, phrase[, tone]])."""

    label: str
    phrase: str
    outcome: Outcome
    tone: str

    def __new__(
        cls,
        value: str,
        label: str = "",
        outcome: Outcome = Outcome.NEUTRAL,
        phrase: str | None = None,
        tone: str | None = None,
    ) -> Term:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ")
        member.outcome = outcome
        member.phrase = phrase or member.label
        member.tone = tone or _TONE_OF[outcome]
        return member

    @property
    def icon(self) -> str:
        return ICONS[self.tone]

    @classmethod
    def of(cls, value: Any) -> Any:
        """The member for a value, or None for a value outside the vocabulary."""
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}


G, B, N = Outcome.GOOD, Outcome.BAD, Outcome.NEUTRAL


class TokenKind(Term):
    SUPABASE_ANON_KEY = (
        "supabase_anon_key",
        "Supabase anon key (legacy API key)",
        N,
        "the anon key",
    )
    SUPABASE_SERVICE_ROLE_KEY = (
        "supabase_service_role_key",
        "Supabase service_role key (legacy API key)",
        N,
        "the service_role key",
    )
    SUPABASE_USER_TOKEN = (
        "supabase_user_token",
        "Supabase user access token",
        N,
        "a user's session access token",
    )
    SUPABASE_PUBLISHABLE_KEY = (
        "supabase_publishable_key",
        "Supabase publishable key (sb_publishable_)",
        N,
        "a publishable key (sb_publishable_)",
    )
    SUPABASE_SECRET_KEY = (
        "supabase_secret_key",
        "Supabase secret key (sb_secret_)",
        N,
        "a secret key (sb_secret_)",
    )
    SUPABASE_REFRESH_TOKEN = (
        "supabase_refresh_token",
        "Supabase refresh token",
        N,
        "a refresh token",
    )
    SUPABASE_ACCESS_TOKEN_PERSONAL = (
        "supabase_access_token_personal",
        "Supabase personal access token (sbp_)",
        N,
        "a personal access token (sbp_)",
    )
    JWT = ("jwt", "JWT (not issued by Supabase Auth)", N, "a JWT that is not a Supabase key")
    MALFORMED_JWT = ("malformed_jwt", "Malformed JWT", B, "a malformed JWT")
    JWT_SECRET = ("jwt_secret", "A JWT secret", N, "an HMAC secret")
    CONNECTION_STRING = (
        "connection_string",
        "A Postgres connection string",
        N,
        "a Postgres connection string",
    )
    UNKNOWN = ("unknown", "Not a token", N, "text")


class SignatureStatus(Term):
    VALID = ("valid", "valid", G)
    INVALID = ("invalid", "invalid", B)
    NOT_CHECKED = ("not_checked", "not checked", N)
    WRONG_KEY_TYPE = ("wrong_key_type", "wrong key type", B)
    KEY_NOT_FOUND = ("key_not_found", "key not found", B)
    UNSIGNED = ("unsigned", "unsigned", B)
    BAD_KEY = ("bad_key", "bad key", B)
    NOT_APPLICABLE = ("not_applicable", "not applicable", N)


class HostKind(Term):
    SUPABASE_DIRECT = (
        "supabase_direct",
        "Supabase direct connection",
        N,
        "direct connection",
    )
    SUPABASE_POOLER_SESSION = (
        "supabase_pooler_session",
        "Supabase shared pooler, session mode",
        N,
        "session pooler",
    )
    SUPABASE_POOLER_TRANSACTION = (
        "supabase_pooler_transaction",
        "Supabase shared pooler, transaction mode",
        N,
        "transaction pooler",
    )
    SUPABASE_DEDICATED_POOLER = (
        "supabase_dedicated_pooler",
        "Supabase dedicated pooler (PgBouncer)",
        N,
        "dedicated pooler",
    )
    SUPABASE_LOCAL = ("supabase_local", "Supabase local CLI stack", N, "local Supabase stack")
    LOCAL = ("local", "local server", N, "local server")
    OTHER = ("other", "other host", N, "other host")


class StepName(Term):
    DNS = ("dns", "DNS lookup", N, "the DNS lookup")
    TCP = ("tcp", "TCP connection", N, "the TCP connection")
    SSL_REQUEST = ("ssl_request", "SSLRequest", N, "the SSLRequest")
    TLS = ("tls", "TLS handshake", N, "the TLS handshake")
    CONNECT = ("connect", "login", N, "the login")
    QUERY = ("query", "first query", N, "the first query")
    CONNECT_ASYNCPG = ("connect_asyncpg", "asyncpg login", N, "the asyncpg login")

    @property
    def short(self) -> str:
        """The name in a narrow column (the waterfall): `DNS`, `TCP`, `login`."""
        return _STEP_SHORT.get(self.value, self.label)

    @classmethod
    def short_of(cls, value: Any) -> str:
        member = cls.of(value)
        return member.short if member is not None else str(value)


_STEP_SHORT = {"dns": "DNS", "tcp": "TCP", "tls": "TLS", "query": "query"}


class StepStatus(Term):
    OK = ("ok", "ok", G)
    FAILED = ("failed", "failed", B)
    WARNING = ("warning", "warning", N, None, "warning")
    SKIPPED = ("skipped", "skipped", N)


class VerdictStatus(Term):
    CONNECTED = ("connected", "connected", G)
    FAILED = ("failed", "failed", B)
    NOT_PROBED = ("not_probed", "not probed", N)


class TrustStatus(Term):
    TRUSTED = ("trusted", "trusted", G)
    UNTRUSTED = ("untrusted", "untrusted", B)


# Every status word a badge may show, for the one `status_badge` macro.
STATUS_TERMS: tuple[type[Term], ...] = (SignatureStatus, StepStatus, VerdictStatus, TrustStatus)


def look(value: Any, default: str | None = None) -> tuple[str, str]:
    """(tone, icon) of any status word of the vocabulary, of a severity or of a tone; for a word
    outside them, the `default` tone's look (none given: muted, with a plain dot)."""
    for enum in STATUS_TERMS:
        member = enum.of(value)
        if member is not None:
            return member.tone, member.icon
    # A finding's severity is its own tone; a tone ("muted") is its own look.
    if isinstance(value, str) and value in ICONS:
        return value, ICONS[value]
    if default is not None:
        return default, ICONS[default]
    return "muted", "•"
