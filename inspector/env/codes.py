"""The environment check's finding codes (api.md, env section), each defined once.

Fix texts that name a dashboard page take `{jwt_settings}`, `{api_settings}` or
`{database_settings}` (filled from `dashboards(ref)` when a finding is made). Where one code
covers situations with a title, fix or severity of their own, each is a named `Variant` at the
end of this module (the token inspector's mechanism); call sites never override the catalog.
"""

from __future__ import annotations

# The connection area may define `project_ref_mismatch` as well; its catalog module is imported
# first so that the env area reuses that definition by name instead of defining a second text.
import inspector.connections.codes  # noqa: F401
from inspector import supabase
from inspector.findings import Severity, UnknownCodeError, Variant, define, make

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _env(code: str, severity: Severity, title: str, fix: str | None = None) -> str:
    return define(code, severity, title, fix, area="env")


# --- the file itself ---
ENV_FILE_MISSING = _env(
    "env_file_missing",
    ERROR,
    "The .env file cannot be read",
    "Point INSPECTOR_ENV_FILE (or --file) at the project's .env, or paste its text.",
)
ENV_UNPARSEABLE_LINE = _env(
    "env_unparseable_line",
    ERROR,
    "python-dotenv cannot parse a line, and skips it",
    "Write each line as NAME=value; close every quote on the line it opens (or on purpose, "
    "for a multi-line value); put comments on lines of their own.",
)
ENV_DUPLICATE_VARIABLE = _env(
    "env_duplicate_variable",
    WARNING,
    "A variable is defined more than once",
    "Keep one line per variable: python-dotenv keeps the last value, Node's dotenv "
    "(Next.js, Vite) the first.",
)
ENV_INTERPOLATION_UNRESOLVED = _env(
    "env_interpolation_unresolved",
    WARNING,
    "A ${VARIABLE} reference names a variable the file does not define",
    "Define the referenced variable in the file, or write the value itself: this check "
    "resolves references only from the file, never from the server's environment.",
)
ENV_CRLF_LINE_ENDINGS = _env(
    "env_crlf_line_endings",
    WARNING,
    "The file has Windows line endings (CR LF)",
    "Save it with LF line endings: python-dotenv drops the CR, but `docker --env-file`, "
    "`source .env` and some CI secret stores keep it at the end of every value.",
)
ENV_NO_SUPABASE_VARIABLES = _env(
    "env_no_supabase_variables",
    INFO,
    "No Supabase or Postgres variable was recognised",
    "Name them as the Supabase docs do (SUPABASE_URL, SUPABASE_ANON_KEY, "
    "SUPABASE_SERVICE_ROLE_KEY, SUPABASE_JWT_SECRET, DATABASE_URL), with or without a "
    "framework prefix such as NEXT_PUBLIC_.",
)

# --- the JWT secret ---
JWT_SECRET_MISSING = _env(
    "jwt_secret_missing",
    INFO,
    "No JWT secret, so the keys' signatures were not checked",
    "To check them, add the legacy JWT secret as SUPABASE_JWT_SECRET in a server-side .env, "
    "copied from Project Settings → JWT Keys ({jwt_settings}).",
)
JWT_SECRET_EMPTY = _env(
    "jwt_secret_empty",
    ERROR,
    "The JWT secret variable is declared but empty",
    "Copy the legacy JWT secret from Project Settings → JWT Keys ({jwt_settings}).",
)
JWT_SECRET_IS_JWT = _env(
    "jwt_secret_is_jwt",
    ERROR,
    "The JWT secret variable holds a JWT, not the secret",
    "Copy the JWT secret from Project Settings → JWT Keys ({jwt_settings}): the anon and "
    "service_role keys are tokens signed with that secret, never the secret itself.",
)
JWT_SECRET_IS_API_KEY = _env(
    "jwt_secret_is_api_key",
    ERROR,
    "The JWT secret variable holds an sb_ API key, not the secret",
    "sb_publishable_/sb_secret_ keys sign nothing: copy the legacy JWT secret from "
    "Project Settings → JWT Keys ({jwt_settings}), or verify user tokens against the "
    "project's JWKS if it uses asymmetric signing keys.",
)
JWT_SECRET_NOT_HMAC = _env(
    "jwt_secret_not_hmac",
    ERROR,
    "The JWT secret variable holds a key, URL or connection string, not an HMAC secret",
    "The legacy anon and service_role keys are HS256: verify them with the JWT secret from "
    "Project Settings → JWT Keys ({jwt_settings}); keep a public key or JWKS URL in a variable "
    "of its own (e.g. SUPABASE_JWKS_URL) for asymmetric user tokens.",
)
JWT_SECRET_VERIFIES_KEYS = _env(
    "jwt_secret_verifies_keys",
    INFO,
    "The JWT secret verifies the keys",
)
JWT_SECRET_DOES_NOT_VERIFY_KEYS = _env(
    "jwt_secret_does_not_verify_keys",
    ERROR,
    "The JWT secret does not verify the keys",
    "Copy the project's JWT secret from Project Settings → JWT Keys ({jwt_settings}); if the "
    "secret was rotated, copy the new anon and service_role keys from {api_settings} too.",
)
KEYS_SIGNED_ASYMMETRICALLY = _env(
    "keys_signed_asymmetrically",
    WARNING,
    "The keys are signed with an asymmetric key: an HMAC secret cannot verify them",
    "Verify tokens against the project's JWKS (https://<ref>.supabase.co/auth/v1/.well-known/"
    "jwks.json) instead of a shared secret.",
)

