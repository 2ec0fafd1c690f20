"""The job queue's connection pool after every one of its connections was cut.

A server restart, a failover or ``pg_terminate_backend`` closes all of a worker's
connections at once, while the pool still holds them idle (as many as the busiest moment
of the last ten minutes needed: up to ``--concurrency`` + 4). psycopg_pool checks a
connection as it hands it out, and waits before checking the next one, longer each time
(1, 2, 4, 8, 16 s): with six dead connections idle, a heartbeat waited 30 s for a
connection and failed although the database was back at once; other workers took the
worker for dead meanwhile and ran its jobs a second time.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
import pytest
from storyworld import make_world
from test_scaleout_jobs import pg_dsn  # noqa: F401  (fixture)

from adapters.jobs.schema import ensure_schema
from adapters.jobs.worker import WorkerOptions, build_jobs_app

pytestmark = pytest.mark.postgres
pytest_plugins = ["store_fixtures"]  # pg_url, under pg_dsn


async def test_a_heartbeat_right_after_all_the_job_pools_connections_were_cut_is_recorded_at_once(
    pg_dsn,  # noqa: F811
    clock,
    caplog,
):
    world = make_world(pg_dsn, clock)
    options = WorkerOptions(queues=("poll",), concurrency=4)
    await asyncio.to_thread(ensure_schema, pg_dsn)
    jobs = build_jobs_app(world.app, options, pg_dsn)
    async with jobs.open_async():
        worker_id = await jobs.job_manager.register_worker()
        pool = jobs.connector.pool  # type: ignore[attr-defined]
        # a busy moment: the pool grows to its largest size; idle, they stay in it
        held = [await pool.getconn() for _ in range(options.concurrency + 4)]
        pids = [conn.info.backend_pid for conn in held]
        for conn in held:
            await pool.putconn(conn)
        # cut them all, and only them (this returns once each server process is gone)
        async with await psycopg.AsyncConnection.connect(pg_dsn, autocommit=True) as admin:
            cur = await admin.execute(
                "SELECT bool_and(pg_terminate_backend(pid, 10000)) FROM unnest(%s::int[]) pid",
                [pids],
            )
            assert (await cur.fetchone()) == (True,)

        # the database is there: the next heartbeat must not wait for the pool to find a
        # live connection one backed-off check at a time (it was 30 s, then an error)
        started = asyncio.get_running_loop().time()
        with caplog.at_level(logging.WARNING):
            await asyncio.wait_for(jobs.job_manager.update_heartbeat(worker_id), 5)
        took = asyncio.get_running_loop().time() - started
        await jobs.job_manager.unregister_worker(worker_id)
    await world.app.aclose()
    assert took < 3, took
    # one line for the cut, not psycopg_pool's one a connection
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.startswith("the job queue lost a database connection (")
    assert line.endswith("); replaced, with the 7 idle ones found dead too"), line
