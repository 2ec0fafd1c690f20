"""Writers that share the database with a running ``storybot run``.

On SQLite one transaction at a time may write; the others wait for it, up to the busy
timeout (``storage.engine.BUSY_TIMEOUT_MS``). What holds the write lock must therefore
hold it briefly: ``storybot prune`` of a large store used to blank every old item's text
in one transaction (35 s on a million items, measured with ``benchmarks/contention.py``),
so /story commands, the poll cycle's commits and other CLI commands failed with
"database is locked" meanwhile.

No real-clock waits here: the other writer has no busy timeout at all (it fails at once
if the lock is held), and it tries whenever one of the store's transactions has ended.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url
from store_builders import T0

from storage import open_store
from storage.models import ItemRow, JudgementRow

pytest_plugins = ["store_fixtures"]  # fixtures: pg_clean_url and what it needs

ITEMS = 25_000  # more than a prune transaction goes through


def _bulk_items(store, n: int) -> None:
    rows = [
        {
            "key": f"k{i}",
            "url": f"https://news.example/{i}",
            "canonical_url": f"https://news.example/{i}",
            "title": f"Title {i}",
            "summary": f"Summary {i}",
            "content": f"Content {i}",
            "published": T0,
            "fetched_at": T0,
            "source": "Outlet",
            "content_hash": f"h{i}",
            "version": 1,
        }
        for i in range(1, n + 1)
    ]
    with store.engine.begin() as conn:
        conn.execute(insert(ItemRow), rows)


def test_prune_of_a_large_store_lets_other_writers_in_as_it_goes(tmp_path):
    path = tmp_path / "store.db"
    store = open_store(f"sqlite:///{path}")
    _bulk_items(store, ITEMS)
    store.save_background({"n_docs": ITEMS, "df": {}}, ITEMS, T0)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)  # never waits for a lock
    seen: list[tuple[int, bool]] = []  # (items blanked so far, whether the other wrote)

    def after_each_transaction(_dbapi_connection, _record) -> None:
        blanked = other.execute("SELECT count(*) FROM items WHERE summary = ''").fetchone()[0]
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE feeds SET title = 'x' WHERE id = 0")
            other.execute("COMMIT")
            seen.append((blanked, True))
        except sqlite3.OperationalError:  # "database is locked"
            seen.append((blanked, False))

    # a connection goes back to the pool when its transaction is over
    event.listen(store.engine, "checkin", after_each_transaction)
    try:
        report = store.prune(T0 + timedelta(days=1))
    finally:
        event.remove(store.engine, "checkin", after_each_transaction)
        other.close()
    assert report.items == ITEMS
    assert store.get_item(ITEMS).summary == ""
    midway = [wrote for blanked, wrote in seen if 0 < blanked < ITEMS]
    # the other writer got in while some items were blanked and others not yet
    assert midway and all(midway), seen
    store.close()


def test_a_dry_run_counts_what_prune_then_blanks(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    _bulk_items(store, ITEMS)
    store.save_background({"n_docs": ITEMS, "df": {}}, ITEMS - 10, T0)  # the last 10 unread
    cutoff = T0 + timedelta(days=1)
    assert store.prune(cutoff, dry_run=True).items == ITEMS - 10
    assert store.prune(cutoff).items == ITEMS - 10
    assert store.get_item(ITEMS).summary != "" and store.get_item(ITEMS - 10).summary == ""
    store.close()


def test_prune_reports_each_committed_batch_to_its_progress_callback(tmp_path):
    """What ``storybot prune`` draws on a terminal: the batches done of those in all
    (known before the first) and what was blanked so far, after each commit."""
    path = tmp_path / "store.db"
    store = open_store(f"sqlite:///{path}")
    _bulk_items(store, ITEMS)
    store.save_background({"n_docs": ITEMS, "df": {}}, ITEMS, T0)
    other = sqlite3.connect(path)
    calls = []

    def progress(done, total, so_far):
        blanked = other.execute("SELECT count(*) FROM items WHERE summary = ''").fetchone()[0]
        calls.append((done, total, so_far.items, blanked))

    report = store.prune(T0 + timedelta(days=1), progress=progress)
    other.close()
    # 25,000 ids: three item batches; no outbox rows, no outbox batch
    assert calls == [(1, 3, 10_000, 10_000), (2, 3, 20_000, 20_000), (3, 3, ITEMS, ITEMS)]
    assert report.items == ITEMS
    assert store.prune(T0 + timedelta(days=1), dry_run=True, progress=progress).items == 0
    assert len(calls) == 3, "a dry run is one count: no batches to report"
    store.close()


@pytest.mark.postgres
def test_prune_on_postgresql_never_runs_a_subquery_per_item(pg_clean_url):
    """``NOT IN (subquery)`` is a hashed lookup on PostgreSQL only while the subquery's
    rows fit in ``work_mem``; past that, it is run again for every item (a "SubPlan"
    without "hashed"). ``prune --dry-run`` of a million items with 435,000 on-topic
    judgements (4 MB, the server's default) was planned so and had not ended after
    two minutes. Here ``work_mem`` is the server's least, so that a few thousand
    judgements are past it: no statement of a prune may be planned with one."""
    url = make_url(pg_clean_url).update_query_dict(
        {"options": "-c work_mem=64kB -c hash_mem_multiplier=1"}
    )
    store = open_store(url.render_as_string(hide_password=False))
    story = store.add_story("s", "S", [], T0)
    _bulk_items(store, 8_000)
    with store.engine.begin() as conn:
        ids = conn.execute(select(ItemRow.id)).scalars().all()  # (the database's ids go on)
        judged = [
            {
                "story_id": story.id,
                "item_id": i,
                "on_topic": i % 2 == 0,
                "score": 0.5,
                "new_development": False,
                "reason": {},
                "decided_at": T0,
            }
            for i in ids
        ]
        conn.execute(insert(JudgementRow), judged)
        conn.exec_driver_sql("ANALYZE")
    store.save_background({"n_docs": 8_000, "df": {}}, max(ids), T0)
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if re.match(r"\s*(SELECT|UPDATE|DELETE)\b.*\bitems\b", statement, re.S):
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        assert store.prune(T0 + timedelta(days=1), dry_run=True).items == 4_000
        assert store.prune(T0 + timedelta(days=1)).items == 4_000
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    per_item = []
    with store.engine.begin() as conn:
        for statement, parameters in statements:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            if re.search(r"\(SubPlan \d+\)", plan):  # (hashed SubPlan 1): a lookup
                per_item.append(f"{statement}\n{plan}")
    store.close()
    assert statements and per_item == [], "\n\n".join(per_item)
