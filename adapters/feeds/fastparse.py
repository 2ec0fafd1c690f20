"""A fast path for well-formed RSS 2.0, RSS 1.0 and Atom 1.0: lxml instead of feedparser.

feedparser is our reference for tolerance, but it is slow: its SAX handlers run Python
code for every character event, about 10 s for the 200 real feeds of the evaluation corpus
(45 MB) even with sanitising off. Most real feeds are well-formed XML using a handful of
elements, so this module reads those with libxml2 (C) and reproduces what feedparser
would report for the fields storybot uses: guid, link, title, summary, content, dates.

It mirrors feedparser's rules rather than the specs, because the two paths must agree on
every feed (``tests/test_feed_fastparse.py`` checks all 200 real feeds):

* a title is kept from the shallowest element, the first one at that depth (feedparser's
  ``title_depth``); ``media:title`` fills in only when nothing else does;
* a second description-like element (``description``, ``summary``, ``itunes:summary``,
  ``dc:description``) after a summary becomes *content*;
* a ``media:description`` (a photo's or video's caption) is set aside, as the feedparser
  path sets it aside (:mod:`adapters.feeds.captions`): an entry is read with its
  captions, as feedparser reads them, only when it has no summary or content without;
  ``content:encoded`` and Atom ``content`` fill the summary when there is none yet;
* a guid with ``isPermaLink`` (the default; Atom ids too) is the link when the entry has
  no link by then; a later ``<link>`` replaces it;
* RSS text that looks like HTML is HTML; text goes through feedparser's own clean-ups
  (UTF-8 read as Latin-1 repaired, cp1252 code points mapped).

Whenever a document strays from what is mirrored here, :func:`fast_parse` returns None
and the caller uses feedparser: not well-formed (feedparser's lenient mode then applies),
an encoding problem, a DOCTYPE, base64 content, markup inside an RSS text
element, or any element feedparser gives meaning to that is not handled here.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from feedparser.exceptions import NonXMLContentType
from feedparser.mixin import _cp1252, _FeedParserMixin
from feedparser.urls import _urljoin
from lxml import etree

from adapters.feeds.captions import MEDIA_RSS, caption_prefixes, caption_tags
from adapters.feeds.charset import stray_bytes_warning, to_utf8
from adapters.feeds.dates import feed_date
from adapters.feeds.html_text import field_text
from bot.model import FeedEntry

_NAMESPACES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_looks_like_html = _FeedParserMixin.looks_like_html
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_ATOM = "http://www.w3.org/2005/Atom"
_PARSER_KW = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": True,
    "load_dtd": False,
    "recover": False,
}
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")  # the code points feedparser maps from cp1252

_TITLE = frozenset({"title", "dc:title", "media:title"})
_DESCRIPTION = frozenset({"description", "dc:description", "media:description"})
_SUMMARY = frozenset({"summary", "itunes:summary"})
_CONTENT_ENCODED = frozenset({"content:encoded", "fullitem"})
_PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms:issued"})
_UPDATED = frozenset({"updated", "modified", "dc:date", "dcterms:modified"})
_AUTHOR_TEXT = frozenset({"dc:creator", "dc:author", "author", "itunes:author"})
_TEXT_ELEMENTS = _TITLE | _DESCRIPTION | _SUMMARY | _CONTENT_ENCODED | _PUBLISHED | _UPDATED
_WEB_ADDRESS = re.compile(r"(?i)^(?:https?://[^/\s]|/)")  # a web address or a rooted path
_HANDLED = _TEXT_ELEMENTS | {"link", "guid", "id", "content", "source"} | _AUTHOR_TEXT
# Elements inside an entry that feedparser has handlers for but that touch none of the
# fields we read (they fill tags, enclosures, media and comment keys).
_HARMLESS = frozenset(
    {
        "category",
        "dc:subject",
        "comments",
        "enclosure",
        "media:content",
        "media:thumbnail",
        "media:group",
        "media:credit",
        "media:keywords",
        "media:rating",
        "media:restriction",
        "media:player",
        "media:license",
        "media:category",
        "media:text",
        "itunes:duration",
        "itunes:image",
        "itunes:explicit",
        "itunes:keywords",
        "itunes:category",
        "itunes:block",
        "itunes:subtitle",
        "name",
        "email",
        "uri",
        "url",
        "rights",
        "dc:rights",
        "dc:language",
        "language",
        "dc:publisher",
        "dc:contributor",
        "contributor",
        "georss:point",
        "georss:box",
        "georss:polygon",
        "georss:line",
        "georss:where",
        "gml:pos",
        "gml:point",
        "psc:chapters",
        "psc:chapter",
        "cc:license",
        "creativecommons:license",
        "license",
        "feedburner:origlink",
        "slash:comments",
        "thr:total",
        "wfw:commentrss",
        "wfw:comment",
        "geo:lat",
        "geo:long",
        "icbm:latitude",
        "icbm:longitude",
        "expirationdate",
        "created",
        "dcterms:created",
        "generator",
        "subtitle",
        "tagline",
        "info",
        "feedburner:browserfriendly",
    }
)


class _Unsupported(Exception):
    """The document needs feedparser."""


def _handler_names() -> frozenset[str]:
    names = set()
    for attr in dir(_FeedParserMixin):
        for prefix in ("_start_", "_end_"):
            if attr.startswith(prefix):
                names.add(attr[len(prefix) :])
    return frozenset(names)


_FEEDPARSER_HANDLED = _handler_names()


def _name(el: Any) -> str:
    """feedparser's name for an element: ``prefix:local`` lower-cased, prefix by namespace."""
    qname = etree.QName(el)
    local = qname.localname.lower()
    ns = qname.namespace
    if not ns:
        return local
    prefix = _NAMESPACES.get(ns.lower())
    if prefix is None:
        prefix = el.prefix or ""
    return f"{prefix.lower()}:{local}" if prefix else local


