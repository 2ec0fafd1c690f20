"""``[discord] admin_servers``: which Discord servers may change every channel's stories and feeds.

Anyone can invite a public bot to a server of their own and hold Manage Server there.
The commands that change what every channel shares (``stories add|remove``,
``feeds add|remove``) run only in the servers the list names (with no list: the one
server storybot is in, while it is in only one); ``follow`` and ``unfollow``, which change
only the channel they are typed in, keep to that server's own admins.

The real ``discord.Client`` and ``Commands`` against the fake Discord, which can put the
bot in several servers (``FakeDiscord.guild_ids``) and add it to one later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fakes.discord_server import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGE_GUILD,
    OTHER_CHANNEL_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
)
from test_discord_gateway import (  # noqa: F401  (fixtures)
    FAST_READY,
    App,
    app,
    callback,
    discord_adapter,
    environment,
    fake,
)

from adapters.app import build_app
from adapters.chat_start import chat_adapters_from_settings
from adapters.discord_chat import DiscordAdapter
from bot.model import DeliveryMode
from bot.settings import load_settings

FEED = "https://feeds.example/rss.xml"
LISTED_ONLY = "only in the servers `[discord] admin_servers` lists"
# a third server, which the bot is not in (an app installed there with commands only)
STRANGER_GUILD_ID = 1200000000000000201


@asynccontextmanager
async def running(app: App, **options: Any) -> AsyncIterator[DiscordAdapter]:
    adapter = discord_adapter(app, ready_timeout_s=0.01, **options)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


async def content(fake: FakeDiscord, path: list[str], options: dict[str, Any], **kw: Any) -> str:
    """What the user sees of ``/story <path> <options>``, typed by a Manage Server member."""
    kw.setdefault("permissions", MANAGE_GUILD)
    body = await callback(fake, await fake.interact(path, options, **kw))
    return str(body["data"]["content"]).replace("\\", "")  # Markdown's escapes


def follow_everywhere(app: App) -> None:
    """Both servers' channels follow the story, and a user subscribes to it."""
    story = app.store.get_story("pentagon")
    assert story is not None
    now = app.commands.clock.now()
    for channel in (CHANNEL_ID, OTHER_CHANNEL_ID):
        app.store.bind(story.id, "discord", str(channel), DeliveryMode.REALTIME, 24, now)
    app.store.add_subscription("discord", "1", "chips", story.id, now)


async def test_an_admin_of_a_listed_server_adds_and_removes_feeds_and_stories(
    fake: FakeDiscord, app: App
) -> None:
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    async with running(app, admin_servers=[str(GUILD_ID)]):
        assert "Added feed" in await content(fake, ["feeds", "add"], {"url": FEED})
        assert app.store.get_feed(FEED) is not None
        assert "Removed feed" in await content(fake, ["feeds", "remove"], {"url": FEED})
        assert app.store.get_feed(FEED) is None
        options = {"action": "remove", "name": "pentagon", "yes": True}
        assert "Removed" in await content(fake, ["stories"], options)
        assert app.store.get_story("pentagon") is None


async def test_an_admin_of_an_unlisted_server_changes_no_story_or_feed(
    fake: FakeDiscord, app: App
) -> None:
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    app.store.add_feed(FEED, app.commands.clock.now(), 900)
    follow_everywhere(app)
    before = (app.store.list_feeds(), app.store.list_bindings(), app.store.list_stories())
    async with running(app, admin_servers=[str(GUILD_ID)]):
        for path, options in [
            (["feeds", "add"], {"url": "https://other.example/rss.xml"}),
            (["feeds", "remove"], {"url": FEED}),
            (["stories"], {"action": "remove", "name": "pentagon", "yes": True}),
            (["stories"], {"action": "add", "name": "x", "urls": "https://a.example/1"}),
        ]:
            refused = await content(fake, path, options, guild_id=OTHER_GUILD_ID)
            what = f"{path[0]} {path[1] if len(path) > 1 else options['action']}"
            assert f"`{what}` changes storybot for every server" in refused
            assert LISTED_ONLY in refused and "this is not one of them" in refused
            # ... whatever the member's role there: Administrator refused as well
            admin = await content(fake, path, options, guild_id=OTHER_GUILD_ID, permissions=8)
            assert LISTED_ONLY in admin
    after = (app.store.list_feeds(), app.store.list_bindings(), app.store.list_stories())
    assert after == before
    assert len(app.store.list_subscriptions("discord", "1")) == 1


@pytest.mark.parametrize("listed", [False, True])
async def test_in_a_direct_message_the_refusal_says_to_run_it_in_a_server(
    fake: FakeDiscord, app: App, listed: bool
) -> None:
    # In a DM, with no list and storybot in its one server, the refusal said the DM was
    # "not one of" the servers `[discord] admin_servers` lists (an empty list), and with
    # a list it read as if the server were the wrong one: a DM is no server at all.
    admin_servers = [str(GUILD_ID)] if listed else []
    async with running(app, admin_servers=admin_servers):
        for path, options in [
            (["feeds", "add"], {"url": FEED}),
            (["stories"], {"action": "remove", "name": "pentagon", "yes": True}),
        ]:
            refused = await content(fake, path, options, dm=True)
            what = f"{path[0]} {path[1] if len(path) > 1 else options['action']}"
            assert refused.startswith(
                f"`{what}` works in a server channel, not in a direct message"
            ), refused
            assert "this is not one of them" not in refused
    assert app.store.get_feed(FEED) is None and app.store.get_story("pentagon") is not None


