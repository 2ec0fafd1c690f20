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
"""

from __future__ import annotations

from typing import Any

from feedparser.encodings import convert_to_utf8


def to_utf8(body: bytes, content_type: str | None, result: dict[str, Any]) -> bytes:
    """``body`` as UTF-8 with its XML declaration saying so, as ``convert_to_utf8``
    returns it, and ``result`` filled as it fills it (``encoding``, ``bozo``,
    ``bozo_exception``), ``text/xml`` read as RFC 7303 says (see the module docstring)."""
    headers = {"content-type": xml_media_type(content_type)} if content_type else {}
    return bytes(convert_to_utf8(headers, body, result))


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
