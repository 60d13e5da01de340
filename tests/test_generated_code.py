"""Generated code and commands are data, never code (issue 9 §2).

Hostile tokens and connection strings (quotes of both kinds, backslashes, `$( )`, backticks,
newlines, NUL, unicode) go through the real services; every snippet they produce is then run in
a sandbox: the Python ones in a subprocess against stand-in modules that record their calls
(tests/fixtures/snippet_sandbox.py), the curl ones in bash with `curl` a function that prints
its arguments. Each runs in an empty directory that must stay empty, and every value must arrive
exactly as the token or string held it. The suggested URLs are read back with the drivers' own
parsers (libpq's via psycopg2, asyncpg's, SQLAlchemy's).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from asyncpg.connect_utils import _parse_hostlist  # the parser asyncpg.connect(dsn) uses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2.extensions import parse_dsn
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine import make_url

from inspector import codegen
from inspector.connections import inspect_connection
from inspector.connections.parse import quote_keyword_value
from inspector.netpolicy import ProbePolicy
from inspector.redact import MASK, redact_text
from inspector.tokens import inspect_token
from tests.fixtures.keys import b64json

SANDBOX = Path(__file__).parent / "fixtures" / "snippet_sandbox.py"
NOW = int(time.time())
NO_NETWORK = ProbePolicy(allowed_hosts=())
PROFILE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Each would run `touch pwned` (or break out of its string) if spliced into code unencoded.
HOSTILE = [
    'HS256", __import__("os").system("touch pwned") and "HS256',
    "HS256', __import__('os').system('touch pwned') or '",
    'x\\", __import__("os").system("touch pwned"), "',
    'x"\n__import__("os").system("touch pwned")\n"',
    '"""\n__import__("os").system("touch pwned")\n"""',
    "x' + __import__('os').system('touch pwned') + '",
    "$(touch pwned)",
    "`touch pwned`",
    "'$(touch pwned)'",
    '"$(touch pwned)"',
    "'; touch pwned; '",
    "a\\",
    "\\x00 \\n \\u0041",
    "nul\x00byte",
    "cr\rlf\nend",
    "tab\tesc\x1b[31mred",
    "\u202egnp.exe",
    "é✓😀",
    "{0}{}%s%(x)s",
    "%41%zz%",
    "<script>alert(1)</script>",
]
# Characters that matter to some target, mixed with any unicode (lone surrogates included).
nasty_char = st.one_of(
    st.sampled_from(list("\"'\\$`(){}[]<>;|&#%@:/?=,+* \n\r\t\x00\x1b\u202e\u2028é😀")),
    st.characters(),
    st.characters(categories=["Cs"]),
)
nasty_text = st.text(nasty_char, min_size=1, max_size=24)


# ---------- the sandboxes ----------


def run_python(code: str, env: dict[str, str] | None = None, **scope: Any) -> list[dict]:
    """Exec `code` in a subprocess with stand-in modules; its recorded calls. Nothing else may
    happen: the snippet must compile, run without error and leave its directory empty."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-I", str(SANDBOX)],
            input=json.dumps({"code": code, "globals": scope}),
            capture_output=True,
            text=True,
            cwd=tmp,
            env={"PATH": os.environ.get("PATH", ""), **(env or {})},
            timeout=30,
            check=True,
        )
        assert os.listdir(tmp) == [], f"the snippet had a side effect:\n{code}"
    result = json.loads(out.stdout)
    assert result["error"] is None, f"{result['error']}\n{code}"
    return result["calls"]


def run_shell(script: str, env: dict[str, str] | None = None) -> list[list[str]]:
    """Run `script` in bash with `curl` a function printing its arguments; one list per call."""
    prelude = "curl() { printf '%s\\0' \"$@\"; printf '\\n\\0'; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", prelude + script],
            capture_output=True,
            cwd=tmp,
            env={"PATH": os.environ.get("PATH", ""), **(env or {})},
            timeout=30,
            check=True,
        )
        assert os.listdir(tmp) == [], f"the command had a side effect:\n{script}"
    assert out.stderr == b"", out.stderr
    calls, current = [], []
    for arg in out.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]:
        if arg == "\n":
            calls.append(current)
            current = []
        else:
            current.append(arg)
    return calls


