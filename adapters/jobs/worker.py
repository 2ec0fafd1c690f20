"""``storybot worker``: one process taking storybot's jobs from the shared database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate import sql
from procrastinate.worker import Worker

from adapters.app import App, database_name
from adapters.chat_start import Sleep
from adapters.console import CONSOLE
from adapters.jobs.connected import Connection
from adapters.jobs.pool import first_line as _first_line
from adapters.jobs.pool import job_pool
from adapters.jobs.schema import conninfo, ensure_schema, pool_kwargs
from adapters.jobs.sinks import close_sinks, delivery_sinks
from adapters.jobs.tasks import (
    DELIVER,
    ENGINE,
    MAINTENANCE,
    POLL,
    EarlierRun,
    LostJobs,
    Schedule,
    register,
    release_earlier_run,
)
from adapters.service import owner_checks
from adapters.signals import StopSignals
from bot.duration import duration, every
from bot.errors import UserError
from bot.member_check import OwnerChecks
from bot.settings import Settings
from storage import postgres_unavailable
from storage.engine import SETTING

if TYPE_CHECKING:
    from storage.poller_lock import PollerLock

log = logging.getLogger(__name__)

QUEUES = (POLL, ENGINE, DELIVER)


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker runs (``storybot worker`` options).

    Attributes:
        queues: Which of poll, engine, deliver this worker serves (it always serves the
            small maintenance queue too).
        concurrency: Jobs run at once in this process.
        heartbeat_s: Seconds between the worker's heartbeats.
        stalled_after_s: A worker silent for this long is dead; its jobs are retried.
        name: The worker's name in procrastinate's logs.
        stop_grace_s: On SIGTERM/SIGINT, how long running jobs may take to finish before
            they are cancelled (and retried by another worker, or by the next tick).
        listen: Wake up on the job queue's notifications (``LISTEN``, on a connection of
            its own) as a job is queued. False behind a pooler in transaction mode
            (PgBouncer's): the listening server connection goes back to the pooler's pool,
            which closes it at the next notification (logging "got packet 'A' from server
            when not linked"); the worker then finds new jobs every ``check_every_s``.
        check_every_s: Seconds between the worker's checks for new jobs when no
            notification woke it (procrastinate's ``fetch_job_polling_interval``; its
            default, 5). Without ``listen``, a queued job waits up to this long, and so
            does each next step of a poll (poll, judge, deliver).
    """

    queues: tuple[str, ...] = QUEUES
    concurrency: int = 4
    heartbeat_s: float = 10.0
    stalled_after_s: float = 30.0
    name: str = "storybot"
    stop_grace_s: float = 30.0
    listen: bool = True
    check_every_s: float = 5.0


def parse_queues(text: str | None) -> tuple[str, ...]:
    """``"poll,engine"`` -> ``("poll", "engine")``; raises UserError on an unknown queue."""
    if not text:
        return QUEUES
    queues = tuple(dict.fromkeys(q.strip() for q in text.split(",") if q.strip()))
    unknown = [q for q in queues if q not in QUEUES]
    if unknown or not queues:
        raise UserError(
            f"unknown queue(s) {', '.join(unknown) or text!r}; choose from {', '.join(QUEUES)}"
        )
    return queues


def check_options(options: WorkerOptions, database_url: str, source: str = SETTING) -> str:
    """Refuse worker options or a database a worker cannot run with; the job queue's DSN.

    Needs no connection: ``storybot worker`` runs it before the store is opened, so a
    refused start leaves no database behind.

    Raises:
        UserError: an option is out of range.
        ConfigError: the database is not PostgreSQL.
    """
    if options.concurrency < 1:
        raise UserError("--concurrency must be at least 1")
    if options.stalled_after_s <= options.heartbeat_s:
        raise UserError("--stalled-after must be longer than --heartbeat")
    if not options.check_every_s > 0:
        raise UserError("--check-every must be more than 0 seconds")
    return conninfo(database_url, source)


