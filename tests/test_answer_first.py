"""Issue 11 §5, the answer first and said once: one headline per report, built by the report and
shown first by the page, the JSON and the CLI; the findings below it do not repeat it."""

from __future__ import annotations

import html as html_mod
import json
import re
import time

import pytest

from inspector import netpolicy
from inspector.cli import for_terminal
from inspector.connections import codes, inspect_connection
from inspector.connections.probe.model import ProbeOutcome, failed
from inspector.connections.probe.run import Budget, Recorder
from inspector.findings import make
from inspector.tokens import inspect_token
from inspector.tokens.codes import Variant as TokenVariant
from inspector.vocabulary import StepName
from tests.fixtures.keys import REF
from tests.fixtures.paste import paste


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
    assert set(d["headline"]) == {"tone", "text", "detail", "fix", "code", "icon"}
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


# ---------- the connection's headline ----------

SHARED_POLICY = {"INSPECTOR_MODE": "shared", "INSPECTOR_ALLOWED_HOSTS": "*.supabase.co"}


def test_a_policy_refusal_is_blocked_not_a_failed_dns_lookup():
    report = inspect_connection(
        "postgresql://u:p@127.0.0.1:5432/db", policy=netpolicy.from_settings(SHARED_POLICY)
    )
    h = report.headline
    assert h.title == "Blocked by this site's probe policy"
    assert h.code == "probe_blocked" and h.status == "failed"
    assert "DNS" not in h.title + report.verdict["summary"]
    assert report.verdict["summary"].startswith("Blocked by this site's probe policy")


def test_an_error_that_stands_heads_a_report_that_was_not_probed():
    """Today's amber "Not probed" over an error was wrong: the error is the answer."""
    report = inspect_connection("postgres://u:p@db.example.com/x", driver="sqlalchemy", probe=False)
    h = report.headline
    assert (h.status, h.code) == ("error", "scheme_rejected_by_sqlalchemy")
    assert h.title == "SQLAlchemy does not accept the postgres:// scheme"
    assert h.summary.endswith("Not probed: static checks only.")
    assert report.verdict["status"] == "not_probed"  # the JSON's verdict stays what it was
    busy = report.with_probe_refused("probe_busy", "Not probed: this site is busy.")
    assert (busy.headline.status, busy.headline.code) == ("error", "scheme_rejected_by_sqlalchemy")
    assert busy.headline.summary.endswith("Not probed: this site is busy.")


def test_not_probed_without_an_error_says_so():
    quiet = inspect_connection("postgresql://u@localhost/db", probe=False)
    assert (quiet.headline.status, quiet.headline.title) == ("not_probed", "Not probed")
    busy = quiet.with_probe_refused("probe_busy", "Not probed: this site is busy.")
    assert (busy.headline.status, busy.headline.title) == ("warning", "Probe skipped: too busy")
    assert "probe_busy" not in {f.code for f in busy.findings_after_headline}  # said above


@pytest.mark.parametrize(
    ("host", "banned"), [("db.abcdefghijklmnopqrst.supabase.co", True), ("db.example.com", False)]
)
def test_a_placeholder_is_not_probed_and_the_ip_ban_is_supabases(host, banned):
    report = inspect_connection(f"postgresql://postgres:[YOUR-PASSWORD]@{host}:5432/postgres")
    h = report.headline
    assert h.code == "password_placeholder" and h.title.startswith("The password is still")
    assert "could only fail" in h.summary
    assert ("IP banned" in h.summary) is banned
    assert ("IP banned" in report.verdict["summary"]) is banned


def test_the_connection_page_says_the_headlines_finding_once(client):
    data = {"url": "postgres://u:p@db.example.com/x", "driver": "sqlalchemy"}
    html = client.post("/connection", data={**data, "probe_field_shown": "1"}).get_data(
        as_text=True
    )
    result = result_of(html)
    verdict = result[result.index('class="verdict') : result.index("</div>")]
    assert 'data-code="scheme_rejected_by_sqlalchemy"' in verdict
    assert 'data-status="error"' in verdict
    assert result.count('data-code="scheme_rejected_by_sqlalchemy"') == 1


