"""Identity of news items: canonical URLs, item keys, content hashes and outlet labels.

An item's outlet label is :func:`bot.outlet_name.source_label`'s.

The same article reaches us many times: polled again, with tracking parameters appended,
through ``http`` and ``https``, with or without a trailing slash. Identity decides what
counts as "the same item":

1. a feed's ``guid`` is the publisher's own identity and wins when present;
2. otherwise the canonical URL (scheme and host lower-cased, an internationalised host in
   its ASCII form, default port, fragment and tracking parameters dropped, remaining
   parameters sorted);
3. otherwise a hash of the normalised title and text, so even link-less items dedupe.

A host is one host however it is spelled: ``https://例え.jp/rss`` and
``https://xn--r8jz45g.jp/rss`` name the same server (the second is the IDNA "punycode"
form that DNS and HTTP use), so identity takes the ASCII form (:func:`bot.hostname.ascii_host`). An
ASCII host is only lower-cased, never re-encoded, so the keys of the URLs stored before
this rule do not change.

``content_hash`` is separate from identity: the same item whose text changed keeps its
key but gets a new content hash, which is how the store notices updates.

Pure functions only: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from bot.hostname import ascii_host
from bot.htmltext import normalise_lines, unescaped
from bot.model import FeedEntry, NewItem
from bot.outlet_name import source_label

# Query parameters that only track the reader and never select content.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "ref_url",
        "cmpid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "li_fat_id",
        "s_cid",
        "ocid",
        "smid",
        "spm",
        "__twitter_impression",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "wt.mc_id",
        "sr_share",
        "cmp",
        "__s",
        "rss",
        "taid",
        "ito",
        "intcmp",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalise_escapes(path: str) -> str:
    """Decode escaped unreserved characters and upper-case other escapes (RFC 3986 6.2.2).

    So "%7E" and "~", or "%2f" and "%2F", compare equal, while "%2F" stays distinct
    from "/".
    """

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _ESCAPE.sub(fix, path)


def is_tracking(name: str) -> bool:
    """Whether a query parameter named ``name`` only tracks the reader (``utm_source``)."""
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """Return the canonical form of an http(s) URL, or None if it is not one.

    Args:
        url: Any string; surrounding whitespace is ignored.

    Returns:
        The URL with scheme and host lower-cased (an internationalised host in its
        ASCII form: :func:`bot.hostname.ascii_host`), default port, fragment and tracking
        parameters removed, remaining query parameters sorted, an empty path written
        as ``/`` and a trailing slash dropped from other paths. None for empty input,
        non-http(s) schemes and URLs without a host.
    """
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # malformed netloc, port out of range
        return None
    scheme = parts.scheme.lower()
    host = ascii_host((parts.hostname or "").rstrip(".")).rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _normalise_escapes(quote(parts.path, safe="/%:@!$&'()*+,;=~-._")) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    params = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)
    ]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, path, query, ""))


def normalise_text(text: str | None) -> str:
    """Collapse runs of whitespace to single spaces and strip the ends."""
    # str.split() and the regex \s agree on what whitespace is (str.isspace); the split
    # is ~2.5x faster than re.sub(r"\s+", ...) on feed-sized texts (every polled entry).
    return " ".join((text or "").split())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# guids that name the item the same way wherever it appears: a web address, a tag: URI
# (RFC 4151, minted under the publisher's domain) or a URN such as urn:uuid:...
_GLOBAL_GUID = re.compile(r"(?i)^(?:https?://|tag:|urn:)")


def item_key(entry: FeedEntry, feed_id: int | None = None) -> str:
    """Return the identity of a feed entry.

    A guid is only promised unique within its feed: two sites both numbering their posts
    send guid "1042" for different articles. So a guid that is not globally unique by
    its form (see ``_GLOBAL_GUID``) is scoped to its feed; without that, one site's
    article would be taken for an edit of another's and never judged.

    Args:
        entry: A parsed feed entry.
        feed_id: The feed it came from (None for items from elsewhere).

    Returns:
        ``"guid:<guid>"`` for a web address, tag: or urn: guid (or any guid when
        ``feed_id`` is None), ``"feed:<feed_id>:guid:<guid>"`` for another guid, else
        ``"url:<canonical url>"`` if it has an http(s) link, else ``"hash:<sha256>"`` of
        its case-folded, whitespace-normalised title and text.
    """
    guid = normalise_text(entry.guid)
    if guid:
        if feed_id is None or _GLOBAL_GUID.match(guid):
            return f"guid:{guid}"
        return f"feed:{feed_id}:guid:{guid}"
    canon = canonical_url(entry.url)
    if canon:
        return f"url:{canon}"
    text = entry.content or entry.summary
    return "hash:" + _sha256(
        f"{normalise_text(entry.title).casefold()}\n{normalise_text(text).casefold()}"
    )


# The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
# which feed text drops (:func:`adapters.feeds.html_text.storable`, since 3 December
# 2026); items stored before then still hold them.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")


def same_but_bidi_controls(title: str, summary: str, content: str, new_hash: str) -> bool:
    """Whether a stored item's text is the text hashed as ``new_hash`` as feed text was
    stored before: with bidi controls, or with the entities a feed escaped twice.

    An item stored with them and polled again since they are dropped (bidi controls) or
    decoded (:func:`bot.htmltext.unescaped`) is the same text, not an update: counted
    as one, every such item of a right-to-left feed (an Arabic headline between U+202B
    and U+202C), or of a feed sending "&amp;nbsp;", would get a new version and be
    judged again.
    """
    parts = (title, summary, content)
    bidi = any(_BIDI_CONTROL.search(part or "") for part in parts)
    entities = any("&" in (part or "") for part in parts)
    if not (bidi or entities):
        return False
    read = [_BIDI_CONTROL.sub("", part or "") for part in parts]
    if entities:
        read = [normalise_lines(unescaped(part)) for part in read]
    return content_hash(*read) == new_hash


def content_hash(title: str, summary: str, content: str) -> str:
    """Return a sha256 hex digest of the whitespace-normalised title, summary and content.

    Whitespace-only changes (re-wrapped lines, trailing newlines) do not change the
    hash; any change of words does.
    """
    joined = "\x1f".join(normalise_text(part) for part in (title, summary, content))
    return _sha256(joined)


# News on the web starts in the 1990s; an earlier date is a feed's placeholder (the Unix
# epoch, "0001-01-01") rather than when the item was published.
_EARLIEST_PUBLISHED = datetime(1991, 1, 1, tzinfo=UTC)


def plausible_published(published: datetime | None) -> datetime | None:
    """A feed's publication date, or None when it cannot be one.

    Feeds write placeholders such as 1970-01-01 (a zero timestamp) for "no date"; taken
    at face value such an item would date its development to 1970 in ``/story status``
    and sort before everything. A date later than the fetch is kept: the engine already
    takes the earlier of the two (:func:`bot.engine.analysis.item_time`).
    """
    if published is None:
        return None
    aware = published if published.tzinfo is not None else published.replace(tzinfo=UTC)
    return None if aware < _EARLIEST_PUBLISHED else published


# A link longer than this is not kept with its item (a cut link leads nowhere): the store,
# the story's engine snapshot and alerts carry an item's link, and one feed entry's 64 kB
# link added 320 kB to a snapshot. The item is still known by it (:func:`item_key`, so an
# item stored before this bound keeps its key and an edit is an update), and its outlet
# read from its host.
ITEM_URL_MAX = 2_048


def new_item(
    entry: FeedEntry, feed_id: int | None, feed_title: str | None, fetched_at: datetime
) -> NewItem:
    """Build the item to store from a parsed feed entry.

    Args:
        entry: The parsed entry.
        feed_id: The feed it came from (None for items from elsewhere, e.g. seeds).
        feed_title: The feed's title, for the outlet label.
        fetched_at: When it was fetched (aware UTC).

    Returns:
        A ``NewItem`` with its key, canonical URL, source label and content hash; a link
        over ``ITEM_URL_MAX`` characters names the item (its key) but is not kept.
    """
    title = normalise_text(entry.title)
    kept = entry.url is not None and len(entry.url) <= ITEM_URL_MAX
    return NewItem(
        key=item_key(entry, feed_id),  # a link too long to keep still names the item
        feed_id=feed_id,
        url=entry.url if kept else None,
        canonical_url=canonical_url(entry.url) if kept else None,
        title=title,
        summary=entry.summary,
        content=entry.content,
        published=plausible_published(entry.published),
        fetched_at=fetched_at,
        source=source_label(feed_title, entry.url),
        content_hash=content_hash(title, entry.summary, entry.content),
    )


def feed_items(
    entries: Sequence[FeedEntry], feed_id: int, feed_title: str | None, fetched_at: datetime
) -> list[NewItem]:
    """The items to store from one fetch of a feed (:func:`new_item` of each entry).

    A feed can list two entries under one guid (a CMS that copies it, or gives every
    post the site's address; a feed joined from others). Stored as they come, the second
    would be taken for an edit of the first: the first article never judged, and both
    versions written again, as "updated", on every poll that changes the feed. So within
    one fetch:

    * a key that entries with different links share names none of them: each of those
      entries is keyed by its link, as an entry without a guid is (one of them without
      a link keeps the key). All of them, not all but the first: which one comes first
      changes from poll to poll (a new article on top of a newest-first feed), and the
      key must not move from one article to another with it, or the new article would
      be stored as an edit of the one that held the key, never judged, and the two
      rewritten on every poll;
    * a later entry that is the same article again (same key after that: same link, or
      no link to tell) is left out: the first listing (the newest, in feed order) stands;
    * the mirror case, a link that entries with different keys share (every entry links
      to the site's home page, a landing page, or one page's anchors: the canonical URL
      drops the ``#fragment``), names none of them either: each is marked
      ``shared_link``, so the store finds it by its key only. Matched by that link, the
      feed's distinct articles would be stored as versions of one item, rewritten as
      "updated" on every poll that changes the feed and never judged as themselves.
      A link one entry of the fetch holds still finds the same article stored under
      another guid (through another feed, or before its guid changed).

    Args:
        entries: The fetched entries, in feed order.
        feed_id: The feed they came from.
        feed_title: The feed's title, for the outlet label.
        fetched_at: When they were fetched (aware UTC).

    Returns:
        One ``NewItem`` per distinct item, in feed order.
    """
    made = [new_item(entry, feed_id, feed_title, fetched_at) for entry in entries]
    links: dict[str, str] = {}  # key -> the first canonical URL seen under it
    shared: set[str] = set()  # keys entries with different links share
    for item in made:
        if item.canonical_url is not None:
            if links.setdefault(item.key, item.canonical_url) != item.canonical_url:
                shared.add(item.key)
    items: list[NewItem] = []
    taken: set[str] = set()
    holders: dict[str, int] = {}  # canonical URL -> how many of the items hold it
    for item in made:
        if item.key in shared and item.canonical_url is not None:
            item = replace(item, key=f"url:{item.canonical_url}")
        if item.key in taken:
            continue
        taken.add(item.key)
        items.append(item)
        if item.canonical_url is not None:
            holders[item.canonical_url] = holders.get(item.canonical_url, 0) + 1
    return [
        replace(item, shared_link=True)
        if item.canonical_url is not None and holders[item.canonical_url] > 1
        else item
        for item in items
    ]
