"""The poller lock: one process at a time polls and judges a database in-process.

``storybot run`` (with its scheduler) and ``storybot poll --once`` fetch feeds, judge the
new items with an engine held in memory and store the decisions. Two of them on one
database judge the same items twice: the second commit breaks the judgements' unique
constraint (a traceback), and each engine's story state misses what the other learned.
So such a process holds this lock while it runs, and a second one is refused at once
with a message naming the database, instead of failing mid-cycle.

* SQLite file: an exclusive ``flock`` on ``<database>.poll-lock`` beside it. The kernel
  releases it when the process ends, however it ends, so a crash leaves nothing stale.
  An in-memory database is private to its process: nothing to lock.
* PostgreSQL: a session-level advisory lock (keyed by the schema too) held on a
  connection of its own for as long as the process polls (released when that connection
  closes, also on a crash).

Scale-out workers (``storybot worker``) do not take it: their jobs are serialised by the
job queue. ``run --no-scheduler`` polls nothing and does not take it either.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.errors import UserError
from storage.engine import sqlite_file

# The advisory lock's two keys: "stor" in ASCII (a constant no other application on the
# database is likely to use) and the schema's name hashed, so that installations kept in
# separate schemas of one database (search_path) do not lock each other out.
_PG_CLASS = 0x73746F72
_TRY = text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))")
_RELEASE = text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))")


class PollerBusy(UserError):
    """Another process polls this database now."""


@contextmanager
def poller_lock(engine: Engine, what: str) -> Iterator[None]:
    """Hold the poller lock of ``engine``'s database while the block runs.

    Args:
        engine: The store's engine.
        what: The command taking it, for the refusal ("storybot poll --once").

    Raises:
        PollerBusy: Another process holds it.
    """
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_file(engine.url)
        if path is None:  # in memory: no other process can see it
            yield
            return
        with _file_lock(path.with_name(path.name + ".poll-lock"), what, str(path)):
            yield
        return
    if backend == "postgresql":
        with _advisory_lock(engine, what):
            yield
        return
    yield  # another database: no lock known


def _busy(what: str, database: str) -> PollerBusy:
    return PollerBusy(
        f"another storybot process is polling {database} (`storybot run` or `storybot poll "
        f"--once`): {what} would judge the same items twice. Stop it first, or let it poll "
        "(`storybot ask` answers /story commands beside it)."
    )


@contextmanager
def _file_lock(lock_path: os.PathLike[str], what: str, database: str) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(what, database) from None
        # who holds it, for an operator looking at the file (never read by storybot)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(engine: Engine, what: str) -> Iterator[None]:
    with engine.connect() as conn:
        got = conn.execute(_TRY, {"k": _PG_CLASS}).scalar()
        conn.commit()
        if not got:
            shown = engine.url.render_as_string(hide_password=True)
            raise _busy(what, shown)
        try:
            yield
        finally:
            conn.execute(_RELEASE, {"k": _PG_CLASS})
            conn.commit()
