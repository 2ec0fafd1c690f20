"""The Alembic migrations produce exactly the models' schema, on SQLite and PostgreSQL,
work from the ``alembic`` CLI, and the hot queries use indexes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    Text,
    column,
    create_engine,
    event,
    insert,
    inspect,
    select,
    table,
)
from store_builders import T0, new_item, write

from bot.identity import canonical_url
from bot.model import DeliveryMode, FeedStatus, IngestOutcome, Judgement, PageWait, Target
from bot.ports import AlreadySubscribed, DevelopmentWrite, OutboxWrite, PollOutcome
from bot.query import parse_query
from storage import open_store
from storage.channels import query_key
from storage.migrate import MIGRATIONS, alembic_config, migration_connection
from storage.models import Base, DevelopmentRow, JudgementRow, OutboxRow, SubscriptionRow
from storage.serialize import message_to_json
from storage.types import JsonDoc, UTCDateTime

pytest_plugins = ["store_fixtures"]  # fixtures: pg_url and what it needs

ROOT = Path(__file__).resolve().parents[1]
INI = MIGRATIONS / "alembic.ini"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    return request.getfixturevalue("pg_url")


def _diff(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, Base.metadata)


def test_migration_produces_the_models_schema(empty_url):
    store = open_store(empty_url)
    try:
        assert _diff(store.engine) == []
        tables = set(inspect(store.engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        store.close()


def test_head_is_current_and_upgrade_is_idempotent(empty_url):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    for _ in range(2):
        store = open_store(empty_url)
        try:
            with store.engine.connect() as conn:
                assert MigrationContext.configure(conn).get_current_revision() == head
        finally:
            store.close()


def test_opening_says_what_it_migrated_and_nothing_when_current(empty_url, caplog):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    caplog.set_level("INFO", logger="storage")
    store = open_store(empty_url)
    try:
        assert store.schema_upgrade is not None and store.schema_upgrade.before == ()
        said = f"created the storybot tables (schema revision {head})"
        assert store.schema_upgrade.describe() == said
        assert said not in caplog.text, "a new database's tables are no news (INFO)"
    finally:
        store.close()
    caplog.clear()
    store = open_store(empty_url)
    try:
        assert store.schema_upgrade is None and "schema revision" not in caplog.text
    finally:
        store.close()


def test_a_database_a_newer_storybot_migrated_is_refused_in_one_line(empty_url):
    # an operator rolling storybot back: not an Alembic traceback from every command
    from sqlalchemy import text

    from bot.errors import ConfigError

    open_store(empty_url).close()
    store = open_store(empty_url, upgrade=False)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with pytest.raises(ConfigError) as err:
        open_store(empty_url)
    said = str(err.value)
    assert "\n" not in said and "is at schema revision 9999" in said, said
    assert f"which this storybot ({head}) does not know: a newer storybot migrated it" in said


def test_another_applications_alembic_revision_is_not_taken_for_a_newer_storybot(empty_url):
    # STORYBOT_DATABASE_URL naming a database another Alembic-migrated application uses:
    # its alembic_version holds that application's revision. No backup to restore, no
    # newer storybot to run: storybot needs a database (or schema) of its own.
    from sqlalchemy import text

    from bot.errors import ConfigError

    store = open_store(empty_url, upgrade=False)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('3f2a9c1b7e0d')"))
    store.close()
    with pytest.raises(ConfigError) as err:
        open_store(empty_url)
    said = str(err.value)
    assert "\n" not in said and "is at schema revision 3f2a9c1b7e0d" in said, said
    assert "newer storybot" not in said and "restore the backup" not in said, said
    assert "not one of storybot's" in said and "a database of its own" in said, said
    plain = create_engine(empty_url)  # a SQLite file is refused now even without upgrade
    try:
        assert set(inspect(plain).get_table_names()) == {"invoices", "alembic_version"}
    finally:
        plain.dispose()


@pytest.mark.parametrize(("upgrade", "start"), [(True, True), (True, False), (False, False)])
def test_another_applications_alembic_sqlite_file_is_refused_before_it_is_switched_to_wal(
    tmp_path, upgrade, start
):
    # made by SQLite itself (rollback journal, as most tools): storybot's connection
    # settings would switch it to WAL, which stays in the file; its revision is refused
    # first, by every kind of opening (a start, a read, health's)
    import sqlite3

    from bot.errors import ConfigError
    from storage.migrate import NewerSchema

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('abc123')")
    conn.close()
    before = path.read_bytes()
    assert before[18:20] == b"\x01\x01"  # rollback journal (WAL: 2, 2)
    with pytest.raises(ConfigError) as err:
        open_store(f"sqlite:///{path}", upgrade=upgrade, start=start)
    assert "is at schema revision abc123, which is not one of storybot's" in str(err.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm
    assert isinstance(err.value.__cause__, NewerSchema), err.value  # what health reports


def test_a_database_holding_other_tables_but_no_storybot_schema_is_refused_and_left_alone(
    empty_url,
):
    # STORYBOT_DATABASE_URL naming another application's database that has no Alembic
    # (a CMS's, another tool's SQLite file): storybot must not add its tables beside theirs
    from sqlalchemy import text

    from bot.errors import ConfigError

    store = open_store(empty_url, upgrade=False)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO users VALUES (1, 'bob')"))
    store.close()
    for create in (True, False):
        with pytest.raises(ConfigError) as err:
            open_store(empty_url, create=create)
        said = str(err.value)
        assert "\n" not in said and "not a storybot database" in said, said
        assert "holds other tables (users)" in said and "a database of its own" in said, said
    plain = create_engine(empty_url)  # open_store refuses it now, even without upgrade
    try:
        assert inspect(plain).get_table_names() == ["users"]
    finally:
        plain.dispose()


@pytest.mark.postgres
def test_the_job_queues_tables_made_before_storybots_do_not_make_it_another_applications(
    pg_url,
):
    """procrastinate's job tables live in storybot's database (README, Scaling out). Made
    first (``procrastinate schema --apply``, as procrastinate's documentation has it, or a
    worker of an install whose storybot tables were dropped), they made the database
    "another application's": every storybot command refused it, exit 2."""
    from adapters.jobs.schema import conninfo, ensure_schema

    assert ensure_schema(conninfo(pg_url))
    store = open_store(pg_url)
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables and "procrastinate_jobs" in tables
        store.add_story("s", "S", [], T0)
    finally:
        store.close()
    store = open_store(pg_url, start=False)  # and a read opens it
    try:
        assert [s.name for s in store.list_stories()] == ["s"]
    finally:
        store.close()


def test_an_empty_database_gets_the_storybot_tables_only_where_it_may_start_one(empty_url):
    from bot.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        open_store(empty_url, start=False)  # a read: nothing to read in an empty database
    assert "has no storybot tables yet (an empty database)" in str(err.value)
    plain = create_engine(empty_url)  # open_store refuses it now, even without upgrade
    try:
        assert inspect(plain).get_table_names() == []
    finally:
        plain.dispose()
    open_store(empty_url).close()  # a first start (story add, run, db-upgrade) creates them
    open_store(empty_url, start=False).close()  # and then a read opens it


def test_downgrade_to_base_then_upgrade_again(empty_url):
    store = open_store(empty_url)
    try:
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _diff(store.engine) == []
    finally:
        store.close()


def test_no_upgrade_leaves_an_empty_database_alone(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", upgrade=False)
    try:
        assert inspect(store.engine).get_table_names() == []
    finally:
        store.close()


def _alembic(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(INI), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_alembic_cli_upgrades_and_reports_head(tmp_path):
    (tmp_path / "cli").mkdir()  # a missing directory is refused (see test_store_open)
    url = f"sqlite:///{tmp_path / 'cli' / 'store.db'}"
    done = _alembic("-x", f"url={url}", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    current = _alembic("current", env={"STORYBOT_DATABASE_URL": url})
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
    store = open_store(url)
    try:
        assert _diff(store.engine) == []
    finally:
        store.close()


def test_alembic_cli_offline_sql_for_postgresql():
    done = _alembic("-x", "url=postgresql://u@h/db", "upgrade", "head", "--sql")
    assert done.returncode == 0, done.stderr
    assert "CREATE TABLE outbox" in done.stdout
    assert "WHERE delivered_version < version AND dead = false" in done.stdout


# --------------------------------------------------------------------------- query plans


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Any]:
    store = open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    try:
        yield store
    finally:
        store.close()


def _full_scans(store: Any, call: Any) -> list[str]:
    """Run ``call`` and return the SQLite plan lines that scan a whole table."""
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert statements, "nothing was queried"
    bad = []
    with store.engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            bad += [
                f"{row[-1]}  <-  {statement}" for row in plan if re.match(r"SCAN \w+$", row[-1])
            ]
    return bad


def test_hot_queries_use_indexes(sqlite_store):
    store = sqlite_store
    story = store.add_story("s", "S", [], T0)
    store.add_feed("https://a.example", T0)
    _, item = store.ingest_item(new_item(1))
    store.ingest_item(new_item(11, url=None, canonical_url=None))
    store.enqueue([write("k")], T0)
    judgement = Judgement(story.id, item.id, True, 0.5, development=1)
    calls = {
        "ingest_item (new, by canonical url)": lambda: store.ingest_item(new_item(2)),
        "ingest_item (seen)": lambda: store.ingest_item(new_item(1, key="x")),
        "ingest_items": lambda: store.ingest_items(
            [new_item(3), new_item(1, key="y"), new_item(3, content_hash="h3b")]
        ),
        "record_polls": lambda: store.record_polls(
            [PollOutcome(1, FeedStatus.OK, T0, T0, 0, None, None, None, None, "A")]
        ),
        "find_item_by_url": lambda: store.find_item_by_url("https://news.example/9"),
        "save_page_texts": lambda: store.save_page_texts({item.id: "Page"}),
        # stored without a link: the update fills it in and clears its page text
        "ingest_item (gains its link)": lambda: store.ingest_item(
            new_item(11, content_hash="h11b")
        ),
        "due_feeds": lambda: store.due_feeds(T0),
        "due_outbox": lambda: store.due_outbox(T0),
        "commit_decisions": lambda: store.commit_decisions(
            [judgement],
            [DevelopmentWrite(story.id, 1, "H", "S", (item.id,))],
            {story.id: {"v": 1}},
            [write("k2")],
            T0,
        ),
        "decisions_for_item": lambda: store.decisions_for_item(item.id),
        "list_developments": lambda: store.list_developments(story.id),
        "developments_after": lambda: store.developments_after(story.id, 0),
        "story_stats": lambda: store.story_stats(story.id),
        "count_outbox_since": lambda: store.count_outbox_since(write("k").target, "k", T0),
        "mark_delivered": lambda: store.mark_delivered(1, 1, "m", T0),
        "bindings_for_channel": lambda: store.bindings_for_channel("slack", "C1"),
        "list_subscriptions": lambda: store.list_subscriptions("slack", "U1"),
        # /story why and /story wrong (all_corrections reads the whole table by design)
        "item_corrections": lambda: store.item_corrections(item.id),
        # item 1 is linked to development 1 (commit_decisions above): its new date
        # dates the development again
        "ingest_item (redated)": lambda: store.ingest_item(
            new_item(1, published=T0 - timedelta(days=1), content_hash="h1b")
        ),
    }
    problems = {name: scans for name, call in calls.items() if (scans := _full_scans(store, call))}
    assert problems == {}


def test_developments_are_looked_up_by_development_with_real_statistics(sqlite_store):
    """With ANALYZE statistics SQLite once preferred walking the whole development_items
    table in id order (for an ORDER BY) to looking a page of developments up."""
    store = sqlite_store
    story, other = store.add_story("s", "S", [], T0), store.add_story("o", "O", [], T0)
    items = [item for _, item in store.ingest_items([new_item(n) for n in range(300)])]
    store.commit_decisions(
        [Judgement(s.id, item.id, True, 0.5) for s in (story, other) for item in items],
        [
            DevelopmentWrite(story.id, number, f"H{number}", "", tuple(i.id for i in chunk))
            for number, chunk in enumerate(items[k : k + 20] for k in range(0, 300, 20))
        ]
        # The other story has developments too: were every row one story's, the
        # statistics would rightly make reading the whole table the cheapest lookup
        # (list_developments sorts a story's developments by first report).
        + [DevelopmentWrite(other.id, number, f"O{number}", "", ()) for number in range(15)],
        {},
        [],
        T0,
    )
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    calls = {
        "list_developments": lambda: store.list_developments(story.id, limit=6),
        "developments_after": lambda: store.developments_after(story.id, 5),
        "get_development": lambda: store.get_development(story.id, 3),
        "story_stats": lambda: store.story_stats(story.id),
    }
    problems = {name: scans for name, call in calls.items() if (scans := _full_scans(store, call))}
    assert problems == {}
    listed = store.list_developments(story.id, limit=2)
    assert [d.item_count for d in listed] == [20, 20]
    assert listed[0].sources == tuple(f"Outlet {n}" for n in range(280, 300))


# --------------------------------------------------------------------------- 0003 backfill


def test_story_counters_are_backfilled_from_existing_judgements(empty_url):
    """Migration 0003 computes the counters of a database judged before it existed."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        other = store.add_story("o", "O", [], T0)
        items = [
            store.ingest_item(new_item(n, source=f"Outlet {n % 2}", at=T0 + timedelta(hours=n)))[1]
            for n in range(5)
        ]
        store.commit_decisions(
            [
                Judgement(story.id, items[0].id, True, 0.5),
                Judgement(story.id, items[1].id, True, 0.5, duplicate_of=items[0].id),
                Judgement(story.id, items[4].id, False, 0.1),
                Judgement(other.id, items[4].id, True, 0.5),
            ],
            [],
            {},
            [],
            T0,
        )
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0002")
        assert "story_counters" not in inspect(store.engine).get_table_names()
        with store.engine.begin() as conn:  # judged by a version without counters
            conn.execute(
                insert(JudgementRow),
                [
                    {
                        "story_id": story.id,
                        "item_id": items[3].id,
                        "on_topic": True,
                        "score": 0.5,
                        "duplicate_of": items[1].id,
                        "development": None,
                        "new_development": False,
                        "reason": {},
                        "decided_at": T0,
                    }
                ],
            )
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        stats = store.story_stats(story.id)
        assert (stats.items_on_topic, stats.copies, stats.sources) == (3, 2, 2)
        assert stats.last_item_at == T0 + timedelta(hours=3)
        stats = store.story_stats(other.id)
        assert (stats.items_on_topic, stats.copies, stats.sources) == (1, 0, 1)
        assert stats.last_item_at == T0 + timedelta(hours=4)
        # And they are kept from there on.
        store.commit_decisions([Judgement(story.id, items[2].id, True, 0.5)], [], {}, [], T0)
        assert store.story_stats(story.id).items_on_topic == 4
    finally:
        store.close()


