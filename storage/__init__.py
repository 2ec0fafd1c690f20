"""storybot's persistence: SQLAlchemy models, Alembic migrations and ``SqlStore``.

>>> store = open_store("sqlite:///storybot.db")   # creates/migrates the schema
>>> store.list_stories()
[]

Nothing outside this package sees an ORM row: the store speaks ``bot.model`` dataclasses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.errors import ConfigError, DatabaseUnavailable
from storage.engine import (
    BEGIN_OPTION,
    BUSY_TIMEOUT_MS,
    MAX_OVERFLOW,
    POOL_SIZE,
    SETTING,
    check_sqlite_enterable,
    describe,
    make_engine,
    parse_url,
    pg_connect_defaults,
    sqlite_file,
    sqlite_read_only,
    unenterable_directory,
    unwritable_reason,
    use_driver_options,
)
from storage.migrate import (
    CREATES_TABLES,
    NewerSchema,
    NoStorybotSchema,
    check_storybot_schema,
    migration_script,
    no_schema_reason,
    upgrade_if_behind,
    upgrade_to_head,
)
from storage.sql import SqlStore

__all__ = [
    "START",
    "SqlStore",
    "StartHint",
    "check_sqlite_writable",
    "check_store_writable",
    "is_empty_database",
    "open_store",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartHint:
    """What starts storybot's database, as a command that needs one that exists says it
    when there is none: ``new`` ends the refusal of a missing SQLite file, ``creates`` that
    of an empty database. The CLI gives others where a config file declares stories
    (``story add`` would add one story more than the file's)."""

    new: str = "run `storybot story add` to start a new one here"
    creates: str = CREATES_TABLES


START = StartHint()


def open_store(
    url: str,
    *,
    upgrade: bool = True,
    source: str = SETTING,
    create: bool = True,
    writable: bool = True,
    start: bool = True,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    to_start: StartHint = START,
) -> SqlStore:
    """Open (and by default migrate) the database at ``url``.

    Args:
        url: any SQLAlchemy URL; ``postgresql://`` uses the psycopg 3 driver. SQLite
            files get WAL, foreign keys and a busy timeout; a missing file is created, a
            missing directory is refused (a mistyped path must not look like lost data).
        upgrade: run Alembic ``upgrade head`` first (safe to repeat: a no-op when current).
            Either way an existing SQLite file without a storybot revision (another
            application's, or empty unless ``upgrade`` and ``start``) or at a revision
            these migrations do not have (a newer storybot's, or another Alembic-migrated
            application's) is refused before storybot's connection settings touch it.
        source: where ``url`` came from (``Settings.database_source``), named in errors.
        create: False refuses a SQLite file that does not exist instead of creating an
            empty one: a command that only reads, run in the wrong directory, must say so
            rather than report an empty database.
        writable: the caller writes: check now that a SQLite file can be written, so a
            read-only file fails with one line at start rather than with a traceback at
            the first write. False (a command that only reads): nothing at the opening
            needs SQLite's write lock, so the command answers while another process holds
            it; only a schema behind this code's is migrated, which takes it.
        start: with ``upgrade``, create storybot's tables in an empty database (an empty
            SQLite file, a new PostgreSQL database). False for a command that only reads
            or removes: an empty database is refused as a missing file is. A database
            holding other tables but no storybot schema is refused either way, unchanged.
        pool_size: connections the store keeps open to a database server
            (``[database] pool_size``; ignored for SQLite).
        max_overflow: how many more it may open while all of them are in use
            (``[database] max_overflow``): the store never holds more than
            ``pool_size + max_overflow`` connections; a call wanting another waits for one.
        to_start: what starts a new database, as the refusals of a missing SQLite file
            and of an empty database say it (see :class:`StartHint`).

    Returns:
        The store. Call ``close()`` when done.

    Raises:
        ConfigError: the URL is malformed, names an unknown driver, a SQLite file's
            directory does not exist, the file does not exist and ``create`` is False,
            the file cannot be written, the database has no storybot schema but other
            tables (or none, and not ``start``) or is at a revision these migrations do
            not have (see :class:`NewerSchema`), or the connection fails for any reason not
            known to pass (a wrong password, no such database, a bad or unmet
            ``sslmode``); the message names ``source``.
        DatabaseUnavailable: the database server cannot be reached now (down, still
            starting, not answering, a host name that does not resolve): worth trying
            again later (see :func:`database_unavailable`).
    """
    parsed = parse_url(url, source)
    path = sqlite_file(parsed)
    # before anything looks at the file: behind a directory this process may not enter,
    # even whether it exists cannot be told
    check_sqlite_enterable(parsed, source)
    # (a missing directory is reported as such by make_engine: the more useful message)
    if path is not None and not create and path.parent.is_dir() and not path.exists():
        raise ConfigError(
            f"no database at {path.resolve()} ({source}); set STORYBOT_DATABASE_URL to "
            f"the database to use, or {to_start.new}"
        )
    shown = str(path.resolve()) if path is not None else describe(parsed)
    script = migration_script()  # read once, for the check here and the upgrade's
    if path is not None and path.is_file():
        # without ``upgrade`` (health) an empty file is not started either: left as it is
        _refuse_unless_storybots(
            parsed, upgrade and start, f"the database {shown} ({source})", script, to_start
        )
    engine = make_engine(parsed, source=source, pool_size=pool_size, max_overflow=max_overflow)
    upgraded = None
    try:
        if upgrade:
            # a reader takes no write lock for a schema that is current: see upgrade_if_behind
            migrate = upgrade_to_head if writable else upgrade_if_behind
            upgraded = migrate(engine, start=start, script=script)
        else:
            with engine.connect():
                pass
        if writable and parsed.get_backend_name() == "sqlite":
            _probe_write(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise _open_error(exc, parsed, path, source) from exc
    except (NoStorybotSchema, NewerSchema) as exc:
        engine.dispose()
        raise ConfigError(_refusal(f"the database {shown} ({source})", exc, to_start)) from None
    except BaseException:
        engine.dispose()
        raise
    store = SqlStore(engine)
    if upgraded is not None and upgraded.changed:
        # an operator upgrading storybot sees that (and how far) the schema moved; a new
        # database's tables are no news (the demo's, the first `story add`'s)
        level = logging.INFO if upgraded.before else logging.DEBUG
        log.log(level, "database %s (%s): %s", shown, source, upgraded.describe())
        store.schema_upgrade = upgraded
    return store


def _open_error(
    exc: DBAPIError, parsed: URL, path: Path | None, source: str
) -> ConfigError | DatabaseUnavailable:
    """What a database error met while opening (or probing a write) tells the operator:
    one line, and whether it is worth trying again (:class:`DatabaseUnavailable`, exit
    75) or the configuration's to fix (:class:`ConfigError`, exit 2)."""
    reason = str(exc.orig).strip() or str(exc)
    # libpq's hint comes on a line of its own ("\tIs the server running ..."): one line
    reason = "; ".join(line.strip() for line in reason.splitlines() if line.strip())
    if path is not None and _is_write_failure(reason, path):
        return ConfigError(_cannot_write(path, reason, source, sqlite_read_only(parsed)))
    if "disk is full" in reason or "no space left on device" in reason.lower():
        reason += " (free some space; exit 75: a supervisor starts storybot again)"
    elif _sqlite_error(exc) in _SQLITE_NO_ROOM and path is not None:
        reason += (
            f" (SQLite could not make its shared-memory file {path.resolve()}-shm: "
            "is the disk full? free some space; exit 75: a supervisor starts "
            "storybot again)"
        )
    if "database is locked" in reason:
        reason += (
            f" (another process held its write lock for over {BUSY_TIMEOUT_MS // 1000} s; "
            "exit 75: worth trying again)"
        )
    if "timeout expired" in reason:
        reason += (
            " (no answer: is the server running, and are the host and port right? "
            "a slow network can add ?connect_timeout=SECONDS to the URL)"
        )
    error = (
        DatabaseUnavailable if database_unavailable(exc, parsed.get_backend_name()) else ConfigError
    )
    return error(f"cannot open the database {describe(parsed)} (from {source}): {reason}")


def check_store_writable(store: SqlStore, source: str = SETTING) -> None:
    """Check that ``store``'s SQLite file can be written now, as :func:`open_store` does
    for a command that writes (nothing for other databases).

    For a command opened to read (``writable=False``) that turns out to have something
    to write: a reading command adds the config file's declared stories and feeds that
    are missing, and only then needs the write lock.

    Raises:
        ConfigError: the file cannot be written (one line naming it and why).
        DatabaseUnavailable: another process held its write lock past the busy timeout,
            or the disk is full: worth trying again (exit 75).
    """
    engine = store.engine
    if engine.url.get_backend_name() != "sqlite":
        return
    try:
        _probe_write(engine)
    except DBAPIError as exc:
        raise _open_error(exc, engine.url, sqlite_file(engine.url), source) from exc


def _refuse_unless_storybots(
    url: URL,
    start: bool,
    database: str,
    script: ScriptDirectory | None = None,
    to_start: StartHint = START,
) -> None:
    """Refuse an existing SQLite file that :func:`upgrade_to_head` would refuse, before
    storybot's own connection settings touch it: they switch the file to WAL (kept in the
    file), which another application's database must be spared. The check is repeated in
    the migration's transaction, which decides when two processes start at once.

    Raises:
        ConfigError: the file holds other tables but no storybot schema, or none and not
            ``start`` (see :class:`NoStorybotSchema`), or it is at a revision these
            migrations do not have (see :class:`NewerSchema`): its ``__cause__``, what
            health reports. A file that cannot be read is left to the opening proper,
            which says why.
    """
    try:
        _check_plainly(url, start, script)
    except (NoStorybotSchema, NewerSchema) as exc:
        raise ConfigError(_refusal(database, exc, to_start)) from exc
    except DBAPIError:
        pass


def _refusal(
    database: str, exc: NoStorybotSchema | NewerSchema, to_start: StartHint = START
) -> str:
    """Why ``database`` is not opened, in one line: what it holds and what to do."""
    if isinstance(exc, NoStorybotSchema) and not exc.tables:
        return f"{database} {no_schema_reason(exc.tables, to_start.creates)}"
    then = (
        "; run that version, or restore the backup made before the upgrade"
        if isinstance(exc, NewerSchema) and exc.newer
        else ""  # the reason says it: a database of its own
    )
    return f"{database} {exc}{then}"


def _check_plainly(url: URL, start: bool, script: ScriptDirectory | None = None) -> None:
    """:func:`check_storybot_schema` on a connection of SQLAlchemy's defaults (no WAL)."""
    postgres = url.get_backend_name() == "postgresql"
    plain = create_engine(
        url,
        poolclass=NullPool,
        connect_args=pg_connect_defaults(url.query) if postgres else {},
    )
    use_driver_options(plain)
    try:
        with plain.connect() as connection:
            check_storybot_schema(connection, start=start, script=script)
    finally:
        plain.dispose()


def is_empty_database(url: str, source: str = SETTING) -> bool:
    """Whether ``url`` names an existing database that holds nothing (an empty SQLite
    file, a new PostgreSQL database): where a command that adds things would create
    storybot's tables, as in a missing SQLite file. Read without changing anything.

    False for a missing SQLite file, a storybot database, another application's, and one
    that cannot be opened or read now (opening it says why).
    """
    try:
        parsed = parse_url(url, source)
    except ConfigError:
        return False
    path = sqlite_file(parsed)
    if path is not None and unenterable_directory(path) is not None:
        return False
    if parsed.get_backend_name() != "postgresql" and (path is None or not path.is_file()):
        return False  # (in memory, or no such file: a connection could create it)
    try:
        _check_plainly(parsed, start=False)
    except NoStorybotSchema as exc:
        return not exc.tables
    except NewerSchema:  # a newer storybot's, or another Alembic-migrated application's
        return False
    except (SQLAlchemyError, ImportError):  # a driver missing, too: said when opened
        return False
    return False


# Why a PostgreSQL server cannot be reached now: worth trying again later. Anything else a
# connection attempt says (a bad sslmode, SSL required of a server without it, a refused
# password, no such role or database, no pg_hba.conf entry, a certificate, a message in a
# language not listed here) is the configuration's to fix: retrying forever cannot fix it.
#
# SQLSTATE first, where psycopg has one: an error after the connection was made (a server
# shutting down during the migration). libpq gives none for a failed connection attempt
# (psycopg's ``sqlstate`` is None then), so its words tell: libpq's and the C library's
# own (English: Python leaves LC_MESSAGES in the C locale), and the server's temporary
# refusals (57P03 cannot_connect_now, 53300 too_many_connections), which are in the
# server's language: a server set to another language that refuses for now is taken for
# a configuration error (exit 2; the operator starts storybot again), never the reverse.
_UNAVAILABLE_SQLSTATES = frozenset(
    {
        "08006",  # connection_failure
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now
        "53300",  # too_many_connections
        "53100",  # disk_full: the server's disk, not the configuration
    }
)
_CANNOT_REACH = (
    "connection refused",
    "timeout expired",  # libpq's connect_timeout, psycopg's "connection timeout expired"
    "connection timed out",
    "no route to host",
    "network is unreachable",
    "connection reset by peer",
    "server closed the connection unexpectedly",
    "could not translate host name",  # libpq's resolver
    "failed to resolve host",  # psycopg's resolver
    "temporary failure in name resolution",
    "name or service not known",  # no DNS yet at boot, as much as a mistyped host
    # an SSL connection cut mid-start-up (a managed server failing over or restarting)
    "ssl syscall error",
    "eof detected",
    "ssl connection has been closed unexpectedly",
    "unexpected eof",
)
# A local server not running: its Unix socket is not there.
_NO_SOCKET = re.compile(r'on socket "[^"]*" failed: no such file or directory')
_TEMPORARY_REFUSALS = (
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "the database system is not accepting connections",
    "too many clients already",
    "remaining connection slots are reserved",
    "no space left on device",  # the server's disk: freeing space fixes it
)


def database_unavailable(exc: DBAPIError, backend: str) -> bool:
    """Whether ``exc`` says the database server cannot be reached now, not that it refuses.

    Only known causes are: a PostgreSQL server that is not there (connection refused, no
    answer in time, no route, the connection cut, no Unix socket, a host name that does
    not resolve, perhaps not yet) or says it cannot take a connection for now (starting
    up, shutting down, in recovery, too many clients). Everything else is the
    configuration's to fix (see ``_CANNOT_REACH``). A SQLite file is never unavailable:
    what fails there is the file's to fix, except a full disk (freeing space fixes it;
    see ``_SQLITE_NO_ROOM``) and a write lock another process held past the busy timeout
    (a long write of some other program on the file): a supervisor must then start storybot again (exit 2
    would stop it for good, as the example systemd units do), as a running service
    recovers by itself.
    """
    if backend == "sqlite":
        reason = str(exc.orig).lower()
        return (
            "database or disk is full" in reason
            or "database is locked" in reason
            or _sqlite_error(exc) in _SQLITE_NO_ROOM
        )
    if backend != "postgresql" or not isinstance(exc, OperationalError):
        return False
    return exc.orig is not None and postgres_unavailable(exc.orig)


def postgres_unavailable(error: BaseException) -> bool:
    """:func:`database_unavailable` for PostgreSQL, of the driver's own error (psycopg's
    ``OperationalError`` as a connection attempt raises it)."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return sqlstate in _UNAVAILABLE_SQLSTATES
    reason = str(error).lower()
    return (
        any(cause in reason for cause in _CANNOT_REACH)
        or _NO_SOCKET.search(reason) is not None
        or any(refusal in reason for refusal in _TEMPORARY_REFUSALS)
    )


# SQLite's extended result codes for a file that could not grow: SQLITE_FULL ("database or
# disk is full", a write to the database or its WAL) and SQLITE_IOERR_SHMSIZE (a mere "disk
# I/O error": the WAL's shared-memory ``-shm`` file could not be enlarged). The second is
# what a full disk gives at start when the last process closed the database cleanly: SQLite
# removed the ``-shm`` file then, and opening the database must make it again (32 KiB).
_SQLITE_NO_ROOM = frozenset({"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE"})


def _sqlite_error(exc: DBAPIError) -> str:
    """SQLite's extended result code name of ``exc`` ("SQLITE_IOERR_SHMSIZE"), or ""
    (another driver's error). ``sqlite3`` gives it since Python 3.11."""
    return str(getattr(exc.orig, "sqlite_errorname", "") or "")


def _probe_write(engine: Engine) -> None:
    """Rewrite SQLite's ``user_version`` with its own value: a write that changes nothing.

    SQLite opens a file it may not write read-only without a word, and the migration
    writes nothing when the schema is current, so this is the first write that can fail.
    ``BEGIN IMMEDIATE``, as every write of the store's: a transaction that began by
    reading gets no busy timeout when it comes to write (SQLite fails it at once).
    """
    with engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}).begin() as connection:
        version = int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
        connection.exec_driver_sql(f"PRAGMA user_version = {version}")


def _is_write_failure(reason: str, path: Path) -> bool:
    if "readonly database" in reason or "read-only" in reason:
        return True
    # A new file in a directory we may not write: SQLite only says "unable to open".
    return "unable to open database file" in reason and unwritable_reason(path) is not None


def check_sqlite_writable(url: URL, source: str = SETTING) -> None:
    """Refuse a SQLite file this process cannot write, as far as the file system tells
    (:func:`storage.engine.unwritable_reason`); nothing for other databases.

    Opening the database for a command that writes refuses it too, in the same words, but
    only once SQLite has failed; a command with slow work to do before it opens the
    database (``story add`` reading and fetching its seeds) checks it first.

    Raises:
        ConfigError: naming the file, ``source`` and why it cannot be written.
    """
    path = sqlite_file(url)
    read_only = sqlite_read_only(url)
    reason = unwritable_reason(path) if path is not None else None
    if path is not None and (reason is not None or read_only is not None):
        raise ConfigError(_cannot_write(path, reason or "", source, read_only))


def _cannot_write(path: Path, reason: str, source: str, read_only: str | None = None) -> str:
    """Why the file cannot be written: its URL's read-only parameter, what the file system
    tells, else SQLite's own words."""
    why = (
        f"its URL opens it read-only ({read_only}); drop {read_only} for a command that writes"
        if read_only is not None
        else unwritable_reason(path) or f"SQLite says: {reason}"
    )
    return f"cannot write the database file {path.resolve()} ({source}): {why}"
