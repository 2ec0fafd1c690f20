"""Copy a storybot database into an empty one: SQLite to PostgreSQL (or the other way).

A team that started on the embedded SQLite file and outgrows it (scale-out workers need
PostgreSQL) moves its stories, feeds, items, judgements, developments, engine state,
follows, subscriptions and outbox as they are, so that the new database carries on where
the old one stopped: no report alerted twice, no ``#ID`` handed out again.

How, and why so:

* Both databases must be at this storybot's schema revision: the source is only read
  (an older one is upgraded first by ``storybot db-upgrade``, a newer one belongs to a
  newer storybot), and the target is an empty database (no tables: they are created here)
  or one holding storybot's tables and no row (a worker started there saves the statistics
  of no item by itself: that row is replaced). A target holding anything is refused: a
  merge would clash on ids, and a half-filled target is what a failed copy must never leave.
* Rows go through the models' column types (:mod:`storage.models`), not as raw values:
  SQLite keeps a timestamp as naive UTC text and a boolean as 0/1, PostgreSQL as
  ``timestamptz`` and ``boolean``; JSON documents (engine state, reasons, messages) are
  read into Python and written back, which keeps every value (``json`` round-trips
  floats exactly). Tables go in foreign-key order, each in primary-key order, in batches
  (at most :data:`BATCH_ROWS` rows or about :data:`BATCH_BYTES` of text each), so a store
  of a million items is never held in memory.
* The whole copy is one transaction on the target: the rows, the id counters
  (PostgreSQL's sequences; SQLite's ``sqlite_sequence`` for the AUTOINCREMENT tables) and
  a count of every table against the source's, checked before the commit. Whatever fails,
  nothing is committed: the target keeps storybot's tables and no row, and the same
  command runs again.
* The source is read in one snapshot (SQLite: a write transaction, ``BEGIN IMMEDIATE``,
  so no other process writes the file until the copy ends: a ``storybot ask`` that
  would store something waits, then fails loudly rather than being lost; PostgreSQL: a
  ``REPEATABLE READ`` read-only transaction). A process polling the source (``storybot
  run``, ``poll --once``, workers) is refused through the poller lock
  (:mod:`storage.poller_lock`), which the copy holds on both databases while it runs; on
  PostgreSQL the other sessions connected to the source database (a ``storybot run
  --no-scheduler`` front end takes no poller lock) are named and refused unless the
  caller says they only read.
* Counters: a new id must follow the copied ones, and must not be one handed out before
  and deleted since (stories, feeds, subscriptions and outbox ids are quoted and kept in
  keys: ``storage.models``). So each sequence is set past the largest of the copied ids
  and the source's own counter (SQLite's ``sqlite_sequence``, PostgreSQL's sequence).
* Tables the models do not have (procrastinate's job queue, Alembic's version table) are
  not copied: the target's Alembic revision is set by its own migration, and workers
  create the job tables they need. Other unknown tables are named in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bot.errors import ConfigError, DatabaseUnavailable, UserError
from storage import database_unavailable
from storage.engine import (
    BEGIN_OPTION,
    describe,
    make_engine,
    parse_url,
    pg_connect_defaults,
    sqlite_file,
    unwritable_reason,
    use_driver_options,
)
from storage.migrate import (
    NewerSchema,
    NoStorybotSchema,
    check_storybot_schema,
    migration_script,
    upgrade_to_head,
)
from storage.models import Base, EngineBackgroundRow
from storage.poller_lock import PollerBusy, poller_lock

# A batch: at most this many rows, or about this much text (an item can carry 300 kB of
# summary, body and page text; 1,000 such rows would be 300 MB held at once)
BATCH_ROWS = 1000
BATCH_BYTES = 8 * 1024 * 1024

# not storybot's rows: Alembic's revision (the target's own migration sets it), the job
# queue's tables (procrastinate's: workers make them), SQLite's AUTOINCREMENT counters
_NOT_COPIED_PREFIXES = ("procrastinate_",)
_NOT_COPIED = frozenset({"alembic_version", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})

WHAT = "storybot db-copy"


class CopyFailed(UserError):
    """The copy stopped; nothing was committed to the target (exit 1)."""


@dataclass(frozen=True)
class TableCopied:
    """One table copied: its rows, and the next id a new row gets there (None: the table
    has no id counter)."""

    name: str
    rows: int
    next_id: int | None = None


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_database` did."""

    source: str
    target: str
    revision: str
    created_tables: bool  # the target was empty: its tables were made first
    tables: tuple[TableCopied, ...]
    not_copied: tuple[str, ...] = ()  # tables of the source no storybot model has
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


