"""Plain data that flows through storybot's core.

Every type here is a frozen dataclass with no behaviour beyond small derived properties.
Adapters translate the outside world into these types and back; storage maps them to rows.
ORM objects, Slack payloads and Discord objects never appear here.

Times are timezone-aware UTC ``datetime`` objects everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

from bot.textnorm import word_count

# A text of fewer words is no body: a headline-only feed's scrap ("Read more", "Comments").
# The engine reads such an item on its headline (``bot.engine.analysis``), and the
# pipeline reads its linked page instead where the operator turned that on.
BODY_MIN_WORDS = 8
# the start of a text that few spaces split, enough to count 8 of its words in any script
_UNSPACED_PROBE = 4096


def has_body(text: str | None) -> bool:
    """Whether ``text`` is a body (8 words or more), not a headline-only item's scrap.

    Chinese, Japanese and Thai are written without spaces between words: there a word
    is a character pair (triple in Thai), as the engine reads them
    (:func:`bot.textnorm.word_count`); a Chinese article was one or two "words" and so
    read as a headline-only item.
    """
    # at most BODY_MIN_WORDS + 1 parts: a 100 kB body is not split whole to count 8 words
    text = text or ""
    if len(text.split(maxsplit=BODY_MIN_WORDS)) >= BODY_MIN_WORDS:
        return True
    return word_count(text[:_UNSPACED_PROBE]) >= BODY_MIN_WORDS


# --------------------------------------------------------------------------- stories


@dataclass(frozen=True)
class SeedDoc:
    """One seed article of a story: the text a user gave us to define the story."""

    title: str
    text: str
    url: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Story:
    """A developing news story that storybot follows."""

    id: int
    name: str  # short slug users type: "anthropic-pentagon"
    title: str  # human title, usually the first seed's title
    seeds: tuple[SeedDoc, ...]
    created_at: datetime

    @property
    def began(self) -> datetime:
        """When the story began: its earliest dated seed, else when it was added."""
        times = [s.published for s in self.seeds if s.published is not None]
        return min(times) if times else self.created_at


# --------------------------------------------------------------------------- feeds


class FeedStatus(StrEnum):
    NEW = "new"  # never polled
    OK = "ok"  # last poll succeeded (200 or 304)
    ERROR = "error"  # last poll failed; see Feed.last_error


# What asked a feed's next poll to wait longer than its interval (``Feed.asked_by``)
ASKED_BY_TTL = "ttl"  # the RSS feed's <ttl>
ASKED_BY_MAX_AGE = "max-age"  # its server's Cache-Control: max-age


@dataclass(frozen=True)
class Feed:
    """A polled RSS/Atom/JSON feed and its scheduling state.

    ``next_poll_at`` is the single source of truth for scheduling: a poll cycle asks the
    store for feeds whose ``next_poll_at`` has passed, so a restart neither skips nor
    repeats a poll.
    """

    id: int
    url: str
    title: str | None
    status: FeedStatus
    next_poll_at: datetime
    last_polled_at: datetime | None = None
    last_ok_at: datetime | None = None
    error_count: int = 0  # consecutive failures, drives back-off
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # hash of the last body: identical body => skip parsing
    interval_s: int = 900  # base poll interval
    # Where the feed moved permanently (its URL answered 301/308 on the last successful
    # poll): still polled at ``url``, through the redirect, until an operator switches it
    moved_to: str | None = None
    # What part of the feed its last poll that read it could read, when not all of it
    # (``FetchResult.read_in_part``); None: read whole (or not read yet)
    read_in_part: str | None = None
    # How long the feed asked its last successful poll to wait, when that was longer than
    # its interval (its RSS ``<ttl>``, its server's ``Cache-Control: max-age``), in
    # seconds, and which asked (``ASKED_BY_TTL``, ``ASKED_BY_MAX_AGE``); None: the feed's
    # own interval set the next poll (or a failure's back-off did)
    asked_s: int | None = None
    asked_by: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    """One entry as parsed from a feed document, before identity and storage."""

    guid: str | None
    url: str | None
    title: str
    summary: str  # plain text, may be ""
    content: str  # plain text, may be ""
    published: datetime | None
    author: str | None = None


class FetchStatus(StrEnum):
    OK = "ok"  # a body was fetched and parsed (entries may still be empty)
    NOT_MODIFIED = "not_modified"  # 304, or the body hash equals the last one
    ERROR = "error"  # network error, HTTP error, size/time limit, unparseable


@dataclass(frozen=True)
class FetchResult:
    """What the feed fetcher reports for one poll of one feed."""

    status: FetchStatus
    http_status: int | None = None
    entries: tuple[FeedEntry, ...] = ()
    feed_title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    retry_after_s: float | None = None  # from Retry-After on 429/503
    max_age_s: float | None = None  # from Cache-Control: max-age
    ttl_s: float | None = None  # from the feed's <ttl> (RSS) in seconds
    error: str | None = None  # a clear, human message naming what is wrong
    warnings: tuple[str, ...] = ()  # e.g. "feed is not well-formed XML (parsed leniently)"
    # No server answered, for a reason that may pass: the resolver could not answer for
    # now (EAI_AGAIN), a connection refused, unreachable or never completed (packets
    # dropped: no answer within the fetcher's connect limit). Said of every host at once,
    # it is this machine's network that is down, not the feeds (bot.polling.NetworkWatch).
    unreachable: bool = False
    # The feed's URL answered with a permanent redirect (301, 308): the address that run
    # of permanent redirects ended at (a temporary one after it is not part of the move,
    # nor is a permanent one after a temporary one: the feed's own URL did not move).
    moved_to: str | None = None
    # The body was read only in part (the parser's bounds, at most so many entries), in
    # words for the operator: "the first 1.9 MiB of 3.4 MiB (...)"; None: read whole.
    read_in_part: str | None = None


@dataclass(frozen=True)
class PollRequest:
    """What the fetcher needs to poll one feed conditionally."""

    feed_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class Item:
    """A stored news item. ``key`` is its identity (guid, canonical URL or text hash)."""

    id: int
    key: str
    feed_id: int | None
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    fetched_at: datetime
    source: str  # outlet label, e.g. the feed title or the URL's host
    content_hash: str
    version: int = 1  # bumped when the text of the same item changes
    # the main text of the linked page, read because the feed gave no body (see
    # ``LinkedPages.read``); empty when it was not read
    page_text: str = ""

    @property
    def feed_text(self) -> str:
        """The body the feed gave: its content, else its summary (maybe a mere scrap)."""
        return self.content or self.summary

    @property
    def text(self) -> str:
        """Everything we know of the item's body, best first.

        The feed's text; where that is no body (under 8 words: a headline-only feed's
        scrap) and the linked page was read, the page's text.
        """
        if self.page_text and not has_body(self.feed_text):
            return self.page_text
        return self.feed_text


def arrival_order(item: Item) -> tuple[datetime, int]:
    """The order items are judged in: publication time (else fetch time), then storage order."""
    return (item.published or item.fetched_at, item.id)


@dataclass(frozen=True)
class NewItem:
    """An item about to be stored (no id yet).

    ``shared_link``: its feed lists other items (other keys) under the same canonical
    URL in the same fetch (a home page, a landing page, one page's anchors), so the link
    names no one article: the store finds the item by its key only, never by that URL
    (:func:`bot.identity.feed_items`).
    """

    key: str
    feed_id: int | None
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    fetched_at: datetime
    source: str
    content_hash: str
    shared_link: bool = False


@dataclass(frozen=True)
class PagesRead:
    """What a ``PageReader`` made of the linked pages it was asked for.

    ``texts``: the main text of each page it read, by the URL asked for. ``later``: the
    pages whose failure may pass (a refused or dropped connection, a timeout, HTTP 408,
    429 or 5xx), each with why it failed: worth trying again in a while. A URL in neither
    failed for good (404, a refused address, no article text in the page).
    """

    texts: dict[str, str] = field(default_factory=dict)
    later: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PageWait:
    """A stored item whose judgement waits for its linked page (``[pages] wait_s``).

    Its page failed in a way that may pass; it is judged when the page is read, or on its
    headline once ``since`` is ``wait_s`` past. ``tries``: later tries made so far.
    """

    item_id: int
    since: datetime  # when its page first failed
    next_try_at: datetime
    tries: int = 0


@dataclass(frozen=True)
class ItemUpdate:
    """A stored item whose text changed since a version that was judged.

    ``version`` is the item's latest version; ``title`` and ``text`` are what its
    judgements read (the version before the first update not judged yet), so the
    pipeline can tell what the update added (:func:`bot.revision.revision`).
    """

    item_id: int
    version: int
    title: str
    text: str
    stored_at: datetime


class IngestOutcome(StrEnum):
    NEW = "new"  # first time we see this identity
    SEEN = "seen"  # same identity, same text: nothing to do
    UPDATED = "updated"  # same identity, text changed: recorded as a new version


# --------------------------------------------------------------------------- engine output


@dataclass(frozen=True)
class Judgement:
    """The engine's decision for one item against one story, with its reason.

    ``development`` is a number local to the story (0 is the seed story itself, then
    1, 2, ... in order of discovery). ``reason`` holds the features that drove the
    decision (scores, thresholds, matched terms, the item it copies) for ``/story why``.
    """

    story_id: int
    item_id: int
    on_topic: bool
    score: float
    duplicate_of: int | None = None  # item id of the earlier copy, if this is a copy
    development: int | None = None
    new_development: bool = False
    reason: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Citation:
    """One sentence of an update summary and the report it was taken from.

    Summaries are extractive, so every sentence has a source a reader can check:
    ``source`` is the outlet label (or "seed" for the user's seed articles) and ``url``
    the report's link when it has one.
    """

    sentence: str
    source: str
    url: str | None = None


@dataclass(frozen=True)
class Development:
    """A group of items about one turn of a story, with its running summary."""

    story_id: int
    number: int  # 0 = the seed story; 1.. = later developments
    headline: str
    summary: str
    created_at: datetime
    updated_at: datetime
    item_count: int = 0
    sources: tuple[str, ...] = ()  # distinct outlet labels, first reporter first
    links: tuple[tuple[str, str], ...] = ()  # (source, url), first reporter first
    citations: tuple[Citation, ...] = ()  # the summary's sentences with their sources
    # when its earliest report was published (else fetched); None with no report yet.
    # ``created_at`` is when storybot made it, which after a backlog poll is much later.
    first_reported_at: datetime | None = None


@dataclass(frozen=True)
class Report:
    """An item a story took into one of its developments, as the story's record lists it.

    ``link`` is the item's link as ``Development.links`` holds it (its URL, else its
    canonical URL); ``source`` its outlet, read as those links name it. ``copy_of`` is
    the item id of the earlier report it copies (its judgement's ``duplicate_of``), None
    for a report of its own (or one stored without a judgement).
    """

    item_id: int
    development: int
    title: str
    source: str
    link: str | None
    published: datetime | None
    fetched_at: datetime
    copy_of: int | None = None


@dataclass(frozen=True)
class Decision:
    """A stored judgement joined with its item, as ``/story why`` shows it."""

    judgement: Judgement
    item: Item
    decided_at: datetime
    item_version: int | None = None  # the version of the item judged (None: not recorded)


@dataclass(frozen=True)
class Correction:
    """An admin's word that an item is (``on_topic``) or is not part of a story.

    Given with ``/story wrong``: one per story and item, the latest word replacing an
    earlier one. The stored corrections are the truth; the engine holds the ones it has
    applied (``Engine.corrections``) and the pipeline brings it in line with the store
    (:mod:`bot.teaching`). The judgement stored for the item stays as it was made:
    a correction changes what the story does with later items, not what it did.
    """

    story_id: int
    item_id: int
    on_topic: bool
    platform: str  # who said so: the platform and its user id, as subscriptions name users
    user_id: str
    created_at: datetime


# --------------------------------------------------------------------------- channels


class DeliveryMode(StrEnum):
    REALTIME = "realtime"
    DIGEST = "digest"


# The hours a digest channel's period may be: `/story follow NAME digest HOURS` (and its
# Discord option) and the config file's `[delivery] default_digest_hours`, the period of a
# plain `/story follow NAME digest`, take these and nothing else. Fewer is a digest every
# few minutes, more one that in practice never comes.
MIN_DIGEST_HOURS = 0.25
MAX_DIGEST_HOURS = 24.0 * 7
DIGEST_HOURS_RANGE = f"between {MIN_DIGEST_HOURS:g} and {MAX_DIGEST_HOURS:g}"


def valid_digest_hours(hours: float) -> bool:
    """Whether ``hours`` is a digest period storybot takes (False for NaN)."""
    return MIN_DIGEST_HOURS <= hours <= MAX_DIGEST_HOURS


def digest_hours_in_range(hours: float) -> float:
    """``hours``, a binding's stored digest period, brought into the range.

    A binding stored before ``[delivery] default_digest_hours`` was held to the range may
    hold any number: ``inf`` (from ``default_digest_hours = inf``: no ``timedelta`` holds
    it) or more is a digest every ``MAX_DIGEST_HOURS``, less than ``MIN_DIGEST_HOURS`` one
    every ``MIN_DIGEST_HOURS``, and NaN one every 24 hours, the default.
    """
    if hours != hours:  # NaN
        return 24.0
    return min(max(hours, MIN_DIGEST_HOURS), MAX_DIGEST_HOURS)


@dataclass(frozen=True)
class Target:
    """Where a message goes: a channel, or a user's direct messages."""

    platform: str  # "console", "slack", "discord"
    channel_id: str | None = None
    user_id: str | None = None  # set for DMs (channel_id is then None)

    @property
    def key(self) -> str:
        where = f"c:{self.channel_id}" if self.channel_id else f"u:{self.user_id}"
        return f"{self.platform}:{where}"


@dataclass(frozen=True)
class Binding:
    """A channel that follows a story."""

    id: int
    story_id: int
    platform: str
    channel_id: str
    mode: DeliveryMode
    digest_hours: float = 24.0
    # realtime alerts an hour, beyond which they go into the overflow digest; 0 (what
    # every binding stores today): the configured [delivery] default_max_per_hour
    max_per_hour: int = 0
    last_digest_at: datetime | None = None
    created_at: datetime | None = None
    # the story's developments through this commit-order number are covered (alerted,
    # digested, or there before the follow): see Store.developments_after
    digested_seq: int = 0
    # `digest HOURS at HH:MM`: the first slot, a naive wall-clock time in [delivery]
    # timezone (bot.digest_schedule); None: a digest every HOURS from the last one
    digest_anchor: datetime | None = None
    # the story's development updates through this commit-order number are covered
    # (told in a digest, or not this channel's): see Store.development_updates_after
    updated_seq: int = 0
    # the story's developments through this seq were there before the follow: no digest
    # of this follow listed them, so none tells of their later reports
    followed_seq: int = 0

    @property
    def target(self) -> Target:
        return Target(self.platform, channel_id=self.channel_id)


@dataclass(frozen=True)
class Subscription:
    """A user's keyword subscription, optionally scoped to one story."""

    id: int
    platform: str
    user_id: str
    query: str  # the user's text, parsed by bot.query
    story_id: int | None
    created_at: datetime
    channel_id: str | None = None  # where it was created (for context only)


@dataclass(frozen=True)
class OwnerCheckRun:
    """A platform's last check of its subscription owners (:mod:`bot.member_check`), as
    stored for every process to see: the service that runs the next one, and
    ``storybot health``.

    Attributes:
        platform: "slack" or "discord".
        started_at: When the last run was claimed (None: never).
        finished_at: When the last run that ended ended (None: none has). Earlier than
            ``started_at`` while a run goes on, or after one that never ended (a crash).
        every_s: The period of the service that claimed it ([permissions]
            check_owners_hours).
        owners, checked, gone_users, removed, unchecked: The finished run's counts (see
            :class:`bot.member_check.CheckReport`).
        problem: Why the finished run stopped (a token without ``users:read``), else None.
    """

    platform: str
    started_at: datetime | None
    finished_at: datetime | None
    every_s: float
    owners: int = 0
    checked: int = 0
    gone_users: int = 0
    removed: int = 0
    unchecked: int = 0
    problem: str | None = None


# --------------------------------------------------------------------------- outgoing messages


class MessageKind(StrEnum):
    ALERT = "alert"  # one per (development, channel); later reports edit it
    NOTICE = "notice"  # a keyword-subscription match, sent by DM
    DIGEST = "digest"  # a batch of developments for a digest channel
    # a plain message to one person by DM, title and body only (no item, story or links):
    # their keyword subscriptions were removed by someone else (bot.subscriptions_gone)
    INFO = "info"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class OutboundMessage:
    """A platform-neutral message. Adapters render it (Block Kit, embed, plain text).

    All text fields carry raw feed text; every adapter escapes it for its platform.
    """

    kind: MessageKind
    title: str
    body: str
    story_name: str | None = None
    sources: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    when: datetime | None = None
    # with ``when``, a span: a digest's reports came from ``when_from`` to ``when`` (None:
    # one time, ``when``); see bot.digest_text.digest_message
    when_from: datetime | None = None
    footer: str | None = None
    thread_note: str | None = None  # a new fact worth a threaded reply on an edited alert
    # an alert's extractive summary sentences with their sources (what an optional
    # summarizer may rewrite at delivery; see bot.summarizer)
    citations: tuple[Citation, ...] = ()

    def plain_text(self) -> str:
        """A readable plain-text rendering (console, notification fallbacks)."""
        from bot.render import plain_text  # local import: keeps model free of logic

        return plain_text(self)


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox: a message that must reach its target exactly once.

    An alert row is *versioned*: a later report of the same development bumps
    ``version`` and replaces ``message``; the worker delivers while
    ``delivered_version < version`` by posting (no ``message_id`` yet) or editing.
    """

    id: int
    key: str  # idempotency key, unique
    target: Target
    message: OutboundMessage
    version: int
    delivered_version: int
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    message_id: str | None = None  # the platform's id of the posted message
    last_error: str | None = None
    dead: bool = False  # gave up after a permanent error; shown by `storybot outbox`
    post_started_at: datetime | None = None  # a first post was attempted (crash recovery)
    delivered_at: datetime | None = None  # when its last version was delivered


# --------------------------------------------------------------------------- commands


class InstallAccess(StrEnum):
    """Whether a command's place may change what the whole install shares.

    Stories and feeds are one install's for every Slack channel and Discord server it
    serves: removing a story ends every channel's follow and everyone's subscriptions of
    it. The adapter says where the command was typed; the core decides which commands need
    more than the place's own admins (``bot.command_specs.install_command``).
    """

    ALLOWED = "allowed"  # Slack (its own workspace's admins), the console (the operator)
    # Discord: a server (or a DM) that ``[discord] admin_servers`` does not list
    UNLISTED = "unlisted"
    # Discord: ``[discord] admin_servers`` is empty and storybot is in several servers
    # (or not in this one), so no server can be taken for the one that runs it
    NO_LIST = "no_list"


@dataclass(frozen=True)
class CommandRequest:
    """A platform-neutral command: what a user typed after ``/story``."""

    text: str
    platform: str
    user_id: str
    channel_id: str | None = None
    user_name: str | None = None
    # the adapter decides from platform roles and config; None: the platform could not
    # say right now (rate limited, unreachable), which is no refusal (see bot.commands)
    is_admin: bool | None = False
    # typed in a direct message rather than a channel (Discord DMs have no server, so
    # no channel there can follow a story and no server admin can be recognised)
    direct_message: bool = False
    # why storybot cannot post in the channel, as the adapter found when asked for a
    # follow (Slack: a private channel it was not invited to; Discord: a permission it
    # lacks there, or a server it is not in); None when it can or could not tell. A
    # follow there is refused with it (see bot.follow_commands).
    cannot_post: str | None = None
    # whether this place may run the admin commands that change every channel's stories
    # and feeds (``stories add|remove``, ``feeds add|remove``); the per-channel ones
    # (``follow``) need only ``is_admin``
    install_access: InstallAccess = InstallAccess.ALLOWED


@dataclass(frozen=True)
class Mention:
    """A chat user storybot's own words name in a reply (the admin who corrected an item).

    Chat shows it as that platform's mention, the user's name (:mod:`bot.mentions`);
    ``shown`` is the plain text that stands for it in ``Reply.text``, which is all
    the console, the logs and another platform see.
    """

    platform: str  # the user's platform, as CommandRequest.platform names it
    user_id: str  # the id that platform gave storybot for them (never text a user typed)
    shown: str  # one line, never empty: "@U04ABCDEF"


@dataclass(frozen=True)
class Reply:
    """A platform-neutral command reply.

    ``text`` is complete on its own (the console prints it). ``message`` optionally
    carries a richer rendering (status uses it). ``ephemeral`` replies are shown only
    to the user who asked. ``mentions`` says where in ``text`` storybot names a chat
    user (each offset holds that mention's ``shown``); only core code sets them
    (:func:`bot.mentions.reply`), so nothing a feed or a user wrote ever becomes one.
    """

    text: str
    ephemeral: bool = True
    ok: bool = True  # False for errors (usage, unknown story, permission)
    message: OutboundMessage | None = None
    usage_error: bool = False  # the error was bad usage (``bot.errors.UsageError``)
    mentions: tuple[tuple[int, Mention], ...] = ()  # (offset in ``text``, whom), in order
