"""Turn feed HTML (summaries, content) into plain text.

A small ``html.parser`` subclass rather than a browser or a full DOM: it never fetches,
never executes scripts, is linear in the input, and tolerates the broken markup feeds are
full of. Block elements become line breaks so paragraphs stay apart; script, style and
similar containers are dropped with their contents; entities are decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
        "table", "blockquote", "pre", "section", "article", "header", "footer", "figure",
        "figcaption", "hr", "dd", "dt", "dl", "aside", "nav", "main",
    }
)
# Elements whose content is never readable text.
_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Return the readable text of an HTML fragment.

    Args:
        html: HTML (or plain text; text without markup passes through unchanged apart
            from whitespace normalisation).

    Returns:
        Text with paragraphs separated by one blank line and runs of spaces collapsed.
    """
    if not html:
        return ""
    if not _LOOKS_LIKE_HTML.search(html):
        return normalise_lines(html)
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 -- HTMLParser is lenient, but never let markup crash a poll
        return normalise_lines(re.sub(r"<[^>]*>", " ", html))
    return normalise_lines("".join(parser.parts))


def normalise_lines(text: str) -> str:
    """Collapse spaces within lines and runs of blank lines, and strip each line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    joined = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", joined).strip()
