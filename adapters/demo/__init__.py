"""``storybot demo``: the whole service, offline, over simulated time.

It serves the bundled sample feeds from a local HTTP server (items appear as simulated time
passes), creates the demo story from the bundled seed articles, binds the console, and then
runs the real scheduler, fetcher, engine, storage and outbox worker. Each step moves the
simulated clock forward and has the scheduler run the poll, then the delivery: the alerts the
step's poll caused print as they are delivered, then the step's progress line; at the
end it answers ``status`` and shows what a keyword subscription caught, and compares the
outcome with the answers written into the sample data.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import math
import os
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Sequence, TextIO

from adapters.app import App, build_app
from adapters.console import CONSOLE, CONSOLE_CHANNEL, ConsoleAdapter, console_request
from adapters.demo.feedserver import DATA_DIR, DemoFeedServer, Timeline
from bot.clock import ManualClock
from bot.errors import ConfigError, UserError
from bot.model import DeliveryMode, Link
from bot.render import counted
from bot.scheduler import Service, Ticks
from bot.settings import load_settings

STORY = "anthropic-pentagon"
SUBSCRIPTION = '"supply chain" OR hearing'
# The demo runs the service's jobs itself, once a step (see _simulate); their own ticks
# only back that up, a real day apart.
_BACKSTOP_S = 24 * 60 * 60.0
_MAX_DELIVERY_RUNS = 10


def seed_files() -> list[Path]:
    return sorted((DATA_DIR / "seeds").glob("*.txt"))


async def run_demo(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the demo; returns 0 when it ran (the outcome is compared and printed)."""
    out = out or sys.stdout
    tmp = tempfile.mkdtemp(prefix="storybot-demo-")
    try:
        db = args.database or f"sqlite:///{Path(tmp) / 'demo.db'}"
        # named in database errors: the operator gave --database, not STORYBOT_DATABASE_URL
        source = "--database" if args.database else "the demo's temporary database"
        return await _run(args, db, out, source)
    finally:
        _remove_scratch(tmp)


def _remove_scratch(path: str) -> None:
    """Remove the demo's temporary directory, now or, failing that, as the process ends.

    Interrupted (Ctrl-C), the demo stops while a command may still be running in a worker
    thread, which no cancellation stops: writing to the database, it can create a file
    (SQLite's journal) in the directory as it is removed, and the removal's "Directory not
    empty" would replace the one-line "interrupted" with a traceback. The thread ends
    before the interpreter's exit handlers run, so the directory goes then.
    """
    shutil.rmtree(path, ignore_errors=True)
    if os.path.exists(path):
        atexit.register(shutil.rmtree, path, ignore_errors=True)


def _refuse_a_database_in_use(db_url: str, source: str) -> None:
    """Refuse a ``--database`` that already holds stories or feeds.

    The demo adds its story, six feeds on a local port that is gone once it ends, and a
    subscription, and judges its sample items for every story there: run on a real
    database it would leave all of that in it. A new or empty database is fine. The
    message suggests no file name: a fixed example was the very file refused when it was
    a second demo's.

    Raises:
        UserError: The database holds stories or feeds.
    """
    from storage import open_store

    try:
        store = open_store(db_url, create=False, source=source)
    except ConfigError as exc:
        if str(exc).startswith("no database at "):
            return  # a new file: the demo creates it
        raise
    try:
        stories, feeds = len(store.list_stories()), len(store.list_feeds())
    finally:
        store.close()
    if stories or feeds:
        raise UserError(
            f"the demo needs a database of its own, and {db_url} holds "
            f"{counted(stories, 'story', 'stories')} and {counted(feeds, 'feed')}: it would "
            "add its sample story, feeds and subscription there. Give one that holds "
            "neither (a new file, or an empty PostgreSQL database) or leave --database out "
            "(a temporary one)"
        )


async def _run(args: argparse.Namespace, db_url: str, out: TextIO, source: str) -> int:
    """The demo on ``db_url``.

    Its own store calls run in threads, as the service's do: none waits for the database
    on the event loop its feed server and scheduler share (``tests/loop_guard.py``
    checks it).
    """
    # before anything is started
    await asyncio.to_thread(_refuse_a_database_in_use, db_url, source)
    timeline = Timeline.load()
    clock = ManualClock(timeline.start)
    server = DemoFeedServer(timeline, clock)
    await server.start()
    env = dict(os.environ, STORYBOT_ALLOWED_HOSTS="127.0.0.1")
    settings = replace(
        load_settings(getattr(args, "config", None), env=env),
        database_url=db_url,
        database_source=source,
    )
    console = ConsoleAdapter(out)
    # opening the store migrates it: in a thread too
    app = await asyncio.to_thread(build_app, settings, clock=clock, adapters={CONSOLE: console})
    try:
        print(
            "storybot demo: SAMPLE feeds served from " + server.base_url + " (simulated time)",
            file=out,
        )
        await asyncio.to_thread(_add_the_sample, app, server, timeline, out)
        reply = await app.commands.handle(
            console_request(f"subscribe {SUBSCRIPTION} --story {STORY}")
        )
        print(f"> /story subscribe {SUBSCRIPTION} --story {STORY}\n{reply.text}\n", file=out)

        await _simulate(app, clock, timeline, args, out)
        return await _finish(app, console, timeline, out)
    finally:
        await app.aclose()
        await server.stop()


