"""``storybot health``'s database and schema lines: it answers, storybot can write it now,
and it is at the revision this code migrates to.

The write check reads only (see :func:`writes`): a SQLite file's note from a running
service whose writes fail, or a probe of its write lock; a PostgreSQL database's is
:mod:`adapters.health_pg_writes`. A database the server says it does not have is the
operator's setting to fix, not a problem (:func:`no_such_database`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from adapters.health_findings import OK, PROBLEM, WARNING, Finding, shown_age
from adapters.health_pg_writes import pg_writes
from adapters.log_setup import redacted
from bot.clock import utc
from storage.engine import hard_link_risk, sqlite_other_names, sqlite_read_only
from storage.migrate import SchemaRevision, shown_tables, unknown_reason
from storage.write_state import probe_pg_writes, probe_write_lock, read_write_note


def writes(name: str, engine: Engine, now: datetime, source: str = "") -> Finding:
    """The database line: it answers, and whether storybot can write it now.

    A SQLite file (see :mod:`storage.write_state`): a running ``storybot run``'s note that
    its jobs cannot write it (a full disk, a lock), since when and why; else a probe of its
    write lock, which waits as long as storybot's writes do (10 s) and writes nothing; a
    ``file:`` URI that opens it read-only (``mode=ro``) is a problem without a probe.
    Either is a problem from the first failed write, where the polling line waits for
    feeds left due for ``--max-age``. A file with another name (a hard link) is a warning.

    A PostgreSQL database: one read-only statement asking whether the server is a
    standby, its sessions are read-only, or the role lacks a privilege storybot's writes
    need on its tables (:func:`adapters.health_pg_writes.pg_writes`); ``source`` is where
    its URL came from (named in what to do about a standby).
    """
    state = probe_pg_writes(engine)
    if state is not None:
        return pg_writes(name, state, source)
    read_only = sqlite_read_only(engine.url)
    if read_only is not None:  # SQLite takes the write lock through it: only a write fails
        return Finding(
            "database",
            PROBLEM,
            f"{name} answers, but its URL opens it read-only ({read_only}): storybot's "
            f"writes fail through it; drop {read_only} from the URL storybot runs with",
        )
    note = read_write_note(engine)
    if note is not None:
        since = utc(note.since)
        return Finding(
            "database",
            PROBLEM,
            f"{name} answers, but {note.what} (pid {note.pid}) cannot write it: its "
            f"{note.job} job has failed since {since:%Y-%m-%d %H:%M} UTC "
            f"({shown_age(max(now - since, timedelta(0)))} ago): {redacted(note.error)}"
            f"{_room_hint(note.error)}",
        )
    locked = probe_write_lock(engine)
    if locked is not None:
        return Finding(
            "database",
            PROBLEM,
            f"{name} answers, but cannot be written now: {locked} (a long storybot prune, "
            "a backup or another program?); storybot's writes fail until it lets go",
        )
    others = sqlite_other_names(engine.url)
    if others:
        return Finding("database", WARNING, f"{name} answers, but {hard_link_risk(others)}")
    return Finding("database", OK, f"{name} answers")


def _room_hint(error: str) -> str:
    """What to do about a full disk: the service goes on by itself once it can write."""
    lowered = error.lower()
    if "full" in lowered or "no space" in lowered or "disk i/o" in lowered:
        return "; free some space: it goes on by itself"
    return ""


# PostgreSQL's SQLSTATE for a database it does not have (invalid_catalog_name)
_INVALID_CATALOG_NAME = "3D000"


# ... and its English text, for when no SQLSTATE comes with the error (see below)
_NO_SUCH_DATABASE = re.compile(r'FATAL:\s+database ".*" does not exist')


def no_such_database(exc: DBAPIError) -> bool:
    """Whether the server answered that the database does not exist.

    That is the URL naming a database that was never created (or was dropped): a setting
    to fix, as a SQLite file that does not exist is, not a failure a restart could mend.
    A server that does not answer stays a problem (exit 1).

    The error's SQLSTATE (``3D000``) says so in any language, when the driver has it
    (psycopg's ``Error.sqlstate``). psycopg 3 (3.3 checked) sets none on a failed
    *connection*, though, which is where this error comes: libpq reports a connection
    failure as text only. Then the server's message is matched, and that match is
    English only: a server whose ``lc_messages`` is another language words it otherwise,
    and its missing database is reported as a problem (exit 1) instead.
    """
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return bool(sqlstate == _INVALID_CATALOG_NAME)
    return _NO_SUCH_DATABASE.search(str(exc.orig)) is not None


def schema_finding(revision: SchemaRevision) -> Finding:
    """The schema line: at the revision this code migrates to, or a problem: behind it
    (``storybot db-upgrade`` brings it there), at a revision that is not storybot's, or
    without storybot's tables (:func:`no_schema_finding`)."""
    current = ", ".join(revision.current)
    head = ", ".join(revision.head)
    if revision.at_head:
        return Finding("schema", OK, f"at the latest revision ({head})")
    if not revision.current:
        return no_schema_finding(revision.tables)
    if revision.unknown:
        return Finding(
            "schema",
            PROBLEM,
            f"at revision {current}, {unknown_reason(revision.unknown, revision.head)}",
        )
    return Finding(
        "schema",
        PROBLEM,
        f"at revision {current}, behind {head}: run `storybot db-upgrade` "
        "(or restart the service, which upgrades it on start)",
    )


def no_schema_finding(tables: tuple[str, ...]) -> Finding:
    """A database without a storybot revision: another application's (its ``tables``),
    or an empty one."""
    if tables:  # every command that opens it refuses it (storage.migrate)
        return Finding(
            "schema",
            PROBLEM,
            f"no storybot tables: not a storybot database (it holds other tables: "
            f"{shown_tables(tables)})",
        )
    return Finding(
        "schema",
        PROBLEM,
        "no storybot tables: an empty database, never started (`storybot db-upgrade` creates them)",
    )
