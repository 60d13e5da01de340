"""Never a 500: hypothesis throws arbitrary text, unicode, NULs, huge numbers in claims, nested
JSON and wrong types at the three service functions and the JSON endpoints.

No probe leaves the machine: the services run with `probe=False` or a policy that refuses every
host, and the endpoints run in shared mode with an empty allow-list.
"""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import create_app
from inspector.netpolicy import ProbePolicy

NOWHERE = ProbePolicy(allowed_hosts=(), allowed_networks=())
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with everything in it: NULs, control characters, RTL marks, astral characters, and
# (where JSON can carry them) lone surrogates.
any_text = st.text(st.characters(codec=None, exclude_categories=("Cs",)), max_size=300)
with_surrogates = st.text(st.characters(codec=None), max_size=100)
nasty_bits = st.sampled_from(
    [
        "\x00",
        "Bearer ",
        "eyJ",
        ".",
        "..",
        "=",
        "%",
        "%00",
        "\u202e",
        "\ufeff",
        "@",
        "#",
        "?",
        "/",
        ":",
        "[",
        "]",
        "'",
        '"',
        "\\",
        "\n",
        "postgres://",
        "postgresql+asyncpg://",
        "sb_secret_",
        "sb_publishable_",
        "sbp_",
        "[YOUR-PASSWORD]",
        "host=",
        "sslmode=",
        "-----BEGIN CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----",
        '{"keys":[',
        "https://",
        "SUPABASE_JWT_SECRET=",
        "export ",
        "NEXT_PUBLIC_",
        "9" * 400,
        "\udcff",
    ]
)
pasted = st.one_of(
    any_text,
    st.lists(st.one_of(nasty_bits, any_text), max_size=12).map("".join),
)

huge_numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 2**31, 2**63, 2**64 + 1, 10**19, 1e308, -1e308, 253402300800]),
)
json_scalars = st.one_of(st.none(), st.booleans(), huge_numbers, any_text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
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
            "is_anonymous",
            "amr",
            "app_metadata",
            "kid",
            "alg",
            "typ",
            "jku",
            "x5u",
        ]
    ),
    st.text(max_size=12),
)
claims = st.dictionaries(claim_names, json_values, max_size=8)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@st.composite
def crafted_jwts(draw) -> str:
    """A JWT shape with hypothesis-made JSON in the header and claims (NaN, 10**40, lists...)."""
    header = draw(claims)
    if draw(st.booleans()):
        header["alg"] = draw(
            st.sampled_from(["HS256", "RS256", "ES256", "none", "EdDSA", "HS512", 5, None])
        )
    body = draw(claims)
    encode = lambda obj: json.dumps(obj, allow_nan=True).encode()  # noqa: E731
    raw_header = draw(st.one_of(st.just(encode(header)), st.binary(max_size=40)))
    raw_body = draw(st.one_of(st.just(encode(body)), st.binary(max_size=40)))
    signature = draw(st.one_of(st.just(""), st.binary(max_size=70).map(_b64), any_text))
    token = f"{_b64(raw_header)}.{_b64(raw_body)}.{signature}"
    prefix = draw(st.sampled_from(["", "Bearer ", "Authorization: Bearer ", '"', " "]))
    return prefix + token


keys = st.one_of(
    st.none(),
    pasted,
    crafted_jwts(),
    st.sampled_from(
        [
            "super-secret-jwt-token-with-at-least-32-characters-long",
            '{"keys": []}',
            '{"keys": [{"kty": "EC"}]}',
            '{"kty": "oct", "k": "!!"}',
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "http://127.0.0.1:1/jwks.json",
            "https://x.supabase.co/auth/v1/.well-known/jwks.json",
        ]
    ),
)


def _assert_report(report) -> None:
    data = report.to_dict()
    json.dumps(data, allow_nan=False)  # the JSON twin must be valid JSON
    severities = [
        f.severity.rank if hasattr(f.severity, "rank") else f.severity for f in report.findings
    ]
    assert severities == sorted(severities) or severities == sorted(severities, reverse=True)
    assert isinstance(report.has_errors(), bool)


# --- the three services ---------------------------------------------------------------------


@FUZZ
@given(
    token=st.one_of(pasted, crafted_jwts()),
    key=keys,
    audience=st.one_of(st.none(), any_text),
    project=st.one_of(st.none(), pasted),
    leeway=st.one_of(st.just(0), st.floats(0, 1e6)),
)
def test_inspect_token_never_raises(token, key, audience, project, leeway):
    from inspector.tokens import inspect_token

    report = inspect_token(
        token,
        key=key,
        audience=audience,
        project=project,
        leeway=leeway,
        policy=NOWHERE,
        fetch_timeout=0.5,
    )
    _assert_report(report)


@FUZZ
@given(
    url=pasted,
    password=st.one_of(st.none(), pasted),
    driver=st.sampled_from(
        ["auto", "psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg", "x"]
    ),
    ca=st.one_of(st.sampled_from(["certifi", "system"]), pasted),
)
def test_inspect_connection_never_raises(url, password, driver, ca):
    from inspector.connections import inspect_connection

    report = inspect_connection(
        url, password=password, driver=driver, ca=ca, probe=False, policy=NOWHERE
    )
    _assert_report(report)
    assert report.to_dict()["verdict"]["status"] in ("not_probed", "failed")


@st.composite
def env_texts(draw) -> str:
    names = st.sampled_from(
        [
            "SUPABASE_URL",
            "SUPABASE_JWT_SECRET",
            "SUPABASE_ANON_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "DATABASE_URL",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "VITE_SUPABASE_KEY",
            "SUPABASE_KEY",
            "X",
        ]
    ) | st.text(max_size=10)
    values = st.one_of(pasted, crafted_jwts())
    lines = draw(
        st.lists(
            st.tuples(names, values, st.sampled_from(["=", " = ", '="', "='", ": "])), max_size=8
        )
    )
    return "\n".join(f"{n}{sep}{v}" for n, v, sep in lines) + draw(st.one_of(st.just(""), pasted))


