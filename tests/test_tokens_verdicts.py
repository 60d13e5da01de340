"""Issue 11 §4: the right verdict for the right reason. Keys of every algorithm a JWK allows,
private keys pasted as the key, tokens cut off, invisible characters, refresh tokens of every
format, and JWTs or sb_ keys pasted as the secret. Real keys, generated here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
import warnings
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from inspector import supabase
from inspector.netpolicy import ProbePolicy
from inspector.tokens import TokenReport, inspect_token

NOW = int(time.time())
CLAIMS = {"sub": "1234567890", "iat": NOW, "exp": NOW + 3600}


def run(token: str, **kw: Any) -> TokenReport:
    kw.setdefault("now", NOW)
    kw.setdefault("policy", ProbePolicy(allowed_hosts=()))
    return inspect_token(token, **kw)


def codes(report: TokenReport) -> list[str]:
    return report.finding_codes()


def finding(report: TokenReport, code: str):
    return next(f for f in report.findings if f.code == code)


def sign(key: Any, alg: str, kid: str | None = None, claims: dict | None = None) -> str:
    headers = {"kid": kid} if kid else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(claims or CLAIMS, key, algorithm=alg, headers=headers)


def public_jwk(key: Any, **extra: Any) -> dict[str, Any]:
    algo = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else None
    algo = algo or jwt.algorithms.ECAlgorithm
    return {**json.loads(algo.to_jwk(key.public_key())), **extra}


def private_jwk(key: Any, **extra: Any) -> dict[str, Any]:
    algo = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else None
    algo = algo or jwt.algorithms.ECAlgorithm
    return {**json.loads(algo.to_jwk(key)), **extra}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


EC_CURVES = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}


@pytest.fixture(scope="module")
def ec_keys() -> dict[str, ec.EllipticCurvePrivateKey]:
    return {alg: ec.generate_private_key(curve) for alg, curve in EC_CURVES.items()}


# ---------- 1. a JWK without alg allows every algorithm of its key type ----------

RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")


@pytest.mark.parametrize("alg", RSA_ALGS)
def test_rsa_jwk_without_alg_verifies_every_rsa_algorithm(rsa_key, alg):
    jwk = public_jwk(rsa_key, kid="rsa-1")
    assert "alg" not in jwk
    report = run(sign(rsa_key, alg, kid="rsa-1"), key=json.dumps(jwk))
    assert (report.signature.status, report.signature.key_used) == ("valid", "jwk:rsa-1")
    report = run(sign(rsa_key, alg, kid="rsa-1"), key=json.dumps({"keys": [jwk]}))
    assert (report.signature.status, report.signature.key_used) == ("valid", "jwk:rsa-1")


def test_rsa_jwk_with_alg_allows_only_that_algorithm(rsa_key):
    jwk = public_jwk(rsa_key, alg="RS256")
    report = run(sign(rsa_key, "PS256"), key=json.dumps(jwk))
    assert report.signature.status == "wrong_key_type"
    assert "key_algorithm_mismatch" in codes(report)
    assert run(sign(rsa_key, "RS256"), key=json.dumps(jwk)).signature.status == "valid"


@pytest.mark.parametrize("alg", sorted(EC_CURVES))
def test_ec_jwk_without_alg_verifies_by_its_curve(ec_keys, alg):
    jwk = public_jwk(ec_keys[alg])
    assert "alg" not in jwk
    report = run(sign(ec_keys[alg], alg), key=json.dumps(jwk))
    assert (report.signature.status, report.signature.key_used) == ("valid", "jwk:#1")


@pytest.mark.parametrize(("key_alg", "token_alg"), [("ES384", "ES256"), ("ES256", "ES512")])
def test_ec_jwk_of_another_curve_is_the_wrong_key_type(ec_keys, key_alg, token_alg):
    report = run(sign(ec_keys[token_alg], token_alg), key=json.dumps(public_jwk(ec_keys[key_alg])))
    assert report.signature.status == "wrong_key_type"
    assert f"not {token_alg}" in report.signature.detail


# ---------- 2. a private key pasted as the key ----------


def _private_cases(rsa_key, ec_keys) -> dict[str, tuple[str, str, str]]:
    es = ec_keys["ES256"]
    pem = es.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        # name: (token, key, key_used)
        "rsa jwk": (sign(rsa_key, "RS256"), json.dumps(private_jwk(rsa_key)), "jwk:#1"),
        "rsa jwk, PS384": (sign(rsa_key, "PS384"), json.dumps(private_jwk(rsa_key)), "jwk:#1"),
        "ec jwk": (sign(es, "ES256", kid="e1"), json.dumps(private_jwk(es, kid="e1")), "jwk:e1"),
        "rsa jwk in a jwks": (
            sign(rsa_key, "RS512", kid="r1"),
            json.dumps({"keys": [public_jwk(es, kid="e1"), private_jwk(rsa_key, kid="r1")]}),
            "jwk:r1",
        ),
        # `supabase gen signing-key` with signing_keys_path writes a JSON array of private JWKs
        "signing_keys.json": (
            sign(es, "ES256", kid="e1"),
            json.dumps([private_jwk(es, kid="e1", alg="ES256", use="sig")]),
            "jwk:e1",
        ),
        "pem": (sign(es, "ES256"), pem, "pem"),
        "rsa pem": (
            sign(rsa_key, "PS256"),
            rsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ).decode(),
            "pem",
        ),
    }


PRIVATE_CASES = ("rsa jwk", "rsa jwk, PS384", "ec jwk", "rsa jwk in a jwks", "signing_keys.json")


@pytest.mark.parametrize("name", [*PRIVATE_CASES, "pem", "rsa pem"])
def test_private_key_verifies_with_its_public_half_and_is_an_error(rsa_key, ec_keys, name):
    token, key, key_used = _private_cases(rsa_key, ec_keys)[name]
    report = run(token, key=key)
    assert (report.signature.status, report.signature.key_used) == ("valid", key_used)
    f = finding(report, "key_is_private")
    assert f.severity.value == "error"
    assert "never leave" in f.title and "Rotate it" in (f.fix or "")
    assert report.findings[0].severity.value == "error"


def test_private_rsa_jwk_over_the_api_is_a_report_not_a_500(client, rsa_key):
    body = {"token": sign(rsa_key, "RS256"), "key": json.dumps(private_jwk(rsa_key))}
    response = client.post("/api/v1/token", json=body)
    assert response.status_code == 200
    data = response.get_json()
    assert data["signature"]["status"] == "valid"
    assert "key_is_private" in {f["code"] for f in data["findings"]}
    assert private_jwk(rsa_key)["d"] not in response.get_data(as_text=True)


def test_private_jwk_that_does_not_verify_is_still_said(rsa_key, ec_keys):
    report = run(sign(ec_keys["ES256"], "ES256"), key=json.dumps(private_jwk(ec_keys["ES256"])))
    assert report.signature.status == "valid"
    other = ec.generate_private_key(ec.SECP256R1())
    report = run(sign(other, "ES256"), key=json.dumps(private_jwk(ec_keys["ES256"])))
    assert report.signature.status == "invalid"
    assert "key_is_private" in codes(report)


def test_public_jwk_is_no_private_key(rsa_key):
    report = run(sign(rsa_key, "RS256"), key=json.dumps(public_jwk(rsa_key)))
    assert report.signature.status == "valid"
    assert "key_is_private" not in codes(report)


def test_the_cli_default_signing_key_is_known_not_a_leak():
    """Its private part is in the CLI's public source (reference §13.1): a warning, no rotate."""
    jwk = {
        "kty": "EC",
        "kid": supabase.LOCAL_CLI_SIGNING_KID,
        "use": "sig",
        "key_ops": ["sign", "verify"],
        "alg": "ES256",
        "ext": True,
        "crv": "P-256",
        "x": "M5Sjqn5zwC9Kl1zVfUUGvv9boQjCGd45G8sdopBExB4",
        "y": "P6IXMvA2WYXSHSOMTBH2jsw_9rrzGy89FjPf6oOsIxQ",
        "d": "dIhR8wywJlqlua4y_yMq2SLhlFXDZJBCvFrY1DCHyVU",
    }
    key = jwt.PyJWK(jwk).key
    token = sign(key, "ES256", kid=jwk["kid"])
    report = run(token, key=json.dumps(jwk))
    assert report.signature.status == "valid"
    f = finding(report, "key_is_private")
    assert f.severity.value == "warning"
    assert "published local signing key" in f.title


