"""Stopping the service: a job still running when the drain time is up is cancelled, said.

``Service.stop`` lets the jobs in flight finish for ``drain_timeout_s``; one still running
then (a poll waiting on a slow feed) must not go on under the store and HTTP clients that
the caller closes next. It is cancelled and a warning says so; its feed's poll was not
recorded, so the next poll does it and nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging

from feedbuilder import entry, rss
from feedserver import FeedServer, Route, feed_server  # noqa: F401  (fixture)
from storyworld import make_world

from bot.scheduler import Service


async def test_a_job_still_running_after_the_drain_is_cancelled_and_its_work_stays_due(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url,
    clock,
    caplog,
):
    url, arrived, release = feed_server.add_held(
        "/held.xml", rss([entry(0, title="Harbour reopens after the storm")])
    )
    world = make_world(sqlite_url, clock)
    store = world.app.store
    store.add_feed(url, clock.now())
    service = Service(world.app.pipeline, world.app.delivery, store, clock)
    try:
        poll = asyncio.ensure_future(service._guard("poll", service.poll_once)())
        await asyncio.to_thread(arrived.wait, 10)  # the poll waits on the held feed
        with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
            await service.stop(drain_timeout_s=0.2)
        assert poll.done(), "cancelled, not left running under what the caller closes next"
        assert any("were cancelled" in r.getMessage() for r in caplog.records)
        (feed,) = store.list_feeds()
        assert feed.last_polled_at is None and store.count_items() == 0
        release.set()
        await world.app.pipeline.poll_due()  # the next start: the feed was still due
        assert store.count_items() == 1
    finally:
        release.set()
        await world.app.aclose()
