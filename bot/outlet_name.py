"""An outlet's name, as a reader would write it, from its feed's title and a link's host.

Alerts ("[1] Outlet: link"), ``/story status`` ("2 reports · NPR and BBC News"), DMs and
``/story why`` name the outlet a report comes from; the stored label is also what tells
two outlets apart when a development's reports are counted. Feed titles are written for
feed readers, not for that: of 200 real feeds (17-18 Feb 2026), one in ten is titled
with its section or its tagline around the name ("NYT > World News", "Japan Today -
Category World", "Al Jazeera – Breaking News, World News and Video from Al Jazeera",
"The Christian Science Monitor | All stories", "TheWeek feed"), and one site's section
feeds ("Tech – TIME", "World – TIME") were counted as two outlets.

So a title is cut at the separators feeds put between name, section and tagline
(" - ", " – ", " — ", " | ", " > ", ": ") and the name is chosen among the parts:

1. parts that name no outlet are dropped: a section or generic word ("World",
   "Top Stories", "All stories"), "Category X", a description with a comma in it;
2. of the rest, the first whose letters spell the link's host (or one of its labels:
   "TIME" and time.com, "Ardour" and discourse.ardour.org, "NYT" and nytimes.com,
   "BBC News" and bbc.co.uk), else the first;
3. feed-reader words at its end go ("TheWeek feed", "NPR Topics", "NDTV News Search
   Records Found 1000").

No part left (a title that is a section alone, a URL, too long): the host without
``www.``. No table of outlets: only those generic words.

The rule is idempotent (a label it gives comes back unchanged when given as a title),
so a label stored under an earlier rule, which kept the whole title, is read again through
it (:func:`stored_label`).

Pure functions only: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

_MAX_LABEL_CHARS = 80
# Titles that say nothing about the outlet ("RSS", "Home"): use the host instead. So do a
# site's section feeds titled by their section alone (The Washington Post's "World", ABC
# Australia's "Top Stories", The Economist's "Asia"): named so, two outlets' reports read
# "NPR Topics: World and World" and a DM came "from" World. The same words as a part of a
# title ("Dawn - World") are its section, not its name.
_GENERIC_TITLES = frozenset(
    {"rss", "feed", "atom", "home", "news", "latest", "index", "untitled"}
    | {"world", "world news", "top stories", "top news", "headlines", "latest news"}
    | {"breaking news", "all stories", "news feed", "front page", "homepage"}
    | {"asia", "europe", "africa", "americas", "middle east", "us", "uk", "international"}
    | {"politics", "business", "economy", "technology", "tech", "science", "health"}
    | {"sport", "sports", "opinion", "culture", "entertainment", "local", "national"}
    | {"blog", "articles", "posts", "all posts", "comments on", "rss feed"}
)
# Between a name and its section or tagline. A bare "|" or ":" inside a word
# ("(Locati|Fale)'s blog", "C++") is not one; a pipe with a space on one side is
# ("Always Twisted| Articles").
_SEPARATOR = re.compile(r"\s+[-–—|>]\s+|\s+\|(?=\S)|(?<=\S)\|\s+|:\s+")
_EDGE_SEPARATORS = " -–—|>:"
# A part that is a category page's title ("Japan Today - Category World").
_CATEGORY = re.compile(r"(?i)^category\b")
# Feed-reader words after a name: "TheWeek feed", "Gatsby Starter Blog RSS Feed",
# "NPR Topics", NDTV's search feed "NDTV News Search Records Found 1000".
_TRAILING_NOISE = re.compile(
    r"(?i)\s+(?:(?:(?:rss|atom)\s+)?feed|rss|atom|topics|search\s+records\s+found\s+\d+)$"
)
# Hugo's default "<page> on <site>" for a site's home page ("Home on zhubert").
_PAGE_ON_SITE = re.compile(r"(?i)^(?:home|posts|blog|articles|all posts)\s+on\s+(.+)$")
_MIN_MATCH = 3  # letters: "NYT" and nytimes.com; shorter matches are chance


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def _letters(text: str) -> str:
    """Letters and digits only, case-folded and without accents ("EL PAÍS" -> "elpais")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _spells_host(part: str, host: str | None) -> bool:
    """Whether a title part and one of the host's labels (not its top-level domain) spell
    the same name, one possibly a prefix of the other ("NYT"/nytimes, "BBC News"/bbc)."""
    if not host:
        return False
    name = _letters(part)
    if len(name) < _MIN_MATCH:
        return False
    for label in host.split(".")[:-1]:
        label = _letters(label)
        if len(label) >= _MIN_MATCH and (name.startswith(label) or label.startswith(name)):
            return True
    return False