# --- the keys ---
KEYS_SWAPPED = _env(
    "keys_swapped",
    ERROR,
    "The anon and service_role keys are swapped",
    "Swap the two values back (Project Settings → API Keys, {api_settings}): the service key "
    "bypasses Row Level Security and must never reach a browser.",
)
ANON_KEY_IS_SERVICE_ROLE = _env(
    "anon_key_is_service_role",
    ERROR,
    "The anon / publishable key variable holds a service_role or secret key",
    "Put the anon (or sb_publishable_) key from {api_settings} here: the service key bypasses "
    "Row Level Security, so every client using it reads and writes everything.",
)
SERVICE_KEY_IS_ANON = _env(
    "service_key_is_anon",
    ERROR,
    "The service_role / secret key variable holds the anon or publishable key",
    "Put the service_role (or sb_secret_) key from {api_settings} here: with the anon key, "
    "server code is held to Row Level Security and admin calls fail.",
)
KEY_IS_USER_TOKEN = _env(
    "key_is_user_token",
    ERROR,
    "A key variable holds a user's session token, which expires within hours",
    "Put the project's API key from {api_settings} here; user tokens come from "
    "supabase.auth.getSession() at run time.",
)
KEY_UNRECOGNISED = _env(
    "key_unrecognised",
    ERROR,
    "A key variable holds something that is not a Supabase API key",
    "Copy the key from Project Settings → API Keys ({api_settings}).",
)

# --- the project URL ---
SUPABASE_URL_INVALID = _env(
    "supabase_url_invalid",
    ERROR,
    "The project URL is not an http(s) URL",
    "Copy the Project URL (https://<ref>.supabase.co) from {api_settings}.",
)
SUPABASE_URL_HAS_PATH = _env(
    "supabase_url_has_path",
    WARNING,
    "The project URL has a path: clients add /rest/v1, /auth/v1 themselves",
    "Use the bare project URL, e.g. https://<ref>.supabase.co, with no path and no trailing slash.",
)

# --- any variable ---
SECRET_IN_PUBLIC_VARIABLE = _env(
    "secret_in_public_variable",
    ERROR,
    "A secret sits in a public variable that ships to the browser",
    "Rename it without the public prefix and use it only in server code; then rotate the "
    "secret, since every visitor could read it ({api_settings}).",
)
VALUE_QUOTED_OR_PADDED = _env(
    "value_quoted_or_padded",
    ERROR,
    "The value carries stray quotes or whitespace",
    "Write the value bare or in one pair of quotes, with nothing else inside them: NAME=value "
    'or NAME="value".',
)
VALUE_EMPTY = _env(
    "value_empty",
    WARNING,
    "The variable is declared but empty",
    "Fill it in, or remove the line so a missing value fails loudly.",
)

# `project_ref_mismatch`: the connection inspector's definition (same vocabulary) when it has one.
try:
    make("project_ref_mismatch", "")
    PROJECT_REF_MISMATCH = "project_ref_mismatch"
except UnknownCodeError:
    PROJECT_REF_MISMATCH = _env(
        "project_ref_mismatch",
        ERROR,
        "Values belong to different Supabase projects",
        "Copy every value from the same project's dashboard: the URL and keys from "
        "Project Settings → API Keys, the connection string from the Connect button.",
    )


def dashboards(ref: str | None) -> dict[str, str]:
    """The fix texts' dashboard placeholders, for project `ref` (None: the dashboard's home)."""
    return {
        "jwt_settings": supabase.dashboard_url(ref, "jwt"),
        "api_settings": supabase.dashboard_url(ref, "api"),
        "database_settings": supabase.dashboard_url(ref, "database"),
    }


# --- Variants: one code, a situation of its own ------------------------------------------------