# --------------------------------------------------------------------------- 0005 guids

_ITEM_KEYS = table("items", column("id", Integer), column("key", Text))  # at any revision


def _stored_keys(store: Any) -> dict[int, str]:
    """Item keys by id, read without the models (whose columns a downgrade may lack)."""
    with store.engine.connect() as conn:
        return dict(conn.execute(select(_ITEM_KEYS.c.id, _ITEM_KEYS.c.key)).all())


def test_guid_keys_are_scoped_to_their_feed_on_upgrade_and_back(empty_url):
    """Migration 0005 rewrites a stored feed-local guid key the way ``item_key`` now
    makes it, so an item stored before still matches its next poll."""
    store = open_store(empty_url)
    try:
        a = store.add_feed("https://a.example/feed", T0)
        b = store.add_feed("https://b.example/feed", T0)
        keys = {
            "local": ("guid:1042", a.id),
            "other feed": ("guid:1043", b.id),
            "url": ("guid:https://a.example/?p=7", a.id),
            "tag": ("guid:TAG:a.example,2026:7", a.id),
            "no feed": ("guid:77", None),
            "by url": ("url:https://a.example/x", a.id),
        }
        ids = {
            name: store.ingest_item(new_item(n, key=key, feed_id=feed))[1].id
            for n, (name, (key, feed)) in enumerate(keys.items())
        }
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")
            command.upgrade(config, "head")

        def stored() -> dict[str, str]:
            stored_keys = _stored_keys(store)
            return {name: stored_keys[ids[name]] for name in keys}

        assert stored() == {
            "local": f"feed:{a.id}:guid:1042",
            "other feed": f"feed:{b.id}:guid:1043",
            "url": "guid:https://a.example/?p=7",
            "tag": "guid:TAG:a.example,2026:7",
            "no feed": "guid:77",
            "by url": "url:https://a.example/x",
        }
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")
        assert stored() == {name: key for name, (key, _) in keys.items()}
    finally:
        store.close()


def test_downgrade_of_scoped_guids_keeps_keys_unique(empty_url):
    store = open_store(empty_url)
    try:
        feeds = [store.add_feed(f"https://{n}.example/feed", T0) for n in "ab"]
        ids = [
            store.ingest_item(new_item(n, key=f"feed:{f.id}:guid:1042", feed_id=f.id))[1].id
            for n, f in enumerate(feeds)
        ]
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")
        assert [_stored_keys(store)[i] for i in ids] == [
            "guid:1042",  # the oldest takes the old key
            f"feed:{feeds[1].id}:guid:1042",
        ]
    finally:
        store.close()


# --------------------------------------------------------------------------- 0007 subscriptions

_SUBSCRIPTIONS_0006 = table(  # the columns at revision 0006
    "subscriptions",
    column("id", Integer),
    column("platform", String),
    column("user_id", String),
    column("query", Text),
    column("story_id", Integer),
    column("channel_id", String),
    column("created_at", UTCDateTime),
)


_OUTBOX_0006 = table(  # the columns at revision 0006 that a new row needs
    "outbox",
    column("key", Text),
    column("platform", String),
    column("channel_id", String),
    column("user_id", String),
    column("message", JsonDoc),
    column("version", Integer),
    column("delivered_version", Integer),
    column("attempts", Integer),
    column("next_attempt_at", UTCDateTime),
    column("created_at", UTCDateTime),
    column("dead", Boolean),
)


