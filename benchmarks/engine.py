"""Pipeline throughput benchmark: items per second with 10k, 100k and 1M items stored.

What is measured: one ``Pipeline.poll_feeds`` cycle in which the feed fetcher (an
in-process fake at the port: no HTTP, no parsing) hands over M new items of real news
(``../shared/evaldata/streams`` beside the repository), spread over feeds of 25 entries each. Everything
after the fetch is the real thing: identity, ``SqlStore.ingest_items`` (dedup by key and
canonical URL), the engine judging each item against 10 tracked stories (analysis,
relevance, near-duplicates, development assignment, summaries), 10,000 keyword
subscriptions (``--subscriptions N`` for another number) through the
``SubscriptionMatcher``, outbox writes for alerts and notices,
``commit_decisions`` (judgements, developments, engine state snapshots, counters,
outbox) and ``record_polls``, on a temporary SQLite file already holding N items (each
with one judgement), pre-filled with bulk Core INSERTs (setup, not timed). As a service
that stored them would have, the engine has read them (at most the newest 20,000,
``BACKLOG`` in ``bot/background_stats.py``) into its stream statistics before the stories are
tracked (setup, not timed). A 50-item
warm-up cycle runs first (not timed); it also builds the subscription index, which the
measured cycle reuses, as the pipeline does between refreshes (``SUBS_REFRESH``, the
injected clock does not move). The subscriptions' words are the stream's, ties broken by
the word, so every run has the same subscriptions.

Baseline (same run, same store): the naive approach of comparing each new item with every
stored item: read all stored texts from the database and compute a word-set Jaccard
similarity with each. It is time-boxed (at least one item, about 10 s; quick 3 s) at each size.

The rate (``items_per_s``) is wall-clock: new items over the elapsed time of the measured
``poll_feeds`` call. ``details`` also gives ``cpu_s``, the process CPU time (all threads,
``time.process_time``) over the same call, and ``cpu_items_per_s`` from it: on a shared
machine the wall-clock rate moves with other load, the CPU time much less.

``peak_rss_mb``: ``getrusage`` ru_maxrss of this process over the whole run (includes
the pre-fill of the largest store; the per-size figure in ``rss_after_mb`` is the running
peak after that size).

The process is tuned as the service tunes itself once the app is built
(:func:`adapters.runtime.tune_gc_for_service`: objects alive at start-up frozen out of
the cyclic GC, young-generation threshold raised).

``--topical`` makes the measured items news about the stories: the stories are the
``--stories`` events with most items of the two giveme5w1h streams (their first four items
the seeds) and the measured batch is the rest of those two streams (471 items with 10
stories; about a quarter to a half of them the stories' later reports, which join or extend
their developments), after a 50-item warm-up of GVA items; the store is pre-filled from the
GVA stream (other news). The default stream, sorted by date, brings almost no on-topic item
in its first thousand. ``details`` then also gives the on-topic items, the time spent in
``commit_decisions`` (``commit_s``, ``commits``; its SQL statements by kind, printed, and
``UPDATE stories`` and ``INSERT INTO development_updates`` counted and timed) and, where the table exists, the
``development_updates`` rows the cycle wrote and their bytes (SQLite: the records' payload
in the table and its three indexes, ``dbstat``; PostgreSQL: the rows' ``pg_column_size``,
indexes not counted).

``--backend postgresql`` runs on a new PostgreSQL database (``STORYBOT_BENCH_POSTGRES_URL``
as ``benchmarks.commands``), dropped at the end.

``--profile`` runs the measured cycle under cProfile (in the worker thread that stores and
judges) and prints where the time goes; its rate is not comparable with an unprofiled one.

Usage: ``python -m benchmarks.engine [--quick] [--sizes 10000,100000] [--items M]
[--subscriptions N] [--topical] [--stories N] [--backend sqlite|postgresql] [--profile]``.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import cProfile
import io
import pstats
import random
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text

from adapters.app import build_app
from adapters.runtime import tune_gc_for_service
from benchmarks.common import emit, peak_rss_mb, postgres_database, say
from benchmarks.prefill import (
    NewsItem,
    add_stories,
    bulk_feeds,
    bulk_items,
    bulk_subscriptions,
    entry_of,
    load_stream,
    pick_stories,
    subscription_queries,
    vocabulary,
)
from bot.clock import ManualClock
from bot.model import FeedEntry, FetchResult, FetchStatus, PollRequest
from bot.settings import DeliverySettings, Settings
from storage import open_store

TARGET = 1000.0
ENTRIES_PER_FEED = 25
_WORDS = re.compile(r"\w+")

REPO = Path(__file__).resolve().parents[1]


class StreamFetcher:
    """A ``FeedFetcher`` at the port: each feed id returns its prepared entries."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[FeedEntry, ...]] = {}

    async def fetch(self, request: PollRequest) -> FetchResult:
        return FetchResult(
            FetchStatus.OK,
            http_status=200,
            entries=self.entries.get(request.feed_id, ()),
            feed_title=f"Feed {request.feed_id}",
            body_hash=f"h{request.feed_id}-{len(self.entries)}",
        )

    async def aclose(self) -> None:
        return None


