"""Engine creation: URL checks, driver mapping and SQLite connection settings.

SQLite gets WAL (readers never block the writer), ``foreign_keys=ON`` (the schema relies
on ON DELETE CASCADE / SET NULL) and a ``busy_timeout``. The stdlib driver's legacy
transaction handling does not BEGIN before a SELECT, so a read-then-write method could
see two snapshots; we take over BEGIN ourselves (the recipe in SQLAlchemy's SQLite docs)
and use ``BEGIN IMMEDIATE`` for write transactions so that two writers queue on the
busy timeout instead of failing when one upgrades its read lock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import asbool

from bot.errors import ConfigError
from bot.render import shown_url_query
from bot.toml_text import toml_value

SETTING = "STORYBOT_DATABASE_URL"
BUSY_TIMEOUT_MS = 10_000
# libpq waits 130 s (psycopg's default) for a server that accepts the connection but never
# answers (a firewall, a wrong port, a host that is down); a URL's own ?connect_timeout=
# takes precedence.
PG_CONNECT_TIMEOUT_S = 10
# A network cut that drops packets without a reset (a firewall, a failed link) is noticed
# in about 30 s, not after the kernel's 15 minutes of retransmissions during which a query,
# a job-queue call or a lock check would hang: TCP keepalives while a connection idles, and
# a user timeout for data left unacknowledged. libpq's parameters; a URL's own win.
PG_CLIENT_TCP = {
    "keepalives": 1,
    "keepalives_idle": 15,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # ms that sent data may stay unacknowledged
}


def pg_connect_defaults(query: Mapping[str, object]) -> dict[str, object]:
    """libpq parameters every storybot connection to PostgreSQL gets, each unless the
    URL's ``query`` sets it: ``connect_timeout`` (:data:`PG_CONNECT_TIMEOUT_S`) and the
    keepalives of :data:`PG_CLIENT_TCP`."""
    defaults = {"connect_timeout": PG_CONNECT_TIMEOUT_S, **PG_CLIENT_TCP}
    return {name: value for name, value in defaults.items() if name not in query}


BEGIN_OPTION = "storybot_begin"  # execution option: "IMMEDIATE" for write transactions
# ?prepare_threshold= in a PostgreSQL URL: psycopg's setting of that name, which libpq does
# not know. psycopg prepares a statement on the server after 5 executions; behind a pooler
# in transaction mode (PgBouncer before 1.21, or without max_prepared_statements) the next
# transaction may run on another server connection, where that statement does not exist or
# is another one ("prepared statement ... does not exist / already exists", "bind message
# supplies 5 parameters"). ``none`` turns prepares off.
PREPARE_OPTION = "prepare_threshold"
# The store's pool on a database server: connections kept open, and how many more it may
# open while they are all in use (closed again when returned). SQLAlchemy's own defaults;
# ``[database] pool_size`` and ``max_overflow`` change them. A SQLite file has no server to
# spare (its writers queue on the file lock): its pool is left as SQLAlchemy makes it.
POOL_SIZE = 5
MAX_OVERFLOW = 10


def parse_url(url: str | URL, source: str = SETTING) -> URL:
    """Parse and normalise a database URL.

    ``postgresql://`` and ``postgres://`` URLs are mapped to the psycopg (v3) driver.

    Args:
        url: the URL.
        source: where the URL came from, named in errors (``Settings.database_source``):
            the env var, a config file's ``[database] url`` or the default.

    Raises:
        ConfigError: the URL cannot be parsed; the message names ``source``.
    """
    if isinstance(url, URL):
        return _with_driver(
            _sqlite_query_checked(_sqlite_file_checked(url, source), source), source
        )
    if not url or not url.strip():
        raise ConfigError(f"{source} is empty; give an SQLAlchemy URL like sqlite:///storybot.db")
    text = url.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise ConfigError(
            f"{source} is not a valid database URL ({exc}); expected e.g. "
            "sqlite:///storybot.db or postgresql://user@host/dbname"
        ) from None
    except ValueError:
        # SQLAlchemy reads the port with int(): "host:/db" or "host:5432x" end up here.
        # The URL itself is not echoed: it may hold a password.
        raise ConfigError(
            f"{source} is not a valid database URL (the port after the host is not a "
            "number); expected e.g. postgresql://user@host:5432/dbname"
        ) from None
    return _with_driver(_sqlite_query_checked(_sqlite_file_checked(parsed, source), source), source)


def _sqlite_file_checked(url: URL, source: str) -> URL:
    """Refuse a SQLite URL with a host: a file written after two slashes, not three.

    ``sqlite://storybot.db`` is the usual slip for ``sqlite:///storybot.db``; SQLAlchemy
    takes ``storybot.db`` for a host, which SQLite has none of (and no database: it is not
    the in-memory ``sqlite://`` either).

    Raises:
        ConfigError: naming ``source`` and the URL that was meant.
    """
    if url.get_backend_name() != "sqlite" or not url.host:
        return url
    path = url.host + (f"/{url.database}" if url.database else "")
    meant = f"{url.drivername}:///{path}"
    raise ConfigError(
        f"{source} ({toml_value(describe(url))}) is not a valid SQLite URL: a SQLite file "
        f"needs three slashes: {meant} (a path from the working directory; four for a full "
        "path, e.g. sqlite:////var/lib/storybot/storybot.db)"
    )


# What pysqlite (Python's sqlite3) takes from a SQLite URL's query, as SQLAlchemy reads it;
# any other parameter is one of SQLite's own URI parameters (mode=ro, cache=shared, ...)
_PYSQLITE_OPTIONS = frozenset(
    {"uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements"}
)


def _sqlite_query_checked(url: URL, source: str) -> URL:
    """Refuse a SQLite URL whose URI parameters (``?mode=ro``) would not do what they say.

    SQLite reads its own parameters only from a ``file:`` URI opened with ``uri=true``
    (``sqlite:///file:/var/lib/storybot.db?mode=ro&uri=true``). Without ``uri=true``,
    SQLAlchemy drops them with a warning, so ``?mode=ro`` would quietly open the file for
    writing; with ``uri=true`` but a plain path, SQLite takes the whole ``path?mode=ro``
    for a file name and creates that file, so storybot would check one file and store its
    data in another.

    Raises:
        ConfigError: naming ``source``, the parameters and the URL that was meant.
    """
    if url.get_backend_name() != "sqlite" or _is_memory_sqlite(url):
        return url
    own = sorted(set(url.query) - _PYSQLITE_OPTIONS)
    database = url.database or ""
    uri = _uri_on(url)
    a_uri = database.startswith("file:")
    if (not own and not a_uri) or (a_uri and uri):
        return url
    params = "&".join(f"{key}={url.query[key]}" for key in own)
    path = database.removeprefix("file:")
    kept = "".join(f"{key}={value}&" for key, value in url.query.items() if key != "uri")
    meant = f"{url.drivername}:///file:{path}?{kept}uri=true"
    named = " and ".join(own)
    if a_uri and not own:
        why = (
            f"a file: URI is read as one only with uri=true (SQLite would open a file named "
            f"{toml_value(database)})"
        )
        if not path.startswith("//") and "%" not in path:  # a plain path says the same
            plain = f"{url.drivername}:///{path}" + (f"?{kept[:-1]}" if kept else "")
            meant += f" (or {plain})"
    elif a_uri:
        why = f"a file: URI is read as one only with uri=true ({named} would be ignored)"
    elif uri:
        why = (
            f"with uri=true and a plain path, SQLite would open a file named "
            f"{toml_value(f'{path}?{params}')}, not {toml_value(path)}"
        )
    else:
        them = "it" if len(own) == 1 else "they"
        why = f"SQLite reads {named} only from a file: URI with uri=true ({them} would be ignored)"
    shown = toml_value(describe(url))
    raise ConfigError(
        f"{source} ({shown}) is not a SQLite URL storybot can use as written: {why}; "
        f"write it as {meant}"
    )


def _uri_on(url: URL) -> bool:
    """Whether the URL's ``uri`` option is true, as SQLAlchemy reads it (a value it cannot
    read as a yes or no is left for it to refuse: false here)."""
    try:
        return bool(asbool(url.query.get("uri", False)))
    except ValueError:
        return False


def prepare_threshold(url: URL, source: str = SETTING) -> int | None | bool:
    """The URL's ``?prepare_threshold=`` for psycopg: a number, None (``none``: never
    prepare), or False when the URL does not set it (psycopg's default, 5).

    Raises:
        ConfigError: the value is neither ``none`` nor a whole number >= 0.
    """
    if PREPARE_OPTION not in url.query:
        return False
    value = url.query[PREPARE_OPTION]
    if isinstance(value, tuple):  # given twice: the last one, as libpq reads its options
        value = value[-1]
    word = value.strip().lower()
    if word == "none":
        return None
    if word.isdigit():
        return int(word)
    raise ConfigError(
        f"{source}: ?{PREPARE_OPTION}={value} is not valid; use ?{PREPARE_OPTION}=none "
        "behind a pooler in transaction mode (PgBouncer), or a number of executions"
    )


def driver_options(url: URL) -> dict[str, Any]:
    """psycopg's connection options that the URL sets but libpq does not know (see
    ``PREPARE_OPTION``): ``{"prepare_threshold": None}``, say, or empty."""
    threshold = prepare_threshold(url)
    return {} if threshold is False else {PREPARE_OPTION: threshold}


def use_driver_options(engine: Engine) -> None:
    """Have ``engine``'s psycopg connections take the URL's ``?prepare_threshold=``.

    SQLAlchemy passes a URL's query on to ``psycopg.connect`` as text; this turns the
    option into the number or None that psycopg expects (checked by :func:`parse_url`).
    """
    if engine.url.get_backend_name() != "postgresql" or PREPARE_OPTION not in engine.url.query:
        return
    options = driver_options(engine.url)

    @event.listens_for(engine, "do_connect")
    def _on_connect(_dialect: Any, _record: Any, _args: Any, cparams: dict[str, Any]) -> None:
        cparams.update(options)


def _with_driver(url: URL, source: str) -> URL:
    if url.get_backend_name() == "postgresql":
        prepare_threshold(url, source)  # refused here, before anything connects
    if url.drivername == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    return url


def describe(url: URL) -> str:
    """The URL as text with any password hidden, for messages and logs: the user info's,
    and a credential's in the query (libpq reads ``?password=`` and ``?sslpassword=``
    there too, and SQLAlchemy hands them to the driver), as ``bot.render`` hides a feed
    URL's key."""
    head, mark, query = url.render_as_string(hide_password=True).partition("?")
    if url.get_backend_name() == "sqlite":  # SQLAlchemy escapes a file: URI's colons
        head = head.replace("%3A", ":")
    return head + mark + shown_url_query(query)


