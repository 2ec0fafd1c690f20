"""/story over the Discord gateway: the real discord.Client, the real Commands, a fake Discord.

Settings come from an environment that points the adapter at the fake
(``STORYBOT_DISCORD_API_URL`` / ``STORYBOT_DISCORD_GATEWAY_URL``); the last test checks that
``adapters.app`` builds the same adapter from them.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord
import pytest
from fakes.discord_fixtures import discord as fake  # noqa: F401  (fixture)
from fakes.discord_server import (
    APP_ID,
    CHANNEL_ID,
    LOADING,
    MANAGE_GUILD,
    USER_ID,
    FakeDiscord,
    shown,
)
from store_builders import new_item

from adapters.app import build_app
from adapters.chat_start import chat_adapters_from_settings
from adapters.discord_chat import DiscordAdapter
from adapters.log_setup import LIBRARIES, OURS, QUIETER, configure_logging
from bot.commands import Commands
from bot.errors import ConfigError
from bot.model import DeliveryMode, MessageKind, OutboundMessage, SeedDoc, Target
from bot.ports import DevelopmentWrite
from bot.settings import Settings, load_settings
from storage import SqlStore, open_store

EPHEMERAL = 64


@dataclass
class App:
    settings: Settings
    store: SqlStore
    commands: Commands


# discord.py waits this long after the last GUILD_CREATE before it calls the gateway ready
# (2 s by default: every start of an app-built adapter waited it)
FAST_READY = {"discord_ready_timeout_s": 0.01}


def environment(fake: FakeDiscord, sqlite_url: str) -> dict[str, str]:
    return {
        "STORYBOT_DATABASE_URL": sqlite_url,
        "DISCORD_BOT_TOKEN": fake.token,
        "STORYBOT_DISCORD_API_URL": fake.api_url,
        "STORYBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
    }


@pytest.fixture
async def app(fake: FakeDiscord, migrated_sqlite_url: str, clock) -> AsyncIterator[App]:
    settings = load_settings(env=environment(fake, migrated_sqlite_url))
    store = open_store(settings.database_url)
    seed = SeedDoc("Anthropic reopens Pentagon talks", "Talks resumed on Tuesday.")
    store.add_story("pentagon", "Anthropic reopens Pentagon talks", [seed], clock.now())
    yield App(settings, store, Commands(store, clock, admin_policy=settings.admin_commands))
    store.close()


def discord_adapter(app: App, **options: Any) -> DiscordAdapter:
    """A Discord adapter built from the settings; ``options`` override its defaults.

    A command is answered directly if done within 2.5 s, not the service's 1.5 s: the
    service leaves room for the defer's round trip to Discord, which to the local fake takes
    milliseconds, and a test that expects a direct answer on a loaded machine (the suite's
    other processes) was deferred at 1.5 s."""
    options.setdefault("defer_after_s", 2.5)
    s = app.settings
    return DiscordAdapter(
        s.discord.token,
        app.commands,
        options.pop("admin_policy", s.admin_commands),
        api_url=s.discord.api_url,
        gateway_url=s.discord.gateway_url,
        **options,
    )


@pytest.fixture
async def bot(app: App) -> AsyncIterator[DiscordAdapter]:
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    await adapter.start()
    yield adapter
    await adapter.stop()


async def callback(fake: FakeDiscord, interaction: dict[str, Any]) -> dict[str, Any]:
    """The body of the interaction callback the bot sent for ``interaction``."""
    path = rf"/interactions/{interaction['id']}/{interaction['token']}/callback"
    call = await fake.wait_for_call("POST", path)
    assert call.query == {"with_response": "1"}
    return call.json


async def test_start_connects_a_compressed_gateway_and_identifies(fake: FakeDiscord, app) -> None:
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    await adapter.start()
    try:
        assert fake.gateway_queries == [{"v": "10", "encoding": "json", "compress": "zlib-stream"}]
        assert fake.identify is not None and fake.identify["token"] == fake.token
        assert fake.identify["intents"] == discord.Intents(guilds=True).value
        assert adapter.client.application_id == APP_ID
        assert adapter.client.is_ready()
    finally:
        await adapter.stop()
    assert adapter.client.is_closed()


async def test_start_with_a_rejected_token_fails(fake: FakeDiscord, app) -> None:
    adapter = DiscordAdapter(
        "wrong", app.commands, api_url=fake.api_url, gateway_url=fake.gateway_url
    )
    # a ConfigError: `storybot run` stops with one line instead of retrying
    with pytest.raises(ConfigError, match="Discord rejected DISCORD_BOT_TOKEN"):
        await adapter.start()
    await adapter.stop()


async def test_start_against_a_url_that_is_not_discords_rest_base_fails_naming_it(
    fake: FakeDiscord, app
) -> None:
    """STORYBOT_DISCORD_API_URL without its /api/v10 (or a proxy's wrong path): Discord (a
    proxy) answers 404 to the login. A retry meets it again, so it is a ConfigError, which
    ``storybot run`` says in one line (exit 2), not a traceback."""
    from adapters.chat_start import start_adapter

    wrong = fake.api_url + "/oops"
    adapter = DiscordAdapter(fake.token, app.commands, api_url=wrong, gateway_url=fake.gateway_url)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    try:
        with pytest.raises(ConfigError) as refused:
            await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
    finally:
        await adapter.stop()
    assert waits == []  # not tried again
    assert f"STORYBOT_DISCORD_API_URL ({wrong})" in str(refused.value)
    assert "https://discord.com/api/v10" in str(refused.value)


async def test_start_gives_up_when_the_gateway_never_gets_ready(fake: FakeDiscord, app) -> None:
    fake.send_ready = False
    adapter = discord_adapter(app, start_timeout_s=0.3)
    with pytest.raises(ConnectionError, match="not ready"):
        await adapter.start()
    assert fake.identify is not None  # it connected and identified, then waited in vain
    assert adapter.client.is_closed()


async def test_help_is_answered_at_once_and_only_to_the_user(fake: FakeDiscord, bot) -> None:
    body = await callback(fake, await fake.interact(["help"]))
    assert body["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert "storybot follows developing news stories" in body["data"]["content"]
    assert "/story subscribe" in body["data"]["content"]


async def test_help_on_discord_shows_the_slash_command_options(fake: FakeDiscord, bot) -> None:
    body = await callback(fake, await fake.interact(["help"], {"command": "follow"}))
    assert shown(body["data"]["content"]).startswith("/story follow story:NAME [mode:realtime")
    everything = await callback(fake, await fake.interact(["help"]))
    assert "/story subscribe query:<keywords> [story:NAME]" in shown(everything["data"]["content"])
    assert "--story" not in everything["data"]["content"]


async def test_status_answers_with_the_story_embed(fake: FakeDiscord, bot) -> None:
    body = await callback(fake, await fake.interact(["status"], {"story": "pentagon"}))
    assert body["type"] == 4 and body["data"]["flags"] == EPHEMERAL
    [embed] = body["data"]["embeds"]
    assert embed["title"] == "Anthropic reopens Pentagon talks (pentagon)"
    assert "No new developments yet" in embed["description"]
    # a digest's "Reported" field dates its news; a reply's time of asking is no report's
    assert [f["name"] for f in embed.get("fields", [])] == []
    assert "timestamp" not in embed


async def test_developments_answers_a_page_with_the_story_embed(
    fake: FakeDiscord, app: App, bot, clock
) -> None:
    story_id = app.store.get_story("pentagon").id
    for n in range(1, 8):
        _, item = app.store.ingest_item(new_item(n, at=clock.advance(3600)))
        write = DevelopmentWrite(story_id, n, f"Turn {n}", f"Turn {n} came.", (item.id,))
        app.store.commit_decisions([], [write], {}, [], clock.now())

    interaction = await fake.interact(["developments"], {"story": "pentagon", "page": 2})
    body = await callback(fake, interaction)

    assert body["type"] == 4 and body["data"]["flags"] == EPHEMERAL
    [embed] = body["data"]["embeds"]
    assert embed["title"] == "Anthropic reopens Pentagon talks (pentagon)"
    assert embed["description"].splitlines() == [
        "7 developments after the seed story, newest first:",
        "2. Turn 2 (first reported 2026-03-05 09:55 UTC)",
        "   Turn 2 came.",
        "   1 report · Outlet 2 <https://news.example/2?utm=x>",
        "1. Turn 1 (first reported 2026-03-05 08:55 UTC)",
        "   Turn 1 came.",
        "   1 report · Outlet 1 <https://news.example/1?utm=x>",
        "Page 2 of 2 · `/story developments story:pentagon page:1` for newer",
    ]


async def test_status_and_developments_do_not_date_the_question_as_reported(
    fake: FakeDiscord, app: App, bot, clock
) -> None:
    # A digest's "Reported" field is when its news was reported; status and developments
    # replies are digest-like embeds, and carried the time they were asked in that field
    # ("Reported: <now>" under "no report yet"). Each development dates itself instead.
    story_id = app.store.get_story("pentagon").id
    _, item = app.store.ingest_item(new_item(1, at=clock.advance(3600)))
    write = DevelopmentWrite(story_id, 1, "Turn 1", "Turn 1 came.", (item.id,))
    app.store.commit_decisions([], [write], {}, [], clock.now())
    clock.advance(86400)  # asked a day after the report

    for path in (["status"], ["developments"]):
        body = await callback(fake, await fake.interact(path, {"story": "pentagon"}))
        [embed] = body["data"]["embeds"]
        assert "first reported 2026-03-05" in embed["description"], path
        assert [f["name"] for f in embed.get("fields", [])] == [], path
        assert "timestamp" not in embed, path


async def test_developments_reads_the_story_option_as_a_name_even_of_digits(
    fake: FakeDiscord, bot
) -> None:
    # "developments 2" typed is page 2 of the channel's story; story:2 is a story's name,
    # and was answered as a page that is not there
    body = await callback(fake, await fake.interact(["developments"], {"story": "2"}))
    assert "There is no story named '2'" in body["data"]["content"], body["data"]["content"]


async def test_an_unknown_story_is_a_clear_reply(fake: FakeDiscord, bot) -> None:
    body = await callback(fake, await fake.interact(["status"], {"story": "@everyone"}))
    content = body["data"]["content"]
    assert "There is no story named '@\u200beveryone'" in content and "pentagon" in content


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (["status"], {"story": "anthropic pentagon"}),
        (["developments"], {"story": "anthropic pentagon", "page": 2}),
        (["follow"], {"story": "anthropic pentagon"}),
        (["unfollow"], {"story": "anthropic pentagon"}),
        (["subscribe"], {"query": "chips", "story": "anthropic pentagon"}),
        (["unsubscribe"], {"target": "chips", "story": "anthropic pentagon"}),
        (["wrong"], {"url": "https://news.example/1", "story": "anthropic pentagon"}),
        (["stories"], {"action": "remove", "name": "anthropic pentagon"}),
    ],
)
async def test_a_story_option_of_several_words_is_refused_whole_with_the_story_meant(
    fake: FakeDiscord, app: App, bot, clock, path: list[str], options: dict[str, Any]
) -> None:
    # a title's words typed into story: were split by the command text: `status` did not
    # take 'pentagon', `follow` had no story 'anthropic', `stories remove` gave its usage
    seed = SeedDoc("Anthropic and the Pentagon", "Talks.")
    app.store.add_story("anthropic-pentagon", "Anthropic and the Pentagon", [seed], clock.now())

    body = await callback(fake, await fake.interact(path, options, permissions=MANAGE_GUILD))

    assert body["data"]["flags"] == EPHEMERAL
    assert shown(body["data"]["content"]) == (
        "'anthropic pentagon' is not a valid story name: use up to 64 letters (a-z, A-Z), "
        "digits, '-', '_' or '.', starting with a letter or digit (e.g. anthropic-pentagon). "
        "Did you mean `anthropic-pentagon`?"
    )
    assert app.store.list_bindings() == [] and app.store.all_subscriptions() == []


async def test_slow_answers_are_deferred_then_followed_up(fake: FakeDiscord, app) -> None:
    adapter = discord_adapter(app, ready_timeout_s=0.01, defer_after_s=0)
    await adapter.start()
    try:
        interaction = await fake.interact(["status"], {"story": "pentagon"})
        body = await callback(fake, interaction)
        assert body == {"type": 5, "data": {"flags": EPHEMERAL}}  # deferred, "thinking..."
        followup = await fake.wait_for_call("POST", rf"/webhooks/{APP_ID}/{interaction['token']}")
        assert followup.query.get("wait") == "1"  # discord.py waits for the message
        assert followup.json["embeds"][0]["title"] == "Anthropic reopens Pentagon talks (pentagon)"
        assert followup.json["allowed_mentions"] == {"parse": []}
    finally:
        await adapter.stop()


async def slow_follow(
    fake: FakeDiscord, app: App, **interact: Any
) -> tuple[dict, list[dict[str, Any]]]:
    """``/story follow pentagon`` answered after a defer: the callback, and the messages the
    interaction left (its deferred response, then its follow-ups)."""
    adapter = discord_adapter(app, ready_timeout_s=0.01, defer_after_s=0)
    await adapter.start()
    try:
        interaction = await fake.interact(["follow"], {"story": "pentagon"}, **interact)
        body = await callback(fake, interaction)
        webhook = rf"/webhooks/{APP_ID}/{interaction['token']}"
        await fake.wait_for_call("POST", webhook)
    finally:
        await adapter.stop()  # after the handler has answered in full
    return body, fake.interaction_messages(interaction["token"])


async def test_slow_follow_refusal_is_seen_only_by_the_user(fake: FakeDiscord, app) -> None:
    body, messages = await slow_follow(fake, app)
    assert body == {"type": 5, "data": {"flags": EPHEMERAL}}  # "thinking..." only for the user
    [refusal] = messages  # fills the private deferred answer; nothing public
    assert "Only admins" in refusal["content"]
    assert refusal["flags"] == EPHEMERAL  # no longer loading


async def test_slow_follow_confirmation_is_seen_once_in_the_channel(fake: FakeDiscord, app) -> None:
    body, messages = await slow_follow(fake, app, permissions=MANAGE_GUILD)
    assert body == {"type": 5, "data": {"flags": EPHEMERAL}}
    deferred, public = messages
    # the private "thinking..." ends in a pointer to the confirmation, not a copy of it
    assert deferred["flags"] == EPHEMERAL and not deferred["flags"] & LOADING
    assert deferred["content"] and "pentagon" not in deferred["content"]
    assert deferred["source_body"]["allowed_mentions"] == {"parse": []}
    # the confirmation, once, where everyone sees that the channel follows the story
    assert "now follows pentagon" in public["content"] and not public["flags"] & EPHEMERAL
    assert [m for m in messages if "now follows" in m["content"]] == [public]


async def test_slow_follow_confirmation_the_channel_cannot_get_is_shown_privately(
    fake: FakeDiscord, app
) -> None:
    fake.fail_next(1, 400, path=r"/webhooks/\d+/[^/]+", code=50035, message="Invalid Form Body")
    adapter = discord_adapter(app, ready_timeout_s=0.01, defer_after_s=0)
    await adapter.start()
    try:
        interaction = await fake.interact(
            ["follow"], {"story": "pentagon"}, permissions=MANAGE_GUILD
        )
        original = rf"/webhooks/{APP_ID}/{interaction['token']}/messages/@original"
        await fake.wait_for_call("PATCH", original, count=2)  # the pointer, then the answer
    finally:
        await adapter.stop()
    [answer] = fake.interaction_messages(interaction["token"])  # the post failed: no other
    assert answer["content"].startswith("This channel now follows pentagon")
    assert answer["flags"] == EPHEMERAL  # the pointer is gone: it would point at nothing


async def test_follow_in_a_dm_asks_for_a_server_channel(fake: FakeDiscord, bot, app) -> None:
    body = await callback(fake, await fake.interact(["follow"], {"story": "pentagon"}, dm=True))
    content = body["data"]["content"]
    assert body["data"]["flags"] == EPHEMERAL
    assert "server channel" in content and "Only admins" not in content
    assert app.store.list_bindings() == []


async def test_follow_needs_manage_server(fake: FakeDiscord, bot, app) -> None:
    options = {"story": "pentagon", "mode": "digest", "hours": 6.0}
    refused = await callback(fake, await fake.interact(["follow"], options))
    assert "Only admins" in refused["data"]["content"]
    assert app.store.bindings_for_channel("discord", str(CHANNEL_ID)) == []

    allowed = await callback(
        fake, await fake.interact(["follow"], options, permissions=MANAGE_GUILD)
    )
    assert "now follows pentagon" in allowed["data"]["content"]
    assert not allowed["data"].get("flags")  # the channel sees it
    [binding] = app.store.bindings_for_channel("discord", str(CHANNEL_ID))
    assert (binding.mode, binding.digest_hours) == (DeliveryMode.DIGEST, 6.0)

    gone = await callback(
        fake, await fake.interact(["unfollow"], {"story": "pentagon"}, permissions=MANAGE_GUILD)
    )
    assert "no longer follows pentagon" in gone["data"]["content"]
    assert app.store.bindings_for_channel("discord", str(CHANNEL_ID)) == []

    # without story: the one story the channel follows
    await callback(fake, await fake.interact(["follow"], options, permissions=MANAGE_GUILD))
    gone = await callback(fake, await fake.interact(["unfollow"], {}, permissions=MANAGE_GUILD))
    assert "no longer follows pentagon" in gone["data"]["content"]
    assert app.store.bindings_for_channel("discord", str(CHANNEL_ID)) == []


async def test_follow_with_an_at_option_pins_the_digest_to_a_time_of_day(
    fake: FakeDiscord, bot, app
) -> None:
    """``at:09:00`` round trip: the slash option, the command text, the stored anchor
    and the reply; a time in another form is refused to the admin alone, nothing bound."""
    options = {"story": "pentagon", "mode": "digest", "hours": 24.0, "at": "9am"}
    refused = await callback(
        fake, await fake.interact(["follow"], options, permissions=MANAGE_GUILD)
    )
    assert refused["data"]["flags"] == EPHEMERAL
    assert "`at` takes a time of day as HH:MM on the 24-hour clock" in refused["data"]["content"]
    assert app.store.bindings_for_channel("discord", str(CHANNEL_ID)) == []

    # the clock is at 08:00 UTC; `at` alone implies a digest, of the default hours
    options = {"story": "pentagon", "at": "09:00"}
    allowed = await callback(
        fake, await fake.interact(["follow"], options, permissions=MANAGE_GUILD)
    )
    assert allowed["data"]["content"] == (
        "This channel now follows pentagon: new developments are posted as a digest every "
        "24 hours at 09:00 UTC; next at 2026-03-05 09:00 UTC."
    )
    [binding] = app.store.bindings_for_channel("discord", str(CHANNEL_ID))
    assert (binding.mode, binding.digest_hours) == (DeliveryMode.DIGEST, 24.0)
    assert binding.digest_anchor == datetime(2026, 3, 5, 9, 0)  # local wall clock, no zone

    options = {"story": "pentagon", "mode": "realtime", "at": "09:00"}
    realtime = await callback(
        fake, await fake.interact(["follow"], options, permissions=MANAGE_GUILD)
    )
    assert (
        "`/story follow story:pentagon mode:digest hours:24 at:09:00`"
        in (realtime["data"]["content"])
    )

    # hours with mode:realtime are refused as "follow pentagon realtime 6" typed is, not
    # dropped: the channel asked for something other than realtime alerts
    options = {"story": "pentagon", "mode": "realtime", "hours": 6.0}
    refused = await callback(
        fake, await fake.interact(["follow"], options, permissions=MANAGE_GUILD)
    )
    assert refused["data"]["content"].startswith(
        "Hours are a digest's period: realtime posts each alert as it comes. "
        "`/story follow story:pentagon mode:digest hours:6` posts them together."
    )
    [binding] = app.store.bindings_for_channel("discord", str(CHANNEL_ID))
    assert (binding.mode, binding.digest_hours) == (DeliveryMode.DIGEST, 24.0)


@pytest.mark.parametrize(
    ("permissions", "admin"),
    [
        (1 << 3, True),  # Administrator alone: it implies Manage Server
        (1 << 3 | MANAGE_GUILD, True),
        ((1 << 4) | (1 << 28), False),  # Manage Channels and Manage Roles are not enough
        (0, False),
    ],
)
async def test_administrator_counts_as_manage_server(
    fake: FakeDiscord, bot, app, permissions: int, admin: bool
) -> None:
    options = {"story": "pentagon"}
    body = await callback(fake, await fake.interact(["follow"], options, permissions=permissions))
    refused = "Only admins" in body["data"]["content"]
    assert refused is not admin
    assert bool(app.store.bindings_for_channel("discord", str(CHANNEL_ID))) is admin


async def test_admin_policy_everyone_lets_anyone_follow(fake: FakeDiscord, app) -> None:
    adapter = discord_adapter(app, ready_timeout_s=0.01, admin_policy="everyone")
    await adapter.start()
    try:
        body = await callback(fake, await fake.interact(["follow"], {"story": "pentagon"}))
        assert (
            "now follows pentagon: new developments are posted as they happen"
            in body["data"]["content"]
        )
    finally:
        await adapter.stop()


async def test_feeds_add_list_and_remove(fake: FakeDiscord, bot, app) -> None:
    url = "https://feeds.example/rss.xml"
    added = await callback(
        fake, await fake.interact(["feeds", "add"], {"url": url}, permissions=MANAGE_GUILD)
    )
    assert "Added feed" in added["data"]["content"]
    assert app.store.get_feed(url) is not None
    listed = await callback(fake, await fake.interact(["feeds", "list"]))
    assert url in listed["data"]["content"]
    removed = await callback(
        fake, await fake.interact(["feeds", "remove"], {"url": url}, permissions=MANAGE_GUILD)
    )
    assert "Removed feed" in removed["data"]["content"]


async def test_a_long_feeds_list_reaches_the_user_whole_in_several_private_messages(
    fake: FakeDiscord, bot, app, clock
) -> None:
    urls = [
        f"https://feeds-of-the-world-news-network.example/sections/world/politics/{i}/rss.xml"
        for i in range(50)
    ]
    for url in urls:
        app.store.add_feed(url, clock.now())
    interaction = await fake.interact(["feeds", "list"])
    first = await callback(fake, interaction)
    await fake.wait_for_call("POST", rf"/webhooks/{APP_ID}/{interaction['token']}")
    messages = fake.interaction_messages(interaction["token"])
    assert first["data"]["embeds"] and len(messages) >= 2
    assert all(m["flags"] == EPHEMERAL for m in messages)  # all of it only to the user
    shown = "\n".join(m["embeds"][0]["description"] for m in messages)
    assert all(url in shown for url in urls)  # not one feed cut off


async def test_subscribe_from_a_dm_and_list_subscriptions(fake: FakeDiscord, bot, app) -> None:
    options = {"query": '"supply chain" AND pentagon', "story": "pentagon"}
    body = await callback(fake, await fake.interact(["subscribe"], options, dm=True))
    assert body["data"]["flags"] == EPHEMERAL and "Subscribed (#" in body["data"]["content"]
    [sub] = app.store.list_subscriptions("discord", str(USER_ID))
    assert sub.query == '"supply chain" AND pentagon'
    assert sub.story_id == app.store.get_story("pentagon").id

    listed = await callback(fake, await fake.interact(["subscriptions"], dm=True))
    assert f"#{sub.id}" in listed["data"]["content"]
    gone = await callback(
        fake, await fake.interact(["unsubscribe"], {"target": str(sub.id)}, dm=True)
    )
    assert "Unsubscribed" in gone["data"]["content"]
    assert app.store.list_subscriptions("discord", str(USER_ID)) == []


async def test_unsubscribe_by_keywords_for_one_story_leaves_the_others(
    fake: FakeDiscord, bot, app, clock
) -> None:
    app.store.add_story("chips-act", "Chips Act", [SeedDoc("Chips", "text")], clock.now())
    for story in ("pentagon", "chips-act", None):
        options = {"query": "bakery", **({"story": story} if story else {})}
        await callback(fake, await fake.interact(["subscribe"], options, dm=True))
    assert len(app.store.list_subscriptions("discord", str(USER_ID))) == 3

    options = {"target": "bakery", "story": "pentagon"}
    gone = await callback(fake, await fake.interact(["unsubscribe"], options, dm=True))

    assert "Unsubscribed" in gone["data"]["content"]
    left = app.store.list_subscriptions("discord", str(USER_ID))
    pentagon = app.store.get_story("pentagon").id
    assert len(left) == 2 and all(s.story_id != pentagon for s in left)


@pytest.mark.parametrize("story", ["pentagon extra", "-pentagon", '"', "pentagon “x”"])
@pytest.mark.parametrize("verb", ["subscribe", "unsubscribe"])
async def test_a_story_option_is_one_name_whatever_it_holds(
    fake: FakeDiscord, bot, app, clock, story: str, verb: str
) -> None:
    # story:"pentagon extra" was read as --story pentagon and the keyword "extra":
    # subscribed to "bakery AND extra" for pentagon, which nobody asked for; and
    # story:-pentagon was "--story needs a story name after it", an option nobody typed
    app.store.add_subscription("discord", str(USER_ID), "bakery", None, clock.now())
    before = app.store.list_subscriptions("discord", str(USER_ID))
    field = "query" if verb == "subscribe" else "target"
    options = {field: "bakery", "story": story}
    body = await callback(fake, await fake.interact([verb], options, dm=True))
    shown = body["data"]["content"].replace("\\", "")
    if " " in story:  # refused before the command runs, naming the whole value
        assert shown.startswith(f"'{story}' is not a valid story name: "), shown
    else:
        named = story.replace('"', "")
        assert shown.startswith(f"There is no story named '{named}'" if named else "--story needs")
    assert app.store.list_subscriptions("discord", str(USER_ID)) == before


async def test_story_names_are_autocompleted(fake: FakeDiscord, bot, app, clock) -> None:
    app.store.add_story("chips-act", "Chips Act", [SeedDoc("Chips", "text")], clock.now())
    body = await callback(fake, await fake.interact(["status"], {"story": "pen"}, focused="story"))
    assert body == {"type": 8, "data": {"choices": [{"name": "pentagon", "value": "pentagon"}]}}


class SlowStories:
    """The real store, whose story list waits for the test to release it (a PostgreSQL
    under load, an SQLite file locked by a writer), at most ``hold_s`` seconds."""

    def __init__(self, store: SqlStore, hold_s: float) -> None:
        self._store = store
        self._hold_s = hold_s
        self.release = threading.Event()
        self.reads = 0

    def list_stories(self) -> Any:
        self.reads += 1
        self.release.wait(self._hold_s)
        return self._store.list_stories()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def test_autocomplete_on_a_slow_database_holds_up_no_other_interaction(
    fake: FakeDiscord, app, clock
) -> None:
    """Autocomplete read the story names on the event loop: while the database was slow,
    no other interaction was answered (nor the gateway heartbeat), past Discord's 3 s."""
    slow = SlowStories(app.store, hold_s=3.0)
    adapter = DiscordAdapter(
        app.settings.discord.token,
        Commands(slow, clock),  # type: ignore[arg-type]
        api_url=app.settings.discord.api_url,
        gateway_url=app.settings.discord.gateway_url,
        ready_timeout_s=0.01,
    )
    await adapter.start()
    try:
        typed = await fake.interact(["status"], {"story": "pen"}, focused="story")
        answered = await callback(fake, await fake.interact(["help"]))
        assert "storybot follows developing news stories" in answered["data"]["content"]
        # answered while the names were still being read, not after
        assert not fake.calls_to("POST", rf"/interactions/{typed['id']}/.*")
        slow.release.set()
        body = await callback(fake, typed)
        assert body["data"]["choices"] == [{"name": "pentagon", "value": "pentagon"}]
    finally:
        slow.release.set()
        await adapter.stop()