def _outbox_row_0006(queued: OutboxWrite) -> dict[str, Any]:
    """A new outbox row for ``queued`` as revision 0006 held it (unsent, due at T0)."""
    return {
        "key": queued.key,
        "platform": queued.target.platform,
        "channel_id": queued.target.channel_id,
        "user_id": queued.target.user_id,
        "message": message_to_json(queued.message),
        "version": 1,
        "delivered_version": 0,
        "attempts": 0,
        "next_attempt_at": T0,
        "created_at": T0,
        "dead": False,
    }


def test_duplicate_subscriptions_are_removed_keeping_the_oldest(empty_url):
    """Migration 0007 on a database whose users subscribed twice (two workers, a retried
    command) before the database refused it: the oldest of each stays, with its key."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0006")
        subs = {  # n: (platform, user, query, story), subscribed at T0 + n minutes
            1: ("slack", "U1", "bakery AND bread", None),
            2: ("slack", "U1", "Bakeries  bread", None),  # the same as 1
            3: ("slack", "U1", "bakery bread", story.id),  # another scope
            4: ("slack", "U2", "bakery bread", None),  # another user
            5: ("discord", "U1", "bakery bread", None),  # another platform
            6: ("slack", "U1", "bread OR bakery", None),  # another query
            7: ("slack", "U1", "bakery AND bread", story.id),  # the same as 3
            8: ("slack", "U1", "(bakery", None),  # does not parse: no key
            9: ("slack", "U1", "(bakery", None),  # the same as nothing
            10: ("slack", "U1", '"bakery"  bread', None),  # the same as 1
        }
        with store.engine.begin() as conn:
            for n, (platform, user, query, story_id) in subs.items():
                conn.execute(
                    insert(_SUBSCRIPTIONS_0006).values(
                        platform=platform,
                        user_id=user,
                        query=query,
                        story_id=story_id,
                        channel_id=None,
                        created_at=T0 + timedelta(minutes=n),
                    )
                )
            rows = conn.execute(select(_SUBSCRIPTIONS_0006.c.id, _SUBSCRIPTIONS_0006.c.created_at))
            sub_id = {round((at - T0).total_seconds() / 60): i for i, at in rows}
        # Notices queued under the old per-subscription keys: item 77 was sent through 2
        # only, item 78 through 1 and 2, item 79 through 10.
        legacy = {77: [2], 78: [1, 2], 79: [10]}
        dm = Target("slack", user_id="U1")
        with store.engine.begin() as conn:  # as revision 0006 stored them
            conn.execute(
                insert(_OUTBOX_0006),
                [
                    _outbox_row_0006(write(f"notice:{sub_id[n]}:{item}", dm))
                    for item, ns in legacy.items()
                    for n in ns
                ],
            )
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _diff(store.engine) == []

        kept = {s.id: s for s in store.all_subscriptions()}
        assert sorted(kept) == [sub_id[n] for n in (1, 3, 4, 5, 6, 8, 9)]
        with store.engine.connect() as conn:
            keys = dict(conn.execute(select(SubscriptionRow.id, SubscriptionRow.query_key)).all())
            outbox = set(conn.scalars(select(OutboxRow.key)))
        key = {n: keys.get(sub_id[n], "removed") for n in subs}
        assert key[1] == key[3] == key[4] == key[5] == query_key("bakery bread") != key[6]
        assert key[8] is key[9] is None
        assert outbox == {
            f"notice:{sub_id[1]}:77",  # moved to the subscription kept
            f"notice:{sub_id[1]}:78",
            f"notice:{sub_id[2]}:78",  # left: the one kept has its own
            f"notice:{sub_id[1]}:79",
        }
        # The database refuses them from now on.
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", "U1", "bakery bread", story.id, T0)
        assert refused.value.existing == kept[sub_id[3]]
        with pytest.raises(AlreadySubscribed):
            store.add_subscription("slack", "U1", "bakery bread", None, T0)
    finally:
        store.close()


# --------------------------------------------------------------------------- 0008 first reports


def test_first_reports_are_backfilled_from_the_links(empty_url):
    """Migration 0008 stores each development's first report as list_developments
    computed it: the earliest item time of its links (publication, else fetch, and the
    fetch when the date is later), NULL without links; links made by a version that did
    not keep it count too."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        late = T0 + timedelta(days=10)
        items = {
            n: store.ingest_item(new_item(n, at=at, published=published))[1].id
            for n, at, published in [
                (1, late, T0 + timedelta(days=3)),
                (2, late, None),  # undated: its fetch
                (3, T0 + timedelta(days=2), T0 + timedelta(days=30)),  # dated after its fetch
                (4, late, T0 + timedelta(days=1)),  # an earlier copy, linked by the old version
                (5, late, T0 + timedelta(days=4)),
            ]
        }
        store.commit_decisions(
            [],
            [
                DevelopmentWrite(story.id, 0, "seed", "", ()),  # no links
                DevelopmentWrite(story.id, 1, "one", "", (items[1], items[2])),
                DevelopmentWrite(story.id, 2, "two", "", (items[2], items[3])),
                DevelopmentWrite(story.id, 3, "three", "", (items[2],)),
                DevelopmentWrite(story.id, 4, "four", "", (items[5],)),
            ],
            {},
            [],
            T0 + timedelta(days=11),
        )
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0007")
            dev_id = dict(conn.execute(select(DevelopmentRow.number, DevelopmentRow.id)).all())
            conn.execute(
                insert(
                    table(
                        "development_items", *map(column, ("development_id", "item_id", "added_at"))
                    )
                ),
                [{"development_id": dev_id[4], "item_id": items[4], "added_at": T0}],
            )
            command.upgrade(config, "head")
        assert _diff(store.engine) == []

        expected = [
            (0, None),  # counts from its creation (day 11)
            (3, late),
            (1, T0 + timedelta(days=3)),
            (2, T0 + timedelta(days=2)),
            (4, T0 + timedelta(days=1)),
        ]
        with store.engine.connect() as conn:
            stored = conn.execute(
                select(DevelopmentRow.number, DevelopmentRow.first_reported_at)
            ).all()
        assert sorted(stored) == sorted(expected, key=lambda pair: pair[0])
        listed = store.list_developments(story.id)
        assert [(d.number, d.first_reported_at) for d in listed] == expected
        assert [d.item_count for d in listed] == [0, 1, 2, 2, 2]  # the downgrade kept links
    finally:
        store.close()


def test_downgrading_below_the_citations_column_keeps_every_development_link(empty_url):
    """Migration 0004's downgrade drops ``developments.citations`` in place: a batch copy of
    the table would delete every ``development_items`` row on SQLite (foreign keys on,
    ON DELETE CASCADE)."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        item = store.ingest_item(new_item(1, at=T0, published=T0))[1].id
        store.commit_decisions([], [DevelopmentWrite(story.id, 1, "one", "", (item,))], {}, [], T0)
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0010")
        with store.engine.begin() as conn:  # foreign keys enforced from here
            config.attributes["connection"] = conn
            command.downgrade(config, "0003")
            links = conn.execute(select(column("item_id")).select_from(table("development_items")))
            assert [row.item_id for row in links] == [item]
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _diff(store.engine) == []
        assert [d.item_count for d in store.list_developments(story.id)] == [1]
    finally:
        store.close()


# --------------------------------------------------------------------------- 0009 page text


def test_page_text_column_is_added_and_dropped_in_place_keeping_links(empty_url):
    """Migration 0009 adds ``items.page_text`` (NULL: items stored before were not read)
    and its downgrade drops it in place: a batch copy of ``items`` would delete every
    judgement and development link of the items on SQLite (foreign keys on, ON DELETE
    CASCADE)."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        item = store.ingest_item(new_item(1, at=T0, published=T0))[1].id
        store.commit_decisions(
            [Judgement(story.id, item, True, 0.5, development=1)],
            [DevelopmentWrite(story.id, 1, "one", "", (item,))],
            {},
            [],
            T0,
        )
        store.save_page_texts({item: "The page."})

        def columns() -> set[str]:
            return {c["name"] for c in inspect(store.engine).get_columns("items")}

        assert "page_text" in columns()
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0010")
        with store.engine.begin() as conn:  # foreign keys enforced from here
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
            assert MigrationContext.configure(conn).get_current_revision() == "0008"
        assert "page_text" not in columns()
        with store.engine.connect() as conn:
            links = conn.execute(select(column("item_id")).select_from(table("development_items")))
            assert [row.item_id for row in links] == [item]
            judged = conn.execute(select(column("item_id")).select_from(table("judgements")))
            assert [row.item_id for row in judged] == [item]
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _diff(store.engine) == []
        assert "page_text" in columns()
        assert store.get_item(item).page_text == ""  # stored before: not read
        assert [d.item_count for d in store.list_developments(story.id)] == [1]
        assert len(store.decisions_for_item(item)) == 1
    finally:
        store.close()


