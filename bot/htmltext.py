"""The readable text of an HTML fragment, with the standard library alone.

Feed summaries and bodies are HTML. The poller (``adapters.feeds.html_text``) reads them
with libxml2 for speed and falls back to the extractor here; the evaluation harness
(``bot.evaluation.data``), which must not depend on adapters, reads a stream's HTML
summaries with it too, so both turn markup into text by the same rules: block elements
become line breaks so paragraphs stay apart; script, style and similar containers are
dropped with their contents; character references are decoded; spaces are collapsed
within lines and runs of blank lines become one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

# Elements that end a line of text.
BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "hr",
        "dd",
        "dt",
        "dl",
        "aside",
        "nav",
        "main",
    }
)
# Table cells: a space after each, so the cells of a row do not run together ("<td>Price</td>
# <td>10</td>" read "Price10"); a row (``tr``) is a line of its own.
CELL = frozenset({"td", "th"})
# Elements whose content is never readable text.
SKIP = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head"}
)
# a tag or a character reference: text without one is not HTML
LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!][^<>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# Horizontal space: the kinds other than " " are read as spaces (C-level replaces), then
# each run of spaces is made one (a lone " " is left alone: far fewer replacements on large
# texts than matching every space). The same output as one alternation tried at every
# position of the text, "[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+", at a
# third of its cost. The run is written "  +", not " {2,}": the same matches, but only
# the first compiles with a literal prefix (a space) that the regex engine scans for; the
# second is tried as a match at every position: about 0.5 s of CPU against 0.17 s over
# the 15,731 texts the 200 real feeds' cold poll normalises (7 December 2026).
_OTHER_SPACES = "\t\r\f\v\u00a0"
_SPACE_RUNS = re.compile("  +")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self.skip_depth += 1
        elif tag in BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in BLOCK:
            self.parts.append("\n")
        elif tag in CELL:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def extract_text(html: str) -> str:
    """The text of HTML as ``html.parser`` reads it, lines not yet normalised."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


# A character reference of HTML: named (with its ";": "&copy" in "AT&T&copy" is text) or
# numeric. html.unescape leaves a name that is none ("&unknown;") as it is.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescaped(text: str) -> str:
    """``text`` with the HTML character references left in it decoded, once.

    A feed that escapes its text twice sends, once it is read, "&nbsp;" and "&amp;"
    as text (an Atom summary of type "text" holding "&amp;nbsp;", HTML holding
    "&#x26;amp;": two of the 200 real feeds do), and chat would show the reader
    "Merck &amp; Co." No news text means the entity's own letters, so they are read
    as the character they name.
    """
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def normalise_lines(text: str) -> str:
    """Collapse spaces within lines and runs of blank lines, and strip each line."""
    text = text.replace("\r\n", "\n")
    for space in _OTHER_SPACES:  # str.replace returns the text itself when it has none
        text = text.replace(space, " ")
    # One substitution over the whole text: the pattern never spans a newline.
    text = _SPACE_RUNS.sub(" ", text)
    joined = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", joined).strip()


def html_text(
    html: str | None, extractors: tuple[Callable[[str], str], ...] = (extract_text,)
) -> str:
    """The readable text of an HTML fragment (plain text passes through, normalised).

    Args:
        html: HTML, or plain text.
        extractors: Ways to read the markup, tried in order until one does not raise
            (the poller puts libxml2 first); the tags are dropped if none can read it.

    Returns:
        Text with paragraphs separated by one blank line and runs of spaces collapsed.
    """
    if not html:
        return ""
    if not LOOKS_LIKE_HTML.search(html):
        return normalise_lines(html)
    for extract in extractors:
        try:
            return normalise_lines(extract(html))
        except Exception:  # noqa: BLE001, S112 -- odd markup must never crash a reader: try the next
            continue
    return normalise_lines(re.sub(r"<[^<>]*>", " ", html))