async def test_autocomplete_answers_in_time_when_the_names_are_slower_than_its_window(
    fake: FakeDiscord, app, clock
) -> None:
    """Autocomplete cannot be deferred: names the database is too slow to give within the
    window are answered with the last ones read (none yet: no choices), and the read
    goes on once for the next keystrokes instead of once a keystroke."""
    slow = SlowStories(app.store, hold_s=3.0)
    adapter = DiscordAdapter(
        app.settings.discord.token,
        Commands(slow, clock),  # type: ignore[arg-type]
        api_url=app.settings.discord.api_url,
        gateway_url=app.settings.discord.gateway_url,
        ready_timeout_s=0.01,
        names_wait_s=0.2,
    )
    await adapter.start()
    try:
        first = await callback(
            fake, await fake.interact(["status"], {"story": "p"}, focused="story")
        )
        second = await callback(
            fake, await fake.interact(["status"], {"story": "pe"}, focused="story")
        )
        assert first["data"]["choices"] == second["data"]["choices"] == []
        assert slow.reads == 1  # the second keystroke waited for the same read
        slow.release.set()
        # once the read is done, its names are there for the next keystroke
        slow.release = threading.Event()  # the next read is slow again: the last names
        third = await callback(
            fake, await fake.interact(["status"], {"story": "pen"}, focused="story")
        )
        assert third["data"]["choices"] == [{"name": "pentagon", "value": "pentagon"}]
    finally:
        slow.release.set()
        await adapter.stop()


