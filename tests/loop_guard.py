"""Guards for tests of what runs where: on the event loop's thread, in its default pool.

storybot's async code runs its (synchronous) store calls in threads (``asyncio.to_thread``,
``Delivery._db``): on the event loop a store call waiting for its database (SQLite's busy
timeout, a pooler's free server connection) holds up everything else on the loop. In a
worker that is worse than slow: see :func:`store_queries_on_event_loops`.

A poll cycle's CPU work (parsing feeds, extracting linked pages) runs in threads of its
own, not in the loop's default pool, where ``/story`` commands run: see
:func:`default_threads_all_busy`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy import Engine, event


@contextmanager
def store_queries_on_event_loops(engine: Engine | type[Engine] = Engine) -> Iterator[list[str]]:
    """The statements ``engine`` runs on a thread while an event loop runs there (the
    test's own loop, ``asyncio.run`` in the CLI), collected in the list yielded while the
    block runs. By default every engine's: also those the code under test opens itself
    (``storybot poll --once``'s app, the demo's), which the test cannot name.

    A worker's store calls belong in threads (``asyncio.to_thread``). One on the event
    loop blocks it, and with it procrastinate's connections, each between its query and
    its COMMIT: behind a pooler in transaction mode each keeps its server connection,
    idle in transaction, until the loop runs again, while the blocked call waits for a
    server connection itself. With two server connections that ended at PgBouncer's
    ``query_wait_timeout`` (60 s), for that call and for the job's store calls waiting too.

    A statement on the same thread with no loop running (the CLI building its app before
    ``asyncio.run``) blocks no loop, and is not collected.
    """
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop runs on this thread: a worker thread, or none yet
            return
        seen.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


@asynccontextmanager
async def default_threads_all_busy() -> AsyncIterator[None]:
    """While the block runs, the running loop's default pool has one thread, and it is busy.

    Work queued there (``asyncio.to_thread``) waits until the block ends, so code that
    finishes inside it ran none of its work in that pool, where a cycle's work would
    queue ahead of ``/story`` commands (``bot.commands``). The pool stays the loop's.
    """
    loop = asyncio.get_running_loop()
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(1))
    release = threading.Event()
    busy = loop.run_in_executor(None, release.wait)  # the default pool's one thread
    try:
        yield
    finally:
        release.set()
        await busy
