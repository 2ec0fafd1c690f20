"""``/story follow`` on Discord where storybot may not post: refused with the fix, not confirmed.

Before, the follow was confirmed and every alert of it was refused by Discord at its
first post (403 Missing Access or Missing Permissions) and given up. The interaction
carries the bot's permissions in the channel (``app_permissions``), and the gateway's
list of servers says whether the bot is in the server at all; the fake Discord computes
the first and refuses a post as Discord does (``FakeDiscord.permissions_in``).
"""

from __future__ import annotations

from typing import Any

import pytest
from fakes.discord_server import (
    APP_ID,
    CHANNEL_ID,
    EMBED_LINKS,
    EVERYONE,
    INVITED,
    MANAGE_GUILD,
    OTHER_GUILD_ID,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_ID,
    VIEW_CHANNEL,
    FakeDiscord,
    shown,
)
from test_discord_admin_servers import STRANGER_GUILD_ID, running
from test_discord_gateway import (  # noqa: F401  (fixtures)
    App,
    app,
    callback,
    fake,
)

from bot.errors import PermanentDeliveryError
from bot.model import MessageKind, OutboundMessage, Target

INVITE = (
    f"https://discord.com/oauth2/authorize?client_id={APP_ID}"
    "&scope=bot+applications.commands&permissions=19456"
)


async def follow(fake: FakeDiscord, **kw: Any) -> str:
    """What the admin who typed ``/story follow story:pentagon`` sees."""
    options = {"story": "pentagon"}
    interaction = await fake.interact(["follow"], options, permissions=MANAGE_GUILD, **kw)
    body = await callback(fake, interaction)
    return shown(str(body["data"]["content"]))


def alert() -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, "Pentagon talks resume", "Talks resumed.")


@pytest.mark.parametrize(
    ("denied", "missing", "discord_says"),
    [
        (EMBED_LINKS, "lacks the Embed Links permission in this channel", "Missing Permissions"),
        (SEND_MESSAGES, "lacks the Send Messages permission in this channel", "Missing Perm"),
        (SEND_MESSAGES | EMBED_LINKS, "lacks the Send Messages and Embed Links permissions", "Mis"),
        (VIEW_CHANNEL, "lacks the View Channel permission in this channel", "Missing Access"),
    ],
)
async def test_a_follow_where_storybot_may_not_post_is_refused_saying_what_to_give_it(
    fake: FakeDiscord, app: App, denied: int, missing: str, discord_says: str
) -> None:
    fake.bot_permissions[CHANNEL_ID] = (EVERYONE | INVITED) & ~denied
    async with running(app) as adapter:
        refused = await follow(fake)
        # ... as Discord would have refused every alert of the follow
        with pytest.raises(PermanentDeliveryError, match=discord_says):
            await adapter.post(Target("discord", str(CHANNEL_ID)), alert(), idempotency_key="a")
    assert refused.startswith("Can't follow pentagon here yet: storybot " + missing)
    assert "give storybot View Channel, Send Messages and Embed Links here" in refused
    assert app.store.list_bindings() == []


async def test_a_follow_where_storybot_may_post_still_follows(fake: FakeDiscord, app: App) -> None:
    fake.bot_permissions[CHANNEL_ID] = INVITED  # no more than the invite grants
    async with running(app):
        assert "now follows pentagon" in await follow(fake)
    assert len(app.store.list_bindings()) == 1


@pytest.mark.parametrize("how", ["commands only", "removed"])
async def test_a_follow_in_a_server_storybot_is_not_in_is_refused_with_the_link_that_adds_it(
    fake: FakeDiscord, app: App, how: str
) -> None:
    """Discord's app_permissions there are @everyone's plus Embed Links: they refuse
    nothing, and the bot is no member that could post."""
    guild = STRANGER_GUILD_ID
    if how == "removed":
        fake.guild_ids = [*fake.guild_ids, OTHER_GUILD_ID]
        guild = OTHER_GUILD_ID
    async with running(app) as adapter:
        if how == "removed":
            await fake.leave_guild(OTHER_GUILD_ID)  # the gateway tells it before the command
        refused = await follow(fake, guild_id=guild)
        with pytest.raises(PermanentDeliveryError, match="Missing Access"):
            channel = Target("discord", str(fake.channel_of(guild)))
            await adapter.post(channel, alert(), idempotency_key="a")
    assert "storybot is not a member of this server" in refused
    # a bare link Discord shows as one: kept whole, no Markdown escape inside it
    assert f"add it with {INVITE}, then follow again" in refused
    assert f" {INVITE}," in str(fake.callbacks[-1]["data"]["content"])
    assert app.store.list_bindings() == []


async def test_a_follow_in_a_thread_needs_send_messages_in_threads(
    fake: FakeDiscord, app: App
) -> None:
    async with running(app) as adapter:
        refused = await follow(fake, thread=True)
        assert "lacks the Send Messages in Threads permission in this thread" in refused
        assert app.store.list_bindings() == []

        fake.bot_permissions[THREAD_ID] = EVERYONE | INVITED | SEND_MESSAGES_IN_THREADS
        assert "now follows pentagon" in await follow(fake, thread=True)
        [binding] = app.store.list_bindings()
        assert binding.channel_id == str(THREAD_ID)
        await adapter.post(Target("discord", str(THREAD_ID)), alert(), idempotency_key="a")
