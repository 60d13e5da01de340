"""The other stacks' generated code is data, never code (issue 9 §2, for issue 12's snippets).

Hostile strings (quotes of every kind, backslashes, `${}`, backticks, `</script>`, newlines,
NUL, U+2028, lone surrogates) go through the real service as a host, user, database or CA file;
every JavaScript snippet is then run with node against stand-in modules that record their calls
(tests/node/sandbox: pg, postgres, drizzle-orm, Prisma's, node:fs), in an empty directory that
must stay empty, and each value must arrive exactly as the string held it. The literal encoders
are checked by the languages themselves where they run here (node for `js_str`, javac for
`java_str`) and against their grammar where they do not (Go, C#); the `.env` lines by
python-dotenv's own parser; the URLs by the drivers' own parsers (pg-connection-string,
postgres.js, pgjdbc).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import codegen
from inspector.connections import inspect_connection
from inspector.connections.stacks.npgsql import split
from tests.fixtures.node import NODE_DIR, require_node
from tests.test_generated_code import HOSTILE, nasty_text

PROFILE = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SANDBOX = NODE_DIR / "sandbox" / "register.mjs"
JS_SNIPPETS = (
    "node_postgres",
    "postgresjs",
    "drizzle_node_postgres",
    "drizzle_postgresjs",
    "prisma7",
)
EXTRA_HOSTILE = [
    "${process.exit(7)}",
    "</script><script>alert(1)</script>",
    "a\u2028b\u2029c",
    "\ud800x",
]
VALUES = [*HOSTILE, *EXTRA_HOSTILE]


def _in_strings(v: str) -> bool:
    """What a connection string can hold: no NUL (no driver takes one), no lone surrogate (no
    UTF-8 spells one; the encoders' own tests have both)."""
    return "\x00" not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v)


IN_STRINGS = [v for v in VALUES if _in_strings(v)]
in_string_text = nasty_text.filter(_in_strings)


def stack_report(*, ca: str = "ca.crt", user: str = "app", database: str = "db"):
    """A local string naming `ca` as its root certificate (a local host keeps it in every
    suggestion); `user` and `database` percent-encoded as a URL holds them."""
    url = (
        f"postgresql://{quote(user, safe='', errors='surrogatepass')}:pw@127.0.0.1:5432/"
        f"{quote(database, safe='', errors='surrogatepass')}?sslmode=verify-full"
        f"&sslrootcert={quote(ca, safe='', errors='surrogatepass')}"
    )
    return inspect_connection(url, driver="node_postgres", probe=False)


def run_js(code: str) -> list[dict]:
    """Run a snippet as an ES module with the stand-ins; its recorded calls. It must finish
    without an error and leave its directory empty."""
    node = require_node()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snippet.mjs"
        path.write_text(code, encoding="utf-8", errors="surrogatepass")
        proc = subprocess.run(
            [node, "--no-warnings", "--import", SANDBOX.as_uri(), str(path)],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp,
            env={"PATH": os.environ.get("PATH", "")},
        )
        path.unlink()
        assert os.listdir(tmp) == [], f"the snippet had a side effect:\n{code}"
    assert proc.returncode == 0, f"{proc.stderr[-1500:]}\n{code}"
    return json.loads(proc.stdout.strip().split("\n")[-1])["calls"]  # not splitlines: U+2028


def calls_named(calls: list[dict], name: str) -> list[list]:
    return [c["args"] for c in calls if c["name"] == name]


# --- the snippets run, and every value arrives as data --------------------------------------------


@pytest.mark.parametrize("value", IN_STRINGS)
@pytest.mark.parametrize("driver", JS_SNIPPETS)
def test_js_snippets_carry_a_hostile_ca_path_as_data(driver, value):
    report = stack_report(ca=value)
    calls = run_js(report.snippets[driver])
    assert calls_named(calls, "fs.readFileSync") == [[value, "utf8"]], report.snippets[driver]
    if driver in ("node_postgres", "drizzle_node_postgres"):
        ((options,),) = calls_named(calls, "pg.Pool")
        assert options["ssl"]["ca"].startswith("-----BEGIN CERTIFICATE-----")
        assert options["connectionString"].startswith("postgresql://app:***@127.0.0.1:5432/db")
    elif driver == "prisma7":
        ((options,),) = calls_named(calls, "PrismaPg")
        assert options["ssl"]["ca"].startswith("-----BEGIN CERTIFICATE-----")
        assert calls_named(calls, "env") == [["DATABASE_URL"]]


