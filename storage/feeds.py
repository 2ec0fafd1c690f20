"""Feeds and their polling schedule (``next_poll_at`` is the schedule)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.model import Feed, FeedStatus
from bot.ports import Conflict, PollOutcome
from storage import convert
from storage.base import StoreBase, affected
from storage.models import FeedRow


class FeedStore(StoreBase):
    def add_feed(self, url: str, now: datetime, interval_s: int = 900) -> Feed:
        """Add a feed, due for its first poll at ``now``.

        Raises:
            Conflict: the feed URL is already known.
        """
        try:
            with self._write() as session:
                row = FeedRow(
                    url=url,
                    title=None,
                    status=FeedStatus.NEW.value,
                    interval_s=interval_s,
                    next_poll_at=now,
                    error_count=0,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                return convert.feed(row)
        except IntegrityError:
            raise Conflict(f"the feed {url} is already followed") from None

    def remove_feed(self, url: str) -> bool:
        """Delete a feed; its items stay (their ``feed_id`` becomes None)."""
        with self._write() as session:
            result = affected(session, delete(FeedRow).where(FeedRow.url == url))
            return bool(result)

    def get_feed(self, url: str) -> Feed | None:
        with self._read() as session:
            row = session.scalar(select(FeedRow).where(FeedRow.url == url))
            return convert.feed(row) if row else None

    def get_feed_by_id(self, feed_id: int) -> Feed | None:
        with self._read() as session:
            row = session.get(FeedRow, feed_id)
            return convert.feed(row) if row else None

    def list_feeds(self) -> list[Feed]:
        """All feeds, oldest first."""
        with self._read() as session:
            return [
                convert.feed(row) for row in session.scalars(select(FeedRow).order_by(FeedRow.id))
            ]

    def feed_status_counts(self) -> dict[FeedStatus, int]:
        """How many feeds are in each status (every status present, 0 if none)."""
        query = select(FeedRow.status, func.count()).group_by(FeedRow.status)
        with self._read() as session:
            counts = {FeedStatus(status): n for status, n in session.execute(query)}
        return {status: counts.get(status, 0) for status in FeedStatus}

    def failing_feeds(self, limit: int = 3) -> list[Feed]:
        """Feeds whose last poll failed, the longest-failing first."""
        query = (
            select(FeedRow)
            .where(FeedRow.status == FeedStatus.ERROR.value)
            .order_by(FeedRow.error_count.desc(), FeedRow.id)
            .limit(limit)
        )
        with self._read() as session:
            return [convert.feed(row) for row in session.scalars(query)]

    def due_feeds(self, now: datetime, limit: int = 1000) -> list[Feed]:
        """Feeds with ``next_poll_at <= now``, most overdue first (ties by id)."""
        query = (
            select(FeedRow)
            .where(FeedRow.next_poll_at <= now)
            .order_by(FeedRow.next_poll_at, FeedRow.id)
            .limit(limit)
        )
        with self._read() as session:
            return [convert.feed(row) for row in session.scalars(query)]

    def record_poll(self, outcome: PollOutcome) -> None:
        """Write a feed's state after a poll.

        ``title`` None keeps the known title. A feed removed while it was being polled
        is ignored.
        """
        with self._write() as session:
            row = session.get(FeedRow, outcome.feed_id)
            if row is None:
                return
            row.status = FeedStatus(outcome.status).value
            row.last_polled_at = outcome.polled_at
            if outcome.status == FeedStatus.OK:
                row.last_ok_at = outcome.polled_at
            row.next_poll_at = outcome.next_poll_at
            row.error_count = outcome.error_count
            row.last_error = outcome.last_error
            row.etag = outcome.etag
            row.last_modified = outcome.last_modified
            row.body_hash = outcome.body_hash
            if outcome.title is not None:
                row.title = outcome.title
