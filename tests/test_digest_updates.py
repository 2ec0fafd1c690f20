"""Digests tell what later reports added to the developments earlier digests listed.

A digest channel gets each development once, in the next digest; a report that later adds
a fact to it (what a realtime channel sees as an edit and a "new:" reply) comes in the
next digest's "Updated since the last digest" part, once. Store-level tests commit the
decisions as the pipeline does (``DevelopmentWrite.fact``); the end-to-end test runs the
real pipeline on the demo story, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from feedserver import feed_server  # noqa: F401  (fixture)
from store_builders import new_item
from storyworld import as_entry, feed_of, make_world, sample, samples

from adapters.console import CONSOLE, CONSOLE_CHANNEL, render_console
from bot.alert_text import alert_message
from bot.digest import run_digests
from bot.digest_text import DIGEST_BODY_MAX, UPDATES_HEADER, DigestUpdate, digest_message
from bot.model import DeliveryMode, Development, SeedDoc
from bot.outbox_keys import alert_key
from bot.ports import DevelopmentWrite, OutboxWrite

pytest_plugins = ["store_fixtures"]  # store, db_url: SQLite and PostgreSQL

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)
FACT = "Outlet 2: The toll rose to 59 on Tuesday. [2]"


def digests(store):
    return [e for e in store.due_outbox(FAR_FUTURE, limit=100) if e.key.startswith("digest:")]


def report(store, story, number, n, clock, *, fact=None):
    """Item ``n`` (Outlet ``n``) reported development ``number``, adding ``fact``."""
    item = store.ingest_item(new_item(n, at=clock.now()))[1]
    write = DevelopmentWrite(
        story.id,
        number,
        f"Turn {number}",
        f"What happened in turn {number}.",
        (item.id,),
        fact=fact,
        fact_item_id=item.id if fact else None,
    )
    store.commit_decisions([], [write], {}, [], clock.now())
    return item


def digest_story(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.DIGEST, 6, clock.now())
    return story, binding


def test_a_fact_two_later_reports_added_is_told_once_in_the_next_digest(store, clock):
    story, _ = digest_story(store, clock)
    clock.advance(hours=1)
    report(store, story, 1, 1, clock)
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    [first] = digests(store)
    assert UPDATES_HEADER not in first.message.body

    clock.advance(hours=1)
    report(store, story, 1, 2, clock, fact=FACT)
    report(store, story, 1, 3, clock)  # another outlet saying what was known
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    second = digests(store)[-1].message
    assert second.title == "1 development updated in A story"
    assert second.body.splitlines() == [
        UPDATES_HEADER,
        "• Turn 1: 2 more reports (Outlet 2 and Outlet 3); new: Outlet 2: The toll rose to "
        "59 on Tuesday.",
    ]
    assert [link.url for link in second.links] == ["https://news.example/2?utm=x"]
    assert second.sources == ("Outlet 2", "Outlet 3")

    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 0, "told once: the next digest has nothing"
    assert len(digests(store)) == 2


def test_a_copy_adds_no_update_and_nothing_is_posted(store, clock):
    story, _ = digest_story(store, clock)
    clock.advance(hours=1)
    report(store, story, 1, 1, clock)
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    report(store, story, 1, 2, clock)  # the wire story again: no fact
    clock.advance(hours=6)
    assert run_digests(store, clock) == 0, "nothing new at all: nothing posted"
    assert len(digests(store)) == 1


def test_a_new_development_and_an_update_come_in_one_digest_each_once(store, clock):
    story, _ = digest_story(store, clock)
    clock.advance(hours=1)
    report(store, story, 1, 1, clock)
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    report(store, story, 2, 2, clock)
    report(store, story, 2, 3, clock, fact="Outlet 3: Turn 2 went on. [2]")
    report(store, story, 1, 4, clock, fact="Outlet 4: Turn 1 ended. [2]")
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    message = digests(store)[-1].message
    assert message.title == "1 new development and 1 updated in A story"
    lines = message.body.splitlines()
    assert lines[0].startswith("• Turn 2")
    assert lines[1:] == [
        UPDATES_HEADER,
        "• Turn 1: 1 more report (Outlet 4); new: Outlet 4: Turn 1 ended.",
    ]
    assert "Turn 2 went on" not in message.body, "new in this digest: listed whole, not updated"


def test_updates_of_developments_there_before_the_follow_or_alerted_are_not_told(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    report(store, story, 1, 1, clock)  # before the follow: never listed
    binding = store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.DIGEST, 6, clock.now())
    report(store, story, 2, 2, clock)
    # development 2 was alerted here while the channel was realtime: its edits tell it
    dev2 = store.get_development(story.id, 2)
    store.enqueue(
        [OutboxWrite(alert_key(story.id, 2, binding), binding.target, alert_message(story, dev2))],
        clock.now(),
    )
    report(store, story, 3, 3, clock)
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    for number, n in ((1, 4), (2, 5), (3, 6)):
        report(store, story, number, n, clock, fact=f"Outlet {n}: More on turn {number}. [2]")
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    body = digests(store)[-1].message.body
    assert body.splitlines()[1:] == [
        "• Turn 3: 1 more report (Outlet 6); new: Outlet 6: More on turn 3."
    ]


def test_a_realtime_overflow_digest_tells_updates_to_what_it_overflowed_once(store, clock):
    """A development the hourly cap held back is in the overflow digest and has no alert
    in the channel, so no edit tells its later reports: the next overflow digest does.
    One the channel was alerted to is told by its edits, not again in a digest."""
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 6, clock.now())
    report(store, story, 1, 1, clock)  # over the cap: in the overflow digest
    report(store, story, 2, 2, clock)  # alerted
    dev2 = store.get_development(story.id, 2)
    store.enqueue(
        [OutboxWrite(alert_key(story.id, 2, binding), binding.target, alert_message(story, dev2))],
        clock.now(),
    )
    clock.advance(hours=1, minutes=1)
    assert run_digests(store, clock) == 1
    assert digests(store)[-1].message.title == "1 new development in A story"
    report(store, story, 1, 3, clock, fact=FACT)
    report(store, story, 2, 4, clock, fact="Outlet 4: Turn 2 went on. [2]")
    clock.advance(hours=1, minutes=1)
    assert run_digests(store, clock) == 1
    told = digests(store)[-1].message
    assert told.title == "1 development updated in A story"
    assert told.body.splitlines() == [
        UPDATES_HEADER,
        "• Turn 1: 1 more report (Outlet 3); new: Outlet 2: The toll rose to 59 on Tuesday.",
    ]
    clock.advance(hours=1, minutes=1)
    assert run_digests(store, clock) == 0, "told once"
    store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.DIGEST, 6, clock.now())
    clock.advance(hours=7)
    assert run_digests(store, clock) == 0, "covered while realtime: not told after the switch"


def test_a_realtime_follow_covers_updates_so_a_switch_to_digest_does_not_dump_them(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 6, clock.now())
    report(store, story, 1, 1, clock)  # alerted: its edits tell its later reports
    dev = store.get_development(story.id, 1)
    store.enqueue(
        [OutboxWrite(alert_key(story.id, 1, binding), binding.target, alert_message(story, dev))],
        clock.now(),
    )
    report(store, story, 1, 2, clock, fact=FACT)
    clock.advance(hours=1, minutes=1)
    assert run_digests(store, clock) == 0, "alerted: an edit told it"
    store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.DIGEST, 6, clock.now())
    clock.advance(hours=7)
    assert run_digests(store, clock) == 0, "covered while realtime: not told after the switch"


def test_a_second_run_that_read_the_same_update_watermark_queues_nothing(store, clock):
    story, _ = digest_story(store, clock)
    report(store, story, 1, 1, clock)
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    report(store, story, 1, 2, clock, fact=FACT)
    [stale] = store.bindings_for_story(story.id)
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    _, through = store.development_updates_after(story.id, stale.updated_seq)
    assert through > stale.updated_seq
    assert not store.queue_digest(
        stale.id,
        stale.digested_seq,
        stale.digested_seq,
        [],
        clock.now(),
        updates=(stale.updated_seq, through),
    )
    # the development watermark alone unchanged is not enough: the updates moved
    [now] = store.bindings_for_story(story.id)
    assert now.digested_seq == stale.digested_seq and now.updated_seq == through


def _dev(number: int, headline: str, sentence: str, url: str) -> Development:
    at = datetime(2026, 3, 5, tzinfo=timezone.utc)
    return Development(1, number, headline, sentence, at, at, links=(("Outlet", url),))


def test_updates_come_after_the_new_developments_and_are_the_first_thing_cut(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    words = "word " * 60
    devs = [
        _dev(n, f"New turn {n}", f"Sentence {n} {words}.", f"https://n/{n}") for n in range(1, 5)
    ]
    updates = [
        DigestUpdate(
            _dev(n, f"Old turn {n}", "x.", f"https://o/{n}"),
            2,
            ("AP", "BBC"),
            ((f"AP: Fact {n} {words}. [3]", f"https://ap/{n}"),),
        )
        for n in range(10, 20)
    ]
    alone = digest_message(story, devs, None, "console")
    both = digest_message(story, devs, None, "console", updates)
    assert len(both.body) <= DIGEST_BODY_MAX
    new_lines = [line for line in both.body.splitlines() if line.startswith("• New turn")]
    assert new_lines == alone.body.splitlines(), "every new development, as without updates"
    lines = both.body.splitlines()
    assert 0 < sum(line.startswith("• Old turn") for line in lines) < len(updates)
    assert lines.index(UPDATES_HEADER) > max(lines.index(line) for line in new_lines)
    assert lines[-1].startswith("… and ") and lines[-1].endswith(
        "more updated: /story developments s tells their newest facts"
    )
    assert [link.url for link in both.links][: len(new_lines)] == [
        f"https://n/{n}" for n in range(1, len(new_lines) + 1)
    ]

    # with many new developments the updates are only counted
    many = [_dev(n, f"New turn {n}", f"Sentence {n}.", f"https://n/{n}") for n in range(1, 200)]
    crowded = digest_message(story, many, None, "console", updates)
    assert len(crowded.body) <= DIGEST_BODY_MAX
    assert crowded.body.splitlines()[-3].startswith("… and ")  # the developments left out
    assert crowded.body.splitlines()[-2:] == [
        UPDATES_HEADER,
        "… 10 developments updated: /story developments s tells their newest facts",
    ]


def test_the_updates_left_out_are_sent_to_the_developments_pages(store, clock):
    """ "… and 7 more updated" sent readers to /story status, which tells the latest
    three updated developments only (bot.status_text): it names /story developments,
    whose every entry tells its newest fact, in each platform's form of the command."""
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    words = "word " * 60
    updates = [
        DigestUpdate(
            _dev(n, f"Old turn {n}", "x.", f"https://o/{n}"),
            1,
            ("AP",),
            ((f"AP: Fact {n} {words}. [3]", f"https://ap/{n}"),),
        )
        for n in range(1, 41)
    ]
    for platform, command in (
        ("slack", "/story developments s"),
        ("discord", "/story developments story:s"),
    ):
        body = digest_message(story, [], None, platform, updates).body
        assert len(body) <= DIGEST_BODY_MAX
        told = sum(line.startswith("• Old turn") for line in body.splitlines())
        assert 0 < told < len(updates)
        assert body.splitlines()[-1] == (
            f"… and {len(updates) - told} more updated: {command} tells their newest facts"
        )