# The parsed value is clean, but the line has blanks after it that other loaders keep.
TRAILING_BLANKS = Variant(VALUE_QUOTED_OR_PADDED, severity="warning")
# A public key, certificate or JWK(S) verifies asymmetric user tokens: a warning, not an error.
SECRET_IS_PUBLIC_KEY = Variant(JWT_SECRET_NOT_HMAC, severity="warning")
SECRET_IS_SB_KEY = Variant(
    JWT_SECRET_IS_API_KEY, title="{name} holds an sb_ API key, not the JWT secret"
)
SECRET_IS_LEGACY_KEY = Variant(
    JWT_SECRET_IS_JWT, title="{name} holds the {key}, not the JWT secret"
)
SECRET_IS_OTHER_JWT = Variant(JWT_SECRET_IS_JWT, title="{name} holds a JWT, not the JWT secret")
SECRET_VERIFIES_NAMED_KEYS = Variant(JWT_SECRET_VERIFIES_KEYS, title="{name} verifies {keys}")
SECRET_VERIFIES_ONCE_TRIMMED = Variant(
    JWT_SECRET_DOES_NOT_VERIFY_KEYS,
    title="{name} verifies the keys only after trimming it",
    fix="Remove the stray quotes or blanks around {name}'s value.",
)
SECRET_VERIFIES_ONCE_DECODED = Variant(  # {how}: base64-decoded, hex-decoded
    JWT_SECRET_DOES_NOT_VERIFY_KEYS, title="{name} verifies the keys only when {how}"
)
# The secret verifies the keys of one project, and the odd key out is of another project.
SECRET_OF_ANOTHER_PROJECT = Variant(
    JWT_SECRET_DOES_NOT_VERIFY_KEYS, title="{name} is the JWT secret of another project ({ref})"
)
KEYS_OF_ANOTHER_PROJECT = Variant(  # {belong}: belongs / belong
    JWT_SECRET_DOES_NOT_VERIFY_KEYS, title="{keys} {belong} to another project ({ref})"
)
# Same project, some keys verify and some do not: signed with another secret (a rotation?).
SECRET_VERIFIES_SOME_KEYS = Variant(
    JWT_SECRET_DOES_NOT_VERIFY_KEYS, title="{name} verifies {good} but not {bad}"
)
SECRET_NOT_OF_PROJECT = Variant(
    JWT_SECRET_DOES_NOT_VERIFY_KEYS, title="{name} is not project {ref}'s JWT secret"
)
SECRET_VERIFIES_NO_KEY = Variant(
    JWT_SECRET_DOES_NOT_VERIFY_KEYS, title="{name} does not verify {keys}"
)
_COPY_FROM_PROJECT = (
    "Copy every value from project {ref}: the URL and keys from {api_settings}, the connection "
    "string from {database_settings}."
)
VALUES_OF_TWO_PROJECTS = Variant(PROJECT_REF_MISMATCH, fix=_COPY_FROM_PROJECT, severity="error")
VALUES_OF_MANY_PROJECTS = Variant(
    PROJECT_REF_MISMATCH,
    title="{count} different Supabase projects",
    fix=_COPY_FROM_PROJECT,
    severity="error",
)


# --- a pooled URL and a direct one (Prisma's url and directUrl; inspector/env/stacks.py) -------
DIRECT_URL_IS_TRANSACTION_POOLER = _env(
    "direct_url_is_transaction_pooler",
    ERROR,
    "The direct URL goes through the transaction pooler",
    "Point {direct} at the session pooler (same host, port 5432) or the direct host "
    "`db.<ref>.supabase.co:5432`: migrations through port 6543 fail with `prepared statement "
    '"s0" already exists`.',
)
DATABASE_URLS_SWAPPED = _env(
    "database_urls_swapped",
    ERROR,
    "The pooled and the direct URL are in each other's place",
    "Swap them: {pooled} is the app's URL, the transaction pooler (port 6543, with "
    "`pgbouncer=true` for Prisma 6); {direct} is for migrations (port 5432).",
)
POOLED_URL_NOT_POOLED = _env(
    "pooled_url_not_pooled",
    INFO,
    "The app's URL does not go through the transaction pooler",
    "That works; serverless code is better served by the transaction pooler (port 6543, with "
    "`pgbouncer=true` for Prisma 6) in {pooled}, keeping {direct} for migrations.",
)
DATABASE_URL_PAIR_PROJECTS = _env(
    "database_url_pair_projects",
    ERROR,
    "The pooled and the direct URL name different projects",
    "Copy both from the same project's Connect dialog (ORMs → Prisma): migrations would "
    "change one project while the app reads the other.",
)
