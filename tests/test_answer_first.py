"""Issue 11 §5, the answer first and said once: one headline per report, built by the report and
shown first by the page, the JSON and the CLI; the findings below it do not repeat it."""

from __future__ import annotations

import html as html_mod
import json
import re
import time

import pytest

from inspector.tokens import inspect_token
from tests.fixtures.keys import REF


def text_of(html: str) -> str:
    return " ".join(html_mod.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def result_of(html: str) -> str:
    """The page's result section, from its start."""
    return html[html.index('<section id="result"') :]


# ---------- the token's headline ----------

# (case, how to call inspect_token, tone, the headline's text (a regular expression), its code)
TOKEN_HEADLINES = {
    "valid, no audience given": (
        lambda k: (k.mint.user(k.secret), {"key": k.secret}),
        "ok",
        rf"Valid Supabase user access token, project {REF}, verified with the HMAC secret as "
        r"given \(HS256\), expires in (59|60) min",
        "signature_valid",
    ),
    "valid, audience given": (
        lambda k: (k.mint.user(k.secret), {"key": k.secret, "audience": "authenticated"}),
        "ok",
        r"Valid Supabase user access token, .*expires in",
        "signature_valid",
    ),
    "the anon key as the key": (
        lambda k: (k.mint.user(k.secret), {"key": k.mint.api_key(k.secret)}),
        "error",
        r"Signature invalid: the key pasted is the anon key, not the JWT secret",
        "key_is_jwt",
    ),
    "the service_role key as the key": (
        lambda k: (k.mint.user(k.secret), {"key": k.mint.api_key(k.secret, "service_role")}),
        "error",
        r"Signature invalid: the key pasted is the service_role key, not the JWT secret",
        "key_is_jwt",
    ),
    "a wrong secret": (
        lambda k: (k.mint.user(k.secret), {"key": "z" * 40}),
        "error",
        r"Signature invalid: the key does not verify this token",
        "signature_invalid",
    ),
    "no key": (
        lambda k: (k.mint.user(k.secret), {}),
        "muted",
        rf"Not verified: Supabase user access token, project {REF}, HS256, expires in",
        "signature_not_checked",
    ),
    "valid but expired": (
        lambda k: (k.mint.user(k.secret, exp=int(time.time()) - 3600), {"key": k.secret}),
        "error",
        r"Signature valid, but the token has expired",
        "token_expired",
    ),
    "expired, no key": (
        lambda k: (k.mint.user(k.secret, exp=int(time.time()) - 3600), {}),
        "error",
        r"The token has expired \(the signature was not checked\)",
        "token_expired",
    ),
    "an ES256 token and a secret": (
        lambda k: (k.mint.user(k.es, "ES256"), {"key": k.secret}),
        "error",
        r"Not verified: this token is signed with an asymmetric key",
        "asymmetric_token_needs_jwks",
    ),
    "a legacy anon key, verified": (
        lambda k: (k.mint.api_key(k.secret), {"key": k.secret}),
        "ok",
        rf"Valid Supabase anon key \(legacy API key\), project {REF}, verified with",
        "signature_valid",
    ),
    "cut off": (
        lambda k: (k.mint.user(k.secret)[:-4], {"key": k.secret}),
        "error",
        r"Signature invalid: the token was cut off",
        "token_truncated",
    ),
    "an sb_ key": (
        lambda k: ("sb_publishable_" + "a" * 31, {}),
        "warning",
        r"sb_ API keys are not JWTs",
        "api_key_not_jwt",
    ),
}


@pytest.mark.parametrize("case", TOKEN_HEADLINES, ids=list(TOKEN_HEADLINES))
def test_the_token_report_builds_one_headline(kit, case):
    build, tone, text, code = TOKEN_HEADLINES[case]
    token, kw = build(kit)
    h = inspect_token(token, **kw).headline
    assert (h.tone, h.code) == (tone, code), h
    assert re.match(text, h.text), h.text


def test_a_valid_signature_is_never_headed_by_the_audience_tip(kit):
    """Today's amber `audience_required` headline over a valid signature was wrong."""
    report = inspect_token(kit.mint.user(kit.secret), key=kit.secret)
    assert "audience_required" in report.finding_codes()  # still said, below
    assert report.headline.tone == "ok" and report.headline.code == "signature_valid"


def test_audience_required_is_a_tip_when_the_check_gave_the_audience(kit):
    asked = inspect_token(kit.mint.user(kit.secret), key=kit.secret, audience="authenticated")
    tip = next(f for f in asked.findings if f.code == "audience_required")
    assert tip.severity.value == "info"
    assert 'audience="authenticated"' in tip.fix
    unasked = inspect_token(kit.mint.user(kit.secret), key=kit.secret)
    assert next(f for f in unasked.findings if f.code == "audience_required").severity == "warning"


def test_the_json_carries_the_headline(client, kit):
    token = kit.mint.user(kit.secret)
    d = client.post("/api/v1/token", json={"token": token, "key": kit.secret}).get_json()
    assert d["headline"] == inspect_token(token, key=kit.secret).headline.to_dict() | {
        "text": d["headline"]["text"]  # the expiry's minutes may tick between the two
    }
    assert set(d["headline"]) == {"tone", "text", "detail", "fix", "code"}
    assert d["headline"]["tone"] == "ok" and d["headline"]["text"].startswith("Valid ")


@pytest.mark.parametrize("case", ["valid, no audience given", "the anon key as the key"])
def test_the_page_opens_with_the_headline_and_does_not_repeat_it(client, kit, case):
    build, tone, text, code = TOKEN_HEADLINES[case]
    token, kw = build(kit)
    html = client.post("/token", data={"token": token, **kw}).get_data(as_text=True)
    result = result_of(html)
    first = result.index('class="verdict')
    assert first < result.index('class="panel'), "the verdict is the first thing of the result"
    verdict = result[first : result.index("</div>", first)]
    assert f'data-code="{code}"' in verdict
    assert re.search(text.split(",")[0], text_of(verdict))
    # Said once: the headline's finding is not listed again below it.
    assert result.count(f'data-code="{code}"') == 1
    assert "audience_required" not in verdict


@pytest.mark.parametrize("case", ["valid, no audience given", "the anon key as the key", "no key"])
def test_the_cli_starts_with_the_same_line(runner, kit, case):
    build, tone, text, code = TOKEN_HEADLINES[case]
    token, kw = build(kit)
    args = ["inspect", "token", token]
    for name, value in kw.items():
        args += [f"--{name}", value]
    out = runner.invoke(args=args).output
    first = out.splitlines()[0]
    headline = inspect_token(token, **kw).headline
    assert first.split("  [")[0][2:].split(", expires")[0] == headline.text.split(", expires")[0]
    assert first.endswith(f"[{code}]")
    # the headline's finding is not listed again
    assert f"[{code}] " not in out


def test_the_page_and_json_agree_on_every_headline(client, kit):
    for build, _tone, _text, _code in TOKEN_HEADLINES.values():
        token, kw = build(kit)
        d = client.post("/api/v1/token", json={"token": token, **kw}).get_json()
        html = client.post("/token", data={"token": token, **kw}).get_data(as_text=True)
        verdict = result_of(html)
        verdict = verdict[: verdict.index("</div>")]
        assert f'data-status="{d["headline"]["tone"]}"' in verdict
        shown = text_of(verdict)
        assert d["headline"]["text"].split(", expires")[0] in shown, (shown, d["headline"])
        json.dumps(d["headline"])
