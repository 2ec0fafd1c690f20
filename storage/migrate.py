"""Run the Alembic migrations in ``storage/migrations`` programmatically."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from storage.engine import BEGIN_OPTION

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Any constant will do: it only has to be the same for every storybot process.
_PG_LOCK_ID = 0x5707B07


def alembic_config() -> Config:
    """An Alembic config for our migrations that does not touch logging."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for Alembic, in one transaction that commits when the block ends.

    Two processes starting at once would race to create the tables, so the transaction
    holds a lock: ``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL.

    On SQLite, foreign keys are not enforced while the block runs. A migration that
    rebuilds a table (copy, drop, rename: SQLite's way to change most things) drops a
    table other tables refer to, and with enforcement on that DROP deletes or nulls their
    rows (ON DELETE CASCADE / SET NULL). SQLite only changes the setting outside a
    transaction, hence here, before BEGIN; it is on again when the block ends.
    """
    with engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}).connect() as connection:
        with sqlite_foreign_keys_off(connection), connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
            yield connection


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, no foreign-key enforcement on ``connection`` while the block runs.

    Enter it before the connection begins a transaction (SQLite ignores the setting
    inside one). Other backends are left alone.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    _pragma(connection, "PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        try:
            _pragma(connection, "PRAGMA foreign_keys = ON")
        except BaseException:
            connection.invalidate()  # never back in the pool without enforcement
            raise


def _pragma(connection: Connection, statement: str) -> None:
    # On the DB-API connection: through SQLAlchemy it would begin a transaction first
    # (storage.engine emits BEGIN), inside which SQLite ignores this pragma.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


@dataclass(frozen=True)
class SchemaUpgrade:
    """What :func:`upgrade_to_head` did: the revisions before and after.

    Attributes:
        before: The database's revisions before (none: it had no storybot tables).
        after: Its revisions after: this code's newest.
    """

    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return set(self.before) != set(self.after)

    def describe(self) -> str:
        """What changed, for an operator: "upgraded from schema revision 0008 to 0015",
        "created the storybot tables (schema revision 0015)", or "" when nothing did."""
        after = ", ".join(self.after)
        if not self.changed:
            return ""
        if not self.before:
            return f"created the storybot tables (schema revision {after})"
        return f"upgraded from schema revision {', '.join(self.before)} to {after}"


# storybot numbers its revisions: "0001", "0002", ... (storage/migrations/versions)
_NUMBERED = re.compile(r"[0-9]{4}")


def by_newer_storybot(unknown: tuple[str, ...], head: tuple[str, ...]) -> bool:
    """Whether revisions these migrations do not know are a newer storybot's: numbered
    as storybot's are, after this code's newest. Anything else (``3f2a9c1b7e0d``) is
    another Alembic-migrated application's, whose database storybot was pointed at."""
    newest = max((int(h) for h in head if _NUMBERED.fullmatch(h)), default=0)
    return bool(unknown) and all(
        _NUMBERED.fullmatch(r) is not None and int(r) > newest for r in unknown
    )


def unknown_reason(unknown: tuple[str, ...], head: tuple[str, ...]) -> str:
    """Why the database is at revisions ``unknown``, which this code does not have."""
    if by_newer_storybot(unknown, head):
        return (
            f"which this storybot ({', '.join(head)}) does not know: a newer storybot migrated it"
        )
    return (
        f"which is not one of storybot's (0001 to {', '.join(head)}): another application's "
        "database? storybot needs a database of its own"
    )


class NewerSchema(Exception):
    """The database is at a revision these migrations do not have: a newer storybot
    migrated it (this one was rolled back, or is an older copy), or the database is
    another application's (its Alembic ``alembic_version``); see :attr:`newer`.

    Attributes:
        unknown: The database's revisions these migrations do not know.
        head: The newest revisions of these migrations.
    """

    def __init__(self, unknown: tuple[str, ...], head: tuple[str, ...]) -> None:
        super().__init__(
            f"is at schema revision {', '.join(unknown)}, {unknown_reason(unknown, head)}"
        )
        self.unknown = unknown
        self.head = head

    @property
    def newer(self) -> bool:
        """Whether a newer storybot migrated it (else it is not storybot's)."""
        return by_newer_storybot(self.unknown, self.head)


def _unknown(script: ScriptDirectory, revisions: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``revisions`` that the migrations in ``script`` do not have."""
    unknown = []
    for revision in revisions:
        try:
            script.get_revision(revision)
        except CommandError:
            unknown.append(revision)
    return tuple(unknown)


class NoStorybotSchema(Exception):
    """The database has no storybot revision: it holds another application's tables
    (:attr:`tables`; one without Alembic, which :class:`NewerSchema` cannot tell), or it is
    empty and the caller may not start storybot's schema in it (a read).

    Attributes:
        tables: The tables it holds (none: an empty database).
    """

    def __init__(self, tables: tuple[str, ...]) -> None:
        super().__init__(no_schema_reason(tables))
        self.tables = tables


_SHOWN_TABLES = 5


# what makes storybot's tables in an empty database, as its refusal says it
CREATES_TABLES = "`storybot story add`, `storybot run` or `storybot db-upgrade` creates them"


def no_schema_reason(tables: tuple[str, ...], creates: str = CREATES_TABLES) -> str:
    """Why a database without a storybot revision is not used: what it holds, and for an
    empty one, ``creates``: what makes storybot's tables there."""
    if not tables:
        return f"has no storybot tables yet (an empty database): nothing is stored in it; {creates}"
    return (
        f"holds other tables ({shown_tables(tables)}) but no storybot schema: not a storybot database "
        "(another application's?); storybot needs a database of its own: an empty one, "
        "or a new SQLite file"
    )


def shown_tables(tables: tuple[str, ...]) -> str:
    """Table names for a message: the first few, and how many more."""
    shown = ", ".join(tables[:_SHOWN_TABLES])
    if len(tables) > _SHOWN_TABLES:
        shown += f" and {len(tables) - _SHOWN_TABLES} more"
    return shown


# The job queue's tables (procrastinate's, ``adapters/jobs``), which scale-out keeps in
# storybot's own database: a worker makes them after storybot's, but procrastinate's own
# ``procrastinate schema --apply`` may have made them first.
_JOB_QUEUE_TABLES = "procrastinate_"


def other_tables(connection: Connection) -> tuple[str, ...]:
    """The tables of a database that has no storybot revision, in the schema storybot
    would use; none: an empty database, where storybot may create its own. An Alembic
    table without a revision (all migrations undone) does not count, nor do the job
    queue's tables (``_JOB_QUEUE_TABLES``): they are storybot's."""
    names = inspect(connection).get_table_names()
    return tuple(
        sorted(
            name
            for name in names
            if name != "alembic_version" and not name.startswith(_JOB_QUEUE_TABLES)
        )
    )


def migration_script() -> ScriptDirectory:
    """The migrations in ``storage/migrations``. Their files are read (and compiled) at
    the first question asked of it: keep one for all the checks of one opening."""
    return ScriptDirectory.from_config(alembic_config())


def check_storybot_schema(
    connection: Connection, *, start: bool = True, script: ScriptDirectory | None = None
) -> tuple[str, ...]:
    """The database's revisions, if it may be migrated: a storybot database at one of
    these migrations' revisions, or an empty one where ``start`` allows creating the
    tables. Reads only: ``open_store`` runs it before storybot's connection settings
    touch a SQLite file, so that a database refused here is left as it was.

    Args:
        script: The migrations (:func:`migration_script`), when the caller has them read.

    Raises:
        NewerSchema: A revision these migrations do not have: a newer storybot's, or
            another Alembic-migrated application's; nothing was changed.
        NoStorybotSchema: No storybot revision, and other tables (or none and not
            ``start``); nothing was changed.
    """
    current = tuple(MigrationContext.configure(connection).get_current_heads())
    if not current:
        tables = other_tables(connection)
        if tables or not start:
            raise NoStorybotSchema(tables)
        return current
    script = script or migration_script()
    unknown = _unknown(script, current)
    if unknown:  # Alembic would fail with a traceback that says less
        raise NewerSchema(unknown, tuple(script.get_heads()))
    return current


def upgrade_to_head(
    engine: Engine, *, start: bool = True, script: ScriptDirectory | None = None
) -> SchemaUpgrade:
    """Bring the schema to the newest revision, in one transaction (see
    :func:`migration_connection`).

    Args:
        start: Whether an empty database gets storybot's tables (a command that adds
            things); a database holding other tables never does.
        script: The migrations (:func:`migration_script`), when the caller has them read.

    Returns:
        The revisions before and after, so that callers can say what was upgraded.

    Raises:
        NewerSchema: A newer storybot migrated the database, or it is another
            application's (its Alembic revision); it is left as it is.
        NoStorybotSchema: The database has no storybot revision but other tables (another
            application's, without Alembic), or none and not ``start``; it is left as it is.
    """
    config = alembic_config()
    script = script or migration_script()
    with migration_connection(engine) as connection:
        before = check_storybot_schema(connection, start=start, script=script)
        if before and set(before) == set(script.get_heads()):
            # at head already (every start but the first after an upgrade): nothing for
            # Alembic to do, and it would read every migration's file again to find that
            return SchemaUpgrade(before, before)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = tuple(MigrationContext.configure(connection).get_current_heads())
    return SchemaUpgrade(before, after)


def upgrade_if_behind(
    engine: Engine, *, start: bool = True, script: ScriptDirectory | None = None
) -> SchemaUpgrade:
    """:func:`upgrade_to_head` for a caller that only reads: the revision is checked in a
    read transaction first, and only a schema behind this code's is migrated.

    The migration's transaction takes the write lock (``BEGIN IMMEDIATE`` on SQLite) even
    when it finds nothing to do, so a command that only reads, run while another process
    held a SQLite file's write lock past the busy timeout (a long prune, a backup, a
    service's cycle on a slow disk), failed with "database is locked" although it needed
    no write. A WAL database lets it read beside that writer.

    Raises:
        NewerSchema, NoStorybotSchema: as :func:`upgrade_to_head`, read without the lock.
    """
    script = script or migration_script()
    with engine.connect() as connection, connection.begin():
        current = check_storybot_schema(connection, start=start, script=script)
    if current and set(current) == set(script.get_heads()):
        return SchemaUpgrade(current, current)
    return upgrade_to_head(engine, start=start, script=script)


@dataclass(frozen=True)
class SchemaRevision:
    """Where a database's schema is, against the migrations of this code.

    Attributes:
        current: The database's revisions (none: it has no storybot schema).
        head: The newest revisions of these migrations.
        unknown: Those of ``current`` these migrations do not have (a newer storybot
            migrated the database).
        tables: Without a revision, the tables it holds: another application's (none:
            an empty database, never started).
    """

    current: tuple[str, ...]
    head: tuple[str, ...]
    unknown: tuple[str, ...]
    tables: tuple[str, ...] = ()

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.head)


def schema_revision(engine: Engine) -> SchemaRevision:
    """Read the database's Alembic revision without changing anything; without one,
    the tables it holds (:func:`other_tables`: none in a database never started)."""
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as connection:
        current = tuple(MigrationContext.configure(connection).get_current_heads())
        tables = () if current else other_tables(connection)
    return SchemaRevision(current, tuple(script.get_heads()), _unknown(script, current), tables)
