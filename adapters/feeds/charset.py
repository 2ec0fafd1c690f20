"""A feed body as UTF-8, its encoding found as RFC 7303 says: feedparser's decoding, one rule changed.

Both parsers (``parse``'s feedparser path and ``fastparse``'s lxml path) read the body
after :func:`feedparser.encodings.convert_to_utf8`, which follows RFC 3023: a
``text/xml`` body (or ``text/*+xml``) served without a ``charset`` is US-ASCII, whatever
its XML declaration says. RFC 7303, which obsoletes RFC 3023, made ``text/xml`` an alias
of ``application/xml``: with no ``charset`` the document's own byte order mark or
encoding declaration decides, and else it is UTF-8 (the XML specification's rule).
feedparser 6 still applies the old rule (kurtmckee/feedparser#291), so such a feed
with one non-ASCII character was "declared as us-ascii, but parsed as utf-8": read
right, yet logged as a feed declaring the wrong character encoding when neither the
feed nor its server is at fault (the most common way to serve a feed), and sent down
the slow path, as an encoding problem. Here such a body is decoded as
``application/xml`` is; a charset the server does give is honoured as before, and a
document whose own declaration is wrong is still told.

A second rule is added: a UTF-8 document with a few bytes that are no UTF-8 (an entry
pasted from Windows-1252, its ``’`` the byte 0x92) is read as UTF-8 with only those
bytes read as Windows-1252 (:func:`mended_utf8`). feedparser decodes the whole document
with the next encoding that takes every byte (Windows-1252, or ISO-8859-2 when a byte
is one Windows-1252 leaves undefined), so every other entry's text became mojibake
("Brücke – Zürich" read "BrĂźcke â€“ ZĂźrich"), and changed back, as an update of every
item, once that entry left the feed.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from feedparser.encodings import convert_to_utf8
from feedparser.exceptions import CharacterEncodingOverride

# A byte that is no UTF-8, as the "surrogateescape" handler decodes it; any non-ASCII
# character (those bytes included).
_STRAY = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
# What ``to_utf8`` notes in its ``result``: how many bytes were read as Windows-1252.
STRAY_BYTES = "storybot_stray_bytes"


def to_utf8(body: bytes, content_type: str | None, result: dict[str, Any]) -> bytes:
    """``body`` as UTF-8 with its XML declaration saying so, as ``convert_to_utf8``
    returns it, and ``result`` filled as it fills it (``encoding``, ``bozo``,
    ``bozo_exception``), ``text/xml`` read as RFC 7303 says (see the module docstring)."""
    headers = {"content-type": xml_media_type(content_type)} if content_type else {}
    data = bytes(convert_to_utf8(headers, body, result))
    if not isinstance(result.get("bozo_exception"), CharacterEncodingOverride):
        return data  # nearly always: read as its server or declaration says
    mended = mended_utf8(body)
    if mended is None:
        return data
    fresh: dict[str, Any] = {}
    again = bytes(convert_to_utf8(headers, mended[0], fresh))
    if isinstance(fresh.get("bozo_exception"), CharacterEncodingOverride) or (
        codecs.lookup(fresh.get("encoding") or "ascii").name != "utf-8"
    ):
        return data  # not declared UTF-8: the document's error is its declaration's
    result.clear()
    result.update(fresh)
    result[STRAY_BYTES] = mended[1]
    return again


def mended_utf8(body: bytes) -> tuple[bytes, int] | None:
    """``body``, mostly UTF-8, with its bytes that are no UTF-8 read as Windows-1252
    (one Windows-1252 leaves undefined as the control character of its number, which
    stored text drops) and how many there were; None when it is all UTF-8, or when such
    bytes outnumber its UTF-8 characters (a document in another encoding altogether,
    some of whose byte pairs look like UTF-8 by chance)."""
    text = body.decode("utf-8", "surrogateescape")
    stray = len(_STRAY.findall(text))
    if not stray or stray * 2 > len(_NON_ASCII.findall(text)):  # the strays count there too
        return None
    return _STRAY.sub(_windows_1252, text).encode("utf-8"), stray


def _windows_1252(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d
        return byte.decode("latin-1")


def stray_bytes_warning(result: dict[str, Any]) -> str | None:
    """The warning of a document read by :func:`mended_utf8`, from ``to_utf8``'s
    ``result``; None for any other."""
    stray = result.get(STRAY_BYTES)
    if not stray:
        return None
    said = "1 byte that is not" if stray == 1 else f"{stray:,} bytes that are not"
    return f"feed is UTF-8 but for {said}, read as Windows-1252"


def xml_media_type(content_type: str) -> str:
    """``content_type`` with a ``text/`` XML type named as its ``application/`` alias:
    ``text/xml`` is ``application/xml`` (RFC 7303 defines it as an alias), and a
    ``text/*+xml``, which feedparser reads as ``text/xml``, its ``application/`` twin
    (``text/rss+xml``: ``application/rss+xml``); its parameters (a charset) are kept.
    Any other type is returned as it is."""
    mime, sep, params = content_type.partition(";")
    kind = mime.strip().lower()
    if kind in ("text/xml", "text/xml-external-parsed-entity") or (
        kind.startswith("text/") and kind.endswith("+xml")
    ):
        return "application/" + kind.removeprefix("text/") + sep + params
    return content_type
