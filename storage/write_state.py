"""Whether storybot can write its database now: what ``storybot health`` tells.

``storybot health`` judged polling by how long due feeds had waited, so during the first
minutes of a full disk or of a write lock another process holds (a long ``prune``, a
backup, another program), while every poll cycle failed to store anything, it said "ok".
Two signals close that gap, both for a SQLite file (a PostgreSQL server has neither the
file lock nor this machine's disk):

* The service's own failures. ``storybot run`` notes in its poller lock file
  (``<database>.poll-lock``, held while it runs: :mod:`storage.poller_lock`) when one of
  its jobs failed because the database could not be written (:func:`write_failure`), since
  when and why, and clears the note when that job works again. The note is a fixed-size
  record rewritten in place (:data:`NOTE_SIZE` bytes, written when the lock is taken), so
  that recording a full disk needs no new block on it. Health reads it
  (:func:`read_write_note`), and ignores a note whose process is gone (a crash leaves
  its last note; the polling check tells a stopped service).
* A probe: ``BEGIN IMMEDIATE`` and ``ROLLBACK`` (:func:`probe_write_lock`), which waits
  for the write lock as long as storybot's writes do (SQLite's busy timeout) and writes
  nothing. It fails exactly when a write of the service's would: in normal operation the
  lock is held for moments (a cycle's transaction, a prune batch), never past the busy
  timeout.

A PostgreSQL database has neither, and other ways to refuse every write while it answers
every read: a standby (a replica in recovery), sessions made read-only
(``default_transaction_read_only``, set by the connection, the role, the database or the
server's configuration), or a role without the privileges storybot's writes need on its
tables (they were made by another role's migration, or a grant was revoked).
:func:`probe_pg_writes` asks the server all of it in one statement, which writes nothing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Text

from bot.clock import utc
from bot.ports import StoreBusy
from storage.engine import BEGIN_OPTION, BUSY_TIMEOUT_MS, sqlite_file
from storage.models import Base

log = logging.getLogger(__name__)

NOTE_SIZE = 512  # bytes of the note in the poller lock file, rewritten in place
_ERROR_CHARS = 300  # of the reason kept in the note (its JSON must fit NOTE_SIZE)

# What SQLite and PostgreSQL say when a write cannot be made now (lower case)
_CANNOT_WRITE = (
    "database is locked",
    "database or disk is full",
    "disk i/o error",
    "no space left on device",
    "attempt to write a readonly database",
)
_NO_ROOM_ERRORS = frozenset({"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE"})


def write_failure(exc: BaseException) -> str | None:
    """Why ``exc`` says the database cannot be written now, in one line; None when it
    says something else (a bug, a feed's error, a chat platform's refusal).

    A write lock held past the busy timeout (:class:`~bot.ports.StoreBusy`, or SQLite's
    "database is locked"), a full disk ("database or disk is full", SQLite's
    shared-memory file that cannot grow, PostgreSQL's "No space left on device"), an I/O
    error, a file that became read-only. The exception's causes are looked at too.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StoreBusy):
            return _locked()
        if isinstance(current, DBAPIError):
            reason = " ".join(str(current.orig).split())
            name = str(getattr(current.orig, "sqlite_errorname", "") or "")
            lowered = reason.lower()
            if "database is locked" in lowered:
                return _locked()
            if name in _NO_ROOM_ERRORS or any(words in lowered for words in _CANNOT_WRITE):
                return reason + (" (is the disk full?)" if "disk i/o" in lowered else "")
        current = current.__cause__ or current.__context__
    return None


def _locked() -> str:
    return (
        f"database is locked: another process held its write lock for over "
        f"{BUSY_TIMEOUT_MS // 1000} s"
    )


def probe_write_lock(engine: Engine) -> str | None:
    """Take the write lock of ``engine``'s SQLite file and let it go, writing nothing.

    Waits for it as long as a write of storybot's does (the busy timeout), so it fails
    only when such a write would. None when it was taken (or the database is not a
    SQLite file), else why not (:func:`write_failure`'s words).
    """
    if sqlite_file(engine.url) is None:
        return None
    try:
        with engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}).connect() as connection:
            connection.begin()
            connection.rollback()
    except DBAPIError as exc:
        reason = write_failure(exc)
        if reason is None:
            raise
        return reason
    return None


