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
per dead connection (those at DEBUG, shown with ``-vv``).

And while the database is away, the pool tries to reconnect at least every
``RECONNECT_EVERY_S``: psycopg_pool doubles its pause after each failed attempt (1, 2, 4,
8, 16, 32 s), so after a 30 s outage the database could be back for half a minute before
the pool tried again, and a worker waiting for a connection to record its stop (which
then restarts it and puts back what the outage left "doing") waited that long too.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

try:  # psycopg_pool's pauses between attempts to reconnect (not a public name)
    from psycopg_pool.base import AttemptWithBackoff
except ImportError:  # pragma: no cover - another psycopg_pool: its own pauses
    AttemptWithBackoff = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

# The longest pause between two of the job pool's attempts to reconnect: one refused
# connection every few seconds during an outage, for a worker back within this long of
# the database.
RECONNECT_EVERY_S = 5.0

# Set while a check of the idle connections runs (in that task and the one it starts):
# how many psycopg_pool found dead.
_sweep: ContextVar[list[int] | None] = ContextVar("job_pool_sweep", default=None)


class _QuietPoolLog(logging.Filter):
    """psycopg_pool's lines that would say one thing many times, shown at DEBUG only (``-vv``):
    "discarding broken connection", one a connection, during a sweep (counted for the one
    line the sweep logs), and "error connecting", one an attempt to reconnect, after the
    first of an outage (an attempt within ``QUIET_REPEATS_S`` of the same pool's last). Any
    other line as it logged it."""

    QUIET_REPEATS_S = 30.0

    def __init__(self) -> None:
        super().__init__()
        # when an attempt to connect last failed, by pool name (its record's first argument)
        self.last_failed: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        if msg.startswith("error connecting"):
            pool = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
            last = self.last_failed.get(pool)
            self.last_failed[pool] = record.created
            if last is None or record.created - last > self.QUIET_REPEATS_S:
                return True
            return self._debug(record)
        found = _sweep.get()
        if found is None or not msg.startswith("discarding broken connection"):
            return True
        found[0] += 1
        return self._debug(record)

    @staticmethod
    def _debug(record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


_QUIET = _QuietPoolLog()


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
    pool = _PromptPool(**kwargs)
    return pool


if AttemptWithBackoff is not None:

    class _PromptAttempt(AttemptWithBackoff):
        """psycopg_pool's doubling pauses, none longer than ``RECONNECT_EVERY_S``."""

        def update_delay(self, now: float) -> None:
            super().update_delay(now)
            self.delay = min(self.delay, RECONNECT_EVERY_S)


class _PromptPool(AsyncConnectionPool):
    """An ``AsyncConnectionPool`` whose attempts to reconnect are ``_PromptAttempt``s.

    psycopg_pool starts each series of attempts (a connection lost, the pool growing) with
    a new ``AttemptWithBackoff`` when it is given none; this gives it ours. A psycopg_pool
    without that class keeps its own pauses."""

    async def _add_connection(self, attempt: Any, growing: bool = False) -> None:
        if attempt is None and AttemptWithBackoff is not None:
            attempt = _PromptAttempt(timeout=self.reconnect_timeout)
        await super()._add_connection(attempt, growing)


def first_line(exc: BaseException) -> str:
    """An exception's message on one line (psycopg's run to three)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
