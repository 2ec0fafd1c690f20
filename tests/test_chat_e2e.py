"""End to end: local feed server -> fetcher -> engine -> outbox -> fake Slack and fake Discord.

A new turn of the story arrives in one feed; copies and other reports of it arrive in another
later. Each chat platform must show exactly one alert message for the development, edited
(never re-posted) as the later reports come in, and seed copies must not alert at all.
"""

from __future__ import annotations

import io
import json
import re

from fakes.discord_fixtures import discord  # noqa: F401  (fixture)
from fakes.discord_server import CHANNEL_ID, FakeDiscord
from fakes.slack_fixtures import fake as slack  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, sample, samples

from adapters import outbox_admin
from adapters.app import build_app
from adapters.demo import seed_files
from adapters.discord_chat import DiscordAdapter
from adapters.seeds import load_seed
from adapters.slack_chat.sink import SlackSink
from bot.model import CommandRequest, DeliveryMode
from bot.settings import load_settings

DEV = "congress-hearing"  # the turn the engine recognises right after the seeds (see test_pipeline)
SLACK_CHANNEL = "C0NEWS"


def top_level(slack: FakeSlack) -> list:
    """Slack posts that are messages of their own (not threaded replies)."""
    return [c for c in slack.calls_to("chat.postMessage") if "thread_ts" not in c.args]


def _app_delivering_to(slack: FakeSlack, discord: FakeDiscord, sqlite_url: str, clock):
    """The app on ``sqlite_url`` with Slack and Discord sinks talking to the fakes."""
    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    app = build_app(settings, clock=clock)
    slack_sink = SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=5))
    discord_sink = DiscordAdapter(
        discord.token, app.commands, api_url=discord.api_url, gateway_url=discord.gateway_url
    )
    app.delivery.sinks.update({"slack": slack_sink, "discord": discord_sink})
    return app, discord_sink


def _later_reports_from_another_outlet(feed_server, app, clock) -> None:
    """A second feed ("Other Outlet") with copies and updates of the development, an hour on."""
    later = samples("copy", DEV) + samples("update", DEV)
    feed_server.add_feed(
        "/other.xml",
        feed_of(*(as_entry(x, i) for i, x in enumerate(later)), title="Other Outlet"),
        etag=True,
    )
    app.store.add_feed(feed_server.url("/other.xml"), clock.now())
    clock.advance(hours=1)


async def test_one_alert_per_development_on_both_platforms_edited_by_later_reports(
    feed_server,
    slack,
    discord,
    sqlite_url,
    clock,  # noqa: F811
):
    app, discord_sink = _app_delivering_to(slack, discord, sqlite_url, clock)
    try:
        seeds = [load_seed(str(p)) for p in seed_files()]
        story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
        app.store.bind(story.id, "slack", SLACK_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())
        app.store.bind(story.id, "discord", str(CHANNEL_ID), DeliveryMode.REALTIME, 24, clock.now())

        first = sample(next(i["guid"] for i in samples("development", DEV)))
        seed_copy = samples("copy", "seed")[0]
        feed_server.add_feed(
            "/wire.xml", feed_of(as_entry(seed_copy, 0), as_entry(first, 1)), etag=True
        )
        app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
        await app.pipeline.poll_due()
        await app.delivery.deliver_due(limit=100)

        assert len(slack.calls_to("chat.postMessage")) == 1
        assert len(discord.calls_to("POST", r"/channels/\d+/messages")) == 1
        [slack_post] = slack.calls_to("chat.postMessage")
        assert slack_post.args["channel"] == SLACK_CHANNEL

        _later_reports_from_another_outlet(feed_server, app, clock)
        await app.pipeline.poll_due()
        await app.delivery.deliver_due(limit=100)

        assert len(top_level(slack)) == 1, "a later report never posts again"
        assert len(discord.calls_to("POST", r"/channels/\d+/messages")) == 1
        assert slack.calls_to("chat.update"), "the Slack alert is edited instead"
        assert discord.calls_to("PATCH", r"/channels/\d+/messages/\d+"), (
            "the Discord alert is edited instead"
        )
        assert app.store.outbox_counts()["pending"] == 0
    finally:
        await discord_sink.stop()
        await app.aclose()


async def test_a_channel_storybot_cannot_post_to_is_told_why_and_what_to_do(
    feed_server,
    slack,
    discord,
    sqlite_url,
    clock,  # noqa: F811
):
    """Slack says not_in_channel, Discord 403 Missing Access: the alert is given up on,
    and ``/story status`` (and ``follow`` again) in that channel says so, with the reason
    and the fix, instead of "This channel follows this story" alone."""
    app, discord_sink = _app_delivering_to(slack, discord, sqlite_url, clock)
    try:
        seeds = [load_seed(str(p)) for p in seed_files()]
        app.store.add_story("demo", seeds[0].title, seeds, clock.now())
        discord_channel = str(CHANNEL_ID)
        for platform, channel in (("slack", SLACK_CHANNEL), ("discord", discord_channel)):
            followed = await app.commands.handle(
                CommandRequest("follow demo", platform, "U1", channel, is_admin=True)
            )
            assert followed.ok and "cannot post" not in followed.text  # nothing known yet
        slack.fail_next(1, status=200, error="not_in_channel", method="chat.postMessage")
        discord.forbidden_channels.add(discord_channel)
        first = sample(next(i["guid"] for i in samples("development", DEV)))
        feed_server.add_feed("/wire.xml", feed_of(as_entry(first, 1)), etag=True)
        app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
        await app.pipeline.poll_due()
        await app.delivery.deliver_due(limit=100)
        assert app.store.outbox_counts()["dead"] == 2

        expected = {
            "slack": (
                SLACK_CHANNEL,
                "not_in_channel (invite storybot to the channel: /invite @storybot)",
            ),
            "discord": (
                discord_channel,
                "Missing Access (give storybot the View Channel and Send Messages",
            ),
        }
        for platform, (channel, reason) in expected.items():
            status = await app.commands.handle(CommandRequest("status", platform, "U1", channel))
            assert "This channel follows this story (realtime)." in status.text
            assert "storybot cannot post in this channel: " in status.text and reason in status.text
            assert status.message is not None and reason in status.message.body  # the rich form too
            again = await app.commands.handle(
                CommandRequest("follow demo", platform, "U1", channel, is_admin=True)
            )
            assert "already follows demo" in again.text and reason in again.text
        elsewhere = await app.commands.handle(CommandRequest("status", "slack", "U1", "C0OTHER"))
        assert "cannot post" not in elsewhere.text

        listed = io.StringIO()
        outbox_admin.outbox(app, out=listed)
        assert "/invite @storybot" in listed.getvalue()  # storybot outbox says what to do too
    finally:
        await discord_sink.stop()
        await app.aclose()


