"""What a chat user does over a day, in sequences: feed server -> pipeline -> outbox -> fake Slack.

Each test plays a sequence of ``/story`` commands and deliveries against the fake Slack
(real slack_sdk client, fake Web API) and checks what the user then sees there.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from fakes.llm_server import FakeLLM
from fakes.slack_fixtures import fake as slack  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from feedserver import feed_server  # noqa: F401  (fixture)
from sqlalchemy import event, text
from storyworld import as_entry, feed_of, samples

from adapters.app import build_app
from adapters.demo import seed_files
from adapters.seeds import load_seed
from adapters.slack_chat import SlackAdapter
from adapters.slack_chat.sink import SlackSink
from bot.model import CommandRequest, DeliveryMode, MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from bot.scheduler import Service
from bot.settings import load_settings

USER = "U1"


def _slack_app(slack: FakeSlack, sqlite_url: str, clock, env: dict[str, str] | None = None):
    settings = load_settings(
        env={
            "STORYBOT_DATABASE_URL": sqlite_url,
            "STORYBOT_ALLOWED_HOSTS": "127.0.0.1",
            **(env or {}),
        }
    )
    app = build_app(settings, clock=clock)
    app.delivery.sinks["slack"] = SlackSink(
        SlackSink.make_client("xoxb-test", slack.base_url, timeout=5)
    )
    return app


@pytest.fixture
async def app(slack: FakeSlack, migrated_sqlite_url: str, clock):
    """The service's app on SQLite, delivering to the fake Slack; closed after the test."""
    built = _slack_app(slack, migrated_sqlite_url, clock)
    yield built
    await built.aclose()


async def _say(app, text: str, *, admin: bool = False):
    reply = await app.commands.handle(CommandRequest(text, "slack", USER, "C0NEWS", is_admin=admin))
    assert reply.ok, reply.text
    return reply


def _dms(slack: FakeSlack) -> list[dict]:
    """The messages the bot posted in the user's DM channel (the fake names it D<user>)."""
    return slack.messages.get("D" + USER, [])


def _alert() -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, "Senators set a hearing", "It is on March 18.")


def _rail_item() -> dict:
    return next(i for i in samples("unrelated") if "rail" in i["title"].lower())


async def _a_matching_item_is_queued_while_slack_rate_limits(
    app, slack, feed_server, clock, item: dict | None = None
):
    """Poll a feed with an item the user's subscriptions match; Slack answers its DM with
    a 429, so the notice waits in the outbox."""
    feed_server.add_feed("/u.xml", feed_of(as_entry(item or _rail_item())), etag=True)
    app.store.add_feed(feed_server.url("/u.xml"), clock.now())
    await app.pipeline.poll_due()
    slack.fail_next(1, status=429, retry_after=30, method="chat.postMessage")
    report = await app.delivery.deliver_due(limit=100)
    assert report.rate_limited == 1 and not _dms(slack)


async def test_a_dm_waiting_for_slack_is_not_sent_after_its_subscription_is_removed(
    feed_server,  # noqa: F811
    slack,
    app,
    clock,
):
    await _say(app, "subscribe rail AND wage")
    await _a_matching_item_is_queued_while_slack_rate_limits(app, slack, feed_server, clock)

    await _say(app, "unsubscribe rail AND wage")  # "stop telling me"
    clock.advance(seconds=60)
    await app.delivery.deliver_due(limit=100)

    assert _dms(slack) == [], "no DM arrives for a subscription already removed"
    assert app.store.outbox_counts()["pending"] == 0


async def test_a_waiting_dm_that_another_subscription_matched_is_still_sent(
    feed_server,  # noqa: F811
    slack,
    app,
    clock,
):
    await _say(app, "subscribe rail AND wage")
    await _say(app, "subscribe strike")
    await _a_matching_item_is_queued_while_slack_rate_limits(app, slack, feed_server, clock)

    await _say(app, "unsubscribe rail AND wage")
    clock.advance(seconds=60)
    await app.delivery.deliver_due(limit=100)

    [dm] = _dms(slack)
    assert "strike" in dm["text"] or "strike" in str(dm["blocks"])
    assert app.store.outbox_counts()["pending"] == 0


async def test_a_dm_waiting_for_slack_is_not_sent_after_its_story_is_removed(
    feed_server,  # noqa: F811
    slack,
    app,
    clock,
):
    """``stories remove NAME --yes`` deletes the subscriptions to the story: a DM one of
    them queued goes with them, and the one DM the user gets says the subscription went."""
    seeds = [load_seed(str(p)) for p in seed_files()]
    app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    await _say(app, "subscribe senators hearing --story demo")
    [hearing] = samples("development", "congress-hearing")
    await _a_matching_item_is_queued_while_slack_rate_limits(
        app, slack, feed_server, clock, hearing
    )

    removed = await _say(app, "stories remove demo --yes", admin=True)
    assert "1 subscription" in removed.text
    clock.advance(seconds=60)
    await app.delivery.deliver_due(limit=100)

    [told] = _dms(slack)  # no keyword DM for the subscription removed with its story ...
    header = told["blocks"][0]["text"]["text"]
    assert header == "1 keyword subscription of yours removed", told  # ... but this one
    assert "The story demo was removed by an admin" in told["blocks"][1]["text"]["text"]
    assert app.store.outbox_counts()["pending"] == 0


