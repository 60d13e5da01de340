"""Input that used to break the pages: a lone surrogate in a claim, claims nested hundreds deep
(never a 500, never a traceback), and forms that fail validation (nothing echoed unmasked)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

import jwt
import pytest

from inspector.tokens import decode
from tests.fixtures.paste import paste

SECRET = "hostile-input-secret-with-at-least-32-characters"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed(payload_json: str, header_json: str = '{"alg":"HS256","typ":"JWT"}') -> str:
    """A real HS256 token over exactly this JSON text (so the signature is valid)."""
    signing_input = f"{_b64(header_json.encode())}.{_b64(payload_json.encode())}"
    mac = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _nested(depth: int, kind: str = "object") -> str:
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return "[" * depth + "1" + "]" * depth


def _page_ok(r) -> str:
    assert r.status_code == 200, r.status_code
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and "Internal Server Error" not in text
    return text


def _strict_json(r) -> dict:
    """The API's body: UTF-8 JSON whose strings are all Unicode text (no lone surrogate)."""
    assert r.status_code == 200, r.data[:300]
    text = r.data.decode("utf-8")
    body = json.loads(text)
    json.dumps(body, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return body


# --- lone surrogates ---------------------------------------------------------------------------

SURROGATE_TOKEN = jwt.encode({"sub": "\ud800", "role": "x\udfffy", "exp": 4102444800}, SECRET)
SURROGATE_CASES = {
    "claim value (PyJWT)": SURROGATE_TOKEN,
    "claim name": _signed('{"\\udc00": 1, "sub": "s"}'),
    "nested in a list": _signed('{"amr": [{"method": "\\uDBFF"}], "sub": "s"}'),
    "header kid": _signed('{"sub": "s"}', '{"alg":"HS256","kid":"\\ud83d"}'),
    "a pair split by text": _signed('{"sub": "\\ud83d-\\ude00"}'),
}


@pytest.mark.parametrize("token", SURROGATE_CASES.values(), ids=SURROGATE_CASES)
def test_lone_surrogate_on_the_token_page(client, token):
    text = _page_ok(client.post("/token", data={"token": token, "key": SECRET}))
    # Shown as the escape it was written as; the signature over the real bytes still holds.
    assert re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text)
    assert "signature valid" in text


@pytest.mark.parametrize("token", SURROGATE_CASES.values(), ids=SURROGATE_CASES)
def test_lone_surrogate_in_the_home_paste_box(client, token):
    text = _page_ok(paste(client, token))
    assert re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text)


@pytest.mark.parametrize("token", SURROGATE_CASES.values(), ids=SURROGATE_CASES)
def test_lone_surrogate_in_the_api(client, token):
    body = _strict_json(client.post("/api/v1/token", json={"token": token, "key": SECRET}))
    assert body["signature"]["status"] == "valid"


def test_lone_surrogate_comes_back_as_its_escape(client):
    body = _strict_json(client.post("/api/v1/token", json={"token": SURROGATE_TOKEN}))
    assert body["claims"]["sub"] == "\\ud800"
    assert body["claims"]["role"] == "x\\udfffy"
    # A proper pair is one character, kept as it is.
    pair = _strict_json(
        client.post("/api/v1/token", json={"token": _signed('{"s":"\\ud83d\\ude00"}')})
    )
    assert pair["claims"]["s"] == "\U0001f600"


@pytest.mark.parametrize(
    "key",
    [
        '{"kty": "oct", "k": "%s", "kid": "\\ud800"}',
        '{"keys": [{"kty": "oct", "k": "%s", "kid": "\\udfff", "alg": "HS256"}]}',
    ],
)
def test_lone_surrogate_in_a_pasted_jwk(client, key):
    key = key % _b64(SECRET.encode())
    _page_ok(client.post("/token", data={"token": SURROGATE_TOKEN, "key": key}))
    _strict_json(client.post("/api/v1/token", json={"token": SURROGATE_TOKEN, "key": key}))


def test_lone_surrogate_in_an_env_value(client):
    text = f"SUPABASE_ANON_KEY={SURROGATE_TOKEN}\nSUPABASE_JWT_SECRET={SECRET}\n"
    _page_ok(client.post("/env", data={"text": text}))
    _page_ok(paste(client, text))
    r = client.post("/api/v1/env", json={"text": text})
    assert r.status_code == 200
    r.data.decode("utf-8")


