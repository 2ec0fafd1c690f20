"""This machine's network down for hours: feeds do not back off for it, and health says so.

The real pipeline, store and HTTP fetcher poll a local feed server under three host
names, resolved by a DNS the test turns off (``EAI_AGAIN``, as a resolver that cannot
reach its server answers) or points at an address whose connects hang (packets dropped
while names still resolve); the clock is injected and moved, a poll cycle at each tick.
"""

from __future__ import annotations

import asyncio
import io
import logging
import random
import socket
from datetime import timedelta

import pytest
from feedbuilder import entry, rss
from feedserver import FeedServer, feed_server, silent_listener  # noqa: F401  (fixture)
from skipping_loop import SkippingLoop

from adapters.app import build_app
from adapters.feeds import HttpFeedFetcher
from adapters.feeds.netguard import Lookup
from adapters.health import DEFAULT_MAX_FAILURES, health
from adapters.health_feeds import failing
from bot.clock import ManualClock
from bot.model import FeedStatus
from bot.settings import load_settings

HOSTS = ("news.test", "wire.test", "local.test")
TICK_MIN = 5


class SwitchableDns:
    """Answers every name with the loopback address, or fails as a resolver cut off does."""

    def __init__(self) -> None:
        self.up = True

    async def __call__(self, host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        if not self.up:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, "127.0.0.1")]


class MovableDns:
    """Answers every name with ``address``, which the test changes."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def __call__(self, host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        return [(socket.AF_INET, self.address)]


def _app(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
    dns: Lookup,
    timeout_s: float = 5.0,
):
    """The service's app on a fetcher that asks ``dns``, with a feed on each of ``HOSTS``."""
    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    fetcher = HttpFeedFetcher(timeout_s=timeout_s, allowed_hosts={"127.0.0.0/8"}, lookup=dns)
    app = build_app(settings, clock=clock, fetcher=fetcher, rng=random.Random(5))
    for n, host in enumerate(HOSTS):
        url = feed_server.add_feed(f"/{n}.xml", rss([entry(n)]), etag=True)
        app.store.add_feed(url.replace("127.0.0.1", host), clock.now(), interval_s=900)
    return settings, fetcher, app