def _affects_fields(name: str) -> bool:
    """Whether feedparser would let an element we do not mirror change an entry's fields."""
    if name in _HARMLESS:
        return False
    return name.replace(":", "_") in _FEEDPARSER_HANDLED


def _clean(text: str) -> str:
    """feedparser's clean-ups of every text value: repair UTF-8 read as Latin-1, map cp1252."""
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.translate(_cp1252) if _C1.search(text) else text


def _map_type(value: str) -> str:
    return _FeedParserMixin.map_content_type(value)


@dataclass(frozen=True)
class _Read:
    entry: FeedEntry
    set_aside: bool  # a caption was set aside


@dataclass
class _EntryState:
    """What feedparser's context for one entry would hold (the keys we read)."""

    atom: bool
    has_content: bool = False
    title: tuple[str, str] | None = None  # (value, type)
    title_store_depth: int | None = None
    title_depth: int = -1
    summary: tuple[str, str] | None = None
    summary_depth: int | None = None
    content: list[tuple[str, str]] = field(default_factory=list)
    captions: bool = False  # media:description read as a description (else set aside)
    set_aside: bool = False  # a caption was set aside
    guid: str | None = None
    guid_depth: int | None = None
    link: str | None = None
    has_link: bool = False
    published: Any = None
    updated: Any = None
    author: str | None = None