def test_private_key_in_the_token_box_is_said(rsa_key):
    report = run(json.dumps(private_jwk(rsa_key)))
    assert report.kind == "unknown"
    assert {"wrong_inspector", "key_is_private"} <= set(codes(report))
    assert "key_is_private" not in codes(run(json.dumps(public_jwk(rsa_key))))


# ---------- 3. a token cut off ----------

FIXED_SIZE = {"HS256": 43, "HS384": 64, "HS512": 86, "ES256": 86, "ES384": 128, "ES512": 176}


def _key_for(alg: str, secret: str, ec_keys) -> tuple[Any, str]:
    """(signing key, the key to paste) for an HS or ES algorithm."""
    if alg.startswith("HS"):
        return secret, secret
    return ec_keys[alg], json.dumps(public_jwk(ec_keys[alg]))


@pytest.mark.parametrize("alg", sorted(FIXED_SIZE))
@pytest.mark.parametrize("cut", [1, 3, 4, 11])
def test_signature_cut_short_is_truncated_not_a_wrong_key(hs_secret, ec_keys, alg, cut):
    signing, key = _key_for(alg, hs_secret, ec_keys)
    token = sign(signing, alg)
    assert len(token.rpartition(".")[2]) == FIXED_SIZE[alg]
    assert run(token, key=key).signature.status == "valid"
    report = run(token[:-cut], key=key)
    impossible = (FIXED_SIZE[alg] - cut) % 4 == 1  # no base64url text is 4k+1 long
    assert report.signature.status == ("not_applicable" if impossible else "invalid")
    assert report.signature.key_used is None
    found = codes(report)
    assert "token_truncated" in found
    assert "signature_invalid" not in found  # the key is not to blame
    assert "malformed_token" not in found
    f = finding(report, "token_truncated")
    assert f.severity.value == "error"
    assert ("base64url length" if impossible else f"ends {cut} character") in f.detail
    assert "Copy the whole token again" in (f.fix or "")


