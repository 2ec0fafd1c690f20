"""The outbox: messages that must reach a chat target exactly once.

Rows are versioned. Writing an existing key replaces the message and bumps ``version``;
the delivery worker then posts (no ``message_id`` yet) or edits until
``delivered_version`` catches up. ``mark_delivered`` only ever raises
``delivered_version``, so a slow worker finishing an old version cannot undo a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement

from bot.clock import CLOCK_SET_BACK_SLACK
from bot.model import OutboxEntry, Target
from bot.ports import DeadDiscard, DeadRequeue, OutboxWrite
from storage import convert
from storage.base import StoreBase, affected
from storage.counters import chunks
from storage.models import BindingRow, OutboxRow, SubscriptionRow, outbox_due_predicate
from storage.serialize import message_to_json

log = logging.getLogger(__name__)


def take_back_unsent(session: Session, which: ColumnElement[bool]) -> int:
    """Take back what the outbox rows ``which`` selects still have to deliver, inside the
    caller's transaction: delete a message never posted, cancel an edit not yet made.

    How a story's removal or a channel's unfollow takes back what it queued, so news of
    it does not arrive afterwards (a row failing now would be posted once the platform
    recovers). What records a message stays:

    - a posted alert with an edit waiting keeps its row, the edit cancelled
      (``delivered_version = version``: the version is never lowered, so the edit a
      later report queues after a re-follow has a number no edit had before, and a
      worker recording the cancelled edit it was sending cannot pass for its delivery):
      the row is what a later report edits into the message after a re-follow, and
      what the hourly alert cap counts;
    - a dead row (given up on) stays as it is: it is the error record ``storybot
      outbox`` shows, and retrying it is the operator's call;
    - rows fully delivered stay (``storybot outbox --sent``, then ``prune``).

    Returns:
        How many rows were deleted or had their edit cancelled.
    """
    unsent = and_(which, OutboxRow.delivered_version < OutboxRow.version)
    never_posted = and_(unsent, OutboxRow.message_id.is_(None), OutboxRow.dead == False)  # noqa: E712
    deleted = affected(session, delete(OutboxRow).where(never_posted))
    cancelled = affected(
        session,
        update(OutboxRow)
        .where(unsent, OutboxRow.message_id.is_not(None))
        .values(delivered_version=OutboxRow.version),
    )
    return deleted + cancelled


def apply_outbox_writes(session: Session, writes: Sequence[OutboxWrite], now: datetime) -> None:
    """Insert or bump outbox rows inside the caller's transaction (see OutboxWrite).

    The batch costs one lookup of all its keys, one multi-row INSERT and one
    executemany UPDATE, whatever its size. Writes apply in order: the same key twice
    is one row at version 2 (or at 1 when the second write is ``only_if_new``), exactly
    as if each write were its own call.

    An alert or digest for a channel that no longer follows the story is not written
    (see :func:`_still_bound`): the pipeline and the digest job read the bindings before
    they write, and an unfollow or a story's removal committed in between must not be
    followed by news of the story in that channel.
    Likewise a keyword notice none of whose subscriptions exists any more (see
    :func:`_still_subscribed`): the pipeline matched it with an index built before an
    unsubscribe.
    """
    writes = _still_subscribed(session, _still_bound(session, writes))
    if not writes:
        return
    table = cast(Table, OutboxRow.__table__)
    keys = list(dict.fromkeys(write.key for write in writes))
    existing: dict[str, int] = {}  # key -> id of a stored row
    for part in chunks(keys):
        for row_id, key in session.execute(
            select(table.c.id, table.c.key).where(table.c.key.in_(part))
        ):
            existing[key] = row_id
    inserts: dict[str, dict[str, Any]] = {}  # key -> row to insert (first-write order)
    updates: dict[str, dict[str, Any]] = {}  # key -> {message, bumps} for a stored row
    for write in writes:
        if write.key in existing:
            if not write.only_if_new:
                update_ = updates.setdefault(write.key, {"b_id": existing[write.key], "b_bumps": 0})
                update_["b_message"] = message_to_json(write.message)
                update_["b_bumps"] += 1
        elif write.key in inserts:
            if not write.only_if_new:
                inserts[write.key]["message"] = message_to_json(write.message)
                inserts[write.key]["version"] += 1
        else:
            inserts[write.key] = {
                "key": write.key,
                "platform": write.target.platform,
                "channel_id": write.target.channel_id,
                "user_id": write.target.user_id,
                "message": message_to_json(write.message),
                "version": 1,
                "delivered_version": 0,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "dead": False,
                "subscription_ids": _ids_text(write.subscription_ids),
            }
    if inserts:
        session.execute(insert(table), list(inserts.values()))
    if updates:
        # next_attempt_at is left alone: a row backing off after a failure keeps backing
        # off; a delivered row is already due. ``version + n`` in SQL, not a value read
        # earlier, so a concurrent writer's bump is never lost.
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(message=bindparam("b_message"), version=table.c.version + bindparam("b_bumps")),
            list(updates.values()),
        )


def _alert_binding(write: OutboxWrite) -> tuple[int, str, str] | None:
    """(story id, platform, channel id) of a write keyed by ``bot.outbox_keys.alert_key``."""
    parts = write.key.split(":", 4)
    if (
        len(parts) == 5
        and parts[0] == "alert"
        and parts[1].isdigit()
        and parts[2].isdigit()
        and write.target.channel_id is not None
    ):
        return int(parts[1]), write.target.platform, write.target.channel_id
    return None


def _digest_binding(write: OutboxWrite) -> int | None:
    """The binding id of a write keyed by ``bot.outbox_keys.digest_key``."""
    parts = write.key.split(":", 2)
    if len(parts) == 3 and parts[0] == "digest" and parts[1].isdigit():
        return int(parts[1])
    return None


def _still_bound(session: Session, writes: Sequence[OutboxWrite]) -> Sequence[OutboxWrite]:
    """``writes`` without the alerts and digests whose channel binding is gone.

    An alert's key names its story and its target the channel (``alert_key``); a
    digest's key names its binding (``digest_key``). Other keys (keyword notices) name
    no binding and pass. A bump of a row already stored is dropped too: the unfollow
    cancelled that row's waiting edit, and a report read before it must not queue one.

    The bindings are read ``FOR SHARE`` on PostgreSQL, in id order, so an unfollow
    (which locks its binding ``FOR UPDATE`` before taking back the channel's unsent
    rows) either waits for this transaction and then finds its rows, or commits first
    and this read no longer sees the binding. SQLite runs one writer at a time.
    """
    alerts = {_alert_binding(w) for w in writes} - {None}
    digests = {_digest_binding(w) for w in writes} - {None}
    if not alerts and not digests:
        return writes
    bound: set[object] = set()
    story_ids = sorted({a[0] for a in alerts if a is not None})
    for part in chunks(story_ids):
        rows = session.execute(
            select(BindingRow.story_id, BindingRow.platform, BindingRow.channel_id)
            .where(BindingRow.story_id.in_(part))
            .order_by(BindingRow.id)
            .with_for_update(read=True)
        )
        bound.update(tuple(row) for row in rows)
    bound.update(_shared_ids(session, BindingRow.id, {d for d in digests if d is not None}))
    kept: list[OutboxWrite] = []
    for write in writes:
        binding = _alert_binding(write)
        if binding is None:
            binding_id = _digest_binding(write)
            if binding_id is not None and binding_id not in bound:
                log.info("%s not queued: its channel binding is gone (unfollowed)", write.key)
                continue
        elif binding not in bound:
            log.info("%s not queued: the channel no longer follows the story", write.key)
            continue
        kept.append(write)
    return kept


def _shared_ids(session: Session, id_column: InstrumentedAttribute[int], ids: set[int]) -> set[int]:
    """Those of ``ids`` still stored in ``id_column``'s table, their rows read ``FOR
    SHARE`` on PostgreSQL in id order (a fixed lock order), a chunk at a time."""
    found: set[int] = set()
    for part in chunks(sorted(ids)):
        found.update(
            session.scalars(
                select(id_column)
                .where(id_column.in_(part))
                .order_by(id_column)
                .with_for_update(read=True)
            )
        )
    return found


def _ids_text(ids: Sequence[int]) -> str | None:
    """``outbox.subscription_ids`` as stored: "3 5" (None for no ids)."""
    return " ".join(map(str, sorted(set(ids)))) or None


def _ids_of(text: str | None) -> set[int]:
    """The ids ``_ids_text`` stored."""
    return {int(part) for part in (text or "").split()}


def _still_subscribed(session: Session, writes: Sequence[OutboxWrite]) -> Sequence[OutboxWrite]:
    """``writes`` without the notices none of whose subscriptions exists any more.

    The subscriptions are read ``FOR SHARE`` on PostgreSQL, in id order, as
    :func:`_still_bound` reads the bindings: an unsubscribe (which deletes its row before
    taking back the user's unsent notices, :func:`take_back_notices`) either waits for
    this transaction and then finds the notice, or commits first and this read no longer
    sees the subscription. Writes naming no subscription pass.
    """
    wanted = {i for write in writes for i in write.subscription_ids}
    if not wanted:
        return writes
    existing = _shared_ids(session, SubscriptionRow.id, wanted)
    kept: list[OutboxWrite] = []
    for write in writes:
        if write.subscription_ids and existing.isdisjoint(write.subscription_ids):
            log.info("%s not queued: its subscriptions were removed", write.key)
            continue
        kept.append(write)
    return kept


def take_back_notices(session: Session, removed: Sequence[tuple[int, str, str]]) -> int:
    """Take back the unsent keyword notices that only removed subscriptions caused, inside
    the caller's transaction, after the subscriptions were deleted.

    A notice is keyed per user and report, and names every subscription of the user that
    matched (``outbox.subscription_ids``). One that names a subscription in ``removed``
    and none the user still has is deleted if it was never posted (the platform down, a
    retry waiting), as :func:`take_back_unsent` deletes a removed story's alerts; one
    that another remaining subscription caused is still sent. Notices queued before the
    ids were recorded name none and stay.

    Args:
        removed: (subscription id, platform, user id) of each deleted subscription.

    Returns:
        How many notices were taken back.
    """
    removed_ids = {sub_id for sub_id, _, _ in removed}
    users = sorted({(platform, user_id) for _, platform, user_id in removed})
    wanted: set[int] = set()  # outbox row ids naming a removed subscription
    for part in chunks(users, 200):
        rows = session.execute(
            select(OutboxRow.id, OutboxRow.subscription_ids).where(
                or_(
                    *(
                        and_(
                            OutboxRow.platform == platform,
                            OutboxRow.channel_id.is_(None),
                            OutboxRow.user_id == user_id,
                        )
                        for platform, user_id in part
                    )
                ),
                OutboxRow.key.startswith("notice:"),
                OutboxRow.subscription_ids.is_not(None),
                OutboxRow.message_id.is_(None),
                outbox_due_predicate(OutboxRow),
            )
        )
        wanted.update(row_id for row_id, text in rows if not _ids_of(text).isdisjoint(removed_ids))
    # Locked (in id order) before the subscriptions they name are read: of two overlapping
    # removals of the subscriptions one notice names, the second waits here for the first
    # to commit and then no longer sees its subscription (each reading the other's as
    # still there would keep a DM that no subscription is left to cause).
    candidates: dict[int, set[int]] = {}  # outbox row id -> the subscriptions it names
    for part in chunks(sorted(wanted)):
        rows = session.execute(
            select(OutboxRow.id, OutboxRow.subscription_ids)
            .where(OutboxRow.id.in_(part))
            .order_by(OutboxRow.id)
            .with_for_update()
        )
        candidates.update((row_id, _ids_of(text)) for row_id, text in rows)
    if not candidates:
        return 0
    named = sorted(set().union(*candidates.values()))
    remaining: set[int] = set()
    for part in chunks(named):
        remaining.update(
            session.scalars(select(SubscriptionRow.id).where(SubscriptionRow.id.in_(part)))
        )
    orphans = sorted(row_id for row_id, ids in candidates.items() if ids.isdisjoint(remaining))
    taken = 0
    for part in chunks(orphans):
        taken += take_back_unsent(session, OutboxRow.id.in_(part))
    return taken


def _same(column: InstrumentedAttribute[str | None], value: str | None) -> ColumnElement[bool]:
    """``column = value``, or ``column IS NULL`` (what ``=`` cannot say) for None."""
    return column.is_(None) if value is None else column == value


class OutboxStore(StoreBase):
    def enqueue(self, writes: Sequence[OutboxWrite], now: datetime) -> None:
        """Outbox writes outside a decision (digests, notices), in one transaction."""
        with self._write() as session:
            apply_outbox_writes(session, writes, now)

    def get_outbox(self, key: str) -> OutboxEntry | None:
        with self._read() as session:
            row = session.scalar(select(OutboxRow).where(OutboxRow.key == key))
            return convert.outbox(row) if row else None

    def due_outbox(
        self,
        now: datetime,
        limit: int = 100,
        platforms: Collection[str] | None = None,
        *,
        queued_ahead: bool = True,
    ) -> list[OutboxEntry]:
        """Rows with delivered_version < version, not dead, next_attempt_at <= now;
        earliest first.

        A row queued after ``now`` (by more than ``CLOCK_SET_BACK_SLACK``: the clock was
        set back since) that waits for nothing (no failed attempt, no later attempt set)
        is due too: waiting for its queue time, it waited for the clock to get back
        there (a clock a day fast, corrected: a day's alerts held back a day). A row
        that failed or was rate limited keeps its wait. ``queued_ahead=False`` leaves
        those out: for a look at what was due at an earlier time than the clock's
        (``storybot health``'s overdue rows), every row queued since is "ahead" of it.

        ``platforms``: only rows for those platforms (the ones a deliverer has a sink
        for). Filtered here, not by the caller: rows nobody here can send, read first,
        would fill the ``limit`` of every batch and hold back the ones it can.
        """
        due = OutboxRow.next_attempt_at <= now
        if queued_ahead:
            due = or_(
                due,
                and_(
                    OutboxRow.created_at > now + CLOCK_SET_BACK_SLACK,
                    OutboxRow.attempts == 0,
                    OutboxRow.next_attempt_at <= OutboxRow.created_at,
                ),
            )
        query = select(OutboxRow).where(outbox_due_predicate(OutboxRow), due)
        if platforms is not None:
            query = query.where(OutboxRow.platform.in_(list(platforms)))
        query = query.order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit)
        with self._read() as session:
            return [convert.outbox(row) for row in session.scalars(query)]

    def mark_delivered(self, entry_id: int, version: int, message_id: str, now: datetime) -> None:
        """Record delivery of ``version``; never lowers delivered_version.

        A delivery that advances ``delivered_version`` also clears ``attempts`` and
        ``last_error``: they count failures of the pending version, so a long-lived alert
        edited many times does not creep towards the give-up limit.

        ``delivered_version`` never goes above ``version``: a posted row whose given-up
        edit ``discard_dead`` cancelled (it lowers ``version``) would otherwise leave the
        next edit's version looking delivered, and it would never be sent. An unfollow
        cancels an edit by raising ``delivered_version`` instead
        (:func:`take_back_unsent`), since the worker may be sending that very edit.
        """
        delivered = case((OutboxRow.version < version, OutboxRow.version), else_=version)
        advances = OutboxRow.delivered_version < delivered
        with self._write() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == entry_id)
                .values(
                    delivered_version=case(
                        (advances, delivered), else_=OutboxRow.delivered_version
                    ),
                    attempts=case((advances, 0), else_=OutboxRow.attempts),
                    last_error=case((advances, None), else_=OutboxRow.last_error),
                    message_id=func.coalesce(message_id, OutboxRow.message_id),
                    delivered_at=now,
                    post_started_at=None,
                )
            )

    def mark_post_started(self, entry_id: int, at: datetime) -> bool:
        """Note that a first post is about to be sent (kept until delivery is recorded);
        False if the row no longer waits for one (see ``Store.mark_post_started``)."""
        with self._write() as session:
            return bool(
                affected(
                    session,
                    update(OutboxRow)
                    .where(
                        OutboxRow.id == entry_id,
                        OutboxRow.message_id.is_(None),
                        outbox_due_predicate(OutboxRow),
                    )
                    .values(post_started_at=func.coalesce(OutboxRow.post_started_at, at)),
                )
            )

    def forget_message(self, entry_id: int, at: datetime) -> None:
        """Drop the id of a message that was deleted: the next post is a first post."""
        with self._write() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == entry_id)
                .values(message_id=None, post_started_at=at)
            )

    def mark_attempt_failed(
        self,
        entry_id: int,
        error: str,
        next_attempt_at: datetime,
        dead: bool = False,
        post_refused: bool = False,
        count: bool = True,
    ) -> None:
        """Count a failed attempt, keep its error and schedule the next (or give up).

        ``post_refused`` clears ``post_started_at``: the platform said it did not post.
        ``count=False`` reschedules without counting (rate limits never lead to giving up).
        """
        values: dict[str, object] = {
            "attempts": OutboxRow.attempts + (1 if count else 0),
            "last_error": error,
            "next_attempt_at": next_attempt_at,
            "dead": dead,
        }
        if post_refused:
            values["post_started_at"] = None
        with self._write() as session:
            session.execute(update(OutboxRow).where(OutboxRow.id == entry_id).values(**values))

    def requeue_dead(self, ids: Sequence[int] | None, now: datetime) -> DeadRequeue:
        """Give messages delivery gave up on another go: due now, attempts from zero.

        For after the cause is fixed (the bot invited to the channel, a permission
        granted): ``storybot outbox --retry``. ``ids`` None means every dead message;
        otherwise all or none, as :meth:`discard_dead` takes them (and checks them the same
        way, :func:`_dead_rows`): if any id is not a dead message (a typo, one pending or
        delivered) nothing changes and ``not_dead`` says which.

        Returns:
            How many were requeued; or the ids that are not dead.
        """
        with self._write() as session:
            rows, missing = _dead_rows(session, ids)
            if missing:
                return DeadRequeue(not_dead=missing)
            for part in chunks([row.id for row in rows]):
                session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.dead == True, OutboxRow.id.in_(part))  # noqa: E712
                    .values(dead=False, attempts=0, next_attempt_at=now)
                )
            return DeadRequeue(requeued=len(rows))

    def discard_dead(self, ids: Sequence[int] | None) -> DeadDiscard:
        """Give up for good on messages delivery gave up on: ``storybot outbox --discard``.

        For what can never be delivered (an alert to a deleted channel, or to one whose
        follow was removed): the dead row is the error record ``storybot outbox`` and
        ``storybot health`` keep showing until it goes. ``ids`` None means every dead
        message; otherwise all or none: if any id is not a dead message (a typo, one
        pending or delivered, one ``--retry`` requeued meanwhile) nothing changes and
        ``not_dead`` says which.

        Only dead rows are touched, and the worker never holds one (``due_outbox`` skips
        them, and a row it read before is checked again, ``_still_wanted``). The rows are
        read ``FOR UPDATE`` in id order on PostgreSQL and changed in that transaction,
        so a ``--retry`` committed in between cannot have its requeued row deleted.

        A row never posted is deleted. A posted alert whose edit was given up on is
        kept with the edit cancelled, as an unfollow leaves it (:func:`take_back_unsent`):
        it is what a later report edits into the message, and what the hourly alert cap
        counts.

        Returns:
            The discarded messages (as they were), id order; or the ids that are not dead.
        """
        dead = OutboxRow.dead == True  # noqa: E712
        with self._write() as session:
            rows, missing = _dead_rows(session, ids)
            if missing:
                return DeadDiscard(not_dead=missing)
            discarded = tuple(convert.outbox(row) for row in rows)
            posted = [row.id for row in rows if row.message_id is not None]
            never_posted = [row.id for row in rows if row.message_id is None]
            for part in chunks(never_posted):
                session.execute(delete(OutboxRow).where(dead, OutboxRow.id.in_(part)))
            for part in chunks(posted):
                session.execute(
                    update(OutboxRow)
                    .where(dead, OutboxRow.id.in_(part))
                    .values(
                        dead=False,
                        version=OutboxRow.delivered_version,
                        attempts=0,
                        last_error=None,
                    )
                )
            return DeadDiscard(discarded=discarded)

    def recent_notice_items(self, since: datetime, limit: int) -> list[int]:
        """The ``limit`` items keyword notices queued since ``since`` were about, those of
        the newest notices first: each item once, however many users it was sent to.

        A notice's key ends with the id of the first report of its text (see
        ``bot.outbox_keys.notice_key``). Counting items, not notices: one wire report
        that a popular keyword sent to 200 people would otherwise be all a fresh engine
        learns, and a copy of an earlier report sent again. Ascending, each id once.
        """
        # the key's trailing digits: what follows its last ':' (rtrim strips the digits)
        tail = func.substr(OutboxRow.key, func.length(func.rtrim(OutboxRow.key, "0123456789")) + 1)
        query = (
            select(tail)
            .where(OutboxRow.key.startswith("notice:"), OutboxRow.created_at >= since)
            .group_by(tail)
            .order_by(func.max(OutboxRow.id).desc())
            .limit(limit)
        )
        with self._read() as session:
            tails = session.scalars(query).all()
        return sorted({int(t) for t in tails if t and t.isdigit()})

    def count_outbox_since(self, target: Target, key_prefix: str, since: datetime) -> int:
        """How many rows for ``target`` whose key starts with ``key_prefix`` were created
        at or after ``since``."""

        query = (
            select(func.count())
            .select_from(OutboxRow)
            .where(
                OutboxRow.platform == target.platform,
                _same(OutboxRow.channel_id, target.channel_id),
                _same(OutboxRow.user_id, target.user_id),
                OutboxRow.created_at >= since,
                OutboxRow.key.startswith(key_prefix, autoescape=True),
            )
        )
        with self._read() as session:
            return session.scalar(query) or 0

    def undelivered_outbox(self, dead: bool, limit: int = 20) -> list[OutboxEntry]:
        """Rows not delivered: dead ones (``dead``) newest first, or pending ones earliest due first.

        What an operator looks at when messages do not arrive (``storybot outbox``).
        """
        order: tuple[Any, ...]
        if dead:
            where = OutboxRow.dead == True  # noqa: E712
            order = (OutboxRow.id.desc(),)
        else:
            where = outbox_due_predicate(OutboxRow)
            order = (OutboxRow.next_attempt_at, OutboxRow.id)
        query = select(OutboxRow).where(where).order_by(*order).limit(limit)
        with self._read() as session:
            return [convert.outbox(row) for row in session.scalars(query)]

    def delivered_outbox(self, since: datetime, limit: int = 20) -> list[OutboxEntry]:
        """Rows delivered at or after ``since``, newest delivery first.

        What the bot posted and sent lately (``storybot outbox --sent``): "what did it do
        overnight". An alert edited after a later report counts at its last delivery.
        """
        query = (
            select(OutboxRow)
            .where(OutboxRow.delivered_at >= since, OutboxRow.dead == False)  # noqa: E712
            .order_by(OutboxRow.delivered_at.desc(), OutboxRow.id.desc())
            .limit(limit)
        )
        with self._read() as session:
            return [convert.outbox(row) for row in session.scalars(query)]

    def delivery_failure(self, target: Target) -> OutboxEntry | None:
        """The row to ``target`` given up on last, unless a later delivery there succeeded.

        A dead row's ``next_attempt_at`` is when the worker gave up on it. Both look-ups
        use the (platform, channel_id, user_id, created_at) index.
        """
        to_target = (
            OutboxRow.platform == target.platform,
            _same(OutboxRow.channel_id, target.channel_id),
            _same(OutboxRow.user_id, target.user_id),
        )
        last_dead = (
            select(OutboxRow)
            .where(*to_target, OutboxRow.dead == True)  # noqa: E712
            .order_by(OutboxRow.next_attempt_at.desc(), OutboxRow.id.desc())
            .limit(1)
        )
        with self._read() as session:
            row = session.scalar(last_dead)
            if row is None:
                return None
            delivered_since = session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(*to_target, OutboxRow.delivered_at >= row.next_attempt_at)
            )
            return None if delivered_since else convert.outbox(row)

    def outbox_counts(self) -> dict[str, int]:
        """{"pending": n, "delivered": n, "dead": n}."""
        pending = outbox_due_predicate(OutboxRow)
        query = select(
            func.count().filter(pending),
            func.count().filter(OutboxRow.dead == False, ~pending),  # noqa: E712
            func.count().filter(OutboxRow.dead == True),  # noqa: E712
        ).select_from(OutboxRow)
        with self._read() as session:
            row = session.execute(query).one()
            return {"pending": row[0], "delivered": row[1], "dead": row[2]}


def _dead_rows(
    session: Session, ids: Sequence[int] | None
) -> tuple[list[OutboxRow], tuple[int, ...]]:
    """The dead rows of ``ids`` (every dead row, for None), and the ids that are not dead.

    What ``outbox --retry`` and ``--discard`` of ids check, so both are all or none alike:
    when the second part is not empty (an id no message has, or one pending, delivered,
    or requeued meanwhile: in the order given, each once), the caller changes nothing.
    The rows are read ``FOR UPDATE`` in id order (on PostgreSQL; SQLite's write
    transaction holds the file), so a ``--retry`` and a ``--discard`` of the same row
    cannot both go ahead.
    """
    dead = OutboxRow.dead == True  # noqa: E712
    query = select(OutboxRow).where(dead).order_by(OutboxRow.id).with_for_update()
    if ids is None:
        return list(session.scalars(query)), ()
    rows: list[OutboxRow] = []
    for part in chunks(sorted(set(ids))):
        rows.extend(session.scalars(query.where(OutboxRow.id.in_(part))))
    found = {row.id for row in rows}
    return rows, tuple(i for i in dict.fromkeys(ids) if i not in found)
