"""Third-party test vectors (issue 11 §3): RFC 7515 appendix A, RFC 7520 §3 keys and §4
signatures, and jwt.io's default examples, in tests/fixtures/vectors/. Each vector is first
verified with PyJWT directly (so a typo in the data fails here, not in the inspector), then the
inspector's signature status and key_used are asserted."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from inspector.netpolicy import ProbePolicy
from inspector.tokens import TokenReport, inspect_token

VECTORS = Path(__file__).parent / "fixtures" / "vectors"
RFC7515 = json.loads((VECTORS / "rfc7515.json").read_text())
RFC7520 = json.loads((VECTORS / "rfc7520.json").read_text())
JWTIO = json.loads((VECTORS / "jwtio.json").read_text())
NOW = 1_700_000_000  # after RFC 7515's exp (2011): its vectors are expired, as they should be


def run(token: str, key: str | None) -> TokenReport:
    return inspect_token(token, key=key, now=NOW, policy=ProbePolicy(allowed_hosts=()))


def codes(report: TokenReport) -> set[str]:
    return set(report.finding_codes())


def pyjwt_payload(token: str, jwk: dict[str, Any], alg: str) -> bytes:
    """What PyJWS verifies the vector to (it raises on a bad signature)."""
    key = jwt.PyJWK(jwk, algorithm=alg).key
    return jwt.api_jws.decode(token, key, algorithms=[alg])


# ---------- RFC 7515 appendix A ----------


@pytest.mark.parametrize("name", sorted(RFC7515["vectors"]))
def test_rfc7515_vector_verifies_with_pyjwt(name):
    v = RFC7515["vectors"][name]
    assert pyjwt_payload(v["token"], v["jwk"], v["alg"]).decode() == RFC7515["payload"]
    assert jwt.get_unverified_header(v["token"])["alg"] == v["alg"]


@pytest.mark.parametrize("name", sorted(RFC7515["vectors"]))
def test_rfc7515_vector_with_its_jwk(name):
    v = RFC7515["vectors"][name]
    for key in (v["jwk"], {"keys": [v["jwk"]]}):
        report = run(v["token"], json.dumps(key))
        assert (report.signature.status, report.signature.key_used) == ("valid", "jwk:#1")
        assert report.signature.algorithm == v["alg"]
        assert report.claims == {
            "iss": "joe",
            "exp": 1300819380,
            "http://example.com/is_root": True,
        }
        assert "token_expired" in codes(report)  # exp is 2011-03-22


def test_rfc7515_a1_key_as_a_base64url_secret():
    """A.1's k pasted as a secret: it verifies once base64url-decoded, and that is said."""
    v = RFC7515["vectors"]["A.1"]
    report = run(v["token"], v["jwk"]["k"])
    assert (report.signature.status, report.signature.key_used) == (
        "valid",
        "secret_base64_decoded",
    )
    assert "key_base64_decoded" in codes(report)


@pytest.mark.parametrize("name", ["A.2", "A.3"])
def test_rfc7515_private_jwk_verifies_and_is_an_error(name):
    v = RFC7515["vectors"][name]
    private = v["private_jwk"]
    # its public half verifies with PyJWT (PyJWS cannot verify with an RSA private key at all:
    # AttributeError, the HTTP 500 the inspector gave before)
    public = jwt.PyJWK(private, algorithm=v["alg"]).key.public_key()
    assert jwt.api_jws.decode(v["token"], public, algorithms=[v["alg"]])
    report = run(v["token"], json.dumps(private))
    assert (report.signature.status, report.signature.key_used) == ("valid", "jwk:#1")
    assert "key_is_private" in codes(report)