@pytest.mark.parametrize(
    "text,expected",
    [
        ('"\\ud800"', "\\ud800"),
        ('"a\\uDFFFb"', "a\\udfffb"),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ('"\\\\ud800"', "\\ud800"),  # an escaped backslash, then text: untouched
        ('{"\\ud800": ["\\udc00"]}', {"\\ud800": ["\\udc00"]}),
    ],
)
def test_loads_escapes_lone_surrogates(text, expected):
    assert decode.loads(text) == expected


# --- deep nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [300, 450])
@pytest.mark.parametrize("kind", ["object", "array"])
def test_claims_nested_hundreds_deep(client, depth, kind):
    token = _signed('{"sub": "s", "deep": ' + _nested(depth, kind) + "}")
    page = _page_ok(client.post("/token", data={"token": token, "key": SECRET}))
    assert "signature valid" in page
    for text in (page, _page_ok(paste(client, token))):
        # The payload panel shows the first levels as text, the rest as one cut-off line.
        assert "…" in text
    body = _strict_json(client.post("/api/v1/token", json={"token": token, "key": SECRET}))
    assert body["signature"]["status"] == "valid"
    assert body["claims"]["sub"] == "s"


@pytest.mark.parametrize("depth", [decode.MAX_DEPTH + 1, 5000])
def test_claims_nested_beyond_the_limit_are_a_broken_payload(client, depth):
    token = _signed('{"sub": "s", "deep": ' + _nested(depth) + "}")
    text = _page_ok(client.post("/token", data={"token": token}))
    assert "nested" in text and "deep" in text
    body = _strict_json(client.post("/api/v1/token", json={"token": token}))
    assert body["claims"] is None
    payload = next(p for p in body["parts"] if p["name"] == "payload")
    assert not payload["ok"] and "nested" in payload["error"]


def test_deep_header_is_a_page_too(client):
    token = _signed('{"sub": "s"}', '{"alg": "HS256", "x": ' + _nested(400) + "}")
    _page_ok(client.post("/token", data={"token": token}))


def test_json_text_macro_stops_recursing(app):
    value = json.loads(_nested(900))
    with app.test_request_context("/"):
        out = app.jinja_env.from_string(
            '{% import "_macros.html" as m %}{{ m.json_text(v) }}'
        ).render(v=value)
    # Eight levels as indented text (one line each, open and close), then one cut-off line.
    assert out.count("\n") == 2 * 8
    assert '{"a": {"a":' in out and out.rstrip().endswith("}") and "…" in out


# --- nothing echoed from a form that failed validation ------------------------------------------

URLS = [
    "postgresql://app:hunter2-secret@db.example.com:5432/app?sslmode=require",
    "postgres://app:p%40ss-hunter2-secret@db.example.com/app",
    "host=db.example.com user=app password=hunter2-secret dbname=app",
    "DATABASE_URL='postgresql://app:hunter2-secret@db.example.com/app'",
]


def _textarea(html: str, name: str) -> str:
    m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert m, f"no {name} textarea"
    return m.group(1).strip()


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("bad", [{"timeout": "999"}, {"timeout": "abc"}, {"timeout": "0.1"}])
def test_invalid_connection_form_masks_the_url(client, url, bad):
    form = {"url": url, "password": "field-password-secret", "probe_field_shown": "1"}
    failed = _page_ok(client.post("/connection", data={**form, **bad}))
    assert "hunter2" not in failed and "field-password-secret" not in failed
    assert "Number must be between" in failed or "Not a valid" in failed
    # Exactly what the page shows after a (static) run of the same string.
    ran = _page_ok(client.post("/connection", data=form))
    assert _textarea(failed, "url") == _textarea(ran, "url")
    assert "***" in _textarea(failed, "url")


def test_invalid_token_form_does_not_echo_a_secret(client):
    key = "sb_secret_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"
    text = _page_ok(client.post("/token", data={"token": key, "leeway": "-5"}))
    assert key not in text
    assert "Number must be between" in text


# --- percent escapes that are no UTF-8 ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://%ED%A0%80:pw@db.example.com/app",  # a lone surrogate, percent-encoded
        "postgresql://app:pw@db.example.com/%FF",
    ],
)
def test_percent_encoded_non_utf8_in_a_connection_string(client, url):
    _page_ok(client.post("/connection", data={"url": url, "probe_field_shown": "1"}))
    _page_ok(client.post("/env", data={"text": f"DATABASE_URL={url}"}))
    r = client.post("/api/v1/connection", json={"url": url, "probe": False})
    assert r.status_code == 200
    assert r.get_json()["findings"][0]["code"] == "dsn_unparseable"
    assert "not UTF-8 text" in r.get_json()["findings"][0]["detail"]