def _assign(
    fetcher: StreamFetcher, feed_ids: list[int], items: list[NewsItem], tag: str
) -> list[int]:
    fetcher.entries.clear()
    used = []
    for k, lo in enumerate(range(0, len(items), ENTRIES_PER_FEED)):
        fid = feed_ids[k % len(feed_ids)]
        chunk = items[lo : lo + ENTRIES_PER_FEED]
        fetcher.entries[fid] = tuple(entry_of(x, f"{tag}-{lo + j}") for j, x in enumerate(chunk))
        used.append(fid)
    return used


def _naive_rate(store, new_items: list[NewsItem], budget_s: float = 10.0) -> tuple[float, int]:
    """Items/s of comparing each new item with every stored item's text (Jaccard of word sets)."""
    started = time.perf_counter()
    done = 0
    for x in new_items:
        words = set(_WORDS.findall(f"{x.title} {x.content or x.summary}".lower()))
        best = 0.0
        with store.engine.connect() as conn:
            for title, summary, content in conn.execute(
                text("SELECT title, summary, content FROM items")
            ):
                other = set(_WORDS.findall(f"{title} {content or summary}".lower()))
                union = len(words | other)
                if union:
                    best = max(best, len(words & other) / union)
        done += 1
        if time.perf_counter() - started > budget_s:
            break
    return done / (time.perf_counter() - started), done


