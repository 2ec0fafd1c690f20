"""``bot.htmltext``: the standard-library HTML reader shared by the poller's fallback and
the evaluation harness reads feed fragments as the poller's libxml2 reader does."""

from __future__ import annotations

import pytest
from test_feed_html_text import CASES

from adapters.feeds.html_text import html_to_text
from bot.htmltext import html_text


@pytest.mark.parametrize("html", CASES)
def test_the_standard_library_reader_reads_what_the_pollers_reader_reads(html: str) -> None:
    assert html_text(html) == html_to_text(html)


def test_plain_text_passes_through_with_its_spaces_normalised() -> None:
    assert html_text("  A < B and C > D  \r\n\r\n\r\nnext ") == "A < B and C > D\n\nnext"
    assert html_text(None) == "" and html_text("") == ""


def test_paragraphs_stay_apart_and_scripts_and_references_do_not_leak() -> None:
    got = html_text(
        "<p>Mayor&nbsp;Cole <b>said</b></p><script>var x=1</script><p>Floods &amp; fire</p>"
    )
    assert got == "Mayor Cole said\n\nFloods & fire"