def _names_outlet(part: str) -> bool:
    return (
        any(ch.isalpha() for ch in part)
        and part.casefold() not in _GENERIC_TITLES
        and not _CATEGORY.match(part)
        and "," not in part  # a description: "Breaking News, World News and Video from ..."
    )


def _trimmed(name: str) -> str:
    cut = _TRAILING_NOISE.sub("", name).strip(_EDGE_SEPARATORS)
    return cut if _names_outlet(cut) else name


def outlet_name(title: str, host: str | None) -> str | None:
    """The outlet's name in a feed title, or None when the title names none.

    Args:
        title: The feed's title, whitespace-normalised.
        host: The host of the item's link, without ``www.`` (None when unknown).

    Returns:
        The part of the title that names the outlet (see the module docstring), or None.
    """
    title = title.strip(_EDGE_SEPARATORS)
    hugo = _PAGE_ON_SITE.match(title)
    if hugo:
        title = hugo.group(1)
    parts = [p.strip(_EDGE_SEPARATORS) for p in _SEPARATOR.split(title)]
    names = [p for p in parts if _names_outlet(p) and "://" not in p]
    if not names:
        return None
    chosen = next((p for p in names if _spells_host(p, host)), names[0])
    name = _trimmed(chosen)
    return name if len(name) <= _MAX_LABEL_CHARS else None


# Every item of a fetch asks for its outlet with the same feed title and (nearly always)
# the same host, and outlet_name is pure: so its answers are kept, for a bounded number of
# (title, host) pairs, titles of bounded length. Answered anew for every item, it was
# about a sixth of the CPU of building the 200 real feeds' 6,054 items (7 December 2026).
_CACHED_TITLE_CHARS = 1_000


@lru_cache(maxsize=1_024)
def _cached_outlet_name(title: str, host: str | None) -> str | None:
    """:func:`outlet_name`, remembered for the (title, host) pairs asked for lately."""
    return outlet_name(title, host)


def source_label(feed_title: str | None, url: str | None) -> str:
    """Return a short outlet label for an item.

    Args:
        feed_title: The feed's title, if any.
        url: The item's (or feed's) URL: its host helps choose the name among the
            title's parts, and stands in when the title names no outlet.

    Returns:
        The outlet's name in the feed title (:func:`outlet_name`), else the URL's host
        without ``www.``, else the title's first 80 characters, else ``"unknown"``.
    """
    title = " ".join((feed_title or "").split())
    host = _host(url)
    name = (
        _cached_outlet_name(title, host)
        if len(title) <= _CACHED_TITLE_CHARS
        else outlet_name(title, host)
    )
    return name or host or title[:_MAX_LABEL_CHARS] or "unknown"


def stored_label(label: str, url: str | None) -> str:
    """The outlet a stored label names today (labels stored before this rule kept the
    feed's whole title: "World – TIME" is "TIME").

    Args:
        label: An item's stored ``source``.
        url: The item's link (its host helps choose among the title's parts), if any.

    Returns:
        :func:`outlet_name` of the label, or the label as stored when it names no outlet
        by today's rule (a stored label is never replaced by a host or cut).
    """
    return outlet_name(" ".join(label.split()), _host(url)) or label