@pytest.mark.parametrize("value", IN_STRINGS)
def test_js_snippets_carry_hostile_users_and_databases_as_data(value):
    report = stack_report(user=value, database=value)
    for driver in ("node_postgres", "postgresjs"):
        calls = run_js(report.snippets[driver])
        if driver == "node_postgres":
            ((options,),) = calls_named(calls, "pg.Pool")
            url = options["connectionString"]
        else:
            ((url, _options),) = calls_named(calls, "postgres")
        # what the snippet passes is the inspector's own (percent-encoded) URL, unchanged
        assert url == _url_in(report.snippets[driver])
        parts = urlsplit(url)
        assert codegen.url_part(value) in parts.netloc + parts.path


def _url_in(code: str) -> str:
    """The first JavaScript string literal in `code` that holds a URL, evaluated."""
    start = code.index('"postgresql://')
    end = start + 1
    while code[end] != '"' or code[end - 1] == "\\":
        end += 1
    return json.loads(code[start : end + 1])


@PROFILE
@given(in_string_text)
def test_js_snippet_property(value):
    calls = run_js(stack_report(ca=value).snippets["node_postgres"])
    assert calls_named(calls, "fs.readFileSync") == [[value, "utf8"]]


# --- the encoders, checked by the languages --------------------------------------------------------


@PROFILE
@given(st.lists(nasty_text, min_size=1, max_size=8))
def test_js_str_evaluates_to_the_value(values):
    code = "export default 0;\nconst values = [" + ", ".join(map(codegen.js_str, values)) + "];\n"
    code += 'import { readFileSync } from "node:fs";\nvalues.forEach((v) => readFileSync(v));\n'
    calls = run_js(code)
    assert [args[0] for args in calls_named(calls, "fs.readFileSync")] == values
    assert all(codegen.js_str(v).isascii() and "`" not in codegen.js_str(v) for v in values)