def test_page_waits_table_is_added_and_dropped_keeping_items(empty_url):
    """Migration 0010 adds the empty ``page_waits`` table; its downgrade drops it and
    nothing else: the items that waited and their judgements stay."""
    store = open_store(empty_url)
    try:
        item = store.ingest_item(new_item(1, at=T0, published=T0))[1].id
        store.hold_for_pages([PageWait(item, T0, T0)])
        assert store.count_page_waits() == 1
        config = alembic_config()
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0009")
            assert MigrationContext.configure(conn).get_current_revision() == "0009"
        assert "page_waits" not in inspect(store.engine).get_table_names()
        assert store.get_item(item) is not None
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _diff(store.engine) == []
        assert store.count_page_waits() == 0  # a new, empty table
    finally:
        store.close()


_SUBSCRIPTIONS_0012 = table(  # the columns at revisions 0012 to 0018
    "subscriptions",
    column("id", Integer),
    column("platform", String),
    column("user_id", String),
    column("query", Text),
    column("query_key", String),
    column("story_id", Integer),
    column("channel_id", String),
    column("created_at", UTCDateTime),
)


def _key_in_typed_order(*words: str) -> str:
    """``query_key`` of ``w1 w2 ...`` as revisions before 0013 computed it: in typed order."""
    identity = json.dumps(["and", *(["w", w] for w in words)], separators=(",", ":"))
    return hashlib.sha256(identity.encode()).hexdigest()


def test_subscriptions_held_in_two_word_orders_become_one_keeping_the_oldest(empty_url):
    """Migration 0013: keys no longer depend on the order of an AND's words."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        with migration_connection(store.engine) as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "0012")
        subs = {  # n: (user, query, its key then, story)
            1: ("U1", "bakery bread", ("bakery", "bread"), None),
            2: ("U1", "bread bakery", ("bread", "bakery"), None),  # the same as 1 now
            3: ("U1", "bread bakery", ("bread", "bakery"), story.id),  # another scope
            4: ("U2", "bread bakery", ("bread", "bakery"), None),  # another user
        }
        assert _key_in_typed_order("bakery", "bread") == query_key("bakery bread")
        with store.engine.begin() as conn:
            for n, (user, query, words, story_id) in subs.items():
                conn.execute(
                    insert(_SUBSCRIPTIONS_0012).values(
                        id=n,
                        platform="slack",
                        user_id=user,
                        query=query,
                        query_key=_key_in_typed_order(*words),
                        story_id=story_id,
                        channel_id=None,
                        created_at=T0 + timedelta(minutes=n),
                    )
                )
        with migration_connection(store.engine) as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _diff(store.engine) == []

        with store.engine.connect() as conn:
            keys = dict(conn.execute(select(SubscriptionRow.id, SubscriptionRow.query_key)).all())
        assert keys == dict.fromkeys((1, 3, 4), query_key("bakery bread"))
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", "U1", "bread bakery", None, T0)
        assert refused.value.existing.id == 1
    finally:
        store.close()


def _store_subscriptions_keyed(store, subs: list[tuple[str, str, str]]) -> None:
    """Subscriptions of no story, each ``(user, query, key)`` stored as an older version
    keyed it, oldest first (the key migrations compute them again)."""
    with store.engine.begin() as conn:
        for user, query, key in subs:
            conn.execute(
                insert(_SUBSCRIPTIONS_0012).values(
                    platform="slack",
                    user_id=user,
                    query=query,
                    query_key=key,
                    story_id=None,
                    channel_id=None,
                    created_at=T0,
                )
            )


def _subscription_keys(store) -> list[tuple[str, str, str]]:
    """Every subscription's ``(user, query, key)``, in the order they were stored."""
    c = _SUBSCRIPTIONS_0012.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(c.user_id, c.query, c.query_key).order_by(c.id)).all()
    return [tuple(row) for row in rows]


def test_stored_single_quoted_queries_take_the_phrases_key_keeping_the_oldest(empty_url):
    """A query stored with single quotes had its words' key; it now means the phrase."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0018") == "0018"
        words_key = query_key("supply chain")  # what 'supply chain' was keyed by until now
        subs = [  # (user, query, key then), oldest first
            ("U1", '"supply chain"', query_key('"supply chain"')),
            ("U1", "'supply chain'", words_key),  # the same as the first now: deleted
            ("U2", "'supply chain'", words_key),  # the phrase's key
            ("U3", "supply chain", words_key),  # its words: unchanged
        ]
        _store_subscriptions_keyed(store, subs)
        _upgraded(store)
        rows = _subscription_keys(store)
        phrase_key = query_key('"supply chain"')
        assert rows == [
            ("U1", '"supply chain"', phrase_key),
            ("U2", "'supply chain'", phrase_key),
            ("U3", "supply chain", words_key),
        ]
        # the words are a subscription of their own now, which the old key would block
        assert store.add_subscription("slack", "U2", "supply chain", None, T0).user_id == "U2"
    finally:
        store.close()


def test_stored_kana_and_korean_queries_take_their_own_keys(empty_url):
    """Migration 0020: kana keep their voicing marks, Korean its syllables, in the keys.

    "バス" (bus) was keyed as "ハス", the key "パス" (pass) had too; a Korean query by its
    jamo. Stored as they were, "バス" could be subscribed to once more and not be found
    by its query."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0019") == "0019"
        old_kana_key = query_key("ハス")  # both "バス" and "パス" were keyed so
        # a Korean query's key was its identity's in jamo (Unicode's NFD of its syllables)
        identity = parse_query("서울", strict=False).identity()
        old_korean_key = hashlib.sha256(unicodedata.normalize("NFD", identity).encode()).hexdigest()
        subs = [  # (user, query, key then)
            ("U1", "バス", old_kana_key),
            ("U2", "パス", old_kana_key),
            ("U3", "東京", query_key("東京")),  # no voicing mark: unchanged
            ("U4", "서울", old_korean_key),
        ]
        _store_subscriptions_keyed(store, subs)
        _upgraded(store)
        rows = _subscription_keys(store)
        assert rows == [
            ("U1", "バス", query_key("バス")),
            ("U2", "パス", query_key("パス")),
            ("U3", "東京", query_key("東京")),
            ("U4", "서울", query_key("서울")),
        ]
        assert old_korean_key != query_key("서울")
        assert query_key("バス") != query_key("パス")
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", "U1", "バス", None, T0)
        assert refused.value.existing.user_id == "U1"
    finally:
        store.close()


def _key_of_identity(identity: list[object]) -> str:
    """``query_key`` of a query whose identity (as an older version computed it) is given."""
    text = json.dumps(identity, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_stored_plural_possessive_and_dotless_i_queries_take_their_new_keys(empty_url):
    """Migration 0021: "-is"/"-us" plurals, a possessive "'s" and letters such as
    Turkish "ı" or "ł" fold as items' words now do.

    "Israelis" was keyed apart from "Israeli" and now means it: the later of the two is
    deleted, as a subscription made twice would be. "Diyarbakır" held under its old key
    could be subscribed to again as "Diyarbakir", now the same query."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0020") == "0020"
        subs = [  # (user, query, key then), oldest first
            ("U1", "Israeli", _key_of_identity(["w", "israeli"])),
            ("U1", "Israelis", _key_of_identity(["w", "israelis"])),  # the same now
            ("U2", "Trump's", _key_of_identity(["w", "trump", "s"])),
            ("U3", "Diyarbakır", _key_of_identity(["w", "diyarbakır"])),
            ("U4", "pentagon", _key_of_identity(["w", "pentagon"])),  # unchanged
        ]
        assert subs[0][2] == query_key("Israeli")
        assert subs[4][2] == query_key("pentagon")
        _store_subscriptions_keyed(store, subs)
        _upgraded(store)
        assert _subscription_keys(store) == [
            ("U1", "Israeli", query_key("Israeli")),
            ("U2", "Trump's", query_key("Trump")),
            ("U3", "Diyarbakır", query_key("Diyarbakir")),
            ("U4", "pentagon", query_key("pentagon")),
        ]
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", "U3", "Diyarbakir", None, T0)
        assert refused.value.existing.user_id == "U3"
    finally:
        store.close()


def test_stored_irregular_and_es_plural_queries_take_their_new_keys(empty_url):
    """Migration 0023: "-oes", "-men", "buses", "wives", "children" and other plurals
    fold to their singulars as items' words now do.

    "gunmen" was keyed apart from "gunman" and now means it: the later of the two is
    deleted, as a subscription made twice would be. "buses" held under its old key could
    be subscribed to again as "bus", now the same query; "John Doe" no longer is the
    "does" it was keyed as, and a query whose words fold as before keeps its key."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0022") == "0022"
        subs = [  # (user, query, key then), oldest first
            ("U1", "gunman", _key_of_identity(["w", "gunman"])),
            ("U1", "gunmen", _key_of_identity(["w", "gunmen"])),  # the same now
            ("U2", "buses", _key_of_identity(["w", "buse"])),
            ("U3", "heroes children", _key_of_identity(["and", ["w", "children"], ["w", "heroe"]])),
            ("U4", '"John Does"', _key_of_identity(["w", "john", "doe"])),
            ("U5", "shoes", _key_of_identity(["w", "shoe"])),  # unchanged
        ]
        assert subs[0][2] == query_key("gunman")
        assert subs[5][2] == query_key("shoe")
        assert subs[4][2] != query_key('"John Does"')
        _store_subscriptions_keyed(store, subs)
        _upgraded(store)
        assert _subscription_keys(store) == [
            ("U1", "gunman", query_key("gunmen")),
            ("U2", "buses", query_key("bus")),
            ("U3", "heroes children", query_key("child hero")),
            ("U4", '"John Does"', query_key('"john do"')),
            ("U5", "shoes", query_key("shoe")),
        ]
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", "U2", "bus", None, T0)
        assert refused.value.existing.user_id == "U2"
    finally:
        store.close()


