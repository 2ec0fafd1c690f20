"""Turn feed HTML (summaries, content) into plain text.

libxml2's HTML parser (through lxml, already installed with trafilatura) builds the tree:
it is C-fast (the pure-Python ``html.parser`` took seconds on a 2 MB feed), never
fetches anything (``no_network``), never executes scripts, and tolerates the broken markup
feeds are full of. Block elements become line breaks so paragraphs stay apart; script,
style and similar containers are dropped with their contents; entities are decoded. The
standard library's ``html.parser`` extractor (:mod:`bot.htmltext`) is the fallback should
lxml refuse a fragment.

A fragment's tree costs memory in proportion to its elements, not its bytes: a 10 MiB
feed holding one summary of ``<p>a`` repeated (four bytes an element) took 1.1 GB and 31 s
to read, ``<br>`` repeated 730 MB. So only a fragment's first ``MAX_TAGS`` tags are read
(:func:`bounded_markup`); the longest real fragment seen, of the 200 real feeds, has 18,614
``<`` in 297 kB, and no entry keeps more than 100,000 characters of text anyway
(``adapters.feeds.parse.ENTRY_TEXT_MAX``).

libxml2's HTML parser checks each attribute of a tag against the ones before it, so one
tag costs the square of its attributes: ``<x a0="v" a1="v" ...>`` of 20,000 attributes
(200 kB) took 0.9 s to read, of 60,000 (650 kB) 30 s, of 2 MiB minutes (a feed's summary
holding it held a parse thread that long, on either parsing path). A fragment with a tag of more than ``MAX_ATTRIBUTES``
attributes is read by the ``html.parser`` extractor instead, whose cost grows with its
bytes (2 MB of such a tag: 0.3 s); attributes are no text, and the most a tag has in the
HTML fields of the 200 real feeds is 28.
"""

from __future__ import annotations

import re

from lxml import etree

from bot.htmltext import BLOCK, CELL, SKIP, extract_text, html_text, unescaped
from bot.htmltext import normalise_lines as _normalise_lines
from bot.identity import BIDI_CONTROLS

__all__ = [
    "MANY_ATTRIBUTES_BYTES",
    "cut_text",
    "field_text",
    "html_to_text",
    "normalise_lines",
    "storable",
    "without_crowded_attributes",
]

