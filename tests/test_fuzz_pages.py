"""Never a 500, never a traceback, from the pages: hypothesis fills every field of every form
(/, /token, /connection, /env, /login) with surrogates, NULs, control and astral characters,
huge and non-finite numbers, and tokens minted with hostile claims (lone surrogates, hundreds
of levels of nesting, 10**40, NaN), then posts them as a browser or a hostile client would.

Form bodies are built by hand: a lone surrogate cannot be UTF-8, so it is sent as the bytes a
careless client would send (surrogatepass), which the server must take apart too.

No packet leaves the machine. The shared site allows no probe host at all (every probe is
refused before DNS); the local site gets only input that cannot probe: the live-probe boxes
stay unticked, no key is a URL, nothing asks for the issuer's JWKS, and no connection string
goes into the paste box.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inspector import create_app
from inspector.paste import detect_paste
from inspector.tokens import key_shape

PAGES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = "fuzz-pages-hmac-secret-with-at-least-32-chars"
PASSWORD = "fuzz team password"
SECRET_KEY = "3f1c0a9b8e7d6c5b4a39281706f5e4d3"

# --- strategies --------------------------------------------------------------------------------

# Every code point, surrogates included.
raw_text = st.text(st.characters(codec=None), max_size=120)
pieces = st.sampled_from(
    [
        "\x00",
        "\ud800",
        "\udfff",
        "\U0001f600",
        "\u202e",
        "\ufeff",
        "\r\n",
        "\t",
        "%00",
        "%ED%A0%80",
        "\\ud800",
        "<script>alert(1)</script>",
        "{{7*7}}",
        "'",
        '"',
        "\\",
        "Bearer ",
        "eyJ",
        ".",
        "=",
        "@",
        ":",
        "/",
        "?",
        "#",
        "[YOUR-PASSWORD]",
        "postgresql://",
        "host=",
        "sslmode=verify-full",
        "sb_secret_",
        "sb_publishable_",
        "-----BEGIN CERTIFICATE-----\n",
        "-----BEGIN PUBLIC KEY-----\n",
        '{"keys":[',
        "9" * 400,
    ]
)
text_values = st.one_of(raw_text, st.lists(st.one_of(pieces, raw_text), max_size=10).map("".join))
numbers = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "",
            "0",
            "-0",
            "0.5",
            "999",
            "1e308",
            "-1e308",
            "1e-400",
            "nan",
            "inf",
            "-inf",
            "0x10",
            "1_000",
            "１２",
            "5\x00",
            " 5 ",
            "31536001",
            "30.0000001",
            "2**64",
        ]
    ),
    text_values,
)
huge = st.one_of(
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([2**63, 2**64 + 1, 10**19, 1e308, -1e308, 253402300800, 1e11, -1]),
)
scalars = st.one_of(st.none(), st.booleans(), huge, text_values)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(raw_text, inner, max_size=4)
    ),
    max_leaves=15,
)
claim_names = st.one_of(
    st.sampled_from(
        [
            "exp",
            "iat",
            "nbf",
            "aud",
            "iss",
            "sub",
            "role",
            "ref",
            "session_id",
            "amr",
            "kid",
            "app_metadata",
            "user_metadata",
            "is_anonymous",
            "jku",
            "x5u",
            "alg",
            "crit",
        ]
    ),
    raw_text,
)
objects = st.dictionaries(claim_names, json_values, max_size=8)
depths = st.one_of(st.sampled_from([0, 1, 8, 9, 300, 499, 500, 501, 2000]), st.integers(0, 600))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@st.composite
def object_json(draw) -> str:
    """A JSON object's text: surrogates escaped (json.dumps), maybe NaN, maybe a member nested
    hundreds of levels deep."""
    text = json.dumps(draw(objects), allow_nan=True)
    depth = draw(depths)
    if depth:
        open_, close = draw(st.sampled_from([('{"a":', "}"), ("[", "]")]))
        deep = open_ * depth + json.dumps(draw(scalars)) + close * depth
        text = text[:-1] + (", " if text != "{}" else "") + f'"deep": {deep}}}'
    return text


@st.composite
def minted_tokens(draw) -> str:
    """A token over hypothesis-made header and claims; often really signed with SECRET."""
    header = draw(st.one_of(st.just('{"alg":"HS256","typ":"JWT"}'), object_json()))
    body = draw(object_json())
    signing_input = f"{_b64(header.encode('utf-8', 'surrogatepass'))}.{_b64(body.encode())}"
    signature = draw(
        st.one_of(
            st.just(
                _b64(hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest())
            ),
            st.binary(max_size=70).map(_b64),
            text_values,
        )
    )
    prefix = draw(st.sampled_from(["", "Bearer ", "Authorization: Bearer ", '"', " ", "\x00"]))
    return prefix + f"{signing_input}.{signature}" + draw(st.sampled_from(["", '"', "\n", ".x"]))


jwk_keys = st.builds(
    lambda kid, k: json.dumps({"kty": "oct", "k": k, "kid": kid, "alg": "HS256"}),
    raw_text,
    st.one_of(st.just(_b64(SECRET.encode())), text_values),
).flatmap(lambda jwk: st.sampled_from([jwk, '{"keys": [' + jwk + "]}"]))
keys = st.one_of(st.just(""), st.just(SECRET), jwk_keys, text_values, minted_tokens())
tokens = st.one_of(minted_tokens(), text_values)


@st.composite
def connection_strings(draw) -> str:
    user = draw(st.one_of(st.just("postgres.abcdefghijklmnopqrst"), text_values))
    password = draw(st.one_of(st.just("hunter2"), text_values))
    host = draw(
        st.one_of(
            st.sampled_from(
                [
                    "db.abcdefghijklmnopqrst.supabase.co",
                    "127.0.0.1",
                    "[::1]",
                    "10.0.0.5",
                    "aws-0-eu-central-1.pooler.supabase.com",
                    "",
                    "a,b",
                ]
            ),
            text_values,
        )
    )
    port = draw(st.one_of(st.just("5432"), numbers))
    query = draw(st.one_of(st.just(""), text_values.map(lambda q: "?" + q)))
    uri = f"postgresql://{user}:{password}@{host}:{port}/postgres{query}"
    keyword = f"host={host} port={port} user={user} password={password} dbname=postgres"
    return draw(st.sampled_from([uri, keyword, f"DATABASE_URL='{uri}'"]))


@st.composite
def env_texts(draw) -> str:
    names = st.one_of(
        st.sampled_from(
            [
                "SUPABASE_JWT_SECRET",
                "SUPABASE_ANON_KEY",
                "SUPABASE_SERVICE_ROLE_KEY",
                "DATABASE_URL",
                "NEXT_PUBLIC_SUPABASE_ANON_KEY",
                "VITE_SUPABASE_KEY",
                "X",
            ]
        ),
        raw_text,
    )
    values = st.one_of(minted_tokens(), connection_strings(), text_values, st.just(SECRET))
    lines = draw(
        st.lists(
            st.tuples(names, st.sampled_from(["=", " = ", '="', "='", ": "]), values), max_size=6
        )
    )
    return "\n".join(f"{n}{sep}{v}" for n, sep, v in lines) + draw(
        st.one_of(st.just(""), text_values)
    )


extra_fields = st.dictionaries(
    st.one_of(raw_text, st.sampled_from(["csrf_token", "next", "probe_field_shown"])),
    text_values,
    max_size=3,
)
boxes = st.sampled_from([None, "y", "", "n", "0", "\x00"])

# --- the sites ---------------------------------------------------------------------------------

_APPS: dict[str, object] = {}
_COMMON = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "INSPECTOR_RATE_LIMIT_ENABLED": False,
    "INSPECTOR_PROBE_TIMEOUT": 0.5,
    "INSPECTOR_PROBE_TIMEOUT_MAX": 1.0,
}


def _env_file() -> str:
    """The configured .env of the local site: hostile, but nothing in it can probe (no
    SUPABASE_URL, so no JWKS; the env page reads it without probing)."""
    path = Path(tempfile.mkdtemp(prefix="fuzz-pages-")) / ".env"
    header, claims = (
        _b64(b'{"alg":"HS256"}'),
        _b64(b'{"sub":"\\ud800","deep":' + b"[" * 400 + b"]" * 400 + b"}"),
    )
    hostile = f"{header}.{claims}.c2ln"
    path.write_text(
        f"SUPABASE_JWT_SECRET={SECRET}\nSUPABASE_ANON_KEY={hostile}\n"
        "DATABASE_URL=postgresql://postgres:hunter2@db.abcdefghijklmnopqrst.supabase.co/postgres\n"
    )
    return str(path)


def _client(site: str):
    if site not in _APPS:
        if site == "local":
            config = {"INSPECTOR_ENV_FILE": _env_file()}
        else:
            config = {
                "INSPECTOR_MODE": "shared",
                "SECRET_KEY": SECRET_KEY,
                "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
                "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
                "INSPECTOR_ALLOWED_HOSTS": "",
                "INSPECTOR_ALLOW_CONFIGURED_SECRETS": True,
                "INSPECTOR_ENV_FILE": "",
            }
        _APPS[site] = create_app({**_COMMON, **config})
    client = _APPS[site].test_client()  # type: ignore[attr-defined]
    if site == "shared":
        client.environ_base["HTTP_X_FORWARDED_USER"] = "fuzz"
    return client


def _form_body(fields: dict[str, str | None]) -> bytes:
    """application/x-www-form-urlencoded, every value as the bytes a careless client sends."""
    pairs = [
        (name.encode("utf-8", "surrogatepass"), value.encode("utf-8", "surrogatepass"))
        for name, value in fields.items()
        if value is not None
    ]
    return urlencode(pairs).encode("ascii")


def _check_page(r) -> None:
    assert r.status_code < 500, (r.status_code, r.data[:300])
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and "Internal Server Error" not in text
    if r.status_code == 200:
        assert r.mimetype == "text/html" and text.rstrip().endswith("</html>")


def _post(site: str, path: str, fields: dict[str, str | None]):
    r = _client(site).post(
        path, data=_form_body(fields), content_type="application/x-www-form-urlencoded"
    )
    _check_page(r)
    return r


def _server_text(value: str) -> str:
    """The field as the server reads it: bytes that are no UTF-8 come back as %XX escapes."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "werkzeug.url_quote")


