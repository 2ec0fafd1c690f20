"""Each fact an edited alert's thread note brings is posted once, through races and crashes.

An alert edit's ``thread_note`` lists the facts later reports added. The pipeline carries a
fact into the next edit while the row's edit is undelivered, and cannot tell an edit that
is being delivered at that moment from one not yet sent; a crash can also fall between the
note's post and ``mark_delivered``. Real store, real ``DeliveryWorker`` and pipeline, real
slack_sdk and discord.py: only Slack and Discord are faked, and ``FakeSlack.hold_next``
keeps a call in flight while the test acts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from fakes.discord_fixtures import discord  # noqa: F401  (fixture)
from fakes.discord_server import CHANNEL_ID, FakeDiscord
from fakes.slack_fixtures import store  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, make_world, samples

from adapters.app import build_app
from adapters.console import CONSOLE, CONSOLE_CHANNEL, render_console
from adapters.demo import seed_files
from adapters.discord_chat import DiscordAdapter
from adapters.seeds import load_seed
from adapters.slack_chat.sink import SlackSink
from bot.citations import cited_links
from bot.clock import ManualClock
from bot.commands import Commands
from bot.delivery import DeliveryWorker
from bot.link_labels import MAX_LINKS
from bot.model import DeliveryMode, MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from bot.settings import load_settings
from bot.thread_notes import note_facts, with_fact
from storage import SqlStore

SLACK = Target("slack", channel_id="C0NEWS")
KEY = "alert:1:1:slack:C0NEWS"
FACT_A = "Other Outlet: The House panel asked for the text too. [2]"
FACT_B = "Third Outlet: The Pentagon said it would brief the panel. [3]"


@pytest.fixture
async def slack(clock: ManualClock) -> AsyncIterator[FakeSlack]:
    # message ts from the worker's clock, as Slack's come from the same real time
    server = FakeSlack(ts_clock=lambda: clock.now().timestamp())
    await server.start()
    yield server
    await server.stop()


def slack_worker(slack: FakeSlack, store: SqlStore, clock: ManualClock) -> DeliveryWorker:
    """A delivery worker with a Slack sink of its own (a new one plays a restarted process)."""
    sink = SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=5))
    return DeliveryWorker(store, {"slack": sink}, clock)


def follow(store: SqlStore, clock: ManualClock, target: Target) -> None:
    """Story 1 followed in ``target``'s channel: the outbox queues only a followed
    channel's alerts (``alert:1:...`` keys name story 1)."""
    story = store.get_story("demo") or store.add_story("demo", "Demo", [], clock.now())
    assert story.id == 1
    store.bind(
        story.id, target.platform, str(target.channel_id), DeliveryMode.REALTIME, 24, clock.now()
    )


def alert(note: str | None = None) -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, "Senators demand text", "Summary.", thread_note=note)


def edit_as_the_pipeline_does(store: SqlStore, clock: ManualClock, fact: str | None) -> None:
    """Queue the next edit of the alert the way ``AlertWrites.alerts`` does.

    A fact of an edit not yet delivered is carried along into the new one.
    """
    row = store.get_outbox(KEY)
    assert row is not None and row.message_id is not None
    pending = row.message.thread_note if row.delivered_version < row.version else None
    store.enqueue([OutboxWrite(KEY, SLACK, alert(with_fact(pending, fact)))], clock.now())


def replies(slack: FakeSlack, store: SqlStore) -> list[str]:
    row = store.get_outbox(KEY)
    assert row is not None and row.message_id is not None
    return [m["text"] for m in slack.thread_replies("C0NEWS", row.message_id)]


async def posted_alert(slack: FakeSlack, store: SqlStore, clock: ManualClock) -> DeliveryWorker:
    worker = slack_worker(slack, store, clock)
    follow(store, clock, SLACK)
    store.enqueue([OutboxWrite(KEY, SLACK, alert())], clock.now())
    assert (await worker.deliver_due()).posted == 1
    return worker