def calls_named(calls: list[dict], name: str) -> list[dict]:
    return [c for c in calls if c["name"] == name]


# ---------- the encoders ----------


@given(nasty_text)
@settings(max_examples=300)
def test_py_str_is_an_ascii_literal_of_exactly_the_value(value):
    literal = codegen.py_str(value)
    assert literal.isascii() and literal.isprintable()
    assert ast.literal_eval(literal) == value
    tree = ast.parse(literal, mode="eval")
    assert isinstance(tree.body, ast.Constant)  # one string constant, nothing else


@pytest.mark.parametrize("value", [0, 25, 2.5, 1e-3])
def test_py_number(value):
    assert ast.literal_eval(codegen.py_number(value)) == value


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), True, "5"])
def test_py_number_refuses_what_is_no_literal(value):
    assert codegen.py_number(value) is None


@given(nasty_text, st.sampled_from(["", "/", "<>", ":"]))
@settings(max_examples=300)
def test_url_part_round_trips(value, safe):
    part = codegen.url_part(value, safe=safe)
    assert part.isascii() and part.isprintable() and " " not in part
    assert not set(part) & (set("@?#&=,") - set(safe))
    assert unquote(part, errors="surrogatepass") == value


@given(nasty_text)
@settings(max_examples=300)
def test_url_text_keeps_printable_ascii_and_encodes_the_rest(value):
    text = codegen.url_text(value)
    assert text.isascii() and text.isprintable() and " " not in text
    if value.isascii() and value.isprintable() and " " not in value:
        assert text == value
    if "%" not in value:
        assert unquote(text, errors="surrogatepass") == value


@given(
    st.lists(
        st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
        min_size=1,
        max_size=4,
    )
)
@PROFILE
def test_sh_word_round_trips_through_bash(values):
    script = "curl " + " ".join(codegen.sh_word(v) for v in values)
    [args] = run_shell(script)
    assert args == values


@given(st.text(st.characters(categories=["Cs"]), min_size=1), st.text(), st.text())
def test_sh_word_refuses_a_lone_surrogate(surrogates, before, after):
    with pytest.raises(ValueError):
        codegen.sh_word(before + surrogates + after)


@pytest.mark.parametrize("value", HOSTILE)
def test_sh_word_hand_picked(value):
    if "\x00" in value:
        with pytest.raises(ValueError):
            codegen.sh_word(value)
        return
    assert run_shell("curl " + codegen.sh_word(value)) == [[value]]


# ---------- token snippets ----------


def hostile_token(*, alg: str, iss: str, aud: Any = "authenticated", kid: str = "k") -> str:
    header = {"alg": alg, "typ": "JWT", "kid": kid}
    claims = {
        "iss": iss,
        "sub": "00000000-0000-0000-0000-000000000000",
        "aud": aud,
        "role": "authenticated",
        "session_id": "s",
        "exp": NOW + 3600,
        "iat": NOW,
    }
    return f"{b64json(header)}.{b64json(claims)}.c2lnbmF0dXJl"


TOKEN_ENV = {
    "SUPABASE_JWT_SECRET": "00ff",  # valid as text, base64 and hex: every key_expr runs
    "SUPABASE_URL": "https://env.example",
    "SUPABASE_ANON_KEY": "anon-from-env",
    "ACCESS_TOKEN": "token-from-env",
}