async def test_an_unlisted_servers_admins_still_follow_and_unfollow_in_their_channels(
    fake: FakeDiscord, app: App
) -> None:
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    async with running(app, admin_servers=[str(GUILD_ID)]):
        followed = await content(fake, ["follow"], {"story": "pentagon"}, guild_id=OTHER_GUILD_ID)
        assert "now follows pentagon" in followed
        [binding] = app.store.bindings_for_channel("discord", str(OTHER_CHANNEL_ID))
        # ... and only their own admins: a member without Manage Server is refused as before
        plain = await content(
            fake, ["unfollow"], {"story": "pentagon"}, guild_id=OTHER_GUILD_ID, permissions=0
        )
        assert "Only admins may use `unfollow`" in plain
        gone = await content(fake, ["unfollow"], {"story": "pentagon"}, guild_id=OTHER_GUILD_ID)
        assert "no longer follows pentagon" in gone
        assert app.store.bindings_for_channel("discord", str(OTHER_CHANNEL_ID)) == []


async def test_a_listed_server_still_needs_manage_server(fake: FakeDiscord, app: App) -> None:
    async with running(app, admin_servers=[str(GUILD_ID)]):
        refused = await content(fake, ["feeds", "add"], {"url": FEED}, permissions=0)
        assert "Only admins may use `feeds add`" in refused
        assert app.store.get_feed(FEED) is None


async def test_everyone_may_not_mean_everyone_in_every_server(fake: FakeDiscord, app: App) -> None:
    """``admin_commands = "everyone"`` lifts the role, not the servers: a stranger's server
    is still no place to remove the stories everyone follows."""
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    async with running(app, admin_policy="everyone", admin_servers=[str(GUILD_ID)]):
        refused = await content(
            fake, ["feeds", "add"], {"url": FEED}, guild_id=OTHER_GUILD_ID, permissions=0
        )
        assert LISTED_ONLY in refused and app.store.get_feed(FEED) is None
        added = await content(fake, ["feeds", "add"], {"url": FEED}, permissions=0)
        assert "Added feed" in added


