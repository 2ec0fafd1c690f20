"""Poll-cycle benchmark: storybot's poller against the naive feedparser loop, same run.

What is measured (wall-clock seconds, ``time.perf_counter``):

* ``storybot_cold_s``: one ``Pipeline.poll_feeds`` cycle over N feeds never polled before,
  through the app as ``build_app`` wires it: ``HttpFeedFetcher`` (aiohttp conditional
  GET, body limit, hash, parse in a worker thread), ``parse_feed`` (lxml fast path,
  feedparser fallback), identity, ``SqlStore.ingest_items`` for every feed's entries into
  a temporary SQLite file, and ``record_polls``. No story is tracked and no one has
  subscribed, so the pipeline defers the engine's analysis of the new items (see
  ``bot/background_stats.py``): it is not in this figure. What it costs is timed on its own as
  ``backlog_read_s``; the engine's per-story cost is ``benchmarks/engine.py``'s subject.
* ``backlog_read_s``: after the cycles, ``Pipeline.read_backlog()``: the engine reads the
  ``backlog_items`` deferred items from the store, which the first story tracked would
  wait for (not included in any speedup).
* ``storybot_cold_fetch_parse_s``: the same feeds through ``HttpFeedFetcher.fetch`` only
  (download + parse), without the store.
* ``storybot_unchanged_s``: the next cycle over the same feeds: half answer 304, the other
  half send the same body again, which the body hash recognises without parsing.
* ``unchanged_10k_s``: an unchanged cycle over 10,000 distinct URLs (the corpus repeated;
  1,000 with ``--quick``), whose feed rows hold the validators and body hashes a previous
  poll would have left (written in bulk during setup; that setup is not timed).
* ``*_cpu_s``: CPU seconds of this process (all its threads; not the feed server's)
  during the timed cycle above of the same name: a steadier figure than wall time on a
  shared machine. ``load_avg_1m`` is the machine's load when the benchmark started.
* ``naive_cold_s`` / ``naive_unchanged_s``: ``feedparser.parse(url)`` for each feed, one
  after another, as most bots do; it re-downloads and re-parses everything every time.

The feeds are served by ``benchmarks.feedserver`` in a separate process (127.0.0.1, port 0)
so that serving does not take CPU from the measured event loop. All feeds share one host
here, so the fetcher's per-host limit is raised to its global limit (32): in production
the same feeds come from many hosts. ``peak_rss_mb`` is ``getrusage`` ru_maxrss of this
process after storybot's cycles and before the naive loop ran; ``naive_peak_rss_mb`` after.

Usage: ``python -m benchmarks.poll [--quick]``; the last line printed is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import feedparser
from sqlalchemy import insert

from adapters.app import build_app, make_fetcher
from benchmarks.common import corpus_files, emit, peak_rss_mb, say
from benchmarks.feedserver import LAST_MODIFIED, FeedServerProcess, etag_for, has_validators
from bot.clock import SystemClock
from bot.model import FetchStatus, PollRequest
from bot.settings import PollingSettings, Settings
from storage import open_store
from storage.models import FeedRow

TARGET_COLD, TARGET_UNCHANGED, TARGET_10K_S = 20.0, 100.0, 10.0


def _settings(db_url: str) -> Settings:
    polling = PollingSettings(per_host_concurrency=PollingSettings().concurrency)
    return Settings(database_url=db_url, polling=polling, allowed_hosts=frozenset({"127.0.0.1"}))


class LoopLag:
    """Largest delay of a 5 ms timer on the loop: how long the loop was blocked."""

    def __init__(self) -> None:
        self.max_s = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(0.005)
            self.max_s = max(self.max_s, loop.time() - start - 0.005)

    def __enter__(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def _fetch_only(settings: Settings, urls: list[str]) -> tuple[float, int, int]:
    fetcher = make_fetcher(settings)
    try:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(fetcher.fetch(PollRequest(feed_id=i, url=u)) for i, u in enumerate(urls))
        )
        elapsed = time.perf_counter() - started
    finally:
        await fetcher.aclose()
    errors = sum(r.status is FetchStatus.ERROR for r in results)
    return elapsed, sum(len(r.entries) for r in results), errors


async def _storybot_cycles(server: FeedServerProcess, n: int, workdir: Path) -> dict[str, float]:
    db_url = f"sqlite:///{workdir / 'poll.db'}"
    settings = _settings(db_url)
    urls = [server.url(i) for i in range(n)]
    out: dict[str, float] = {}

    fetch_s, entries, errors = await _fetch_only(settings, urls)
    say(
        f"storybot fetch+parse only, cold: {n} feeds, {entries} entries, {errors} errors in {fetch_s:.2f}s"
    )
    out["storybot_cold_fetch_parse_s"] = fetch_s

    store = open_store(db_url)
    app = build_app(settings, store=store, clock=SystemClock())
    try:
        now = datetime.now(UTC)
        for url in urls:
            store.add_feed(url, now)
        with LoopLag() as lag:
            started, cpu = time.perf_counter(), time.process_time()
            report = await app.pipeline.poll_feeds(store.list_feeds())
            cold = time.perf_counter() - started
            cold_cpu = time.process_time() - cpu
        say(
            f"storybot cold cycle (fetch, parse, store, record): {report.line()}; {cold:.2f}s; "
            f"loop blocked at most {lag.max_s * 1000:.0f} ms"
        )
        out |= {
            "storybot_cold_s": cold,
            "storybot_cold_cpu_s": cold_cpu,
            "cold_items": report.new_items,
            "cold_errors": report.errors,
            "cold_max_loop_lag_ms": round(lag.max_s * 1000, 1),
        }
        failed = [f for f in store.list_feeds() if f.url in {u for u, _ in report.failures}]
        if failed:
            # A feed that failed (e.g. timed out while the loop was busy) has no validators
            # yet; poll it again, untimed, so the next cycle is truly all-unchanged.
            catch_up = await app.pipeline.poll_feeds(failed)
            say(f"catch-up poll of the {len(failed)} failed feeds (not timed): {catch_up.line()}")
            out["catch_up_feeds"] = len(failed)
        with LoopLag() as lag:
            started, cpu = time.perf_counter(), time.process_time()
            report = await app.pipeline.poll_feeds(store.list_feeds())
            unchanged = time.perf_counter() - started
            unchanged_cpu = time.process_time() - cpu
        say(
            f"storybot unchanged cycle: {report.line()}; {unchanged:.3f}s; "
            f"loop blocked at most {lag.max_s * 1000:.0f} ms"
        )
        started = time.perf_counter()
        deferred = await asyncio.to_thread(app.pipeline.read_backlog)
        backlog_s = time.perf_counter() - started
        say(f"deferred analysis: the engine read {deferred} stored items in {backlog_s:.2f}s")
        out |= {
            "backlog_items": deferred,
            "backlog_read_s": backlog_s,
            "storybot_unchanged_cpu_s": unchanged_cpu,
            "storybot_unchanged_s": unchanged,
            "unchanged_not_modified": report.not_modified,
            "unchanged_max_loop_lag_ms": round(lag.max_s * 1000, 1),
        }
    finally:
        await app.aclose()
    return out


def _prefill_polled_feeds(db_url: str, server: FeedServerProcess, n: int) -> None:
    """Feed rows as a previous successful poll leaves them (validators and body hash)."""
    store = open_store(db_url)
    now = datetime.now(UTC)
    files = server.files
    hashes = []
    for i, path in enumerate(files):
        body = path.read_bytes()
        hashes.append(
            (
                etag_for(body) if has_validators(i) else None,
                LAST_MODIFIED if has_validators(i) else None,
                hashlib.sha256(body).hexdigest(),
            )
        )
    rows = []
    for i in range(n):
        etag, last_modified, body_hash = hashes[i % len(files)]
        rows.append(
            {
                "url": server.url(i),
                "title": None,
                "status": "ok",
                "interval_s": 900,
                "next_poll_at": now,
                "last_polled_at": now,
                "last_ok_at": now,
                "error_count": 0,
                "last_error": None,
                "etag": etag,
                "last_modified": last_modified,
                "body_hash": body_hash,
                "created_at": now,
            }
        )
    with store.engine.begin() as conn:
        conn.execute(insert(FeedRow), rows)
    store.close()


async def _unchanged_many(server: FeedServerProcess, n: int, workdir: Path) -> dict[str, float]:
    db_url = f"sqlite:///{workdir / 'poll_many.db'}"
    _prefill_polled_feeds(db_url, server, n)
    settings = _settings(db_url)
    app = build_app(settings, store=open_store(db_url), clock=SystemClock())
    try:
        feeds = app.store.list_feeds()
        with LoopLag() as lag:
            started, cpu = time.perf_counter(), time.process_time()
            report = await app.pipeline.poll_feeds(feeds)
            elapsed = time.perf_counter() - started
            elapsed_cpu = time.process_time() - cpu
    finally:
        await app.aclose()
    say(
        f"storybot unchanged cycle over {n} feeds: {report.line()}; {elapsed:.2f}s; "
        f"loop blocked at most {lag.max_s * 1000:.0f} ms"
    )
    return {
        "unchanged_many_s": elapsed,
        "unchanged_many_cpu_s": elapsed_cpu,
        "unchanged_many_not_modified": report.not_modified,
        "unchanged_many_errors": report.errors,
        "unchanged_many_feeds": n,
        "unchanged_many_max_loop_lag_ms": round(lag.max_s * 1000, 1),
    }


def _naive(server: FeedServerProcess, n: int, label: str) -> float:
    started = time.perf_counter()
    entries = 0
    for i in range(n):
        entries += len(feedparser.parse(server.url(i)).entries)
    elapsed = time.perf_counter() - started
    say(
        f"naive feedparser.parse(url) loop, {label}: {n} feeds, {entries} entries in {elapsed:.2f}s"
    )
    return elapsed


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="20 feeds, a 1,000-feed unchanged cycle")
    ap.add_argument(
        "--feeds", type=int, help="feeds in the cold/unchanged cycles (default 200; quick 20)"
    )
    ap.add_argument(
        "--many", type=int, help="feeds in the big unchanged cycle (default 10000; quick 1000)"
    )
    args = ap.parse_args(argv)
    files = corpus_files()
    if args.quick:
        files = files[::10]
    n = args.feeds or len(files)
    many = args.many or (1000 if args.quick else 10000)
    say(
        f"poll benchmark: {n} feeds from {len(files)} real documents; big unchanged cycle {many} feeds"
    )
    with tempfile.TemporaryDirectory() as tmp, FeedServerProcess(files) as server:
        result: dict[str, float | int | bool | str] = {
            "mode": "quick" if args.quick else "full",
            "feeds": n,
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
        result |= asyncio.run(_storybot_cycles(server, n, Path(tmp)))
        result |= asyncio.run(_unchanged_many(server, many, Path(tmp)))
        result["peak_rss_mb"] = peak_rss_mb()
        result["naive_cold_s"] = _naive(server, n, "cold")
        result["naive_unchanged_s"] = _naive(server, n, "unchanged (the same work again)")
        result["naive_peak_rss_mb"] = peak_rss_mb()
    result["cold_speedup"] = round(result["naive_cold_s"] / result["storybot_cold_s"], 1)
    result["cold_fetch_parse_speedup"] = round(
        result["naive_cold_s"] / result["storybot_cold_fetch_parse_s"], 1
    )
    result["unchanged_speedup"] = round(
        result["naive_unchanged_s"] / result["storybot_unchanged_s"], 1
    )
    result["unchanged_10k_s"] = round(result["unchanged_many_s"], 3) if many == 10000 else None
    for key, value in list(result.items()):
        if key.endswith("_s") and isinstance(value, float):
            result[key] = round(value, 3)
    say(
        f"cold: {result['cold_speedup']}x faster than naive (target {TARGET_COLD:g}x; fetch+parse only "
        f"{result['cold_fetch_parse_speedup']}x); unchanged: {result['unchanged_speedup']}x "
        f"(target {TARGET_UNCHANGED:g}x); {many} unchanged feeds in {result['unchanged_many_s']}s"
        + (f" (target < {TARGET_10K_S:g}s)" if many == 10000 else "")
    )
    emit(result)


if __name__ == "__main__":
    main()
