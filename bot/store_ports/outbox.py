"""The store's role for the outbox: outgoing messages, queued, delivered, retried.

Alerts are written in the same transaction as their decision (``commit_decisions``); other
messages are queued here. A worker delivers what is due, records each attempt and never
sends a message twice. One of the roles :class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Collection, Protocol, Sequence

from bot.model import OutboxEntry, Target
from bot.store_ports.records import DeadDiscard, DeadRequeue, OutboxWrite


class OutboxStore(Protocol):
    """The outbox: each row one message under an idempotency key, with its versions."""

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
        """The ``limit`` items keyword notices queued since ``since`` were about, those of the
        newest notices first (each item once, however many users it was sent to)."""
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