async def test_with_no_list_the_only_server_storybot_is_in_manages_it(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A single-server install that predates the setting keeps working, with no warning."""
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app):
            assert "Added feed" in await content(fake, ["feeds", "add"], {"url": FEED})
            assert app.store.get_feed(FEED) is not None
    assert "admin_servers" not in caplog.text


async def test_with_no_list_and_two_servers_no_server_manages_it(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app):
            [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert "in 2 Discord servers and [discord] admin_servers is empty" in warning.message
            for guild in (GUILD_ID, OTHER_GUILD_ID):
                refused = await content(fake, ["feeds", "add"], {"url": FEED}, guild_id=guild)
                assert LISTED_ONLY in refused and "That list is empty" in refused
                assert "it is in several" in refused
            assert app.store.get_feed(FEED) is None
            # the per-channel commands are no install-wide change: still the server's admins
            followed = await content(fake, ["follow"], {"story": "pentagon"})
            assert "now follows pentagon" in followed


async def test_with_no_list_a_second_server_ends_the_firsts_say_until_it_leaves(
    fake: FakeDiscord, app: App
) -> None:
    async with running(app):
        assert "Added feed" in await content(fake, ["feeds", "add"], {"url": FEED})
        await fake.join_guild(OTHER_GUILD_ID)
        refused = await content(fake, ["feeds", "remove"], {"url": FEED})
        assert LISTED_ONLY in refused and app.store.get_feed(FEED) is not None
        await fake.leave_guild(OTHER_GUILD_ID)
        assert "Removed feed" in await content(fake, ["feeds", "remove"], {"url": FEED})


async def test_a_server_added_while_running_is_told_in_the_log(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    # with no list, the second server ends the first's say: the operator hears it then,
    # not at the next start; with a list, a server it does not name is said too
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app):
            assert not caplog.records
            await fake.join_guild(OTHER_GUILD_ID)
            await content(fake, ["help"], {})  # the join has been read by then
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"added to the Discord server {OTHER_GUILD_ID}" in warning
    assert "now in 2 servers with [discord] admin_servers empty" in warning
    await fake.leave_guild(OTHER_GUILD_ID)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app, admin_servers=[str(GUILD_ID)]):
            await fake.join_guild(OTHER_GUILD_ID)
            await content(fake, ["help"], {})
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"server {OTHER_GUILD_ID}" in warning and "admin_servers does not list" in warning


async def test_a_server_that_removed_storybot_is_told_in_the_log(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """GUILD_DELETE without ``unavailable``: storybot was kicked or banned, or the server
    was deleted. One warning names the server, counts the follows and subscriptions of its
    channels it cuts off and names the operator's commands for them; the same event with
    ``unavailable: true`` is an outage, not a removal, and says nothing."""
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    follow_everywhere(app)  # one follow in each server's channel, a subscription elsewhere
    now = app.commands.clock.now()
    for query in ("chips", "tariffs"):
        app.store.add_subscription("discord", "2", query, None, now, str(CHANNEL_ID))
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app, admin_servers=[str(GUILD_ID)]):
            await fake.guild_outage(OTHER_GUILD_ID)
            await content(fake, ["help"], {})  # the outage has been read by then
            assert not caplog.records
            await fake.leave_guild(GUILD_ID)
            # the GUILD_DELETE has been read by then, its warning begun (it counts in a
            # thread, so it may still be writing): the adapter's stop waits for it
            await content(fake, ["help"], {}, guild_id=OTHER_GUILD_ID)
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning == (
        f"storybot was removed from the Discord server {GUILD_ID} (Newsroom): 1 follow in "
        "its channels stays, and its alerts are given up (Missing Access) until storybot "
        "is added to the server again; storybot follows lists them, storybot follows "
        "remove discord:CHANNEL_ID stops a channel's; 2 keyword subscriptions were made "
        "there: their DMs fail for a user who shares no other server with storybot "
        "(storybot subscriptions lists who holds the most, storybot subscriptions remove "
        "--user discord:USER_ID --yes removes a user's)"
    )


async def test_a_server_that_held_nothing_says_so_when_it_removes_storybot(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app, admin_servers=[str(GUILD_ID)]):
            await fake.leave_guild(OTHER_GUILD_ID)
            await content(fake, ["help"], {})
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning == (
        f"storybot was removed from the Discord server {OTHER_GUILD_ID} "
        f"(Server {OTHER_GUILD_ID}): no channel of it followed a story"
    )


async def test_storybot_stopped_just_after_a_server_removed_it_still_says_so(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """The warning counts in a thread (the database): a stop that comes meanwhile waits
    for it, so the operator hears of every removal the gateway told before the stop."""
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        adapter = discord_adapter(app, ready_timeout_s=0.01, admin_servers=[str(GUILD_ID)])
        await adapter.start()
        try:
            await fake.leave_guild(OTHER_GUILD_ID)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while adapter.client.get_guild(OTHER_GUILD_ID) is not None:  # GUILD_DELETE read
                assert loop.time() < deadline, "the GUILD_DELETE never came"
                await asyncio.sleep(0.001)
            await asyncio.sleep(0)  # its handlers start (tasks run in order)
        finally:
            await adapter.stop()
        [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"storybot was removed from the Discord server {OTHER_GUILD_ID} ")


async def test_with_no_list_a_server_storybot_is_not_in_is_not_its_only_server(
    fake: FakeDiscord, app: App
) -> None:
    """An app can be added to a server with its commands only (no bot user): the one
    server the bot is in is not that one."""
    async with running(app):
        refused = await content(fake, ["feeds", "add"], {"url": FEED}, guild_id=STRANGER_GUILD_ID)
        assert LISTED_ONLY in refused and app.store.get_feed(FEED) is None


async def test_a_listed_server_storybot_is_not_in_is_warned_of(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters.discord_chat"):
        async with running(app, admin_servers=[str(GUILD_ID), str(STRANGER_GUILD_ID)]):
            pass
    assert f"admin_servers lists {STRANGER_GUILD_ID}, which storybot is not in" in caplog.text
    assert str(GUILD_ID) not in caplog.text


async def test_install_wide_commands_in_a_dm_are_refused(fake: FakeDiscord, app: App) -> None:
    async with running(app, admin_policy="everyone"):
        refused = await content(fake, ["feeds", "add"], {"url": FEED}, dm=True)
        assert "not in a direct message" in refused and app.store.get_feed(FEED) is None


async def test_the_app_reads_admin_servers_from_the_config_file(
    fake: FakeDiscord, sqlite_url: str, clock, tmp_path
) -> None:
    """``storybot run``'s adapter gets the list: a number and a string of digits both."""
    fake.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    config = tmp_path / "storybot.toml"
    config.write_text(f'[discord]\nadmin_servers = [{OTHER_GUILD_ID}, " 42 "]\n')
    settings = load_settings(config, env=environment(fake, sqlite_url))
    assert settings.discord.admin_servers == (str(OTHER_GUILD_ID), "42")
    built = build_app(settings, clock=clock)
    try:
        [adapter] = chat_adapters_from_settings(built, **FAST_READY)
        built.adapters[adapter.platform] = adapter  # aclose() stops it
        await adapter.start()
        refused = await content(fake, ["feeds", "add"], {"url": FEED})
        assert LISTED_ONLY in refused
        added = await content(fake, ["feeds", "add"], {"url": FEED}, guild_id=OTHER_GUILD_ID)
        assert "Added feed" in added
    finally:
        await built.aclose()
