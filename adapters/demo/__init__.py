"""``storybot demo``: the whole service, offline, over simulated time.

It serves the bundled sample feeds from a local HTTP server (items appear as simulated time
passes), creates the demo story from the bundled seed articles, binds the console, and then
runs the real scheduler, fetcher, engine, storage and outbox worker. Each scheduler tick moves
the simulated clock forward. Alerts print as they are delivered, with a progress line; at the
end it answers ``status`` and shows what a keyword subscription caught, and compares the
outcome with the answers written into the sample data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TextIO

from adapters.app import App, build_app
from adapters.console import CONSOLE, CONSOLE_CHANNEL, ConsoleAdapter, console_request
from adapters.demo.feedserver import DATA_DIR, DemoFeedServer, Timeline
from bot.clock import ManualClock
from bot.model import DeliveryMode
from bot.scheduler import Service, Ticks
from bot.settings import load_settings

STORY = "anthropic-pentagon"
SUBSCRIPTION = '"supply chain" OR hearing'


def seed_files() -> list[Path]:
    return sorted((DATA_DIR / "seeds").glob("*.txt"))


async def run_demo(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the demo; returns 0 when the outcome matches the sample data's answers."""
    out = out or sys.stdout
    with tempfile.TemporaryDirectory(prefix="storybot-demo-") as tmp:
        db = args.database or f"sqlite:///{Path(tmp) / 'demo.db'}"
        return await _run(args, db, out)


async def _run(args: argparse.Namespace, db_url: str, out: TextIO) -> int:
    from adapters.seeds import load_seed

    timeline = Timeline.load()
    clock = ManualClock(timeline.start)
    server = DemoFeedServer(timeline, clock)
    await server.start()
    env = dict(os.environ, STORYBOT_DATABASE_URL=db_url, STORYBOT_ALLOWED_HOSTS="127.0.0.1")
    settings = load_settings(getattr(args, "config", None), env=env)
    console = ConsoleAdapter(out)
    app = build_app(settings, clock=clock, adapters={CONSOLE: console})
    try:
        print("storybot demo: SAMPLE feeds served from " + server.base_url + " (simulated time)", file=out)
        seeds = [load_seed(str(p)) for p in seed_files()]
        story = app.store.add_story(STORY, seeds[0].title, seeds, clock.now())
        print(f"story '{story.name}': {story.title} ({len(seeds)} seed articles)", file=out)
        for feed in timeline.feeds:
            app.store.add_feed(server.url(feed["slug"]), clock.now(), interval_s=15 * 60)
        print(f"{len(timeline.feeds)} feeds added; the console channel follows the story", file=out)
        app.store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())
        reply = await app.commands.handle(console_request(f"subscribe {SUBSCRIPTION} --story {STORY}"))
        print(f"> /story subscribe {SUBSCRIPTION} --story {STORY}\n{reply.text}\n", file=out)

        await _simulate(app, clock, timeline, args, out)
        return await _finish(app, console, timeline, out)
    finally:
        await app.aclose()
        await server.stop()


async def _simulate(app: App, clock: ManualClock, timeline: Timeline, args: argparse.Namespace, out: TextIO) -> None:
    """Run the real scheduler; every tick moves simulated time on by one step."""
    steps = int(args.hours * 60 / args.step_minutes)
    totals: Counter[str] = Counter()

    def on_cycle(report) -> None:
        totals["items"] += report.new_items
        totals["on_topic"] += report.on_topic
        totals["copies"] += report.copies
        totals["developments"] += report.new_developments
        for url, error in report.failures:
            print(f"   feed error: {url}: {error}", file=out)

    tick = args.tick_seconds
    service = Service(
        app.pipeline, app.delivery, app.store, clock,
        Ticks(poll_s=tick, deliver_s=tick / 2, digest_s=tick * 4), on_cycle=on_cycle,
    )
    service.start()
    try:
        for step in range(1, steps + 1):
            await asyncio.sleep(tick)
            clock.advance(minutes=args.step_minutes)
            elapsed = step * args.step_minutes
            print(
                f"-- [{clock.now():%H:%M} sim, {elapsed / 60:4.1f}h/{args.hours:g}h] "
                f"{totals['items']} items seen, {totals['on_topic']} on-topic, "
                f"{totals['copies']} copies folded, {totals['developments']} new developments",
                file=out, flush=True,
            )
        # Let the last poll and deliveries finish.
        await app.pipeline.poll_due()
        for _ in range(5):
            await app.delivery.deliver_due(limit=1000)
    finally:
        await service.stop()


async def _finish(app: App, console: ConsoleAdapter, timeline: Timeline, out: TextIO) -> int:
    print("\n> /story status", file=out)
    print((await app.commands.handle(console_request(f"status {STORY}"))).text, file=out)
    print("\n> /story subscriptions", file=out)
    print((await app.commands.handle(console_request("subscriptions"))).text, file=out)
    notices = [m for _, m in console.posted if m.kind.value == "notice"]
    print(f"keyword subscription matched {len(notices)} items (sent as DMs above)", file=out)
    return _check(app, console, timeline, out)


def _check(app: App, console: ConsoleAdapter, timeline: Timeline, out: TextIO) -> int:
    """Compare what happened with the answers written into the sample data."""
    story = app.store.get_story(STORY)
    assert story is not None
    expected_devs = {i["development"] for i in timeline.items if i["kind"] == "development"}
    unrelated = [i for i in timeline.items if i["kind"] == "unrelated"]
    alerts = [m for _, m in console.posted if m.kind.value == "alert"]
    on_topic_unrelated = 0
    for it in unrelated:
        item = app.store.find_item_by_url(it["url"])
        if item and any(d.judgement.on_topic for d in app.store.decisions_for_item(item.id)):
            on_topic_unrelated += 1
    stats = app.store.story_stats(story.id)
    print("\nOutcome vs the sample data's answers:", file=out)
    print(f"  new developments alerted: {len(alerts)} (expected {len(expected_devs)})", file=out)
    print(f"  alerts edited by later reports: {len(console.edited)}", file=out)
    print(f"  unrelated items taken as on-topic: {on_topic_unrelated} of {len(unrelated)} (expected 0)", file=out)
    print(f"  copies folded: {stats.copies}; reports on the story: {stats.items_on_topic}", file=out)
    ok = len(alerts) == len(expected_devs) and on_topic_unrelated == 0
    print("demo: OK" if ok else "demo: outcome differs from the sample answers (see above)", file=out)
    return 0 if ok else 1