async def test_a_fact_added_while_an_edit_is_delivered_is_posted_once_and_nothing_twice(
    slack: FakeSlack, store: SqlStore, clock: ManualClock
) -> None:
    worker = await posted_alert(slack, store, clock)
    edit_as_the_pipeline_does(store, clock, FACT_A)
    held = slack.hold_next("chat.update")
    delivering = asyncio.create_task(worker.deliver_due())
    await held.reached.wait()
    # the edit with FACT_A is in flight: the row still reads undelivered, so the next
    # report's edit carries FACT_A along beside its own FACT_B
    edit_as_the_pipeline_does(store, clock, FACT_B)
    assert store.get_outbox(KEY).message.thread_note == f"{FACT_A}\n{FACT_B}"  # type: ignore[union-attr]
    held.release()
    assert (await delivering).edited == 1
    assert replies(slack, store) == [FACT_A]

    clock.advance(minutes=1)
    assert (await worker.deliver_due()).edited == 1
    assert (await worker.deliver_due()).edited == 0  # nothing left to do
    assert replies(slack, store) == [FACT_A, FACT_B], "each fact once, none lost"
    assert store.outbox_counts()["pending"] == 0


async def test_a_note_posted_just_before_a_crash_is_not_posted_again(
    slack: FakeSlack, store: SqlStore, clock: ManualClock
) -> None:
    worker = await posted_alert(slack, store, clock)
    edit_as_the_pipeline_does(store, clock, FACT_A)
    held = slack.hold_next("chat.postMessage", where=lambda args: "thread_ts" in args)
    delivering = asyncio.create_task(worker.deliver_due())
    await held.reached.wait()  # Slack has posted the note; its answer never arrives:
    delivering.cancel()  # the process dies before mark_delivered
    with contextlib.suppress(asyncio.CancelledError):
        await delivering
    held.release()
    row = store.get_outbox(KEY)
    assert row is not None and row.delivered_version < row.version
    assert replies(slack, store) == [FACT_A]

    restarted = slack_worker(slack, store, clock)
    assert (await restarted.deliver_due()).edited == 1  # the edit is delivered again...
    assert replies(slack, store) == [FACT_A]  # ...but its note is found, not posted again
    assert store.outbox_counts()["pending"] == 0


