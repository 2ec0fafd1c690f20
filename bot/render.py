"""Platform-neutral text helpers for messages: source lists and plain-text rendering.

Escaping for a particular platform (Slack mrkdwn, Discord markdown) is the adapter's job;
this module produces raw text only.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Collection, Sequence
from urllib.parse import urlsplit

from bot.identity import is_tracking

if TYPE_CHECKING:
    from bot.model import OutboundMessage

# Platforms whose ``/story`` takes typed options (Discord's slash-command options, shown
# as ``story:NAME``) rather than text after the command (Slack, the console).
OPTION_PLATFORMS = frozenset({"discord"})
# Platforms that show replies in a proportional font (not the terminal's fixed one).
CHAT_PLATFORMS = frozenset({"slack", "discord"})

HIDDEN = "***"
# A query parameter whose name says it holds a credential: "apikey", "api_key",
# "access_token", "x-amz-signature", and run-together names as private feeds spell them
# ("passkey", "authkey", "apitoken", "torrent_pass"); short words only after a separator
# or alone ("sig", "sid", "auth", not "design"). Hiding a harmless value ("monkey") costs
# only the reader a look at `storybot feeds list`; showing a key cannot be undone.
_SECRET_PARAM = re.compile(
    r"(?i)(?:key|token|secret|pass|passwd|password|pwd|signature|credentials?|sessionid)$"
    r"|(?:^|[_.-])(?:auth|sig|sid|session)$"
)


# A path segment that looks like a key rather than a word: 20 or more letters and digits
# (with "_" or "-"), holding both, perhaps with a file extension (a hex digest, a private
# feed's token: "/feeds/9f2c4e0b7a1d5e3f8a6b/rss", "/u/9f2c…6b.xml"). Slugs
# ("senate-votes-on-aid-2024"), short file names ("topstories.xml") and dates are kept.
_KEY_SEGMENT = re.compile(
    r"(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9]{1,5})?"
)
_SLUG = re.compile(r"[a-z]+(?:-[a-z0-9]+){2,}(?:\.[a-z0-9]{1,5})?")
# A part of a slug that is a key all the same: 16 or more letters and digits mixed
# ("private-feed-9f2c4e0b7a1d5e3f8a6b"), or a UUID: one whose first group is letters
# only, or one after words ("private-feed-<uuid>"), whatever its groups open with.
_KEY_IN_SLUG = re.compile(
    r"(?:^|-)(?=[a-z]*[0-9])(?=[0-9]*[a-z])[a-z0-9]{16,}(?:-|\.|$)"
    r"|(?:^|-)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
# What separates the parameters of a query (kept, so the query reads as it did).
_PARAM_SEPARATOR = re.compile(r"([&;])")
# The user info of an address urlsplit cannot read ("http://u:p@[::1").
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@")
# A web address inside free text (an error message naming the URLs of a redirect chain);
# the scheme's length is bounded so that a long run of letters is not rescanned from
# each of its positions. Punctuation that ends it is the sentence's, not the address's
# ("… for https://h/feeds/KEY: gone"): taken in, it hid a key in the last path segment.
_URL_IN_TEXT = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s'"<>]*[^\s'"<>.,:;!?)\]]""")