@dataclass(frozen=True)
class WriteNote:
    """A storybot process's note that it cannot write the database.

    Attributes:
        pid: The process (still running when :func:`read_write_note` returns it).
        what: The command ("storybot run").
        job: Its job whose write failed first ("poll", "deliver", "digest").
        since: When that job's writes began to fail.
        error: Why (:func:`write_failure`).
    """

    pid: int
    what: str
    job: str
    since: datetime
    error: str


def note_path(database: Path) -> Path:
    """The poller lock file of the SQLite file ``database``, which holds the note."""
    real = database.resolve()
    return real.with_name(real.name + ".poll-lock")


def note_record(what: str, failing: tuple[str, datetime, str] | None) -> bytes:
    """The note as stored: JSON padded with spaces to :data:`NOTE_SIZE` bytes.

    Args:
        what: The command holding the lock.
        failing: (job, since, error) when a job cannot write; None: nothing to tell.
    """
    note: dict[str, object] = {"pid": os.getpid(), "what": what}
    if failing is not None:
        job, since, error = failing
        note.update(job=job, since=utc(since).isoformat(), error=error[:_ERROR_CHARS])
    data = json.dumps(note, ensure_ascii=True).encode()
    return data[:NOTE_SIZE].ljust(NOTE_SIZE)


def write_note(fd: int, record: bytes) -> None:
    """Rewrite the note at the start of the lock file ``fd`` (the lock is not touched).

    A file system that refuses it (full, read-only) loses the note, not the service: it
    is logged at debug level and health falls back on its other checks.
    """
    try:
        os.pwrite(fd, record, 0)
    except OSError as exc:
        log.debug("cannot record the write state in the poller lock file: %s", exc)