@pytest.mark.parametrize("alg", sorted(FIXED_SIZE))
def test_signature_cut_short_without_a_key_is_still_said(hs_secret, ec_keys, alg):
    signing, _ = _key_for(alg, hs_secret, ec_keys)
    report = run(sign(signing, alg)[:-4])
    assert report.signature.status == "not_checked"
    assert "token_truncated" in codes(report)
    assert "token_truncated" not in codes(run(sign(signing, alg)))


def test_rsa_signature_cut_short_is_judged_by_the_key_size(rsa_key):
    token = sign(rsa_key, "RS256")
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for cut in (4, 8):
        report = run(token[:-cut], key=pem.decode())
        assert report.signature.status == "invalid"
        assert "token_truncated" in codes(report)
        assert "asymmetric_signature_invalid" not in codes(report)
        assert "signature_invalid" not in codes(report)
        assert "with this key is 256" in finding(report, "token_truncated").detail
    jwk = json.dumps(public_jwk(rsa_key))
    assert "token_truncated" in codes(run(sign(rsa_key, "PS512")[:-4], key=jwk))
    # no key: an RSA signature's size is the key's, so a cut is not claimed
    assert "token_truncated" not in codes(run(token[:-4]))


def test_whole_rsa_signature_of_a_smaller_key_is_a_wrong_key_not_a_cut(rsa_key):
    bigger = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    report = run(sign(rsa_key, "RS256"), key=json.dumps(public_jwk(bigger)))
    assert report.signature.status == "invalid"
    assert "token_truncated" not in codes(report)
    assert "signature_invalid" in codes(report)  # the asymmetric variant of the code


def test_eddsa_signature_cut_short():
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    token = sign(key, "EdDSA")
    assert run(token, key=json.dumps(jwk)).signature.status == "valid"
    report = run(token[:-3], key=json.dumps(jwk))
    assert (report.signature.status, "token_truncated" in codes(report)) == ("invalid", True)


