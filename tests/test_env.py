"""The environment check: every env code from real generated keys and real .env text, through
the service, the page, the JSON and the CLI; masks; the configured file; shared mode."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import supabase
from inspector.env import inspect_env, mask_value, role_for_name
from inspector.env.names import ROLE_ANON, ROLE_DB_URL, ROLE_JWT_SECRET, ROLE_SERVICE, ROLE_URL
from inspector.findings import catalog
from tests.fixtures.paste import paste

REF_A = "abcdefghijklmnopqrst"
REF_B = "zyxwvutsrqponmlkjihg"
LEGACY_LIFETIME = supabase.LEGACY_KEY_LIFETIME


# ---------------------------------------------------------------------------------------------
# Real keys: HS256 secrets and Supabase-shaped tokens minted here with PyJWT.


def legacy_key(secret, ref: str, role: str, alg: str = "HS256", kid: str | None = None) -> str:
    iat = int(time.time()) - 3600
    claims = {"iss": "supabase", "ref": ref, "role": role, "iat": iat, "exp": iat + LEGACY_LIFETIME}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, secret, algorithm=alg, headers=headers)


def user_token(secret: str, ref: str) -> str:
    iat = int(time.time()) - 60
    return jwt.encode(
        {
            "iss": f"https://{ref}.supabase.co/auth/v1",
            "sub": "7c1f0b8e-2a3d-4e5f-8a9b-0c1d2e3f4a5b",
            "aud": "authenticated",
            "exp": iat + 3600,
            "iat": iat,
            "email": "dev@example.com",
            "phone": "",
            "role": "authenticated",
            "aal": "aal1",
            "session_id": "0d3c6a52-4b8f-4f51-9d0e-5b0b6f0c1e2a",
            "is_anonymous": False,
        },
        secret,
        algorithm="HS256",
    )


@dataclass(frozen=True)
class Project:
    ref: str
    secret: str
    anon: str
    service: str

    @property
    def url(self) -> str:
        return f"https://{self.ref}.supabase.co"


def make_project(ref: str) -> Project:
    secret = secrets.token_urlsafe(40)
    return Project(
        ref, secret, legacy_key(secret, ref, "anon"), legacy_key(secret, ref, "service_role")
    )


A = make_project(REF_A)
B = make_project(REF_B)
SB_SECRET = "sb_secret_" + secrets.token_urlsafe(16)[:22] + "_" + "Ab3dEf9h"
SB_PUBLISHABLE = "sb_publishable_" + secrets.token_urlsafe(16)[:22] + "_" + "Zx8cVb2n"
DB_PASSWORD = "pw-" + secrets.token_hex(12)
_EC_KEY = ec.generate_private_key(ec.SECP256R1())
ES256_ANON = legacy_key(_EC_KEY, REF_A, "anon", "ES256", kid="b81269f1-21d8-4f2e-b719-c2240a840d90")
USER_TOKEN = user_token(A.secret, REF_A)
POOLER = "aws-0-eu-central-1.pooler.supabase.com"


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    codes: tuple[str, ...] = ()  # overall findings that must appear
    var_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> codes
    errors: bool = True  # an error-level finding is expected (CLI exit 1)
    absent: tuple[str, ...] = ()  # codes that must not appear anywhere
    secrets: tuple[str, ...] = ()  # values that must never be shown


_POOLER = "aws-0-eu-central-1.pooler.supabase.com"
CASES = [
    Case(
        "consistent",
        lines(
            "# a Next.js app",
            f"NEXT_PUBLIC_SUPABASE_URL={A.url}",
            f"NEXT_PUBLIC_SUPABASE_ANON_KEY={A.anon}",
            f"SUPABASE_SERVICE_ROLE_KEY={A.service}",
            f"SUPABASE_JWT_SECRET={A.secret}",
            "NODE_ENV=production",
        ),
        codes=("jwt_secret_verifies_keys",),
        errors=False,
        absent=("jwt_secret_does_not_verify_keys", "project_ref_mismatch", "keys_swapped"),
        secrets=(A.secret, A.anon, A.service),
    ),
    Case(
        "secret_is_anon_key",
        lines(
            f"SUPABASE_URL={A.url}", f"SUPABASE_ANON_KEY={A.anon}", f"SUPABASE_JWT_SECRET={A.anon}"
        ),
        codes=("jwt_secret_is_jwt",),
        absent=("jwt_secret_does_not_verify_keys",),
        secrets=(A.anon,),
    ),
    Case(
        "secret_is_service_key",
        lines(f"SUPABASE_URL={A.url}", f"SUPABASE_JWT_SECRET={A.service}"),
        codes=("jwt_secret_is_jwt",),
        secrets=(A.service,),
    ),
    Case(
        "secret_is_api_key",
        lines(f"SUPABASE_URL={A.url}", f"SUPABASE_ANON_KEY={A.anon}", f"JWT_SECRET={SB_SECRET}"),
        codes=("jwt_secret_is_api_key",),
        secrets=(SB_SECRET, A.anon),
    ),
    Case(
        "secret_of_another_project",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={A.anon}",
            f"SUPABASE_SERVICE_ROLE_KEY={A.service}",
            f"SUPABASE_JWT_SECRET={B.secret}",
        ),
        codes=("jwt_secret_does_not_verify_keys",),
        absent=("jwt_secret_verifies_keys",),
        secrets=(B.secret, A.anon, A.service),
    ),
    Case(
        "secret_and_service_key_of_another_project",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={A.anon}",
            f"SUPABASE_SERVICE_ROLE_KEY={B.service}",
            f"SUPABASE_JWT_SECRET={B.secret}",
        ),
        codes=(
            "jwt_secret_does_not_verify_keys",
            "project_ref_mismatch",
            "jwt_secret_verifies_keys",
        ),
        secrets=(B.secret, A.anon, B.service),
    ),
    Case(
        "secret_is_a_jwks_url",
        lines(
            f"NEXT_PUBLIC_SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={A.anon}",
            f"NEXT_PUBLIC_SUPABASE_JWT_SECRET={supabase.jwks_url_for(REF_A)}",
        ),
        codes=("jwt_secret_not_hmac",),
        errors=False,  # a warning: it may be a deliberate asymmetric setup, badly named
        absent=("jwt_secret_does_not_verify_keys", "secret_in_public_variable"),
        secrets=(A.anon,),
    ),
    Case(
        "secret_is_a_connection_string",
        lines(
            f"SUPABASE_ANON_KEY={A.anon}",
            f"SUPABASE_JWT_SECRET=postgresql://postgres:{DB_PASSWORD}@db.{REF_A}.supabase.co:5432/postgres",
        ),
        codes=("jwt_secret_not_hmac",),
        secrets=(A.anon, DB_PASSWORD),
    ),
    Case(
        "secret_missing",
        lines(f"VITE_SUPABASE_URL={A.url}", f"VITE_SUPABASE_ANON_KEY={A.anon}"),
        codes=("jwt_secret_missing",),
        errors=False,
        secrets=(A.anon,),
    ),
    Case(
        "secret_empty",
        lines(f"SUPABASE_URL={A.url}", f"SUPABASE_ANON_KEY={A.anon}", "SUPABASE_JWT_SECRET="),
        codes=("jwt_secret_empty",),
        absent=("jwt_secret_missing",),
    ),
    Case(
        "keys_swapped",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={A.service}",
            f"SUPABASE_SERVICE_ROLE_KEY={A.anon}",
            f"SUPABASE_JWT_SECRET={A.secret}",
        ),
        codes=("keys_swapped", "jwt_secret_verifies_keys"),
        absent=("anon_key_is_service_role", "service_key_is_anon"),
        secrets=(A.secret, A.anon, A.service),
    ),
    Case(
        "anon_slot_holds_service_key_in_public",
        lines(f"NEXT_PUBLIC_SUPABASE_URL={A.url}", f"NEXT_PUBLIC_SUPABASE_ANON_KEY={A.service}"),
        var_codes={
            "NEXT_PUBLIC_SUPABASE_ANON_KEY": (
                "anon_key_is_service_role",
                "secret_in_public_variable",
            )
        },
        secrets=(A.service,),
    ),
    Case(
        "service_slot_holds_publishable_key",
        lines(f"SUPABASE_URL={A.url}", f"SUPABASE_SECRET_KEY={SB_PUBLISHABLE}"),
        var_codes={"SUPABASE_SECRET_KEY": ("service_key_is_anon",)},
        secrets=(SB_PUBLISHABLE,),
    ),
    Case(
        "jwt_secret_in_public_variable",
        lines(f"VITE_SUPABASE_URL={A.url}", f"VITE_SUPABASE_JWT_SECRET={A.secret}"),
        var_codes={"VITE_SUPABASE_JWT_SECRET": ("secret_in_public_variable",)},
        secrets=(A.secret,),
    ),
    Case(
        "sb_secret_key_in_public_variable",
        lines(f"EXPO_PUBLIC_SUPABASE_URL={A.url}", f"EXPO_PUBLIC_SUPABASE_KEY={SB_SECRET}"),
        var_codes={"EXPO_PUBLIC_SUPABASE_KEY": ("secret_in_public_variable",)},
        secrets=(SB_SECRET,),
    ),
    Case(
        "quoted_and_padded",
        lines(
            f"SUPABASE_URL={A.url}",
            f'SUPABASE_ANON_KEY=" {A.anon}"',
            f"SUPABASE_SERVICE_ROLE_KEY={A.service}",
            f"SUPABASE_JWT_SECRET=\"'{A.secret}'\"",
        ),
        codes=("jwt_secret_does_not_verify_keys",),
        var_codes={
            "SUPABASE_ANON_KEY": ("value_quoted_or_padded",),
            "SUPABASE_JWT_SECRET": ("value_quoted_or_padded",),
        },
        secrets=(A.secret, A.anon, A.service),
    ),
    Case(
        "carriage_return_inside_quotes",
        lines(
            f"SUPABASE_URL={A.url}",
            f'SUPABASE_JWT_SECRET="{A.secret}\r"',
            f"SUPABASE_ANON_KEY={A.anon}",
        ),
        var_codes={"SUPABASE_JWT_SECRET": ("value_quoted_or_padded",)},
        codes=("jwt_secret_does_not_verify_keys",),
        secrets=(A.secret, A.anon),
    ),
    Case(
        "trailing_blanks_unquoted",
        lines(f"SUPABASE_URL={A.url}   ", f"SUPABASE_ANON_KEY={A.anon}"),
        var_codes={"SUPABASE_URL": ("value_quoted_or_padded",)},
        errors=False,  # python-dotenv drops them: a warning for the other loaders
        secrets=(A.anon,),
    ),
    Case(
        "windows_line_endings",
        f'SUPABASE_URL="{A.url}"\r\nSUPABASE_ANON_KEY={A.anon}\r\n',
        codes=("env_crlf_line_endings",),
        errors=False,
        absent=("value_quoted_or_padded",),  # said once for the file, not per line
        secrets=(A.anon,),
    ),
    Case(
        "user_token_in_anon_key",
        lines(f"SUPABASE_URL={A.url}", f"SUPABASE_ANON_KEY={USER_TOKEN}"),
        var_codes={"SUPABASE_ANON_KEY": ("key_is_user_token",)},
        secrets=(USER_TOKEN,),
    ),
    Case(
        "not_a_key",
        lines(f"SUPABASE_URL={A.url}", "SUPABASE_ANON_KEY=paste-your-key-here"),
        var_codes={"SUPABASE_ANON_KEY": ("key_unrecognised",)},
    ),
    Case(
        "url_holds_the_key",
        lines(f"SUPABASE_URL={A.anon}", f"SUPABASE_ANON_KEY={A.url}"),
        var_codes={
            "SUPABASE_URL": ("supabase_url_invalid",),
            "SUPABASE_ANON_KEY": ("key_unrecognised",),
        },
        secrets=(A.anon,),
    ),
    Case(
        "url_with_path",
        lines(f"SUPABASE_URL={A.url}/rest/v1", f"SUPABASE_ANON_KEY={A.anon}"),
        var_codes={"SUPABASE_URL": ("supabase_url_has_path",)},
        errors=False,
    ),
    Case(
        "url_with_path_and_a_key_in_its_query",
        lines(f"SUPABASE_URL={A.url}/rest/v1?apikey={A.anon}"),
        var_codes={"SUPABASE_URL": ("supabase_url_has_path",)},
        errors=False,
        secrets=(A.anon,),
    ),
    Case(
        "empty_key",
        lines(f"SUPABASE_URL={A.url}", "SUPABASE_ANON_KEY="),
        var_codes={"SUPABASE_ANON_KEY": ("value_empty",)},
        errors=False,
    ),
    Case(
        "unterminated_quote",
        lines(
            f"SUPABASE_URL={A.url}",
            'SUPABASE_ANON_KEY="' + A.anon,
            f"SUPABASE_JWT_SECRET={A.secret}",
        ),
        codes=("env_unparseable_line",),
        secrets=(A.anon, A.secret),
    ),
    Case(
        "duplicate_and_interpolation",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={B.anon}",
            f"SUPABASE_ANON_KEY={A.anon}",
            "NEXT_PUBLIC_SUPABASE_URL=${SUPABASE_URL}",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY=${SUPABASE_ANON_KEY_TYPO}",
        ),
        var_codes={
            "SUPABASE_ANON_KEY": ("env_duplicate_variable",),
            "NEXT_PUBLIC_SUPABASE_ANON_KEY": ("env_interpolation_unresolved", "value_empty"),
        },
        errors=False,
        absent=("project_ref_mismatch",),
        secrets=(A.anon, B.anon),
    ),
    Case(
        "nothing_supabase",
        lines("NODE_ENV=production", "PORT=3000"),
        codes=("env_no_supabase_variables",),
        errors=False,
    ),
    Case(
        "asymmetric_keys",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={ES256_ANON}",
            f"SUPABASE_JWT_SECRET={A.secret}",
        ),
        codes=("keys_signed_asymmetrically",),
        errors=False,
        absent=("jwt_secret_does_not_verify_keys",),
        secrets=(A.secret, ES256_ANON),
    ),
    Case(
        "local_demo_keys_with_hosted_url",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={next(iter(supabase.KNOWN_DEMO_KEYS))}",
            f"SUPABASE_JWT_SECRET={supabase.LOCAL_CLI_JWT_SECRET}",
        ),
        codes=("project_ref_mismatch", "jwt_secret_verifies_keys"),
        var_codes={"SUPABASE_ANON_KEY": ("known_demo_key",)},
    ),
    Case(
        "database_url_of_another_project",
        lines(
            f"SUPABASE_URL={A.url}",
            f"SUPABASE_ANON_KEY={A.anon}",
            f"DATABASE_URL=postgresql://postgres.{REF_B}:{DB_PASSWORD}@{POOLER}:6543/postgres",
        ),
        codes=("project_ref_mismatch",),
        secrets=(DB_PASSWORD, A.anon),
    ),
    Case(
        "database_url_lint",
        lines(
            f"SUPABASE_URL={A.url}",
            f"DIRECT_URL=postgresql://postgres:[YOUR-PASSWORD]@db.{REF_A}.supabase.co:5432/postgres",
        ),
        var_codes={"DIRECT_URL": ("password_placeholder",)},
    ),
    Case(
        "database_url_in_public_variable",
        lines(
            f"NEXT_PUBLIC_SUPABASE_URL={A.url}",
            f"NEXT_PUBLIC_DATABASE_URL=postgresql://postgres.{REF_A}:{DB_PASSWORD}@{POOLER}:5432/postgres",
        ),
        var_codes={"NEXT_PUBLIC_DATABASE_URL": ("secret_in_public_variable",)},
        secrets=(DB_PASSWORD,),
    ),
    # A pooled URL and a direct one (Prisma's url and directUrl: inspector/env/stacks.py).
    Case(
        "database_urls_swapped",
        lines(
            f"DATABASE_URL=postgresql://postgres.{REF_A}:pw@{_POOLER}:5432/postgres",
            f"DIRECT_URL=postgresql://postgres.{REF_A}:pw@{_POOLER}:6543/postgres?pgbouncer=true",
        ),
        codes=("database_urls_swapped",),
    ),
    Case(
        "direct_url_is_transaction_pooler",
        lines(
            f"DATABASE_URL=postgresql://postgres.{REF_A}:pw@{_POOLER}:6543/postgres?pgbouncer=true",
            f"DIRECT_URL=postgresql://postgres.{REF_A}:pw@{_POOLER}:6543/postgres",
        ),
        codes=("direct_url_is_transaction_pooler",),
    ),
    Case(
        "pooled_url_not_pooled",
        lines(
            f"DATABASE_URL=postgresql://postgres.{REF_A}:pw@{_POOLER}:5432/postgres",
            f"DIRECT_URL=postgresql://postgres:pw@db.{REF_A}.supabase.co:5432/postgres",
        ),
        codes=("pooled_url_not_pooled",),
        errors=False,
        absent=("database_urls_swapped", "direct_url_is_transaction_pooler"),
    ),
    Case(
        "database_url_pair_projects",
        lines(
            f"DATABASE_URL=postgresql://postgres.{REF_A}:pw@{_POOLER}:6543/postgres?pgbouncer=true",
            f"DIRECT_URL=postgresql://postgres:pw@db.{REF_B}.supabase.co:5432/postgres",
        ),
        codes=("database_url_pair_projects",),
    ),
]

CASE = {c.id: c for c in CASES}

API_MD_ENV_CODES = (
    "jwt_secret_missing",
    "jwt_secret_is_jwt",
    "jwt_secret_verifies_keys",
    "jwt_secret_does_not_verify_keys",
    "keys_swapped",
    "project_ref_mismatch",
    "secret_in_public_variable",
    "value_quoted_or_padded",
)


def all_codes(d: dict) -> set[str]:
    return {f["code"] for f in d["findings"]} | {
        f["code"] for v in d["variables"] for f in v["findings"]
    }


def var_codes(d: dict) -> dict[str, set[str]]:
    return {v["name"]: {f["code"] for f in v["findings"]} for v in d["variables"]}


def check_dict(case: Case, d: dict) -> None:
    """The assertions every channel shares: codes present, absent, and no secret shown."""
    overall = {f["code"] for f in d["findings"]}
    assert set(case.codes) <= overall, (case.id, overall)
    per_var = var_codes(d)
    for name, codes in case.var_codes.items():
        assert set(codes) <= per_var.get(name, set()), (case.id, name, per_var.get(name))
    assert not set(case.absent) & all_codes(d), case.id
    has_error = any(
        f["severity"] == "error"
        for f in d["findings"] + [f for v in d["variables"] for f in v["findings"]]
    )
    assert has_error is case.errors, (case.id, all_codes(d))
    assert_no_secrets(case, json.dumps(d))


def assert_no_secrets(case: Case, text: str) -> None:
    for s in case.secrets:
        assert s not in text, f"{case.id}: a secret value is shown"
        # Nor a long piece of it (the part after a JWT's constant header).
        tail = s.split(".", 1)[-1] if s.startswith("eyJ") else s
        assert tail[:24] not in text, f"{case.id}: part of a secret is shown"


# ---------------------------------------------------------------------------------------------
# The catalog


def test_every_api_md_env_code_is_in_the_catalog_and_a_case():
    cat = catalog()
    covered = {c for case in CASES for c in case.codes} | {
        c for case in CASES for codes in case.var_codes.values() for c in codes
    }
    for code in API_MD_ENV_CODES:
        assert code in cat
        assert code in covered, code
    env_codes = {c.code for c in cat.values() if c.area == "env"}
    # Every code the env area defines is produced by some case (or by the missing-file test).
    assert env_codes - covered <= {"env_file_missing"}, env_codes - covered


# ---------------------------------------------------------------------------------------------
# The service


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_service(case: Case):
    report = inspect_env(case.text)
    assert report.source == "pasted"
    assert report.has_errors() is case.errors
    check_dict(case, report.to_dict())
    assert report.summary()
    # Findings are ordered, most severe first.
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks)


def test_secret_holding_the_anon_key_is_named_with_the_dashboard_place():
    d = inspect_env(
        lines(
            f"SUPABASE_URL={A.url}", f"SUPABASE_ANON_KEY={A.anon}", f"SUPABASE_JWT_SECRET={A.anon}"
        )
    ).to_dict()
    (f,) = [f for f in d["findings"] if f["code"] == "jwt_secret_is_jwt"]
    assert f["title"] == "SUPABASE_JWT_SECRET holds the anon key, not the JWT secret"
    assert "same value as SUPABASE_ANON_KEY" in f["detail"]
    assert supabase.dashboard_url(REF_A, "jwt") in f["fix"]


def test_secret_holding_the_service_key_is_named():
    d = inspect_env(lines(f"SUPABASE_JWT_SECRET={A.service}")).to_dict()
    (f,) = [f for f in d["findings"] if f["code"] == "jwt_secret_is_jwt"]
    assert "holds the service_role key" in f["title"]
    assert REF_A in f["detail"]
    assert supabase.dashboard_url(REF_A, "jwt") in f["fix"]


def test_secret_of_another_project_is_named_with_the_dashboard_place():
    d = inspect_env(CASE["secret_of_another_project"].text).to_dict()
    (f,) = [f for f in d["findings"] if f["code"] == "jwt_secret_does_not_verify_keys"]
    assert f["title"] == f"SUPABASE_JWT_SECRET is not project {REF_A}'s JWT secret"
    assert "SUPABASE_ANON_KEY" in f["detail"] and "SUPABASE_SERVICE_ROLE_KEY" in f["detail"]
    assert "another project" in f["detail"]
    assert supabase.dashboard_url(REF_A, "jwt") in f["fix"]


def test_secret_that_verifies_the_other_projects_key_names_that_project():
    d = inspect_env(CASE["secret_and_service_key_of_another_project"].text).to_dict()
    (f,) = [f for f in d["findings"] if f["code"] == "jwt_secret_does_not_verify_keys"]
    assert f["title"] == f"SUPABASE_JWT_SECRET is the JWT secret of another project ({REF_B})"
    assert (
        f"verifies SUPABASE_SERVICE_ROLE_KEY (project {REF_B}) but not SUPABASE_ANON_KEY"
        in (f["detail"])
    )
    assert supabase.dashboard_url(REF_A, "jwt") in f["fix"]
    (m,) = [f for f in d["findings"] if f["code"] == "project_ref_mismatch"]
    assert REF_A in m["detail"] and REF_B in m["detail"]
    assert "SUPABASE_SERVICE_ROLE_KEY (key's ref)" in m["detail"]


def test_key_from_before_a_rotation_is_named():
    old = legacy_key(B.secret, REF_A, "service_role")  # same project, another secret
    d = inspect_env(
        lines(
            f"SUPABASE_ANON_KEY={A.anon}",
            f"SUPABASE_SERVICE_ROLE_KEY={old}",
            f"SUPABASE_JWT_SECRET={A.secret}",
        )
    ).to_dict()
    (f,) = [f for f in d["findings"] if f["code"] == "jwt_secret_does_not_verify_keys"]
    assert (
        f["title"]
        == "SUPABASE_JWT_SECRET verifies SUPABASE_ANON_KEY but not SUPABASE_SERVICE_ROLE_KEY"
    )
    assert "rotation" in f["detail"]


def test_quoted_secret_is_said_to_verify_only_when_trimmed():
    d = inspect_env(CASE["quoted_and_padded"].text).to_dict()
    (f,) = [f for f in d["findings"] if f["code"] == "jwt_secret_does_not_verify_keys"]
    assert "only after trimming" in f["title"]
    secret_var = next(v for v in d["variables"] if v["name"] == "SUPABASE_JWT_SECRET")
    assert "quotes" in secret_var["findings"][0]["detail"]


def test_database_url_pooler_user_names_its_project():
    d = inspect_env(CASE["database_url_of_another_project"].text).to_dict()
    (m,) = [f for f in d["findings"] if f["code"] == "project_ref_mismatch"]
    assert "DATABASE_URL (pooler user)" in m["detail"]
    db = next(v for v in d["variables"] if v["name"] == "DATABASE_URL")
    assert db["kind"] == "connection_string"
    assert db["project_ref"] == REF_B
    assert db["masked"] == f"postgresql://postgres.{REF_B}:***@{POOLER}:6543/postgres"


def test_an_expired_token_in_an_unnamed_variable_does_not_fail_the_gate():
    iat = int(time.time()) - 7200
    old = jwt.encode(
        {
            "iss": f"https://{REF_A}.supabase.co/auth/v1",
            "sub": "u",
            "aud": "authenticated",
            "role": "authenticated",
            "session_id": "s",
            "iat": iat,
            "exp": iat + 3600,
        },
        A.secret,
        algorithm="HS256",
    )
    named = inspect_env(lines(f"SUPABASE_ANON_KEY={old}"))
    unnamed = inspect_env(lines(f"TEST_FIXTURE_TOKEN={old}"))
    assert "token_expired" in all_codes(named.to_dict()) and named.has_errors()
    (v,) = unnamed.variables
    assert v.kind == "supabase_user_token"
    assert [(f.code, f.severity.value) for f in v.findings] == [("token_expired", "warning")]
    assert not unnamed.has_errors()


def test_kinds_and_descriptions():
    d = inspect_env(CASE["consistent"].text).to_dict()
    by = {v["name"]: v for v in d["variables"]}
    assert by["NEXT_PUBLIC_SUPABASE_URL"]["kind"] == "supabase_url"
    assert by["NEXT_PUBLIC_SUPABASE_URL"]["public"] is True
    assert by["NEXT_PUBLIC_SUPABASE_ANON_KEY"]["kind"] == "supabase_anon_key"
    assert by["SUPABASE_SERVICE_ROLE_KEY"]["kind"] == "supabase_service_role_key"
    assert by["SUPABASE_JWT_SECRET"]["kind"] == "jwt_secret"
    assert by["SUPABASE_JWT_SECRET"]["description"].startswith("HMAC secret, 54 bytes")
    assert by["SUPABASE_JWT_SECRET"]["masked"] == "*** (54 chars)"
    assert by["NODE_ENV"]["kind"] == "text" and by["NODE_ENV"]["expected"] is None
    assert d["project_ref"] == REF_A
    assert [v["line"] for v in d["variables"]] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "name, role",
    [
        ("SUPABASE_URL", ROLE_URL),
        ("NEXT_PUBLIC_SUPABASE_URL", ROLE_URL),
        ("NUXT_PUBLIC_SUPABASE_URL", ROLE_URL),
        ("PUBLIC_SUPABASE_URL", ROLE_URL),
        ("REACT_APP_SUPABASE_ANON_KEY", ROLE_ANON),
        ("SUPABASE_PUBLISHABLE_KEY", ROLE_ANON),
        ("NEXT_PUBLIC_SUPABASE_PUBLISHABLE_DEFAULT_KEY", ROLE_ANON),
        ("SUPABASE_SERVICE_ROLE_KEY", ROLE_SERVICE),
        ("SUPABASE_SECRET_KEY", ROLE_SERVICE),
        ("SERVICE_KEY", ROLE_SERVICE),
        ("SUPABASE_JWT_SECRET", ROLE_JWT_SECRET),
        ("JWT_SECRET", ROLE_JWT_SECRET),
        ("DATABASE_URL", ROLE_DB_URL),
        ("DIRECT_URL", ROLE_DB_URL),
        ("POSTGRES_URL", ROLE_DB_URL),
        ("POSTGRES_PRISMA_URL", ROLE_DB_URL),
        ("POSTGRES_URL_NON_POOLING", ROLE_DB_URL),
        ("SUPABASE_DB_URL", ROLE_DB_URL),
        ("SUPABASE_KEY", "api_key"),
        ("SECRET_KEY", None),  # Flask's, not Supabase's
        ("NODE_ENV", None),
    ],
)
def test_role_for_name(name, role):
    assert role_for_name(name) == role


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        (
            "postgresql://postgres.ref:p@ss@host:5432/db",
            "connection_string",
            "postgresql://postgres.ref:***@host:5432/db",
        ),
        (
            "host=db port=5432 password=hunter2secret",
            "connection_string",
            "host=db port=5432 password=***",
        ),
        (
            "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
            "supabase_secret_key",
            "sb_secret_*** (41 chars)",
        ),
        ("correct-horse-battery-staple", "jwt_secret", "*** (28 chars)"),
        ("https://user:pw@example.com/x", "url", "https://user:***@example.com/x"),
        ("", "empty", ""),
    ],
)
def test_mask_value(value, kind, expected):
    assert mask_value(value, kind) == expected


def test_interpolation_never_reads_the_process_environment(monkeypatch):
    server_secret = secrets.token_urlsafe(32)
    monkeypatch.setenv("SERVER_ONLY_SECRET", server_secret)
    before = dict(os.environ)
    d = inspect_env(
        lines("SUPABASE_JWT_SECRET=${SERVER_ONLY_SECRET}", f"SUPABASE_ANON_KEY={A.anon}")
    ).to_dict()
    assert server_secret not in json.dumps(d)
    assert "env_interpolation_unresolved" in all_codes(d)
    assert "jwt_secret_empty" in all_codes(d)
    assert dict(os.environ) == before  # nothing loaded into the environment


def test_file_source_has_path_and_modified_time(tmp_path):
    path = tmp_path / ".env"
    path.write_text(CASE["consistent"].text)
    report = inspect_env(path=path)
    assert report.source == str(path)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", report.modified)
    assert not report.has_errors()


def test_text_wins_over_path(tmp_path):
    report = inspect_env("NODE_ENV=x\n", path=tmp_path / "missing.env")
    assert report.source == "pasted"


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00bad"])
def test_missing_or_unreadable_file_is_a_finding(tmp_path, content):
    path = tmp_path / ".env"
    if content is not None:
        path.write_bytes(content)
    report = inspect_env(path=path)
    assert [f.code for f in report.findings] == ["env_file_missing"]
    assert report.has_errors()
    assert "not found" in report.summary()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gets_a_report(text):
    d = inspect_env(text).to_dict()
    json.dumps(d)
    assert d["source"] == "pasted"


_names = st.sampled_from(
    [
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "SUPABASE_JWT_SECRET",
        "DATABASE_URL",
        "NEXT_PUBLIC_X",
        "X",
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(_names, st.sampled_from(["", '"', "'"]), st.sampled_from(["", " ", "\t"])),
        max_size=6,
    ),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
        min_size=20,
        max_size=60,
    ),
)
def test_a_secret_value_never_comes_back(rows, secret):
    secret = "Zq9" + secret  # never a word the report itself uses
    text = "".join(f"{name}={q}{pad}{secret}{pad}{q}\n" for name, q, pad in rows)
    d = inspect_env(text).to_dict()
    assert secret not in json.dumps(d)


# ---------------------------------------------------------------------------------------------
# The page, the JSON and the CLI


def codes_in_html(html: str) -> set[str]:
    return set(re.findall(r'data-code="([a-z0-9_]+)"', html))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_page(client, case: Case):
    response = client.post("/env", data={"text": case.text})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    wanted = set(case.codes) | {c for codes in case.var_codes.values() for c in codes}
    # A browser submits every textarea line break as CR LF: a form cannot show a file's.
    wanted.discard("env_crlf_line_endings")
    assert wanted <= codes_in_html(html), (case.id, wanted - codes_in_html(html))
    assert "env_crlf_line_endings" not in codes_in_html(html)
    assert_no_secrets(case, html)
    for name in case.var_codes:
        assert f'id="var-{name}"' in html


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_api(client, case: Case):
    response = client.post("/api/v1/env", json={"text": case.text})
    assert response.status_code == 200
    check_dict(case, response.get_json())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli(runner, tmp_path, case: Case):
    path = tmp_path / ".env"
    path.write_bytes(case.text.encode())
    result = runner.invoke(args=["inspect", "env", "--file", str(path)])
    assert result.exit_code == (1 if case.errors else 0), result.output
    wanted = set(case.codes) | {c for codes in case.var_codes.values() for c in codes}
    shown = set(re.findall(r"\[([a-z0-9_]+)\]", result.output))
    assert wanted <= shown, (case.id, wanted - shown)
    assert_no_secrets(case, result.output)
    as_json = runner.invoke(args=["inspect", "env", "--file", str(path), "--json"])
    assert as_json.exit_code == result.exit_code
    check_dict(case, json.loads(as_json.output))


def test_page_from_the_home_paste_box(client):
    response = paste(client, CASE["secret_is_anon_key"].text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "SUPABASE_JWT_SECRET holds the anon key, not the JWT secret" in html
    assert A.anon not in html


def test_page_get_without_a_configured_file(make_app, tmp_path):
    missing = tmp_path / "nope.env"
    client = make_app(INSPECTOR_ENV_FILE=str(missing)).test_client()
    html = client.get("/env").get_data(as_text=True)
    assert f"No file at <code>{missing}</code>" in html
    assert 'name="text"' in html


def test_page_shows_the_configured_file_read_afresh(make_app, tmp_path):
    path = tmp_path / ".env"
    path.write_text(CASE["consistent"].text)
    app = make_app(INSPECTOR_ENV_FILE=str(path))
    client = app.test_client()
    html = client.get("/env").get_data(as_text=True)
    assert str(path) in html and "modified" in html
    assert "jwt_secret_verifies_keys" in codes_in_html(html)
    assert A.secret not in html
    # Edit the file: the next request sees it.
    path.write_text(CASE["secret_of_another_project"].text)
    html = client.get("/env").get_data(as_text=True)
    assert "jwt_secret_does_not_verify_keys" in codes_in_html(html)
    assert B.secret not in html
    # The home page's one-line summary.
    home = client.get("/").get_data(as_text=True)
    assert f"{path}: 4 variables, 4 recognised · project {REF_A} · 1 error" in home


def test_home_summary_absent_without_a_file(client):
    assert "Check the configured environment" not in client.get("/").get_data(as_text=True)


def test_api_without_text_reads_the_configured_file(make_app, tmp_path):
    path = tmp_path / ".env"
    path.write_text(CASE["secret_is_anon_key"].text)
    client = make_app(INSPECTOR_ENV_FILE=str(path)).test_client()
    d = client.post("/api/v1/env", json={}).get_json()
    assert d["source"] == str(path)
    assert d["modified"]
    assert "jwt_secret_is_jwt" in all_codes(d)


def test_api_without_text_and_without_the_file_says_so(make_app, tmp_path):
    missing = tmp_path / "missing.env"
    client = make_app(INSPECTOR_ENV_FILE=str(missing)).test_client()
    r = client.post("/api/v1/env", json={})
    assert r.status_code == 200
    d = r.get_json()
    assert [f["code"] for f in d["findings"]] == ["env_file_missing"]
    assert d["variables"] == [] and d["source"] == str(missing)


def test_api_rejects_what_it_cannot_read(client):
    assert client.post("/api/v1/env", data="text=x").status_code == 400
    r = client.post("/api/v1/env", json={"text": 5})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


SHARED = dict(
    INSPECTOR_MODE="shared",
    SECRET_KEY="x" * 32,
    INSPECTOR_ACCESS_PASSWORD="team-password",
    INSPECTOR_TRUSTED_USER_HEADER="X-Forwarded-User",
)
USER = {"X-Forwarded-User": "dev@example.com"}


def test_shared_mode_never_reads_its_own_env(make_app, tmp_path):
    path = tmp_path / ".env"
    path.write_text(CASE["consistent"].text)
    client = make_app(INSPECTOR_ENV_FILE=str(path), **SHARED).test_client()
    html = client.get("/env", headers=USER).get_data(as_text=True)
    assert str(path) not in html and "jwt_secret_verifies_keys" not in html
    assert 'name="text"' in html
    r = client.post("/api/v1/env", json={}, headers=USER)
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == "bad_request" and "text" in err["message"]
    # Pasted text works as anywhere else.
    r = client.post("/api/v1/env", json={"text": CASE["secret_is_anon_key"].text}, headers=USER)
    assert r.status_code == 200
    check_dict(CASE["secret_is_anon_key"], r.get_json())
    page = client.post("/env", data={"text": CASE["secret_is_anon_key"].text}, headers=USER)
    assert "jwt_secret_is_jwt" in codes_in_html(page.get_data(as_text=True))


def test_shared_mode_reads_its_env_when_allowed(make_app, tmp_path):
    path = tmp_path / ".env"
    path.write_text(CASE["consistent"].text)
    client = make_app(
        INSPECTOR_ENV_FILE=str(path), INSPECTOR_ALLOW_CONFIGURED_SECRETS=True, **SHARED
    ).test_client()
    d = client.post("/api/v1/env", json={}, headers=USER).get_json()
    assert d["source"] == str(path)
    html = client.get("/env", headers=USER).get_data(as_text=True)
    assert "jwt_secret_verifies_keys" in codes_in_html(html)
    assert A.secret not in html


def test_cli_default_file_and_usage_errors(make_app, tmp_path):
    missing = tmp_path / "missing.env"
    runner = make_app(INSPECTOR_ENV_FILE=str(missing)).test_cli_runner()
    result = runner.invoke(args=["inspect", "env"])
    assert result.exit_code == 2
    assert f"no .env file at {missing}" in result.output
    result = runner.invoke(args=["inspect", "env", "--file", str(tmp_path / "other.env")])
    assert result.exit_code == 2 and "no .env file at" in result.output
    good = tmp_path / ".env"
    good.write_text(CASE["consistent"].text)
    runner = make_app(INSPECTOR_ENV_FILE=str(good)).test_cli_runner()
    result = runner.invoke(args=["inspect", "env"])
    assert result.exit_code == 0, result.output
    assert str(good) in result.output


def test_cli_reads_standard_input(runner):
    result = runner.invoke(
        args=["inspect", "env", "--file", "-"], input=CASE["secret_is_anon_key"].text
    )
    assert result.exit_code == 1
    assert "[jwt_secret_is_jwt]" in result.output
    assert A.anon not in result.output


# ---------------------------------------------------------------------------------------------
# Live probes, only when asked: against the suite's real PostgreSQL


def probe_env(pg) -> str:
    plain = pg["plain"]
    return lines(
        f"DATABASE_URL={plain.url(sslmode='disable')}",
        f"DIRECT_URL={plain.url(password='wrong-password', sslmode='disable')}",
    )


def test_probe_only_when_asked(pg):
    text = probe_env(pg)
    quiet = inspect_env(text).to_dict()
    assert not {"connected", "auth_failed"} & all_codes(quiet)
    assert quiet["probed"] is False
    t0 = time.monotonic()
    live = inspect_env(text, probe=True, timeout=5).to_dict()
    assert time.monotonic() - t0 < 15
    by = var_codes(live)
    assert "connected" in by["DATABASE_URL"]
    assert "auth_failed" in by["DIRECT_URL"]
    assert "wrong-password" not in json.dumps(live)


def test_probe_through_page_api_and_cli(client, runner, pg, tmp_path):
    text = probe_env(pg)
    html = client.post("/env", data={"text": text, "probe": "y"}).get_data(as_text=True)
    assert {"connected", "auth_failed"} <= codes_in_html(html)
    d = client.post("/api/v1/env", json={"text": text, "probe": True}).get_json()
    assert {"connected", "auth_failed"} <= all_codes(d)
    path = tmp_path / ".env"
    path.write_text(text)
    result = runner.invoke(args=["inspect", "env", "--file", str(path), "--probe"])
    assert result.exit_code == 1  # auth_failed is an error
    assert "[auth_failed]" in result.output and "[connected]" in result.output
    assert "wrong-password" not in html + json.dumps(d) + result.output


def test_shared_mode_probe_obeys_the_allow_list(make_app, pg):
    client = make_app(**SHARED).test_client()
    d = client.post("/api/v1/env", json={"text": probe_env(pg), "probe": True}, headers=USER)
    codes = var_codes(d.get_json())
    assert "probe_blocked" in codes["DATABASE_URL"]
    assert "connected" not in codes["DATABASE_URL"]
