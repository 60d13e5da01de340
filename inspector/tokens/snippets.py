"""The fix as code: the PyJWT call that verifies this token, and a curl line that works.

Env var placeholders only: a secret, key or token value never appears in a snippet. What does
come from the token (`alg`, `aud`, `iss`, the JWKS URL) is data: a Python literal or a quoted
shell word (`inspector.codegen`), never text spliced into code.
"""

from __future__ import annotations

from typing import Any

from inspector import supabase
from inspector.codegen import py_number, py_str, sh_word, url_text

_URL_VAR = "$SUPABASE_URL"


def _api_base(ref: str | None, claims: dict[str, Any] | None) -> str:
    iss = claims.get("iss") if isinstance(claims, dict) else None
    if ref:
        return supabase.project_url(ref)
    if isinstance(iss, str) and iss.rstrip("/").endswith("/auth/v1") and iss.startswith("http"):
        return iss.rstrip("/")[: -len("/auth/v1")]
    if isinstance(iss, str) and iss == "supabase-demo":
        return f"http://127.0.0.1:{supabase.LOCAL_API_PORT}"
    return _URL_VAR


def _url_word(base: str, path: str) -> str:
    """`base + path` as one shell word; the `$SUPABASE_URL` placeholder stays expandable."""
    if base == _URL_VAR:
        return f'"{_URL_VAR}{path}"'
    return sh_word(url_text(base + path))


def python_snippet(
    kind: str,
    header: dict[str, Any] | None,
    claims: dict[str, Any] | None,
    *,
    key_used: str | None,
    jwks_url: str | None,
    leeway: float,
) -> str:
    alg = header.get("alg") if isinstance(header, dict) else None
    aud = claims.get("aud") if isinstance(claims, dict) else None
    iss = claims.get("iss") if isinstance(claims, dict) else None
    if kind in ("supabase_publishable_key", "supabase_secret_key"):
        var = (
            "SUPABASE_PUBLISHABLE_KEY"
            if kind == "supabase_publishable_key"
            else ("SUPABASE_SECRET_KEY")
        )
        return (
            "# sb_ keys are not JWTs: there is nothing to decode. Use the key with the client:\n"
            "import os\n"
            "from supabase import create_client\n\n"
            f'supabase = create_client(os.environ["SUPABASE_URL"], os.environ["{var}"])'
        )
    if kind == "supabase_refresh_token":
        return (
            "# A refresh token is opaque and single-use: trade it for a new session.\n"
            "import os\n"
            "from supabase import create_client\n\n"
            "supabase = create_client(\n"
            '    os.environ["SUPABASE_URL"], os.environ["SUPABASE_ANON_KEY"]\n)\n'
            'session = supabase.auth.refresh_session(os.environ["REFRESH_TOKEN"]).session\n'
            "access_token = session.access_token  # this one is a JWT"
        )
    if kind == "supabase_access_token_personal":
        return (
            "# A personal access token is for the Management API (https://api.supabase.com).\n"
            "import os\n"
            "import urllib.request\n\n"
            'req = urllib.request.Request("https://api.supabase.com/v1/projects", headers={\n'
            '    "Authorization": f"Bearer {os.environ[\'SUPABASE_ACCESS_TOKEN\']}"})\n'
            "print(urllib.request.urlopen(req, timeout=10).read())"
        )
    if (
        not isinstance(alg, str)
        or alg.lower() == "none"
        or kind
        in (
            "malformed_jwt",
            "jwt_secret",
            "connection_string",
            "unknown",
        )
    ):
        return (
            "# Read a token's header without trusting it (to pick the key), then verify it:\n"
            "import jwt  # PyJWT\n\n"
            "header = jwt.get_unverified_header(token)  # raises DecodeError when malformed\n"
            'print(header["alg"], header.get("kid"))'
        )
    kwargs: list[str] = []
    if isinstance(aud, str):
        kwargs.append(f"audience={py_str(aud)}")
    elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        kwargs.append(f"audience={py_str(aud[0])}")
    if kind == "supabase_user_token" and isinstance(iss, str) and iss.startswith("http"):
        kwargs.append(f"issuer={py_str(iss)}")
    leeway_literal = py_number(leeway) if leeway and leeway > 0 else None
    if leeway_literal:
        kwargs.append(f"leeway={leeway_literal}")
    extra = "".join(f"\n    {k}," for k in kwargs)
    if alg.startswith("HS"):
        key_expr = 'os.environ["SUPABASE_JWT_SECRET"]'
        imports = "import os\n\nimport jwt  # PyJWT\n\n"
        if key_used and key_used.endswith("_base64_decoded"):
            imports = "import base64\nimport os\n\nimport jwt  # PyJWT\n\n"
            key_expr = 'base64.b64decode(os.environ["SUPABASE_JWT_SECRET"])'
            imports += (
                "# This token was signed with the DECODED secret (Supabase uses the raw text).\n"
            )
        elif key_used and key_used.endswith("_hex_decoded"):
            imports += (
                "# This token was signed with the hex-DECODED secret (Supabase uses the text).\n"
            )
            key_expr = 'bytes.fromhex(os.environ["SUPABASE_JWT_SECRET"])'
        elif key_used and key_used.endswith("_trimmed"):
            key_expr = 'os.environ["SUPABASE_JWT_SECRET"].strip()'
        return (
            f"{imports}claims = jwt.decode(\n"
            f"    token,\n    {key_expr},\n"
            f"    algorithms=[{py_str(alg)}],{extra}\n)"
        )
    url = jwks_url or "https://<project-ref>.supabase.co/auth/v1/.well-known/jwks.json"
    return (
        "import jwt  # PyJWT\n\n"
        "# Create it once and reuse it: it caches the keys 10 min (lifespan=600), as long as\n"
        "# Supabase's edge caches the JWKS, and refetches when a token's kid is unknown.\n"
        f"jwks = jwt.PyJWKClient({py_str(url)}, timeout=5, lifespan=600)\n"
        "signing_key = jwks.get_signing_key_from_jwt(token)\n"
        "claims = jwt.decode(\n"
        "    token,\n    signing_key.key,\n"
        f"    algorithms=[{py_str(alg)}],{extra}\n)"
    )


