"""The pipeline end to end: local feed server -> fetcher -> engine -> SQLite -> outbox -> console.

Real components throughout; the only fake is the feed server at the wire.
"""

from __future__ import annotations

import argparse
import io
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from fakes.embedder import ConceptEmbedder
from feedbuilder import entry, rss
from feedserver import feed_server  # noqa: F401  (fixture)
from sqlalchemy import event
from storyworld import (
    CONSOLE,
    CONSOLE_CHANNEL,
    as_entry,
    feed_of,
    make_world,
    sample,
    samples,
    undated_entry,
)

from adapters.feeds_admin import feeds
from adapters.operator import poll_once
from bot.cycle_report import CycleReport
from bot.digest import run_digests
from bot.feed_text import feed_health, feeds_list
from bot.identity import new_item
from bot.model import DeliveryMode, FeedStatus, IngestOutcome, MessageKind
from bot.ports import DevelopmentWrite
from bot.render import format_time

# The pipeline's mechanics are tested with the sample turn the engine recognises as new
# right after the seeds; how well the engine separates every turn is pinned (with its known
# misses marked xfail) in tests/test_engine_coldstart.py.
DEV = "congress-hearing"


async def _cycle(world, deliver: bool = True):
    report = await world.app.pipeline.poll_due()
    if deliver:
        await world.app.delivery.deliver_due(limit=1000)
    return report