def _add_the_sample(app: App, server: DemoFeedServer, timeline: Timeline, out: TextIO) -> None:
    """Add the demo's story (from the bundled seeds) and its feeds; the console follows it."""
    from adapters.seeds import load_seed

    clock = app.clock
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story(STORY, seeds[0].title, seeds, clock.now())
    print(f"story '{story.name}': {story.title} ({len(seeds)} seed articles)", file=out)
    for feed in timeline.feeds:
        app.store.add_feed(server.url(feed["slug"]), clock.now(), interval_s=15 * 60)
    print(f"{len(timeline.feeds)} feeds added; the console channel follows the story", file=out)
    app.store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())


async def _simulate(
    app: App, clock: ManualClock, timeline: Timeline, args: argparse.Namespace, out: TextIO
) -> None:
    """Run the real scheduler's jobs, one simulated step at a time.

    Each step moves the simulated clock on, then has the scheduler run the poll job, the
    digest job and the delivery job, one after the other (``Service.run_now``), and then
    prints its progress line: the alerts the step's poll caused come before it, and what
    the demo reads, alerts and prints is the same on every run, on a slow machine as on
    a fast one. The jobs' own ticks are put a day apart: running between the demo's
    requests, a delivery in the middle of a poll would post an alert with the reports
    stored so far and edit it with the rest, or not, as real time fell.
    """
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
        app.pipeline,
        app.delivery,
        app.store,
        clock,
        Ticks(poll_s=_BACKSTOP_S, deliver_s=_BACKSTOP_S, digest_s=_BACKSTOP_S),
        on_cycle=on_cycle,
        zone=app.settings.delivery.zone,
    )

    async def run_jobs() -> None:
        await service.run_now("poll")
        await service.run_now("digest")
        # one delivery run sends up to 100 rows: again while any is due (at most a few)
        for _ in range(_MAX_DELIVERY_RUNS):
            await service.run_now("deliver")
            due = await asyncio.to_thread(
                app.store.due_outbox, clock.now(), limit=1, platforms=[CONSOLE]
            )
            if not due:
                break

    loop = asyncio.get_running_loop()
    service.start(at_once=False)
    try:
        await run_jobs()  # the start of the simulated day: nothing is published yet
        step_began = loop.time()
        for step in range(1, steps + 1):
            # a step lasts a tick of real time, its jobs' time included
            await asyncio.sleep(max(0.0, tick - (loop.time() - step_began)))
            step_began = loop.time()
            clock.advance(minutes=args.step_minutes)
            await run_jobs()
            elapsed = step * args.step_minutes
            print(
                f"-- [{clock.now():%H:%M} sim, {elapsed / 60:4.1f}h/{args.hours:g}h] "
                f"{counted(totals['items'], 'item')} seen, {totals['on_topic']} on-topic, "
                f"{counted(totals['copies'], 'copy', 'copies')} folded, "
                f"{counted(totals['developments'], 'new development')}",
                file=out,
                flush=True,
            )
    finally:
        await service.stop()


async def _finish(app: App, console: ConsoleAdapter, timeline: Timeline, out: TextIO) -> int:
    print("\n> /story status", file=out)
    print((await app.commands.handle(console_request(f"status {STORY}"))).text, file=out)
    print("\n> /story subscriptions", file=out)
    print((await app.commands.handle(console_request("subscriptions"))).text, file=out)
    notices = [m for _, m in console.posted if m.kind.value == "notice"]
    print(
        f"keyword subscription: {counted(len(notices), 'DM')} (above), one per report: another outlet's "
        "copy of a report already sent is not sent again",
        file=out,
    )
    return await asyncio.to_thread(_check, app, console, timeline, out)


def _announced(links: Sequence[Link], by_url: dict[str, dict]) -> dict | None:
    """The sample item an alert with these links announced (see ``_check``)."""
    items = [by_url[link.url] for link in links if link.url in by_url]
    first = by_url.get(links[0].url) if links else None
    return next((i for i in items if i["kind"] == "development"), first)


def _all_hours(timeline: Timeline) -> float:
    """The simulated hours that play every item of the sample data (whole hours)."""
    return float(math.ceil(max(i["minute"] for i in timeline.items) / 60))


