"""Parse a feed body (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into plain-text ``FeedEntry``s.

feedparser is the reference for tolerance: it reads broken XML with a lenient parser
after the strict one fails ("bozo" feeds), which we accept with a warning. Before it sees
the body, the encoding is normalised to UTF-8 and any dangerous DTD removed (see
``xmlsafety``); the body is always handed over as a stream, because a ``bytes`` argument
to ``feedparser.parse`` can be taken for a file name or URL. JSON Feed is read by
``jsonfeed`` (feedparser 6.0 does not support it).

HTML in titles, summaries and content becomes plain text; dates become aware UTC
datetimes (missing or invalid: None; more than a day in the future: kept, with a warning).

What a body may cost to read is bounded by its shape, not only its bytes
(``max_body_bytes``, 10 MiB): feedparser keeps every entry of a document, and an object
per tag, entity and run of text in them, so a hostile 10 MiB body took 110-350 MB on
its strict or lenient path (350,000 tiny entries: 310 MB; ``<a>`` opened 3.5 million
times: 350 MB; ``&amp;`` two million times: 180 MB), about 35 MB a MiB at worst. So
feedparser reads at most ``FEEDPARSER_MAX_BYTES`` of a body, cut after the last entry
that ends within them, with a warning; the largest of the 200 real feeds that needs it
(not read by the fast path) is 1.5 MB, the largest not well-formed 0.6 MB. lxml's tree
costs about 250 bytes an element (1.5 million ``<item/>``: 370 MB), so a body with more
than ``FAST_MAX_TAGS`` ``<`` goes to feedparser and its bound; the most in a real feed is
86,864.

What a body may cost in time is bounded by its tags too: feedparser runs Python code for
every tag, about 13 µs each, so 2 MiB of tiny entries or of ``<a>`` took it 4-9 s of CPU
(a parse thread held that long, on every poll of such a feed). It reads at most
``FEEDPARSER_MAX_TAGS`` tags (markup outside CDATA sections and comments), cut after the
last entry that ends before them, with a warning: about 0.7 s. The most a real feed has
in its first 2 MiB is 8,383, the most of one that needs feedparser 971. Its strict path
looks each attribute of a tag up among all the tag's others (``xml.sax``'s
``getValueByQName``), so one tag of 20,000 attributes took 5 s, of 170,000 (2 MiB) too
long to wait for: feedparser reads nothing from a tag of more than
:data:`~adapters.feeds.html_text.MAX_ATTRIBUTES` on (the most in a real feed is 28).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax import SAXParseException

import feedparser
from feedparser.exceptions import CharacterEncodingOverride, NonXMLContentType

from adapters.feeds.body import size_text
from adapters.feeds.captions import set_captions_aside
from adapters.feeds.charset import stray_bytes_warning, to_utf8, xml_media_type
from adapters.feeds.dates import entry_date
from adapters.feeds.discovery import feed_links
from adapters.feeds.errors import FeedParseError
from adapters.feeds.fastparse import entry_link, fast_read, non_xml_type_warning, parsed_date
from adapters.feeds.html_text import (
    MANY_ATTRIBUTES_BYTES,
    MAX_ATTRIBUTES,
    cut_text,
    field_text,
    storable,
)
from adapters.feeds.jsonfeed import looks_like_json, parse_json_feed
from adapters.feeds.xmlsafety import defuse_doctype
from bot.model import FeedEntry, FetchResult, FetchStatus
from bot.render import shorten

# A document's start up to its first element's name: maybe a byte order mark, an XML
# declaration (XHTML), comments and an HTML doctype before it.
_DOCUMENT_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml\b[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"(?P<doctype><!doctype\s+html\b[^>]*>\s*(?:<!--.*?-->\s*)*)?<(?P<root>[a-z][\w:.-]*)",
    re.IGNORECASE | re.DOTALL,
)
_PAGE_ROOTS = frozenset({b"html", b"head", b"body"})
_FEED_ROOTS = frozenset({b"rss", b"feed", b"rdf:rdf", b"channel"})
_FEED_MARKER = re.compile(
    rb"<\?xml|<rss[\s>]|<feed[\s>]|<rdf:rdf[\s>]|<channel[\s>]", re.IGNORECASE
)
_UNDECLARED_RSS_PREFIX = re.compile(rb"<rss:item[\s>]")
# How much feedparser reads, and how many tags the fast path's tree may hold (see the
# module docstring): about 70 MB each, at worst.
FEEDPARSER_MAX_BYTES = 2 * 1024 * 1024
FAST_MAX_TAGS = 250_000
# How many tags feedparser reads (see the module docstring): about 0.7 s of CPU.
FEEDPARSER_MAX_TAGS = 50_000
# A CDATA section or comment (text to feedparser, or nothing), else one tag's "<".
_MARKUP = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<", re.DOTALL)
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_FUTURE_SLACK = timedelta(days=1)
# What one entry may bring, however large its feed (10 MiB, 500 entries: one entry could
# be all of it): a headline of 1,000 characters (cut at a word, "…"), a summary and a
# content of 100,000 characters each (cut at a paragraph or sentence end, as linked
# pages are). A link over bot.identity.ITEM_URL_MAX stays the entry's identity but is not
# kept with its item (bot.identity.new_item).
# Every stage after the parser costs time in proportion to an item's text (a body of
# 3.5 MB of distinct words took a cycle 11 s, 1 MB of CJK text 12 s), and an on-topic
# item's headline and link are kept in the story's engine snapshot (a 64 kB link added
# 320 kB to it, a 100 kB headline 200 kB).
ENTRY_TITLE_MAX = 1_000
ENTRY_TEXT_MAX = 100_000


def _storable_entry(entry: FeedEntry) -> FeedEntry:
    fields = (entry.guid, entry.url, entry.title, entry.summary, entry.content, entry.author)
    cleaned = tuple(storable(value) for value in fields)
    if all(a is b for a, b in zip(cleaned, fields, strict=True)):
        return entry  # nearly every entry: nothing to clean
    guid, url, title, summary, content, author = cleaned
    return replace(
        entry,
        guid=guid or None,
        url=url or None,
        title=title or "",
        summary=summary or "",
        content=content or "",
        author=author or None,
    )


def _bounded_entry(entry: FeedEntry) -> FeedEntry:
    if (
        len(entry.title) <= ENTRY_TITLE_MAX
        and len(entry.summary) <= ENTRY_TEXT_MAX
        and len(entry.content) <= ENTRY_TEXT_MAX
    ):
        return entry  # nearly every entry
    return replace(
        entry,
        title=shorten(entry.title, ENTRY_TITLE_MAX),
        summary=cut_text(entry.summary, ENTRY_TEXT_MAX),
        content=cut_text(entry.content, ENTRY_TEXT_MAX),
    )


def _detail_text(value: str | None, detail: Any) -> str:
    kind = (detail or {}).get("type", "") if hasattr(detail, "get") else ""
    return field_text(value, kind)


def _content(entry: Any) -> str:
    parts = [
        _detail_text(c.get("value"), c) for c in entry.get("content") or () if hasattr(c, "get")
    ]
    return "\n\n".join(p for p in parts if p)


def _entry(entry: Any, base: str | None) -> FeedEntry:
    guid = entry.get("id")
    return FeedEntry(
        guid=guid.strip() or None if isinstance(guid, str) else None,
        url=entry_link(entry.get("link"), guid if isinstance(guid, str) else None, base),
        title=_detail_text(entry.get("title"), entry.get("title_detail")),
        summary=_detail_text(entry.get("summary"), entry.get("summary_detail")),
        content=_content(entry),
        # dict.get: FeedParserDict.get("updated_parsed") warns and aliases published_parsed.
        published=parsed_date(
            entry_date(dict.get(entry, "published"), dict.get(entry, "published_parsed"))
        )
        or parsed_date(entry_date(dict.get(entry, "updated"), dict.get(entry, "updated_parsed"))),
        author=(entry.get("author") or "").strip() or None,
    )


def _ttl_seconds(feed: Any) -> int | None:
    try:
        minutes = int(str(feed.get("ttl", "")).strip())
    except ValueError:
        return None
    return minutes * 60 if minutes > 0 else None


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown problem"
    if isinstance(exc, SAXParseException):
        return f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}: {exc.getMessage()}"
    return (str(exc).strip() or type(exc).__name__)[:200]


def _bozo_warning(exc: BaseException | None) -> str:
    if isinstance(exc, CharacterEncodingOverride):
        return f"feed declares the wrong character encoding ({_describe(exc)})"
    if isinstance(exc, NonXMLContentType):
        return non_xml_type_warning(exc)
    return f"feed is not well-formed XML (parsed leniently): {_describe(exc)}"


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """True if the body is an HTML page rather than a feed."""
    head = body[:4096]
    start = _DOCUMENT_START.match(head)
    if start:
        root = start["root"].lower()
        if root in _PAGE_ROOTS:
            return True
        # A page may start with any element after its doctype; a feed under an HTML
        # doctype is a site generator's slip ("<!DOCTYPE html><feed xmlns=...>"), read.
        if start["doctype"] and root not in _FEED_ROOTS:
            return True
    if not (content_type and "html" in content_type.lower()):
        return False
    # Feeds are often served as text/html by misconfigured servers: trust the body.
    return not _FEED_MARKER.search(head)


def _feedparser(
    body: bytes, content_type: str | None, *, captions: bool = False, whole: bool = False
) -> tuple[Any, list[str], str | None]:
    """feedparser's reading of ``body``; with ``captions`` False, with its Media RSS
    captions set aside (:mod:`adapters.feeds.captions`); of its first
    ``FEEDPARSER_MAX_BYTES`` only unless ``whole`` (the reference the fast path is
    tested against). Also the warnings, and what part of the body was read when it was
    cut (``FetchResult.read_in_part``), else None."""
    warnings: list[str] = []
    first: dict[str, Any] = {}
    data = to_utf8(body, content_type, first)
    if stray := stray_bytes_warning(first):
        warnings.append(stray)
    if first.get("encoding"):
        headers = {"content-type": "application/xml; charset=utf-8"}
    else:
        headers = {"content-type": xml_media_type(content_type)} if content_type else {}
    data, warning = defuse_doctype(data)
    if warning:
        warnings.append(warning)
    data, warning, part = (data, None, None) if whole else _feedparser_share(data)
    if warning:
        warnings.append(warning)
    if not captions:
        data = set_captions_aside(data)
    # No content-location: feedparser would then resolve guids against it too, and a
    # guid is an opaque identity that must not change when the feed URL does.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers=headers, resolve_relative_uris=False, sanitize_html=False
    )
    if first.get("bozo") and not parsed.get("bozo"):
        parsed["bozo"], parsed["bozo_exception"] = True, first.get("bozo_exception")
    return parsed, warnings, part


def _tags(body: bytes) -> int:
    """About how many tags ``body`` has: its ``<``, but for those in CDATA sections
    (text to an XML parser), counted only when there are many."""
    count = body.count(b"<")
    if count <= FAST_MAX_TAGS:
        return count  # every real feed
    return count - sum(m.group().count(b"<") - 1 for m in _CDATA.finditer(body))


def _feedparser_share(data: bytes) -> tuple[bytes, str | None, str | None]:
    """``data`` (UTF-8) cut to what feedparser may read: its first ``FEEDPARSER_MAX_BYTES``
    and ``FEEDPARSER_MAX_TAGS`` tags, and nothing from a tag of more than
    ``MAX_ATTRIBUTES`` attributes on, up to the end of the last entry ending within that
    (if any); a warning for the log saying so and the part read, for the operator
    (``FetchResult.read_in_part``; both None when it is all read)."""
    cut = min(len(data), FEEDPARSER_MAX_BYTES)
    share = f"{FEEDPARSER_MAX_BYTES >> 20} MiB"
    tags_end = _tags_end(data, cut)
    if tags_end is not None:
        cut, share = tags_end, f"{FEEDPARSER_MAX_TAGS:,} tags"
    why = (
        f"feed too large for feedparser, which reads at most {share}"
        " of a feed the fast parser cannot read"
    )
    # what the operator reads: the fast parser is what reads a well-formed feed whole
    reason = f"XML the fast parser cannot read; the lenient one reads at most {share}"
    crowded = MANY_ATTRIBUTES_BYTES.search(data, 0, cut)
    if crowded:
        cut = crowded.start()
        why = (
            f"feed has a tag of more than {MAX_ATTRIBUTES} attributes,"
            " which feedparser does not read"
        )
        reason = (
            f"a tag of more than {MAX_ATTRIBUTES} attributes, from which on the lenient"
            " parser reads nothing"
        )
    if cut == len(data):
        return data, None, None
    ends = [m.end() for m in _ENTRY_END.finditer(data, 0, cut)]
    kept = data[: ends[-1] if ends else cut]
    return (
        kept,
        (
            f"{why}: entries after its first"
            f" {size_text(len(kept))} of {size_text(len(data))} were not read"
        ),
        f"the first {size_text(len(kept))} of {size_text(len(data))} ({reason})",
    )


def entries_part(found: int, kept: int) -> str:
    """What part of a feed of ``found`` entries was read when only ``kept`` were
    (``FetchResult.read_in_part``)."""
    return f"the first {kept:,} of {found:,} entries (at most {kept:,} are read a poll)"


def _tags_end(data: bytes, limit: int) -> int | None:
    """Where the tag after the first ``FEEDPARSER_MAX_TAGS`` of ``data[:limit]`` starts,
    or None if it has no more (CDATA sections and comments are not counted)."""
    if data.count(b"<", 0, limit) <= FEEDPARSER_MAX_TAGS:
        return None  # every real feed
    tags = 0
    for m in _MARKUP.finditer(data, 0, limit):
        if m.end() - m.start() == 1:
            tags += 1
            if tags > FEEDPARSER_MAX_TAGS:
                return m.start()
    return None


def _strip_rss_prefix(body: bytes) -> bytes:
    body = re.sub(rb"<(/?)rss:", rb"<\1", body)
    return re.sub(rb"(\s)rss:(\w+\s*=)", rb"\1\2", body)


def _html_page_error(
    body: bytes, content_type: str | None, url: str | None, requested_url: str | None
) -> FeedParseError:
    """What an HTML page instead of a feed says: the feeds its head names, if any
    (:mod:`adapters.feeds.discovery`), near the start, where a reply that clips the
    error (``/story feeds``: 100 characters) still shows them."""
    feeds = feed_links(body, url, (requested_url,))
    if len(feeds) == 1:
        return FeedParseError(
            f"not a feed: an HTML page naming its feed: {feeds[0]} (add that URL instead)"
        )
    if feeds:
        return FeedParseError(
            "not a feed: an HTML page naming its feeds: "
            f"{', '.join(feeds)} (add one of those instead)"
        )
    return FeedParseError(
        f"not a feed: the server returned an HTML page (content-type {content_type or 'unknown'})"
        " -- is this the site's home page rather than its feed?"
    )


def _parse_xml(
    body: bytes,
    content_type: str | None,
    url: str | None,
    max_entries: int,
    fast: bool,
    requested_url: str | None = None,
) -> tuple[str | None, list[FeedEntry], int | None, list[str], list[str]]:
    """The feed in ``body`` as :func:`parse_feed` returns it, and what parts of it were
    read when it was not read whole (``FetchResult.read_in_part``)."""
    if looks_like_html(body, content_type):
        raise _html_page_error(body, content_type, url, requested_url)
    if fast and _tags(body) <= FAST_MAX_TAGS:
        quick = fast_read(body, content_type, url, max_entries)
        if quick is not None and quick[1]:
            title, entries, ttl, warnings, found = quick
            cut = [entries_part(found, max_entries)] if found > max_entries else []
            return title, entries, ttl, warnings, cut
    parsed, warnings, part = _feedparser(body, content_type, whole=not fast)
    if not parsed.entries and _UNDECLARED_RSS_PREFIX.search(body) and b"xmlns:rss" not in body:
        # Seen in the wild: "<rss:channel><rss:item>" without a namespace declaration.
        # feedparser sees RSS but no items; without the bogus prefix it reads them.
        parsed, warnings, part = _feedparser(_strip_rss_prefix(body), content_type, whole=not fast)
        warnings.append("feed uses undeclared 'rss:' element prefixes; read without them")
    if not parsed.get("version") and not parsed.entries:
        raise FeedParseError(
            "not a feed: no RSS, Atom or JSON Feed content found"
            + (f" ({_describe(parsed.get('bozo_exception'))})" if parsed.get("bozo") else "")
        )
    if parsed.get("bozo"):
        warnings.append(_bozo_warning(parsed.get("bozo_exception")))
    cut = [part] if part else []
    raw_entries = parsed.entries
    if len(raw_entries) > max_entries:  # cut before converting: the rest costs nothing
        warnings.append(
            f"feed has {len(raw_entries)} entries; only the first {max_entries} were read"
        )
        cut.append(entries_part(len(raw_entries), max_entries))
        raw_entries = raw_entries[:max_entries]
    feed = parsed.feed
    title = _detail_text(feed.get("title"), feed.get("title_detail")) or None
    entries = [_entry(e, url) for e in raw_entries]
    if any(e.get("media_storybot_caption") is not None for e in raw_entries) and any(
        not e.summary and not e.content for e in entries
    ):
        entries = _with_captions(entries, raw_entries, body, content_type, url, whole=not fast)
    return title, entries, _ttl_seconds(feed), warnings, cut


def _with_captions(
    entries: list[FeedEntry],
    raw: list[Any],
    body: bytes,
    content_type: str | None,
    url: str | None,
    *,
    whole: bool,
) -> list[FeedEntry]:
    """``entries`` where an entry with no text but its captions (a video feed's) is read
    with them, as feedparser reads it (see :mod:`adapters.feeds.captions`)."""
    parsed, _, _ = _feedparser(body, content_type, captions=True, whole=whole)
    if not parsed.entries and _UNDECLARED_RSS_PREFIX.search(body) and b"xmlns:rss" not in body:
        parsed, _, _ = _feedparser(
            _strip_rss_prefix(body), content_type, captions=True, whole=whole
        )
    if len(parsed.entries) < len(entries):
        return entries
    return [
        _entry(parsed.entries[i], url)
        if not e.summary and not e.content and raw[i].get("media_storybot_caption") is not None
        else e
        for i, e in enumerate(entries)
    ]


def parse_feed(
    body: bytes,
    content_type: str | None,
    url: str | None,
    *,
    max_entries: int = 500,
    now: datetime | None = None,
    fast: bool = True,
    requested_url: str | None = None,
) -> tuple[str | None, list[FeedEntry], int | None, list[str]]:
    """Parse a feed document.

    Args:
        body: The (decompressed) response body.
        content_type: The response's Content-Type header, if any (used for the charset).
        url: The feed's URL (relative links are resolved against it).
        max_entries: Keep at most this many entries, in document order.
        now: Reference time for the "date in the future" warning (default: the clock).
        fast: Read well-formed RSS/Atom with the lxml fast path (``fastparse``) when it
            can, and the rest with feedparser, of at most ``FEEDPARSER_MAX_BYTES``;
            False uses feedparser only, on the whole body (the reference the fast path
            is tested against).
        requested_url: The feed URL asked for, when redirects led to ``url``: an HTML
            page there that names it as its feed (a consent or login page) does not
            have the error say to add it instead.

    Returns:
        ``(feed_title, entries, ttl_s, warnings)``; ``ttl_s`` is the RSS ``<ttl>`` in
        seconds or None.

    Raises:
        FeedParseError: The body is empty, an HTML page (the message names the feeds
            the page links, if any), or not RSS/Atom/JSON Feed; the message starts
            with "not a feed:" or "empty".
    """
    read = _read_feed(
        body,
        content_type,
        url,
        max_entries=max_entries,
        now=now,
        fast=fast,
        requested_url=requested_url,
    )
    return read.title, read.entries, read.ttl_s, read.warnings


@dataclass(frozen=True)
class _Reading:
    """What :func:`parse_feed` returns, and what part of the feed was read
    (``FetchResult.read_in_part``: None when it was read whole)."""

    title: str | None
    entries: list[FeedEntry]
    ttl_s: int | None
    warnings: list[str]
    read_in_part: str | None


def _read_feed(
    body: bytes,
    content_type: str | None,
    url: str | None,
    *,
    max_entries: int,
    now: datetime | None,
    fast: bool,
    requested_url: str | None,
) -> _Reading:
    """:func:`parse_feed`, with what part of the feed was read."""
    if not body.strip():
        raise FeedParseError("empty response body: the server sent no feed")
    warnings: list[str] = []
    cut: list[str] = []
    ttl_s: int | None = None
    if looks_like_json(body, content_type):
        title, entries, skipped, found = parse_json_feed(body, max_entries)
        if skipped:
            warnings.append(f"JSON Feed items that are not objects, skipped: {skipped}")
        if found > max_entries:
            warnings.append(f"feed has {found} entries; only the first {max_entries} were read")
            cut.append(entries_part(found, max_entries))
    else:
        title, entries, ttl_s, warnings, cut = _parse_xml(
            body, content_type, url, max_entries, fast, requested_url
        )
    if len(entries) > max_entries:
        warnings.append(f"feed has {len(entries)} entries; only the first {max_entries} were read")
        cut.append(entries_part(len(entries), max_entries))
        entries = entries[:max_entries]
    # Whatever the format (a JSON string may hold any escape; lenient XML parsing lets
    # control characters through), no entry leaves here with text a database refuses:
    # one such entry would fail the whole transaction its feed's items are stored in.
    title = storable(title) or None
    entries = [_bounded_entry(_storable_entry(e)) for e in entries]
    limit = (now or datetime.now(UTC)) + _FUTURE_SLACK
    future = [e for e in entries if e.published and e.published > limit]
    if future:
        warnings.append(
            f"entries dated in the future: {len(future)} "
            f"(e.g. {future[0].published:%Y-%m-%d %H:%M} UTC"
            f" for {future[0].title[:60]!r}); dates kept as given"
        )
    return _Reading(title, entries, ttl_s, warnings, "; ".join(cut) or None)


def parse_to_result(
    body: bytes,
    content_type: str | None,
    url: str | None,
    *,
    max_entries: int = 500,
    now: datetime | None = None,
    fast: bool = True,
    requested_url: str | None = None,
) -> FetchResult:
    """``parse_feed`` as a ``FetchResult``: OK with entries, or ERROR with the reason.

    HTTP-level fields (status, validators, body hash) are left for the caller to fill in.
    """
    try:
        read = _read_feed(
            body,
            content_type,
            url,
            max_entries=max_entries,
            now=now,
            fast=fast,
            requested_url=requested_url,
        )
    except FeedParseError as exc:
        return FetchResult(FetchStatus.ERROR, error=str(exc))
    return FetchResult(
        FetchStatus.OK,
        entries=tuple(read.entries),
        feed_title=read.title,
        ttl_s=float(read.ttl_s) if read.ttl_s else None,
        warnings=tuple(read.warnings),
        read_in_part=read.read_in_part,
    )