async def test_copies_of_the_seed_fold_into_development_zero_without_alert(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    copies = samples("copy", "seed")[:3]
    feed_server.add_feed(
        "/wire.xml", feed_of(*(as_entry(c, i) for i, c in enumerate(copies))), etag=True
    )
    world.app.store.add_feed(feed_server.url("/wire.xml"), clock.now())

    report = await _cycle(world)

    assert report.new_items == 3
    assert report.on_topic == 3
    assert world.alerts() == []  # the seed story is known already: no alert
    seed = world.app.store.get_development(world.story.id, 0)
    assert seed is not None and seed.item_count == 3
    await world.app.aclose()


async def test_a_hostile_headline_and_summary_are_judged_in_linear_time(
    feed_server, sqlite_url, clock
):
    # Anyone writing into a polled feed could stall judging: a headline of thousands of
    # " - x" parts cost strip_outlet_suffix a scan per part, and a summary of "<a<a..."
    # cost the HTML check a scan per "<" (both quadratic: 40 KB took seconds per call).
    world = make_world(sqlite_url, clock)
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    hostile = as_entry(
        first,
        title=first["title"] + " - x" * 15_000,
        summary=(first.get("summary") or "") + "<a" * 60_000,
    )
    # A first cycle on an ordinary item pays the one-off costs (the word-frequency
    # tables, the engine's state): timed cold, they alone took seconds on a loaded
    # machine, close to the bound, while the hostile item itself takes well under one.
    ordinary = as_entry(sample("sdw-u01"))
    feed_server.add_feed("/a.xml", feed_of(ordinary), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    assert (await _cycle(world)).new_items == 1
    feed_server.add_feed("/a.xml", feed_of(hostile, ordinary), etag=True)
    clock.advance(hours=1)

    started = time.perf_counter()
    report = await _cycle(world)

    assert report.new_items == 1
    assert time.perf_counter() - started < 10
    await world.app.aclose()


async def test_an_entry_with_huge_fields_is_judged_in_bounded_time_and_leaves_a_small_state(
    feed_server, sqlite_url, clock
):
    # One entry may be a whole 10 MiB feed: a body of 3.5 MB of distinct words took the
    # cycle 11 s (CJK text or one word repeated cost about as much per byte), and an
    # on-topic entry's 64 kB link and 100 kB headline were kept in the story's engine
    # snapshot (copy index, development headline and citations: +400 kB, for as long as
    # they stay there), which is written at every commit.
    import json
    import random
    import string

    world = make_world(sqlite_url, clock)
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    ordinary = as_entry(sample("sdw-u01"))
    feed_server.add_feed("/a.xml", feed_of(ordinary), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    assert (await _cycle(world)).new_items == 1  # the one-off costs (see above)

    def kept_of_items() -> int:  # what the snapshot keeps of each item, not word counts
        state = world.app.pipeline.engine.snapshot(world.story.id)
        return len(json.dumps([state["copies"], state["developments"]]))

    state_before = kept_of_items()
    rng = random.Random(1)
    words = " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))) for _ in range(500_000)
    )
    long_link = "https://news.example.com/" + "a" * 64_000
    on_topic = as_entry(
        first, title=first["title"] + " Pentagon" * 11_000, link=long_link, guid="urn:long"
    )
    bulky = as_entry(
        sample("sdw-u01"), 1, guid="urn:bulky", link="https://x.example/b", content=words
    )
    feed_server.add_feed("/a.xml", feed_of(on_topic, bulky, ordinary), etag=True)
    clock.advance(hours=1)

    started = time.perf_counter()
    report = await _cycle(world)
    elapsed = time.perf_counter() - started

    assert report.new_items == 2 and report.on_topic >= 1
    assert elapsed < 5, f"the cycle took {elapsed:.1f} s"  # 0.6 s; 11 s unbounded
    state_after = kept_of_items()
    assert state_after - state_before < 20_000, (state_before, state_after)  # +7 kB; +520 kB
    await world.app.aclose()


async def test_the_cycle_counts_items_not_item_story_pairs(feed_server, sqlite_url, clock):
    """Three copies of the seed story taken by two stories are 3 on-topic items, not 6."""
    world = make_world(sqlite_url, clock)
    world.app.store.add_story("twin", world.story.title, world.story.seeds, clock.now())
    copies = samples("copy", "seed")[:3]
    feed_server.add_feed(
        "/wire.xml", feed_of(*(as_entry(c, i) for i, c in enumerate(copies))), etag=True
    )
    world.app.store.add_feed(feed_server.url("/wire.xml"), clock.now())

    report = await _cycle(world)

    twin = world.app.store.get_story("twin")
    assert twin is not None and world.app.store.get_development(twin.id, 0).item_count == 3
    assert (report.new_items, report.on_topic) == (3, 3)
    assert report.copies == 0  # a seed's reprint joins the seed story: no earlier report
    await world.app.aclose()


async def test_new_development_alerts_once_and_later_reports_edit_the_alert(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    follow_ups = samples("copy", DEV) + samples("update", DEV)
    feed_server.add_feed("/a.xml", feed_of(as_entry(first)), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())

    await _cycle(world)
    assert len(world.alerts()) == 1
    alert = world.alerts()[0]
    assert alert.story_name == "demo"

    feed_server.add_feed(
        "/b.xml",
        feed_of(*(as_entry(f, i) for i, f in enumerate(follow_ups)), title="Other Outlet"),
        etag=True,
    )
    world.app.store.add_feed(feed_server.url("/b.xml"), clock.now())
    report = await _cycle(world)

    assert (report.alerts_queued, report.alert_edits) == (0, 1), "edits of one row: one write"
    assert len(world.alerts()) == 1, "another report of the same turn must not post a second alert"
    assert len(world.console.edited) >= 1, "the original alert is edited instead"
    edited = world.console.edited[-1][1]
    assert len(edited.sources) >= 2
    await world.app.aclose()


async def test_a_copy_in_the_same_poll_as_its_original_is_named_in_the_one_alert(
    feed_server, sqlite_url, clock
):
    # Two feeds serve the same wire report (another guid and link, the outlet's suffix on
    # the headline): the alert is queued and the copy arrives in one batch.
    world = make_world(sqlite_url, clock)
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    copy = dict(
        first,
        guid="wire-b-1",
        url="https://wire-b.example/senators-demand-deal-text",
        title=first["title"] + " - Wire B",
    )
    feed_server.add_feed(
        "/a.xml",
        feed_of(as_entry(first, published="Thu, 05 Mar 2026 10:00:00 GMT"), title="Wire A"),
    )
    feed_server.add_feed(
        "/b.xml", feed_of(as_entry(copy, published="Thu, 05 Mar 2026 10:05:00 GMT"), title="Wire B")
    )
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    world.app.store.add_feed(feed_server.url("/b.xml"), clock.now())

    report = await _cycle(world)

    assert (report.copies, report.new_developments, report.alerts_queued) == (1, 1, 1)
    assert len(world.console.posted) == 1, "one message, never two"
    assert world.alerts()[0].sources == ("Wire A", "Wire B")
    assert not world.console.edited, "nothing left to correct"
    await world.app.aclose()


class DigestWhileJudging(ConceptEmbedder):
    """The model, whose batch call is where the digest job (a thread beside the poll
    cycle) runs ``during``: after judging began, before the batch is committed."""

    def __init__(self) -> None:
        super().__init__((("anthropic", "claude"), ("pentagon", "defense")))
        self.during: list = []

    def embed(self, texts):
        vectors = super().embed(texts)
        while self.during:
            self.during.pop()()
        return vectors


async def test_a_development_committed_after_a_digest_ran_mid_judging_is_in_the_next_digest(
    feed_server, sqlite_url, clock
):
    model = DigestWhileJudging()
    world = make_world(sqlite_url, clock, follow=False, embedder=model)
    store = world.app.store
    store.bind(world.story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.DIGEST, 1, clock.now())
    world.app.pipeline.refresh_stories()  # the seeds' model call, before the poll's
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/a.xml", feed_of(as_entry(first)), etag=True)
    store.add_feed(feed_server.url("/a.xml"), clock.now())
    clock.advance(hours=1)
    ran: list[int] = []

    def digest_job() -> None:
        clock.advance(seconds=30)  # the model takes a while; the digest is due meanwhile
        ran.append(run_digests(store, clock))

    model.during.append(digest_job)
    report = await _cycle(world, deliver=False)

    assert report.new_developments == 1 and ran == [0], "the digest ran before the commit"
    clock.advance(hours=1)
    assert run_digests(store, clock) == 1
    await world.app.delivery.deliver_due(limit=100)
    [digest] = [m for _, m in world.console.posted if m.kind is MessageKind.DIGEST]
    assert store.get_development(world.story.id, 1).headline in digest.body
    await world.app.aclose()


async def test_the_hourly_cap_counts_the_alerts_queued_by_the_same_poll(
    feed_server, sqlite_url, clock, tmp_path
):
    # Three stories followed in one channel capped at 2 alerts an hour, and one poll that
    # gives each a new development: 2 alerts, the third waits for the overflow digest.
    config = tmp_path / "cap.toml"
    config.write_text("[delivery]\ndefault_max_per_hour = 2\n")
    world = make_world(sqlite_url, clock, config=str(config))
    store = world.app.store
    for twin in ("twin-a", "twin-b"):
        story = store.add_story(twin, world.story.title, world.story.seeds, clock.now())
        store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/a.xml", feed_of(as_entry(first)), etag=True)
    store.add_feed(feed_server.url("/a.xml"), clock.now())
    clock.advance(minutes=5)

    report = await _cycle(world)

    assert (report.new_developments, report.alerts_queued) == (3, 2)
    assert len(world.alerts()) == 2
    clock.advance(hours=1, minutes=1)
    assert run_digests(store, clock) == 1, "the held-back development comes as the overflow"
    await world.app.delivery.deliver_due(limit=100)
    [digest] = [m for _, m in world.console.posted if m.kind is MessageKind.DIGEST]
    assert world.alerts()[0].story_name != digest.story_name
    await world.app.aclose()


async def test_poll_once_with_deliver_sends_the_digests_that_are_due(sqlite_url, clock):
    # a cron job running `storybot poll --once --deliver` is all the scheduling there is
    world = make_world(sqlite_url, clock, follow=False)
    store = world.app.store
    store.bind(world.story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.DIGEST, 1, clock.now())
    clock.advance(minutes=10)
    store.commit_decisions(
        [],
        [DevelopmentWrite(world.story.id, 1, "Senators demand a hearing", "Text.")],
        {},
        [],
        clock.now(),
    )
    clock.advance(hours=1)
    out = io.StringIO()
    assert await poll_once(world.app, deliver=True, out=out) == 0
    assert "== DIGEST [demo]: 1 new development" in out.getvalue(), out.getvalue()


def test_the_cycle_line_puts_each_count_in_the_right_number() -> None:
    one = CycleReport(
        feeds=1, ok=1, new_items=1, on_topic=1, copies=1, new_developments=1, alerts_queued=1
    )
    two = CycleReport(
        feeds=2, ok=2, new_items=2, on_topic=2, copies=2, new_developments=2, alerts_queued=2
    )
    assert one.line() == (
        "polled 1 feed (1 ok, 0 unchanged, 0 failed); 1 new item, 1 on-topic, 1 copy, "
        "1 new development, 1 alert queued"
    )
    assert two.line() == (
        "polled 2 feeds (2 ok, 0 unchanged, 0 failed); 2 new items, 2 on-topic, 2 copies, "
        "2 new developments, 2 alerts queued"
    )
    # edits of alerts already posted are said when there are some
    assert replace(one, edited_alerts={"a"}).line().endswith("1 alert queued, 1 alert edit")
    assert (
        replace(two, edited_alerts={"a", "b", "c"})
        .line()
        .endswith("2 alerts queued, 3 alert edits")
    )


async def test_unrelated_items_are_ignored(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    unrelated = samples("unrelated")
    feed_server.add_feed(
        "/u.xml", feed_of(*(as_entry(u, i) for i, u in enumerate(unrelated))), etag=True
    )
    world.app.store.add_feed(feed_server.url("/u.xml"), clock.now())

    report = await _cycle(world)

    assert report.new_items == len(unrelated)
    assert report.on_topic == 0
    assert world.alerts() == []
    await world.app.aclose()


async def test_an_item_seen_again_is_not_processed_twice(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    item = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/a.xml", feed_of(as_entry(item)), etag=False)
    # The same article from a second feed, under another guid, with tracking parameters.
    feed_server.add_feed(
        "/b.xml",
        feed_of(as_entry(item, guid="other-guid", link=item["url"] + "?utm_source=rss")),
        etag=False,
    )
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    world.app.store.add_feed(feed_server.url("/b.xml"), clock.now())

    report = await _cycle(world)
    assert report.new_items == 1
    clock.advance(hours=2)
    report = await _cycle(world)
    assert report.new_items == 0
    assert len(world.alerts()) == 1
    await world.app.aclose()


async def test_two_sites_numbering_their_posts_alike_both_get_judged(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    turn = sample(next(i["guid"] for i in samples("development", DEV)))
    other = samples("unrelated")[0]
    # Both sites send guid "1042" (a post number, unique only within each feed).
    feed_server.add_feed("/a.xml", feed_of(as_entry(other, guid="1042")), etag=True)
    feed_server.add_feed("/b.xml", feed_of(as_entry(turn, guid="1042")), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    world.app.store.add_feed(feed_server.url("/b.xml"), clock.now())

    report = await _cycle(world)

    assert (report.new_items, report.updated_items) == (2, 0)
    assert report.on_topic == 1 and len(world.alerts()) == 1
    assert world.app.store.find_item_by_url(other["url"]).title == other["title"]
    await world.app.aclose()


async def test_two_feeds_of_one_site_numbering_their_posts_without_links_both_get_judged(
    feed_server, sqlite_url, clock
):
    # Two feeds in one folder of one site, entries with guid "1042" and no <link>: a guid
    # that is no web address must not be made into one (/rss/1042 for both feeds), or the
    # second feed's article is taken for the first's and never judged.
    world = make_world(sqlite_url, clock)
    turn = sample(next(i["guid"] for i in samples("development", DEV)))
    other = samples("unrelated")[0]
    feed_server.add_feed("/rss/a.xml", feed_of(as_entry(other, guid="1042", link=None)))
    feed_server.add_feed("/rss/b.xml", feed_of(as_entry(turn, guid="1042", link=None)))
    world.app.store.add_feed(feed_server.url("/rss/a.xml"), clock.now())
    world.app.store.add_feed(feed_server.url("/rss/b.xml"), clock.now())

    report = await _cycle(world)

    assert report.new_items == 2
    assert report.on_topic == 1 and len(world.alerts()) == 1
    await world.app.aclose()


async def test_a_feed_moved_permanently_is_told_once_naming_its_new_address(
    feed_server, sqlite_url, clock, caplog
):
    # The fetcher notes a 301 (and a feed read leniently, entries cut at the limit...);
    # the operator must hear of it, once per feed, not on every poll.
    caplog.set_level("WARNING", logger="bot.pipeline")
    world = make_world(sqlite_url, clock)
    item = samples("unrelated")[0]
    feed_server.add_feed("/new.xml", feed_of(as_entry(item)), etag=True)
    feed_server.add_redirect("/old.xml", "/new.xml", status=301)
    world.app.store.add_feed(feed_server.url("/old.xml"), clock.now())

    await _cycle(world)
    clock.advance(hours=1)
    report = await _cycle(world)

    assert report.not_modified == 1 and feed_server.hits("/new.xml") == 2
    told = [r.getMessage() for r in caplog.records if "moved permanently" in r.getMessage()]
    assert len(told) == 1
    assert feed_server.url("/old.xml") in told[0] and feed_server.url("/new.xml") in told[0]
    await world.app.aclose()


async def test_a_feed_moved_permanently_says_so_in_feeds_and_status_until_it_is_not(
    feed_server, sqlite_url, clock
):
    # the log alone told of a 301: the feed works through it, so /story feeds, status
    # and `storybot feeds list` said "ok" while the old URL was polled for ever
    world = make_world(sqlite_url, clock)
    store = world.app.store
    item = samples("unrelated")[0]
    feed_server.add_feed("/new.xml", feed_of(as_entry(item)))
    feed_server.add_redirect("/old.xml", "/new.xml", status=301)
    feed = store.add_feed(feed_server.url("/old.xml"), clock.now())
    old, new = feed_server.url("/old.xml"), feed_server.url("/new.xml")

    await _cycle(world)

    moved = store.get_feed_by_id(feed.id)
    assert (moved.url, moved.status, moved.moved_to) == (old, FeedStatus.OK, new)
    listed = feeds_list(store, "slack")
    assert f"#{feed.id} Sample Wire <{old}> · ok · next poll " in listed
    assert listed.endswith(
        f" · moved permanently to <{new}>: admins switch it with "
        f"`/story feeds remove #{feed.id}` then `/story feeds add {new}` (its items are kept)"
    )
    assert f"`/story feeds remove url:#{feed.id}` then `/story feeds add url:{new}`" in (
        feeds_list(store, "discord")
    )
    health = feed_health(store, "slack")
    assert health.startswith("Feeds: 1 ok, 0 failing, 0 not polled yet.")
    assert (
        f"\n  moved permanently: {old} to {new} (`/story feeds` says how to switch it)." in health
    )
    out = io.StringIO()
    feeds(world.app, argparse.Namespace(feeds_cmd="list"), out)
    assert (
        f"\tmoved permanently to {new}: storybot feeds remove #{feed.id} then "
        f"storybot feeds add {new} keeps its items"
    ) in out.getvalue()

    # the server stops redirecting: the next poll clears it
    feed_server.add_feed("/old.xml", feed_of(as_entry(item)))
    clock.advance(hours=1)
    await _cycle(world)
    assert store.get_feed_by_id(feed.id).moved_to is None
    assert "moved" not in feeds_list(store, "slack") + feed_health(store, "slack")
    await world.app.aclose()


async def test_a_feed_read_in_part_says_so_in_feeds_until_a_poll_reads_it_whole(
    feed_server, sqlite_url, clock
):
    # a feed the fast parser cannot read is read by feedparser up to 2 MiB, cut after the
    # last whole entry: the log alone said so, once a run, and its later entries were lost
    world = make_world(sqlite_url, clock)
    store = world.app.store
    late = "<item><title>Late</title><guid>id-late</guid></item>"
    body = rss(
        [entry(0), entry(1)],
        title="Sample Wire",
        raw_items="<item><title>AT&T</title><guid>id-at</guid></item>"  # not well-formed
        + "<!--"
        + "x" * (3 * 1024 * 1024)
        + "-->"
        + late,
    )
    feed_server.add_feed("/big.xml", body, etag=True)
    feed = store.add_feed(feed_server.url("/big.xml"), clock.now())
    part = (
        f"read in part: the first {body.index(b'<!--')} bytes of 3.0 MiB (XML the"
        " fast parser cannot read; the lenient one reads at most 2 MiB)"
    )

    report = await _cycle(world)

    assert report.new_items == 3  # not "Late"
    read = store.get_feed_by_id(feed.id)
    assert (read.status, read.read_in_part) == (FeedStatus.OK, part.removeprefix("read in part: "))
    assert f"#{feed.id} Sample Wire <{feed.url}> · ok · next poll " in feeds_list(store, "slack")
    assert feeds_list(store, "slack").endswith(f" · {part}")
    out = io.StringIO()
    feeds(world.app, argparse.Namespace(feeds_cmd="list"), out)
    assert f"\t{part}" in out.getvalue()
    # status's feed health ends every status: a user reading it learns entries are lost
    assert feed_health(store, "slack").endswith(
        f"\n  read in part: {feed.url} (the entries past the part read are lost: "
        "`/story feeds` says which part)."
    )

    # the same body again (a 304): nothing read, nothing known to have changed
    clock.advance(hours=1)
    assert (await _cycle(world)).not_modified == 1
    assert store.get_feed_by_id(feed.id).read_in_part == part.removeprefix("read in part: ")

    # the feed is mended: the next read reads it whole and clears it
    feed_server.add_feed("/big.xml", rss([entry(0), entry(1), entry(2)], title="Sample Wire"))
    clock.advance(hours=1)
    await _cycle(world)
    assert store.get_feed_by_id(feed.id).read_in_part is None
    out = io.StringIO()
    feeds(world.app, argparse.Namespace(feeds_cmd="list"), out)
    assert "read in part" not in feeds_list(store, "slack") + out.getvalue()
    assert "read in part" not in feed_health(store, "slack")
    await world.app.aclose()


async def test_a_feed_that_asks_to_be_read_less_often_says_so_beside_its_next_poll(
    feed_server, sqlite_url, clock
):
    # "every 300 s" beside a next poll a day away, with no reason: the feed's <ttl> (or
    # its server's max-age) stretched it, and the lists now say so
    world = make_world(sqlite_url, clock)
    store = world.app.store
    feed_server.add_feed("/ttl.xml", rss([entry(0)], title="Sample Wire", ttl=1440))
    feed = store.add_feed(feed_server.url("/ttl.xml"), clock.now(), interval_s=300)

    await _cycle(world)

    read = store.get_feed_by_id(feed.id)
    assert read.next_poll_at - clock.now() == timedelta(days=1)
    note = "the feed asks to be read at most every 24 h (its <ttl>)"
    assert feeds_list(store, "slack").endswith(
        f"· next poll {format_time(read.next_poll_at)} · {note}"
    )
    out = io.StringIO()
    feeds(world.app, argparse.Namespace(feeds_cmd="list"), out)
    assert "\tevery 300 s\t" in out.getvalue() and out.getvalue().endswith(f"\t{note}\n")

    # longer than storybot ever waits (a day): said with the wait it gets
    feed_server.add_feed("/ttl.xml", rss([entry(0), entry(1)], title="Sample Wire", ttl=2880))
    clock.advance(days=1)
    await _cycle(world)
    assert feeds_list(store, "slack").endswith(
        "the feed asks to be read at most every 2 days (its <ttl>); storybot waits no more than 24 h"
    )

    # its server's Cache-Control: max-age, named as such
    feed_server.add_feed(
        "/ttl.xml",
        rss([entry(0), entry(1), entry(2)], title="Sample Wire"),
        headers={"Cache-Control": "max-age=3600"},
    )
    clock.advance(days=1)
    await _cycle(world)
    assert feeds_list(store, "slack").endswith(
        "the feed asks to be read at most every 60 min (its server's Cache-Control: max-age)"
    )

    # the feed no longer asks: its interval sets the next poll, and nothing is said
    feed_server.add_feed(
        "/ttl.xml", rss([entry(0), entry(1), entry(2), entry(3)], title="Sample Wire")
    )
    clock.advance(days=1)
    await _cycle(world)
    assert store.get_feed_by_id(feed.id).asked_s is None
    out = io.StringIO()
    feeds(world.app, argparse.Namespace(feeds_cmd="list"), out)
    assert "asks" not in feeds_list(store, "slack") + out.getvalue()
    await world.app.aclose()


async def test_a_warning_with_a_count_in_it_is_told_once_as_the_count_changes(
    feed_server, sqlite_url, clock, caplog
):
    # "entries dated in the future: 1", then "...: 2": one kind of warning,
    # told once, however many entries it counts on each poll.
    caplog.set_level("WARNING", logger="bot.pipeline")
    world = make_world(sqlite_url, clock)
    items = samples("unrelated")[:2]
    when = "Fri, 01 Jan 2100 10:00:00 GMT"
    future = [as_entry(item, n, published=when) for n, item in enumerate(items)]
    feed_server.add_feed("/ahead.xml", feed_of(future[0]))
    world.app.store.add_feed(feed_server.url("/ahead.xml"), clock.now())

    await _cycle(world)
    feed_server.add_feed("/ahead.xml", feed_of(*future))
    clock.advance(hours=1)
    report = await _cycle(world)

    assert report.new_items == 1
    told = [r.getMessage() for r in caplog.records if "dated in the future" in r.getMessage()]
    assert len(told) == 1, told
    await world.app.aclose()


@pytest.mark.parametrize("unchanged", ["304", "same body"])
async def test_a_warning_is_told_again_when_the_feed_breaks_again_after_a_poll_without_it(
    feed_server, sqlite_url, clock, caplog, unchanged
):
    # Told once per feed in a process, a feed that recovered and broke again in a
    # long-running `storybot run` was never told of again. A poll that read the feed
    # anew without the warning ends its episode; an unchanged feed (a 304, or the same
    # body: not read again) said nothing new and does not.
    caplog.set_level("WARNING", logger="bot.pipeline")
    world = make_world(sqlite_url, clock)
    items = samples("unrelated")[:4]
    when = "Fri, 01 Jan 2100 10:00:00 GMT"
    etag = unchanged == "304"

    async def poll(*entries):
        if entries:
            feed_server.add_feed("/ahead.xml", feed_of(*entries), etag=etag)
        clock.advance(hours=1)
        report = await _cycle(world)
        told = [r.getMessage() for r in caplog.records if "dated in the future" in r.getMessage()]
        return report, told

    world.app.store.add_feed(feed_server.url("/ahead.xml"), clock.now())
    report, told = await poll(as_entry(items[0], 0, published=when))
    assert report.ok == 1 and len(told) == 1
    report, told = await poll()  # unchanged: not read again
    assert report.not_modified == 1 and len(told) == 1
    assert ("if-none-match" in feed_server.requests("/ahead.xml")[-1]) is etag
    future = [as_entry(items[n], n, published=when) for n in (0, 1)]
    report, told = await poll(*future)  # still in the future: the same episode
    assert report.new_items == 1 and len(told) == 1
    report, told = await poll(as_entry(items[2], 2))  # recovered: read, no warning
    assert report.new_items == 1 and len(told) == 1
    report, told = await poll(as_entry(items[3], 3, published=when))  # broken again
    assert report.new_items == 1 and len(told) == 2
    assert told[1] == (
        f"feed {feed_server.url('/ahead.xml')}: entries dated in the future: 1 "
        f"(e.g. 2100-01-01 10:00 UTC for {items[3]['title'][:60]!r}); dates kept as given"
    )
    report, told = await poll()
    assert report.not_modified == 1 and len(told) == 2
    await world.app.aclose()


async def test_two_articles_under_one_guid_are_two_items_and_not_updated_on_every_poll(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    first, second, third = samples("unrelated")[:3]
    entries = [as_entry(first, guid="7"), as_entry(second, 1, guid="7")]
    feed_server.add_feed("/dup.xml", feed_of(*entries))
    world.app.store.add_feed(feed_server.url("/dup.xml"), clock.now())

    report = await _cycle(world)
    assert (report.new_items, report.updated_items) == (2, 0)
    assert world.app.store.find_item_by_url(first["url"]).title == first["title"]
    assert world.app.store.find_item_by_url(second["url"]).title == second["title"]

    # the feed changes (a new article on top): the two are seen again, not rewritten
    feed_server.add_feed("/dup.xml", feed_of(as_entry(third, 2), *entries))
    clock.advance(hours=1)
    report = await _cycle(world)
    assert (report.new_items, report.updated_items) == (1, 0)
    await world.app.aclose()


async def test_a_new_article_on_top_of_a_feed_giving_every_post_one_guid_is_new(
    feed_server, sqlite_url, clock
):
    # Newest first, every post under guid "7": the new post must be a new item (judged),
    # not an edit of the post that was on top before, and the others stay as they are.
    world = make_world(sqlite_url, clock)
    first, second, third = samples("unrelated")[:3]
    older = [as_entry(second, 1, guid="7"), as_entry(first, guid="7")]
    feed_server.add_feed("/same.xml", feed_of(*older))
    world.app.store.add_feed(feed_server.url("/same.xml"), clock.now())
    report = await _cycle(world)
    assert (report.new_items, report.updated_items) == (2, 0)

    feed_server.add_feed("/same.xml", feed_of(as_entry(third, 2, guid="7"), *older))
    clock.advance(hours=1)
    report = await _cycle(world)

    assert (report.new_items, report.updated_items) == (1, 0)
    for item in (first, second, third):
        assert world.app.store.find_item_by_url(item["url"]).title == item["title"]
    await world.app.aclose()


async def test_articles_a_feed_links_to_one_landing_page_are_each_new_and_judged_once(
    feed_server, sqlite_url, clock
):
    # Every entry links to the site's home page (or an anchor on it), under its own guid:
    # the link names none of them, so each is an item of its own, judged as itself, and
    # a poll that lists them in another order is no update of any of them.
    world = make_world(sqlite_url, clock)
    turn = sample(next(i["guid"] for i in samples("development", DEV)))
    other, another = samples("unrelated")[:2]
    home = "https://news.example.com/"
    entries = [
        as_entry(other, 0, link=home),
        as_entry(turn, 1, link=home + "#latest"),
        as_entry(another, 2, link=home),
    ]
    feed_server.add_feed("/landing.xml", feed_of(*entries))
    world.app.store.add_feed(feed_server.url("/landing.xml"), clock.now())

    report = await _cycle(world)
    assert (report.new_items, report.updated_items) == (3, 0)
    assert world.app.store.count_items() == 3
    assert len(world.alerts()) == 1, "the development is judged as itself"

    feed_server.add_feed("/landing.xml", feed_of(*entries[::-1]))
    clock.advance(hours=1)
    report = await _cycle(world)
    assert (report.new_items, report.updated_items) == (0, 0)
    assert world.app.store.count_items() == 3
    assert len(world.alerts()) == 1 and not world.console.edited
    await world.app.aclose()


async def test_changed_text_is_recorded_as_an_update_not_a_new_item(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    item = sample(samples("unrelated")[0]["guid"])
    feed_server.add_feed("/a.xml", feed_of(as_entry(item)), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    await _cycle(world)

    feed_server.add_feed(
        "/a.xml", feed_of(as_entry(item, summary="Corrected: " + item["summary"])), etag=True
    )
    clock.advance(hours=2)
    report = await _cycle(world)

    assert (report.new_items, report.updated_items) == (0, 1)
    stored = world.app.store.find_item_by_url(item["url"])
    assert stored is not None and stored.version == 2
    await world.app.aclose()


async def test_polling_honours_next_poll_at_across_a_restart(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    feed_server.add_feed("/a.xml", feed_of(as_entry(samples("unrelated")[0])), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=900)
    await _cycle(world)
    assert feed_server.hits("/a.xml") == 1
    await world.app.aclose()

    # Restart: a new app on the same database. Nothing is due yet, so nothing is polled again.
    world = make_world(sqlite_url, clock)
    report = await _cycle(world)
    assert report.feeds == 0 and feed_server.hits("/a.xml") == 1

    feed = world.app.store.get_feed(feed_server.url("/a.xml"))
    clock.set(feed.next_poll_at + timedelta(seconds=1))
    report = await _cycle(world)
    assert report.feeds == 1 and report.not_modified == 1  # conditional GET -> 304
    assert feed_server.requests("/a.xml")[-1].get("if-none-match")
    await world.app.aclose()


async def test_a_feed_polled_while_the_clock_was_a_day_ahead_is_polled_once_it_is_set_right(
    feed_server, sqlite_url, clock
):
    # A clock a day fast (a VM's, a board's without a battery), then corrected: the feed's
    # next poll was a day and 15 min away, and nothing was polled until the clock got there.
    world = make_world(sqlite_url, clock)
    feed_server.add_feed("/a.xml", feed_of(as_entry(samples("unrelated")[0])), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=900)
    right = clock.now()
    clock.advance(days=1)
    await _cycle(world)
    assert feed_server.hits("/a.xml") == 1

    clock.set(right + timedelta(minutes=1))
    report = await _cycle(world)
    assert report.feeds == 1 and feed_server.hits("/a.xml") == 2
    feed = world.app.store.get_feed(feed_server.url("/a.xml"))
    assert feed.next_poll_at == clock.now() + timedelta(seconds=900)  # its interval again
    assert (await _cycle(world)).feeds == 0  # polled once, not at every tick
    await world.app.aclose()


async def test_items_stored_by_a_crashed_cycle_are_judged_on_the_next_one(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    item = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/a.xml", feed_of(as_entry(item)), etag=True)
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    # A crash right after the item was stored: no decision, the poll itself not recorded.
    entry = undated_entry(item)
    outcome, _ = world.app.store.ingest_item(new_item(entry, feed.id, "Sample Wire", clock.now()))
    assert outcome is IngestOutcome.NEW

    report = await _cycle(world)

    assert report.new_items == 0
    assert len(world.alerts()) == 1, "the stored-but-unjudged item is judged and alerted"
    await world.app.aclose()


async def test_a_failing_feed_is_recorded_and_the_cycle_goes_on(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    feed_server.add_status("/down.xml", 500)
    feed_server.add_feed(
        "/html.xml", b"<html><body>Not a feed</body></html>", content_type="text/html"
    )
    feed_server.add_feed("/ok.xml", feed_of(as_entry(samples("unrelated")[0])))
    for path in ("/down.xml", "/html.xml", "/ok.xml"):
        world.app.store.add_feed(feed_server.url(path), clock.now())

    report = await _cycle(world)

    assert (report.ok, report.errors) == (1, 2)
    down = world.app.store.get_feed(feed_server.url("/down.xml"))
    assert down.status is FeedStatus.ERROR and "500" in down.last_error
    html = world.app.store.get_feed(feed_server.url("/html.xml"))
    assert html.status is FeedStatus.ERROR and "feed" in html.last_error.lower()
    assert down.next_poll_at > clock.now(), "a failing feed is retried later, never dropped"
    await world.app.aclose()


async def test_keyword_subscription_notifies_its_owner_by_dm_until_unsubscribed(
    feed_server, sqlite_url, clock
):
    from adapters.console import console_request

    world = make_world(sqlite_url, clock)
    reply = await world.app.commands.handle(console_request("subscribe rail AND wage"))
    assert reply.ok, reply.text
    rail = next(
        i
        for i in samples("unrelated")
        if "rail" in i["title"].lower() or "rail" in i["summary"].lower()
    )
    feed_server.add_feed("/u.xml", feed_of(as_entry(rail)), etag=True)
    world.app.store.add_feed(feed_server.url("/u.xml"), clock.now())

    await _cycle(world)

    notices = [m for _, m in world.console.posted if m.kind.value == "notice"]
    assert len(notices) == 1 and notices[0].title == rail["title"]
    assert "(DM to operator)" in world.out.getvalue()

    assert (await world.app.commands.handle(console_request("unsubscribe rail AND wage"))).ok
    other = dict(
        rail, guid="rail-2", url=rail["url"] + "-followup", title=rail["title"] + " (update)"
    )
    feed_server.add_feed("/u.xml", feed_of(as_entry(rail), as_entry(other, 1)), etag=True)
    clock.advance(hours=2)
    await _cycle(world)
    assert len([m for _, m in world.console.posted if m.kind.value == "notice"]) == 1
    await world.app.aclose()


async def test_a_feed_listing_the_same_item_twice_does_not_abort_the_cycle(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    item = samples("unrelated")[0]
    feed_server.add_feed("/dup.xml", feed_of(as_entry(item), as_entry(item, 1)), etag=True)
    world.app.store.add_feed(feed_server.url("/dup.xml"), clock.now())

    report = await _cycle(world)

    assert (report.ok, report.errors, report.new_items) == (1, 0, 1)
    assert world.app.store.get_feed(feed_server.url("/dup.xml")).last_polled_at is not None
    await world.app.aclose()


# --------------------------------------------------------------------------- keyword notices


def _rail() -> dict:
    return next(i for i in samples("unrelated") if "rail" in i["title"].lower())


def _three_outlets(feed_server, world, published=("08:50", "09:05", "09:20")) -> list[str]:
    """The rail wire report in three outlets' feeds (each with its own link and headline)."""
    rail = _rail()
    outlets = [
        ("/wire.xml", "Sample Wire", rail["title"], rail["url"]),
        (
            "/courier.xml",
            "Northfield Courier",
            rail["title"] + " - Northfield Courier",
            "https://northfield.example/rail-deal?utm_source=rss",
        ),
        (
            "/ledger.xml",
            "The Ledger",
            rail["title"] + " | The Ledger",
            "https://ledger.example/2026/rail-deal",
        ),
    ]
    for (path, name, title, url), at in zip(outlets, published, strict=True):
        item = dict(rail, guid=url, url=url, title=title)
        body = feed_of(as_entry(item, published=f"Thu, 05 Mar 2026 {at}:00 GMT"), title=name)
        feed_server.add_feed(path, body, etag=True)
        world.app.store.add_feed(feed_server.url(path), world.clock.now())
    return [url for _, _, _, url in outlets]


def _subscribe(world, user: str, query: str):
    sub = world.app.store.add_subscription("console", user, query, None, world.clock.now())
    world.app.pipeline.invalidate_subscriptions()
    return sub


def _dms(world, user: str) -> int:
    return world.out.getvalue().count(f"(DM to {user})\n")


async def test_a_subscription_made_by_another_process_matches_from_the_next_cycle(
    feed_server, sqlite_url, clock
):
    # The chat process beside the poller (or another worker) subscribes: nothing tells
    # this process, whose index was built a minute ago. It used to keep that index for 5
    # minutes, so the next cycle's items went unmatched for the new subscriber.
    world = make_world(sqlite_url, clock)
    feed_server.add_feed("/empty.xml", feed_of(), etag=False)
    world.app.store.add_feed(feed_server.url("/empty.xml"), clock.now())
    await _cycle(world)  # the index is built (no subscription yet)
    world.app.store.add_subscription("console", "you", "anthropic", None, clock.now())
    clock.advance(minutes=1)
    turn = samples("development", "talks-deal")[0]
    feed_server.add_feed("/wire.xml", feed_of(as_entry(turn, 0)), etag=True)
    world.app.store.add_feed(feed_server.url("/wire.xml"), clock.now())

    await _cycle(world)

    assert _dms(world, "you") == 1


async def test_a_cycle_reads_the_subscriptions_off_the_event_loop(feed_server, sqlite_url, clock):
    # Each cycle now asks the store whether the subscriptions changed (and rebuilds the
    # index, 1-2 s at 10,000, when they did). On the event loop, a database that is slow
    # to answer (PostgreSQL unreachable, a table locked by a migration) would stop it:
    # Slack's 3-second acks and Discord's heartbeats share that loop.
    import threading

    world = make_world(sqlite_url, clock)
    world.app.store.add_subscription("console", "you", "anthropic", None, clock.now())
    feed_server.add_feed("/empty.xml", feed_of(), etag=False)
    world.app.store.add_feed(feed_server.url("/empty.xml"), clock.now())
    loop_thread = threading.current_thread()
    on_the_loop: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if "subscriptions" in statement and threading.current_thread() is loop_thread:
            on_the_loop.append(" ".join(statement.split()))

    event.listen(world.app.store.engine, "before_cursor_execute", on_execute)
    await world.app.pipeline.poll_due()

    assert on_the_loop == []


def test_the_subscription_index_is_built_again_only_when_the_subscriptions_change(
    sqlite_url, clock
):
    # Parsing every query costs 1-2 s at 10,000 subscriptions; a scale-out worker built
    # it for every judging job. One small query now tells whether it is still current.
    from bot.matcher import SubscriptionIndex
    from bot.query import Document

    world = make_world(sqlite_url, clock)
    store = world.app.store
    first = store.add_subscription("console", "me", "pentagon", None, clock.now())
    full_reads: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if " ".join(statement.split()).endswith("FROM subscriptions ORDER BY subscriptions.id"):
            full_reads.append(statement)  # all_subscriptions(), nothing else

    event.listen(store.engine, "before_cursor_execute", on_execute)
    index = SubscriptionIndex()
    doc = Document.from_text("Pentagon and Anthropic talk rail")

    assert index.current(store, clock.now())[0].match_doc(doc, ()) == [first.id]
    assert index.current(store, clock.now())[0].match_doc(doc, ()) == [first.id]
    assert len(full_reads) == 1  # the second call only asked whether anything changed

    second = store.add_subscription("console", "you", "rail", None, clock.now())
    assert index.current(store, clock.now())[0].match_doc(doc, ()) == [first.id, second.id]
    store.remove_subscription("console", "me", first.id)
    matcher, subs = index.current(store, clock.now())
    assert matcher.match_doc(doc, ()) == [second.id] and list(subs) == [second.id]
    assert len(full_reads) == 3
    index.invalidate()
    index.current(store, clock.now())
    assert len(full_reads) == 4
    # however the version reads, an index is not kept past max_age (5 minutes)
    clock.advance(minutes=4)
    index.current(store, clock.now())
    assert len(full_reads) == 4
    clock.advance(minutes=2)
    index.current(store, clock.now())
    assert len(full_reads) == 5


async def test_a_reprint_of_a_seed_is_no_news_to_the_storys_subscribers(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    scoped = world.app.store.add_subscription(
        "console", "me", "anthropic", world.story.id, clock.now()
    )
    _subscribe(world, "you", "anthropic")  # not scoped to the story
    world.app.pipeline.invalidate_subscriptions()
    reprint = samples("copy", "seed")[0]
    turn = samples("development", "talks-deal")[0]
    feed_server.add_feed("/wire.xml", feed_of(as_entry(reprint, 0), as_entry(turn, 1)), etag=True)
    world.app.store.add_feed(feed_server.url("/wire.xml"), clock.now())

    report = await _cycle(world)

    assert report.on_topic == 2 and scoped.story_id == world.story.id
    notices = [(m.title, out) for out, m in world.console.posted if m.kind.value == "notice"]
    assert _dms(world, "me") == 1, notices  # the new turn only, not the seed's reprint
    assert _dms(world, "you") == 2, "an unscoped subscription is told of both"
    await world.app.aclose()


async def test_a_wire_report_in_three_outlets_is_one_dm_per_subscriber(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)  # the story follows something else: no story copy
    _subscribe(world, "me", "rail")
    _subscribe(world, "you", "wage AND strike")
    _three_outlets(feed_server, world)

    report = await _cycle(world)

    assert report.new_items == 3 and report.copies == 0, "no story took them for copies"
    assert (_dms(world, "me"), _dms(world, "you")) == (1, 1)
    notices = [m for _, m in world.console.posted if m.kind.value == "notice"]
    assert {m.title for m in notices} == {_rail()["title"]}, "the first outlet's report is sent"
    await world.app.aclose()


def _old_and_new_rail_reports(feed_server, world) -> None:
    """A feed listing today's rail report and, further down, one of a year before."""
    rail = _rail()
    old = dict(
        rail,
        guid="rail-2025",
        url=rail["url"] + "-2025",
        title="Rail union ends last year's strike after two weeks",
        summary="The rail union ended its strike after two weeks of talks on wages.",
        content=None,
    )
    feed_server.add_feed(
        "/archive.xml",
        feed_of(as_entry(rail), as_entry(old, 1, published="Fri, 10 Jan 2025 10:00:00 GMT")),
        etag=True,
    )
    world.app.store.add_feed(feed_server.url("/archive.xml"), world.clock.now())


async def test_a_feeds_old_entries_on_its_first_poll_send_no_dm(feed_server, sqlite_url, clock):
    # a feed added lists what it published long ago too (the real feeds' entries go back
    # to 2019): news to storybot, not to a subscriber; 96 DMs came on one first poll
    world = make_world(sqlite_url, clock)
    _subscribe(world, "me", "rail AND union")
    _old_and_new_rail_reports(feed_server, world)

    report = await _cycle(world)

    assert report.new_items == 2
    assert _dms(world, "me") == 1
    assert "last year's strike" not in world.out.getvalue()
    await world.app.aclose()


async def test_notice_max_age_days_0_sends_dms_of_items_of_any_age(
    feed_server, sqlite_url, clock, tmp_path
):
    config = tmp_path / "storybot.toml"
    config.write_text("[delivery]\nnotice_max_age_days = 0\n")
    world = make_world(sqlite_url, clock, config=str(config))
    _subscribe(world, "me", "rail AND union")
    _old_and_new_rail_reports(feed_server, world)

    await _cycle(world)

    assert _dms(world, "me") == 2
    await world.app.aclose()


async def test_without_stories_copies_read_again_are_not_sent_again(feed_server, sqlite_url, clock):
    # Without a story every item of a re-read feed is judged again (nothing records that
    # it was): the keys, not the judging, keep the DMs to one.
    world = make_world(sqlite_url, clock, follow=False)
    world.app.store.remove_story("demo")
    _subscribe(world, "me", "rail")
    _three_outlets(feed_server, world)
    await _cycle(world)
    rail = _rail()
    later = dict(
        rail,
        guid="rail-2",
        url=rail["url"] + "-vote",
        title="Rail union sets vote on wage deal",
        summary="Members of the rail union will vote on the wage deal over two weeks.",
        content=None,
    )
    feed_server.add_feed(
        "/courier.xml",
        feed_of(
            as_entry(
                dict(
                    rail,
                    guid="https://northfield.example/rail-deal?utm_source=rss",
                    url="https://northfield.example/rail-deal?utm_source=rss",
                    title=rail["title"] + " - Northfield Courier",
                ),
                published="Thu, 05 Mar 2026 09:05:00 GMT",
            ),
            as_entry(later, 1),
            title="Northfield Courier",
        ),
        etag=True,
    )
    clock.advance(hours=2)

    await _cycle(world)

    assert _dms(world, "me") == 2, "the wire report once, the new report once"
    await world.app.aclose()


async def test_a_dm_says_which_words_of_an_or_subscription_were_found(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    either = _subscribe(world, "me", 'rail OR "wage deal" OR bakery')
    rail = _rail()
    feed_server.add_feed("/u.xml", feed_of(as_entry(rail)), etag=True)
    world.app.store.add_feed(feed_server.url("/u.xml"), clock.now())

    await _cycle(world)

    (footer,) = [m.footer for _, m in world.console.posted if m.kind.value == "notice"]
    assert footer == (
        f'Matched your subscription #{either.id}: rail OR "wage deal" OR bakery '
        "(found: rail, wage deal)"
    )
    await world.app.aclose()


async def test_two_matching_subscriptions_give_one_dm_naming_both(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    first = _subscribe(world, "me", "rail")
    second = _subscribe(world, "me", '"wage deal"')
    other = _subscribe(world, "you", "rail")
    rail = _rail()
    feed_server.add_feed("/u.xml", feed_of(as_entry(rail)), etag=True)
    world.app.store.add_feed(feed_server.url("/u.xml"), clock.now())

    report = await _cycle(world)

    assert report.notices_queued == 2
    assert (_dms(world, "me"), _dms(world, "you")) == (1, 1)
    footers = sorted(m.footer for _, m in world.console.posted if m.kind.value == "notice")
    assert footers == [
        f"Matched your subscription #{other.id}: rail",
        f'Matched your subscriptions #{first.id}: rail; #{second.id}: "wage deal"',
    ]
    await world.app.aclose()


async def test_a_batch_judged_again_after_a_crash_sends_nothing_twice(
    feed_server, sqlite_url, clock
):
    from adapters.jobs.tasks import fresh_pipeline

    # Without a story nothing records that an item was judged, so a batch whose cycle
    # died after its commit (before the polls were recorded) is judged again in full: by
    # the same process, or by a restarted one whose engine remembers nothing.
    world = make_world(sqlite_url, clock, follow=False)
    world.app.store.remove_story("demo")
    _subscribe(world, "me", "rail")
    _subscribe(world, "me", "wage")
    _subscribe(world, "you", "rail")
    _three_outlets(feed_server, world)
    await _cycle(world)
    ids = [i for i in range(1, 10) if world.app.store.get_item(i)]
    assert len(ids) == 3 and sum(world.app.store.outbox_counts().values()) == 2

    assert world.app.pipeline.judge_stored(ids).notices_queued == 2  # the same process
    assert fresh_pipeline(world.app).judge_stored(ids).notices_queued == 2  # after a restart
    await world.app.delivery.deliver_due(limit=1000)

    counts = world.app.store.outbox_counts()
    assert sum(counts.values()) == counts["delivered"] == 2, counts
    assert (_dms(world, "me"), _dms(world, "you")) == (1, 1)
    await world.app.aclose()


def _notified_by_an_earlier_version(feed_server, world, path: str):
    """The rail report on ``path``, stored 30 minutes ago by an earlier version that
    queued its notice to "me" under the per-subscription key; returns its feed."""
    from bot.model import Target
    from bot.notice_text import notice_message
    from bot.outbox_keys import legacy_notice_key
    from bot.ports import OutboxWrite
    from bot.query import parse_query

    clock = world.clock
    world.app.store.remove_story("demo")
    sub = _subscribe(world, "me", "rail")
    rail = _rail()
    feed_server.add_feed(path, feed_of(as_entry(rail)), etag=True)
    feed = world.app.store.add_feed(feed_server.url(path), clock.now())
    clock.advance(minutes=-30)
    entry = undated_entry(rail)
    _, item = world.app.store.ingest_item(new_item(entry, feed.id, "Sample Wire", clock.now()))
    world.app.store.enqueue(
        [
            OutboxWrite(
                legacy_notice_key(sub.id, item.id),
                Target("console", user_id="me"),
                notice_message([(sub, parse_query(sub.query))], item, None),
                only_if_new=True,
            )
        ],
        clock.now(),
    )
    clock.advance(minutes=30)
    return feed


async def test_notices_queued_before_keys_were_per_user_are_not_sent_again(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock, follow=False)
    _notified_by_an_earlier_version(feed_server, world, "/u.xml")

    report = await _cycle(world, deliver=False)

    assert report.notices_queued == 0
    assert sum(world.app.store.outbox_counts().values()) == 1
    await world.app.aclose()


async def test_a_copy_of_a_report_notified_under_a_per_subscription_key_is_not_sent_again(
    feed_server, sqlite_url, clock
):
    # Upgraded in place from a version that keyed notices per subscription: the wire
    # report was sent (or is still queued) under that key; another outlet's copy of it
    # arriving after the upgrade is keyed by the first report, per user, and was sent
    # again: a second DM for one report.
    world = make_world(sqlite_url, clock, follow=False)
    wire = _notified_by_an_earlier_version(feed_server, world, "/wire.xml")
    world.app.store.remove_feed(wire.url)  # only the copy is polled
    rail = _rail()
    copy_url = "https://northfield.example/rail-deal?utm_source=rss"
    copy = dict(rail, guid=copy_url, url=copy_url, title=rail["title"] + " - Northfield Courier")
    feed_server.add_feed("/courier.xml", feed_of(as_entry(copy), title="Northfield Courier"))
    world.app.store.add_feed(feed_server.url("/courier.xml"), clock.now())

    report = await _cycle(world, deliver=False)

    assert report.new_items == 1
    assert report.notices_queued == 0
    assert sum(world.app.store.outbox_counts().values()) == 1
    await world.app.aclose()


async def test_an_unsubscribe_takes_back_a_queued_dm_only_that_subscription_caused(
    feed_server, sqlite_url, clock
):
    from bot.model import CommandRequest

    world = make_world(sqlite_url, clock)
    _subscribe(world, "me", "rail")
    _subscribe(world, "you", "rail")
    _subscribe(world, "you", '"wage deal"')
    feed_server.add_feed("/u.xml", feed_of(as_entry(_rail())), etag=True)
    world.app.store.add_feed(feed_server.url("/u.xml"), clock.now())
    # the platform is down, say: the two DMs wait in the outbox
    assert (await _cycle(world, deliver=False)).notices_queued == 2

    for user in ("me", "you"):
        reply = await world.app.commands.handle(
            CommandRequest("unsubscribe rail", "console", user, direct_message=True)
        )
        assert reply.ok, reply.text
    await world.app.delivery.deliver_due(limit=1000)

    assert _dms(world, "me") == 0, "only the removed subscription matched: taken back"
    assert _dms(world, "you") == 1, '"wage deal" still matches the report: still sent'
    await world.app.aclose()


def _judgement_reads(world) -> list[str]:
    """Collects the SELECTs on the judgements table the store sends (at the driver)."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM judgements" in statement:
            seen.append(statement)

    event.listen(world.app.store.engine, "before_cursor_execute", on_execute)
    return seen


async def test_a_poll_asks_once_which_listed_items_were_judged_however_many_a_feed_lists(
    feed_server, tmp_path, clock
):
    # A feed lists the items it listed before at every poll that changes its body; with a
    # story tracked each is checked for a judgement (a cycle may have died before judging
    # it). That used to be a query per item (reading the item too): about 5 ms an item on
    # SQLite, so a 50-item feed cost a quarter of a second at every change.
    reads = {}
    for n in (3, 40):
        world = make_world(f"sqlite:///{tmp_path / f'{n}.db'}", clock)
        listed = [entry(k, published=None) for k in range(n)]
        feed_server.add_feed(f"/f{n}.xml", feed_of(*listed))
        world.app.store.add_feed(feed_server.url(f"/f{n}.xml"), clock.now())
        assert (await _cycle(world)).new_items == n
        feed_server.add_feed(f"/f{n}.xml", feed_of(entry(n, published=None), *listed))
        clock.advance(hours=1)
        seen = _judgement_reads(world)

        report = await _cycle(world)

        assert report.new_items == 1
        reads[n] = len(seen)
        await world.app.aclose()
    assert reads[40] == reads[3], f"judgement reads per poll grew with the feed: {reads}"
