"""``/story stories action:add`` end to end over Discord: the app as ``storybot run`` builds
it, the fake Discord gateway, and the seed articles on a local HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakes.discord_server import APP_ID, MANAGE_GUILD, FakeDiscord
from feedserver import FeedServer, feed_server  # noqa: F401  (fixture)
from seed_pages import CHIPS_1, CHIPS_2
from test_discord_gateway import FAST_READY, fake  # noqa: F401  (fixture)

from adapters.app import App, build_app
from adapters.chat_start import chat_adapters_from_settings
from adapters.discord_chat import DiscordAdapter
from adapters.discord_chat.command_text import stories_text
from bot.settings import load_settings

EPHEMERAL = 64


@pytest.fixture
async def app(fake: FakeDiscord, migrated_sqlite_url, clock) -> AsyncIterator[App]:
    settings = load_settings(
        env={
            "STORYBOT_DATABASE_URL": migrated_sqlite_url,
            "STORYBOT_ALLOWED_HOSTS": "127.0.0.1",
            "DISCORD_BOT_TOKEN": fake.token,
            "STORYBOT_DISCORD_API_URL": fake.api_url,
            "STORYBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
        }
    )
    built = build_app(settings, clock=clock)
    [adapter] = chat_adapters_from_settings(built, **FAST_READY)
    assert isinstance(adapter, DiscordAdapter)
    built.adapters[adapter.platform] = adapter  # aclose() stops it
    await adapter.start()
    yield built
    await built.aclose()


async def answer(
    fake: FakeDiscord, options: dict, command: str = "stories", **kw
) -> tuple[dict, str]:
    """The interaction's first answer to ``/story command``, and the text the user finally
    sees (unescaped)."""
    interaction = await fake.interact([command], options, **kw)
    path = rf"/interactions/{interaction['id']}/{interaction['token']}/callback"
    first = (await fake.wait_for_call("POST", path, timeout=30)).json
    if first["type"] == 5:  # deferred: the reply is the first follow-up
        webhook = rf"/webhooks/{APP_ID}/{interaction['token']}"
        content = (await fake.wait_for_call("POST", webhook, timeout=30)).json["content"]
    else:
        content = first["data"]["content"]
    return first, content.replace("\\", "")  # Markdown's escapes, for the asserts


async def test_an_admin_adds_a_story_with_slash_options(fake: FakeDiscord, app, feed_server):
    first = feed_server.add_feed("/chips-1", CHIPS_1, content_type="text/html")
    second = feed_server.add_feed("/chips-2", CHIPS_2, content_type="text/html")
    options = {
        "action": "add",
        "name": "chips-act",
        "urls": f"{first}  {second}",
        "title": 'Chips Act: "the money"',
    }

    _, refused = await answer(fake, options)
    assert "Only admins may use `stories add`" in refused
    assert feed_server.hits("/chips-1") == 0 and app.store.get_story("chips-act") is None

    response, created = await answer(fake, options, permissions=MANAGE_GUILD)
    assert response.get("data", {}).get("flags") == EPHEMERAL
    assert 'Created story chips-act: Chips Act: "the money" (2 seeds)' in created
    assert "`/story follow story:chips-act`" in created  # Discord's own form of follow
    story = app.store.get_story("chips-act")
    assert story is not None and [s.url for s in story.seeds] == [first, second]

    _, listed = await answer(fake, {})
    assert 'chips-act: Chips Act: "the money"' in listed


async def test_a_new_storys_name_of_several_words_is_refused_whole(fake: FakeDiscord, app):
    # was "'name!' is not a valid article URL": the name's second word read as a seed
    options = {"action": "add", "name": "bad name!", "urls": "https://a.example/1"}

    _, refused = await answer(fake, options, permissions=MANAGE_GUILD)

    assert refused == (
        "'bad name!' is not a valid story name: use up to 64 letters (a-z, A-Z), digits, "
        "'-', '_' or '.', starting with a letter or digit (e.g. anthropic-pentagon)."
    )


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({}, "stories"),
        ({"action": "list"}, "stories list"),
        (
            {"action": "add", "name": "x", "urls": "https://a.example/1\nhttps://a.example/2"},
            "stories add x https://a.example/1 https://a.example/2",
        ),
        (
            {"action": "add", "name": "x", "urls": "https://a.example/1", "title": " A  b "},
            "stories add x https://a.example/1 --title A b",
        ),
        ({"action": "remove", "name": "x", "yes": True}, "stories remove x --yes"),
        ({"action": "remove", "name": "x", "yes": False}, "stories remove x"),
    ],
)
def test_slash_options_become_the_typed_command(options, text):
    assert stories_text(**options) == text