def check_token_snippets(token: str, **kw: Any) -> None:
    """Run both snippets of the report on `token`; every value arrives as the report holds it."""
    report = inspect_token(token, now=NOW, policy=NO_NETWORK, **kw)
    header, claims = report.header or {}, report.claims or {}
    alg, iss, aud = header.get("alg"), claims.get("iss"), claims.get("aud")
    py = report.snippets["python"]
    calls = run_python(py, TOKEN_ENV, token=token)
    decodes = calls_named(calls, "jwt.decode")
    if not isinstance(alg, str) or alg.lower() == "none":
        assert calls_named(calls, "jwt.get_unverified_header")[0]["args"] == [token]
        return
    [decode] = decodes
    assert decode["args"][0] == token
    assert decode["kwargs"]["algorithms"] == [alg]
    if isinstance(aud, str):
        assert decode["kwargs"]["audience"] == aud
    elif isinstance(aud, list) and aud:
        assert decode["kwargs"]["audience"] == aud[0]
    if report.kind == "supabase_user_token" and isinstance(iss, str) and iss.startswith("http"):
        assert decode["kwargs"]["issuer"] == iss
    clients = calls_named(calls, "jwt.PyJWKClient")
    if clients:
        expected = (
            report.jwks_url or "https://<project-ref>.supabase.co/auth/v1/.well-known/jwks.json"
        )
        assert clients[0]["args"] == [expected]
    curl = report.snippets["curl"]
    if curl is None:
        return
    [args] = run_shell(curl, TOKEN_ENV)
    url = args[0]
    assert url.isascii() and url.isprintable()
    if report.project_ref:
        assert url == f"https://{report.project_ref}.supabase.co/rest/v1/"
    elif isinstance(iss, str) and iss.startswith("http") and iss.rstrip("/").endswith("/auth/v1"):
        base = iss.rstrip("/")[: -len("/auth/v1")]
        assert url == codegen.url_text(base + "/rest/v1/")  # what a URL cannot hold, encoded
        if "%" not in base:
            assert unquote(url, errors="surrogatepass") == base + "/rest/v1/"
    else:
        assert url == TOKEN_ENV["SUPABASE_URL"] + "/rest/v1/"
    assert args[1:] == ["-H", "apikey: anon-from-env", "-H", "Authorization: Bearer token-from-env"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_alg_hs_branch(value):
    check_token_snippets(hostile_token(alg="HS" + value, iss="http://x/" + value + "/auth/v1"))


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_alg_jwks_branch(value):
    check_token_snippets(hostile_token(alg="ES256" + value, iss="https://h.example/auth/v1"))


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_iss_becomes_the_jwks_url_as_data(value):
    iss = "https://" + value + "/auth/v1"
    token = hostile_token(alg="ES256", iss=iss)
    report = inspect_token(token, now=NOW, policy=NO_NETWORK)
    assert report.jwks_url == iss + "/.well-known/jwks.json"
    check_token_snippets(token)  # PyJWKClient gets exactly that URL


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_aud_and_kid(value):
    token = hostile_token(alg="HS256", iss="http://127.0.0.1:54321/auth/v1", aud=value, kid=value)
    check_token_snippets(token)
    check_token_snippets(hostile_token(alg="RS256", iss="https://h/auth/v1", aud=[value, "x"]))


def test_the_reproduced_exploits_stay_strings():
    """The two from the issue: an `alg` that closes its string, an `iss` with `$( )`."""
    alg = 'HS256", __import__("os").system("touch x") and "HS256'
    token = hostile_token(alg=alg, iss="http://x/$(touch y)/auth/v1")
    report = inspect_token(token, now=NOW, policy=NO_NETWORK)
    assert "algorithms=[" + codegen.py_str(alg) + "]" in report.snippets["python"]
    assert "$(touch" not in report.snippets["curl"].replace("'http://x/$(touch%20y)", "")
    check_token_snippets(token)


@given(alg=nasty_text, iss=nasty_text, aud=nasty_text, route=st.sampled_from(["HS", "ES", ""]))
@PROFILE
def test_any_token_values_stay_data(alg, iss, aud, route):
    iss_url = ("https://" if route == "ES" else "http://") + iss + "/auth/v1"
    check_token_snippets(hostile_token(alg=route + alg, iss=iss_url, aud=aud))


@given(leeway=st.floats(min_value=0, allow_nan=False, allow_infinity=False, max_value=1e6))
@settings(max_examples=30)
def test_leeway_is_a_number_literal(leeway):
    report = inspect_token(
        hostile_token(alg="HS256", iss="https://h/auth/v1"),
        now=NOW,
        policy=NO_NETWORK,
        leeway=leeway,
    )
    tree = ast.parse(report.snippets["python"])  # compiles: no `inf`, no stray text
    assert tree.body


@pytest.mark.parametrize(
    "token", ["sb_publishable_abcdefghijklmnop", "sbp_" + "a" * 40, "abcdefgh2345"]
)
def test_non_jwt_snippets_run(token):
    report = inspect_token(token, now=NOW, policy=NO_NETWORK)
    env = {
        **TOKEN_ENV,
        "SUPABASE_PUBLISHABLE_KEY": "p",
        "SUPABASE_ACCESS_TOKEN": "t",
        "REFRESH_TOKEN": "r",
    }
    run_python(report.snippets["python"], env)
    if report.snippets["curl"]:
        run_shell(report.snippets["curl"], env)


def test_token_page_shows_hostile_values_as_text(client):
    alg = 'HS256"<script>alert(1)</script>'
    token = hostile_token(alg=alg, iss="http://x/<img src=x onerror=alert(1)>/auth/v1")
    html = client.post("/token", data={"token": token}).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------- connection suggestions ----------


def keyword_string(**values: str) -> str:
    """A libpq key=value string; `sslmode` first (a first value starting `postgres` would be
    read as a `NAME=` prefix by the input cleaner)."""
    return " ".join(f"{k}={quote_keyword_value(v)}" for k, v in values.items())


def check_suggestions(
    text: str,
    *,
    hosts: list[str],
    ports: list[int | None],
    user: str,
    dbname: str,
    params: dict[str, str],
    sslrootcert: str | None,
    secret: str | None = None,
) -> None:
    """Read each suggested URL back with its driver's parser and run each snippet."""
    report = inspect_connection(text, probe=False)
    assert report.parsed.ok, report.parsed.error
    s, snippets = report.suggested, report.snippets
    if secret:
        blob = json.dumps(report.to_dict(), ensure_ascii=False)
        assert secret not in blob

    libpq = parse_dsn(s["psycopg2"])
    assert libpq["host"] == ",".join(hosts)
    assert libpq["user"] == user and libpq["dbname"] == dbname and libpq["password"] == MASK
    assert libpq.get("port", "") == ",".join(str(p) if p else "" for p in ports)
    assert libpq.get("sslrootcert") == sslrootcert
    for k, v in params.items():
        assert libpq[k] == (MASK if k == "sslpassword" else v)

    # asyncpg reads the same URI with urllib and its own host list parser.
    assert s["asyncpg"] == s["psycopg2"]
    netloc = urlsplit(s["asyncpg"]).netloc
    auth, _, hostspec = netloc.rpartition("@")
    assert unquote(auth.partition(":")[0]) == user
    got_hosts, got_ports = _parse_hostlist(hostspec, None, unquote=True)
    assert got_hosts == hosts
    assert got_ports == [p or 5432 for p in ports]

    url = make_url(s["sqlalchemy"])
    _, opts = PGDialect_psycopg2().create_connect_args(url)
    assert opts["host"] == ",".join(hosts)
    assert opts["user"] == user and opts["dbname"] == dbname
    assert opts.get("sslrootcert") == sslrootcert
    for k, v in params.items():
        assert opts[k] == (MASK if k == "sslpassword" else v)

    url = make_url(s["sqlalchemy_asyncpg"])
    _, opts = PGDialect_asyncpg().create_connect_args(url)
    assert opts["user"] == user and opts["database"] == dbname
    want = hosts if len(hosts) > 1 else hosts[0]
    assert opts.get("host", "") == want
    for k, v in params.items():
        assert opts[k] == (MASK if k == "sslpassword" else v)

    calls = run_python(snippets["psycopg2"])
    assert calls_named(calls, "psycopg2.connect")[0]["args"] == [s["psycopg2"]]
    calls = run_python(snippets["asyncpg"])
    assert calls_named(calls, "asyncpg.connect")[0]["args"] == [s["asyncpg"]]
    calls = run_python(snippets["sqlalchemy"])
    assert calls_named(calls, "sqlalchemy.create_engine")[0]["args"] == [s["sqlalchemy"]]
    calls = run_python(snippets["sqlalchemy_asyncpg"])
    [engine] = calls_named(calls, "sqlalchemy.ext.asyncio.create_async_engine")
    assert engine["args"] == [s["sqlalchemy_asyncpg"]]
    contexts = calls_named(calls, "ssl.create_default_context")
    if sslrootcert not in (None, "system") and contexts:
        assert contexts[0]["kwargs"] == {"cafile": sslrootcert}


CONN_HOSTILE = [v for v in HOSTILE if "\x00" not in v]  # NUL: no driver takes it; parse refuses


@pytest.mark.parametrize("value", CONN_HOSTILE)
def test_hostile_keyword_values(value):
    host = value.replace(",", ";").strip() or "h"
    params = {"options": "-c search_path=" + value, "application_name": value}
    text = keyword_string(
        sslmode="verify-full",
        host=host,
        port="5433",
        user=value,
        dbname=value,
        sslrootcert="/certs/" + value,
        sslpassword="S3cret" + value,
        **params,
    )
    check_suggestions(
        text,
        hosts=[host],
        ports=[5433],
        user=value,
        dbname=value,
        params={**params, "sslpassword": MASK},
        sslrootcert="/certs/" + value,
        secret="S3cret" + value,
    )


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("::1", 5433),
        ("fe80::1%eth0", None),
        ("a:b", 5433),
        ("/var/run/postgresql", None),
        ("db.example.com", None),
        ('h"]) or __import__("os").system("touch pwned")#', 1),
    ],
)
def test_hosts_of_every_shape(host, port):
    text = keyword_string(
        sslmode="verify-full", host=host, user="u", dbname="d", sslrootcert="ca.crt"
    )
    if port:
        text += f" port={port}"
    check_suggestions(
        text, hosts=[host], ports=[port], user="u", dbname="d", params={}, sslrootcert="ca.crt"
    )