def build_jobs_app(
    app: App, options: WorkerOptions, dsn: str, connection: Connection | None = None
) -> procrastinate.App:
    """The procrastinate app with storybot's tasks, on a connection pool sized for the worker
    that recovers at once when all its connections were cut (:mod:`adapters.jobs.pool`).

    ``connection``: the worker's, which its stall sweep waits on (:mod:`adapters.jobs.connected`).
    """
    connector = procrastinate.PsycopgConnector(
        pool_factory=job_pool,
        conninfo=dsn,
        min_size=1,
        max_size=options.concurrency + 4,
        **pool_kwargs(app.settings.database_url),
    )
    jobs = procrastinate.App(connector=connector)
    s = app.settings
    register(
        jobs,
        app,
        Schedule(
            poll_s=s.polling.tick_seconds,
            deliver_s=s.delivery.tick_seconds,
            stalled_after_s=options.stalled_after_s,
            retry_stalled_s=max(1.0, options.heartbeat_s),
        ),
        connection,
    )
    return jobs


def _warn_of_a_small_pool(settings: Settings, concurrency: int) -> None:
    """Say at start when the store's connections are fewer than the jobs run at once.

    Every job reads and writes through the store: with ``[database] pool_size +
    max_overflow`` below ``--concurrency``, jobs wait for a connection (up to 30 s, then
    fail and are retried) instead of running, which looks like a slow worker.
    """
    cap = settings.database_pool_size + settings.database_max_overflow
    if cap < concurrency:
        log.warning(
            "[database] pool_size + max_overflow (%d) is below --concurrency (%d): jobs "
            "will wait for one of the store's connections; raise the cap or lower "
            "--concurrency",
            cap,
            concurrency,
        )