def test_signature_of_an_impossible_length_is_truncated(hs_secret):
    token = sign(hs_secret, "HS256")[:-2]  # 41 characters: no base64url text is 4k+1 long
    report = run(token, key=hs_secret)
    assert report.kind == "malformed_jwt"
    assert report.signature.status == "not_applicable"
    assert "cut off" in report.signature.detail
    assert "token_truncated" in codes(report)
    assert "malformed_token" not in codes(report)
    assert "signature_invalid" not in codes(report)
    assert report.claims == CLAIMS  # header and payload still read


def test_empty_signature_is_truncated(hs_secret):
    token = sign(hs_secret, "HS256").rpartition(".")[0] + "."
    report = run(token, key=hs_secret)
    assert report.signature.status == "invalid"
    assert "empty signature" in finding(report, "token_truncated").detail


@pytest.mark.parametrize("mark", ["…", "..."])
@pytest.mark.parametrize("keep", [30, 60, -10])
def test_shortened_display_of_a_token_is_truncated(hs_secret, mark, keep):
    token = sign(hs_secret, "HS256")
    report = run(token[:keep] + mark, key=hs_secret)
    assert report.kind == "malformed_jwt"
    assert "token_truncated" in codes(report), codes(report)
    assert "shortened display" in finding(report, "token_truncated").detail
    middle = token[:12] + mark + token[-6:]  # eyJhbGciOiJI…XVCJ9: the middle left out
    assert "token_truncated" in codes(run(middle, key=hs_secret))
    assert "JWE" not in finding(report, "token_truncated").detail


def test_payload_cut_off_with_no_signature_is_truncated(hs_secret):
    token = sign(hs_secret, "HS256")
    header, payload, _ = token.split(".")
    report = run(f"{header}.{payload[:-6]}")
    assert "token_truncated" in codes(report)
    assert "malformed_token" not in codes(report)


def test_other_malformed_tokens_stay_malformed(hs_secret):
    """A bad character, a broken header or a missing signature is no cut."""
    header, payload, sig = sign(hs_secret, "HS256").split(".")
    for text in (f"{header}.{payload}.{sig[:-1]}!", f"x{header}.{payload}.{sig}", "eyJhbGciOi.e30"):
        report = run(text, key=hs_secret)
        assert "malformed_token" in codes(report)
        assert "token_truncated" not in codes(report)


# ---------- 4. invisible characters around a token or a key ----------

BOM, ZWSP, NBSP = "\ufeff", "\u200b", "\u00a0"


@pytest.mark.parametrize(
    ("wrap", "said"),
    [
        (lambda t: BOM + t, ["a byte-order mark (U+FEFF) before the token"]),
        (lambda t: t + ZWSP + ZWSP, ["2 zero-width spaces (U+200B) after the token"]),
        (lambda t: t[:20] + ZWSP + t[20:], ["a zero-width space (U+200B) inside the token"]),
        (lambda t: NBSP + t + NBSP, ["2 no-break spaces (U+00A0) around the token"]),
        (
            lambda t: f"{BOM}Bearer {t}\u2060\n",
            ["a byte-order mark (U+FEFF) before", "a word joiner (U+2060) after", "Bearer"],
        ),
    ],
    ids=["bom", "zwsp after", "zwsp inside", "nbsp", "bom bearer wj"],
)
def test_invisible_characters_around_a_token_are_removed_and_said(hs_secret, wrap, said):
    token = sign(hs_secret, "HS256")
    report = run(wrap(token), key=hs_secret)
    assert report.token_text == token
    assert report.signature.status == "valid"
    f = finding(report, "input_cleaned")
    for words in said:
        assert words in f.detail


@pytest.mark.parametrize(
    "wrap",
    [
        lambda s: BOM + s,
        lambda s: s + ZWSP,
        lambda s: NBSP + s + NBSP,
        lambda s: s[:10] + ZWSP + s[10:],
        lambda s: "\u202f" + BOM + s,
    ],
    ids=["bom", "zwsp", "nbsp", "zwsp inside", "narrow nbsp and bom"],
)
def test_invisible_characters_in_a_secret_are_removed_and_said(hs_secret, wrap):
    """A BOM in the secret gave "does not verify: use the right project's secret" before."""
    token = sign(hs_secret, "HS256")
    report = run(token, key=wrap(hs_secret))
    assert (report.signature.status, report.signature.key_used) == ("valid", "secret")
    assert "signature_invalid" not in codes(report)
    assert "key_needs_trim" not in codes(report)  # .strip() would not have removed them
    f = finding(report, "key_invisible_characters")
    assert f.severity.value == "warning"
    assert "the key" in f.detail and "isprintable" in (f.fix or "")
    assert "invisible characters removed" in (report.signature.key or "")


