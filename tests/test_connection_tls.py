"""The chain judge (tlsinfo.evaluate) on real certificates made with cryptography: no network."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from inspector.connections import codes, tlsinfo
from inspector.connections.probe.io import store_certs
from inspector.connections.probe.tls import tls_problem
from tests.fixtures.postgres import KeyCert, make_ca, make_server_cert


def _intermediate(root: KeyCert, cn: str) -> KeyCert:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=900))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    return KeyCert(key, cert)


@pytest.fixture(scope="module")
def supabase_like():
    """A root and intermediate with Supabase's names; the server sends leaf + intermediate."""
    root = make_ca("Supabase Root 2021 CA")
    inter = _intermediate(root, "Supabase Intermediate 2021 CA")
    leaf = make_server_cert(
        cn="db.abcdefghijklmnopqrst.supabase.co",
        sans=("db.abcdefghijklmnopqrst.supabase.co", "*.pooler.supabase.com"),
        issuer=inter,
    )
    return root, inter, leaf


def test_supabase_root_missing_from_certifi_is_named(supabase_like):
    root, inter, leaf = supabase_like
    v = tlsinfo.evaluate(
        [leaf.cert, inter.cert],
        store_certs("certifi"),
        "certifi",
        "db.abcdefghijklmnopqrst.supabase.co",
    )
    assert v.code == codes.TLS_UNTRUSTED
    assert v.reason.endswith("Supabase Root 2021 CA is not in certifi")
    # What to give the client is the finding's fix, said once, not part of every reason.
    assert "prod-ca-2021.crt" in tls_problem(v.code, v.reason, "other").checked.fix
    assert not v.chain_ok and v.name_ok


def test_supabase_chain_with_the_root_given(supabase_like):
    root, inter, leaf = supabase_like
    v = tlsinfo.evaluate(
        [leaf.cert, inter.cert], [root.cert], "pasted CA", "aws-0-eu-central-1.pooler.supabase.com"
    )
    assert v.full_ok, v.reason
    assert v.reason == "ok: chains to Supabase Root 2021 CA"


def test_server_sends_the_root_too(supabase_like):
    root, inter, leaf = supabase_like
    v = tlsinfo.evaluate([leaf.cert, inter.cert, root.cert], (), "system", None)
    assert v.code == codes.TLS_UNTRUSTED
    assert "self-signed root Supabase Root 2021 CA" in v.reason


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("db.abcdefghijklmnopqrst.supabase.co", True),
        ("DB.abcdefghijklmnopqrst.supabase.co.", True),
        ("aws-0-eu-central-1.pooler.supabase.com", True),
        ("x.aws-0.pooler.supabase.com", False),  # a wildcard covers one label only
        ("pooler.supabase.com", False),
        ("db.zyxwvutsrqponmlkjihg.supabase.co", False),
        ("127.0.0.1", False),
    ],
)
def test_hostname_rules(supabase_like, host, ok):
    assert tlsinfo.hostname_matches(supabase_like[2].cert, host) is ok


def test_ip_san():
    leaf = make_server_cert(sans=("localhost", "127.0.0.1"))
    assert tlsinfo.hostname_matches(leaf.cert, "127.0.0.1")
    assert not tlsinfo.hostname_matches(leaf.cert, "127.0.0.2")


def test_self_signed_and_expired_reasons():
    ca = make_ca()
    old = make_server_cert(issuer=ca, days_valid=(-400, -30))
    v = tlsinfo.evaluate([old.cert], [ca.cert], "pasted CA", "localhost")
    assert v.code == codes.TLS_EXPIRED and "expired on" in v.reason and v.name_ok
    selfie = make_server_cert()
    v = tlsinfo.evaluate([selfie.cert], store_certs("certifi"), "certifi", "localhost")
    assert v.code == codes.TLS_SELF_SIGNED
    v = tlsinfo.evaluate([selfie.cert], [selfie.cert], "pasted CA", "localhost")
    assert v.full_ok


def test_cert_info_fields():
    leaf = make_server_cert(sans=("localhost", "127.0.0.1"))
    info = tlsinfo.cert_info(leaf.cert)
    assert info.key == "EC secp256r1"
    assert info.sans == ("DNS:localhost", "IP:127.0.0.1")
    assert len(info.sha256.split(":")) == 32
    assert info.self_signed and not info.expired