def _no_probe_key(key: str) -> bool:
    return key_shape(_server_text(key)) not in ("jwks_url", "url")


# --- the pages ---------------------------------------------------------------------------------


@PAGES
@given(
    text=st.one_of(tokens, connection_strings(), env_texts(), text_values),
    extra=extra_fields,
)
def test_home_box_never_500(text, extra):
    _post("shared", "/", {**extra, "text": text})
    assume(detect_paste(_server_text(text)) != "connection")
    _post("local", "/", {**extra, "text": text})


@PAGES
@given(
    token=tokens,
    key=keys,
    audience=st.one_of(st.just("authenticated"), text_values),
    project=st.one_of(st.just("abcdefghijklmnopqrst"), text_values),
    leeway=numbers,
    use_configured=boxes,
    fetch_jwks=boxes,
    extra=extra_fields,
)
def test_token_page_never_500(
    token, key, audience, project, leeway, use_configured, fetch_jwks, extra
):
    fields = {
        **extra,
        "token": token,
        "key": key,
        "audience": audience,
        "project": project,
        "leeway": leeway,
        "use_configured_secret": use_configured,
        "fetch_jwks": fetch_jwks,
    }
    _post("shared", "/token", fields)
    assume(_no_probe_key(key))
    _post("local", "/token", {**fields, "fetch_jwks": None})


