"""Any text, any key: a report, never an exception; the API never answers 5xx."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.netpolicy import ProbePolicy
from inspector.tokens import inspect_token

NO_NETWORK = ProbePolicy(allowed_hosts=())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

# Token-shaped text: three segments of base64url JSON, bytes or junk, with wrappers around.
segment = st.one_of(
    json_values.map(lambda v: _b64(json.dumps(v).encode())),
    st.binary(max_size=40).map(_b64),
    st.text(max_size=20),
)
jwt_like = st.tuples(segment, segment, segment).map(".".join)
wrapped = st.tuples(
    st.sampled_from(
        ["", "Bearer ", "Authorization: Bearer ", '"', "curl -H 'apikey: ", '{"access_token": "']
    ),
    jwt_like,
    st.sampled_from(["", '"', "'", '"}', "\n"]),
).map("".join)
any_token = st.one_of(st.text(max_size=300), jwt_like, wrapped)
any_key = st.one_of(
    st.none(),
    st.text(max_size=120),
    json_values.map(json.dumps),
    st.just('{"keys": [{"kty": "EC"}]}'),
    st.just("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
)


@settings(max_examples=300, deadline=None)
@given(
    token=any_token,
    key=any_key,
    audience=st.none() | st.text(max_size=20),
    project=st.none() | st.text(max_size=30),
    leeway=st.floats(allow_nan=True) | st.integers(),
)
def test_service_always_reports(token, key, audience, project, leeway):
    report = inspect_token(
        token, key=key, audience=audience, project=project, leeway=leeway, policy=NO_NETWORK
    )
    d = report.to_dict()
    json.dumps(d, allow_nan=False)  # serialisable as strict JSON
    assert d["kind"] and d["signature"]["status"]
    assert isinstance(d["snippets"]["python"], str)
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"token": any_token},
            optional={
                "key": st.one_of(
                    st.none(), st.text(max_size=80).filter(lambda s: "://" not in s), st.integers()
                ),
                "audience": st.one_of(st.none(), st.text(max_size=10), st.booleans()),
                "leeway": st.one_of(st.integers(), st.floats(), st.text(max_size=3)),
                "project": st.text(max_size=30),
            },
        ),
    )
)
def test_api_never_5xx(client, body):
    r = client.post("/api/v1/token", json=body)
    assert r.status_code in (200, 400)
    d = r.get_json()
    assert ("kind" in d) if r.status_code == 200 else (d["error"]["code"] == "bad_request")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=any_token)
def test_page_never_5xx(client, token):
    r = client.post("/token", data={"token": token})
    assert r.status_code == 200