def test_rfc7515_a2_public_key_as_pem():
    v = RFC7515["vectors"]["A.2"]
    pem = (
        jwt.PyJWK(v["jwk"], algorithm="RS256")
        .key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    report = run(v["token"], pem)
    assert (report.signature.status, report.signature.key_used) == ("valid", "pem")


def test_rfc7515_vectors_with_each_others_keys():
    """The A.2 token with RFC 7520's RSA key: a whole signature, the wrong key."""
    a1, a2, a3 = (RFC7515["vectors"][n] for n in ("A.1", "A.2", "A.3"))
    rsa_7520 = RFC7520["keys"]["3.3 RSA public key"]
    report = run(a2["token"], json.dumps(rsa_7520))
    assert report.signature.status == "invalid"
    assert "signature_invalid" in codes(report) and "token_truncated" not in codes(report)
    assert run(a3["token"], json.dumps(a2["jwk"])).signature.status == "wrong_key_type"
    assert run(a1["token"], json.dumps(a3["jwk"])).signature.status == "wrong_key_type"


@pytest.mark.parametrize("name", sorted(RFC7515["vectors"]))
def test_rfc7515_vector_cut_off(name):
    v = RFC7515["vectors"][name]
    report = run(v["token"][:-4], json.dumps(v["jwk"]))
    assert report.signature.status == "invalid"
    assert "token_truncated" in codes(report)
    assert "signature_invalid" not in codes(report)


# ---------- RFC 7520 §3 keys, §4 signatures ----------


def _7520(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    v = RFC7520["vectors"][name]
    return v, RFC7520["keys"][v["key"]]


@pytest.mark.parametrize("name", sorted(RFC7520["vectors"]))
def test_rfc7520_vector_verifies_with_pyjwt(name):
    v, key = _7520(name)
    assert pyjwt_payload(v["token"], key, v["alg"]).decode() == RFC7520["payload_text"]


@pytest.mark.parametrize("name", sorted(RFC7520["vectors"]))
def test_rfc7520_vector_with_its_key(name):
    """Its payload is a quotation, not JSON claims: a JWS but no JWT. The signature is still
    checked (4.2 is PS384 with an RSA JWK that has no alg: "wrong_key_type" before)."""
    v, key = _7520(name)
    kid = key["kid"]
    for pasted in (key, {"keys": [key]}):
        report = run(v["token"], json.dumps(pasted))
        assert (report.signature.status, report.signature.key_used) == ("valid", f"jwk:{kid}")
        assert report.signature.algorithm == v["alg"]
        assert report.kind == "malformed_jwt"
        assert "malformed_token" in codes(report)  # the payload is not JSON
        assert report.claims is None


def test_rfc7520_jwks_picks_the_key_by_kid():
    """Every key of §3 in one JWKS: the token's kid chooses (the EC and RSA keys share a kid,
    their type tells them apart)."""
    jwks = json.dumps({"keys": [RFC7520["keys"][k] for k in sorted(RFC7520["keys"])]})
    for name in sorted(RFC7520["vectors"]):
        v, key = _7520(name)
        report = run(v["token"], jwks)
        assert (report.signature.status, report.signature.key_used) == (
            "valid",
            f"jwk:{key['kid']}",
        )
    assert "key_is_private" in codes(run(RFC7520["vectors"]["4.3"]["token"], jwks))


def test_rfc7520_private_ec_key():
    v = RFC7520["vectors"]["4.3"]
    private = RFC7520["keys"]["3.2 EC private key (P-521)"]
    public = jwt.PyJWK(private, algorithm="ES512").key.public_key()
    assert jwt.api_jws.decode(v["token"], public, algorithms=["ES512"])
    report = run(v["token"], json.dumps(private))
    assert report.signature.status == "valid"
    assert "key_is_private" in codes(report)


def test_rfc7520_wrong_keys():
    rsa_key = json.dumps(RFC7520["keys"]["3.3 RSA public key"])
    ec_key = json.dumps(RFC7520["keys"]["3.1 EC public key (P-521)"])
    hs_key = json.dumps(RFC7520["keys"]["3.5 symmetric key (MAC computation)"])
    assert run(RFC7520["vectors"]["4.1"]["token"], ec_key).signature.status == "wrong_key_type"
    assert run(RFC7520["vectors"]["4.4"]["token"], rsa_key).signature.status == "wrong_key_type"
    assert run(RFC7520["vectors"]["4.3"]["token"], hs_key).signature.status == "wrong_key_type"
    a2 = RFC7515["vectors"]["A.2"]
    assert run(RFC7520["vectors"]["4.1"]["token"], json.dumps(a2["jwk"])).signature.status == (
        "invalid"
    )


# ---------- jwt.io ----------


@pytest.mark.parametrize("name", sorted(JWTIO["vectors"]))
def test_jwtio_vector_verifies_with_pyjwt(name):
    v = JWTIO["vectors"][name]
    key = v["secret"] if "secret" in v else jwt.PyJWK(v["jwk"], algorithm=v["alg"]).key
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)  # your-256-bit-secret
        claims = jwt.decode(v["token"], key, algorithms=[v["alg"]])
    assert claims["sub"] == "1234567890" and claims["name"] == "John Doe"


@pytest.mark.parametrize("name", sorted(JWTIO["vectors"]))
def test_jwtio_vector_with_its_key(name):
    v = JWTIO["vectors"][name]
    key = v["secret"] if "secret" in v else json.dumps(v["jwk"])
    report = run(v["token"], key)
    expected_used = "secret" if "secret" in v else "jwk:#1"
    assert (report.signature.status, report.signature.key_used) == ("valid", expected_used)
    assert report.kind == "jwt"
    # "your-256-bit-secret" is 19 bytes: below HS256's 32 (the site's later default fixes that)
    assert ("weak_secret" in codes(report)) == (v.get("secret") == "your-256-bit-secret")


def test_jwtio_rs256_public_key_without_alg_verifies_rs_and_ps_of_the_same_key():
    """jwt.io's RSA JWK has no alg: it may verify any RSA algorithm (RFC 7517 §4.4)."""
    v = JWTIO["vectors"]["RS256 (earlier default)"]
    report = run(v["token"], json.dumps(v["jwk"]))
    assert report.signature.status == "valid"
    assert "key_algorithm_mismatch" not in codes(report)


def test_jwtio_hs256_with_the_other_default_secret():
    """The current token checked with the earlier secret: readable, does not verify."""
    v = JWTIO["vectors"]["HS256"]
    report = run(v["token"], JWTIO["vectors"]["HS256 (earlier default)"]["secret"])
    assert report.signature.status == "invalid"
    assert "signature_invalid" in codes(report)
