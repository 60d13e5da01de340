"""Clock skew, measured (issue 13 §3): the HTTP Date of a real loopback JWKS server set 2 minutes
off names the host and the amount, the time findings say which clock is off and the leeway
advice uses it; Postgres now() against the test cluster is about 0."""

from __future__ import annotations

import email.utils
import time

import pytest

from inspector.tokens import inspect_token
from inspector.tokens.skew import SERVER, THIS_MACHINE, Skew, from_http_date, from_server_time

NOW = time.time()


def finding(report, code):
    return next(f for f in report.findings if f.code == code)


def codes(report) -> list[str]:
    return report.finding_codes()


# ---------- pure ----------


@pytest.mark.parametrize(
    "offset,behind,words",
    [
        (120, THIS_MACHINE, "this machine is 120 s behind auth.example"),
        (-41, SERVER, "this machine is 41 s ahead of auth.example"),
        (2, None, "this machine's clock agrees with auth.example's (within 5 s)"),
        (3 * 3600 + 60, THIS_MACHINE, "this machine is 3 h 1 min behind auth.example"),
    ],
)
def test_from_http_date(offset, behind, words):
    date = email.utils.formatdate(NOW + offset, usegmt=True)
    skew = from_http_date(date, NOW, "auth.example", rtt=0.01)
    assert skew is not None and skew.behind == behind and skew.words == words
    assert abs(skew.seconds - offset) <= 1.0


@pytest.mark.parametrize("date", [None, "", "yesterday", "Mon, 99 Foo 2024 25:61:61"])
def test_unusable_dates(date):
    assert from_http_date(date, NOW, "h") is None


def test_postgres_time_and_leeway():
    skew = from_server_time(NOW - 30.2, NOW, "db.example")
    assert skew == Skew("db.example", pytest.approx(-30.2), "postgres_now", 0.0)
    assert skew.behind == SERVER and skew.leeway == 36 and skew.how == "Postgres now()"
    assert from_server_time(None, NOW, "h") is None


# ---------- a real server whose Date is 2 minutes off ----------


def test_date_two_minutes_ahead_names_the_host_and_the_amount(kit, keyserver):
    keyserver.behaviour.date_offset = 120
    r = inspect_token(
        kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer),
        discover=True,
        cafile=keyserver.cafile,
    )
    f = finding(r, "clock_skew_measured")
    assert f.title == "The clocks disagree by 120 s"
    assert f.detail.startswith("This machine is 120 s behind localhost (its HTTP Date")
    assert "leeway=125" in f.fix or "leeway=126" in f.fix
    clock = r.to_dict()["clock"]
    assert clock["source"] == "localhost" and clock["behind"] == "this_machine"
    assert 119 <= clock["seconds"] <= 121


def test_iat_in_the_future_is_explained_by_the_measured_skew(kit, keyserver):
    """The server's clock is 2 min ahead, and so is the token's iat: this machine is behind."""
    keyserver.behaviour.date_offset = 120
    now = int(time.time())
    token = kit.mint.user(
        kit.es, "ES256", iss=keyserver.supabase_issuer, iat=now + 120, exp=now + 3720
    )
    r = inspect_token(token, discover=True, cafile=keyserver.cafile)
    f = finding(r, "issued_in_future")
    assert "Measured just now: this machine is 120 s behind localhost (its HTTP Date)" in f.detail
    assert "that accounts for it" in f.detail
    assert "leeway=12" in f.fix  # 125 or 126: the skew's
    assert "leeway=12" in r.snippets["python"]


def test_not_before_with_clocks_that_agree(kit, keyserver):
    now = int(time.time())
    token = kit.mint.user(kit.es, "ES256", iss=keyserver.supabase_issuer, nbf=now + 600)
    r = inspect_token(token, discover=True, cafile=keyserver.cafile)
    f = finding(r, "token_not_yet_valid")
    assert "agrees with localhost's" in f.detail
    assert "whoever issued the token is ahead" in f.detail
    assert "clock_skew_measured" not in codes(r)


def test_expired_only_by_this_machines_clock(kit, keyserver):
    """This machine is 2 min ahead of the server; the token expired 1 min ago by this clock,
    so by the server's it has a minute left."""
    keyserver.behaviour.date_offset = -120
    now = int(time.time())
    token = kit.mint.user(
        kit.es, "ES256", iss=keyserver.supabase_issuer, exp=now - 60, iat=now - 3660
    )
    r = inspect_token(token, discover=True, cafile=keyserver.cafile)
    f = finding(r, "token_expired")
    assert f.title == "The token looks expired only because this machine's clock is ahead"
    assert "this machine is 120 s ahead of localhost" in f.detail
    assert "by its clock the token expires in" in f.detail
    assert "leeway=12" in f.fix


def test_really_expired(kit, keyserver):
    now = int(time.time())
    token = kit.mint.user(
        kit.es, "ES256", iss=keyserver.supabase_issuer, exp=now - 600, iat=now - 4200
    )
    r = inspect_token(token, discover=True, cafile=keyserver.cafile)
    f = finding(r, "token_expired")
    assert "the token really expired" in f.detail
    assert f.title == "The token has expired"


def test_a_pasted_jwks_url_measures_the_clock_too(kit, keyserver):
    keyserver.behaviour.date_offset = -300
    r = inspect_token(
        kit.mint.user(kit.es, "ES256"), key=keyserver.jwks_url, cafile=keyserver.cafile
    )
    assert r.signature.status == "valid"
    assert "This machine is 300 s ahead of localhost" in finding(r, "clock_skew_measured").detail


def test_no_fetch_no_clock(kit):
    r = inspect_token(kit.mint.user(kit.secret), key=kit.secret)
    assert r.to_dict()["clock"] is None


# ---------- Postgres now() ----------


@pytest.mark.postgres
def test_postgres_now_against_the_test_cluster_is_about_zero(pg):
    from inspector.connections import inspect_connection

    report = inspect_connection(pg["tls_ca"].url(sslmode="verify-full"), ca=pg.ca_pem)
    server = report.to_dict()["server"]
    assert server is not None, report.to_dict()["verdict"]
    assert abs(server["clock_skew_s"]) < 2.0


# ---------- the request tester reads the API host's clock ----------


def test_the_request_testers_answer_reads_the_servers_clock(kit, local_keyserver):
    from inspector import endpoint

    local_keyserver.behaviour.date_offset = 120
    now = int(time.time())
    token = kit.mint.user(kit.secret, iat=now + 120, exp=now + 3720)
    r = endpoint.test_request(local_keyserver.jwks_url, token, key=kit.secret)
    assert r.response is not None and r.response.status == 200
    f = next(f for f in r.findings if f.code == "clock_skew_measured")
    assert f.detail.startswith("This machine is 120 s behind 127.0.0.1")
    # the token's own report is judged again with that clock
    f = next(f for f in r.token.findings if f.code == "issued_in_future")
    assert "this machine is 120 s behind 127.0.0.1" in f.detail
    assert r.to_dict()["token"]["clock"]["behind"] == "this_machine"


def test_the_request_tester_with_clocks_that_agree(kit, local_keyserver):
    from inspector import endpoint

    r = endpoint.test_request(local_keyserver.jwks_url, kit.mint.user(kit.secret), key=kit.secret)
    assert "clock_skew_measured" not in r.finding_codes()
    assert r.to_dict()["token"]["clock"]["behind"] is None