async def test_the_app_builds_the_discord_adapter_from_the_environment(
    fake, sqlite_url, clock
) -> None:
    """With the ready timeout given: the start waits that, not the 2 s default."""
    built = build_app(load_settings(env=environment(fake, sqlite_url)), clock=clock)
    try:
        [adapter] = chat_adapters_from_settings(built, **FAST_READY)
        assert isinstance(adapter, DiscordAdapter) and adapter.platform == "discord"
        built.adapters[adapter.platform] = adapter  # aclose() stops it
        started = time.monotonic()
        await adapter.start()
        assert time.monotonic() - started < 1.5, "the start waited the default ready timeout"
        body = await callback(fake, await fake.interact(["stories"]))
        assert body["data"]["content"].startswith("No stories yet")
    finally:
        await built.aclose()


async def test_a_subscribe_past_the_configured_cap_is_refused_in_its_reply(
    fake: FakeDiscord, sqlite_url: str, clock, tmp_path
) -> None:
    """[permissions] max_subscriptions from the config file reaches the app's commands."""
    config = tmp_path / "storybot.toml"
    config.write_text("[permissions]\nmax_subscriptions = 1\n", encoding="utf-8")
    built = build_app(load_settings(config, env=environment(fake, sqlite_url)), clock=clock)
    try:
        [adapter] = chat_adapters_from_settings(built, **FAST_READY)
        built.adapters[adapter.platform] = adapter  # aclose() stops it
        await adapter.start()
        first = await callback(fake, await fake.interact(["subscribe"], {"query": "rail"}, dm=True))
        assert "Subscribed (#" in first["data"]["content"]
        full = await callback(fake, await fake.interact(["subscribe"], {"query": "wage"}, dm=True))
        assert full["data"]["flags"] == EPHEMERAL
        assert full["data"]["content"].startswith("No new subscriptions can be added now")
        assert [s.query for s in built.store.all_subscriptions()] == ["rail"]
    finally:
        await built.aclose()