async def test_an_alert_of_the_batch_being_delivered_is_not_posted_after_its_channel_unfollows(
    feed_server,  # noqa: F811
    slack,
    app,
    clock,
):
    """Two channels follow the story; while the worker posts the first channel's alert
    (Slack is slow to answer), an admin unfollows in the second. The worker had read both
    alerts in one batch: the second channel must not get one after "no longer follows"."""
    seeds = [load_seed(str(p)) for p in seed_files()]
    app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    for channel in ("C0NEWS", "C0DESK"):
        followed = await app.commands.handle(
            CommandRequest("follow demo", "slack", USER, channel, is_admin=True)
        )
        assert followed.ok, followed.text
    [hearing] = samples("development", "congress-hearing")
    feed_server.add_feed("/wire.xml", feed_of(as_entry(hearing)), etag=True)
    app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
    await app.pipeline.poll_due()
    assert app.store.outbox_counts()["pending"] == 2

    held = slack.hold_next("chat.postMessage")
    delivering = asyncio.ensure_future(app.delivery.deliver_due(limit=100))
    await asyncio.wait_for(held.reached.wait(), 5)
    first = slack.calls_to("chat.postMessage")[0].args["channel"]
    other = {"C0NEWS": "C0DESK", "C0DESK": "C0NEWS"}[first]
    gone = await app.commands.handle(
        CommandRequest("unfollow demo", "slack", USER, other, is_admin=True)
    )
    assert gone.text == "This channel no longer follows demo."
    held.release()
    report = await delivering

    assert report.posted == 1
    assert slack.messages.get(other, []) == [], "nothing posted after the unfollow"
    assert len(slack.messages[first]) == 1
    assert app.store.outbox_counts()["pending"] == 0


async def test_an_alert_is_not_posted_after_its_channel_unfollows_while_the_llm_rewrites_it(
    feed_server,  # noqa: F811
    slack,
    sqlite_url,
    clock,
):
    """With a summarizer, each alert waits for the LLM's rewrite (up to its timeout, 20
    s) just before it is sent. An unfollow meanwhile must take it back all the same: the
    channel was told "no longer follows"."""
    async with FakeLLM() as llm:
        app = _slack_app(
            slack,
            sqlite_url,
            clock,
            {
                "STORYBOT_SUMMARIZER": "openai",
                "STORYBOT_SUMMARIZER_URL": llm.url,
                "STORYBOT_SUMMARIZER_MODEL": "test-model",
            },
        )
        try:
            seeds = [load_seed(str(p)) for p in seed_files()]
            app.store.add_story("demo", seeds[0].title, seeds, clock.now())
            await _say(app, "follow demo", admin=True)
            [hearing] = samples("development", "congress-hearing")
            feed_server.add_feed("/wire.xml", feed_of(as_entry(hearing)), etag=True)
            app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
            await app.pipeline.poll_due()
            assert app.store.outbox_counts()["pending"] == 1

            held = llm.hold()
            delivering = asyncio.ensure_future(app.delivery.deliver_due(limit=100))
            await asyncio.wait_for(held.reached.wait(), 5)
            gone = await _say(app, "unfollow demo", admin=True)
            assert gone.text == "This channel no longer follows demo."
            held.release()
            report = await delivering

            assert slack.messages.get("C0NEWS", []) == [], "nothing posted after the unfollow"
            assert (report.posted, report.withdrawn) == (0, 1)
            assert app.store.outbox_counts()["pending"] == 0
        finally:
            await app.aclose()


async def test_a_subscription_made_while_a_cycle_reads_the_subscriptions_is_matched_next_cycle(
    feed_server,  # noqa: F811
    slack,
    sqlite_url,
    clock,
):
    """/story commands run in threads, beside the poll cycle on the event loop. A user
    subscribes just as a cycle reads the subscriptions to build its index (after an
    earlier subscribe asked for a rebuild): the index built without it must not be kept
    for the next 5 minutes, whose items would never be DMed to them."""
    app = _slack_app(slack, sqlite_url, clock)
    try:
        await _say(app, "subscribe pentagon")
        await app.pipeline.poll_due()  # the index is built, with "pentagon"
        await _say(app, "subscribe hearing")  # a rebuild is asked for
        engine = app.store.engine
        subscribed: list[object] = []
        started: list[bool] = []  # once: the command's own count of the subscriptions is no cycle's

        def meanwhile(conn, cursor, statement, *args) -> None:
            if started or "FROM subscriptions" not in statement or "WHERE" in statement:
                return  # not the read of every subscription that builds the index
            started.append(True)
            request = CommandRequest("subscribe rail AND wage", "slack", USER, "C0NEWS")
            command = threading.Thread(
                target=lambda: subscribed.append(asyncio.run(app.commands.handle(request)))
            )
            command.start()
            command.join(10)

        event.listen(engine, "after_cursor_execute", meanwhile)
        try:
            await app.pipeline.poll_due()  # its index is built as the user subscribes
        finally:
            event.remove(engine, "after_cursor_execute", meanwhile)
        assert [r.ok for r in subscribed] == [True]  # type: ignore[attr-defined]
        clock.advance(seconds=60)  # the next cycle, well within the index's 5 minutes

        await _a_matching_item_is_queued_while_slack_rate_limits(app, slack, feed_server, clock)

        assert app.store.outbox_counts()["pending"] == 1, "the rail item is DMed"
    finally:
        await app.aclose()


