"""``Service.run_now``: the scheduler runs a job now, and the caller waits for that run.

The demo moves its simulated clock and then runs the poll and the delivery one after the
other, so that each step's alerts print before its progress line on every run. A run of
the job already going when one is asked for began before the clock moved; the scheduler
runs one instance of a job at a time and would skip the run asked for, so ``run_now``
waits for it and then has its own run.
"""

from __future__ import annotations

import asyncio

import pytest
from feedbuilder import entry, rss
from feedserver import FeedServer, Route, feed_server  # noqa: F401  (fixture)
from storyworld import make_world

from bot.scheduler import Service, Ticks

DAY = 24 * 60 * 60.0


async def test_run_now_asked_while_the_job_runs_waits_for_it_then_runs_it_again(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url,
    clock,
):
    url, arrived, release = feed_server.add_held(
        "/held.xml", rss([entry(0, title="Harbour reopens after the storm")])
    )
    world = make_world(sqlite_url, clock)
    store = world.app.store
    store.add_feed(url, clock.now(), interval_s=900)
    began = []  # the simulated time each poll run began at

    async def before_poll() -> bool:
        began.append(clock.now())
        return True

    # ticks a day apart: only the start's runs and run_now run a job here
    service = Service(
        world.app.pipeline,
        world.app.delivery,
        store,
        clock,
        Ticks(DAY, DAY, DAY),
        before_poll=before_poll,
    )
    try:
        service.start()  # polls at once: the poll waits on the held feed
        await asyncio.to_thread(arrived.wait, 10)
        start = clock.now()
        clock.advance(minutes=30)
        asked = asyncio.ensure_future(service.run_now("poll"))
        await asyncio.sleep(0)
        assert not asked.done()
        release.set()
        await asyncio.wait_for(asked, 10)
        assert began == [start, clock.now()], "run again, after the clock moved"
    finally:
        release.set()
        await service.stop()
        await world.app.aclose()


async def test_run_now_on_a_service_not_started_says_so(sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    service = Service(world.app.pipeline, world.app.delivery, world.app.store, clock)
    try:
        with pytest.raises(RuntimeError, match="not started"):
            await service.run_now("deliver")
    finally:
        await world.app.aclose()
