"""The one exception tree, mapped in one place (web/errors.py): every InspectorError answers with
its own status and code, as a page and as JSON under /api/; a real probe-capacity exhaustion (one
probe slot, held by a JWKS fetch from a peer that never answers) is the API's 503 `busy`."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress

import pytest
from flask import Blueprint

from inspector import errors
from inspector.errors import (
    ApiError,
    ConfigError,
    ConfiguredSecretRefusedError,
    InspectorError,
    ProbeCapacityError,
)
from tests.fixtures.servers import _serve

CASES = [
    (ConfigError("INSPECTOR_MODE must be 'local' or 'shared'"), 500, "config"),
    (ProbeCapacityError(), 503, "busy"),
    (ConfiguredSecretRefusedError("not with this site's own secret"), 403, "forbidden"),
    (ApiError("the field 'token' is required"), 400, "bad_request"),
    (ApiError("sign in first", status=401, code="unauthorized"), 401, "unauthorized"),
]


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_error_of_the_tree_is_mapped_here():
    assert {type(exc) for exc, _, _ in CASES} == _all_subclasses(InspectorError)


def test_old_names_are_the_tree():
    from inspector import config
    from inspector.web import api, limits

    assert config.ConfigError is errors.ConfigError
    assert limits.ProbeCapacityError is errors.ProbeCapacityError
    assert api.BadRequestError is errors.ApiError


@pytest.fixture
def raising_app(make_app):
    """An app with one page and one API address that raise whatever a test hands them."""
    app = make_app()
    box: dict[str, Exception] = {}
    bp = Blueprint("raises", __name__)

    @bp.get("/raise")
    def page():
        raise box["exc"]

    @bp.get("/api/v1/raise")
    def api():
        raise box["exc"]

    app.register_blueprint(bp)
    app.box = box  # type: ignore[attr-defined]
    return app


@pytest.mark.parametrize("exc,status,code", CASES, ids=lambda v: getattr(v, "code", None))
def test_the_api_answers_json(raising_app, exc, status, code):
    raising_app.box["exc"] = exc
    r = raising_app.test_client().get("/api/v1/raise")
    assert r.status_code == status
    assert r.mimetype == "application/json"
    assert r.get_json() == {"error": {"code": code, "message": exc.message}}


@pytest.mark.parametrize("exc,status,code", CASES, ids=lambda v: getattr(v, "code", None))
def test_a_page_answers_the_error_page(raising_app, exc, status, code):
    raising_app.box["exc"] = exc
    r = raising_app.test_client().get("/raise")
    assert r.status_code == status
    assert r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert f"HTTP {status} · <code>{code}</code>" in html
    # The message, as a sentence.
    shown = exc.message[0].upper() + exc.message[1:]
    assert shown.replace("'", "&#39;") in html


# ---------- a real exhaustion ----------


class _Silent:
    """A loopback peer that accepts connections and never sends a byte; counts connections."""

    def __init__(self) -> None:
        self.connected = threading.Event()
        self.peer = _serve(self._handle)

    def _handle(self, conn: socket.socket) -> None:
        self.connected.set()
        conn.settimeout(30)
        with suppress(OSError):
            while conn.recv(1024):
                pass

    @property
    def jwks_url(self) -> str:
        return f"https://127.0.0.1:{self.peer.port}/.well-known/jwks.json"


@pytest.fixture
def silent():
    s = _Silent()
    yield s
    s.peer.stop()


@pytest.fixture
def one_slot_held(make_app, silent, kit):
    """An app with one probe slot, held by an API request whose JWKS fetch never gets an
    answer (until its deadline): the caller's own fetches find no slot."""
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=1, INSPECTOR_PROBE_TIMEOUT=3)
    token = kit.mint.user(kit.es, "ES256")
    first: dict = {}

    def hold() -> None:
        r = app.test_client().post("/api/v1/token", json={"token": token, "key": silent.jwks_url})
        first["status"] = r.status_code

    t = threading.Thread(target=hold)
    t.start()
    assert silent.connected.wait(5), "the first fetch never reached the peer"
    yield app, token, silent.jwks_url
    t.join(10)
    assert first["status"] == 200  # the one that had the slot: a report (its fetch timed out)


def test_a_real_exhaustion_is_the_apis_503_busy(one_slot_held):
    app, token, url = one_slot_held
    start = time.monotonic()
    r = app.test_client().post("/api/v1/token", json={"token": token, "key": url})
    assert time.monotonic() - start < 2  # told at once (a short wait for a slot), not after 3 s
    assert r.status_code == 503
    assert r.get_json() == {"error": {"code": "busy", "message": errors.BUSY_MESSAGE}}


def test_a_real_exhaustion_on_the_page_inspects_without_the_key(one_slot_held):
    """The page keeps what it did before the tree: the reason beside the key field, and the
    token inspected offline (the signature not checked)."""
    app, token, url = one_slot_held
    r = app.test_client().post("/token", data={"token": token, "key": url})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert errors.BUSY_MESSAGE in html
    assert 'data-status="not_checked"' in html


def test_the_page_explains_a_refused_configured_secret(make_app, kit):
    """Shared mode: the API's 403 `forbidden` is, on the page, a message beside the box."""
    from tests.test_tokens_web import SHARED, USER

    client = make_app(**SHARED).test_client()
    r = client.post(
        "/token",
        data={"token": kit.mint.user(kit.secret), "use_configured_secret": "y"},
        headers=USER,
    )
    assert r.status_code == 200
    assert "INSPECTOR_ALLOW_CONFIGURED_SECRETS is off" in r.get_data(as_text=True)
    r = client.post(
        "/api/v1/token",
        json={"token": kit.mint.user(kit.secret), "use_configured_secret": True},
        headers=USER,
    )
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
