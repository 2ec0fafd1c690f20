"""The ports: the only ways storybot's core talks to the outside world.

Each port is a ``typing.Protocol``. Implementations live in ``storage/`` (the store) and
``adapters/`` (feed fetching, chat platforms, clocks for production); tests use the real
implementations against real SQLite/PostgreSQL and fake servers at the wire.

The store port is large, so it lives in :mod:`bot.store_ports`: ``Store`` composed of one
role protocol per concern, with the store's errors and records beside it. This module
re-exports ``Store``, the errors and the records, so ``from bot.ports import Store`` (or
``OutboxWrite``, ``Conflict``...) works as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable, Collection, Protocol, Sequence

from bot.model import (
    CommandRequest,
    FetchResult,
    OutboundMessage,
    PagesRead,
    PollRequest,
    Reply,
    SeedDoc,
    Subscription,
    Target,
)

# The store port and what goes with it, re-exported (see the module docstring).
from bot.store_ports import Store
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
    # the store port (bot.store_ports)
    "Store",
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
        shown once (``bot.thread_notes.fact_digest`` names a fact). ``since`` is a little before
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
