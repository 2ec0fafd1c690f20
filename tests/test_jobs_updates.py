"""Items updated in place under scale-out: the poll and judging jobs run for real.

procrastinate's own worker runs storybot's registered tasks (``adapters.jobs.tasks``) on
PostgreSQL, one queue at a time, until the queue is empty (``wait=False``); a local feed
server is the wire. What is checked is what the jobs queue and what they store.
"""

from __future__ import annotations

import procrastinate
import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from sqlalchemy import create_engine, text
from storyworld import as_entry, feed_of, make_world, sample
from test_scaleout_jobs import pg_dsn  # noqa: F401  (fixture: a schema of its own)

from adapters.jobs.schema import ensure_schema
from adapters.jobs.worker import WorkerOptions, build_jobs_app

pytestmark = pytest.mark.postgres
pytest_plugins = ["store_fixtures"]  # pg_url, under pg_dsn

HEARING, RAIL = "ww-004", "ww-u01"
FACT = (
    "On Friday the Pentagon agreed to hand the full text of its Anthropic agreement "
    "to the senators before the March 18 hearing."
)
SABOTAGE = "Police said a signal technician was arrested on suspicion of sabotage."


def _with(item: dict, *facts: str) -> dict:
    return dict(item, content="\n\n".join([item["content"], *facts]))


async def _work(jobs: procrastinate.App, queue: str) -> None:
    """Run the queue's jobs until none is left."""
    await jobs.run_worker_async(
        queues=[queue], wait=False, install_signal_handlers=False, listen_notify=False
    )


def _query(dsn: str, sql: str, **params) -> list[tuple]:
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def _jobs(dsn: str, queue: str) -> list[tuple[str, str]]:
    """The judging jobs queued on ``queue`` (not the periodic ones), oldest first."""
    sql = (
        "SELECT task_name, status FROM procrastinate_jobs"
        " WHERE queue_name = :q AND task_name LIKE 'storybot.judge%' ORDER BY id"
    )
    return [(name, str(status)) for name, status in _query(dsn, sql, q=queue)]


def _notice_keys(dsn: str) -> list[str]:
    sql = "SELECT key FROM outbox WHERE key LIKE 'notice:%' ORDER BY key"
    return [key for (key,) in _query(dsn, sql)]


async def _poll(world, jobs, feed) -> None:
    world.clock.advance(hours=2)  # the feed is due again
    await jobs.configure_task("storybot.poll_feed", queue="poll").defer_async(feed_id=feed.id)
    await _work(jobs, "poll")


def _setup(world, dsn):
    ensure_schema(dsn)
    return build_jobs_app(world.app, WorkerOptions(queues=("poll", "engine")), dsn)


def _hearing_feed(dsn, feed_server, clock):
    """The demo world on ``dsn`` with one feed serving the hearing report, and its jobs app."""
    world = make_world(dsn, clock)
    item = sample(HEARING)
    feed_server.add_feed("/a.xml", feed_of(as_entry(item)), etag=True)
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    return world, item, feed, _setup(world, dsn)


async def test_updates_polled_while_one_judging_job_waits_queue_no_other(
    pg_dsn,  # noqa: F811
    feed_server,  # noqa: F811
    clock,
):
    world, item, feed, jobs = _hearing_feed(pg_dsn, feed_server, clock)
    async with jobs.open_async():
        await _poll(world, jobs, feed)
        assert [t for t, _ in _jobs(pg_dsn, "engine")] == ["storybot.judge"]  # a new item
        await _work(jobs, "engine")
        await world.app.delivery.deliver_due(limit=1000)
        assert len(world.alerts()) == 1

        # the article changes on every fetch: a new fact, then a timestamp line too
        feed_server.add_feed("/a.xml", feed_of(as_entry(_with(item, FACT))), etag=True)
        await _poll(world, jobs, feed)
        stamped = _with(item, FACT, "Updated 10:42 a.m. EDT")
        feed_server.add_feed("/a.xml", feed_of(as_entry(stamped)), etag=True)
        await _poll(world, jobs, feed)

        engine_jobs = _jobs(pg_dsn, "engine")[1:]
        assert engine_jobs == [("storybot.judge_updates", "todo")], "one waiting job judges both"
        await _work(jobs, "engine")
        assert _jobs(pg_dsn, "engine")[1:] == [("storybot.judge_updates", "succeeded")]

    assert world.app.store.pending_updates() == []
    stored = world.app.store.find_item_by_url(item["url"])
    (decision,) = world.app.store.decisions_for_item(stored.id)
    assert decision.item_version == 3 and decision.judgement.reason["updated"]["sentences"] == 1
    await world.app.delivery.deliver_due(limit=1000)
    assert len(world.console.edited) == 1
    assert "Pentagon agreed" in (world.console.edited[-1][1].thread_note or "")
    await world.app.aclose()


async def test_a_trivial_update_is_settled_by_the_job_without_tracking_a_story(
    pg_dsn,  # noqa: F811
    feed_server,  # noqa: F811
    clock,
):
    world, item, feed, jobs = _hearing_feed(pg_dsn, feed_server, clock)
    async with jobs.open_async():
        await _poll(world, jobs, feed)
        await _work(jobs, "engine")
        state = world.app.store.load_engine_state(world.story.id)
        stamped = _with(item, "Updated 10:42 a.m. EDT")
        feed_server.add_feed("/a.xml", feed_of(as_entry(stamped)), etag=True)
        await _poll(world, jobs, feed)
        await _work(jobs, "engine")
        assert _jobs(pg_dsn, "engine")[1:] == [("storybot.judge_updates", "succeeded")]
    assert world.app.store.pending_updates() == []
    assert world.app.store.load_engine_state(world.story.id) == state
    await world.app.aclose()


async def test_with_keyword_subscriptions_and_no_story_the_jobs_notify_an_update_once(
    pg_dsn,  # noqa: F811
    feed_server,  # noqa: F811
    clock,
):
    world = make_world(pg_dsn, clock, follow=False)
    assert world.app.store.remove_story("demo")
    world.app.store.add_subscription("console", "me", "sabotage", None, clock.now())
    world.app.store.add_subscription("console", "you", "rail", None, clock.now())
    world.app.pipeline.invalidate_subscriptions()
    rail = sample(RAIL)
    feed_server.add_feed("/a.xml", feed_of(as_entry(rail)), etag=True)
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    jobs = _setup(world, pg_dsn)
    async with jobs.open_async():
        await _poll(world, jobs, feed)
        await _work(jobs, "engine")
        (told,) = _notice_keys(pg_dsn)
        assert told.startswith("notice:console:you:")

        feed_server.add_feed("/a.xml", feed_of(as_entry(_with(rail, SABOTAGE))), etag=True)
        await _poll(world, jobs, feed)
        await _work(jobs, "engine")
        keys = _notice_keys(pg_dsn)
        assert len(keys) == 2 and keys[0].startswith("notice:console:me:"), keys

        more = _with(rail, SABOTAGE, "The operator said services would resume on Monday.")
        feed_server.add_feed("/a.xml", feed_of(as_entry(more)), etag=True)
        await _poll(world, jobs, feed)
        await _work(jobs, "engine")
        assert _notice_keys(pg_dsn) == keys, "each told once"
    await world.app.delivery.deliver_due(limit=1000)
    assert world.out.getvalue().count("(DM to me)") == 1
    assert world.out.getvalue().count("(DM to you)") == 1
    await world.app.aclose()