def shown_url(url: str) -> str:
    """``url`` as chat may show it: a password, token or credential in it hidden.

    Feeds are listed to every member of a channel (``/story feeds``, the failing feeds
    of ``/story status``), and a paid feed's URL often holds its key
    (``https://user:PASSWORD@host/rss``, ``https://TOKEN@host/rss``, ``?apikey=KEY``,
    ``/feeds/KEY/rss``). The command line shows feeds so too (``storybot feeds list``,
    ``poll --once``, ``health``), as its output ends up in terminals' scrollback, cron
    mail and issue reports; the whole URL stays in the database. Anything else in the
    URL is kept as it is.

    Args:
        url: A feed URL as stored.

    Returns:
        ``url`` with the password of its user info (the whole user info when it has no
        password: a token is often written there), each path segment that looks like a
        key and the value of each parameter named like a credential (of the query, a
        path segment or the fragment) replaced by ``***``; the same for an address
        ``urlsplit`` cannot read.
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return _shown_unreadable(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, at, host = netloc.rpartition("@")
        netloc = (userinfo.split(":", 1)[0] + ":" if password else "") + HIDDEN + at + host
    path, query = _shown_path(parts.path), shown_url_query(parts.query)
    fragment = shown_url_query(parts.fragment)  # "#access_token=…": parameters there too
    if (netloc, path, query, fragment) == (parts.netloc, parts.path, parts.query, parts.fragment):
        return url
    return parts._replace(netloc=netloc, path=path, query=query, fragment=fragment).geturl()


def _shown_path(path: str) -> str:
    """``path`` with each segment that looks like a key, and each segment parameter
    named like a credential (``/rss;jsessionid=KEY``), hidden."""
    if not path:
        return path
    segments = []
    for segment in path.split("/"):
        name, *params = segment.split(";")
        if _KEY_SEGMENT.fullmatch(name) and (
            not _SLUG.fullmatch(name) or _KEY_IN_SLUG.search(name)
        ):
            name = HIDDEN
        segments.append(";".join([name, *(_shown_param(p) for p in params)]))
    return "/".join(segments)


def shown_url_query(query: str) -> str:
    """``query`` with the value of each parameter named like a credential hidden; ";"
    separates parameters as "&" does (servlets and CGI.pm read both)."""
    if not query:
        return query
    return "".join(_shown_param(part) for part in _PARAM_SEPARATOR.split(query))


def _shown_param(param: str) -> str:
    """A ``name=value`` parameter, its value hidden when the name is a credential's."""
    name, eq, value = param.partition("=")
    return f"{name}={HIDDEN}" if eq and value and is_secret_param(name) else param


def is_secret_param(name: str) -> bool:
    """Whether a URL parameter called ``name`` holds a credential (``apikey``, ``token``,
    libpq's ``password``), so that its value is never shown."""
    return bool(_SECRET_PARAM.search(name.removesuffix("[]")))  # "token[]=": PHP's array form


def _shown_unreadable(url: str) -> str:
    """An address urlsplit cannot read ("http://u:p@[::1/rss?apikey=KEY", as a redirect's
    Location quoted in an error): its user info, path and query hidden as
    :func:`shown_url` hides a readable one's."""
    url = _USERINFO.sub(r"\g<1>" + HIDDEN + "@", url)
    head, hash_, fragment = url.partition("#")
    head, mark, query = head.partition("?")
    path_at = head.find("/", head.find("://") + 3) if "://" in head else -1
    if path_at < 0:
        return head + mark + shown_url_query(query) + hash_ + shown_url_query(fragment)
    return (
        head[:path_at]
        + _shown_path(head[path_at:])
        + mark
        + shown_url_query(query)
        + hash_
        + shown_url_query(fragment)
    )


# Parameters that tag a link with the feed it came from, as real news feeds write them
# (Deutsche Welle's "?maca=en-rss-en-all-1573-rdf" on every link, Al Jazeera's
# "?traffic_source=rss", the Christian Science Monitor's "?icid=rss", a blog's
# "?ref=rss"): left out of the links readers see. Not of an item's identity
# (bot.identity): items stored with them are found by their links as stored, and a
# canonical form without them would make every such link of a database a new item.
_READER_TRACKING = frozenset({"maca", "traffic_source", "icid"})
_FEED_REFERRERS = frozenset({"ref=rss", "ref=feed"})  # "ref" alone may name a branch
# Keys that tag a link in its #fragment, which no server sees: NDTV's "#publisher=newsstand"
# on every link its feeds list, AT Internet's "#xtor=RSS-3208" (French publishers),
# Echobox's "#Echobox=1700000000". Only as a fragment: "?publisher=" may choose a page.
_FRAGMENT_TRACKING = frozenset({"publisher", "xtor", "echobox"})