class _ProfilingExecutor(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor under ``--profile``: the pipeline stores and judges in a
    worker thread (``asyncio.to_thread``), which a profiler enabled on the event loop's
    thread does not see, so each submitted call is profiled in the thread that runs it."""

    def __init__(self, prof: cProfile.Profile) -> None:
        super().__init__(max_workers=1)  # one worker: one thread enables the profiler at a time
        self._prof = prof

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        prof = self._prof

        def profiled():
            prof.enable()
            try:
                return fn(*args, **kwargs)
            finally:
                prof.disable()

        return super().submit(profiled)


def _profile_summary(prof: cProfile.Profile) -> str:
    stats = pstats.Stats(prof)
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        f = filename.replace("\\", "/")
        if "/site-packages/" in f:
            area = "lib:" + f.split("/site-packages/")[1].split("/")[0]
        elif str(REPO) + "/" in f:
            area = f.split(str(REPO) + "/")[1]
        elif f.startswith("<") or "/lib/python" in f:
            area = "stdlib/builtins"
        else:
            area = f
        by_area[area] += tottime
    total = sum(by_area.values()) or 1.0
    lines = ["own time by module (cProfile tottime):"]
    for area, t in sorted(by_area.items(), key=lambda kv: -kv[1])[:20]:
        lines.append(f"  {t:7.2f}s {100 * t / total:5.1f}%  {area}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
    lines.append(out.getvalue())
    return "\n".join(lines)


class _CommitClock:
    """Times ``commit_decisions`` on one store (the instance's method, wrapped), and the
    SQL statements run inside it by kind (``UPDATE stories``, ``INSERT INTO items``...)."""

    def __init__(self, store: Any) -> None:
        self.seconds, self.calls = 0.0, 0
        self.sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self._inside = False
        inner = store.commit_decisions

        def timed(*args: Any, **kwargs: Any) -> None:
            began = time.perf_counter()
            self._inside = True
            try:
                inner(*args, **kwargs)
            finally:
                self._inside = False
                self.seconds += time.perf_counter() - began
                self.calls += 1

        store.commit_decisions = timed
        event.listen(store.engine, "before_cursor_execute", self._before)
        event.listen(store.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, *_args: Any) -> None:
        conn.info["bench_sql_t0"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._inside:
            words = statement.split()
            kind = " ".join(words[:3] if words[0] in ("INSERT", "DELETE") else words[:2])
            self.sql[kind][0] += 1
            self.sql[kind][1] += time.perf_counter() - conn.info["bench_sql_t0"]


def _updates_table(store: Any) -> tuple[int, int, int, int]:
    """``development_updates`` rows, facts and bytes (zeros where there is no such
    table: a schema older than migration 0030), and the reports linked to developments
    (numbered: the seed story's own, 0, has no updates)."""
    with store.engine.connect() as conn:
        links = conn.execute(
            text(
                "SELECT COUNT(*) FROM development_items l JOIN developments d "
                "ON d.id = l.development_id WHERE d.number > 0"
            )
        ).scalar_one()
        if not inspect(conn).has_table("development_updates"):
            return 0, 0, 0, links
        rows, facts = conn.execute(
            text("SELECT COUNT(*), COUNT(fact) FROM development_updates")
        ).one()
        if conn.dialect.name == "sqlite":
            size = conn.execute(
                text(
                    "SELECT COALESCE(SUM(payload), 0) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = 'development_updates')"
                )
            ).scalar_one()
        else:
            size = conn.execute(
                text("SELECT COALESCE(SUM(pg_column_size(u.*)), 0) FROM development_updates u")
            ).scalar_one()
        return rows, facts, size, links


@contextmanager
def _database(backend: str, db: Path) -> Iterator[str]:
    if backend == "sqlite":
        try:
            yield f"sqlite:///{db}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        return

    with postgres_database() as url:
        yield url


async def _run_size(
    size: int,
    prefill: list[NewsItem],
    warm: list[NewsItem],
    batch: list[NewsItem],
    stories,
    workdir: Path,
    words: list[str],
    profile: bool,
    naive_budget_s: float,
    subscriptions: int = 10_000,
    *,
    cycles: int = 1,
    backend: str = "sqlite",
) -> dict[str, float]:
    with _database(backend, workdir / f"engine_{size}.db") as url:
        return await _measure_size(
            url,
            size,
            prefill,
            warm,
            batch,
            stories,
            words,
            profile,
            naive_budget_s,
            subscriptions,
            cycles,
        )


async def _measure_size(
    url: str,
    size: int,
    prefill: list[NewsItem],
    warm: list[NewsItem],
    batch: list[NewsItem],
    stories,
    words: list[str],
    profile: bool,
    naive_budget_s: float,
    subscriptions: int,
    cycles: int,
) -> dict[str, float]:
    store = open_store(url)
    rng = random.Random(7)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    story_rows = add_stories(store, stories, now)
    feed_ids = bulk_feeds(store, 200)
    bulk_subscriptions(
        store,
        list(subscription_queries(words, subscriptions, rng)),
        [s.id for s in story_rows],
        rng,
    )
    # Pre-filled items reuse the stream's texts; the measured items come after them.
    bulk_items(store, size, prefill, [s.id for s in story_rows], feed_ids, developments_per_story=0)
    say(f"[{size:>9,} stored] pre-filled in {time.perf_counter() - t0:.1f}s")
    fetcher = StreamFetcher()
    app = build_app(
        # the stream's items are years older than this clock: every match is sent, as
        # when they were new (the notices are part of what is measured)
        Settings(database_url=url, delivery=DeliverySettings(notice_max_age_days=0)),
        store=store,
        clock=ManualClock(now),
        fetcher=fetcher,
    )
    # the process tuning `storybot run`, `worker` and `poll` apply after building the app
    tune_gc_for_service()
    try:
        # A service that stored these items read them into the engine's stream statistics
        # (at most the newest BACKLOG of them when a first story comes): so does this one,
        # before its stories are tracked (setup, not timed). Without it the stories weighed
        # with their seeds' statistics alone and re-weighed their profiles every few items
        # (idf_refresh_share of a table of a few hundred documents), which no service
        # that has been reading does.
        t0 = time.perf_counter()
        read = app.pipeline.update_saved_background()
        say(
            f"[{size:>9,} stored] the engine read {read:,} stored items into its stream "
            f"statistics in {time.perf_counter() - t0:.1f}s (setup, as a service that stored them)"
        )
        app.pipeline.refresh_stories()  # track the stories (built from their seeds)
        used = _assign(fetcher, feed_ids, warm, f"warm{size}")
        await app.pipeline.poll_feeds([app.store.get_feed_by_id(f) for f in used])
        commits = _CommitClock(app.store)
        updates_before = _updates_table(app.store)
        prof = cProfile.Profile() if profile else None
        if prof:
            asyncio.get_running_loop().set_default_executor(_ProfilingExecutor(prof))
        # the batch as ``cycles`` polls in a row, each bringing the next slice: a
        # development is extended (not created) only by a commit after the one creating it
        elapsed = cpu = 0.0
        new_items = on_topic = alerts = notices = 0
        step = -(-len(batch) // cycles)
        for c, lo in enumerate(range(0, len(batch), step)):
            used = _assign(fetcher, feed_ids, batch[lo : lo + step], f"run{size}-{c}")
            feeds = [app.store.get_feed_by_id(f) for f in used]
            started, cpu_started = time.perf_counter(), time.process_time()
            report = await app.pipeline.poll_feeds(feeds)
            elapsed += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            new_items += report.new_items
            on_topic += report.on_topic
            alerts += report.alerts_queued
            notices += report.notices_queued
        rate = new_items / elapsed
        say(
            f"[{size:>9,} stored] {new_items} items ({on_topic} on-topic) in {c + 1} cycles, "
            f"{elapsed:.2f}s = {rate:.0f} items/s{' (under cProfile)' if prof else ''}; "
            f"CPU {cpu:.2f}s = {new_items / cpu:.0f} items/CPU-s; "
            f"commit_decisions {commits.seconds:.3f}s in {commits.calls} commits"
        )
        say(f"[{size:>9,} stored] outbox: {alerts} alerts, {notices} notices queued")
        top = sorted(commits.sql.items(), key=lambda kv: -kv[1][1])[:8]
        say(
            f"[{size:>9,} stored] in commit_decisions: {sum(n for n, _ in commits.sql.values())} "
            "statements; " + ", ".join(f"{kind} {n} in {1000 * t:.0f} ms" for kind, (n, t) in top)
        )
        story_n, story_t = commits.sql.get("UPDATE stories", (0, 0.0))
        upd_n, upd_t = commits.sql.get("INSERT INTO development_updates", (0, 0.0))
        rows, facts, size_b, links = (
            b - a for a, b in zip(updates_before, _updates_table(app.store), strict=True)
        )
        say(
            f"[{size:>9,} stored] development_updates: {rows} rows ({facts} with a fact), "
            f"{size_b:,} bytes ({size_b / max(rows, 1):.0f} a row); "
            f"{links} reports linked to developments (not the seeds')"
        )
        if prof:
            say(_profile_summary(prof))
        naive, naive_n = _naive_rate(app.store, batch[:50], naive_budget_s)
        say(
            f"[{size:>9,} stored] naive all-pairs baseline: {naive:.3f} items/s ({naive_n} items timed)"
        )
        return {
            "rate": rate,
            "baseline": naive,
            "elapsed": elapsed,
            "cpu_s": cpu,
            "cpu_items_per_s": new_items / cpu,
            "items": new_items,
            "on_topic": on_topic,
            "notices": notices,
            "cycles": c + 1,
            "commit_s": commits.seconds,
            "commits": commits.calls,
            "linked_reports": links,
            "update_rows": rows,
            "update_facts": facts,
            "update_bytes": size_b,
            "commit_statements": sum(n for n, _ in commits.sql.values()),
            "story_updates": story_n,
            "story_update_s": story_t,
            "update_inserts": upd_n,
            "update_insert_s": upd_t,
        }
    finally:
        await app.aclose()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="10k stored items only, 150 measured items"
    )
    ap.add_argument("--sizes", help="comma-separated stored sizes (default 10000,100000,1000000)")
    ap.add_argument("--items", type=int, help="measured items per size (default 1000; quick 150)")
    ap.add_argument(
        "--subscriptions",
        type=int,
        default=10_000,
        help="keyword subscriptions stored, one user each (default 10000)",
    )
    ap.add_argument(
        "--topical",
        action="store_true",
        help="measure the giveme5w1h streams' reports of the stories (GVA pre-fills the store)",
    )
    ap.add_argument("--stories", type=int, default=10, help="stories tracked (default 10)")
    ap.add_argument(
        "--cycles", type=int, default=1, help="poll cycles the measured items come in (default 1)"
    )
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the measured cycles and print where time goes",
    )
    args = ap.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([10_000] if args.quick else [10_000, 100_000, 1_000_000])
    )
    measured = args.items or (150 if args.quick else 1000)
    if args.topical:
        news = load_stream(("giveme5w1h", "giveme5w1h_developments"))
        stories, batch = pick_stories(news, args.stories)
        rest = load_stream(("gva",))
        warm, batch = rest[:50], batch[:measured]
        stream = news + rest
    else:
        stream = load_stream()
        stories, rest = pick_stories(stream, args.stories)
        warm, batch = rest[:50], rest[50 : 50 + measured]
    words = vocabulary(rest)
    say(
        f"engine benchmark{' (topical)' if args.topical else ''} on {args.backend}: "
        f"{len(stream)} stream items, {args.stories} stories, "
        f"{args.subscriptions:,} subscriptions, "
        f"{len(batch)} measured items per size in {args.cycles} cycles, sizes {sizes}"
    )
    rates: dict[str, float] = {}
    baselines: dict[str, float] = {}
    details: dict[str, dict[str, float]] = {}
    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            r = asyncio.run(
                _run_size(
                    size,
                    rest,
                    warm,
                    batch,
                    stories,
                    Path(tmp),
                    words,
                    args.profile,
                    3.0 if args.quick else 10.0,
                    args.subscriptions,
                    cycles=args.cycles,
                    backend=args.backend,
                )
            )
            rates[str(size)] = round(r["rate"], 1)
            baselines[str(size)] = round(r["baseline"], 3)
            details[str(size)] = {k: round(v, 3) for k, v in r.items()}
            rss[str(size)] = peak_rss_mb()
    low = min(rates.values())
    say(
        f"items/s by stored size: {rates}; target >= {TARGET:g} at every size: "
        f"{'met' if low >= TARGET else 'NOT met'}"
    )
    emit(
        {
            "mode": "quick" if args.quick else "full",
            "items_per_s": rates,
            "baseline_items_per_s": baselines,
            "measured_items": len(batch),
            "topical": args.topical,
            "stories": args.stories,
            "cycles": args.cycles,
            "backend": args.backend,
            "subscriptions": args.subscriptions,
            "details": details,
            "rss_after_mb": rss,
            "peak_rss_mb": peak_rss_mb(),
            "profiled": args.profile,
        }
    )


if __name__ == "__main__":
    main()