async def test_a_fact_a_later_report_adds_is_threaded_once_under_the_slack_alert(
    feed_server,
    slack,
    sqlite_url,
    clock,  # noqa: F811
):
    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    app = build_app(settings, clock=clock)
    app.delivery.sinks.update(
        {"slack": SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=5))}
    )
    try:
        seeds = [load_seed(str(p)) for p in seed_files()]
        story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
        app.store.bind(story.id, "slack", SLACK_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())
        first = sample(next(i["guid"] for i in samples("development", DEV)))
        feed_server.add_feed("/wire.xml", feed_of(as_entry(first, 1)), etag=True)
        app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
        await app.pipeline.poll_due()
        await app.delivery.deliver_due(limit=100)
        assert len(top_level(slack)) == 1

        _later_reports_from_another_outlet(feed_server, app, clock)
        await app.pipeline.poll_due()
        slack.fail_next(status=500, method="chat.update")  # the edit fails once: retried
        await app.delivery.deliver_due(limit=100)
        assert not [c for c in slack.calls_to("chat.postMessage") if "thread_ts" in c.args]
        for _ in range(3):  # the retry, then nothing left to do
            clock.advance(hours=1)
            await app.delivery.deliver_due(limit=100)

        [update] = slack.calls_to("chat.update")[-1:]
        replies = [c for c in slack.calls_to("chat.postMessage") if "thread_ts" in c.args]
        assert len(replies) == 1, "the new fact is posted once, however often delivery runs"
        [reply] = replies
        assert reply.args["thread_ts"] == update.args["ts"]
        assert reply.args["channel"] == SLACK_CHANNEL
        marked = re.fullmatch(r"Other Outlet: (.+) \[(\d+)\]", reply.args["text"])
        assert marked, reply.args["text"]
        fact, n = marked.groups()
        summary = update.args["blocks"][1]["text"]["text"]
        assert f"{fact} [{n}]" in summary, "the fact is the sentence the update added, as cited"
        # and its marker is the number of the Other Outlet's link in the edited alert
        assert f"[{n}] Other Outlet" in json.dumps(update.args["blocks"])
        assert len(top_level(slack)) == 1
        assert app.store.outbox_counts()["pending"] == 0
    finally:
        await app.aclose()


async def test_feeds_are_polled_while_slack_cannot_be_reached_at_start(
    feed_server,
    slack,
    sqlite_url,
    clock,  # noqa: F811
):
    """A Slack outage at boot delays the chat front end, not polling: the adapter waits to
    retry while the scheduler polls (alerts wait in the outbox)."""
    import asyncio

    from adapters.app import add_adapter
    from adapters.chat_start import chat_adapters_from_settings
    from adapters.service import run_service
    from bot.scheduler import Ticks

    settings = load_settings(
        env={
            "STORYBOT_DATABASE_URL": sqlite_url,
            "STORYBOT_ALLOWED_HOSTS": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "STORYBOT_SLACK_API_URL": slack.base_url,
        }
    )
    app = build_app(settings, clock=clock)
    for adapter in chat_adapters_from_settings(app):  # as `storybot run` does
        add_adapter(app, adapter)
    assert list(app.adapters) == ["slack"]
    slack.fail_next(1000, status=501, method="auth.test")
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/wire.xml", feed_of(as_entry(first, 1)), etag=True)
    app.store.add_feed(feed_server.url("/wire.xml"), clock.now())
    stop = asyncio.Event()
    waits: list[float] = []

    async def held(seconds: float) -> None:  # the injected back-off: waits until stopped
        waits.append(seconds)
        await stop.wait()

    service = asyncio.ensure_future(
        run_service(app, ticks=Ticks(poll_s=0.05, deliver_s=0.05), stop=stop, sleep=held)
    )
    try:
        for _ in range(1000):  # real ticks of 0.05 s: wait for a poll and the back-off
            # (either may come first: the failing auth.test is a round trip of its own)
            if feed_server.hits("/wire.xml") and waits:
                break
            await asyncio.sleep(0.01)
        assert feed_server.hits("/wire.xml") >= 1, "the feeds are polled"
        assert waits == [1.0], "the Slack adapter is still waiting to retry"
        assert slack.calls_to("auth.test") and not slack.connected
    finally:
        stop.set()
        await service