async def run_worker(
    app: App,
    options: WorkerOptions,
    *,
    poller_lock: PollerLock | None = None,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Apply the job schema if needed, then run jobs until SIGINT/SIGTERM.

    procrastinate stops a worker whose heartbeat or notification listener fails (the
    database restarted, a connection was cut); this function then starts it again on a
    fresh connection pool after a pause, so an outage delays jobs but ends no process.
    (A database that cannot be reached when the command starts is reported by
    ``build_app``, which opens the store first: exit code 2.)

    On SIGINT/SIGTERM the worker takes no new job, a delivery job stops after the message
    it is sending, and the running jobs get ``options.stop_grace_s`` to finish. The
    worker's heartbeat goes on meanwhile: without it, other workers would take the
    draining worker for dead after ``--stalled-after`` and run its jobs a second time
    while they still run here (a second post of the same alert). A second signal ends
    the grace now (:mod:`adapters.signals`): the running jobs are cancelled as when the
    grace runs out (a cancelled job is retried, or its feed is still due), the worker
    unregisters and the app is closed.

    ``poller_lock`` (the shared lock ``storybot worker`` holds) is checked every
    ``heartbeat_s`` (:meth:`storage.poller_lock.PollerLock.check`): a server restart or a
    dropped connection takes it with it, and a ``storybot run`` or ``poll --once``
    started then would take it exclusively and poll beside the workers. Gone, it is taken
    again; taken exclusively by such a process meanwhile, the worker cancels its running
    jobs (retried later, or their feeds still due) and stops, raising that
    ``PollerLockLost`` (exit 75). Between two checks a poller started in that window may
    run beside the worker for at most ``heartbeat_s``.

    While it runs, procrastinate's logger is held at WARNING (a line per job drowns
    everything else) unless the root logger shows DEBUG (``-vv``); its level is put back
    as the worker ends, for whatever runs in the process after it.

    Args:
        app: A built storybot app (its store must be PostgreSQL).
        options: Queues, concurrency and heartbeat settings.
        poller_lock: The poller lock held for this worker, to check.
        sleep: How the worker waits ``heartbeat_s`` between the heartbeats it renews
            itself, on connections of its own (tests pass their own).

    Returns:
        The exit code (0 after a clean stop).

    Raises:
        ConfigError: the database is not PostgreSQL.
        PollerLockLost: the poller lock was taken by a process that polls itself.
        StoppedNow: after that cleanup, when a second SIGINT/SIGTERM cut the stop short.
    """
    lost: list[BaseException] = []
    cancelled: list[str] = []  # the jobs cancelled as the last worker stopped
    procrastinate_log = logging.getLogger("procrastinate")
    level = procrastinate_log.level  # restored as the worker ends: not the process's to keep
    try:
        dsn = check_options(options, app.settings.database_url, app.settings.database_source)
        if DELIVER in options.queues:
            add_delivery_sinks(app)
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            # A line per job (several a second) drowns everything else; failures still show.
            procrastinate_log.setLevel(logging.WARNING)
        connection = Connection(max_gap_s=2 * options.heartbeat_s)
        jobs = build_jobs_app(app, options, dsn, connection)
        # first the line that says which worker this is, on which database (README)
        log.info(
            "storybot worker %s is running on %s: queues %s, concurrency %d, %s",
            options.name,
            database_name(app.settings),  # workers on several machines: which database
            ",".join(options.queues),
            options.concurrency,
            f"new jobs by notification or {every(duration(options.check_every_s))}"
            if options.listen
            else f"no LISTEN: new jobs {every(duration(options.check_every_s))}",
        )
        if DELIVER in options.queues:
            log.info("delivering to: %s", describe_sinks(app.delivery.sinks))
        _warn_of_a_small_pool(app.settings, options.concurrency)
        signals = await _run_until_stopped(
            jobs,
            options,
            dsn,
            on_stop=app.delivery.request_stop,
            lock=(poller_lock, lost),
            sleep=sleep,
            cancelled=cancelled,
            connection=connection,
        )
        cut = "" if signals.hurried_by is None else " (cut short by a second signal)"
        if cancelled:
            # the jobs the operator would otherwise find only in procrastinate's INFO lines
            log.warning(
                "storybot worker %s stopped%s; %s",
                options.name,
                cut,
                _cancelled_note(cancelled, None if cut or lost else options.stop_grace_s),
            )
        else:
            log.info("storybot worker %s stopped%s", options.name, cut)
    finally:
        procrastinate_log.setLevel(level)
        await close_sinks(dict(app.delivery.sinks))
        await app.aclose()
    if lost:
        raise lost[0]
    signals.raise_if_hurried()
    return 0


def add_delivery_sinks(app: App) -> OwnerChecks | None:
    """Give the app's delivery worker the sinks of the chat tokens set (else the console).

    A DM a sink's platform refuses for good (Discord's 50007: the user may have left
    every server storybot shares with them) asks about its user at once, here as in the
    service (:func:`adapters.service.owner_checks`): in scale-out the DMs are sent here, where
    the service's checks never hear of them. The periodic checks stay the service's.

    Returns:
        What asks about those users (None: ``check_owners_hours = 0``, or no sink can ask).
    """
    for platform, sink in delivery_sinks(app.settings, app.commands).items():
        app.delivery.sinks.setdefault(platform, sink)
    return owner_checks(app, app.delivery.sinks.values())


def describe_sinks(sinks: Mapping[str, object]) -> str:
    """Where a worker's delivery jobs send, for its first log line."""
    if list(sinks) == [CONSOLE]:
        return "console (no chat tokens set: alerts print to this worker's output)"
    return ", ".join(sinks)


RESTART_PAUSE_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # pauses before restarting a stopped worker