def _stored_queries_take_their_new_keys(
    url: str,
    before: str,
    subs: list[tuple[str, str, list[object], str]],
    retake: tuple[str, str],
) -> None:
    """A key-recomputing migration from ``before``: each stored ``(user, query, identity
    then, query now)`` is keyed as the query now reads after the upgrade, the first
    differently than before it; the last stays unchanged; ``retake`` is refused as the
    same subscription again."""
    store = open_store(url)
    try:
        assert _downgraded(store, before) == before
        stored = [(user, query, _key_of_identity(then)) for user, query, then, _ in subs]
        assert stored[0][2] != query_key(subs[0][1])
        assert stored[-1][2] == query_key(subs[-1][3])
        _store_subscriptions_keyed(store, stored)
        _upgraded(store)
        assert _subscription_keys(store) == [
            (user, query, query_key(now)) for user, query, _, now in subs
        ]
        user, query = retake
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", user, query, None, T0)
        assert refused.value.existing.user_id == user
    finally:
        store.close()


def test_stored_mars_and_camelcase_hashtag_queries_take_their_new_keys(empty_url):
    """Migration 0024: "Mars" no longer folds to "mar" (the "Mar" of "Mar 5"), and a
    CamelCase hashtag is itself or its words as a phrase.

    "Mars" held under the key of "mar" could be subscribed to again; a query whose words
    read as before keeps its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", "Mars", ["w", "mar"], "mars"),
        ("U2", "#ClimateChange", ["w", "climatechange"], '#climatechange OR "climate change"'),
        ("U3", "pentagon", ["w", "pentagon"], "pentagon"),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0023", subs, ("U1", "MARS"))


def test_stored_queries_of_plurals_of_stop_words_take_their_new_keys(empty_url):
    """Migration 0025: a plain "-s" plural no longer folds onto a stop word ("Wells" was
    "well"). "Wells" held under the key of "well" could be subscribed to again; a query
    whose words read as before keeps its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", '"Wells Fargo"', ["w", "well", "fargo"], '"wells fargo"'),
        ("U2", "mines", ["w", "mine"], "mines"),
        ("U3", "pentagon", ["w", "pentagon"], "pentagon"),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0024", subs, ("U2", "MINES"))


def test_stored_queries_of_names_like_given_names_take_their_new_keys(empty_url):
    """Migration 0026: a plain "-s" plural no longer folds onto a common given name
    ("Williams" was "william"), and "Hamas" is no "Hama". "Williams" held under the key
    of "william" could be subscribed to again; a query whose words read as before keeps
    its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", "Williams", ["w", "william"], "williams"),
        (
            "U2",
            '"Serena Williams" OR Hamas',
            ["or", ["w", "hama"], ["w", "serena", "william"]],
            'hamas OR "serena williams"',
        ),
        ("U3", "pentagon", ["w", "pentagon"], "pentagon"),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0025", subs, ("U1", "WILLIAMS"))


def test_stored_queries_of_surnames_take_their_new_keys(empty_url):
    """Migration 0027: a surname written like a plural no longer folds onto another word
    or name ("Davies" was "davy", "Rhodes" "rhode"), and "movies" is "movie", not
    "movy". "Davies" held under the key of "davy" could be subscribed to again; a query
    whose words read as before keeps its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", "Davies", ["w", "davy"], "davies"),
        (
            "U2",
            '"Cecil Rhodes" OR Luis',
            ["or", ["w", "cecil", "rhode"], ["w", "lui"]],
            'luis OR "cecil rhodes"',
        ),
        ("U4", "movies", ["w", "movy"], "movie"),  # an "-ie" noun's plural is the noun
        ("U3", "policies", ["w", "policy"], "policy"),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0026", subs, ("U1", "DAVIES"))


def test_stored_joined_phrases_and_symbol_words_take_their_new_keys(empty_url):
    """Migration 0032: a phrase that writes a word in parts also finds it written whole
    ("e-mail address" finds "email address"), so it is no longer the query that spaces
    the parts apart; "C++", ".NET" and "AT&T" are names of their own, not "c", "net"
    and "at t". Such a query held under its old key could be subscribed to again; a
    query whose words read as before keeps its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", '"e-mail address"', ["w", "e", "mail", "address"], '"e-mail address"'),
        ("U2", "C++ OR .NET", ["or", ["w", "c"], ["w", "net"]], ".net OR c++"),
        ("U4", "AT&T", ["w", "at", "t"], "at&t"),
        ("U3", '"supply chain"', ["w", "supply", "chain"], '"supply chain"'),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0031", subs, ("U1", '"E-mail Address"'))


def test_stored_words_with_an_apostrophe_at_their_end_take_their_new_keys(empty_url):
    """Migration 0034: an apostrophe at either end of a word, with no partner, is no part
    of it, so "'AT&T" is the name AT&T, no longer "at t", and "'#ClimateChange" the
    hashtag. Such a query held under its old key could be subscribed to again; a query
    whose words read as before keeps its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", "'AT&T", ["w", "at", "t"], "at&t"),
        ("U2", "C++' OR '.NET", ["or", ["w", "c"], ["w", "net"]], ".net OR c++"),
        ("U4", "'#ClimateChange", ["w", "climatechange"], '#climatechange OR "climate change"'),
        (
            "U3",
            "students' union",
            ["and", ["w", "student"], ["w", "union"]],
            "students union",
        ),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0033", subs, ("U1", "AT&T"))


def test_stored_indic_and_emoji_queries_take_their_new_keys(empty_url):
    """Migration 0036: the vowel signs and viramas of India's scripts are letters of the
    word ("दिल्ली" was "दलल", as "दलाल" is), and an emoji as a chat app sends it
    (":rocket:") is no word. Such a query held under its old key could be subscribed to
    again; a query whose words read as before keeps its key."""
    subs = [  # (user, query, key's identity then, query it now reads as), oldest first
        ("U1", "दिल्ली", ["w", "दलल"], "दिल्ली"),
        ("U2", "मैं OR বাংলাদেশ", ["or", ["w", "म"], ["w", "বলদশ"]], "मैं OR বাংলাদেশ"),
        ("U4", ":rocket: launch", ["and", ["w", "launch"], ["w", "rocket"]], "launch"),
        ("U3", "pentagon", ["w", "pentagon"], "pentagon"),  # unchanged
    ]
    _stored_queries_take_their_new_keys(empty_url, "0035", subs, ("U4", "launch"))


def test_digest_anchor_column_is_added_and_dropped_keeping_the_bindings(empty_url):
    """Migration 0022 adds ``bindings.digest_anchor`` (NULL: a digest every HOURS from
    the last, as before); its downgrade drops it in place, keeping the bindings, and a
    local wall-clock time goes in and comes out as it was, with no zone, on both
    databases."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        assert _downgraded(store, "0021") == "0021"
        columns = {c["name"] for c in inspect(store.engine).get_columns("bindings")}
        assert "digest_anchor" not in columns
        bindings_0021 = table(
            "bindings",
            column("story_id", Integer),
            column("platform", String),
            column("channel_id", String),
            column("mode", String),
            column("digest_hours", Float),
            column("max_per_hour", Integer),
            column("created_at", UTCDateTime),
            column("digested_seq", Integer),
        )
        with store.engine.begin() as conn:
            conn.execute(
                insert(bindings_0021).values(
                    story_id=story.id,
                    platform="slack",
                    channel_id="C1",
                    mode="digest",
                    digest_hours=24.0,
                    max_per_hour=0,
                    created_at=T0,
                    digested_seq=0,
                )
            )
        _upgraded(store)
        assert _diff(store.engine) == []
        [old] = store.list_bindings()
        assert (old.channel_id, old.digest_anchor) == ("C1", None)
        anchor = datetime(2026, 3, 29, 2, 30)  # a Berlin time skipped that night: kept as is
        store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 24, T0, digest_anchor=anchor)
        [bound] = store.list_bindings()
        assert bound.digest_anchor == anchor and bound.digest_anchor.tzinfo is None
        assert _downgraded(store, "0021") == "0021"
        with store.engine.connect() as conn:
            kept = conn.execute(select(column("channel_id")).select_from(table("bindings")))
            assert [row.channel_id for row in kept] == ["C1"]
        _upgraded(store)
        [back] = store.list_bindings()
        assert back.digest_anchor is None  # as before the column: every HOURS from the last
    finally:
        store.close()


def test_feed_moved_to_column_is_added_and_dropped_keeping_the_feeds(empty_url):
    """Migration 0029 adds ``feeds.moved_to`` (NULL: not known to have moved, until the
    next poll); its downgrade drops it in place, keeping the feeds, on both databases."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0028") == "0028"
        columns = {c["name"] for c in inspect(store.engine).get_columns("feeds")}
        assert "moved_to" not in columns
        _add_feed_before_0029(store, "https://a.example/rss")
        _upgraded(store)
        assert _diff(store.engine) == []
        [feed] = store.list_feeds()
        assert (feed.url, feed.moved_to) == ("https://a.example/rss", None)
        moved = "https://b.example/rss"
        store.record_poll(
            PollOutcome(feed.id, FeedStatus.OK, T0, T0, 0, None, None, None, None, None, moved)
        )
        assert store.get_feed_by_id(feed.id).moved_to == moved
        assert _downgraded(store, "0028") == "0028"
        with store.engine.connect() as conn:
            kept = conn.execute(select(column("url")).select_from(table("feeds")))
            assert [row.url for row in kept] == ["https://a.example/rss"]
        _upgraded(store)
        assert store.get_feed_by_id(feed.id).moved_to is None  # told again by its next poll
    finally:
        store.close()