def test_several_hosts():
    text = keyword_string(
        sslmode="verify-full",
        host="h1.example,/tmp,::1",
        port="5433,5434,5435",
        user="u",
        sslrootcert="ca.crt",
    )
    check_suggestions(
        text,
        hosts=["h1.example", "/tmp", "::1"],
        ports=[5433, 5434, 5435],
        user="u",
        dbname="postgres",
        params={},
        sslrootcert="ca.crt",
    )


connection_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=16
) | st.text(st.sampled_from(list("\"'\\$`(){}<>;|&#%@:/?=+* \n\té")), min_size=1, max_size=12)


@given(user=connection_text, dbname=connection_text, root=connection_text, opt=connection_text)
@PROFILE
def test_any_connection_values_stay_data(user, dbname, root, opt):
    text = keyword_string(
        sslmode="verify-full",
        host="db.example.com",
        user=user,
        dbname=dbname,
        sslrootcert=root,
        options=opt,
    )
    check_suggestions(
        text,
        hosts=["db.example.com"],
        ports=[None],
        user=user,
        dbname=dbname,
        params={"options": opt},
        sslrootcert=root,
    )


def test_uri_input_round_trips():
    from urllib.parse import quote

    value = "a\"b'c$(touch pwned)`x`\\ é"
    text = (
        f"postgresql://{quote(value, safe='')}:pw@db.example.com:5433/{quote(value, safe='')}"
        f"?sslmode=verify-full&sslrootcert={quote(value, safe='')}&sslpassword=S3cretSsl"
    )
    check_suggestions(
        text,
        hosts=["db.example.com"],
        ports=[5433],
        user=value,
        dbname=value,
        params={"sslpassword": MASK},
        sslrootcert=value,
        secret="S3cretSsl",
    )


