"""Flask's app/client/runner fixtures; the real servers and browser live in tests/fixtures/."""

from __future__ import annotations

import pytest

from inspector import config, create_app

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.keys",
    "tests.fixtures.jwks_server",
    "tests.fixtures.servers",
    "tests.fixtures.browser",
    "tests.fixtures.backend",
]

# Every setting create_app reads from the environment, and the Supabase variables the
# configured-environment features read.
_OUR_VARS = (
    *config.DEFAULTS,
    "SUPABASE_JWT_SECRET",
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "DATABASE_URL",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path_factory):
    """Keep the developer's own environment and .env out of every test."""
    for name in _OUR_VARS:
        monkeypatch.delenv(name, raising=False)
    missing = tmp_path_factory.mktemp("noenv") / ".env"
    monkeypatch.setenv("INSPECTOR_ENV_FILE", str(missing))
    # Test traffic stays on loopback: no page, API call or CLI run fetches a token issuer's keys
    # from the real network unless its test asks (INSPECTOR_DISCOVER_KEYS=True, discover=true).
    monkeypatch.setenv("INSPECTOR_DISCOVER_KEYS", "0")


@pytest.fixture(autouse=True)
def _fresh_fetch_cache():
    """Each test fetches for itself: no JWKS answer cached by an earlier test (whose server may
    have had the same port) is served to it."""
    from inspector.tokens.fetch import clear_cache

    clear_cache()
    yield
    clear_cache()


# A public name the tests' shared sites answer to besides the local ones (Flask's test client
# sends `Host: localhost` unless a test gives another base_url).
TEST_TRUSTED_HOSTS = "inspector.example"


@pytest.fixture
def make_app():
    """create_app with test defaults, overridable per test."""

    def _make(**overrides):
        config = {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "INSPECTOR_TRUSTED_HOSTS": TEST_TRUSTED_HOSTS,
        }
        config.update(overrides)
        return create_app(config)

    return _make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
