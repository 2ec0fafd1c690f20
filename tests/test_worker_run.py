"""The worker tests' guard (``worker_run.store_queries_on_this_thread``): it must see a
store call made on the event loop, or the worker tests could not catch one."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from worker_run import store_queries_on_this_thread

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
