"""Neutralise dangerous DTDs before a feed reaches an XML parser.

A feed body is hostile input. Its DOCTYPE can declare external entities
(``<!ENTITY x SYSTEM "file:///etc/passwd">``, XXE) or nested entities that expand
exponentially ("billion laughs"). feedparser already switches off external entities and
rewrites DOCTYPEs with regexes, and expat >= 2.4 limits amplification, but we do not rely
on either alone: any internal DTD subset that holds more than plain text-valued entities
is removed here, so the parser never sees it. Undeclared entity references then make the
document ill-formed and feedparser's lenient parser keeps them as literal text.

Plain text entities are not harmless in bulk: one entity of a megabyte referenced a
thousand times is a gigabyte of text ("quadratic blow-up"). expat stops that at its
amplification limit (a factor of 100: a 10 MiB feed may still become a gigabyte), and
feedparser then reparses the document leniently and expands the same entities itself,
without any limit. So declarations whose text entities would add more than
``MAX_EXPANSION`` bytes, counted from the references in the document, are removed too.

Where the declarations are is decided as generously as either parser could see them: the
prolog runs to the first element outside comments, processing instructions and DOCTYPEs
(what expat reads), or to feedparser's own guess (the first ``<`` and a word character,
even inside a comment), whichever is later, and every ``<!DOCTYPE`` and ``<!ENTITY`` in it
counts, inside a comment or not. feedparser gathers ``<!ENTITY`` lines from anywhere in
its guess, outside the DOCTYPE too, and writes them into the DOCTYPE it makes; a comment
holding ``<a`` or a harmless ``<!DOCTYPE rss>`` must not hide the real one from the check.
"""

from __future__ import annotations

import re
from collections import Counter

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FEEDPARSER_HEAD = re.compile(rb"<\w")  # feedparser's replace_doctype: the first element
_NAME_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")
# An entity whose value is plain text or a single character reference: harmless.
_SAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+[\w.-]+\s+(?:"(?:&\#\w+;|[^&"%<]*)"|'(?:&\#\w+;|[^&'%<]*)')\s*>"""
)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ENTITY_VALUE = re.compile(rb"""<!ENTITY\s+([\w.-]+)\s+(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"&([\w.-]+);")
# The most text a document's own entities may add (a legitimate feed uses a few short ones).
MAX_EXPANSION = 1024 * 1024


def _quoted_end(data: bytes, start: int, stop: bytes, *, comments: bool = False) -> int:
    """Index of the first ``stop`` byte from ``start`` outside quotes (and, with
    ``comments``, outside ``<!-- -->``); -1 if none."""
    i, n = start, len(data)
    while i < n:
        ch = data[i : i + 1]
        if ch in (b'"', b"'"):
            close = data.find(ch, i + 1)
            if close < 0:
                return -1
            i = close + 1
        elif comments and data.startswith(b"<!--", i):
            close = data.find(b"-->", i + 4)
            if close < 0:
                return -1
            i = close + 3
        elif ch == stop:
            return i
        else:
            i += 1
    return -1


def _subset_end(data: bytes, start: int) -> int:
    """Index just past the ``]`` closing an internal subset opened before ``start``; -1 if none."""
    close = _quoted_end(data, start, b"]", comments=True)
    return close + 1 if close >= 0 else -1


def _doctype_parts(data: bytes, start: int) -> tuple[int, int, int] | None:
    """``(subset_start, subset_end, end)`` of the DOCTYPE at ``start``: its internal subset
    (both -1 when it has none) and the index just past its ``>``; None if unterminated."""
    i, n = start + len(b"<!DOCTYPE"), len(data)
    while i < n:
        ch = data[i : i + 1]
        if ch in (b'"', b"'"):
            close = data.find(ch, i + 1)
            if close < 0:
                return None
            i = close + 1
        elif ch == b">":
            return -1, -1, i + 1
        elif ch == b"[":
            end = _subset_end(data, i + 1)
            if end < 0:
                return None
            close = data.find(b">", end)
            return (i + 1, end - 1, close + 1) if close >= 0 else None
        else:
            i += 1
    return None


def _doctype_end(data: bytes, start: int) -> int:
    """Index just past the DOCTYPE at ``start``; an unterminated one ends at its first
    ``]>``, if any (what a lenient parser may read after it is kept), else with ``data``."""
    parts = _doctype_parts(data, start)
    if parts is not None:
        return parts[2]
    close = data.find(b"]>", start)
    return len(data) if close < 0 else close + 2


def _prolog_end(data: bytes) -> int:
    """Where the root element starts, as an XML parser sees it (len(data) if never)."""
    i = 0
    while (i := data.find(b"<", i)) >= 0:
        if data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            i = end + 3 if end >= 0 else len(data)
        elif data.startswith(b"<?", i):
            end = data.find(b"?>", i + 2)
            i = end + 2 if end >= 0 else len(data)
        elif _DOCTYPE.match(data, i):
            i = _doctype_end(data, i)
        elif _NAME_START.match(data, i):
            return i
        else:
            i += 1
    return len(data)


def _region_end(data: bytes) -> int:
    """The end of the part of ``data`` either parser may take declarations from."""
    guess = _FEEDPARSER_HEAD.search(data)
    return max(_prolog_end(data), guess.start() + 1 if guess else 0)


def _declarations(region: bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of every DOCTYPE and stray ENTITY declaration in ``region``."""
    spans: list[tuple[int, int]] = []
    i = 0
    while (match := _DECLARATION.search(region, i)) is not None:
        start = match.start()
        if _DOCTYPE.match(region, start):
            end = _doctype_end(region, start)
        else:
            close = _quoted_end(region, match.end(), b">")
            end = close + 1 if close >= 0 else len(region)
        spans.append((start, end))
        i = end
    return spans


