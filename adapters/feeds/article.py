"""Extract an article's main text from a web page's markup (trafilatura).

Written once for both users: seed articles given as HTML (``adapters.seeds``) and the
linked pages of headline-only feed items (``adapters.feeds.pages``). Navigation, footers
and comments are left out; precision is favoured over recall, so a page without a clear
article body gives no text rather than its boilerplate.

trafilatura's cost grows faster than the page's element count and has no limit of its
own: a 5 MiB page of 125,000 paragraphs took 50 s, one of 300,000 links 800 MB. So the
page is parsed first (by trafilatura's own loader: the same encoding detection and
tree), and a tree of more than ``MAX_ELEMENTS`` nodes is cut before extraction: first
the elements that never hold article text (scripts, styles, SVG, menus, comments...),
then, if still too many, every node after the first ``MAX_ELEMENTS`` in document order. Many children of one element cost more still (a paragraph of 10,000
inline elements took 4 s; its time grows with their square), so an element keeps its
first ``MAX_CHILDREN`` children only. A news article's page has a few thousand nodes,
its text near the top, and no element with a thousand children; at the bounds, no 5 MiB
page found took more than 1.5 s of CPU. A page within them is extracted exactly as
before.

libxml2's HTML parser costs the square of a tag's attributes (one ``<div>`` of 20,000
took 3.8 s, of 40,000 40 s: :mod:`adapters.feeds.html_text`), so a tag of more than
``MAX_ATTRIBUTES`` (no real page's) loses them all before the page is parsed.

Text holding a C0 control character (``&#27;``, ``&#8;``: the parser takes such
references) made trafilatura give up on the whole page (lxml refuses them when text is
rewritten), so the tree's text passes the feed text's cleaning (``storable``) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from adapters.feeds.html_text import normalise_lines, storable, without_crowded_attributes

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# How the page's date is looked for (htmldate's ``find_date`` arguments): its markup only
# (meta tags, ``<time>``, JSON-LD, the URL), the first publication rather than the last
# update. trafilatura's default also searches the text ("extensive"), where an undated
# page's "In 2025, the company ..." became a publication date of 1 January 2025: a seed
# so dated began its story then, and `story add` no longer said that the story begins
# now. htmldate takes today as the latest date a page may have by default.
_DATE_SEARCH = {"original_date": True, "extensive_search": False}

# Nodes (elements and comments) given to trafilatura at most; see the module doc.
MAX_ELEMENTS = 10_000
# Children of one element kept at most (the later ones dropped); see the module doc.
MAX_CHILDREN = 1_000
# Elements whose content is never article text, dropped first from a page over the bound.
_NO_TEXT = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "canvas",
    "select",
    "option",
    "datalist",
    "video",
    "audio",
    "picture",
    "map",
    # trafilatura leaves these out of the article itself; they can be large (menus)
    "nav",
    "aside",
    "footer",
    "button",
    "input",
    "textarea",
)
_KEPT_SCRIPT = "storybot-kept-script"


@dataclass(frozen=True)
class Article:
    """What trafilatura found in a page; empty strings (and None) for what it did not."""

    text: str
    title: str
    date: str | None  # as trafilatura gives it, "YYYY-MM-DD"


def main_text(
    html: str | bytes,
    url: str | None = None,
    *,
    metadata: bool = True,
    max_elements: int = MAX_ELEMENTS,
    max_children: int = MAX_CHILDREN,
) -> Article:
    """The main text, title and date of the article in ``html``.

    Args:
        html: The page's markup, as text or as the bytes served (trafilatura then finds
            the encoding from the page itself).
        url: Where the page came from (helps trafilatura with metadata), if known.
        metadata: Also find the title and date (about 4 ms a page, three times the
            text's cost); without it both are empty.
        max_elements: Nodes of the page given to trafilatura at most (see the module
            doc).
        max_children: Children of one element given to trafilatura at most.

    Returns:
        The article; ``text`` is empty when trafilatura finds no article body (it
        declines very short pages, for instance).
    """
    import trafilatura  # local: heavy import, only needed when pages are read

    tree = bounded_tree(html, max_elements, max_children)
    if tree is None:
        return Article(text="", title="", date=None)
    _storable_text(tree)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=metadata,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        date_extraction_params=_DATE_SEARCH,
    )
    if doc is None:
        return Article(text="", title="", date=None)
    date = getattr(doc, "date", None)
    return Article(
        text=normalise_lines(getattr(doc, "text", None) or ""),
        title=normalise_lines(getattr(doc, "title", None) or ""),
        date=str(date) if date else None,
    )


def bounded_tree(
    html: str | bytes, max_elements: int = MAX_ELEMENTS, max_children: int = MAX_CHILDREN
) -> HtmlElement | None:
    """The page parsed as trafilatura parses it, cut to the bounds (see the module doc).

    Args:
        html: The page's markup, as text or bytes (see ``main_text``).
        max_elements: The most nodes (elements and comments, the root included) kept.
        max_children: The most children of one element kept.

    Returns:
        The tree (None if the markup is no HTML trafilatura can read): unchanged within
        the bounds; else without the kinds of elements that never hold article text and,
        if that is not enough, without every node after the first ``max_elements``; and
        without every child of an element after its first ``max_children``.
    """
    import trafilatura  # local: heavy import, only needed when pages are read

    tree = trafilatura.load_html(without_crowded_attributes(html))
    if tree is None:
        return None
    if _count(tree) > max_elements:
        _cut_to(tree, max_elements)
    for wide in [node for node in tree.iter() if len(node) > max_children]:
        del wide[max_children:]  # with their tails: the text after them
    return tree


def _cut_to(tree: HtmlElement, max_elements: int) -> None:
    """Drop the elements that never hold article text, then, if need be, the last nodes."""
    # JSON-LD scripts hold the article's metadata (title, date): hidden from the strip
    json_scripts = [s for s in tree.iter("script") if "json" in (s.get("type") or "")]
    for script in json_scripts:
        script.tag = _KEPT_SCRIPT
    # in C, each dropped node's tail (the text after it) kept in place
    etree.strip_elements(tree, etree.Comment, *_NO_TEXT, with_tail=False)
    for script in json_scripts:
        script.tag = "script"
    if _count(tree) > max_elements:
        _cut_after(tree, max_elements)


def _storable_text(tree: HtmlElement) -> None:
    """Clean every text of the tree in place as feed text is cleaned (``storable``)."""
    for node in tree.iter():
        if isinstance(node.tag, str) and node.text:
            node.text = storable(node.text)  # no copy, no change for text without any
        if node.tail:
            node.tail = storable(node.tail)


def _count(tree: HtmlElement) -> int:
    return sum(1 for _ in tree.iter())


def _cut_after(tree: HtmlElement, keep: int) -> None:
    """Remove every node after the first ``keep`` (``keep`` >= 1) in document order."""
    first_cut = next(node for i, node in enumerate(tree.iter()) if i == keep)
    # the nodes after it are its own following siblings and each ancestor's
    node = first_cut
    while (parent := node.getparent()) is not None:
        for later in list(node.itersiblings()):
            parent.remove(later)
        node = parent
    parent = first_cut.getparent()
    if parent is not None:  # always: keep >= 1, so it is not the root
        parent.remove(first_cut)