def _is_memory_sqlite(url: URL) -> bool:
    database = url.database or ""
    if database in ("", ":memory:") or "mode=memory" in database:
        return True
    # a file: URI (read as one only with uri=true) in memory: file::memory: or ?mode=memory
    return (
        database.startswith("file:")
        and _uri_on(url)
        and (url.query.get("mode") == "memory" or _uri_path(database) == ":memory:")
    )


def _uri_path(database: str) -> str:
    """The file a SQLite ``file:`` URI names, as SQLite reads it (its query is apart already,
    in the URL's): after ``file:``, an empty or ``localhost`` authority is dropped
    (``file:///var/x.db``, ``file://localhost/var/x.db``), the path ends at a ``#`` and
    its ``%HH`` escapes are decoded. ``file:x.db`` is relative to the working directory."""
    rest = database.removeprefix("file:").partition("#")[0]
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        # SQLite refuses any other authority when it opens the URI
        rest = slash + path if authority in ("", "localhost") else rest
    return unquote(rest)


def sqlite_memory_url(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite database (``sqlite://``, ``:memory:``)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return False
    # a host is a file written after two slashes (sqlite://storybot.db): parse_url refuses it
    return parsed.get_backend_name() == "sqlite" and not parsed.host and _is_memory_sqlite(parsed)


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None (not SQLite, or in memory).

    A ``file:`` URI opened as one (``sqlite:///file:/var/lib/storybot.db?mode=ro&uri=true``)
    names its file as SQLite reads it (see :func:`_uri_path`): the poller lock, the
    write checks and ``storybot health`` look at the file the connection opens, so two
    services on one file are refused whichever way each URL writes it.
    """
    if url.get_backend_name() != "sqlite" or _is_memory_sqlite(url):
        return None
    database = url.database or ""
    if database.startswith("file:") and _uri_on(url):
        return Path(_uri_path(database))
    return Path(database)


def sqlite_other_names(url: URL) -> int:
    """How many other names (hard links) the file of a SQLite URL has: 0 for one name, no
    file yet, in memory or not SQLite.

    SQLite keeps a database's journal and WAL beside the name a process opened (it
    resolves a symbolic link first, a hard link it cannot tell), so two processes opening
    one file by two names keep two journals, and a crash of one can corrupt it; storybot's
    poller lock file sits beside the name too (:mod:`storage.poller_lock`), so a second
    poller started through another name is not refused.
    """
    path = sqlite_file(url)
    if path is None:
        return 0
    try:
        return max(0, path.stat().st_nlink - 1)
    except OSError:
        return 0


def hard_link_risk(others: int) -> str:
    """What a SQLite file with ``others`` more names (see :func:`sqlite_other_names`)
    risks, and what to do: ``storybot health``'s warning and the poller lock's say it
    alike."""
    names = "another name" if others == 1 else f"{others} other names"
    return (
        f"its file has {names} (a hard link): SQLite keeps a journal beside each name a "
        "process opens it by, so processes using different names can corrupt it, and "
        "storybot's poller lock does not see a poller started through another name; keep "
        "one name (a symbolic link is safe: it is resolved to the file)"
    )


# SQLite URI parameters that open a file for reading only
_READ_ONLY_PARAMETERS = (("mode", "ro"), ("immutable", "1"))


def sqlite_read_only(url: URL) -> str | None:
    """The parameter of a SQLite ``file:`` URI that opens its file read-only (``mode=ro``,
    ``immutable=1``), or None: SQLite takes its write lock through such a connection all
    the same, and only its first write fails."""
    if sqlite_file(url) is None or not (url.database or "").startswith("file:"):
        return None
    for key, value in _READ_ONLY_PARAMETERS:
        if str(url.query.get(key, "")).lower() == value:
            return f"{key}={value}"
    return None


def unenterable_directory(path: Path) -> Path | None:
    """The directory on the way to ``path`` this process may not enter, or None.

    Looking a name up in a directory takes its search (``x``) permission: without it
    nothing can tell whether the file (or a directory below) exists, and ``Path.exists()``
    raises ``PermissionError`` instead of answering. Only a lookup that was refused is
    explained (permission bits alone may not tell: root, ACLs); the first directory from
    the root that may not be searched is named, else the file's own.
    """
    try:
        os.stat(path)
    except PermissionError:
        pass
    except (OSError, ValueError):  # missing, a loop, a NUL...: said by what follows
        return None
    else:
        return None
    real = path.resolve()  # (non-strict: stops resolving where it may not look)
    for directory in reversed(real.parents):  # from the root down
        if not os.access(directory, os.X_OK):
            return directory
    return real.parent


def cannot_enter(path: Path, directory: Path, source: str = SETTING) -> str:
    """One line: the SQLite file ``path`` is out of reach behind ``directory``."""
    real = path.resolve()
    where = "its directory" if directory == real.parent else "the directory"
    return (
        f"cannot open the database file {real} ({source}): {where} {directory} cannot be "
        "entered by this user (it lacks search permission, x); give this user access to "
        "it, or choose another path"
    )


def unwritable_reason(path: Path) -> str | None:
    """Why the SQLite file ``path`` cannot be written, as far as the file system tells.

    SQLite writes the file and, next to it, its ``-wal``/``-shm`` (or journal) files, so
    the directory must be writable too. None when nothing visible is wrong (running as
    root, say, where permission bits do not apply).
    """
    blocked = unenterable_directory(path)
    if blocked is not None:
        return f"the directory {blocked} cannot be entered by this user (no search permission)"
    directory = path.parent.resolve()
    try:
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only for this user"
    if directory.is_dir() and not os.access(directory, os.W_OK):
        return (
            f"its directory {directory} is not writable for this user "
            "(SQLite keeps its journal files next to the database)"
        )
    return None


def check_sqlite_enterable(url: URL, source: str = SETTING) -> None:
    """Refuse a SQLite file behind a directory this process may not enter (see
    :func:`unenterable_directory`); nothing for other databases. Checked before anything
    looks at the file, which would fail with a traceback otherwise.

    Raises:
        ConfigError: naming the file, ``source`` and the directory.
    """
    path = sqlite_file(url)
    blocked = unenterable_directory(path) if path is not None else None
    if path is not None and blocked is not None:
        raise ConfigError(cannot_enter(path, blocked, source))


def check_sqlite_directory(url: URL, source: str = SETTING) -> None:
    """Refuse a SQLite file whose directory does not exist or may not be entered (nothing
    for other databases).

    SQLite creates a missing database file, which is how a first start works
    (``sqlite:///storybot.db`` in the working directory). A missing *directory* is almost
    always a mistyped path, and quietly creating it with an empty database looks like lost
    data to the operator, so it is an error naming the directory. Opening the database
    checks it (:func:`make_engine`, and :func:`storage.open_store` before it looks at the
    file); a command with slow work to do before it opens the database (``story add``
    reading its seeds) checks it first.

    Raises:
        ConfigError: naming ``source`` and the directory.
    """
    path = sqlite_file(url)
    if path is None:
        return
    check_sqlite_enterable(url, source)
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        # sqlite:///tmp/x.db is tmp/x.db in the working directory: an absolute path takes
        # four slashes, which a path meant from the root almost always lacks
        rooted = Path("/", parent)
        hint = (
            f" (a path from the root takes four slashes: sqlite:////{url.database})"
            if not parent.is_absolute()
            and rooted.is_dir()
            and not (url.database or "").startswith("file:")
            else ""
        )
        raise ConfigError(
            f"{source}: the directory {parent} for the SQLite database {what}; "
            f"check the path, or create the directory first{hint}"
        )


def make_engine(
    url: str | URL,
    *,
    source: str = SETTING,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    **kwargs: Any,
) -> Engine:
    """Create an engine for ``url`` with storybot's connection settings.

    Args:
        url: any SQLAlchemy URL (string or parsed).
        source: where the URL came from, named in errors (see :func:`parse_url`).
        pool_size: connections the engine keeps open to a database server (not SQLite);
            at least 1 (0 is no limit to SQLAlchemy).
        max_overflow: connections it may open beyond ``pool_size`` while all are in use;
            at most ``pool_size + max_overflow`` are open at once. A caller wanting one
            more waits for one to be returned (SQLAlchemy's ``pool_timeout``, 30 s, then
            ``sqlalchemy.exc.TimeoutError``).
        **kwargs: passed on to :func:`sqlalchemy.create_engine`.

    Raises:
        ConfigError: bad URL or unknown/missing database driver.
    """
    parsed = parse_url(url, source)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        check_sqlite_directory(parsed, source)
        if _is_memory_sqlite(parsed):
            # One shared connection, or every session would see its own empty database.
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
    else:
        if pool_size < 1 or max_overflow < 0:  # SQLAlchemy reads 0 and -1 as "no limit"
            raise ValueError(f"pool_size {pool_size} / max_overflow {max_overflow}: no cap")
        if "poolclass" not in kwargs:  # (a NullPool of the caller's takes neither)
            kwargs.setdefault("pool_size", pool_size)
            kwargs.setdefault("max_overflow", max_overflow)
        kwargs.setdefault("pool_pre_ping", True)
        if parsed.get_backend_name() == "postgresql":
            connect_args = dict(kwargs.get("connect_args") or {})
            for name, value in pg_connect_defaults(parsed.query).items():
                connect_args.setdefault(name, value)
            kwargs["connect_args"] = connect_args
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"{source} ({toml_value(describe(parsed))}) names an unknown database or a "
            f"driver that is not installed ({exc}); use sqlite:///PATH or "
            "postgresql://USER@HOST/DB"
        ) from None
    except ArgumentError as exc:
        raise ConfigError(
            f"{source} ({toml_value(describe(parsed))}) is not usable: {exc}"
        ) from None
    if is_sqlite:
        _configure_sqlite(engine, wal=not _is_memory_sqlite(parsed))
    use_driver_options(engine)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