async def test_a_busy_thread_is_read_from_the_previous_delivery_so_a_note_is_not_repeated(
    slack: FakeSlack, store: SqlStore, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await posted_alert(slack, store, clock)
    alert_ts = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    clock.advance(hours=1)
    for n in range(20):  # readers talk in the thread: more than the pages the sink reads
        slack.user_reply("C0NEWS", alert_ts, f"reader {n}")
    clock.advance(hours=1)
    edit_as_the_pipeline_does(store, clock, FACT_A)
    # the first edit reads from the post: too many replies since, so its note goes unchecked
    assert (await worker.deliver_due()).edited == 1
    assert "more than 5 pages of replies" in caplog.text
    assert replies(slack, store)[-1:] == [FACT_A]

    clock.advance(hours=1)
    edit_as_the_pipeline_does(store, clock, FACT_B)
    held = slack.hold_next("chat.postMessage", where=lambda args: "thread_ts" in args)
    delivering = asyncio.create_task(worker.deliver_due())
    await held.reached.wait()  # the note is posted; the process dies before recording it
    delivering.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await delivering
    held.release()
    clock.advance(minutes=10)
    looked = len(slack.calls_to("conversations.replies"))
    assert (await slack_worker(slack, store, clock).deliver_due()).edited == 1
    # read from a little before FACT_A's delivery: the readers' replies are not read
    # again, only the parent and the two notes (two to a page)
    assert len(slack.calls_to("conversations.replies")) == looked + 2
    notes = [text for text in replies(slack, store) if not text.startswith("reader")]
    assert notes == [FACT_A, FACT_B], "FACT_B once"


async def test_a_note_slack_refused_for_now_is_posted_by_the_retry(
    slack: FakeSlack, store: SqlStore, clock: ManualClock
) -> None:
    worker = await posted_alert(slack, store, clock)
    edit_as_the_pipeline_does(store, clock, FACT_A)
    slack.fail_next(status=503, method="chat.postMessage")
    report = await worker.deliver_due()
    assert (report.edited, report.failed) == (0, 1)
    assert replies(slack, store) == []
    clock.advance(hours=1)
    assert (await worker.deliver_due()).edited == 1
    assert replies(slack, store) == [FACT_A]


async def test_a_note_accepted_but_unanswered_is_not_posted_twice_by_the_retry(
    slack: FakeSlack, store: SqlStore, clock: ManualClock
) -> None:
    worker = await posted_alert(slack, store, clock)
    edit_as_the_pipeline_does(store, clock, FACT_A)
    # Slack posts the note; its answer is lost on the way
    held = slack.hold_next("chat.postMessage", where=lambda a: "thread_ts" in a, drop=True)
    delivering = asyncio.create_task(worker.deliver_due())
    await held.reached.wait()
    held.release()
    assert (await delivering).failed == 1
    clock.advance(hours=1)
    assert (await worker.deliver_due()).edited == 1
    assert replies(slack, store) == [FACT_A]


async def test_the_discord_embed_of_an_edit_lists_the_facts_carried_along(
    discord: FakeDiscord, store: SqlStore, clock: ManualClock
) -> None:
    target = Target("discord", channel_id=str(CHANNEL_ID))
    key = f"alert:1:1:discord:{CHANNEL_ID}"
    sink = DiscordAdapter(
        discord.token,
        Commands(store, clock),
        api_url=discord.api_url,
        gateway_url=discord.gateway_url,
    )
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    follow(store, clock, target)
    try:
        store.enqueue([OutboxWrite(key, target, alert())], clock.now())
        assert (await worker.deliver_due()).posted == 1
        store.enqueue([OutboxWrite(key, target, alert(with_fact(None, FACT_A)))], clock.now())
        # the next report comes before that edit is sent: its fact joins the first
        row = store.get_outbox(key)
        assert row is not None and row.delivered_version < row.version
        note = with_fact(row.message.thread_note, FACT_B)
        store.enqueue([OutboxWrite(key, target, alert(note))], clock.now())
        assert (await worker.deliver_due()).edited == 1
        [edit] = discord.calls_to("PATCH", r"/channels/\d+/messages/\d+")
        [new] = [f for f in edit.json["embeds"][0]["fields"] if f["name"] == "New"]
        assert FACT_A.split(": ", 1)[1].split(" [")[0] in new["value"]
        assert FACT_B.split(": ", 1)[1].split(" [")[0] in new["value"]
        assert len(new["value"].splitlines()) == 2
        assert len(discord.calls_to("POST", r"/channels/\d+/messages")) == 1  # no extra message
    finally:
        await sink.stop()


# --------------------------------------------------------------------------- the whole app

DEV = "congress-hearing"


async def test_a_poll_during_the_edit_delivery_does_not_thread_the_fact_twice(
    feed_server,  # noqa: F811
    slack: FakeSlack,
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    """The audit's race: another outlet's copy is judged while the edit is in flight."""
    env = {"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    app = build_app(load_settings(env=env), clock=clock)
    app.delivery.sinks["slack"] = SlackSink(
        SlackSink.make_client("xoxb-test", slack.base_url, timeout=5)
    )
    try:
        seeds = [load_seed(str(p)) for p in seed_files()]
        story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
        app.store.bind(story.id, "slack", "C0NEWS", DeliveryMode.REALTIME, 24, clock.now())
        [first] = samples("development", DEV)
        feed_server.add_feed("/wire.xml", feed_of(as_entry(first, 1)), etag=True)
        app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
        await app.pipeline.poll_due()
        await app.delivery.deliver_due()

        updates = samples("update", DEV)  # another outlet adds a fact
        feed_server.add_feed(
            "/other.xml",
            feed_of(*(as_entry(x, i) for i, x in enumerate(updates)), title="Other Outlet"),
            etag=True,
        )
        app.store.add_feed(feed_server.url("/other.xml"), clock.now())
        clock.advance(hours=1)
        await app.pipeline.poll_due()
        key = f"alert:{story.id}:1:slack:C0NEWS"
        note = app.store.get_outbox(key).message.thread_note  # type: ignore[union-attr]
        assert note and note.startswith("Other Outlet: ")

        held = slack.hold_next("chat.update")
        delivering = asyncio.create_task(app.delivery.deliver_due())
        await held.reached.wait()
        copies = samples("copy", DEV)  # a third outlet's copies: no new fact
        feed_server.add_feed(
            "/third.xml",
            feed_of(
                *(
                    as_entry(x, i, guid=x["guid"] + "-3", link=x["url"] + "?x=3")
                    for i, x in enumerate(copies)
                ),
                title="Third Outlet",
            ),
            etag=True,
        )
        app.store.add_feed(feed_server.url("/third.xml"), clock.now())
        await app.pipeline.poll_due()
        row = app.store.get_outbox(key)
        assert row is not None and row.message.thread_note == note  # carried along
        held.release()
        await delivering
        clock.advance(minutes=5)
        await app.delivery.deliver_due()
        await app.delivery.deliver_due()

        threaded = [m["text"] for m in slack.thread_replies("C0NEWS", row.message_id or "")]
        assert len(threaded) == 1, threaded
        assert threaded[0].startswith("Other Outlet: ")
        assert len(slack.calls_to("chat.update")) == 2
        assert app.store.outbox_counts()["pending"] == 0
    finally:
        await app.aclose()


async def test_an_edit_taken_back_while_in_flight_does_not_swallow_the_next_one(
    slack: FakeSlack, store: SqlStore, clock: ManualClock
) -> None:
    """An unfollow cancels the alert's waiting edit (its version lowered to the one
    delivered) while the worker is sending it. Recording that delivery must not put the
    delivered version above the row's: after a re-follow the next report's edit, which
    takes the version back up by one, would look delivered and never be sent."""
    worker = await posted_alert(slack, store, clock)
    second = OutboundMessage(MessageKind.ALERT, "Second report", "Summary.")
    store.enqueue([OutboxWrite(KEY, SLACK, second)], clock.now())
    held = slack.hold_next("chat.update")
    delivering = asyncio.create_task(worker.deliver_due())
    await held.reached.wait()
    assert store.unbind(1, "slack", "C0NEWS")  # /story unfollow: the edit is cancelled
    held.release()
    assert (await delivering).edited == 1  # it was on its way

    follow(store, clock, SLACK)  # followed again; a third report edits the alert
    third = OutboundMessage(MessageKind.ALERT, "Third report", "Summary.")
    store.enqueue([OutboxWrite(KEY, SLACK, third)], clock.now())
    clock.advance(minutes=1)
    assert (await worker.deliver_due()).edited == 1
    [update] = slack.calls_to("chat.update")[-1:]
    assert "Third report" in update.args["text"]
    assert store.outbox_counts()["pending"] == 0


async def test_a_fact_carried_into_the_next_edit_keeps_its_link_when_its_sentence_left(
    feed_server,  # noqa: F811
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    """A carried fact cites a report the new summary no longer quotes: its link stays.

    The sixth report's edit waits undelivered with its fact; the seventh report's edit
    carries that fact along, but the summary now quotes the first and the seventh and
    the links list the first reports: "[6]" in the note must still name a link, counted
    first among MAX_LINKS, under the same number as before.
    """
    world = make_world(sqlite_url, clock)
    [wire] = samples("development", DEV)
    try:
        feed_server.add_feed("/wire.xml", feed_of(as_entry(wire)), etag=True)
        world.app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
        for n in range(2, 7):  # five more outlets carry the wire's report: reports 2 to 6
            copy = as_entry(wire, guid=f"{wire['guid']}-{n}", link=f"{wire['url']}?x={n}")
            feed_server.add_feed(f"/copy{n}.xml", feed_of(copy, title=f"Copy{n}"), etag=True)
            world.app.store.add_feed(feed_server.url(f"/copy{n}.xml"), clock.now())
        await world.app.pipeline.poll_due()
        await world.app.delivery.deliver_due()
        key = f"alert:{world.story.id}:1:{CONSOLE}:{CONSOLE_CHANNEL}"
        row = world.app.store.get_outbox(key)
        assert row is not None and row.message_id is not None
        # the sixth report's edit, queued and not yet delivered, with its fact
        fact = "Copy6: The Pentagon agreed to brief the panel. [6]"
        pending = replace(row.message, thread_note=fact)
        world.app.store.enqueue([OutboxWrite(key, row.target, pending)], clock.now())

        [update] = samples("update", DEV)  # the seventh report adds a fact of its own
        feed_server.add_feed("/other.xml", feed_of(as_entry(update), title="Other"), etag=True)
        world.app.store.add_feed(feed_server.url("/other.xml"), clock.now())
        clock.advance(hours=2)
        assert (await world.app.pipeline.poll_due()).alert_edits == 1

        message = world.app.store.get_outbox(key).message  # type: ignore[union-attr]
        facts = note_facts(message.thread_note)
        assert facts[0] == fact and facts[1].startswith("Other: ") and facts[1].endswith("[7]")
        assert "[6]" not in message.body, "the sixth report's sentence is not in the summary"
        labels = [link.label for link in message.links]
        assert "[6] Copy6" in labels and "[7] Other" in labels
        assert len(labels) == MAX_LINKS and labels[0] == "[1] Sample Wire"
        assert {labels[i] for i in cited_links(message)} >= {"[6] Copy6", "[7] Other"}

        await world.app.delivery.deliver_due()
        shown = render_console(world.console.edited[-1][1], edited=True)
        assert f"[6] Copy6: {wire['url']}?x=6" in shown
    finally:
        await world.app.aclose()
