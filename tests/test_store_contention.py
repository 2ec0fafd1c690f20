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

import sqlite3
from datetime import timedelta

from sqlalchemy import event, insert
from store_builders import T0

from storage import open_store
from storage.models import ItemRow

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
