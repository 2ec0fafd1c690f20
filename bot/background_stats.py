"""The engine's stream statistics across idle spells, restarts and scale-out jobs.

Every story weighs an item's terms with the engine's background statistics of the whole
stream, which each item read adds to. While no story is tracked and nobody has
subscribed, a judgement has no use: the only trace an item would leave is in those
statistics, which a story tracked later starts from. So new items are not analysed then;
their ids are kept (:meth:`BackgroundStats.defer`), in the order they would have been
judged, and the engine reads them (``Engine.observe``, the same statistics ``judge``
would have gathered) just before it next needs those statistics: before it tracks a new
story, or judges items for a story or a subscription (:meth:`BackgroundStats.read`). The
analysis is deferred, not skipped, and its result is the same. At most ``BACKLOG`` ids
wait; beyond that the oldest are read in the cycle that adds more, so tracking the first
story never has more than ``BACKLOG`` items to catch up on.

The ids are kept in memory; the statistics are saved at the end of every cycle with the
id through which they count every item (:meth:`BackgroundStats.save`,
``Store.save_background``). After a restart the engine takes them back and the items
stored since join the backlog (the newest ``BACKLOG`` of them), so a story tracked after
a restart starts from the statistics it would have had without it. While stories are
tracked it takes instead the statistics the last commit stored, in their own row
(:meth:`BackgroundStats.stream_state`, ``Store.load_stream``): those its decisions were
made with (see :meth:`BackgroundStats.restore`).

A scale-out job worker builds a fresh pipeline for each job and never saves: it takes
the last commit's table, or the saved statistics with the items stored since as its
backlog, bounded by when its job was queued (:meth:`BackgroundStats.restore_for`); a
periodic job keeps the saved statistics current for a first story
(:meth:`BackgroundStats.update_saved`).

The pipeline holds one :class:`BackgroundStats` and tells it which items the engine
judged or deferred; only the store and the engine are touched here.
"""

from __future__ import annotations

import logging
from array import array
from datetime import datetime
from typing import Mapping, Sequence

from bot.engine import Engine
from bot.engine_records import engine_doc
from bot.model import Item, Story
from bot.ports import Clock, Store

log = logging.getLogger(__name__)

BACKLOG = 20_000  # items whose analysis may wait for a story or subscription (see above)
_READ_BATCH = 500  # backlog items loaded from the store at a time

# Where a storybot before migration 0018 stored the stream statistics: in a story's state.
_OLD_STREAM_KEY = "stream"