def reader_url(url: str) -> str:
    """``url`` as a link shows it to readers: without the parameters that only track them.

    Feeds tag their links for the publisher's analytics (``?utm_source=rss&utm_medium=
    feed``); the page is the same without them (identity drops them too:
    :func:`bot.identity.canonical_url`, and a few only shown links lose, see
    ``_READER_TRACKING``), and a reader who copies the link should not carry them
    along. A ``#fragment`` that is only such tags (``#publisher=newsstand``) goes too; one
    that is a place in the page (``#section-2``, ``#comments``) stays. Everything else is
    kept as it is, in its order and spelling.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    params = parts.query.split("&") if parts.query else []
    kept = [p for p in params if not _tracks_reader(p)]
    fragment = "" if _tracking_fragment(parts.fragment) else parts.fragment
    if len(kept) == len(params) and fragment == parts.fragment:
        return url
    return parts._replace(query="&".join(kept), fragment=fragment).geturl()


def _tracks_reader(param: str) -> bool:
    """Whether a query's ``name=value`` only says where the reader came from."""
    name = param.split("=", 1)[0]
    return is_tracking(name) or name.lower() in _READER_TRACKING or param.lower() in _FEED_REFERRERS


def _tracking_fragment(fragment: str) -> bool:
    """Whether a ``#fragment`` is only ``name=value`` tags of where the reader came from.

    Each ``&``-separated part must be one: a tag a query may carry (:func:`_tracks_reader`)
    or one only fragments carry (``_FRAGMENT_TRACKING``). An anchor has no "=", and a
    fragment mixing a tag with anything else (a page's own state) is kept whole.
    """
    parts = fragment.split("&") if fragment else []
    return bool(parts) and all(
        "=" in p and (_tracks_reader(p) or p.split("=", 1)[0].lower() in _FRAGMENT_TRACKING)
        for p in parts
    )


def shown_text(text: str) -> str:
    """``text`` with every web address in it as :func:`shown_url` shows it.

    A feed's last error may name URLs (a redirect loop lists its chain, an invalid URL is
    quoted), and the error is shown to the channel beside the feed.
    """
    return _URL_IN_TEXT.sub(lambda m: shown_url(m.group()), text) if "://" in text else text


def say(platform: str | None, typed: str, options: str) -> str:
    """An example command: ``typed`` where text follows ``/story``, else ``options``."""
    return options if platform in OPTION_PLATFORMS else typed


# Developments /story status tells as updated (what later reports added), at most: the
# latest. A digest's count of the updated developments it leaves out sends readers to
# /story developments instead, whose every entry tells its newest fact.
STATUS_UPDATES_MAX = 3


def status_command(story_name: str, platform: str | None) -> str:
    """The command that shows a story's status, as users on ``platform`` type it."""
    return say(platform, f"/story status {story_name}", f"/story status story:{story_name}")


def developments_command(story_name: str, platform: str | None, page: int | None = None) -> str:
    """The command that lists a story's developments (a page of them), as ``platform`` types it."""
    typed = f"/story developments {story_name}" + (f" {page}" if page else "")
    options = f"/story developments story:{story_name}" + (f" page:{page}" if page else "")
    return say(platform, typed, options)