def test_the_console_prints_the_updates_part(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    update = DigestUpdate(
        _dev(3, "Old turn", "x.", "https://o/3"), 1, ("AP",), ((FACT, "https://ap/3"),)
    )
    text = render_console(digest_message(story, [], None, "console", [update]))
    assert text.splitlines()[:3] == [
        "== DIGEST [s]: 1 development updated in A story",
        f"   {UPDATES_HEADER}",
        "   • Old turn: 1 more report (AP); new: Outlet 2: The toll rose to 59 on Tuesday.",
    ]
    assert "   Old turn (update): https://ap/3" in text.splitlines()


def _new_and_updated(story):
    update = DigestUpdate(
        _dev(3, "Old turn", "x.", "https://o/3"), 2, ("AP", "BBC"), ((FACT, "https://ap/3"),)
    )
    new = _dev(4, "New turn", "It began.", "https://n/4")
    return digest_message(story, [new], None, "slack", [update])


UPDATE_LINE = (
    "• Old turn: 2 more reports (AP and BBC); new: Outlet 2: The toll rose to 59 on Tuesday."
)


def test_slack_shows_the_updates_after_the_new_developments_with_their_links(store, clock):
    from adapters.slack_chat import render

    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    blocks = render.message_blocks(_new_and_updated(story))
    assert blocks[0]["text"]["text"] == "1 new development and 1 updated in A story"
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].split("\n") == [
        "• New turn: It began.",
        UPDATES_HEADER,
        render.escape(UPDATE_LINE),
    ]
    assert "<https://n/4|New turn> · <https://ap/3|Old turn (update)>" in sections[-1]