# A plain libxml2 HTML parser: lxml.html's own parser attaches Python element classes
# through a per-element lookup, which cost more than the parsing itself on large feeds.
# huge_tree: libxml2 otherwise stops at 256 nested elements and the text inside (a
# summary wrapped in a thousand <div>s) was lost; with it, at 2,048. The limits it
# lifts besides (a text node's 10 MB) are moot: a fragment is part of a feed body held
# to [polling] max_body_bytes.
_LXML_PARSER = etree.HTMLParser(
    no_network=True, remove_comments=True, remove_pis=True, recover=True, huge_tree=True
)
# Tags read of one fragment (a start or end tag, a comment: each "<"): about 25 MB of tree
# at most, and 2.7 times the longest real fragment's.
MAX_TAGS = 50_000
# Attributes of one tag libxml2 reads (see the module docstring): about 0.1 ms a tag.
MAX_ATTRIBUTES = 200
# One attribute of a tag, read whole (never backtracked into), and a tag with more than
# MAX_ATTRIBUTES of them; in bytes too, for feedparser (``adapters.feeds.parse``). The
# tag's name is read whole too (``*+``): a shorter one would leave a name character where
# an attribute's leading space must be, so no match is lost or moved, and the engine no
# longer tries every shorter name at every tag (0.16 -> 0.12 s of CPU over the fragments
# of the 200 real feeds, every one of over 400 characters passing here).
_ATTRIBUTE = r"""(?>\s+[^\s"'=<>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]*))?)"""
_MANY_ATTRIBUTES_PATTERN = rf"<[A-Za-z][^\s/<>]*+{_ATTRIBUTE}{{{MAX_ATTRIBUTES + 1}}}"
_MANY_ATTRIBUTES = re.compile(_MANY_ATTRIBUTES_PATTERN)
MANY_ATTRIBUTES_BYTES = re.compile(_MANY_ATTRIBUTES_PATTERN.encode())
# A tag of more than MAX_ATTRIBUTES attributes up to its last one, its name apart.
_CROWDED = rf"<(?P<name>[A-Za-z][^\s/<>]*){_ATTRIBUTE}{{{MAX_ATTRIBUTES + 1}}}{_ATTRIBUTE}*"
_CROWDED_TAG = re.compile(_CROWDED)
_CROWDED_TAG_BYTES = re.compile(_CROWDED.encode())
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)
# Elements that take the text after them when no end tag closes them, as in prose naming
# one ("the <title> tag", "the <noscript> fallback") in a feed that escaped its text once.
# libxml2 reads all that follows a title, textarea, xmp, plaintext, noembed or noframes
# as its raw text: the markup after it, and the end tags the fragment is wrapped in,
# became the item's words ("the element, <b>he said</b>.</body></html>"); the text in a
# noscript is dropped with it (SKIP), up to the end of its paragraph. Such a start tag
# (not one closed by its own "/>") is read as the text it is. (An iframe, object, script
# or style left open is markup, often of a fragment cut short: it is no text.)
_RAW_TEXT_START = re.compile(
    r"<(title|textarea|xmp|plaintext|noembed|noframes|noscript)(?=[\s/>])[^<>]*(?<!/)>",
    re.IGNORECASE,
)
_BLOCK_TAGS = tuple(BLOCK)
_CELL_TAGS = tuple(CELL)
# Characters no database column can hold as text: NUL (PostgreSQL refuses it) and the
# other C0 controls XML 1.0 forbids too, dropped; a lone half of a surrogate pair (JSON's
# "\ud800" escapes decode to one; it has no UTF-8, so SQLite and PostgreSQL both refuse
# it), replaced by U+FFFD. The C1 controls are dropped too: they are no text, and
# stored text is printed to the operator's terminal, where ESC (a C0 control) and its
# one-character forms (CSI U+009B, OSC U+009D) would move the cursor, clear the screen
# or retitle the window. (The XML readers map C1 bytes to Windows-1252 first; DEL is
# kept: a real feed separates lines of code with it, and terminals ignore it.) The
# bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) go too:
# in a headline shown in chat or a terminal they reorder what follows them, so
# "\u202egro.knab" reads as a bank's address; the marks (U+200E, U+200F) that
# right-to-left text needs stay. (An item stored with them before is no update for
# their going: see bot.identity.same_but_bidi_controls.)
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f{BIDI_CONTROLS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile(  # any of either
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f{BIDI_CONTROLS}\ud800-\udfff]"
)


def _raw_text_closed(html: str) -> str:
    """``html`` with each start tag of a raw-text element that no end tag closes
    written as text (see ``_RAW_TEXT_START``); nearly every fragment is returned as it is."""
    opened = list(_RAW_TEXT_START.finditer(html))
    for m in reversed(opened):
        if not re.search(rf"</{m.group(1)}\s*>", html[m.end() :], re.IGNORECASE):
            html = f"{html[: m.start()]}&lt;{html[m.start() + 1 :]}"
    return html


