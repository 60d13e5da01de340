"""The real node-postgres and postgres.js (pinned in tests/node/package-lock.json) against the
test TLS clusters, with each Node config the inspector suggests (drivers.md §3, §4, §13).

`tls_ca` sends its leaf certificate only; `tls_chain` (tests/fixtures/real_errors.py) sends leaf +
root the way Supabase's servers do, which is what turns a missing CA into Node's
`self-signed certificate in certificate chain`. Failure texts are captured live in real_errors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.fixtures import real_errors as live
from tests.fixtures.node import NODE_DIR, installed_version, run_node
from tests.fixtures.postgres import Cluster
from tests.fixtures.real_errors import node_config

real_errors = live.real_errors  # the fixture (tests/conftest.py does not load real_errors.py)
pytestmark = pytest.mark.postgres

SECURITY_WARNING = (
    "Warning: SECURITY WARNING: The SSL modes 'prefer', 'require', and 'verify-ca' are treated "
    "as aliases for 'verify-full'."
)


@pytest.fixture(scope="module")
def ca_file(pg, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("node-ca") / "root.crt"
    path.write_text(pg.ca_pem)
    return path


def cluster(pg, real_errors, name: str) -> Cluster:
    return real_errors.chain_cluster() if name == "tls_chain" else pg[name]


def pg_run(config: dict) -> dict:
    return run_node("pg_select.mjs", {"config": config})


def test_the_pinned_versions_are_installed():
    pins = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]
    assert pins == {"pg": "8.23.0", "postgres": "3.4.9", "drizzle-orm": "0.45.4"}
    assert {p: installed_version(p) for p in pins} == pins


# --- verify-full with the test CA connects -------------------------------------------------


@pytest.mark.parametrize("name", ["tls_ca", "tls_chain"])
def test_node_postgres_ssl_ca_object(pg, real_errors, name):
    c = cluster(pg, real_errors, name)
    result = pg_run(node_config(c, ssl={"ca": pg.ca_pem}))
    assert result["ok"], result
    assert (result["rows"], result["ssl"], result["warnings"]) == ([1, 1], [True], [])


@pytest.mark.parametrize("name", ["tls_ca", "tls_chain"])
def test_node_postgres_verify_full_sslrootcert_in_the_url(pg, real_errors, ca_file, name):
    url = cluster(pg, real_errors, name).url(sslmode="verify-full", sslrootcert=str(ca_file))
    result = pg_run({"connectionString": url})
    assert (result["ok"], result.get("rows"), result["warnings"]) == (True, [1, 1], []), result


@pytest.mark.parametrize("name", ["tls_ca", "tls_chain"])
def test_postgresjs_ssl_ca_object(pg, real_errors, name):
    c = cluster(pg, real_errors, name)
    result = run_node("postgresjs_select.mjs", {"options": node_config(c, ssl={"ca": pg.ca_pem})})
    assert (result["ok"], result.get("rows")) == (True, [1, 1]), result


def test_an_ip_host_is_checked_as_localhost(pg):
    """Neither driver hands Node the host when it is an IP address (no servername either), so
    Node checks the certificate against `localhost`: 127.0.0.2 is not in this certificate's
    names (localhost, 127.0.0.1), yet verify-full connects to it."""
    c = pg["tls_ca"]
    config = node_config(c, host="127.0.0.2", ssl={"ca": pg.ca_pem})
    assert pg_run(config)["ok"]
    assert run_node("postgresjs_select.mjs", {"options": config})["ok"]


# --- what fails, with the text Node prints -------------------------------------------------

NODE_FAILURES = [
    # scenario, String(err), err.code
    ("node_pg_wrong_ca", "Error: unable to verify the first certificate", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    ("node_pg_chain_wrong_ca", "Error: self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
    ("node_pg_require_chain", "Error: self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
    ("node_pg_require_leaf", "Error: unable to verify the first certificate", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    ("node_pg_self_signed", "Error: self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"),
    ("node_pg_expired", "Error: certificate has expired", "CERT_HAS_EXPIRED"),
    ("node_pg_server_without_ssl", "Error: The server does not support SSL connections", None),
    ("node_pg_password_failed", 'error: password authentication failed for user "app"', "28P01"),
    ("postgresjs_wrong_ca", "Error: unable to verify the first certificate", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    ("postgresjs_verify_full_chain", "Error: self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
    ("postgresjs_password_failed", 'PostgresError: password authentication failed for user "app"', "28P01"),
]  # fmt: skip


@pytest.mark.parametrize(("scenario", "text", "code"), NODE_FAILURES)
def test_node_failure_texts(real_errors, scenario, text, code):
    got = real_errors.capture(scenario)
    assert (got.text, got.code) == (text, code)


def test_node_postgres_connection_refused(real_errors):
    got = real_errors.capture("node_pg_connection_refused")
    assert got.code == "ECONNREFUSED"
    assert re.fullmatch(r"Error: connect ECONNREFUSED 127\.0\.0\.1:\d+", got.text)


# --- node-postgres: sslmode=require in the string is verify-full ----------------------------


@pytest.mark.parametrize("scenario", ["node_pg_require_chain", "node_pg_require_leaf"])
def test_require_verifies_and_warns(real_errors, scenario):
    got = real_errors.capture(scenario)
    assert got.extra["step"] == "connect client 0"
    assert got.extra["warnings"][0].startswith(SECURITY_WARNING)


@pytest.mark.parametrize("name", ["tls_chain", "tls_ca", "tls_self"])
def test_require_with_uselibpqcompat_connects_without_verifying(pg, real_errors, name):
    url = cluster(pg, real_errors, name).url(sslmode="require", uselibpqcompat="true")
    result = pg_run({"connectionString": url})
    assert (result["ok"], result.get("rows"), result.get("ssl")) == (True, [1, 1], [True]), result
    assert result["warnings"] == []


def test_sslmode_no_verify_connects(pg, real_errors):
    result = pg_run({"connectionString": real_errors.chain_cluster().url(sslmode="no-verify")})
    assert (result["ok"], result.get("ssl")) == (True, [True]), result


def test_the_connection_string_overrides_the_ssl_object(pg, real_errors):
    """`ssl: {rejectUnauthorized: false}` is replaced by the URL's `sslmode=require` (ssl = {})."""
    url = real_errors.chain_cluster().url(sslmode="require")
    result = pg_run({"connectionString": url, "ssl": {"rejectUnauthorized": False}})
    assert (result["ok"], result.get("code")) == (False, "SELF_SIGNED_CERT_IN_CHAIN"), result


def test_no_ssl_setting_means_no_tls(real_errors):
    """No `ssl` and no sslmode: node-postgres does not even ask for TLS; the TLS-only rules of
    pg_hba.conf (hostssl) then refuse the login."""
    got = real_errors.capture("node_pg_without_tls")
    assert (got.text, got.code) == (
        'error: no pg_hba.conf entry for host "127.0.0.1", user "app", database "postgres", '
        "no encryption",
        "28000",
    )


# --- postgres.js: ssl 'require' does not verify; verify-full does ---------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"options": {"ssl": "require"}},
        {"url_params": {"sslmode": "require"}},
    ],
    ids=["ssl-require-option", "sslmode-require-url"],
)
def test_postgresjs_require_connects_without_verifying(real_errors, payload):
    c = real_errors.chain_cluster()
    if "url_params" in payload:
        result = run_node("postgresjs_select.mjs", {"url": c.url(**payload["url_params"])})
    else:
        options = node_config(c, **payload["options"])
        result = run_node("postgresjs_select.mjs", {"options": options})
    assert (result["ok"], result.get("rows")) == (True, [1, 1]), result
