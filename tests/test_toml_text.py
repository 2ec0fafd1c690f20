"""bot.toml_text: a value read from a config file, written back as TOML writes it."""

from __future__ import annotations

import tomllib

import pytest

from bot.toml_text import toml_value


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("true", "true"),
        ("false", "false"),
        ("5", "5"),
        ("-1", "-1"),
        ("5.0", "5.0"),
        ("1e16", "1e+16"),
        ("-inf", "-inf"),
        ("nan", "nan"),
        ('"it\'s"', '"it\'s"'),  # a single quote needs no escape
        (r'"tab\tquote\"back\\"', r'"tab\tquote\"back\\"'),
        (r'"zero\u200Bwidth"', r'"zero\u200Bwidth"'),  # invisible in a terminal, so escaped
        (r'"del\u007F"', r'"del\u007F"'),
        ("1979-05-27", "1979-05-27"),
        ("07:32:00", "07:32:00"),
        ("1979-05-27T07:32:00", "1979-05-27T07:32:00"),
        ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00+00:00"),
        ("[1, 'a', [true]]", '[1, "a", [true]]'),
        ("[]", "[]"),
        ("{ a = 1, 'b c' = 'd' }", '{ a = 1, "b c" = "d" }'),
        ("{}", "{}"),
    ],
)
def test_a_value_is_shown_in_toml_and_reads_back_as_itself(written, shown):
    value = tomllib.loads(f"v = {written}")["v"]
    assert toml_value(value) == shown
    if shown != "nan":  # nan is no value equal to itself
        assert tomllib.loads(f"v = {shown}")["v"] == value


def test_none_which_no_toml_file_gives_is_nothing_not_python_s_none():
    assert toml_value(None) == "nothing"


def test_a_long_value_is_cut_to_the_limit_and_says_so():
    assert toml_value("x" * 100) == '"' + "x" * 58 + "…"
    assert toml_value(list(range(100)), limit=10) == "[0, 1, 2,…"
    assert toml_value("short", limit=10) == '"short"'