def _lxml_text(html: str) -> str:
    if len(html) > 2 * MAX_ATTRIBUTES and _MANY_ATTRIBUTES.search(html):
        raise ValueError(f"a tag with more than {MAX_ATTRIBUTES} attributes")
    html = _raw_text_closed(html)
    # Wrapped the way lxml.html.fragments_fromstring does, so a fragment and a full page
    # (whose <head> is ignored) read the same as before.
    if not _FULL_HTML.match(html):
        html = f"<html><body>{html}</body></html>"
    doc = etree.fromstring(html, _LXML_PARSER)
    if doc is None:
        raise ValueError("empty document")
    body = next((e for e in doc if e.tag == "body"), None)
    if body is None:
        raise ValueError("no body")
    etree.strip_elements(body, *SKIP, with_tail=False)
    # Only block elements need a visit: iter(tags) filters in C.
    for el in body.iter(*_BLOCK_TAGS):
        if el.tag not in ("br", "hr"):  # void elements: one break, after
            el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    for el in body.iter(*_CELL_TAGS):  # cells of a row apart (bot.htmltext.CELL)
        el.tail = " " + (el.tail or "")
    # libxml2's text serialisation: the same text as "".join(body.itertext()) (checked on
    # every HTML field of the 200 real feeds) without a Python string per text node.
    return etree.tostring(body, method="text", encoding="unicode", with_tail=False)


def without_crowded_attributes(html: str | bytes) -> str | bytes:
    """``html`` (text or bytes) with every attribute of a tag of more than
    ``MAX_ATTRIBUTES`` dropped (for a parser that must see the page's tags, a linked
    page's; see the module docstring); nearly every page is returned as it is."""
    if isinstance(html, str):
        return _CROWDED_TAG.sub(r"<\g<name>", html) if _MANY_ATTRIBUTES.search(html) else html
    if not MANY_ATTRIBUTES_BYTES.search(html):
        return html
    return _CROWDED_TAG_BYTES.sub(rb"<\g<name>", html)


def normalise_lines(text: str) -> str:
    """Feed text as stored: its leftover entities decoded (:func:`unescaped`), spaces
    collapsed within lines and runs of blank lines made one
    (:func:`bot.htmltext.normalise_lines`)."""
    return _normalise_lines(unescaped(text))


def bounded_markup(html: str) -> str:
    """``html`` up to its ``MAX_TAGS`` + 1st ``<``: the markup a reader may build a tree of
    (see the module docstring); nearly every fragment is returned as it is."""
    if html.count("<") <= MAX_TAGS:
        return html
    at = -1
    for _ in range(MAX_TAGS + 1):
        at = html.find("<", at + 1)
    return html[:at]


def html_to_text(html: str | None) -> str:
    """Return the readable text of an HTML fragment: libxml2 first, then ``html.parser``.

    Character references left in the text (a feed that escaped it twice) are decoded
    (:func:`unescaped`). Markup after the first ``MAX_TAGS`` tags is not read
    (:func:`bounded_markup`).

    Args:
        html: HTML (or plain text; text without markup passes through unchanged apart
            from whitespace normalisation).

    Returns:
        Text with paragraphs separated by one blank line and runs of spaces collapsed.
    """
    text = html_text(html and bounded_markup(html), (_lxml_text, extract_text))
    return normalise_lines(text) if "&" in text else text


def field_text(value: str | None, content_type: str) -> str:
    """A feed's text field (a title, summary or content) as plain text, by its type.

    ``text/plain`` keeps its lines (normalised); anything else (HTML, XHTML, a type the
    feed did not give) is read as HTML. Both parsing paths read every field through this.
    """
    if content_type == "text/plain":
        return normalise_lines(value or "")
    return html_to_text(value)


def storable(text: str | None) -> str | None:
    """``text`` without what a database cannot store as text (see ``_CONTROL``)."""
    # one scan, and no copy, for the text that has none (nearly all): every field of
    # every entry passes here
    if not text or not _UNSTORABLE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


# The end of a sentence: punctuation, maybe a closing quote or bracket, then a space.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]?\s")


def cut_text(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars``: at the last paragraph or sentence end in the second
    half of the allowance, else at the last space there, else exactly."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    floor = max_chars // 2
    cut = head.rfind("\n")
    if cut < floor:
        ends = [m.end() - 1 for m in _SENTENCE_END.finditer(text, 0, max_chars + 1)]
        cut = ends[-1] if ends else -1
    if cut < floor:
        cut = head.rfind(" ")
    if cut < floor:
        cut = max_chars
    return text[:cut].rstrip()
