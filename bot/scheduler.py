"""The service's timetable, on APScheduler 3's asyncio scheduler.

Scheduling itself is data: every feed row has ``next_poll_at`` and the poll job only asks the
store which feeds are due (by the injected clock). APScheduler just wakes the jobs up: a poll
tick, a delivery tick and a digest tick, each with ``max_instances=1`` and ``coalesce`` so a
slow cycle is never run twice at once and missed ticks collapse into one. A restart therefore
neither skips nor repeats a poll.

APScheduler times its ticks by the wall clock, which NTP or an operator may step. Set back,
it would wait for the wall clock to reach the jobs' next run times again (an hour back: an
hour without a poll, a delivery or a digest); :class:`_TickScheduler` sees a wait longer than
any tick's interval, which only a clock set back can cause, and brings the jobs back by it.
Set forward (a machine that booted with an old clock and then synchronised), it would list
every tick missed, one interval at a time, before collapsing them into one run (a year: 15
million delivery ticks, half a minute with the event loop blocked and most of a gigabyte);
:class:`_Ticks` goes straight to the present.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import DeliveryWorker
from bot.digest import run_digests
from bot.duration import duration
from bot.pipeline import Pipeline
from bot.ports import Clock, Store
from bot.render import clip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ticks:
    """Real seconds between job runs (the demo shortens them; production uses the config)."""

    poll_s: float = 30
    deliver_s: float = 2
    digest_s: float = 60


class Service:
    """Runs the pipeline, the outbox worker and the digest job on a schedule.

    ``before_poll`` runs before each poll cycle; False skips the cycle. ``storybot run``
    checks its poller lock there (``storage.poller_lock``): a lock lost with its
    connection is taken again, or the service stops rather than poll beside another.

    ``on_outcome`` is told how each run of a job ended: its name and what it raised, or
    None when it worked. ``storybot run`` records there that its jobs cannot write the
    database (a full disk, a write lock held by another process), for ``storybot
    health`` to tell at once rather than once feeds have waited for ``--max-age``.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        delivery: DeliveryWorker,
        store: Store,
        clock: Clock,
        ticks: Ticks = Ticks(),
        *,
        on_cycle: Callable[[object], None] | None = None,
        before_poll: Callable[[], Awaitable[bool]] | None = None,
        on_outcome: Callable[[str, Exception | None], None] | None = None,
        zone: tzinfo = timezone.utc,
    ) -> None:
        self.pipeline = pipeline
        self.zone = zone  # [delivery] timezone: the wall clock of `digest HOURS at HH:MM`
        self.delivery = delivery
        self.store = store
        self.clock = clock
        self.ticks = ticks
        self.on_cycle = on_cycle
        self.before_poll = before_poll
        self.on_outcome = on_outcome
        self.scheduler: AsyncIOScheduler | None = None
        self._running: dict[asyncio.Task, str] = {}  # the jobs' runs in flight, by job
        # per job: callers of run_now waiting for its next run to start (see run_now)
        self._asked: dict[str, list[asyncio.Future[asyncio.Task | None]]] = {}
        self._stopping = False
        # per job: how many ticks in a row it failed, and the last error (see _guard)
        self._failures: dict[str, tuple[int, str]] = {}

    async def poll_once(self) -> None:
        if self.before_poll is not None and not await self.before_poll():
            return
        report = await self.pipeline.poll_due()
        if report.feeds and self.on_cycle:
            self.on_cycle(report)

    async def deliver_once(self) -> None:
        await self.delivery.deliver_due()

    async def digest_once(self) -> None:
        # in a thread: a write waiting for a poll cycle's commit must not hold up the
        # event loop (commands, deliveries; see DeliveryWorker._db)
        await asyncio.to_thread(run_digests, self.store, self.clock, self.zone)

    def _guard(
        self, name: str, job: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            for asked in self._asked.pop(name, []):
                if not asked.done():
                    asked.set_result(task)
            if self._stopping:
                return  # woken after the stop was asked for: the drain does not wait for it
            if task:
                self._running[task] = name
            try:
                await job()
            except Exception as exc:
                # A failing cycle is logged and retried at the next tick; it never stops the service.
                self._log_failure(name, exc)
                if self.on_outcome is not None:
                    self.on_outcome(name, exc)
            except asyncio.CancelledError:
                # Cut short by the stop (stop_now, or the end of the event loop): its work is
                # recorded only when done, so it is done again at the next start. Not
                # re-raised: APScheduler would log a cancelled job with a traceback.
                log.debug("%s job cancelled: the service is stopping", name)
            else:
                streak, _ = self._failures.pop(name, (0, ""))
                if streak:
                    log.warning("%s job works again, after %d failed ticks", name, streak)
                if self.on_outcome is not None:
                    self.on_outcome(name, None)
            finally:
                if task:
                    self._running.pop(task, None)

        return run

    def _log_failure(self, name: str, exc: Exception) -> None:
        """Log a failed tick of job ``name``: the traceback once, not at every tick.

        A cause that lasts (a full disk, a database locked for minutes) fails every tick,
        every 2 s for deliveries; a traceback each time buried the log, maybe on the very
        disk that was full. The first failure, and the first of another error, log the
        traceback; the same error again logs one line, at the 2nd, 4th, 8th... tick in a
        row; the tick that works again says how many failed.
        """
        # its first line: a database error goes on with the statement and its parameters,
        # which hold the tick's own times, so the same failure read as a new one each tick
        first_line = str(exc).strip().partition("\n")[0]
        error = f"{type(exc).__name__}: {first_line}"
        streak, last = self._failures.get(name, (0, ""))
        streak += 1
        self._failures[name] = (streak, error)
        if streak == 1 or error != last:
            log.exception("%s job failed; it will run again at the next tick", name)
        elif streak & (streak - 1) == 0:  # a power of two
            log.error(
                "%s job failed again, %d ticks in a row (the same error; it will run again "
                "at the next tick): %s",
                name,
                streak,
                clip(error, 300),
            )

    def start(self, *, at_once: bool = True) -> None:
        """Start the jobs on the running event loop.

        Args:
            at_once: Poll and deliver at once; False leaves every job to its first tick
                or to :meth:`run_now` (the demo runs them itself, in order).
        """
        ticks = (self.ticks.poll_s, self.ticks.deliver_s, self.ticks.digest_s)
        sched = _TickScheduler(longest_tick_s=max(ticks), timezone="UTC")
        common: dict = dict(max_instances=1, coalesce=True, misfire_grace_time=None)
        # APScheduler reads next_run_time=None as "paused": left out, the trigger decides
        first = {"next_run_time": _now_real()} if at_once else {}
        sched.add_job(
            self._guard("poll", self.poll_once),
            _Ticks(seconds=self.ticks.poll_s, timezone="UTC"),
            id="poll",
            **first,
            **common,
        )
        sched.add_job(
            self._guard("deliver", self.deliver_once),
            _Ticks(seconds=self.ticks.deliver_s, timezone="UTC"),
            id="deliver",
            **first,
            **common,
        )
        sched.add_job(
            self._guard("digest", self.digest_once),
            _Ticks(seconds=self.ticks.digest_s, timezone="UTC"),
            id="digest",
            **common,
        )
        sched.start()
        self.scheduler = sched

    def poll_soon(self) -> None:
        """Run the poll job now (after a feed was added), instead of at the next tick."""
        if self.scheduler:
            self.scheduler.modify_job("poll", next_run_time=_now_real())

    async def run_now(self, job: str) -> None:
        """Have the scheduler run ``job`` (poll, deliver or digest) now; return once it ran.

        For the demo, which moves its simulated clock and then runs the poll, the digest
        and the delivery one after another, so that every step prints the same thing on
        every run: the alerts its poll caused, then its progress line. A run of the job
        already going is waited for first: it began before whatever the caller wants the
        run to see, and the scheduler would skip the run asked for while it goes on (one
        instance of a job at a time). Returns at once when the service is stopping.

        Raises:
            RuntimeError: The service was not started.
        """
        if self.scheduler is None:
            raise RuntimeError("run_now: the service is not started")
        # awaited as tasks, not told by the run itself: APScheduler counts a run as over
        # in the task's first done callback, before ours, so the run asked for next is
        # never taken for a second instance
        while going := [t for t, name in self._running.items() if name == job]:
            await asyncio.wait(going)
        if self._stopping:
            return
        asked: asyncio.Future[asyncio.Task | None] = asyncio.get_running_loop().create_future()
        self._asked.setdefault(job, []).append(asked)
        self.scheduler.modify_job(job, next_run_time=_now_real())
        task = await asked
        if task is not None:
            await asyncio.wait({task})

    def _release_asked(self) -> None:
        """Let callers of :meth:`run_now` go: a stopped scheduler runs no job they wait for."""
        for waiting in self._asked.values():
            for asked in waiting:
                if not asked.done():
                    asked.set_result(None)
        self._asked.clear()

    async def stop(self, drain_timeout_s: float = 10.0) -> None:
        """Stop scheduling and let jobs in flight finish (deliveries finish or stay queued).

        The scheduler is paused, not shut down, while the jobs drain: APScheduler's
        shutdown cancels running jobs, which would cut a post off mid-request (maybe
        accepted by the platform, not recorded). The delivery worker finishes the row it
        is sending and takes no more; whatever is still running after ``drain_timeout_s``
        is cancelled and stays queued.
        """
        self._stopping = True
        self.delivery.request_stop()
        if self.scheduler:
            self.scheduler.pause()
        self._release_asked()
        if self._running:
            await asyncio.wait(set(self._running), timeout=drain_timeout_s)
        left = list(self._running)
        if left:
            # Cancelled, not left running under the store and clients the caller closes
            # next: their work is recorded only when done, so it is done again at the
            # next start (a poll's feeds stay due, a post is looked up before posting).
            log.warning(
                "%d job(s) still running after %s were cancelled; their work stays queued",
                len(left),
                duration(drain_timeout_s),
            )
            for task in left:
                task.cancel()
            await asyncio.wait(left, timeout=drain_timeout_s)
        if self.scheduler:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None

    def stop_now(self) -> None:
        """Cut the drain short (a second stop signal): cancel the jobs in flight.

        Nothing is lost, as after a crash: a poll records its feeds only once their items
        are stored and judged, so the feeds a cycle cut short had not recorded stay due; a
        delivery cut off
        mid-post leaves its row queued, and the next delivery looks the post up by its
        idempotency key before posting again. :meth:`stop` then returns at once.
        """
        self._stopping = True
        self.delivery.request_stop()
        if self.scheduler:
            self.scheduler.pause()
        self._release_asked()
        for task in list(self._running):
            task.cancel()


class _Ticks(IntervalTrigger):
    """An interval trigger that goes straight to the present after the wall clock jumped on.

    APScheduler lists the run times a job missed (``Job._get_run_times``) by asking for the
    next one after each, before ``coalesce`` keeps the last; once a tick is behind the
    present, the next is the present itself, so the list has at most two entries however
    far the clock went (the ticks' phase is of no matter here).
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        following = super().get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is not None and following is not None and following < now:
            return now
        return following


class _TickScheduler(AsyncIOScheduler):
    """APScheduler's asyncio scheduler, not stalled by a wall clock set back.

    Every job here ticks at an interval, so the scheduler never waits longer than the
    longest one (a job still running when its tick comes is skipped to the next tick, not
    put off further). A longer wait means the wall clock went back by about that much:
    every job is brought back by it, keeping their order, and runs at once.
    """

    def __init__(self, *, longest_tick_s: float, **options: object) -> None:
        super().__init__(**options)
        self._longest_tick_s = longest_tick_s

    def _process_jobs(self) -> float | None:
        wait: float | None = super()._process_jobs()
        if wait is None or wait <= self._longest_tick_s + 1:
            return wait
        log.warning(
            "the system clock went back about %s: the service's ticks go on now rather "
            "than when the clock gets back to where it was",
            duration(wait),
        )
        for job in self.get_jobs():
            if job.next_run_time is not None:
                job.modify(next_run_time=job.next_run_time - timedelta(seconds=wait))
        return 0.0


def _now_real() -> datetime:
    # APScheduler wakes jobs on the real clock; what is *due* is decided by the injected clock.
    return datetime.now(timezone.utc)