def read_write_note(engine: Engine) -> WriteNote | None:
    """The note of a running storybot process that cannot write ``engine``'s SQLite file.

    None when there is none: not a SQLite file, no lock file, nothing failing, a note
    that cannot be read, or one whose process has ended.
    """
    database = sqlite_file(engine.url)
    if database is None:
        return None
    try:
        with open(note_path(database), "rb") as file:
            note = json.loads(file.read(NOTE_SIZE).decode() or "null")
        if not isinstance(note, dict) or "error" not in note:
            return None
        found = WriteNote(
            pid=int(note["pid"]),
            what=str(note.get("what", "storybot")),
            job=str(note.get("job", "")),
            since=datetime.fromisoformat(str(note["since"])),
            error=str(note["error"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if _running(found.pid) else None


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class WriteWatch:
    """Follows the outcomes of a service's jobs and keeps the note up to date.

    A job that failed because the database could not be written makes a note (the first
    such job, since its first such failure); the note goes once every such job has run
    without an error. A job failing for another reason changes nothing: it tells nothing
    of writes. The note is rewritten only when what it says changes, not at every tick.

    Args:
        record: Stores the note (:meth:`storage.poller_lock.PollerLock.note_writes`).
        now: The service's clock.
    """

    def __init__(
        self,
        record: Callable[[tuple[str, datetime, str] | None], None],
        now: Callable[[], datetime],
    ) -> None:
        self._record = record
        self._now = now
        self._failing: dict[str, tuple[datetime, str]] = {}
        self._said: tuple[str, datetime, str] | None = None

    def __call__(self, job: str, exc: BaseException | None) -> None:
        """A run of ``job`` ended: ``exc`` is what it raised, None when it worked."""
        if exc is None:
            self._failing.pop(job, None)
        else:
            reason = write_failure(exc)
            if reason is None:
                return
            since = self._failing.get(job, (self._now(), ""))[0]
            self._failing[job] = (since, reason)
        first = min(self._failing.items(), key=lambda kv: kv[1][0], default=None)
        said = None if first is None else (first[0], first[1][0], first[1][1])
        if said != self._said:
            self._said = said
            self._record(said)


# What storybot's writes need on each of its tables: UPDATE and DELETE read the rows they
# change (and SELECT ... FOR UPDATE takes UPDATE), so SELECT too. Asked one at a time:
# has_table_privilege('INSERT,UPDATE,DELETE') is true when *any* of them is held.
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
SEQUENCE_PRIVILEGE = "USAGE"  # nextval() on a serial id's sequence: USAGE (or UPDATE)

# One statement: the session's state, and each privilege missing on each of ``tables``
# found (to_regclass: through the search path, as storybot's own queries find them; a
# table not there yet, in a schema behind this code's, is the schema line's to tell), and
# on the sequences their serial ids draw from (owned by the table: pg_depend's 'a').
_PG_WRITE_STATE = text(
    """
WITH found AS (
    SELECT t.name, c.oid AS rel, quote_ident(n.nspname) AS schema,
           quote_ident(pg_get_userbyid(c.relowner)) AS owner
    FROM unnest(:tables) AS t(name)
    JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))
    JOIN pg_namespace n ON n.oid = c.relnamespace
), missing AS (
    SELECT f.name, p.privilege, f.schema, f.owner
    FROM found f CROSS JOIN unnest(:privileges) AS p(privilege)
    WHERE NOT has_table_privilege(f.rel, p.privilege)
    UNION ALL
    SELECT f.name, :usage, f.schema, f.owner
    FROM found f
    JOIN pg_depend d ON d.refobjid = f.rel AND d.classid = 'pg_class'::regclass
        AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
    JOIN pg_class s ON s.oid = d.objid
    -- CASE: a join's conditions may be checked in any order (indexes depend on it too)
    WHERE CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege(s.oid, 'USAGE,UPDATE')
          ELSE false END
)
SELECT quote_ident(current_user) AS role,
       quote_ident(current_database()) AS database,
       pg_is_in_recovery() AS standby,
       current_setting('transaction_read_only') = 'on' AS read_only,
       (SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only')
           AS read_only_source,
       (SELECT count(*) FROM found) AS tables,
       ARRAY(SELECT name || ' ' || privilege FROM missing ORDER BY name, privilege)
           AS missing,
       ARRAY(SELECT DISTINCT schema FROM missing ORDER BY schema) AS schemas,
       ARRAY(SELECT DISTINCT owner FROM missing ORDER BY owner) AS owners
"""
).bindparams(
    bindparam("tables", type_=ARRAY(Text)),
    bindparam("privileges", type_=ARRAY(Text)),
    bindparam("usage", type_=Text),
)


@dataclass(frozen=True)
class PgWriteState:
    """What a PostgreSQL server says of storybot's writes (:func:`probe_pg_writes`).

    Names are as SQL takes them (``quote_ident``: quoted only where they must be).

    Attributes:
        role: The role storybot's connections act as (``current_user``).
        database: The database they are in.
        standby: The server is in recovery (a hot standby): it refuses every write.
        read_only: A new transaction is read-only (a standby's are too).
        read_only_source: Where ``default_transaction_read_only`` comes from
            (``pg_settings.source``: "client", "user", "database", "database user",
            "configuration file", "default"...).
        missing: (table, privilege) pairs the role lacks: one of
            :data:`TABLE_PRIVILEGES`, or :data:`SEQUENCE_PRIVILEGE` on the sequence of
            the table's serial id. By table name.
        schemas: The schemas of the tables with something missing.
        owners: The roles owning those tables (who may grant the privileges).
        tables: How many of storybot's tables were found.
    """

    role: str
    database: str
    standby: bool
    read_only: bool
    read_only_source: str
    missing: tuple[tuple[str, str], ...]
    schemas: tuple[str, ...]
    owners: tuple[str, ...]
    tables: int


def probe_pg_writes(engine: Engine) -> PgWriteState | None:
    """Ask ``engine``'s PostgreSQL server whether storybot can write its tables now.

    One statement, in a transaction rolled back: it writes nothing, takes no lock on the
    tables and waits for none. The tables are those of :mod:`storage.models`
    (``Base.metadata``); each is asked each of :data:`TABLE_PRIVILEGES` on its own, and
    the sequence of its serial id :data:`SEQUENCE_PRIVILEGE`. None when the database is
    not PostgreSQL.
    """
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        row = (
            connection.execute(
                _PG_WRITE_STATE,
                {
                    "tables": sorted(Base.metadata.tables),
                    "privileges": list(TABLE_PRIVILEGES),
                    "usage": SEQUENCE_PRIVILEGE,
                },
            )
            .mappings()
            .one()
        )
        connection.rollback()
    pairs = (str(pair).split(" ", 1) for pair in row["missing"])
    missing = tuple((table, privilege) for table, privilege in pairs)
    return PgWriteState(
        role=row["role"],
        database=row["database"],
        standby=bool(row["standby"]),
        read_only=bool(row["read_only"]),
        read_only_source=str(row["read_only_source"] or "default"),
        missing=missing,
        schemas=tuple(row["schemas"]),
        owners=tuple(row["owners"]),
        tables=int(row["tables"]),
    )