def test_discord_shows_the_updates_after_the_new_developments_with_their_links(store, clock):
    from adapters.discord_chat.render import message_embed

    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    embed = message_embed(_new_and_updated(story))
    assert embed.title == "1 new development and 1 updated in A story"
    assert (embed.description or "").split("\n") == [
        "• New turn: It began.",
        UPDATES_HEADER,
        UPDATE_LINE,
    ]
    links = next(f.value for f in embed.fields if f.name == "Links")
    # the link goes to the report that brought the update, not to the development's own
    # first report: labelled as the update it is
    assert links.split("\n") == ["[New turn](https://n/4)", "[Old turn (update)](https://ap/3)"]


# --------------------------------------------------------------------------- end to end

DEV = "congress-hearing"


async def _cycle(world):
    await world.app.pipeline.poll_due()
    await world.app.delivery.deliver_due(limit=1000)


async def test_the_pipeline_records_the_alerts_new_facts_for_the_digest(feed_server, db_url, clock):
    """The demo's hearing turn, a copy of it and a report adding to it: the digest channel
    is told the turn, then only what the realtime channel's edit said was new."""
    world = make_world(db_url, clock)  # the console follows in real time
    store = world.app.store
    store.bind(world.story.id, "slack", "CDIGEST", DeliveryMode.DIGEST, 6, clock.now())
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/a.xml", feed_of(as_entry(first)), etag=True)
    store.add_feed(feed_server.url("/a.xml"), clock.now())
    await _cycle(world)
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    [listed] = digests_to(store, "CDIGEST")
    assert UPDATES_HEADER not in listed.message.body

    follow_ups = samples("copy", DEV) + samples("update", DEV)
    feed_server.add_feed(
        "/b.xml",
        feed_of(*(as_entry(f, i) for i, f in enumerate(follow_ups)), title="Other Outlet"),
        etag=True,
    )
    store.add_feed(feed_server.url("/b.xml"), clock.now())
    await _cycle(world)
    edited = world.console.edited[-1][1]  # what the realtime channel was told
    assert edited.thread_note, "the realtime alert's edit says what is new"
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    told = digests_to(store, "CDIGEST")[-1].message
    assert told.body.splitlines()[0] == UPDATES_HEADER
    for fact in edited.thread_note.splitlines():
        # the same fact, without the alert's marker
        assert fact.rsplit(" [", 1)[0] in told.body
    assert f"{len(follow_ups)} more reports" in told.body
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 0
    await world.app.aclose()