async def test_vv_logs_no_interaction_token(fake: FakeDiscord, app) -> None:
    """At -vv discord.py logs each interaction callback's and follow-up's URL, whose path
    carries the interaction's token: whoever holds it answers as the app for 15 minutes."""
    root = logging.getLogger()
    names = [*OURS, *LIBRARIES, *QUIETER]
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names})
    out = io.StringIO()
    configure_logging(2, {"DISCORD_BOT_TOKEN": fake.token}, out)
    token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpJTlRFUkFDVElPTg"
    try:
        adapter = discord_adapter(app, ready_timeout_s=0.01)
        await adapter.start()
        try:
            interaction = fake.interaction(["help"])
            interaction["token"] = token
            await fake.dispatch("INTERACTION_CREATE", interaction)
            await callback(fake, interaction)
        finally:
            await adapter.stop()
    finally:
        handlers, level, levels = saved
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
    logged = [line for line in out.getvalue().splitlines() if "aiohttp.access" not in line]
    # (aiohttp.access is the fake's own server, in this process)
    assert any(f"/interactions/{interaction['id']}/" in line for line in logged)
    assert not [line for line in logged if token in line]


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        (4004, "rejected DISCORD_BOT_TOKEN"),  # authentication failed
        (4014, "intents"),  # disallowed intents
        (4013, "intents"),  # invalid intents
        (4012, "API version"),  # invalid API version
    ],
)
async def test_a_gateway_that_refuses_the_session_fails_start_with_a_config_error(
    fake: FakeDiscord, app, code: int, needle: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord asks clients not to reconnect on these codes: a ConfigError stops
    # `storybot run` with one line (exit 2) instead of a traceback or a retry loop
    from adapters.chat_start import start_adapter

    fake.identify_close_code = code
    adapter = discord_adapter(app, ready_timeout_s=0.01, start_timeout_s=10)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(ConfigError, match=needle) as caught:
        await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
    assert str(code) in str(caught.value) and "\n" not in str(caught.value)
    assert waits == []
    assert adapter.client.is_closed()
    await adapter.stop()
    assert not [r for r in caplog.records if r.exc_info], caplog.text  # no traceback


def adapter_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The adapter's WARNING and ERROR records (its INFO lines, "gateway ready", may be
    captured too, depending on the levels earlier tests left the loggers at)."""
    return [
        r
        for r in caplog.records
        if r.name == "adapters.discord_chat.adapter" and r.levelno >= logging.WARNING
    ]


async def test_a_gateway_closed_for_good_after_start_is_one_clear_error_line(
    fake: FakeDiscord, app, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    await adapter.start()
    try:
        with caplog.at_level(logging.ERROR, logger="adapters.discord_chat.adapter"):
            await fake.close_gateway(4004)  # the token was reset in the Developer Portal
            gateway = adapter._gateway_task
            assert gateway is not None
            await asyncio.wait({gateway}, timeout=10)
        lines = adapter_warnings(caplog)
        assert [r.exc_info for r in lines] == [None], caplog.text
        assert "close code 4004" in lines[0].getMessage()
        assert "DISCORD_BOT_TOKEN" in lines[0].getMessage()
        assert "not answered until storybot is restarted" in lines[0].getMessage()
        # alerts still go out over REST while the token works there
        target = Target("discord", channel_id=str(CHANNEL_ID))
        message = OutboundMessage(kind=MessageKind.ALERT, title="Report", body="Body")
        assert await adapter.post(target, message, idempotency_key="k")
    finally:
        await adapter.stop()


async def test_a_start_that_failed_after_logging_in_can_be_tried_again(
    fake: FakeDiscord, app
) -> None:
    # start_adapter stops a failed attempt and starts again: the client must come back
    # (logged in again, a new HTTP session), not stay closed and fail every attempt at once
    fake.send_ready = False  # logs in over REST, then the gateway never gets ready
    adapter = discord_adapter(app, ready_timeout_s=0.01, start_timeout_s=0.3)
    with pytest.raises(ConnectionError, match="not ready"):
        await adapter.start()
    await adapter.stop()
    fake.send_ready = True
    # the try that should succeed gets time to spare: logging in and the gateway's
    # handshake took longer than 0.3 s while the suite's other process ran beside it
    adapter.start_timeout_s = 30.0
    try:
        await adapter.start()
        assert adapter.client.is_ready()
        target = Target("discord", channel_id=str(CHANNEL_ID))
        message = OutboundMessage(kind=MessageKind.ALERT, title="Report", body="Body")
        assert await adapter.post(target, message, idempotency_key="k")
    finally:
        await adapter.stop()


async def test_a_rate_limited_login_waits_as_long_as_discord_asks_then_starts(
    fake: FakeDiscord, app
) -> None:
    from adapters.chat_start import start_adapter

    # longer than discord.py waits out itself (max_ratelimit_wait_s): it raises instead
    fake.rate_limit_next(1, retry_after=60.0, path="/users/@me")
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    try:
        assert await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
        assert adapter.client.is_ready()
    finally:
        await adapter.stop()
    assert waits == [60.0]


async def test_a_gateway_that_fails_after_start_is_logged_once_not_again_at_stop(
    fake: FakeDiscord, app, caplog: pytest.LogCaptureFixture
) -> None:
    # an ordinary failure (not one of Discord's refusals) ends the gateway task: the
    # done-callback reports it with its traceback; stopping the service must not report it
    # a second time
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    await adapter.start()
    gateway = adapter._gateway_task
    assert gateway is not None
    with caplog.at_level(logging.ERROR, logger="adapters.discord_chat.adapter"):
        try:
            await fake.send_garbage()
            await asyncio.wait({gateway}, timeout=10)
            assert gateway.done()
        finally:
            await adapter.stop()
    lines = adapter_warnings(caplog)
    assert [r.getMessage() for r in lines] == [
        "Discord gateway stopped; /story commands on Discord are not answered until "
        "storybot is restarted"
    ], caplog.text
    assert lines[0].exc_info is not None


async def test_a_gateway_that_fails_before_ready_is_raised_by_start_not_also_logged(
    fake: FakeDiscord, app, caplog: pytest.LogCaptureFixture
) -> None:
    # start raises what ended the gateway before READY (the caller reports it): the
    # adapter's own stop must not log the same traceback beforehand
    fake.send_ready = False
    adapter = discord_adapter(app, ready_timeout_s=0.01, start_timeout_s=10)
    starting = asyncio.ensure_future(adapter.start())
    with caplog.at_level(logging.ERROR, logger="adapters.discord_chat.adapter"):
        try:
            await asyncio.wait_for(fake.identify_received.wait(), 10)
            await fake.send_garbage()
            with pytest.raises(ValueError):
                await asyncio.wait_for(starting, 10)
        finally:
            await adapter.stop()
    assert not adapter_warnings(caplog), caplog.text


async def test_disallowed_intents_after_start_are_one_line_and_alerts_still_go_out(
    fake: FakeDiscord, app, caplog: pytest.LogCaptureFixture
) -> None:
    # 4014 is the refusal discord.py raises without closing the client (as
    # PrivilegedIntentsRequired): still one line, no traceback, and the same client posts
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    await adapter.start()
    client = adapter.client
    gateway = adapter._gateway_task
    assert gateway is not None
    with caplog.at_level(logging.ERROR, logger="adapters.discord_chat.adapter"):
        try:
            await fake.close_gateway(4014)
            await asyncio.wait({gateway}, timeout=10)
            assert gateway.done()
            target = Target("discord", channel_id=str(CHANNEL_ID))
            message = OutboundMessage(kind=MessageKind.ALERT, title="Report", body="Body")
            assert await adapter.post(target, message, idempotency_key="k")
            assert adapter.client is client
        finally:
            await adapter.stop()
    lines = adapter_warnings(caplog)
    assert len(lines) == 1 and lines[0].exc_info is None, caplog.text
    assert "close code 4014" in lines[0].getMessage()


async def test_an_interaction_that_reached_the_bot_too_late_to_answer_leaves_it_answering_the_next(
    fake: FakeDiscord, bot, caplog
) -> None:
    """Discord forgets an interaction not answered within 3 seconds (10062 Unknown
    interaction): the bot says so in the log, once, and goes on answering. ``help`` only
    reads: nothing is sent another way, and no apology is tried (Discord would refuse it
    as it refused the answer)."""
    issued_at = 1_000_000.0
    fake.clock = lambda: issued_at
    late = fake.interaction(["help"])
    fake.clock = lambda: issued_at + 3.5  # the event reached the bot 3.5 s after Discord sent it
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        await fake.dispatch("INTERACTION_CREATE", late)
        path = rf"/interactions/{late['id']}/{late['token']}/callback"
        await fake.wait_for_call("POST", path)
        fake.clock = lambda: issued_at + 10
        body = await callback(fake, await fake.interact(["help"]))
    assert body["type"] == 4 and "/story subscribe" in body["data"]["content"]
    assert not fake.interaction_messages(late["token"])
    assert len(fake.calls_to("POST", path)) == 1
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.exc_info is None
    said = warning.getMessage()
    assert f"answer to /story help from user {USER_ID} (10062 Unknown interaction" in said
    assert "it only reads, so running it again answers it" in said
    assert dm_posts(fake) == []


def dm_posts(fake: FakeDiscord, user_id: int = USER_ID) -> list[dict[str, Any]]:
    """The messages storybot posted in ``user_id``'s DMs (the fake's DM channel id)."""
    dm = str(user_id + 100)
    return [m for m in fake.messages.values() if m["channel_id"] == dm]


async def late_interaction(fake: FakeDiscord, path: list[str], options: dict[str, Any], **kw):
    """Dispatch ``/story path options`` reaching the bot 3.5 s after Discord sent it;
    the fake's clock stays there (a next interaction is answered in time)."""
    issued_at = 1_000_000.0
    fake.clock = lambda: issued_at
    late = fake.interaction(path, options, **kw)
    fake.clock = lambda: issued_at + 3.5
    await fake.dispatch("INTERACTION_CREATE", late)
    return late