# procrastinate deletes, as a worker starts, the workers silent for this long, and their
# running jobs are then nobody's: the next stall sweep puts them back at once, however
# fresh their worker's heartbeat is by then. With ``--stalled-after`` there, a worker
# restarting after an outage deleted the others still finishing their jobs through it
# (their heartbeats as old as the outage), and those jobs ran twice. The stall sweep
# prunes instead, after its grace (``tasks.retry_stalled_jobs``); this only clears rows
# nothing has pruned for a day.
PRUNE_AT_START_S = 86400.0

BEAT_RETRY_S = 1.0  # a worker's next heartbeat of its own after a failed one, at most

# How often a stopped worker tries its unreachable database during its restart's pause.
PROBE_EVERY_S = 1.0


async def _run_until_stopped(
    jobs: procrastinate.App,
    options: WorkerOptions,
    dsn: str,
    on_stop: Callable[[], None] = lambda: None,
    lock: tuple[PollerLock | None, list[BaseException]] = (None, []),
    sleep: Sleep = asyncio.sleep,
    cancelled: list[str] | None = None,
    connection: Connection | None = None,
) -> StopSignals:
    """Run workers (restarted after a failure) until a stop signal; return the signals seen.

    ``lock``: the poller lock to check every heartbeat, and the list its loss (the error)
    is added to; the loss stops the workers as a second signal would. ``sleep``: the
    pause between the heartbeats a worker renews itself (:func:`_beat_on_own_connection`).
    ``cancelled``: filled with the jobs the last worker cancelled as it stopped (the grace
    ran out, a second signal, the lock lost), for the stop line; a worker restarted after
    a failure names its own in the restart line. ``connection``: told when the worker
    (re)starts on a working database, when its queries get through or fail, and when it
    stops (:mod:`adapters.jobs.connected`).
    """
    stop = asyncio.Event()
    current: list[Worker] = []

    def request_stop() -> None:
        if stop.is_set():
            return
        stop.set()
        on_stop()
        for worker in current:
            running = _running_jobs(worker)
            log.info(
                "stopping: no new jobs; %s",
                f"waiting up to {duration(options.stop_grace_s)} for {', '.join(running)}"
                if running
                else "no job was running",
            )
            worker.stop()  # finishes the running jobs, then returns

    def stop_now() -> None:
        on_stop()
        for worker in current:
            _cancel_running_jobs(worker)

    loop = asyncio.get_running_loop()
    signals = StopSignals(stop, on_stop=request_stop, on_hurry=stop_now)
    signals.install(loop)
    failures = 0
    poller_lock, lost = lock

    def stop_all() -> None:  # the lock lost: the running jobs must not finish beside a poller
        request_stop()
        stop_now()

    # what this process's earlier runs left to tidy (:func:`_release_earlier_runs`)
    earlier: list[EarlierRun] = []
    this = asyncio.current_task()  # cancelled: stop, though no CancelledError came

    async def wait(seconds: float) -> bool:  # a restart's pause: a stop ends it
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        return stop.is_set()

    async def probe() -> str:  # what a stopped worker finds of its database
        state = await database_state(dsn)
        _raise_if_cancelled(this)  # a connection attempt may have swallowed it
        return state

    watching = None
    if poller_lock is not None:
        watching = asyncio.create_task(
            _watch_lock(poller_lock, options.heartbeat_s, lost, stop_all)
        )
    try:
        while not stop.is_set():
            worker = _Worker(
                jobs,
                queues=[*options.queues, MAINTENANCE],
                name=options.name,
                concurrency=options.concurrency,
                update_heartbeat_interval=options.heartbeat_s,
                stalled_worker_timeout=PRUNE_AT_START_S,
                delete_jobs="successful",
                install_signal_handlers=False,
                shutdown_graceful_timeout=options.stop_grace_s,
                listen_notify=options.listen,
                fetch_job_polling_interval=options.check_every_s,
            )
            current[:] = [worker]
            started = loop.time()
            try:
                await asyncio.to_thread(ensure_schema, dsn)
                async with jobs.open_async():
                    if stop.is_set():  # asked while starting: run() would forget it
                        break
                    _raise_if_cancelled(this)  # the pool's opening may have swallowed it
                    if connection is not None:
                        connection.ok()  # the schema check and the pool's first connection
                    await _release_earlier_runs(jobs, earlier)
                    _raise_if_cancelled(this)
                    side = [
                        asyncio.create_task(
                            _beat_on_own_connection(worker, options.heartbeat_s, dsn, sleep)
                        ),
                        asyncio.create_task(
                            _sweep_lost_jobs(jobs, worker, options.heartbeat_s, connection)
                        ),
                        asyncio.create_task(
                            _stop_once_cancelled(this, worker, min(1.0, options.heartbeat_s))
                        ),
                    ]
                    try:
                        await worker.run()
                    finally:
                        if connection is not None:
                            connection.lost()
                        await _end(side)
                    _raise_if_cancelled(this)  # run() ended: stopped by _stop_once_cancelled
            except Exception as exc:  # noqa: BLE001 - the database went away at start or stop
                log.warning("worker stopped: %s", _first_line(exc.__cause__ or exc))
            if worker.worker_id is not None or worker.unrecorded:
                # it could not unregister (its row is left), or record a job's end
                earlier.append(
                    EarlierRun(
                        worker.worker_id, frozenset(worker.unrecorded), frozenset(worker.cut_short)
                    )
                )
            if stop.is_set():
                if cancelled is not None:
                    cancelled[:] = worker.cancelled
                break
            # cancelled as it stopped: the stop's error (the database away) took the
            # cancellation's place, and the worker must not restart
            _raise_if_cancelled(this)
            if loop.time() - started > 60:
                failures = 0  # it ran fine for a while: start the pauses over
            pause = RESTART_PAUSE_S[min(failures, len(RESTART_PAUSE_S) - 1)]
            failures += 1
            note = (
                f"; {_cancelled_note(worker.cancelled, options.stop_grace_s)}"
                if worker.cancelled
                else ""
            )

            await pause_before_restart(pause, probe, wait, loop.time, note)
    finally:
        if watching is not None:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
        signals.uninstall()
    return signals