@pytest.fixture(scope="module")
def java_echo(tmp_path_factory):
    """javac compiles one class holding java_str literals of every value; running it prints them
    as UTF-16 code units, so lone surrogates compare too."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if not (javac and java):
        pytest.fail("javac/java missing: run `make test` (it installs a JDK)")

    def echo(values: list[str]) -> list[str]:
        out = tmp_path_factory.mktemp("java-echo")
        literals = ",\n".join("  " + codegen.java_str(v) for v in values)
        (out / "Echo.java").write_text(
            "public class Echo { public static void main(String[] a) {\n"
            f" String[] values = {{\n{literals}\n }};\n"
            " for (String v : values) { StringBuilder b = new StringBuilder();\n"
            '  for (char c : v.toCharArray()) b.append(String.format("%04x", (int) c));\n'
            "  System.out.println(b); } } }\n",
            encoding="ascii",
        )
        subprocess.run([javac, "-d", str(out), str(out / "Echo.java")], check=True, timeout=120)
        proc = subprocess.run(
            [java, "-cp", str(out), "Echo"], capture_output=True, text=True, check=True, timeout=60
        )
        return [
            bytes.fromhex(line).decode("utf-16-be", "surrogatepass") if line else ""
            for line in proc.stdout.split("\n")[: len(values)]
        ]

    return echo


def test_java_str_compiles_to_the_value(java_echo):
    values = [*VALUES, "\u000a\u0022 close", "\\u0022", "😀", "\udfff"]
    assert java_echo(values) == values


def _decode_c_like(literal: str, *, go: bool) -> str:
    """A Go interpreted string or C# regular string literal, decoded by the language's escape
    grammar (the escapes go_str and cs_str write: \\\\ \\" \\n \\r \\t \\xNN (Go: a byte)
    \\uNNNN \\UNNNNNNNN)."""
    assert literal[0] == literal[-1] == '"'
    body, out, i = literal[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        assert c not in '"\n\r' and " " <= c <= "~", (c, literal)
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        e = body[i + 1]
        simple = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t"}
        if e in simple:
            out += simple[e].encode()
            i += 2
        elif e == "x" and go:
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif e in "uU":
            n = 4 if e == "u" else 8
            cp = int(body[i + 2 : i + 2 + n], 16)
            if go:
                assert not 0xD800 <= cp <= 0xDFFF, "Go refuses a surrogate in \\u"
            out += chr(cp).encode("utf-8", "surrogatepass")
            i += 2 + n
        else:
            raise AssertionError(f"escape \\{e} is not written by the encoder: {literal}")
    return out.decode("utf-8", "surrogatepass")


@PROFILE
@given(nasty_text)
def test_go_and_cs_literals_decode_to_the_value(value):
    assert _decode_c_like(codegen.go_str(value), go=True) == value
    assert _decode_c_like(codegen.cs_str(value), go=False) == value


@PROFILE
@given(nasty_text)
def test_npgsql_values_split_back(value):
    conn = f"Host=h;Password={codegen.npgsql_value(value)};Port=5432"
    pairs = split(conn)
    # DbConnectionStringBuilder trims a bare value: only values it would keep as they are
    expected = value if codegen.npgsql_value(value).startswith('"') else value.strip()
    assert pairs == [("Host", "h"), ("Password", expected), ("Port", "5432")]


@pytest.mark.parametrize("value", IN_STRINGS)
def test_env_lines_read_back_with_python_dotenv(value):
    """Prisma's .env lines, read by python-dotenv: the URL is one value, and its sslcert
    parameter decodes to the CA path, relative to prisma/."""
    report = stack_report(ca=value)
    env = dotenv_values(stream=StringIO(report.suggested["prisma"]))
    assert set(env) == {"DATABASE_URL"}
    query = dict(parse_qsl(urlsplit(env["DATABASE_URL"]).query, errors="surrogatepass"))
    assert query["sslcert"] == "../" + value or query["sslcert"] == value
    assert query["sslaccept"] == "strict"


@pytest.mark.parametrize("value", IN_STRINGS)
def test_npgsql_snippet_holds_the_connection_string(value):
    report = stack_report(ca=value, user=value)
    conn = report.suggested["npgsql"]
    pairs = dict(split(conn))
    assert pairs["Root Certificate"] == value.strip() or pairs["Root Certificate"] == value
    assert pairs["Username"] in (value, value.strip())
    assert codegen.cs_str(conn) in report.snippets["npgsql"]
    assert _decode_c_like(codegen.cs_str(conn), go=False) == conn


@pytest.mark.parametrize("value", IN_STRINGS)
def test_pgx_and_jdbc_urls_keep_values_encoded(value):
    report = stack_report(ca=value, user=value, database=value)
    pgx = report.suggested["pgx"]
    query = dict(parse_qsl(urlsplit(pgx).query, errors="surrogatepass"))
    assert query["sslrootcert"] == value
    assert _decode_c_like(codegen.go_str(pgx), go=True) == pgx
    jdbc = report.suggested["jdbc"]
    assert jdbc.isascii() and " " not in jdbc and "\n" not in jdbc
    assert codegen.java_str(jdbc) in report.snippets["jdbc"]


@pytest.mark.parametrize("value", IN_STRINGS)
def test_psycopg3_snippet_runs_with_a_stand_in(value):
    """psycopg 3's snippet, run by tests/fixtures/snippet_sandbox.py (psycopg a stand-in): the
    URL it passes is the suggested string, hostile CA path and all, prepare_threshold as given."""
    from tests.test_generated_code import run_python

    report = inspect_connection(
        f"postgresql://postgres.abcdefghijklmnopqrst:pw@aws-0-eu-central-1.pooler.supabase.com"
        f":6543/{quote(value, safe='')}?sslmode=require",
        driver="psycopg3",
        probe=False,
    )
    (call,) = [c for c in run_python(report.snippets["psycopg3"]) if c["name"] == "psycopg.connect"]
    assert call["args"] == [report.suggested["psycopg3"]]
    assert call["kwargs"] == {"prepare_threshold": None}