async def test_a_subscribe_whose_answer_discord_refused_as_too_late_is_told_by_dm(
    fake: FakeDiscord, bot, app, caplog
) -> None:
    """The subscription was stored before Discord refused the answer (10062): the user,
    shown "The application did not respond", is sent the answer by DM, saying why."""
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        await late_interaction(fake, ["subscribe"], {"query": "pentagon"})
        dm = str(USER_ID + 100)
        await fake.wait_for_call("POST", rf"/channels/{dm}/messages", count=2)
    [sub] = app.store.list_subscriptions("discord", str(USER_ID))
    lead, answer = dm_posts(fake)
    assert lead["content"] == (
        "Discord did not show you storybot's answer to your /story subscribe in time, but "
        "the command took effect. Here is the answer:"
    )
    assert f"Subscribed (#{sub.id})" in shown(answer["content"])
    assert not answer["flags"] & EPHEMERAL
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "answer to /story subscribe pentagon from user" in warning
    assert "it took effect, so storybot sends them its answer by direct message" in warning


async def test_a_slow_subscribe_whose_defer_discord_refused_is_told_by_dm(
    fake: FakeDiscord, app
) -> None:
    """The defer itself refused (10062), as for a command slower than ``defer_after_s``
    (0 here: always deferred): the command still runs to its end and is told by DM."""
    adapter = discord_adapter(app, ready_timeout_s=0.01, defer_after_s=0)
    await adapter.start()
    try:
        late = await late_interaction(fake, ["subscribe"], {"query": "pentagon"})
        dm = str(USER_ID + 100)
        await fake.wait_for_call("POST", rf"/channels/{dm}/messages", count=2)
    finally:
        await adapter.stop()
    [defer] = fake.calls_to("POST", rf"/interactions/{late['id']}/{late['token']}/callback")
    assert defer.json["type"] == 5
    [sub] = app.store.list_subscriptions("discord", str(USER_ID))
    assert f"Subscribed (#{sub.id})" in shown(dm_posts(fake)[1]["content"])