async def database_state(dsn: str) -> str:
    """``"answers"``, ``"unreachable"`` (not there, or not taking connections for now:
    :func:`storage.postgres_unavailable`) or ``"refuses"`` (anything else: a password, a
    missing database), from one connection attempt (``dsn`` has a timeout)."""
    try:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return "unreachable" if postgres_unavailable(exc) else "refuses"
    except OSError:
        return "unreachable"
    return "answers"


# what a stopped worker found of its database, for its restart line
_FOUND = {
    "unreachable": "the database is unreachable",
    "answers": "the database answers",
    "refuses": "the database refuses the connection",
}


async def pause_before_restart(
    pause: float,
    probe: Callable[[], Awaitable[str]],
    wait: Callable[[float], Awaitable[bool]],
    clock: Callable[[], float],
    note: str = "",
) -> bool:
    """Wait ``pause`` before a stopped worker restarts, or less: while its database is
    unreachable (``probe``, :func:`database_state`), try it every ``PROBE_EVERY_S`` and
    end the pause once it answers; return whether it did.

    The pauses grow after each failed start (``RESTART_PAUSE_S``: to 30 s), so a worker
    stopped by an outage rejoined up to 30 s after the database was back. A worker that
    failed while its database answered (or refused it for good: a password) waits its
    whole pause, so that such a failure does not restart it every second. ``wait(s)``
    waits up to ``s`` seconds and says whether a stop was asked for (it then ends the
    pause too); ``note`` ends the log line."""
    end = clock() + pause  # a probe that waits for its timeout is part of the pause
    state = await probe()
    log.warning(
        "worker stopped or could not start (%s); restarting in %s%s%s",
        _FOUND.get(state, state),
        duration(pause),
        ", or as soon as it answers" if state == "unreachable" else "",
        note,
    )
    if state != "unreachable":
        await wait(max(0.0, end - clock()))
        return False
    while (left := end - clock()) > 0:
        if await wait(min(PROBE_EVERY_S, left)) or clock() >= end:
            return False  # a stop, or the pause is over: the restart tries it anyway
        if await probe() == "answers":
            log.info("the database answers again: restarting the worker now")
            return True
    return False