def test_the_connection_cli_starts_with_the_headline(runner):
    url = "postgres://u:p@db.example.com/x"
    out = runner.invoke(args=["inspect", "conn", url, "--driver", "sqlalchemy", "--no-probe"])
    first = out.output.splitlines()[0]
    assert (
        first
        == "✖ SQLAlchemy does not accept the postgres:// scheme  [scheme_rejected_by_sqlalchemy]"
    )
    assert out.output.count("[scheme_rejected_by_sqlalchemy]") == 1


@pytest.mark.postgres
def test_a_login_that_fails_on_the_certificate_names_tls(pg, runner):
    url = pg["tls_ca"].url(sslmode="verify-full")
    report = inspect_connection(url, ca="certifi")
    h = report.headline
    assert h.title == "Failed at the TLS handshake: The certificate's issuer is not trusted"
    assert report.verdict["step"] == "tls"
    assert report.verdict["summary"].startswith("The TLS handshake failed: ")
    login = next(s for s in report.steps if s["name"] == "connect")
    assert login["status"] == "failed"  # the waterfall still shows where it stopped
    out = runner.invoke(args=["inspect", "conn", url, "--ca", "certifi"]).output
    assert out.splitlines()[0].startswith("✖ Failed at the TLS handshake: ")


# ---------- a sentence is said once per report ----------


def said(report) -> list[str]:
    """Every sentence the connection page and the CLI say of a report in prose: the headline,
    the findings below it, the steps. (The tables hold a reason per trust store, once.)"""
    h = report.headline
    texts = [h.title, h.summary, h.fix or ""]
    for f in report.findings_after_headline:
        texts += [f.title, f.detail, f.fix or ""]
    texts += [s["detail"] for s in report.steps]
    sentences = []
    for text in texts:
        sentences += [s.strip(" .") for s in re.split(r"(?<=[.;:])\s+", text) if len(s) > 24]
    return sentences


@pytest.mark.postgres
@pytest.mark.parametrize(
    "case",
    ["verify-full, untrusted", "require, untrusted", "verify-ca, self-signed", "wrong password"],
)
def test_a_sentence_is_said_once_per_report(pg, case):
    url, ca = {
        "verify-full, untrusted": (pg["tls_ca"].url(sslmode="verify-full"), "certifi"),
        "require, untrusted": (pg["tls_ca"].url(sslmode="require"), "certifi"),
        "verify-ca, self-signed": (pg["tls_self"].url(sslmode="verify-ca"), "system"),
        "wrong password": (pg["tls_ca"].url(password="wrong-password"), "certifi"),
    }[case]
    report = inspect_connection(url, ca=ca)
    sentences = said(report)
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, repeated
    # The sslmode table does not repeat the stores' reasons, row after row.
    reasons = {s["reason"] for s in report.tls["stores"]}
    assert not reasons & {r["why"] for r in report.tls["sslmodes"]}


@pytest.mark.postgres
def test_the_chain_advice_is_the_fix_alone(pg):
    report = inspect_connection(pg["tls_ca"].url(sslmode="verify-full"), ca="certifi")
    assert " ".join(said(report)).count("Give the client the CA that issued") == 1  # the fix
    assert "as sslrootcert" not in json.dumps(report.to_dict())  # no reason gives advice
    store = next(s for s in report.tls["stores"] if s["store"] == "certifi")
    assert store["reason"].endswith("Inspector Test Root CA is not in certifi")


# ---------- Supabase's own advice only for Supabase's hosts ----------


@pytest.mark.parametrize(
    ("code", "supabase_words"),
    [
        ("tcp_refused", "ban your IP"),
        ("auth_failed", "Database Settings -> Reset password"),
        ("dns_failed", "Connect dialog"),
        ("tcp_timeout", "Network Restrictions"),
        ("too_many_connections", "6543"),
    ],
)
@pytest.mark.parametrize("supabase_host", [True, False])
def test_supabase_advice_only_for_supabase_hosts(code, supabase_words, supabase_host):
    budget = Budget(5)
    rec = Recorder(budget, ProbeOutcome(), supabase_host)
    with rec.step(StepName.TCP) as st:
        rec.judge(st, failed(st, make(code, "what the step saw"), "why"))
    finding = rec.outcome.findings[-1]
    assert (supabase_words in finding.fix) is supabase_host, finding.fix
    assert rec.outcome.failure.fix == finding.fix  # the verdict's fix is the same words