def test_invisible_characters_and_a_newline_are_two_findings(hs_secret):
    report = run(sign(hs_secret, "HS256"), key=BOM + hs_secret + "\n")
    assert report.signature.key_used == "secret_trimmed"
    assert {"key_invisible_characters", "key_needs_trim"} <= set(codes(report))


def test_a_bom_before_a_jwks_pem_or_url_still_reads_as_one(rs256_key, jwks_http_server):
    token = sign(rs256_key.private, "RS256", kid=rs256_key.kid)
    jwks = json.dumps({"keys": [rs256_key.jwk]})
    for key in (
        BOM + jwks,
        BOM + rs256_key.public_pem,
        rs256_key.public_pem.replace("\n", ZWSP + "\n"),
    ):
        report = run(token, key=key)
        assert report.signature.status == "valid", (key[:30], report.signature)
        assert "key_invisible_characters" in codes(report)
    from inspector.tokens import needs_fetch

    url = jwks_http_server.serve("/jwks.json", {"keys": [rs256_key.jwk]})
    assert needs_fetch(BOM + url)  # the probe budget counts what the service will fetch
    report = inspect_token(token, key=BOM + url + ZWSP, now=NOW)
    assert report.signature.status == "valid"
    assert "key_invisible_characters" in codes(report)


def test_a_key_of_invisible_characters_only_is_no_key(hs_secret):
    report = run(sign(hs_secret, "HS256"), key=BOM + ZWSP)
    assert report.signature.status == "not_checked"
    assert "key_invisible_characters" in codes(report)


def test_many_invisible_characters_are_removed_quickly(hs_secret):
    token = sign(hs_secret, "HS256")
    started = time.perf_counter()
    report = run(ZWSP * 30_000 + token, key=hs_secret + BOM * 30_000)
    assert time.perf_counter() - started < 2
    assert report.signature.status == "valid"
    assert (
        "30000 zero-width spaces (U+200B) before the token"
        in finding(report, "input_cleaned").detail
    )


# ---------- 5. every refresh-token format Supabase Auth issues (reference §1.4, §13.4) ----------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def v2_refresh_token(session: uuid.UUID, counter: int, hmac_key: bytes = b"k" * 32) -> str:
    """Auth's crypto.RefreshToken.Encode (internal/crypto/refresh_tokens.go), in Python."""
    raw = bytearray(b"\x00" + session.bytes)
    n = counter
    while n >= 0x80:  # binary.AppendUvarint
        raw.append(n & 0x7F | 0x80)
        n >>= 7
    raw.append(n)
    raw += hmac.new(hmac_key, bytes(raw), hashlib.sha256).digest()[:16]
    raw += hashlib.sha256(bytes(raw)).digest()[:4]
    return _b64url(bytes(raw))


def test_current_refresh_tokens_are_recognised():
    """Auth >= v2.171.0: crypto.SecureAlphanumeric(12), lower-cased base32 ([a-z2-7]{12})."""
    for _ in range(50):
        token = base64.b32encode(secrets.token_bytes(8)).decode().lower()[:12]
        report = run(token)
        assert report.kind == "supabase_refresh_token", token
        assert "lowercase base32" in finding(report, "refresh_token_not_access").detail


def test_refresh_grant_pattern_is_recognised():
    """The grant's validator accepts ^[a-z0-9]{12}$ (digits 0, 1, 8, 9 included)."""
    report = run("abc0189xyz12")
    assert report.kind == "supabase_refresh_token"
    assert "refresh grant accepts" in finding(report, "refresh_token_not_access").detail


def test_old_22_character_refresh_tokens_are_recognised():
    """Auth <= v2.170: crypto.SecureToken(), 16 random bytes as unpadded base64url."""
    for _ in range(50):
        token = _b64url(secrets.token_bytes(16))
        assert len(token) == 22
        report = run(token)
        assert report.kind == "supabase_refresh_token", token
        detail = finding(report, "refresh_token_not_access").detail
        assert "22 base64url characters" in detail and "Refresh token is not valid" in detail
        assert "wrong_inspector" not in codes(report)  # not "a JWT secret" any more