def _raise_if_cancelled(task: asyncio.Task[Any] | None) -> None:
    """Raise CancelledError if ``task`` was cancelled though no CancelledError reached it.

    Python 3.11's ``asyncio.wait_for`` returns its result instead of raising when the
    cancellation lands as its wait ends: psycopg_pool's, as the job pool opens or hands
    out a connection. A worker cancelled then ran on for ever (the tests stop their
    workers so; waiting for one, CI's run hung until killed). And procrastinate, stopping
    its worker on a cancellation, raises its own error in the cancellation's place when
    the stop fails (the database away): the worker was restarted. The task still counts
    the request (``Task.cancelling``), whoever swallowed the error.
    """
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def _stop_once_cancelled(
    task: asyncio.Task[Any] | None, worker: Worker, every_s: float
) -> None:
    """Stop ``worker`` once ``task``, the one running it, is cancelled: procrastinate's
    ``run`` stops the worker when the cancellation reaches it, but one lost on the way
    (:func:`_raise_if_cancelled`), while it registers the worker, left it running. The
    stop is the same: the running jobs get their grace."""
    if task is None:
        return
    while not task.cancelling():
        await asyncio.sleep(every_s)
    worker.stop()


async def _release_earlier_runs(jobs: procrastinate.App, earlier: list[EarlierRun]) -> None:
    """Back on the database, put back what this process's earlier runs left "doing" and
    delete their rows (:func:`adapters.jobs.tasks.release_earlier_run`); ``earlier`` keeps
    what could not be done yet, for the next restart (the stall sweep takes it meanwhile).

    A worker stopped by an outage could record neither the end of the jobs that ended
    through it nor, often, its own stop: those jobs stayed "doing" (under its old row,
    its heartbeat as old as the outage, or under none), holding their locks (``deliver``,
    ``engine``) until a stall sweep, up to ``--stalled-after`` after that sweep's grace.
    This process knows they are its own and no longer run here.
    """
    for run in list(earlier):
        try:
            if await release_earlier_run(jobs, run):
                earlier.remove(run)
        except Exception as exc:  # noqa: BLE001 - the database is away again: next restart
            log.debug("releasing what an earlier run left failed: %s", exc)


async def _end(tasks: list[asyncio.Task[Any]], every_s: float = 1.0) -> None:
    """Cancel ``tasks`` and wait until they are done, cancelling again every ``every_s``.

    A cancellation can be lost: Python 3.11's ``asyncio.wait_for`` (psycopg_pool's wait for
    a connection) swallows one that lands as its wait ends, and a side task then loops on.
    Cancelled once, a worker stopped by procrastinate after a dropped connection waited
    for its lost-jobs sweep for ever: never restarted, and deaf to SIGTERM.
    """
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=every_s)
    await asyncio.gather(*tasks, return_exceptions=True)  # their errors: retrieved


