"""Transaction plumbing shared by the store's parts.

Every public store method runs in exactly one transaction: ``_read()`` for queries and
``_write()`` for changes (``BEGIN IMMEDIATE`` on SQLite, see :mod:`storage.engine`).
Rows are converted to dataclasses before the transaction ends, so nothing lazy escapes.

The service calls the store from several threads at once (the poll pipeline, /story
commands, the outbox worker and the digest job each run their store calls in a thread).
Each transaction has a pooled connection of its own, except in an in-memory SQLite
database: there every session shares the one connection (``StaticPool``), and two
transactions on it at once fail ("cannot start a transaction within a transaction") or
crash the driver, so its transactions take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Executable
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from bot.ports import StoreBusy
from storage.engine import BEGIN_OPTION
from storage.migrate import SchemaUpgrade


class StoreBase:
    """Holds the engine and opens sessions; the mixins in ``storage/`` add the methods."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        # what opening it migrated (``storage.open_store``), for `storybot db-upgrade` to say
        self.schema_upgrade: SchemaUpgrade | None = None
        # one connection for every session (in-memory SQLite): one transaction at a time
        self._one_connection = threading.RLock() if isinstance(engine.pool, StaticPool) else None

    def _turn(self) -> AbstractContextManager[object]:
        return self._one_connection if self._one_connection is not None else nullcontext()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations, maintenance and tests)."""
        return self._engine

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with _busy_as_store_busy(), self._turn():
            with Session(self._engine, expire_on_commit=False) as session:
                with session.begin():
                    yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with _busy_as_store_busy(), self._turn():
            with Session(self._write_engine, expire_on_commit=False) as session:
                with session.begin():
                    yield session

    def close(self) -> None:
        """Close every pooled connection. The store must not be used afterwards."""
        self._engine.dispose()


@contextmanager
def _busy_as_store_busy() -> Iterator[None]:
    """SQLite's "database is locked" (another process held the write lock past the busy
    timeout) as :class:`~bot.ports.StoreBusy`, which the core can tell its users about
    ("try again in a moment") without knowing SQLAlchemy."""
    try:
        yield
    except OperationalError as exc:
        if "database is locked" not in str(exc.orig):
            raise
        raise StoreBusy(f"the database is locked by another writer: {exc.orig}") from exc


def affected(session: Session, statement: Executable) -> int:
    """Execute an UPDATE/DELETE and return how many rows it touched."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