async def test_a_network_outage_of_hours_leaves_polling_at_most_an_interval_behind(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dns = SwitchableDns()
    settings, fetcher, app = _app(feed_server, sqlite_url, clock, dns)
    try:
        assert (await app.pipeline.poll_due()).ok == 3

        dns.up = False  # six hours without the network, a cycle every five minutes
        # an outage drops the kept-alive connections, and outlasts aiohttp's DNS cache (10 s)
        await fetcher.aclose()
        failures = 0
        for _ in range(6 * 60 // TICK_MIN):
            clock.advance(minutes=TICK_MIN)
            failures += (await app.pipeline.poll_due()).errors
        assert failures >= 3 * 6 * 3, "every feed was tried at its interval meanwhile"
        # said once, not once a feed and interval (now that they are tried that often)
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(said) <= 3 + 1, said
        assert sum("this machine's network seems down" in m for m in said) == 1
        feeds = app.store.list_feeds()
        assert all(f.status is FeedStatus.ERROR for f in feeds)
        assert [f.error_count for f in feeds] == [0, 0, 0], "no failure of the feeds' own"
        out = io.StringIO()
        health(settings, now=clock.now(), out=out)
        [line] = [x for x in out.getvalue().splitlines() if " feeds: " in x]
        assert line.startswith("warning feeds: the last poll reached no feed's server")
        assert "is this machine's network down?" in line
        assert "Temporary failure in name resolution" in line

        dns.up = True
        back = clock.now()
        for _ in range(4):  # one interval (15 min) and a tick
            clock.advance(minutes=TICK_MIN)
            await app.pipeline.poll_due()
        feeds = app.store.list_feeds()
        assert all(f.last_ok_at is not None and f.last_ok_at > back for f in feeds), [
            (f.url, f.next_poll_at - back) for f in feeds
        ]
        assert all(f.status is FeedStatus.OK and f.error_count == 0 for f in feeds)
        assert failing(feeds, DEFAULT_MAX_FAILURES).status == "ok"
    finally:
        await app.aclose()


def test_feeds_whose_connects_hang_are_taken_for_an_outage_and_keep_their_back_off(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    """Packets dropped (a dead link, a firewall) while names still resolve: every connect
    hangs, refused by nobody. Each must fail at the connect's own limit as reaching no
    server, so the outage is told as for a resolver that is down; failing at the fetch's
    deadline instead, it looked like three slow servers, and all backed off for hours.

    On a loop that skips the connect limit's real 0.5 s while the connects hang (four
    cycles fetch, 2 s)."""
    with asyncio.Runner(loop_factory=SkippingLoop) as runner:
        runner.run(_connects_hang(feed_server, sqlite_url, clock))


async def _connects_hang(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, SkippingLoop)
    dns = MovableDns("127.0.0.1")
    _, fetcher, app = _app(feed_server, sqlite_url, clock, dns, timeout_s=1.0)
    try:
        assert (await app.pipeline.poll_due()).ok == 3
        # the same port on another loopback address, where every connect hangs
        with silent_listener("127.0.0.2", feed_server.port), loop.skipping():
            dns.address = "127.0.0.2"
            await fetcher.aclose()  # the kept-alive connections go with the link
            failures = 0
            for _ in range(60 // TICK_MIN):  # an hour, a cycle every five minutes
                clock.advance(minutes=TICK_MIN)
                failures += (await app.pipeline.poll_due()).errors
        assert failures >= 3 * 4, "every feed was tried at its interval meanwhile"
        # four cycles fetched, each until its connects' limit (0.5 s, less the moments
        # the loop was busy): skipped, not waited for
        assert loop.skipped_s > 4 * 0.4, loop.skipped_s
        feeds = app.store.list_feeds()
        assert [f.error_count for f in feeds] == [0, 0, 0], [f.last_error for f in feeds]
        assert all(f.next_poll_at - clock.now() <= timedelta(minutes=15) for f in feeds)
        assert all(
            f.last_error
            and f.last_error.startswith(f"could not connect to {f.url.split('/')[2]} within 0.5 s")
            and f.last_error.endswith("is this machine's network down?)")
            for f in feeds
        ), [f.last_error for f in feeds]

        dns.address = "127.0.0.1"
        await fetcher.aclose()  # aiohttp caches the names' addresses for 10 s
        back = clock.now()
        for _ in range(4):  # one interval (15 min) and a tick
            clock.advance(minutes=TICK_MIN)
            await app.pipeline.poll_due()
        feeds = app.store.list_feeds()
        assert all(
            f.status is FeedStatus.OK and f.last_ok_at and f.last_ok_at > back for f in feeds
        )
    finally:
        await app.aclose()


async def test_poll_jobs_of_one_feed_each_tell_the_outage_too(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    """Scale-out: a worker's poll jobs fetch and record one feed each (the steps of
    ``storybot.poll_feed``); the worker's pipeline tells the outage across them."""
    dns = SwitchableDns()
    _, fetcher, app = _app(feed_server, sqlite_url, clock, dns)
    pipeline = app.pipeline

    async def poll_jobs() -> None:
        for feed in app.store.due_feeds(clock.now()):
            pipeline.record_result(feed, await pipeline.fetch_feed(feed))

    try:
        await poll_jobs()
        dns.up = False
        await fetcher.aclose()
        for _ in range(6 * 60 // TICK_MIN):
            clock.advance(minutes=TICK_MIN)
            await poll_jobs()
        feeds = app.store.list_feeds()
        # the first host alone could be down itself: one failure counted, then none
        assert sorted(f.error_count for f in feeds) == [0, 0, 1]
        assert all(f.next_poll_at - clock.now() <= timedelta(minutes=15) for f in feeds)
        dns.up = True
        back = clock.now()
        for _ in range(4):  # one interval (15 min) and a tick
            clock.advance(minutes=TICK_MIN)
            await poll_jobs()
        assert all(f.last_ok_at and f.last_ok_at > back for f in app.store.list_feeds())
    finally:
        await app.aclose()


async def test_failures_no_longer_excused_after_a_day_are_logged_again(
    feed_server: FeedServer,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After ``OUTAGE_TRUST_S`` the feeds back off as failing ones (their error counts
    grow, health names them): the log must say each failure again, not stay silent
    for as long as nothing answers (it did, for the feeds' whole life if they died)."""
    dns = SwitchableDns()
    _, fetcher, app = _app(feed_server, sqlite_url, clock, dns)
    try:
        await app.pipeline.poll_due()
        dns.up = False
        await fetcher.aclose()
        clock.advance(minutes=15)
        await app.pipeline.poll_due()  # the outage is told (and said once)
        clock.advance(minutes=15)
        caplog.clear()
        await app.pipeline.poll_due()
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], "excused"
        clock.advance(days=1)
        caplog.clear()
        report = await app.pipeline.poll_due()
        assert report.errors == 3
        assert [f.error_count for f in app.store.list_feeds()] == [1, 1, 1]
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert sum(m.startswith("feed ") and " failed: " in m for m in said) == 3, said
    finally:
        await app.aclose()