async def test_a_user_who_takes_no_dms_learns_it_took_effect_from_the_command_again(
    fake: FakeDiscord, bot, app, caplog
) -> None:
    """The DM refused too (50007: the user's Privacy Settings): the log says so, and the
    same command run again says what is already so instead of subscribing twice."""
    dm = str(USER_ID + 100)
    fake.fail_next(1, 403, path=rf"/channels/{dm}/messages", code=50007, message="Cannot send")
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        await late_interaction(fake, ["subscribe"], {"query": "pentagon"})
        await fake.wait_for_call("POST", rf"/channels/{dm}/messages")
        again = await fake.interact(["subscribe"], {"query": "pentagon"})
        body = await callback(fake, again)
    [sub] = app.store.list_subscriptions("discord", str(USER_ID))
    assert f"You are already subscribed to pentagon (#{sub.id})" in shown(body["data"]["content"])
    assert dm_posts(fake) == []
    took, refused = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "it took effect" in took
    assert f"could not send user {USER_ID} the answer to /story subscribe" in refused
    assert "running the command again tells them what is already so" in refused


async def test_a_refused_change_whose_answer_was_too_late_sends_no_dm(
    fake: FakeDiscord, bot, app, caplog
) -> None:
    """``follow`` by someone who may not: it changed nothing, so nothing is sent."""
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        late = await late_interaction(fake, ["follow"], {"story": "pentagon"})
        await fake.wait_for_call("POST", rf"/interactions/{late['id']}/{late['token']}/callback")
        await callback(fake, await fake.interact(["help"]))  # the late one was handled by then
    assert app.store.bindings_for_channel("discord", str(CHANNEL_ID)) == []
    assert dm_posts(fake) == []
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "it refused, so running it again answers it" in warning


