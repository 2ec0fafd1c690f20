"""A guard for tests: store statements run on the event loop's thread.

storybot's async code runs its (synchronous) store calls in threads (``asyncio.to_thread``,
``Delivery._db``): on the event loop a store call waiting for its database (SQLite's busy
timeout, a pooler's free server connection) holds up everything else on the loop. In a
worker that is worse than slow: see :func:`store_queries_on_this_thread`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def store_queries_on_this_thread(engine: Engine) -> Iterator[list[str]]:
    """The statements ``engine`` runs on the calling thread (the event loop's) while the
    block runs, collected in the list yielded.

    A worker's store calls belong in threads (``asyncio.to_thread``). One on the event
    loop blocks it, and with it procrastinate's connections, each between its query and
    its COMMIT: behind a pooler in transaction mode each keeps its server connection,
    idle in transaction, until the loop runs again, while the blocked call waits for a
    server connection itself. With two server connections that ended at PgBouncer's
    ``query_wait_timeout`` (60 s), for that call and for the job's store calls waiting too.
    """
    loop_thread = threading.get_ident()
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if threading.get_ident() == loop_thread:
            seen.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
