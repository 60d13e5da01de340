"""Supabase's shapes match the whole value: a trailing newline is not part of a ref, key or host."""

import pytest

from inspector import supabase

REF = "abcdefghijklmnopqrst"


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        (supabase.REF_RE, REF),
        (supabase.API_KEY_RE, "sb_publishable_abcdefghij12"),
        (supabase.PERSONAL_TOKEN_RE, "sbp_" + "a" * 40),
        (supabase.LEGACY_REFRESH_RE, "abcdef123456"),
        (supabase.DIRECT_HOST_RE, f"db.{REF}.supabase.co"),
        (supabase.API_HOST_RE, f"{REF}.supabase.co"),
        (supabase.POOLER_HOST_RE, "aws-0-eu-west-1.pooler.supabase.com"),
    ],
)
@pytest.mark.parametrize("tail", ["\n", "\n\n", " "])
def test_shape_matches_only_the_whole_value(pattern, value, tail):
    assert pattern.match(value)
    assert not pattern.match(value + tail)