@pytest.mark.parametrize("resumable", [True, False], ids=["resumed", "identified-anew"])
async def test_commands_are_answered_after_discord_moves_the_gateway_session(
    fake: FakeDiscord, app, resumable: bool
) -> None:
    """Discord asks a client to reconnect (op 7) when it moves a session: the client
    resumes it, or, when Discord no longer has it (op 9, false), identifies anew and is
    told its servers again. ``/story`` is answered either way, and a follow still finds
    storybot in the server (the adapter's list of servers is the gateway's)."""
    adapter = discord_adapter(app, ready_timeout_s=0.01)
    await adapter.start()

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py's documented hook; by default it waits 5 s before identifying anew

    adapter.client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    try:
        await fake.request_reconnect(resumable=resumable)
        await fake.wait_for_sessions(ready=1 if resumable else 2, resumed=int(resumable))
        [resume] = fake.resumes  # discord.py always tries to resume first
        assert resume["session_id"] == "fake-session-1" and resume["seq"] > 0
        interaction = await fake.interact(
            ["follow"], {"story": "pentagon"}, permissions=MANAGE_GUILD
        )
        assert "now follows pentagon" in (await callback(fake, interaction))["data"]["content"]
    finally:
        await adapter.stop()
    assert len(app.store.bindings_for_channel("discord", str(CHANNEL_ID))) == 1
