"""The pipeline: one poll cycle from due feeds to stored decisions and queued alerts.

For each due feed it fetches (concurrently, through the ``FeedFetcher`` port), stores new
items, asks the pure engine for a judgement against every story, and commits judgements,
developments, engine state and outbox rows in one transaction per feed. Only then is the
feed's poll recorded, so a crash mid-cycle makes the next cycle poll that feed again; items
already stored but not yet judged are recognised and judged then. Nothing is lost and
nothing is alerted twice (outbox keys are idempotent).

While no story is tracked and nobody has subscribed, new items are not analysed: their
ids wait in a backlog that the engine reads before it next needs its stream statistics,
and those statistics are saved and restored across restarts and scale-out jobs (see
:mod:`bot.background_stats`). Keyword-subscription notices are made by
:mod:`bot.notices`, the alerts of developments by :mod:`bot.alert_writes`, and the
items updated in place are judged again by :mod:`bot.rejudging`; the pipeline
orchestrates and commits.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections import deque
from datetime import datetime, timedelta
from typing import Callable, Collection, Mapping, Sequence

from bot import teaching
from bot.alert_text import added_fact
from bot.alert_writes import AlertBatch, AlertWrites, noting
from bot.background_stats import BACKLOG, BackgroundStats
from bot.cycle_report import CycleReport
from bot.engine import Engine
from bot.engine_records import engine_doc, engine_states
from bot.identity import canonical_url, feed_items
from bot.linked_pages import LinkedPages
from bot.matcher import SubscriptionIndex, SubscriptionMatcher, reprints_seed
from bot.model import (
    Feed,
    FetchResult,
    FetchStatus,
    IngestOutcome,
    Item,
    PollRequest,
    Story,
    arrival_order,
)
from bot.notices import Notices
from bot.polling import NetworkWatch, PollPolicy, plan_polls
from bot.ports import (
    Clock,
    DevelopmentWrite,
    FeedFetcher,
    OutboxWrite,
    PageReader,
    Store,
)
from bot.rejudging import UPDATES_PER_CYCLE, Rejudger

log = logging.getLogger(__name__)

CHUNK = 64  # feeds whose items are stored and judged together
# chunks fetched ahead while one is processed; 2 was no faster on the real corpus and
# raised the memory benchmark's peak RSS from 384 MB to 419 MB (target 400 MB)
AHEAD = 1


ProgressFn = Callable[[int, int, Feed, FetchResult], None]


_COUNT = re.compile(r"\d+")


def _warning_kind(warning: str) -> str:
    """What a fetch warning is about, without its particulars: the text before its
    details (a ":" or "("), with counts taken out ("entries dated in the future: 2" and
    "...: 3" are one kind; so are "feed has 612 entries" and "613")."""
    head = warning.split(":", 1)[0].split("(", 1)[0]
    return _COUNT.sub("N", head).strip()


class Pipeline:
    """Runs poll cycles. Holds the engine and the subscription matcher in memory.

    The orchestrator of a cycle: it fetches, stores and judges, and commits what its
    collaborators make of the judgements (:class:`bot.notices.Notices`,
    :class:`bot.alert_writes.AlertWrites`, :class:`bot.rejudging.Rejudger`,
    :class:`bot.background_stats.BackgroundStats`).
    """

    def __init__(
        self,
        store: Store,
        engine: Engine,
        fetcher: FeedFetcher,
        clock: Clock,
        policy: PollPolicy,
        *,
        default_max_per_hour: int = 10,
        notice_max_age: timedelta | None = None,
        rng: random.Random | None = None,
        backlog: int = BACKLOG,
        pages: PageReader | None = None,
        page_wait_s: float = 0.0,
        subscriptions: SubscriptionIndex | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.fetcher = fetcher
        # the linked pages of headline-only items ([pages]; wait_s: how long an item may
        # wait for a page that may come back)
        self.linked_pages = LinkedPages(store, pages, clock, timedelta(seconds=page_wait_s))
        # the kinds of warning logged of each feed, while its episode lasts (_log_warnings)
        self._warned: dict[int, set[str]] = {}
        self.clock = clock
        self.policy = policy
        self.rng = rng or random.Random()
        # whether this machine's network is down, told from the polls it records
        self.network = NetworkWatch()
        self._stories: dict[int, Story] = {}
        self._lock = asyncio.Lock()
        self._log_failures = True  # False while a caller reports failed feeds itself
        # the backlog of items the engine has yet to read, and the stream statistics'
        # save and restore (see bot.background_stats)
        self.background = BackgroundStats(store, engine, clock, backlog)
        # when each tracked story was first tracked (its seed development's commit): the
        # backlog read then counts every item stored before (see ``_note_relisted``)
        self._tracked_since: dict[int, datetime] = {}
        # items a poll found again with no decision that the statistics count already
        # (see ``_note_relisted``): judging does not count them again
        self._relisted: set[int] = set()
        # the keyword DMs of the items judged; the subscription index is shared by the
        # pipelines of one process (scale-out builds one per job). Built last: it reads
        # the clock as when this process started.
        self.notices = Notices(
            store, engine, clock, subscriptions or SubscriptionIndex(), notice_max_age
        )
        self.alert_writes = AlertWrites(store, default_max_per_hour)
        # items updated in place, judged again (see bot.rejudging)
        self.rejudger = Rejudger(
            store, engine, clock, self.notices, self.background, self.alert_writes
        )

    @property
    def default_max_per_hour(self) -> int:
        """The hourly alert cap of a channel that sets none."""
        return self.alert_writes.default_max_per_hour

    @property
    def notice_max_age(self) -> timedelta | None:
        """Keyword DMs only for items published at most this long before they were
        fetched ([delivery] ``notice_max_age_days``; None: any age)."""
        return self.notices.max_age

    @property
    def subscriptions(self) -> SubscriptionIndex:
        """The subscription index, shared by the pipelines of one process."""
        return self.notices.subscriptions

    # ------------------------------------------------------------------ stories

    def restore_background(
        self, carried: Mapping | None = None, *, stored_by: datetime | None = None
    ) -> bool:
        """Take back the stream statistics of the engine before this one (once, at start).

        See :meth:`bot.background_stats.BackgroundStats.restore`.

        Args:
            carried: The last commit's statistics (``Store.load_stream``), or None: the
                saved ones, with the items stored since as backlog.
            stored_by: Leave out of that backlog the items stored after this time.

        Returns:
            Whether any were restored.
        """
        return self.background.restore(carried, stored_by=stored_by)

    def update_saved_background(self, stored_by: datetime | None = None) -> int:
        """Fold the items stored since the saved background statistics into them, and save.

        For scale-out workers' periodic job, on a fresh pipeline: see
        :meth:`bot.background_stats.BackgroundStats.update_saved`.

        Args:
            stored_by: When the periodic job was queued (None: no bound).

        Returns:
            How many items were read.
        """
        return self.background.update_saved(stored_by)

    def _start_cycle(self) -> None:
        # Only the polling service saves and restores the background statistics here: a
        # job worker's pipeline (adapters/jobs) is built afresh for each job and must stay
        # short; it takes the statistics the last commit stored (see refresh_stories), and the periodic background job keeps the saved ones
        # current for a first story (update_saved_background). With stories, the first
        # refresh has restored the statistics already (the last commit's, if stored).
        self.track_stories()
        self.restore_background()

    def save_background(self) -> None:
        """Save the engine's background statistics with the id they count items through."""
        self.background.save()

    def refresh_stories(self) -> None:
        """Track stories added since the last cycle (possibly by another process).

        Every story weighs with the engine's stream statistics, which a story's own state
        does not carry. A fresh engine (a job worker's, or the service's after a restart)
        first takes them back: the last commit's, or the saved ones with the items stored
        since as backlog (see :meth:`bot.background_stats.BackgroundStats.restore_for`).
        A story with no stored state yet starts from them, the backlog read first; its
        seed is committed as development 0, with its baseline state.
        """
        current = {s.id: s for s in self.store.list_stories()}
        for story_id in list(self._stories):
            if story_id not in current:
                self.engine.untrack(story_id)
                del self._stories[story_id]
                self._tracked_since.pop(story_id, None)
        new = {sid: story for sid, story in current.items() if sid not in self._stories}
        states = {sid: self.store.load_engine_state(sid) for sid in new}
        self.background.restore_for(new, states)
        for story_id, story in new.items():
            state = states[story_id]
            if state is None:
                # A new story starts from the background statistics: complete them
                # (a job worker's fresh pipeline first takes back the saved ones).
                self.background.read()
            self.engine.track(story, state)
            dev0 = self.store.get_development(story_id, 0)
            if dev0 is None:
                # The seed story is development 0: known already, so never alerted.
                seed = self.engine.seed_development(story_id)
                baseline = engine_states(self.engine, [story_id])
                now = self.clock.now()
                try:
                    self.store.commit_decisions(
                        [], [seed], baseline, [], now, stream=self.background.stream_state(baseline)
                    )
                except Exception:
                    # Not tracked until its baseline is stored: the next cycle tries again.
                    self.engine.untrack(story_id)
                    raise
                self._tracked_since[story_id] = now
            else:
                self._tracked_since[story_id] = dev0.created_at
            self._stories[story_id] = story

    def track_stories(self) -> None:
        """Track the stories (:meth:`refresh_stories`), then teach the engine the admins'
        corrections it has not applied (:meth:`apply_corrections`).

        What a cycle, and a job worker's fresh pipeline, does before it judges.
        """
        self.refresh_stories()
        self.apply_corrections()

    def apply_corrections(self) -> None:
        """Bring the engine in line with the corrections stored (``/story wrong``), and
        commit the states of the stories it changed (see :mod:`bot.teaching`).

        Their states alone, with no decision: the state in the database then holds what
        the engine was taught, for a restart or the next job worker. The stream
        statistics are not written: teaching a story does not count items in them.
        """
        if not self._stories:
            return
        changed = teaching.reconcile(self.store, self.engine, list(self._stories), engine_doc)
        if changed:
            self.store.commit_decisions(
                [], [], engine_states(self.engine, changed), [], self.clock.now()
            )

    # ------------------------------------------------------------------ cycle

    async def poll_due(
        self, limit: int = 1000, progress: ProgressFn | None = None, *, log_failures: bool = True
    ) -> CycleReport:
        """Poll every feed that is due now, process what it brings, record the polls.

        ``log_failures=False`` leaves a failed feed to the caller, who reports
        ``CycleReport.failures`` itself (``storybot poll --once``): each failure is then
        shown once, not as a log line too.
        """
        async with self._lock:  # one cycle at a time in this process
            # In a thread: tracking a new story may first read the backlog (CPU work).
            await asyncio.to_thread(self._start_cycle)
            # in a thread too: waiting for the database here would hold up the whole loop
            feeds = await asyncio.to_thread(self.store.due_feeds, self.clock.now(), limit=limit)
            return await self._poll(feeds, progress, log_failures)

    async def poll_feeds(
        self,
        feeds: Sequence[Feed],
        progress: ProgressFn | None = None,
        *,
        log_failures: bool = True,
    ) -> CycleReport:
        """Poll the given feeds now (whether due or not) and process the results."""
        async with self._lock:
            await asyncio.to_thread(self._start_cycle)
            return await self._poll(list(feeds), progress, log_failures)

    async def _poll(
        self, feeds: list[Feed], progress: ProgressFn | None, log_failures: bool = True
    ) -> CycleReport:
        self._log_failures = log_failures  # read by _fetched; cycles hold self._lock
        report = CycleReport(feeds=len(feeds))
        # off the loop: it asks the store every cycle, and builds the index when changed
        matcher = await asyncio.to_thread(self.notices.matcher)
        if self.wants_judgements(matcher):
            # items that waited for their linked page and whose next try is due
            ready = await self.linked_pages.retry_waits(report)
            if ready:
                report.waits_judged += len(ready)
                await asyncio.to_thread(self.judge_items, ready, matcher, report)
                await asyncio.to_thread(self.store.release_page_waits, [i.id for i in ready])
            # updates stored by a cycle that died before judging them
            await asyncio.to_thread(self.rejudge_updates, matcher, report)
        if not feeds:
            return report

        done = 0

        async def fetch(feed: Feed) -> tuple[Feed, FetchResult]:
            nonlocal done
            result = await self.fetcher.fetch(_request(feed))
            done += 1
            if progress:
                progress(done, len(feeds), feed, result)
            return feed, result

        # Feeds are fetched concurrently and processed a chunk at a time; a chunk's new
        # items are judged in publication order, whatever order the fetches completed
        # in, so the online engine sees the same sequence on every run. The next
        # ``AHEAD`` chunks are fetched while one is processed, so the fetcher's slots do
        # not sit idle while a chunk waits for its slowest feed or is being stored; that
        # bounds the results held in memory to ``AHEAD + 1`` chunks. A result fetched
        # ahead is only recorded with its chunk: a crash before then polls it again.
        chunks = [feeds[i : i + CHUNK] for i in range(0, len(feeds), CHUNK)]
        fetching: deque[asyncio.Future[list[tuple[Feed, FetchResult]]]] = deque()
        try:
            for k in range(len(chunks)):
                while len(fetching) <= AHEAD and k + len(fetching) < len(chunks):
                    fetching.append(asyncio.gather(*(fetch(f) for f in chunks[k + len(fetching)])))
                results = await fetching.popleft()
                # Storing and judging are synchronous (SQL, pure engine): run them off
                # the event loop so /story commands and other I/O stay responsive.
                to_judge = await asyncio.to_thread(self._store_chunk, results, report)
                if to_judge and self.wants_judgements(matcher):
                    to_judge = await self.linked_pages.read(to_judge, report)
                await asyncio.to_thread(self._judge_chunk, results, to_judge, matcher, report)
        finally:
            for pending in fetching:
                pending.cancel()
            if fetching:
                await asyncio.gather(*fetching, return_exceptions=True)
        if report.new_items:
            await asyncio.to_thread(self.save_background)
        return report

    def _store_chunk(
        self, results: list[tuple[Feed, FetchResult]], report: CycleReport
    ) -> list[Item]:
        """Store a chunk's items; return the ones to judge, in arrival order."""
        to_judge: dict[int, Item] = {}  # by id: one item may come from several feeds
        for feed, result in sorted(results, key=lambda fr: fr[0].id):
            for item in self.ingest_result(feed, result, report):
                to_judge.setdefault(item.id, item)
        return sorted(to_judge.values(), key=arrival_order)

    def _judge_chunk(
        self,
        results: list[tuple[Feed, FetchResult]],
        to_judge: list[Item],
        matcher: SubscriptionMatcher,
        report: CycleReport,
    ) -> None:
        """Judge a chunk's stored items, then record its polls (a crash before: polled again)."""
        now = self.clock.now()
        try:
            if to_judge:
                self.judge_items(to_judge, matcher, report)
        finally:
            self._relisted.clear()  # an item held for its linked page is counted when judged
        if report.updated_items:
            self.rejudge_updates(matcher, report)
        self.store.record_polls(plan_polls(results, now, self.policy, self.rng, self.network))

    def wants_judgements(self, matcher: SubscriptionMatcher | None = None) -> bool:
        """Whether new items will be judged now: a story is tracked or someone subscribed.

        Otherwise they only wait in the backlog (:mod:`bot.background_stats`) and reading their
        linked pages would be wasted requests.
        """
        return (
            bool(self._stories)
            or len(matcher if matcher is not None else self.notices.matcher()) > 0
        )

    # ------------------------------------------------------------------ steps
    # The cycle above, in steps that job workers (adapters/jobs) run as separate jobs,
    # possibly in different processes: fetch, ingest, record, and judge later.

    async def fetch_feed(self, feed: Feed) -> FetchResult:
        """Fetch one feed conditionally (its ETag, Last-Modified and body hash)."""
        return await self.fetcher.fetch(_request(feed))

    def ingest_result(
        self,
        feed: Feed,
        result: FetchResult,
        report: CycleReport,
        *,
        recheck_unjudged: bool | None = None,
        relisted: set[int] | None = None,
    ) -> list[Item]:
        """Store what a fetch brought; return the stored items still to be judged.

        Args:
            feed: The feed as it was before the poll.
            result: The fetch result.
            report: Counts are added to it.
            recheck_unjudged: Also return items seen before that have no decision yet
                (stored by a cycle that died before judging them). Defaults to whether
                this pipeline tracks any story.
            relisted: If given, the ids of the returned items stored before this poll
                (found again with no decision) are added to it: a scale-out poll job
                passes them to the judging job (see :meth:`judge_stored`).

        Returns:
            New items, plus unjudged known ones, in feed order. Nothing is judged here.
        """
        self._log_warnings(feed, result)
        if result.status is FetchStatus.ERROR:
            report.errors += 1
            report.failures.append((feed.url, result.error or "unknown error"))
            # while the outage excuses the feed, the watch said so once for every feed
            # (not past OUTAGE_TRUST_S: the feeds count their failures again then)
            excused = self.network.excused(feed, result, self.clock.now())
            if self._log_failures and not excused:
                log.warning("feed %s failed: %s", feed.url, result.error)
            return []
        if result.status is FetchStatus.NOT_MODIFIED:
            report.not_modified += 1
            return []
        report.ok += 1
        if recheck_unjudged is None:
            # Notices are keyed per (user, first report of the text), so a re-check never
            # sends one twice.
            recheck = bool(self._stories) or bool(self.notices.subs)
            stories = bool(self._stories)
        else:
            recheck = stories = recheck_unjudged
        return self._ingest(feed, result, report, recheck, stories, relisted)

    def _log_warnings(self, feed: Feed, result: FetchResult) -> None:
        """Log what the fetch noticed about a feed that still works (a permanent redirect,
        XML read leniently, entries cut at the limit), once per feed and kind of warning
        while it lasts: it stays true on every poll, and the operator needs to hear it
        once, not every quarter of an hour. A poll that read the feed anew (OK) without
        a kind of warning ends that kind's episode, so the feed breaking that way again
        is logged again; an unchanged feed (304, or the same body: NOT_MODIFIED, not read
        again) or a failed poll says nothing of it. Its memory holds a few kinds per
        feed, and none of a feed that has recovered."""
        kinds: dict[str, str] = {}
        for warning in result.warnings:
            kinds.setdefault(_warning_kind(warning), warning)
        told = self._warned.get(feed.id, set())
        if result.status is FetchStatus.OK:
            told = {kind for kind in told if kind in kinds}
        for kind, warning in kinds.items():
            if kind not in told:
                told.add(kind)
                log.warning("feed %s: %s", feed.url, warning)
        if told:
            self._warned[feed.id] = told
        else:
            self._warned.pop(feed.id, None)

    def record_result(self, feed: Feed, result: FetchResult, now: datetime | None = None) -> None:
        """Record the poll at ``now`` (default: the clock's now) and schedule the next one."""
        now = now or self.clock.now()
        [outcome] = plan_polls([(feed, result)], now, self.policy, self.rng, self.network)
        self.store.record_poll(outcome)

    def judge_stored(
        self,
        item_ids: Sequence[int],
        queued_at: datetime | None = None,
        relisted: Collection[int] = (),
    ) -> CycleReport:
        """Judge stored items that have no decision yet, in arrival order, and commit them.

        For job workers: the items were stored by a poll job, maybe in another process,
        and a retried job may find some of them judged already; those are skipped, so an
        item is never judged twice. Tracks the stories first (``track_stories``), so on
        a fresh engine every story starts from the state stored by the last commit, with
        the admins' corrections stored since taught.

        Args:
            item_ids: The items to judge.
            queued_at: When this judging job was queued (None: unknown, a job queued by
                an older version). The items stored after it are judged by the jobs
                queued behind this one: a first story's backlog leaves them out.
            relisted: Those of ``item_ids`` the poll found again with no decision
                (``ingest_result``'s ``relisted``; none from a job of an older version):
                the ones stored before the stories were first tracked are counted in
                the statistics already, read with the backlog or folded into the saved
                statistics (see :meth:`_note_relisted`). A first story's backlog does
                not leave them out: judging does not count them.
        """
        report = CycleReport()
        self.background.in_job = True
        self.background.queued_at = queued_at
        again = set(relisted)
        # not background reading: judging counts them
        self.background.judging = set(item_ids) - again
        try:
            self.track_stories()
        finally:
            self.background.judging = set()
        # one query a chunk (unknown ids, removed by a prune since, are left out)
        items = sorted(self.store.get_items(list(set(item_ids))), key=arrival_order)
        if self._stories:
            judged = self.store.judged_item_ids([i.id for i in items])
            items = [i for i in items if i.id not in judged]
        for item in items:
            if item.id in again:
                self._note_relisted(item)
        if items:
            matcher = self.notices.matcher()
            try:
                self.judge_items(items, matcher, report)
            finally:
                self._relisted.clear()
            self.rejudge_updates(matcher, report)  # updates stored by any poll job, as a cycle does
        else:
            # nothing new (a retried job): the index is built only for a material update
            self.rejudge_updates(self.notices.matcher, report)
        return report

    def judge_updates(self, queued_at: datetime | None = None) -> CycleReport:
        """Judge the items updated in place that wait in the store (for job workers).

        What :meth:`judge_stored` does for updates, except that the stories are tracked
        (their engine states loaded) only when an update is material: a feed whose
        text changes on every fetch in trivial ways costs a look at the texts, no more (nor
        is the subscription index built: about a second with 10,000 subscriptions).
        ``queued_at`` is as for :meth:`judge_stored`: this job too may be the first to
        track a story.
        """
        report = CycleReport()
        self.background.in_job = True
        self.background.queued_at = queued_at
        self.rejudge_updates(self.notices.matcher, report, before_judging=self.track_stories)
        return report

    def _ingest(
        self,
        feed: Feed,
        result: FetchResult,
        report: CycleReport,
        recheck_unjudged: bool,
        stories: bool,
        relisted: set[int] | None = None,
    ) -> list[Item]:
        """Store a fetch's entries; return the items to judge (see ``ingest_result``).

        An item updated in place is left to :meth:`rejudge_updates`, unless stories are
        tracked and none judged it (a cycle died before it was judged): with no story
        there are never judgements, and the update path tells only the subscribers the
        new version matches, as a job worker's does.
        """
        now = self.clock.now()
        label = result.feed_title or feed.title
        to_judge: list[Item] = []
        queued: set[int] = set()
        stored = self.store.ingest_items(feed_items(result.entries, feed.id, label, now))
        # Which of the items seen before were judged: one query for the whole fetch (a
        # feed lists dozens of items it listed before at every poll that changed it).
        rechecked = [
            item.id
            for outcome, item in stored
            if (outcome is IngestOutcome.UPDATED and stories)
            or (outcome is IngestOutcome.SEEN and recheck_unjudged)
        ]
        judged = self.store.judged_item_ids(rechecked) if rechecked else set()
        for outcome, item in stored:
            if item.id in queued:
                continue  # the feed lists the same item twice
            if outcome is IngestOutcome.NEW:
                queued.add(item.id)
                report.new_items += 1
                to_judge.append(item)
            elif outcome is IngestOutcome.UPDATED:
                report.updated_items += 1
                if stories and item.id not in judged:
                    queued.add(item.id)  # changed before it was ever judged (crash)
                    to_judge.append(item)
                    self._note_relisted(item, relisted)
            elif recheck_unjudged and item.id not in judged:
                # Stored by a cycle that crashed before its decisions were committed, or
                # while no story was tracked (then read into the statistics already).
                queued.add(item.id)
                to_judge.append(item)
                self._note_relisted(item, relisted)
        return to_judge

    def _note_relisted(self, item: Item, relisted: set[int] | None = None) -> None:
        """Note ``item``, found again with no decision, if the statistics count it already.

        An item stored before every tracked story was first tracked was read then, with
        the backlog (or judged for the subscriptions alone): the stories judge it now,
        but the stream statistics must not count it a second time. One stored since then
        with no decision was stored by a cycle that died before judging it: never
        counted, it is counted now. With no story tracked (a poll for the subscriptions
        alone), every such item was read already, judged for the subscriptions or
        observed from the backlog, or waits in the backlog, which judging reads first:
        judged again for them at every poll that changed its feed, it was counted again
        each time. (After a restart, the items stored since the last save of the
        statistics join the backlog: see :meth:`restore_background`.)

        A scale-out poll job's pipeline tracks no story and knows neither: it notes every
        item found again in ``relisted``, for the judging job, which tracks the stories,
        to tell (see :meth:`judge_stored`).
        """
        if relisted is not None:
            relisted.add(item.id)
        elif not self._stories or (
            self._tracked_since and item.fetched_at < min(self._tracked_since.values())
        ):
            self._relisted.add(item.id)

    def judge_items(
        self, items: Sequence[Item], matcher: SubscriptionMatcher | None, report: CycleReport
    ) -> None:
        """Judge stored items against every story and commit the results atomically.

        With no story tracked and no subscription, nothing is judged: the items join
        the backlog the engine reads later (see :mod:`bot.background_stats`).
        """
        if not items:
            return
        if not self._stories and (matcher is None or not len(matcher)):
            self.background.defer(items)
            return
        self.background.read()  # the engine reads items in arrival order, the backlog first
        now = self.clock.now()
        judgements = []
        dev_writes: list[DevelopmentWrite] = []
        outbox: list[OutboxWrite] = []
        touched: set[int] = set()
        # what this batch's alert writes remember of each other (see AlertBatch)
        alert_batch = AlertBatch()
        docs = [engine_doc(item) for item in items]
        # one batched model call for the whole batch (all None without an embedder)
        embeddings = self.engine.embed(docs)
        notified: set[str] = set()  # notice keys queued by this batch
        if matcher is not None and len(matcher):
            self.notices.warm()
        for item, doc, embedding in zip(items, docs, embeddings, strict=True):
            analysis = self.engine.analyse(doc)  # once, for the stories and the notices
            read = item.id in self._relisted
            self._relisted.discard(item.id)
            verdicts = self.engine.judge(doc, analysis, embedding=embedding, read=read)
            self.background.judged(item.id)
            on_topic_ids: set[int] = set()
            is_copy = taken = False
            for verdict in verdicts:
                j = verdict.judgement
                judgements.append(j)
                touched.add(j.story_id)
                if not j.on_topic:
                    continue
                if not reprints_seed(j):  # no news to the story's subscribers
                    on_topic_ids.add(j.story_id)
                taken = True
                if j.duplicate_of is not None:
                    is_copy = True
                if verdict.development is not None:
                    before, dev = self.alert_writes.project(
                        alert_batch, verdict.development, item, now
                    )
                    fact = None
                    if verdict.development.number > 0:
                        fact = None if j.new_development else added_fact(before, dev, item, j)
                        outbox.extend(
                            self.alert_writes.alerts(
                                verdict,
                                self._stories[j.story_id],
                                dev,
                                alert_batch,
                                report,
                                now,
                                fact,
                            )
                        )
                    # the fact is stored too: digest channels are told it (bot.digest)
                    dev_writes.append(noting(verdict.development, fact, item))
            # items, not item-story pairs: an item ten stories take is one on-topic item
            report.on_topic += taken
            report.copies += is_copy
            if matcher is not None and len(matcher):
                # One notice per text: the outlets' copies of a wire report share the key
                # of its first report, so a subscriber told of one is not told again.
                first = self.engine.first_report(doc, analysis)
                # A story's copy older than the stream index remembers: no notice, as ever.
                if first != item.id or not is_copy:
                    outbox.extend(
                        self.notices.for_item(
                            matcher, item, first, on_topic_ids, notified, report, self._stories
                        )
                    )
        states = engine_states(self.engine, touched)
        versions = {item.id: item.version for item in items}
        texts = {item.id: (item.title, item.text) for item in items}
        self.store.commit_decisions(
            judgements,
            dev_writes,
            states,
            outbox,
            now,
            versions=versions,
            texts=texts,
            stream=self.background.stream_state(states),
        )

    def rejudge_updates(
        self,
        matcher: SubscriptionMatcher | Callable[[], SubscriptionMatcher] | None,
        report: CycleReport,
        limit: int = UPDATES_PER_CYCLE,
        *,
        before_judging: Callable[[], None] | None = None,
    ) -> None:
        """Judge again the items updated in place since a version of them was judged,
        against this pipeline's stories: :meth:`bot.rejudging.Rejudger.rejudge_updates`
        says what the arguments are."""
        self.rejudger.rejudge_updates(
            self._stories, matcher, report, limit, before_judging=before_judging
        )

    def read_backlog(self, limit: int | None = None) -> int:
        """Let the engine read the deferred items (the oldest ``limit``, default all).

        Args:
            limit: Items read at most (None: all waiting).

        Returns:
            How many ids were taken off the backlog. An item deleted meanwhile is skipped.
        """
        return self.background.read(limit)

    def invalidate_subscriptions(self) -> None:
        """Rebuild the subscription index before the next batch (a user (un)subscribed).

        Called from any thread (the commands run theirs in one) once the change is
        committed. (The index also sees changes made by other processes by itself.)
        """
        self.notices.invalidate()


def _request(feed: Feed) -> PollRequest:
    return PollRequest(
        feed_id=feed.id,
        url=feed.url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        body_hash=feed.body_hash,
    )


def find_items(store: Store, url: str, limit: int) -> list[Item]:
    """The stored items at the URL a user pasted (exact, then canonical), newest first.

    Several when a feed lists its articles under one link (its home page, a landing
    page): each is an item of its own (``NewItem.shared_link``). A link pasted without
    its scheme (``news.example/a``, as browsers show them) is looked up as an https, then
    an http address.
    """
    pasted = url.strip().strip("<>")
    items = store.find_items_by_url(pasted, limit)
    spellings = [pasted] if "://" in pasted else [f"https://{pasted}", f"http://{pasted}"]
    for canon in filter(None, map(canonical_url, spellings)):
        if items:
            break
        items = store.find_items_by_url(canon, limit)
    return items