# ---------- sslpassword masked everywhere ----------


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://u:pw@db.example.com/d?sslmode=verify-full&sslpassword=S3cretSsl&sslkey=/k",
        "sslmode=require host=db.example.com user=u password=pw sslpassword=S3cretSsl dbname=d",
        "postgresql+asyncpg://u:pw@db.example.com/d?sslpassword=S3cretSsl",
        "sslmode=require host=db.example.com sslpassword='S3cretSsl with space'",
    ],
)
@pytest.mark.parametrize(
    "driver", ["auto", "psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg"]
)
def test_sslpassword_never_in_a_report(text, driver):
    report = inspect_connection(text, probe=False, driver=driver)
    assert "S3cretSsl" not in json.dumps(report.to_dict())
    assert any("sslpassword=***" in s for s in report.suggested.values())


def test_sslpassword_never_on_the_page_or_cli(client, runner):
    url = "postgresql://u:pw@db.example.com/d?sslmode=verify-full&sslpassword=S3cretSsl"
    html = client.post("/connection", data={"url": url, "probe_field_shown": "1"}).get_data(
        as_text=True
    )
    assert "S3cretSsl" not in html
    api = client.post("/api/v1/connection", json={"url": url, "probe": False})
    assert "S3cretSsl" not in api.get_data(as_text=True)
    out = runner.invoke(args=["inspect", "conn", url, "--no-probe"])
    assert "S3cretSsl" not in out.output


