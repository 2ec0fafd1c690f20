"""The ports: the only ways storybot's core talks to the outside world.

Each port is a ``typing.Protocol``. Implementations live in ``storage/`` (the store) and
``adapters/`` (feed fetching, chat platforms, clocks for production); tests use the real
implementations against real SQLite/PostgreSQL and fake servers at the wire.

The store's errors and records live in :mod:`bot.store_ports.errors` and
:mod:`bot.store_ports.records`; this module re-exports them, so ``from bot.ports import
OutboxWrite`` (or ``Conflict``...) works as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Collection, Mapping, Protocol, Sequence

from bot.model import (
    Binding,
    CommandRequest,
    Correction,
    Decision,
    DeliveryMode,
    Development,
    Feed,
    FeedStatus,
    FetchResult,
    IngestOutcome,
    Item,
    ItemUpdate,
    Judgement,
    NewItem,
    OutboundMessage,
    OutboxEntry,
    OwnerCheckRun,
    PagesRead,
    PageWait,
    PollRequest,
    Reply,
    Report,
    SeedDoc,
    Story,
    Subscription,
    Target,
)

# The store's errors and records, re-exported (see the module docstring).
from bot.store_ports.errors import (
    AlreadySubscribed,
    Conflict,
    NotFound,
    StoreBusy,
    StoreError,
    SubscriptionsFull,
)
from bot.store_ports.records import (
    DeadDiscard,
    DeadRequeue,
    DevelopmentUpdate,
    DevelopmentWrite,
    FollowBacklog,
    OutboxWrite,
    PollOutcome,
    PruneProgress,
    PruneReport,
    StoryStats,
    TellUsers,
)

__all__ = [
    # the ports defined here
    "ChatAdapter",
    "ChatSink",
    "Clock",
    "CommandHandler",
    "Embedder",
    "FeedFetcher",
    "HostCheck",
    "PageReader",
    "RecoverableSink",
    "SeedLoader",
    "Summarizer",
    "SummaryRequest",
    # the store's errors (bot.store_ports.errors)
    "AlreadySubscribed",
    "Conflict",
    "NotFound",
    "StoreBusy",
    "StoreError",
    "SubscriptionsFull",
    # the store's records (bot.store_ports.records)
    "DeadDiscard",
    "DeadRequeue",
    "DevelopmentUpdate",
    "DevelopmentWrite",
    "FollowBacklog",
    "OutboxWrite",
    "PollOutcome",
    "PruneProgress",
    "PruneReport",
    "StoryStats",
    "TellUsers",
]


@dataclass(frozen=True)
class SummaryRequest:
    """What an optional summarizer is asked to rewrite: one alert's cited sentences.

    ``sentences`` are ``(sentence, marker, source)`` in summary order; ``marker`` is the
    number of the alert's link to the report (``[1]``), or None for a report without a
    link. A rewrite must cite with those markers only.
    """

    story: str | None
    headline: str
    sentences: tuple[tuple[str, int | None, str], ...]
    max_words: int


class Summarizer(Protocol):
    """Writes an abstractive update from extractive sentences (an LLM API, if configured).

    Never used by default; the extractive summary is always made and is the fallback.
    """

    name: str  # shown to readers: "Summary written by <name> from the linked reports"

    async def summarise(self, request: SummaryRequest) -> str:
        """The rewritten summary, citing with the request's markers.

        Raises:
            Exception: Any failure; the caller keeps the extractive summary.
        """
        ...


class Clock(Protocol):
    """Where the core gets the time. Injected everywhere; tests use a manual clock."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


# --------------------------------------------------------------------------- feeds


class FeedFetcher(Protocol):
    """Fetches and parses one feed, conditionally, within time and size limits.

    Never raises for feed or network problems: they come back as
    ``FetchResult(status=ERROR, error="clear message")``.
    """

    async def fetch(self, request: PollRequest) -> FetchResult: ...

    async def aclose(self) -> None: ...


HostCheck = Callable[[str], Awaitable[str | None]]
"""Why the fetcher would refuse a URL's host (a private or loopback address not on the
operator's allow list), as the message a poll would record; None if it would not.

Used when a feed is added, so a feed that can never be polled is refused at once. A host
that does not resolve is not a refusal (DNS may be down for a moment; the poll reports it).
"""


