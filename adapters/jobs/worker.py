"""``storybot worker``: one process taking storybot's jobs from the shared database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

import procrastinate
from procrastinate.worker import Worker

from adapters.app import App
from adapters.jobs.schema import conninfo, ensure_schema
from adapters.jobs.sinks import close_sinks, delivery_sinks
from adapters.jobs.tasks import DELIVER, ENGINE, MAINTENANCE, POLL, Schedule, register
from bot.errors import UserError

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
    """

    queues: tuple[str, ...] = QUEUES
    concurrency: int = 4
    heartbeat_s: float = 10.0
    stalled_after_s: float = 30.0
    name: str = "storybot"


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


def build_jobs_app(app: App, options: WorkerOptions, dsn: str) -> procrastinate.App:
    """The procrastinate app with storybot's tasks, on a connection pool sized for the worker."""
    connector = procrastinate.PsycopgConnector(
        conninfo=dsn, min_size=1, max_size=options.concurrency + 4
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
    )
    return jobs


async def run_worker(app: App, options: WorkerOptions) -> int:
    """Apply the job schema if needed, then run jobs until SIGINT/SIGTERM.

    procrastinate stops a worker whose heartbeat or notification listener fails (the
    database restarted, a connection was cut); this function then starts it again on a
    fresh connection pool after a pause (also when the database cannot be reached at
    start), so an outage delays jobs but ends no process.

    Args:
        app: A built storybot app (its store must be PostgreSQL).
        options: Queues, concurrency and heartbeat settings.

    Returns:
        The exit code (0 after a clean stop).

    Raises:
        ConfigError: the database is not PostgreSQL.
    """
    try:
        if options.concurrency < 1:
            raise UserError("--concurrency must be at least 1")
        if options.stalled_after_s <= options.heartbeat_s:
            raise UserError("--stalled-after must be longer than --heartbeat")
        dsn = conninfo(app.settings.database_url)
        if DELIVER in options.queues:
            app.delivery.sinks.update(delivery_sinks(app.settings, app.commands))
            log.info(
                "delivering to: %s", ", ".join(app.delivery.sinks) or "nothing (no chat tokens set)"
            )
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            # A line per job (several a second) drowns everything else; failures still show.
            logging.getLogger("procrastinate").setLevel(logging.WARNING)
        jobs = build_jobs_app(app, options, dsn)
        log.info(
            "storybot worker %s: queues %s, concurrency %d",
            options.name,
            ",".join(options.queues),
            options.concurrency,
        )
        await _run_until_stopped(jobs, options, dsn)
    finally:
        await close_sinks(dict(app.delivery.sinks))
        await app.aclose()
    return 0


RESTART_PAUSE_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # pauses before restarting a stopped worker


async def _run_until_stopped(jobs: procrastinate.App, options: WorkerOptions, dsn: str) -> None:
    stop = asyncio.Event()
    current: list[Worker] = []

    def request_stop() -> None:
        stop.set()
        for worker in current:
            worker.stop()  # finishes the running jobs, then returns

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop)
    failures = 0
    try:
        while not stop.is_set():
            worker = Worker(
                jobs,
                queues=[*options.queues, MAINTENANCE],
                name=options.name,
                concurrency=options.concurrency,
                update_heartbeat_interval=options.heartbeat_s,
                stalled_worker_timeout=options.stalled_after_s,
                delete_jobs="successful",
                install_signal_handlers=False,
            )
            current[:] = [worker]
            started = loop.time()
            try:
                await asyncio.to_thread(ensure_schema, dsn)
                async with jobs.open_async():
                    await worker.run()
            except Exception as exc:  # noqa: BLE001 - the database went away at start or stop
                log.warning("worker stopped: %s", exc)
            if stop.is_set():
                break
            if loop.time() - started > 60:
                failures = 0  # it ran fine for a while: start the pauses over
            pause = RESTART_PAUSE_S[min(failures, len(RESTART_PAUSE_S) - 1)]
            failures += 1
            log.warning(
                "worker stopped or could not start (database unreachable?); restarting in %gs",
                pause,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