@FUZZ
@given(text=st.one_of(pasted, env_texts()))
def test_inspect_env_never_raises(text):
    from inspector.env import inspect_env

    report = inspect_env(text, probe=False, policy=NOWHERE)
    _assert_report(report)


# --- the JSON endpoints ---------------------------------------------------------------------

_APPS = {}


def _client():
    """One shared-mode app for all examples: probes may go nowhere, rate limits off."""
    if "app" not in _APPS:
        _APPS["app"] = create_app(
            {
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "INSPECTOR_MODE": "shared",
                "SECRET_KEY": "3f1c0a9b8e7d6c5b4a39281706f5e4d3",
                "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
                "INSPECTOR_ALLOWED_HOSTS": "",
                "INSPECTOR_RATE_LIMIT_ENABLED": False,
                "INSPECTOR_PROBE_TIMEOUT": 0.5,
                "INSPECTOR_PROBE_TIMEOUT_MAX": 1.0,
            }
        )
    client = _APPS["app"].test_client()
    client.environ_base["HTTP_X_FORWARDED_USER"] = "fuzz"
    return client


FIELDS = {
    "/api/v1/token": ["token", "key", "audience", "project", "leeway", "use_configured_secret"],
    "/api/v1/connection": ["url", "password", "driver", "ca", "timeout", "probe"],
    "/api/v1/env": ["text"],
}


def _not_json(name: str):
    raise AssertionError(f"the response holds {name}, which is not JSON")


def _check_response(r) -> None:
    assert r.status_code != 500, r.data[:500]
    assert r.status_code in (200, 400, 403, 413, 503), (r.status_code, r.data[:300])
    assert r.mimetype == "application/json"
    body = json.loads(r.data, parse_constant=_not_json)  # NaN / Infinity are not JSON
    assert isinstance(body, dict)
    if r.status_code != 200:
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])


@st.composite
def bodies(draw, path: str):
    fields = FIELDS[path]
    good = {
        "token": st.one_of(crafted_jwts(), pasted),
        "key": keys,
        "url": pasted,
        "text": st.one_of(env_texts(), pasted),
    }
    body = {}
    for name in draw(st.lists(st.sampled_from(fields), unique=True)):
        body[name] = draw(st.one_of(good.get(name, json_values), json_values, with_surrogates))
    body.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3)))
    return body


def _post(path, body):
    raw = json.dumps(body, allow_nan=True)
    return _client().post(path, data=raw, content_type="application/json")


@FUZZ
@given(body=bodies("/api/v1/token"))
def test_token_api_never_500(body):
    _check_response(_post("/api/v1/token", body))


@FUZZ
@given(body=bodies("/api/v1/connection"))
def test_connection_api_never_500(body):
    _check_response(_post("/api/v1/connection", body))


@FUZZ
@given(body=bodies("/api/v1/env"))
def test_env_api_never_500(body):
    _check_response(_post("/api/v1/env", body))


@FUZZ
@given(
    path=st.sampled_from(sorted(FIELDS)),
    raw=st.one_of(
        st.binary(max_size=300),
        pasted.map(lambda s: s.encode("utf-8", "surrogatepass")),
        json_values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
    ),
)
def test_api_raw_bodies_never_500(path, raw):
    r = _client().post(path, data=raw, content_type="application/json")
    _check_response(r)


def test_api_deeply_nested_json_is_a_400_not_a_500():
    for path in FIELDS:
        for raw in (
            "[" * 20000,
            '{"token": ' + "[" * 20000 + "]" * 20000 + "}",
            '{"a":' * 10000 + "1" + "}" * 10000,
        ):
            r = _client().post(path, data=raw, content_type="application/json")
            _check_response(r)
            assert r.status_code in (400, 413)


def test_huge_and_odd_numbers_in_claims_never_500():
    for value in [
        10**40,
        -(10**40),
        1e308,
        float("nan"),
        float("inf"),
        -0.0,
        True,
        "1e999",
        [],
        {},
    ]:
        for claim in ("exp", "iat", "nbf"):
            header = _b64(b'{"alg":"HS256","typ":"JWT"}')
            body = _b64(
                json.dumps({claim: value, "role": "authenticated"}, allow_nan=True).encode()
            )
            token = f"{header}.{body}.c2ln"
            r = _post("/api/v1/token", {"token": token, "key": "k" * 40})
            _check_response(r)
            assert r.status_code == 200


@FUZZ
@given(
    path=st.sampled_from(["/", "/token", "/connection", "/env"]),
    form=st.dictionaries(
        st.sampled_from(
            [
                "text",
                "token",
                "key",
                "audience",
                "project",
                "url",
                "password",
                "driver",
                "ca",
                "timeout",
                "probe",
                "leeway",
            ]
        ),
        st.one_of(pasted, crafted_jwts(), huge_numbers.map(str)),
        max_size=6,
    ),
)
def test_pages_never_500(path, form):
    form = {k: v.replace("\udcff", "") for k, v in form.items()}
    if path == "/connection":
        form["timeout"] = "0.5"
    r = _client().post(path, data=form)
    assert r.status_code != 500, r.data[:300]
    if path == "/" and r.status_code == 307:  # a paste lands on its inspector's own page
        assert r.location in ("/token", "/connection", "/env", "/explain")
        return
    assert r.status_code in (200, 400, 413, 503)
    assert r.mimetype == "text/html"