async def _watch_lock(
    lock: PollerLock, every_s: float, lost: list[BaseException], stop_all: Callable[[], None]
) -> None:
    """Check ``lock`` every ``every_s``; lost to a process that polls itself, stop all."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(lock.check)  # may reconnect: off the event loop
        except UserError as exc:  # PollerLockLost: not beside an in-process poller
            log.error("%s", exc)
            lost.append(exc)
            stop_all()
            return
        except Exception as exc:  # noqa: BLE001 - anything else: say so, check again next time
            log.warning("could not check the poller lock: %s", exc)


async def _beat_on_own_connection(
    worker: _Worker,
    every_s: float,
    dsn: str,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """From its registration until it has unregistered, renew the worker's heartbeat on
    connections of its own, beside procrastinate's.

    procrastinate's heartbeat goes through the job queue's pool, and back from an outage
    the pool reconnects after pauses that double after each failed attempt (1, 2, 4 s, then
    every ``RECONNECT_EVERY_S``, 5 s: :mod:`adapters.jobs.pool`; psycopg_pool alone kept
    doubling them: 6 s after a 25 s outage, 23 s after a 40 s one). Meanwhile the other workers, back an
    attempt earlier, saw this one silent for longer than ``--stalled-after`` and put its
    running jobs back in the queue (they ran twice; seen with two workers and a 5.5 s
    outage). And once a worker is stopping, procrastinate cancels its own heartbeat at once
    and waits for the running jobs, which to the others looks dead too, whoever stops it:
    a signal, or procrastinate itself when one of its side tasks (heartbeat, periodic
    deferrer, listener) failed on a dropped connection.

    So each beat opens a connection of its own (``dsn``), and a failed one is tried again
    after ``BEAT_RETRY_S``, not ``every_s``: the heartbeat is renewed as soon as the
    database answers again, before the other workers are back for long.
    """
    while worker.worker_id is None:  # not registered yet
        if worker.stopping.is_set():
            return
        await sleep(min(every_s, BEAT_RETRY_S))
    while worker.worker_id is not None:
        try:
            await _beat_once(dsn, worker.worker_id)
            pause = every_s
        except Exception as exc:  # noqa: BLE001 - the database is away: beat again soon
            log.debug("heartbeat on a connection of its own failed: %s", exc)
            pause = min(every_s, BEAT_RETRY_S)
        await sleep(pause)


async def _beat_once(dsn: str, worker_id: int) -> None:
    """Renew a worker's heartbeat on a connection opened for it (``dsn`` has a timeout)."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(sql.queries["update_heartbeat"], {"worker_id": worker_id})