def test_a_situations_own_fix_stays_whatever_the_host():
    own = codes.IPV6_ONLY_USE_POOLER.make("d", pooler="aws-0-x.pooler.supabase.com", user="u")
    assert codes.for_host(own, False) is own


def test_a_local_servers_refusal_speaks_of_the_server_not_of_supabase(refused_port):
    report = inspect_connection(f"postgresql://u:p@127.0.0.1:{refused_port}/db", timeout=2)
    assert report.headline.code == "tcp_refused"
    assert "Supabase" not in report.headline.fix and "listen_addresses" in report.headline.fix


# ---------- the CLI speaks of options, the page of its fields ----------

PAGE_WORDS = re.compile(r"Key box|Token box|Project box|apikey box|password field|CA field|button")


def every_catalog_text() -> set[str]:
    """The titles and fixes of every code and of every named Variant."""
    import importlib

    from inspector import findings

    texts = set()
    for c in findings.catalog().values():
        texts |= {c.title, c.fix or ""}
    for name in findings.CATALOG_MODULES:
        for value in vars(importlib.import_module(name)).values():
            variants = value.values() if isinstance(value, dict) else [value]
            for v in variants:
                for one in (v, getattr(v, "checked", None), getattr(v, "unchecked", None)):
                    if isinstance(one, TokenVariant):
                        texts |= {one.title or "", one.fix or ""}
    return texts - {""}


def test_the_terminal_reads_no_field_of_the_page():
    said_on_pages = [t for t in every_catalog_text() if PAGE_WORDS.search(t)]
    assert said_on_pages  # the catalog speaks the pages' words...
    for text in said_on_pages:
        assert not PAGE_WORDS.search(for_terminal(text)), (text, for_terminal(text))


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (lambda k: ["token", k.mint.user(k.secret)], "--key"),
        (lambda k: ["token", k.mint.user(k.secret), "--key", k.mint.api_key(k.secret)], "--key"),
        (lambda k: ["token", "super-secret-jwt-token-with-at-least-32-characters"], "--key"),
        (lambda k: ["conn", "postgresql://u:[YOUR-PASSWORD]@db.example.com/d", "--no-probe"], None),
    ],
)
def test_the_cli_names_its_options(runner, kit, args, option):
    out = runner.invoke(args=["inspect", *args(kit)]).output
    assert not PAGE_WORDS.search(out), out
    if option:
        assert option in out
    assert "--password" in out or args(kit)[0] == "token"


def test_the_page_keeps_its_own_words(client, kit):
    html = client.post("/token", data={"token": kit.mint.user(kit.secret)}).get_data(as_text=True)
    assert "in the Key box" in html and "--key" not in result_of(html)


# ---------- after a submit, the form keeps what is no secret (and on a local site, all) ----------

SHARED_SITE = dict(
    INSPECTOR_MODE="shared",
    SECRET_KEY="x" * 32,
    INSPECTOR_ACCESS_PASSWORD="team-password",
    INSPECTOR_TRUSTED_USER_HEADER="X-Forwarded-User",
)


@pytest.fixture(params=["local", "shared"])
def site(request, make_app):
    """(mode, a client of a site in that mode)."""
    if request.param == "local":
        return "local", make_app().test_client()
    c = make_app(**SHARED_SITE).test_client()
    c.environ_base["HTTP_X_FORWARDED_USER"] = "dev@example.com"
    return "shared", c


def field_value(html: str, name: str) -> str | None:
    """What a form field holds: a textarea's text or an input's value (None: no such field)."""
    m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    if m:
        return html_mod.unescape(m.group(1)).strip()
    m = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    if m is None:
        return None
    value = re.search(r'value="([^"]*)"', m.group(0))
    return html_mod.unescape(value.group(1)) if value else ""


def _public_jwks(kit) -> str:
    return json.dumps(kit.jwks)


def _private_jwk(kit) -> str:
    from jwt.algorithms import ECAlgorithm

    return ECAlgorithm.to_jwk(kit.es.private)


# (what the key field held, kept on a shared site?)
KEYS = {
    "an HMAC secret": (lambda k: k.secret, False),
    "a PEM public key": (lambda k: k.es.public_pem, True),
    "a certificate": (lambda k: k.rs.cert_pem, True),
    "a public JWKS": (_public_jwks, True),
    # A local port that refuses at once (a shared site's policy refuses it before any packet).
    "a JWKS URL": (lambda k: "https://127.0.0.1:9/auth/v1/.well-known/jwks.json", True),
    "a private JWK": (_private_jwk, False),
    "a PEM private key": (lambda k: k.es.private_pem, False),
    "the anon key": (lambda k: k.mint.api_key(k.secret), False),
}


