"""The report a hung test leaves before the run is ended (:mod:`hang_report`)."""

from __future__ import annotations

import asyncio
import os
import threading

import psycopg
import pytest
from hang_report import HangWatch, database_activity, pending_tasks, report_after

from adapters.jobs.schema import conninfo

pytest_plugins = ["store_fixtures"]


def test_the_database_snapshot_comes_a_little_before_the_stacks():
    assert report_after(600) == 570
    assert report_after(20) == 18


@pytest.mark.postgres
def test_the_report_names_a_connection_waiting_on_a_lock_and_the_one_holding_it(pg_url):
    from store_fixtures import admin_url_text  # a plugin of this module: imported as such

    dsn = conninfo(pg_url)
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as waiter:
        holder.execute("CREATE TABLE held (x int)")
        holder.commit()
        holder.execute("LOCK TABLE held")
        holder_pid = holder.info.backend_pid
        waiter.execute("SET lock_timeout = '20s'")
        waiting = threading.Thread(target=waiter.execute, args=("SELECT * FROM held",))
        waiting.start()
        lines = []
        for _ in range(200):  # until the server has seen the query (no sleep: a round trip)
            lines = database_activity(admin_url_text())
            if any("SELECT * FROM held" in line for line in lines):
                break
        [holding] = [line for line in lines if f"pid={holder_pid} " in line]
        [blocked] = [line for line in lines if "SELECT * FROM held" in line]
        assert "state='idle in transaction'" in holding and "LOCK TABLE held" in holding
        assert f"blocked_by=[{holder_pid}]" in blocked and "wait_type='Lock'" in blocked
        holder.rollback()
        waiting.join()


def test_the_report_says_why_when_the_database_cannot_be_asked():
    [line] = database_activity("postgresql://nobody@127.0.0.1:1/none")
    assert line.startswith("(PostgreSQL could not be asked: ")


async def test_the_report_shows_where_each_waiting_task_waits():
    async def parked() -> None:
        await asyncio.Event().wait()

    task = asyncio.create_task(parked(), name="parked task")
    await asyncio.sleep(0)  # it runs to its wait
    lines = pending_tasks()
    at = lines.index("parked task:")
    assert "in parked" in lines[at + 1] and "in wait" in lines[at + 2]
    task.cancel()


def test_the_watch_writes_the_test_name_and_the_report_to_its_file():
    read, write = os.pipe()
    watch = HangWatch(write, lambda: ["line one"], after_s=0.0, exit_s=600)
    watch.start("tests/test_x.py::test_y")
    text = os.read(read, 65536).decode()  # waits for the timer's one write
    watch.close()  # closes the file it was given
    os.close(read)
    assert "tests/test_x.py::test_y has run for 0 s" in text
    assert "its stacks follow at 600 s" in text and "  line one" in text
