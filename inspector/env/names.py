"""Which variable holds what, by its name; and the prefixes that ship a variable to the browser."""

from __future__ import annotations

from inspector.vocabulary import N, Term

# Prefixes that frameworks inline into the browser bundle, and who does it (for the detail text).
PUBLIC_PREFIXES: dict[str, str] = {
    "NEXT_PUBLIC_": "Next.js",
    "NUXT_PUBLIC_": "Nuxt",
    "EXPO_PUBLIC_": "Expo",
    "REACT_APP_": "Create React App",
    "VITE_": "Vite",
    "GATSBY_": "Gatsby",
    "VUE_APP_": "Vue CLI",
    "PUBLIC_": "SvelteKit and Astro",
}


class Role(Term):
    """What a variable's name says it holds (the JSON's `expected`)."""

    URL = ("supabase_url", "project URL", N, "the project URL")
    ANON = ("anon_key", "anon / publishable key", N, "the anon / publishable key")
    SERVICE = ("service_key", "service_role / secret key", N, "the service_role / secret key")
    # SUPABASE_KEY: either key, the name does not say which.
    API_KEY = ("api_key", "API key", N, "the API key")
    JWT_SECRET = ("jwt_secret", "JWT secret", N, "the JWT secret")
    DB_URL = ("database_url", "database connection string", N, "the database connection string")
    DB_PASSWORD = ("database_password", "database password", N, "the database password")
    ACCESS_TOKEN = ("access_token", "personal access token", N, "the personal access token")


# The short names the checks (and the tests) use.
ROLE_URL = Role.URL
ROLE_ANON = Role.ANON
ROLE_SERVICE = Role.SERVICE
ROLE_API_KEY = Role.API_KEY
ROLE_JWT_SECRET = Role.JWT_SECRET
ROLE_DB_URL = Role.DB_URL
ROLE_DB_PASSWORD = Role.DB_PASSWORD
ROLE_ACCESS_TOKEN = Role.ACCESS_TOKEN
KEY_ROLES = (Role.ANON, Role.SERVICE, Role.API_KEY)
SECRET_ROLES = (Role.JWT_SECRET, Role.DB_PASSWORD, Role.ACCESS_TOKEN)

_DB_URL_PARTS = (
    "DATABASE_URL",
    "DB_URL",
    "POSTGRES_URL",
    "PRISMA_URL",
    "DIRECT_URL",
    "PG_URL",
    "PGURL",
    "POSTGRES_DSN",
    "DATABASE_DSN",
    "DB_DSN",
    "CONNECTION_STRING",
)


def split_public_prefix(name: str) -> tuple[str | None, str]:
    """(`NEXT_PUBLIC_`, `SUPABASE_URL`) for `NEXT_PUBLIC_SUPABASE_URL`; (None, name) otherwise."""
    upper = name.upper()
    for prefix in PUBLIC_PREFIXES:  # longest-specific first: NUXT_PUBLIC_ before PUBLIC_
        if upper.startswith(prefix) and len(upper) > len(prefix):
            return prefix, upper[len(prefix) :]
    return None, upper


def role_for_name(name: str) -> Role | None:
    """What the variable's name says it holds, or None when the name says nothing."""
    _, n = split_public_prefix(name)
    if "JWT_SECRET" in n:
        return Role.JWT_SECRET
    if n.endswith("PASSWORD") and any(p in n for p in ("POSTGRES", "DB", "DATABASE", "PG")):
        return Role.DB_PASSWORD
    if any(p in n for p in _DB_URL_PARTS):
        return Role.DB_URL
    if "SERVICE_ROLE" in n or n.endswith("SERVICE_KEY"):
        return Role.SERVICE
    supabaseish = "SUPABASE" in n or n.startswith("SB_")
    if supabaseish and "SECRET_KEY" in n:
        return Role.SERVICE
    if ("ANON" in n and "KEY" in n) or "PUBLISHABLE" in n:
        return Role.ANON
    if supabaseish and ("ACCESS_TOKEN" in n or n.endswith("_PAT")):
        return Role.ACCESS_TOKEN
    if supabaseish and n.endswith("KEY"):
        return Role.API_KEY
    if supabaseish and n.endswith("URL"):
        return Role.URL
    return None