@PAGES
@given(
    url=st.one_of(connection_strings(), text_values),
    password=text_values,
    driver=st.one_of(
        st.sampled_from(["auto", "psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg"]),
        text_values,
    ),
    ca=st.one_of(st.sampled_from(["certifi", "system", "pem"]), text_values),
    ca_pem=st.one_of(
        st.just("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"), text_values
    ),
    timeout=numbers,
    probe=boxes,
    extra=extra_fields,
)
def test_connection_page_never_500(url, password, driver, ca, ca_pem, timeout, probe, extra):
    fields = {
        **extra,
        "url": url,
        "password": password,
        "driver": driver,
        "ca": ca,
        "ca_pem": ca_pem,
        "timeout": timeout,
        "probe": probe,
    }
    _post("shared", "/connection", fields)
    # Local: the live probe stays unticked (our own page's mark says so).
    _post("local", "/connection", {**fields, "probe": None, "probe_field_shown": "1"})


@PAGES
@given(text=st.one_of(env_texts(), text_values), probe=boxes, extra=extra_fields)
def test_env_page_never_500(text, probe, extra):
    _post("shared", "/env", {**extra, "text": text, "probe": probe})
    _post("local", "/env", {**extra, "text": text, "probe": None})


@PAGES
@given(password=text_values, next_=st.one_of(st.just("/token"), text_values), extra=extra_fields)
def test_login_page_never_500(password, next_, extra):
    client = _APPS.get("login")
    if client is None:
        app = create_app(
            {
                **_COMMON,
                "INSPECTOR_MODE": "shared",
                "SECRET_KEY": SECRET_KEY,
                "INSPECTOR_ACCESS_PASSWORD": PASSWORD,
                "INSPECTOR_ENV_FILE": "",
            }
        )
        client = _APPS["login"] = app.test_client()
    body = _form_body({**extra, "password": password, "next": next_})
    r = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    _check_page(r)


@PAGES
@given(
    path=st.sampled_from(["/", "/token", "/connection", "/env", "/login"]),
    query=text_values,
)
def test_pages_with_a_query_string_never_500(path, query):
    for site in ("shared", "local"):
        raw = quote(query.encode("utf-8", "surrogatepass"), safe="=&")
        r = _client(site).get(f"{path}?{raw}")
        _check_page(r)
