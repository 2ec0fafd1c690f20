"""``html_to_text`` reads text with libxml2's text serialisation: the same as joining
``itertext()`` of the prepared tree, which it replaced (for speed), on every kind of
fragment feeds send, including all the HTML fields of the 200 real feeds."""

from __future__ import annotations

import re

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from shared_data import EVALDATA

from adapters.feeds import html_text as ht
from bot.htmltext import LOOKS_LIKE_HTML

REALWORLD = EVALDATA / "feeds" / "realworld" / "benchmark_data"


def _itertext_reference(html: str) -> str:
    html = ht._raw_text_closed(html)  # the same tags read as text
    if not ht._FULL_HTML.match(html):
        html = f"<html><body>{html}</body></html>"
    doc = etree.fromstring(html, ht._LXML_PARSER)
    body = next(e for e in doc if e.tag == "body")
    etree.strip_elements(body, *ht.SKIP, with_tail=False)
    for el in body.iter(*ht._BLOCK_TAGS):
        if el.tag not in ("br", "hr"):
            el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    for el in body.iter(*ht._CELL_TAGS):
        el.tail = " " + (el.tail or "")
    return ht.normalise_lines("".join(body.itertext()))


CASES = [
    "<p>One</p><p>Two &amp; three</p>",
    "Lead text <b>bold</b> tail<br>next line<hr/>after rule",
    "<div><script>alert(1)</script>kept<style>p{}</style> and <!-- gone --> this</div>",
    "<ul><li>a</li><li>b <i>c</i></li></ul>trailing",
    "<!DOCTYPE html><html><head><title>t</title></head><body><h1>H</h1>x&nbsp;y</body></html>",
    "<table><tr><td>1</td><td>2</td></tr></table>&#x263A; &eacute;",
    "<p>unclosed <b>tags <i>everywhere",
    "<iframe src=x>inside</iframe><figure><figcaption>cap</figcaption></figure>",
]


@pytest.mark.parametrize("html", CASES)
def test_text_is_what_itertext_reads(html: str) -> None:
    assert ht.html_to_text(html) == _itertext_reference(html)


@pytest.mark.slow
def test_text_is_what_itertext_reads_on_the_real_feeds() -> None:
    fields = []
    for path in sorted(REALWORLD.iterdir()):
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        for entry in parsed.entries:
            values = [entry.get("summary")] + [c.get("value") for c in entry.get("content") or ()]
            fields += [v for v in values if v and LOOKS_LIKE_HTML.search(v)]
    assert len(fields) > 5000
    assert [ht.html_to_text(f) for f in fields] == [_itertext_reference(f) for f in fields]


@pytest.mark.parametrize("depth", [300, 1_000, 2_000])
def test_text_nested_deep_in_divs_is_kept(depth: int) -> None:
    # libxml2 stops at 256 levels unless told otherwise: the text inside was lost
    html = "<div>" * depth + "Officials met on <b>Tuesday</b>." + "</div>" * depth

    assert ht.html_to_text(html) == "Officials met on Tuesday."


# The many-attributes search as it was before the tag's name was read possessively.
_FORMER_MANY = rf"<[A-Za-z][^\s/<>]*{ht._ATTRIBUTE}{{{ht.MAX_ATTRIBUTES + 1}}}"
_ATTRIBUTE_TEXT = [" k", " k=v", ' k="x>y"', " k = 'v'", "\tk", "\u00a0k", " k=", " /", " <", ">"]


@given(
    st.sampled_from(["<p", "<img", "<a1", "</p", "<", "<" + "a" * 300, "x<b"]),
    st.lists(st.sampled_from(_ATTRIBUTE_TEXT[:6]), min_size=190, max_size=215),
    st.lists(st.tuples(st.integers(0, 214), st.sampled_from(_ATTRIBUTE_TEXT)), max_size=3),
)
@settings(max_examples=300, deadline=None)
def test_the_many_attributes_search_finds_what_it_found_before(
    tag: str, attributes: list[str], breaks: list[tuple[int, str]]
) -> None:
    for at, text in breaks:  # an attribute's syntax broken somewhere, or none
        attributes[at % len(attributes)] = text
    html = f"<p>{tag}{''.join(attributes)}>text"
    for got, former in (
        (ht._MANY_ATTRIBUTES.search(html), re.search(_FORMER_MANY, html)),
        (
            ht.MANY_ATTRIBUTES_BYTES.search(html.encode()),
            re.search(_FORMER_MANY.encode(), html.encode()),
        ),
    ):
        assert (got and got.span()) == (former and former.span())


@pytest.mark.parametrize(
    "tag", ["title", "textarea", "xmp", "plaintext", "noembed", "noframes", "noscript"]
)
def test_a_tag_left_open_that_would_take_the_rest_is_read_as_text(tag: str) -> None:
    # A feed that escaped its text once names the element in prose ("the <title> tag").
    # libxml2 read everything after the first six as their raw text: the markup that
    # follows and the "</body></html>" the fragment is wrapped in came out as the item's
    # text, "Use the element, <b>he said</b>.</p><p>Next.</p></body></html>"; a
    # noscript's text was dropped with it ("Use the").
    html = f"<p>Use the <{tag}> element, <b>he said</b>.</p><p>Next.</p>"
    assert ht.html_to_text(html) == f"Use the <{tag}> element, he said.\n\nNext."


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<p>Fill in <textarea>your name</textarea> and <b>send</b>.</p>",
            "Fill in your name and send.",
        ),
        ("<title>Page</title><p>Body <i>text</i></p>", "Page\nBody text"),
        ("<p>a <textarea/> b <noscript /> <b>c</b></p>", "a b c"),
        ('safe<object classid="clsid:C932BA85"> description', "safe"),
    ],
)
def test_such_a_tag_closed_or_other_markup_left_open_is_read_as_before(
    html: str, text: str
) -> None:
    assert ht.html_to_text(html) == text