class BackgroundStats:
    """The backlog of items the engine has yet to read, and the statistics' save and restore.

    See the module docstring. The attributes a job worker's pipeline sets before it
    tracks the stories (:attr:`in_job`, :attr:`queued_at`, :attr:`judging`) say which
    stored items its restore leaves to judging.
    """

    def __init__(self, store: Store, engine: Engine, clock: Clock, backlog: int = BACKLOG) -> None:
        """Statistics of ``engine``, saved to and restored from ``store``.

        Args:
            store: Holds the items, the saved statistics and the last commit's.
            engine: The pipeline's engine.
            clock: Dates the saves.
            backlog: Items that may wait for the engine at most (``BACKLOG``).
        """
        self.store = store
        self.engine = engine
        self.clock = clock
        self.backlog = backlog
        # Ids of stored items the engine has not read yet, oldest first (see the module
        # docstring); an int64 array: 8 bytes an id.
        self.unread = array("q")
        # The highest item id the engine has read (judged or observed); with the backlog,
        # what the saved background statistics cover (see ``save``).
        self.read_through = 0
        self.loaded = False  # the statistics were restored (or there were none to)
        # the saved statistics' item id is still to be read as the floor of what a save
        # says it covers (see restore; only the polling service saves)
        self._floor_from_saved = False
        self.judging: set[int] = set()  # ids a judging job is about to judge
        # Set by the job workers' entry points (Pipeline.judge_stored, judge_updates):
        # every item stored is judged by the judging job queued for it (see restore_for).
        self.in_job = False
        self.queued_at: datetime | None = None  # a judging or updates job's

    def restore(self, carried: Mapping | None = None, *, stored_by: datetime | None = None) -> bool:
        """Take back the stream statistics of the engine before this one (once, at start).

        ``carried`` is the table the last commit stored (``Store.load_stream``: see
        :meth:`stream_state`), the one its decisions were made with: if there is one,
        it is taken and nothing is read again. The saved background
        statistics are not: the service saves them at the end of a cycle, so after a
        restart in mid-cycle they miss the items judged since, and reading those again
        would count each copy of a story's report (judging leaves them out) and, later,
        each item stored but not yet judged a second time.

        Otherwise the saved background statistics are taken back, and the items stored
        after the save join the backlog, except those this pipeline is about to judge (a
        judging job's own items: judging counts them), those held for their linked page
        (judged, and counted, when the wait is over) and, with ``stored_by``, those
        stored after it (a judging job's: queued for other judging jobs, which count them).
        In a job worker, no saved statistics yet (workers on a new database, before the
        periodic job's first tick) count as the statistics of no item through id 0: the
        items stored so far are the backlog, as one process reads the backlog it kept.

        Args:
            carried: The last commit's statistics (``Store.load_stream``), or None.
            stored_by: Leave out the items stored after this time (a job worker's).

        Returns:
            Whether any were restored.
        """
        if self.loaded:
            return False
        self.loaded = True
        if carried is not None:
            # The last commit's table counts at least what the saved statistics count
            # (they are saved after their cycle's commits): what they cover stays the
            # floor of what a later save says it covers, read then (a judging job, which
            # never saves, does not read the saved table at all).
            self._floor_from_saved = True
            return self.engine.restore_background(carried)
        saved = self.store.load_background()
        if saved is None:
            if not self.in_job:
                return False  # the service's own backlog holds what it stored
            # Workers before the periodic job's first tick: the statistics of no item,
            # through id 0 (what that tick saves on an empty database). One process
            # reads its backlog here; a job reads the items stored so far.
            through = 0
        else:
            state, through = saved
            if not self.engine.restore_background(state):
                return False
        self.read_through = through
        unread = set(self.unread)
        # an item held for its linked page is judged once the wait is over, counted then
        after = self.store.item_ids_after(through, self.backlog, stored_by=stored_by, held=False)
        since = set(after) - self.judging
        self.unread = array("q", sorted(unread | since)[-self.backlog :])
        return True

    def restore_for(self, new: Mapping[int, Story], states: Mapping[int, Mapping | None]) -> None:
        """Restore the statistics before the engine tracks ``new`` stories (first time only).

        A fresh engine (a job worker's, or the service's after a restart) takes the ones
        the last commit stored, in their own row (see :meth:`stream_state`), so it weighs
        with exactly what that commit did. Unless no story it tracks has a stored state
        yet (a first story, or a story added after every other was removed): the last
        commit's table then misses every item stored while no story was tracked, and it
        takes back the saved background statistics, the items stored since joining the
        backlog (see :meth:`restore`); a job worker takes the last commit's table
        instead, if there is one, with the items stored since that commit as backlog
        (see :meth:`_restore_last_commit`). In a job worker, only those stored by the
        time the first of these stories was added: their judging jobs ran without it and
        judged nothing; a later item is judged by the job queued for it, which counts
        it, and read here too it was counted twice; by the time this job was queued,
        too, if that was earlier (it waited behind other judging jobs): the items stored
        since are in the jobs queued behind it. Stories with states but no stored table
        (migration 0018 run offline, with ``--sql``; states older than the table) start
        from the saved statistics too, the job's backlog bounded by when it was queued
        alone (see :meth:`_stored_by`). (Workers compare their clocks here too: keep
        them in sync.)

        Args:
            new: The stories about to be tracked, by id.
            states: Their stored engine states (None: none yet), by story id.
        """
        _warn_old_stream(states)
        if not new or self.loaded:
            return
        stream = None
        if any(state is not None for state in states.values()):
            stream = self.store.load_stream()
        if stream is not None:
            self.restore(stream)
        elif not self._restore_last_commit(new, states):
            self.restore(None, stored_by=self._stored_by(new, states))

    def update_saved(self, stored_by: datetime | None = None) -> int:
        """Fold the items stored since the saved background statistics into them, and save.

        For scale-out workers, where no long-lived process reads every item: a periodic
        job calls this on a fresh pipeline, so that a story added later still starts from
        the statistics of the stream (see :meth:`restore_for`) as it does in the
        single-process service. At most ``backlog`` items are read a call: the oldest
        stored since, the rest on the next calls. (After a stall of the engine queue, with
        more stored meanwhile, it read the newest and moved past the older ones for good:
        never counted, unlike in one process, whose polls and judging never part.)

        An item held for its linked page is judged, and counted, once the wait is over
        (a first story tracked meanwhile, starting from the saved statistics, leaves it
        out of its backlog): it is not read, nor the items stored after it, since the
        saved statistics count every item through one id. A later call reads them once
        it is released. An item stored after ``stored_by`` (when the periodic job was
        queued) is left out the same way: its judging job, queued behind that job, may be
        the first to track a story, which counts it when it judges it (read here too, it
        was counted twice).

        Args:
            stored_by: When the periodic job was queued (None: no bound).

        Returns:
            How many items were read.
        """
        saved = self.store.load_background()
        through = 0
        if saved is not None:
            state, through = saved
            self.engine.restore_background(state)
        self.loaded = True
        ids = self.store.item_ids_after(through, self.backlog, oldest=True)
        ready = set(
            self.store.item_ids_after(
                through, self.backlog, stored_by=stored_by, held=False, oldest=True
            )
        )
        # ids is sorted: only those below the first not ready (held, or stored after
        # stored_by: a poll that fetched earlier may insert later, under higher ids) are
        # read, since the saved statistics count every item through one id
        waiting = [i for i in ids if i not in ready]
        self.unread = array("q", [i for i in ids if not waiting or i < waiting[0]])
        self.read_through = through
        n = self.read()
        if n or saved is None:
            self.save()
        return n

    def save(self) -> None:
        """Save the engine's background statistics with the id they count items through."""
        if self._floor_from_saved:
            self._floor_from_saved = False
            saved = self.store.load_background()
            if saved is not None:
                self.read_through = max(self.read_through, saved[1])
        # the backlog is in arrival (publication) order, not id order: its smallest id
        through = min(self.unread) - 1 if self.unread else self.read_through
        self.store.save_background(self.engine.background_state(), through, self.clock.now())

    def _restore_last_commit(
        self, new: Mapping[int, Story], states: Mapping[int, Mapping | None]
    ) -> bool:
        """In a job worker, when no story it tracks has a state but a commit stored stream
        statistics (every story was removed since): take those, as one process keeps the
        table its judging built, and read the items stored after that commit as backlog.

        The saved background statistics are not that table: the periodic job builds them
        by reading every item (:meth:`update_saved`), so they count the copies of
        the removed stories' reports, which judging leaves out, and not their seeds,
        counted at a cold start. The items stored since the commit were judged by no
        story (a story's judging would have committed later): one process reads them
        as backlog. Only those stored by :meth:`_stored_by`, not held for their linked
        page and not this job's own (judging counts them), as on the saved statistics.
        (Told apart by the commit's time: workers keep their clocks in sync.)

        More than ``backlog`` such items (stories were gone a long while): the saved
        statistics, which the periodic job kept current, are taken instead, with no
        older items left out. Returns whether the last commit's statistics were taken;
        always False outside a job (the service saves its own table: see
        :meth:`restore`).
        """
        if not self.in_job:
            return False
        dated = self.store.load_dated_stream()
        if dated is None:
            return False  # a first story: nothing was ever committed
        stream, committed_at = dated
        since = self.store.item_ids_after(
            0,
            self.backlog + 1,
            stored_by=self._stored_by(new, states),
            stored_after=committed_at,
            held=False,
        )
        unread = sorted(set(self.unread) | (set(since) - self.judging))
        if len(unread) > self.backlog:
            return False
        self.restore(stream)
        self.unread = array("q", unread)
        return True

    def _stored_by(
        self, new: Mapping[int, Story], states: Mapping[int, Mapping | None]
    ) -> datetime | None:
        """In a job worker, the time by which the items that a backlog on the saved
        statistics reads were stored (see :meth:`restore_for`); None in the service.

        The earlier of when the first story without a state was added and when this job
        was queued (if it says). Stories with states but no stored stream statistics add
        no bound of their own: the items stored after the save and before this job was
        queued were judged by the jobs queued before it (the missing table counted them),
        the later ones are in the jobs queued behind it, which count them. (A job of an
        older version, which does not say when it was queued, reads them all.)
        """
        if not self.in_job:
            return None
        bounds = [story.created_at for sid, story in new.items() if states[sid] is None]
        if self.queued_at is not None:
            bounds.append(self.queued_at)
        return min(bounds, default=None)

    def stream_state(self, states: Mapping[int, Mapping]) -> dict | None:
        """The stream statistics a commit of these story states stores, or None.

        Once a commit, in their own row (``Store.load_stream``), not in every snapshot: a
        story's own state is small, the statistics are not (140-160 kB). Stored with the
        decisions, in their transaction, so a fresh engine restores the statistics the
        decisions were made with (see :meth:`restore_for`). None for a commit that
        stores no story's state: it weighed for no story (only subscriptions, or nothing
        material), and a job worker's engine takes no statistics back then.

        Args:
            states: The story states the commit stores, by story id.

        Returns:
            The engine's background statistics, or None.
        """
        return self.engine.background_state() if states else None

    def defer(self, items: Sequence[Item]) -> None:
        """Keep ``items`` for the engine to read later (judged now, they would be wasted).

        Beyond ``backlog`` waiting, the oldest are read now.

        Args:
            items: Stored items no story or subscription judges, in arrival order.
        """
        self.unread.extend(item.id for item in items)
        excess = len(self.unread) - self.backlog
        if excess > 0:
            self.read(excess)

    def judged(self, item_id: int) -> None:
        """Note that the engine judged the item ``item_id``: the statistics count it."""
        self.read_through = max(self.read_through, item_id)

    def read(self, limit: int | None = None) -> int:
        """Let the engine read the deferred items (the oldest ``limit``, default all).

        Args:
            limit: Items read at most (None: all waiting).

        Returns:
            How many ids were taken off the backlog. An item deleted meanwhile is skipped.
        """
        n = len(self.unread) if limit is None else min(limit, len(self.unread))
        left = n
        while left:
            ids = self.unread[: min(left, _READ_BATCH)].tolist()
            for item in self.store.get_items(ids):
                self.engine.observe(engine_doc(item))
            self.read_through = max(self.read_through, max(ids))
            del self.unread[: len(ids)]  # only once read: a failure leaves them waiting
            left -= len(ids)
        return n


def _warn_old_stream(states: Mapping[int, Mapping | None]) -> None:
    """Say so if a story's stored state carries the stream statistics as a storybot before
    migration 0018 stored them (the migration takes them out, into their own row).

    Such a process, still running after the upgrade, commits the statistics where nothing
    reads them now, and every fresh engine weighs with the older ones of the row: silent,
    decisions drift apart. (An offline ``--sql`` upgrade leaves them too, until the
    story's next commit.)
    """
    old = sorted(sid for sid, st in states.items() if st is not None and _OLD_STREAM_KEY in st)
    if old:
        log.warning(
            "the engine state of story %s carries stream statistics as storybot before "
            "migration 0018 stored them: is a process of an older version still running? "
            "Stop it (see Upgrading in the README); if the upgrade ran offline (--sql), "
            "this stops after the story's next judgement",
            ", ".join(map(str, old)),
        )
