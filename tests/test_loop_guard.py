"""The guard (``loop_guard.store_queries_on_event_loops``): it must see a store call
made on the event loop, or the worker tests could not catch one; and what runs on a loop
that shares it (a poll cycle, ``/story stories``, ``storybot poll --once`` and its poller lock,
the demo) runs no store statement there."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from loop_guard import store_queries_on_event_loops

from storage import open_store

pytest_plugins = ["store_fixtures"]  # db: the CLI on a SQLite file; pg_url

NOW = datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc)


async def test_the_guard_sees_a_store_call_on_the_event_loop_and_none_in_a_thread():
    store = open_store("sqlite://")
    try:
        with store_queries_on_event_loops(store.engine) as on_loop:
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
        with store_queries_on_event_loops(world.app.store.engine) as on_loop:
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
        with store_queries_on_event_loops(store.engine) as on_loop:
            empty = await commands.handle(request)
            store.add_story("pentagon", "Pentagon talks", [SeedDoc("Talks", "text")], clock.now())
            on_loop.clear()  # (the test's own call, above)
            listed = await commands.handle(request)
        assert empty.text.startswith("No stories yet.")
        assert listed.text.startswith("Stories:\n• pentagon: Pentagon talks (")
        assert on_loop == []
    finally:
        store.close()


def test_the_guard_sees_every_engine_and_only_while_a_loop_runs(sqlite_url):
    """By default it watches engines opened inside the block too (those the CLI and the
    demo open themselves), and a statement with no loop running blocks no loop."""

    async def on_a_loop() -> None:
        store = open_store(sqlite_url)  # opened inside the block: its migrations are seen
        try:
            store.due_feeds(NOW)
        finally:
            store.close()

    with store_queries_on_event_loops() as on_loop:
        open_store(sqlite_url).close()  # no loop runs: not collected
        assert on_loop == []
        asyncio.run(on_a_loop())
    assert [s for s in on_loop if s.startswith("SELECT feeds.id")], on_loop


def test_poll_once_runs_no_store_statement_on_the_event_loop(db, capsys, feed_server):  # noqa: F811
    """``storybot poll --once``, each way it goes: no feed at all, feeds due (alerts
    queued), none due, every feed with the alerts delivered. Its store calls run in
    threads, as ``storybot run``'s cycle's do; the app is built before the loop runs."""
    from storyworld import TIMELINE, as_entry, feed_of, seeds_dir

    from adapters.cli import main

    seeds = [f"--seed={p}" for p in sorted(seeds_dir().glob("*.txt"))]
    feed_server.add_feed(
        "/a.xml", feed_of(*(as_entry(it, n) for n, it in enumerate(TIMELINE["items"])))
    )
    open_store(db).close()  # poll --once creates no database: it says where it looked
    outputs = []
    with store_queries_on_event_loops() as on_loop:
        assert main(["poll", "--once"]) == 0
        outputs.append(capsys.readouterr().out)
        assert main(["story", "add", "pentagon", *seeds]) == 0
        assert main(["feeds", "add", feed_server.url("/a.xml")]) == 0
        capsys.readouterr()
        for argv in (
            ["poll", "--once"],
            ["poll", "--once"],
            ["poll", "--once", "--all", "--deliver"],
        ):
            assert main(argv) == 0
            outputs.append(capsys.readouterr().out)
    assert outputs[0].startswith("no feeds yet in the database"), outputs
    assert "3 alerts queued" in outputs[1], outputs
    assert outputs[2].startswith("no feeds are due"), outputs
    assert "== NEW DEVELOPMENT [pentagon]" in outputs[3], outputs
    assert on_loop == [], on_loop


@pytest.mark.postgres
def test_poll_once_takes_and_lets_go_its_poller_lock_off_the_event_loop(
    pg_url, monkeypatch, capsys
):
    """On PostgreSQL the poller lock is an advisory lock on a connection of its own: taking
    it (its settings, the lock, who holds it) and letting it go wait for the server as a
    store call does, and run in a thread too (``App.poller_lock``). A second
    ``poll --once`` beside it is still refused."""
    from adapters.cli import main
    from storage.poller_lock import poller_lock

    monkeypatch.setenv("STORYBOT_DATABASE_URL", pg_url)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    store = open_store(pg_url)
    try:
        with store_queries_on_event_loops() as on_loop:
            assert main(["poll", "--once"]) == 0
            first = capsys.readouterr()
            with poller_lock(store.engine, "storybot run"):
                assert main(["poll", "--once"]) == 2
            refused = capsys.readouterr().err
    finally:
        store.close()
    assert first.out.startswith("no feeds yet in the database"), first
    assert refused.startswith("storybot: error: another storybot process is polling "), refused
    assert on_loop == [], on_loop


async def test_the_demo_runs_no_store_statement_on_the_event_loop(tmp_path):
    """``storybot demo`` serves its feeds from the loop its scheduler runs on: its own
    store calls (setting up, between the jobs, the closing comparison) run in threads."""
    import argparse
    import io

    from adapters.demo import run_demo

    args = argparse.Namespace(
        database=f"sqlite:///{tmp_path / 'demo.db'}",
        hours=2.0,
        step_minutes=15.0,
        tick_seconds=0.0,
        config=None,
    )
    out = io.StringIO()
    with store_queries_on_event_loops() as on_loop:
        assert await run_demo(args, out) == 0
    assert "Outcome vs the sample data's answers:" in out.getvalue()
    assert on_loop == [], on_loop