def curl_snippet(kind: str, ref: str | None, claims: dict[str, Any] | None) -> str | None:
    base = _api_base(ref, claims)
    rest = _url_word(base, "/rest/v1/")
    if kind == "supabase_user_token":
        return (
            f"curl {rest} \\\n"
            '  -H "apikey: $SUPABASE_ANON_KEY" \\\n'
            '  -H "Authorization: Bearer $ACCESS_TOKEN"'
        )
    if kind == "supabase_anon_key":
        return (
            f"curl {rest} \\\n"
            '  -H "apikey: $SUPABASE_ANON_KEY" \\\n'
            '  -H "Authorization: Bearer $SUPABASE_ANON_KEY"'
        )
    if kind == "supabase_service_role_key":
        return (
            "# server side only: the service_role key bypasses RLS\n"
            f"curl {rest} \\\n"
            '  -H "apikey: $SUPABASE_SERVICE_ROLE_KEY" \\\n'
            '  -H "Authorization: Bearer $SUPABASE_SERVICE_ROLE_KEY"'
        )
    if kind == "supabase_publishable_key":
        return (
            "# sb_ keys go in apikey only; a user's JWT (if any) goes in Authorization: Bearer\n"
            f'curl {rest} \\\n  -H "apikey: $SUPABASE_PUBLISHABLE_KEY"'
        )
    if kind == "supabase_secret_key":
        return (
            "# server side only: the secret key bypasses RLS; apikey header only, no Bearer\n"
            f'curl {rest} \\\n  -H "apikey: $SUPABASE_SECRET_KEY"'
        )
    if kind == "supabase_refresh_token":
        auth = _url_word(base, "/auth/v1/token?grant_type=refresh_token")
        return (
            f"curl -X POST {auth} \\\n"
            '  -H "apikey: $SUPABASE_ANON_KEY" \\\n'
            '  -H "Content-Type: application/json" \\\n'
            '  -d \'{"refresh_token": "\'"$REFRESH_TOKEN"\'"}\''
        )
    if kind == "supabase_access_token_personal":
        return (
            'curl "https://api.supabase.com/v1/projects" \\\n'
            '  -H "Authorization: Bearer $SUPABASE_ACCESS_TOKEN"'
        )
    return None
