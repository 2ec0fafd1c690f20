"""Commands that only read answer while another process holds the SQLite write lock.

A long ``storybot prune``, a backup or another program's write on the file holds SQLite's
write lock; a command that writes waits SQLite's busy timeout for it and then fails, exit
75 (worth trying again). Opening the store for a reading command used to take that lock
too (the migration's ``BEGIN IMMEDIATE``, even with nothing to migrate), so ``storybot ask
status`` or ``storybot outbox`` failed alike. Here a second connection really holds the
lock (``BEGIN IMMEDIATE``), opened and closed by the test; the busy timeout is 0, so a
command that still needed the lock fails at once instead of after 10 s on the real clock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_builders import T0

import storage.engine
from adapters.cli import main
from bot.model import DeliveryMode
from storage import open_store

pytest_plugins = ["store_fixtures"]  # fixtures: db

FEED = "https://news.example/feed.xml"


@pytest.fixture
def held(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A storybot database with a story, a feed and a follow, whose write lock another
    connection holds while the test runs. Yields the file."""
    store = open_store(db)
    story = store.add_story("bakery", "A bakery fire", [], T0)
    store.add_feed(FEED, T0, 900)
    store.bind(story.id, "console", "terminal", DeliveryMode.REALTIME, 24, T0)
    store.add_subscription("console", "me", "fire", None, T0)
    store.close()
    monkeypatch.setattr(storage.engine, "BUSY_TIMEOUT_MS", 0)  # no wait on the real clock
    path = tmp_path / "cli.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield path
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["ask", "status"], "A bakery fire"),
        (["ask", "stories"], "bakery"),
        (["ask", "feeds"], FEED),
        (["ask", "developments", "bakery"], "bakery"),
        (["outbox"], "pending: 0"),
        (["outbox", "--sent"], "nothing delivered"),
        (["feeds", "list"], FEED),
        (["story", "list"], "bakery"),
        (["story", "export", "bakery"], "A bakery fire"),
        (["follows"], "console:terminal"),
        (["subscriptions"], "1 subscription"),
    ],
)
def test_a_reading_command_answers_while_another_process_holds_the_write_lock(
    held: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert main(argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    assert said in captured.out, captured.out
    assert "locked" not in captured.err, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "subscribe", "bread"],
        ["feeds", "add", "https://news.example/other.xml"],
        ["outbox", "--retry"],
    ],
)
def test_a_command_that_writes_still_says_the_lock_is_held_in_one_line(
    held: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 75
    err = capsys.readouterr().err
    assert "database is locked" in err and "worth trying again" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_reading_command_takes_the_lock_only_to_add_a_missing_declared_feed(
    held: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The config file's feeds are added by every command: one already stored needs no
    write, so the read answers; one missing is a write after all, refused in one line."""
    present = tmp_path / "present.toml"
    present.write_text(f'[feeds]\nurls = ["{FEED}"]\n')
    assert main(["--config", str(present), "outbox"]) == 0, capsys.readouterr().err
    missing = tmp_path / "missing.toml"
    missing.write_text('[feeds]\nurls = ["https://news.example/new.xml"]\n')
    capsys.readouterr()
    assert main(["--config", str(missing), "outbox"]) == 75
    err = capsys.readouterr().err
    assert "database is locked" in err and "Traceback" not in err, err


def test_opening_to_read_migrates_an_older_schema_and_a_current_one_needs_no_lock(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the latest revision nothing is written; behind it the reader still upgrades
    (this code reads tables the upgrade makes), which takes the lock."""
    from alembic import command

    from storage.migrate import alembic_config, migration_connection

    store = open_store(db)
    with migration_connection(store.engine) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    store.close()
    monkeypatch.setattr(storage.engine, "BUSY_TIMEOUT_MS", 0)
    holder = sqlite3.connect(tmp_path / "cli.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Exception, match="database is locked"):
            open_store(db, create=False, writable=False, start=False)
    finally:
        holder.execute("ROLLBACK")
    reader = open_store(db, create=False, writable=False, start=False)
    assert reader.schema_upgrade is not None and reader.schema_upgrade.changed
    reader.close()
    holder.execute("BEGIN IMMEDIATE")
    try:
        reader = open_store(db, create=False, writable=False, start=False)
        assert reader.schema_upgrade is None  # current: nothing to say, nothing written
        assert [s.name for s in reader.list_stories()] == []
        reader.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