async def test_an_alert_whose_edit_was_in_flight_at_an_unfollow_is_edited_again_after_a_refollow(
    slack,
    app,
    clock,
):
    """The unfollow cancels the alert's waiting edit while the worker is sending it.
    After the channel follows the story again, the development's next report must be
    edited into the alert (README: "after a new follow later reports are edited into
    them again"), not taken for delivered already."""
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    await _say(app, "follow demo", admin=True)
    key = f"alert:{story.id}:1:slack:C0NEWS"
    target = Target("slack", channel_id="C0NEWS")

    def report(body: str) -> None:
        message = OutboundMessage(MessageKind.ALERT, "Senators set a hearing", body)
        app.store.enqueue([OutboxWrite(key, target, message)], clock.now())

    report("It is on March 18.")
    assert (await app.delivery.deliver_due()).posted == 1
    report("It is on March 18, in public.")
    held = slack.hold_next("chat.update")
    delivering = asyncio.ensure_future(app.delivery.deliver_due())
    await asyncio.wait_for(held.reached.wait(), 5)
    await _say(app, "unfollow demo", admin=True)
    held.release()
    assert (await delivering).edited == 1
    await _say(app, "follow demo", admin=True)
    report("It is on March 18, in public; the deal's text is due first.")

    assert (await app.delivery.deliver_due()).edited == 1
    [alert] = slack.messages["C0NEWS"]
    assert "the deal's text is due first" in str(alert)


@pytest.mark.parametrize("waiting", ["a command", "a delivery", "the digest job"])
async def test_a_command_waiting_for_the_database_does_not_hold_up_the_others(
    slack, sqlite_url, clock, waiting: str
):
    """On SQLite a poll cycle's write transaction makes a command's write wait (up to
    the busy timeout, 10 s). The waiting must not stop the event loop: meanwhile Slack
    must get the ack of the next command within its 3 seconds, and Discord its
    "thinking..." (one loop serves both). Here a write transaction held in another
    thread stands for the poll cycle's; it ends as soon as the loop acks a /story help."""
    app = _slack_app(slack, sqlite_url, clock)
    adapter = SlackAdapter(
        bot_token="xoxb-test",
        app_token="xapp-test",
        commands=app.commands,
        api_base_url=slack.base_url,
    )
    await adapter.start()
    locked, release = threading.Event(), threading.Event()
    released_in_time: list[bool] = []

    def poll_cycle_writing() -> None:
        with app.store._write() as session:  # noqa: SLF001 - the lock a cycle's commit holds
            session.execute(text("UPDATE feeds SET id = id WHERE 0"))
            locked.set()
            released_in_time.append(release.wait(timeout=3))

    app.store.enqueue(
        [OutboxWrite("k", Target("slack", channel_id="C0NEWS"), _alert())], clock.now()
    )
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    app.store.bind(story.id, "slack", "C0NEWS", DeliveryMode.REALTIME, 24, clock.now())
    clock.advance(hours=2)  # its overflow digest period is over
    holder = asyncio.ensure_future(asyncio.to_thread(poll_cycle_writing))
    try:
        await asyncio.to_thread(locked.wait, 5)
        if waiting == "a command":
            subscribing = await slack.push_slash_command("subscribe pentagon", channel_id="C0")
            await slack.wait_for(lambda: slack.ack_for(subscribing))
        elif waiting == "a delivery":  # the outbox worker, to record that it posts an alert
            delivering = asyncio.ensure_future(app.delivery.deliver_due())
        else:  # the digest job, to record that a channel's digest period is over
            service = Service(app.pipeline, app.delivery, app.store, clock)
            digesting = asyncio.ensure_future(service.digest_once())
        helped = await slack.push_slash_command("help", channel_id="C0NEWS")
        await slack.wait_for(lambda: slack.ack_for(helped), timeout=10)
        release.set()
        await holder
        assert released_in_time == [True], f"the help was acked while {waiting} waited"
        if waiting == "a command":
            reply = await slack.wait_for(lambda: slack.response_for(subscribing), timeout=10)
            assert "Subscribed (#1): pentagon" in reply["text"]
        elif waiting == "a delivery":
            assert (await delivering).posted == 1
        else:
            await digesting
            [binding] = app.store.list_bindings()
            assert binding.last_digest_at == clock.now()
    finally:
        release.set()
        await holder
        await adapter.stop()
        await app.aclose()