class _Reader:
    def __init__(self, atom: bool, caption_prefixes: frozenset[str] = frozenset()) -> None:
        self.atom = atom
        # the prefixes the feedparser path renames captions by: a caption under another
        # one (the default namespace) is left to feedparser, which would read it
        self.caption_prefixes = caption_prefixes

    def _text(self, el: Any, default_type: str, *, markup_ok: bool = False) -> tuple[str, str]:
        """The value and content type feedparser reports for a text-bearing element."""
        if el.get("mode") is not None:
            raise _Unsupported("mode attribute (base64 or escaped content)")
        ctype = _map_type(el.get("type", default_type))
        if not (ctype.startswith("text/") or ctype.endswith(("+xml", "/xml"))):
            raise _Unsupported(f"content of type {ctype}")
        if len(el):
            if not (markup_ok and self.atom and ctype == "application/xhtml+xml"):
                raise _Unsupported("markup inside a text element")
            value = _inner_xml(el)
        else:
            value = el.text or ""
        value = value.strip()
        if not self.atom and ctype == "text/plain" and _looks_like_html(value):
            ctype = "text/html"
        return _clean(value), ctype

    def entry(self, node: Any, base: str | None) -> FeedEntry:
        read = self._entry(node, base, captions=False)
        if read.set_aside and not read.entry.summary and not read.entry.content:
            # no text but its captions (a video's description): read as feedparser reads it
            return self._entry(node, base, captions=True).entry
        return read.entry

    def _entry(self, node: Any, base: str | None, *, captions: bool) -> _Read:
        st = _EntryState(self.atom, captions=captions)
        about = node.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        if about:
            st.guid = about
        self._walk(node, st, 1)
        summary = st.summary
        entry = FeedEntry(
            guid=st.guid.strip() or None if st.guid is not None else None,
            url=entry_link(st.link, st.guid, base),
            title=_detail(st.title),
            summary=_detail(summary),
            content="\n\n".join(p for p in (_detail(c) for c in st.content) if p),
            published=parsed_date(st.published) or parsed_date(st.updated),
            author=st.author,
        )
        return _Read(entry, st.set_aside)

    def _walk(self, node: Any, st: _EntryState, depth: int) -> None:
        for el in node:
            if not isinstance(el.tag, str):
                continue  # comments, processing instructions
            name = _name(el)
            if name in _HANDLED:
                self._element(el, name, st, depth)
            elif name in ("item", "entry"):
                raise _Unsupported("nested entry")
            elif _affects_fields(name):
                raise _Unsupported(f"element <{name}> in an entry")
            elif len(el):
                self._walk(el, st, depth + 1)

    def _element(self, el: Any, name: str, st: _EntryState, depth: int) -> None:
        if name == "source":
            st.title_depth = -1  # feedparser resets it; the source's own fields are not ours
            return
        if name == "link":
            self._link(el, st)
            return
        if name in _AUTHOR_TEXT:
            if st.author is None and (text := (el.text or "").strip()):
                st.author = text
            if name == "author" and len(el):
                for child in el:
                    if isinstance(child.tag, str) and _name(child) == "name":
                        st.author = st.author or (child.text or "").strip() or None
                    elif isinstance(child.tag, str) and _affects_fields(_name(child)):
                        raise _Unsupported("element inside author")
            return
        if name in ("guid", "id"):
            if len(el):
                raise _Unsupported("markup inside a guid")
            is_link = el.get("isPermaLink", el.get("ispermalink", "true")) == "true"
            value = (el.text or "").strip()
            if is_link:
                value = _urljoin(_base(el), value)
            value = _clean(value)
            if st.guid_depth is None or depth <= st.guid_depth:
                st.guid, st.guid_depth = value, depth
            if is_link and not st.has_link:
                st.link, st.has_link = value, True
            return
        if name in _PUBLISHED or name in _UPDATED:
            if len(el):
                raise _Unsupported("markup inside a date")
            parsed = feed_date(_clean((el.text or "").strip()))
            if name in _PUBLISHED:
                st.published = parsed
            else:
                st.updated = parsed
            return
        if name in _TITLE:
            value = self._text(el, "text/plain", markup_ok=True)
            saved_depth = st.title_depth
            if -1 < st.title_depth <= depth:
                return
            if st.title_store_depth is None or depth <= st.title_store_depth:
                st.title, st.title_store_depth = value, depth
            if value[0]:
                st.title_depth = saved_depth if name == "media:title" else depth
            return
        if name == "media:description" and not st.captions:
            if el.prefix not in self.caption_prefixes:
                raise _Unsupported("caption in a namespace feedparser's path would read")
            self._text(el, "text/html", markup_ok=True)  # what feedparser would refuse
            st.set_aside = True
            return
        if name in _DESCRIPTION or name in _SUMMARY:
            if st.summary is not None and not st.has_content:
                self._content(el, st, "text/plain")
                return
            default = "text/html" if name in _DESCRIPTION else "text/plain"
            value = self._text(el, default, markup_ok=True)
            if st.summary_depth is None or depth <= st.summary_depth:
                st.summary, st.summary_depth = value, depth
            elif st.summary is None:
                st.summary = value
            return
        if name in _CONTENT_ENCODED:
            self._content(el, st, "text/html")
            return
        if name == "content":
            if el.get("src") is not None and not self.atom:
                raise _Unsupported("RSS content with src")
            self._content(el, st, "text/plain")
            return
        raise AssertionError(name)  # pragma: no cover -- _HANDLED and the branches agree

    def _content(self, el: Any, st: _EntryState, default_type: str) -> None:
        st.has_content = True
        value = self._text(el, default_type, markup_ok=True)
        st.content.append(value)
        if (value[1] == "text/plain" or value[1] in _HTML_TYPES) and st.summary is None:
            st.summary = value  # feedparser's _save: no depth recorded

    def _link(self, el: Any, st: _EntryState) -> None:
        href = el.get("href")
        if href is None:
            href = el.get("url", el.get("uri"))
        if href is not None:
            rel = el.get("rel", "alternate")
            ctype = _map_type(
                el.get("type", "application/atom+xml" if rel == "self" else "text/html")
            )
            if rel == "alternate" and ctype in _HTML_TYPES:
                st.link, st.has_link = _urljoin(_base(el), href), True
            return
        if len(el):
            raise _Unsupported("markup inside a link")
        value = _urljoin(_base(el), (el.text or "").strip())
        value = _LINK_ENTITY.sub(r"&\g<1>", value.replace("&amp;", "&"))
        st.link, st.has_link = _clean(value), True


