"""The guard (``loop_guard.store_queries_on_this_thread``): it must see a
store call made on the event loop, or the worker tests could not catch one."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from feedserver import feed_server  # noqa: F401  (fixture)
from loop_guard import store_queries_on_this_thread

from storage import open_store

NOW = datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc)


async def test_the_guard_sees_a_store_call_on_the_event_loop_and_none_in_a_thread():
    store = open_store("sqlite://")
    try:
        with store_queries_on_this_thread(store.engine) as on_loop:
            await asyncio.to_thread(store.due_feeds, NOW)
            assert on_loop == []
            store.due_feeds(NOW)
            assert [s for s in on_loop if s.startswith("SELECT feeds.id")], on_loop
        seen = len(on_loop)
        store.due_feeds(NOW)  # the block over: no longer watched
        assert len(on_loop) == seen
    finally:
        store.close()


async def test_a_poll_cycle_runs_no_store_statement_on_the_event_loop(
    sqlite_url,
    clock,
    feed_server,  # noqa: F811
):
    """``storybot run`` polls on the loop that answers Slack and Discord: a store call
    there waiting for the database (SQLite's busy timeout, a pooler's server connection)
    would hold up their acks; the cycle's store calls run in threads."""
    from feedserver import Route
    from storyworld import as_entry, feed_of, make_world, samples

    feed_server.add("/news.xml", Route(body=feed_of(as_entry(samples("unrelated")[0], 0))))
    world = make_world(sqlite_url, clock)
    try:
        world.app.store.add_feed(feed_server.url("/news.xml"), clock.now())
        with store_queries_on_this_thread(world.app.store.engine) as on_loop:
            report = await world.app.pipeline.poll_due()
        assert (report.feeds, report.new_items) == (1, 1)
        assert on_loop == []
    finally:
        await world.app.aclose()


async def test_the_stories_command_runs_no_store_statement_on_the_event_loop(sqlite_url, clock):
    from bot.commands import Commands
    from bot.model import CommandRequest, SeedDoc
    from storage import open_store

    store = open_store(sqlite_url)
    try:
        commands = Commands(store, clock)
        request = CommandRequest(
            text="stories", platform="slack", user_id="U1", channel_id="C1", is_admin=False
        )
        with store_queries_on_this_thread(store.engine) as on_loop:
            empty = await commands.handle(request)
            store.add_story("pentagon", "Pentagon talks", [SeedDoc("Talks", "text")], clock.now())
            on_loop.clear()  # (the test's own call, above)
            listed = await commands.handle(request)
        assert empty.text.startswith("No stories yet.")
        assert listed.text.startswith("Stories:\n• pentagon: Pentagon talks (")
        assert on_loop == []
    finally:
        store.close()
