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
amplification limit, but feedparser then reparses the document leniently and expands the
same entities itself, without any limit. So a DOCTYPE whose text entities would add more
than ``MAX_EXPANSION`` bytes, counted from the references in the document, is removed too.
"""

from __future__ import annotations

import re
from collections import Counter

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
# An entity whose value is plain text or a single character reference: harmless.
_SAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+[\w.-]+\s+(?:"(?:&\#\w+;|[^&"%<]*)"|'(?:&\#\w+;|[^&'%<]*)')\s*>"""
)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ENTITY_VALUE = re.compile(rb"""<!ENTITY\s+([\w.-]+)\s+(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"&([\w.-]+);")
# The most text a document's own entities may add (a legitimate feed uses a few short ones).
MAX_EXPANSION = 1024 * 1024


def _expansion(subset: bytes, document: bytes) -> int:
    """Bytes the text entities declared in ``subset`` would add to ``document``."""
    sizes: dict[bytes, int] = {}
    for decl in _ENTITY_VALUE.finditer(subset):
        value = decl.group(2) if decl.group(2) is not None else decl.group(3)
        sizes.setdefault(decl.group(1), len(value))  # the first declaration counts, as in XML
    if not sizes:
        return 0
    uses = Counter(_REFERENCE.findall(document))
    return sum(sizes.get(name, 0) * count for name, count in uses.items())


def _subset_end(data: bytes, start: int) -> int:
    """Index just past the ``]`` closing an internal subset opened before ``start``; -1 if none."""
    i, n = start, len(data)
    while i < n:
        ch = data[i : i + 1]
        if ch in (b'"', b"'"):
            close = data.find(ch, i + 1)
            if close < 0:
                return -1
            i = close + 1
        elif data.startswith(b"<!--", i):
            close = data.find(b"-->", i + 4)
            if close < 0:
                return -1
            i = close + 3
        elif ch == b"]":
            return i + 1
        else:
            i += 1
    return -1


def defuse_doctype(data: bytes) -> tuple[bytes, str | None]:
    """Remove a DOCTYPE whose internal subset declares anything but text entities.

    Args:
        data: The document, as UTF-8 (or any ASCII-compatible encoding).

    Returns:
        ``(data, warning)``: the document, with the DOCTYPE removed if it was unsafe, and
        a warning saying so (None if nothing was removed).
    """
    match = _DOCTYPE.search(data)
    if match is None:
        return data, None
    first = _FIRST_ELEMENT.search(data)
    if first is not None and first.start() < match.start():
        return data, None  # a DOCTYPE after the root element is just text to the parser
    decl_start = match.start()
    bracket = data.find(b"[", decl_start)
    close = data.find(b">", decl_start)
    if close >= 0 and (bracket < 0 or close < bracket):
        return data, None  # no internal subset: external DTDs are never loaded
    end = _subset_end(data, bracket + 1)
    if end < 0:
        cut = data.find(b"]>", bracket)
        cut = len(data) if cut < 0 else cut + 2
        return data[:decl_start] + data[cut:], "feed has an unterminated DOCTYPE; it was ignored"
    subset = _COMMENT.sub(b"", data[bracket + 1 : end - 1])
    tail = data.find(b">", end)
    tail = len(data) if tail < 0 else tail + 1
    if _SAFE_ENTITY.sub(b"", subset).strip():
        warning = (
            "feed declares external or nested XML entities; its DOCTYPE was ignored for safety"
        )
    elif _expansion(subset, data[tail:]) > MAX_EXPANSION:
        warning = (
            f"feed's XML entities would expand to more than {MAX_EXPANSION / 1048576:g} MiB of text;"
            " its DOCTYPE was ignored for safety"
        )
    else:
        return data, None
    return data[:decl_start] + data[tail:], warning
