"""Soak: the real service over simulated weeks; what grows, what slows down.

The app is built by ``build_app`` on a SQLite file (or ``--database``, e.g. an empty
PostgreSQL database) with an injected clock. Two stories are made from the labelled
streams (the two events with the most items; their first four items are the seeds); the
rest of the streams (``--items`` of them, every k-th) is played in order by a local HTTP
server over the first ``--days`` minus ``--quiet-days`` simulated days, through ``--feeds``
feeds: each lists its latest 30 items, newest first, with an ETag (304 when unchanged), as a
real feed does; one item in 40 is revised two hours later (a sentence added, same guid).
Feed 0 answers 503 between the ``--outage`` days. The last ``--quiet-days`` bring nothing
new: every table and the memory should then stand still.

Channels: story 1 realtime (alert cap 10/h) and a 6-hour digest, story 2 a daily digest;
three keyword subscriptions. Every 15 simulated minutes: ``Pipeline.poll_due``, the outbox
worker and the digest job, as ``storybot run`` does; every ``--prune-every`` simulated days
``store.prune`` of what is older than that (cron running ``storybot prune --older-than N``).

Printed per simulated day: the items judged, mean wall and CPU time (``process_time``, all
threads, the feed server's included) per poll cycle, resident memory, rows per table and the
size of the engine's JSON snapshots (written at every cycle that judged something), feed 0's
error count and next poll, and what ``storybot health`` would say (``adapters.health.check``,
default ``--max-age``) when it is not ok. The last line is one JSON object (totals,
``peak_rss_mb``, and the daily figures under ``daily``; a day without new items has no
``ms_per_item``: null, printed "-").

Usage: ``python -m benchmarks.soak [--quick] [--days N] [--quiet-days N] [--items N]
[--feeds N] [--prune-every N] [--outage FROM TO] [--database URL]``. ``--quick``: 3 days
(1 quiet), 3 feeds, 200 items, prune daily, a 12-hour outage: about a minute. The default
(28 days, every stream item) takes about an hour on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 3, 2, 0, 7, tzinfo=UTC)
STEP = timedelta(minutes=15)
WINDOW = 30  # items a feed lists
TABLES = (
    "items",
    "judgements",
    "developments",
    "development_items",
    "item_updates",
    "page_waits",
    "outbox",
    "engine_background",
    "engine_state",
    "engine_stream",
    "story_sources",
)


def rss_mb() -> float:
    """Current resident set size of this process (``/proc/self/statm``)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