def test_feed_read_in_part_column_is_added_and_dropped_keeping_the_feeds(empty_url):
    """Migration 0033 adds ``feeds.read_in_part`` (NULL: not known to be read in part,
    until a poll reads its body); its downgrade drops it in place, keeping the feeds and
    where they moved, on both databases."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0032") == "0032"
        columns = {c["name"] for c in inspect(store.engine).get_columns("feeds")}
        assert "read_in_part" not in columns and "moved_to" in columns
        _add_feed_before_0029(store, "https://a.example/rss")
        _upgraded(store)
        assert _diff(store.engine) == []
        [feed] = store.list_feeds()
        assert (feed.url, feed.read_in_part) == ("https://a.example/rss", None)
        part = "the first 500 of 501 entries (at most 500 are read a poll)"
        moved = "https://b.example/rss"
        store.record_poll(
            PollOutcome(
                feed.id, FeedStatus.OK, T0, T0, 0, None, None, None, None, None, moved, part
            )
        )
        assert store.get_feed_by_id(feed.id).read_in_part == part
        assert _downgraded(store, "0032") == "0032"
        with store.engine.connect() as conn:
            kept = conn.execute(
                select(column("url"), column("moved_to")).select_from(table("feeds"))
            )
            assert [tuple(row) for row in kept] == [("https://a.example/rss", moved)]
        _upgraded(store)
        assert store.get_feed_by_id(feed.id).read_in_part is None  # told again by a read
    finally:
        store.close()


def test_feed_asked_wait_columns_are_added_and_dropped_keeping_the_feeds(empty_url):
    """Migration 0035 adds ``feeds.asked_s`` and ``feeds.asked_by`` (NULL: the feed's
    interval set its next poll, until a poll says otherwise); its downgrade drops them in
    place, keeping the feeds and what part of them was read, on both databases."""
    store = open_store(empty_url)
    try:
        assert _downgraded(store, "0034") == "0034"
        columns = {c["name"] for c in inspect(store.engine).get_columns("feeds")}
        assert not {"asked_s", "asked_by"} & columns and "read_in_part" in columns
        _add_feed_before_0029(store, "https://a.example/rss")
        _upgraded(store)
        assert _diff(store.engine) == []
        [feed] = store.list_feeds()
        assert (feed.url, feed.asked_s, feed.asked_by) == ("https://a.example/rss", None, None)
        part = "the first 500 of 501 entries (at most 500 are read a poll)"
        store.record_poll(
            PollOutcome(
                feed.id, FeedStatus.OK, T0, T0, 0, *[None] * 6, part, asked_s=86400, asked_by="ttl"
            )
        )
        read = store.get_feed_by_id(feed.id)
        assert (read.asked_s, read.asked_by) == (86400, "ttl")
        assert _downgraded(store, "0034") == "0034"
        with store.engine.connect() as conn:
            kept = conn.execute(
                select(column("url"), column("read_in_part")).select_from(table("feeds"))
            )
            assert [tuple(row) for row in kept] == [("https://a.example/rss", part)]
        _upgraded(store)
        read = store.get_feed_by_id(feed.id)
        assert (read.asked_s, read.asked_by) == (None, None)  # told again by a poll
    finally:
        store.close()


def test_idn_hosts_take_their_ascii_form_merging_a_feed_stored_in_both_spellings(empty_url):
    """Migration 0014: a feed or item URL's internationalised host in its punycode form."""
    store = open_store(empty_url)
    try:
        with migration_connection(store.engine) as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "0013")
        # as the older code stored them: the host as typed (lower case)
        only = _add_feed_before_0029(store, "https://bücher.example/rss")
        twice = _add_feed_before_0029(store, "https://例え.jp/rss")
        kept = _add_feed_before_0029(store, "https://xn--r8jz45g.jp/rss")
        plain = _add_feed_before_0029(store, "https://a_b.example/Feed")
        items = {
            "by url": ("url:https://例え.jp/a", "https://例え.jp/a"),
            "by guid": ("guid:1", "https://例え.jp/b"),
            "both": ("url:https://例え.jp/c", "https://例え.jp/c"),
            "both, ascii": ("url:https://xn--r8jz45g.jp/c", "https://xn--r8jz45g.jp/c"),
            "ascii": ("url:https://A_B.example/x", "https://A_B.example/x"),
        }
        ids = {
            name: store.ingest_item(new_item(n, key=key, canonical_url=canon, feed_id=twice))[1].id
            for n, (name, (key, canon)) in enumerate(items.items())
        }
        with migration_connection(store.engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

        assert {f.id: f.url for f in store.list_feeds()} == {
            only: "https://xn--bcher-kva.example/rss",
            kept: "https://xn--r8jz45g.jp/rss",
            plain: "https://a_b.example/Feed",
        }
        with store.engine.connect() as conn:
            rows = conn.execute(select(_ITEMS.c.id, _ITEMS.c.key, _ITEMS.c.canonical_url)).all()
        stored = {row.id: (row.key, row.canonical_url) for row in rows}
        assert {name: stored[ids[name]] for name in items} == {
            "by url": ("url:https://xn--r8jz45g.jp/a", "https://xn--r8jz45g.jp/a"),
            "by guid": ("guid:1", "https://xn--r8jz45g.jp/b"),
            # the same article under both spellings: the key another item holds stays its own
            "both": ("url:https://例え.jp/c", "https://xn--r8jz45g.jp/c"),
            "both, ascii": ("url:https://xn--r8jz45g.jp/c", "https://xn--r8jz45g.jp/c"),
            "ascii": ("url:https://A_B.example/x", "https://A_B.example/x"),  # not rewritten
        }
        assert _diff(store.engine) == []
    finally:
        store.close()


_ITEMS = table(
    "items",
    column("id", Integer),
    column("key", Text),
    column("canonical_url", Text),
    column("feed_id", Integer),
)


def _add_feed_before_0029(store: Any, url: str, interval_s: int = 900) -> int:
    """A new feed's row as ``store.add_feed`` writes it, with the columns a database
    before 0029 has (``add_feed`` also writes ``moved_to``, which today's ORM cannot leave
    out); its id."""
    with store.engine.begin() as conn:
        return conn.execute(
            insert(_FEEDS_BEFORE_0029)
            .values(
                url=url,
                status=FeedStatus.NEW.value,
                interval_s=interval_s,
                next_poll_at=T0,
                error_count=0,
                created_at=T0,
            )
            .returning(_FEEDS_BEFORE_0029.c.id)
        ).scalar_one()


_FEEDS_BEFORE_0029 = table(
    "feeds",
    column("id", Integer),
    column("url", Text),
    column("status", Text),
    column("interval_s", Integer),
    column("next_poll_at", UTCDateTime()),
    column("error_count", Integer),
    column("created_at", UTCDateTime()),
)


def _downgraded(store: Any, revision: str) -> str | None:
    """Downgrade to ``revision``; the revision the database then says it is at."""
    with migration_connection(store.engine) as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        return MigrationContext.configure(conn).get_current_revision()


def _upgraded(store: Any) -> None:
    with migration_connection(store.engine) as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _digest(key: str) -> str:
    """A key over 1 kB as stored at revision 0014 (storage.items.stored_key then)."""
    raw = key.encode()
    return key if len(raw) <= 1024 else "sha256:" + hashlib.sha256(raw).hexdigest()


def test_idn_feed_merge_moves_the_deleted_spellings_items_to_the_kept_feed(empty_url):
    """Migration 0014: the items of the feed row deleted as the other spelling of a kept
    feed belong to the kept feed afterwards, on SQLite too (where migrations run with
    foreign keys off, so ON DELETE SET NULL never fires), and a feed-scoped guid key takes
    the kept feed's id so that feed's next poll finds the item; the kept row's schedule
    and history stay as they were."""
    store = open_store(empty_url)
    try:
        _downgraded(store, "0013")
        gone = _add_feed_before_0029(store, "https://例え.jp/rss", interval_s=60)
        kept = _add_feed_before_0029(store, "https://xn--r8jz45g.jp/rss", interval_s=900)
        items = {  # name: (key, feed)
            "scoped": (f"feed:{gone}:guid:1", gone),
            "scoped, held": (f"feed:{gone}:guid:2", gone),
            "kept's copy": (f"feed:{kept}:guid:2", kept),
            "global guid": ("guid:tag:x,2026:3", gone),
        }
        ids = {
            name: store.ingest_item(new_item(n, key=key, feed_id=feed))[1].id
            for n, (name, (key, feed)) in enumerate(items.items())
        }
        _upgraded(store)

        feeds = store.list_feeds()
        assert [(f.id, f.url, f.interval_s) for f in feeds] == [
            (kept, "https://xn--r8jz45g.jp/rss", 900)
        ]
        with store.engine.connect() as conn:
            rows = conn.execute(select(_ITEMS.c.id, _ITEMS.c.key, _ITEMS.c.feed_id)).all()
            if store.engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        stored = {row.id: (row.key, row.feed_id) for row in rows}
        assert {name: stored[ids[name]] for name in items} == {
            "scoped": (f"feed:{kept}:guid:1", kept),
            "scoped, held": (f"feed:{gone}:guid:2", kept),  # the kept feed's copy has it
            "kept's copy": (f"feed:{kept}:guid:2", kept),
            "global guid": ("guid:tag:x,2026:3", kept),
        }
        # the kept feed's next poll finds the moved item: not new, not judged again
        outcome, item = store.ingest_item(new_item(0, key=f"feed:{kept}:guid:1", feed_id=kept))
        assert (outcome, item.id) == (IngestOutcome.SEEN, ids["scoped"])
        assert _diff(store.engine) == []
    finally:
        store.close()


def test_idn_item_keys_kept_as_digests_are_rewritten_in_their_stored_form(empty_url):
    """Migration 0014: a URL key over 1 kB is stored as its digest; the upgrade recognises
    it and writes the new key's digest (so the next poll finds the item), and a key that
    punycode makes longer than 1 kB is written as a digest too."""
    store = open_store(empty_url)
    try:
        _downgraded(store, "0013")
        host = ".".join(["例"] * 30) + ".jp"  # 122 bytes in UTF-8, 242 in punycode
        ascii_host = canonical_url(f"https://{host}/")[len("https://") : -1]
        long_path = "/" + "a" * 1100
        fits = 1024 - len(f"url:https://{host}".encode())  # a path that fits until punycode
        short_path = "/" + "b" * (fits - 1)
        cases = {  # name: canonical URL as stored before 0014
            "digest": f"https://{host}{long_path}",
            "grows": f"https://{host}{short_path}",
        }
        assert len(f"url:{cases['grows']}".encode()) == 1024
        ids = {
            name: store.ingest_item(new_item(n, key=f"url:{canon}", canonical_url=canon))[1].id
            for n, (name, canon) in enumerate(cases.items())
        }
        with store.engine.connect() as conn:
            before = dict(conn.execute(select(_ITEMS.c.id, _ITEMS.c.key)).all())
        assert before[ids["digest"]].startswith("sha256:")
        assert before[ids["grows"]] == f"url:{cases['grows']}"
        _upgraded(store)

        with store.engine.connect() as conn:
            rows = conn.execute(select(_ITEMS.c.id, _ITEMS.c.key, _ITEMS.c.canonical_url)).all()
        stored = {row.id: (row.key, row.canonical_url) for row in rows}
        for n, (name, path) in enumerate((("digest", long_path), ("grows", short_path))):
            canon = f"https://{ascii_host}{path}"
            assert stored[ids[name]] == (_digest(f"url:{canon}"), canon), name
            assert stored[ids[name]][0].startswith("sha256:")
            # the next poll, under the ASCII host, finds the same item: not new
            outcome, item = store.ingest_item(
                new_item(n, key=f"url:{canon}", canonical_url=canon, url=canon)
            )
            assert (outcome, item.id) == (IngestOutcome.SEEN, ids[name]), name
    finally:
        store.close()


# --------------------------------------------------------------------------- 0015 item updates


def test_item_updates_table_and_judged_version_are_added_and_dropped_in_place(empty_url):
    """Migration 0015 adds ``item_updates`` and ``judgements.item_version``; its downgrade
    drops both and nothing else (the column in place: a batch copy of ``judgements`` is
    not needed), and judgements stored before have no version recorded."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        item = store.ingest_item(new_item(1, at=T0, published=T0))[1].id
        store.commit_decisions(
            [Judgement(story.id, item, True, 0.5, development=1)],
            [DevelopmentWrite(story.id, 1, "one", "", (item,))],
            {},
            [],
            T0,
            versions={item: 1},
        )
        store.ingest_item(new_item(1, at=T0, content="Two", content_hash="h2"))
        assert len(store.pending_updates()) == 1
        assert _downgraded(store, "0014") == "0014"
        assert "item_updates" not in inspect(store.engine).get_table_names()
        columns = {c["name"] for c in inspect(store.engine).get_columns("judgements")}
        assert "item_version" not in columns
        with store.engine.connect() as conn:
            judged = conn.execute(select(column("item_id")).select_from(table("judgements")))
            assert [row.item_id for row in judged] == [item]
        _upgraded(store)
        assert _diff(store.engine) == []
        assert store.pending_updates() == []  # a new, empty table
        (decision,) = store.decisions_for_item(item)
        assert decision.item_version is None  # judged before versions were recorded
        assert [d.item_count for d in store.list_developments(story.id)] == [1]
    finally:
        store.close()


# --------------------------------------------------------------------------- 0016 notice subscriptions


def test_notice_subscriptions_column_is_added_and_dropped_in_place_keeping_the_outbox(empty_url):
    """Migration 0016 adds ``outbox.subscription_ids``; its downgrade drops the column in
    place and keeps every outbox row. A notice queued before the column (NULL) is not taken
    back by an unsubscribe: nothing says which subscriptions caused it."""
    store = open_store(empty_url)
    try:
        sub = store.add_subscription("slack", "U1", "rail", None, T0)
        dm = Target("slack", user_id="U1")
        store.enqueue(
            [
                write("notice:slack:U1:1", dm, subscription_ids=(sub.id,)),
                write("notice:slack:U2:1", Target("slack", user_id="U2")),
            ],
            T0,
        )
        assert _downgraded(store, "0015") == "0015"
        columns = {c["name"] for c in inspect(store.engine).get_columns("outbox")}
        assert "subscription_ids" not in columns and "post_started_at" in columns
        with store.engine.connect() as conn:
            keys = conn.execute(select(column("key")).select_from(table("outbox")))
            assert sorted(row.key for row in keys) == ["notice:slack:U1:1", "notice:slack:U2:1"]
        _upgraded(store)
        assert _diff(store.engine) == []
        assert store.remove_subscription("slack", "U1", sub.id) is True
        assert store.get_outbox("notice:slack:U1:1") is not None, "queued before 0016: stays"
        assert store.outbox_counts()["pending"] == 2
    finally:
        store.close()


# --------------------------------------------------------------------------- 0017 commit order


def test_developments_are_numbered_in_time_order_and_bindings_keep_what_they_covered(empty_url):
    """Migration 0017 numbers each story's developments by ``created_at`` (number breaking
    a tie) and sets each binding's watermark to the developments its last digest (its
    creation, if none) counted as sent, so the first digest after the upgrade lists
    exactly what the old rule would have; its downgrade drops the columns in place."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        other = store.add_story("t", "T", [], T0)
        for story_id, number, hours in [
            (story.id, 0, 0),
            (story.id, 2, 3),  # committed first, numbered after 1 and 3 by time and number
            (story.id, 1, 1),
            (story.id, 3, 3),
            (other.id, 1, 2),
        ]:
            at = T0 + timedelta(hours=hours)
            store.commit_decisions([], [DevelopmentWrite(story_id, number, "", "", ())], {}, [], at)
        digested = store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 1, T0)
        seq = digested.digested_seq
        assert store.queue_digest(digested.id, seq, seq, [], T0 + timedelta(hours=2))
        fresh = store.bind(story.id, "slack", "C2", DeliveryMode.DIGEST, 1, T0 + timedelta(hours=1))
        assert _downgraded(store, "0016") == "0016"
        assert "seq" not in {c["name"] for c in inspect(store.engine).get_columns("developments")}
        assert "digested_seq" not in {
            c["name"] for c in inspect(store.engine).get_columns("bindings")
        }
        _upgraded(store)
        assert _diff(store.engine) == []

        devs, through = store.developments_after(story.id, 0)
        assert [d.number for d in devs] == [0, 1, 2, 3] and through == 4
        covered = {b.channel_id: b.digested_seq for b in store.bindings_for_story(story.id)}
        assert covered == {"C1": 2, "C2": 2}  # through development 1: created at or before
        assert [d.number for d in store.developments_after(other.id, 0)[0]] == [1]
        # the story's counter goes on from the backfill
        store.commit_decisions([], [DevelopmentWrite(story.id, 4, "", "", ())], {}, [], T0)
        assert store.developments_after(story.id, 4) == ([store.get_development(story.id, 4)], 5)
        assert fresh.id != digested.id
    finally:
        store.close()