class _Worker(Worker):
    """procrastinate's worker, telling when it stops, and saying in one line when a job's
    end could not be recorded.

    procrastinate records a job's end after it ran; if the database connection is cut
    just then, the exception ends the job's task, which nothing awaits: asyncio logged
    "Task exception was never retrieved" with two tracebacks, and the job stayed "doing"
    (:func:`_when_unrecorded_goes_back` says what puts it back).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stopping = asyncio.Event()  # set by whoever stops it (procrastinate too)
        self.cancelled: list[str] = []  # jobs cancelled as it stopped, as "task[id]"
        # ids of the jobs cancelled while they ran, for whatever reason: a job's thread
        # (``asyncio.to_thread``) may still run after its task is cancelled
        self.cut_short: set[int] = set()
        self.unrecorded: set[int] = set()  # ids of the jobs whose end could not be recorded

    def stop(self) -> None:
        self.stopping.set()
        super().stop()

    async def _process_job(self, context):  # type: ignore[no-untyped-def]
        try:
            await super()._process_job(context)
        except pexc.ConnectorException as exc:
            job = context.job
            if job.id is not None:
                self.unrecorded.add(job.id)
            log.warning(
                "job %s (%s) ended but its end could not be recorded (%s); left 'doing', %s",
                job.id,
                job.task_name,
                _first_line(exc.__cause__ or exc),
                _when_unrecorded_goes_back(stopping=self.stopping.is_set()),
            )
        finally:
            # procrastinate records a job cancelled at its stop (the grace ran out; our
            # second signal) as aborted and logs so at INFO only: kept for the stop line
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                if context.job.id is not None:
                    self.cut_short.add(context.job.id)
                if self.stopping.is_set():
                    self.cancelled.append(f"{context.job.task_name}[{context.job.id}]")


def _when_unrecorded_goes_back(*, stopping: bool) -> str:
    """When a job whose end could not be recorded goes back to the queue, for its warning.

    A running worker's lost-jobs sweep (:func:`_sweep_lost_jobs`) puts it back on its
    second sighting, within two heartbeats. A stopping worker's sweep ends with the
    worker, most often before that: restarted (after an outage), the worker puts back
    what its earlier run left as it reconnects (:func:`_release_earlier_runs`); stopped
    for good (SIGTERM), the job is left to the stall sweep of another worker, or of the
    next one started, as a dead worker's jobs are. A running worker may be stopped
    before its sweep comes (the cut connection was an outage): it says both.
    """
    swept = (
        "at the stall sweep of another worker (or of the next one started) after the "
        "sweep's grace (--stalled-after)"
    )
    if stopping:
        return (
            "it goes back to the queue when this worker restarts, or, if it stops for good, "
            f"{swept}"
        )
    return (
        "it goes back to the queue within two heartbeats, or, if this worker stops first, "
        f"when it restarts, or, stopped for good, {swept}"
    )


def _cancelled_note(jobs: list[str], grace_s: float | None) -> str:
    """The stop line's account of the jobs cancelled: which, why, and what becomes of them.

    ``grace_s``: the ``--stop-grace`` that ran out, or None when something else cut the
    stop short (a second signal, the poller lock lost). A cancelled job is retried (a
    judging job) or its work done by a job the next tick queues (a poll: the feed is still
    due; a delivery), as the README's "Scaling out" says: they run again later.
    """
    when = f" when the {duration(grace_s)} grace ran out" if grace_s is not None else ""
    again = "it runs" if len(jobs) == 1 else "they run"
    return f"cancelled{when}: {', '.join(jobs)} ({again} again later)"


async def _sweep_lost_jobs(
    jobs: procrastinate.App, worker: Worker, every_s: float, connection: Connection | None = None
) -> None:
    """Every ``every_s``, put back the jobs this worker no longer runs (:class:`LostJobs`),
    and tell ``connection`` whether that query got through.

    Does nothing if procrastinate no longer keeps its running jobs where
    :func:`_running_ids` reads them: every job would then look lost and run twice.
    """
    if not isinstance(getattr(worker, "_running_jobs", None), dict):
        log.warning("cannot tell which jobs this worker runs: lost jobs are not looked for")
        return
    lost = LostJobs()
    while True:
        await asyncio.sleep(every_s)
        if worker.worker_id is None:
            continue
        try:
            await lost.sweep(jobs, worker.worker_id, lambda: _running_ids(worker))
        except Exception as exc:  # noqa: BLE001 - the database is away: the next sweep
            log.debug("looking for lost jobs failed: %s", exc)
            if connection is not None:
                connection.lost()
        else:
            if connection is not None:
                connection.ok()


def _running_ids(worker: Worker) -> set[int]:
    """The ids of the jobs a worker runs (a private field, as :func:`_running_jobs`)."""
    contexts = getattr(worker, "_running_jobs", {}).values()
    return {c.job.id for c in contexts if getattr(c, "job", None)}


def _cancel_running_jobs(worker: Worker) -> None:
    """Cancel the jobs a worker is running, as procrastinate does when the grace runs out.

    procrastinate records each cancelled job as aborted (retried when its task retries)
    and then lets the stopping worker unregister. Best effort (a private field): should
    it change, the bound of :mod:`adapters.signals` ends the process, and the jobs are
    retried once its heartbeat is missed, as after a crash.
    """
    for task in list(getattr(worker, "_running_jobs", {})):
        task.cancel()


def _running_jobs(worker: Worker) -> list[str]:
    """The jobs a worker is running, for the stop log line (best effort: a private field)."""
    contexts = getattr(worker, "_running_jobs", {}).values()
    return [f"{c.job.task_name}[{c.job.id}]" for c in contexts if getattr(c, "job", None)]
