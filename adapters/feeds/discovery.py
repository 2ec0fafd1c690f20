"""The feeds an HTML page names in its head, for the error of a feed URL that gave a page.

A site's address added instead of its feed's (``https://example.com/news`` rather than
``https://example.com/news/rss.xml``) gives an HTML page at every poll. Most sites name
their feeds in the page's head, the way browsers and feed readers find them (RSS
autodiscovery)::

    <link rel="alternate" type="application/rss+xml" href="/news/rss.xml">

so the error can say which URL to add instead of asking the user to read the page's
source. Only the feed formats storybot reads count (RSS, RDF, Atom, JSON Feed):
``application/json`` is left out, as WordPress names its REST API's pages with it.

libxml2's HTML parser reads the page (C-fast and tolerant, as for feed HTML); only its
first MiB, where a head is, however much inline script and style it carries.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from lxml import etree

from bot.identity import canonical_url

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}
)
# The most feeds an error names: a site lists its main feed first, then sections and
# comments; a line naming ten would be cut short where it is shown.
MAX_NAMED = 3
_SCAN_BYTES = 1 << 20
_PARSER = etree.HTMLParser(no_network=True, recover=True, remove_comments=True, remove_pis=True)


def feed_links(page: bytes, url: str | None, not_these: tuple[str | None, ...] = ()) -> list[str]:
    """The feeds ``page`` names in its ``<link rel="alternate">`` elements.

    Args:
        page: The HTML page, as the server sent it (decompressed).
        url: Where it was read from (after redirects): relative links are resolved
            against it, or against the page's ``<base href>``.
        not_these: URLs never named (the page's own, the feed URL that led to it): a
            consent or login page naming the feed asked for is no advice to add it.

    Returns:
        Up to ``MAX_NAMED`` absolute http(s) URLs, each once, in the page's order.
    """
    try:
        root = etree.fromstring(page[:_SCAN_BYTES], _PARSER)
    except (etree.LxmlError, ValueError):  # nothing a parser could read: no feeds named
        return []
    if root is None:
        return []
    base = url or ""
    for element in root.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            base = _joined(base, href) or base
            break
    skip = {canonical_url(u) for u in (url, *not_these) if u}
    found: list[str] = []
    for element in root.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").split(";", 1)[0].strip().lower()
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        link = _joined(base, (element.get("href") or "").strip())
        if link is None or link in found or canonical_url(link) in skip:
            continue
        found.append(link)
        if len(found) == MAX_NAMED:
            break
    return found


def _joined(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``, if that is a web address."""
    if not href:
        return None
    try:
        link = urljoin(base, href)
        parts = urlsplit(link)
    except ValueError:  # "http://[::1": a bracket never closed
        return None
    return link if parts.scheme in ("http", "https") and parts.hostname else None