@pytest.mark.parametrize("key_case", KEYS, ids=list(KEYS))
def test_the_token_form_keeps_its_key_when_it_is_no_secret(site, kit, key_case):
    mode, c = site
    make_key, public = KEYS[key_case]
    key = make_key(kit)
    token = kit.mint.user(kit.secret)
    data = {"token": token, "key": key, "audience": "authenticated", "project": REF}
    html = c.post("/token", data=data).get_data(as_text=True)
    assert 'id="result"' in html
    kept = field_value(html, "key")
    if public or mode == "local":
        assert kept == key.strip()
    else:
        assert kept == "" and key.strip() not in html
    # Never a secret: the token, the audience, the project come back as sent.
    assert (field_value(html, "token"), field_value(html, "audience")) == (token, "authenticated")
    assert field_value(html, "project") == REF


def test_a_secret_in_the_token_box_comes_back_only_on_a_local_site(site):
    mode, c = site
    secret = "sb_secret_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"
    html = c.post("/token", data={"token": secret}).get_data(as_text=True)
    assert 'id="result"' in html
    assert (field_value(html, "token") == secret) is (mode == "local")
    if mode == "shared":
        assert secret not in html


def test_a_form_that_failed_validation_sends_no_secret_back(client, kit):
    token = kit.mint.user(kit.secret)
    html = client.post("/token", data={"token": token, "key": kit.secret, "leeway": "-5"}).get_data(
        as_text=True
    )
    assert 'id="result"' not in html and kit.secret not in html
    assert field_value(html, "token") == token  # no secret: it stays


def test_the_connection_form_keeps_driver_ca_and_on_a_local_site_the_password(site):
    mode, c = site
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    data = {
        "url": "postgresql://app:in-the-url-pw@db.example.com:5432/app",
        "password": "typed-in-the-field-pw",
        "driver": "asyncpg",
        "ca": "pem",
        "ca_pem": pem,
        "timeout": "3",
        "probe_field_shown": "1",  # the box unticked: static checks only
    }
    html = c.post("/connection", data=data).get_data(as_text=True)
    assert 'id="result"' in html
    assert field_value(html, "url") == "postgresql://app:***@db.example.com:5432/app"
    assert "in-the-url-pw" not in html  # the string's password: masked on every site
    assert re.search(r'<option selected value="asyncpg">|<option value="asyncpg" selected', html)
    assert field_value(html, "ca_pem") == pem and field_value(html, "timeout") == "3"
    kept = field_value(html, "password")
    assert kept == ("typed-in-the-field-pw" if mode == "local" else "")
    if mode == "shared":
        assert "typed-in-the-field-pw" not in html


def test_a_connection_form_that_failed_validation_sends_no_password_back(client):
    data = {"url": "postgresql://app:pw@db.example.com/app", "password": "field-pw-secret"}
    html = client.post("/connection", data={**data, "timeout": "999"}).get_data(as_text=True)
    assert "field-pw-secret" not in html and field_value(html, "password") == ""


# ---------- a paste on the home page lands on the inspector's own URL ----------


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzIn0.c2ln", "/token"),
        ("postgresql://u:pw-in-the-paste@127.0.0.1:1/db", "/connection"),
        ("SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co\nA=1\n", "/env"),
        ("Error: getaddrinfo ENOTFOUND db.abcdefghijklmnopqrst.supabase.co", "/explain"),
    ],
)
def test_the_home_page_sends_a_paste_on_with_a_307(client, text, path):
    r = client.post("/", data={"text": text})
    assert r.status_code == 307  # the browser sends the same POST body to the page named
    assert r.location == path  # nothing pasted in the URL
    assert "pw-in-the-paste" not in str(r.headers) + r.get_data(as_text=True)
    landed = paste(client, text)
    assert landed.status_code == 200 and landed.request.path == path
    assert 'aria-current="page"' in landed.get_data(as_text=True)


def test_an_empty_paste_stays_on_the_home_page(client):
    r = client.post("/", data={"text": ""})
    assert r.status_code == 200 and "Paste a token, a key" in r.get_data(as_text=True)
