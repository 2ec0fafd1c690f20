"""The job queue's connection pool: after one dead connection, check all the idle ones now.

procrastinate's pool checks each connection as it hands it out (psycopg_pool's ``check``)
and replaces a dead one. A server restart, a failover or ``pg_terminate_backend`` kills
all the connections at once, while the pool keeps up to ``--concurrency`` + 4 of them
idle (for ten minutes after a busy moment). psycopg_pool then finds them dead one at a
time, waiting before each next check twice as long as before (1, 2, 4, 8, 16 s): with
six or more idle, a worker's heartbeat waited its whole 30 s for a connection and failed,
although the database was back at once, and other workers took it for dead meanwhile
and ran its jobs a second time.

Here the first failed check makes the pool check every idle connection at once
(``AsyncConnectionPool.check``: dead ones are replaced, live ones kept), so the caller's
next attempt gets a new connection; the log says so in one line, not psycopg_pool's line
per dead connection (those at DEBUG, with ``-v``).
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

# Set while a check of the idle connections runs (in that task and the one it starts):
# how many psycopg_pool found dead.
_sweep: ContextVar[list[int] | None] = ContextVar("job_pool_sweep", default=None)


class _QuietSweep(logging.Filter):
    """psycopg_pool's "discarding broken connection", one a connection, during a sweep:
    counted, and shown at DEBUG only (``-v``); any other of its lines as it logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = _sweep.get()
        if found is None or not str(record.msg).startswith("discarding broken connection"):
            return True
        found[0] += 1
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


_QUIET = _QuietSweep()


def job_pool(**kwargs: Any) -> AsyncConnectionPool:
    """An ``AsyncConnectionPool`` (``kwargs``: procrastinate's ``pool_factory`` arguments)
    whose failed connection check has the pool check all its idle connections."""
    pool_log = logging.getLogger("psycopg.pool")
    if _QUIET not in pool_log.filters:
        pool_log.addFilter(_QUIET)
    pool: AsyncConnectionPool | None = None

    async def check(conn: AsyncConnection[Any]) -> None:
        try:
            await AsyncConnectionPool.check_connection(conn)
        except Exception as exc:
            if pool is None:
                raise
            found = [0]
            token = _sweep.set(found)
            try:
                # The others were most likely cut with it. Shielded: cancelled halfway
                # (the worker stopping), check() would lose the connections it holds.
                await asyncio.shield(pool.check())
            finally:
                _sweep.reset(token)
            log.warning(
                "the job queue lost a database connection (%s); replaced%s",
                first_line(exc),
                f", with the {found[0]} idle ones found dead too" if found[0] else "",
            )
            raise

    kwargs["check"] = check
    pool = AsyncConnectionPool(**kwargs)
    return pool


def first_line(exc: BaseException) -> str:
    """An exception's message on one line (psycopg's run to three)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