# --------------------------------------------------------------------------- embeddings


class Embedder(Protocol):
    """Turns texts into dense vectors (an optional extra signal for relevance).

    The engine never imports a model: it is handed an embedder, and without one it decides
    on its term statistics alone. Implementations must be deterministic (the same text
    gives the same vector), because a story's seed vectors are persisted with its state
    and restored ones must match freshly computed ones. ``name`` identifies the model:
    vectors stored under another name are recomputed.
    """

    name: str

    def embed(self, texts: Sequence[str]) -> list[Sequence[float]]:
        """One vector per text, in order; all of the same length."""
        ...


# --------------------------------------------------------------------------- pages


class PageReader(Protocol):
    """Reads the main text of linked web pages (for items whose feed gave no body).

    An implementation fetches with the same safety rules as feeds (SSRF guard, size
    and time limits, a few requests per host at a time) and extracts the article text
    from the page's markup. It never raises for a page: a page it cannot read (an HTTP
    error, a timeout, no article text in it) is left out of the texts and logged; one
    whose failure may pass (a refused or dropped connection, a timeout, HTTP 408, 429 or
    5xx) is named in ``later`` with the reason, so the caller may try it again in a while.
    """

    async def read(self, urls: Sequence[str]) -> PagesRead:
        """The main text of each page it could read, and the pages worth trying later."""
        ...


# --------------------------------------------------------------------------- seeds


class SeedLoader(Protocol):
    """Reads the seed articles of a story added from chat (``/story stories add``).

    An implementation reads each URL as ``storybot story add --seed URL`` does: the feed
    fetcher's safety rules (the SSRF guard, size and time limits) and the page's main
    text. It reads web addresses only, never a file of the server's; a feed (RSS/Atom) is
    no article and is refused with ``bot.errors.NotAnArticle``.
    """

    async def load(self, urls: Sequence[str]) -> list[SeedDoc]:
        """One seed per URL, in order: all of them, or an error and none.

        Raises:
            UserError: A URL could not be read as an article (the first such in the order
                given): the message names it and says why.
        """
        ...


# --------------------------------------------------------------------------- chat


class ChatSink(Protocol):
    """Sends neutral messages to one chat platform.

    Raises ``bot.errors.RateLimited`` (with the server's retry-after),
    ``bot.errors.TransientDeliveryError`` (5xx, timeout, dropped connection: retry) or
    ``bot.errors.PermanentDeliveryError`` (channel gone, not allowed: give up).
    """

    platform: str

    async def post(self, target: Target, message: OutboundMessage, *, idempotency_key: str) -> str:
        """Post a new message; return the platform's message id."""
        ...

    async def edit(
        self,
        target: Target,
        message_id: str,
        message: OutboundMessage,
        *,
        since: datetime | None = None,
    ) -> None:
        """Replace the content of a message posted earlier.

        The same edit may come again (a retry, a crash before it was recorded, a note
        carried into the next edit): each fact of ``message.thread_note`` must still be
        shown once (``bot.alerts.fact_digest`` names a fact). ``since`` is a little before
        the message's previous delivery (None: unknown): a note this edit could repeat
        was posted after it, so a sink that looks for its notes need look no further back.
        """
        ...


class RecoverableSink(ChatSink, Protocol):
    """A sink that can find a message it posted under an idempotency key.

    Used after a crash between posting and recording the post. Sinks whose platform
    de-duplicates posts by key itself (Discord's enforced nonce) need not implement it.
    ``find_posted`` raises ``bot.errors.PostUnverifiable`` when it cannot look (the bot may
    not read the channel); the worker then posts again, accepting a possible duplicate.
    """

    async def find_posted(
        self, target: Target, key: str, *, oldest: datetime | None = None
    ) -> str | None: ...


# --------------------------------------------------------------------------- store