def _expansion(declared: bytes, document: bytes) -> int:
    """Bytes the text entities declared in ``declared`` would add to ``document``."""
    sizes: dict[bytes, int] = {}
    for decl in _ENTITY_VALUE.finditer(declared):
        value = decl.group(2) if decl.group(2) is not None else decl.group(3)
        sizes.setdefault(decl.group(1), len(value))  # the first declaration counts, as in XML
    if not sizes:
        return 0
    uses = Counter(_REFERENCE.findall(document))
    return sum(sizes.get(name, 0) * count for name, count in uses.items())


def _problem(region: bytes, spans: list[tuple[int, int]], document: bytes) -> str | None:
    """Why the declarations in ``spans`` are unsafe, or None if they are not."""
    declared = b""
    for start, end in spans:
        decl = region[start:end]
        if _DOCTYPE.match(decl):
            parts = _doctype_parts(decl, 0)
            if parts is None:
                return "feed has an unterminated DOCTYPE; it was ignored"
            if parts[0] < 0:
                continue  # no internal subset: external DTDs are never loaded
            subset = _COMMENT.sub(b"", decl[parts[0] : parts[1]])
        else:
            subset = decl
        if _SAFE_ENTITY.sub(b"", subset).strip():
            return (
                "feed declares external or nested XML entities; its DOCTYPE was ignored for safety"
            )
        declared += subset
    if _expansion(declared, document) > MAX_EXPANSION:
        return (
            f"feed's XML entities would expand to more than {MAX_EXPANSION / 1048576:g} MiB of text;"
            " its DOCTYPE was ignored for safety"
        )
    return None


def defuse_doctype(data: bytes) -> tuple[bytes, str | None]:
    """Remove DTD declarations that declare anything but a little text.

    Args:
        data: The document, as UTF-8 (or any ASCII-compatible encoding).

    Returns:
        ``(data, warning)``: the document, with every DOCTYPE and ENTITY declaration of
        its prolog removed if any of them was unsafe, and a warning saying so (None if
        nothing was removed).
    """
    if not _DECLARATION.search(data):
        return data, None  # nearly every feed: one scan
    end = _region_end(data)
    region = data[:end]
    spans = _declarations(region)
    if not spans:
        return data, None  # declarations after the root element are just text to the parser
    warning = _problem(region, spans, data)
    if warning is None:
        return data, None
    kept, last = [], 0
    for start, stop in spans:
        kept.append(region[last:start])
        last = stop
    kept.append(data[last:])
    return b"".join(kept), warning
