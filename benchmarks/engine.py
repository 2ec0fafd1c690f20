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
``BACKLOG`` in ``bot/pipeline.py``) into its stream statistics before the stories are
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

``--profile`` runs the measured cycle under cProfile (in the worker thread that stores and
judges) and prints where the time goes; its rate is not comparable with an unprofiled one.

Usage: ``python -m benchmarks.engine [--quick] [--sizes 10000,100000] [--items M]
[--subscriptions N] [--profile]``.
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
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from adapters.app import build_app
from adapters.runtime import tune_gc_for_service
from benchmarks.common import emit, peak_rss_mb, say
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


async def _run_size(
    size: int,
    stream_rest: list[NewsItem],
    stories,
    measured: int,
    workdir: Path,
    words: list[str],
    profile: bool,
    naive_budget_s: float,
    subscriptions: int = 10_000,
) -> dict[str, float]:
    db = workdir / f"engine_{size}.db"
    store = open_store(f"sqlite:///{db}")
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
    bulk_items(
        store, size, stream_rest, [s.id for s in story_rows], feed_ids, developments_per_story=0
    )
    say(
        f"[{size:>9,} stored] pre-filled in {time.perf_counter() - t0:.1f}s "
        f"({db.stat().st_size / 1e6:.0f} MB SQLite file)"
    )
    fetcher = StreamFetcher()
    app = build_app(
        # the stream's items are years older than this clock: every match is sent, as
        # when they were new (the notices are part of what is measured)
        Settings(database_url=f"sqlite:///{db}", delivery=DeliverySettings(notice_max_age_days=0)),
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
        app.pipeline.refresh_stories()  # track the 10 stories (built from their seeds)
        warm = stream_rest[:50]
        used = _assign(fetcher, feed_ids, warm, f"warm{size}")
        await app.pipeline.poll_feeds([app.store.get_feed_by_id(f) for f in used])
        batch = stream_rest[50 : 50 + measured]
        used = _assign(fetcher, feed_ids, batch, f"run{size}")
        feeds = [app.store.get_feed_by_id(f) for f in used]
        prof = cProfile.Profile() if profile else None
        if prof:
            asyncio.get_running_loop().set_default_executor(_ProfilingExecutor(prof))
        started, cpu_started = time.perf_counter(), time.process_time()
        report = await app.pipeline.poll_feeds(feeds)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        rate = report.new_items / elapsed
        say(
            f"[{size:>9,} stored] {report.line()}; {report.new_items} items in {elapsed:.2f}s = "
            f"{rate:.0f} items/s{' (under cProfile)' if prof else ''}; "
            f"CPU {cpu:.2f}s = {report.new_items / cpu:.0f} items/CPU-s"
        )
        say(
            f"[{size:>9,} stored] outbox: {report.alerts_queued} alerts, {report.notices_queued} notices queued"
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
            "cpu_items_per_s": report.new_items / cpu,
            "items": report.new_items,
            "on_topic": report.on_topic,
            "notices": report.notices_queued,
        }
    finally:
        await app.aclose()
        db.unlink(missing_ok=True)


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
    stream = load_stream()
    stories, rest = pick_stories(stream, 10)
    words = vocabulary(rest)
    say(
        f"engine benchmark: {len(stream)} stream items, 10 stories, "
        f"{args.subscriptions:,} subscriptions, "
        f"{measured} measured items per size, sizes {sizes}"
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
                    stories,
                    measured,
                    Path(tmp),
                    words,
                    args.profile,
                    3.0 if args.quick else 10.0,
                    args.subscriptions,
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
            "measured_items": measured,
            "subscriptions": args.subscriptions,
            "details": details,
            "rss_after_mb": rss,
            "peak_rss_mb": peak_rss_mb(),
            "profiled": args.profile,
        }
    )


if __name__ == "__main__":
    main()
