"""Channel bindings (a channel follows a story) and users' keyword subscriptions.

A user holds a query at most once per scope (one story, or none): ``/story subscribe``
refuses the same query again, and the database refuses it too (unique indexes on
``subscriptions.query_key``, see :func:`query_key`), so two workers, or a retried command,
that both passed that check cannot store it twice. The one that loses is told
:class:`~bot.ports.AlreadySubscribed`, naming the subscription that won.

The installation's cap on subscriptions (``[permissions] max_subscriptions``: each one
is matched against every new item), and a person's, are counted in the transaction that
inserts, and two adds at once take turns there: on SQLite every write transaction does (``BEGIN
IMMEDIATE``), on PostgreSQL a transaction-level advisory lock (:data:`_PG_SUBSCRIBE_LOCK`)
held from the count to the commit. So two subscribes racing for the last place never
both get it, and nothing but a capped add waits for that lock.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection, and_, delete, func, literal, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.model import Binding, DeliveryMode, Subscription
from bot.ports import (
    AlreadySubscribed,
    FollowBacklog,
    NotFound,
    OutboxWrite,
    SubscriptionsFull,
    TellUsers,
)
from bot.query import parse_query
from bot.render import counted
from storage import convert
from storage.base import StoreBase, affected
from storage.counters import chunks
from storage.models import BindingRow, OutboxRow, StoryRow, SubscriptionRow, outbox_due_predicate
from storage.outbox import apply_outbox_writes, take_back_notices, take_back_unsent

log = logging.getLogger(__name__)

DEFAULT_MAX_PER_HOUR = Binding.__dataclass_fields__["max_per_hour"].default

# Capped subscribes take turns on PostgreSQL: a transaction's advisory lock, its first key
# "subs" in ASCII (the poller lock's is "stor"), its second the schema's name hashed, as
# the poller lock's, so installations in separate schemas of one database do not wait
# for each other. A transaction's lock works behind a pooler in transaction mode too.
_PG_SUBSCRIBE_LOCK = text("SELECT pg_advisory_xact_lock(1937072755, hashtext(current_schema()))")


def query_key(query: str) -> str | None:
    """The key under which a subscription's query is unique: the SHA-256 (hex) of its
    parsed :meth:`~bot.query.Query.identity`, so queries the commands call the same
    (``Bakery  bread`` and ``bakery AND bread``) share it.

    A digest, not the identity itself: an index entry has a size limit (about 2.7 kB on
    PostgreSQL) and a 500-character query in a non-Latin script can come close. Parsed
    as stored subscriptions are (too-common words allowed). None for a query that does
    not parse: no subscription is the same as it, as ``/story subscribe`` sees it.

    The key follows the query language's normalisation (:mod:`bot.textnorm`): a change
    there that makes other queries equal needs a migration that recomputes the keys.
    """
    try:
        identity = parse_query(query, strict=False).identity()
    except UserError:
        return None
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


# The columns recompute_query_keys reads and writes, as they are since migration 0007.
_SUBSCRIPTIONS = sa.table(
    "subscriptions",
    sa.column("id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("user_id", sa.String),
    sa.column("story_id", sa.Integer),
    sa.column("query", sa.Text),
    sa.column("query_key", sa.String),
)


def recompute_query_keys(conn: Connection) -> None:
    """Compute every stored subscription's ``query_key`` again (:func:`query_key`).

    What a migration runs when the query language comes to read stored queries otherwise
    (0013: word order under AND/OR; 0019: single quotes; 0020: kana voicing marks and
    Hangul syllables; 0021: "-is"/"-us" plurals, possessives, Turkish "ı" and like letters;
    0023: "-oes", "-men" and irregular plurals; 0024: no fold onto a month's short form,
    CamelCase hashtags; 0025: no fold onto a stop word; 0026: no fold onto a given name,
    "Hamas" and a few other names kept whole; 0027: surnames kept whole, "Davies" no
    "Davy"; "movies" is "movie"; 0032: a phrase's words written in parts joined, names
    written with a symbol, "C++", "AT&T"; 0034: an apostrophe at a word's end, "'AT&T" is
    "AT&T"). A query whose key does not change keeps it. Where a user then holds the same query twice in one scope, the oldest subscription
    stays and the later ones are deleted; keyword DMs are keyed by user and report, not
    by subscription, so none is lost or sent twice.
    """
    s = _SUBSCRIPTIONS
    rows = conn.execute(
        sa.select(
            s.c.id, s.c.platform, s.c.user_id, s.c.story_id, s.c.query, s.c.query_key
        ).order_by(s.c.id)
    ).all()
    kept: set[tuple[str, str, int | None, str]] = set()
    removed: list[int] = []
    changed: list[dict[str, object]] = []
    for row in rows:
        key = query_key(row.query)
        if key is None:
            continue  # does not parse: no key, as before
        scope = (row.platform, row.user_id, row.story_id, key)
        if scope in kept:
            removed.append(row.id)
            continue
        kept.add(scope)
        if key != row.query_key:
            changed.append({"b_id": row.id, "b_key": key})
    # the duplicates go first: a row taking its new key must not meet one still holding it
    for start in range(0, len(removed), 500):
        conn.execute(sa.delete(s).where(s.c.id.in_(removed[start : start + 500])))
    if changed:
        conn.execute(
            sa.update(s)
            .where(s.c.id == sa.bindparam("b_id"))
            .values(query_key=sa.bindparam("b_key")),
            changed,
        )


class ChannelStore(StoreBase):
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
        """Create or update the binding of a channel to a story.

        An existing binding keeps its id, ``created_at``, ``max_per_hour``,
        ``last_digest_at`` and what its digests covered; mode, digest period and anchor
        (``digest_anchor``: the first slot of ``digest HOURS at HH:MM``, a naive local
        time, see :mod:`bot.digest_schedule`; None: none) are replaced. A new one starts its digests after the developments the story has now
        (read in this transaction: one committed later is the binding's to get).

        Raises:
            NotFound: no story has ``story_id``.
        """
        try:
            with self._write() as session:
                row = session.scalar(
                    select(BindingRow).where(
                        BindingRow.story_id == story_id,
                        BindingRow.platform == platform,
                        BindingRow.channel_id == channel_id,
                    )
                )
                if row is None:
                    seqs = select(
                        func.coalesce(StoryRow.development_seq, 0),
                        func.coalesce(StoryRow.update_seq, 0),
                    ).where(StoryRow.id == story_id)
                    seq, updated = session.execute(seqs).one_or_none() or (0, 0)
                    row = BindingRow(
                        story_id=story_id,
                        platform=platform,
                        channel_id=channel_id,
                        max_per_hour=DEFAULT_MAX_PER_HOUR,
                        created_at=now,
                        digested_seq=seq,
                        updated_seq=updated,
                        followed_seq=seq,
                    )
                    session.add(row)
                row.mode = DeliveryMode(mode).value
                row.digest_hours = float(digest_hours)
                row.digest_anchor = digest_anchor
                session.flush()
                return convert.binding(row)
        except IntegrityError:
            raise NotFound(f"no story with id {story_id}") from None

    def unbind(self, story_id: int, platform: str, channel_id: str) -> bool:
        """Stop a channel following a story, with the story's unsent messages to it.

        The channel's alerts of the story (keys ``alert:<story>:<development>:...``, to
        this channel) and the binding's digests (``digest:<binding>:...``) still waiting
        in the outbox go with the binding, as :meth:`remove_story` takes a story's: one
        failing now (the platform down) would otherwise be posted after the unfollow. A
        posted alert's waiting edit is cancelled but its row stays: after a re-follow,
        later reports of its development are edited into it, and the hourly alert cap
        still counts it. Dead rows and delivered rows stay. See
        :func:`storage.outbox.take_back_unsent`.

        Returns:
            True if the channel followed the story.
        """
        with self._write() as session:
            # locked first: an outbox write that read the binding (FOR SHARE) commits
            # before the unsent rows are looked for, or sees the binding gone
            binding_id = session.scalar(
                select(BindingRow.id)
                .where(
                    BindingRow.story_id == story_id,
                    BindingRow.platform == platform,
                    BindingRow.channel_id == channel_id,
                )
                .with_for_update()
            )
            if binding_id is None:
                return False
            alerts = and_(
                OutboxRow.key.startswith(f"alert:{story_id}:", autoescape=True),
                OutboxRow.platform == platform,
                OutboxRow.channel_id == channel_id,
            )
            digests = OutboxRow.key.startswith(f"digest:{binding_id}:", autoescape=True)
            unsent = take_back_unsent(session, or_(alerts, digests))
            result = affected(session, delete(BindingRow).where(BindingRow.id == binding_id))
            if unsent:
                log.info(
                    "%s:%s unfollowed story %d; %d unsent messages taken back",
                    platform,
                    channel_id,
                    story_id,
                    unsent,
                )
            return bool(result)

    def bindings_for_story(self, story_id: int) -> list[Binding]:
        query = select(BindingRow).where(BindingRow.story_id == story_id).order_by(BindingRow.id)
        with self._read() as session:
            return [convert.binding(row) for row in session.scalars(query)]

    def bindings_for_channel(self, platform: str, channel_id: str) -> list[Binding]:
        query = (
            select(BindingRow)
            .where(BindingRow.platform == platform, BindingRow.channel_id == channel_id)
            .order_by(BindingRow.id)
        )
        with self._read() as session:
            return [convert.binding(row) for row in session.scalars(query)]

    def list_bindings(self) -> list[Binding]:
        with self._read() as session:
            rows = session.scalars(select(BindingRow).order_by(BindingRow.id))
            return [convert.binding(row) for row in rows]

    def follow_backlogs(self) -> dict[int, FollowBacklog]:
        """Each binding's messages given up on and still to deliver, by binding id.

        A binding's messages are its story's alerts to its channel (keys
        ``alert:<story>:...``, as :meth:`unbind` selects them) and its digests
        (``digest:<binding>:...``). One query, joined on the (platform, channel_id, ...)
        index; a binding with neither is left out. What ``storybot follows`` shows beside
        each follow: a channel that was deleted piles up given-up alerts.
        """
        prefix = OutboxRow.key.like
        story_key = literal("alert:") + sa.cast(BindingRow.story_id, sa.String) + literal(":%")
        digest_key = literal("digest:") + sa.cast(BindingRow.id, sa.String) + literal(":%")
        # neither prefix holds '%' or '_' (digits and colons): LIKE needs no escaping
        pending = outbox_due_predicate(OutboxRow)
        query = (
            select(
                BindingRow.id,
                func.count().filter(OutboxRow.dead == True),  # noqa: E712
                func.count().filter(pending),
            )
            .join(
                OutboxRow,
                and_(
                    OutboxRow.platform == BindingRow.platform,
                    OutboxRow.channel_id == BindingRow.channel_id,
                    or_(prefix(story_key), prefix(digest_key)),
                ),
            )
            .group_by(BindingRow.id)
        )
        with self._read() as session:
            return {
                binding_id: FollowBacklog(dead=dead, pending=due)
                for binding_id, dead, due in session.execute(query)
                if dead or due
            }

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
        """Record a digest run and queue its message, in one transaction.

        The binding now covers its story's developments through seq ``through`` and was
        last digested at ``now``, but only if it still covers exactly ``covered`` (what
        the caller read): a second digest job that read the same binding, or a crash
        between the message and the mark, can neither send the developments twice nor
        skip them. ``updates`` (covered, through) moves the watermark of the story's
        development updates (``updated_seq``) the same way, in the same statement.

        Returns:
            False if the binding is gone or another run moved it first (nothing written).
        """
        where = [BindingRow.id == binding_id, func.coalesce(BindingRow.digested_seq, 0) == covered]
        values: dict[str, object] = {"digested_seq": through, "last_digest_at": now}
        if updates is not None:
            where.append(func.coalesce(BindingRow.updated_seq, 0) == updates[0])
            values["updated_seq"] = updates[1]
        with self._write() as session:
            moved = affected(session, update(BindingRow).where(*where).values(**values))
            if not moved:
                return False
            apply_outbox_writes(session, writes, now)
            return True

    # ----------------------------------------------------------------- subscriptions

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
            max_total: refuse it when this many subscriptions are stored (everyone's);
                0: no cap. Counted in the inserting transaction, which capped adds enter
                one at a time (see the module's docstring): exact.
            max_per_user: refuse it when the user holds this many on this platform; 0: no
                cap. Counted the same way, so one person's subscribes sent at once (two
                workers, a retried command) cannot pass it either.

        Raises:
            SubscriptionsFull: ``max_total`` subscriptions are stored, or the user holds
                ``max_per_user`` (``per_user`` set); nothing was added.
            AlreadySubscribed: the user has a subscription with the same platform, story
                (or none) and :func:`query_key`; it names that one. Callers check first
                (to answer without a failed write); this is the answer when another
                request stored it between that check and this insert.
            NotFound: ``story_id`` is given but no story has it.
        """
        key = query_key(query)
        try:
            with self._write() as session:
                if (max_total > 0 or max_per_user > 0) and session.get_bind().dialect.name == (
                    "postgresql"
                ):
                    session.execute(_PG_SUBSCRIBE_LOCK)
                if max_per_user > 0:
                    held = session.scalar(
                        select(func.count())
                        .select_from(SubscriptionRow)
                        .where(SubscriptionRow.platform == platform)
                        .where(SubscriptionRow.user_id == user_id)
                    )
                    if (held or 0) >= max_per_user:
                        raise SubscriptionsFull(max_per_user, per_user=True)
                if max_total > 0:
                    # COUNT over the smallest index (platform, user_id): a few ms at 50,000
                    stored = session.scalar(select(func.count()).select_from(SubscriptionRow))
                    if (stored or 0) >= max_total:
                        raise SubscriptionsFull(max_total)
                row = SubscriptionRow(
                    platform=platform,
                    user_id=user_id,
                    query=query,
                    query_key=key,
                    story_id=story_id,
                    channel_id=channel_id,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                return convert.subscription(row)
        except IntegrityError:
            # A unique index or the story's foreign key: the row that won tells which.
            if key is not None:
                with self._read() as session:
                    existing = _same_subscription(session, platform, user_id, story_id, key)
                    if existing is not None:
                        raise AlreadySubscribed(convert.subscription(existing)) from None
            raise NotFound(f"no story with id {story_id}") from None

    def remove_subscription(self, platform: str, user_id: str, subscription_id: int) -> bool:
        """Delete a subscription if it belongs to this user, and the DMs only it caused.

        A keyword DM not yet sent (the platform down, a retry waiting) that no other
        subscription of the user matched is taken back in the same transaction (see
        :func:`storage.outbox.take_back_notices`): the user asked for no more of these.
        """
        with self._write() as session:
            result = affected(
                session,
                delete(SubscriptionRow).where(
                    SubscriptionRow.id == subscription_id,
                    SubscriptionRow.platform == platform,
                    SubscriptionRow.user_id == user_id,
                ),
            )
            if result:
                taken = take_back_notices(session, [(subscription_id, platform, user_id)])
                if taken:
                    log.info(
                        "subscription #%d removed; %d unsent DMs taken back", subscription_id, taken
                    )
            return bool(result)

    def remove_subscriptions(
        self,
        ids: Sequence[int] = (),
        tell: TellUsers | None = None,
        *,
        user: tuple[str, str] | None = None,
    ) -> list[Subscription]:
        """Delete the subscriptions with these ids, whoever holds them, or every one of
        ``user`` (platform, user id) as stored when it runs, in one transaction.

        The operator's removal (``storybot subscriptions remove``). As
        :meth:`remove_subscription`, a keyword DM not yet sent that only removed
        subscriptions caused is taken back; ``tell``'s messages to their users
        (:mod:`bot.subscriptions_gone`) are queued in the same transaction, given the
        subscriptions as deleted (an id not stored, or gone meanwhile, is skipped).

        Returns:
            The subscriptions deleted, in id order.
        """
        if user is not None:
            platform, user_id = user
            chosen = [
                and_(SubscriptionRow.platform == platform, SubscriptionRow.user_id == user_id)
            ]
        else:
            chosen = [SubscriptionRow.id.in_(part) for part in chunks(sorted(set(ids)))]
        with self._write() as session:
            removed: list[Subscription] = []
            for where in chosen:
                removed += [
                    convert.subscription(row)
                    for row in session.scalars(
                        select(SubscriptionRow)
                        .where(where)
                        .order_by(SubscriptionRow.id)
                        .with_for_update()
                    )
                ]
            if not removed:
                return []
            for part in chunks([s.id for s in removed]):
                session.execute(delete(SubscriptionRow).where(SubscriptionRow.id.in_(part)))
            taken = take_back_notices(session, [(s.id, s.platform, s.user_id) for s in removed])
            if taken:
                log.info(
                    "%s removed; %s taken back",
                    counted(len(removed), "subscription"),
                    counted(taken, "unsent DM"),
                )
            if tell is not None:
                apply_outbox_writes(session, tell.writes(removed), tell.now)
            return removed

    def list_subscriptions(self, platform: str, user_id: str) -> list[Subscription]:
        query = (
            select(SubscriptionRow)
            .where(SubscriptionRow.platform == platform, SubscriptionRow.user_id == user_id)
            .order_by(SubscriptionRow.id)
        )
        with self._read() as session:
            return [convert.subscription(row) for row in session.scalars(query)]

    def all_subscriptions(self) -> list[Subscription]:
        with self._read() as session:
            rows = session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.id))
            return [convert.subscription(row) for row in rows]

    def subscriptions_version(self) -> tuple[int, int, int]:
        """(count, highest id, sum of the ids) of the subscriptions: see
        ``Store.subscriptions_version``."""
        with self._read() as session:
            count, top, total = session.execute(
                select(
                    func.count(SubscriptionRow.id),
                    func.max(SubscriptionRow.id),
                    func.sum(SubscriptionRow.id),
                )
            ).one()
            return int(count), int(top or 0), int(total or 0)


def _same_subscription(
    session: Session, platform: str, user_id: str, story_id: int | None, key: str
) -> SubscriptionRow | None:
    scope = (
        SubscriptionRow.story_id.is_(None)
        if story_id is None
        else SubscriptionRow.story_id == story_id
    )
    query = (
        select(SubscriptionRow)
        .where(
            SubscriptionRow.platform == platform,
            SubscriptionRow.user_id == user_id,
            scope,
            SubscriptionRow.query_key == key,
        )
        .order_by(SubscriptionRow.id)
        .limit(1)
    )
    return session.scalar(query)