def _check(app: App, console: ConsoleAdapter, timeline: Timeline, out: TextIO) -> int:
    """Compare what happened with the answers written into the sample data.

    The demo exits 0 whenever it ran; how the engine's judgements compare with the
    answers is printed, item by item where they differ, so a reader can see both.
    """
    story = app.store.get_story(STORY)
    assert story is not None
    # An alert is matched to the sample item it announced by its links, not its title (a
    # copy may carry the very same headline as its original): the development report
    # among them, else its first link. Not always the first link: reports that came in
    # the same poll as the first are in the alert as posted, listed in number order
    # ([1], the first reporter, first) with the summary's cited links among them.
    by_url = {i["url"]: i for i in timeline.items}
    minutes = (app.clock.now() - timeline.start).total_seconds() / 60
    # only what the feeds published within the simulated hours can have been judged
    played = [i for i in timeline.items if i["minute"] <= minutes]
    later = [i for i in timeline.items if i["minute"] > minutes]
    alerts = [m for _, m in console.posted if m.kind.value == "alert"]
    alerted = [_announced(m.links, by_url) for m in alerts]
    expected = [i for i in played if i["kind"] == "development"]
    found = [
        i for i in expected if any(a and a["development"] == i["development"] for a in alerted)
    ]
    extra = [
        m.title for m, a in zip(alerts, alerted, strict=True) if not a or a["kind"] != "development"
    ]
    unrelated = [i for i in played if i["kind"] == "unrelated"]
    wrong_on_topic = []
    reports = [i for i in played if i["kind"] != "unrelated"]  # of the story: all on-topic
    missed: list[tuple[str, str]] = []  # (headline, its score against its threshold)
    for it in played:
        item = app.store.find_item_by_url(it["url"])
        decisions = app.store.decisions_for_item(item.id) if item else []
        taken = any(d.judgement.on_topic for d in decisions)
        if it["kind"] == "unrelated" and taken:
            wrong_on_topic.append(it["title"])
        elif it["kind"] != "unrelated" and not taken:
            best = max((d.judgement for d in decisions), key=lambda j: j.score, default=None)
            bar = best.reason.get("threshold") if best else None
            scored = f" (score {best.score:.3f}; on-topic from {bar:.3f})" if best and bar else ""
            missed.append((it["title"], scored))
    stats = app.store.story_stats(story.id)
    seed = app.store.get_development(story.id, 0)
    print("\nOutcome vs the sample data's answers:", file=out)
    if later:
        turns = sum(1 for i in later if i["kind"] == "development")
        if len(later) == 1:
            which = "a new development" if turns else "not a new development"
            comes = f"{which}, comes later: --hours {_all_hours(timeline):g} plays it"
        else:
            comes = (
                f"{counted(turns, 'new development')} among them, come later: "
                f"--hours {_all_hours(timeline):g} plays them all"
            )
        print(
            f"  (after {minutes / 60:g} simulated hours; {counted(len(later), 'more item')} "
            f"of the sample data, {comes})",
            file=out,
        )
    print(f"  new developments alerted: {len(found)} of {len(expected)}", file=out)
    for it in expected:
        mark = "yes" if it in found else "MISSED"
        print(f"    {mark:6} {it['title']}", file=out)
    print(f"  alerts that are not a new development: {len(extra)}", file=out)
    for title in extra:
        print(f"    EXTRA  {title}", file=out)
    print(f"  alerts edited by later reports: {len(console.edited)}", file=out)
    print(
        f"  unrelated items taken as on-topic: {len(wrong_on_topic)} of {len(unrelated)}", file=out
    )
    for title in wrong_on_topic:
        print(f"    WRONG  {title}", file=out)
    if wrong_on_topic:
        print(
            "    (in a running storybot an admin says so with /story wrong <its link>, "
            "and reports like it are held back from then on)",
            file=out,
        )
    # a report missed costs no alert (its development was announced by another) but its
    # facts never reach the alert's summary, and a story-scoped subscription is not told
    print(f"  reports of the story taken as off-topic: {len(missed)} of {len(reports)}", file=out)
    for title, scored in missed:
        print(f"    MISSED {title}{scored}", file=out)
    if missed:
        # what an admin of a running storybot does about it
        print(
            "    (in a running storybot an admin says so with /story wrong <its link>, "
            "and it counts as a seed from then on: reports like it are taken more readily)",
            file=out,
        )
    print(
        f"  reports folded into the seed story: {seed.item_count if seed else 0}; "
        f"copies of later reports folded: {stats.copies}",
        file=out,
    )
    alerts_ok = len(found) == len(expected) and not extra and not wrong_on_topic
    if alerts_ok and not missed:
        verdict = "demo: OK, every judgement matches the sample answers"
    elif alerts_ok:
        verdict = (
            "demo: OK for alerts (each new development alerted once, no other alert, nothing "
            f"unrelated taken); {counted(len(missed), 'report')} of the story judged "
            "off-topic (listed above)"
        )
    else:
        verdict = "demo: done; some judgements differ from the sample answers (listed above)"
    print(verdict, file=out)
    return 0
