"""Load benchmark: ``/story status`` latency while 1,000 feeds are being polled.

The question (issue #6): does the service stay responsive to people while it works? One
event loop runs what ``storybot run`` runs in one process: the poll job over 1,000 feeds
(``Pipeline.poll_due`` through the app ``build_app`` wires: ``HttpFeedFetcher``, parsing,
identity, the engine, ``SqlStore``) and ``/story status`` commands (``Commands.handle``)
arriving at a fixed rate (50 a second by default, for 60 seconds; ``--quick``: 10 seconds),
against a SQLite store pre-filled with 100,000 items, their judgements and developments
(bulk INSERTs, ``benchmarks/prefill.py``; setup, never measured).

The feeds are served by a separate process (so serving takes no CPU from the measured
loop): feed ``n`` is RSS with 10 items of real news text (the evaluation streams) under
URLs of its own, and every request shows one item more than the last, so each poll brings
new items to store and judge. The feeds' interval is set to 5 s, so the poller keeps
working through the whole measurement (in production it is 15 minutes: this is the worst
case of a big poll landing on the people using the bot). A poll cycle that raises is
counted in ``poll_failures`` and the next one starts at the next tick, as in the service.

Latency of a command = completion time - its scheduled arrival time (open loop: a slow
answer does not slow the arrivals down, so queueing behind the poller is counted).
``errors`` counts exceptions and replies with ``ok=False``. Two phases of ``--seconds``
each: ``cold`` starts while the first cycle stores and judges every feed's items (3,000
new items: what happens when 1,000 feeds are added at once), ``steady`` after it (each
cycle brings one new item per feed); ``first_cycle_s`` is how long that first cycle took
(null if it had not finished after 120 s, ``--quick``, or 900 s). ``p50_ms``/``p99_ms``/``errors`` cover both.

These feeds are small (3 items each), so parsing them costs little. ``--corpus`` serves
the 200 real feeds instead (``benchmarks/feedserver.py``: feed ``n`` is corpus file
``n % 200``, 45 MB in all, half of them answering 304): the first cycle parses every one,
later ones find them unchanged. Use it with ``--feeds 200`` and a low ``--rate`` to see
what one person waits for while a cycle parses real feeds.

Usage: ``python -m benchmarks.load [--quick] [--corpus] [--rate N] [--seconds S] [--feeds N]
[--items N]``; the last line printed is one JSON object with ``p50_ms``, ``p99_ms``,
``max_ms``, ``errors``, ``commands``, ``poll_cycles``, ``feeds_polled`` and
``peak_rss_mb``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from adapters.app import build_app
from benchmarks.common import corpus_files, emit, peak_rss_mb, percentile, say
from benchmarks.feedserver import FeedServerProcess, ServerProcess, serve_until_stopped
from benchmarks.prefill import add_stories, bulk_feeds, bulk_items, load_stream, pick_stories
from bot.model import CommandRequest
from bot.settings import PollingSettings, Settings
from storage import open_store

POLL_TICK_S = 0.5  # as a fast [polling] tick_seconds would
INTERVAL_S = 5
PER_FEED = 3  # items a feed shows; each request adds one


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _serve(texts: list[tuple[str, str]], conn) -> None:
    from aiohttp import web

    requests: dict[int, int] = {}

    async def feed(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        k = requests[n] = requests.get(n, 0) + 1
        items = []
        for i in range(k, k + PER_FEED):
            title, summary = texts[(n * 7919 + i) % len(texts)]
            items.append(
                f"<item><title>{_xml(title)} ({n}.{i})</title><link>https://load.example/{n}/{i}</link>"
                f"<guid>load-{n}-{i}</guid><description>{_xml(summary[:2000])}</description>"
                f"<pubDate>Sun, 01 Mar 2026 10:{i % 60:02d}:00 GMT</pubDate></item>"
            )
        body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>Load {n}</title>{''.join(items)}</channel></rss>"
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/f/{n}", feed)
    await serve_until_stopped(app, conn)


def _server_main(texts: list[tuple[str, str]], conn) -> None:
    asyncio.run(_serve(texts, conn))


class LoadFeedServer(ServerProcess):
    """The feeds, in a forked process: ``with LoadFeedServer(texts) as s: s.port``."""

    def __init__(self, texts: list[tuple[str, str]]) -> None:
        super().__init__(_server_main, (texts,))


class CorpusFeedServer(FeedServerProcess):
    """The 200 real feeds (``--corpus``), served as ``LoadFeedServer`` serves its own."""

    def __init__(self, texts: list[tuple[str, str]]) -> None:
        del texts  # the corpus brings its own
        super().__init__(corpus_files())


def _prefill(
    db_url: str, stream: list, server: LoadFeedServer, n_feeds: int, n_items: int
) -> list[str]:
    store = open_store(db_url)
    try:
        stories, rest = pick_stories(stream, 3)
        story_rows = add_stories(store, stories, datetime(2026, 3, 1, tzinfo=UTC))
        feed_ids = bulk_feeds(store, n_feeds, url_prefix=f"http://127.0.0.1:{server.port}/f/")
        bulk_items(store, n_items, rest, [s.id for s in story_rows], feed_ids)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE feeds SET interval_s = :s"), {"s": INTERVAL_S})
        return [s.name for s in story_rows]
    finally:
        store.close()


async def _measure(
    db_url: str, story: str, rate: float, seconds: float, max_wait_s: float
) -> dict[str, float]:
    polling = PollingSettings(
        per_host_concurrency=PollingSettings().concurrency,  # one host here, many in production
        default_interval_s=INTERVAL_S,
        min_interval_s=INTERVAL_S,
    )
    settings = Settings(
        database_url=db_url, polling=polling, allowed_hosts=frozenset({"127.0.0.1"})
    )
    app = build_app(settings, rng=random.Random(7))
    latencies: list[float] = []
    errors = 0
    cycles = feeds_polled = poll_failures = 0
    first_cycle_s: float | None = None
    done = asyncio.Event()

    async def poller() -> None:
        nonlocal cycles, feeds_polled, poll_failures, first_cycle_s
        began = time.perf_counter()
        while not done.is_set():
            try:
                report = await app.pipeline.poll_due()
                feeds_polled += report.feeds
            except Exception as exc:  # noqa: BLE001 - the service logs and retries at the next tick
                poll_failures += 1
                if poll_failures == 1:
                    say(f"  a poll cycle failed: {type(exc).__name__}: {str(exc)[:200]}")
            cycles += 1
            if first_cycle_s is None:
                first_cycle_s = round(time.perf_counter() - began, 1)
            try:
                await asyncio.wait_for(done.wait(), POLL_TICK_S)
            except TimeoutError:
                pass

    async def one(scheduled: float) -> None:
        nonlocal errors
        try:
            reply = await app.commands.handle(
                CommandRequest(f"status {story}", "slack", "U1", "C1")
            )
            if not reply.ok:
                errors += 1
        except Exception:  # noqa: BLE001 - counted, the benchmark goes on
            errors += 1
        latencies.append(time.perf_counter() - scheduled)

    async def phase(name: str) -> dict[str, float]:
        start_index = len(latencies)
        errors_before = errors
        tasks = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for k in range(total):
            scheduled = start + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)
        mine = latencies[start_index:]
        out = {
            f"{name}_p50_ms": round(percentile(mine, 50) * 1000, 1),
            f"{name}_p99_ms": round(percentile(mine, 99) * 1000, 1),
            f"{name}_max_ms": round(max(mine) * 1000, 1),
            f"{name}_errors": errors - errors_before,
        }
        say(f"  {name}: " + ", ".join(f"{k.split('_', 1)[1]} {v}" for k, v in out.items()))
        return out

    poll_task = asyncio.create_task(poller())
    await asyncio.sleep(1.0)  # the first cycle is under way: every feed is new
    result = await phase("cold")
    deadline = time.perf_counter() + max_wait_s
    while cycles < 1 and time.perf_counter() < deadline:  # later cycles: one new item a feed
        await asyncio.sleep(0.5)
    result["first_cycle_s"] = first_cycle_s
    result.update(await phase("steady"))
    done.set()
    await poll_task
    items_stored = app.store.count_items()
    await app.aclose()
    result.update(
        commands=len(latencies),
        p50_ms=round(percentile(latencies, 50) * 1000, 1),
        p99_ms=round(percentile(latencies, 99) * 1000, 1),
        max_ms=round(max(latencies) * 1000, 1),
        errors=errors,
        poll_cycles=cycles,
        poll_failures=poll_failures,
        feeds_polled=feeds_polled,
        items_stored=items_stored,
    )
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="10 seconds a phase instead of 60")
    p.add_argument("--corpus", action="store_true", help="serve the 200 real feeds")
    p.add_argument("--rate", type=float, default=50.0, help="/story status commands a second")
    p.add_argument("--seconds", type=float, default=None)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--items", type=int, default=100_000)
    args = p.parse_args(argv)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    say("loading the news streams ...")
    stream = load_stream()
    texts = [(x.title, x.summary or x.content) for x in stream if x.title]
    serve = CorpusFeedServer if args.corpus else LoadFeedServer
    with tempfile.TemporaryDirectory() as tmp, serve(texts) as server:
        db_url = f"sqlite:///{Path(tmp) / 'load.db'}"
        say(f"prefilling {args.items} items, {args.feeds} feeds ...")
        t0 = time.perf_counter()
        stories = _prefill(db_url, stream, server, args.feeds, args.items)
        say(
            f"  done in {time.perf_counter() - t0:.1f}s; {args.rate:g} status/s for {seconds:g}s while polling"
        )
        result = asyncio.run(
            _measure(db_url, stories[0], args.rate, seconds, 120 if args.quick else 900)
        )
    result.update(
        corpus=args.corpus,
        rate_per_s=args.rate,
        seconds=seconds,
        feeds=args.feeds,
        items=args.items,
        peak_rss_mb=peak_rss_mb(),
    )
    say(
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
        f"{result['errors']} errors, {result['poll_cycles']} poll cycles ({result['feeds_polled']} feed polls)"
    )
    emit(result)


if __name__ == "__main__":
    main()
