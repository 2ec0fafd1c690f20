"""Checks on what users type when they add a feed or create a story.

A feed URL or story name that is wrong when it is added stays wrong: a broken URL fails at
every poll for ever, and a story name with a space or a "!" cannot be typed after
``/story status``. So both are checked once, when they are added, with one clear message.
The checks are pure (no network), so the CLI, the config file and the chat commands share
them. Whether the fetcher would refuse a feed's *host* (a loopback or private address)
needs DNS and the operator's allow list, so that check is an injected ``HostCheck``
(``adapters.feeds.netguard``), the same one the poller applies.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Callable, Sequence
from urllib.parse import urlsplit, urlunsplit

from bot.command_words import Number, number
from bot.errors import UserError
from bot.hostname import ascii_host, ipv4_form_problem
from bot.identity import canonical_url
from bot.model import Story
from bot.ports import HostCheck, Store
from bot.render import HIDDEN, clip, shorten, shown_url
from bot.typed_text import storable_text

FEED_URL_EXAMPLE = "https://example.com/feed.xml"
ARTICLE_URL_EXAMPLE = "https://example.com/news/article.html"
# the longest feed URL taken: the common limit of browsers and servers (as an item's link,
# bot.identity.ITEM_URL_MAX); a longer one is no address a feed is published at. Counted
# in UTF-8 bytes too: the feeds table's unique index holds the URL, and PostgreSQL refuses
# a B-tree entry over about 2.7 kB (2,000 CJK characters are 6 kB); a server is sent each
# of those bytes percent-encoded anyway, three characters each.
FEED_URL_MAX = 2_048
STORY_NAME_MAX = 64
STORY_TITLE_MAX = 200
_STORY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _shown(text: str, limit: int = 100) -> str:
    """What the user typed, shortened for an error message (see :func:`shorten`)."""
    return shorten(text, limit)


def feed_url_problem(url: str) -> str | None:
    """Say what is wrong with a feed URL, or None if it can be polled.

    A feed URL needs the scheme http or https, a host name, a port (if given) from 1 to
    65535, no whitespace or control characters, and at most :data:`FEED_URL_MAX` bytes in
    UTF-8 (characters, for an ASCII URL; the CLI, the config file and chat share this
    rule). A host of digits and dots must be an IPv4 address written as the poller fetches
    one, four numbers from 0 to 255 (:func:`bot.hostname.ipv4_form_problem`, the rule a
    fetch applies): ``127.1``, ``2130706433`` or ``127.0.0.1.`` would fail at every poll.

    Args:
        url: The URL as the user typed it.

    Returns:
        A one-line message naming the URL and the problem, or None.
    """
    problem = _web_url_problem(url)
    if problem is None and len(url) > FEED_URL_MAX:
        problem = f"it is longer than {FEED_URL_MAX} characters"
    elif problem is None and len(url.encode("utf-8")) > FEED_URL_MAX:
        problem = (
            f"it is longer than {FEED_URL_MAX} bytes in UTF-8 "
            "(a character outside ASCII takes 2 to 4)"
        )
    if problem is None:
        return None
    # its key hidden, as /story feeds lists feeds: the error may be said in a channel
    return (
        f"'{_shown(shown_url(url))}' is not a valid feed URL: {problem} (e.g. {FEED_URL_EXAMPLE})"
    )


def article_url_problem(url: str) -> str | None:
    """Say what is wrong with the URL of a seed article, or None if it can be fetched.

    The rules of :func:`feed_url_problem`; checked before any page is fetched, so a typo
    in the last of several URLs costs no fetch of the others.
    """
    problem = _web_url_problem(url)
    if problem is None:
        return None
    return f"'{_shown(url)}' is not a valid article URL: {problem} (e.g. {ARTICLE_URL_EXAMPLE})"


def _web_url_problem(url: str, *, ipv4_form: bool = True) -> str | None:
    """What makes ``url`` no address to fetch over http(s), in a few words; None if fine.

    ``ipv4_form=False`` leaves out :func:`bot.hostname.ipv4_form_problem`: for finding a
    feed stored before that rule by a spelling of its URL (:func:`remove_feed`).
    """
    problem = None
    bad_port = "its port must be a number from 1 to 65535"
    if not url:
        problem = "it is empty"
    elif any(ch.isspace() or not ch.isprintable() for ch in url):
        problem = "it contains a space or a control character"
    else:
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # an unbalanced "[" of an IPv6 address
            problem = f"it cannot be parsed ({exc})"
        else:
            try:
                port = parts.port
            except ValueError:
                port = 0
            if parts.scheme not in ("http", "https"):
                problem = "it must start with http:// or https://"
            elif not parts.hostname:
                problem = "it has no host name"
            elif port == 0:
                problem = bad_port
            else:
                problem = _host_problem(parts.netloc, parts.hostname, ipv4_form)
    return problem


def _host_problem(netloc: str, host: str, ipv4_form: bool = True) -> str | None:
    """What makes a parsed host unusable (a bracketed address that is not IPv6, a name
    no resolver accepts, an IPv4 address in a form the fetcher refuses), or None."""
    if "[" in netloc:
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return "its host in brackets is not an IPv6 address"
        return None
    if "%" in host:
        return "its host name contains '%' (write the name or address itself)"
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253:
        return "its host name is longer than 253 characters"
    labels = name.split(".")
    if any(not label for label in labels):
        return "its host name has an empty part ('..')"
    if any(len(label) > 63 for label in labels):
        return "a part of its host name is longer than 63 characters"
    # the host as the HTTP client reads it: "１２７.１" is 127.1 to it
    return ipv4_form_problem(ascii_host(host)) if ipv4_form else None


def normalise_feed_url(url: str) -> str:
    """The form a feed URL is stored in: one feed, however it was spelled.

    Scheme and host in lower case, an internationalised host in its ASCII form
    (``例え.jp`` is ``xn--r8jz45g.jp``: :func:`bot.hostname.ascii_host`), no default port
    (80 for http, 443 for https), no ``#fragment`` (never sent to the server); path, query
    and user info as typed. Call it on a URL :func:`feed_url_problem` accepts.
    """
    parts = urlsplit(url)
    host = ascii_host(parts.hostname or "")
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    if "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


async def admit_feed_url(url: str, host_check: HostCheck | None = None) -> None:
    """Check a feed URL before it is stored; raise ``UserError`` if it can never be polled.

    Args:
        url: The URL to add.
        host_check: The fetcher's address rule (None skips it): its refusal, the same
            message a poll would record, is the error.

    Raises:
        UserError: The URL is malformed, or its host is one the fetcher refuses.
    """
    problem = feed_url_problem(url)
    if problem is None and host_check is not None:
        problem = await host_check(url)
    if problem:
        raise UserError(problem)


def story_name_problem(name: str) -> str | None:
    """Say what is wrong with a new story's name, or None if users can type it.

    A name is what follows ``/story status``: a short slug of letters, digits, '-', '_'
    and '.', starting with a letter or digit. Stories stored before this rule keep their
    names; it applies when a story is created.

    Args:
        name: The proposed name.

    Returns:
        A one-line message with an example, or None.
    """
    if _STORY_NAME.fullmatch(name) and len(name) <= STORY_NAME_MAX:
        return None
    return (
        f"'{_shown(name, 60)}' is not a valid story name: use up to {STORY_NAME_MAX} letters (a-z, A-Z), "
        "digits, '-', '_' or '.', starting with a letter or digit (e.g. anthropic-pentagon)"
    )


def new_story_name_problem(store: Store, name: str) -> str | None:
    """Say why a new story may not be called ``name``, or None if it may.

    The name must be one users can type (:func:`story_name_problem`) and differ from
    every stored story's name in more than case: ``/story status`` finds a story whatever
    the case, so "Pentagon" beside "pentagon" could not be told apart. Checked before any
    seed is read (some are fetched), and by the CLI and ``/story stories add`` alike.

    Returns:
        A one-line message (no capital, no full stop: each caller frames it), or None.
    """
    problem = story_name_problem(name)
    if problem:
        return problem
    taken = find_story(store, name)
    return f"a story named '{taken.name}' already exists" if taken else None


def story_title(title: str) -> str:
    """A new story's title on one line: each run of whitespace (a line break, a tab) one space.

    A title is shown on one line everywhere: in replies, in alerts, and in ``storybot story
    list``, whose columns a tab separates. Chat titles come this way (the words after
    ``--title``); the command line's ``--title`` and the config file's ``title`` are made
    so too, read as chat reads typed text (:func:`bot.typed_text.storable_text`): a
    control character is a space, a bidirectional control is dropped. A TOML escape may
    spell a NUL, which PostgreSQL refuses to store, or ESC, a terminal's command.
    """
    return " ".join(storable_text(title).split())


def story_title_problem(title: str) -> str | None:
    """Say what is wrong with a new story's title (as :func:`story_title` gives it), or None.

    Returns:
        A one-line message (no capital, no full stop: each caller frames it), or None.
    """
    if not title:
        return "the title is empty"
    if len(title) > STORY_TITLE_MAX:
        return (
            f"the title is {len(title)} characters long; a story's title is at most "
            f"{STORY_TITLE_MAX}"
        )
    return None


def article_key(source: str) -> str:
    """The article a seed URL names, however it is spelled (see :func:`repeated_seed_problem`)."""
    return canonical_url(source) or source


def repeated_seed_problem(
    sources: Sequence[str], key: Callable[[str], str] = article_key
) -> str | None:
    """Say which seed is given twice, or None: each article counts once in a story's seeds.

    The same article twice would be fetched twice and count as two seeds, weighing its
    words double in the story's profile. ``key`` says which article a seed names: by
    default a URL's canonical form (``#fragment``, tracking parameters and the case of
    scheme and host do not count: :func:`bot.identity.canonical_url`); the command line
    also resolves file paths.

    Returns:
        A one-line message naming the seed given again (no capital, no full stop), or None.
    """
    seen: dict[str, str] = {}  # an article's key -> the seed as first given
    for source in sources:
        article = key(source)
        first = seen.get(article)
        if first == source:
            return f"{clip(source, 100)} is given twice: give each article once"
        if first is not None:
            return (
                f"{clip(source, 100)} is the same article as {clip(first, 100)}: give each "
                "article once"
            )
        seen[article] = source
    return None


def feed_number(text: str) -> Number | None:
    """The number ``text`` names a feed by, as ``/story feeds`` lists it (``#4``, ``4``), or None.

    A number of any length (one too long to name a feed names none: :class:`Number`).
    """
    return number(text.removeprefix("#"))


def polled_feed(store: Store, url: str) -> str | None:
    """The stored URL of the feed ``url`` names: as typed or in its stored form, or numbered.

    A URL as ``/story feeds`` shows it, its key hidden (:func:`bot.render.shown_url`),
    names the one feed it stands for; so does the feed's number there (``#4`` or ``4``),
    which also tells apart feeds listed alike (keys hidden) and spares typing a long URL.
    ``storybot feeds remove`` finds every feed it is given so before removing any.

    Returns:
        The URL as it is stored (what ``feeds list`` shows); None when no feed has that
        URL in either spelling, or that number.
    """
    if (numbered := feed_number(url)) is not None:
        feed = store.get_feed_by_id(int(numbered))
        return feed.url if feed is not None else None
    if store.get_feed(url) is not None:
        return url
    if (stored := stored_form(url)) != url and store.get_feed(stored) is not None:
        return stored
    hidden = feeds_shown_as(store, url)
    return hidden[0] if len(hidden) == 1 else None


def remove_feed(store: Store, url: str) -> str | None:
    """Stop polling the feed ``url`` names (:func:`polled_feed`).

    Returns:
        The URL as it was stored (what ``feeds list`` showed), to echo back; None when no
        feed has that URL in either spelling, or that number (or it went meanwhile).
    """
    stored = polled_feed(store, url)
    return stored if stored is not None and store.remove_feed(stored) else None


def stored_form(url: str) -> str:
    """``url`` as it would be stored (:func:`normalise_feed_url`), or as typed if it is no
    feed URL; a host in an IPv4 form refused now is normalised too, for a feed stored on it
    before the rule (:func:`bot.hostname.ipv4_form_problem`) to be found and removed."""
    return normalise_feed_url(url) if _web_url_problem(url, ipv4_form=False) is None else url


def feeds_shown_as(store: Store, url: str) -> list[str]:
    """The stored URLs of the feeds ``/story feeds`` shows as ``url`` (keys hidden in it).

    Two or more when they differ only in what is hidden (two private feeds of one
    service, each with its own key): the URL as listed names none of them for sure.
    """
    if HIDDEN not in url:
        return []
    typed = {url, stored_form(url)}
    return [f.url for f in store.list_feeds() if shown_url(f.url) in typed]


def find_story(store: Store, name: str) -> Story | None:
    """The story called ``name``, or else the one story whose name differs only in case.

    Names are matched ignoring case ("Pentagon" typed on a phone is the story "pentagon"),
    so a new story may not take a name that differs from a stored one only in case.
    """
    story = store.get_story(name)
    if story is not None:
        return story
    folded = [s for s in store.list_stories() if s.name.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None
