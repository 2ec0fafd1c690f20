"""``storybot db-copy``: an installation moves from SQLite to PostgreSQL (and back).

The source is built by the real pipeline (``storyworld``: the demo story, its sample
reports served by a local feed server, polled, judged, alerted to the console, one report
updated in place, a keyword subscription, a digest follow at a time of day, an admin's
correction). It is copied by the command itself (``adapters.cli.main``) into a new
PostgreSQL schema; then every row of every table must be equal on both sides (timestamps,
JSON documents, booleans), the service's commands must answer the same, and a poll on the
copy must add rows whose ids follow the copied ones. Refusals and a failed copy run on
SQLite files.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import re
import sqlite3
from typing import Any

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from sqlalchemy import create_engine, select, text
from storyworld import TIMELINE, as_entry, feed_of, make_world

from adapters.cli import main
from adapters.console import console_request
from adapters.db_copy import db_copy
from bot.model import CommandRequest
from bot.settings import load_settings
from storage import open_store
from storage.engine import make_engine
from storage.migrate import alembic_config, migration_connection
from storage.models import Base
from storage.poller_lock import poller_lock

pytest_plugins = ["store_fixtures"]  # pg_url: a new PostgreSQL schema

FACT = (
    "On Friday the Pentagon agreed to hand the full text of its Anthropic agreement "
    "to the senators before the March 18 hearing."
)
BEFORE = 30  # the timeline's first reports, polled before the copy; the rest after it
UPDATED = "ww-003"  # a development's first report, updated in place with FACT


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every storybot table, through the models' types, in id order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: [
                    dict(r._mapping)
                    for r in conn.execute(select(t).order_by(*t.primary_key.columns))
                ]
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _entries(items: list[dict], updated: bool = False) -> bytes:
    return feed_of(
        *(
            as_entry(
                dict(i, content=i["content"] + "\n\n" + FACT)
                if updated and i["guid"] == UPDATED
                else i,
                n,
            )
            for n, i in enumerate(items)
        )
    )


async def _cycle(world) -> None:
    await world.app.pipeline.poll_due()
    await world.app.delivery.deliver_due(limit=1000)


async def _build_source(feed_server, url: str, clock) -> list[str]:
    """A store the pipeline filled; the replies the checks ask for afterwards."""
    world = make_world(url, clock)
    first = TIMELINE["items"][:BEFORE]
    feed_server.add_feed("/a.xml", _entries(first), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    await _cycle(world)
    clock.advance(hours=2)
    feed_server.add_feed("/a.xml", _entries(first, updated=True), etag=True)
    await _cycle(world)
    handle = world.app.commands.handle
    user = CommandRequest("subscribe senators hearing", "slack", "U1", "C1")
    assert (await handle(user)).ok
    follow = CommandRequest("follow demo digest 24 at 09:00", "slack", "U1", "C1", is_admin=True)
    assert (await handle(follow)).ok
    unrelated = next(i for i in first if i["kind"] == "unrelated")
    assert (await handle(console_request(f"wrong {unrelated['url']}"))).ok
    await world.app.aclose()
    updated = next(i for i in first if i["guid"] == UPDATED)
    return [
        "status demo",
        "developments demo",
        f"why {updated['url']}",
        f"why {unrelated['url']}",
        "subscriptions",
        "stories",
    ]


async def _answers(url: str, clock, asks: list[str]) -> list[str]:
    world = make_world(url, clock, follow=False)
    try:
        replies = [await world.app.commands.handle(console_request(a)) for a in asks]
        slack = await world.app.commands.handle(CommandRequest("subscriptions", "slack", "U1"))
    finally:
        await world.app.aclose()
    return [r.text for r in replies] + [slack.text]


async def _export(monkeypatch, capsys, url: str) -> dict:
    """``storybot story export demo --format json`` (in a thread: it runs an event loop)."""
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["story", "export", "demo", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    exported.pop("exported_at")
    return exported


@pytest.mark.postgres
async def test_a_store_the_pipeline_filled_moves_to_postgresql_and_back_exactly(
    feed_server, tmp_path, pg_url, clock, monkeypatch, capsys
):
    source = f"sqlite:///{tmp_path / 'old.db'}"
    asks = await _build_source(feed_server, source, clock)
    before = _rows(source)
    assert before["item_updates"] == [] and before["development_updates"]
    assert before["corrections"] and before["subscriptions"] and before["engine_state"]
    assert any(b["digest_anchor"] is not None for b in before["bindings"])
    monkeypatch.setenv("STORYBOT_DATABASE_URL", source)

    assert main(["db-copy", "--to", pg_url]) == 0

    said = capsys.readouterr()
    assert said.err == ""  # no terminal: no progress line
    assert f"copied {sum(len(v) for v in before.values())} rows in {len(before)} tables" in said.out
    assert "storybot's tables were created there first" in said.out
    top = max(r["id"] for r in before["items"])
    assert re.search(rf"^  items +{len(before['items'])} +next id {top + 1}$", said.out, re.M)
    copied = _rows(pg_url)
    assert copied == before  # every value, through the models' types
    # the engine's state as the engine reads it: the same JSON document, key order too
    assert [json.dumps(r["state"]) for r in copied["engine_state"]] == [
        json.dumps(r["state"]) for r in before["engine_state"]
    ]
    assert all(r["created_at"].utcoffset().total_seconds() == 0 for r in copied["stories"])
    assert {type(r["on_topic"]) for r in copied["judgements"]} == {bool}
    assert await _answers(pg_url, clock, asks) == await _answers(source, clock, asks)
    assert await _export(monkeypatch, capsys, pg_url) == await _export(monkeypatch, capsys, source)

    # and back, into a new SQLite file: the same rows again, the AUTOINCREMENT counters too
    back = tmp_path / "back.db"
    assert main(["db-copy", "--from", pg_url, "--to", f"sqlite:///{back}", "--yes"]) == 0
    assert _rows(f"sqlite:///{back}") == before
    with sqlite3.connect(tmp_path / "old.db") as old, sqlite3.connect(back) as new:
        query = "SELECT name, seq FROM sqlite_sequence ORDER BY name"
        assert new.execute(query).fetchall() == old.execute(query).fetchall()

    # the service on the copy: a poll stores, judges and alerts new reports under new ids
    world = make_world(pg_url, clock, follow=False)
    feed_server.add_feed("/a.xml", _entries(TIMELINE["items"], updated=True), etag=True)
    clock.advance(hours=2)
    await _cycle(world)
    world.app.store.add_feed(feed_server.url("/b.xml"), clock.now())
    await world.app.aclose()
    after = _rows(pg_url)
    for table in ("items", "judgements", "outbox", "developments", "feeds"):
        ids = [r["id"] for r in after[table]]
        assert len(ids) > len(before[table]), table
        assert min(ids[len(before[table]) :]) == max(r["id"] for r in before[table]) + 1, table
    assert {r["id"]: r for r in after["items"]}.keys() >= {r["id"] for r in before["items"]}


@pytest.mark.postgres
async def test_a_feed_deleted_on_sqlite_keeps_its_id_from_being_handed_out_on_postgresql(
    tmp_path, pg_url, clock, monkeypatch, capsys
):
    source = f"sqlite:///{tmp_path / 'old.db'}"
    store = open_store(source)
    store.add_feed("https://news.example/1.xml", clock.now())
    gone = store.add_feed("https://news.example/2.xml", clock.now())
    store.remove_feed(gone.url)
    store.close()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", source)

    assert main(["db-copy", "--to", pg_url]) == 0

    assert re.search(r"^  feeds +1 +next id 3$", capsys.readouterr().out, re.M)
    store = open_store(pg_url)
    try:
        assert store.add_feed("https://news.example/3.xml", clock.now()).id == gone.id + 1
    finally:
        store.close()


@pytest.mark.postgres
def test_a_postgresql_source_other_sessions_use_is_refused_without_yes(
    tmp_path, pg_url, monkeypatch, capsys
):
    open_store(pg_url).close()
    other = create_engine(pg_url)
    with other.connect() as conn:
        conn.execute(text("SET application_name = 'storybot run'"))
        monkeypatch.setenv("STORYBOT_DATABASE_URL", pg_url)
        target = tmp_path / "new.db"
        assert main(["db-copy", "--to", f"sqlite:///{target}"]) == 2
        err = capsys.readouterr().err
        assert "'storybot run'" in err and "add --yes" in err
        assert "Stop storybot's processes first" in err
        assert not target.exists()
        assert main(["db-copy", "--to", f"sqlite:///{target}", "--yes"]) == 0
    other.dispose()


# --------------------------------------------------------------------------- refusals


def _source(tmp_path, clock) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = open_store(url)
    store.add_feed("https://news.example/1.xml", clock.now())
    store.close()
    return url


def _copy(monkeypatch, capsys, source: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("STORYBOT_DATABASE_URL", source)
    code = main(["db-copy", *args])
    return code, capsys.readouterr().err


def test_a_target_holding_rows_is_refused_and_left_as_it_was(tmp_path, clock, monkeypatch, capsys):
    source = _source(tmp_path, clock)
    target = f"sqlite:///{tmp_path / 'new.db'}"
    store = open_store(target)
    store.add_feed("https://other.example/feed.xml", clock.now())
    store.close()
    before = _rows(target)

    code, err = _copy(monkeypatch, capsys, source, "--to", target)

    assert code == 2
    assert "is not empty: feeds (1 row)" in err and "nothing is merged" in err
    assert _rows(target) == before


def test_a_target_with_storybots_empty_tables_is_filled(tmp_path, clock, monkeypatch, capsys):
    source = _source(tmp_path, clock)
    target = f"sqlite:///{tmp_path / 'new.db'}"
    open_store(target).close()

    code, err = _copy(monkeypatch, capsys, source, "--to", target)

    assert (code, err) == (0, "")
    assert "storybot's tables were created" not in capsys.readouterr().out
    assert _rows(target) == _rows(source)


def test_a_target_a_worker_ran_on_before_anything_was_stored_is_filled(
    tmp_path, clock, monkeypatch, capsys
):
    """README's scale-out steps: create the database, `storybot db-upgrade`, start the
    workers; then move the SQLite installation. A worker's periodic job had saved the
    statistics of no item there (`engine_background`: n_docs 0, through id 0), and the
    copy was refused as "not empty: engine_background (1 row)", to be dropped and made
    again although nothing was ever stored in it."""
    from adapters.app import build_app
    from adapters.jobs.tasks import fresh_pipeline

    source = _source(tmp_path, clock)
    target = f"sqlite:///{tmp_path / 'new.db'}"
    app = build_app(load_settings(None, env={"STORYBOT_DATABASE_URL": target}), clock=clock)
    assert fresh_pipeline(app).update_saved_background() == 0  # the worker's background job
    asyncio.run(app.fetcher.aclose())
    app.store.close()

    code, err = _copy(monkeypatch, capsys, source, "--to", target)

    assert (code, err) == (0, "")
    assert _rows(target) == _rows(source)


def test_a_target_whose_saved_statistics_count_items_is_refused(
    tmp_path, clock, monkeypatch, capsys
):
    source = _source(tmp_path, clock)
    target = f"sqlite:///{tmp_path / 'new.db'}"
    store = open_store(target)
    store.save_background({"n_docs": 3, "df": {"pentagon": 2}}, 3, clock.now())
    store.close()
    before = _rows(target)

    code, err = _copy(monkeypatch, capsys, source, "--to", target)

    assert code == 2 and "is not empty: engine_background (1 row)" in err
    assert _rows(target) == before


def test_a_source_at_an_older_revision_is_refused_with_the_upgrade_to_run(
    tmp_path, monkeypatch, capsys
):
    from alembic import command

    path = tmp_path / "old.db"
    config = alembic_config()
    engine = make_engine(f"sqlite:///{path}")
    with migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0029")
    engine.dispose()
    target = tmp_path / "new.db"

    code, err = _copy(monkeypatch, capsys, f"sqlite:///{path}", "--to", f"sqlite:///{target}")

    assert code == 2
    assert "is at schema revision 0029, this storybot's is 0036: upgrade it first" in err
    assert "storybot db-upgrade" in err
    assert not target.exists()


def test_the_same_database_twice_is_refused(tmp_path, clock, monkeypatch, capsys):
    source = _source(tmp_path, clock)
    same = f"sqlite:///{tmp_path / '.' / 'old.db'}"

    code, err = _copy(monkeypatch, capsys, source, "--to", same)

    assert code == 2 and "is the database to copy" in err


def test_a_missing_source_is_refused_and_no_target_made(tmp_path, monkeypatch, capsys):
    target = tmp_path / "new.db"
    code, err = _copy(
        monkeypatch, capsys, f"sqlite:///{tmp_path / 'none.db'}", "--to", f"sqlite:///{target}"
    )
    assert code == 2 and "no database to copy at" in err
    assert not target.exists()


def test_a_source_a_running_service_polls_is_refused_saying_to_stop_it(
    tmp_path, clock, monkeypatch, capsys
):
    source = _source(tmp_path, clock)
    target = tmp_path / "new.db"
    engine = make_engine(source)
    with poller_lock(engine, "storybot run"):
        code, err = _copy(monkeypatch, capsys, source, "--to", f"sqlite:///{target}")
    engine.dispose()

    assert code == 2
    assert "a storybot process is polling the source database" in err
    assert "Stop every storybot process using it first" in err
    assert not target.exists()  # refused before anything was written


def test_another_applications_database_as_target_is_refused(tmp_path, clock, monkeypatch, capsys):
    source = _source(tmp_path, clock)
    target = tmp_path / "cms.db"
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY)")

    code, err = _copy(monkeypatch, capsys, source, "--to", f"sqlite:///{target}")

    assert code == 2 and "not a storybot database" in err


@pytest.mark.postgres
def test_a_copy_that_fails_midway_commits_nothing(tmp_path, clock, pg_url, monkeypatch, capsys):
    source = _source(tmp_path, clock)
    store = open_store(source)
    story = store.add_story("s1", "S", [], clock.now())
    store.close()
    # a value SQLite keeps but PostgreSQL refuses (bindings.mode is VARCHAR(16)), in a
    # table copied after stories, feeds and the outbox
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute(
            "INSERT INTO bindings (story_id, platform, channel_id, mode, digest_hours, "
            "max_per_hour, created_at) VALUES (?, 'slack', 'C1', ?, 24, 10, "
            "'2026-03-05 08:00:00.000000')",
            (story.id, "x" * 40),
        )

    code, err = _copy(monkeypatch, capsys, source, "--to", pg_url)

    assert code == 1
    assert "the copy failed copying table bindings: value too long" in err
    assert "Nothing was committed" in err
    assert all(rows == [] for rows in _rows(pg_url).values())
    # fixed, the same command goes through
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("UPDATE bindings SET mode = 'realtime'")
    assert _copy(monkeypatch, capsys, source, "--to", pg_url)[0] == 0
    assert _rows(pg_url) == _rows(source)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_line_redrawn_after_each_batch(tmp_path, clock):
    source = _source(tmp_path, clock)
    store = open_store(source)
    for n in range(2, 2_500):
        store.add_feed(f"https://news.example/{n}.xml", clock.now())
    store.close()
    out, err = io.StringIO(), _Terminal()
    args = argparse.Namespace(from_url=source, to=f"sqlite:///{tmp_path / 'new.db'}", yes=False)

    assert db_copy(load_settings(None, env={}), args, out, err) == 0

    drawn = err.getvalue()
    tables = len(Base.metadata.sorted_tables)
    assert f"\r[3/{tables} tables] feeds: 1,000 of 2,499 rows" in drawn
    assert f"\r[3/{tables} tables] feeds: 2,499 of 2,499 rows" in drawn
    assert drawn.endswith("\n") and drawn.count("\n") == 1
    assert re.search(r"^  feeds +2,499 +next id 2,500$", out.getvalue(), re.M)


def test_a_target_in_a_missing_directory_is_refused_naming_the_option(
    tmp_path, clock, monkeypatch, capsys
):
    source = _source(tmp_path, clock)
    code, err = _copy(monkeypatch, capsys, source, "--to", f"sqlite:///{tmp_path / 'no' / 'x.db'}")
    assert code == 2
    assert err.startswith(f"storybot: error: --to: the directory {tmp_path / 'no'} ")


def test_a_postgresql_server_that_is_down_is_exit_75(tmp_path, clock, monkeypatch, capsys):
    source = _source(tmp_path, clock)
    target = "postgresql://bob:s3cret@127.0.0.1:1/nope?connect_timeout=2"  # nothing listens
    code, err = _copy(monkeypatch, capsys, source, "--to", target)
    assert code == 75
    assert "cannot open the target database postgresql+psycopg://bob:***@127.0.0.1:1/" in err
    assert "s3cret" not in err
