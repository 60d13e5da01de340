"""One vocabulary: token kinds and signature statuses carry their label, outcome and look, and
every face reads them from there (the JSON, the page's badges, the live check, the CLI)."""

from __future__ import annotations

import json
import time

import pytest

from inspector import supabase
from inspector.tokens import inspect_token
from inspector.tokens.classify import KINDS
from inspector.tokens.report import timeline
from inspector.vocabulary import Outcome, SignatureStatus, TokenKind, look


def test_every_kind_is_a_term():
    assert tuple(TokenKind) == KINDS


# What the pages showed before the vocabulary (the table once kept in _macros.html): the looks
# stay the same.
LOOKS = {
    "valid": ("ok", "✔"),
    "ok": ("ok", "✔"),
    "connected": ("ok", "✔"),
    "trusted": ("ok", "✔"),
    "invalid": ("error", "✖"),
    "failed": ("error", "✖"),
    "wrong_key_type": ("error", "✖"),
    "key_not_found": ("error", "✖"),
    "unsigned": ("error", "✖"),
    "bad_key": ("error", "✖"),
    "untrusted": ("error", "✖"),
    "error": ("error", "✖"),
    "warning": ("warning", "▲"),
    "not_checked": ("muted", "–"),
    "not_applicable": ("muted", "–"),
    "skipped": ("muted", "–"),
    "not_probed": ("muted", "–"),
    "info": ("info", "ℹ"),
    "no_such_status": ("muted", "•"),
}


@pytest.mark.parametrize("status", LOOKS)
def test_look(status):
    assert look(status) == LOOKS[status]


def test_look_of_an_unknown_word_takes_the_default_tone():
    assert look("no_such_status", "info") == ("info", "ℹ")
    assert look({"not": "hashable"}) == ("muted", "•")


SIGNATURE_CASES = {
    "valid": (lambda k: (k.mint.user(k.secret), k.secret), "valid", Outcome.GOOD),
    "invalid": (lambda k: (k.mint.user(k.secret), "z" * 40), "invalid", Outcome.BAD),
    "not checked": (lambda k: (k.mint.user(k.secret), None), "not_checked", Outcome.NEUTRAL),
    "wrong key type": (
        lambda k: (k.mint.user(k.es, "ES256"), k.secret),
        "wrong_key_type",
        Outcome.BAD,
    ),
    "not a JWT": (
        lambda k: (supabase.LOCAL_CLI_PUBLISHABLE_KEY, None),
        "not_applicable",
        Outcome.NEUTRAL,
    ),
}


@pytest.mark.parametrize("case", SIGNATURE_CASES, ids=list(SIGNATURE_CASES))
def test_the_json_carries_the_signatures_outcome_and_look(client, kit, case):
    build, status, outcome = SIGNATURE_CASES[case]
    token, key = build(kit)
    d = client.post("/api/v1/token", json={"token": token, "key": key}).get_json()
    sig = d["signature"]
    term = SignatureStatus(status)
    assert sig["status"] == status
    assert sig["outcome"] == outcome == term.outcome
    assert (sig["label"], sig["tone"], sig["icon"]) == (term.label, term.tone, term.icon)


@pytest.mark.parametrize(
    "token,kind,outcome",
    [
        ("Bearer eyJ.broken", "malformed_jwt", "bad"),
        (supabase.LOCAL_CLI_PUBLISHABLE_KEY, "supabase_publishable_key", "neutral"),
        ("not a token at all", "unknown", "neutral"),
    ],
)
def test_the_json_carries_the_kinds_label_and_outcome(token, kind, outcome):
    d = inspect_token(token).to_dict()
    assert (d["kind"], d["kind_outcome"]) == (kind, outcome)
    assert d["kind_label"] == TokenKind(kind).label
    json.dumps(d)  # the enums are their JSON values


def test_the_page_and_the_cli_say_the_same_words(client, runner, kit):
    token = kit.mint.user(kit.secret)
    html = client.post("/token", data={"token": token}).get_data(as_text=True)
    assert "– signature not checked" in " ".join(html.replace("</span>", "").split())
    out = runner.invoke(args=["inspect", "token", token]).output
    assert "– signature: not checked - " in out


# ---------- the report decides, the template formats ----------


def test_the_report_decides_what_the_token_page_shows(kit):
    now = time.time()
    unverified = inspect_token(kit.mint.user(kit.secret, exp=int(now) - 60))
    assert not unverified.verified and unverified.timeline.state == "expired"
    assert unverified.signature_label == "not checked"
    verified = inspect_token(kit.mint.user(kit.secret), key=kit.secret)
    assert verified.verified and verified.timeline.state == "valid"
    assert not verified.offers_jwks
    broken = inspect_token("eyJhbGciOiJIUzI1NiJ9.@@@.sig")
    assert [p.name for p in broken.broken_parts] == ["payload"]


@pytest.mark.parametrize(
    "times,state,summary",
    [
        ({"iat": -7200, "exp": -3600}, "expired", "Expired now."),
        ({"iat": -60, "exp": 3600}, "valid", "Valid now."),
        ({"iat": -60, "nbf": 600, "exp": 3600}, "pending", "Not valid yet."),
        ({"iat": -60}, "valid", "No expiry. Valid now."),
    ],
)
def test_timeline(times, state, summary):
    now = 1_800_000_000
    entries = {k: {"value": now + v, "iso": "", "relative": k} for k, v in times.items()}
    t = timeline(entries, now)
    assert t is not None and t.state == state and t.summary.endswith(summary)
    assert t.now is not None and t.now.label == "now"


def test_no_times_no_timeline():
    assert timeline({}, 5) is None
    assert timeline({"sub": {"value": 1}}, 5) is None