def digests_to(store, channel):
    return [e for e in digests(store) if e.target.channel_id == channel]


# --------------------------------------------------------------------------- the digest's time

FEB = datetime(2026, 2, 3, 10, 0, tzinfo=timezone.utc)
PROCESSED = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


def _reported(number: int, first: datetime) -> Development:
    """Development ``number`` first reported at ``first``, made by storybot much later
    (a backlog poll)."""
    return Development(
        1,
        number,
        f"Turn {number}",
        "It happened.",
        PROCESSED,
        PROCESSED,
        links=(("Outlet", f"https://n/{number}"),),
        first_reported_at=first,
    )


def _backlog_digest(story):
    devs = [_reported(1, FEB), _reported(2, datetime(2026, 2, 10, 8, 0, tzinfo=timezone.utc))]
    return digest_message(story, devs, PROCESSED, "console")


def test_a_digests_time_is_when_its_news_was_reported_not_when_storybot_read_it(store, clock):
    """After a backlog poll the digest said "last update 2026-12-06" for February's news,
    while each alert gives its first report's time."""
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    message = _backlog_digest(story)
    assert (message.when_from, message.when) == (FEB, datetime(2026, 2, 10, 8, tzinfo=timezone.utc))
    text = render_console(message)
    assert "   reported 2026-02-03 10:00 – 2026-02-10 08:00 UTC" in text.splitlines()
    assert "2026-12-06" not in text

    one = digest_message(story, [_reported(1, FEB)], PROCESSED, "console")
    assert (one.when_from, one.when) == (None, FEB)
    assert "   reported 2026-02-03 10:00 UTC" in render_console(one).splitlines()

    # an update counts its later reports' times, not the development's first report
    later = datetime(2026, 3, 1, 7, 30, tzinfo=timezone.utc)
    update = DigestUpdate(_reported(1, FEB), 1, ("AP",), ((FACT, ""),), (later,))
    told = digest_message(story, [], PROCESSED, "console", [update])
    assert (told.when_from, told.when) == (None, later)


