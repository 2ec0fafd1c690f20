"""Peak memory of the service: 1M stored items, 1,000 feeds served locally, a few cycles.

The app is built by ``build_app`` on a SQLite store (temporary file) holding 1M items
(``--quick``: 10k) with one judgement each, 10 stories (each followed by a channel) and
10,000 keyword subscriptions; 1,000 feeds (the 200 real documents, each under 5 URLs)
are served by ``benchmarks.feedserver`` in its own process. The store also holds the
items of the served feeds as a previous run would have left them, except those of three
documents, whose ~100 items arrive as new and go through the engine and the outbox.

Cycles, each a real ``Pipeline.poll_due`` over every due feed:
1. cold: every feed is fetched in full and parsed (no validators yet);
2. and 3. unchanged: 304s and identical bodies.
Between cycles the clock moves past every feed's next poll time.

The pre-fill runs in a child process so that its own memory is not counted.
``peak_rss_mb`` is ``getrusage`` ru_maxrss of the service process (KiB -> MB), which
includes the interpreter and every imported library. Target: <= 400 MB.

Usage: ``python -m benchmarks.memory [--quick] [--items N] [--feeds N] [--cycles K]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TARGET_MB = 400.0
NEW_DOCUMENTS = (0, 1, 2)  # corpus indexes whose items are not pre-stored


def _prefill(db_url: str, urls: list[str], files: list[str], n_items: int) -> None:
    """Child process: build the store (bulk Core INSERTs) and exit."""
    import random
    from collections import Counter

    from sqlalchemy import insert

    from adapters.feeds import parse_feed
    from benchmarks.prefill import (
        START,
        add_stories,
        bulk_items,
        bulk_subscriptions,
        feed_rows,
        load_stream,
        pick_stories,
        subscription_queries,
        vocabulary,
    )
    from bot.identity import new_item
    from storage import open_store
    from storage.counters import rebuild_story_counters
    from storage.items import stored_key
    from storage.models import FeedRow, ItemRow, JudgementRow

    store = open_store(db_url)
    stream = load_stream()
    stories, rest = pick_stories(stream, 10)
    rng = random.Random(3)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    story_rows = add_stories(store, stories, now)
    story_ids = [s.id for s in story_rows]
    bulk_subscriptions(
        store, list(subscription_queries(vocabulary(rest), 10_000, rng)), story_ids, rng
    )
    rows = feed_rows(urls, status="new", titled=False)
    with store.engine.begin() as conn:
        conn.execute(insert(FeedRow), rows)
    bulk_items(store, n_items, rest, story_ids, [], developments_per_story=0)
    # The served feeds' items, as a previous run stored and judged them.
    seen_keys: set[str] = set()
    seen_urls: set[str] = set()
    items, judged_keys = [], []
    for i, url in enumerate(urls):
        index = i % len(files)
        if index in NEW_DOCUMENTS:
            continue
        title, entries, _, _ = parse_feed(Path(files[index]).read_bytes(), None, url)
        made = [new_item(entry, None, title, START) for entry in entries]
        # A link entries with different keys share names none of them (feed_items):
        # each of those is stored under its key, as the poller stores them.
        holders = Counter(it.canonical_url for it in {it.key: it for it in made}.values())
        for it in made:
            key = stored_key(it.key)
            by_url = it.canonical_url and holders[it.canonical_url] == 1
            if key in seen_keys or (by_url and it.canonical_url in seen_urls):
                continue
            seen_keys.add(key)
            if it.canonical_url:
                seen_urls.add(it.canonical_url)
            items.append(
                {
                    "key": key,
                    "feed_id": None,
                    "url": it.url,
                    "canonical_url": it.canonical_url,
                    "title": it.title,
                    "summary": it.summary,
                    "content": it.content,
                    "published": it.published,
                    "fetched_at": START,
                    "updated_at": None,
                    "source": it.source,
                    "content_hash": it.content_hash,
                    "version": 1,
                }
            )
            judged_keys.append(key)
    with store.engine.begin() as conn:
        for lo in range(0, len(items), 2000):
            conn.execute(insert(ItemRow), items[lo : lo + 2000])
        ids = dict(
            conn.execute(
                ItemRow.__table__.select()
                .with_only_columns(ItemRow.key, ItemRow.id)
                .where(ItemRow.id > n_items)
            ).all()
        )
        judgements = [
            {
                "story_id": story_ids[0],
                "item_id": ids[k],
                "on_topic": False,
                "score": 0.01,
                "duplicate_of": None,
                "development": None,
                "new_development": False,
                "reason": {"score": 0.01},
                "decided_at": START,
            }
            for k in judged_keys
        ]
        for lo in range(0, len(judgements), 5000):
            conn.execute(insert(JudgementRow), judgements[lo : lo + 5000])
        # Judgements inserted behind the store's back: bring the per-story counters in line.
        rebuild_story_counters(conn)
    print(f"pre-filled {n_items:,} items + {len(items):,} items of the served feeds", flush=True)
    store.close()


async def _cycles(db_url: str, cycles: int) -> list[str]:
    from adapters.app import build_app
    from benchmarks.common import peak_rss_mb
    from bot.clock import ManualClock
    from bot.settings import DeliverySettings, PollingSettings, Settings
    from storage import open_store

    clock = ManualClock(datetime(2026, 3, 2, tzinfo=UTC))
    polling = PollingSettings(per_host_concurrency=PollingSettings().concurrency)
    settings = Settings(
        database_url=db_url,
        polling=polling,
        # the real feeds' items are weeks to years older than this clock: every match is
        # sent, as when they were new (the notices are part of what is measured)
        delivery=DeliverySettings(notice_max_age_days=0),
        allowed_hosts=frozenset({"127.0.0.1"}),
    )
    app = build_app(settings, store=open_store(db_url), clock=clock)
    lines = [f"app built: peak RSS so far {peak_rss_mb()} MB"]
    try:
        for n in range(cycles):
            started = time.perf_counter()
            report = await app.pipeline.poll_due(limit=100_000)
            lines.append(
                f"cycle {n + 1}: {report.line()}; {time.perf_counter() - started:.1f}s; "
                f"peak RSS so far {peak_rss_mb()} MB"
            )
            print(lines[-1], flush=True)
            clock.advance(seconds=timedelta(days=1).total_seconds())
    finally:
        await app.aclose()
    return lines


def main(argv: list[str] | None = None) -> None:
    from benchmarks.common import corpus_files, emit, peak_rss_mb, say
    from benchmarks.feedserver import FeedServerProcess

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k items, 100 feeds, 2 cycles")
    ap.add_argument("--items", type=int, help="stored items (default 1,000,000; quick 10,000)")
    ap.add_argument("--feeds", type=int, help="served feeds (default 1,000; quick 100)")
    ap.add_argument("--cycles", type=int, help="poll cycles (default 3; quick 2)")
    args = ap.parse_args(argv)
    n_items = args.items or (10_000 if args.quick else 1_000_000)
    n_feeds = args.feeds or (100 if args.quick else 1000)
    cycles = args.cycles or (2 if args.quick else 3)
    files = corpus_files()
    say(f"memory benchmark: {n_items:,} items, {n_feeds} feeds, {cycles} cycles")
    with tempfile.TemporaryDirectory() as tmp, FeedServerProcess(files) as server:
        db_url = f"sqlite:///{Path(tmp) / 'memory.db'}"
        urls = [server.url(i) for i in range(n_feeds)]
        started = time.perf_counter()
        child = mp.get_context("spawn").Process(
            target=_prefill, args=(db_url, urls, [str(f) for f in files], n_items)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"pre-fill failed (exit code {child.exitcode})")
        say(f"pre-fill took {time.perf_counter() - started:.1f}s (child process)")
        asyncio.run(_cycles(db_url, cycles))
    peak = peak_rss_mb()
    say(
        f"peak RSS {peak} MB; target <= {TARGET_MB:g} MB: {'met' if peak <= TARGET_MB else 'NOT met'}"
    )
    emit(
        {
            "mode": "quick" if args.quick else "full",
            "items": n_items,
            "feeds": n_feeds,
            "cycles": cycles,
            "peak_rss_mb": peak,
        }
    )


if __name__ == "__main__":
    main()
