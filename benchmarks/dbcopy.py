"""``storybot db-copy`` on a realistic store: time and memory of SQLite -> PostgreSQL.

A SQLite store is pre-filled (``benchmarks/prefill.py``, in a child process so that its
memory is not counted) with ``--items`` items (real news texts from the evaluation
streams) and a judgement each, 10 stories with their developments and updates, 200
feeds and 10,000 keyword subscriptions; then :func:`storage.dbcopy.copy_database`, the
code ``storybot db-copy`` runs, copies it into a new PostgreSQL database (created on the
server of ``STORYBOT_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1/test``,
and dropped at the end). ``--back`` also copies the PostgreSQL copy into a new SQLite file.

Figures: ``copy_s`` (wall clock of the whole command's work: checks, locks, the target's
migration, the copy, counters and counts), ``rows``, ``rows_per_s``, ``sqlite_mb`` (the
source file), and ``peak_rss_mb`` of this process after the copy (``getrusage``: the
interpreter and its libraries included). Beside it, unless ``--no-naive``, the naive way in
the same run: each table read whole (``SELECT *``) and written one ``INSERT`` a row, in one
transaction, into another new PostgreSQL database whose tables ``create_all`` made
(``naive_s``, ``naive_rows_per_s``, and ``naive_peak_rss_mb``, measured after it: the
process's peak so far).

Usage: ``python -m benchmarks.dbcopy [--quick] [--items N] [--back] [--no-naive]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import emit, peak_rss_mb, say

ADMIN_URL = os.environ.get("STORYBOT_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1/test"


def _prefill(url: str, n_items: int) -> None:
    """Child process: build the SQLite store and exit."""
    import random

    from benchmarks.prefill import (
        add_stories,
        bulk_feeds,
        bulk_items,
        bulk_subscriptions,
        load_stream,
        pick_stories,
        subscription_queries,
        vocabulary,
    )
    from storage import open_store

    store = open_store(url)
    stream = load_stream()
    stories, rest = pick_stories(stream, 10)
    story_ids = [s.id for s in add_stories(store, stories, datetime(2026, 1, 1, tzinfo=UTC))]
    rng = random.Random(3)
    bulk_subscriptions(
        store, list(subscription_queries(vocabulary(rest), 10_000, rng)), story_ids, rng
    )
    feed_ids = bulk_feeds(store, 200)
    bulk_items(store, n_items, rest, story_ids, feed_ids)
    store.close()


def _naive_copy(source: str, target: str) -> tuple[int, float]:
    """The naive baseline: every table read whole, then one INSERT a row, one transaction.
    Returns the rows copied and the seconds taken."""
    from sqlalchemy import select

    from storage.engine import make_engine
    from storage.models import Base

    src, dst = make_engine(source), make_engine(target)
    began = time.perf_counter()
    rows = 0
    try:
        Base.metadata.create_all(dst)
        with src.connect() as reading, dst.begin() as writing:
            for table in Base.metadata.sorted_tables:
                for row in reading.execute(select(table)).mappings().all():
                    writing.execute(table.insert().values(**row))
                    rows += 1
    finally:
        src.dispose()
        dst.dispose()
    return rows, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 items (CI)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--back", action="store_true", help="also copy PostgreSQL -> SQLite")
    parser.add_argument(
        "--no-naive", action="store_true", help="skip the naive row-at-a-time baseline"
    )
    args = parser.parse_args()
    n_items = 2_000 if args.quick else args.items

    from sqlalchemy import create_engine, text

    from storage.dbcopy import copy_database
    from storage.engine import parse_url

    admin = create_engine(parse_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"storybot_bench_{secrets.token_hex(4)}"
    naive_name = f"{name}_naive"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        if not args.no_naive:
            conn.execute(text(f'CREATE DATABASE "{naive_name}"'))
    target = parse_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    naive_target = (
        parse_url(ADMIN_URL).set(database=naive_name).render_as_string(hide_password=False)
    )
    result: dict[str, object] = {"items": n_items}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = f"sqlite:///{Path(tmp) / 'storybot.db'}"
            began = time.perf_counter()
            child = mp.get_context("spawn").Process(target=_prefill, args=(source, n_items))
            child.start()
            child.join()
            if child.exitcode != 0:
                raise SystemExit(f"pre-fill failed (exit {child.exitcode})")
            say(f"pre-filled {n_items:,} items in {time.perf_counter() - began:.1f} s")
            result["sqlite_mb"] = round((Path(tmp) / "storybot.db").stat().st_size / 2**20, 1)
            report = copy_database(source, target, source_from="benchmark")
            say(f"copied {report.rows:,} rows to PostgreSQL in {report.seconds:.1f} s")
            result.update(
                rows=report.rows,
                copy_s=round(report.seconds, 2),
                rows_per_s=round(report.rows / report.seconds),
                tables={t.name: t.rows for t in report.tables if t.rows},
            )
            if args.back:
                back = f"sqlite:///{Path(tmp) / 'back.db'}"
                report = copy_database(
                    target, back, source_from="benchmark", other_sessions_ok=True
                )
                say(f"copied {report.rows:,} rows back to SQLite in {report.seconds:.1f} s")
                result["back_s"] = round(report.seconds, 2)
            result["peak_rss_mb"] = peak_rss_mb()
            if not args.no_naive:
                rows, seconds = _naive_copy(source, naive_target)
                say(f"naive: copied {rows:,} rows one INSERT at a time in {seconds:.1f} s")
                result.update(
                    naive_rows=rows,
                    naive_s=round(seconds, 2),
                    naive_rows_per_s=round(rows / seconds),
                    naive_peak_rss_mb=peak_rss_mb(),
                )
    finally:
        with admin.connect() as conn:
            for each in (name, naive_name):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{each}" WITH (FORCE)'))
        admin.dispose()
    emit(result)


if __name__ == "__main__":
    main()
