"""The poller lock: one process at a time polls and judges a database in-process.

``storybot run`` (with its scheduler) and ``storybot poll --once`` fetch feeds, judge the
new items with an engine held in memory and store the decisions. Two of them on one
database judge the same items twice: the second commit breaks the judgements' unique
constraint (a traceback), and each engine's story state misses what the other learned.
So such a process holds this lock *exclusively* while it runs, and a second one is
refused at once with a message naming the database, instead of failing mid-cycle.
Scale-out workers (``storybot worker``) hold it *shared*: any number of them side by
side (the job queue serialises their judging), but not beside an in-process poller.
``run --no-scheduler`` polls nothing and takes no lock.

* SQLite file: ``flock`` on ``<database>.poll-lock`` beside the file, named after its
  resolved path (a symlink or ``./`` spelling is the same database). The kernel
  releases it when the process ends, however it ends, so a crash leaves nothing stale.
  An in-memory database is private to its process: nothing to lock. (A lock on a
  network file system is only as good as that file system's locking.)
* PostgreSQL: a session-level advisory lock, keyed by the schema too, on a connection of
  its own (not the store's pool) for as long as the process polls; closing it releases
  the lock, and so does a crash. Not with a pooler in transaction mode (PgBouncer),
  which does not keep sessions; and a connection the server drops takes the lock with
  it without the holder noticing until it stops.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bot.errors import UserError
from storage.engine import sqlite_file

log = logging.getLogger(__name__)

# The advisory lock's two keys: "stor" in ASCII (a constant no other application on the
# database is likely to use) and the schema's name hashed, so that installations kept in
# separate schemas of one database (search_path) do not lock each other out.
_PG_CLASS = 0x73746F72
_SCHEMA = "hashtext(current_schema())"
_TRY = {
    False: text(f"SELECT pg_try_advisory_lock(:k, {_SCHEMA})"),
    True: text(f"SELECT pg_try_advisory_lock_shared(:k, {_SCHEMA})"),
}


class PollerBusy(UserError):
    """Another process polls this database now."""


@contextmanager
def poller_lock(engine: Engine, what: str, *, shared: bool = False) -> Iterator[None]:
    """Hold the poller lock of ``engine``'s database while the block runs.

    Args:
        engine: The store's engine (only its URL is used).
        what: The command taking it, for the refusal ("storybot poll --once").
        shared: Take it shared (scale-out workers) rather than exclusive.

    Raises:
        PollerBusy: Another process holds it in a mode that excludes this one.
        UserError: The lock file cannot be opened or locked (permissions, a file system
            without locks).
    """
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_file(engine.url)
        if path is None:  # in memory: no other process can see it
            yield
            return
        real = path.resolve()
        with _file_lock(real.with_name(real.name + ".poll-lock"), what, str(real), shared):
            yield
        return
    if backend == "postgresql":
        with _advisory_lock(engine, what, shared):
            yield
        return
    yield  # another database: no lock known


def _busy(what: str, database: str, shared: bool) -> PollerBusy:
    if shared:
        return PollerBusy(
            f"a storybot process polls {database} itself (`storybot run` with its scheduler, "
            f"or `storybot poll --once`): {what} would judge the same items twice. With "
            "workers, run the front end as `storybot run --no-scheduler`."
        )
    return PollerBusy(
        f"another storybot process is polling {database} (`storybot run`, `storybot poll "
        f"--once` or `storybot worker`s): {what} would judge the same items twice. Stop it "
        "first, or let it poll (`storybot ask` answers /story commands beside it)."
    )


@contextmanager
def _file_lock(lock_path: Path, what: str, database: str, shared: bool) -> Iterator[None]:
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise UserError(f"cannot open the poller lock file {lock_path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(what, database, shared) from None
        except OSError as exc:
            raise UserError(f"cannot lock {lock_path}: {exc.strerror}") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(engine: Engine, what: str, shared: bool) -> Iterator[None]:
    # a connection of its own: the store's pool is disposed when the app closes, which
    # may come before this lock is let go
    own = create_engine(engine.url, poolclass=NullPool)
    try:
        with own.connect() as conn:
            got = conn.execute(_TRY[shared], {"k": _PG_CLASS}).scalar()
            conn.commit()
            if not got:
                raise _busy(what, engine.url.render_as_string(hide_password=True), shared)
            try:
                yield
            finally:
                try:
                    conn.close()  # ends the session, and with it the lock
                except DBAPIError as exc:  # the server dropped it already: gone as well
                    log.warning("poller lock connection already closed: %s", exc)
    finally:
        own.dispose()
