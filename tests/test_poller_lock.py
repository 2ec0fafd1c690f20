"""The poller lock: a second process that would poll and judge the same database is
refused at once (SQLite: a file lock beside the database; PostgreSQL: an advisory lock per
schema), and the lock goes with the process that held it, however it ends."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from store_fixtures import pg_database, pg_url  # noqa: F401  (fixtures)

from bot.errors import UserError
from storage import SqlStore, open_store
from storage.poller_lock import PollerBusy, poller_lock

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lock.db'}"
    return request.getfixturevalue("pg_url")


def test_a_second_poller_of_one_database_is_refused_until_the_first_is_done(url):
    first, second = open_store(url), open_store(url)
    try:
        with poller_lock(first.engine, "storybot run"):
            with pytest.raises(PollerBusy, match="another storybot process is polling") as busy:
                with poller_lock(second.engine, "storybot poll --once"):
                    pass
            assert "storybot poll --once would judge the same items twice" in str(busy.value)
        with poller_lock(second.engine, "storybot poll --once"):
            pass  # free again
    finally:
        first.close()
        second.close()


def test_the_refusal_names_the_database_without_its_password(pg_url):
    store = open_store(pg_url)
    try:
        with poller_lock(store.engine, "storybot run"):
            with pytest.raises(PollerBusy) as busy:
                with poller_lock(store.engine, "storybot poll --once"):
                    pass
        shown = str(busy.value)
        assert store.engine.url.host in shown and (
            store.engine.url.password is None or store.engine.url.password not in shown
        )
    finally:
        store.close()


def test_databases_in_other_files_do_not_lock_each_other_and_spellings_of_one_do(tmp_path):
    a = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    b = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    (tmp_path / "link.db").symlink_to(tmp_path / "a.db")
    alias = open_store(f"sqlite:///{tmp_path / 'link.db'}")
    try:
        with poller_lock(a.engine, "storybot run"), poller_lock(b.engine, "storybot run"):
            with pytest.raises(PollerBusy):  # the same file under another name
                with poller_lock(alias.engine, "storybot poll --once"):
                    pass
    finally:
        for store in (a, b, alias):
            store.close()


def test_installations_in_other_schemas_of_one_database_do_not_lock_each_other(pg_database, pg_url):
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    other_url = pg_database.update_query_dict({"options": f"-csearch_path={schema}"})
    first, other = open_store(pg_url), open_store(other_url.render_as_string(False))
    try:
        with poller_lock(first.engine, "storybot run"), poller_lock(other.engine, "storybot run"):
            pass
    finally:
        first.close()
        other.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_workers_share_the_lock_but_not_with_a_process_that_polls_itself(url):
    store = open_store(url)
    try:
        with poller_lock(store.engine, "storybot worker", shared=True):
            with poller_lock(store.engine, "storybot worker", shared=True):
                with pytest.raises(PollerBusy, match="storybot worker`s\\): storybot run"):
                    with poller_lock(store.engine, "storybot run"):
                        pass
        with poller_lock(store.engine, "storybot run"):
            with pytest.raises(PollerBusy, match="run --no-scheduler"):
                with poller_lock(store.engine, "storybot worker", shared=True):
                    pass
    finally:
        store.close()


def test_a_lock_file_that_cannot_be_opened_is_one_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    store = open_store(url)
    (tmp_path / "ro.db.poll-lock").mkdir()  # in the way: not a file
    try:
        with pytest.raises(UserError, match="cannot open the poller lock file .*ro.db.poll-lock"):
            with poller_lock(store.engine, "storybot run"):
                pass
    finally:
        store.close()


def test_an_in_memory_database_has_nothing_to_lock():
    store = open_store("sqlite://")
    try:
        with poller_lock(store.engine, "storybot run"), poller_lock(store.engine, "again"):
            pass
    finally:
        store.close()


def test_the_lock_goes_with_a_process_killed_while_holding_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    open_store(url).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from storage import open_store\n"
            "from storage.poller_lock import poller_lock\n"
            f"store = open_store({url!r})\n"
            "with poller_lock(store.engine, 'storybot run'):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.readline()  # holds it until killed\n",
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    store = open_store(url)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(PollerBusy):
            with poller_lock(store.engine, "storybot poll --once"):
                pass
        holder.kill()
        holder.wait(timeout=30)
        with poller_lock(store.engine, "storybot poll --once"):
            pass
    finally:
        holder.kill()
        if holder.stdin:
            holder.stdin.close()
        if holder.stdout:
            holder.stdout.close()
        holder.wait(timeout=30)
        store.close()


@pytest.fixture
def cli_db(tmp_path, monkeypatch) -> Iterator[SqlStore]:
    """The CLI's database (a SQLite file in the working directory), opened here too."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    store = open_store(url)
    yield store
    store.close()


def test_poll_once_beside_a_running_poller_is_one_line_and_exit_2(cli_db, capsys):
    from adapters.cli import main

    with poller_lock(cli_db.engine, "storybot run"):
        assert main(["poll", "--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: another storybot process is polling ")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert main(["poll", "--once"]) == 0, "free again once the other is done"


def test_a_second_run_is_refused_before_it_starts_anything(cli_db, capsys):
    from adapters.cli import main

    with poller_lock(cli_db.engine, "storybot run"):
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: another storybot process is polling "), err
    assert "storybot run would judge the same items twice" in err
    assert "no chat tokens" not in err and len(err.splitlines()) == 1
