"""The records the store takes and gives: plain frozen dataclasses and their aliases.

What a :class:`bot.store_ports.Store` method is handed to write (a poll's outcome, an
outbox write, a development) or hands back beyond the model's own types (a prune's report,
a follow's backlog, a story's statistics). They are kept out of the store's role protocols
because the core builds and reads them far from any store: the engine makes development
writes, the alert and digest code makes outbox writes, the status text reads statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from bot.model import Citation, FeedStatus, OutboundMessage, OutboxEntry, Subscription, Target


@dataclass(frozen=True)
class PollOutcome:
    """The scheduling state of a feed after one poll, written by ``Store.record_poll``."""

    feed_id: int
    status: FeedStatus
    polled_at: datetime
    next_poll_at: datetime
    error_count: int
    last_error: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    title: str | None = None
    moved_to: str | None = None  # see ``Feed.moved_to``; None: not moved (any more)
    read_in_part: str | None = None  # see ``Feed.read_in_part``; None: read whole
    asked_s: int | None = None  # see ``Feed.asked_s``; None: not longer than its interval
    asked_by: str | None = None  # see ``Feed.asked_by``


@dataclass(frozen=True)
class OutboxWrite:
    """Put a message in the outbox under an idempotency key.

    If no row has ``key`` yet, a row is inserted at version 1. If one exists, its message
    is replaced and its version bumped, so the worker edits what it already posted
    (this is how a later report of a development updates the original alert).
    ``only_if_new=True`` makes an existing key a no-op instead.

    ``subscription_ids`` (keyword notices): the subscriptions that caused the message.
    It is not written when none of them exists any more, and an unsubscribe takes it
    back while unsent when no subscription its user still has is among them.
    """

    key: str
    target: Target
    message: OutboundMessage
    only_if_new: bool = False
    subscription_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class TellUsers:
    """The direct messages a removal of users' subscriptions queues, in its transaction.

    A story's removal and an operator's ``storybot subscriptions remove`` delete
    subscriptions their users did not ask to lose; the store calls ``writes`` with the
    subscriptions it is deleting (read and locked in the deleting transaction, so one
    added since the caller looked is told of too) and queues what it returns in that
    transaction: a crash can neither remove without telling nor tell without removing.
    See :mod:`bot.subscriptions_gone`.

    Attributes:
        now: When the messages are queued.
        writes: The subscriptions deleted -> the outbox writes that tell their users.
    """

    now: datetime
    writes: Callable[[Sequence[Subscription]], Sequence[OutboxWrite]]


@dataclass(frozen=True)
class DevelopmentWrite:
    """Create or replace a development's headline and summary and add items to it."""

    story_id: int
    number: int
    headline: str
    summary: str
    item_ids: tuple[int, ...] = ()
    citations: tuple[Citation, ...] = ()  # the summary's sentences, each with its source
    # What the report (item ``fact_item_id``) added to a development stored earlier, as an
    # edited alert's thread note says it (bot.alert_text.added_fact / revised_fact): stored
    # with the development's updates, which digest channels read instead of the edits
    # (Store.development_updates_after)
    fact: str | None = None
    fact_item_id: int | None = None


@dataclass(frozen=True)
class DevelopmentUpdate:
    """What one commit added to a development stored before it (a digest's "updated").

    Attributes:
        number: The development's number in its story.
        development_seq: The development's ``seq`` (when it was committed: see
            ``Store.developments_after``), which tells whether a digest listed it.
        seq: The update's place in the story's commit order of updates
            (``Store.development_updates_after``).
        reports: New reports it linked to the development (0: a report updated in place).
        source: The outlet of its report ("" if unknown).
        url: The link of its report ("" if none).
        fact: What the report added, as the alert's thread note says it; None: nothing new
            (a copy, a rewrite of what was known).
        reported_at: When its report was published (else fetched), as a development's
            first report is timed; None if unknown.
    """

    number: int
    development_seq: int
    seq: int
    reports: int
    source: str = ""
    url: str = ""
    fact: str | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True)
class PruneReport:
    """What ``Store.prune`` gave back (or would, with ``dry_run``)."""

    items: int  # old off-topic items whose text was blanked
    outbox: int  # old delivered notices and digests deleted
    # old development updates (what digests tell of later reports) every follow has passed
    updates: int = 0
    dry_run: bool = False


# ``Store.prune``'s report after each batch it committed: (batches done, batches in all,
# what was done so far)
PruneProgress = Callable[[int, int, PruneReport], None]


@dataclass(frozen=True)
class DeadDiscard:
    """What ``Store.discard_dead`` did: the dead messages it discarded, or, when some of
    the ids asked for were not dead messages, nothing (``discarded`` empty) and those ids."""

    discarded: tuple[OutboxEntry, ...] = ()
    not_dead: tuple[int, ...] = ()


@dataclass(frozen=True)
class DeadRequeue:
    """What ``Store.requeue_dead`` did: how many dead messages it made due again, or, when
    some of the ids asked for were not dead messages, nothing (``requeued`` 0) and those ids."""

    requeued: int = 0
    not_dead: tuple[int, ...] = ()


@dataclass(frozen=True)
class FollowBacklog:
    """A channel's follow's messages in the outbox: given up on, and still to deliver."""

    dead: int = 0
    pending: int = 0


@dataclass(frozen=True)
class StoryStats:
    items_on_topic: int
    copies: int
    developments: int  # new developments (development 0, the seed story, not counted)
    sources: int
    last_item_at: datetime | None