class Store(Protocol):
    """Everything storybot persists. Implemented by ``storage.sql.SqlStore``.

    All methods are synchronous and each is its own transaction; ``commit_decisions``
    writes judgements, developments, engine state and outbox rows atomically.
    """

    # stories
    def add_story(
        self, name: str, title: str, seeds: Sequence[SeedDoc], now: datetime
    ) -> Story: ...
    def get_story(self, name: str) -> Story | None: ...
    def get_story_by_id(self, story_id: int) -> Story | None: ...
    def list_stories(self) -> list[Story]: ...
    def remove_story(self, name: str, tell: TellUsers | None = None) -> bool:
        """Delete a story with what hangs off it, its story-scoped subscriptions among
        them; ``tell``: the DMs to queue for those subscriptions' users, in the same
        transaction. True if a story was deleted."""
        ...

    # feeds
    def add_feed(self, url: str, now: datetime, interval_s: int) -> Feed:
        """Add a feed polled every ``interval_s``, due at ``now``; no default, so every
        caller passes the configured one (``[polling] default_interval_s``).

        Raises:
            Conflict: the feed URL is already known.
        """
        ...

    def remove_feed(self, url: str) -> bool: ...
    def set_feed_interval(self, url: str, interval_s: int) -> Feed | None:
        """Poll a feed every ``interval_s`` from its next poll on; None if there is none."""
        ...

    def get_feed(self, url: str) -> Feed | None: ...
    def get_feed_by_id(self, feed_id: int) -> Feed | None: ...
    def list_feeds(self) -> list[Feed]: ...
    def feed_status_counts(self) -> dict[FeedStatus, int]:
        """How many feeds are in each status (for feed health lines)."""
        ...

    def failing_feeds(self, limit: int = 3) -> list[Feed]:
        """Feeds whose last poll failed, the longest-failing first."""
        ...

    def moved_feeds(self, limit: int = 3) -> list[Feed]:
        """Feeds whose URL redirects permanently (``Feed.moved_to`` set), oldest first."""
        ...

    def feeds_read_in_part(self, limit: int = 3) -> list[Feed]:
        """Feeds whose last read read only part of them (``Feed.read_in_part`` set), oldest
        first."""
        ...

    def due_feeds(self, now: datetime, limit: int = 1000) -> list[Feed]: ...
    def record_poll(self, outcome: PollOutcome) -> None: ...
    def record_polls(self, outcomes: Sequence[PollOutcome]) -> None:
        """``record_poll`` for each outcome, in order, in one transaction.

        The same result as one call per outcome (a removed feed is ignored, None title
        keeps the title, the same feed twice ends in its last outcome) at the cost of one
        write; use it to record a polling cycle's feeds together.
        """
        ...

    # items
    def ingest_item(self, item: NewItem) -> tuple[IngestOutcome, Item]:
        """Store an item unless its key or canonical URL is already known.

        The canonical URL finds a stored item only when it names one: not for an item
        whose ``shared_link`` says its feed lists others under it, and not when two or
        more stored items already hold it (those are distinct items, whichever this is).

        Returns NEW with the stored item, SEEN with the existing item (same text), or
        UPDATED with the existing item at its bumped version (text changed).
        """
        ...

    def ingest_items(self, items: Sequence[NewItem]) -> list[tuple[IngestOutcome, Item]]:
        """``ingest_item`` for each item, in order, in one transaction.

        Returns one (outcome, item) per input, exactly what separate calls would have
        returned: a duplicate later in the same batch is SEEN (or UPDATED when its text
        differs) and each item is as it stood right after its own turn. Use it to store a
        fetch's entries with one lookup instead of one transaction per entry. The items
        of a feed removed meanwhile (its fetch was in flight) are not stored and have no
        pair in the result.
        """
        ...

    def get_item(self, item_id: int) -> Item | None: ...

    def get_items(self, item_ids: Sequence[int]) -> list[Item]:
        """The stored items with these ids, in the order given (unknown ids skipped)."""
        ...

    def find_item_by_url(self, url: str) -> Item | None:
        """Find by exact URL or canonical URL (callers pass a canonicalised URL too)."""
        ...

    def find_items_by_url(self, url: str, limit: int) -> list[Item]:
        """The items at this URL, newest first, at most ``limit``.

        Those whose exact URL it is or, if none, those whose canonical URL it is: several
        when a feed lists its articles under one link (``NewItem.shared_link``).
        """
        ...

    def save_page_texts(self, texts: Mapping[int, str]) -> None:
        """Store the main text of each item's linked page (item id -> text), in one commit.

        Read because the item's feed gave no body (``LinkedPages.read``). The text
        is the item's ``page_text`` from then on: a re-poll that finds the entry
        unchanged or edited keeps it; an update that gives the item a link it lacked
        clears it (the page read was not that link's). Unknown ids are skipped.
        """
        ...

    def hold_for_pages(self, waits: Sequence[PageWait]) -> None:
        """Record items whose judgement waits for their linked page, in one commit.

        An item already waiting keeps its ``since`` and takes the new ``next_try_at``
        and ``tries``. Unknown item ids are skipped.
        """
        ...

    def due_page_waits(self, now: datetime, limit: int = 200) -> list[PageWait]:
        """The waiting items whose next try is due (``next_try_at <= now``), soonest first."""
        ...

    def release_page_waits(self, item_ids: Sequence[int]) -> None:
        """Stop waiting for these items' pages (they are judged, or about to be)."""
        ...

    def count_page_waits(self) -> int:
        """How many items wait for their linked page."""
        ...

    def count_items(self) -> int: ...
    def item_ids_after(
        self,
        after: int,
        limit: int,
        *,
        stored_by: datetime | None = None,
        stored_after: datetime | None = None,
        held: bool = True,
        oldest: bool = False,
    ) -> list[int]:
        """The newest ``limit`` item ids above ``after`` (``oldest``: the oldest), oldest
        first; with ``stored_by``, of the items stored (``fetched_at``) at or before it;
        with ``stored_after``, of those stored after it; ``held=False`` leaves out the
        items held for their linked page (``hold_for_pages``)."""
        ...

    # engine state and decisions
    def load_background(self) -> tuple[Mapping[str, Any], int] | None:
        """The engine's background statistics and the item id they cover through."""
        ...

    def save_background(
        self, state: Mapping[str, Any], observed_through: int, now: datetime
    ) -> None: ...
    def load_engine_state(self, story_id: int) -> Mapping[str, Any] | None: ...
    def load_stream(self) -> Mapping[str, Any] | None:
        """The stream statistics the last commit stored (``commit_decisions``' ``stream``),
        or None. Every story weighs with them; they are no story's (removing stories
        leaves them)."""
        ...

    def load_dated_stream(self) -> tuple[Mapping[str, Any], datetime] | None:
        """What :meth:`load_stream` returns, with when that commit stored it, or None."""
        ...

    def prune(
        self, before: datetime, *, dry_run: bool = False, progress: PruneProgress | None = None
    ) -> PruneReport:
        """Blank old off-topic items' text, delete old delivered notices and digests and
        old development updates every follow of their story has passed.

        In batches, each committed (stopped midway, the next prune does the rest);
        ``progress`` is called after each one.
        """
        ...

    def commit_decisions(
        self,
        judgements: Sequence[Judgement],
        developments: Sequence[DevelopmentWrite],
        engine_states: Mapping[int, Mapping[str, Any]],
        outbox: Sequence[OutboxWrite],
        now: datetime,
        *,
        revised: Sequence[Judgement] = (),
        versions: Mapping[int, int] | None = None,
        texts: Mapping[int, tuple[str, str]] | None = None,
        stream: Mapping[str, Any] | None = None,
    ) -> None:
        """Store a batch's decisions and their consequences in one transaction.

        ``revised`` are new judgements of pairs judged before (an item updated in
        place, judged again): they replace the stored ones. ``versions`` maps each item
        judged to the version judged: recorded with its judgements, and the item's
        pending update (``pending_updates``) up to that version is settled; a later
        version's pending update takes the headline and text in ``texts`` (those of the
        version judged) as the text its judgements read. ``stream``, the engine's stream
        statistics the decisions were made with, replaces the stored ones
        (``load_stream``); None leaves them.
        """
        ...

    def pending_updates(self, limit: int = 200) -> list[ItemUpdate]:
        """Items updated since a version that was judged, not judged again yet, oldest first."""
        ...

    def decisions_for_item(self, item_id: int) -> list[Decision]: ...
    def judged_item_ids(self, item_ids: Collection[int]) -> set[int]:
        """Those of ``item_ids`` that some story has judged (one query a chunk)."""
        ...

    def unjudged_items(self, since: datetime, before: datetime, newest: int = 2000) -> int:
        """How many of the ``newest`` items, fetched in (``since``, ``before``], no story has
        judged and none waits for its page (``storybot health``)."""
        ...

    def list_developments(self, story_id: int, limit: int = 10) -> list[Development]:
        """Newest first by ``first_reported_at`` (else ``created_at``), then number;
        includes item_count, sources and links. A later report does not reorder them."""
        ...

    def developments_page(
        self, story_id: int, limit: int, offset: int = 0, *, oldest_first: bool = False
    ) -> list[Development]:
        """The new developments (number > 0; not the seed story) in ``list_developments``'
        order, ``offset`` of them skipped, at most ``limit``: one page, read as one page.
        ``oldest_first``: the other way round (by first report, then number), a timeline."""
        ...

    def development_reports(self, story_id: int, numbers: Collection[int]) -> list[Report]:
        """The reports of the story's developments numbered ``numbers``, each with the
        copy it is of (if any), in discovery order (first reporter first, as
        ``Development.links`` lists them). Headlines, links and times, never the texts:
        an export reads a page of developments' reports at a time."""
        ...

    def count_judged(self, story_id: int) -> int:
        """How many items the story has judged, on-topic or not (one judgement each)."""
        ...

    def developments_after(self, story_id: int, seq: int) -> tuple[list[Development], int]:
        """Developments committed after the story's ``seq``-th, in commit order, and the
        seq of the last of them (``seq`` if none). Commit order, not time: a development
        judged before a digest but committed after it is still after its watermark."""
        ...

    def development_updates_after(
        self, story_id: int, seq: int
    ) -> tuple[list[DevelopmentUpdate], int]:
        """What commits after the story's ``seq``-th update added to developments stored
        before them (reports, facts), in commit order, and the seq of the last of them
        (``seq`` if none): the digests' second watermark, read as ``developments_after``."""
        ...

    def development_updates(
        self, story_id: int, numbers: Collection[int]
    ) -> list[DevelopmentUpdate]:
        """What later commits added to the story's developments numbered ``numbers``
        (reports, facts), those ``prune`` has not deleted, in commit order: an export
        lists a page of developments' updates at a time."""
        ...

    def latest_development_updates(self, story_id: int, limit: int) -> list[DevelopmentUpdate]:
        """The story's last ``limit`` development updates (reports, facts), newest commit
        first: ``/story status`` tells the latest of them."""
        ...

    def developments_numbered(self, story_id: int, numbers: Collection[int]) -> list[Development]:
        """The story's developments numbered ``numbers`` (those stored), in number order."""
        ...

    def get_development(self, story_id: int, number: int) -> Development | None: ...
    def story_stats(self, story_id: int) -> StoryStats: ...

    # corrections (/story wrong): see bot.teaching
    def set_correction(self, correction: Correction) -> None:
        """Record an admin's word that an item is or is not part of a story, replacing
        the story's earlier correction of that item (its label, who and when).

        Raises:
            NotFound: the story or the item is not stored (removed meanwhile).
        """
        ...

    def remove_correction(self, story_id: int, item_id: int) -> bool:
        """Withdraw the story's correction of the item; True if there was one."""
        ...

    def all_corrections(self) -> dict[int, dict[int, bool]]:
        """Every story's corrections in one read: story id -> item id -> on topic (a
        story without any has no key). What each cycle brings the engine in line with."""
        ...

    def item_corrections(self, item_id: int) -> list[Correction]:
        """Every story's correction of an item, with who gave it and when, by story id
        (``/story why`` and ``/story wrong``)."""
        ...

    # channel bindings
    def bind(
        self,
        story_id: int,
        platform: str,
        channel_id: str,
        mode: DeliveryMode,
        digest_hours: float,
        now: datetime,
        digest_anchor: datetime | None = None,
    ) -> Binding:
        """Create or update the binding of a channel to a story (``digest_anchor``: the
        first slot of ``digest HOURS at HH:MM``, a naive local time; None: no ``at``)."""
        ...

    def unbind(self, story_id: int, platform: str, channel_id: str) -> bool: ...
    def bindings_for_story(self, story_id: int) -> list[Binding]: ...
    def bindings_for_channel(self, platform: str, channel_id: str) -> list[Binding]: ...
    def list_bindings(self) -> list[Binding]: ...
    def follow_backlogs(self) -> dict[int, FollowBacklog]:
        """Each binding's alerts and digests given up on and still to deliver, by binding
        id; bindings with neither are left out (``storybot follows``)."""
        ...

    def queue_digest(
        self,
        binding_id: int,
        covered: int,
        through: int,
        writes: Sequence[OutboxWrite],
        now: datetime,
        *,
        updates: tuple[int, int] | None = None,
    ) -> bool:
        """Move the binding's watermark from ``covered`` to ``through`` (and
        ``last_digest_at`` to ``now``), and its updates' watermark (``updates``:
        covered, through) likewise, and queue ``writes``, atomically; False, writing
        nothing, if either watermark is no longer what the caller read."""
        ...

    # subscriptions
    def add_subscription(
        self,
        platform: str,
        user_id: str,
        query: str,
        story_id: int | None,
        now: datetime,
        channel_id: str | None = None,
        max_total: int = 0,
        max_per_user: int = 0,
    ) -> Subscription:
        """Add a keyword subscription.

        Args:
            max_total: refuse it when this many subscriptions (everyone's) are stored
                already; 0: no cap. Exact: two adds at once never both take the last place.
            max_per_user: refuse it when the user holds this many on this platform; 0: no
                cap. Exact in the same way.

        Raises:
            AlreadySubscribed: the user has one with an equal query (``parse_query``'s
                ``==``) and the same story (or none), on this platform.
            SubscriptionsFull: ``max_total`` subscriptions are stored, or the user holds
                ``max_per_user`` (``per_user`` set); nothing was added.
            NotFound: ``story_id`` is given but no story has it.
        """
        ...

    def remove_subscription(self, platform: str, user_id: str, subscription_id: int) -> bool: ...
    def remove_subscriptions(
        self,
        ids: Sequence[int] = (),
        tell: TellUsers | None = None,
        *,
        user: tuple[str, str] | None = None,
    ) -> list[Subscription]:
        """Delete the subscriptions with these ids (anyone's: the operator's removal), or
        every one ``user`` (platform, user id) holds when it runs, in one transaction,
        with the unsent keyword DMs only they caused, and queue ``tell``'s DMs in it.
        Returns those deleted (an id not stored is skipped)."""
        ...

    def list_subscriptions(self, platform: str, user_id: str) -> list[Subscription]: ...
    def all_subscriptions(self) -> list[Subscription]: ...

    # the checks of subscription owners (bot.member_check)
    def claim_owner_check(
        self, platform: str, now: datetime, every_s: float, retry_s: float
    ) -> bool:
        """Claim the platform's next check of subscription owners, for one process of all
        those on the database: True when the last run was claimed at least ``every_s``
        before ``now`` (or ``retry_s`` when it stopped on a problem), or never; the run is
        then this caller's, started at ``now``. Atomic: of processes claiming at once, one
        gets it."""
        ...

    def finish_owner_check(self, run: OwnerCheckRun) -> None:
        """Record how the run claimed at ``run.started_at`` went (``finished_at``, counts,
        problem)."""
        ...

    def owner_check_runs(self) -> list[OwnerCheckRun]:
        """Each platform's last check of subscription owners, by platform."""
        ...

    def subscriptions_version(self) -> tuple[int, int, int]:
        """How many subscriptions there are, the highest id and the sum of the ids: it
        changes with every subscribe and unsubscribe (ids are never reused), so an index
        built from :meth:`all_subscriptions` is current while it stays the same. (On
        PostgreSQL ids commit in any order: one committed after a higher id while an
        older one is removed leaves the count and the highest id as they were.)"""
        ...

    # outbox
    def enqueue(self, writes: Sequence[OutboxWrite], now: datetime) -> None:
        """Outbox writes outside a decision (digests, notices)."""
        ...

    def get_outbox(self, key: str) -> OutboxEntry | None: ...
    def due_outbox(
        self,
        now: datetime,
        limit: int = 100,
        platforms: Collection[str] | None = None,
        *,
        queued_ahead: bool = True,
    ) -> list[OutboxEntry]:
        """Rows with delivered_version < version, not dead, next_attempt_at <= now;
        with ``platforms``, only those for a target on one of them. With
        ``queued_ahead``, also the rows queued after ``now`` (the clock set back since)
        that wait for nothing else."""
        ...

    def mark_delivered(self, entry_id: int, version: int, message_id: str, now: datetime) -> None:
        """Record delivery of ``version``; never lowers delivered_version."""
        ...

    def mark_post_started(self, entry_id: int, at: datetime) -> bool:
        """Record that a first post is being sent (kept if it was set already).

        A row with ``post_started_at`` and no ``message_id`` may have been posted by a
        process that died before recording it; the worker looks for it before re-posting.

        Returns:
            False, recording nothing, if the row is no longer waiting for its first post
            (taken back by an unsubscribe or an unfollow, given up on, posted meanwhile):
            then it must not be posted.
        """
        ...

    def forget_message(self, entry_id: int, at: datetime) -> None:
        """The row's posted message is gone (deleted): post it anew, starting at ``at``.

        Clears ``message_id`` and sets ``post_started_at``, so the new post is an ordinary
        first post: one interrupted by a crash is looked up before it is sent again.
        """
        ...

    def mark_attempt_failed(
        self,
        entry_id: int,
        error: str,
        next_attempt_at: datetime,
        dead: bool = False,
        post_refused: bool = False,
        count: bool = True,
    ) -> None:
        """Count a failed attempt. ``post_refused``: the platform answered that it did not
        post (429, 4xx), so ``post_started_at`` is cleared and no recovery look-up is needed.
        ``count=False``: reschedule without counting towards ``max_attempts`` (rate limits).
        With ``dead`` the worker passes the time it gave up as ``next_attempt_at``."""
        ...

    def recent_notice_items(self, since: datetime, limit: int) -> list[int]:
        """The item ids the newest ``limit`` keyword notices queued since ``since`` were about."""
        ...

    def count_outbox_since(self, target: Target, key_prefix: str, since: datetime) -> int:
        """How many rows for ``target`` whose key starts with ``key_prefix`` were created since."""
        ...

    def outbox_counts(self) -> dict[str, int]:
        """{"pending": n, "delivered": n, "dead": n}."""
        ...

    def undelivered_outbox(self, dead: bool, limit: int = 20) -> list[OutboxEntry]:
        """Rows not delivered: dead ones (``dead``) newest first, or pending ones earliest due first."""
        ...

    def requeue_dead(self, ids: Sequence[int] | None, now: datetime) -> DeadRequeue:
        """Make dead messages (all, or those of ``ids``: all or none, as ``discard_dead``)
        due again from zero attempts."""
        ...

    def discard_dead(self, ids: Sequence[int] | None) -> DeadDiscard:
        """Give up for good on dead messages (all, or those of ``ids``: all or none).

        Never touches a message that is not dead (pending, delivered, or requeued
        meanwhile). A message never posted is deleted; a posted alert whose edit was given
        up on keeps its row with the edit cancelled (what a later report edits).
        """
        ...

    def delivered_outbox(self, since: datetime, limit: int = 20) -> list[OutboxEntry]:
        """Rows delivered at or after ``since`` (their latest version), newest delivery first."""
        ...

    def delivery_failure(self, target: Target) -> OutboxEntry | None:
        """The row to ``target`` given up on last (its ``next_attempt_at`` is when), unless
        a message to ``target`` was delivered at or after that: then it can post there again.

        What ``/story status`` tells a channel that does not get its alerts.
        """
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- chat front ends


class CommandHandler(Protocol):
    """What chat adapters call with a parsed ``/story`` command (``bot.commands.Commands``)."""

    async def handle(self, request: CommandRequest) -> Reply: ...

    def story_names(self) -> list[str]:
        """Names of the stories, for autocomplete."""
        ...

    async def user_gone(self, platform: str, user_id: str, why: str) -> list[Subscription]:
        """The platform says the user's account is gone (a Slack account deactivated):
        their subscriptions are removed. Returns those removed."""
        ...

    async def held_in(self, platform: str, channel_ids: Collection[str]) -> tuple[int, int]:
        """(follows, keyword subscriptions) made in these channels of ``platform``."""
        ...


class ChatAdapter(ChatSink, Protocol):
    """A chat platform connection: a sink for outgoing messages plus a command listener.

    ``start`` connects (Socket Mode, HTTP listener, gateway) and returns once it is
    listening; ``stop`` disconnects cleanly.
    """

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