def test_slack_and_discord_label_the_digests_span_in_each_readers_zone(store, clock):
    from adapters.discord_chat.render import message_embed
    from adapters.slack_chat import render

    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    message = _backlog_digest(story)
    start, end = int(FEB.timestamp()), int(message.when.timestamp())
    blocks = render.message_blocks(message)
    context = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert (
        f"reported <!date^{start}^{{date_short_pretty}} {{time}}|2026-02-03 10:00 UTC> – "
        f"<!date^{end}^{{date_short_pretty}} {{time}}|2026-02-10 08:00 UTC>"
    ) in context
    embed = message_embed(message)
    assert embed.timestamp is None, "unlabelled, it read as the digest's own time"
    reported = next(f.value for f in embed.fields if f.name == "Reported")
    assert reported == f"<t:{start}:f> – <t:{end}:f>"
    # an alert keeps its first report's time as the embed's timestamp
    alert = message_embed(alert_message(story, _reported(1, FEB)))
    assert alert.timestamp == FEB and all(f.name != "Reported" for f in alert.fields)


def _backlog_report(store, story, number, n, clock, published, fact=None):
    """Item ``n``, published at ``published`` and read only now, reports ``number``."""
    item = store.ingest_item(new_item(n, at=clock.now(), published=published))[1]
    write = DevelopmentWrite(
        story.id,
        number,
        "Turn",
        "What happened.",
        (item.id,),
        fact=fact,
        fact_item_id=item.id if fact else None,
    )
    store.commit_decisions([], [write], {}, [], clock.now())


def test_run_digests_times_developments_and_updates_by_their_reports(store, clock):
    story, _ = digest_story(store, clock)
    clock.advance(hours=1)
    _backlog_report(store, story, 1, 1, clock, FEB)
    _backlog_report(store, story, 2, 2, clock, FEB + timedelta(days=2))
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    first = digests(store)[-1].message
    assert (first.when_from, first.when) == (FEB, FEB + timedelta(days=2))
    clock.advance(hours=1)
    _backlog_report(store, story, 1, 3, clock, FEB + timedelta(days=5), fact=FACT)
    clock.advance(hours=6)
    assert run_digests(store, clock) == 1
    told = digests(store)[-1].message
    assert (told.when_from, told.when) == (None, FEB + timedelta(days=5)), "the update's report"
