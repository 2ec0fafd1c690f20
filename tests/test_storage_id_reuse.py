"""An id people quote or a stored key holds is never given to another row, on SQLite too.

SQLite gives a plain ``INTEGER PRIMARY KEY`` table's new row the highest id plus one, so
deleting the row with the highest id handed that id out again: ``/story unsubscribe 6``
or ``storybot outbox --retry 12`` could name a newer row, a new feed took a removed
feed's item keys, a new story a removed story's alert keys. Stories, feeds, subscriptions
and outbox are AUTOINCREMENT on SQLite (migration 0011); PostgreSQL's sequences never
reused an id. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text
from store_builders import DM, T0, new_item, write

from bot.model import DeliveryMode, Judgement
from bot.ports import DevelopmentWrite, OutboxWrite
from storage import SqlStore, open_store
from storage.engine import make_engine
from storage.migrate import alembic_config, migration_connection
from storage.models import Base
from storage.serialize import message_to_json

pytest_plugins = ["store_fixtures"]  # fixtures: store, pg_url and what they need

# The tables whose ids are never reused, and the revision before they were.
NEVER_REUSED = {"stories", "feeds", "subscriptions", "outbox"}
BEFORE = "0010"


# --------------------------------------------------------------------------- through the store


def test_a_deleted_subscriptions_number_is_not_given_again(store: SqlStore):
    subs = [store.add_subscription("slack", "U1", f"word{n}", None, T0) for n in (1, 2, 3)]
    assert store.remove_subscription("slack", "U1", subs[-1].id)
    again = store.add_subscription("slack", "U1", "word4", None, T0)
    assert again.id > subs[-1].id  # "#3" in an old reply still means the one removed


def test_a_removed_feeds_number_is_not_given_again(store: SqlStore):
    feeds = [store.add_feed(f"https://{n}.example/feed", T0) for n in (1, 2, 3)]
    assert store.remove_feed(feeds[-1].url)
    again = store.add_feed("https://4.example/feed", T0)
    # its items' keys (feed:<id>:guid:...) must not be the removed feed's
    assert again.id > feeds[-1].id


def test_a_pruned_outbox_rows_number_is_not_given_again(store: SqlStore):
    keys = [f"notice:discord:U1:{n}" for n in (1, 2, 3)]
    store.enqueue([write(key, DM) for key in keys], T0)
    rows = [store.get_outbox(key) for key in keys]
    last = rows[-1]
    assert last is not None and last.id == max(row.id for row in rows if row)
    store.mark_delivered(last.id, 1, "m3", T0)
    assert store.prune(T0 + timedelta(days=1)).outbox == 1  # the delivered one only
    store.enqueue([write("notice:discord:U1:4", DM)], T0)
    again = store.get_outbox("notice:discord:U1:4")
    assert again is not None and again.id > last.id  # `outbox --retry #N` names one row


def test_a_removed_storys_id_is_not_given_again(store: SqlStore):
    stories = [store.add_story(f"s{n}", f"S{n}", [], T0) for n in (1, 2, 3)]
    assert store.remove_story("s3")
    again = store.add_story("s3", "S3 again", [], T0)
    # alert keys (alert:<story>:<development>:...) outlive the story with its alerts
    assert again.id > stories[-1].id


# --------------------------------------------------------------------------- migration 0011


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ids.db'}"
    return request.getfixturevalue("pg_url")


def _migrate(engine: Engine, step: Any, revision: str) -> None:
    """``command.upgrade`` or ``command.downgrade`` to ``revision``, as storybot migrates."""
    config = alembic_config()
    with migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        step(config, revision)


@pytest.fixture
def filled_at_0010(empty_url: str) -> dict[str, Any]:
    """A database at the revision before 0011 with rows in every table. Filled by the
    store at the latest revision, then downgraded: the store writes columns later
    revisions added (0017's), so it cannot write to a 0010 database itself."""
    store = open_store(empty_url)
    try:
        made = _fill(store)
        _migrate(store.engine, command.downgrade, BEFORE)
    finally:
        store.close()
    return made


def _fill(store: SqlStore) -> dict[str, Any]:
    """Rows in the four tables, and rows of other tables that refer to them."""
    s1 = store.add_story("s1", "S1", [], T0)
    s2 = store.add_story("s2", "S2", [], T0)
    f1 = store.add_feed("https://1.example/feed", T0)
    f2 = store.add_feed("https://2.example/feed", T0)
    item = store.ingest_item(new_item(1, key=f"feed:{f2.id}:guid:1", feed_id=f2.id))[1].id
    store.commit_decisions(
        [Judgement(s2.id, item, True, 0.5, development=1, new_development=True)],
        [DevelopmentWrite(s2.id, 1, "one", "One.", (item,))],
        {s2.id: {"terms": 1}},
        [write(f"alert:{s2.id}:1:slack:C1")],
        T0,
    )
    store.bind(s2.id, "slack", "C1", DeliveryMode.REALTIME, 24.0, T0)
    subs = [
        store.add_subscription("slack", "U1", "bread", None, T0),
        store.add_subscription("slack", "U1", "bread", s2.id, T0),  # scoped: same query
    ]
    _enqueue_as_0010(store, [write(f"notice:discord:U1:{n}", DM) for n in (1, 2)])
    return {"stories": (s1, s2), "feeds": (f1, f2), "item": item, "subs": subs}


def _enqueue_as_0010(store: SqlStore, writes: list[OutboxWrite]) -> None:
    """Queue new rows with the outbox columns a 0010 database has (0016 added
    ``subscription_ids``, which ``store.enqueue`` writes)."""
    rows = [
        {
            "key": w.key,
            "platform": w.target.platform,
            "channel_id": w.target.channel_id,
            "user_id": w.target.user_id,
            "message": message_to_json(w.message),
            "version": 1,
            "delivered_version": 0,
            "attempts": 0,
            "next_attempt_at": T0,
            "created_at": T0,
            "dead": False,
        }
        for w in writes
    ]
    with store.engine.begin() as conn:
        conn.execute(insert(Base.metadata.tables["outbox"]), rows)


# What revisions after 0011 added (0015: item updates; 0016: a notice's subscriptions;
# 0017: developments in commit order; 0018: the stream statistics' row; 0022: a digest's
# time of day; 0028: admins' corrections; 0029: where a feed moved permanently; 0030: the
# developments' updates and the digests' second watermark; 0031: the checks of
# subscription owners), which a
# database at 0010 lacks: the tables, columns and indexes these tests leave out.
LATER_TABLES = {
    "item_updates",
    "engine_stream",
    "corrections",
    "development_updates",
    "owner_checks",
}
LATER_COLUMNS = {
    "judgements": {"item_version"},
    "outbox": {"subscription_ids"},
    "stories": {"development_seq", "update_seq"},
    "developments": {"seq"},
    "bindings": {"digested_seq", "digest_anchor", "updated_seq", "followed_seq"},
    "feeds": {"moved_to", "read_in_part", "asked_s", "asked_by"},
}
LATER_INDEXES = {"ix_developments_story_id_seq"}


def _tables() -> dict[str, Any]:
    return {n: t for n, t in Base.metadata.tables.items() if n not in LATER_TABLES}


def _rows(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table, by primary key (the columns a 0010 database has)."""
    with engine.connect() as conn:
        return {
            name: conn.execute(
                select(
                    *(c for c in t.columns if c.name not in LATER_COLUMNS.get(name, ()))
                ).order_by(*t.primary_key.columns)
            ).all()
            for name, t in _tables().items()
        }


def _schema(engine: Engine) -> dict[str, Any]:
    """Indexes, unique constraints and foreign keys of every table, as reflected."""
    found = inspect(engine)
    out = {}
    for name in _tables():
        out[name] = (
            sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]), _where(i))
                for i in found.get_indexes(name)
                if i["name"] not in LATER_INDEXES
            ),
            sorted(
                (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(name)
            ),
            sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in found.get_foreign_keys(name)
            ),
            tuple(found.get_pk_constraint(name)["constrained_columns"]),
        )
    return out


def _where(index: dict[str, Any]) -> str | None:
    options = index.get("dialect_options") or {}
    where = options.get("sqlite_where", options.get("postgresql_where"))
    return None if where is None else str(where)


def _autoincrement_tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        return {name for name, sql in rows if "AUTOINCREMENT" in sql.upper()}


def _sequence(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, seq FROM sqlite_sequence")).all())


def _max_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(text(f"SELECT max(id) FROM {name}")).scalar()
            for name in NEVER_REUSED
        }


def test_upgrade_keeps_every_row_and_stops_reuse(filled_at_0010: dict[str, Any], empty_url: str):
    """A database filled before 0011 keeps every row, index, constraint and reference
    across the upgrade, and from then on no id of the four tables is given again."""
    made = filled_at_0010
    old = make_engine(empty_url)
    try:
        rows, schema = _rows(old), _schema(old)
        sqlite = old.dialect.name == "sqlite"
        if sqlite:
            assert _autoincrement_tables(old) == set()
    finally:
        old.dispose()

    store = open_store(empty_url)  # migrates to head, as storybot does on start
    try:
        engine = store.engine
        # 0012 is upgraded through too: a binding's built-in cap of 10 becomes 0 (the default)
        uncapped = [b[:6] + (0,) + b[7:] if b[6] == 10 else b for b in rows["bindings"]]
        assert _rows(engine) == {**rows, "bindings": uncapped}
        assert _schema(engine) == schema
        if sqlite:
            assert _autoincrement_tables(engine) == NEVER_REUSED
            assert _sequence(engine) == _max_ids(engine)  # the next id is above the max
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []

        s1, s2 = made["stories"]
        f1, f2 = made["feeds"]
        assert store.remove_feed(f2.url)
        assert store.get_item(made["item"]).feed_id is None  # SET NULL: enforced again
        assert store.add_feed("https://3.example/feed", T0).id > f2.id

        unscoped, scoped = made["subs"]
        assert store.remove_subscription("slack", "U1", scoped.id)
        assert store.add_subscription("slack", "U1", "cake", None, T0).id > scoped.id

        assert store.remove_story("s2")
        assert store.list_developments(s2.id) == []  # CASCADE: enforced again
        assert store.add_story("s3", "S3", [], T0).id > s2.id

        last = store.get_outbox("notice:discord:U1:2")
        assert last is not None
        store.mark_delivered(last.id, 1, "m2", T0)
        assert store.prune(T0 + timedelta(days=1)).outbox == 1
        store.enqueue([write("notice:discord:U1:3", DM)], T0)
        again = store.get_outbox("notice:discord:U1:3")
        assert again is not None and again.id > last.id
    finally:
        store.close()


def test_downgrade_keeps_every_row_and_upgrade_again(empty_url: str):
    store = open_store(empty_url)
    try:
        _fill(store)
        rows, schema = _rows(store.engine), _schema(store.engine)
        _migrate(store.engine, command.downgrade, BEFORE)
        # 0012 is undone too: a binding's alert cap is stored as the built-in 10 again
        capped = [b[:6] + (10,) + b[7:] if b[6] == 0 else b for b in rows["bindings"]]
        assert _rows(store.engine) == {**rows, "bindings": capped}
        assert _schema(store.engine) == schema
        if store.engine.dialect.name == "sqlite":
            assert _autoincrement_tables(store.engine) == set()
            assert _sequence(store.engine) == {}
        _migrate(store.engine, command.upgrade, "head")
        assert _rows(store.engine) == rows
        assert _schema(store.engine) == schema
        if store.engine.dialect.name == "sqlite":
            assert _autoincrement_tables(store.engine) == NEVER_REUSED
    finally:
        store.close()


def test_the_migrations_make_the_tables_the_models_mark_autoincrement(tmp_path: Path):
    """Alembic's model comparison does not see AUTOINCREMENT (SQLAlchemy does not reflect
    it), so this compares it: the migrated schema against the models' own DDL."""
    marked = {
        name
        for name, t in Base.metadata.tables.items()
        if t.dialect_options["sqlite"]["autoincrement"]
    }
    assert marked == NEVER_REUSED
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert _autoincrement_tables(store.engine) == marked
    finally:
        store.close()


def test_the_rebuild_refuses_a_connection_that_enforces_foreign_keys(tmp_path: Path):
    """Dropping ``stories`` with foreign keys enforced would delete every judgement,
    development, binding and scoped subscription (ON DELETE CASCADE): refused, and the
    transaction leaves everything as it was."""
    store = open_store(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        _fill(store)
        rows = _rows(store.engine)
        config = alembic_config()
        with pytest.raises(RuntimeError, match="enforces foreign keys"):
            with store.engine.begin() as conn:
                config.attributes["connection"] = conn
                command.downgrade(config, BEFORE)
        assert _rows(store.engine) == rows
        assert _autoincrement_tables(store.engine) == NEVER_REUSED
    finally:
        store.close()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_foreign_keys_are_enforced_again_after_migrating(tmp_path: Path, where: str):
    url = f"sqlite:///{tmp_path / 'on.db'}" if where == "file" else "sqlite://"
    store = open_store(url)  # the pool keeps the connection the migration used
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        store.close()