@pytest.mark.parametrize(
    "text",
    [
        "host=h sslpassword=S3cretSsl sslmode=require",
        "postgresql://u@h/d?sslmode=require&sslpassword=S3cretSsl",
        '{"sslpassword": "S3cretSsl"}',
        "PGSSLPASSWORD=S3cretSsl",
        "connect failed: sslpassword = 'S3cretSsl'",
    ],
)
def test_redact_text_masks_sslpassword(text):
    assert "S3cretSsl" not in redact_text(text)


# ---------- code inside a finding's fix ----------


def code_spans(text: str) -> list[str]:
    """The `backticked` spans of a finding's text, as the page shows them as code."""
    pieces = text.split("`")
    return pieces[1::2]


@pytest.mark.parametrize("value", [*HOSTILE, "a`b", "`"])
def test_fix_text_code_spans_hold_the_values_as_data(value):
    """asymmetric_token_needs_jwks shows `jwt.PyJWKClient(<url>)` and `algorithms=[<alg>]`:
    each span is Python that evaluates to the token's own values, whatever they hold."""
    iss = "https://" + value + "/auth/v1"
    alg = "ES256" + value
    token = hostile_token(alg=alg, iss=iss)
    report = inspect_token(token, key="x" * 40, now=NOW, policy=NO_NETWORK)
    [finding] = [f for f in report.findings if f.code == "asymmetric_token_needs_jwks"]
    spans = code_spans(finding.fix)
    assert len(spans) == 2, finding.fix
    client = ast.parse(spans[0], mode="eval").body
    assert isinstance(client, ast.Call) and ast.unparse(client.func) == "jwt.PyJWKClient"
    assert [ast.literal_eval(a) for a in client.args] == [report.jwks_url]
    [keyword] = ast.parse(f"f({spans[1]})", mode="eval").body.keywords
    assert keyword.arg == "algorithms" and ast.literal_eval(keyword.value) == [alg]
