"""The one masking helper: what it masks, and that no input makes it slow (it runs on every
log line and on pasted text of up to the body limit)."""

import time

import pytest

from inspector.redact import MASK, redact_log_text, redact_text

HOSTILE = {
    "letters and dots": "a." * 32000,
    "one long word": "x" * 64000,
    "schemes without a password": "x://a:" * 11000,
    "bare scheme separators": "://a:" * 13000,
    "secret names without =": "SECRET" * 10000,
    "an env name without =": "A_SECRET_" + "B" * 64000,
    "password= runs": "password=" * 7000,
    "json escapes": '"password": "' + "\\\\" * 30000,
    "bearer runs": "bearer " * 9000,
    "jwt-ish dots": "eyJ" + "a." * 30000,
    "paths with queries": " /a?" * 16000,
    "tabs": "\t" * 64000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_input_makes_it_backtrack(text):
    # A backtracking rule takes seconds to minutes on these 64 KiB; a linear one milliseconds.
    started = time.perf_counter()
    redact_log_text(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql+asyncpg://u:p@ss@h/db", "p@ss"),  # unencoded @: masked to the last @
        ("see postgres://u:pw1@h/db and redis://:pw2@r:6379 end", "pw1"),
        ("see postgres://u:pw1@h/db and redis://:pw2@r:6379 end", "pw2"),
        ('"postgres://u:quoted@h"', "quoted"),
        ("SUPABASE_JWT_SECRET=abc def", "abc def"),
        ('export PGPASSWORD="x y"', "x y"),
        ("  db_password = hunter22", "hunter22"),
        ("host=h password='a b c' user=u", "a b c"),
        ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
    ],
)
def test_masks(text, secret):
    out = redact_text(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize(
    "text", ["postgres://u@h/db", "https://a/b:c@d", "NAME=bob", "a plain sentence: no secret"]
)
def test_leaves_what_holds_no_secret(text):
    assert redact_text(text) == text
