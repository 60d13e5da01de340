"""Several instances, for real (issue 9 §7): two gunicorn instances (two workers each) sharing
their rate-limit counters in a real redis-server hold one per-client budget between them, as the
README's "Several instances" section says. With `memory://` they would not: the control."""

from __future__ import annotations

import pytest

from tests.fixtures.gunicorn import instances
from tests.fixtures.redis_server import redis_binary, running_redis

LIMIT = 5
SHARED = {
    "INSPECTOR_MODE": "shared",
    "SECRET_KEY": "9d2c7e4f1a6b3c8d5e0f7a2b9c4d1e6f",
    # The proxy's user is the client (README, "Behind a reverse proxy").
    "INSPECTOR_TRUSTED_USER_HEADER": "X-Forwarded-User",
    "INSPECTOR_INSPECT_RATE_LIMIT": f"{LIMIT} per minute",
    "INSPECTOR_WORKERS": "2",
    "INSPECTOR_THREADS": "4",
    "INSPECTOR_MAX_CONCURRENT_PROBES": "2",
}


def inspect(instance, user: str) -> tuple[int, dict[str, str], bytes]:
    """An inspecting POST that sends nothing out: a one-line .env."""
    return instance.request(
        "POST", "/api/v1/env", {"text": "A=1"}, headers={"X-Forwarded-User": user}
    )


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if redis_binary() is None:
        pytest.fail("redis-server not found: run `make test` (it installs Debian's redis-server)")
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def pair(redis_server, tmp_path_factory):
    env = {**SHARED, "INSPECTOR_RATELIMIT_STORAGE_URI": redis_server.url}
    with instances(tmp_path_factory.mktemp("several"), env) as both:
        yield both


def test_one_budget_across_both_instances(pair, redis_server):
    a, b = pair
    answers = [inspect((a, b)[i % 2], "ana")[0] for i in range(LIMIT)]
    assert answers == [200] * LIMIT
    # The sixth, whichever instance it reaches, is over the budget both share.
    for instance in (b, a):
        status, headers, body = inspect(instance, "ana")
        assert status == 429, body
        assert b'"rate_limited"' in body and int(headers["retry-after"]) > 0
    # The counters are in Redis, under the app's prefix.
    with redis_server.client() as client:
        keys = client.keys("*")
        assert any(k.startswith(b"LIMITS:LIMITER/inspector/user:ana/inspect/") for k in keys), keys


def test_the_budget_is_per_client(pair):
    a, b = pair
    for user in ("bo", "cy"):
        assert [inspect((b, a)[i % 2], user)[0] for i in range(LIMIT + 1)] == [200] * LIMIT + [429]


def test_without_a_shared_store_each_process_counts_alone(tmp_path):
    """The control: with memory:// the two instances each allow the budget, so alternating
    requests pass well beyond it (why the README asks for Redis)."""
    env = {**SHARED, "INSPECTOR_RATELIMIT_STORAGE_URI": "memory://"}
    with instances(tmp_path, env) as (a, b):
        answers = [inspect((a, b)[i % 2], "ana")[0] for i in range(LIMIT + 1)]
    assert answers == [200] * (LIMIT + 1)


def test_without_redis_inspecting_requests_fail_closed(tmp_path):
    """Redis gone: an inspecting request is refused (500) rather than served without a budget;
    the health check, which counts nothing, still answers."""
    with running_redis(tmp_path) as store:
        env = {**SHARED, "INSPECTOR_RATELIMIT_STORAGE_URI": store.url}
        with instances(tmp_path, env, count=1) as (a,):
            assert inspect(a, "ana")[0] == 200
            store.process.terminate()
            store.process.wait(10)
            status, _, body = inspect(a, "ana")
            assert status == 500 and b'"error"' in body
            assert a.request("GET", "/healthz")[0] == 200