def test_development_numbering_backfill_is_linear_in_a_storys_developments(tmp_path):
    """0017 numbers a story's developments in one pass: counting, for each row, the
    rows before it was quadratic (30 s for 10,000 developments in one story on SQLite,
    18 s on PostgreSQL). Measured in SQLite virtual-machine steps, not time."""
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        story = store.add_story("s", "S", [], T0)
        n = 2000
        rows = [
            {
                "story_id": story.id,
                "number": number,
                "headline": "",
                "summary": "",
                "created_at": T0 + timedelta(minutes=number),
                "updated_at": T0 + timedelta(minutes=number),
            }
            for number in range(n)
        ]
        with store.engine.begin() as conn:
            conn.execute(insert(DevelopmentRow), rows)
        assert _downgraded(store, "0016") == "0016"
        steps = 0

        def step() -> int:
            nonlocal steps
            steps += 1
            return 0

        with migration_connection(store.engine) as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.set_progress_handler(step, 100)  # called every 100 steps
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            raw.set_progress_handler(None, 0)
        devs, through = store.developments_after(story.id, 0)
        assert [d.number for d in devs] == list(range(n)) and through == n
        assert steps * 100 < 500 * n, steps
    finally:
        store.close()


# --------------------------------------------------------------------------- 0018 stream row

