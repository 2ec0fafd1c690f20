"""Two ``storybot worker`` loops through a database outage that all of them see.

Each worker's connections go through a TCP proxy of its own (:mod:`fakes.tcp_proxy`) that
the test takes down and brings back up: the job queue's and the store's connections are
cut and new ones refused meanwhile, as a PostgreSQL restart or a network outage between
the workers and the database would do, and each worker gets the database back when the
test says. Worker B runs a poll whose feed answers only when the test says (it outlives
the outage); worker A serves another queue and sweeps for stalled workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import Counter

import procrastinate
import psycopg
import pytest
from fakes.tcp_proxy import tcp_proxy
from feedserver import Route, feed_server  # noqa: F401  (fixture)
from sqlalchemy.engine import make_url
from storyworld import as_entry, feed_of, make_world, samples

from adapters.jobs.schema import conninfo, ensure_schema
from adapters.jobs.worker import WorkerOptions, run_worker

pytest_plugins = ["store_fixtures"]

HEARTBEAT_S = 0.3
# A worker back from the outage must beat again before the first one back has been
# connected this long; at 2 s a loaded CI machine (load 6 on 2 cores) sometimes took longer
# to reconnect B than that, and A rightly took its poll: the test's margin, not a defect.
STALLED_AFTER_S = 5.0


async def _rows(dsn: str, sql: str) -> list[tuple]:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        return await (await conn.execute(sql)).fetchall()


async def _execute(dsn: str, sql: str) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(sql)


async def _cancelled(workers: dict[str, asyncio.Task], within_s: float = 90.0) -> None:
    """Cancel the workers' tasks and wait until they end: a worker that outlives its
    cancellation fails the test naming it (it would otherwise wait for ever), its stack
    printed. A worker gets its ``stop_grace_s`` (60 s here) for the jobs it runs."""
    for task in workers.values():
        task.cancel()
    _, running = await asyncio.wait(workers.values(), timeout=within_s)
    for task in running:
        task.print_stack()
    left = [name for name, task in workers.items() if task in running]
    assert not left, f"worker(s) {left} still running {within_s:.0f} s after being cancelled"
    for task in workers.values():
        with contextlib.suppress(asyncio.CancelledError):
            task.result()


async def _until(condition, what: str, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_shared_outage_longer_than_stalled_after_reruns_no_running_job(
    pg_url,
    feed_server,  # noqa: F811
    clock,
):
    """Both workers lose the database for longer than ``--stalled-after``; B's poll goes
    on (its feed answers later). A is back first and B a moment later, its heartbeat as
    old as the outage until then: A took B for dead and put its running poll back in the
    queue (procrastinate's start of A deleted B's worker row, and A's stall sweep then
    re-queued the job at once). A judges no worker stalled until it has been connected
    for ``--stalled-after`` itself, and B beats again as soon as it can."""
    direct = conninfo(pg_url)
    url = make_url(pg_url)
    host, port = url.host or "127.0.0.1", url.port or 5432
    with tcp_proxy(host, port) as proxy_a, tcp_proxy(host, port) as proxy_b:
        through_a, through_b = (
            url.set(host="127.0.0.1", port=p.port).render_as_string(hide_password=False)
            for p in (proxy_a, proxy_b)
        )
        arrived, release = feed_server_held(feed_server)
        world_a = make_world(through_a, clock)
        world_b = make_world(through_b, clock, follow=False)
        feed = world_b.app.store.add_feed(feed_server.url("/held.xml"), clock.now())
        ensure_schema(direct)
        jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=direct))
        async with jobs.open_async():
            job = await jobs.configure_task(
                "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
            ).defer_async(feed_id=feed.id)
            common = {"heartbeat_s": HEARTBEAT_S, "stalled_after_s": STALLED_AFTER_S}
            b = asyncio.create_task(
                run_worker(
                    world_b.app,
                    WorkerOptions(queues=("poll",), name="B", stop_grace_s=60, **common),
                )
            )
            assert await asyncio.to_thread(arrived.wait, 20), "B never fetched"
            a = asyncio.create_task(
                run_worker(world_a.app, WorkerOptions(queues=("engine",), name="A", **common))
            )
            try:
                [(b_id,)] = await _rows(
                    direct, f"SELECT worker_id FROM procrastinate_jobs WHERE id = {job}"
                )
                workers = "SELECT count(*) FROM procrastinate_workers"
                await _until(lambda: _is(direct, workers, 2), "A registered")
                before = {r[0] for r in await _rows(direct, "SELECT id FROM procrastinate_workers")}

                proxy_a.down()
                proxy_b.down()
                await asyncio.sleep(STALLED_AFTER_S + 0.5)  # B's heartbeat is stale now
                proxy_a.up()
                await _until(
                    lambda: _new_worker(direct, before), "A is back (a new worker row)", 30
                )
                proxy_b.up()  # B gets the database back a moment after A

                # A's stall sweep runs every second; past its grace it has run a few times
                loop = asyncio.get_running_loop()
                until = loop.time() + STALLED_AFTER_S + 2.5
                while loop.time() < until:
                    rows = await _rows(
                        direct,
                        f"SELECT status, worker_id FROM procrastinate_jobs WHERE id = {job}",
                    )
                    assert rows == [("doing", b_id)], f"B's running poll was taken: {rows}"
                    await asyncio.sleep(0.1)
            finally:
                release.set()
            left = f"SELECT count(*) FROM procrastinate_jobs WHERE id = {job}"
            await _until(
                lambda: _is(direct, left, 0), "B's poll ended (a succeeded job is deleted)", 40
            )
            assert feed_server.hits("/held.xml") == 1
            await _cancelled({"A": a, "B": b})


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_running_worker_beats_again_as_soon_as_the_database_is_back(
    pg_url,
    feed_server,  # noqa: F811
    clock,
):
    """Back from an outage, a worker running a job renews its heartbeat within a second
    or two, not when the job queue's pool next tries to reconnect: the pool's pauses
    double after each failed attempt (1, 2, 4 s, then 5 s each), so after a 9 s outage its
    next try can be 5 s away, long enough for another worker, back earlier, to take this one for
    dead past a short ``--stalled-after`` and run its job a second time."""
    async with _held_poll_behind_proxy(pg_url, feed_server, clock) as (
        direct,
        proxy,
        world,
        _,
        arrived,
        release,
    ):
        options = WorkerOptions(
            queues=("poll",),
            name="B",
            heartbeat_s=HEARTBEAT_S,
            stalled_after_s=60,
            stop_grace_s=60,
        )
        worker = asyncio.create_task(run_worker(world.app, options))
        try:
            assert await asyncio.to_thread(arrived.wait, 20), "B never fetched"
            proxy.down()
            await asyncio.sleep(9.0)
            proxy.up()
            loop = asyncio.get_running_loop()
            back = loop.time()
            fresh = (
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE now() - last_heartbeat < interval '0.5 seconds'"
            )
            await _until(lambda: _is(direct, fresh, 1), "B beat again", 30)
            took = loop.time() - back
            assert took < 3.0, f"B's first heartbeat came {took:.1f} s after the outage"
        finally:
            release.set()
        await _cancelled({"B": worker})


@contextlib.asynccontextmanager
async def _held_poll_behind_proxy(pg_url: str, feed_server, clock):  # noqa: F811
    """A world whose connections go through a TCP proxy of its own, with a poll job queued
    for a feed that answers only once released (:func:`feed_server_held`).

    Yields ``(direct, proxy, world, job, arrived, release)``: the database's own conninfo,
    the proxy to take down, the world, the job's id and the feed's two events.
    """
    direct = conninfo(pg_url)
    url = make_url(pg_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        arrived, release = feed_server_held(feed_server)
        world = make_world(through, clock, follow=False)
        feed = world.app.store.add_feed(feed_server.url("/held.xml"), clock.now())
        ensure_schema(direct)
        jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=direct))
        async with jobs.open_async():
            job = await jobs.configure_task(
                "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
            ).defer_async(feed_id=feed.id)
            yield direct, proxy, world, job, arrived, release


def feed_server_held(server):
    """A feed at ``/held.xml`` that answers only once released (30 s at most)."""
    import threading

    arrived, release = threading.Event(), threading.Event()
    body = feed_of(as_entry(samples("unrelated")[0], 0))
    server.add("/held.xml", Route(body=body, arrived=arrived, hold=release, hold_s=30))
    return arrived, release


async def _is(dsn: str, sql: str, wanted: int) -> bool:
    [(n,)] = await _rows(dsn, sql)
    return int(n) == wanted


async def _new_worker(dsn: str, before: set[int]) -> bool:
    return bool({r[0] for r in await _rows(dsn, "SELECT id FROM procrastinate_workers")} - before)


@pytest.mark.postgres
async def test_a_worker_judges_no_worker_stalled_before_it_has_been_connected_for_stalled_after(
    pg_url, clock
):
    """The stall sweep's grace: a dead worker's job goes back to the queue once the sweeping
    worker has been connected for ``stalled_after_s`` without a break, not before; a gap
    in its own contacts (the database was away) starts the wait again."""
    from adapters.jobs.connected import Connection
    from adapters.jobs.tasks import Schedule, register

    dsn = conninfo(pg_url)
    ensure_schema(dsn)
    world = make_world(dsn, clock)
    now = [1000.0]
    connection = Connection(max_gap_s=20.0, clock=lambda: now[0])
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))
    register(jobs, world.app, Schedule(stalled_after_s=30.0), connection)
    sweep = jobs.tasks["storybot.retry_stalled"]
    async with jobs.open_async():
        manager = jobs.job_manager
        dead = await manager.register_worker()
        job = await jobs.configure_task("storybot.poll_feed", queue="poll").defer_async(feed_id=1)
        assert (await manager.fetch_job(["poll"], dead)).id == job
        await _execute(
            dsn, "UPDATE procrastinate_workers SET last_heartbeat = now() - '1 hour'::interval"
        )

        async def at(t: float, *, contact: bool = True) -> str:
            now[0] = 1000.0 + t
            if contact:
                connection.ok()
            return await sweep(timestamp=0)

        assert await sweep(timestamp=0) == "no worker judged stalled yet: connected for 0 s of 30 s"
        assert await at(0) == "no worker judged stalled yet: connected for 0 s of 30 s"
        assert await at(15) == "no worker judged stalled yet: connected for 15 s of 30 s"
        assert await at(29.5) == "no worker judged stalled yet: connected for 29 s of 30 s"
        assert (await manager.get_job_status_async(job)).value == "doing"
        assert await at(30) == "1 stalled job retried, 0 superseded"
        assert (await manager.get_job_status_async(job)).value == "todo"
        assert await _rows(dsn, "SELECT id FROM procrastinate_workers") == [], "pruned"

        assert (
            await manager.fetch_job(["poll"], dead := await manager.register_worker())
        ).id == job
        await _execute(
            dsn, "UPDATE procrastinate_workers SET last_heartbeat = now() - '1 hour'::interval"
        )
        assert await at(55, contact=False) == (
            "no worker judged stalled yet: connected for 0 s of 30 s"  # silent 25 s: away
        )
        assert await at(56) == "no worker judged stalled yet: connected for 0 s of 30 s"
        connection.lost()
        assert (
            await at(90, contact=False) == "no worker judged stalled yet: connected for 0 s of 30 s"
        )
        assert await at(91) == "no worker judged stalled yet: connected for 0 s of 30 s"
        assert await at(110) == "no worker judged stalled yet: connected for 19 s of 30 s"
        assert await at(121) == "1 stalled job retried, 0 superseded"
    await world.app.aclose()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize(
    "back_after",
    [
        "could not be recorded",  # its stop may be recorded: the job is left under no worker
        "worker stopped:",  # its stop was not recorded either: the job is left under its row
    ],
)
async def test_a_restarted_worker_puts_back_at_once_what_its_stop_in_an_outage_left_doing(
    pg_url,
    feed_server,  # noqa: F811
    clock,
    caplog,
    back_after,
):
    """A poll ends while the database is away: its end cannot be recorded, nor, if the
    database is still away then, the worker's stop; the job stays "doing" under the
    worker's old row, or under no worker. Restarted on the database, the worker left it
    to the stall sweep, which takes it once connected for ``--stalled-after`` (here
    30 s); it knows the row and the job are its own, and that the job no longer runs:
    it puts the job back and deletes the row as it starts."""
    async with _held_poll_behind_proxy(pg_url, feed_server, clock) as (
        direct,
        proxy,
        world,
        job,
        arrived,
        release,
    ):
        options = WorkerOptions(
            queues=("poll",),
            name="W",
            heartbeat_s=HEARTBEAT_S,
            stalled_after_s=30.0,
            stop_grace_s=60,  # the poll's end waits for a connection: not cut short
        )
        task = asyncio.create_task(run_worker(world.app, options))
        status = f"SELECT status, worker_id FROM procrastinate_jobs WHERE id = {job}"
        try:
            assert await asyncio.to_thread(arrived.wait, 20), "the poll never fetched"
            [(_, old)] = await _rows(direct, status)
            proxy.down()
            release.set()  # the poll ends (its store is away too) while the database is

            async def said() -> bool:
                lines = [r.getMessage() for r in caplog.records]
                ended = f"job {job} (storybot.poll_feed) ended but its end could not be"
                at = next((i for i, line in enumerate(lines) if line.startswith(ended)), None)
                return at is not None and any(back_after in line for line in lines[at:])

            # procrastinate waits 30 s (its pool's timeout) for a connection to record the end,
            # and as long again to record its stop
            await _until(said, f"the worker logged {back_after!r}", 150)  # ~62 s when idle
            assert await _rows(direct, status) in ([("doing", old)], [("doing", None)])
            proxy.up()

            async def released() -> bool:
                rows = await _rows(direct, status)
                workers = await _rows(direct, "SELECT id FROM procrastinate_workers")
                return rows not in ([("doing", old)], [("doing", None)]) and (old,) not in workers

            # the stop waits for the job pool's next attempt to reconnect (5 s at most:
            # adapters.jobs.pool; it was up to 30 s), then the restart's pause (1 s) and
            # a new run: well within the 30 s grace
            await _until(released, "the job put back and the old row deleted", 15)
            left = f"SELECT count(*) FROM procrastinate_jobs WHERE id = {job}"
            await _until(
                lambda: _is(direct, left, 0), "the poll ran again (a succeeded job is deleted)"
            )
            assert feed_server.hits("/held.xml") == 2
        finally:
            release.set()
            proxy.up()
            await _cancelled({"W": task})


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_shared_outage_reruns_and_loses_none_of_several_jobs_running_on_two_workers(
    pg_url,
    feed_server,  # noqa: F811
    clock,
    tmp_path,
    caplog,
):
    """Workers A and B each run three polls whose feeds answer only when the test says;
    C runs none and sweeps for stalled workers. All three lose the database for longer
    than ``--stalled-after``; C is back first, A and B a moment later, while their polls
    go on. No poll is taken from its worker meanwhile, and once the feeds answer every
    poll ends (succeeded: deleted) having fetched its feed once."""
    # the workers then log their jobs' results (the sweeps'), whatever an earlier
    # run_worker in this process set the procrastinate logger to
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="procrastinate")
    direct = conninfo(pg_url)
    url = make_url(pg_url)
    host, port = url.host or "127.0.0.1", url.port or 5432
    with contextlib.ExitStack() as stack:
        proxies = {name: stack.enter_context(tcp_proxy(host, port)) for name in "ABC"}
        through = {
            name: url.set(host="127.0.0.1", port=p.port).render_as_string(hide_password=False)
            for name, p in proxies.items()
        }
        config = tmp_path / "hosts.toml"  # three fetches at once from the one feed server
        config.write_text("[polling]\nper_host_concurrency = 3\n", encoding="utf-8")
        worlds = {
            name: make_world(through[name], clock, follow=name == "C", config=config)
            for name in "ABC"
        }
        release = threading.Event()
        paths = [f"/held{i}.xml" for i in range(6)]
        body = feed_of(as_entry(samples("unrelated")[0], 0))
        arrived = {path: threading.Event() for path in paths}
        for path in paths:
            feed_server.add(path, Route(body=body, arrived=arrived[path], hold=release, hold_s=60))
        feeds = [worlds["A"].app.store.add_feed(feed_server.url(p), clock.now()) for p in paths]
        ensure_schema(direct)
        jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=direct))
        common = {"heartbeat_s": HEARTBEAT_S, "stalled_after_s": STALLED_AFTER_S}

        def start(name: str, queues: tuple[str, ...]) -> asyncio.Task:
            options = WorkerOptions(
                queues=queues, name=name, concurrency=3, stop_grace_s=60, **common
            )
            return asyncio.create_task(run_worker(worlds[name].app, options))

        def fetched() -> int:  # polls waiting on their feed
            return sum(event.is_set() for event in arrived.values())

        async with jobs.open_async():
            ids = [
                await jobs.configure_task(
                    "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
                ).defer_async(feed_id=feed.id)
                for feed in feeds
            ]
            running = (
                f"SELECT id, status, worker_id FROM procrastinate_jobs WHERE id IN {tuple(ids)}"
            )
            tasks = [start("B", ("poll",))]
            try:
                await _until(lambda: _true(fetched() == 3), "B runs three polls")
                tasks.append(start("A", ("poll",)))
                await _until(lambda: _true(fetched() == 6), "A runs the other three")
                tasks.append(start("C", ("engine",)))
                workers = "SELECT count(*) FROM procrastinate_workers"
                await _until(lambda: _is(direct, workers, 3), "C registered")
                before = sorted(await _rows(direct, running))
                by_worker = sorted(Counter(w for _, _, w in before).values())
                assert by_worker == [3, 3] and {s for _, s, _ in before} == {"doing"}, before
                rows_before = {
                    r[0] for r in await _rows(direct, "SELECT id FROM procrastinate_workers")
                }

                for proxy in proxies.values():
                    proxy.down()
                await asyncio.sleep(STALLED_AFTER_S + 0.5)  # every heartbeat is stale now
                proxies["C"].up()
                await _until(
                    lambda: _new_worker(direct, rows_before), "C is back (a new worker row)", 30
                )
                proxies["A"].up()
                proxies["B"].up()

                # C's stall sweep runs every second; past its grace it has run a few times
                loop = asyncio.get_running_loop()
                until = loop.time() + STALLED_AFTER_S + 2.5
                while loop.time() < until:
                    now = sorted(await _rows(direct, running))
                    assert now == before, f"a running poll was taken: {before} -> {now}"
                    await asyncio.sleep(0.1)
                swept = [r for r in caplog.records if "stalled jobs retried" in r.getMessage()]
                assert swept, "C's stall sweep never ran past its grace"
            finally:
                release.set()
            left = f"SELECT count(*) FROM procrastinate_jobs WHERE id IN {tuple(ids)}"
            await _until(
                lambda: _is(direct, left, 0), "every poll ended (a succeeded job is deleted)", 40
            )
            assert [feed_server.hits(p) for p in paths] == [1] * 6
            await _cancelled(dict(zip("BAC", tasks, strict=True)))


async def _true(value: bool) -> bool:
    return value


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_worker_cancelled_while_the_database_is_away_ends_without_restarting(pg_url, clock):
    """Cancelled while the database is away, a worker's stop cannot delete its row
    (procrastinate waits its pool's 30 s for a connection), and procrastinate raises that
    error in the cancellation's place: the worker took it for an outage, restarted, and
    ran on for ever, back on the database or not. It ends, cancelled."""
    direct = conninfo(pg_url)
    url = make_url(pg_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        world = make_world(through, clock, follow=False)
        ensure_schema(direct)
        options = WorkerOptions(
            queues=("poll",), name="W", heartbeat_s=HEARTBEAT_S, stalled_after_s=STALLED_AFTER_S
        )
        task = asyncio.create_task(run_worker(world.app, options))
        try:
            workers = "SELECT count(*) FROM procrastinate_workers"
            await _until(lambda: _is(direct, workers, 1), "the worker registered")
            proxy.down()
            task.cancel()
            # procrastinate waits 30 s (its pool's timeout) to record the end of a job
            # running then (a periodic one, often), and as long again to record its stop
            done, _ = await asyncio.wait({task}, timeout=150)  # ~30-60 s when idle
            assert done, "the worker ran on after its cancellation"
            assert task.cancelled()
        finally:
            proxy.up()
            await _cancelled({"W": task})
