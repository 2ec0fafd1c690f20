"""Feeds and their polling schedule (``next_poll_at`` is the schedule)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, Text, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import CLOCK_SET_BACK_SLACK
from bot.model import Feed, FeedStatus
from bot.ports import Conflict, PollOutcome
from storage import convert
from storage.base import StoreBase, affected
from storage.models import MAX_ROW_ID, FeedRow
from storage.types import UTCDateTime


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

    def set_feed_interval(self, url: str, interval_s: int) -> Feed | None:
        """Poll a feed every ``interval_s`` from its next poll on (the one scheduled
        stays); None if no feed has that URL."""
        with self._write() as session:
            row = session.scalar(select(FeedRow).where(FeedRow.url == url))
            if row is None:
                return None
            row.interval_s = interval_s
            session.flush()
            return convert.feed(row)

    def get_feed(self, url: str) -> Feed | None:
        with self._read() as session:
            row = session.scalar(select(FeedRow).where(FeedRow.url == url))
            return convert.feed(row) if row else None

    def get_feed_by_id(self, feed_id: int) -> Feed | None:
        """The feed numbered ``feed_id`` (``/story feeds remove #4``), or None.

        A number beyond the id column names no feed: PostgreSQL refused it as "integer
        out of range", an internal error in reply to a mistyped number.
        """
        if not 0 < feed_id <= MAX_ROW_ID:
            return None
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

    def moved_feeds(self, limit: int = 3) -> list[Feed]:
        """Feeds whose URL redirects permanently (``Feed.moved_to``), oldest first."""
        query = select(FeedRow).where(FeedRow.moved_to.is_not(None)).order_by(FeedRow.id)
        with self._read() as session:
            return [convert.feed(row) for row in session.scalars(query.limit(limit))]

    def feeds_read_in_part(self, limit: int = 3) -> list[Feed]:
        """Feeds whose last read read only part of them (``Feed.read_in_part``), oldest
        first."""
        query = select(FeedRow).where(FeedRow.read_in_part.is_not(None)).order_by(FeedRow.id)
        with self._read() as session:
            return [convert.feed(row) for row in session.scalars(query.limit(limit))]

    def due_feeds(self, now: datetime, limit: int = 1000) -> list[Feed]:
        """Feeds with ``next_poll_at <= now``, most overdue first (ties by id).

        A feed whose last poll is recorded after ``now`` (by more than
        ``CLOCK_SET_BACK_SLACK``) is due too: the clock was set back since, and its next
        poll, counted from that poll, would wait for the clock to get back there (a clock
        a day fast, corrected: no poll for a day). Polled now, it is scheduled from now.
        """
        query = (
            select(FeedRow)
            .where(
                or_(
                    FeedRow.next_poll_at <= now,
                    FeedRow.last_polled_at > now + CLOCK_SET_BACK_SLACK,
                )
            )
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
        self.record_polls([outcome])

    def record_polls(self, outcomes: Sequence[PollOutcome]) -> None:
        """``record_poll`` for each outcome in order, in one transaction.

        One executemany UPDATE for the whole batch; the same feed twice ends in its last
        outcome's state (its title: the last title given).
        """
        if not outcomes:
            return
        table = cast(Table, FeedRow.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                last_polled_at=bindparam("b_polled_at"),
                # None (not OK) keeps the last good poll; None title keeps the title.
                last_ok_at=func.coalesce(
                    bindparam("b_ok_at", type_=UTCDateTime()), table.c.last_ok_at
                ),
                next_poll_at=bindparam("b_next_poll_at"),
                error_count=bindparam("b_error_count"),
                last_error=bindparam("b_last_error"),
                etag=bindparam("b_etag"),
                last_modified=bindparam("b_last_modified"),
                body_hash=bindparam("b_body_hash"),
                title=func.coalesce(bindparam("b_title", type_=Text()), table.c.title),
                moved_to=bindparam("b_moved_to"),
                read_in_part=bindparam("b_read_in_part"),
                asked_s=bindparam("b_asked_s"),
                asked_by=bindparam("b_asked_by"),
            )
        )
        rows = [
            {
                "b_id": outcome.feed_id,
                "b_status": FeedStatus(outcome.status).value,
                "b_polled_at": outcome.polled_at,
                "b_ok_at": outcome.polled_at if outcome.status == FeedStatus.OK else None,
                "b_next_poll_at": outcome.next_poll_at,
                "b_error_count": outcome.error_count,
                "b_last_error": outcome.last_error,
                "b_etag": outcome.etag,
                "b_last_modified": outcome.last_modified,
                "b_body_hash": outcome.body_hash,
                "b_title": outcome.title,
                "b_moved_to": outcome.moved_to,
                "b_read_in_part": outcome.read_in_part,
                "b_asked_s": outcome.asked_s,
                "b_asked_by": outcome.asked_by,
            }
            for outcome in outcomes
        ]
        with self._write() as session:
            session.execute(statement, rows)
