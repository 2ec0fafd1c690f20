"""storybot's jobs, registered on a procrastinate ``App`` (see the package docstring).

Store and engine calls are synchronous; jobs run them in a thread (``asyncio.to_thread``)
so the worker's event loop keeps sending heartbeats during a long judging batch, and a live
worker is never mistaken for a dead one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timezone

import procrastinate
from procrastinate import exceptions as pexc
from procrastinate.jobs import Job, Status
from procrastinate.manager import JobManager

from adapters.app import App
from adapters.jobs.connected import Connection
from bot.cycle_report import CycleReport
from bot.digest import run_digests
from bot.duration import duration
from bot.engine import Engine, EngineConfig
from bot.pipeline import Pipeline
from bot.ports import Clock
from bot.render import counted

log = logging.getLogger(__name__)

POLL, ENGINE, DELIVER, MAINTENANCE = "poll", "engine", "deliver", "maintenance"


@dataclass(frozen=True)
class Schedule:
    """Real seconds between periodic jobs, and when a worker counts as dead."""

    poll_s: float = 30
    deliver_s: float = 2
    digest_s: float = 60
    background_s: float = 60  # folding new items into the saved stream statistics
    stalled_after_s: float = 30  # no heartbeat for this long: the worker's jobs are retried
    retry_stalled_s: float = 10
    deliver_batch: int = 20  # outbox rows per delivery job


def every(seconds: float) -> str:
    """A procrastinate cron (6th column: seconds) firing every ``seconds``, rounded.

    Cron steps restart each minute (or hour), so a step that does not divide 60 gives a
    slightly shorter last gap; that only makes a tick early, never skips one.
    """
    s = max(1, round(seconds))
    if s < 60:
        return f"* * * * * */{s}"
    m = max(1, round(s / 60))
    return f"*/{m} * * * *" if m < 60 else f"0 */{max(1, round(m / 60))} * * *"


def _now(clock: Clock) -> str:
    """The clock's now as a job argument (jobs' arguments are JSON)."""
    return clock.now().isoformat()


def fresh_pipeline(app: App) -> Pipeline:
    """A pipeline on a new, empty engine: ``judge_stored`` tracks every story from the store."""
    # the app's embedder, if any: its model is loaded once per process, not per job, and
    # so is the subscription index (rebuilt only when the subscriptions changed)
    engine = Engine(EngineConfig.from_mapping(app.settings.engine), embedder=app.engine.embedder)
    return Pipeline(
        app.store,
        engine,
        app.fetcher,
        app.clock,
        app.pipeline.policy,
        default_max_per_hour=app.pipeline.default_max_per_hour,
        notice_max_age=app.pipeline.notice_max_age,
        rng=app.pipeline.rng,
        subscriptions=app.pipeline.subscriptions,
    )


def register(
    jobs: procrastinate.App, app: App, schedule: Schedule, connection: Connection | None = None
) -> None:
    """Register storybot's tasks and periodic schedules on ``jobs``, working on ``app``.

    ``connection``: how long the worker running these tasks has been connected; its
    ``retry_stalled`` judges no other worker stalled before ``schedule.stalled_after_s``
    of it (:mod:`adapters.jobs.connected`). None: no such wait (tests of other tasks).
    """
    store, clock = app.store, app.clock

    @jobs.task(
        name="storybot.judge",
        queue=ENGINE,
        lock="engine",
        retry=procrastinate.RetryStrategy(max_attempts=3, wait=5),
    )
    async def judge(
        item_ids: list[int], queued_at: str | None = None, relisted: list[int] | None = None
    ) -> str:
        # queued_at: when the job was deferred (ISO 8601; absent from an older version's);
        # relisted: those of item_ids the poll found again (Pipeline.judge_stored; absent
        # from an older version's)
        queued = datetime.fromisoformat(queued_at) if queued_at else None
        report = await asyncio.to_thread(
            fresh_pipeline(app).judge_stored, item_ids, queued, relisted or ()
        )
        return _judged(report, len(item_ids))

    # The updates poll jobs stored wait in the store (``pending_updates``); one job
    # judges all of them, so one waiting job is enough: a feed whose text changes on
    # every fetch must not fill the engine queue. A trivial update is settled without
    # tracking any story (``Pipeline.judge_updates``).
    @jobs.task(
        name="storybot.judge_updates",
        queue=ENGINE,
        lock="engine",
        queueing_lock="judge_updates",
        retry=procrastinate.RetryStrategy(max_attempts=3, wait=5),
    )
    async def judge_updates(queued_at: str | None = None) -> str:
        # queued_at: as the judge task's (the first job to track a story may be this one)
        queued = datetime.fromisoformat(queued_at) if queued_at else None
        report = await asyncio.to_thread(fresh_pipeline(app).judge_updates, queued)
        return f"{counted(report.rejudged, 'updated item')} judged again"

    @jobs.task(name="storybot.poll_feed", queue=POLL)
    async def poll_feed(feed_id: int) -> str:
        feed = await asyncio.to_thread(store.get_feed_by_id, feed_id)
        if feed is None:
            return "feed removed"
        if feed.next_poll_at > clock.now():
            return "not due (polled by an earlier job)"
        result = await app.pipeline.fetch_feed(feed)
        report = CycleReport(feeds=1)
        # Asked for the re-check of unjudged items and the linked pages only: new items are
        # queued for judging whatever the answer, so a story added after it (before the
        # store) still judges them, in the job that runs after it was added.
        has_stories = bool(await asyncio.to_thread(store.list_stories))
        relisted: set[int] = set()  # found again with no decision: maybe counted already
        items = await asyncio.to_thread(
            app.pipeline.ingest_result,
            feed,
            result,
            report,
            recheck_unjudged=has_stories,
            relisted=relisted,
        )
        if items and (has_stories or await asyncio.to_thread(app.pipeline.wants_judgements)):
            # before the judging job is deferred: it judges what the store holds; an item
            # whose page may come back waits for it (the page_waits task judges it later)
            items = await app.pipeline.linked_pages.read(items, report)
        # Deferred before the poll is recorded: if this process dies in between, the
        # feed is still due and the next poll finds the items unjudged again. An item
        # updated in place waits in the store (``pending_updates``), whichever poll job
        # stored it: a judging job judges the updates too, else the updates job does.
        if items:
            ids = [i.id for i in items]
            again = {"relisted": [i for i in ids if i in relisted]} if relisted else {}
            await judge.defer_async(item_ids=ids, queued_at=_now(clock), **again)
        elif report.updated_items:
            try:
                await judge_updates.defer_async(queued_at=_now(clock))
            except pexc.AlreadyEnqueued:
                # one is waiting already: it judges this poll's updates too (its earlier
                # queued_at holds: the items stored since are in the jobs behind it)
                pass
        await asyncio.to_thread(app.pipeline.record_result, feed, result)
        pages = f", {counted(report.pages_read, 'linked page')} read" if report.pages_read else ""
        return f"{feed.url}: {result.status.value}, {counted(report.new_items, 'new item')}{pages}"

    @jobs.periodic(cron=every(schedule.poll_s), periodic_id="tick")
    @jobs.task(
        name="storybot.page_waits", queue=POLL, lock="page_waits", queueing_lock="page_waits"
    )
    async def page_waits(timestamp: int) -> str:
        # Items held for their linked page ([pages] wait_s): try the due pages again and
        # queue the judging of those whose wait is over. They stop waiting only once the
        # judging job is queued: a crash in between tries them again, a retried judging
        # job skips what is judged.
        report = CycleReport()
        ready = await app.pipeline.linked_pages.retry_waits(report)
        if ready:
            await judge.defer_async(item_ids=[i.id for i in ready], queued_at=_now(clock))
            await asyncio.to_thread(store.release_page_waits, [i.id for i in ready])
        return (
            f"{counted(len(ready), 'waiting item')} to judge "
            f"({report.pages_read} with the page read), "
            f"{counted(report.pages_waiting, 'item')} waiting on"
        )

    @jobs.periodic(cron=every(schedule.poll_s), periodic_id="tick")
    @jobs.task(name="storybot.schedule", queue=POLL, queueing_lock="schedule")
    async def schedule_polls(timestamp: int) -> str:
        due = await asyncio.to_thread(store.due_feeds, clock.now())
        deferred = 0
        for feed in due:
            try:
                await poll_feed.configure(
                    lock=f"feed:{feed.id}", queueing_lock=f"poll:{feed.id}"
                ).defer_async(feed_id=feed.id)
                deferred += 1
            except pexc.AlreadyEnqueued:
                pass  # one poll of this feed is waiting already
        return f"{counted(len(due), 'feed')} due, {counted(deferred, 'poll')} deferred"

    # No long-lived process reads every item here, so this job keeps the saved stream
    # statistics current: a story added later starts from them, as in the single process.
    # The engine lock: it runs after the judging jobs queued before its tick, and folds
    # only the items stored by then; a later item's judging job, queued behind it, may be
    # the first to track a story, which starts from the saved statistics and counts that
    # item when it judges it (folded in too, it was counted twice).
    @jobs.periodic(cron=every(schedule.background_s), periodic_id="tick")
    @jobs.task(name="storybot.background", queue=ENGINE, lock="engine", queueing_lock="background")
    async def background(timestamp: int) -> str:
        ticked = datetime.fromtimestamp(timestamp, timezone.utc)
        read = await asyncio.to_thread(fresh_pipeline(app).update_saved_background, ticked)
        return f"{counted(read, 'item')} folded into the stream statistics"

    @jobs.periodic(cron=every(schedule.deliver_s), periodic_id="tick")
    @jobs.task(name="storybot.deliver", queue=DELIVER, lock="deliver", queueing_lock="deliver")
    async def deliver(timestamp: int) -> str:
        # A small batch per tick keeps the job short, so a stopping worker drains quickly.
        report = await app.delivery.deliver_due(limit=schedule.deliver_batch)
        return (
            f"posted {report.posted}, edited {report.edited}, recovered {report.recovered}, "
            f"posted again unverified {report.unverified}, failed {report.failed}, "
            f"dead {report.dead}, skipped {report.skipped}, withdrawn {report.withdrawn}"
        )

    @jobs.periodic(cron=every(schedule.digest_s), periodic_id="tick")
    @jobs.task(name="storybot.digests", queue=DELIVER, lock="digests", queueing_lock="digests")
    async def digests(timestamp: int) -> str:
        queued = await asyncio.to_thread(run_digests, store, clock, app.settings.delivery.zone)
        return f"{counted(queued, 'digest')} queued"

    # No lock: a retry_stalled job stranded by a dead worker must not block the next one.
    @jobs.periodic(cron=every(schedule.retry_stalled_s), periodic_id="tick")
    @jobs.task(name="storybot.retry_stalled", queue=MAINTENANCE, queueing_lock="retry_stalled")
    async def retry_stalled(timestamp: int) -> str:
        grace = schedule.stalled_after_s
        if connection is not None and (up := connection.connected_for()) < grace:
            # just back from an outage: the others' heartbeats are as old as it was
            return (
                f"no worker judged stalled yet: connected for {duration(up, round_down=True)} of "
                f"{duration(grace)}"
            )
        return await retry_stalled_jobs(jobs, grace)


async def retry_stalled_jobs(jobs: procrastinate.App, stalled_after_s: float) -> str:
    """Re-queue the jobs of workers whose heartbeat stopped (procrastinate 3's recipe).

    A stalled job whose queueing lock is taken by a job already waiting (a periodic tick,
    another poll of the same feed) cannot go back to "todo"; the waiting job does the same
    work, so the stalled one is closed as "aborted" instead: not "failed", which is what
    an operator lists to find work that went wrong (README, Monitoring), while nothing
    did here. procrastinate finishes a job as succeeded, failed or aborted only
    (``procrastinate_finish_job``), and it did not succeed.
    """
    manager = jobs.job_manager
    outcomes = [
        await _put_back(manager, job, "of a dead worker")
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s)
    ]
    # procrastinate prunes these as a worker starts; ours do it here, after the grace
    # (``adapters.jobs.worker.PRUNE_AT_START_S``). A job still "doing" under one pruned
    # meanwhile has no worker now and goes back on the next sweep.
    await manager.prune_stalled_workers(stalled_after_s)
    retried, superseded = outcomes.count(RETRIED), outcomes.count(SUPERSEDED)
    return f"{counted(retried, 'stalled job')} retried, {superseded} superseded"


RETRIED, SUPERSEDED = "retried", "superseded"


async def _put_back(manager: JobManager, job: Job, whose: str) -> str | None:
    """Put a job left "doing" back in the queue; RETRIED, SUPERSEDED or None (another
    worker dealt with it first). ``whose`` says in the log why it was left."""
    try:
        await manager.retry_job(job)
        log.warning("retrying job %s (%s) %s", job.id, job.task_name, whose)
        return RETRIED
    except pexc.UniqueViolation:
        try:
            await manager.finish_job(job, status=Status.ABORTED, delete_job=False)
            log.warning("job %s (%s) %s superseded by a queued one", job.id, job.task_name, whose)
            return SUPERSEDED
        except pexc.ConnectorException:
            return None  # another worker dealt with it first
    except pexc.ConnectorException:
        return None  # another worker retried it first


@dataclass(frozen=True)
class EarlierRun:
    """What an earlier run of this worker process left to tidy once it stopped.

    Attributes:
        worker_id: Its worker row, if it could not delete it as it stopped (the
            database was away); None if it did.
        unrecorded: The jobs that ended while their end could not be recorded.
        cut_short: The jobs cancelled while they ran (the stop grace ran out).
    """

    worker_id: int | None
    unrecorded: frozenset[int] = frozenset()
    cut_short: frozenset[int] = frozenset()


async def release_earlier_run(jobs: procrastinate.App, run: EarlierRun) -> bool:
    """Put back the jobs an earlier run of this process left "doing", then delete its
    worker row; True once there is nothing left to do.

    The jobs: those still under its row (their end, or the fetch that took them, could not
    be recorded), and those whose end it could not record but whose row went as it
    stopped (a job without a worker: any stall sweep takes it, but only after its grace).
    A job in ``run.cut_short`` is left to the stall sweep, and so is the row: the job's
    thread may still be running, and the sweep takes it back only ``--stalled-after``
    later. Deleting the row would hand it to the next sweep at once.
    """
    manager = jobs.job_manager
    doing = []
    if run.worker_id is not None:
        doing = list(await manager.list_jobs_async(status="doing", worker_id=run.worker_id))
    for job_id in sorted(run.unrecorded - {job.id for job in doing}):
        found = await manager.list_jobs_async(id=job_id, status="doing")
        doing += [job for job in found if job.worker_id is None]
    for job in doing:
        if job.id not in run.cut_short:
            await _put_back(manager, job, "left by this worker before it restarted")
    if run.worker_id is None:
        return True
    if any(job.id in run.cut_short for job in doing):
        return False
    await manager.unregister_worker(run.worker_id)
    log.info("removed this worker's row from before it restarted (#%d)", run.worker_id)
    return True


class LostJobs:
    """A live worker's jobs that it no longer runs but the queue still has as "doing".

    procrastinate records a job's end on a connection of its pool; when that connection
    was cut (a server restart, ``pg_terminate_backend``, a pooler or firewall dropping it)
    the record fails, and the job stays "doing" under a worker whose heartbeat goes on:
    ``retry_stalled`` never takes it back, and its lock (``deliver``, ``engine``,
    ``feed:ID``) stays taken, so no later job with that lock ever starts: one dropped
    connection stopped every delivery until the worker was restarted. A worker sweeps
    its own such jobs every heartbeat (:meth:`sweep`) and puts them back as
    ``retry_stalled`` does. A job seen on one sweep only is left alone: the worker may
    have fetched it a moment before and not yet started it.
    """

    def __init__(self) -> None:
        self._seen: set[int] = set()  # lost on the last sweep

    async def sweep(
        self, jobs: procrastinate.App, worker_id: int, running: Callable[[], Collection[int]]
    ) -> list[str | None]:
        """Put back the jobs of ``worker_id`` that are "doing" but not ``running()`` (the
        ids of the jobs the worker runs, read after the queue was) on two sweeps in a row;
        what became of each (RETRIED, SUPERSEDED or None)."""
        doing = await jobs.job_manager.list_jobs_async(status="doing", worker_id=worker_id)
        now_running = set(running())
        lost = [job for job in doing if job.id not in now_running]
        again = [job for job in lost if job.id in self._seen]
        self._seen = {job.id for job in lost if job.id is not None} - {j.id for j in again}
        return [
            await _put_back(
                jobs.job_manager,
                job,
                "that this worker no longer runs (its end could not be recorded)",
            )
            for job in again
        ]


def _judged(report: CycleReport, asked: int) -> str:
    return (
        f"{counted(asked, 'item')}: {report.on_topic} on-topic, "
        f"{counted(report.copies, 'copy', 'copies')}, "
        f"{counted(report.new_developments, 'new development')}, "
        f"{counted(report.alerts_queued, 'alert')} queued"
    )
