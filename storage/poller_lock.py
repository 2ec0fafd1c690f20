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
  network file system is only as good as that file system's locking. A hard link is
  another name with a lock file of its own: taking the lock through a file that has one
  logs a warning, and ``storybot health`` warns of it.)
* PostgreSQL: an advisory lock, keyed by the schema too, on a connection of its own (not
  the store's pool) for as long as the process polls; closing it releases the lock, and
  so does a crash. The lock is a transaction's (``pg_try_advisory_xact_lock``), and that
  transaction stays open while the lock is held, so that it works behind a pooler in
  transaction mode (PgBouncer) too: there a session-level lock would stay with the server
  connection the pooler hands to the next client (held for it, and never let go), while
  an open transaction keeps that server connection ours until we end it. Its settings
  (below) are the transaction's own for the same reason, and it allows itself to stay
  idle in a transaction (a role's ``idle_in_transaction_session_timeout`` would end it).
  The transaction only reads functions: it holds no table lock and, at READ COMMITTED,
  no snapshot that would hold back VACUUM.

A connection the server drops (a restart, ``pg_terminate_backend``, a network cut, an
idle timeout) takes the lock with it, and nothing tells the holder. So ``storybot run``
(and each worker, before each job) checks the lock (:meth:`PollerLock.check`): a
``SELECT 1`` on its connection. Gone, the lock is taken again on a new connection (a
WARNING); if the server cannot be reached now, the check says so (``storybot run`` skips
the cycle: it could not store anything either) and the next one tries again.

A network cut is the awkward case: our side gives the connection up, but the server keeps
the session, and the lock with it, until its TCP keepalive says the client is gone
(two hours by default). So the lock's connection asks for keepalives on both sides and a
TCP user timeout (dead in about 30 s, not after the kernel's 15 minutes of
retransmissions, during which a check would hang), and a statement timeout; the session
that took the lock is remembered (backend pid and start time), and when the lock cannot
be taken again because that very session still holds it, the session is ended
(``pg_terminate_backend``: our own role's, which needs no privilege) and the lock taken.

Held by another process (its backend pid, application name and address named where
``pg_stat_activity`` shows them), :class:`PollerLockLost` stops the poller with exit 75
(:class:`bot.errors.TryAgainLater`), not 2: what took it may be a ``storybot poll
--once`` that is over in a minute, and the systemd units restart exit 75 and not 2. The
restart's start-up check then decides: the lock free, polling goes on; still held (a
second ``storybot run`` started by mistake), the start is refused with exit 2, which is
not restarted. So a transient loss heals itself and a mistake is not retried forever.
A file lock cannot be lost: its check does nothing.

A SQLite file's lock file also holds a note of the holder's for ``storybot health``:
that its jobs cannot write the database now, since when and why
(:meth:`PollerLock.note_writes`, :mod:`storage.write_state`).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bot.errors import TryAgainLater, UserError
from storage.engine import (
    describe,
    hard_link_risk,
    pg_connect_defaults,
    sqlite_file,
    sqlite_other_names,
    use_driver_options,
)
from storage.write_state import NOTE_SIZE, note_path, note_record, write_note

log = logging.getLogger(__name__)

# The advisory lock's two keys: "stor" in ASCII (a constant no other application on the
# database is likely to use) and the schema's name hashed, so that installations kept in
# separate schemas of one database (search_path) do not lock each other out.
_PG_CLASS = 0x73746F72
_SCHEMA = "hashtext(current_schema())"
_TRY = {
    False: text(f"SELECT pg_try_advisory_xact_lock(:k, {_SCHEMA})"),
    True: text(f"SELECT pg_try_advisory_xact_lock_shared(:k, {_SCHEMA})"),
}


_PING = text("SELECT 1")
# the session holding the lock, to know it again: a pid alone may be reused
# (through a function, not the pg_stat_activity view: the open transaction would keep a
# lock on the view)
_SESSION = text("SELECT pid, backend_start FROM pg_stat_get_activity(pg_backend_pid()) AS a")
# who holds this schema's lock (pg_locks, two-key advisory locks: objsubid 2, the second
# key as an unsigned oid); pg_stat_activity may hide another role's address
_HOLDERS = text(
    "SELECT l.pid, l.mode, a.backend_start, a.application_name,"
    " host(a.client_addr) AS client_addr"
    " FROM pg_locks AS l LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND l.classid = CAST(:k AS oid) AND l.objsubid = 2"
    f" AND l.objid = CAST({_SCHEMA}::bigint & 4294967295 AS oid)"
    " ORDER BY l.pid"
)
# Ends that very session, known by pid and start time in one statement (a pid the server
# reused meanwhile for another session is not ended); waits (5 s) for it to go.
# pg_terminate_backend(pid, timeout) is PostgreSQL 14's; on an older server the takeover
# fails and the check skips cycles until the server itself drops the cut-off session.
_TERMINATE = text(
    "SELECT coalesce(bool_or(pg_terminate_backend(pid, 5000)), false) FROM pg_stat_activity"
    " WHERE pid = :pid AND backend_start = :started"
)

# A network cut noticed in seconds on both sides (see the module docstring). libpq's
# parameters for our side are every storybot connection's (storage.engine.PG_CLIENT_TCP;
# a URL's own values win); the server's for its side, with a
# statement timeout (no statement of the lock's needs more than a moment; above the 5 s
# pg_terminate_backend waits). The server's are set for the lock's transaction only
# (set_config's third argument): behind a pooler the session is shared.
_SERVER_SETTINGS = text(
    "SELECT set_config('statement_timeout', '15s', true),"
    " set_config('idle_in_transaction_session_timeout', '0', true),"
    " set_config('tcp_keepalives_idle', '15', true),"
    " set_config('tcp_keepalives_interval', '5', true),"
    " set_config('tcp_keepalives_count', '3', true),"
    " set_config('tcp_user_timeout', '30000', true)"
)


class PollerBusy(UserError):
    """Another process polls this database now."""


class PollerLockLost(PollerBusy, TryAgainLater):
    """The lock's connection dropped, and another process holds the lock now.

    Exit 75, restarted by the systemd units (see the module docstring for why not 2).
    """


class PollerLock:
    """A poller lock held: what :func:`poller_lock` gives its block.

    The base class is a lock that cannot be lost (a file lock, an in-memory database,
    a database with no lock known): its :meth:`check` says it is held.
    """

    def check(self) -> bool:
        """Whether the lock is still held, taken again if its connection dropped.

        Called before each poll cycle; cheap (one ``SELECT 1`` on PostgreSQL).

        Returns:
            True if it is held; False if that cannot be told now (the server cannot be
            reached): skip this cycle, and check again before the next.

        Raises:
            PollerLockLost: The lock was lost and another process holds it now (exit 75).
        """
        return True

    def note_writes(self, failing: tuple[str, datetime, str] | None) -> None:
        """Tell ``storybot health`` that a job of this process cannot write the database
        (job, since when, why), or no longer (None): see :mod:`storage.write_state`.
        Only a SQLite file's lock keeps it (in its lock file); others forget it."""


class _FileLock(PollerLock):
    """A SQLite file's lock: its lock file also holds this process's write note."""

    def __init__(self, fd: int, what: str) -> None:
        self._fd = fd
        self._what = what
        # written now, while there is surely room: later notes overwrite it in place
        write_note(fd, note_record(what, None))

    def note_writes(self, failing: tuple[str, datetime, str] | None) -> None:
        write_note(self._fd, note_record(self._what, failing))


@contextmanager
def poller_lock(engine: Engine, what: str, *, shared: bool = False) -> Iterator[PollerLock]:
    """Hold the poller lock of ``engine``'s database while the block runs.

    Args:
        engine: The store's engine (only its URL is used).
        what: The command taking it, for the refusal ("storybot poll --once").
        shared: Take it shared (scale-out workers) rather than exclusive.

    Yields:
        The lock, whose :meth:`PollerLock.check` a long-running poller calls before
        each cycle.

    Raises:
        PollerBusy: Another process holds it in a mode that excludes this one.
        UserError: The lock file cannot be opened or locked (permissions, a file system
            without locks).
    """
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_file(engine.url)
        if path is None:  # in memory: no other process can see it
            yield PollerLock()
            return
        real = path.resolve()
        if others := sqlite_other_names(engine.url):
            log.warning("the database file %s: %s", real, hard_link_risk(others))
        with _file_lock(note_path(real), what, str(real), shared) as fd:
            try:
                yield _FileLock(fd, what)
            finally:
                write_note(fd, b" " * NOTE_SIZE)  # let go: nothing to tell any more
        return
    if backend == "postgresql":
        with _advisory_lock(engine, what, shared) as lock:
            yield lock
        return
    yield PollerLock()  # another database: no lock known


def _busy(what: str, database: str, shared: bool, holders: list[Row] | None = None) -> PollerBusy:
    """Why ``what`` may not poll now; ``holders``: the sessions holding the lock, where
    known (PostgreSQL), so that one refused beside workers is told what runs beside them."""
    if not shared and holders and all(row.mode == "ShareLock" for row in holders):
        return PollerBusy(
            f"storybot workers are polling {database}{_named(holders)}: {what} would judge "
            "the same items twice. Beside workers, answer /story commands with `storybot run "
            "--no-scheduler` (or `storybot ask`); to poll here, stop every worker first."
        )
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
def _file_lock(lock_path: Path, what: str, database: str, shared: bool) -> Iterator[int]:
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
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class _AdvisoryLock(PollerLock):
    """The PostgreSQL session lock, on a connection of its own (see the module docstring)."""

    def __init__(self, engine: Engine, what: str, shared: bool) -> None:
        given = engine.url.query
        connect_args = pg_connect_defaults(given)  # as the store's engine's connections
        if "application_name" not in given:  # what another process's refusal names
            connect_args["application_name"] = f"{what} (poller lock)"[:63]
        # a connection of its own: the store's pool is disposed when the app closes, which
        # may come before this lock is let go
        self._own = create_engine(engine.url, poolclass=NullPool, connect_args=connect_args)
        use_driver_options(self._own)  # ?prepare_threshold=none behind a pooler
        self._what = what
        self._shared = shared
        self._database = describe(engine.url)
        self._conn: Connection | None = None
        self._session: tuple[int, object] | None = None  # (pid, backend_start) that took it
        self._others: list[Row] = []  # who held it when it could not be taken

    def acquire(self) -> bool:
        """Open a connection and try the lock on it; False (and no connection) if it is taken.

        Taking it back after a network cut, the session that held it before (still held
        by a server that has not noticed the cut) is ended first.

        Raises:
            DBAPIError: The server cannot be reached.
        """
        conn = self._own.connect()
        try:
            got = self._try(conn)
            if not got and self._end_stale_session(conn):
                got = self._try(conn)
            self._others = [] if got else self._holders(conn)
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn  # its transaction left open: it holds the lock
        return True

    def _try(self, conn: Connection) -> bool:
        """Try the lock in a new transaction on ``conn``, left open if it was taken."""
        conn.rollback()
        conn.execute(_SERVER_SETTINGS)
        if not conn.execute(_TRY[self._shared], {"k": _PG_CLASS}).scalar():
            return False
        session = conn.execute(_SESSION).one()
        self._session = (session.pid, session.backend_start)
        return True

    def _holders(self, conn: Connection) -> list[Row]:
        """The sessions holding the lock in a mode that excludes ours."""
        rows = conn.execute(_HOLDERS, {"k": _PG_CLASS}).all()
        return [row for row in rows if not self._shared or row.mode == "ExclusiveLock"]

    def _end_stale_session(self, conn: Connection) -> bool:
        """End our own earlier session if it still holds the lock; whether it was ended."""
        if self._session is None:
            return False
        pid, started = self._session
        if not any((row.pid, row.backend_start) == (pid, started) for row in self._holders(conn)):
            return False
        ended = bool(conn.execute(_TERMINATE, {"pid": pid, "started": started}).scalar())
        log.warning(
            "the poller lock on %s was still held by this process's earlier session (backend "
            "pid %s), which the server had not yet seen cut off: %s",
            self._database,
            pid,
            "ended it" if ended else "could not end it",
        )
        return ended

    def check(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(_PING)  # in the lock's transaction, which stays open
                return True
            except DBAPIError as exc:
                log.warning(  # the server's reason, not SQLAlchemy's lines about it
                    "the poller lock's connection to %s dropped: %s",
                    self._database,
                    str(exc.orig or exc).strip(),
                )
                self._drop()
        try:
            got = self.acquire()
        except DBAPIError as exc:
            log.warning(
                "cannot take the poller lock again (%s): skipping this poll cycle", exc.orig or exc
            )
            return False
        if not got:
            raise PollerLockLost(
                f"lost the poller lock on {self._database} (its connection dropped) and "
                f"another storybot process holds it now{_named(self._others)}: {self._what} "
                "stops polling, or both would judge the same items twice (restarted, it polls "
                "again once that process is done)"
            )
        log.warning("poller lock on %s re-acquired on a new connection", self._database)
        return True

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.close()  # ends the session, and with it the lock
        except DBAPIError as exc:  # the server dropped it already: gone as well
            log.warning("poller lock connection already closed: %s", exc)

    def release(self) -> None:
        self._drop()
        self._own.dispose()


def _named(holders: list[Row]) -> str:
    """`` (backend pid 42: storybot run (poller lock), from 10.0.0.5)``, as far as known."""
    if not holders:
        return ""
    described = []
    for row in holders:
        known = [f"'{row.application_name}'" if row.application_name else ""]
        known.append(f"from {row.client_addr}" if row.client_addr else "")
        said = ", ".join(part for part in known if part)
        described.append(f"backend pid {row.pid}" + (f": {said}" if said else ""))
    return f" ({'; '.join(described)})"


@contextmanager
def _advisory_lock(engine: Engine, what: str, shared: bool) -> Iterator[PollerLock]:
    lock = _AdvisoryLock(engine, what, shared)
    try:
        if not lock.acquire():
            raise _busy(what, lock._database, shared, lock._others)
        yield lock
    finally:
        lock.release()