_engine_state = table(
    "engine_state",
    column("story_id", Integer),
    column("state", JsonDoc),
    column("updated_at", UTCDateTime),
)


def _states(store: Any) -> dict[int, Any]:
    """Every story's stored engine state, read without the models."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(_engine_state.c.story_id, _engine_state.c.state))
        return {row.story_id: row.state for row in rows}


def test_the_stream_statistics_move_to_a_row_of_their_own_and_back(empty_url):
    """Before 0018 each commit stored the stream statistics beside one story's state (key
    ``stream``) and a fresh engine took the copy that counted the most items. The upgrade
    moves that copy to ``engine_stream`` and takes every copy out of the states, so an
    upgraded database weighs with what it did; the downgrade puts the row back beside the
    lowest story's state, where that revision's code looks for it."""
    store = open_store(empty_url)
    try:
        one, two, three = (store.add_story(name, name, [], T0) for name in ("a", "b", "c"))
        older, later = {"n_docs": 3, "df": {"a": 3}}, {"n_docs": 5, "df": {"a": 4, "ü": 1}}
        assert _downgraded(store, "0017") == "0017"
        assert "engine_stream" not in inspect(store.engine).get_table_names()
        with store.engine.begin() as conn:  # as the code of 0017 stored them
            conn.execute(
                insert(_engine_state),
                [
                    {"story_id": one.id, "state": {"k": 1, "stream": older}, "updated_at": T0},
                    {"story_id": two.id, "state": {"k": 2, "stream": later}, "updated_at": T0},
                    {"story_id": three.id, "state": {"k": 3}, "updated_at": T0},
                ],
            )
        _upgraded(store)
        assert _diff(store.engine) == []
        assert store.load_stream() == later, "the copy that counted the most items"
        assert _states(store) == {one.id: {"k": 1}, two.id: {"k": 2}, three.id: {"k": 3}}

        newest = {"n_docs": 6, "df": {"a": 5, "ü": 1}}
        store.commit_decisions([], [], {two.id: {"k": 4}}, [], T0, stream=newest)
        assert _downgraded(store, "0017") == "0017"
        assert "engine_stream" not in inspect(store.engine).get_table_names()
        assert _states(store) == {
            one.id: {"k": 1, "stream": newest},
            two.id: {"k": 4},
            three.id: {"k": 3},
        }
        _upgraded(store)
        assert store.load_stream() == newest
        assert _states(store) == {one.id: {"k": 1}, two.id: {"k": 4}, three.id: {"k": 3}}
    finally:
        store.close()


def test_without_a_story_state_to_carry_them_the_stream_statistics_have_no_row(empty_url):
    """States stored before the stream statistics were stored beside them (each story had
    its own table then) carry none: the upgrade stores no row, and the service falls
    back to the saved background statistics as it did. A downgrade with no story state
    left has nowhere to put the row, which 0017's code could not have kept either."""
    store = open_store(empty_url)
    try:
        story = store.add_story("a", "a", [], T0)
        store.commit_decisions([], [], {story.id: {"k": 1, "df": {"x": 1}}}, [], T0)
        assert _downgraded(store, "0017") == "0017"
        _upgraded(store)
        assert store.load_stream() is None
        assert _states(store) == {story.id: {"k": 1, "df": {"x": 1}}}

        store.commit_decisions([], [], {}, [], T0, stream={"n_docs": 2, "df": {}})
        assert store.remove_story("a") is True
        assert _downgraded(store, "0017") == "0017"
        assert _states(store) == {}
        _upgraded(store)
        assert store.load_stream() is None
    finally:
        store.close()


def test_corrections_table_is_added_and_dropped_keeping_stories_and_items(empty_url):
    """Migration 0028 adds the empty ``corrections`` table (``/story wrong``); its
    downgrade drops it and nothing else: the story, the item and its judgement stay."""
    from bot.model import Correction

    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        item = store.ingest_item(new_item(1, at=T0))[1].id
        store.commit_decisions([Judgement(story.id, item, True, 0.5)], [], {}, [], T0)
        store.set_correction(Correction(story.id, item, False, "slack", "U1", T0))
        assert _downgraded(store, "0027") == "0027"
        assert "corrections" not in inspect(store.engine).get_table_names()
        assert store.get_item(item) is not None
        with store.engine.connect() as conn:  # stories as at 0027 (0030 added a column)
            kept = conn.execute(select(column("name")).select_from(table("stories")))
            assert [row.name for row in kept] == ["s"]
        assert [d.judgement.on_topic for d in store.decisions_for_item(item)] == [True]
        _upgraded(store)
        assert _diff(store.engine) == []
        assert store.all_corrections() == {}  # a new, empty table
    finally:
        store.close()


def test_development_updates_and_their_watermarks_are_added_and_dropped_in_place(empty_url):
    """Migration 0030 adds the empty ``development_updates`` table, the story's counter
    of updates and two watermarks per binding: ``updated_seq`` at 0, so the first digest
    after the upgrade tells no update stored before it (there is none to tell), and
    ``followed_seq``, the last development created at or before the follow (those were
    not its digests' to list). Its downgrade drops them in place, keeping the bindings."""
    store = open_store(empty_url)
    try:
        story = store.add_story("s", "S", [], T0)
        one, two, three = (store.ingest_item(new_item(n, at=T0))[1].id for n in (1, 2, 3))
        develop = store.commit_decisions
        develop([], [DevelopmentWrite(story.id, 1, "One", "", (one,))], {}, [], T0)
        store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 1, T0 + timedelta(hours=1))
        develop(
            [], [DevelopmentWrite(story.id, 2, "Two", "", (two,))], {}, [], T0 + timedelta(hours=2)
        )
        fact = DevelopmentWrite(
            story.id, 2, "Two", "", (three,), fact="Outlet 3: New.", fact_item_id=three
        )
        develop([], [fact], {}, [], T0 + timedelta(hours=3))
        assert store.development_updates_after(story.id, 0)[1] == 1
        assert _downgraded(store, "0029") == "0029"
        assert "development_updates" not in inspect(store.engine).get_table_names()
        columns = {c["name"] for c in inspect(store.engine).get_columns("bindings")}
        assert not {"updated_seq", "followed_seq"} & columns
        assert "update_seq" not in {c["name"] for c in inspect(store.engine).get_columns("stories")}
        _upgraded(store)
        assert _diff(store.engine) == []
        [binding] = store.list_bindings()
        assert (binding.channel_id, binding.digested_seq) == ("C1", 1)
        assert (binding.followed_seq, binding.updated_seq) == (1, 0)
        assert store.development_updates_after(story.id, 0) == ([], 0), "none to tell"
        # a report after the upgrade is an update, the story's counter starting at 1
        four = store.ingest_item(new_item(4, at=T0))[1].id
        again = DevelopmentWrite(
            story.id, 2, "Two", "", (four,), fact="Outlet 4: More.", fact_item_id=four
        )
        develop([], [again], {}, [], T0 + timedelta(hours=4))
        updates, through = store.development_updates_after(story.id, 0)
        assert through == 1
        assert [(u.number, u.reports, u.source, u.fact) for u in updates] == [
            (2, 1, "Outlet 4", "Outlet 4: More.")
        ]
        assert _downgraded(store, "0029") == "0029"
        with store.engine.connect() as conn:
            kept = conn.execute(select(column("channel_id")).select_from(table("bindings")))
            assert [row.channel_id for row in kept] == ["C1"]
        _upgraded(store)
        [back] = store.list_bindings()
        assert (back.updated_seq, back.followed_seq) == (0, 1)
    finally:
        store.close()


def test_owner_checks_table_is_added_empty_and_dropped(empty_url):
    """Migration 0031 adds the empty ``owner_checks`` table (the service's first check
    after the upgrade runs as on a first start); its downgrade drops it and nothing else."""
    store = open_store(empty_url)
    try:
        store.add_subscription("slack", "U1", "pentagon", None, T0, "C1")
        assert store.claim_owner_check("slack", T0, 86400.0, 3600.0)
        assert _downgraded(store, "0030") == "0030"
        assert "owner_checks" not in inspect(store.engine).get_table_names()
        assert [s.user_id for s in store.all_subscriptions()] == ["U1"]
        _upgraded(store)
        assert _diff(store.engine) == []
        assert store.owner_check_runs() == []
        assert store.claim_owner_check("slack", T0, 86400.0, 3600.0), "never ran: due"
    finally:
        store.close()