def counted(n: float, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 seed", "3 seeds", "2 copies", "0.5 hours".

    A float is shown without a needless ".0" ("every 1 hour", not "every 1.0 hours").
    """
    shown = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{shown} {noun if n == 1 else (plural or noun + 's')}"


def period_text(hours: float) -> str:
    """A period given in hours as people say it: "15 minutes" (under an hour), "6 hours",
    "1.5 hours", "2 hours 45 minutes".

    Whole hours and half hours stay in hours, as typed (``digest 1.5``); under an hour is
    in minutes ("0.25 hours" reads as a puzzle); other fractions are hours and minutes.
    A period that is not a whole number of minutes (``digest 0.33``) is shown in hours as
    given, rather than rounded to a time it is not.
    """
    minutes = hours * 60
    if abs(minutes - round(minutes)) > 1e-6:
        return counted(hours, "hour")
    whole, rest = divmod(round(minutes), 60)
    if not whole:
        return counted(rest, "minute")
    if rest in (0, 30):
        return counted(whole + rest / 60 if rest else whole, "hour")
    return f"{counted(whole, 'hour')} {counted(rest, 'minute')}"


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary and ended with "…".

    Unchanged when it fits; "…" says that something was cut, so a cut headline does not
    read as a typo ("contract cance"). A first word longer than the whole limit (a URL,
    a token) is cut inside it rather than dropped.
    """
    if len(text) <= limit:
        return text
    if limit < 2:
        return "…"[:limit]
    head = text[: limit - 1]
    if not text[limit - 1].isspace():  # the cut falls inside a word: leave that word out
        words = head.rsplit(None, 1)
        if len(words) == 2:
            head = words[0]
    return head.rstrip().rstrip(",;:") + "…"


def clip(text: str, limit: int) -> str:
    """``text`` on one line in at most ``limit`` characters (see :func:`shorten`).

    For what users typed or feeds sent, whose line breaks and runs of spaces would
    break the line a reply puts it on.
    """
    return shorten(" ".join(text.split()), limit)


_WORD = re.compile(r"\w+")


def repeats_headline(sentence: str, headline: str) -> bool:
    """Whether ``sentence`` says only what ``headline`` says, word for word.

    A report without a citable sentence (its feed's teaser is a question, or empty) has
    its headline as its summary; shown under that very headline ("The Problem With
    Representative Democracy" twice, or "• X: X" in a digest) it tells the reader
    nothing. Case, punctuation and spacing do not count.
    """
    head = _WORD.findall(headline.casefold())
    if not head:
        return False  # no sentence says nothing but no words
    # the sentence's words up to one more than the headline has, not all of them: the
    # sentence can be a whole article's first line
    words = [m.group() for m in islice(_WORD.finditer(sentence.casefold()), len(head) + 1)]
    return words == head


def format_time(when: datetime | None) -> str:
    """A time as replies show it ("2026-03-05 08:00 UTC"); "unknown time" for None."""
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "unknown time"


def source_list(sources: Sequence[str], shown: int = 2) -> str:
    """Name the first ``shown`` sources and count the rest: "Reuters, AP and 4 more"."""
    names = [s for s in sources if s.strip()]  # a blank name names nobody
    if not names:
        return ""
    if len(names) <= shown:
        return " and ".join(names) if len(names) == 2 else names[0]
    head = ", ".join(names[:shown])
    return f"{head} and {len(names) - shown} more"


def plain_text(message: "OutboundMessage") -> str:
    """Render a message as readable plain text (console and notification fallbacks)."""
    lines = []
    prefix = f"[{message.story_name}] " if message.story_name else ""
    lines.append(f"{prefix}{message.title}")
    if message.body:
        lines.append(message.body)
    if message.sources:
        lines.append(f"Sources: {source_list(message.sources)}")
    for link in message.links:
        lines.append(f"  {link.label}: {link.url}")
    if message.footer:
        lines.append(message.footer)
    return "\n".join(lines)


def join_whole(
    parts: Sequence[str], separator: str, limit: int, first: Collection[int] = ()
) -> str:
    """``parts`` joined by ``separator`` in at most ``limit`` characters, each kept whole.

    For lists whose items must not be cut, such as links (a cut URL is a broken link):
    the parts at the places in ``first`` (the links an alert's text cites) are taken
    first, then the others in order; one that does not fit in the room left is skipped,
    so a very long one costs only itself. The kept parts are joined in their own order,
    and the skipped ones are counted at the end ("… and 2 more"), the count's room
    included.
    """
    order = sorted(range(len(parts)), key=lambda i: i not in first)
    kept: list[int] = []
    for i in order:
        dropped = len(parts) - len(kept) - 1  # at most, if this one is kept
        more = f"{separator}… and {dropped} more" if dropped else ""
        if len(separator.join([*(parts[k] for k in kept), parts[i]])) + len(more) <= limit:
            kept.append(i)
    texts = [parts[k] for k in sorted(kept)]
    dropped = len(parts) - len(kept)
    if dropped:
        texts.append(f"… and {dropped} more")
    return separator.join(texts)
