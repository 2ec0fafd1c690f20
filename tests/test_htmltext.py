"""``bot.htmltext``: the standard-library HTML reader shared by the poller's fallback and
the evaluation harness reads feed fragments as the poller's libxml2 reader does."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import EVALDATA
from test_feed_html_text import CASES

from adapters.feeds.html_text import html_to_text
from bot.htmltext import html_text, normalise_lines

REALWORLD = EVALDATA / "feeds" / "realworld" / "benchmark_data"


@pytest.mark.parametrize("html", CASES)
def test_the_standard_library_reader_reads_what_the_pollers_reader_reads(html: str) -> None:
    assert html_text(html) == html_to_text(html)


@pytest.mark.parametrize("reader", [html_text, html_to_text], ids=["html.parser", "libxml2"])
def test_a_tables_cells_stay_words_apart(reader: Callable[[str], str]) -> None:
    # A feed's table (a price list, a study's results) read "User IDTemplate IDJSON Data"
    # and "11": each cell's words ran into the next cell's.
    got = reader(
        "<table><tr><th>User ID</th><th>Template ID</th></tr>"
        "<tr><td>1</td><td><b>2</b></td></tr></table>after"
    )
    assert got == "User ID Template ID\n\n1 2\n\nafter"


def test_plain_text_passes_through_with_its_spaces_normalised() -> None:
    assert html_text("  A < B and C > D  \r\n\r\n\r\nnext ") == "A < B and C > D\n\nnext"
    assert html_text(None) == "" and html_text("") == ""


def test_paragraphs_stay_apart_and_scripts_and_references_do_not_leak() -> None:
    got = html_text(
        "<p>Mayor&nbsp;Cole <b>said</b></p><script>var x=1</script><p>Floods &amp; fire</p>"
    )
    assert got == "Mayor Cole said\n\nFloods & fire"


# What normalise_lines did as one regex before it read the other spaces as " " by str.replace
# (three times faster over the real feeds' text): every run of horizontal space one " ".
_FORMER_SPACES = re.compile("[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+")


def _former_normalise_lines(text: str) -> str:
    text = _FORMER_SPACES.sub(" ", text.replace("\r\n", "\n"))
    joined = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n\s*\n+", "\n\n", joined).strip()


_LINE_TEXT = [" ", "  ", "\t", "\r", "\n", "\r\n", "\f", "\v", "\u00a0", "\u2003", "\x85", "a", "é"]


@given(st.lists(st.sampled_from(_LINE_TEXT), max_size=40).map("".join))
@settings(max_examples=1000)
def test_normalise_lines_reads_spaces_as_the_former_regex_did(text: str) -> None:
    assert normalise_lines(text) == _former_normalise_lines(text)


# long runs of spaces (pieces of 1, 2, 3 and 9 spaces joined), against the same former regex
_RUN_TEXT = [" ", "  ", "   ", " " * 9, "\t", "\n", "\u00a0", "\u2003", "a", "é"]


@given(st.lists(st.sampled_from(_RUN_TEXT), max_size=60).map("".join))
@settings(max_examples=1000)
def test_normalise_lines_collapses_space_runs_as_before(text: str) -> None:
    assert normalise_lines(text) == _former_normalise_lines(text)
    assert normalise_lines(f"a{text}b") == _former_normalise_lines(f"a{text}b")


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared evaluation data not available")
def test_normalise_lines_reads_the_real_feeds_text_as_before() -> None:
    """The text of every 10th real feed (markup, indentation and entries' text with their
    runs of spaces, tabs and no-break spaces), whole and line by line, read as before."""
    texts = [
        path.read_bytes().decode("utf-8", "replace") for path in sorted(REALWORLD.iterdir())[::10]
    ]
    assert len(texts) == 20
    assert sum("  " in text for text in texts) >= 10  # runs of spaces to collapse
    for text in texts:
        assert normalise_lines(text) == _former_normalise_lines(text)
        for line in text.splitlines():
            assert normalise_lines(line) == _former_normalise_lines(line)