# (table, rows done, rows in the table, tables done before it, tables in all)
CopyProgress = Callable[[str, int, int, int, int], None]


@dataclass
class _Database:
    url: URL
    name: str  # for messages: "the source database sqlite:///..."
    source: str  # where its URL came from: "--to", "STORYBOT_DATABASE_URL"...
    engine: Engine | None = None
    revision: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    held: list[tuple[str, int]] = field(default_factory=list)  # storybot's tables with rows

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()


def copy_database(
    source: str | URL,
    target: str | URL,
    *,
    source_from: str,
    target_from: str = "--to",
    other_sessions_ok: bool = False,
    progress: CopyProgress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> CopyReport:
    """Copy every storybot table of ``source`` into the empty database ``target``.

    Args:
        source: The database to copy (read only).
        target: An empty database: no tables (storybot's are created first), or
            storybot's tables at any revision of this storybot's and no row.
        source_from: Where ``source`` came from (``STORYBOT_DATABASE_URL``, ``--from``...),
            named in errors.
        target_from: Where ``target`` came from.
        other_sessions_ok: On a PostgreSQL source, go ahead although other sessions are
            connected to its database (the caller knows they only read).
        progress: Called after each batch (see :data:`CopyProgress`).
        batch_rows: Rows per batch at most.

    Returns:
        What was copied.

    Raises:
        ConfigError: Either database cannot be used: a URL, a missing SQLite file, not a
            storybot database, another revision than this storybot's, the same database
            twice, a target holding rows.
        UserError: Another process uses the source (see the module's doc).
        CopyFailed: The copy itself failed; nothing was committed to the target.
        DatabaseUnavailable: A server cannot be reached.
    """
    began = time.monotonic()
    src = _Database(parse_url(source, source_from), "", source_from)
    dst = _Database(parse_url(target, target_from), "", target_from)
    src.name = f"the source database {describe(src.url)} ({source_from})"
    dst.name = f"the target database {describe(dst.url)} ({target_from})"
    _refuse_same(src, dst)
    path = sqlite_file(src.url)
    if src.backend == "sqlite" and (path is None or not path.is_file()):
        where = path.resolve() if path is not None else "in memory"
        raise ConfigError(
            f"no database to copy at {where} ({source_from}): give the database to copy "
            "with --from URL or STORYBOT_DATABASE_URL"
        )
    script = migration_script()
    head = tuple(script.get_heads())
    with ExitStack() as stack:
        # read plainly first: storybot's settings would switch another application's
        # SQLite file to WAL (see storage.open_store)
        _check_source(src, head, script)
        _check_target(dst, head, script)
        src.engine = stack.enter_context(_engine(src))
        dst.engine = stack.enter_context(_engine(dst))
        if src.backend == "postgresql" and not other_sessions_ok:
            _refuse_other_sessions(src)
        stack.enter_context(_poller_locks(src, dst))
        created = not dst.revision
        # an empty target at storybot's revision: its own migration (in one transaction)
        try:
            upgrade_to_head(dst.engine, start=True, script=script)
        except DBAPIError as exc:
            raise _cannot_open(dst, exc) from None
        tables, not_copied = _copy(src, dst, progress, batch_rows)
    return CopyReport(
        source=src.name,
        target=dst.name,
        revision=", ".join(head),
        created_tables=created,
        tables=tables,
        not_copied=not_copied,
        seconds=time.monotonic() - began,
    )


def _refuse_same(src: _Database, dst: _Database) -> None:
    a, b = sqlite_file(src.url), sqlite_file(dst.url)
    same = (
        a.resolve() == b.resolve()
        if a is not None and b is not None
        else describe(src.url) == describe(dst.url)
    )
    if same:
        raise ConfigError(
            f"{dst.name} is the database to copy: give another, empty database with --to"
        )


@contextmanager
def _engine(db: _Database) -> Iterator[Engine]:
    """An engine on ``db`` with storybot's connection settings (a small pool: the copy
    holds one connection, the checks another)."""
    engine = make_engine(db.url, source=db.source, pool_size=2, max_overflow=2)
    try:
        yield engine
    finally:
        engine.dispose()


def _storybot_tables() -> list[Table]:
    """The models' tables, parents before the tables referring to them."""
    return list(Base.metadata.sorted_tables)


def _read_schema(db: _Database, script: Any, *, start: bool) -> None:
    """Read ``db``'s revision and tables on a connection of SQLAlchemy's defaults (a
    SQLite file is not switched to WAL), refusing a database that is not storybot's (or
    not empty, with ``start``) or at a revision these migrations do not have."""
    path = sqlite_file(db.url)
    if path is not None and not path.exists():
        return  # a new SQLite file (the target): made by its migration, once all is checked
    postgres = db.backend == "postgresql"
    plain = create_engine(
        db.url,
        poolclass=NullPool,
        connect_args=pg_connect_defaults(db.url.query) if postgres else {},
    )
    use_driver_options(plain)
    try:
        with plain.connect() as conn:
            db.revision = check_storybot_schema(conn, start=start, script=script)
            db.tables = tuple(inspect(conn).get_table_names())
            db.held = _rows_held(conn, db.tables)
    except (NoStorybotSchema, NewerSchema) as exc:
        then = (
            "; copy it with that storybot"
            if isinstance(exc, NewerSchema) and exc.newer and not start
            else ""
        )
        raise ConfigError(f"{db.name} {exc}{then}") from None
    except DBAPIError as exc:
        raise _cannot_open(db, exc) from None
    finally:
        plain.dispose()


def _reason(exc: DBAPIError) -> str:
    """The driver's error on one line (libpq's hints come on lines of their own)."""
    return "; ".join(line.strip() for line in str(exc.orig or exc).splitlines() if line.strip())


def _cannot_open(db: _Database, exc: DBAPIError) -> ConfigError | DatabaseUnavailable:
    """Why ``db`` cannot be used: exit 75 where it may pass (a server down), else 2."""
    error = DatabaseUnavailable if database_unavailable(exc, db.backend) else ConfigError
    return error(f"cannot open {db.name}: {_reason(exc)}")


def _check_source(src: _Database, head: tuple[str, ...], script: Any) -> None:
    """Refuse a source that is not a storybot database at this storybot's revision."""
    _read_schema(src, script, start=False)
    if set(src.revision) != set(head):
        raise ConfigError(
            f"{src.name} is at schema revision {', '.join(src.revision)}, this storybot's is "
            f"{', '.join(head)}: upgrade it first, with the service stopped "
            "(storybot db-upgrade, with STORYBOT_DATABASE_URL naming it), then copy it"
        )


def _check_target(dst: _Database, head: tuple[str, ...], script: Any) -> None:
    """Refuse a target that holds anything: rows in storybot's tables, or other tables."""
    _read_schema(dst, script, start=True)
    if not dst.revision:
        return  # empty: no table at all (the job queue's may be there: they are left alone)
    held = dst.held
    if held:
        shown = ", ".join(f"{name} ({n:,} row{'' if n == 1 else 's'})" for name, n in held[:5])
        more = f" and {len(held) - 5} more tables" if len(held) > 5 else ""
        raise ConfigError(
            f"{dst.name} is not empty: {shown}{more}. db-copy copies into an empty database "
            "only (nothing is merged): create a new one (createdb, or a new SQLite file), "
            "or empty this one (dropdb and createdb) if what it holds may go"
        )


def _rows_held(conn: Connection, present: tuple[str, ...]) -> list[tuple[str, int]]:
    """Storybot's tables among ``present`` holding rows, with how many (the statistics of
    no item a worker saves by itself are no row of the operator's: see :func:`_vacant`)."""
    held = []
    for table in _storybot_tables():
        if (
            table.name in present
            and conn.execute(select(1).select_from(table).limit(1)).first() is not None
            and not _vacant(conn, table)
        ):
            held.append((table.name, _count(conn, table)))
    return held


_BACKGROUND = cast(Table, EngineBackgroundRow.__table__)


def _vacant(conn: Connection, table: Table) -> bool:
    """Whether ``table`` holds only what storybot saves in a database nothing was stored in.

    A scale-out worker's periodic background job saves the stream statistics of the items
    stored so far even when there are none (``engine_background``: ``n_docs`` 0, through
    item id 0), so the database the README's scale-out steps made (created, upgraded, the
    workers started) was refused as "not empty" by the move of an installation into it.
    Such a row says nothing the copied one does not: the copy replaces it.
    """
    if table is not _BACKGROUND:
        return False
    rows = conn.execute(select(table.c.state, table.c.observed_through)).all()
    return all(through == 0 and not (state or {}).get("n_docs") for state, through in rows)


@contextmanager
def _poller_locks(src: _Database, dst: _Database) -> Iterator[None]:
    """Hold the poller lock of both databases: nothing polls either while the copy runs."""
    with ExitStack() as stack:
        for db in (src, dst):
            assert db.engine is not None
            try:
                stack.enter_context(poller_lock(db.engine, WHAT))
            except PollerBusy:
                raise UserError(_in_use(db, db is src)) from None
        yield


def _in_use(db: _Database, is_source: bool) -> str:
    then = (
        "what it stores while the copy runs would be missing from the copy"
        if is_source
        else "it would store rows in the database being filled"
    )
    return (
        f"a storybot process is polling {db.name} (`storybot run`, `storybot poll --once` or "
        f"`storybot worker`s): {then}. Stop every storybot process using it first "
        "(systemctl stop storybot, and storybot-worker@... for workers; or Ctrl-C), run "
        "db-copy again, then start storybot on the new database"
    )


# the other client sessions of the source's database (not ours: the copy's and its lock's)
_OTHER_SESSIONS = text(
    "SELECT pid, application_name, host(client_addr) AS client_addr, state"
    " FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' AND application_name NOT LIKE :ours"
    " ORDER BY pid"
)


def _refuse_other_sessions(src: _Database) -> None:
    """Refuse a PostgreSQL source other sessions are connected to: a ``storybot run
    --no-scheduler`` front end (which takes no poller lock) would write what the copy
    misses. ``--yes`` goes ahead (psql, monitoring: sessions that only read)."""
    assert src.engine is not None
    with src.engine.connect() as conn:
        rows = conn.execute(_OTHER_SESSIONS, {"ours": f"{WHAT}%"}).all()
    if not rows:
        return
    shown = "; ".join(
        f"backend pid {r.pid}"
        + (f" '{r.application_name}'" if r.application_name else "")
        + (f" from {r.client_addr}" if r.client_addr else "")
        for r in rows[:5]
    )
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    raise UserError(
        f"{len(rows)} other session{'s are' if len(rows) > 1 else ' is'} connected to "
        f"{src.name} ({shown}{more}): a storybot process (a `storybot run --no-scheduler` "
        "front end, `storybot ask`) writing during the copy would write what the copy "
        "misses. Stop storybot's processes first; if these sessions only read (psql, "
        "monitoring), add --yes"
    )


@contextmanager
def _snapshot(src: _Database) -> Iterator[Connection]:
    """A connection to the source in one transaction: what it reads is one moment's.

    SQLite: ``BEGIN IMMEDIATE``, SQLite's write lock: readers go on, a writer waits (and
    fails after the busy timeout) instead of storing what the copy would miss. A file
    this process may not write is read in a plain transaction (nothing writes it here).
    PostgreSQL: ``REPEATABLE READ``, read only.
    """
    assert src.engine is not None
    if src.backend == "sqlite":
        path = sqlite_file(src.url)
        writable = path is None or unwritable_reason(path) is None
        mode = "IMMEDIATE" if writable else "DEFERRED"
        with src.engine.execution_options(**{BEGIN_OPTION: mode}).connect() as conn:
            with conn.begin():
                yield conn
        return
    with src.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn


def _copy(
    src: _Database, dst: _Database, progress: CopyProgress | None, batch_rows: int
) -> tuple[tuple[TableCopied, ...], tuple[str, ...]]:
    assert src.engine is not None and dst.engine is not None
    tables = _storybot_tables()
    known = {t.name for t in tables}
    not_copied = tuple(
        sorted(
            name
            for name in src.tables
            if name not in known
            and name not in _NOT_COPIED
            and not name.startswith(_NOT_COPIED_PREFIXES)
        )
    )
    copied: list[TableCopied] = []
    step = "reading the source"
    try:
        writing = dst.engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        with _snapshot(src) as read, writing.begin() as write:
            # re-checked in the copy's transaction: nothing came in since the first look
            dst.tables = tuple(inspect(write).get_table_names())
            held = _rows_held(write, dst.tables)
            if held:
                raise CopyFailed(
                    f"{dst.name} received rows meanwhile ({held[0][0]}): another process "
                    "writes to it; nothing was copied"
                )
            if _BACKGROUND.name in dst.tables:
                write.execute(_BACKGROUND.delete())  # vacant (see _vacant): the copy's replaces it
            counts = {t.name: int(_count(read, t)) for t in tables}
            counters = _source_counters(read, src, tables)
            for done, table in enumerate(tables):
                step = f"copying table {table.name}"
                n = _copy_table(
                    read, write, table, counts[table.name], batch_rows, progress, done, len(tables)
                )
                copied.append(TableCopied(table.name, n))
            step = "setting the id counters"
            nexts = _set_counters(write, dst, tables, counters)
            step = "counting the copied rows"
            _verify(write, tables, counts)
            copied = [TableCopied(t.name, t.rows, nexts.get(t.name)) for t in copied]
            _check_revision(write)
            step = "committing"
    except DBAPIError as exc:
        raise CopyFailed(
            f"the copy failed {step}: {_reason(exc)}. Nothing was committed: {dst.name} holds "
            "storybot's tables and no row, and db-copy can run again once that is fixed"
        ) from exc
    return tuple(copied), not_copied


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _copy_table(
    read: Connection,
    write: Connection,
    table: Table,
    total: int,
    batch_rows: int,
    progress: CopyProgress | None,
    done_tables: int,
    all_tables: int,
) -> int:
    """Copy one table in batches; the rows written."""
    order = list(table.primary_key.columns)
    stream = read.execute(select(table).order_by(*order).execution_options(yield_per=batch_rows))
    insert = table.insert()
    rows: list[dict[str, Any]] = []
    size = 0
    written = 0
    if progress is not None:
        progress(table.name, 0, total, done_tables, all_tables)
    for row in stream:
        values = dict(row._mapping)
        rows.append(values)
        size += sum(len(v) for v in values.values() if isinstance(v, str))
        if len(rows) >= batch_rows or size >= BATCH_BYTES:
            write.execute(insert, rows)
            written += len(rows)
            rows, size = [], 0
            if progress is not None:
                progress(table.name, written, total, done_tables, all_tables)
    if rows:
        write.execute(insert, rows)
        written += len(rows)
        if progress is not None:
            progress(table.name, written, total, done_tables, all_tables)
    return written


def _id_column(table: Table) -> str | None:
    """The single integer primary key column whose values a counter hands out, or None."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or not isinstance(pk[0].type, Integer) or pk[0].foreign_keys:
        return None
    return pk[0].name


def _source_counters(read: Connection, src: _Database, tables: list[Table]) -> dict[str, int]:
    """The highest id each table's counter handed out in the source (deleted rows' ids
    included), where the source keeps one beyond its rows."""
    counters: dict[str, int] = {}
    if src.backend == "sqlite":
        # (inspect leaves SQLite's own tables out of its list)
        exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        if read.execute(text(exists)).first() is not None:
            for name, seq in read.execute(text("SELECT name, seq FROM sqlite_sequence")):
                counters[str(name)] = int(seq or 0)
        return counters
    if src.backend == "postgresql":
        for table in tables:
            column = _id_column(table)
            if column is None:
                continue
            value = read.execute(
                text(
                    "SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(:t, :c) AS regclass))"
                ),
                {"t": table.name, "c": column},
            ).scalar()
            if value is not None:
                counters[table.name] = int(value)
    return counters


def _set_counters(
    write: Connection, dst: _Database, tables: list[Table], counters: dict[str, int]
) -> dict[str, int]:
    """Set each id counter of the target past the copied ids and the source's counter;
    the next id of each table that has one."""
    nexts: dict[str, int] = {}
    for table in tables:
        column = _id_column(table)
        if column is None:
            continue
        top = write.execute(select(func.max(table.c[column]))).scalar()
        last = max(int(top or 0), counters.get(table.name, 0))
        if dst.backend == "postgresql":
            sequence = write.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
            ).scalar()
            if sequence is None:
                continue
            # is_called false: the next value is this one (a sequence cannot be set to 0)
            write.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                {"s": sequence, "v": max(last, 1), "called": last > 0},
            )
        elif dst.backend == "sqlite" and table.dialect_options["sqlite"].get("autoincrement"):
            if last:
                updated = write.execute(
                    text("UPDATE sqlite_sequence SET seq = max(seq, :v) WHERE name = :t"),
                    {"v": last, "t": table.name},
                ).rowcount
                if not updated:
                    write.execute(
                        text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                        {"t": table.name, "v": last},
                    )
        nexts[table.name] = last + 1
    return nexts


def _verify(write: Connection, tables: list[Table], counts: dict[str, int]) -> None:
    """Count every table of the target in the copy's transaction against the source's."""
    wrong = [
        (t.name, counts[t.name], got) for t in tables if (got := _count(write, t)) != counts[t.name]
    ]
    if wrong:
        said = ", ".join(
            f"{name}: {want:,} in the source, {got:,} copied" for name, want, got in wrong
        )
        raise CopyFailed(
            f"the copy does not hold what the source does ({said}); nothing was committed"
        )


def _check_revision(write: Connection) -> None:
    """The target's revision, in the copy's transaction, is still this storybot's."""
    heads = set(migration_script().get_heads())
    current = set(MigrationContext.configure(write).get_current_heads())
    if current != heads:
        raise CopyFailed(
            f"the target's schema revision changed during the copy ({', '.join(current)}); "
            "nothing was committed"
        )
