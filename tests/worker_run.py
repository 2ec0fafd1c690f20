"""Drive one real ``storybot worker`` (``run_worker``) in a test: start it, queue a poll
job once it is running, wait for the job to be done, stop it with SIGTERM.

Waits are for the worker and the database (deadlines on the event loop's clock), never
for a time to pass; the feed is polled from the test's feed server. The test's store
calls run in threads, as the worker's do, and the run fails if any store statement ran
on the event loop (:func:`store_queries_on_event_loops`).
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass

import procrastinate
from loop_guard import store_queries_on_event_loops

from adapters.jobs.schema import ensure_schema, pool_kwargs
from adapters.jobs.worker import WorkerOptions, run_worker

LISTENING = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND query ILIKE 'LISTEN %'"
)


@dataclass(frozen=True)
class Run:
    """What one run saw: seconds from queueing the job to its fetch, and the server
    connections of the database whose last statement was a ``LISTEN``."""

    picked_up_s: float
    listening: int


async def _value(jobs: procrastinate.App, sql: str) -> int:
    async with jobs.connector.pool.connection() as conn:  # type: ignore[attr-defined]
        row = await (await conn.execute(sql)).fetchone()
    return int(row[0]) if row else 0


async def _until(check, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out: {what}"
        await asyncio.sleep(0.02)


async def run_one_poll_job(
    world,
    options: WorkerOptions,
    dsn: str,
    feed_server,
    path: str,
    *,
    direct_dsn: str,
    pooled: bool = False,
) -> Run:  # type: ignore[no-untyped-def]
    """Run a worker on ``world``'s app; queue a poll of the feed server's ``path`` once
    the worker runs (and, with ``options.listen``, listens).

    ``dsn``: the job queue's connection string as the worker has it; ``direct_dsn``: the
    same database on the server itself, for the test's own queries (pg_stat_activity);
    ``pooled``: ``dsn`` is through a pooler in transaction mode, where a listening
    connection's ``LISTEN`` is soon another client's statement: not waited for.
    """
    store = world.app.store
    # every store call of the test in a thread too, as the worker's: see the guard's doc
    feed = await asyncio.to_thread(store.add_feed, feed_server.url(path), world.clock.now())
    await asyncio.to_thread(ensure_schema, dsn)
    url = world.app.settings.database_url
    jobs = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=dsn, **pool_kwargs(url))
    )
    watch = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=direct_dsn))
    loop = asyncio.get_running_loop()
    guard = store_queries_on_event_loops(store.engine)
    async with jobs.open_async(), watch.open_async():
        with guard as on_loop:
            worker = asyncio.create_task(run_worker(world.app, options))
            try:

                async def registered() -> bool:
                    return await _value(watch, "SELECT count(*) FROM procrastinate_workers") > 0

                await _until(registered, "the worker never registered")
                if options.listen and not pooled:

                    async def listening() -> bool:
                        return await _value(watch, LISTENING) > 0

                    await _until(listening, "the worker never listened")
                queued_at = loop.time()
                await jobs.configure_task(
                    "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
                ).defer_async(feed_id=feed.id)

                async def fetched() -> bool:
                    return feed_server.hits(path) > 0

                await _until(fetched, "the job queued after the worker started never ran")
                picked_up = loop.time() - queued_at

                async def recorded() -> bool:
                    return await asyncio.to_thread(store.due_feeds, world.clock.now()) == []

                await _until(recorded, "the poll was not recorded")
                listeners = await _value(watch, LISTENING)
            finally:
                os.kill(os.getpid(), signal.SIGTERM)  # run_worker's handler: stop the worker
            assert await asyncio.wait_for(worker, 30) == 0
    assert on_loop == [], f"store queries on the worker's event loop: {on_loop}"
    return Run(picked_up_s=picked_up, listening=listeners)