@pytest.mark.parametrize(
    ("counter", "length"),
    [(0, 51), (1, 51), (127, 51), (128, 52), (2**14, 54), (2**35, 58), (2**63 - 1, 62)],
)
def test_v2_refresh_tokens_are_recognised(counter, length):
    session = uuid.uuid4()
    token = v2_refresh_token(session, counter)
    assert len(token) == length and token.startswith("A")
    report = run(token)
    assert report.kind == "supabase_refresh_token"
    detail = finding(report, "refresh_token_not_access").detail
    assert "v2 refresh token" in detail
    assert str(session) in detail and f"refreshed {counter} time" in detail


def test_v2_refresh_token_with_a_changed_character_is_said():
    token = v2_refresh_token(uuid.uuid4(), 3)
    damaged = token[:30] + ("B" if token[30] != "B" else "C") + token[31:]
    report = run(damaged)
    assert report.kind == "supabase_refresh_token"
    assert "checksum does not match" in finding(report, "refresh_token_not_access").detail


@pytest.mark.parametrize(
    "text",
    [
        "aB3dE5gH7jK9mN1pQ3sT5B",  # 22 characters whose last one carries bits: no 16 bytes
        _b64url(b"\x01" + bytes(range(1, 40))),  # v2's length, but not version 0
        "abcdefghijk",  # 11 characters: Auth refuses anything shorter than 12
    ],
)
def test_lookalikes_are_not_refresh_tokens(text):
    assert run(text).kind != "supabase_refresh_token"


# ---------- 6. a JWT or an sb_ key pasted as the secret: readable, does not verify ----------

NOT_THE_SECRET = {
    "anon key": (lambda s, m: m.api_key(s), "key_is_jwt"),
    "service_role key": (lambda s, m: m.api_key(s, "service_role"), "key_is_jwt"),
    "publishable key": (lambda s, m: supabase.LOCAL_CLI_PUBLISHABLE_KEY, "key_is_api_key"),
    "secret key": (lambda s, m: supabase.LOCAL_CLI_SECRET_KEY, "key_is_api_key"),
    "personal access token": (
        lambda s, m: "sbp_" + "0123456789abcdef" * 2 + "0123",
        "key_is_api_key",
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_THE_SECRET))
def test_jwt_or_api_key_as_the_secret_is_invalid_not_bad_key(hs_secret, mint, name):
    make_key, code = NOT_THE_SECRET[name]
    key = make_key(hs_secret, mint)
    report = run(mint.user(hs_secret), key=key)
    assert (report.signature.status, report.signature.key_used) == ("invalid", None)
    found = codes(report)
    assert code in found
    assert finding(report, code).severity.value == "error"
    assert "key_unreadable" not in found and "signature_invalid" not in found
    assert key not in json.dumps(report.to_dict())  # described, never repeated


@pytest.mark.parametrize("name", sorted(NOT_THE_SECRET))
def test_jwt_or_api_key_for_an_asymmetric_token_is_the_wrong_key_type(es256_key, mint, name):
    make_key, code = NOT_THE_SECRET[name]
    report = run(mint.user(es256_key, "ES256"), key=make_key("x" * 40, mint))
    assert report.signature.status == "wrong_key_type"
    assert {code, "asymmetric_token_needs_jwks"} <= set(codes(report))
    assert "read as an HMAC secret" in finding(report, "asymmetric_token_needs_jwks").detail


def test_a_key_that_cannot_be_read_is_still_bad_key(es256_key, mint):
    pem = "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"
    report = run(mint.user(es256_key, "ES256"), key=pem)
    assert report.signature.status == "bad_key"
    assert "key_unreadable" in codes(report)


def test_api_key_as_the_secret_over_the_api(client, hs_secret, mint):
    body = {"token": mint.user(hs_secret), "key": supabase.LOCAL_CLI_SECRET_KEY}
    data = client.post("/api/v1/token", json=body).get_json()
    assert data["signature"]["status"] == "invalid"
    assert "key_is_api_key" in {f["code"] for f in data["findings"]}