def _base(el: Any) -> str:
    """The element's base URI from ``xml:base`` (own and inherited), as feedparser resolves
    links and permalink guids against it; "" when there is none (we give no document URL)."""
    return el.base or ""


def _inner_xml(el: Any) -> str:
    parts = [el.text or ""]
    for child in el:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def _detail(value: tuple[str, str] | None) -> str:
    return "" if value is None else field_text(*value)


def parsed_date(parsed: Any) -> datetime | None:
    """A parsed date (a UTC ``struct_time``, as feedparser's date parsers give it) as an
    aware datetime; None for none or one out of range. Both parsing paths use this."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def entry_link(link: str | None, guid: str | None, base: str | None) -> str | None:
    """An entry's link as stored: resolved against the feed's URL (``base``).

    A link that is the entry's guid (an RSS ``<guid>`` is a permalink unless it says
    ``isPermaLink="false"``, and both parsers then report it as the link) is a link only
    when it is a web address or a path from the site's root ("/blog/post/", which real
    feeds use): a post number such as "1042" resolved against the feed's URL would make
    up an address that is no page, the same one for every feed of a site in one folder
    (their items would be taken for one another's), and a ``tag:`` or ``urn:`` guid is
    no page either. Both parsing paths use this.
    """
    link = (link or "").strip()
    if not link:
        return None
    if guid is not None and link == guid.strip() and not _WEB_ADDRESS.match(link):
        return None
    return urljoin(base, link) if base else link


def _channel_fields(channel: Any, atom: bool) -> tuple[str | None, int | None]:
    # The feed's title as feedparser reads it: the first non-empty title or dc:title,
    # a media:title only when there is neither (as an entry's).
    title: str | None = None
    media_title: str | None = None
    ttl: int | None = None
    for el in channel:
        if not isinstance(el.tag, str):
            continue
        name = _name(el)
        if (name in ("title", "dc:title") and title is None) or (
            name == "media:title" and media_title is None
        ):
            value, ctype = _Reader(atom)._text(el, "text/plain", markup_ok=True)
            if not value:
                continue
            if name == "media:title":
                media_title = _detail((value, ctype)) or None
            else:
                title = _detail((value, ctype)) or None
        elif name == "ttl":
            try:
                minutes = int((el.text or "").strip())
            except ValueError:
                continue
            ttl = minutes * 60 if minutes > 0 else None
    return title or media_title, ttl


def fast_parse(
    body: bytes, content_type: str | None, url: str | None, max_entries: int
) -> tuple[str | None, list[FeedEntry], int | None, list[str]] | None:
    """Parse a well-formed RSS/Atom document with lxml, or return None to use feedparser.

    :func:`fast_read` without the count of entries found.
    """
    read = fast_read(body, content_type, url, max_entries)
    return None if read is None else read[:4]


def fast_read(
    body: bytes, content_type: str | None, url: str | None, max_entries: int
) -> tuple[str | None, list[FeedEntry], int | None, list[str], int] | None:
    """Parse a well-formed RSS/Atom document with lxml, or return None to use feedparser.

    Args:
        body: The response body (any encoding; decoded as feedparser would).
        content_type: The Content-Type header, for the charset.
        url: The feed URL; relative entry links are resolved against it.
        max_entries: Convert at most this many entries (document order).

    Returns:
        ``(feed_title, entries, ttl_s, warnings, found)`` as :func:`adapters.feeds.parse_feed`
        returns the first four (``found``: how many entries the document has, of which
        at most ``max_entries`` are converted), or None when the document needs
        feedparser.
    """
    if _DOCTYPE.search(body, 0, 4096):
        return None
    first: dict[str, Any] = {}
    data = to_utf8(body, content_type, first)
    if not first.get("encoding"):
        return None
    warnings = [stray] if (stray := stray_bytes_warning(first)) else []
    if first.get("bozo"):
        # a server naming a type that is not XML's is no problem of the document: it was
        # decoded as feedparser decodes it, which reads it whole, warning of the type
        problem = first.get("bozo_exception")
        if not isinstance(problem, NonXMLContentType):
            return None
        warnings.append(non_xml_type_warning(problem))
    try:
        parser = etree.XMLParser(**_PARSER_KW)  # type: ignore[arg-type]
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    prefixes = caption_prefixes(data)
    if prefixes:
        # each caption the feedparser path would rename, and no other: the tag written
        # in a comment or a CDATA section would be renamed there too
        found = sum(
            1 for el in root.iter("{*}description") if etree.QName(el).namespace in MEDIA_RSS
        )
        if found != caption_tags(data):
            return None
    try:
        read = _read(root, url, max_entries, prefixes)
    except _Unsupported:
        return None
    except RecursionError:
        # elements nested deeper than Python's recursion limit (libxml2 allows 2,048
        # with huge_tree): feedparser keeps its own stack and reads such a feed
        return None
    if read is None or not warnings:
        return read
    title, entries, ttl, more, found = read
    return title, entries, ttl, warnings + more, found


def non_xml_type_warning(problem: BaseException) -> str:
    """The warning of a feed served with a type that is not XML's (feedparser's
    ``NonXMLContentType``), in the words of both paths."""
    said = (str(problem).strip() or type(problem).__name__)[:200]
    return f"feed is served with a non-XML content type ({said})"


def _read(
    root: Any, url: str | None, max_entries: int, prefixes: frozenset[str] = frozenset()
) -> tuple[str | None, list[FeedEntry], int | None, list[str], int] | None:
    name = _name(root)
    qname = etree.QName(root)
    if name == "rss" or name == "rdf:rdf":
        channel = next((c for c in root if isinstance(c.tag, str) and _name(c) == "channel"), None)
        if channel is None:
            return None
        atom, entry_name, feed_node = False, "item", channel
    elif name == "feed" and qname.namespace == _ATOM:
        atom, entry_name, feed_node = True, "entry", root
    else:
        return None
    nodes = list(root.iter("{*}" + entry_name))
    parent = channel if name == "rss" else root
    if any(el.getparent() is not parent or _name(el) != entry_name for el in nodes):
        return None  # entries in odd places or namespaces: feedparser knows what to do
    title, ttl = _channel_fields(feed_node, atom)
    warnings: list[str] = []
    found = len(nodes)
    if found > max_entries:
        warnings.append(f"feed has {found} entries; only the first {max_entries} were read")
        nodes = nodes[:max_entries]
    reader = _Reader(atom, prefixes)
    entries = [reader.entry(node, url) for node in nodes]
    return title, entries, ttl, warnings, found
