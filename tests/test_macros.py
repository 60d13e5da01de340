"""The shared macros and the home page rendered on the server (no browser needed)."""

from __future__ import annotations

import re

import pytest

from tests.browser.gallery import _times


@pytest.fixture
def render(app):
    def _render(source: str, **context) -> str:
        with app.test_request_context("/"):
            template = app.jinja_env.from_string('{% import "_macros.html" as m %}' + source)
            return template.render(**context)

    return _render


@pytest.mark.parametrize(
    "text,expected",
    [
        ("call `getSession()` now", "call <code>getSession()</code> now"),
        ("`a<b>` and `c`", "<code>a&lt;b&gt;</code> and <code>c</code>"),
        ("one ` tick", "one ` tick"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
    ],
)
def test_ticks(render, text, expected):
    assert render("{{ m.ticks(t) }}", t=text) == expected


def test_json_text_escapes_and_keeps_types(render):
    out = render(
        "{{ m.json_text(v) }}",
        v={"a": "<img src=x>", "n": 3, "t": True, "f": False, "z": None, "l": [1, {"k": "v"}]},
    )
    assert '"a": "&lt;img src=x&gt;"' in out
    assert '"n": 3' in out and '"t": true' in out and '"f": false' in out and '"z": null' in out
    assert "<img" not in out


@pytest.mark.parametrize(
    "times,now_offset,state",
    [
        ({"iat": -7200, "exp": -3600}, 0, "expired"),
        ({"iat": -60, "exp": 3600}, 0, "valid"),
        ({"iat": -60, "nbf": 600, "exp": 3600}, 0, "pending"),
        ({"iat": -60}, 0, "valid"),
    ],
)
def test_lifetime_bar_state(render, times, now_offset, state):
    now = 1_800_000_000
    out = render(
        "{{ m.lifetime_bar(times, now) }}",
        times=_times(**{k: now + v for k, v in times.items()}),
        now=now + now_offset,
    )
    assert f'data-state="{state}"' in out
    assert "style=" not in out
    for x in re.findall(r'x="([0-9.]+)%"', out):
        assert 0 <= float(x) <= 100


def test_lifetime_bar_without_times_renders_nothing(render):
    assert render("{{ m.lifetime_bar({}, 5) }}").strip() == ""


def test_waterfall_bars_are_to_scale(render):
    steps = [
        {"name": "dns", "status": "ok", "ms": 10.0, "detail": ""},
        {"name": "tcp", "status": "ok", "ms": 30.0, "detail": ""},
        {"name": "tls", "status": "failed", "ms": 60.0, "detail": "bad <cert>"},
        {"name": "connect", "status": "skipped", "ms": 0, "detail": ""},
    ]
    out = render("{{ m.waterfall(steps) }}", steps=steps)
    bars = re.findall(r'class="bar-(\w+)" x="([0-9.]+)%" y="1" width="([0-9.]+)%"', out)
    assert [(s, float(x), float(w)) for s, x, w in bars] == [
        ("ok", 0.0, 10.0),
        ("ok", 10.0, 30.0),
        ("failed", 40.0, 60.0),
        ("skipped", 100.0, 0.6),
    ]
    assert "bad &lt;cert&gt;" in out
    assert 'data-step="tls" data-status="failed"' in out


def test_cert_chain_marks_trust_and_expiry(render):
    certs = [
        {"subject": "CN=leaf", "issuer": "CN=root", "expired": True, "trust": {"certifi": False}},
        {"subject": "CN=root", "self_signed": True},
    ]
    out = render("{{ m.cert_chain(certs, {'system': True}) }}", certs=certs)
    assert out.count('class="cert ') == 2
    assert "cert-bad" in out and "certifi: not trusted" in out and "system: trusted" in out
    assert ">root<" in out  # role of a self-signed issuer


@pytest.mark.parametrize(
    "findings,status,title",
    [
        ([], "ok", "All good"),
        (
            [{"code": "i", "severity": "info", "title": "note", "detail": "", "fix": None}],
            "ok",
            "All good",
        ),
        (
            [{"code": "w", "severity": "warning", "title": "careful", "detail": "", "fix": "x"}],
            "warning",
            "careful",
        ),
        (
            [{"code": "e", "severity": "error", "title": "broken", "detail": "d", "fix": "f"}],
            "error",
            "broken",
        ),
    ],
)
def test_headline_is_the_first_finding(render, findings, status, title):
    out = render("{{ m.headline(f, ok_title='All good') }}", f=findings)
    assert f'data-status="{status}"' in out and title in out


def test_home_shows_the_configured_env_summary(make_app, tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co\n"
        "SUPABASE_JWT_SECRET=eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.x\n"
    )
    html = make_app(INSPECTOR_ENV_FILE=str(env)).test_client().get("/").get_data(as_text=True)
    assert "env-summary-error" in html
    assert "See what is wrong" in html