@dataclass
class Played:
    """The items a feed has published, by minute (kept sorted)."""

    minutes: list[float] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def plan(days: float, n_feeds: int, n_items: int | None, seed_count: int = 4):
    """Stories (event, seeds) and the feeds' timelines built from the streams."""
    from benchmarks.prefill import load_stream, pick_stories

    stream = load_stream(("giveme5w1h", "gva"))
    stories, rest = pick_stories(stream, 2, seed_count)
    if n_items is not None:  # every k-th item, so both stories' reports stay in
        rest = rest[:: max(1, len(rest) // n_items)][:n_items]
    total = days * 24 * 60
    feeds = [Played() for _ in range(n_feeds)]
    revisions = 0
    for i, x in enumerate(rest):
        minute = (i + 1) * total / (len(rest) + 1)
        guid = f"soak-{i}"
        url = f"{x.url}{'&' if '?' in (x.url or '') else '?'}soak={i}" if x.url else None
        item: dict[str, Any] = dict(
            guid=guid,
            url=url or f"https://soak.example/{i}",
            title=x.title,
            summary=x.summary or (x.content or "")[:400],
            content=x.content,
            minute=minute,
            event=x.event,
        )
        f = feeds[i % n_feeds]
        f.minutes.append(minute)
        f.items.append(item)
        if i % 40 == 7:  # a revised version two hours later
            added = " Officials said later that the inquiry would continue into next week."
            revised = dict(item, summary=(item["summary"] or "") + added, minute=minute + 120)
            f.minutes.append(minute + 120)
            f.items.append(revised)
            revisions += 1
    for f in feeds:
        order = sorted(range(len(f.minutes)), key=lambda k: f.minutes[k])
        f.minutes = [f.minutes[k] for k in order]
        f.items = [f.items[k] for k in order]
    return stories, feeds, len(rest), revisions


class SoakServer:
    """``/f/<n>``: feed n's latest ``WINDOW`` items as of the injected clock."""

    def __init__(self, feeds: list[Played], clock, outage: tuple[float, float]) -> None:
        self.feeds = feeds
        self.clock = clock
        self.outage = outage  # (first day, last day): feed 0 answers 503 meanwhile
        self.base_url = ""
        self.requests = 0
        self.not_modified = 0
        self._runner: Any = None

    def _visible(self, n: int) -> list[dict[str, Any]]:
        f = self.feeds[n]
        cut = (self.clock.now() - START).total_seconds() / 60
        end = bisect_right(f.minutes, cut)
        latest: dict[str, dict[str, Any]] = {}
        for it in f.items[:end][::-1]:
            latest.setdefault(it["guid"], it)  # the latest version of each guid
            if len(latest) >= WINDOW:
                break
        return list(latest.values())

    async def _handle(self, request):
        import hashlib
        from email.utils import format_datetime
        from xml.sax.saxutils import escape

        from aiohttp import web

        self.requests += 1
        n = int(request.match_info["n"])
        day = (self.clock.now() - START) / timedelta(days=1)
        if n == 0 and self.outage[0] <= day < self.outage[1]:
            return web.Response(status=503, text="down for maintenance")
        parts = [
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
            f"<title>Soak wire {n}</title><link>{self.base_url}</link><ttl>15</ttl>",
        ]
        for it in self._visible(n):
            when = START + timedelta(minutes=it["minute"])
            parts.append(
                f"<item><title>{escape(it['title'])}</title><link>{escape(it['url'])}</link>"
                f'<guid isPermaLink="false">{it["guid"]}</guid>'
                f"<pubDate>{format_datetime(when)}</pubDate>"
                f"<description>{escape(it['summary'] or '')}</description>"
                + (
                    f"<content:encoded>{escape(escape(it['content']))}</content:encoded>"
                    if it["content"]
                    else ""
                )
                + "</item>"
            )
        parts.append("</channel></rss>")
        body = "".join(parts).encode()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body, headers={"ETag": etag, "Content-Type": "application/rss+xml"}
        )

    async def start(self) -> None:
        from aiohttp import web

        from adapters.loopback_server import serve_on_loopback

        app = web.Application()
        app.router.add_get("/f/{n}", self._handle)
        self._runner, port = await serve_on_loopback(app, access_log=None)
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


def _feed_state(feed, now: datetime) -> str:
    due = (feed.next_poll_at - now).total_seconds() / 60
    return f"{feed.error_count} errors, next poll in {due:.0f} min, status {feed.status}"


def table_rows(store) -> dict[str, int]:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
        # JSON written per cycle: its size
        for t in ("engine_state", "engine_stream", "engine_background"):
            size = f"SELECT coalesce(sum(length(CAST(state AS TEXT))), 0) FROM {t}"
            rows[f"{t}_kb"] = round(conn.execute(text(size)).scalar_one() / 1024)
        return rows


async def soak(
    db_url: str,
    days: float,
    quiet_days: float,
    n_feeds: int,
    n_items: int | None,
    prune_every_days: int,
    outage: tuple[float, float],
) -> dict[str, Any]:
    from adapters.app import build_app
    from adapters.console import CONSOLE, ConsoleAdapter, console_request
    from adapters.health import check, default_max_age_s
    from benchmarks.common import peak_rss_mb
    from bot.clock import ManualClock
    from bot.digest import run_digests
    from bot.model import DeliveryMode, SeedDoc
    from bot.settings import load_settings

    stories, feeds, n_items, revisions = plan(days - quiet_days, n_feeds, n_items)
    clock = ManualClock(START)
    server = SoakServer(feeds, clock, outage)
    await server.start()
    env = {"STORYBOT_DATABASE_URL": db_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    console = ConsoleAdapter(io.StringIO())
    settings = load_settings(None, env=env)
    app = build_app(settings, clock=clock, adapters={CONSOLE: console})
    store = app.store
    now = clock.now()
    made = []
    for i, (_event, seeds) in enumerate(stories):
        docs = [SeedDoc(s.title, s.content or s.summary, s.url, s.published) for s in seeds]
        made.append(store.add_story(f"soak-{i}", seeds[0].title[:200], docs, now))
    store.bind(made[0].id, CONSOLE, "realtime", DeliveryMode.REALTIME, 24, now)
    store.bind(made[0].id, CONSOLE, "six-hourly", DeliveryMode.DIGEST, 6, now)
    store.bind(made[1].id, CONSOLE, "daily", DeliveryMode.DIGEST, 24, now)
    for n in range(n_feeds):
        store.add_feed(f"{server.base_url}/f/{n}", now, interval_s=15 * 60)
    for query in ("police OR shooting", '"apple" AND iphone', "election"):
        await app.commands.handle(console_request(f"subscribe {query}"))

    steps = int(timedelta(days=days) / STEP)
    per_day = int(timedelta(days=1) / STEP)
    daily: list[dict[str, Any]] = []
    day_cycle_s = day_cpu_s = 0.0
    day_judged = 0
    day_cycles = 0
    totals = dict(updated=0, judged=0, on_topic=0, developments=0, prune_items=0, prune_outbox=0)
    rss_start = rss_mb()
    max_age = timedelta(seconds=default_max_age_s(settings.polling))
    started = time.perf_counter()
    for step in range(1, steps + 1):
        clock.advance(seconds=STEP.total_seconds())
        t0, c0 = time.perf_counter(), time.process_time()
        report = await app.pipeline.poll_due()
        day_cycle_s += time.perf_counter() - t0
        day_cpu_s += time.process_time() - c0
        day_cycles += 1
        day_judged += report.new_items
        totals["judged"] += report.new_items
        totals["updated"] += report.updated_items
        totals["on_topic"] += report.on_topic
        totals["developments"] += report.new_developments
        await app.delivery.deliver_due(limit=1000)
        run_digests(store, clock)
        await app.delivery.deliver_due(limit=1000)
        if step % (per_day * prune_every_days) == 0:
            pr = store.prune(clock.now() - timedelta(days=prune_every_days))
            totals["prune_items"] += pr.items
            totals["prune_outbox"] += pr.outbox
        if step % per_day == 0:
            gc.collect()
            row: dict[str, Any] = dict(
                day=step // per_day,
                rows=table_rows(store),
                cycle_ms=round(1000 * day_cycle_s / day_cycles, 2),
                # a day without new items has no time per item (not the day's time)
                ms_per_item=round(1000 * day_cycle_s / day_judged, 2) if day_judged else None,
                cpu_ms=round(1000 * day_cpu_s / day_cycles, 2),
                new_items=day_judged,
                rss_mb=rss_mb(),
                health=[
                    f.line() for f in check(settings, clock.now(), max_age, 5) if f.status != "ok"
                ],
                feed0=_feed_state(store.list_feeds()[0], clock.now()),
            )
            daily.append(row)
            print(
                f"day {row['day']:3}: {row['new_items']:4} new, cycle {row['cycle_ms']:7.2f} ms, "
                + (f"{per_item:6.2f}" if (per_item := row["ms_per_item"]) is not None else "     -")
                + f" ms/item, cpu {row['cpu_ms']:7.2f} ms/cycle, rss {row['rss_mb']:6.1f} MB, "
                + " ".join(f"{k}={v}" for k, v in row["rows"].items()),
                flush=True,
            )
            print(f"         feed 0: {row['feed0']}; health: {row['health'] or 'ok'}", flush=True)
            day_cycle_s, day_cpu_s, day_judged, day_cycles = 0.0, 0.0, 0, 0
    wall = time.perf_counter() - started
    posted = len(console.posted)
    await app.aclose()
    await server.stop()
    return dict(
        days=days,
        feeds=n_feeds,
        stream_items=n_items,
        revisions=revisions,
        wall_s=round(wall, 1),
        posted=posted,
        requests=server.requests,
        not_modified=server.not_modified,
        rss_start_mb=rss_start,
        peak_rss_mb=peak_rss_mb(),
        daily=daily,
        **totals,
    )


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import emit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 simulated days, 3 feeds")
    parser.add_argument("--days", type=float, default=28)
    parser.add_argument("--quiet-days", type=float, default=4, help="last days: nothing new")
    parser.add_argument("--feeds", type=int, default=6)
    parser.add_argument("--items", type=int, help="play this many stream items (default all)")
    parser.add_argument("--prune-every", type=int, default=7, help="days")
    parser.add_argument("--outage", type=float, nargs=2, default=(8, 11), help="days")
    parser.add_argument("--database", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.quiet_days, args.feeds, args.items, args.prune_every = 3, 1, 3, 200, 1
        args.outage = (1.0, 1.5)
    with tempfile.TemporaryDirectory(prefix="storybot-soak-") as tmp:
        db = args.database or f"sqlite:///{Path(tmp) / 'soak.db'}"
        result = asyncio.run(
            soak(
                db,
                args.days,
                args.quiet_days,
                args.feeds,
                args.items,
                args.prune_every,
                tuple(args.outage),
            )
        )
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
