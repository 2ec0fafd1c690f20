"""Keyword-subscription notices: which users a judged item is news to, and their DMs.

A user's subscriptions are matched against every item judged (through the process's
:class:`bot.matcher.SubscriptionIndex`); one notice goes to each user that any of them
matched, naming all of them. A notice is keyed by the user and the *first report* of
the item's text (the engine's first-report index), so the outlets' copies of a wire
report share one key and a subscriber told of one is not told of the others; the key is
written only if new, so nothing is sent twice, whichever batch, job or crashed run
queued it first.

The first-report index lives in the engine's memory: a fresh engine (a restart, a
scale-out judging job) first learns the reports recent notices were about
(:meth:`Notices.warm`). Items published long before they were fetched (a feed's old
entries on its first poll) are no news to anyone ([delivery] ``notice_max_age_days``).
Earlier versions keyed notices per subscription and item: those keys are looked up for
the items and first reports that may have been notified under them.

The pipeline holds one :class:`Notices` and asks it for the notices of each item it
judges or judges again; it commits them with the batch's decisions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Collection, Mapping, Sequence

from bot.cycle_report import CycleReport
from bot.engine import Engine
from bot.engine_records import engine_doc
from bot.matcher import SubscriptionIndex, SubscriptionMatcher
from bot.model import Item, Story, Subscription, Target
from bot.notice_text import NoticeParts, notice_message
from bot.outbox_keys import legacy_notice_key, notice_key
from bot.ports import Clock, OutboxWrite, Store
from bot.query import Document, Query

# A fresh engine (a restart, a scale-out judging job) learns the reports that recent
# notices were about, so another outlet's copy of one is not sent again: at most this
# many, from this far back (copies of a wire report follow it within hours).
NOTICE_COPY_WARM = 200
NOTICE_COPY_WINDOW = timedelta(hours=24)


class Notices:
    """The keyword notices of the items a pipeline judges (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        engine: Engine,
        clock: Clock,
        subscriptions: SubscriptionIndex,
        max_age: timedelta | None = None,
    ) -> None:
        """Notices for a pipeline storing in ``store`` and judging with ``engine``.

        Args:
            store: Holds the subscriptions, the outbox and the items notified.
            engine: The pipeline's engine, whose first-report index keys the notices.
            clock: The pipeline's clock; read once here, as when this process started.
            subscriptions: The subscription index, shared by the pipelines of a process.
            max_age: Notices only for items published at most this long before they
                were fetched ([delivery] ``notice_max_age_days``; None: any age).
        """
        self.store = store
        self.engine = engine
        self.clock = clock
        self.subscriptions = subscriptions
        self.max_age = max_age
        # the subscriptions by id, as the last matcher built (see ``matcher``)
        self.subs: dict[int, Subscription] = {}
        self._warm = False  # see ``warm``
        # the first reports that notices queued before the warm-up were about: only those
        # may have been sent under an earlier version's per-subscription key
        self._warmed: frozenset[int] = frozenset()
        # Items stored before this process started may have notices queued under the
        # per-subscription keys of earlier versions (see ``_notified_before``).
        self._started_at = clock.now()

    def matcher(self) -> SubscriptionMatcher:
        """The subscription index as the store holds the subscriptions now.

        Also refreshes :attr:`subs`, the subscriptions by id (see
        :class:`bot.matcher.SubscriptionIndex`).

        Returns:
            The matcher of the stored subscriptions.
        """
        matcher, self.subs = self.subscriptions.current(self.store, self.clock.now())
        return matcher

    def invalidate(self) -> None:
        """Rebuild the subscription index before the next batch (a user (un)subscribed)."""
        self.subscriptions.invalidate()

    def warm(self) -> None:
        """Show the engine the reports that recent notices were about (once per pipeline).

        The engine's first-report index lives in memory; without this, a process that
        restarted, or a scale-out judging job (a fresh engine each), would take another
        outlet's copy of a report already sent for a first report and send it again.
        Notice keys name first reports only, so these are exactly the texts to know.
        """
        if self._warm:
            return
        self._warm = True
        since = self.clock.now() - NOTICE_COPY_WINDOW
        ids = self.store.recent_notice_items(since, NOTICE_COPY_WARM)
        self._warmed = frozenset(ids)
        for item in sorted(self.store.get_items(ids), key=lambda i: i.id):
            self.engine.first_report(engine_doc(item))

    def for_item(
        self,
        matcher: SubscriptionMatcher,
        item: Item,
        first: int,
        on_topic_ids: set[int],
        notified: set[str],
        report: CycleReport,
        stories: Mapping[int, Story],
        told: Collection[tuple[str, str]] = (),
    ) -> list[OutboxWrite]:
        """One notice per user whose subscriptions match ``item``, naming all of them.

        Keyed by the user and ``first``, the first report of the item's text, and written
        only if new: a user already told of that text (by this batch, an earlier one, or
        a run of this batch before a crash) is not told again. An item published longer
        than ``max_age`` before it was fetched (a feed's old entries, listed on its first
        poll) is no news to a subscriber: none.

        Args:
            matcher: The subscription index (:meth:`matcher`).
            item: The item judged.
            first: The first report of the item's text (``Engine.first_report``).
            on_topic_ids: The stories the item is news to: their subscriptions may match.
            notified: The keys this batch queued; the new ones are added to it.
            report: ``notices_queued`` is added to.
            stories: The tracked stories by id: a notice for one story's
                subscriptions names it.
            told: Users ((platform, user id)) an earlier version of the item matched:
                they get none.

        Returns:
            The outbox writes of the notices.
        """
        if self._too_old(item):
            return []
        by_user: dict[tuple[str, str], list[tuple[Subscription, Query]]] = {}
        # tokenized once for the matcher and every notice (about 20 an item with 10,000
        # subscriptions): tokenizing it per notice was two thirds of judging's CPU
        doc = Document.from_text(item.title, item.text)
        for sub_id in matcher.match_doc(doc, on_topic_ids):
            sub = self.subs.get(sub_id)
            if sub is not None and (sub.platform, sub.user_id) not in told:
                # the query the matcher parsed: the DM says which of its words were found
                by_user.setdefault((sub.platform, sub.user_id), []).append(
                    (sub, matcher.query(sub_id))
                )
        writes = []
        parts: NoticeParts | None = None  # what all of the item's notices show: once
        for (platform, user_id), matched in by_user.items():
            key = notice_key(platform, user_id, first)
            if key in notified or self._notified_before([sub for sub, _ in matched], item, first):
                continue
            notified.add(key)
            scoped = {sub.story_id for sub, _ in matched if sub.story_id is not None}
            story = stories.get(scoped.pop()) if len(scoped) == 1 else None
            target = Target(platform, user_id=user_id)
            if parts is None:
                parts = NoticeParts.of(item, doc)
            writes.append(
                OutboxWrite(
                    key,
                    target,
                    notice_message(matched, item, story, parts),
                    only_if_new=True,
                    # what an unsubscribe reads to take back a DM only it caused
                    subscription_ids=tuple(sub.id for sub, _ in matched),
                )
            )
            report.notices_queued += 1
        return writes

    def _too_old(self, item: Item) -> bool:
        """Whether ``item`` was published longer than ``max_age`` before it was fetched
        (an undated item never is)."""
        if self.max_age is None or item.published is None:
            return False
        return item.fetched_at - item.published > self.max_age

    def _notified_before(self, subs: Sequence[Subscription], item: Item, first: int) -> bool:
        """Whether an earlier version queued a notice of ``item``'s text for one of ``subs``.

        Earlier versions keyed notices per subscription and item. Two cases must not be
        sent again under the new key: an item stored then and judged again now (without
        a story every re-read item is), and another outlet's copy, arriving now, of a
        report ``first`` they notified (a database upgraded in place). Only items stored
        before this process started, and first reports that notices queued before its
        warm-up were about, are looked up.
        """
        ids = []
        if item.fetched_at < self._started_at:
            ids.append(item.id)
        if first != item.id and first in self._warmed:
            ids.append(first)
        return any(
            self.store.get_outbox(legacy_notice_key(s.id, item_id)) for item_id in ids for s in subs
        )
