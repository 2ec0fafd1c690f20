"""The store's role for feeds: the feed list and each feed's polling schedule.

Scheduling is data (each feed row has ``next_poll_at``): the poller asks which feeds are
due and records each poll's outcome, so a restart loses nothing and polls nothing twice.
One of the roles :class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

from bot.model import Feed, FeedStatus
from bot.store_ports.records import PollOutcome


class FeedStore(Protocol):
    """The feeds polled, their health and their schedule (``next_poll_at``)."""

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
